// String instructions (SDM vol. 2): MOVS, CMPS, SCAS, LODS, STOS in byte, word and dword
// forms, alone or with REP / REPE / REPNE.
//
// Operands: the source is seg:ESI with seg = DS unless a prefix overrides it; the
// destination is always ES:EDI (no override). ESI/EDI/ECX, or SI/DI/CX when the address
// size is 16 bits (i.as === 2), move by the element size, down when EFLAGS.DF=1.
// REP (F3) and, as on Intel CPUs, F2 both repeat MOVS/STOS/LODS while the count is not
// zero; CMPS/SCAS stop early under REPE (F3) when ZF=0, under REPNE (F2) when ZF=1.
//
// Restart. Registers are updated element by element (or chunk by chunk on the fast path
// below, a chunk being done completely or not at all), so when an access faults in
// iteration k, ESI/EDI/ECX reflect the k completed iterations and the restarted
// instruction resumes at iteration k, as on hardware.
//
// Interrupt window. A repeated instruction runs at most BUDGET iterations per execution
// (one with EFLAGS.TF set, so single-stepping traps after each iteration); if more
// remain it sets EIP back to itself and ends its block, so the run loop can take
// interrupts and check its cycle limit before it continues. All string instructions
// are therefore marked `ends`.
//
// Fast path. REP MOVS and REP STOS with 32-bit addressing, DF=0 and flat segments copy
// or fill whole runs within a page with typed-array copyWithin/fill on physical memory.
// Each page is translated for the access kind through the TLB/page walk (so A/D bits,
// U/S and R/W checks and #PF are exactly as for element accesses), and writes go
// through Mmu.copyPhys / the code-frame check so decoded blocks in the target frame are
// dropped. Forward copies whose destination overlaps the source ahead of it (the
// "rep movsb replicate" idiom) keep element-by-element semantics.
//
// Cycles (Intel486 PRM; HelpPC's 486 column), c = iterations executed:
//   MOVS 7;  REP MOVS 5 if c=0, 13 if c=1, else 12+3c
//   CMPS 8;  REPE/REPNE CMPS 5 if c=0, else 7+7c
//   SCAS 6;  REPE/REPNE SCAS 5 if c=0, else 7+5c
//   LODS 5;  REP LODS 5 if c=0, else 7+4c
//   STOS 5;  REP STOS 5 if c=0, else 7+4c
// For repeated forms the decode-time `select` sets the instruction's base cycles to 0
// and the handler charges everything: the per-iteration part as iterations complete
// (so cycles spent before a fault stay spent), the fixed part when the repetition ends.
// An instruction split by the interrupt window is charged as one.

import type { OpDef } from '../optable.js';
import type { CPU } from '../cpu.js';
import { REP_NE, REP_NONE, type Handler, type Insn } from '../insn.js';
import { EAX, ECX, EDI, EFLAGS_DF, EFLAGS_TF, ESI, SEG_ES } from '../constants.js';
import { LOP_SUB } from '../flags.js';
import { TLB_V, type Mmu } from '../../mmu/mmu.js';
import { PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from '../../mmu/paging.js';

/** Iterations of a repeated instruction per execution before it yields. */
export const REP_BUDGET = 4096;

const REP_ZERO_CYCLES = 5;
const MOVS_PER = 3;
const MOVS_FIXED = 12;
const CMPS_PER = 7;
const SCAS_PER = 5;
const LODS_PER = 4;
const STOS_PER = 4;
const REP_FIXED = 7;

// ---------------------------------------------------------------------------------
// Element access and index registers.

function load(mmu: Mmu, lin: number, size: number): number {
  return size === 4 ? mmu.read32(lin) : size === 2 ? mmu.read16(lin) : mmu.read8(lin);
}

function store(mmu: Mmu, lin: number, size: number, v: number): void {
  if (size === 4) mmu.write32(lin, v);
  else if (size === 2) mmu.write16(lin, v);
  else mmu.write8(lin, v);
}

/** The accumulator of `size` bytes (AL, AX, EAX). */
function acc(cpu: CPU, size: number): number {
  const a = cpu.regs[EAX];
  return size === 4 ? a : size === 2 ? a & 0xffff : a & 0xff;
}

/** Offset in an index register (ESI, EDI) by address size. */
function index(cpu: CPU, reg: number, as4: boolean): number {
  return as4 ? cpu.regs[reg] : cpu.regs[reg] & 0xffff;
}

/** Set an index register to `v` by address size (SI/DI wrap at 64 KiB). */
function setIndex(cpu: CPU, reg: number, as4: boolean, v: number): void {
  if (as4) cpu.regs[reg] = v;
  else cpu.set16(reg, v);
}

function decCount(cpu: CPU, as4: boolean): void {
  if (as4) cpu.regs[ECX] = (cpu.regs[ECX] - 1) | 0;
  else cpu.set16(ECX, cpu.regs[ECX] - 1);
}

/** Element step: +size, or -size when DF=1. */
function delta(cpu: CPU, size: number): number {
  return cpu.flags & EFLAGS_DF ? -size : size;
}

/** Iterations allowed in this execution of a repeated instruction. */
function budget(cpu: CPU, count: number): number {
  const b = cpu.flags & EFLAGS_TF ? 1 : REP_BUDGET;
  return count < b ? count : b;
}

/** Physical address of `lin` for a read or write, through the TLB or a page walk (#PF). */
function physAddr(mmu: Mmu, lin: number, write: boolean): number {
  const e = mmu.tlb[lin >>> PAGE_SHIFT];
  if ((e & (write ? mmu.wmask : mmu.rmask)) === TLB_V) return (e & ~PAGE_MASK) | (lin & PAGE_MASK);
  return mmu.translate(lin, write, mmu.user);
}

// ---------------------------------------------------------------------------------
// One iteration of each instruction (all accesses before any register update).

function movsOne(cpu: CPU, i: Insn, size: number, as4: boolean, d: number): void {
  const si = index(cpu, ESI, as4);
  const di = index(cpu, EDI, as4);
  const v = load(cpu.mmu, cpu.linear(i.seg, si, size, false), size);
  store(cpu.mmu, cpu.linear(SEG_ES, di, size, true), size, v);
  setIndex(cpu, ESI, as4, si + d);
  setIndex(cpu, EDI, as4, di + d);
}

function stosOne(cpu: CPU, size: number, as4: boolean, d: number): void {
  const di = index(cpu, EDI, as4);
  store(cpu.mmu, cpu.linear(SEG_ES, di, size, true), size, cpu.regs[EAX]);
  setIndex(cpu, EDI, as4, di + d);
}

function lodsOne(cpu: CPU, i: Insn, size: number, as4: boolean, d: number): void {
  const si = index(cpu, ESI, as4);
  const v = load(cpu.mmu, cpu.linear(i.seg, si, size, false), size);
  if (size === 4) cpu.regs[EAX] = v;
  else if (size === 2) cpu.set16(EAX, v);
  else cpu.set8(EAX, v);
  setIndex(cpu, ESI, as4, si + d);
}

/** cmps: flags of [seg:ESI] - [ES:EDI]. Returns whether they were equal (ZF). */
function cmpsOne(cpu: CPU, i: Insn, size: number, as4: boolean, d: number): boolean {
  const si = index(cpu, ESI, as4);
  const di = index(cpu, EDI, as4);
  const a = load(cpu.mmu, cpu.linear(i.seg, si, size, false), size);
  const b = load(cpu.mmu, cpu.linear(SEG_ES, di, size, false), size);
  cpu.setLazy(LOP_SUB, a, b, (a - b) | 0, size * 8);
  setIndex(cpu, ESI, as4, si + d);
  setIndex(cpu, EDI, as4, di + d);
  return a === b;
}

/** scas: flags of accumulator - [ES:EDI]. Returns whether they were equal (ZF). */
function scasOne(cpu: CPU, size: number, as4: boolean, d: number): boolean {
  const di = index(cpu, EDI, as4);
  const b = load(cpu.mmu, cpu.linear(SEG_ES, di, size, false), size);
  const a = acc(cpu, size);
  cpu.setLazy(LOP_SUB, a, b, (a - b) | 0, size * 8);
  setIndex(cpu, EDI, as4, di + d);
  return a === b;
}

// ---------------------------------------------------------------------------------
// Fast-path chunks: 32-bit addressing, DF=0, flat segments. Each call does the elements
// of one page run (at least one element), updates ESI/EDI/ECX and charges their cycles,
// and returns how many it did.

function movsChunk(cpu: CPU, i: Insn, size: number, max: number): number {
  const regs = cpu.regs;
  const mmu = cpu.mmu;
  const src = (cpu.segBase[i.seg] + regs[ESI]) | 0;
  const dst = (cpu.segBase[SEG_ES] + regs[EDI]) | 0;
  let n = ((PAGE_SIZE - (src & PAGE_MASK)) / size) | 0;
  const nd = ((PAGE_SIZE - (dst & PAGE_MASK)) / size) | 0;
  if (nd < n) n = nd;
  if (max < n) n = max;
  if (n > 1) {
    const sp = physAddr(mmu, src, false); // the source first: a fault there is reported first
    const dp = physAddr(mmu, dst, true);
    const bytes = n * size;
    if (sp + bytes <= mmu.ramSize && dp + bytes <= mmu.ramSize && !(dp > sp && dp - sp < bytes)) {
      mmu.copyPhys(dp, sp, bytes);
      regs[ESI] = (regs[ESI] + bytes) | 0;
      regs[EDI] = (regs[EDI] + bytes) | 0;
      regs[ECX] = (regs[ECX] - n) | 0;
      cpu.cycles += MOVS_PER * n;
      return n;
    }
  }
  // One element: it straddles a page, it is the last one, or the run overlaps forward.
  movsOne(cpu, i, size, true, size);
  regs[ECX] = (regs[ECX] - 1) | 0;
  cpu.cycles += MOVS_PER;
  return 1;
}

function stosChunk(cpu: CPU, size: number, max: number): number {
  const regs = cpu.regs;
  const mmu = cpu.mmu;
  const dst = (cpu.segBase[SEG_ES] + regs[EDI]) | 0;
  let n = ((PAGE_SIZE - (dst & PAGE_MASK)) / size) | 0;
  if (max < n) n = max;
  if (n > 1) {
    const dp = physAddr(mmu, dst, true);
    const bytes = n * size;
    if (dp + bytes <= mmu.ramSize) {
      const frame = dp >>> PAGE_SHIFT;
      if (mmu.codeFrames[frame]) mmu.onCodeWrite(frame);
      const v = regs[EAX];
      if (size === 1) mmu.u8.fill(v & 0xff, dp, dp + bytes);
      else if ((dp & (size - 1)) === 0) {
        if (size === 4) mmu.i32.fill(v, dp >>> 2, (dp + bytes) >>> 2);
        else mmu.u16.fill(v & 0xffff, dp >>> 1, (dp + bytes) >>> 1);
      } else {
        const u8 = mmu.u8;
        for (let k = 0; k < bytes; k++) u8[dp + k] = v >>> (8 * (k & (size - 1)));
      }
      regs[EDI] = (regs[EDI] + bytes) | 0;
      regs[ECX] = (regs[ECX] - n) | 0;
      cpu.cycles += STOS_PER * n;
      return n;
    }
  }
  stosOne(cpu, size, true, size);
  regs[ECX] = (regs[ECX] - 1) | 0;
  cpu.cycles += STOS_PER;
  return 1;
}

// ---------------------------------------------------------------------------------
// Handlers: without a prefix one iteration (xxxOnce); with REP/REPE/REPNE (xxxRep), the
// iterations between repBegin and repEnd.

function count(cpu: CPU, as4: boolean): number {
  return as4 ? cpu.regs[ECX] >>> 0 : cpu.regs[ECX] & 0xffff;
}

function movsOnce(size: number): Handler {
  return (cpu, i) => movsOne(cpu, i, size, i.as === 4, delta(cpu, size));
}

function stosOnce(size: number): Handler {
  return (cpu, i) => stosOne(cpu, size, i.as === 4, delta(cpu, size));
}

function lodsOnce(size: number): Handler {
  return (cpu, i) => lodsOne(cpu, i, size, i.as === 4, delta(cpu, size));
}

function cmpsOnce(size: number): Handler {
  return (cpu, i) => {
    cmpsOne(cpu, i, size, i.as === 4, delta(cpu, size));
  };
}

function scasOnce(size: number): Handler {
  return (cpu, i) => {
    scasOne(cpu, size, i.as === 4, delta(cpu, size));
  };
}

/**
 * Start of an execution of a repeated instruction: returns how many iterations it may do
 * now (the count, at most the interrupt window), or 0 for a zero count, which only costs
 * REP_ZERO_CYCLES.
 */
function repBegin(cpu: CPU, as4: boolean): number {
  const c = count(cpu, as4);
  if (c === 0) {
    cpu.cycles += REP_ZERO_CYCLES;
    return 0;
  }
  return budget(cpu, c);
}

/**
 * End of an execution of a repeated instruction: unless the repetition is over (the
 * count is zero, or it `ended` early on the ZF condition), EIP goes back to the
 * instruction so it continues after the interrupt window; once it is over, the `fixed`
 * cycles are charged.
 */
function repEnd(cpu: CPU, i: Insn, as4: boolean, ended: boolean, fixed: number): void {
  if (!ended && count(cpu, as4) !== 0) cpu.eip = i.eip;
  else cpu.cycles += fixed;
}

function movsRep(size: number): Handler {
  return (cpu, i) => {
    const as4 = i.as === 4;
    const n = repBegin(cpu, as4);
    if (n === 0) return;
    const d = delta(cpu, size);
    if (as4 && d > 0 && cpu.segFlat[i.seg] && cpu.segFlat[SEG_ES]) {
      for (let done = 0; done < n;) done += movsChunk(cpu, i, size, n - done);
    } else {
      for (let k = 0; k < n; k++) {
        movsOne(cpu, i, size, as4, d);
        decCount(cpu, as4);
        cpu.cycles += MOVS_PER;
      }
    }
    // When the repetition is over here, n was the whole count: 13 cycles for a count of 1.
    repEnd(cpu, i, as4, false, n === 1 ? 13 - MOVS_PER : MOVS_FIXED);
  };
}

function stosRep(size: number): Handler {
  return (cpu, i) => {
    const as4 = i.as === 4;
    const n = repBegin(cpu, as4);
    if (n === 0) return;
    const d = delta(cpu, size);
    if (as4 && d > 0 && cpu.segFlat[SEG_ES]) {
      for (let done = 0; done < n;) done += stosChunk(cpu, size, n - done);
    } else {
      for (let k = 0; k < n; k++) {
        stosOne(cpu, size, as4, d);
        decCount(cpu, as4);
        cpu.cycles += STOS_PER;
      }
    }
    repEnd(cpu, i, as4, false, REP_FIXED);
  };
}

function lodsRep(size: number): Handler {
  return (cpu, i) => {
    const as4 = i.as === 4;
    const n = repBegin(cpu, as4);
    if (n === 0) return;
    const d = delta(cpu, size);
    for (let k = 0; k < n; k++) {
      lodsOne(cpu, i, size, as4, d);
      decCount(cpu, as4);
      cpu.cycles += LODS_PER;
    }
    repEnd(cpu, i, as4, false, REP_FIXED);
  };
}

// CMPS and SCAS differ only in the compared element, but are kept as two loops: merged
// (one closure site, or a shared function with a flag) V8 compiles one body for both,
// and REPNE SCASB, the strlen idiom, got 10-20% slower.

/** REPE (F3) stops after an unequal pair, REPNE (F2) after an equal one. */
function cmpsRep(size: number): Handler {
  return (cpu, i) => {
    const as4 = i.as === 4;
    const n = repBegin(cpu, as4);
    if (n === 0) return;
    const d = delta(cpu, size);
    const repne = i.rep === REP_NE;
    let ended = false;
    for (let k = 0; k < n; k++) {
      const eq = cmpsOne(cpu, i, size, as4, d);
      decCount(cpu, as4);
      cpu.cycles += CMPS_PER;
      if (eq === repne) {
        ended = true;
        break;
      }
    }
    repEnd(cpu, i, as4, ended, REP_FIXED);
  };
}

function scasRep(size: number): Handler {
  return (cpu, i) => {
    const as4 = i.as === 4;
    const n = repBegin(cpu, as4);
    if (n === 0) return;
    const d = delta(cpu, size);
    const repne = i.rep === REP_NE;
    let ended = false;
    for (let k = 0; k < n; k++) {
      const eq = scasOne(cpu, size, as4, d);
      decCount(cpu, as4);
      cpu.cycles += SCAS_PER;
      if (eq === repne) {
        ended = true;
        break;
      }
    }
    repEnd(cpu, i, as4, ended, REP_FIXED);
  };
}

// ---------------------------------------------------------------------------------
// The table. Handlers are built once per element size (index 1, 2, 4) and chosen at
// decode time by operand size and prefix.

type BySize = Handler[];

function bySize(make: (size: number) => Handler): BySize {
  const t: BySize = [];
  t[1] = make(1);
  t[2] = make(2);
  t[4] = make(4);
  return t;
}

interface Forms {
  once: BySize;
  /** Under F3 or F2 (REP, REPE, REPNE; CMPS/SCAS tell REPE from REPNE by i.rep). */
  rep: BySize;
}

function forms(once: (s: number) => Handler, rep: (s: number) => Handler): Forms {
  return { once: bySize(once), rep: bySize(rep) };
}

const MOVS = forms(movsOnce, movsRep);
const STOS = forms(stosOnce, stosRep);
const LODS = forms(lodsOnce, lodsRep);
const CMPS = forms(cmpsOnce, cmpsRep);
const SCAS = forms(scasOnce, scasRep);

function pick(f: Forms, i: Insn, byte: boolean): Handler {
  const size = byte ? 1 : i.os;
  return i.rep === REP_NONE ? f.once[size] : f.rep[size];
}

function def(
  code: number, mnemonic: string, operands: string, cycles: number, f: Forms, byte: boolean, cmp: boolean,
): OpDef {
  return {
    code: [code], mnemonic, operands, cycles, ends: true,
    flagsRead: 'd', flagsWritten: cmp ? 'oszapc' : '',
    exec: (cpu, i) => pick(f, i, byte)(cpu, i),
    select: (i) => {
      if (i.rep !== REP_NONE) i.cycles = 0; // the repeated handler charges all its cycles
      return pick(f, i, byte);
    },
  };
}

export const STRING_OPS: OpDef[] = [
  def(0xa4, 'movs', 'Yb,Xb', 7, MOVS, true, false),
  def(0xa5, 'movs', 'Yv,Xv', 7, MOVS, false, false),
  def(0xa6, 'cmps', 'Xb,Yb', 8, CMPS, true, true),
  def(0xa7, 'cmps', 'Xv,Yv', 8, CMPS, false, true),
  def(0xaa, 'stos', 'Yb,AL', 5, STOS, true, false),
  def(0xab, 'stos', 'Yv,eAX', 5, STOS, false, false),
  def(0xac, 'lods', 'AL,Xb', 5, LODS, true, false),
  def(0xad, 'lods', 'eAX,Xv', 5, LODS, false, false),
  def(0xae, 'scas', 'AL,Yb', 6, SCAS, true, true),
  def(0xaf, 'scas', 'eAX,Yv', 6, SCAS, false, true),
];
