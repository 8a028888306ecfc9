// Time: jiffies from the PIT's IRQ0, kernel timers, schedule_timeout (kernel/time/timer.c
// as the seeds quote it), and the timer interrupt's scheduler tick.
//
// All time is guest time: jiffies count timer interrupts, which the PIT raises from the
// CPU's cycle counter; nothing reads the host clock, so runs are deterministic.

import { E } from './abi.js';
import type { Kernel } from './kernel.js';
import { wake_up_process } from './sched.js';
import type { Syscall } from './syscalls.js';
import type { Task } from './task.js';

/** struct timer_list: fires `fn` at the first tick where jiffies >= expires. */
export class TimerList {
  private readonly timers: Array<{ expires: number; seq: number; fn: () => void; task: Task | null }> = [];
  private seq = 0;

  /** add_timer(); returns a handle for del_timer(). Timers with the same expiry fire in
   *  the order they were added. */
  add(expires: number, fn: () => void, task: Task | null = null): number {
    const t = { expires, seq: ++this.seq, fn, task };
    let k = this.timers.length;
    while (k > 0 && this.timers[k - 1].expires > expires) k--;
    this.timers.splice(k, 0, t);
    return t.seq;
  }

  /** del_timer(): true if it was pending. */
  del(handle: number): boolean {
    const k = this.timers.findIndex((t) => t.seq === handle);
    if (k < 0) return false;
    this.timers.splice(k, 1);
    return true;
  }

  /** run_timers(): fire every timer due at `jiffies`. */
  run(jiffies: number): void {
    while (this.timers.length > 0 && this.timers[0].expires <= jiffies) this.timers.shift()!.fn();
  }

  /** Pending timers, earliest first (for the debugger's `timers`). */
  list(): ReadonlyArray<{ expires: number; task: Task | null }> {
    return this.timers;
  }
}

/** IRQ0: the tick (kernel/time/tick-common.c + scheduler_tick). */
export function timer_interrupt(k: Kernel): void {
  k.eoi(0);
  k.jiffies++;
  k.stats.timerTicks++;
  k.timers.run(k.jiffies);
  const cur = k.current;
  if (cur !== k.idle && --cur.timeslice <= 0) k.need_resched = true;
}

/**
 * schedule_timeout's first half, as the seeds show it: set a timer that wakes the task
 * at `expire` (in jiffies) with process_timeout. The caller then sleeps (sleep_on) and, in
 * its continuation, calls timeout_remaining() for what is left.
 */
export function schedule_timeout(k: Kernel, t: Task, expire: number): number {
  return k.timers.add(expire, () => process_timeout(k, t), t);
}

/** The timer callback of schedule_timeout: wake the sleeper. */
export function process_timeout(k: Kernel, t: Task): void {
  wake_up_process(k, t, 'timeout');
}

/** What a schedule_timeout sleep has left: expire - jiffies, never negative. */
export function timeout_remaining(k: Kernel, expire: number): number {
  return Math.max(0, expire - k.jiffies);
}

export const TIME_SYSCALLS: Record<string, Syscall> = {};
void E;
