// The OOM killer (mm/oom_kill.c, reduced): when a user page fault finds no free frame,
// choose the process whose death frees the most memory and kill it with SIGKILL, instead
// of failing the fault for whoever happened to touch memory last.
//
//   out_of_memory:      if a victim chosen earlier is still dying (SIGKILL pending or
//                       exiting with its mm), wait for it: choose no second one.
//                       Otherwise select_bad_process and oom_kill_process.
//   select_bad_process: every process (one live thread of it) with an mm, but never init
//                       (pid 1) or the idle task; the highest oom_badness wins, the first
//                       one in task-table order (oldest first) on a tie — deterministic.
//   oom_badness:        resident pages plus page tables (Linux: rss + swap + pgtables).
//   oom_kill_process:   one line in the kernel log, as Linux prints it
//                       ("Out of memory: Killed process N (comm) total-vm:…kB, …"), then
//                       SIGKILL to the victim's thread group and to every other process
//                       sharing its mm.
//
// The faulting task, if it is not the victim, gives up the CPU (the victim, woken by
// SIGKILL, runs and exits) and retries the faulting instruction when it runs again.
// With no process to choose (only init uses memory), the faulting task itself is killed.

import { SIG } from './abi.js';
import type { Kernel } from './kernel.js';
import type { MmStruct } from './mm.js';
import { PAGE_SIZE } from '../mmu/paging.js';
import { fatal_signal_pending, group_send_sig_info, SI_KERNEL } from './signal.js';
import { force_sig } from './traps.js';
import { siginfo } from './sigset.js';
import { PF_EXITING, type Task } from './task.js';

/** Page tables of mm's user half (PDEs 0..767 present). */
function mm_pgtables(k: Kernel, mm: MmStruct): number {
  const i32 = k.mmu.i32;
  const base = mm.pgd >>> 2;
  let n = 0;
  for (let i = 0; i < 768; i++) if (i32[base + i] & 1) n++;
  return n;
}

/** oom_badness: the pages the victim's death would give back. */
export function oom_badness(k: Kernel, t: Task): number {
  const mm = t.mm;
  return mm === null ? 0 : mm.rss + mm_pgtables(k, mm);
}

/** A victim chosen before is still on its way out: its memory is about to be freed. */
function oom_victim_pending(k: Kernel, current: Task): boolean {
  for (const t of k.tasks.values()) {
    if (t === current || t === k.idle || t.mm === null || t.exit_state) continue;
    if (fatal_signal_pending(t) || t.flags & PF_EXITING) return true;
  }
  return false;
}

/** select_bad_process: the process to kill, or null when no process may be chosen. */
export function select_bad_process(k: Kernel): Task | null {
  let chosen: Task | null = null;
  let points = 0;
  const seen = new Set<number>(); // one live thread with an mm per process (find_lock_task_mm)
  for (const t of k.tasks.values()) {
    if (t === k.idle || t.tgid === 1 || t.mm === null || t.exit_state || seen.has(t.tgid)) continue;
    seen.add(t.tgid);
    const p = oom_badness(k, t);
    if (chosen === null || p > points) {
      chosen = t;
      points = p;
    }
  }
  return chosen;
}

/** oom_kill_process: report and kill the victim, and every process sharing its mm. */
function oom_kill_process(k: Kernel, victim: Task): void {
  const mm = victim.mm as MmStruct;
  let totalVm = 0;
  for (const v of mm.vmas) totalVm += v.end - v.start;
  k.log(`forkbox: Out of memory: Killed process ${victim.tgid} (${victim.comm}) total-vm:${totalVm / 1024}kB, ` +
    `rss:${(mm.rss * PAGE_SIZE) / 1024}kB, pgtables:${(mm_pgtables(k, mm) * PAGE_SIZE) / 1024}kB, UID:0 oom_score_adj:0`);
  const killed = new Set<number>();
  for (const t of [...k.tasks.values()]) {
    if (t.mm !== mm || t.exit_state || t.tgid === 1 || killed.has(t.tgid)) continue;
    killed.add(t.tgid);
    group_send_sig_info(k, SIG.SIGKILL, siginfo(SIG.SIGKILL, SI_KERNEL), t);
  }
}

/**
 * out_of_memory: a user fault of the current task found no frame. Kill a process (or wait
 * for the one already dying); the current task, unless killed, yields the CPU and retries.
 */
export function out_of_memory(k: Kernel): void {
  const current = k.current;
  if (fatal_signal_pending(current)) return; // already dying: it frees its memory at once
  if (!oom_victim_pending(k, current)) {
    const victim = select_bad_process(k);
    if (victim === null) {
      k.log(`forkbox: Out of memory: Killed process ${current.tgid} (${current.comm}): no other process to choose`);
      force_sig(k, SIG.SIGKILL);
      return;
    }
    oom_kill_process(k, victim);
    if (fatal_signal_pending(current)) return;
  }
  // Let the victim run (and exit): give up the rest of the timeslice, as sched_yield.
  current.timeslice = 0;
  k.need_resched = true;
}
