// The scheduler: a round-robin run queue with timeslices counted in timer ticks
// (kernel/sched/core.c, reduced): schedule(), context_switch() with switch_mm() and
// switch_to(), wake_up_process(), wake_up_new_task().
//
// All switching happens inside a kernel call (kernel.ts), with ESP pointing into the
// current task's kernel stack just below the entry stub's frame. switch_to saves that
// ESP in prev->thread.esp and loads next's: when the kernel call returns, the stub's
// restore_all pops next's pt_regs and irets into next. TSS.esp0 is pointed at next's
// kernel stack so its next entry from user mode lands there.

import { switch_fpu } from './fpu.js';
import { ESP } from '../cpu/constants.js';
import { CYC_CR3, CYC_SWITCH } from './cost.js';
import type { Kernel } from './kernel.js';
import { GDT_ENTRY_TLS_MIN, GDT_PHYS, SWAPPER_PGD_PHYS, TSS_PHYS } from './layout.js';
import { PT_EAX } from './ptregs.js';
import { BLOCKED, TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE, type Task } from './task.js';
import { finish_task_switch } from './exit.js';
import { trace_sched_switch, trace_sys_exit, trace_wakeup } from './tracepoints.js';

/** Timeslice in ticks (10 at HZ=100: 100 ms, like Linux 2.6's default). */
export const DEF_TIMESLICE = 10;

export class RunQueue {
  /** Runnable tasks other than the current one, in the order they will run. */
  readonly queue: Task[] = [];
  readonly onRq = new Set<Task>();

  enqueue(t: Task, front = false): void {
    if (this.onRq.has(t)) return;
    this.onRq.add(t);
    if (front) this.queue.unshift(t);
    else this.queue.push(t);
  }

  dequeue(t: Task): void {
    if (!this.onRq.delete(t)) return;
    const k = this.queue.indexOf(t);
    if (k >= 0) this.queue.splice(k, 1);
  }

  pickNext(): Task | null {
    const t = this.queue.shift();
    if (!t) return null;
    this.onRq.delete(t);
    return t;
  }
}

/** wake_up_process: make a sleeping task runnable (TASK_NORMAL sleeps: interruptible,
 *  uninterruptible, killable — never a stopped task). Returns whether it was asleep. */
export function wake_up_process(k: Kernel, t: Task, reason = ''): boolean {
  return wake_up_state(k, t, TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE, reason);
}

/** wake_up_state: wake t if its state has one of the bits of `state` (signal.ts wakes
 *  stopped tasks for SIGCONT and SIGKILL this way). */
export function wake_up_state(k: Kernel, t: Task, state: number, reason = ''): boolean {
  if ((t.state & state) === 0 || t.exit_state) return false;
  t.state = TASK_RUNNING;
  t.wakeReason = reason;
  k.rq.enqueue(t);
  if (k.tracers.length !== 0) trace_wakeup(k, t, reason);
  if (k.current === k.idle) k.need_resched = true;
  return true;
}

/**
 * wake_up_new_task: a new child becomes runnable. As the seeds describe, a child that does
 * not share the parent's mm runs first (it will likely exec, sparing the parent needless
 * copy-on-write faults); a CLONE_VM child goes to the tail of the queue.
 */
export function wake_up_new_task(k: Kernel, child: Task, childFirst: boolean): void {
  child.state = TASK_RUNNING;
  child.timeslice = DEF_TIMESLICE;
  if (childFirst) {
    k.rq.enqueue(child, true);
    k.need_resched = true;
  } else {
    k.rq.enqueue(child);
  }
}

/** Put the current task to sleep (state TASK_INTERRUPTIBLE / UNINTERRUPTIBLE) until woken;
 *  `resume` finishes its syscall when it runs again. */
export function sleep_on(k: Kernel, state: number, resume: () => number | typeof BLOCKED): typeof BLOCKED {
  const t = k.current;
  t.state = state;
  t.resume = resume;
  k.need_resched = true;
  return BLOCKED;
}

/**
 * schedule(): choose the next task and switch to it. Called at the end of a kernel call
 * when need_resched is set. A switched-in task with a pending continuation (a syscall
 * that slept) finishes it here, in its own context, and may go back to sleep.
 */
export function schedule(k: Kernel): void {
  for (;;) {
    k.need_resched = false;
    const prev = k.current;
    if (prev.state === TASK_RUNNING && prev !== k.idle && !prev.exit_state) {
      if (prev.timeslice <= 0) prev.timeslice = 1;
      k.rq.enqueue(prev);
    }
    const next = k.rq.pickNext() ?? k.idle;
    if (next.timeslice <= 0) next.timeslice = 3;
    if (next !== prev) context_switch(k, prev, next);
    const resume = next.resume;
    if (resume === null) return;
    next.resume = null;
    const r = resume();
    if (r !== BLOCKED) {
      k.ptRegsOf(next).set(PT_EAX, r);
      if (k.tracers.length !== 0 && next.syscall >= 0) trace_sys_exit(k, next, next.syscall, r);
      next.syscall = -1;
      return;
    }
    // Slept again: choose once more.
  }
}

export function context_switch(k: Kernel, prev: Task, next: Task): void {
  k.stats.contextSwitches++;
  k.charge(CYC_SWITCH);
  // switch_mm: the idle task runs on swapper_pg_dir, so a freed mm is never live.
  const nextPgd = next.mm ? next.mm.pgd : SWAPPER_PGD_PHYS;
  if (k.mmu.cr3 !== nextPgd) {
    k.mmu.setCr3(nextPgd);
    k.charge(CYC_CR3);
  }
  next.active_mm = next.mm;
  // switch_to: kernel stacks, TSS.esp0, TLS descriptors, FPU state.
  const cpu = k.cpu;
  prev.thread.esp = cpu.regs[ESP];
  cpu.regs[ESP] = next.thread.esp;
  k.mmu.i32[(TSS_PHYS + 4) >>> 2] = next.kstackTop;
  const tls = next.thread.tls;
  const gdt = (GDT_PHYS + GDT_ENTRY_TLS_MIN * 8) >>> 2;
  for (let w = 0; w < 6; w++) k.mmu.i32[gdt + w] = tls[w];
  switch_fpu(k, prev, next); // the x87 state (fpu.ts)
  // CPU time: prev ran since its exec_start (kernel work charged meanwhile is stime).
  const now = k.cpu.cycles;
  const know = k.stats.kernelCycles;
  prev.stime += know - prev.kexec_start;
  prev.utime += now - prev.exec_start - (know - prev.kexec_start);
  next.exec_start = now;
  next.kexec_start = know;
  k.current = next;
  if (k.tracers.length !== 0) trace_sched_switch(k, prev, next);
  // finish_task_switch: a task that released itself at exit gives up its kernel stack
  // now that the CPU is off it (exit.ts).
  finish_task_switch(k, prev);
}
