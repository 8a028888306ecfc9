// Resource limits (kernel/sys.c do_prlimit, include/uapi/asm-generic/resource.h):
// getrlimit (76), setrlimit (75), ugetrlimit (191), prlimit64 (340).
//
// The limits live in the thread group's signal_struct (signal->rlim), as in Linux: every
// thread of a process sees the same limits, fork copies them (copy_signal), execve keeps
// them. On i386 the kernel keeps each limit as an unsigned long: RLIM_INFINITY is
// 0xffffffff, and prlimit64's 64-bit values at or above it become RLIM_INFINITY
// (rlim64_to_rlim).
//
// THE LIMITS forkbox starts init with, and which of them the kernel enforces:
//   RLIMIT_STACK   8 MiB soft, unlimited hard: how far a VM_GROWSDOWN stack may grow
//                  (memory.ts expand_stack reads the current soft limit);
//   RLIMIT_NPROC   --max-tasks (soft = hard): fork/clone fails with -EAGAIN once the
//                  tasks (threads and zombies included, idle not) reach the soft limit;
//   RLIMIT_NOFILE  1024 (soft = hard, the file table's size, fs/fdtable.ts NR_OPEN): a
//                  descriptor at or above the soft limit is -EMFILE (dup2: -EBADF);
//   RLIMIT_DATA    unlimited: brk fails (returns the old break) when the heap plus the
//                  initialised data would exceed the soft limit (mm/mmap.c check_data_rlimit);
//   RLIMIT_AS      unlimited: mmap, brk and mremap fail with -ENOMEM when the address
//                  space would exceed the soft limit (may_expand_vm);
//   RLIMIT_CORE    0 (no core files: signal.ts prints "(core dumped)" only as Linux would);
//   RLIMIT_MEMLOCK 8 MiB, RLIMIT_SIGPENDING and RLIMIT_MSGQUEUE Linux's defaults,
//   RLIMIT_CPU, FSIZE, RSS, LOCKS, RTTIME unlimited, NICE and RTPRIO 0 — reported and
//                  settable, not enforced (forkbox has no CPU-time signals, no quotas).
//
// SETTING (setrlimit, prlimit64 with a new limit): a resource number past RLIM_NLIMITS or
// a soft limit above the hard one is -EINVAL; raising a hard limit is -EPERM — forkbox's
// tasks run as uid 0 but without CAP_SYS_RESOURCE, like an unprivileged process (the
// machine's limits are its hardware's); RLIMIT_NOFILE above 1024 (sysctl nr_open) is
// -EPERM as in Linux. prlimit64 on another process (pid ≠ 0 and ≠ the caller's tgid):
// -ESRCH if there is none, else it applies to that process (forkbox has one uid, so the
// permission check passes).

import {
  E, RLIM_INFINITY, RLIM_NLIMITS, RLIMIT_AS, RLIMIT_CORE, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE,
  RLIMIT_NPROC, RLIMIT_RTPRIO, RLIMIT_SIGPENDING, RLIMIT_STACK,
} from './abi.js';
import type { Kernel } from './kernel.js';
import type { Syscall } from './syscalls.js';
import type { Task } from './task.js';
import { copy_from_user, copy_to_user } from './uaccess.js';

/** What the old getrlimit (76) reports for infinity (COMPAT_RLIM_OLD_INFINITY). */
const RLIM_OLD_INFINITY = 0x7fffffff;

/** RLIMIT_STACK's default soft limit (_STK_LIM, mm.ts STACK_RLIMIT). */
export const STK_LIM = 8 << 20;
/** RLIMIT_NOFILE: soft = hard = the size of the descriptor table (sysctl nr_open). */
export const NR_OPEN_LIMIT = 1024;
/** RLIMIT_MEMLOCK's default (MLOCK_LIMIT, 8 MiB since Linux 5.16). */
const MLOCK_LIMIT = 8 << 20;
/** RLIMIT_MSGQUEUE's default (MQ_BYTES_MAX). */
const MQ_BYTES_MAX = 819200;
/** RLIMIT_SIGPENDING: Linux sets it to max_threads / 2; signal.ts bounds each queue. */
const SIGPENDING_LIMIT = 1024;

/** The limits of one thread group: [cur, max] per resource, unsigned 32-bit. */
export type Rlimits = Uint32Array;

/** INIT_RLIMITS for a kernel: what init starts with (the table in the header). */
export function init_rlimits(k: Kernel): Rlimits {
  const r = new Uint32Array(2 * RLIM_NLIMITS).fill(RLIM_INFINITY);
  const set = (res: number, cur: number, max: number) => {
    r[2 * res] = cur;
    r[2 * res + 1] = max;
  };
  set(RLIMIT_STACK, STK_LIM, RLIM_INFINITY);
  set(RLIMIT_CORE, 0, RLIM_INFINITY);
  set(RLIMIT_NPROC, k.options.maxTasks, k.options.maxTasks);
  set(RLIMIT_NOFILE, NR_OPEN_LIMIT, NR_OPEN_LIMIT);
  set(RLIMIT_MEMLOCK, MLOCK_LIMIT, MLOCK_LIMIT);
  set(RLIMIT_SIGPENDING, SIGPENDING_LIMIT, SIGPENDING_LIMIT);
  set(RLIMIT_MSGQUEUE, MQ_BYTES_MAX, MQ_BYTES_MAX);
  set(RLIMIT_NICE, 0, 0);
  set(RLIMIT_RTPRIO, 0, 0);
  return r;
}

/** The limits of t's thread group (created on first use for a task without any). */
function task_rlimits(k: Kernel, t: Task): Rlimits {
  const sig = t.signal;
  if (!sig) return init_rlimits(k);
  return (sig.rlim ??= init_rlimits(k));
}

/** rlimit(): t's soft limit of `resource` (RLIM_INFINITY as 0xffffffff). */
export function task_rlimit(k: Kernel, t: Task, resource: number): number {
  const r = t.signal?.rlim;
  return r ? r[2 * resource] : task_rlimits(k, t)[2 * resource];
}

/** rlimit() of the current task. */
export function rlimit(k: Kernel, resource: number): number {
  return task_rlimit(k, k.current, resource);
}

/** The task prlimit64 names: 0 or the caller's tgid is the caller; else -ESRCH if absent. */
function find_target(k: Kernel, pid: number): Task | number {
  if (pid === 0) return k.current;
  if (pid < 0) return -E.ESRCH;
  const t = k.tasks.get(pid);
  if (!t || t.exit_state) return -E.ESRCH;
  return t;
}

/**
 * do_prlimit: read the limit of `resource` of t (old, if wanted) and set it to `next`
 * (unless null). 0 or -EINVAL / -EPERM as described in the header.
 */
export function do_prlimit(k: Kernel, t: Task, resource: number, next: [number, number] | null): [number, number] | number {
  if (resource < 0 || resource >= RLIM_NLIMITS) return -E.EINVAL;
  const r = task_rlimits(k, t);
  const old: [number, number] = [r[2 * resource], r[2 * resource + 1]];
  if (next) {
    const [cur, max] = next;
    if (cur > max) return -E.EINVAL;
    if (resource === RLIMIT_NOFILE && max > NR_OPEN_LIMIT) return -E.EPERM;
    if (max > old[1]) return -E.EPERM; // no CAP_SYS_RESOURCE
    r[2 * resource] = cur;
    r[2 * resource + 1] = max;
  }
  return old;
}

function get32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

/** A struct rlimit (two unsigned longs) as bytes; `old` clamps infinity to 0x7fffffff. */
function rlimit_bytes(v: [number, number], old: boolean): Uint8Array {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  const clamp = (x: number) => (old && x > RLIM_OLD_INFINITY ? RLIM_OLD_INFINITY : x);
  dv.setUint32(0, clamp(v[0]), true);
  dv.setUint32(4, clamp(v[1]), true);
  return b;
}

/** getrlimit (76, the old call: infinity reads as 0x7fffffff) and ugetrlimit (191). */
function getrlimit(k: Kernel, resource: number, rlim: number, old: boolean): number {
  const r = do_prlimit(k, k.current, resource, null);
  if (typeof r === 'number') return r;
  return copy_to_user(k, rlim >>> 0, rlimit_bytes(r, old));
}

/** setrlimit (75): a struct rlimit of two unsigned longs. */
const sys_setrlimit: Syscall = (k, resource, rlim) => {
  const b = copy_from_user(k, rlim >>> 0, 8);
  if (!b) return -E.EFAULT;
  const r = do_prlimit(k, k.current, resource, [get32(b, 0), get32(b, 4)]);
  return typeof r === 'number' ? r : 0;
};

/** A u64 of struct rlimit64 as a kernel limit: values >= RLIM_INFINITY are infinity. */
function rlim64_to_rlim(lo: number, hi: number): number {
  return hi !== 0 ? RLIM_INFINITY : lo;
}

/** prlimit64(pid, resource, new_rlim, old_rlim): struct rlimit64 (two u64). */
const sys_prlimit64: Syscall = (k, pid, resource, newp, oldp) => {
  let next: [number, number] | null = null;
  if (newp !== 0) {
    const b = copy_from_user(k, newp >>> 0, 16);
    if (!b) return -E.EFAULT;
    next = [rlim64_to_rlim(get32(b, 0), get32(b, 4)), rlim64_to_rlim(get32(b, 8), get32(b, 12))];
  }
  const t = find_target(k, pid);
  if (typeof t === 'number') return t;
  const r = do_prlimit(k, t, resource, next);
  if (typeof r === 'number') return r;
  if (oldp !== 0) {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    const put = (off: number, v: number) => {
      dv.setUint32(off, v, true);
      dv.setUint32(off + 4, v === RLIM_INFINITY ? 0xffffffff : 0, true); // RLIM64_INFINITY
    };
    put(0, r[0]);
    put(8, r[1]);
    return copy_to_user(k, oldp >>> 0, b);
  }
  return 0;
};

/** Total virtual memory of t's address space in bytes (mm->total_vm). */
export function total_vm(t: Task): number {
  let n = 0;
  for (const v of t.mm?.vmas ?? []) n += v.end - v.start;
  return n;
}

/** may_expand_vm: can the current address space grow by `bytes` within RLIMIT_AS? */
export function may_expand_vm(k: Kernel, bytes: number): boolean {
  const lim = rlimit(k, RLIMIT_AS);
  if (lim === RLIM_INFINITY) return true;
  return total_vm(k.current) + bytes <= lim;
}

export const RESOURCE_SYSCALLS: Record<string, Syscall> = {
  getrlimit: (k, resource, rlim) => getrlimit(k, resource, rlim, true),
  ugetrlimit: (k, resource, rlim) => getrlimit(k, resource, rlim, false),
  setrlimit: sys_setrlimit,
  prlimit64: sys_prlimit64,
};
