// bench cow — copy-on-write fault throughput (guest-programs/bench/cow.asm).
// The parent touches N pages, then R times: fork, the child writes one byte per page
// (N COW faults), exits, the parent waits. Rate = N·R / (time − time of the R = 0 run,
// which maps and touches the same N pages but never forks): the R forks, exits and waits
// are included; process start-up and the parent's first touch of its pages are not.
// forkbox also reports its counted COW copies, guest cycles per fault and a split of them
// by the kernel cost model (src/guest/cost.ts) — a model, not a host-time profile — and,
// from one extra instrumented run excluded from the rates, the host time of a COW-copy
// fault by phase (ph_*, ns per fault: src/perf/fault-phases.ts).

import { CYC_FAULT, CYC_PAGE_ALLOC, CYC_PAGE_COPY, CYC_PTE_WALK } from '../src/guest/cost.js';
import { measure, ratios, withUnit, type Context, type Row } from './measure.js';
import { enableFaultPhases, KIND_COW_COPY, PHASE_NAMES, phaseReport } from '../src/perf/fault-phases.js';

/** Forks per run (at least 16k faults per run, so that small N are above timing noise)
 *  and forkbox's memory (the parent's pages, the child's copies, the rest). */
export function cowParams(n: number, quick: boolean): { R: number; memSize: number } {
  return { R: Math.max(quick ? 1 : 3, Math.min(64, Math.round(16384 / n))), memSize: Math.max(64 << 20, 2 * n * 4096 + (32 << 20)) };
}

export function cowBench(ctx: Context, sizes: number[]): Row[] {
  const rows: Row[] = [];
  for (const n of sizes) {
    const { R, memSize } = cowParams(n, ctx.quick);
    const label = `cow N=${n}`;
    const m = measure(ctx, {
      program: 'cow', units: n * R,
      work: { args: [String(n), String(R)], memSize }, base: { args: [String(n), '0'], memSize },
    }, label);
    const d = m.delta;
    let forkbox: Record<string, number> | undefined;
    if (d && d.cowCopies) {
      const perFault = d.cycles! / d.cowCopies;
      const modelled = CYC_FAULT + CYC_PTE_WALK + CYC_PAGE_ALLOC + CYC_PAGE_COPY;
      forkbox = {
        cowCopies: d.cowCopies,
        hostNsPerFault: (d.ms * 1e6) / d.cowCopies,
        guestCyclesPerFault: perFault, // fork, exit and wait amortized over the faults
        kernelCyclesPerFault: d.kernelCycles! / d.cowCopies,
        model_fault: CYC_FAULT, model_walk: CYC_PTE_WALK, model_alloc: CYC_PAGE_ALLOC, model_copy: CYC_PAGE_COPY,
        model_rest: perFault - modelled,
        ...faultPhaseCounters(ctx, label, { args: [String(n), String(R)], memSize }),
      };
    }
    rows.push({
      bench: 'cow', label: `N=${n}`, params: { pages: n, forksPerRun: R, memMiB: memSize >> 20 },
      metric: 'COW faults per host second', unit: 'faults/s',
      peers: withUnit(m.peers, 'faults/s'), ratios: ratios(m.peers), forkbox,
    });
  }
  return rows;
}

/** One extra forkbox run with the fault-phase counters on (not part of the rates): host
 *  ns per COW-copy fault in each phase (ph_<phase>) and in all (ph_total). */
function faultPhaseCounters(ctx: Context, label: string, spec: { args: string[]; memSize: number }): Record<string, number> {
  ctx.progress(`${label}: forkbox fault-phase run`);
  enableFaultPhases(true);
  try {
    ctx.peers.run('forkbox', 'cow', spec);
  } finally {
    enableFaultPhases(false);
  }
  const r = phaseReport(KIND_COW_COPY);
  const out: Record<string, number> = {};
  for (const name of PHASE_NAMES) out[`ph_${name}`] = r.nsPerFault[name];
  out.ph_total = r.totalNsPerFault;
  out.ph_keptPct = r.faults > 0 ? (100 * r.kept) / r.faults : 0;
  return out;
}
