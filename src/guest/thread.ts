// Thread groups at execve (fs/exec.c de_thread): a multi-threaded process that execs
// becomes single-threaded, as Linux does.
//
// Threads are tasks created with CLONE_THREAD (fork.ts): they share the tgid of the
// group leader — what getpid returns — and reap themselves at exit (exit.ts); exit_group
// ends all of them (zap_other_threads). execve replaces the whole process, so the other
// threads cannot survive it. de_thread, called by kernel_execve once the new program is
// known to be loadable (the file exists and is a valid ELF: a failing execve leaves the
// threads alone), does what Linux does:
//   1. zap_other_threads: every other thread must exit (as with SIGKILL);
//   2. the exec'ing thread sleeps (killable) until they have: each exiting thread's
//      exit_notify calls de_thread_notify, which wakes it (Linux's notify_count and
//      group_exec_task); the group leader, if it is another thread, stays a zombie —
//      its parent is not told (its group is not empty). A fatal signal meanwhile ends
//      the wait: execve fails with -EAGAIN and the signal kills the caller;
//   3. execve starts over (the continuation calls kernel_execve again), now from a
//      group whose only live thread is the caller;
//   4. at the point of no return, if the caller is not the leader, it takes over the
//      leader's identity (exchange_leader): it gets the leader's pid — the process keeps
//      its pid, the one its parent knows — and its place among the parent's children;
//      the old leader, with the caller's old tid, is released silently (exit_signal -1).

import { E, signalStatus, SIG } from './abi.js';
import { release_task, thread_group, zap_other_threads } from './exit.js';
import { init_exchange_leader } from './init_task.js';
import type { Kernel } from './kernel.js';
import { sleep_on, wake_up_process } from './sched.js';
import { fatal_signal_pending } from './signal.js';
import { TASK_KILLABLE, type SyscallResult, type Task } from './task.js';

/** Per kernel: tgid → the thread waiting in de_thread for the others to exit. */
const groupExecTasks = new WeakMap<Kernel, Map<number, Task>>();

function execTasks(k: Kernel): Map<number, Task> {
  let m = groupExecTasks.get(k);
  if (!m) groupExecTasks.set(k, (m = new Map()));
  return m;
}

/** Does t's thread group have another thread that has not exited yet? (A zombie leader
 *  has exited.) */
export function other_threads_alive(k: Kernel, t: Task): boolean {
  for (const u of thread_group(k, t)) if (u !== t && !u.exit_state) return true;
  return false;
}

/**
 * de_thread, first half: t (the current task) must be the only live thread of its group
 * before it execs. Returns 0 when it already is; otherwise kills the others and returns
 * BLOCKED — t sleeps until they are gone, then `restart` (execve from the start) runs
 * in its context and gives the syscall's result.
 */
export function de_thread(k: Kernel, t: Task, restart: () => SyscallResult): SyscallResult {
  if (!other_threads_alive(k, t)) return 0;
  zap_other_threads(k, t, signalStatus(SIG.SIGKILL, false));
  const waiting = execTasks(k);
  waiting.set(t.tgid, t);
  const wait = (): SyscallResult => {
    if (fatal_signal_pending(t)) {
      waiting.delete(t.tgid);
      return -E.EAGAIN;
    }
    if (other_threads_alive(k, t)) return sleep_on(k, TASK_KILLABLE, wait);
    waiting.delete(t.tgid);
    return restart();
  };
  return sleep_on(k, TASK_KILLABLE, wait);
}

/** exit_notify: tsk has exited; a thread of its group waiting in de_thread may go on. */
export function de_thread_notify(k: Kernel, tsk: Task): void {
  const waiting = groupExecTasks.get(k);
  const w = waiting?.get(tsk.tgid);
  if (w === tsk) waiting?.delete(tsk.tgid); // killed while waiting
  else if (w) wake_up_process(k, w, 'de_thread');
}

/**
 * de_thread, second half, at the point of no return: if tsk (the group's only live
 * thread) is not the leader, it becomes the leader, taking the old leader's pid and
 * place; the old leader (a zombie) is released. Nothing to do when tsk leads.
 */
export function exchange_leader(k: Kernel, tsk: Task): void {
  const leader = tsk.group_leader;
  if (leader === tsk) return;
  // exchange_tids: tsk takes the leader's pid; the leader keeps tsk's until released.
  const tid = tsk.pid;
  tsk.pid = leader.pid;
  leader.pid = tid;
  k.tasks.set(tsk.pid, tsk);
  k.tasks.set(leader.pid, leader);
  // tsk takes the leader's place in its parent's children.
  tsk.real_parent = leader.real_parent;
  tsk.parent = leader.parent;
  const siblings = tsk.real_parent?.children;
  const i = siblings ? siblings.indexOf(leader) : -1;
  if (siblings && i >= 0) siblings[i] = tsk;
  for (const c of leader.children.splice(0)) {
    c.real_parent = c.parent = tsk;
    tsk.children.push(c);
  }
  tsk.group_leader = tsk;
  leader.group_leader = tsk;
  tsk.exit_signal = SIG.SIGCHLD;
  leader.exit_signal = -1;
  init_exchange_leader(k, leader, tsk);
  release_task(k, leader);
}
