// Control transfers within CS (SDM vol. 2): Jcc, JMP, CALL, RET, LOOP/LOOPE/LOOPNE,
// JECXZ/JCXZ.
//
// Cycles (Intel486 PRM; HelpPC's 486 column): Jcc taken 3, not taken 1; JMP rel 3, r/m 5;
// CALL rel 3, r/m 5; RET 5; RET imm16 5; LOOP taken 7 / not taken 6; LOOPE/LOOPNE taken
// 9 / not taken 6; JECXZ taken 8 / not taken 5. The table holds the not-taken (base) cost;
// handlers add the rest when the branch is taken.
//
// Targets. Relative targets are computed by the decoder into i.imm (already truncated to
// 16 bits with a 16-bit operand size). A target beyond the CS limit raises #GP(0) at the
// branch, before anything is changed (SDM: "#GP(0) if the target offset is beyond the
// code segment limit"), so the fault reports the branch, not its target.
//
// Restart: CALL writes the return address through cpu.push*, which commits ESP only
// after the write; RET reads the return address before it commits ESP.

import type { OpDef } from '../optable.js';
import type { CPU } from '../cpu.js';
import type { Handler } from '../insn.js';
import { ECX, ESP, SEG_CS, SEG_SS, VEC_GP } from '../constants.js';
import { raise } from '../fault.js';

/** #GP(0) unless `target` (unsigned) is within the CS limit. */
function checkTarget(cpu: CPU, target: number): void {
  if (target > cpu.segLimit[SEG_CS]) raise(VEC_GP, 0);
}

const jcc = (cc: number): Handler => (cpu, i) => {
  if (cpu.cond(cc)) {
    checkTarget(cpu, i.imm);
    cpu.eip = i.imm;
    cpu.cycles += 2;
  }
};

const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

const jccDefs: OpDef[] = [];
for (let cc = 0; cc < 16; cc++) {
  jccDefs.push(
    { code: [0x70 + cc], mnemonic: 'j' + CC[cc], operands: 'Jb', cycles: 1, exec: jcc(cc), ends: true, flagsRead: 'oszapc' },
    { code: [0x0f, 0x80 + cc], mnemonic: 'j' + CC[cc], operands: 'Jv', cycles: 1, exec: jcc(cc), ends: true, flagsRead: 'oszapc' },
  );
}

const jmpRel: Handler = (cpu, i) => {
  checkTarget(cpu, i.imm);
  cpu.eip = i.imm;
};

/** jmp r/m (FF /4): the target is read (and may fault) first. */
const jmpEv: Handler = (cpu, i) => {
  const t = i.os === 4 ? cpu.readEv(i) >>> 0 : cpu.readEv(i);
  checkTarget(cpu, t);
  cpu.eip = t;
};

// ---------------------------------------------------------------------------------
// CALL

const callRel: Handler = (cpu, i) => {
  checkTarget(cpu, i.imm);
  if (i.os === 4) cpu.push32(i.next);
  else cpu.push16(i.next);
  cpu.eip = i.imm;
};

const callRel32: Handler = (cpu, i) => {
  const t = i.imm;
  if (t > cpu.segLimit[SEG_CS]) raise(VEC_GP, 0);
  cpu.push32(i.next);
  cpu.eip = t;
};

/** call r/m (FF /2): the target is read before the push, so call [esp+n] sees the old ESP. */
const callEv: Handler = (cpu, i) => {
  const t = i.os === 4 ? cpu.readEv(i) >>> 0 : cpu.readEv(i);
  checkTarget(cpu, t);
  if (i.os === 4) cpu.push32(i.next);
  else cpu.push16(i.next);
  cpu.eip = t;
};

// ---------------------------------------------------------------------------------
// RET

/** ret / ret imm16: pop the return address, then release imm16 more bytes. */
const retNear: Handler = (cpu, i) => {
  const regs = cpu.regs;
  const mask = cpu.stackMask;
  const os = i.os;
  const sp = regs[ESP] & mask;
  const t = os === 4
    ? cpu.mmu.read32(cpu.linear(SEG_SS, sp, 4, false)) >>> 0
    : cpu.mmu.read16(cpu.linear(SEG_SS, sp, 2, false));
  checkTarget(cpu, t);
  const nsp = (sp + os + (i.imm & 0xffff)) & mask;
  regs[ESP] = mask === -1 ? nsp : (regs[ESP] & ~0xffff) | nsp;
  cpu.eip = t;
};

/** ret with a 32-bit operand size and no immediate: the hot case. */
const ret32: Handler = (cpu) => {
  const regs = cpu.regs;
  const mask = cpu.stackMask;
  const sp = regs[ESP] & mask;
  const t = cpu.mmu.read32(cpu.linear(SEG_SS, sp, 4, false)) >>> 0;
  if (t > cpu.segLimit[SEG_CS]) raise(VEC_GP, 0);
  regs[ESP] = mask === -1 ? sp + 4 : (regs[ESP] & ~0xffff) | ((sp + 4) & 0xffff);
  cpu.eip = t;
};

// ---------------------------------------------------------------------------------
// LOOP, LOOPE, LOOPNE, JECXZ: the count register is ECX or CX by the ADDRESS size.
// LOOP decrements it without touching the flags.

const LOOP = 0;
const LOOPE = 1;
const LOOPNE = 2;

function loop(kind: number): Handler {
  const extra = kind === LOOP ? 1 : 3; // taken - not taken
  return (cpu, i) => {
    const regs = cpu.regs;
    const c = i.as === 4 ? (regs[ECX] - 1) | 0 : (regs[ECX] - 1) & 0xffff;
    let taken = c !== 0;
    if (taken && kind !== LOOP) taken = (cpu.getZF() === 1) === (kind === LOOPE);
    if (taken) checkTarget(cpu, i.imm); // before ECX changes: the loop restarts cleanly
    if (i.as === 4) regs[ECX] = c;
    else cpu.set16(ECX, c);
    if (taken) {
      cpu.eip = i.imm;
      cpu.cycles += extra;
    }
  };
}

const jecxz: Handler = (cpu, i) => {
  const c = i.as === 4 ? cpu.regs[ECX] : cpu.regs[ECX] & 0xffff;
  if (c === 0) {
    checkTarget(cpu, i.imm);
    cpu.eip = i.imm;
    cpu.cycles += 3;
  }
};

export const BRANCH_OPS: OpDef[] = [
  ...jccDefs,
  { code: [0xeb], mnemonic: 'jmp', operands: 'Jb', cycles: 3, exec: jmpRel, ends: true },
  { code: [0xe9], mnemonic: 'jmp', mnemonic16: 'jmpw', operands: 'Jv', cycles: 3, exec: jmpRel, ends: true },
  { code: [0xff], ext: 4, mnemonic: 'jmp', operands: 'Ev', cycles: 5, exec: jmpEv, ends: true },
  {
    code: [0xe8], mnemonic: 'call', mnemonic16: 'callw', operands: 'Jv', cycles: 3, exec: callRel, ends: true,
    select: (i) => (i.os === 4 ? callRel32 : callRel),
  },
  { code: [0xff], ext: 2, mnemonic: 'call', operands: 'Ev', cycles: 5, exec: callEv, ends: true },
  {
    code: [0xc3], mnemonic: 'ret', mnemonic16: 'retw', operands: '', cycles: 5, exec: retNear, ends: true,
    select: (i) => (i.os === 4 ? ret32 : retNear),
  },
  { code: [0xc2], mnemonic: 'ret', mnemonic16: 'retw', operands: 'Iw', cycles: 5, exec: retNear, ends: true },
  // The 0x67 prefix selects CX: objdump then writes "addr16 loop" and "jcxz".
  { code: [0xe2], mnemonic: 'loop', operands: 'Jb', cycles: 6, exec: loop(LOOP), ends: true },
  { code: [0xe1], mnemonic: 'loope', operands: 'Jb', cycles: 6, exec: loop(LOOPE), ends: true, flagsRead: 'z' },
  { code: [0xe0], mnemonic: 'loopne', operands: 'Jb', cycles: 6, exec: loop(LOOPNE), ends: true, flagsRead: 'z' },
  { code: [0xe3], mnemonic: 'jecxz', operands: 'Jb', cycles: 5, exec: jecxz, ends: true },
];

export { CC as CONDITION_NAMES };
