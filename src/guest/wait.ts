// CONTRACT STUB — replaced by the wait implementation.
import type { Syscall } from './syscalls.js';
export const WAIT_SYSCALLS: Record<string, Syscall> = {};
