// Data movement (SDM vol. 2): MOV (register, memory, immediate and moffs forms), MOVZX,
// MOVSX, LEA, XCHG, CBW/CWDE, CWD/CDQ, CMOVcc, XLAT, XADD, CMPXCHG, CMPXCHG8B.
//
// Cycles (Intel486 PRM, appendix "Instruction Format and Timing"; the same figures are
// tabulated in HelpPC's 486 column): MOV 1 in every form; MOVZX/MOVSX 3; LEA 1;
// XCHG reg,reg 3, reg,mem 5, eAX,reg 3; CBW/CWDE 3; CWD/CDQ 3; XLAT 4; XADD reg 3, mem 4;
// CMPXCHG reg 6, mem 7 (+3 when the comparison fails).
// Not on the i486, costed as the first Intel CPUs that have them: CMPXCHG8B 10 (Pentium);
// CMOVcc 1 with a register source, 2 with a memory source (a MOV plus the condition, as
// on the P6 where it is two micro-ops).
//
// Faults and restart: every handler does its memory accesses (the ones that can raise
// #PF/#GP/#SS) before it writes a register or the flags. Read-modify-write forms (xchg,
// xadd, cmpxchg, cmpxchg8b with a memory operand) compute the write address first
// (eaWrite checks the segment for writing), read with mmu.rmw* (write access checked
// before the read, so a fault has W=1 and the write that follows cannot fault), and
// write memory before touching registers.

import type { OpDef } from '../optable.js';
import type { CPU } from '../cpu.js';
import type { Handler, Insn } from '../insn.js';
import { EAX, EBX, ECX, EDX, EFLAGS_ZF, VEC_UD } from '../constants.js';
import { LOP_ADD, LOP_SUB } from '../flags.js';
import { raise } from '../fault.js';
import { CONDITION_NAMES } from './branch.js';
import { PAGE_MASK, PAGE_SHIFT } from '../../mmu/paging.js';

// ---------------------------------------------------------------------------------
// MOV

const movEbGb: Handler = (cpu, i) => cpu.writeEb(i, cpu.get8(i.reg));
const movEvGv: Handler = (cpu, i) => {
  if (i.os === 4) {
    if (i.mod3) cpu.regs[i.rm] = cpu.regs[i.reg];
    else cpu.mmu.write32(cpu.eaWrite(i, 4), cpu.regs[i.reg]);
  } else cpu.writeEv(i, cpu.regs[i.reg]);
};
const movGbEb: Handler = (cpu, i) => cpu.set8(i.reg, cpu.readEb(i));
const movGvEv: Handler = (cpu, i) => {
  if (i.os === 4) cpu.regs[i.reg] = i.mod3 ? cpu.regs[i.rm] : cpu.mmu.read32(cpu.eaRead(i, 4));
  else cpu.set16(i.reg, cpu.readEv(i));
};
const movZbIb: Handler = (cpu, i) => cpu.set8(i.reg, i.imm);
const movZvIv: Handler = (cpu, i) => {
  if (i.os === 4) cpu.regs[i.reg] = i.imm;
  else cpu.set16(i.reg, i.imm);
};
const movEbIb: Handler = (cpu, i) => cpu.writeEb(i, i.imm);
const movEvIv: Handler = (cpu, i) => cpu.writeEv(i, i.imm);

// The 32-bit forms compiled code is made of, specialized at decode time.
const movRegReg32: Handler = (cpu, i) => {
  cpu.regs[i.rm] = cpu.regs[i.reg];
};
const movStore32: Handler = (cpu, i) => {
  cpu.mmu.write32(cpu.eaWrite(i, 4), cpu.regs[i.reg]);
};
const movLoadRegReg32: Handler = (cpu, i) => {
  cpu.regs[i.reg] = cpu.regs[i.rm];
};
const movLoad32: Handler = (cpu, i) => {
  cpu.regs[i.reg] = cpu.mmu.read32(cpu.eaRead(i, 4));
};
const movStoreImm32: Handler = (cpu, i) => {
  cpu.mmu.write32(cpu.eaWrite(i, 4), i.imm);
};

// moffs forms (A0-A3): the decoder turns the offset into a memory operand with no base
// or index, DS unless overridden, so the ModRM helpers serve them.
const movALOb: Handler = (cpu, i) => cpu.set8(EAX, cpu.mmu.read8(cpu.eaRead(i, 1)));
const movEAXOv: Handler = (cpu, i) => {
  if (i.os === 4) cpu.regs[EAX] = cpu.mmu.read32(cpu.eaRead(i, 4));
  else cpu.set16(EAX, cpu.mmu.read16(cpu.eaRead(i, 2)));
};
const movObAL: Handler = (cpu, i) => cpu.mmu.write8(cpu.eaWrite(i, 1), cpu.regs[EAX]);
const movOvEAX: Handler = (cpu, i) => {
  if (i.os === 4) cpu.mmu.write32(cpu.eaWrite(i, 4), cpu.regs[EAX]);
  else cpu.mmu.write16(cpu.eaWrite(i, 2), cpu.regs[EAX]);
};

// ---------------------------------------------------------------------------------
// MOVZX, MOVSX: the source is a byte or a word whatever the operand size.

function readEw(cpu: CPU, i: Insn): number {
  return i.mod3 ? cpu.regs[i.rm] & 0xffff : cpu.mmu.read16(cpu.eaRead(i, 2));
}

const movzxGvEb: Handler = (cpu, i) => cpu.writeGv(i, cpu.readEb(i));
const movzxGvEw: Handler = (cpu, i) => cpu.writeGv(i, readEw(cpu, i));
const movsxGvEb: Handler = (cpu, i) => cpu.writeGv(i, (cpu.readEb(i) << 24) >> 24);
const movsxGvEw: Handler = (cpu, i) => cpu.writeGv(i, (readEw(cpu, i) << 16) >> 16);

// ---------------------------------------------------------------------------------
// LEA: the offset (effective address) of a memory operand, truncated to the operand
// size; no segment is applied and memory is not touched. The register form is #UD.

const lea: Handler = (cpu, i) => {
  if (i.mod3) raise(VEC_UD, -1);
  cpu.writeGv(i, cpu.offset(i));
};

// ---------------------------------------------------------------------------------
// XCHG. With a memory operand it is a locked read-modify-write: read and write memory
// first (both can fault), then the register.

const xchgEbGb: Handler = (cpu, i) => {
  const r = cpu.get8(i.reg);
  if (i.mod3) {
    cpu.set8(i.reg, cpu.get8(i.rm));
    cpu.set8(i.rm, r);
  } else {
    const lin = cpu.eaWrite(i, 1);
    const m = cpu.mmu.rmw8(lin);
    cpu.mmu.write8(lin, r);
    cpu.set8(i.reg, m);
  }
};

const xchgEvGv: Handler = (cpu, i) => {
  const regs = cpu.regs;
  if (i.mod3) {
    if (i.os === 4) {
      const t = regs[i.reg];
      regs[i.reg] = regs[i.rm];
      regs[i.rm] = t;
    } else {
      const t = regs[i.reg];
      cpu.set16(i.reg, regs[i.rm]);
      cpu.set16(i.rm, t);
    }
  } else if (i.os === 4) {
    const lin = cpu.eaWrite(i, 4);
    const m = cpu.mmu.rmw32(lin);
    cpu.mmu.write32(lin, regs[i.reg]);
    regs[i.reg] = m;
  } else {
    const lin = cpu.eaWrite(i, 2);
    const m = cpu.mmu.rmw16(lin);
    cpu.mmu.write16(lin, regs[i.reg]);
    cpu.set16(i.reg, m);
  }
};

/**
 * xchg eAX, r for r = 1..7 (opcodes 91-97). 90 would be xchg eax,eax, which is NOP
 * (misc.ts owns it, with pause = F3 90), so these are seven entries, not a Z form.
 */
function xchgAccReg(r: number): Handler {
  return (cpu, i) => {
    const regs = cpu.regs;
    const t = regs[EAX];
    if (i.os === 4) {
      regs[EAX] = regs[r];
      regs[r] = t;
    } else {
      cpu.set16(EAX, regs[r]);
      cpu.set16(r, t);
    }
  };
}

/** Operand names of xchg 91-97, in SDM opcode-map spelling (eCX = CX or ECX). */
const ACC_XCHG_NAMES = ['eAX', 'eCX', 'eDX', 'eBX', 'eSP', 'eBP', 'eSI', 'eDI'];

// ---------------------------------------------------------------------------------
// CBW/CWDE, CWD/CDQ

const cbw: Handler = (cpu, i) => {
  const regs = cpu.regs;
  if (i.os === 4) regs[EAX] = (regs[EAX] << 16) >> 16;
  else cpu.set16(EAX, (regs[EAX] << 24) >> 24);
};

const cwd: Handler = (cpu, i) => {
  const regs = cpu.regs;
  if (i.os === 4) regs[EDX] = regs[EAX] >> 31;
  else cpu.set16(EDX, (regs[EAX] << 16) >> 31);
};

// ---------------------------------------------------------------------------------
// CMOVcc: the source is read (and may fault) whatever the condition; a false condition
// leaves the destination alone (in 32-bit mode there is no upper half to clear).

function cmov(cc: number): Handler {
  return (cpu, i) => {
    if (i.os === 4) {
      const v = i.mod3 ? cpu.regs[i.rm] : cpu.mmu.read32(cpu.eaRead(i, 4));
      if (cpu.cond(cc)) cpu.regs[i.reg] = v;
    } else {
      const v = cpu.readEv(i);
      if (cpu.cond(cc)) cpu.set16(i.reg, v);
    }
  };
}

// ---------------------------------------------------------------------------------
// XLAT: AL = [seg:(E)BX + zero-extended AL], DS unless overridden, EBX or BX by address
// size.

const xlat: Handler = (cpu, i) => {
  const regs = cpu.regs;
  let off = (regs[EBX] + (regs[EAX] & 0xff)) | 0;
  if (i.as === 2) off &= 0xffff;
  cpu.set8(EAX, cpu.mmu.read8(cpu.linear(i.seg, off, 1, false)));
};

// ---------------------------------------------------------------------------------
// XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP, flags as ADD. When both operands
// are the same register it ends up holding the sum (DEST is written last).

const xaddEbGb: Handler = (cpu, i) => {
  const src = cpu.get8(i.reg);
  if (i.mod3) {
    const dst = cpu.get8(i.rm);
    const sum = (dst + src) | 0;
    cpu.set8(i.reg, dst);
    cpu.set8(i.rm, sum);
    cpu.setLazy(LOP_ADD, dst, src, sum, 8);
  } else {
    const lin = cpu.eaWrite(i, 1);
    const dst = cpu.mmu.rmw8(lin);
    const sum = (dst + src) | 0;
    cpu.mmu.write8(lin, sum);
    cpu.set8(i.reg, dst);
    cpu.setLazy(LOP_ADD, dst, src, sum, 8);
  }
};

const xaddEvGv: Handler = (cpu, i) => {
  const regs = cpu.regs;
  const size = i.os * 8;
  const src = i.os === 4 ? regs[i.reg] : regs[i.reg] & 0xffff;
  let dst: number;
  let sum: number;
  if (i.mod3) {
    dst = i.os === 4 ? regs[i.rm] : regs[i.rm] & 0xffff;
    sum = (dst + src) | 0;
    cpu.writeGv(i, dst);
    if (i.os === 4) regs[i.rm] = sum;
    else cpu.set16(i.rm, sum);
  } else {
    const lin = cpu.eaWrite(i, i.os);
    dst = i.os === 4 ? cpu.mmu.rmw32(lin) : cpu.mmu.rmw16(lin);
    sum = (dst + src) | 0;
    if (i.os === 4) cpu.mmu.write32(lin, sum);
    else cpu.mmu.write16(lin, sum);
    cpu.writeGv(i, dst);
  }
  cpu.setLazy(LOP_ADD, dst, src, sum, size);
};

// ---------------------------------------------------------------------------------
// CMPXCHG: compare the accumulator with DEST (flags as CMP acc, DEST). Equal: DEST =
// SRC. Not equal: acc = DEST, and a memory DEST is written back with its own value, as
// Intel CPUs do (the locked write cycle happens either way, so a read-only page faults
// with W=1 even when the comparison fails).

const cmpxchgEbGb: Handler = (cpu, i) => {
  const acc = cpu.regs[EAX] & 0xff;
  let dst: number;
  if (i.mod3) {
    dst = cpu.get8(i.rm);
    if (acc === dst) cpu.set8(i.rm, cpu.get8(i.reg));
    else cpu.set8(EAX, dst);
  } else {
    const lin = cpu.eaWrite(i, 1);
    dst = cpu.mmu.rmw8(lin);
    cpu.mmu.write8(lin, acc === dst ? cpu.get8(i.reg) : dst);
    if (acc !== dst) {
      cpu.set8(EAX, dst);
      cpu.cycles += 3;
    }
  }
  cpu.setLazy(LOP_SUB, acc, dst, (acc - dst) | 0, 8);
};

const cmpxchgEvGv: Handler = (cpu, i) => {
  const regs = cpu.regs;
  const os = i.os;
  const acc = os === 4 ? regs[EAX] : regs[EAX] & 0xffff;
  let dst: number;
  if (i.mod3) {
    dst = os === 4 ? regs[i.rm] : regs[i.rm] & 0xffff;
    if (acc === dst) {
      if (os === 4) regs[i.rm] = regs[i.reg];
      else cpu.set16(i.rm, regs[i.reg]);
    } else if (os === 4) regs[EAX] = dst;
    else cpu.set16(EAX, dst);
  } else {
    const lin = cpu.eaWrite(i, os);
    dst = os === 4 ? cpu.mmu.rmw32(lin) : cpu.mmu.rmw16(lin);
    const v = acc === dst ? regs[i.reg] : dst;
    if (os === 4) cpu.mmu.write32(lin, v);
    else cpu.mmu.write16(lin, v);
    if (acc !== dst) {
      if (os === 4) regs[EAX] = dst;
      else cpu.set16(EAX, dst);
      cpu.cycles += 3;
    }
  }
  cpu.setLazy(LOP_SUB, acc, dst, (acc - dst) | 0, os * 8);
};

/**
 * CMPXCHG8B m64: compare EDX:EAX with m64. Equal: ZF=1, m64 = ECX:EBX. Not equal: ZF=0,
 * EDX:EAX = m64, and m64 is written back unchanged. Only ZF changes. Both pages of an
 * operand that straddles a page boundary are checked for writing first, so no half of
 * the write happens before a fault. (Within one page, the first write faulting means
 * nothing was written.)
 */
const cmpxchg8b: Handler = (cpu, i) => {
  const regs = cpu.regs;
  const mmu = cpu.mmu;
  const lin = cpu.eaWrite(i, 8);
  const lin4 = (lin + 4) | 0;
  const last = (lin + 7) | 0;
  if ((lin ^ last) >>> PAGE_SHIFT) {
    // Straddles two pages: check both for writing first (CR2 = the first byte of the
    // page that faults, as for other page-crossing accesses).
    mmu.translate(lin, true, mmu.user);
    mmu.translate(last & ~PAGE_MASK, true, mmu.user);
  }
  const lo = mmu.rmw32(lin);
  const hi = mmu.rmw32(lin4);
  const eq = lo === regs[EAX] && hi === regs[EDX];
  mmu.write32(lin, eq ? regs[EBX] : lo);
  mmu.write32(lin4, eq ? regs[ECX] : hi);
  if (!eq) {
    regs[EAX] = lo;
    regs[EDX] = hi;
  }
  cpu.setSome(EFLAGS_ZF, eq ? EFLAGS_ZF : 0);
};

// ---------------------------------------------------------------------------------
// The table.

const cmovDefs: OpDef[] = [];
for (let cc = 0; cc < 16; cc++) {
  cmovDefs.push({
    code: [0x0f, 0x40 + cc], mnemonic: 'cmov' + CONDITION_NAMES[cc], operands: 'Gv,Ev', cycles: [1, 2],
    exec: cmov(cc), flagsRead: 'oszapc',
  });
}

const xchgAccDefs: OpDef[] = [];
for (let r = 1; r < 8; r++) {
  xchgAccDefs.push({
    code: [0x90 + r], mnemonic: 'xchg', operands: `${ACC_XCHG_NAMES[r]},eAX`, cycles: 3, exec: xchgAccReg(r),
  });
}

const ARITH = { flagsWritten: 'oszapc' };

export const MOVE_OPS: OpDef[] = [
  { code: [0x88], mnemonic: 'mov', operands: 'Eb,Gb', cycles: 1, exec: movEbGb },
  {
    code: [0x89], mnemonic: 'mov', operands: 'Ev,Gv', cycles: 1, exec: movEvGv,
    select: (i) => (i.os !== 4 ? movEvGv : i.mod3 ? movRegReg32 : movStore32),
  },
  { code: [0x8a], mnemonic: 'mov', operands: 'Gb,Eb', cycles: 1, exec: movGbEb },
  {
    code: [0x8b], mnemonic: 'mov', operands: 'Gv,Ev', cycles: 1, exec: movGvEv,
    select: (i) => (i.os !== 4 ? movGvEv : i.mod3 ? movLoadRegReg32 : movLoad32),
  },
  { code: [0xa0], mnemonic: 'mov', operands: 'AL,Ob', cycles: 1, exec: movALOb },
  { code: [0xa1], mnemonic: 'mov', operands: 'eAX,Ov', cycles: 1, exec: movEAXOv },
  { code: [0xa2], mnemonic: 'mov', operands: 'Ob,AL', cycles: 1, exec: movObAL },
  { code: [0xa3], mnemonic: 'mov', operands: 'Ov,eAX', cycles: 1, exec: movOvEAX },
  { code: [0xb0], mnemonic: 'mov', operands: 'Zb,Ib', cycles: 1, exec: movZbIb },
  { code: [0xb8], mnemonic: 'mov', operands: 'Zv,Iv', cycles: 1, exec: movZvIv },
  { code: [0xc6], ext: 0, mnemonic: 'mov', operands: 'Eb,Ib', cycles: 1, exec: movEbIb },
  {
    code: [0xc7], ext: 0, mnemonic: 'mov', operands: 'Ev,Iv', cycles: 1, exec: movEvIv,
    select: (i) => (i.os === 4 && !i.mod3 ? movStoreImm32 : movEvIv),
  },
  { code: [0x0f, 0xb6], mnemonic: 'movzx', operands: 'Gv,Eb', cycles: 3, exec: movzxGvEb },
  { code: [0x0f, 0xb7], mnemonic: 'movzx', operands: 'Gv,Ew', cycles: 3, exec: movzxGvEw },
  { code: [0x0f, 0xbe], mnemonic: 'movsx', operands: 'Gv,Eb', cycles: 3, exec: movsxGvEb },
  { code: [0x0f, 0xbf], mnemonic: 'movsx', operands: 'Gv,Ew', cycles: 3, exec: movsxGvEw },
  { code: [0x8d], mnemonic: 'lea', operands: 'Gv,M', cycles: 1, exec: lea },
  { code: [0x86], mnemonic: 'xchg', operands: 'Eb,Gb', cycles: [3, 5], exec: xchgEbGb },
  { code: [0x87], mnemonic: 'xchg', operands: 'Ev,Gv', cycles: [3, 5], exec: xchgEvGv },
  ...xchgAccDefs,
  { code: [0x98], mnemonic: 'cwde', mnemonic16: 'cbw', operands: '', cycles: 3, exec: cbw },
  { code: [0x99], mnemonic: 'cdq', mnemonic16: 'cwd', operands: '', cycles: 3, exec: cwd },
  ...cmovDefs,
  { code: [0xd7], mnemonic: 'xlat', operands: '', cycles: 4, exec: xlat },
  { code: [0x0f, 0xc0], mnemonic: 'xadd', operands: 'Eb,Gb', cycles: [3, 4], exec: xaddEbGb, ...ARITH },
  { code: [0x0f, 0xc1], mnemonic: 'xadd', operands: 'Ev,Gv', cycles: [3, 4], exec: xaddEvGv, ...ARITH },
  { code: [0x0f, 0xb0], mnemonic: 'cmpxchg', operands: 'Eb,Gb', cycles: [6, 7], exec: cmpxchgEbGb, ...ARITH },
  { code: [0x0f, 0xb1], mnemonic: 'cmpxchg', operands: 'Ev,Gv', cycles: [6, 7], exec: cmpxchgEvGv, ...ARITH },
  {
    code: [0x0f, 0xc7], ext: 1, modrm: 'mem', mnemonic: 'cmpxchg8b', operands: 'Mq', cycles: 10, exec: cmpxchg8b,
    flagsWritten: 'z',
  },
];
