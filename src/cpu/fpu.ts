// The x87 FPU's state (SDM vol. 1 chapter 8): the eight data registers R0-R7 used as a
// stack, the tag word, the control word (FCW), the status word (FSW, with TOP and the
// condition codes C0-C3), and the last-instruction pointers FIP/FCS/FOP/FDP/FDS; the
// exception bookkeeping (§8.4, §8.6); FNSTENV/FLDENV and FNSAVE/FRSTOR images in the
// 32-bit and 16-bit protected-mode layouts (§8.1.10, figs. 8-9 to 8-12).
//
// REGISTERS ARE DOUBLES. Each data register is an IEEE double, not an 80-bit double
// extended value. Arithmetic rounds once from the exact result (fpu-num.ts, fpu-arith.ts)
// with the control word's rounding mode; precision control "single" rounds to 24 bits,
// "double" and "extended" (Linux's default) to 53. So:
//   - every result a double represents exactly is exact, and with PC = double the
//     results and the exception flags match a real x87 while they stay in double's
//     normal range;
//   - with PC = extended a real x87 keeps 11 more bits in registers: a chain of
//     operations can then differ from the hardware in the last bit of the double it
//     finally stores (and PE may be set where the hardware's 64-bit result was exact);
//   - the exponent range is double's: results beyond it overflow to ±∞ or underflow to
//     denormals in the register (the hardware keeps them until they are stored);
//   - fld m80 / frstor round 80-bit values to double (nearest); fstp m80 / fnsave write
//     the double exactly in 80-bit form. NaN payloads keep their top 52 bits.
//   - transcendental instructions use the host's Math functions (within an ulp or so of
//     the double result; the hardware is within an ulp of the 64-bit one).
// Tags are not stored: the FPU keeps a bit per register for "empty", and the tag word's
// valid/zero/special classes are computed from the register contents when stored (as
// the hardware's FNSTENV/FNSAVE do).
//
// Unmasked exceptions (§8.6): the faulting instruction sets the flag, ES and B; the
// next waiting x87 instruction (or WAIT/FWAIT) raises #MF (vector 16) when CR0.NE = 1.
// With CR0.NE = 0 the PC's FERR#/IRQ 13 path is not emulated: the error is only
// recorded in FSW. For the invalid-operation, zero-divide and denormal exceptions the
// destination is left unchanged when unmasked; for overflow/underflow/precision the
// rounded result is stored (the hardware's exponent re-biasing of unmasked overflow and
// underflow results is not emulated).
//
// Where the SDM leaves a choice open, forkbox does what an Intel host does, as
// tests/fpu-diff.test.ts checks: which NaN an operation returns (fpu-arith.ts
// nanResult), compares set C3 C2 C0 / ZF PF CF even with IE unmasked, an unmasked
// denormal operand does not stop a load, f2xm1 outside ±1 leaves ST(0) alone, fprem's
// partial reduction uses N = 32 + (D mod 32), ZE and NaN operands take precedence over
// DE. The denormal-operand exception is raised for m32fp/m64fp denormals only (double
// denormals are normal double extended numbers in registers).
//
// At CPU reset CR0.EM is set (no coprocessor, as before the FPU existed): the kernel
// clears it (and sets MP, NE) when it finds the FPU.

import type { CPU } from './cpu.js';
import type { Insn } from './insn.js';
import { CR0_EM, CR0_MP, CR0_NE, CR0_TS, SEG_CS, VEC_MF, VEC_NM } from './constants.js';
import { raise } from './fault.js';
import { roundedUp } from './fpu-arith.js';
import { clearRounding, fromExtended, INDEFINITE, rInexact, rOverflow, rUnderflow, rUp, toExtended } from './fpu-num.js';

/* FSW bits (SDM vol. 1 fig. 8-4). */
export const FSW_IE = 1 << 0;
export const FSW_DE = 1 << 1;
export const FSW_ZE = 1 << 2;
export const FSW_OE = 1 << 3;
export const FSW_UE = 1 << 4;
export const FSW_PE = 1 << 5;
export const FSW_SF = 1 << 6;
export const FSW_ES = 1 << 7;
export const FSW_C0 = 1 << 8;
export const FSW_C1 = 1 << 9;
export const FSW_C2 = 1 << 10;
export const FSW_TOP_SHIFT = 11;
export const FSW_TOP = 7 << FSW_TOP_SHIFT;
export const FSW_C3 = 1 << 14;
export const FSW_B = 1 << 15;
export const FSW_CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3;
/** The six maskable exception flags (FCW bits 0-5 mask them). */
export const FPU_EXC = 0x3f;
/** Pre-computation exceptions: unmasked, the destination is not written (§8.5). */
export const FPU_PRE = FSW_IE | FSW_DE | FSW_ZE;
/** Unmasked, a store to memory is not done either. */
export const FPU_NOSTORE = FSW_IE | FSW_DE | FSW_ZE | FSW_OE | FSW_UE;

/* FCW fields (fig. 8-6). */
export const FCW_DEFAULT = 0x037f; // FNINIT: all masked, PC = extended, RC = nearest
export const FCW_PC_SHIFT = 8;
export const FCW_RC_SHIFT = 10;

/** Tag values (fig. 8-7). */
export const TAG_VALID = 0;
export const TAG_ZERO = 1;
export const TAG_SPECIAL = 2;
export const TAG_EMPTY = 3;

/** Size of the FNSAVE image in 32-bit protected mode. */
export const FNSAVE_SIZE = 108;
export const FNSTENV_SIZE = 28;

export class FPU {
  /** The physical data registers R0-R7; ST(i) is R[(TOP + i) mod 8]. */
  readonly regs = new Float64Array(8);
  /** Bit k set: R[k] is empty (tag 11). */
  empty = 0xff;
  top = 0;
  fcw = FCW_DEFAULT;
  /** FSW without the TOP field (see `status`). */
  fsw = 0;
  /** Last non-control instruction: its offset and CS, its opcode (11 bits), and its
   *  memory operand's offset and segment selector (SDM vol. 1 §8.1.8, §8.1.9). */
  fip = 0;
  fcs = 0;
  fop = 0;
  fdp = 0;
  fds = 0;
  /** Exception flags raised by the operation in progress (see commit()). */
  exc = 0;
  /**
   * Lazy C1. Once PE is set and masked, an add/mul/div on the fast path only needs the
   * error term for C1 ("rounded up"), which nothing reads until the status word is
   * stored: the operation (LAZY_*) and its operands are kept and C1 is settled when FSW
   * is read (the `status` getter). The next non-control instruction writes C1 itself
   * and drops the record.
   */
  lazyOp = 0;
  readonly lazyV = new Float64Array(3);

  /** FNINIT (SDM vol. 2 FINIT/FNINIT). The hardware leaves the data registers' contents
   *  (only the tags say empty); forkbox zeroes them, so that no value of one task is
   *  visible to the next (the kernel resets the FPU between tasks). */
  reset(): void {
    this.lazyOp = 0;
    this.regs.fill(0);
    this.empty = 0xff;
    this.top = 0;
    this.fcw = FCW_DEFAULT;
    this.fsw = 0;
    this.fip = this.fcs = this.fop = this.fdp = this.fds = 0;
    this.exc = 0;
  }

  /** The status word as FNSTSW stores it. */
  get status(): number {
    if (this.lazyOp !== 0) this.settleC1();
    return (this.fsw & ~FSW_TOP) | (this.top << FSW_TOP_SHIFT);
  }

  /** Record a fast-path operation whose C1 is computed only if FSW is read. */
  lazyC1(op: number, a: number, b: number, r: number): void {
    this.lazyOp = op;
    const v = this.lazyV;
    v[0] = a;
    v[1] = b;
    v[2] = r;
  }

  private settleC1(): void {
    const v = this.lazyV;
    this.fsw = roundedUp(this.lazyOp, v[0], v[1], v[2]) ? this.fsw | FSW_C1 : this.fsw & ~FSW_C1;
    this.lazyOp = 0;
  }

  set status(v: number) {
    this.lazyOp = 0;
    this.top = (v >> FSW_TOP_SHIFT) & 7;
    this.fsw = v & ~FSW_TOP & 0xffff;
  }

  /** Rounding control, 0-3 (fpu-num.ts RC_*). */
  get rc(): number {
    return (this.fcw >> FCW_RC_SHIFT) & 3;
  }

  /** Significand bits results are rounded to: 24 for PC = single, else 53. */
  get prec(): number {
    return ((this.fcw >> FCW_PC_SHIFT) & 3) === 0 ? 24 : 53;
  }

  // ---------------------------------------------------------------------------------
  // The register stack.

  st(i: number): number {
    return this.regs[(this.top + i) & 7];
  }

  isEmpty(i: number): boolean {
    return ((this.empty >> ((this.top + i) & 7)) & 1) !== 0;
  }

  setSt(i: number, v: number): void {
    const r = (this.top + i) & 7;
    this.regs[r] = v;
    this.empty &= ~(1 << r);
  }

  /** Mark ST(i) empty (FFREE). */
  free(i: number): void {
    this.empty |= 1 << ((this.top + i) & 7);
  }

  /** Pop the stack: ST(0) becomes empty, TOP + 1. */
  pop(): void {
    this.empty |= 1 << this.top;
    this.top = (this.top + 1) & 7;
  }

  /**
   * Push `v`. If the new ST(0) is not empty, stack overflow (§8.5.1.1): IE, SF, C1 = 1;
   * masked, the real indefinite is pushed; unmasked, nothing changes and false returns.
   */
  push(v: number): boolean {
    const r = (this.top - 1) & 7;
    if (((this.empty >> r) & 1) === 0) {
      this.fsw |= FSW_C1;
      if (this.signal(FSW_IE | FSW_SF)) return false;
      v = INDEFINITE;
    }
    this.top = r;
    this.regs[r] = v;
    this.empty &= ~(1 << r);
    return true;
  }

  /**
   * Stack underflow (§8.5.1.1): an empty register was read. IE, SF, C1 = 0. Returns
   * true when IE is unmasked (the instruction must not write its destination).
   */
  underflow(): boolean {
    this.fsw &= ~FSW_C1;
    return this.signal(FSW_IE | FSW_SF);
  }

  // ---------------------------------------------------------------------------------
  // Exceptions.

  /**
   * Record exception flags now. Returns true when one of them is unmasked: ES and B are
   * set (the next waiting instruction raises #MF).
   */
  signal(bits: number): boolean {
    this.fsw |= bits;
    if (bits & ~this.fcw & FPU_EXC) {
      this.fsw |= FSW_ES | FSW_B;
      return true;
    }
    return false;
  }

  /**
   * Finish an arithmetic operation whose flags were collected in `exc` (and the last
   * rounding's outcome in fpu-num.ts). Sets C1 (rounded up, else 0) and the flags.
   * Returns the unmasked ones (ES and B are then set): with IE, DE or ZE among them
   * (FPU_PRE) the destination must stay unchanged; a store to memory also skips the
   * write on unmasked OE or UE.
   */
  commit(memDest = false): number {
    let e = this.exc;
    this.exc = 0;
    // A pre-computation exception that is unmasked aborts the instruction: no result, so
    // no post-computation flags. A QNaN operand takes precedence over a denormal (§4.9.2).
    if (e & ~this.fcw & FPU_PRE) e &= FPU_PRE;
    else {
      if (rInexact) e |= FSW_PE;
      if (rOverflow) e |= FSW_OE;
      if (rUnderflow) e |= FSW_UE;
      this.fsw = rUp && rInexact ? this.fsw | FSW_C1 : this.fsw & ~FSW_C1;
      // Unmasked overflow/underflow on a store to memory: nothing is stored, and the
      // precision exception is not reported (the result was not delivered).
      if (memDest && e & ~this.fcw & (FSW_OE | FSW_UE)) {
        e &= ~FSW_PE;
        this.fsw &= ~FSW_C1;
      }
    }
    if (e === 0) return 0;
    this.fsw |= e;
    const unmasked = e & ~this.fcw & FPU_EXC;
    if (unmasked !== 0) this.fsw |= FSW_ES | FSW_B;
    return unmasked;
  }

  /** ES and B follow the flags and masks after FCW or FSW are loaded (§8.1.3). */
  updateES(): void {
    if (this.fsw & ~this.fcw & FPU_EXC) this.fsw |= FSW_ES | FSW_B;
    else this.fsw &= ~(FSW_ES | FSW_B);
  }

  /** Set the condition codes in `mask` to `bits`. */
  setCC(mask: number, bits: number): void {
    this.fsw = (this.fsw & ~mask) | bits;
  }

  // ---------------------------------------------------------------------------------
  // Instruction entry: CR0.EM/TS (#NM), pending unmasked exceptions (#MF), and the
  // last-instruction pointers.

  /**
   * Every x87 instruction first: #NM when CR0.EM or CR0.TS is set (SDM vol. 3A §2.5 and
   * table 2-2: EM = 1 → #NM for x87; TS = 1 → #NM). Waiting instructions then raise a
   * pending unmasked exception as #MF when CR0.NE = 1 (§8.6). Non-control instructions
   * record FIP/FCS/FOP and, with a memory operand, FDP/FDS.
   */
  enter(cpu: CPU, i: Insn, waiting: boolean, control: boolean): void {
    const cr0 = cpu.mmu.cr0;
    if (cr0 & (CR0_EM | CR0_TS)) raise(VEC_NM, -1);
    if (waiting && this.fsw & FSW_ES && cr0 & CR0_NE) raise(VEC_MF, -1);
    clearRounding();
    this.exc = 0;
    if (control) return;
    this.lazyOp = 0; // this instruction writes C1
    this.fip = i.eip;
    this.fcs = cpu.segSel[SEG_CS];
    this.fop = i.imm2;
    if (!i.mod3) {
      this.fdp = cpu.offset(i);
      this.fds = cpu.segSel[i.seg];
    }
  }

  /** WAIT/FWAIT (SDM vol. 2): #NM if CR0.MP and CR0.TS; then a pending #MF. */
  wait(cpu: CPU): void {
    const cr0 = cpu.mmu.cr0;
    if (cr0 & CR0_MP && cr0 & CR0_TS) raise(VEC_NM, -1);
    if (this.fsw & FSW_ES && cr0 & CR0_NE) raise(VEC_MF, -1);
  }

  // ---------------------------------------------------------------------------------
  // Tags and the environment images.

  /** The tag of physical register r, computed from its contents (fig. 8-7). */
  tagOf(r: number): number {
    if ((this.empty >> r) & 1) return TAG_EMPTY;
    const v = this.regs[r];
    if (v === 0) return TAG_ZERO;
    if (v !== v || v === Infinity || v === -Infinity) return TAG_SPECIAL;
    return TAG_VALID; // a double denormal is a normal double extended value
  }

  get tagWord(): number {
    let t = 0;
    for (let r = 0; r < 8; r++) t |= this.tagOf(r) << (2 * r);
    return t;
  }

  /** Load a tag word: only "empty" is kept; the other classes follow the contents. */
  set tagWord(t: number) {
    let e = 0;
    for (let r = 0; r < 8; r++) if (((t >> (2 * r)) & 3) === TAG_EMPTY) e |= 1 << r;
    this.empty = e;
  }

  /**
   * Store the environment at `off` (fig. 8-9 and 8-10; fig. 8-11/8-12 when o16): 28
   * bytes in 32-bit mode — FCW, FSW, FTW, FIP, FCS | FOP << 16, FDP, FDS, each in a
   * dword whose upper half is reserved (stored as 0xFFFF on the selector and control
   * words, as Intel processors do); 14 bytes in 16-bit mode.
   */
  storeEnv(out: Uint8Array, off: number, o16: boolean): number {
    const w16 = (k: number, v: number) => {
      out[off + k] = v & 0xff;
      out[off + k + 1] = (v >>> 8) & 0xff;
    };
    const w32 = (k: number, v: number) => {
      w16(k, v);
      w16(k + 2, v >>> 16);
    };
    if (o16) {
      w16(0, this.fcw);
      w16(2, this.status);
      w16(4, this.tagWord);
      w16(6, this.fip);
      w16(8, this.fcs);
      w16(10, this.fdp);
      w16(12, this.fds);
      return 14;
    }
    w32(0, 0xffff0000 | this.fcw);
    w32(4, 0xffff0000 | this.status);
    w32(8, 0xffff0000 | this.tagWord);
    w32(12, this.fip);
    w32(16, (this.fcs & 0xffff) | ((this.fop & 0x7ff) << 16));
    w32(20, this.fdp);
    w32(24, 0xffff0000 | this.fds);
    return FNSTENV_SIZE;
  }

  /** Load the environment (FLDENV), the inverse of storeEnv. Returns its size. */
  loadEnv(img: Uint8Array, off: number, o16: boolean): number {
    const r16 = (k: number) => img[off + k] | (img[off + k + 1] << 8);
    const r32 = (k: number) => (r16(k) | (r16(k + 2) << 16)) >>> 0;
    if (o16) {
      this.fcw = r16(0);
      this.status = r16(2);
      this.tagWord = r16(4);
      this.fip = r16(6);
      this.fcs = r16(8);
      this.fdp = r16(10);
      this.fds = r16(12);
      this.fop = 0;
    } else {
      this.fcw = r16(0);
      this.status = r16(4);
      this.tagWord = r16(8);
      this.fip = r32(12) | 0;
      this.fcs = r16(16);
      this.fop = r16(18) & 0x7ff;
      this.fdp = r32(20) | 0;
      this.fds = r16(24);
    }
    this.updateES();
    return o16 ? 14 : FNSTENV_SIZE;
  }

  /**
   * The FNSAVE image (SDM vol. 1 fig. 8-9 followed by the registers): the 28-byte
   * 32-bit protected-mode environment, then ST(0)..ST(7) as 80-bit values, 10 bytes
   * each, in stack order — 108 bytes. The state is not changed (FNSAVE the instruction
   * re-initializes the FPU after storing; the kernel calls reset() when it wants that).
   */
  save(out: Uint8Array, o16 = false): void {
    const n = this.storeEnv(out, 0, o16);
    for (let i = 0; i < 8; i++) toExtended(this.st(i), out, n + 10 * i);
  }

  /** FRSTOR: load a 108-byte image written by save() or by FNSAVE. */
  restore(img: Uint8Array, o16 = false): void {
    const n = this.loadEnv(img, 0, o16);
    for (let i = 0; i < 8; i++) {
      const o = n + 10 * i;
      const lo = img[o] | (img[o + 1] << 8) | (img[o + 2] << 16) | (img[o + 3] << 24);
      const hi = img[o + 4] | (img[o + 5] << 8) | (img[o + 6] << 16) | (img[o + 7] << 24);
      this.regs[(this.top + i) & 7] = fromExtended(lo, hi, img[o + 8] | (img[o + 9] << 8));
    }
  }
}
