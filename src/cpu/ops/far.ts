import type { OpDef } from '../optable.js';

export const FAR_OPS: OpDef[] = [];
