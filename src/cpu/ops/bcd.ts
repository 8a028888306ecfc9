import type { OpDef } from '../optable.js';

export const BCD_OPS: OpDef[] = [];
