// x87 basic arithmetic (SDM vol. 2; vol. 1 §8.3.5): fadd fsub fsubr fmul fdiv fdivr in
// all their forms (m32fp, m64fp, m16int, m32int, ST(0),ST(i), ST(i),ST(0), and the
// popping ones), and fchs fabs fsqrt frndint fscale fxtract fprem fprem1.
//
// The ModRM reg field of D8/DC/DA/DE names the operation the same way in every form
// when it is read as "ST(0) op other": /0 add, /1 mul, /4 ST(0) − other, /5 other −
// ST(0), /6 ST(0) / other, /7 other / ST(0). D8 stores to ST(0); DC and DE (register
// forms) store to ST(i) — so DC E0+i "fsubr st(i),st" computes ST(0) − ST(i) into ST(i),
// exactly as the SDM's FSUBR ST(i),ST(0) says.
//
// Cycles (Intel486 PRM): FADD/FSUB 8-20 (m: 8-20, int m: 19-32); FMUL 16 (m32 11, m64 14,
// int 22-24); FDIV 73 (int 84-86); FSQRT 83-87; FCHS 6; FABS 3; FRNDINT 21-30; FSCALE
// 30-32; FXTRACT 16-20; FPREM 70-138; FPREM1 72-167.

import type { OpDef } from '../optable.js';
import type { Handler, Insn } from '../insn.js';
import type { CPU } from '../cpu.js';
import { FPU_PRE, FSW_C0, FSW_C1, FSW_C2, FSW_C3, FSW_ZE, type FPU } from '../fpu.js';
import { fadd, fdiv, fmul, fprem, fsqrt, nanResult, remIncomplete, remQ, scale } from '../fpu-arith.js';
import { clearRounding, decompose, dExp, dMant, INDEFINITE, leadBit, noteError, roundInt } from '../fpu-num.js';
import { enter, m32Value, m64hi, m64lo, m64Value, readM16, readM32, readM64 } from './fpu-common.js';

/** ST(0) op b for the reg-field operation `op` (see the header). */
function compute(f: FPU, op: number, a: number, b: number): number {
  switch (op) {
    case 0: return fadd(f, a, b);
    case 1: return fmul(f, a, b);
    case 4: return a !== a || b !== b ? nanResult(f, a, b) : fadd(f, a, -b);
    case 5: return a !== a || b !== b ? nanResult(f, b, a) : fadd(f, b, -a);
    case 6: return fdiv(f, a, b);
    default: return fdiv(f, b, a);
  }
}

/** ST(0) = ST(0) op (memory operand); `b` already decoded, flags in f.exc. */
function toSt0(f: FPU, op: number, b: number): void {
  if (f.isEmpty(0)) {
    if (!f.underflow()) f.setSt(0, INDEFINITE);
    return;
  }
  const r = compute(f, op, f.st(0), b);
  if (f.commit() & FPU_PRE) return;
  f.setSt(0, r);
}

function arithM32(op: number): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    toSt0(f, op, m32Value(f, readM32(cpu, i)));
  };
}

function arithM64(op: number): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    readM64(cpu, i);
    toSt0(f, op, m64Value(f, m64lo, m64hi));
  };
}

function arithI32(op: number): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    toSt0(f, op, readM32(cpu, i) | 0);
  };
}

function arithI16(op: number): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    toSt0(f, op, (readM16(cpu, i) << 16) >> 16);
  };
}

/** Register forms: ST(0) op ST(i) into ST(0) (D8) or ST(i) (DC, DE with pop). */
function arithReg(op: number, toSti: boolean, pop: boolean): Handler {
  return (cpu: CPU, i: Insn) => {
    const f = enter(cpu, i);
    const dst = toSti ? i.rm : 0;
    if (f.isEmpty(0) || f.isEmpty(i.rm)) {
      if (f.underflow()) return;
      f.setSt(dst, INDEFINITE);
    } else {
      const r = compute(f, op, f.st(0), f.st(i.rm));
      if (f.commit() & FPU_PRE) return;
      f.setSt(dst, r);
    }
    if (pop) f.pop();
  };
}

// ---------------------------------------------------------------------------------
// One-operand instructions on ST(0).

/** Run `fn` on ST(0) unless it is empty (underflow: the indefinite, when masked). */
function unary(fn: (f: FPU, x: number) => number): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    if (f.isEmpty(0)) {
      if (!f.underflow()) f.setSt(0, INDEFINITE);
      return;
    }
    const r = fn(f, f.st(0));
    if (f.commit() & FPU_PRE) return;
    f.setSt(0, r);
  };
}

const fchs = unary((_f, x) => -x);
const fabs = unary((_f, x) => (x !== x ? nanSign(x) : Math.abs(x)));

const ABS = new Float64Array(1);
const ABSW = new Uint32Array(ABS.buffer);

/** |x| on the bits (keeps a NaN's payload, clears its sign). */
function nanSign(x: number): number {
  ABS[0] = x;
  ABSW[1] &= 0x7fffffff;
  return ABS[0];
}

const fsqrtH = unary((f, x) => fsqrt(f, x));

/** frndint: round to an integer by RC (PE when inexact, C1 = rounded up). */
const frndint = unary((f, x) => {
  if (x !== x) return nanResult(f, x, x);
  if (x === Infinity || x === -Infinity) return x;
  const r = roundInt(x, f.rc);
  if (r !== x) noteError(r, x - r);
  return r;
});

/** fscale: ST(0) · 2^trunc(ST(1)) (SDM vol. 2 FSCALE's table of results). */
const fscale: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  if (f.isEmpty(0) || f.isEmpty(1)) {
    if (!f.underflow()) f.setSt(0, INDEFINITE);
    return;
  }
  const a = f.st(0);
  const b = f.st(1);
  let r: number;
  if (a !== a || b !== b) r = nanResult(f, a, b);
  else if (b === Infinity) {
    if (a === 0) {
      f.exc |= 1;
      r = INDEFINITE;
    } else r = a * Infinity;
  } else if (b === -Infinity) {
    if (a === Infinity || a === -Infinity) {
      f.exc |= 1;
      r = INDEFINITE;
    } else r = a * 0;
  } else r = scale(f, a, Math.trunc(b));
  if (f.commit() & FPU_PRE) return;
  f.setSt(0, r);
};

/**
 * fxtract: ST(0) = the exponent (as a value), then push the significand (SDM vol. 2):
 * ST(0) = significand with the sign, ST(1) = unbiased exponent. Zero: ZE, exponent −∞.
 */
const fxtract: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  if (f.isEmpty(0)) {
    if (f.underflow()) return;
    f.setSt(0, INDEFINITE);
    f.push(INDEFINITE);
    return;
  }
  const x = f.st(0);
  let e: number;
  let m: number;
  clearRounding();
  if (x !== x) {
    e = m = nanResult(f, x, x);
  } else if (x === 0) {
    f.exc |= FSW_ZE;
    e = -Infinity;
    m = x;
  } else if (x === Infinity || x === -Infinity) {
    e = Infinity;
    m = x;
  } else {
    decompose(x);
    const lead = leadBit(dMant);
    e = dExp + lead;
    m = ((x < 0 ? -1 : 1) * dMant) / 2 ** lead; // exact: a power-of-two scaling
  }
  if (f.commit() & FPU_PRE) return;
  f.setSt(0, e);
  f.push(m);
};

/** fprem / fprem1: partial remainder; C2 = incomplete; C0 C3 C1 = quotient bits 2 1 0. */
function fpremH(ieee: boolean): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    if (f.isEmpty(0) || f.isEmpty(1)) {
      if (!f.underflow()) f.setSt(0, INDEFINITE);
      return;
    }
    const r = fprem(f, f.st(0), f.st(1), ieee);
    if (f.commit() & FPU_PRE) return;
    f.setSt(0, r);
    let cc = remIncomplete ? FSW_C2 : 0;
    if (!remIncomplete) {
      if (remQ & 4) cc |= FSW_C0;
      if (remQ & 2) cc |= FSW_C3;
      if (remQ & 1) cc |= FSW_C1;
    }
    f.setCC(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3, cc);
  };
}


const NAMES = ['add', 'mul', 'com', 'comp', 'sub', 'subr', 'div', 'divr'];
const ARITH_EXT = [0, 1, 4, 5, 6, 7];
// Cycles: [memory m32/m64, int m32, int m16, register].
const CYC: Record<number, number[]> = { 0: [8, 19, 20, 8], 1: [11, 22, 23, 16], 4: [8, 19, 20, 8], 5: [8, 19, 20, 8], 6: [73, 84, 85, 73], 7: [73, 84, 85, 73] };

/** The reg field of DC/DE register forms for the SDM's mnemonic: sub/subr, div/divr swap. */
const REG_FORM_NAME = (op: number) => NAMES[op === 4 ? 5 : op === 5 ? 4 : op === 6 ? 7 : op === 7 ? 6 : op];

export const FPU_ARITH_OPS: OpDef[] = [
  ...ARITH_EXT.flatMap((op): OpDef[] => [
    { code: [0xd8], ext: op, modrm: 'mem', mnemonic: 'f' + NAMES[op], operands: 'Md', cycles: CYC[op][0], exec: arithM32(op) },
    { code: [0xdc], ext: op, modrm: 'mem', mnemonic: 'f' + NAMES[op], operands: 'Mq', cycles: CYC[op][0], exec: arithM64(op) },
    { code: [0xda], ext: op, modrm: 'mem', mnemonic: 'fi' + NAMES[op], operands: 'Md', cycles: CYC[op][1], exec: arithI32(op) },
    { code: [0xde], ext: op, modrm: 'mem', mnemonic: 'fi' + NAMES[op], operands: 'Mw', cycles: CYC[op][2], exec: arithI16(op) },
    { code: [0xd8], ext: op, modrm: 'reg', mnemonic: 'f' + NAMES[op], operands: 'ST,STi', cycles: CYC[op][3], exec: arithReg(op, false, false) },
    { code: [0xdc], ext: op, modrm: 'reg', mnemonic: 'f' + REG_FORM_NAME(op), operands: 'STi,ST', cycles: CYC[op][3], exec: arithReg(op, true, false) },
    { code: [0xde], ext: op, modrm: 'reg', mnemonic: 'f' + REG_FORM_NAME(op) + 'p', operands: 'STi,ST', cycles: CYC[op][3], exec: arithReg(op, true, true) },
  ]),
  { code: [0xd9], ext: 4, rm: 0, mnemonic: 'fchs', operands: '', cycles: 6, exec: fchs },
  { code: [0xd9], ext: 4, rm: 1, mnemonic: 'fabs', operands: '', cycles: 3, exec: fabs },
  { code: [0xd9], ext: 7, rm: 2, mnemonic: 'fsqrt', operands: '', cycles: 83, exec: fsqrtH },
  { code: [0xd9], ext: 7, rm: 4, mnemonic: 'frndint', operands: '', cycles: 21, exec: frndint },
  { code: [0xd9], ext: 7, rm: 5, mnemonic: 'fscale', operands: '', cycles: 30, exec: fscale },
  { code: [0xd9], ext: 6, rm: 4, mnemonic: 'fxtract', operands: '', cycles: 16, exec: fxtract },
  { code: [0xd9], ext: 7, rm: 0, mnemonic: 'fprem', operands: '', cycles: 70, exec: fpremH(false) },
  { code: [0xd9], ext: 6, rm: 5, mnemonic: 'fprem1', operands: '', cycles: 72, exec: fpremH(true) },
];

