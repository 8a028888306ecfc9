import type { OpDef } from '../optable.js';

export const IO_OPS: OpDef[] = [];
