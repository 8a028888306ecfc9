import type { OpDef } from '../optable.js';

export const STACK_OPS: OpDef[] = [];
