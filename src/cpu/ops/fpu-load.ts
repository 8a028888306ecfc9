// x87 data transfer (SDM vol. 2; vol. 1 §8.3.3): fld / fst / fstp (m32fp, m64fp, m80fp,
// ST(i)), fild / fist / fistp (m16int, m32int, m64int), fbld / fbstp (m80bcd), fxch,
// fcmovcc (P6), and the constants fld1 fldl2t fldl2e fldpi fldlg2 fldln2 fldz.
//
// Cycles (Intel486 PRM): FLD m32/m64 3, m80 6, ST(i) 4; FST(P) m32/m64 7, m80 6, ST(i) 3;
// FILD 13-16; FIST(P) 29-34; FBLD 70-103; FBSTP 172-176; FXCH 4; constants 4-8;
// FCMOVcc (not on the i486) costed as FLD ST(i).

import type { OpDef } from '../optable.js';
import type { Handler } from '../insn.js';
import { EFLAGS_CF, EFLAGS_PF, EFLAGS_ZF } from '../constants.js';
import { FPU_NOSTORE, FPU_PRE, FSW_C1, FSW_IE, type FPU } from '../fpu.js';
import {
  fromExtended, fromWords, hiWord, INDEFINITE, isSNaN, loWord, noteError, quiet, roundInt, signBit, toFloat32Bits,
} from '../fpu-num.js';
import { fromInt64 } from '../fpu-arith.js';
import {
  enter, m32Value, m64hi, m64lo, m64Value, m80se, readM16, readM32, readM64, readM80, writeM16,
  writeM32, writeM64, writeM80, writeM80Bytes,
} from './fpu-common.js';

// ---------------------------------------------------------------------------------
// Loads: read memory, then push (stack overflow is checked by push, and takes precedence
// over the operand's own exceptions). An unmasked denormal-operand exception does not
// stop a load (as Intel processors do); an unmasked invalid one (SNaN) does.

function loadFp(f: FPU, v: number): void {
  if (!f.isEmpty(7)) f.exc = 0; // stack overflow: reported by push alone
  if (f.commit() & FSW_IE) return;
  f.push(v !== v ? quiet(v) : v);
}

const fldM32: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  loadFp(f, m32Value(f, readM32(cpu, i)));
};

const fldM64: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  readM64(cpu, i);
  loadFp(f, m64Value(f, m64lo, m64hi));
};

const fldM80: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  readM80(cpu, i);
  // Unsupported encodings (unnormals, pseudo-NaNs …) load by value (see fpu-num.ts).
  const v = fromExtended(m64lo, m64hi, m80se);
  f.push(v);
};

const fldSti: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  let v = f.st(i.rm);
  if (f.isEmpty(i.rm)) {
    if (f.underflow()) return;
    v = INDEFINITE;
  }
  f.fsw &= ~FSW_C1;
  f.push(v);
};

const fildM16: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  const v = (readM16(cpu, i) << 16) >> 16;
  f.fsw &= ~FSW_C1;
  f.push(v);
};

const fildM32: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  const v = readM32(cpu, i) | 0;
  f.fsw &= ~FSW_C1;
  f.push(v);
};

const fildM64: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  readM64(cpu, i);
  const v = fromInt64(f, m64lo, m64hi | 0);
  f.commit();
  f.push(v);
};

function constant(v: number): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    f.fsw &= ~FSW_C1;
    f.push(v);
  };
}

// ---------------------------------------------------------------------------------
// Stores. An empty ST(0) is a stack underflow: masked, the indefinite is stored.

/** ST(0) for a store, or the indefinite after a masked underflow; null if unmasked. */
function storeSource(f: FPU): number | null {
  if (f.isEmpty(0)) return f.underflow() ? null : INDEFINITE;
  return f.st(0);
}

function fstM32(pop: boolean): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    let v = storeSource(f);
    if (v === null) return;
    if (isSNaN(v)) {
      f.exc |= FSW_IE;
      v = quiet(v);
    }
    const bits = toFloat32Bits(v, f.rc);
    if (f.commit(true) & FPU_NOSTORE) return;
    writeM32(cpu, i, bits);
    if (pop) f.pop();
  };
}

function fstM64(pop: boolean): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    let v = storeSource(f);
    if (v === null) return;
    if (isSNaN(v)) {
      f.exc |= FSW_IE;
      v = quiet(v);
    }
    if (f.commit() & FPU_NOSTORE) return;
    writeM64(cpu, i, loWord(v), hiWord(v));
    if (pop) f.pop();
  };
}

const fstpM80: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  const v = storeSource(f);
  if (v === null) return;
  f.fsw &= ~FSW_C1;
  writeM80(cpu, i, v);
  f.pop();
};

function fstSti(pop: boolean): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    const v = storeSource(f);
    if (v === null) return;
    f.fsw &= ~FSW_C1;
    f.setSt(i.rm, v);
    if (pop) f.pop();
  };
}

/**
 * Round ST(0) to an integer of `bits` bits by RC (fist/fistp). Out of range, NaN or
 * ±∞ is invalid; masked, the integer indefinite (the most negative integer) is stored.
 * Returns the integer (as a double), or null when nothing is to be stored.
 */
function intSource(f: FPU, bits: number): number | null {
  const v = storeSource(f);
  if (v === null) return null;
  if (f.isEmpty(0)) return -(2 ** (bits - 1));
  const r = roundInt(v, f.rc);
  const lim = 2 ** (bits - 1);
  if (r !== r || r < -lim || r >= lim) {
    f.exc |= FSW_IE;
    f.fsw &= ~FSW_C1;
    if (f.commit() & FPU_PRE) return null;
    return -lim;
  }
  if (r !== v) noteError(r, v - r); // exact − rounded: PE, and C1 = rounded up
  f.commit();
  return r;
}

function fistM16(pop: boolean): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    const r = intSource(f, 16);
    if (r === null) return;
    writeM16(cpu, i, r);
    if (pop) f.pop();
  };
}

function fistM32(pop: boolean): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    const r = intSource(f, 32);
    if (r === null) return;
    writeM32(cpu, i, r | 0);
    if (pop) f.pop();
  };
}

const fistpM64: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  const r = intSource(f, 64);
  if (r === null) return;
  const hi = Math.floor(r / 4294967296);
  const lo = r - hi * 4294967296;
  writeM64(cpu, i, lo | 0, hi | 0);
  f.pop();
};

// ---------------------------------------------------------------------------------
// Packed BCD (m80bcd: 18 digits, two per byte, low byte first; sign in bit 79).

const fbld: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  readM80(cpu, i);
  const bytes = [m64lo, m64lo >>> 8, m64lo >>> 16, m64lo >>> 24, m64hi, m64hi >>> 8, m64hi >>> 16, m64hi >>> 24, m80se];
  let n = 0n;
  for (let k = 8; k >= 0; k--) {
    const b = bytes[k] & 0xff;
    n = n * 100n + BigInt((b >> 4) * 10 + (b & 15)); // invalid digits: undefined result
  }
  const neg = (m80se & 0x8000) !== 0;
  let v = n === 0n ? 0 : Number(n);
  if (neg) v = -v;
  f.fsw &= ~FSW_C1;
  f.push(v);
};

const BCD_INDEFINITE = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff);
const BCD = new Uint8Array(10);

const fbstp: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  const v = storeSource(f);
  if (v === null) return;
  const r = f.isEmpty(0) ? NaN : roundInt(v, f.rc);
  if (r !== r || Math.abs(r) >= 1e18) {
    f.exc |= FSW_IE;
    if (f.commit() & FPU_PRE) return;
    writeM80Bytes(cpu, i, BCD_INDEFINITE);
    f.pop();
    return;
  }
  if (r !== v) noteError(r, v - r);
  if (f.commit() & FPU_NOSTORE) return;
  let n = BigInt(Math.abs(r));
  for (let k = 0; k < 9; k++) {
    const d = Number(n % 100n);
    n /= 100n;
    BCD[k] = ((Math.floor(d / 10) << 4) | (d % 10));
  }
  BCD[9] = r < 0 || (r === 0 && signBit(r)) ? 0x80 : 0;
  writeM80Bytes(cpu, i, BCD);
  f.pop();
};

// ---------------------------------------------------------------------------------
// fxch and fcmovcc.

const fxch: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  if (f.isEmpty(0) || f.isEmpty(i.rm)) {
    if (f.underflow()) return;
    if (f.isEmpty(0)) f.setSt(0, INDEFINITE);
    if (f.isEmpty(i.rm)) f.setSt(i.rm, INDEFINITE);
  }
  const a = f.st(0);
  f.setSt(0, f.st(i.rm));
  f.setSt(i.rm, a);
  f.fsw &= ~FSW_C1;
};

/** FCMOVcc (SDM vol. 2): ST(0) = ST(i) when the EFLAGS condition holds. */
function fcmov(test: (flags: number) => boolean): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    if (f.isEmpty(0) || f.isEmpty(i.rm)) {
      if (f.underflow()) return;
      f.setSt(0, INDEFINITE);
      return;
    }
    f.fsw &= ~FSW_C1;
    cpu.materialize(EFLAGS_CF | EFLAGS_ZF | EFLAGS_PF);
    if (test(cpu.flags)) f.setSt(0, f.st(i.rm));
  };
}

const cf = (x: number) => (x & EFLAGS_CF) !== 0;
const zf = (x: number) => (x & EFLAGS_ZF) !== 0;
const pf = (x: number) => (x & EFLAGS_PF) !== 0;

// Constants as doubles rounded to nearest (RC is not applied to them).
const L2T = fromWords(0x0979a371, 0x400a934f); // log2(10)
const LG2 = fromWords(0x509f79ff, 0x3fd34413); // log10(2)


export const FPU_LOAD_OPS: OpDef[] = [
  { code: [0xd9], ext: 0, modrm: 'mem', mnemonic: 'fld', operands: 'Md', cycles: 3, exec: fldM32 },
  { code: [0xdd], ext: 0, modrm: 'mem', mnemonic: 'fld', operands: 'Mq', cycles: 3, exec: fldM64 },
  { code: [0xdb], ext: 5, modrm: 'mem', mnemonic: 'fld', operands: 'Mt', cycles: 6, exec: fldM80 },
  { code: [0xd9], ext: 0, modrm: 'reg', mnemonic: 'fld', operands: 'STi', cycles: 4, exec: fldSti },
  { code: [0xdf], ext: 0, modrm: 'mem', mnemonic: 'fild', operands: 'Mw', cycles: 13, exec: fildM16 },
  { code: [0xdb], ext: 0, modrm: 'mem', mnemonic: 'fild', operands: 'Md', cycles: 9, exec: fildM32 },
  { code: [0xdf], ext: 5, modrm: 'mem', mnemonic: 'fild', operands: 'Mq', cycles: 10, exec: fildM64 },
  { code: [0xdf], ext: 4, modrm: 'mem', mnemonic: 'fbld', operands: 'Mt', cycles: 70, exec: fbld },
  { code: [0xd9], ext: 2, modrm: 'mem', mnemonic: 'fst', operands: 'Md', cycles: 7, exec: fstM32(false) },
  { code: [0xd9], ext: 3, modrm: 'mem', mnemonic: 'fstp', operands: 'Md', cycles: 7, exec: fstM32(true) },
  { code: [0xdd], ext: 2, modrm: 'mem', mnemonic: 'fst', operands: 'Mq', cycles: 8, exec: fstM64(false) },
  { code: [0xdd], ext: 3, modrm: 'mem', mnemonic: 'fstp', operands: 'Mq', cycles: 8, exec: fstM64(true) },
  { code: [0xdb], ext: 7, modrm: 'mem', mnemonic: 'fstp', operands: 'Mt', cycles: 6, exec: fstpM80 },
  { code: [0xdd], ext: 2, modrm: 'reg', mnemonic: 'fst', operands: 'STi', cycles: 3, exec: fstSti(false) },
  { code: [0xdd], ext: 3, modrm: 'reg', mnemonic: 'fstp', operands: 'STi', cycles: 3, exec: fstSti(true) },
  { code: [0xdf], ext: 2, modrm: 'mem', mnemonic: 'fist', operands: 'Mw', cycles: 29, exec: fistM16(false) },
  { code: [0xdf], ext: 3, modrm: 'mem', mnemonic: 'fistp', operands: 'Mw', cycles: 29, exec: fistM16(true) },
  { code: [0xdb], ext: 2, modrm: 'mem', mnemonic: 'fist', operands: 'Md', cycles: 28, exec: fistM32(false) },
  { code: [0xdb], ext: 3, modrm: 'mem', mnemonic: 'fistp', operands: 'Md', cycles: 28, exec: fistM32(true) },
  { code: [0xdf], ext: 7, modrm: 'mem', mnemonic: 'fistp', operands: 'Mq', cycles: 29, exec: fistpM64 },
  { code: [0xdf], ext: 6, modrm: 'mem', mnemonic: 'fbstp', operands: 'Mt', cycles: 172, exec: fbstp },
  { code: [0xd9], ext: 1, modrm: 'reg', mnemonic: 'fxch', operands: 'STi', cycles: 4, exec: fxch },
  { code: [0xda], ext: 0, modrm: 'reg', mnemonic: 'fcmovb', operands: 'ST,STi', cycles: 4, exec: fcmov(cf) },
  { code: [0xda], ext: 1, modrm: 'reg', mnemonic: 'fcmove', operands: 'ST,STi', cycles: 4, exec: fcmov(zf) },
  { code: [0xda], ext: 2, modrm: 'reg', mnemonic: 'fcmovbe', operands: 'ST,STi', cycles: 4, exec: fcmov((x) => cf(x) || zf(x)) },
  { code: [0xda], ext: 3, modrm: 'reg', mnemonic: 'fcmovu', operands: 'ST,STi', cycles: 4, exec: fcmov(pf) },
  { code: [0xdb], ext: 0, modrm: 'reg', mnemonic: 'fcmovnb', operands: 'ST,STi', cycles: 4, exec: fcmov((x) => !cf(x)) },
  { code: [0xdb], ext: 1, modrm: 'reg', mnemonic: 'fcmovne', operands: 'ST,STi', cycles: 4, exec: fcmov((x) => !zf(x)) },
  { code: [0xdb], ext: 2, modrm: 'reg', mnemonic: 'fcmovnbe', operands: 'ST,STi', cycles: 4, exec: fcmov((x) => !cf(x) && !zf(x)) },
  { code: [0xdb], ext: 3, modrm: 'reg', mnemonic: 'fcmovnu', operands: 'ST,STi', cycles: 4, exec: fcmov((x) => !pf(x)) },
  { code: [0xd9], ext: 5, rm: 0, mnemonic: 'fld1', operands: '', cycles: 4, exec: constant(1) },
  { code: [0xd9], ext: 5, rm: 1, mnemonic: 'fldl2t', operands: '', cycles: 8, exec: constant(L2T) },
  { code: [0xd9], ext: 5, rm: 2, mnemonic: 'fldl2e', operands: '', cycles: 8, exec: constant(Math.LOG2E) },
  { code: [0xd9], ext: 5, rm: 3, mnemonic: 'fldpi', operands: '', cycles: 8, exec: constant(Math.PI) },
  { code: [0xd9], ext: 5, rm: 4, mnemonic: 'fldlg2', operands: '', cycles: 8, exec: constant(LG2) },
  { code: [0xd9], ext: 5, rm: 5, mnemonic: 'fldln2', operands: '', cycles: 8, exec: constant(Math.LN2) },
  { code: [0xd9], ext: 5, rm: 6, mnemonic: 'fldz', operands: '', cycles: 4, exec: constant(0) },
];
