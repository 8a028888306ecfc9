// Runs differential cases on forkbox: a CPU + MMU built directly (no kernel), in the
// state a Linux process is in: CPL 3, flat 4 GiB user segments with the host's selectors,
// paging on with CR0.WP. The case window is mapped at the same linear address as in the
// native harness (WIN), so registers that hold pointers compare equal; the instruction
// itself runs from another user page. Every other page is unmapped: an access outside
// the window raises #PF instead of silently reading zeroes.
//
// One instruction is executed with cpu.step(1). Exceptions are not delivered: the
// vector is recorded (there is no IDT) and the case reports it.

import { CPU, SEGATTR_DB, SEGATTR_G } from '../../src/cpu/cpu.js';
import { Mmu } from '../../src/mmu/mmu.js';
import { CR0_PG, CR0_WP, SEG_CS, SEG_SS } from '../../src/cpu/constants.js';
import { PTE_P, PTE_U, PTE_W } from '../../src/mmu/paging.js';
import { ESP0, WIN, WIN_SIZE, type DiffCase } from './diff-cases.js';

const PD = 0x1000;
const PT = 0x2000;
const WIN_PHYS = 0x3000;
const CODE_PHYS = 0x4000;
export const CODE_LIN = 0x08070000;
const USER = PTE_U | PTE_W | PTE_P;

export interface ForkboxResult {
  regs: Uint32Array;
  eflags: number;
  mem: Uint8Array;
  eip: number;
  /** The exception the instruction raised, if any. */
  fault: { vector: number; error: number } | null;
  /** A host exception thrown by forkbox (a bug, e.g. an unimplemented handler). */
  crash: string | null;
}

export class ForkboxRunner {
  readonly mmu = new Mmu(1 << 20);
  readonly cpu = new CPU(this.mmu);
  private fault: ForkboxResult['fault'] = null;
  private readonly pad = new Uint8Array(32).fill(0xf4); // hlt: ends the decoded block

  /** `selectors`: es cs ss ds fs gs as the host set them for the native harness. */
  constructor(private readonly selectors: number[]) {
    if ((WIN ^ CODE_LIN) >>> 22) throw new Error('window and code must share a page table');
    const { mmu, cpu } = this;
    mmu.writePhys32(PD + 4 * (WIN >>> 22), PT | USER);
    mmu.writePhys32(PT + 4 * ((WIN >>> 12) & 0x3ff), WIN_PHYS | USER);
    mmu.writePhys32(PT + 4 * ((CODE_LIN >>> 12) & 0x3ff), CODE_PHYS | USER);
    mmu.fillPhys(CODE_PHYS, 4096, 0xf4);
    mmu.setCr3(PD);
    mmu.setCr0(mmu.cr0 | CR0_PG | CR0_WP);
    cpu.deliver = (vector: number, error: number) => {
      this.fault = { vector, error };
    };
  }

  private loadSegments(): void {
    const cpu = this.cpu;
    for (let s = 0; s < 6; s++) {
      const sel = this.selectors[s];
      if (sel < 4 && s !== SEG_CS && s !== SEG_SS) {
        cpu.setSegCache(s, sel, 0, 0, 0); // null selector: unusable
        continue;
      }
      // P, DPL 3, S, type: execute/read (CS) or read/write data, accessed; 32-bit, 4 KiB granular.
      const attr = (s === SEG_CS ? 0xfb : 0xf3) | SEGATTR_DB | SEGATTR_G;
      cpu.setSegCache(s, sel, 0, 0xffffffff, attr);
    }
    cpu.setCpl(3);
  }

  run(c: DiffCase): ForkboxResult {
    const { cpu, mmu } = this;
    this.loadSegments();
    mmu.writePhysBytes(WIN_PHYS, c.mem);
    mmu.writePhysBytes(CODE_PHYS, c.bytes);
    mmu.writePhysBytes(CODE_PHYS + c.bytes.length, this.pad);
    for (let r = 0; r < 8; r++) cpu.regs[r] = c.regs[r];
    cpu.regs[4] = ESP0;
    cpu.flags = c.eflags | 0x202;
    cpu.lazy = 0;
    cpu.eip = CODE_LIN;
    cpu.halted = false;
    cpu.intShadow = false;
    this.fault = null;
    let crash: string | null = null;
    try {
      cpu.step(1);
    } catch (e) {
      crash = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    const regs = new Uint32Array(8);
    for (let r = 0; r < 8; r++) regs[r] = cpu.regs[r] >>> 0;
    return {
      regs,
      eflags: cpu.getFlags() >>> 0,
      mem: mmu.u8.slice(WIN_PHYS, WIN_PHYS + WIN_SIZE),
      eip: cpu.eip >>> 0,
      fault: this.fault,
      crash,
    };
  }
}
