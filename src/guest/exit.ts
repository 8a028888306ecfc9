// CONTRACT STUB — replaced by the exit implementation.
import type { Kernel } from './kernel.js';
import type { Syscall } from './syscalls.js';
/** do_exit for the current task with a wait status (exitStatus/signalStatus). */
export function do_exit(k: Kernel, status: number): void { k.panic(`do_exit(${status}) not implemented`); }
/** do_group_exit: every thread of the current thread group exits with `status`. */
export function do_group_exit(k: Kernel, status: number): void { do_exit(k, status); }
export const EXIT_SYSCALLS: Record<string, Syscall> = {};
