// x87 arithmetic on doubles, rounded once from the exact result (see fpu.ts and
// fpu-num.ts for the number model): add, subtract, multiply, divide, square root,
// scale, partial remainder, and the IEEE special cases with the x87's responses (SDM
// vol. 1 §4.8.3, table 4-7 for NaN operands, §8.5 for the exceptions, and each
// instruction's table of results in vol. 2).
//
// Each function returns the result and leaves its exception flags in f.exc and the
// rounding outcome in fpu-num.ts; the caller finishes with f.commit().

import { FSW_DE, FSW_IE, FSW_PE, FSW_ZE, type FPU } from './fpu.js';
import {
  big, clearRounding, dExp, decompose, dMant, dNeg, INDEFINITE, isSNaN, noteError, quiet,
  ldexpExact, leadBit, RC_DOWN, RC_NEAREST, roundExact, signBit, hiWord, loWord,
} from './fpu-num.js';

const SPLIT = 134217729; // 2^27 + 1 (Dekker)
const SAFE_HI = 2 ** 995;
const SAFE_LO = 2 ** -969;

/** Low part of the exact product a·b − p (Dekker's TwoProduct; operands in safe range). */
export function twoProductError(a: number, b: number, p: number): number {
  return productError(a, b, p);
}

function productError(a: number, b: number, p: number): number {
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** Lazy-C1 operations (FPU.lazyC1). */
export const LAZY_ADD = 1;
export const LAZY_MUL = 2;
export const LAZY_DIV = 3;

/** Was r = a op b (rounded to nearest on the fast path) rounded up in magnitude? */
export function roundedUp(op: number, a: number, b: number, r: number): boolean {
  let err: number; // exact − rounded, or its sign
  if (op === LAZY_ADD) {
    const bb = r - a;
    err = (a - (r - bb)) + (b - bb);
  } else if (op === LAZY_MUL) err = productError(a, b, r);
  else {
    const ph = r * b;
    const rem = (a - ph) - productError(r, b, ph);
    err = rem === 0 ? 0 : (rem > 0) === (b > 0) ? 1 : -1;
  }
  return err !== 0 && r !== 0 && (err < 0) === (r > 0);
}

/** Rounding to nearest with 53 bits (RC = 00, PC ≠ single): the host's own arithmetic. */
function nearest53(f: FPU): boolean {
  const x = f.fcw & 0xf00;
  return x !== 0 && x < 0x400;
}

/** PE already set and masked: only C1 is still to be learnt from the error term. */
function peSticky(f: FPU): boolean {
  return (f.fsw & f.fcw & FSW_PE) !== 0;
}

function safe(x: number): boolean {
  const m = Math.abs(x);
  return m >= SAFE_LO && m <= SAFE_HI;
}

/**
 * The result for NaN operands (SDM vol. 1 §4.8.3.5, table 4-7, as Intel processors
 * resolve it): an SNaN raises IE and is quieted; an SNaN and a QNaN give the QNaN; two
 * NaNs of the same kind give the one with the larger significand, the positive one on a
 * tie. `b` may be a number that is not a NaN.
 */
export function nanResult(f: FPU, a: number, b: number): number {
  f.exc &= ~FSW_DE; // a NaN operand takes precedence over a denormal one (§4.9.2)
  const sa = isSNaN(a), sb = isSNaN(b);
  if (sa || sb) f.exc |= FSW_IE;
  if (a !== a && b !== b) {
    if (sa !== sb) return quiet(sa ? b : a);
    const ma = (hiWord(a) & 0x7ffff) * 4294967296 + loWord(a); // without the quiet bit
    const mb = (hiWord(b) & 0x7ffff) * 4294967296 + loWord(b);
    return quiet(mb > ma || (mb === ma && !signBit(b)) ? b : a);
  }
  return quiet(a !== a ? a : b);
}

/** Denormal operand check for operands that came from memory in m32/m64 format. */
export function checkDenormal(f: FPU, x: number): void {
  if (x !== 0 && Math.abs(x) < 2.2250738585072014e-308) f.exc |= FSW_DE;
}

/** a + b. */
export function fadd(f: FPU, a: number, b: number): number {
  clearRounding();
  // Fast path: round to nearest, 53 bits, a finite sum (so finite operands). Zero sums
  // follow IEEE's sign rules, which are the x87's in this mode.
  const s = a + b;
  if (s - s === 0 && nearest53(f)) {
    if (peSticky(f)) {
      f.lazyC1(LAZY_ADD, a, b, s);
      return s;
    }
    const bb = s - a;
    noteError(s, (a - (s - bb)) + (b - bb));
    return s;
  }
  if (a !== a || b !== b) return nanResult(f, a, b);
  const rc = f.rc;
  if (a === Infinity || a === -Infinity || b === Infinity || b === -Infinity) {
    if (a === -b) {
      f.exc |= FSW_IE;
      return INDEFINITE;
    }
    return a === Infinity || a === -Infinity ? a : b;
  }
  if (a === 0 && b === 0) {
    const na = signBit(a), nb = signBit(b);
    return na && nb ? -0 : na !== nb && rc === RC_DOWN ? -0 : 0;
  }
  decompose(a);
  const ea = dExp, na = dNeg;
  let A = big(dMant);
  decompose(b);
  const eb = dExp;
  let B = big(dMant);
  if (na) A = -A;
  if (dNeg) B = -B;
  const e = ea < eb ? ea : eb;
  const sum = (A << BigInt(ea - e)) + (B << BigInt(eb - e));
  if (sum === 0n) return rc === RC_DOWN ? -0 : 0;
  return roundExact(sum < 0n, sum < 0n ? -sum : sum, e, false, rc, f.prec);
}

/** a · b. */
export function fmul(f: FPU, a: number, b: number): number {
  clearRounding();
  const p = a * b;
  if (nearest53(f) && safe(a) && safe(b) && safe(p)) {
    if (peSticky(f)) f.lazyC1(LAZY_MUL, a, b, p);
    else noteError(p, productError(a, b, p));
    return p;
  }
  if (a !== a || b !== b) return nanResult(f, a, b);
  const neg = signBit(a) !== signBit(b);
  const ia = a === Infinity || a === -Infinity, ib = b === Infinity || b === -Infinity;
  if (ia || ib) {
    if (a === 0 || b === 0) {
      f.exc |= FSW_IE;
      return INDEFINITE;
    }
    return neg ? -Infinity : Infinity;
  }
  if (a === 0 || b === 0) return neg ? -0 : 0;
  decompose(a);
  const ea = dExp, ma = dMant;
  decompose(b);
  return roundExact(neg, big(ma) * big(dMant), ea + dExp, false, f.rc, f.prec);
}

function bitLen(m: bigint): number {
  return m.toString(2).length;
}

/** a / b. */
export function fdiv(f: FPU, a: number, b: number): number {
  clearRounding();
  if (a !== a || b !== b) return nanResult(f, a, b);
  const neg = signBit(a) !== signBit(b);
  const ia = a === Infinity || a === -Infinity, ib = b === Infinity || b === -Infinity;
  if (ia && ib || a === 0 && b === 0) {
    f.exc |= FSW_IE;
    return INDEFINITE;
  }
  if (ia) return neg ? -Infinity : Infinity;
  if (ib || a === 0) return neg ? -0 : 0;
  if (b === 0) {
    f.exc = (f.exc & ~FSW_DE) | FSW_ZE; // zero divide takes precedence over a denormal dividend
    return neg ? -Infinity : Infinity;
  }
  const q = a / b;
  if (f.rc === RC_NEAREST && f.prec === 53 && safe(a) && safe(b) && safe(q)) {
    if (peSticky(f)) {
      f.lazyC1(LAZY_DIV, a, b, q);
      return q;
    }
    const ph = q * b;
    const pl = productError(q, b, ph);
    const r = (a - ph) - pl; // exact remainder a − q·b
    noteError(q, r === 0 ? 0 : (r > 0) === (b > 0) ? 1 : -1);
    return q;
  }
  decompose(a);
  const ea = dExp, A = big(dMant);
  decompose(b);
  const B = big(dMant);
  const k = Math.max(0, bitLen(B) - bitLen(A)) + 60;
  const N = A << BigInt(k);
  const Q = N / B;
  return roundExact(neg, Q, ea - dExp - k, N - Q * B !== 0n, f.rc, f.prec);
}

/** √a. */
export function fsqrt(f: FPU, a: number): number {
  clearRounding();
  if (a !== a) return nanResult(f, a, a);
  if (a === 0 || a === Infinity) return a;
  if (a < 0) {
    f.exc |= FSW_IE;
    return INDEFINITE;
  }
  const s = Math.sqrt(a);
  if (f.rc === RC_NEAREST && f.prec === 53 && safe(a)) {
    const ph = s * s;
    const d = (ph - a) + productError(s, s, ph); // s² − a
    noteError(s, -d);
    return s;
  }
  decompose(a);
  let m = big(dMant);
  let e = dExp;
  if (e & 1) {
    m <<= 1n;
    e -= 1;
  }
  let k = Math.max(0, Math.ceil((120 - bitLen(m)) / 2));
  m <<= BigInt(2 * k);
  const r = isqrt(m);
  return roundExact(false, r, (e - 2 * k) / 2, r * r !== m, f.rc, f.prec);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  if (x === 0n) x = 1n;
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) {
      // x may be one too large or small around the fixpoint
      while (x * x > n) x -= 1n;
      while ((x + 1n) * (x + 1n) <= n) x += 1n;
      return x;
    }
    x = y;
  }
}

/** a · 2^n for an integer n (FSCALE's operation, after truncating ST(1)). */
export function scale(f: FPU, a: number, n: number): number {
  clearRounding();
  if (a === 0 || a === Infinity || a === -Infinity || a !== a) return a;
  if (n > 5000) n = 5000;
  if (n < -5000) n = -5000;
  decompose(a);
  return roundExact(dNeg, big(dMant), dExp + n, false, f.rc, 53); // PC does not apply
}

/** Round an integer-valued BigInt or a 64-bit integer to a double by RC (fild m64). */
export function fromInt64(f: FPU, lo: number, hi: number): number {
  clearRounding();
  const v = hi * 4294967296 + (lo >>> 0);
  if (hi >= -2097152 && hi < 2097152) return v; // |v| < 2^53: exact
  const x = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
  const neg = x < 0n;
  return roundExact(neg, neg ? -x : x, 0, false, f.rc, 53); // PC does not apply to loads
}

/**
 * Partial remainder (FPREM / FPREM1, SDM vol. 2): ST(0) − q·ST(1) with q the quotient
 * truncated (fprem) or rounded to nearest-even (fprem1). When the exponents differ by 64
 * or more only a partial reduction is done and C2 is set. Returns the remainder; sets
 * remQ to the low three bits of q (C0 = Q2, C3 = Q1, C1 = Q0) and remIncomplete.
 */
export let remQ = 0;
export let remIncomplete = false;

export function fprem(f: FPU, a: number, b: number, ieee: boolean): number {
  clearRounding();
  remQ = 0;
  remIncomplete = false;
  if (a !== a || b !== b) return nanResult(f, a, b);
  if (a === Infinity || a === -Infinity || b === 0) {
    f.exc |= FSW_IE;
    return INDEFINITE;
  }
  if (b === Infinity || b === -Infinity || a === 0) return a;
  decompose(a);
  const ea = dExp + leadBit(dMant), A = big(dMant), eA = dExp, na = dNeg;
  decompose(b);
  const eb = dExp + leadBit(dMant), B = big(dMant), eB = dExp;
  const D = ea - eb;
  if (D >= 64) {
    // Partial: reduce by ST(1)·2^(D−N), N = 32 … 63; N = 32 + (D mod 32) reproduces
    // the results of Intel processors.
    const scaled = ldexpExact(Math.abs(b), D - (32 + (D % 32)));
    remIncomplete = true;
    const r = a % scaled; // exact (fmod)
    return r === 0 && na ? -0 : r;
  }
  // Exact integer arithmetic on A·2^eA and B·2^eB.
  const e = eA < eB ? eA : eB;
  const NA = A << BigInt(eA - e);
  const NB = B << BigInt(eB - e);
  let q = NA / NB;
  let r = NA - q * NB;
  if (ieee) {
    const twice = 2n * r;
    if (twice > NB || (twice === NB && (q & 1n) === 1n)) {
      q += 1n;
      r -= NB;
    }
  }
  remQ = Number(q & 7n);
  let rv: number;
  if (r === 0n) rv = 0;
  else {
    const neg = r < 0n;
    rv = roundExact(neg, neg ? -r : r, e, false, RC_NEAREST, 53); // exact: |r| ≤ |b|
    clearRounding();
  }
  return na ? -rv : rv;
}


