// Small process syscalls (kernel/sys.c): identity (no supplementary groups), uname,
// sched_yield, set_tid_address, prctl (PR_SET_NAME / PR_GET_NAME), sysinfo (kernel/sys.c do_sysinfo: uptime, RAM and free RAM from the page allocator, the
// number of tasks; no load average is kept, no swap, no high memory).
// (read and write, once here for the console, are file system calls now: fs/.)

import { E } from './abi.js';
import type { Syscall } from './syscalls.js';
import { ktime_get_ns } from './time.js';
import { copy_from_user, copy_to_user } from './uaccess.js';

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

/** sysinfo(info): struct sysinfo of i386, 64 bytes. glibc's qsort asks it (through
 *  sysconf(_SC_PHYS_PAGES)) how much memory a temporary array may take. */
const sys_sysinfo: Syscall = (k, info) => {
  const ns = ktime_get_ns(k);
  const sec = ns / 1_000_000_000n;
  const uptime = Number(sec) + (ns % 1_000_000_000n ? 1 : 0);
  const b = new Uint8Array(64);
  const dv = new DataView(b.buffer);
  const ps = k.pages.stats;
  dv.setUint32(0, uptime, true); // uptime
  // loads[3] at 4, 8, 12: 0 (no load average kept)
  dv.setUint32(16, k.mmu.ramSize, true); // totalram
  dv.setUint32(20, ps.free * 4096, true); // freeram
  // sharedram, bufferram, totalswap, freeswap: 0
  dv.setUint16(40, Math.min(k.tasks.size - 1, 0xffff), true); // procs (idle not counted)
  // totalhigh, freehigh: 0
  dv.setUint32(52, 1, true); // mem_unit
  return copy_to_user(k, info >>> 0, b);
};

/** getgroups(size, list): forkbox's one user has no supplementary groups. */
const sys_getgroups: Syscall = (_k, size) => (size < 0 ? -E.EINVAL : 0);

const PR_SET_NAME = 15;
const PR_GET_NAME = 16;
const TASK_COMM_LEN = 16;

/** prctl(option, arg2 …): the thread's name (comm: what `ps` and traces show); other
 *  options -EINVAL, as for options a kernel does not know. */
const sys_prctl: Syscall = (k, option, arg2) => {
  const t = k.current;
  switch (option) {
    case PR_SET_NAME: {
      const b = copy_from_user(k, arg2 >>> 0, TASK_COMM_LEN);
      if (!b) return -E.EFAULT;
      const end = b.indexOf(0);
      t.comm = Buffer.from(b.subarray(0, Math.min(end < 0 ? TASK_COMM_LEN : end, TASK_COMM_LEN - 1))).toString('latin1');
      return 0;
    }
    case PR_GET_NAME: {
      const b = new Uint8Array(TASK_COMM_LEN);
      b.set(Buffer.from(t.comm, 'latin1').subarray(0, TASK_COMM_LEN - 1));
      return copy_to_user(k, arg2 >>> 0, b);
    }
    default:
      return -E.EINVAL;
  }
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
  sysinfo: sys_sysinfo,
  getgroups: sys_getgroups,
  getgroups32: sys_getgroups,
  prctl: sys_prctl,
};
