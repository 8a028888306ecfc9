// Small process syscalls (kernel/sys.c): identity, uname, sched_yield, set_tid_address.
// (read and write, once here for the console, are file system calls now: fs/.)

import type { Syscall } from './syscalls.js';
import { copy_to_user } from './uaccess.js';

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
};
