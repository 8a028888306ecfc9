// wait_queue_head_t (include/linux/wait.h, kernel/sched/wait.c), reduced: the tasks
// sleeping until something about an object changes (a pipe gets data or room, a console
// gets input).
//
// A sleeper adds itself and calls sleep_on (sched.ts) with a continuation that removes
// itself again and re-checks its condition (autoremove_wake_function: wake_up empties
// the queue; whoever still must wait adds itself back). A task that leaves its sleep
// another way — a signal, or being killed — is dropped at the next add or wake_up: the
// queue never holds more than the live tasks.

import type { Kernel } from '../kernel.js';
import { wake_up_process } from '../sched.js';
import type { Task } from '../task.js';

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
