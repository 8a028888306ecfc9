// CONTRACT STUB — replaced by the fork/clone implementation.
import type { Syscall } from './syscalls.js';
export const FORK_SYSCALLS: Record<string, Syscall> = {};
