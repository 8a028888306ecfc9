// Number formats and rounding for the x87 FPU (fpu.ts): the exact rounding of a value to
// the precision and rounding mode the control word selects, the 80-bit double
// extended-precision format (SDM vol. 1 §4.2.2, §4.8), and the bit-level views of a
// double the FPU needs (NaN payloads, signs of zeros).
//
// forkbox keeps the x87 registers as IEEE doubles (fpu.ts explains the consequences).
// Every arithmetic result is rounded ONCE from the exact result, honouring the rounding
// control (RC) and precision control (PC = single rounds to 24 bits; double and
// extended round to 53), so whatever a double can represent exactly is exact, and
// results with PC = double match a real x87 bit for bit while they stay in double's
// normal range. The fast path is JavaScript's own round-to-nearest arithmetic with an
// error-free transformation (Knuth's TwoSum, Dekker's TwoProduct) telling whether and
// which way it rounded; anything else (directed rounding, PC = single, results at the
// edges of the exponent range) goes through an exact BigInt computation. Neither path
// allocates on the fast path.

/** Rounding control (FCW bits 11:10, SDM vol. 1 table 4-8). */
export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_CHOP = 3;

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer); // little-endian: [0] low word, [1] high word
const F32 = new Float32Array(1);
const U32F = new Uint32Array(F32.buffer);

/** High 32 bits of a double's encoding. */
export function hiWord(x: number): number {
  F64[0] = x;
  return U32[1];
}

export function loWord(x: number): number {
  F64[0] = x;
  return U32[0];
}

export function fromWords(lo: number, hi: number): number {
  U32[0] = lo;
  U32[1] = hi;
  return F64[0];
}

/** Sign bit of a double (true for -0 and negative NaNs). */
export function signBit(x: number): boolean {
  F64[0] = x;
  return U32[1] >>> 31 === 1;
}

/** A signalling NaN: quiet bit (mantissa bit 51) clear. */
export function isSNaN(x: number): boolean {
  if (x === x) return false;
  F64[0] = x;
  return (U32[1] & 0x00080000) === 0;
}

/** The NaN with its quiet bit set (SDM vol. 1 §4.8.3.4). */
export function quiet(x: number): number {
  F64[0] = x;
  U32[1] |= 0x00080000;
  return F64[0];
}

/** The real indefinite: the negative QNaN 0xFFF8_0000_0000_0000 (§4.8.3.7). */
export const INDEFINITE = fromWords(0, 0xfff80000);

/** 2^k for -1074 ≤ k ≤ 1023 as an exact double. */
const POW2 = new Float64Array(2098);
{
  let v = 1;
  for (let k = 0; k <= 1023; k++, v *= 2) POW2[1074 + k] = v;
  v = 1;
  for (let k = 0; k >= -1074; k--, v /= 2) POW2[1074 + k] = v;
}

/** x · 2^k exactly when the result is representable (k may be large either way). */
export function ldexpExact(x: number, k: number): number {
  while (k > 1000) {
    x *= POW2[1074 + 1000];
    k -= 1000;
  }
  while (k < -1000) {
    x *= POW2[1074 - 1000];
    k += 1000;
  }
  return x * POW2[1074 + k];
}

// ---------------------------------------------------------------------------------
// The outcome of the last rounding, read by the FPU after each call.

/** Precision exception: the result was inexact. */
export let rInexact = false;
/** C1 after an inexact result: the significand was incremented (SDM vol. 1 §8.1.3.2). */
export let rUp = false;
/** Overflow (result too large for the format) and underflow (tiny and inexact). */
export let rOverflow = false;
export let rUnderflow = false;

export function clearRounding(): void {
  rInexact = rUp = rOverflow = rUnderflow = false;
}

/** Record the outcome of a fast-path operation: `err` = exact − rounded. */
export function noteError(res: number, err: number): void {
  rInexact = err !== 0;
  rUp = err !== 0 && res !== 0 && (err < 0) === (res > 0);
  rOverflow = rUnderflow = false;
}

// ---------------------------------------------------------------------------------
// Exact decomposition: x = (-1)^dNeg · dMant · 2^dExp, dMant an integer < 2^53.

export let dNeg = false;
export let dMant = 0;
export let dExp = 0;

/** Decompose a finite double. */
export function decompose(x: number): void {
  F64[0] = x;
  const hi = U32[1];
  const lo = U32[0];
  dNeg = hi >>> 31 === 1;
  const e = (hi >>> 20) & 0x7ff;
  const m = (hi & 0xfffff) * 4294967296 + lo;
  if (e === 0) {
    dMant = m;
    dExp = -1074;
  } else {
    dMant = m + 4503599627370496; // + 2^52
    dExp = e - 1075;
  }
}

/** Index of the leading 1 bit of a positive integer below 2^53. */
export function leadBit(m: number): number {
  if (m >= 4294967296) return 63 - Math.clz32(Math.floor(m / 4294967296));
  return 31 - Math.clz32(m);
}

function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/**
 * Round the exact value (-1)^neg · m · 2^e (m ≥ 0) to `prec` significant bits (53 or
 * 24) in double's exponent range, by rounding mode `rc`. `sticky` says that nonzero bits
 * below m's last bit were dropped (the value is a little more than m · 2^e). Sets the
 * r* outcome flags.
 */
export function roundExact(neg: boolean, m: bigint, e: number, sticky: boolean, rc: number, prec: number): number {
  rInexact = rUp = rOverflow = rUnderflow = false;
  if (m === 0n) {
    if (sticky) m = 1n, e -= 4000; // a value too small to matter except for its rounding
    else return neg ? -0 : 0;
  }
  const n = bitLength(m);
  const top = e + n - 1; // exponent of the leading bit
  const lsb = Math.max(top - (prec - 1), -1074);
  const shift = lsb - e;
  let q: bigint;
  let inexact = sticky;
  let inc = false;
  if (shift <= 0) {
    q = m << BigInt(-shift);
    if (sticky) inc = rc === RC_UP ? !neg : rc === RC_DOWN ? neg : false;
  } else {
    const s = BigInt(shift);
    q = m >> s;
    const rem = m & ((1n << s) - 1n);
    const half = 1n << (s - 1n);
    inexact = inexact || rem !== 0n;
    if (rc === RC_NEAREST) inc = rem > half || (rem === half && (sticky || (q & 1n) === 1n));
    else if (rc === RC_UP) inc = !neg && inexact;
    else if (rc === RC_DOWN) inc = neg && inexact;
  }
  if (inc) q += 1n;
  const qn = Number(q);
  const topAfter = lsb + bitLength(q) - 1;
  rInexact = inexact;
  rUp = inc;
  // Underflow: tiny (below 2^-1022, judged after rounding) and inexact.
  rUnderflow = topAfter < -1022 && inexact;
  // Overflow: the rounded value's leading bit beyond 2^1023 (§4.9.1.4, masked response).
  if (topAfter > 1023) {
    rOverflow = rInexact = true;
    const toInf = rc === RC_NEAREST || (rc === RC_UP && !neg) || (rc === RC_DOWN && neg);
    rUp = toInf;
    const max = prec === 24 ? 3.4028234663852886e38 * 2 ** 896 : Number.MAX_VALUE;
    const v = toInf ? Infinity : max;
    return neg ? -v : v;
  }
  const v = lsb < -1022 ? qn * POW2[1074 - 52] * POW2[1074 + lsb + 52] : qn * POW2[1074 + lsb];
  return neg ? -v : v;
}

/** BigInt of a decomposed mantissa. */
export function big(m: number): bigint {
  return BigInt(m);
}

// ---------------------------------------------------------------------------------
// Rounding to an integer (frndint, fist), by RC; round-half-even for RC_NEAREST.

export function roundInt(x: number, rc: number): number {
  switch (rc) {
    case RC_NEAREST: {
      let r = Math.round(x);
      if (r - x === 0.5 && r % 2 !== 0) r -= 1;
      return r === 0 && signBit(x) ? -0 : r;
    }
    case RC_DOWN: return Math.floor(x);
    case RC_UP: return Math.ceil(x);
    default: return Math.trunc(x);
  }
}

// ---------------------------------------------------------------------------------
// Single precision (m32fp) stores: round a double to float by RC.

/** The float nearest in direction: bits of `f` (a float) one step away from zero. */
function floatStep(f: number, away: boolean): number {
  F32[0] = f;
  if (f === 0) {
    U32F[0] = (U32F[0] & 0x80000000) | 1;
    return F32[0];
  }
  U32F[0] = away ? U32F[0] + 1 : U32F[0] - 1;
  return F32[0];
}

/** Round x to single precision by rc; sets r* flags. Returns the float's bits. */
export function toFloat32Bits(x: number, rc: number): number {
  rInexact = rUp = rOverflow = rUnderflow = false;
  let f = Math.fround(x);
  if (x !== x) {
    F32[0] = f;
    // keep the NaN's sign and top payload bits
    F64[0] = x;
    return ((U32[1] & 0x80000000) | 0x7f800000 | ((U32[1] & 0xfffff) << 3) | (U32[0] >>> 29)) >>> 0;
  }
  if (f !== x && Math.abs(x) !== Infinity) {
    rInexact = true;
    const neg = x < 0;
    // f is the nearest; a directed mode may need the other neighbour.
    const fAway = Math.abs(f) > Math.abs(x); // f rounded away from zero
    if (rc === RC_CHOP && fAway) f = floatStep(f, false);
    else if (rc === RC_UP && (neg ? fAway : !fAway)) f = neg ? floatStep(f, false) : floatStep(f, true);
    else if (rc === RC_DOWN && (neg ? !fAway : fAway)) f = neg ? floatStep(f, true) : floatStep(f, false);
    // an overflowed nearest (±inf) stepped toward zero is ±max: floatStep handles it.
    rUp = Math.abs(f) > Math.abs(x);
    if (Math.abs(x) >= 3.4028234663852886e38 && (Math.abs(f) === Infinity || Math.abs(f) === 3.4028234663852886e38)) rOverflow = true;
    if (Math.abs(x) < 1.1754943508222875e-38) rUnderflow = true;
  }
  F32[0] = f;
  return U32F[0];
}

// ---------------------------------------------------------------------------------
// The 80-bit double extended-precision format (SDM vol. 1 fig. 4-3): 64-bit significand
// with an explicit integer bit, 15-bit exponent biased by 16383, sign.

/** Write x as 80 bits into `out` at `off`: mantissa low/high dwords, then sign+exponent. */
export function toExtended(x: number, out: Uint8Array, off: number): void {
  F64[0] = x;
  const hi = U32[1];
  const lo = U32[0];
  const sign = hi >>> 31;
  const e = (hi >>> 20) & 0x7ff;
  let mhi = 0;
  let mlo = 0;
  let exp = 0;
  if (e === 0x7ff) {
    exp = 0x7fff;
    mhi = (0x80000000 | ((hi & 0xfffff) << 11) | (lo >>> 21)) >>> 0;
    mlo = (lo << 11) >>> 0;
  } else if (e === 0) {
    if ((hi & 0xfffff) !== 0 || lo !== 0) {
      // a double denormal is a normal extended number: normalize it
      let m = (hi & 0xfffff) * 4294967296 + lo;
      let k = -1074;
      while (m < 4503599627370496) { // 2^52
        m *= 2;
        k--;
      }
      // m in [2^52, 2^53): value = m · 2^k; the 64-bit significand is m · 2^11
      exp = k + 52 + 16383;
      mhi = Math.floor(m / 2097152) >>> 0; // 2^21
      mlo = ((m % 2097152) * 2048) >>> 0;
    }
  } else {
    exp = e - 1023 + 16383;
    mhi = (0x80000000 | ((hi & 0xfffff) << 11) | (lo >>> 21)) >>> 0;
    mlo = (lo << 11) >>> 0;
  }
  out[off] = mlo & 0xff;
  out[off + 1] = (mlo >>> 8) & 0xff;
  out[off + 2] = (mlo >>> 16) & 0xff;
  out[off + 3] = mlo >>> 24;
  out[off + 4] = mhi & 0xff;
  out[off + 5] = (mhi >>> 8) & 0xff;
  out[off + 6] = (mhi >>> 16) & 0xff;
  out[off + 7] = mhi >>> 24;
  const se = (sign << 15) | exp;
  out[off + 8] = se & 0xff;
  out[off + 9] = se >>> 8;
}

/**
 * An 80-bit value (significand lo/hi dwords, sign+exponent word) as a double, rounded to
 * nearest (the one place forkbox loses what the hardware keeps: 64 → 53 bits, and the
 * wider exponent range). NaN payloads keep their top 52 bits and their quiet bit.
 */
export function fromExtended(mlo: number, mhi: number, se: number): number {
  mlo >>>= 0;
  mhi >>>= 0;
  const neg = (se & 0x8000) !== 0;
  const exp = se & 0x7fff;
  const integer = mhi >>> 31;
  if (exp !== 0 && integer === 0) {
    // Unnormals, pseudo-NaNs, pseudo-infinities (§8.2.2): not representable as doubles.
    // Pseudo-NaN/∞ become the indefinite; an unnormal keeps its value.
    if (exp === 0x7fff) return INDEFINITE;
    if (mhi === 0 && mlo === 0) return neg ? -0 : 0;
    const m = (BigInt(mhi) << 32n) | BigInt(mlo);
    const v = roundExact(neg, m, exp - 16383 - 63, false, RC_NEAREST, 53);
    clearRounding();
    return v;
  }
  if (exp === 0x7fff) {
    const frac = (mhi & 0x7fffffff) !== 0 || mlo !== 0;
    if (!frac) return neg ? -Infinity : Infinity;
    const h = ((neg ? 0x80000000 : 0) | 0x7ff00000 | ((mhi >>> 11) & 0xfffff)) >>> 0;
    const l = (((mhi & 0x7ff) << 21) | (mlo >>> 11)) >>> 0;
    const v = fromWords(l, h);
    if ((h & 0xfffff) === 0 && l === 0) return fromWords(0, h | 0x00080000); // payload below double's bits
    return v;
  }
  if (mhi === 0 && mlo === 0) return neg ? -0 : 0;
  const e2 = (exp === 0 ? 1 : exp) - 16383 - 63; // value = significand · 2^e2
  if ((mlo & 0x7ff) === 0 && e2 + 63 >= -1022 && e2 + 63 <= 1023 && integer) {
    const v = (mhi * 4294967296 + mlo) * POW2[1074 - 63] * POW2[1074 + e2 + 63];
    return neg ? -v : v;
  }
  const m = (BigInt(mhi) << 32n) | BigInt(mlo);
  const v = roundExact(neg, m, e2, false, RC_NEAREST, 53);
  clearRounding();
  return v;
}

