// Shared by the x87 handlers (ops/fpu-*.ts): instruction entry, memory operands in the
// x87 formats, and the operand decoding that raises IE for SNaNs and DE for denormals
// (SDM vol. 1 §8.5.1, §8.5.2: both only for m32fp/m64fp operands, not m80 or ST(i)).
//
// Memory operands are read before any FPU state changes and written before the stack is
// popped, so a #PF restarts the instruction with the FPU as it was.

import type { CPU } from '../cpu.js';
import type { Insn } from '../insn.js';
import { FSW_DE, FSW_IE, type FPU } from '../fpu.js';
import { fromWords, toExtended } from '../fpu-num.js';

/** A waiting, non-control x87 instruction begins (see FPU.enter). */
export function enter(cpu: CPU, i: Insn): FPU {
  const f = cpu.fpu;
  f.enter(cpu, i, true, false);
  return f;
}

/** m32fp / m32int as raw bits. */
export function readM32(cpu: CPU, i: Insn): number {
  return cpu.mmu.read32(cpu.eaRead(i, 4));
}

export function readM16(cpu: CPU, i: Insn): number {
  return cpu.mmu.read16(cpu.eaRead(i, 2));
}

/** The two dwords of the last readM64. */
export let m64lo = 0;
export let m64hi = 0;

export function readM64(cpu: CPU, i: Insn): void {
  const lin = cpu.eaRead(i, 8);
  m64lo = cpu.mmu.read32(lin);
  m64hi = cpu.mmu.read32((lin + 4) | 0);
}

/** The sign+exponent word of the last readM80 (significand in m64lo/m64hi). */
export let m80se = 0;

export function readM80(cpu: CPU, i: Insn): void {
  const lin = cpu.eaRead(i, 10);
  m64lo = cpu.mmu.read32(lin);
  m64hi = cpu.mmu.read32((lin + 4) | 0);
  m80se = cpu.mmu.read16((lin + 8) | 0);
}

export function writeM16(cpu: CPU, i: Insn, v: number): void {
  cpu.mmu.write16(cpu.eaWrite(i, 2), v);
}

export function writeM32(cpu: CPU, i: Insn, v: number): void {
  cpu.mmu.write32(cpu.eaWrite(i, 4), v);
}

export function writeM64(cpu: CPU, i: Insn, lo: number, hi: number): void {
  const lin = cpu.eaWrite(i, 8);
  // The high dword first: a #PF on the second page then leaves the first untouched.
  cpu.mmu.write32((lin + 4) | 0, hi);
  cpu.mmu.write32(lin, lo);
}

const EXT = new Uint8Array(10);

export function writeM80(cpu: CPU, i: Insn, v: number): void {
  toExtended(v, EXT, 0);
  writeM80Bytes(cpu, i, EXT);
}

export function writeM80Bytes(cpu: CPU, i: Insn, b: Uint8Array): void {
  const lin = cpu.eaWrite(i, 10);
  cpu.mmu.write16((lin + 8) | 0, b[8] | (b[9] << 8));
  cpu.mmu.write32((lin + 4) | 0, b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24));
  cpu.mmu.write32(lin, b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24));
}

/**
 * An m32fp operand as a double: SNaN → IE, denormal → DE (flags in f.exc). NaNs are
 * built from the bits, since a host float → double conversion would quiet them: an SNaN
 * stays signalling (nanResult picks between NaNs by kind; loads quiet it).
 */
export function m32Value(f: FPU, bits: number): number {
  const exp = bits & 0x7f800000;
  const mant = bits & 0x7fffff;
  if (exp === 0x7f800000 && mant !== 0) {
    if ((mant & 0x400000) === 0) f.exc |= FSW_IE;
    const hi = (bits & 0x80000000) | 0x7ff00000 | (mant >>> 3);
    return fromWords((mant & 7) << 29, hi >>> 0);
  }
  if (exp === 0 && mant !== 0) f.exc |= FSW_DE;
  F32B[0] = bits;
  return F32V[0];
}

const F32B = new Uint32Array(1);
const F32V = new Float32Array(F32B.buffer);

/** An m64fp operand (the dwords of readM64) as a double: SNaN → IE, denormal → DE. */
export function m64Value(f: FPU, lo: number, hi: number): number {
  const exp = hi & 0x7ff00000;
  const mant = (hi & 0xfffff) | lo;
  if (exp === 0x7ff00000 && mant !== 0) {
    if ((hi & 0x80000) === 0) f.exc |= FSW_IE;
  }
  if (exp === 0 && mant !== 0) f.exc |= FSW_DE;
  return fromWords(lo, hi >>> 0);
}

/** x87 register-form operands: ST(i) from the ModRM r/m field. */
export function sti(i: Insn): number {
  return i.rm;
}
