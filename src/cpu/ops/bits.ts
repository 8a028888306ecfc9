// Bit instructions: bt bts btr btc (register and immediate bit offsets), bsf, bsr,
// setcc, bswap (SDM vol. 2).
//
// Bit strings (SDM vol. 1 §3.4.1.1 "bit string"; vol. 2 BT): with a register operand the
// bit offset is taken modulo the operand size. With a memory operand and an offset in a
// register, the offset is a SIGNED 16/32-bit number that can reach outside the operand:
// the word or dword at EA + 2*(offset >> 4) (16-bit) or EA + 4*(offset >> 5) (32-bit) is
// accessed, in the address size. An immediate offset is always taken modulo the size.
//
// Undefined flags, as the host Intel CPU (a Rocket Lake Xeon) does, established by
// running each form natively with random operands and random input flags:
//  - bt/bts/btr/btc: only CF changes; OF, SF, AF, PF keep their values (ZF is defined as
//    unaffected).
//  - bsf/bsr: CF = OF = SF = AF = 0. A zero source sets ZF = 1 and PF = 1 and leaves the
//    destination unchanged (all 32 bits, also for the 16-bit form); otherwise ZF = 0 and
//    PF is the parity of the bit index written.
//  - bswap with a 16-bit operand size (undefined in the SDM): clears the low word of the
//    register and keeps the high word, as the host does.
//
// Cycles (Intel486 PRM): bt reg 3, mem,reg 8, mem,imm 3; bts/btr/btc reg 6, mem,reg 13,
// mem,imm 8; setcc reg 3, mem 4; bswap 1. bsf reg 6-42, mem 7-43; bsr reg 6-103, mem
// 7-104: the low bound for a zero source, otherwise linear in the number of bits scanned
// (bsf: bit index + 1; bsr: size - bit index) so 32 bits scanned give the high bound —
// the manual gives only the range.

import type { OpDef } from '../optable.js';
import type { CPU } from '../cpu.js';
import type { Handler, Insn } from '../insn.js';
import { PARITY } from '../flags.js';
import { EFLAGS_CF, EFLAGS_PF, EFLAGS_ZF } from '../constants.js';
import { CONDITION_NAMES } from './branch.js';

export const BT_TEST = 0;
export const BT_SET = 1;
export const BT_RESET = 2;
export const BT_COMPLEMENT = 3;
const NAMES = ['bt', 'bts', 'btr', 'btc'];

/** The operand with bit `bit` set, cleared or flipped (BT_TEST: unchanged). */
function modify(op: number, v: number, bit: number): number {
  switch (op) {
    case BT_SET: return v | (1 << bit);
    case BT_RESET: return v & ~(1 << bit);
    case BT_COMPLEMENT: return v ^ (1 << bit);
    default: return v;
  }
}

/**
 * bt* on the ModRM operand: bit `off` (the raw offset: a register value or imm8) of
 * a register, or of the bit string at the memory operand when `string` (register offsets).
 */
function bitOp(cpu: CPU, i: Insn, op: number, off: number, string: boolean): void {
  const regs = cpu.regs;
  let old: number;
  if (i.os === 4) {
    const bit = off & 31;
    if (i.mod3) {
      old = regs[i.rm];
      if (op !== BT_TEST) regs[i.rm] = modify(op, old, bit);
    } else {
      const ea = string ? (cpu.offset(i) + ((off >> 5) << 2)) & i.amask : cpu.offset(i);
      const lin = cpu.linear(i.seg, ea, 4, op !== BT_TEST);
      old = op === BT_TEST ? cpu.mmu.read32(lin) : cpu.mmu.rmw32(lin);
      if (op !== BT_TEST) cpu.mmu.write32(lin, modify(op, old, bit));
    }
    cpu.setSome(EFLAGS_CF, (old >>> bit) & 1);
  } else {
    const bit = off & 15;
    if (i.mod3) {
      old = regs[i.rm] & 0xffff;
      if (op !== BT_TEST) cpu.set16(i.rm, modify(op, old, bit));
    } else {
      const ea = string ? (cpu.offset(i) + ((((off << 16) >> 16) >> 4) << 1)) & i.amask : cpu.offset(i);
      const lin = cpu.linear(i.seg, ea, 2, op !== BT_TEST);
      old = op === BT_TEST ? cpu.mmu.read16(lin) : cpu.mmu.rmw16(lin);
      if (op !== BT_TEST) cpu.mmu.write16(lin, modify(op, old, bit));
    }
    cpu.setSome(EFLAGS_CF, (old >>> bit) & 1);
  }
}

const btEvGv = (op: number): Handler => (cpu, i) => bitOp(cpu, i, op, cpu.regs[i.reg], true);
const btEvIb = (op: number): Handler => (cpu, i) => bitOp(cpu, i, op, i.imm, false);

// ---------------------------------------------------------------------------------
// bsf, bsr.

function scan(cpu: CPU, i: Insn, reverse: boolean): void {
  const size = i.os * 8;
  const src = cpu.readEv(i);
  if (src === 0) {
    cpu.setArith(EFLAGS_ZF | EFLAGS_PF);
    return;
  }
  const idx = reverse ? 31 - Math.clz32(src) : 31 - Math.clz32(src & -src);
  cpu.writeGv(i, idx);
  cpu.setArith(PARITY[idx]);
  cpu.cycles += reverse ? ((size - idx) * 97) >> 5 : ((idx + 1) * 36) >> 5;
}

const bsf: Handler = (cpu, i) => scan(cpu, i, false);
const bsr: Handler = (cpu, i) => scan(cpu, i, true);

// ---------------------------------------------------------------------------------
// setcc, bswap.

function setcc(cc: number): Handler {
  return (cpu, i) => {
    const v = cpu.cond(cc) ? 1 : 0;
    if (i.mod3) cpu.set8(i.rm, v);
    else cpu.mmu.write8(cpu.eaWrite(i, 1), v);
  };
}

const bswap: Handler = (cpu, i) => {
  const regs = cpu.regs;
  const v = regs[i.reg];
  if (i.os === 4) regs[i.reg] = (v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
  else regs[i.reg] = v & ~0xffff;
};

// ---------------------------------------------------------------------------------
// The table.

const BT_FLAGS = { flagsWritten: 'c', flagsUndefined: 'osap' };
const SCAN_FLAGS = { flagsWritten: 'oszapc', flagsUndefined: 'osapc' };

const defs: OpDef[] = [];
for (let op = 0; op < 4; op++) {
  const test = op === BT_TEST;
  defs.push(
    {
      code: [0x0f, 0xa3 + 8 * op], mnemonic: NAMES[op], operands: 'Ev,Gv', cycles: test ? [3, 8] : [6, 13],
      exec: btEvGv(op), ...BT_FLAGS,
    },
    {
      code: [0x0f, 0xba], ext: 4 + op, mnemonic: NAMES[op], operands: 'Ev,Ib', cycles: test ? [3, 3] : [6, 8],
      exec: btEvIb(op), ...BT_FLAGS,
    },
  );
}
for (let cc = 0; cc < 16; cc++) {
  defs.push({
    code: [0x0f, 0x90 + cc], mnemonic: 'set' + CONDITION_NAMES[cc], operands: 'Eb', cycles: [3, 4],
    exec: setcc(cc), flagsRead: 'oszapc',
  });
}

export const BIT_OPS: OpDef[] = [
  ...defs,
  { code: [0x0f, 0xbc], mnemonic: 'bsf', operands: 'Gv,Ev', cycles: [6, 7], exec: bsf, ...SCAN_FLAGS },
  { code: [0x0f, 0xbd], mnemonic: 'bsr', operands: 'Gv,Ev', cycles: [6, 7], exec: bsr, ...SCAN_FLAGS },
  { code: [0x0f, 0xc8], mnemonic: 'bswap', operands: 'Zv', cycles: 1, exec: bswap },
];
