// Integer arithmetic and logic: add or adc sbb and sub xor cmp, test, inc, dec, neg, not
// (SDM vol. 2). ADD/SUB/CMP/NEG/logic/INC/DEC set their flags lazily (flags.ts); ADC and
// SBB compute theirs at once.
//
// Read-modify-write memory forms read with mmu.rmw*, which checks write access first:
// a fault (e.g. on a copy-on-write page) happens before the flags change.
//
// Cycles (Intel486 PRM, "Integer instructions"): reg,reg 1; reg,mem 2; mem,reg 3;
// reg,imm 1; mem,imm 3; acc,imm 1; CMP/TEST with a memory operand 2; INC/DEC/NEG/NOT
// reg 1, mem 3.

import type { OpDef } from '../optable.js';
import type { CPU } from '../cpu.js';
import type { Handler, Insn } from '../insn.js';
import {
  LOP_ADD, LOP_DEC, LOP_INC, LOP_LOGIC, LOP_SUB, sizeMask, szp,
} from '../flags.js';
import { EFLAGS_AF, EFLAGS_CF, EFLAGS_OF, EAX } from '../constants.js';

export const ALU_ADD = 0;
export const ALU_OR = 1;
export const ALU_ADC = 2;
export const ALU_SBB = 3;
export const ALU_AND = 4;
export const ALU_SUB = 5;
export const ALU_XOR = 6;
export const ALU_CMP = 7;
const NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];

/**
 * Compute `a op b` at `size` bits (8, 16, 32), set the flags, return the result
 * (int32; only its low `size` bits matter). Operands are zero-extended values of `size`
 * bits, or int32 for 32.
 */
export function alu(cpu: CPU, op: number, a: number, b: number, size: number): number {
  let r: number;
  switch (op) {
    case ALU_ADD:
      r = (a + b) | 0;
      cpu.setLazy(LOP_ADD, a, b, r, size);
      return r;
    case ALU_OR:
      r = a | b;
      cpu.setLazy(LOP_LOGIC, a, b, r, size);
      return r;
    case ALU_AND:
      r = a & b;
      cpu.setLazy(LOP_LOGIC, a, b, r, size);
      return r;
    case ALU_XOR:
      r = a ^ b;
      cpu.setLazy(LOP_LOGIC, a, b, r, size);
      return r;
    case ALU_SUB:
    case ALU_CMP:
      r = (a - b) | 0;
      cpu.setLazy(LOP_SUB, a, b, r, size);
      return r;
    case ALU_ADC:
      return adc(cpu, a, b, size);
    default:
      return sbb(cpu, a, b, size);
  }
}

function adc(cpu: CPU, a: number, b: number, size: number): number {
  const cin = cpu.getCF();
  const m = sizeMask(size);
  const r = (a + b + cin) | 0;
  const res = r & m;
  const carry = size === 32 ? (a >>> 0) + (b >>> 0) + cin > 0xffffffff : (a & m) + (b & m) + cin > m;
  let f = szp(res, size) | (carry ? EFLAGS_CF : 0);
  if ((((a ^ res) & (b ^ res)) >>> (size - 1)) & 1) f |= EFLAGS_OF;
  if ((a ^ b ^ res) & 0x10) f |= EFLAGS_AF;
  cpu.setArith(f);
  return r;
}

function sbb(cpu: CPU, a: number, b: number, size: number): number {
  const cin = cpu.getCF();
  const m = sizeMask(size);
  const r = (a - b - cin) | 0;
  const res = r & m;
  const borrow = (a & m) >>> 0 < ((b & m) >>> 0) + cin;
  let f = szp(res, size) | (borrow ? EFLAGS_CF : 0);
  if ((((a ^ b) & (a ^ res)) >>> (size - 1)) & 1) f |= EFLAGS_OF;
  if ((a ^ b ^ res) & 0x10) f |= EFLAGS_AF;
  cpu.setArith(f);
  return r;
}

// ---------------------------------------------------------------------------------
// Handlers for the six encodings of each ALU operation.

function opEbGb(op: number): Handler {
  return (cpu, i) => {
    const b = cpu.get8(i.reg);
    if (i.mod3) {
      const r = alu(cpu, op, cpu.get8(i.rm), b, 8);
      if (op !== ALU_CMP) cpu.set8(i.rm, r);
    } else if (op === ALU_CMP) {
      alu(cpu, op, cpu.mmu.read8(cpu.eaRead(i, 1)), b, 8);
    } else {
      const lin = cpu.eaWrite(i, 1);
      cpu.mmu.write8(lin, alu(cpu, op, cpu.mmu.rmw8(lin), b, 8));
    }
  };
}

function opEvGv(op: number): Handler {
  return (cpu, i) => {
    const regs = cpu.regs;
    if (i.os === 4) {
      if (i.mod3) {
        const r = alu(cpu, op, regs[i.rm], regs[i.reg], 32);
        if (op !== ALU_CMP) regs[i.rm] = r;
      } else if (op === ALU_CMP) {
        alu(cpu, op, cpu.mmu.read32(cpu.eaRead(i, 4)), regs[i.reg], 32);
      } else {
        const lin = cpu.eaWrite(i, 4);
        cpu.mmu.write32(lin, alu(cpu, op, cpu.mmu.rmw32(lin), regs[i.reg], 32));
      }
    } else {
      const b = regs[i.reg] & 0xffff;
      if (i.mod3) {
        const r = alu(cpu, op, regs[i.rm] & 0xffff, b, 16);
        if (op !== ALU_CMP) cpu.set16(i.rm, r);
      } else if (op === ALU_CMP) {
        alu(cpu, op, cpu.mmu.read16(cpu.eaRead(i, 2)), b, 16);
      } else {
        const lin = cpu.eaWrite(i, 2);
        cpu.mmu.write16(lin, alu(cpu, op, cpu.mmu.rmw16(lin), b, 16));
      }
    }
  };
}

/** Specialized register-register 32-bit forms: the hot case of compiled code. */
function opRegReg32(op: number): Handler {
  switch (op) {
    case ALU_ADD:
      return (cpu, i) => {
        const regs = cpu.regs;
        const a = regs[i.rm];
        const b = regs[i.reg];
        const r = (a + b) | 0;
        regs[i.rm] = r;
        cpu.setLazy(LOP_ADD, a, b, r, 32);
      };
    case ALU_SUB:
    case ALU_CMP:
      return (cpu, i) => {
        const regs = cpu.regs;
        const a = regs[i.rm];
        const b = regs[i.reg];
        const r = (a - b) | 0;
        if (op === ALU_SUB) regs[i.rm] = r;
        cpu.setLazy(LOP_SUB, a, b, r, 32);
      };
    case ALU_XOR:
      return (cpu, i) => {
        const regs = cpu.regs;
        const r = regs[i.rm] ^ regs[i.reg];
        regs[i.rm] = r;
        cpu.setLazy(LOP_LOGIC, 0, 0, r, 32);
      };
    default:
      return opEvGv(op);
  }
}

function opGbEb(op: number): Handler {
  return (cpu, i) => {
    const r = alu(cpu, op, cpu.get8(i.reg), cpu.readEb(i), 8);
    if (op !== ALU_CMP) cpu.set8(i.reg, r);
  };
}

function opGvEv(op: number): Handler {
  return (cpu, i) => {
    if (i.os === 4) {
      const b = i.mod3 ? cpu.regs[i.rm] : cpu.mmu.read32(cpu.eaRead(i, 4));
      const r = alu(cpu, op, cpu.regs[i.reg], b, 32);
      if (op !== ALU_CMP) cpu.regs[i.reg] = r;
    } else {
      const r = alu(cpu, op, cpu.regs[i.reg] & 0xffff, cpu.readEv(i), 16);
      if (op !== ALU_CMP) cpu.set16(i.reg, r);
    }
  };
}

function opALIb(op: number): Handler {
  return (cpu, i) => {
    const r = alu(cpu, op, cpu.regs[EAX] & 0xff, i.imm, 8);
    if (op !== ALU_CMP) cpu.set8(EAX, r);
  };
}

function opEAXIv(op: number): Handler {
  return (cpu, i) => {
    if (i.os === 4) {
      const r = alu(cpu, op, cpu.regs[EAX], i.imm, 32);
      if (op !== ALU_CMP) cpu.regs[EAX] = r;
    } else {
      const r = alu(cpu, op, cpu.regs[EAX] & 0xffff, i.imm & 0xffff, 16);
      if (op !== ALU_CMP) cpu.set16(EAX, r);
    }
  };
}

function opEbIb(op: number): Handler {
  return (cpu, i) => {
    if (i.mod3) {
      const r = alu(cpu, op, cpu.get8(i.rm), i.imm & 0xff, 8);
      if (op !== ALU_CMP) cpu.set8(i.rm, r);
    } else if (op === ALU_CMP) {
      alu(cpu, op, cpu.mmu.read8(cpu.eaRead(i, 1)), i.imm & 0xff, 8);
    } else {
      const lin = cpu.eaWrite(i, 1);
      cpu.mmu.write8(lin, alu(cpu, op, cpu.mmu.rmw8(lin), i.imm & 0xff, 8));
    }
  };
}

function opEvIv(op: number): Handler {
  return (cpu, i) => {
    const size = i.os * 8;
    const b = i.os === 4 ? i.imm : i.imm & 0xffff;
    if (i.mod3) {
      const a = i.os === 4 ? cpu.regs[i.rm] : cpu.regs[i.rm] & 0xffff;
      const r = alu(cpu, op, a, b, size);
      if (op !== ALU_CMP) cpu.writeEv(i, r);
    } else if (op === ALU_CMP) {
      alu(cpu, op, cpu.readEv(i), b, size);
    } else if (i.os === 4) {
      const lin = cpu.eaWrite(i, 4);
      cpu.mmu.write32(lin, alu(cpu, op, cpu.mmu.rmw32(lin), b, 32));
    } else {
      const lin = cpu.eaWrite(i, 2);
      cpu.mmu.write16(lin, alu(cpu, op, cpu.mmu.rmw16(lin), b, 16));
    }
  };
}

/** Specialized `op r32, imm` (add esp, 8; sub ecx, 1; cmp eax, 10 …). */
function opRegImm32(op: number): Handler {
  if (op === ALU_ADD) {
    return (cpu, i) => {
      const regs = cpu.regs;
      const a = regs[i.rm];
      const r = (a + i.imm) | 0;
      regs[i.rm] = r;
      cpu.setLazy(LOP_ADD, a, i.imm, r, 32);
    };
  }
  if (op === ALU_SUB || op === ALU_CMP) {
    return (cpu, i) => {
      const regs = cpu.regs;
      const a = regs[i.rm];
      const r = (a - i.imm) | 0;
      if (op === ALU_SUB) regs[i.rm] = r;
      cpu.setLazy(LOP_SUB, a, i.imm, r, 32);
    };
  }
  return opEvIv(op);
}

const flagsOf = (op: number) => ({
  flagsRead: op === ALU_ADC || op === ALU_SBB ? 'c' : '',
  flagsWritten: 'oszapc',
  flagsUndefined: op === ALU_AND || op === ALU_OR || op === ALU_XOR ? 'a' : '',
});

const aluDefs: OpDef[] = [];
for (let op = 0; op < 8; op++) {
  const m = NAMES[op];
  const base = op * 8;
  const fl = flagsOf(op);
  const isCmp = op === ALU_CMP;
  aluDefs.push(
    { code: [base], mnemonic: m, operands: 'Eb,Gb', cycles: [1, isCmp ? 2 : 3], exec: opEbGb(op), ...fl },
    {
      code: [base + 1], mnemonic: m, operands: 'Ev,Gv', cycles: [1, isCmp ? 2 : 3], exec: opEvGv(op), ...fl,
      select: (i: Insn) => (i.mod3 && i.os === 4 ? opRegReg32(op) : opEvGv(op)),
    },
    { code: [base + 2], mnemonic: m, operands: 'Gb,Eb', cycles: [1, 2], exec: opGbEb(op), ...fl },
    { code: [base + 3], mnemonic: m, operands: 'Gv,Ev', cycles: [1, 2], exec: opGvEv(op), ...fl },
    { code: [base + 4], mnemonic: m, operands: 'AL,Ib', cycles: 1, exec: opALIb(op), ...fl },
    { code: [base + 5], mnemonic: m, operands: 'eAX,Iv', cycles: 1, exec: opEAXIv(op), ...fl },
    { code: [0x80], ext: op, mnemonic: m, operands: 'Eb,Ib', cycles: [1, isCmp ? 2 : 3], exec: opEbIb(op), ...fl },
    {
      code: [0x81], ext: op, mnemonic: m, operands: 'Ev,Iv', cycles: [1, isCmp ? 2 : 3], exec: opEvIv(op), ...fl,
      select: (i: Insn) => (i.mod3 && i.os === 4 ? opRegImm32(op) : opEvIv(op)),
    },
    // 82 /op is an alias of 80 /op in 32-bit code (SDM vol. 2 table A-6 footnote).
    { code: [0x82], ext: op, mnemonic: m, operands: 'Eb,Ib', cycles: [1, isCmp ? 2 : 3], exec: opEbIb(op), ...fl },
    {
      code: [0x83], ext: op, mnemonic: m, operands: 'Ev,Ibs', cycles: [1, isCmp ? 2 : 3], exec: opEvIv(op), ...fl,
      select: (i: Insn) => (i.mod3 && i.os === 4 ? opRegImm32(op) : opEvIv(op)),
    },
  );
}

// ---------------------------------------------------------------------------------
// INC, DEC (CF unchanged), NEG, NOT, TEST.

function incdec(cpu: CPU, a: number, size: number, dec: boolean): number {
  const r = (dec ? a - 1 : a + 1) | 0;
  cpu.setLazyIncDec(dec ? LOP_DEC : LOP_INC, a, r, size);
  return r;
}

function incdecEb(dec: boolean): Handler {
  return (cpu, i) => {
    if (i.mod3) cpu.set8(i.rm, incdec(cpu, cpu.get8(i.rm), 8, dec));
    else {
      const lin = cpu.eaWrite(i, 1);
      cpu.mmu.write8(lin, incdec(cpu, cpu.mmu.rmw8(lin), 8, dec));
    }
  };
}

function incdecEv(dec: boolean): Handler {
  return (cpu, i) => {
    if (i.mod3) {
      if (i.os === 4) cpu.regs[i.rm] = incdec(cpu, cpu.regs[i.rm], 32, dec);
      else cpu.set16(i.rm, incdec(cpu, cpu.regs[i.rm] & 0xffff, 16, dec));
    } else if (i.os === 4) {
      const lin = cpu.eaWrite(i, 4);
      cpu.mmu.write32(lin, incdec(cpu, cpu.mmu.rmw32(lin), 32, dec));
    } else {
      const lin = cpu.eaWrite(i, 2);
      cpu.mmu.write16(lin, incdec(cpu, cpu.mmu.rmw16(lin), 16, dec));
    }
  };
}

/** inc/dec r32 with the register in the opcode (40+r, 48+r). */
function incdecZv(dec: boolean): Handler {
  return (cpu, i) => {
    const regs = cpu.regs;
    if (i.os === 4) {
      const a = regs[i.reg];
      const r = (dec ? a - 1 : a + 1) | 0;
      regs[i.reg] = r;
      cpu.setLazyIncDec(dec ? LOP_DEC : LOP_INC, a, r, 32);
    } else {
      cpu.set16(i.reg, incdec(cpu, regs[i.reg] & 0xffff, 16, dec));
    }
  };
}

function neg(cpu: CPU, a: number, size: number): number {
  const r = (0 - a) | 0;
  cpu.setLazy(LOP_SUB, 0, a, r, size);
  return r;
}

const negEb: Handler = (cpu, i) => {
  if (i.mod3) cpu.set8(i.rm, neg(cpu, cpu.get8(i.rm), 8));
  else {
    const lin = cpu.eaWrite(i, 1);
    cpu.mmu.write8(lin, neg(cpu, cpu.mmu.rmw8(lin), 8));
  }
};

const negEv: Handler = (cpu, i) => {
  if (i.mod3) cpu.writeEv(i, neg(cpu, cpu.readEv(i), i.os * 8));
  else if (i.os === 4) {
    const lin = cpu.eaWrite(i, 4);
    cpu.mmu.write32(lin, neg(cpu, cpu.mmu.rmw32(lin), 32));
  } else {
    const lin = cpu.eaWrite(i, 2);
    cpu.mmu.write16(lin, neg(cpu, cpu.mmu.rmw16(lin), 16));
  }
};

const notEb: Handler = (cpu, i) => {
  if (i.mod3) cpu.set8(i.rm, ~cpu.get8(i.rm));
  else {
    const lin = cpu.eaWrite(i, 1);
    cpu.mmu.write8(lin, ~cpu.mmu.rmw8(lin));
  }
};

const notEv: Handler = (cpu, i) => {
  if (i.mod3) cpu.writeEv(i, ~cpu.readEv(i));
  else if (i.os === 4) {
    const lin = cpu.eaWrite(i, 4);
    cpu.mmu.write32(lin, ~cpu.mmu.rmw32(lin));
  } else {
    const lin = cpu.eaWrite(i, 2);
    cpu.mmu.write16(lin, ~cpu.mmu.rmw16(lin));
  }
};

function test(cpu: CPU, a: number, b: number, size: number): void {
  cpu.setLazy(LOP_LOGIC, a, b, a & b, size);
}

const testEbGb: Handler = (cpu, i) => test(cpu, cpu.readEb(i), cpu.get8(i.reg), 8);
const testEvGv: Handler = (cpu, i) => test(cpu, cpu.readEv(i), cpu.readGv(i), i.os * 8);
const testALIb: Handler = (cpu, i) => test(cpu, cpu.regs[EAX] & 0xff, i.imm, 8);
const testEAXIv: Handler = (cpu, i) => test(cpu, i.os === 4 ? cpu.regs[EAX] : cpu.regs[EAX] & 0xffff, i.imm, i.os * 8);
const testEbIb: Handler = (cpu, i) => test(cpu, cpu.readEb(i), i.imm & 0xff, 8);
const testEvIv: Handler = (cpu, i) => test(cpu, cpu.readEv(i), i.os === 4 ? i.imm : i.imm & 0xffff, i.os * 8);

const OSZAP = { flagsWritten: 'oszap' };
const LOGICF = { flagsWritten: 'oszapc', flagsUndefined: 'a' };

export const ALU_OPS: OpDef[] = [
  ...aluDefs,
  { code: [0x40], mnemonic: 'inc', operands: 'Zv', cycles: 1, exec: incdecZv(false), ...OSZAP },
  { code: [0x48], mnemonic: 'dec', operands: 'Zv', cycles: 1, exec: incdecZv(true), ...OSZAP },
  { code: [0xfe], ext: 0, mnemonic: 'inc', operands: 'Eb', cycles: [1, 3], exec: incdecEb(false), ...OSZAP },
  { code: [0xfe], ext: 1, mnemonic: 'dec', operands: 'Eb', cycles: [1, 3], exec: incdecEb(true), ...OSZAP },
  { code: [0xff], ext: 0, mnemonic: 'inc', operands: 'Ev', cycles: [1, 3], exec: incdecEv(false), ...OSZAP },
  { code: [0xff], ext: 1, mnemonic: 'dec', operands: 'Ev', cycles: [1, 3], exec: incdecEv(true), ...OSZAP },
  { code: [0xf6], ext: 2, mnemonic: 'not', operands: 'Eb', cycles: [1, 3], exec: notEb },
  { code: [0xf7], ext: 2, mnemonic: 'not', operands: 'Ev', cycles: [1, 3], exec: notEv },
  { code: [0xf6], ext: 3, mnemonic: 'neg', operands: 'Eb', cycles: [1, 3], exec: negEb, flagsWritten: 'oszapc' },
  { code: [0xf7], ext: 3, mnemonic: 'neg', operands: 'Ev', cycles: [1, 3], exec: negEv, flagsWritten: 'oszapc' },
  { code: [0x84], mnemonic: 'test', operands: 'Eb,Gb', cycles: [1, 2], exec: testEbGb, ...LOGICF },
  { code: [0x85], mnemonic: 'test', operands: 'Ev,Gv', cycles: [1, 2], exec: testEvGv, ...LOGICF },
  { code: [0xa8], mnemonic: 'test', operands: 'AL,Ib', cycles: 1, exec: testALIb, ...LOGICF },
  { code: [0xa9], mnemonic: 'test', operands: 'eAX,Iv', cycles: 1, exec: testEAXIv, ...LOGICF },
  { code: [0xf6], ext: 0, mnemonic: 'test', operands: 'Eb,Ib', cycles: [1, 2], exec: testEbIb, ...LOGICF },
  { code: [0xf7], ext: 0, mnemonic: 'test', operands: 'Ev,Iv', cycles: [1, 2], exec: testEvIv, ...LOGICF },
  // F6 /1 and F7 /1 decode as TEST on Intel CPUs (undocumented aliases; objdump shows "test").
  { code: [0xf6], ext: 1, mnemonic: 'test', operands: 'Eb,Ib', cycles: [1, 2], exec: testEbIb, ...LOGICF },
  { code: [0xf7], ext: 1, mnemonic: 'test', operands: 'Ev,Iv', cycles: [1, 2], exec: testEvIv, ...LOGICF },
];
