// The instruction decoder: prefixes, opcode, ModRM/SIB/displacement and immediates, driven
// by the dispatch that optable.ts builds from the opcode table. It produces Insn objects
// for the block cache (and for the disassembler through decodeAt).

import { EBP, ESP, REG_NONE, SEG_CS, SEG_DS, SEG_SS, VEC_GP, VEC_UD } from './constants.js';
import type { CPU } from './cpu.js';
import { raise } from './fault.js';
import { Insn, REP_E, REP_NE, type Handler } from './insn.js';
import { DISPATCH, hasZ, needsModrm, type OpDef } from './optable.js';
import { Block, MAX_BLOCK } from './blocks.js';
import { PAGE_MASK, PAGE_SHIFT } from '../mmu/paging.js';

/** How to decode the bytes after the opcode, precomputed once per table entry. */
interface Plan {
  modrm: boolean;
  z: boolean;
  /** Immediate kinds in order: 'b' imm8, 'bs' imm8 sign-extended, 'w' imm16, 'd' imm32,
   *  'v' operand-sized, 'jb'/'jv' relative targets, 'o' moffs, 'p' far pointer. */
  imms: string[];
  /** Byte-sized operation (no 16/32 distinction). */
  handler: Handler;
  /** MOV to/from CRn/DRn: the ModRM mod field is ignored, r/m always names a register
   *  (SDM vol. 2 MOV—Move to/from Control/Debug Registers). */
  regOnly: boolean;
}

const plans = new WeakMap<OpDef, Plan>();

function planFor(def: OpDef): Plan {
  let p = plans.get(def);
  if (p) return p;
  const imms: string[] = [];
  for (const op of def.operands.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (op === 'Ib' || op === 'Ibs' || op === 'Iw' || op === 'Id' || op === 'Iv') {
      imms.push(op === 'Ib' ? 'b' : op === 'Ibs' ? 'bs' : op === 'Iw' ? 'w' : op === 'Id' ? 'd' : 'v');
    } else if (op === 'Jb' || op === 'Jv') imms.push(op === 'Jb' ? 'jb' : 'jv');
    else if (op[0] === 'O') imms.push('o');
    else if (op === 'Ap') imms.push('p');
  }
  const exec = def.exec;
  const handler: Handler = def.privileged
    ? (cpu, i) => {
        if (cpu.cpl !== 0) raise(VEC_GP, 0);
        exec(cpu, i);
      }
    : exec;
  p = { modrm: needsModrm(def), z: hasZ(def), imms, handler, regOnly: /(^|,)[CD]d/.test(def.operands) };
  plans.set(def, p);
  return p;
}

/** Stand-in table entries for undecodable bytes: they raise when executed, not decoded. */
const UD_DEF: OpDef = { code: [], mnemonic: '(bad)', operands: '', cycles: 1, ends: true, exec: () => raise(VEC_UD, -1) };
const TOO_LONG_DEF: OpDef = { code: [], mnemonic: '(bad)', operands: '', cycles: 1, ends: true, exec: () => raise(VEC_GP, 0) };
/** x87 escape bytes with no table entry: #NM under CR0.EM/TS (as every escape), else #UD. */
const FPU_DEF: OpDef = { code: [], mnemonic: '(fpu)', operands: '', cycles: 1, ends: true, exec: (cpu) => cpu.noFpu() };

/** Thrown (internally) when a non-first instruction of a block would cross its page. */
const CROSS = { cross: true };

/** A byte source for the decoder: guest memory through the MMU, or a host buffer. */
export interface ByteSource {
  /** The byte at offset k from the instruction start; may throw CROSS or FAULT. */
  byte(k: number): number;
}

class Fetcher implements ByteSource {
  start = 0;
  constructor(
    private readonly cpu: CPU,
    private readonly physBase: number, // physical address of the block's page
    private readonly pageLin: number, // linear address of that page
    private readonly first: () => boolean,
  ) {}

  byte(k: number): number {
    const lin = (this.start + k) | 0;
    if (((lin ^ this.pageLin) >>> PAGE_SHIFT) === 0) return this.cpu.mmu.readPhys8(this.physBase | (lin & PAGE_MASK));
    if (!this.first()) throw CROSS;
    // The first instruction of a block may straddle the page: fetch through the MMU (#PF).
    return this.cpu.mmu.read8(lin);
  }
}

/** Decode one instruction whose bytes come from `src`, at `eip`. */
export function decodeInsn(src: ByteSource, eip: number, code32: boolean): Insn {
  let k = 0;
  let os = code32 ? 4 : 2;
  let as = code32 ? 4 : 2;
  let seg = -1;
  let rep = 0;
  let lock = false;
  let b: number;
  for (;;) {
    if (k >= 15) return finishBad(TOO_LONG_DEF, eip, k, src);
    b = src.byte(k++);
    if (b === 0x66) os = code32 ? 2 : 4;
    else if (b === 0x67) as = code32 ? 2 : 4;
    else if (b === 0xf0) lock = true;
    else if (b === 0xf2) rep = REP_NE;
    else if (b === 0xf3) rep = REP_E;
    else if (b === 0x26) seg = 0;
    else if (b === 0x2e) seg = 1;
    else if (b === 0x36) seg = 2;
    else if (b === 0x3e) seg = 3;
    else if (b === 0x64) seg = 4;
    else if (b === 0x65) seg = 5;
    else break;
  }
  let idx = b;
  if (b === 0x0f) {
    if (k >= 15) return finishBad(TOO_LONG_DEF, eip, k, src);
    idx = 256 + src.byte(k++);
  }
  // x87 escapes (D8-DF) always have a ModRM byte; a form with no table entry raises #NM
  // or #UD when executed (FPU_DEF).
  const isEsc = idx >= 0xd8 && idx <= 0xdf;
  const slot = DISPATCH[idx];
  let def: OpDef | undefined = slot?.single;
  let modrm = -1;
  if (isEsc || (slot && !def)) {
    if (k >= 15) return finishBad(TOO_LONG_DEF, eip, k, src);
    modrm = src.byte(k++);
    const g = slot?.group?.[(modrm >> 3) & 7];
    def = g ? ((modrm >> 6) === 3 ? (g.rms ? g.rms[modrm & 7] : g.reg) : g.mem) : undefined;
    if (!def && isEsc) def = FPU_DEF;
  }
  if (!def) return finishBad(UD_DEF, eip, k, src);

  const plan = def === FPU_DEF ? FPU_PLAN : planFor(def);
  const i = new Insn(def, plan.handler);
  i.eip = eip;
  i.os = os;
  i.as = as;
  i.rep = rep;
  i.lock = lock;
  if (plan.z) i.reg = (idx & 7);
  // x87: imm2 holds the FOP, the 11-bit opcode FNSTENV stores (SDM vol. 1 §8.1.9).
  if (isEsc) i.imm2 = ((idx & 7) << 8) | modrm;

  if (plan.modrm) {
    if (modrm < 0) modrm = src.byte(k++);
    const mod = modrm >> 6;
    i.reg = (modrm >> 3) & 7;
    const rm = modrm & 7;
    if (mod === 3 || plan.regOnly) {
      i.mod3 = true;
      i.rm = rm;
    } else if (as === 4) {
      let base = rm;
      if (rm === 4) {
        const sib = src.byte(k++);
        i.scale = sib >> 6;
        const index = (sib >> 3) & 7;
        i.index = index === 4 ? REG_NONE : index;
        base = sib & 7;
        if (base === 5 && mod === 0) {
          base = REG_NONE;
          i.disp = read32(src, k);
          k += 4;
        }
      } else if (rm === 5 && mod === 0) {
        base = REG_NONE;
        i.disp = read32(src, k);
        k += 4;
      }
      i.base = base;
      if (mod === 1) i.disp = (src.byte(k++) << 24) >> 24;
      else if (mod === 2) {
        i.disp = read32(src, k);
        k += 4;
      }
      i.seg = base === ESP || base === EBP ? SEG_SS : SEG_DS;
    } else {
      // 16-bit addressing (SDM vol. 2 table 2-1)
      i.amask = 0xffff;
      const BASE16 = [3, 3, 5, 5, 6, 7, 5, 3]; // bx bx bp bp si di bp bx
      const INDEX16 = [6, 7, 6, 7, REG_NONE, REG_NONE, REG_NONE, REG_NONE]; // si di si di
      if (mod === 0 && rm === 6) {
        i.base = REG_NONE;
        i.disp = src.byte(k) | (src.byte(k + 1) << 8);
        k += 2;
        i.seg = SEG_DS;
      } else {
        i.base = BASE16[rm];
        i.index = INDEX16[rm];
        i.seg = rm === 2 || rm === 3 || rm === 6 ? SEG_SS : SEG_DS;
        if (mod === 1) i.disp = (src.byte(k++) << 24) >> 24;
        else if (mod === 2) {
          i.disp = src.byte(k) | (src.byte(k + 1) << 8);
          k += 2;
        }
      }
    }
  }

  let nimm = 0;
  for (const kind of plan.imms) {
    let v: number;
    switch (kind) {
      case 'b': v = src.byte(k++); break;
      case 'bs': v = (src.byte(k++) << 24) >> 24; if (os === 2) v &= 0xffff; break;
      case 'w': v = src.byte(k) | (src.byte(k + 1) << 8); k += 2; break;
      case 'd': v = read32(src, k); k += 4; break;
      case 'v':
        if (os === 4) { v = read32(src, k); k += 4; } else { v = src.byte(k) | (src.byte(k + 1) << 8); k += 2; }
        break;
      case 'jb': {
        const rel = (src.byte(k++) << 24) >> 24;
        v = relTarget(eip, k, rel, os);
        break;
      }
      case 'jv': {
        let rel: number;
        if (os === 4) { rel = read32(src, k); k += 4; } else { rel = (src.byte(k) | (src.byte(k + 1) << 8)) << 16 >> 16; k += 2; }
        v = relTarget(eip, k, rel, os);
        break;
      }
      case 'o':
        if (as === 4) { i.disp = read32(src, k); k += 4; } else { i.disp = src.byte(k) | (src.byte(k + 1) << 8); k += 2; i.amask = 0xffff; }
        i.base = REG_NONE;
        i.index = REG_NONE;
        i.seg = SEG_DS;
        continue;
      default: { // 'p': ptr16:16 or ptr16:32
        if (os === 4) { v = read32(src, k) >>> 0; k += 4; } else { v = src.byte(k) | (src.byte(k + 1) << 8); k += 2; }
        i.imm2 = src.byte(k) | (src.byte(k + 1) << 8);
        k += 2;
        i.imm = v;
        nimm = 2;
        continue;
      }
    }
    if (nimm++ === 0) i.imm = v;
    else i.imm2 = v;
  }
  if (k > 15) return finishBad(TOO_LONG_DEF, eip, 15, src);
  if (seg >= 0) i.seg = seg;
  i.len = k;
  i.next = (eip + k) >>> 0;
  if (!code32) i.next &= 0xffff;
  const c = def.cycles;
  i.cycles = typeof c === 'number' ? c : i.mod3 ? c[0] : c[1];
  i.fn = def.select ? def.select(i) : plan.handler;
  if (def.select && def.privileged) i.fn = plan.handler; // privilege wrapper wins
  for (let n = 0; n < k; n++) i.bytes.push(src.byte(n));
  return i;
}

const FPU_PLAN: Plan = { modrm: true, z: false, imms: [], handler: FPU_DEF.exec, regOnly: false };

function relTarget(eip: number, k: number, rel: number, os: number): number {
  const t = (eip + k + rel) >>> 0;
  return os === 2 ? t & 0xffff : t;
}

function read32(src: ByteSource, k: number): number {
  return src.byte(k) | (src.byte(k + 1) << 8) | (src.byte(k + 2) << 16) | (src.byte(k + 3) << 24);
}

function finishBad(def: OpDef, eip: number, k: number, src: ByteSource): Insn {
  const i = new Insn(def, def.exec);
  i.eip = eip;
  i.len = k;
  i.next = (eip + k) >>> 0;
  i.cycles = 1;
  for (let n = 0; n < k; n++) i.bytes.push(src.byte(n));
  return i;
}

/**
 * Decode the block starting at CS:EIP, whose first byte is at linear `lin` and physical
 * `phys`. Raises #PF only if the first instruction's bytes cannot be fetched.
 */
export function decodeBlock(cpu: CPU, lin: number, phys: number): Block {
  const insns: Insn[] = [];
  const fetch = new Fetcher(cpu, phys & ~PAGE_MASK, lin & ~PAGE_MASK, () => insns.length === 0);
  let eip = cpu.eip;
  let uncached = false;
  const code32 = cpu.code32;
  const base = cpu.segBase[1];
  for (;;) {
    fetch.start = (base + eip) | 0;
    let i: Insn;
    try {
      i = decodeInsn(fetch, eip, code32);
    } catch (e) {
      if (e === CROSS) break;
      throw e;
    }
    insns.push(i);
    const endLin = (base + eip + i.len - 1) | 0;
    if ((endLin ^ lin) >>> PAGE_SHIFT) {
      uncached = true; // straddles into the next page
      break;
    }
    if (i.def.ends || insns.length >= MAX_BLOCK) break;
    // mov Sw,Ew ends the block unless it loads DS, ES, FS or GS
    if (i.def.loadsSeg === 'reg' && (i.reg === SEG_SS || i.reg === SEG_CS || i.reg > 5)) break;
    eip = i.next;
    if ((((base + eip) | 0) ^ lin) >>> PAGE_SHIFT) break; // next instruction is on the next page
  }
  const block = new Block(phys, cpu.eip, code32, insns);
  block.uncached = uncached;
  return block;
}

/** Decode the instruction at a host buffer offset (the disassembler). */
export function decodeAt(bytes: Uint8Array, offset: number, eip: number, code32 = true): Insn {
  return decodeInsn({ byte: (k) => (offset + k < bytes.length ? bytes[offset + k] : 0) }, eip, code32);
}
