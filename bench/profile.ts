// Where forkbox's host time goes on the COW fault path: one extra forkbox run (never a
// measured one) under V8's sampling profiler (node:inspector, in-process), self time
// summed by function and grouped into the fault path's stages by function name (raise:
// the CPU's throw of the #PF and its unwinding to the run loop, i.e. trap delivery). Off
// unless asked for (--profile): no instrumentation in the emulator, so zero cost when off.

import { Session } from 'node:inspector/promises';
import type { Peers, RunSpec } from './peers.js';

export interface ProfileEntry { name: string; ms: number; pct: number }
export interface Profile { point: string; totalMs: number; stages: ProfileEntry[]; top: ProfileEntry[] }

/** Stages of the fault path, by function name (first match wins); the rest is "other". */
const STAGES: Array<[string, RegExp]> = [
  ['copy (copyPhys / copy_page)', /copyPhys|copy_page|copyWithin/i],
  ['page clearing (fillPhys: clear_page, new page tables)', /fillPhys|clear_page/i],
  ['frame allocation (page allocator)', /^(alloc|put|get|free)|PageAllocator|pages?_/i],
  ['fault handler (do_page_fault, handle_mm_fault, do_wp_page, find_vma)', /fault|do_wp_page|findVma|find_vma|access_error|pte_alloc|set_pte/i],
  ['TLB / page walk (MMU)', /tlb|walk|translate|invlpg|flush|cr3/i],
  ['trap delivery and return (interrupts, iret, kernel entry)', /^raise$|interrupt|iret|deliver|exception|trap|kcall|vector|portOut|portIn/i],
  ['fork / exit / wait (copy_page_range, zap, exit)', /fork|copy_process|copy_page_range|dup_mm|zap|exit|wait|unmap|release/i],
  ['instruction execution (CPU interpreter / JIT)', /step|exec|run|decode|op_|modrm|alu|block|jit|fetch|read|write|load|store/i],
];

export async function profileForkbox(peers: Peers, program: string, spec: RunSpec, point: string): Promise<Profile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    peers.run('forkbox', program, spec);
    const { profile } = await session.post('Profiler.stop');
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    const samples = profile.samples ?? [], deltas = profile.timeDeltas ?? [];
    let total = 0;
    for (let i = 0; i < samples.length; i++) {
      const node = byId.get(samples[i]);
      const cf = node?.callFrame;
      const fn = cf?.functionName || (cf?.url ? `(anonymous ${cf.url.split('/').pop()}:${cf.lineNumber + 1})` : '(anonymous)');
      if (fn === '(idle)' || fn === '(program)' || fn === '(garbage collector)') { if (fn !== '(garbage collector)') continue; }
      const ms = (deltas[i] ?? 0) / 1000;
      self.set(fn, (self.get(fn) ?? 0) + ms);
      total += ms;
    }
    const stages = new Map<string, number>();
    for (const [fn, ms] of self) {
      const stage = fn === '(garbage collector)' ? 'garbage collector' : STAGES.find(([, re]) => re.test(fn))?.[0] ?? 'other';
      stages.set(stage, (stages.get(stage) ?? 0) + ms);
    }
    const entries = (m: Map<string, number>) =>
      [...m].map(([name, ms]) => ({ name, ms, pct: total ? (100 * ms) / total : 0 })).sort((a, b) => b.ms - a.ms);
    return { point, totalMs: total, stages: entries(stages), top: entries(self).slice(0, 15) };
  } finally {
    session.disconnect();
  }
}
