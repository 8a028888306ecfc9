// System calls this kernel deliberately does not have (kernel/sys_ni.c: cond_syscall →
// sys_ni_syscall, -ENOSYS). Unlike a number missing from the table, these are known,
// answered silently — no "unimplemented syscall" line on the kernel log — because what
// they return is the behaviour forkbox chooses, the one an older or smaller Linux has,
// and the C library falls back as it does there:
//
//   rseq (386)     restartable sequences, a kernel built without CONFIG_RSEQ (and every
//                  kernel before 4.18): glibc ≥ 2.35 registers an rseq area at start-up
//                  and, on -ENOSYS, runs without it (__rseq_size = 0; sched_getcpu
//                  falls back to getcpu).
//   clone3 (435)   the extensible clone, absent before 5.3: glibc ≥ 2.34's pthread_create
//                  and posix_spawn try it first and, on -ENOSYS, use clone (120) — which
//                  does everything forkbox implements (fork.ts).

import { E } from './abi.js';
import type { Syscall } from './syscalls.js';

/** sys_ni_syscall: "not implemented", by design. */
const sys_ni_syscall: Syscall = () => -E.ENOSYS;

export const NI_SYSCALLS: Record<string, Syscall> = {
  rseq: sys_ni_syscall,
  clone3: sys_ni_syscall,
};
