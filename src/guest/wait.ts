// Waiting for children (kernel/exit.c do_wait): wait4 (114), waitpid (7) and waitid (284).
//
// wait4(pid, &status, options, &rusage) chooses children by pid:
//   pid > 0    that child;
//   pid == -1  any child;
//   pid == 0   any child in the caller's process group;
//   pid < -1   any child in process group -pid.
// Process groups: inherited at fork, init's is 1 (init_task.ts), changed by setpgid and
// setsid (pgrp.ts): pgrp is the tgid of the group's leader, as in Linux.
//
// A child that exits with a signal other than SIGCHLD (a clone child with exit_signal 0,
// say) is a "clone child": waited for only with __WCLONE (only those) or __WALL (all).
// Threads are never waited for (they reap themselves, exit.ts). A zombie group leader is
// not reaped while other threads of its group live.
//
// waitid(idtype, id, infop, options, rusage): P_ALL, P_PID id, P_PGID id (0: the
// caller's group); options must ask for at least one of WEXITED, WSTOPPED (= WUNTRACED),
// WCONTINUED, and may add WNOHANG, WNOWAIT (report, but leave the child waitable) and the
// __W* flags; the child is described by a SIGCHLD siginfo (si_code CLD_EXITED, KILLED,
// DUMPED, STOPPED, CONTINUED, si_pid, si_uid, si_status, si_utime, si_stime) and the call
// returns 0 — also with WNOHANG and nothing ready, the siginfo then zeroed.
//
// The first zombie found is reaped (release_task) and its wait status stored with
// put_user; rusage gets the child's CPU time. No eligible child at all: -ECHILD. Eligible
// children but none has exited: WNOHANG returns 0, otherwise the caller sleeps until a
// child's exit_notify wakes it (__wake_up_parent) and looks again.

import { E, WCONTINUED, WEXITED, WNOHANG, WNOWAIT, WUNTRACED, __WALL, __WCLONE, __WNOTHREAD, SIG } from './abi.js';
import { CLD_CONTINUED, CLD_DUMPED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, signal_pending } from './signal.js';
import { siginfo } from './sigset.js';
import { siginfo_bytes, SIGINFO_SIZE } from './sigframe.js';
import { SIGNAL_GROUP_EXIT, SIGNAL_STOP_CONTINUED, SIGNAL_STOP_STOPPED } from './sigset.js';
import type { Kernel } from './kernel.js';
import { sleep_on, wake_up_process } from './sched.js';
import type { Syscall } from './syscalls.js';
import { EXIT_DEAD, EXIT_ZOMBIE, TASK_INTERRUPTIBLE, type SyscallResult, type Task } from './task.js';
import { acct_reaped_child, cycles_to_ns, task_cputime } from './time.js';
import { copy_to_user, put_user32 } from './uaccess.js';
import { delay_group_leader, release_task, thread_group } from './exit.js';

const PIDTYPE_PID = 0;
const PIDTYPE_PGID = 1;
const PIDTYPE_MAX = 2;

/** struct wait_opts. */
interface WaitOpts {
  type: number;
  pid: number;
  flags: number;
  /** Set by wait_task_zombie: the status for the caller's &status. */
  stat: number;
  /** The caller passed a struct rusage pointer. */
  wantRusage: boolean;
  /** The reaped child's rusage (72 bytes), when wanted. */
  rusage: Uint8Array | null;
  /** For waitid: the child reported and its CPU time (cycles), and whether it was a
   *  stop (CLD_STOPPED) or a continue (CLD_CONTINUED) rather than an exit. */
  child?: Task;
  childTime?: { utime: number; stime: number };
  event?: 'exit' | 'stop' | 'continue';
}

// ---------------------------------------------------------------------------------------
// The wait queue (signal->wait_chldexit): tasks sleeping in do_wait, in the order they
// went to sleep.

const chldexitQueues = new WeakMap<Kernel, Task[]>();

function waitQueue(k: Kernel): Task[] {
  let q = chldexitQueues.get(k);
  if (!q) chldexitQueues.set(k, (q = []));
  return q;
}

/** remove_wait_queue: t no longer waits for a child (it was woken, or it exits). */
export function remove_wait_queue(k: Kernel, t: Task): void {
  const q = chldexitQueues.get(k);
  if (!q) return;
  const i = q.indexOf(t);
  if (i >= 0) q.splice(i, 1);
}

/** __wake_up_parent: wake every thread of the parent's group that sleeps in wait. */
export function __wake_up_parent(k: Kernel, parent: Task): void {
  const q = chldexitQueues.get(k);
  if (!q || q.length === 0) return;
  for (const w of [...q]) if (w.tgid === parent.tgid) wake_up_process(k, w, 'child');
}

// ---------------------------------------------------------------------------------------

function eligible_pid(wo: WaitOpts, p: Task): boolean {
  return wo.type === PIDTYPE_MAX || (wo.type === PIDTYPE_PID ? p.pid === wo.pid : p.pgrp === wo.pid);
}

/** eligible_child: the pid matches, and the clone-child rules of __WCLONE / __WALL. */
function eligible_child(wo: WaitOpts, p: Task): boolean {
  if (!eligible_pid(wo, p)) return false;
  if (wo.flags & __WALL) return true;
  if ((p.exit_signal !== SIG.SIGCHLD) !== ((wo.flags & __WCLONE) !== 0)) return false;
  return true;
}

/** struct rusage of i386 for a reaped child (getrusage RUSAGE_BOTH): its CPU time and
 *  that of its own reaped children; the other fields 0. */
function child_rusage(k: Kernel, p: Task): Uint8Array {
  const c = task_cputime(k, p);
  const b = new Uint8Array(72);
  const dv = new DataView(b.buffer);
  const put_timeval = (off: number, cycles: number) => {
    const ns = cycles_to_ns(k, cycles);
    dv.setInt32(off, Number(ns / 1_000_000_000n), true);
    dv.setInt32(off + 4, Number((ns % 1_000_000_000n) / 1000n), true);
  };
  put_timeval(0, c.utime + p.cutime);
  put_timeval(8, c.stime + p.cstime);
  return b;
}

/**
 * wait_task_zombie: reap zombie p for the current task — its status and rusage for the
 * caller, its CPU time into the caller's cutime/cstime, release_task. Returns its pid.
 */
function wait_task_zombie(k: Kernel, wo: WaitOpts, p: Task): number {
  const pid = p.pid;
  // A group that ended with exit_group or a fatal signal reports the group's status, even
  // if its leader had left earlier with exit() (signal->group_exit_code).
  const sig = p.signal;
  wo.stat = sig && sig.flags & SIGNAL_GROUP_EXIT ? sig.group_exit_code : p.exit_code;
  if (wo.wantRusage) wo.rusage = child_rusage(k, p);
  wo.child = p;
  wo.event = 'exit';
  const c = task_cputime(k, p);
  wo.childTime = { utime: c.utime + p.cutime, stime: c.stime + p.cstime };
  if (wo.flags & WNOWAIT) return pid; // waitid: reported, left waitable
  acct_reaped_child(k, k.current.group_leader, p);
  p.exit_state = EXIT_DEAD;
  release_task(k, p);
  return pid;
}

/**
 * wait_task_stopped: with WUNTRACED, a child whose group stopped and has not been
 * reported yet: status (sig << 8) | 0x7f, reported once (unless WNOWAIT). Returns its pid
 * or 0.
 */
function wait_task_stopped(wo: WaitOpts, p: Task): number {
  if (!(wo.flags & WUNTRACED)) return 0;
  const sig = p.signal;
  if (!sig || !(sig.flags & SIGNAL_STOP_STOPPED) || sig.group_exit_code === 0) return 0;
  wo.stat = ((sig.group_exit_code & 0xff) << 8) | 0x7f;
  if (!(wo.flags & WNOWAIT)) sig.group_exit_code = 0;
  return p.pid;
}

/** wait_task_continued: with WCONTINUED, a child continued by SIGCONT since it was last
 *  reported: status 0xffff. Returns its pid or 0. */
function wait_task_continued(wo: WaitOpts, p: Task): number {
  if (!(wo.flags & WCONTINUED)) return 0;
  const sig = p.signal;
  if (!sig || !(sig.flags & SIGNAL_STOP_CONTINUED)) return 0;
  if (!(wo.flags & WNOWAIT)) sig.flags &= ~SIGNAL_STOP_CONTINUED;
  wo.stat = 0xffff;
  return p.pid;
}

/**
 * One pass over the children of the caller's thread group (only the caller's own with
 * __WNOTHREAD). Returns a reaped pid, -ECHILD when no child is eligible, or 0 when
 * eligible children exist but none is ready.
 */
function do_wait_once(k: Kernel, wo: WaitOpts): number {
  const current = k.current;
  let notask_error = -E.ECHILD;
  const threads = wo.flags & __WNOTHREAD ? [current] : [current, ...thread_group(k, current).filter((t) => t !== current)];
  for (const tsk of threads) {
    for (const p of tsk.children) {
      if (p.exit_state === EXIT_DEAD) continue;
      if (!eligible_child(wo, p)) continue;
      if (p.exit_state === EXIT_ZOMBIE && !delay_group_leader(k, p)) {
        if (wo.flags & WEXITED) return wait_task_zombie(k, wo, p);
        continue;
      }
      // Alive (or a zombie leader with live threads): we might have to wait.
      notask_error = 0;
      // A stop (WUNTRACED) or a continue (WCONTINUED) not yet reported.
      const stopped = wait_task_stopped(wo, p);
      const r = stopped || wait_task_continued(wo, p);
      if (r) {
        if (wo.wantRusage) wo.rusage = child_rusage(k, p);
        wo.child = p;
        wo.event = stopped ? 'stop' : 'continue';
        const c = task_cputime(k, p);
        wo.childTime = { utime: c.utime, stime: c.stime };
        return r;
      }
    }
  }
  return notask_error;
}

/**
 * do_wait: look for a child to reap; with none ready and no WNOHANG, sleep on the
 * wait queue until a child's exit wakes the caller, then look again. Returns the pid,
 * 0 (WNOHANG), -ECHILD, or BLOCKED.
 */
function do_wait(k: Kernel, wo: WaitOpts, done: (pid: number) => number): SyscallResult {
  const t = k.current;
  const attempt = (): SyscallResult => {
    remove_wait_queue(k, t);
    const r = do_wait_once(k, wo);
    if (r !== 0 || wo.flags & WNOHANG) return done(r);
    // Nothing yet: a signal ends the wait (restarted or -EINTR by signal delivery).
    if (signal_pending(t)) return -E.ERESTARTSYS;
    waitQueue(k).push(t);
    return sleep_on(k, TASK_INTERRUPTIBLE, attempt);
  };
  return attempt();
}

/**
 * kernel_wait4: wait4 without the rusage copy-out. The status is stored after the child
 * is reaped: a bad &status gives -EFAULT, but the child is gone all the same (Linux).
 */
export function kernel_wait4(k: Kernel, upid: number, stat_addr: number, options: number, ru: number): SyscallResult {
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) return -E.EINVAL;
  // -INT_MIN is not a pid.
  if (upid === (0x80000000 | 0)) return -E.ESRCH;
  let type: number;
  let pid = 0;
  if (upid === -1) type = PIDTYPE_MAX;
  else if (upid < 0) {
    type = PIDTYPE_PGID;
    pid = -upid;
  } else if (upid === 0) {
    type = PIDTYPE_PGID;
    pid = k.current.pgrp;
  } else {
    type = PIDTYPE_PID;
    pid = upid;
  }
  const wo: WaitOpts = { type, pid, flags: options | WEXITED, stat: 0, wantRusage: ru !== 0, rusage: null };
  return do_wait(k, wo, (ret) => {
    if (ret > 0 && stat_addr && put_user32(k, stat_addr, wo.stat) < 0) return -E.EFAULT;
    if (ret > 0 && ru && wo.rusage && copy_to_user(k, ru, wo.rusage) < 0) return -E.EFAULT;
    return ret;
  });
}

/** wait4(pid, stat_addr, options, rusage). */
const sys_wait4: Syscall = (k, upid, stat_addr, options, ru) => kernel_wait4(k, upid, stat_addr >>> 0, options, ru >>> 0);

/** waitpid(pid, stat_addr, options): wait4 without rusage. */
const sys_waitpid: Syscall = (k, upid, stat_addr, options) => kernel_wait4(k, upid, stat_addr >>> 0, options, 0);

const P_ALL = 0;
const P_PID = 1;
const P_PGID = 2;
const WSTOPPED = WUNTRACED;

/** The SIGCHLD siginfo waitid reports for what do_wait found (wo). */
function waitid_info(k: Kernel, wo: WaitOpts, pid: number): Uint8Array {
  const time = wo.childTime ?? { utime: 0, stime: 0 };
  const clock_t = (cycles: number) => Number(BigInt.asIntN(32, cycles_to_ns(k, cycles) / 10_000_000n));
  let code: number;
  let status: number;
  if (wo.event === 'stop') {
    code = CLD_STOPPED;
    status = (wo.stat >> 8) & 0xff;
  } else if (wo.event === 'continue') {
    code = CLD_CONTINUED;
    status = SIG.SIGCONT;
  } else if (wo.stat & 0x7f) {
    code = wo.stat & 0x80 ? CLD_DUMPED : CLD_KILLED;
    status = wo.stat & 0x7f;
  } else {
    code = CLD_EXITED;
    status = (wo.stat >> 8) & 0xff;
  }
  return siginfo_bytes(siginfo(SIG.SIGCHLD, code, { pid, uid: 0, status, utime: clock_t(time.utime), stime: clock_t(time.stime) }));
}

/** waitid(idtype, id, infop, options, rusage): see the header. */
const sys_waitid: Syscall = (k, which, upid, infop, options, ru) => {
  if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) return -E.EINVAL;
  if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) return -E.EINVAL;
  let type: number;
  let pid = 0;
  switch (which) {
    case P_ALL:
      type = PIDTYPE_MAX;
      break;
    case P_PID:
      type = PIDTYPE_PID;
      pid = upid;
      if (pid <= 0) return -E.EINVAL;
      break;
    case P_PGID:
      type = PIDTYPE_PGID;
      pid = upid === 0 ? k.current.pgrp : upid;
      if (pid <= 0) return -E.EINVAL;
      break;
    default:
      return -E.EINVAL; // P_PIDFD: no pidfds
  }
  const wo: WaitOpts = { type, pid, flags: options, stat: 0, wantRusage: ru !== 0, rusage: null };
  return do_wait(k, wo, (ret) => {
    if (ret < 0) return ret;
    if (infop !== 0) {
      const info = ret > 0 ? waitid_info(k, wo, ret) : new Uint8Array(SIGINFO_SIZE);
      if (copy_to_user(k, infop >>> 0, info) < 0) return -E.EFAULT;
    }
    if (ru !== 0 && copy_to_user(k, ru >>> 0, wo.rusage ?? new Uint8Array(72)) < 0) return -E.EFAULT;
    return 0;
  });
};

export const WAIT_SYSCALLS: Record<string, Syscall> = {
  waitpid: sys_waitpid,
  wait4: sys_wait4,
  waitid: sys_waitid,
};
