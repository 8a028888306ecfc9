// Decimal arithmetic: daa das (packed BCD) and aaa aas aam aad (unpacked BCD), SDM vol. 2.
// aam raises #DE for an immediate of 0.
//
// Results follow the SDM's pseudocode (aaa adds 106h to AX and aas subtracts 6 from AX
// and 1 from AH, as the 80286 and later do). Undefined flags, as the host Intel CPU (a
// Rocket Lake Xeon) does, established by running each instruction natively over random
// AX and random input flags:
//  - daa, das: OF = 0.
//  - aaa, aas: SF, ZF, PF from the final AL (so SF = 0); OF = 0.
//  - aam: CF = AF = OF = 0.
//  - aad: CF, AF, OF exactly as `add al, (ah * imm8) & 0xff` would set them (with SF,
//    ZF, PF of the result, which are defined), so aad records its flags lazily as an ADD.
//
// Cycles (Intel486 PRM): daa 2, das 2, aaa 3, aas 3, aam 15, aad 14.

import type { OpDef } from '../optable.js';
import type { Handler } from '../insn.js';
import { raise } from '../fault.js';
import { LOP_ADD, szp } from '../flags.js';
import { EAX, EFLAGS_AF, EFLAGS_CF, VEC_DE } from '../constants.js';

const daa: Handler = (cpu) => {
  const al = cpu.regs[EAX] & 0xff;
  const cf = cpu.getCF();
  let r = al;
  let af = 0;
  if ((al & 0x0f) > 9 || cpu.getAF()) {
    r += 6;
    af = EFLAGS_AF;
  }
  let c = 0;
  if (al > 0x99 || cf) {
    r += 0x60;
    c = EFLAGS_CF;
  }
  cpu.set8(EAX, r);
  cpu.setArith(szp(r, 8) | af | c);
};

const das: Handler = (cpu) => {
  const al = cpu.regs[EAX] & 0xff;
  const cf = cpu.getCF();
  let r = al;
  let af = 0;
  let c = 0;
  if ((al & 0x0f) > 9 || cpu.getAF()) {
    r -= 6;
    c = cf || r < 0 ? EFLAGS_CF : 0; // borrow out of AL - 6
    af = EFLAGS_AF;
  }
  if (al > 0x99 || cf) {
    r -= 0x60;
    c = EFLAGS_CF;
  }
  cpu.set8(EAX, r);
  cpu.setArith(szp(r, 8) | af | c);
};

const aaa: Handler = (cpu) => {
  let ax = cpu.regs[EAX] & 0xffff;
  let f = 0;
  if ((ax & 0x0f) > 9 || cpu.getAF()) {
    ax += 0x106;
    f = EFLAGS_AF | EFLAGS_CF;
  }
  ax &= 0xff0f;
  cpu.set16(EAX, ax);
  cpu.setArith(szp(ax, 8) | f);
};

const aas: Handler = (cpu) => {
  let ax = cpu.regs[EAX] & 0xffff;
  let f = 0;
  if ((ax & 0x0f) > 9 || cpu.getAF()) {
    ax = (ax - 6 - 0x100) & 0xffff;
    f = EFLAGS_AF | EFLAGS_CF;
  }
  ax &= 0xff0f;
  cpu.set16(EAX, ax);
  cpu.setArith(szp(ax, 8) | f);
};

const aam: Handler = (cpu, i) => {
  const base = i.imm & 0xff;
  if (base === 0) raise(VEC_DE, -1);
  const al = cpu.regs[EAX] & 0xff;
  const r = al % base;
  cpu.set16(EAX, (((al / base) | 0) << 8) | r);
  cpu.setArith(szp(r, 8));
};

const aad: Handler = (cpu, i) => {
  const ax = cpu.regs[EAX];
  const al = ax & 0xff;
  const b = (((ax >> 8) & 0xff) * (i.imm & 0xff)) & 0xff;
  const r = (al + b) & 0xff;
  cpu.set16(EAX, r);
  cpu.setLazy(LOP_ADD, al, b, r, 8);
};

export const BCD_OPS: OpDef[] = [
  { code: [0x27], mnemonic: 'daa', operands: '', cycles: 2, exec: daa, flagsRead: 'ac', flagsWritten: 'oszapc', flagsUndefined: 'o' },
  { code: [0x2f], mnemonic: 'das', operands: '', cycles: 2, exec: das, flagsRead: 'ac', flagsWritten: 'oszapc', flagsUndefined: 'o' },
  { code: [0x37], mnemonic: 'aaa', operands: '', cycles: 3, exec: aaa, flagsRead: 'a', flagsWritten: 'oszapc', flagsUndefined: 'oszp' },
  { code: [0x3f], mnemonic: 'aas', operands: '', cycles: 3, exec: aas, flagsRead: 'a', flagsWritten: 'oszapc', flagsUndefined: 'oszp' },
  { code: [0xd4], mnemonic: 'aam', operands: 'Ib', cycles: 15, exec: aam, flagsWritten: 'oszapc', flagsUndefined: 'oac' },
  { code: [0xd5], mnemonic: 'aad', operands: 'Ib', cycles: 14, exec: aad, flagsWritten: 'oszapc', flagsUndefined: 'oac' },
];
