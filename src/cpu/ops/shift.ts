// Shifts and rotates: rol ror rcl rcr shl/sal shr sar (C0/C1 imm8, D0/D1 by 1, D2/D3 by
// CL) and the double shifts shld/shrd (0F A4/A5/AC/AD), SDM vol. 2.
//
// The count is masked to 5 bits; a masked count of 0 changes neither the operand nor any
// flag. rcl/rcr rotate through CF over size+1 bits, so an 8/16-bit count is taken mod 9/17
// (a count that is a multiple of 9/17 changes nothing, flags included).
//
// Undefined flags: what the host Intel CPU (a Rocket Lake Xeon) does, established by
// running each instruction natively with random operands, counts 0-31 and random input
// flags (32-bit programs, nasm + ld -m elf_i386) and comparing:
//  - OF for counts > 1 is computed by the count-1 formula from the ORIGINAL operand, for
//    every count: shl/sal, rol, rcl: bit(s-1) ^ bit(s-2); shr: bit(s-1); sar: 0;
//    ror: bit(s-1) ^ bit 0; rcr: bit(s-1) ^ CF(in); shld: bit(s-1) ^ bit(s-2) of the
//    destination; shrd: bit(s-1) of the destination ^ bit 0 of the source.
//    Except rol/ror of a REGISTER by an immediate (C0/C1 with mod=3): there OF is written
//    only when the masked count is 1 and keeps its value for any other count (by CL, and
//    for memory operands by an immediate, it is always written).
//  - AF is cleared by every shift (shl/shr/sar/shld/shrd) with a nonzero count.
//  - 8/16-bit shl/shr/sar with a count >= the operand size behave as a wide shift: the
//    result is 0 (or all sign bits), CF is the last bit shifted out (0 once the count
//    exceeds the size for shl/shr, the sign for sar).
//  - rol/ror by a multiple of the operand size (8, 16, 24 for bytes) leave the operand
//    as it was but still set CF (bit 0 / bit s-1 of the result) and OF as above.
//  - 16-bit shld/shrd with a count of 17-31 shift the 48-bit string dst:src:dst (shld)
//    or dst:src:dst with dst at the bottom (shrd); CF is the last bit shifted out.
//
// Memory forms always write the operand back, even for a count of 0: the host faults on
// a read-only page for `shl dword [m], cl` with CL=0, so the access is a write. Flags are
// committed after that write, so a #PF leaves EFLAGS as they were (rcl/rcr read CF).
//
// Cycles (Intel486 PRM): shifts and rol/ror: reg by 1 3, mem by 1 4, reg by CL 3, mem by
// CL 4, reg by imm 2, mem by imm 4. rcl/rcr: by 1 as above; by CL or imm reg 8-30, mem
// 9-31: the manual gives no formula for the range, so forkbox charges the best case.
// shld/shrd: reg,reg,imm 2; mem,reg,imm 3; reg,reg,CL 3; mem,reg,CL 4.

import type { OpDef } from '../optable.js';
import type { CPU } from '../cpu.js';
import type { Handler, Insn } from '../insn.js';
import { PARITY, sizeMask, szp } from '../flags.js';
import { ECX, EFLAGS_ARITH, EFLAGS_CF, EFLAGS_OF, EFLAGS_SF, EFLAGS_ZF } from '../constants.js';

export const SH_ROL = 0;
export const SH_ROR = 1;
export const SH_RCL = 2;
export const SH_RCR = 3;
export const SH_SHL = 4;
export const SH_SHR = 5;
export const SH_SAL = 6; // the undocumented /6 encoding: SHL on Intel CPUs (objdump: "shl")
export const SH_SAR = 7;
const NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'shl', 'sar'];

/**
 * The flag update of the last shift() or double(): the flags in `pendWhich` get the
 * values in `pendBits`. Handlers commit it with commit() after writing the destination.
 */
let pendWhich = 0;
let pendBits = 0;

function commit(cpu: CPU): void {
  if (pendWhich === EFLAGS_ARITH) cpu.setArith(pendBits);
  else if (pendWhich !== 0) cpu.setSome(pendWhich, pendBits);
}

const CF_OF = EFLAGS_CF | EFLAGS_OF;

/**
 * Shift or rotate `a` (zero-extended to `size` bits, or int32 for 32) by `count` (already
 * masked to 5 bits). Returns the result (only its low `size` bits matter) and leaves the
 * flag update pending (see commit()).
 */
export function shift(cpu: CPU, op: number, a: number, count: number, size: number): number {
  if (count === 0) {
    pendWhich = 0;
    return a;
  }
  const s1 = size - 1;
  const m = sizeMask(size);
  let r: number;
  let cf: number;
  let of: number;
  switch (op) {
    case SH_ROL: {
      const n = count & s1;
      r = n === 0 ? a : ((a << n) | ((a & m) >>> (size - n))) & m;
      pendWhich = CF_OF;
      pendBits = (r & 1) | ((((a >>> s1) ^ (a >>> (s1 - 1))) & 1) << 11);
      return r;
    }
    case SH_ROR: {
      const n = count & s1;
      r = n === 0 ? a : (((a & m) >>> n) | (a << (size - n))) & m;
      pendWhich = CF_OF;
      pendBits = ((r >>> s1) & 1) | ((((a >>> s1) ^ a) & 1) << 11);
      return r;
    }
    case SH_RCL: {
      const n = size === 32 ? count : count % (size + 1);
      if (n === 0) {
        pendWhich = 0;
        return a;
      }
      const cin = cpu.getCF();
      if (n === 1) r = (a << 1) | cin;
      else r = (a << n) | (cin << (n - 1)) | ((a & m) >>> (size + 1 - n));
      pendWhich = CF_OF;
      pendBits = (((a & m) >>> (size - n)) & 1) | ((((a >>> s1) ^ (a >>> (s1 - 1))) & 1) << 11);
      return r & m;
    }
    case SH_RCR: {
      const n = size === 32 ? count : count % (size + 1);
      if (n === 0) {
        pendWhich = 0;
        return a;
      }
      const cin = cpu.getCF();
      if (n === 1) r = ((a & m) >>> 1) | (cin << s1);
      else r = ((a & m) >>> n) | (cin << (size - n)) | (a << (size + 1 - n));
      pendWhich = CF_OF;
      pendBits = ((a >>> (n - 1)) & 1) | ((((a >>> s1) ^ cin) & 1) << 11);
      return r & m;
    }
    case SH_SHL:
    case SH_SAL:
      r = (a << count) & m;
      cf = count <= size ? (a >>> (size - count)) & 1 : 0;
      of = ((a >>> s1) ^ (a >>> (s1 - 1))) & 1;
      break;
    case SH_SHR:
      r = (a & m) >>> count;
      cf = ((a & m) >>> (count - 1)) & 1;
      of = (a >>> s1) & 1;
      break;
    default: { // SH_SAR
      const sa = (a << (32 - size)) >> (32 - size);
      r = (sa >> count) & m;
      cf = (sa >> (count - 1)) & 1;
      of = 0;
      break;
    }
  }
  pendWhich = EFLAGS_ARITH;
  pendBits = szp(r, size) | cf | (of << 11); // AF = 0
  return r;
}

/**
 * shld (left = true) or shrd of destination `a` with bits from `b`, both of `size` bits
 * (16 or 32), by `count` (masked to 5 bits). Flag update pending as for shift().
 */
export function double(a: number, b: number, count: number, size: number, left: boolean): number {
  if (count === 0) {
    pendWhich = 0;
    return a;
  }
  let r: number;
  let cf: number;
  let of: number;
  if (size === 32) {
    if (left) {
      r = (a << count) | (b >>> (32 - count));
      cf = (a >>> (32 - count)) & 1;
      of = ((a >>> 31) ^ (a >>> 30)) & 1;
    } else {
      r = (a >>> count) | (b << (32 - count));
      cf = (a >>> (count - 1)) & 1;
      of = ((a >>> 31) ^ b) & 1;
    }
  } else {
    // The 48-bit string dst:src:dst (see the header); y holds its low 32 bits.
    a &= 0xffff;
    b &= 0xffff;
    const y = (b << 16) | a;
    if (left) {
      r = ((y >>> (32 - count)) | (a << count)) & 0xffff;
      cf = count <= 16 ? (a >>> (16 - count)) & 1 : (y >>> (48 - count)) & 1;
      of = ((a >>> 15) ^ (a >>> 14)) & 1;
    } else {
      r = ((y >>> count) | (a << (32 - count))) & 0xffff;
      cf = (y >>> (count - 1)) & 1;
      of = ((a >>> 15) ^ b) & 1;
    }
  }
  pendWhich = EFLAGS_ARITH;
  pendBits = szp(r, size) | cf | (of << 11);
  return r;
}

// ---------------------------------------------------------------------------------
// Handlers. The count source is one of:
const BY_1 = 0;
const BY_CL = 1;
const BY_IMM = 2;

function countOf(cpu: CPU, i: Insn, by: number): number {
  return (by === BY_1 ? 1 : by === BY_CL ? cpu.regs[ECX] : i.imm) & 31;
}

/** rol/ror of a register by an immediate other than 1 leave OF alone (see the header). */
function immRotateKeepsOF(i: Insn, op: number, by: number, count: number): void {
  if (by === BY_IMM && op <= SH_ROR && i.mod3 && count !== 1 && pendWhich !== 0) pendWhich = EFLAGS_CF;
}

function shiftEb(op: number, by: number): Handler {
  return (cpu, i) => {
    const c = countOf(cpu, i, by);
    if (i.mod3) {
      cpu.set8(i.rm, shift(cpu, op, cpu.get8(i.rm), c, 8));
    } else {
      const lin = cpu.eaWrite(i, 1);
      cpu.mmu.write8(lin, shift(cpu, op, cpu.mmu.rmw8(lin), c, 8));
    }
    immRotateKeepsOF(i, op, by, c);
    commit(cpu);
  };
}

function shiftEv(op: number, by: number): Handler {
  return (cpu, i) => {
    const c = countOf(cpu, i, by);
    if (i.os === 4) {
      if (i.mod3) {
        cpu.regs[i.rm] = shift(cpu, op, cpu.regs[i.rm], c, 32);
      } else {
        const lin = cpu.eaWrite(i, 4);
        cpu.mmu.write32(lin, shift(cpu, op, cpu.mmu.rmw32(lin), c, 32));
      }
    } else if (i.mod3) {
      cpu.set16(i.rm, shift(cpu, op, cpu.regs[i.rm] & 0xffff, c, 16));
    } else {
      const lin = cpu.eaWrite(i, 2);
      cpu.mmu.write16(lin, shift(cpu, op, cpu.mmu.rmw16(lin), c, 16));
    }
    immRotateKeepsOF(i, op, by, c);
    commit(cpu);
  };
}

/**
 * `shl/shr/sar r32, imm8` and `..., 1`: the forms compilers emit for scaling, unsigned
 * division by powers of two and sign extraction. Same results and flags as shift().
 */
function shiftReg32(op: number, by: number): Handler {
  switch (op) {
    case SH_SHL:
    case SH_SAL:
      return (cpu, i) => {
        const c = (by === BY_1 ? 1 : i.imm) & 31;
        if (c === 0) return;
        const a = cpu.regs[i.rm];
        const r = a << c;
        cpu.regs[i.rm] = r;
        cpu.setArith(flagsSZP32(r) | ((a >>> (32 - c)) & 1) | ((((a ^ (a << 1)) >>> 31) & 1) << 11));
      };
    case SH_SHR:
      return (cpu, i) => {
        const c = (by === BY_1 ? 1 : i.imm) & 31;
        if (c === 0) return;
        const a = cpu.regs[i.rm];
        const r = a >>> c;
        cpu.regs[i.rm] = r;
        cpu.setArith(flagsSZP32(r) | ((a >>> (c - 1)) & 1) | ((a >>> 31) << 11));
      };
    case SH_SAR:
      return (cpu, i) => {
        const c = (by === BY_1 ? 1 : i.imm) & 31;
        if (c === 0) return;
        const a = cpu.regs[i.rm];
        const r = a >> c;
        cpu.regs[i.rm] = r;
        cpu.setArith(flagsSZP32(r) | ((a >> (c - 1)) & 1));
      };
    default:
      return shiftEv(op, by);
  }
}

function flagsSZP32(r: number): number {
  return (r === 0 ? EFLAGS_ZF : 0) | (r < 0 ? EFLAGS_SF : 0) | PARITY[r & 0xff];
}

function doubleEv(left: boolean, byCl: boolean): Handler {
  return (cpu, i) => {
    const c = (byCl ? cpu.regs[ECX] : i.imm) & 31;
    if (i.os === 4) {
      if (i.mod3) {
        cpu.regs[i.rm] = double(cpu.regs[i.rm], cpu.regs[i.reg], c, 32, left);
      } else {
        const lin = cpu.eaWrite(i, 4);
        cpu.mmu.write32(lin, double(cpu.mmu.rmw32(lin), cpu.regs[i.reg], c, 32, left));
      }
    } else if (i.mod3) {
      cpu.set16(i.rm, double(cpu.regs[i.rm], cpu.regs[i.reg], c, 16, left));
    } else {
      const lin = cpu.eaWrite(i, 2);
      cpu.mmu.write16(lin, double(cpu.mmu.rmw16(lin), cpu.regs[i.reg], c, 16, left));
    }
    commit(cpu);
  };
}

// ---------------------------------------------------------------------------------
// The table.

const shiftDefs: OpDef[] = [];
for (let op = 0; op < 8; op++) {
  const m = NAMES[op];
  const rotate = op < 4;
  const thruCarry = op === SH_RCL || op === SH_RCR;
  const fl = {
    flagsRead: thruCarry ? 'c' : '',
    flagsWritten: rotate ? 'oc' : 'oszapc',
    flagsUndefined: rotate ? '' : 'a',
  };
  const rc: [number, number] = thruCarry ? [8, 9] : [3, 4]; // by CL
  const ri: [number, number] = thruCarry ? [8, 9] : [2, 4]; // by imm8
  const hot = op === SH_SHL || op === SH_SAL || op === SH_SHR || op === SH_SAR;
  shiftDefs.push(
    { code: [0xc0], ext: op, mnemonic: m, operands: 'Eb,Ib', cycles: ri, exec: shiftEb(op, BY_IMM), ...fl },
    {
      code: [0xc1], ext: op, mnemonic: m, operands: 'Ev,Ib', cycles: ri, exec: shiftEv(op, BY_IMM), ...fl,
      select: hot ? (i: Insn) => (i.mod3 && i.os === 4 ? shiftReg32(op, BY_IMM) : shiftEv(op, BY_IMM)) : undefined,
    },
    { code: [0xd0], ext: op, mnemonic: m, operands: 'Eb,1', cycles: [3, 4], exec: shiftEb(op, BY_1), ...fl },
    {
      code: [0xd1], ext: op, mnemonic: m, operands: 'Ev,1', cycles: [3, 4], exec: shiftEv(op, BY_1), ...fl,
      select: hot ? (i: Insn) => (i.mod3 && i.os === 4 ? shiftReg32(op, BY_1) : shiftEv(op, BY_1)) : undefined,
    },
    { code: [0xd2], ext: op, mnemonic: m, operands: 'Eb,CL', cycles: rc, exec: shiftEb(op, BY_CL), ...fl },
    { code: [0xd3], ext: op, mnemonic: m, operands: 'Ev,CL', cycles: rc, exec: shiftEv(op, BY_CL), ...fl },
  );
}

const DOUBLE_FLAGS = { flagsWritten: 'oszapc', flagsUndefined: 'a' };

export const SHIFT_OPS: OpDef[] = [
  ...shiftDefs,
  { code: [0x0f, 0xa4], mnemonic: 'shld', operands: 'Ev,Gv,Ib', cycles: [2, 3], exec: doubleEv(true, false), ...DOUBLE_FLAGS },
  { code: [0x0f, 0xa5], mnemonic: 'shld', operands: 'Ev,Gv,CL', cycles: [3, 4], exec: doubleEv(true, true), ...DOUBLE_FLAGS },
  { code: [0x0f, 0xac], mnemonic: 'shrd', operands: 'Ev,Gv,Ib', cycles: [2, 3], exec: doubleEv(false, false), ...DOUBLE_FLAGS },
  { code: [0x0f, 0xad], mnemonic: 'shrd', operands: 'Ev,Gv,CL', cycles: [3, 4], exec: doubleEv(false, true), ...DOUBLE_FLAGS },
];
