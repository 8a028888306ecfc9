// Control transfers within CS: Jcc, JMP, CALL, RET, LOOP/JECXZ (SDM vol. 2).
//
// Cycles (Intel486 PRM): Jcc taken 3, not taken 1; JMP near 3; CALL near 3 (r/m 5);
// RET near 5 (imm 5); LOOP taken 7 / not taken 6; JECXZ taken 8 / not taken 5.
// The table holds the not-taken / base cost; handlers add the rest.

import type { OpDef } from '../optable.js';
import type { Handler } from '../insn.js';

const jcc = (cc: number): Handler => (cpu, i) => {
  if (cpu.cond(cc)) {
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
  cpu.eip = i.imm;
};

export const BRANCH_OPS: OpDef[] = [
  ...jccDefs,
  { code: [0xeb], mnemonic: 'jmp', operands: 'Jb', cycles: 3, exec: jmpRel, ends: true },
  { code: [0xe9], mnemonic: 'jmp', operands: 'Jv', cycles: 3, exec: jmpRel, ends: true },
];

export { CC as CONDITION_NAMES };
