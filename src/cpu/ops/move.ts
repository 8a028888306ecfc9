// Data movement: MOV (SDM vol. 2).
//
// Cycles (Intel486 PRM): MOV reg,reg 1; reg,mem 1; mem,reg 1; reg,imm 1; mem,imm 1.

import type { OpDef } from '../optable.js';
import type { Handler } from '../insn.js';

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

export const MOVE_OPS: OpDef[] = [
  { code: [0x88], mnemonic: 'mov', operands: 'Eb,Gb', cycles: 1, exec: movEbGb },
  { code: [0x89], mnemonic: 'mov', operands: 'Ev,Gv', cycles: 1, exec: movEvGv },
  { code: [0x8a], mnemonic: 'mov', operands: 'Gb,Eb', cycles: 1, exec: movGbEb },
  { code: [0x8b], mnemonic: 'mov', operands: 'Gv,Ev', cycles: 1, exec: movGvEv },
  { code: [0xb0], mnemonic: 'mov', operands: 'Zb,Ib', cycles: 1, exec: movZbIb },
  { code: [0xb8], mnemonic: 'mov', operands: 'Zv,Iv', cycles: 1, exec: movZvIv },
  { code: [0xc6], ext: 0, mnemonic: 'mov', operands: 'Eb,Ib', cycles: 1, exec: movEbIb },
  { code: [0xc7], ext: 0, mnemonic: 'mov', operands: 'Ev,Iv', cycles: 1, exec: movEvIv },
];
