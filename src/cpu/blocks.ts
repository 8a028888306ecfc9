// Decoded basic blocks, cached by the physical address of their first instruction.
//
// A block is a run of decoded instructions that ends at the first instruction marked
// `ends` in the opcode table (control transfers, mode changes), at the end of the 4 KiB
// page, or after MAX_BLOCK instructions. Lookup is a TLB hit plus one probe of a
// direct-mapped array. A frame that holds blocks is marked in the MMU, so a write to it
// (self-modifying code, a loader, copy-on-write reuse of the frame) drops its blocks.
//
// As on an i486 with its prefetch queue, a write into the block being executed takes
// effect when that block ends (after the next jump).

import { SEG_CS, VEC_GP } from './constants.js';
import type { CPU } from './cpu.js';
import { decodeBlock } from './decoder.js';
import type { Insn } from './insn.js';
import { TLB_V } from '../mmu/mmu.js';
import { PAGE_MASK, PAGE_SHIFT } from '../mmu/paging.js';
import { raise } from './fault.js';
import type { CompiledBlock } from './jit.js';

export const MAX_BLOCK = 64;
const CACHE_BITS = 16;
const CACHE_SIZE = 1 << CACHE_BITS;

export class Block {
  /** Physical address of the first byte, and the EIP and code size it was decoded for. */
  phys: number;
  eip: number;
  code32: boolean;
  insns: Insn[];
  valid = true;
  /** Not cacheable: its last instruction crosses into the next page. */
  uncached = false;
  /** Executions so far, and the compiled form once hot (jit.ts); NOT_COMPILED if none. */
  hits = 0;
  compiled: CompiledBlock | null = null;

  constructor(phys: number, eip: number, code32: boolean, insns: Insn[]) {
    this.phys = phys;
    this.eip = eip;
    this.code32 = code32;
    this.insns = insns;
  }
}

export interface BlockStats {
  decoded: number;
  invalidated: number;
}

export class BlockCache {
  private readonly cpu: CPU;
  private readonly cache: Array<Block | null> = new Array(CACHE_SIZE).fill(null);
  private readonly byFrame = new Map<number, Block[]>();
  readonly stats: BlockStats = { decoded: 0, invalidated: 0 };

  constructor(cpu: CPU) {
    this.cpu = cpu;
  }

  /** The block at CS:EIP, decoding it if needed. May raise #PF / #GP on the fetch. */
  lookup(): Block {
    const cpu = this.cpu;
    const eip = cpu.eip;
    if (eip > cpu.segLimit[SEG_CS]) raise(VEC_GP, 0);
    const lin = (cpu.segBase[SEG_CS] + eip) | 0;
    const mmu = cpu.mmu;
    const e = mmu.tlb[lin >>> PAGE_SHIFT];
    const phys = (e & mmu.rmask) === TLB_V ? (e & ~PAGE_MASK) | (lin & PAGE_MASK) : mmu.translate(lin, false, mmu.user);
    const slot = (phys ^ (phys >>> CACHE_BITS)) & (CACHE_SIZE - 1);
    const b = this.cache[slot];
    if (b !== null && b.phys === phys && b.eip === eip && b.code32 === cpu.code32) return b;
    const block = decodeBlock(cpu, lin, phys);
    this.stats.decoded++;
    if (block.uncached) return block;
    if (b !== null) b.valid = false;
    this.cache[slot] = block;
    const frame = phys >>> PAGE_SHIFT;
    let list = this.byFrame.get(frame);
    if (!list) {
      list = [];
      this.byFrame.set(frame, list);
      mmu.markCode(frame);
    }
    list.push(block);
    if (list.length > 256) this.compact(frame, list);
    return block;
  }

  /** Drop every block in `frame` (its memory is being written). */
  invalidateFrame(frame: number): void {
    const list = this.byFrame.get(frame);
    if (list) {
      for (const b of list) {
        if (!b.valid) continue;
        b.valid = false;
        const slot = (b.phys ^ (b.phys >>> CACHE_BITS)) & (CACHE_SIZE - 1);
        if (this.cache[slot] === b) this.cache[slot] = null;
        this.stats.invalidated++;
      }
      this.byFrame.delete(frame);
    }
    this.cpu.mmu.clearCode(frame);
  }

  /** Drop everything (e.g. the code-size default changed everywhere). */
  clear(): void {
    for (const frame of [...this.byFrame.keys()]) this.invalidateFrame(frame);
  }

  private compact(frame: number, list: Block[]): void {
    const live = list.filter((b) => b.valid);
    this.byFrame.set(frame, live);
  }
}
