import type { OpDef } from '../optable.js';

export const SYSTEM_OPS: OpDef[] = [];
