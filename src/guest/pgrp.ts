// Process groups and sessions (kernel/sys.c): setpgid (57), getpgid (132), getpgrp (65),
// setsid (66), getsid (147).
//
// Every process belongs to a process group (pgrp, the tgid of the group's first member,
// its leader) and a session (session, the tgid of the process that made it). init starts
// session 1 and group 1 (init_task.ts); fork copies both; kill(-pgrp), wait4(0 or -pgrp)
// and TIOCGPGRP use them (sys_signal.ts, wait.ts, fs/devices.ts). The ids are per process:
// the syscalls change them for every thread of the group (each Task keeps a copy).
//
//   setsid()           a new session and group, both the caller's tgid; -EPERM if a process
//                      group with that id exists already (the caller leads one)
//   setpgid(pid, pgid) pid 0: the caller; pgid 0: pid. The process must be the caller or
//                      one of its children (-ESRCH), in the caller's session (-EPERM), not
//                      a session leader (-EPERM), and pgid must be its own id or a group
//                      that exists in the same session (-EPERM); pgid < 0: -EINVAL. (Linux
//                      also refuses a child that has called execve, -EACCES: forkbox does
//                      not record that.)
//   getpgid(pid), getsid(pid)   of the process pid (0: the caller); -ESRCH if none

import { E } from './abi.js';
import type { Kernel } from './kernel.js';
import type { Syscall } from './syscalls.js';
import type { Task } from './task.js';

/** The live process (thread group) with id `pid`, its leader; 0 is the caller's. */
function find_process(k: Kernel, pid: number): Task | null {
  if (pid === 0) return k.current.group_leader;
  const t = k.tasks.get(pid);
  if (!t || t.exit_state || t.tgid !== pid) return null;
  return t;
}

/** Does a process group `pgrp` exist in `session` (any live process in it)? */
function pgrp_exists(k: Kernel, pgrp: number, session: number | null): boolean {
  for (const t of k.tasks.values()) {
    if (t === k.idle || t.exit_state || t.pgrp !== pgrp) continue;
    if (session === null || t.session === session) return true;
  }
  return false;
}

/** Set the ids of every thread of the process led by `leader`. */
function set_ids(k: Kernel, leader: Task, pgrp: number, session: number): void {
  for (const t of k.tasks.values()) {
    if (t.tgid !== leader.tgid) continue;
    t.pgrp = pgrp;
    t.session = session;
  }
}

const sys_setsid: Syscall = (k) => {
  const leader = k.current.group_leader;
  const sid = leader.tgid;
  if (pgrp_exists(k, sid, null)) return -E.EPERM;
  set_ids(k, leader, sid, sid);
  return sid;
};

const sys_setpgid: Syscall = (k, pid, pgid) => {
  const current = k.current;
  if (pid === 0) pid = current.tgid;
  if (pgid === 0) pgid = pid;
  if (pgid < 0 || pid < 0) return -E.EINVAL;
  const p = find_process(k, pid);
  if (!p) return -E.ESRCH;
  const me = current.group_leader;
  if (p !== me) {
    if (p.real_parent?.tgid !== me.tgid) return -E.ESRCH;
    if (p.session !== me.session) return -E.EPERM;
  }
  if (p.session === p.tgid) return -E.EPERM; // a session leader stays in its group
  if (pgid !== p.tgid && !pgrp_exists(k, pgid, me.session)) return -E.EPERM;
  set_ids(k, p, pgid, p.session);
  return 0;
};

const sys_getpgid: Syscall = (k, pid) => {
  const p = find_process(k, pid);
  return p ? p.pgrp : -E.ESRCH;
};

const sys_getsid: Syscall = (k, pid) => {
  const p = find_process(k, pid);
  return p ? p.session : -E.ESRCH;
};

export const PGRP_SYSCALLS: Record<string, Syscall> = {
  setsid: sys_setsid,
  setpgid: sys_setpgid,
  getpgid: sys_getpgid,
  getpgrp: (k) => k.current.pgrp,
  getsid: sys_getsid,
};
