// CONTRACT STUB — replaced by the execve implementation.
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import type { Syscall } from './syscalls.js';
/** Replace t's program with the ELF at `path` (in k.files): 0 or -errno. On success t's
 *  pt_regs return to the new program's entry with the SysV i386 stack. */
export function kernel_execve(k: Kernel, t: Task, path: string, argv: string[], envp: string[]): number {
  void k; void t; void path; void argv; void envp; return -38;
}
export const EXEC_SYSCALLS: Record<string, Syscall> = {};
