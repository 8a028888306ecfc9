// wait_queue_head_t (include/linux/wait.h, kernel/sched/wait.c), reduced: the tasks
// sleeping until something about an object changes (a pipe gets data or room, a console
// gets input).
//
// A sleeper adds itself and calls sleep_on (sched.ts) with a continuation that removes
// itself again and re-checks its condition (autoremove_wake_function: wake_up empties
// the queue; whoever still must wait adds itself back). A task that leaves its sleep
// another way — a signal, or being killed — is dropped at the next add or wake_up: the
// queue never holds more than the live tasks.

import { E } from '../abi.js';
import type { Kernel } from '../kernel.js';
import { sleep_on, wake_up_process } from '../sched.js';
import { signal_pending } from '../signal.js';
import { TASK_INTERRUPTIBLE, type SyscallResult, type Task } from '../task.js';

export class WaitQueue {
  private tasks: Task[] = [];

  /** add_wait_queue: t sleeps on this queue (once). */
  add(t: Task): void {
    if (this.tasks.includes(t)) return;
    this.tasks = this.tasks.filter((w) => !w.exit_state);
    this.tasks.push(t);
  }

  /** remove_wait_queue. */
  remove(t: Task): void {
    const i = this.tasks.indexOf(t);
    if (i >= 0) this.tasks.splice(i, 1);
  }

  get length(): number {
    return this.tasks.length;
  }

  has(t: Task): boolean {
    return this.tasks.includes(t);
  }

  /** wake_up_interruptible_all: every sleeper runs again (in the order they slept) and
   *  re-checks; the queue is emptied. */
  wake_up(k: Kernel, reason = ''): void {
    if (this.tasks.length === 0) return;
    const woken = this.tasks;
    this.tasks = [];
    for (const t of woken) wake_up_process(k, t, reason);
  }
}

/** What an attempt of wait_event_interruptible answers when it must sleep and try again. */
export const WOULD_BLOCK = -1_000_000;

/**
 * wait_event_interruptible, as the sleeping reads and writes use it: t leaves `queue`,
 * runs `attempt`, and — while that answers WOULD_BLOCK — joins `queue` and sleeps until
 * woken, to leave and try again. A pending signal ends the wait with `interrupted()`
 * (-ERESTARTSYS unless the caller has done part of its work).
 */
export function wait_event_interruptible(
  k: Kernel, t: Task, queue: { add(t: Task): unknown; remove(t: Task): unknown }, attempt: () => number,
  interrupted: () => number = () => -E.ERESTARTSYS,
): SyscallResult {
  const retry = (): SyscallResult => {
    queue.remove(t);
    const r = attempt();
    if (r !== WOULD_BLOCK) return r;
    if (signal_pending(t)) return interrupted();
    queue.add(t);
    return sleep_on(k, TASK_INTERRUPTIBLE, retry);
  };
  return retry();
}
