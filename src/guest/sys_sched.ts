// Scheduling policy calls (kernel/sched/syscalls.c, kernel/sys.c getcpu) of a machine
// with one CPU and one policy: every task is SCHED_OTHER (CFS's normal class) at static
// priority 0, on CPU 0.
//
//   sched_getaffinity / sched_setaffinity   the mask {CPU 0}; a mask without CPU 0: -EINVAL
//   sched_getscheduler / sched_getparam     SCHED_OTHER, priority 0
//   sched_setscheduler / sched_setparam     SCHED_OTHER (or SCHED_BATCH / SCHED_IDLE) with
//                                           priority 0 accepted and kept as SCHED_OTHER;
//                                           a real-time policy: -EPERM (forkbox's tasks
//                                           have no CAP_SYS_NICE and RLIMIT_RTPRIO is 0);
//                                           a bad policy or priority: -EINVAL
//   sched_get_priority_max / _min           99 / 1 for SCHED_FIFO and SCHED_RR, 0 / 0 for
//                                           the others, -EINVAL for an unknown policy
//   getcpu(cpu, node, cache)                CPU 0, node 0 (glibc's sched_getcpu without rseq)
//   nice, getpriority, setpriority          the nice value (-20 … 19) is kept, inherited at
//                                           fork and reported; raising it is allowed,
//                                           lowering it is not (RLIMIT_NICE 0, no
//                                           CAP_SYS_NICE: -EACCES, nice(): -EPERM). The
//                                           round-robin scheduler does not weigh it.
// A pid names a thread (0: the caller); one that does not exist is -ESRCH.

import { E, RLIMIT_NICE } from './abi.js';
import { rlimit } from './resource.js';
import type { Kernel } from './kernel.js';
import type { Syscall } from './syscalls.js';
import type { Task } from './task.js';
import { copy_from_user, copy_to_user, put_user32 } from './uaccess.js';

const SCHED_OTHER = 0;
const SCHED_FIFO = 1;
const SCHED_RR = 2;
const SCHED_BATCH = 3;
const SCHED_IDLE = 5;
const SCHED_DEADLINE = 6;
/** sched_setscheduler's flag that resets a policy at fork. */
const SCHED_RESET_ON_FORK = 0x40000000;
const MAX_RT_PRIO = 100;

/** cpumask_size(): the bytes of a CPU mask (NR_CPUS = 32 on this i386 kernel: one long). */
const CPUMASK_SIZE = 4;

/** The task a sched_* call names: 0 is the caller; -ESRCH when there is none. */
function find_process_by_pid(k: Kernel, pid: number): Task | number {
  if (pid === 0) return k.current;
  const t = pid > 0 ? k.tasks.get(pid) : undefined;
  return t && !t.exit_state ? t : -E.ESRCH;
}

/** sched_getaffinity(pid, len, mask): CPU 0, the only one. Returns the bytes written
 *  (the C library clears the rest); -EINVAL for a len not a multiple of a long or too
 *  small for the mask. */
const sys_sched_getaffinity: Syscall = (k, pid, len, mask) => {
  len >>>= 0;
  if (len * 8 < 1 || len & 3) return -E.EINVAL;
  const t = find_process_by_pid(k, pid);
  if (typeof t === 'number') return t;
  const n = Math.min(len, CPUMASK_SIZE);
  const b = new Uint8Array(n);
  b[0] = 1;
  const r = copy_to_user(k, mask >>> 0, b);
  return r < 0 ? r : n;
};

/** sched_setaffinity(pid, len, mask): accepted when the mask contains CPU 0 (-EINVAL
 *  otherwise: no CPU left to run on). */
const sys_sched_setaffinity: Syscall = (k, pid, len, mask) => {
  len >>>= 0;
  const t = find_process_by_pid(k, pid);
  if (typeof t === 'number') return t;
  if (len === 0) return -E.EINVAL;
  const b = copy_from_user(k, mask >>> 0, 1);
  if (!b) return -E.EFAULT;
  return b[0] & 1 ? 0 : -E.EINVAL;
};


/** sched_getscheduler(pid). */
const sys_sched_getscheduler: Syscall = (k, pid) => {
  if (pid < 0) return -E.EINVAL;
  const t = find_process_by_pid(k, pid);
  return typeof t === 'number' ? t : SCHED_OTHER;
};

/** sched_getparam(pid, param): struct sched_param { int sched_priority }. */
const sys_sched_getparam: Syscall = (k, pid, param) => {
  if (pid < 0 || param === 0) return -E.EINVAL;
  const t = find_process_by_pid(k, pid);
  if (typeof t === 'number') return t;
  return put_user32(k, param >>> 0, 0);
};

/** __sched_setscheduler's checks for `policy` with the priority at `param`. */
function sched_setscheduler(k: Kernel, pid: number, policy: number, param: number): number {
  if (pid < 0 || param === 0) return -E.EINVAL;
  const b = copy_from_user(k, param >>> 0, 4);
  if (!b) return -E.EFAULT;
  const t = find_process_by_pid(k, pid);
  if (typeof t === 'number') return t;
  const prio = b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
  if (policy !== -1) policy &= ~SCHED_RESET_ON_FORK;
  switch (policy) {
    case -1: // sched_setparam: the current policy, SCHED_OTHER
    case SCHED_OTHER:
    case SCHED_BATCH:
    case SCHED_IDLE:
      return prio === 0 ? 0 : -E.EINVAL;
    case SCHED_FIFO:
    case SCHED_RR:
      return prio < 1 || prio > MAX_RT_PRIO - 1 ? -E.EINVAL : -E.EPERM;
    default:
      return -E.EINVAL; // SCHED_DEADLINE needs sched_setattr
  }
}

function priority_bound(policy: number, max: boolean): number {
  switch (policy) {
    case SCHED_FIFO:
    case SCHED_RR:
      return max ? MAX_RT_PRIO - 1 : 1;
    case SCHED_OTHER:
    case SCHED_BATCH:
    case SCHED_IDLE:
    case SCHED_DEADLINE:
      return 0;
    default:
      return -E.EINVAL;
  }
}

/** getcpu(cpu, node, tcache): CPU 0 of node 0 (either pointer may be NULL). */
const sys_getcpu: Syscall = (k, cpu, node) => {
  if (cpu !== 0 && put_user32(k, cpu >>> 0, 0) < 0) return -E.EFAULT;
  if (node !== 0 && put_user32(k, node >>> 0, 0) < 0) return -E.EFAULT;
  return 0;
};

const PRIO_PROCESS = 0;
const PRIO_PGRP = 1;
const PRIO_USER = 2;
const MIN_NICE = -20;
const MAX_NICE = 19;

/** The tasks getpriority / setpriority mean: a thread, a process group, a user (one). */
function prio_targets(k: Kernel, which: number, who: number): Task[] | number {
  const current = k.current;
  const live = [...k.tasks.values()].filter((t) => t !== k.idle && !t.exit_state);
  switch (which) {
    case PRIO_PROCESS: {
      const t = who === 0 ? current : live.find((u) => u.pid === who);
      return t ? [t] : [];
    }
    case PRIO_PGRP:
      return live.filter((u) => u.pgrp === (who === 0 ? current.pgrp : who));
    case PRIO_USER:
      return who === 0 ? live : []; // everyone is uid 0
    default:
      return -E.EINVAL;
  }
}

/** can_nice: a nice value below the present one needs RLIMIT_NICE or CAP_SYS_NICE. */
function can_nice(k: Kernel, nice: number): boolean {
  return 20 - nice <= rlimit(k, RLIMIT_NICE);
}

/** getpriority(which, who): 20 - the lowest nice value of the targets (never negative). */
const sys_getpriority: Syscall = (k, which, who) => {
  const ts = prio_targets(k, which, who);
  if (typeof ts === 'number') return ts;
  if (ts.length === 0) return -E.ESRCH;
  return 20 - Math.min(...ts.map((t) => t.nice));
};

/** setpriority(which, who, niceval): clamped to -20 … 19. */
const sys_setpriority: Syscall = (k, which, who, niceval) => {
  const ts = prio_targets(k, which, who);
  if (typeof ts === 'number') return ts;
  if (ts.length === 0) return -E.ESRCH;
  const nice = Math.max(MIN_NICE, Math.min(MAX_NICE, niceval));
  let err = 0;
  for (const t of ts) {
    if (nice < t.nice && !can_nice(k, nice)) err = -E.EACCES;
    else t.nice = nice;
  }
  return err;
};

/** nice(inc): the caller's nice value moves by inc (clamped); lowering it: -EPERM. */
const sys_nice: Syscall = (k, inc) => {
  const t = k.current;
  const nice = Math.max(MIN_NICE, Math.min(MAX_NICE, t.nice + Math.max(-40, Math.min(40, inc))));
  if (nice < t.nice && !can_nice(k, nice)) return -E.EPERM;
  t.nice = nice;
  return 0;
};

export const SCHED_SYSCALLS: Record<string, Syscall> = {
  sched_getaffinity: sys_sched_getaffinity,
  sched_setaffinity: sys_sched_setaffinity,
  sched_getscheduler: sys_sched_getscheduler,
  sched_getparam: sys_sched_getparam,
  sched_setscheduler: (k, pid, policy, param) => sched_setscheduler(k, pid, policy, param),
  sched_setparam: (k, pid, param) => sched_setscheduler(k, pid, -1, param),
  sched_get_priority_max: (_k, policy) => priority_bound(policy, true),
  sched_get_priority_min: (_k, policy) => priority_bound(policy, false),
  getcpu: sys_getcpu,
  getpriority: sys_getpriority,
  setpriority: sys_setpriority,
  nice: sys_nice,
};
