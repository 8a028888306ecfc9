import type { OpDef } from '../optable.js';

export const STRING_OPS: OpDef[] = [];
