import type { OpDef } from '../optable.js';

export const MULDIV_OPS: OpDef[] = [];
