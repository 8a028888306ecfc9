// Lazily computed arithmetic flags.
//
// Most instructions that set CF/PF/AF/ZF/SF/OF are followed by another that overwrites
// them before anything reads them, so ALU instructions only record what they did: the
// operation, its operands, its result and its size. A flag is computed when something
// reads it (a Jcc, pushf, adc …). `lazy` is the set of flags that are to be computed
// from that record; the others are valid in `flags`.
//
// Only the hot operations are lazy (ADD, SUB/CMP/NEG, the logic group, INC, DEC). The
// rest (ADC, SBB, shifts, rotates, MUL, DIV, BCD …) compute their flags at once with
// setArith(), which is clearer and fast enough for them.
//
// Undefined flags (SDM vol. 2 "Flags Affected"): forkbox does what the Intel CPUs it has
// been compared against do; each choice is documented where the flag is set, and the
// differential test against the host CPU (tests/diff-host.test.ts) checks them.

import {
  EFLAGS_AF, EFLAGS_ARITH, EFLAGS_CF, EFLAGS_FIXED, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF,
} from './constants.js';

export const LOP_ADD = 0;
export const LOP_SUB = 1;
export const LOP_LOGIC = 2; // and, or, xor, test: CF=OF=0; AF=0 as Intel CPUs do (undefined in the SDM)
export const LOP_INC = 3;
export const LOP_DEC = 4;

/** PF for every byte value: 1 when the number of set bits is even. */
export const PARITY = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  let n = 0;
  for (let b = v; b; b >>= 1) n += b & 1;
  PARITY[v] = n & 1 ? 0 : EFLAGS_PF;
}

/** Mask of a size in bits (8, 16, 32) as an int32. */
export function sizeMask(size: number): number {
  return size === 32 ? -1 : (1 << size) - 1;
}

/** SF, ZF and PF of `result` at `size` bits, as EFLAGS bits. */
export function szp(result: number, size: number): number {
  const m = result & sizeMask(size);
  return (m === 0 ? EFLAGS_ZF : 0) | ((m >>> (size - 1)) & 1 ? EFLAGS_SF : 0) | PARITY[m & 0xff];
}

export class LazyFlags {
  /** EFLAGS; its arithmetic bits are stale where `lazy` has them set. */
  flags = EFLAGS_FIXED;
  lazy = 0;
  lop = 0;
  lsize = 32;
  la = 0;
  lb = 0;
  lres = 0;

  /** Record an add/sub/logic result for the six arithmetic flags. */
  setLazy(op: number, a: number, b: number, res: number, size: number): void {
    this.lop = op;
    this.la = a;
    this.lb = b;
    this.lres = res;
    this.lsize = size;
    this.lazy = EFLAGS_ARITH;
  }

  /** Record an inc/dec result: every arithmetic flag but CF, which keeps its value. */
  setLazyIncDec(op: number, a: number, res: number, size: number): void {
    if (this.lazy & EFLAGS_CF) this.flags = (this.flags & ~EFLAGS_CF) | this.getCF();
    this.lop = op;
    this.la = a;
    this.lb = 1;
    this.lres = res;
    this.lsize = size;
    this.lazy = EFLAGS_ARITH & ~EFLAGS_CF;
  }

  /** Set the arithmetic flags at once: `bits` holds their values, the rest are cleared. */
  setArith(bits: number): void {
    this.flags = (this.flags & ~EFLAGS_ARITH) | (bits & EFLAGS_ARITH);
    this.lazy = 0;
  }

  /** Set some arithmetic flags (those in `which`) at once, keeping the others. */
  setSome(which: number, bits: number): void {
    this.materialize(which);
    this.flags = (this.flags & ~which) | (bits & which);
    this.lazy &= ~which;
  }

  /** Compute the flags in `which` that are still lazy into `flags`. */
  materialize(which: number): void {
    const need = this.lazy & which;
    if (need === 0) return;
    let f = this.flags & ~need;
    if (need & EFLAGS_CF && this.getCF()) f |= EFLAGS_CF;
    if (need & EFLAGS_PF) f |= PARITY[this.lres & 0xff];
    if (need & EFLAGS_AF && this.getAF()) f |= EFLAGS_AF;
    if (need & EFLAGS_ZF && this.getZF()) f |= EFLAGS_ZF;
    if (need & EFLAGS_SF && this.getSF()) f |= EFLAGS_SF;
    if (need & EFLAGS_OF && this.getOF()) f |= EFLAGS_OF;
    this.flags = f;
    this.lazy &= ~need;
  }

  /** EFLAGS with every flag computed. */
  getFlags(): number {
    this.materialize(EFLAGS_ARITH);
    return this.flags;
  }

  getCF(): number {
    if ((this.lazy & EFLAGS_CF) === 0) return this.flags & EFLAGS_CF;
    const m = sizeMask(this.lsize);
    switch (this.lop) {
      case LOP_ADD:
        return (this.lres & m) >>> 0 < (this.la & m) >>> 0 ? 1 : 0;
      case LOP_SUB:
        return (this.la & m) >>> 0 < (this.lb & m) >>> 0 ? 1 : 0;
      default:
        return 0;
    }
  }

  getZF(): number {
    if ((this.lazy & EFLAGS_ZF) === 0) return (this.flags >> 6) & 1;
    return (this.lres & sizeMask(this.lsize)) === 0 ? 1 : 0;
  }

  getSF(): number {
    if ((this.lazy & EFLAGS_SF) === 0) return (this.flags >> 7) & 1;
    return (this.lres >>> (this.lsize - 1)) & 1;
  }

  getPF(): number {
    if ((this.lazy & EFLAGS_PF) === 0) return (this.flags >> 2) & 1;
    return PARITY[this.lres & 0xff] ? 1 : 0;
  }

  getAF(): number {
    if ((this.lazy & EFLAGS_AF) === 0) return (this.flags >> 4) & 1;
    if (this.lop === LOP_LOGIC) return 0;
    return ((this.la ^ this.lb ^ this.lres) >> 4) & 1;
  }

  getOF(): number {
    if ((this.lazy & EFLAGS_OF) === 0) return (this.flags >> 11) & 1;
    const s = this.lsize - 1;
    switch (this.lop) {
      case LOP_ADD:
        return (((this.la ^ this.lres) & (this.lb ^ this.lres)) >>> s) & 1;
      case LOP_SUB:
        return (((this.la ^ this.lb) & (this.la ^ this.lres)) >>> s) & 1;
      case LOP_INC:
        return (this.lres & sizeMask(this.lsize)) === 1 << s ? 1 : 0;
      case LOP_DEC:
        return (this.lres & sizeMask(this.lsize)) === (((1 << s) - 1) | 0) ? 1 : 0;
      default:
        return 0;
    }
  }

  /** Evaluate condition code `cc` (0..15, the low nibble of Jcc/SETcc/CMOVcc). */
  cond(cc: number): boolean {
    let r: number;
    switch (cc >> 1) {
      case 0: r = this.getOF(); break; // O
      case 1: r = this.getCF(); break; // B
      case 2: r = this.getZF(); break; // Z
      case 3: r = this.getCF() | this.getZF(); break; // BE
      case 4: r = this.getSF(); break; // S
      case 5: r = this.getPF(); break; // P
      case 6: r = this.getSF() ^ this.getOF(); break; // L
      default: r = this.getZF() | (this.getSF() ^ this.getOF()); break; // LE
    }
    return (r ^ (cc & 1)) !== 0;
  }
}

export { EFLAGS_AF, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF };
