// Small process syscalls (kernel/sys.c): identity, uname, sched_yield, set_tid_address,
// and read/write on the console file descriptors 0-2 (until part 2's file table).

import { E } from './abi.js';
import type { Syscall } from './syscalls.js';
import { copy_from_user, copy_to_user } from './uaccess.js';
import { sleep_on } from './sched.js';
import { TASK_INTERRUPTIBLE, type SyscallResult } from './task.js';

/** Largest single read/write the console moves at once (bounded host memory). */
const MAX_IO = 1 << 20;

const sys_getpid: Syscall = (k) => k.current.tgid;
const sys_gettid: Syscall = (k) => k.current.pid;
const sys_getppid: Syscall = (k) => k.current.group_leader.real_parent?.tgid ?? 0;
const zero: Syscall = () => 0;

const sys_sched_yield: Syscall = (k) => {
  k.current.timeslice = 0;
  k.need_resched = true;
  return 0;
};

const sys_set_tid_address: Syscall = (k, tidptr) => {
  k.current.clear_child_tid = tidptr >>> 0;
  return k.current.pid;
};

/** struct new_utsname: six 65-byte fields. */
const sys_uname: Syscall = (k, buf) => {
  const fields = ['Linux', 'forkbox', '6.1.0-forkbox', '#1 SMP forkbox', 'i686', '(none)'];
  const out = new Uint8Array(65 * 6);
  fields.forEach((f, n) => out.set(Buffer.from(f, 'latin1').subarray(0, 64), 65 * n));
  return copy_to_user(k, buf, out);
};

const sys_write: Syscall = (k, fd, buf, count) => {
  if (fd !== 1 && fd !== 2) return fd === 0 ? -E.EBADF : -E.EBADF;
  if (count < 0) return -E.EINVAL;
  const n = Math.min(count >>> 0, MAX_IO);
  const bytes = copy_from_user(k, buf, n);
  if (!bytes) return -E.EFAULT;
  (fd === 1 ? k.stdout : k.stderr)(bytes);
  return n;
};

const sys_read: Syscall = (k, fd, buf, count) => {
  if (fd !== 0) return -E.EBADF;
  if (count < 0) return -E.EINVAL;
  const n = Math.min(count >>> 0, MAX_IO);
  const attempt = (): number | null => {
    const data = k.stdin(n);
    if (data === null) return null;
    const r = copy_to_user(k, buf, data);
    return r < 0 ? r : data.length;
  };
  const r = attempt();
  if (r !== null) return r;
  k.stdinWaiters.add(k.current);
  const t = k.current;
  const retry = (): SyscallResult => {
    const again = attempt();
    if (again !== null) {
      k.stdinWaiters.delete(t);
      return again;
    }
    return sleep_on(k, TASK_INTERRUPTIBLE, retry);
  };
  return sleep_on(k, TASK_INTERRUPTIBLE, retry);
};

export const PROCESS_SYSCALLS: Record<string, Syscall> = {
  getpid: sys_getpid,
  gettid: sys_gettid,
  getppid: sys_getppid,
  getuid: zero,
  geteuid: zero,
  getgid: zero,
  getegid: zero,
  getuid32: zero,
  geteuid32: zero,
  getgid32: zero,
  getegid32: zero,
  sched_yield: sys_sched_yield,
  set_tid_address: sys_set_tid_address,
  uname: sys_uname,
  write: sys_write,
  read: sys_read,
};
