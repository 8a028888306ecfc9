// The fault-phase host-time counters (src/perf/fault-phases.ts): populated for every COW
// copy when enabled, phases adding up to no more than the total, untouched when disabled,
// and invisible to the guest (same cycles, instructions and output either way).

import { afterEach, describe, expect, it } from 'vitest';
import { assembleBench } from '../bench/peers.js';
import { runProgram } from '../src/run.js';
import {
  enableFaultPhases, faultPhases, KIND_COW_COPY, KIND_DEMAND_ZERO, KINDS, PHASE_NAMES, PHASES, phaseReport,
} from '../src/perf/fault-phases.js';
import { mulberry32 } from './helpers/rng.js';

const SEED = Number(process.env.FORKBOX_SEED ?? Date.now() % 1e9);
const cow = assembleBench('cow');

function run(n: number, r: number) {
  const out = runProgram({ files: new Map([['/cow', cow]]), argv: ['/cow', String(n), String(r)], maxCycles: Infinity });
  expect(out.end, out.message).toBe('exit');
  expect(out.exitCode).toBe(0);
  return { cycles: out.cycles, instructions: out.instructions, stats: { ...out.kernel.stats } };
}

afterEach(() => enableFaultPhases(false));

describe(`fault-phase counters (seed ${SEED}: FORKBOX_SEED=${SEED} to reproduce)`, () => {
  const rnd = mulberry32(SEED);
  const n = 16 + (rnd() % 200);
  const r = 1 + (rnd() % 3);

  it(`count every user-mode COW copy, phases sum to at most the total (N=${n}, ${r} forks)`, () => {
    enableFaultPhases(true);
    const on = run(n, r);
    enableFaultPhases(false);
    expect(faultPhases.pending).toBe(false);
    // The child writes one byte to each of the n pages: n COW copies per fork, all in user mode.
    expect(on.stats.cowCopies).toBe(n * r);
    expect(faultPhases.count[KIND_COW_COPY]).toBe(on.stats.cowCopies);
    // The parent touched its n pages first: at least n demand-zero faults from user mode.
    expect(faultPhases.count[KIND_DEMAND_ZERO]).toBeGreaterThanOrEqual(n);
    expect(faultPhases.count[KIND_DEMAND_ZERO]).toBeLessThanOrEqual(on.stats.demandZero);
    for (let kind = 0; kind < KINDS; kind++) {
      let sum = 0;
      for (let p = 0; p < PHASES; p++) {
        const ms = faultPhases.ms[kind * PHASES + p];
        expect(ms).toBeGreaterThanOrEqual(0);
        sum += ms;
      }
      expect(sum).toBeLessThanOrEqual(faultPhases.totalMs[kind] * (1 + 1e-9));
      expect(sum).toBeGreaterThanOrEqual(faultPhases.totalMs[kind] * (1 - 1e-9));
    }
    // A COW copy passes every mark once (copy: twice, see do_wp_page): each phase has time.
    for (let p = 0; p < PHASES; p++) {
      expect(faultPhases.ms[KIND_COW_COPY * PHASES + p], PHASE_NAMES[p]).toBeGreaterThan(0);
      expect(faultPhases.marks[KIND_COW_COPY * PHASES + p], PHASE_NAMES[p]).toBe(PHASE_NAMES[p] === 'copy' ? 2 * n * r : n * r);
    }
    // A demand-zero fault has no walk/alloc/copy/flush marks (time goes to 'kernel').
    expect(faultPhases.marks[KIND_DEMAND_ZERO * PHASES + 2]).toBe(0);
    const rep = phaseReport(KIND_COW_COPY);
    expect(rep.faults).toBe(n * r);
    // the median fault and all below it are kept; only outliers (preemption, GC) are not
    expect(rep.kept).toBeLessThanOrEqual(n * r);
    expect(rep.kept).toBeGreaterThanOrEqual(Math.ceil((n * r) / 2));
    const total = PHASE_NAMES.reduce((s, name) => s + rep.nsPerFault[name], 0);
    expect(Math.abs(total - rep.totalNsPerFault)).toBeLessThanOrEqual(1e-6 * Math.max(1, rep.totalNsPerFault));
    expect(rep.totalNsPerFault).toBeGreaterThan(0);
    expect(faultPhases.clockMs).toBeGreaterThan(0);

    // Disabled: the same run leaves every counter as it was, and the guest sees no difference.
    const before = [faultPhases.ms.slice(), faultPhases.totalMs.slice(), faultPhases.count.slice(), faultPhases.marks.slice()];
    const off = run(n, r);
    expect(faultPhases.pending).toBe(false);
    expect([faultPhases.ms, faultPhases.totalMs, faultPhases.count, faultPhases.marks]).toEqual(before);
    expect(off).toEqual(on);
  });

  it('enabling clears the totals; disabled from the start nothing is counted', () => {
    enableFaultPhases(true);
    run(8, 1);
    expect(faultPhases.count[KIND_COW_COPY]).toBe(8);
    enableFaultPhases(true);
    expect([...faultPhases.count, ...faultPhases.ms, ...faultPhases.totalMs].every((x) => x === 0)).toBe(true);
    enableFaultPhases(false);
    run(8, 1);
    expect([...faultPhases.count, ...faultPhases.ms, ...faultPhases.totalMs].every((x) => x === 0)).toBe(true);
    expect(phaseReport(KIND_COW_COPY)).toEqual({ faults: 0, kept: 0, nsPerFault: Object.fromEntries(PHASE_NAMES.map((p) => [p, 0])), totalNsPerFault: 0 });
  });
});
