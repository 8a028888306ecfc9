// Miscellaneous: nop, hlt.
//
// Cycles (Intel486 PRM): NOP 1, HLT 4.

import type { OpDef } from '../optable.js';

export const MISC_OPS: OpDef[] = [
  { code: [0x90], mnemonic: 'nop', operands: '', cycles: 1, exec: () => {} },
  {
    code: [0xf4], mnemonic: 'hlt', operands: '', cycles: 4, privileged: true, ends: true,
    exec: (cpu) => {
      cpu.halted = true;
    },
  },
];
