// x87 transcendental instructions (SDM vol. 2; vol. 1 §8.3.9-8.3.10): fsin fcos fsincos
// fptan fpatan f2xm1 fyl2x fyl2xp1.
//
// They compute with the host's Math functions on doubles (see fpu.ts): the result is the
// double nearest the true value to within about an ulp, where the hardware is within
// an ulp of the 64-bit value. fsin/fcos/fsincos/fptan accept |ST(0)| < 2^63 (else C2 = 1
// and ST(0) is left unchanged, as the SDM says). Every result that is not exact sets PE.
//
// Cycles (Intel486 PRM): FSIN 257-354, FCOS 257-354, FSINCOS 292-365, FPTAN 200-273,
// FPATAN 218-303, F2XM1 140-279, FYL2X 196-329, FYL2XP1 171-326 (the lower bounds).

import type { OpDef } from '../optable.js';
import type { Handler } from '../insn.js';
import { FPU_PRE, FSW_C1, FSW_C2, FSW_IE, FSW_PE, FSW_ZE, type FPU } from '../fpu.js';
import { INDEFINITE } from '../fpu-num.js';
import { nanResult, twoProductError } from '../fpu-arith.js';
import { enter } from './fpu-common.js';

const TRIG_LIMIT = 2 ** 63;
const LN2_LO = 2.3190468138462996e-17; // ln 2 − Math.LN2

/** PE unless the result is exactly the argument's known exact case. */
function inexact(f: FPU, exact: boolean): void {
  if (!exact) f.exc |= FSW_PE;
}

/** Checks shared by the one-operand trig instructions; returns the argument or null. */
function trigArg(f: FPU): number | null {
  if (f.isEmpty(0)) {
    if (!f.underflow()) f.setSt(0, INDEFINITE);
    return null;
  }
  return f.st(0);
}

/** fsin and fcos: ST(0) = fn(ST(0)); C2 set (and ST(0) kept) when |x| ≥ 2^63. */
const trig = (fn: (x: number) => number): Handler => (cpu, i) => {
  const f = enter(cpu, i);
  const x = trigArg(f);
  if (x === null) return;
  if (x !== x) return nanIn(f, x);
  if (x === Infinity || x === -Infinity) return invalid(f);
  if (Math.abs(x) >= TRIG_LIMIT) return f.setCC(FSW_C2 | FSW_C1, FSW_C2);
  const r = fn(x);
  inexact(f, x === 0);
  if (f.commit() & FPU_PRE) return;
  f.setCC(FSW_C2, 0);
  f.setSt(0, r);
};
const fsin = trig(Math.sin);
const fcos = trig(Math.cos);

/** fsincos: ST(0) = sin, then push cos (ST(0) = cos, ST(1) = sin). */
const fsincos: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  if (twoResultsUnderflow(f)) return;
  const x = f.st(0);
  let s: number;
  let c: number;
  if (x !== x) {
    s = c = nanResult(f, x, x);
  } else if (x === Infinity || x === -Infinity) {
    f.exc |= FSW_IE;
    s = c = INDEFINITE;
  } else if (Math.abs(x) >= TRIG_LIMIT) {
    f.setCC(FSW_C2 | FSW_C1, FSW_C2);
    return;
  } else {
    s = Math.sin(x);
    c = Math.cos(x);
    inexact(f, x === 0);
  }
  if (f.commit() & FPU_PRE) return;
  f.setCC(FSW_C2, 0);
  f.setSt(0, s);
  f.push(c);
};

/** fptan: ST(0) = tan, then push 1.0. */
const fptan: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  if (twoResultsUnderflow(f)) return;
  const x = f.st(0);
  let r: number;
  if (x !== x) r = nanResult(f, x, x);
  else if (x === Infinity || x === -Infinity) {
    f.exc |= FSW_IE;
    r = INDEFINITE;
  } else if (Math.abs(x) >= TRIG_LIMIT) {
    f.setCC(FSW_C2 | FSW_C1, FSW_C2);
    return;
  } else {
    r = Math.tan(x);
    inexact(f, x === 0);
  }
  if (f.commit() & FPU_PRE) return;
  f.setCC(FSW_C2, 0);
  f.setSt(0, r);
  f.push(r !== r ? r : 1); // a NaN operand: the NaN twice

};

/** fsincos / fptan on an empty ST(0): masked, both results are the indefinite. */
function twoResultsUnderflow(f: FPU): boolean {
  if (!f.isEmpty(0)) return false;
  if (!f.underflow()) {
    f.setSt(0, INDEFINITE);
    f.push(INDEFINITE);
  }
  return true;
}

function nanIn(f: FPU, x: number): void {
  const r = nanResult(f, x, x);
  if (f.commit() & FPU_PRE) return;
  f.setCC(FSW_C2, 0);
  f.setSt(0, r);
}

function invalid(f: FPU): void {
  f.exc |= FSW_IE;
  if (f.commit() & FPU_PRE) return;
  f.setCC(FSW_C2, 0);
  f.setSt(0, INDEFINITE);
}

/** Two-operand instructions: ST(1) = fn(ST(1), ST(0)), then pop. */
function binaryPop(fn: (f: FPU, y: number, x: number) => number): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    if (f.isEmpty(0) || f.isEmpty(1)) {
      if (f.underflow()) return;
      f.setSt(1, INDEFINITE);
      f.pop();
      return;
    }
    const x = f.st(0);
    const y = f.st(1);
    const r = x !== x || y !== y ? nanResult(f, x, y) : fn(f, y, x);
    if (f.commit() & FPU_PRE) return;
    f.setSt(1, r);
    f.pop();
  };
}

/** fpatan: ST(1) = arctan(ST(1) / ST(0)) with the quadrant from both signs (atan2). */
const fpatan = binaryPop((f, y, x) => {
  const r = Math.atan2(y, x);
  inexact(f, r === 0 && y === 0 && !(x < 0 || Object.is(x, -0)));
  return r;
});

/** fyl2x: ST(1) = ST(1) · log2(ST(0)). */
const fyl2x = binaryPop((f, y, x) => {
  if (x < 0 || (x === -Infinity)) {
    f.exc |= FSW_IE;
    return INDEFINITE;
  }
  if (x === 0) {
    if (y === 0) {
      f.exc |= FSW_IE;
      return INDEFINITE;
    }
    if (y !== Infinity && y !== -Infinity) f.exc |= FSW_ZE;
    return y > 0 ? -Infinity : Infinity;
  }
  if (x === 1 && (y === Infinity || y === -Infinity)) {
    f.exc |= FSW_IE;
    return INDEFINITE;
  }
  if (x === Infinity && y === 0) {
    f.exc |= FSW_IE;
    return INDEFINITE;
  }
  const l = Math.log2(x);
  const r = y * l;
  inexact(f, !Number.isFinite(r) || r === 0); // the hardware reports PE even for exact powers of 2
  return r;
});

/** fyl2xp1: ST(1) = ST(1) · log2(ST(0) + 1), for |ST(0)| < 1 − √2/2. */
const fyl2xp1 = binaryPop((f, y, x) => {
  if (x <= -1) {
    f.exc |= FSW_IE;
    return INDEFINITE;
  }
  if (x === 0 && (y === Infinity || y === -Infinity)) {
    f.exc |= FSW_IE;
    return INDEFINITE;
  }
  const r = y * (Math.log1p(x) / Math.LN2);
  inexact(f, x === 0 || !Number.isFinite(r) || y === 0);
  return r;
});

/** f2xm1: ST(0) = 2^ST(0) − 1, for −1 ≤ ST(0) ≤ 1 (outside, the result is undefined). */
const f2xm1: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  const x = trigArg(f);
  if (x === null) return;
  let r: number;
  if (x !== x) r = nanResult(f, x, x);
  else if (x === 0) r = x;
  else if (x === -Infinity) r = -1;
  else if (x === Infinity) r = x;
  else if (!(Math.abs(x) <= 1)) return; // outside −1 … +1: ST(0) unchanged (as Intel processors)
  else {
    // 2^x − 1 = expm1(x·ln 2), with x·ln 2 carried to twice double's precision.
    const t = x * Math.LN2;
    const err = twoProductError(x, Math.LN2, t) + x * LN2_LO;
    const m = Math.expm1(t);
    r = m + err * (1 + m);
    inexact(f, false); // the hardware reports PE even for ±1
  }
  if (f.commit() & FPU_PRE) return;
  f.setSt(0, r);
};


export const FPU_TRANS_OPS: OpDef[] = [
  { code: [0xd9], ext: 7, rm: 6, mnemonic: 'fsin', operands: '', cycles: 257, exec: fsin },
  { code: [0xd9], ext: 7, rm: 7, mnemonic: 'fcos', operands: '', cycles: 257, exec: fcos },
  { code: [0xd9], ext: 7, rm: 3, mnemonic: 'fsincos', operands: '', cycles: 292, exec: fsincos },
  { code: [0xd9], ext: 6, rm: 2, mnemonic: 'fptan', operands: '', cycles: 200, exec: fptan },
  { code: [0xd9], ext: 6, rm: 3, mnemonic: 'fpatan', operands: '', cycles: 218, exec: fpatan },
  { code: [0xd9], ext: 6, rm: 0, mnemonic: 'f2xm1', operands: '', cycles: 140, exec: f2xm1 },
  { code: [0xd9], ext: 6, rm: 1, mnemonic: 'fyl2x', operands: '', cycles: 196, exec: fyl2x },
  { code: [0xd9], ext: 7, rm: 1, mnemonic: 'fyl2xp1', operands: '', cycles: 171, exec: fyl2xp1 },
];
