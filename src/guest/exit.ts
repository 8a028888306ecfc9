// Process termination (kernel/exit.c): exit (1), exit_group (252), do_exit in the order
// the seeds list, exit_notify, release_task.
//
// do_exit(code), for the current task:
//   1. current->flags |= PF_EXITING;
//   2. del_timer_sync(): no timer of the task may fire once it is gone;
//   3. exit_mm(): mm_release() — CLONE_CHILD_CLEARTID's word is zeroed and vfork_done
//      completed, so a vfork parent wakes up — then mmput(): the last user of an address
//      space frees its pages and page tables;
//   4. exit_files(), exit_fs(), exit_sighand(): one user fewer of each shared record (the
//      last user of a descriptor table closes its files: pipe ends, fs/fdtable.ts);
//   5. current->exit_code = code, for the parent's wait;
//   6. exit_notify(): children are reparented to init (zombies among them become init's
//      to reap), the parent is notified (exit_signal; until signals exist this wakes a
//      parent sleeping in wait4), and the task becomes EXIT_ZOMBIE — or EXIT_DEAD and is
//      released at once when nobody will wait for it (a thread);
//   7. schedule(): the task never runs again. forkbox sets need_resched; the kernel call
//      ends in schedule() (kernel.ts), and the exit syscalls return BLOCKED so nothing is
//      written into the dead task's pt_regs.
//
// release_task() frees what a zombie still holds: its pid, its kernel stack and its place
// in the task table and its parent's children. A task never frees the kernel stack it is
// running on: a self-reaping (EXIT_DEAD) task's stack is freed by finish_task_switch()
// once the CPU has switched to the next task (sched.ts context_switch).
//
// When init (pid 1) exits, the machine shuts down, reporting the wait status of init's
// first child (the user's program, see init_task.ts).

import { exitStatus, SIG } from './abi.js';
import { CYC_EXIT } from './cost.js';
import type { Kernel } from './kernel.js';
import type { MmStruct } from './mm.js';
import { mmput } from './memory.js';
import { context_switch, wake_up_process } from './sched.js';
import type { Syscall } from './syscalls.js';
import { BLOCKED, EXIT_DEAD, EXIT_ZOMBIE, PF_EXITING, TASK_RUNNING, type SyscallResult, type Task } from './task.js';
import { del_timer_sync } from './time.js';
import { put_user32 } from './uaccess.js';
import { put_ref } from './fork.js';
import { remove_wait_queue } from './wait.js';
import { exit_robust_list, futex_exit, futex_wake_cleartid } from './futex.js';
import { de_thread_notify } from './thread.js';
import { init_child_exit, init_main_status } from './init_task.js';
import { do_notify_parent as signal_notify_parent, exit_signals, start_group_exit } from './signal.js';
import { exit_files } from './fs/fdtable.js';
import { exit_fs } from './fs/fs_struct.js';
import { trace_exit } from './tracepoints.js';

// ---------------------------------------------------------------------------------------
// Thread groups. Threads (CLONE_THREAD) are not anyone's children; they are found by
// their tgid. Task-table order is creation order, so every walk is deterministic.

/** The live (not yet released) tasks of t's thread group, t included. */
export function thread_group(k: Kernel, t: Task): Task[] {
  const out: Task[] = [];
  for (const u of k.tasks.values()) if (u.tgid === t.tgid && u.pid !== 0) out.push(u);
  return out;
}

/** thread_group_empty: no other task of the group is still in the task table. */
export function thread_group_empty(k: Kernel, t: Task): boolean {
  for (const u of k.tasks.values()) if (u !== t && u.tgid === t.tgid) return false;
  return true;
}

/** delay_group_leader: a zombie group leader is not reaped while its threads live. */
export function delay_group_leader(k: Kernel, p: Task): boolean {
  return p.group_leader === p && !thread_group_empty(k, p);
}

// ---------------------------------------------------------------------------------------
// The address space.

/** complete_vfork_done: the vfork parent may run again (vfork returns the child's pid). */
function complete_vfork_done(k: Kernel, t: Task): void {
  const vfork = t.vfork_done;
  if (!vfork) return;
  t.vfork_done = null;
  vfork.done = true;
  for (const w of vfork.waiters.splice(0)) wake_up_process(k, w, 'vfork');
}

/**
 * mm_release: task t (the current task, running on `mm`) gives up its address space, at
 * exit or at execve. Its robust futexes are released (futex.ts exit_robust_list).
 * CLONE_CHILD_CLEARTID: when someone else still uses the mm, the tid word is zeroed and
 * one waiter on it is woken (futex.ts) — how pthread_join learns that the thread is
 * gone. Then the vfork parent is released: the child no longer borrows its memory.
 */
export function mm_release(k: Kernel, t: Task, mm: MmStruct): void {
  exit_robust_list(k, t);
  if (t.clear_child_tid) {
    if (mm.users > 1 && put_user32(k, t.clear_child_tid, 0) === 0) futex_wake_cleartid(k, t.clear_child_tid);
    t.clear_child_tid = 0;
  }
  if (t.vfork_done) complete_vfork_done(k, t);
}

/**
 * exit_mm: the current task leaves its address space. If it was the last user, mmput
 * tears it down — moving the CPU to swapper_pg_dir first (memory.ts exit_mmap), so CR3
 * never points at a freed page directory; the task runs on it like a kernel thread until
 * the switch.
 */
function exit_mm(k: Kernel, t: Task): void {
  const mm = t.mm;
  if (!mm) return;
  mm_release(k, t, mm);
  t.mm = null;
  t.active_mm = null;
  mmput(k, mm);
}

// ---------------------------------------------------------------------------------------
// Notifying the parent and reparenting.

/**
 * do_notify_parent: tell tsk's parent that it died — signal `sig` (its exit_signal,
 * SIGCHLD for a process) with a CLD_EXITED / CLD_KILLED / CLD_DUMPED siginfo — and wake
 * the parent's threads sleeping in wait4. Returns whether the child reaps itself (the
 * parent ignores SIGCHLD or set SA_NOCLDWAIT). signal.ts does it.
 */
export function do_notify_parent(k: Kernel, tsk: Task, sig: number): boolean {
  return signal_notify_parent(k, tsk, sig);
}

/** find_new_reaper: a live thread of the father's group, else init (child_reaper). */
function find_new_reaper(k: Kernel, father: Task): Task | null {
  for (const u of k.tasks.values()) {
    if (u !== father && u.tgid === father.tgid && !(u.flags & PF_EXITING)) return u;
  }
  return k.init && k.init !== father ? k.init : null;
}

/**
 * forget_original_parent: the exiting task's children become the reaper's. A zombie
 * among them is reported to its new parent at once (reparent_leader), which will reap
 * it; every reparented child will send SIGCHLD ("we don't want people slaying init").
 */
function forget_original_parent(k: Kernel, father: Task): void {
  if (father.children.length === 0) return;
  const reaper = find_new_reaper(k, father);
  if (!reaper) return; // init itself: the machine is shutting down
  for (const p of father.children.splice(0)) {
    p.real_parent = reaper;
    p.parent = reaper;
    reaper.children.push(p);
    if (p.exit_signal !== -1) p.exit_signal = SIG.SIGCHLD;
    if (p.exit_state === EXIT_ZOMBIE && thread_group_empty(k, p)) {
      if (do_notify_parent(k, p, p.exit_signal)) {
        p.exit_state = EXIT_DEAD;
        release_task(k, p);
      }
    }
  }
}

/**
 * exit_notify: reparent the children, notify the parent, and become a zombie — or, for a
 * thread (nobody waits for one), EXIT_DEAD, released at once. A group leader whose
 * threads still run stays a silent zombie; the last thread's release_task notifies.
 */
function exit_notify(k: Kernel, tsk: Task): void {
  forget_original_parent(k, tsk);
  let autoreap: boolean;
  if (tsk.group_leader === tsk) {
    autoreap = thread_group_empty(k, tsk) && do_notify_parent(k, tsk, tsk.exit_signal);
  } else {
    autoreap = true;
  }
  tsk.exit_state = EXIT_ZOMBIE;
  if (autoreap) {
    tsk.exit_state = EXIT_DEAD;
    release_task(k, tsk);
  }
  de_thread_notify(k, tsk);
}

// ---------------------------------------------------------------------------------------
// Releasing a dead task.

/** put_task_stack: free a released task's kernel stack (never the one in use). */
function put_task_stack(k: Kernel, p: Task): void {
  if (p.kstackFrame < 0) return;
  k.pages.put(p.kstackFrame);
  p.kstackFrame = -1;
}

/**
 * finish_task_switch: called by context_switch (sched.ts) once the CPU runs on next's
 * kernel stack. A task that released itself (EXIT_DEAD) while running on its own stack
 * gives it back now.
 */
export function finish_task_switch(k: Kernel, prev: Task): void {
  if (prev.exit_state === EXIT_DEAD) put_task_stack(k, prev);
}

/**
 * release_task: the last of a dead task — unhash it (task table, pid, its parent's
 * children), free its kernel stack unless it is running on it, and, if it was the last
 * thread of a group whose leader is a zombie, notify the leader's parent now.
 */
export function release_task(k: Kernel, p: Task): void {
  if (k.tasks.get(p.pid) === p) {
    k.tasks.delete(p.pid);
    k.pidmap.free(p.pid);
  }
  const parent = p.real_parent;
  if (parent) {
    const i = parent.children.indexOf(p);
    if (i >= 0) parent.children.splice(i, 1);
  }
  k.rq.dequeue(p);
  p.exit_state = EXIT_DEAD;
  let zap_leader = false;
  const leader = p.group_leader;
  if (leader !== p && leader.exit_state === EXIT_ZOMBIE && thread_group_empty(k, leader)) {
    // The leader was a delayed zombie: now it can be reported (or reaped, if ignored).
    zap_leader = do_notify_parent(k, leader, leader.exit_signal);
  }
  if (p !== k.current) put_task_stack(k, p);
  if (zap_leader) release_task(k, leader);
}

// ---------------------------------------------------------------------------------------
// do_exit.

/**
 * do_exit: the current task ends with wait status `code` (exitStatus / signalStatus). It
 * never returns to user mode: the caller (a syscall returning BLOCKED, a trap handler)
 * lets the kernel call end in schedule(). If the task is init, the machine shuts down.
 */
export function do_exit(k: Kernel, code: number): void {
  const tsk = k.current;
  if (tsk === k.idle) {
    k.panic('Attempted to kill the idle task!');
    return;
  }
  if (tsk.flags & PF_EXITING) {
    k.panic(`recursive do_exit in pid ${tsk.pid}`);
    return;
  }
  tsk.flags |= PF_EXITING;
  exit_signals(k, tsk); // group signals go to another thread; the last one stops the alarm
  k.charge(CYC_EXIT);
  del_timer_sync(k, tsk);
  remove_wait_queue(k, tsk);
  futex_exit(k, tsk);
  k.stdinWaiters.delete(tsk);

  exit_mm(k, tsk);
  exit_files(k, tsk);
  exit_fs(tsk);
  put_ref(tsk.sighand);
  tsk.files = tsk.fs = tsk.sighand = null;
  tsk.exit_code = code;
  if (k.tracers.length !== 0) trace_exit(k, tsk, code);
  init_child_exit(k, tsk, code);
  k.stats.exits++;
  tsk.resume = null;
  k.rq.dequeue(tsk);

  if (tsk === k.init) {
    // Init is gone: nothing is left to reap orphans. Shut the machine down with the
    // status of the user's program (init's first child), or init's own.
    const status = init_main_status(k) ?? code;
    tsk.exit_state = EXIT_DEAD;
    release_task(k, tsk);
    context_switch(k, tsk, k.idle);
    k.shutdown(status);
    return;
  }
  exit_notify(k, tsk);
  k.need_resched = true;
}

/**
 * zap_other_threads: every other thread of the group must exit with `code`. A thread
 * exits in its own context: it is made runnable with a continuation that calls do_exit
 * (what a pending SIGKILL does in Linux), abandoning whatever it slept in.
 */
export function zap_other_threads(k: Kernel, tsk: Task, code: number): void {
  for (const t of thread_group(k, tsk)) {
    if (t === tsk || t.flags & PF_EXITING || t.exit_state) continue;
    t.resume = (): SyscallResult => {
      do_exit(k, code);
      return BLOCKED;
    };
    if (t.state !== TASK_RUNNING) {
      t.state = TASK_RUNNING;
      t.wakeReason = 'kill';
      k.rq.enqueue(t);
    }
  }
}

/**
 * do_group_exit: the whole thread group of the current task exits with `code` (exit_group,
 * fatal signals). The other threads are zapped, then the caller exits.
 */
export function do_group_exit(k: Kernel, code: number): void {
  const tsk = k.current;
  // A group exit already under way (a fatal signal, another thread's exit_group) sets
  // the status of every thread; otherwise this one does (signal->group_exit_code).
  if (!(tsk.flags & PF_EXITING)) code = start_group_exit(tsk, code);
  if (!(tsk.flags & PF_EXITING) && !thread_group_empty(k, tsk)) zap_other_threads(k, tsk, code);
  do_exit(k, code);
}

/** exit(status): this thread ends. Never returns to the caller. */
const sys_exit: Syscall = (k, error_code) => {
  do_exit(k, exitStatus(error_code));
  return BLOCKED;
};

/** exit_group(status): every thread of the process ends. Never returns to the caller. */
const sys_exit_group: Syscall = (k, error_code) => {
  do_group_exit(k, exitStatus(error_code));
  return BLOCKED;
};

export const EXIT_SYSCALLS: Record<string, Syscall> = {
  exit: sys_exit,
  exit_group: sys_exit_group,
};
