import type { OpDef } from '../optable.js';

export const SHIFT_OPS: OpDef[] = [];
