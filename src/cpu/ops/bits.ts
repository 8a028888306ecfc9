import type { OpDef } from '../optable.js';

export const BIT_OPS: OpDef[] = [];
