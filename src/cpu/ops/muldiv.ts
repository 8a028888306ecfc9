// Multiply and divide: mul, imul (one, two and three operands), div, idiv (SDM vol. 2).
// F6/F7 /0-/3 (test, not, neg) are in alu.ts; this file has /4-/7.
//
// div/idiv raise #DE (vector 0, no error code) for a zero divisor and for a quotient that
// does not fit the destination, including idiv of -2^31 (EDX:EAX = FFFFFFFF:80000000)
// or -2^63 by -1. The registers are left unchanged then.
//
// Undefined flags, as the host Intel CPU (a Rocket Lake Xeon) does, established by
// running each form natively on random operands and random input flags:
//  - mul/imul (every form): SF = the top bit of the low half of the product (AL, AX, EAX
//    or the destination), PF = parity of its low byte, ZF = 0, AF = 0.
//  - div/idiv: every arithmetic flag unchanged.
//
// Cycles (Intel486 PRM): mul/imul r/m8 13-18, r/m16 13-26, r/m32 13-42, the same for
// the register and memory forms and for imul r,r/m(,imm). The range is the 80386 PRM's
// early-out formula moved to the i486 base: 10 + max(ceil(log2(|m|)), 3) clocks for a
// multiplier m != 0 (13 for m = 0), which gives exactly 18/26/42 at 8/16/32 bits; the
// multiplier is the r/m operand, or the immediate of the three-operand forms, and its
// magnitude's bit length stands for ceil(log2). div r/m8 16, r/m16 24, r/m32 40; idiv
// r8 19, r16 27, r32 43 and one more for a memory operand (20, 28, 44).

import type { OpDef } from '../optable.js';
import type { CPU } from '../cpu.js';
import type { Handler, Insn } from '../insn.js';
import { raise } from '../fault.js';
import { PARITY } from '../flags.js';
import { EAX, EDX, EFLAGS_CF, EFLAGS_OF, EFLAGS_SF, VEC_DE } from '../constants.js';

const CF_OF = EFLAGS_CF | EFLAGS_OF;

/** Clocks above the base 13 for a multiplier of magnitude `m` (an unsigned number). */
function mulExtra(m: number): number {
  const bits = 32 - Math.clz32(m);
  return bits > 3 ? bits - 3 : 0;
}

/** Flags of a multiply: CF = OF = `overflow`; SF, PF from the low half (see header). */
function mulFlags(cpu: CPU, lo: number, size: number, overflow: boolean): void {
  cpu.setArith((overflow ? CF_OF : 0) | ((lo >>> (size - 1)) & 1 ? EFLAGS_SF : 0) | PARITY[lo & 0xff]);
}

/** High half of the last 32x32-bit product computed by mul32/imul32. */
let mulHi = 0;

/** Unsigned 32x32 → 64-bit product: returns the low half, sets mulHi. */
function mul32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  mulHi = (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
  return Math.imul(a, b);
}

/** Signed 32x32 → 64-bit product: returns the low half, sets mulHi. */
function imul32(a: number, b: number): number {
  const lo = mul32(a, b);
  mulHi = (mulHi - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
  return lo;
}

/** Clocks above the base 13 for a signed multiplier `m` (int32, or a sign-extended 8/16-bit value). */
function imulExtra(m: number): number {
  return mulExtra(m < 0 ? -m >>> 0 : m);
}

/**
 * imul of 32-bit `a` by the multiplier `b`, with the flags (CF = OF = the product does
 * not fit 32 bits) and the cycles: returns the low half, sets mulHi.
 */
function imul32Flags(cpu: CPU, a: number, b: number): number {
  const lo = imul32(a, b);
  mulFlags(cpu, lo, 32, mulHi !== lo >> 31);
  cpu.cycles += imulExtra(b);
  return lo;
}

/**
 * imul of 16-bit `a` by the multiplier `b` (both sign-extended), with the flags (CF = OF
 * = the product does not fit 16 bits) and the cycles: returns the product (|p| <= 2^30,
 * exact).
 */
function imul16Flags(cpu: CPU, a: number, b: number): number {
  const p = a * b;
  mulFlags(cpu, p, 16, p !== (p << 16) >> 16);
  cpu.cycles += imulExtra(b);
  return p;
}

// ---------------------------------------------------------------------------------
// One-operand forms: AX = AL * r/m8, DX:AX = AX * r/m16, EDX:EAX = EAX * r/m32.

const mulEb: Handler = (cpu, i) => {
  const b = cpu.readEb(i);
  const p = (cpu.regs[EAX] & 0xff) * b;
  cpu.set16(EAX, p);
  mulFlags(cpu, p, 8, p > 0xff);
  cpu.cycles += mulExtra(b);
};

const imulEb: Handler = (cpu, i) => {
  const b = (cpu.readEb(i) << 24) >> 24;
  const p = ((cpu.regs[EAX] << 24) >> 24) * b;
  cpu.set16(EAX, p);
  mulFlags(cpu, p, 8, p !== (p << 24) >> 24);
  cpu.cycles += imulExtra(b);
};

const mulEv: Handler = (cpu, i) => {
  const regs = cpu.regs;
  if (i.os === 4) {
    const b = i.mod3 ? regs[i.rm] : cpu.mmu.read32(cpu.eaRead(i, 4));
    const lo = mul32(regs[EAX], b);
    regs[EAX] = lo;
    regs[EDX] = mulHi;
    mulFlags(cpu, lo, 32, mulHi !== 0);
    cpu.cycles += mulExtra(b >>> 0);
  } else {
    const b = cpu.readEv(i);
    const p = (regs[EAX] & 0xffff) * b; // < 2^32: exact
    cpu.set16(EAX, p);
    cpu.set16(EDX, p >>> 16);
    mulFlags(cpu, p, 16, p > 0xffff);
    cpu.cycles += mulExtra(b);
  }
};

const imulEv: Handler = (cpu, i) => {
  const regs = cpu.regs;
  if (i.os === 4) {
    regs[EAX] = imul32Flags(cpu, regs[EAX], cpu.readEv(i));
    regs[EDX] = mulHi;
  } else {
    const p = imul16Flags(cpu, (regs[EAX] << 16) >> 16, (cpu.readEv(i) << 16) >> 16);
    cpu.set16(EAX, p);
    cpu.set16(EDX, p >> 16);
  }
};

// ---------------------------------------------------------------------------------
// Two- and three-operand imul: Gv = Ev * (Gv | imm), truncated; CF = OF = it did not fit.

/** Gv = a * b at the instruction's operand size; `b` is the multiplier (for the timing). */
function imulTrunc(cpu: CPU, i: Insn, a: number, b: number): void {
  if (i.os === 4) cpu.regs[i.reg] = imul32Flags(cpu, a, b);
  else cpu.set16(i.reg, imul16Flags(cpu, (a << 16) >> 16, (b << 16) >> 16));
}

const imulGvEv: Handler = (cpu, i) => {
  imulTrunc(cpu, i, cpu.regs[i.reg], cpu.readEv(i));
};

/** `imul r32, r32`: the common compiled form. */
const imulGvEvReg32: Handler = (cpu, i) => {
  const regs = cpu.regs;
  regs[i.reg] = imul32Flags(cpu, regs[i.reg], regs[i.rm]);
};

/** 69 and 6B: the immediate is the multiplier. */
const imulGvEvI: Handler = (cpu, i) => {
  imulTrunc(cpu, i, cpu.readEv(i), i.imm);
};

// ---------------------------------------------------------------------------------
// Division. Every check happens before any register is written.

/** Remainder of the last divu64. */
let divRem = 0;

/**
 * Unsigned (hi:lo) / d for a divisor d (unsigned, nonzero) with hi < d, so the quotient
 * fits 32 bits. Long division by 16-bit digits keeps every intermediate below 2^48,
 * exact in doubles. Returns the quotient as an int32; the remainder is in divRem.
 */
function divu64(hi: number, lo: number, d: number): number {
  let n = (hi >>> 0) * 65536 + (lo >>> 16);
  const q1 = Math.floor(n / d);
  n = (n - q1 * d) * 65536 + (lo & 0xffff);
  const q0 = Math.floor(n / d);
  divRem = (n - q0 * d) | 0;
  return (q1 * 65536 + q0) | 0;
}

const divEb: Handler = (cpu, i) => {
  const d = cpu.readEb(i);
  if (d === 0) raise(VEC_DE, -1);
  const n = cpu.regs[EAX] & 0xffff;
  const q = (n / d) | 0;
  if (q > 0xff) raise(VEC_DE, -1);
  cpu.set16(EAX, ((n - q * d) << 8) | q);
};

const idivEb: Handler = (cpu, i) => {
  const d = (cpu.readEb(i) << 24) >> 24;
  if (d === 0) raise(VEC_DE, -1);
  const n = (cpu.regs[EAX] << 16) >> 16;
  const q = (n / d) | 0; // truncates toward zero
  if (q > 127 || q < -128) raise(VEC_DE, -1);
  cpu.set16(EAX, (((n - q * d) & 0xff) << 8) | (q & 0xff));
};

const divEv: Handler = (cpu, i) => {
  const regs = cpu.regs;
  if (i.os === 4) {
    const d = (i.mod3 ? regs[i.rm] : cpu.mmu.read32(cpu.eaRead(i, 4))) >>> 0;
    if (d === 0 || regs[EDX] >>> 0 >= d) raise(VEC_DE, -1);
    regs[EAX] = divu64(regs[EDX], regs[EAX], d);
    regs[EDX] = divRem;
  } else {
    const d = cpu.readEv(i);
    if (d === 0) raise(VEC_DE, -1);
    const n = (((regs[EDX] & 0xffff) << 16) | (regs[EAX] & 0xffff)) >>> 0;
    const q = Math.floor(n / d);
    if (q > 0xffff) raise(VEC_DE, -1);
    cpu.set16(EAX, q);
    cpu.set16(EDX, n - q * d);
  }
};

const idivEv: Handler = (cpu, i) => {
  const regs = cpu.regs;
  if (i.os === 4) {
    const d = i.mod3 ? regs[i.rm] : cpu.mmu.read32(cpu.eaRead(i, 4));
    if (d === 0) raise(VEC_DE, -1);
    // Divide magnitudes, then apply the signs.
    let hi = regs[EDX];
    let lo = regs[EAX];
    const negN = hi < 0;
    if (negN) {
      lo = -lo | 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) | 0;
    }
    const negD = d < 0;
    const dm = negD ? -d >>> 0 : d;
    if (hi >>> 0 >= dm) raise(VEC_DE, -1);
    const q = divu64(hi, lo, dm) >>> 0;
    if (negN !== negD ? q > 0x80000000 : q > 0x7fffffff) raise(VEC_DE, -1);
    regs[EAX] = negN !== negD ? -q | 0 : q | 0;
    regs[EDX] = negN ? -divRem | 0 : divRem;
  } else {
    const d = (cpu.readEv(i) << 16) >> 16;
    if (d === 0) raise(VEC_DE, -1);
    const n = ((regs[EDX] & 0xffff) << 16) | (regs[EAX] & 0xffff);
    const q = Math.trunc(n / d); // n = -2^31, d = -1 gives 2^31: caught below
    if (q > 32767 || q < -32768) raise(VEC_DE, -1);
    cpu.set16(EAX, q);
    cpu.set16(EDX, n - q * d);
  }
};

/** F7 div/idiv: the table has the 32-bit timing; 16-bit operands take 16 clocks less. */
const word16Faster = (h: Handler) => (i: Insn): Handler => {
  if (i.os === 2) i.cycles -= 16;
  return h;
};

const MUL_FLAGS = { flagsWritten: 'oszapc', flagsUndefined: 'szap' };
const DIV_FLAGS = { flagsWritten: '', flagsUndefined: 'oszapc' };

export const MULDIV_OPS: OpDef[] = [
  { code: [0xf6], ext: 4, mnemonic: 'mul', operands: 'Eb', cycles: 13, exec: mulEb, ...MUL_FLAGS },
  { code: [0xf7], ext: 4, mnemonic: 'mul', operands: 'Ev', cycles: 13, exec: mulEv, ...MUL_FLAGS },
  { code: [0xf6], ext: 5, mnemonic: 'imul', operands: 'Eb', cycles: 13, exec: imulEb, ...MUL_FLAGS },
  { code: [0xf7], ext: 5, mnemonic: 'imul', operands: 'Ev', cycles: 13, exec: imulEv, ...MUL_FLAGS },
  {
    code: [0x0f, 0xaf], mnemonic: 'imul', operands: 'Gv,Ev', cycles: 13, exec: imulGvEv, ...MUL_FLAGS,
    select: (i: Insn) => (i.mod3 && i.os === 4 ? imulGvEvReg32 : imulGvEv),
  },
  { code: [0x69], mnemonic: 'imul', operands: 'Gv,Ev,Iv', cycles: 13, exec: imulGvEvI, ...MUL_FLAGS },
  { code: [0x6b], mnemonic: 'imul', operands: 'Gv,Ev,Ibs', cycles: 13, exec: imulGvEvI, ...MUL_FLAGS },
  { code: [0xf6], ext: 6, mnemonic: 'div', operands: 'Eb', cycles: 16, exec: divEb, ...DIV_FLAGS },
  { code: [0xf7], ext: 6, mnemonic: 'div', operands: 'Ev', cycles: 40, exec: divEv, ...DIV_FLAGS, select: word16Faster(divEv) },
  { code: [0xf6], ext: 7, mnemonic: 'idiv', operands: 'Eb', cycles: [19, 20], exec: idivEb, ...DIV_FLAGS },
  { code: [0xf7], ext: 7, mnemonic: 'idiv', operands: 'Ev', cycles: [43, 44], exec: idivEv, ...DIV_FLAGS, select: word16Faster(idivEv) },
];
