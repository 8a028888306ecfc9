// Interleaved measurement of one benchmark point on every peer, with a zero-work baseline.
//
// METHOD. For each repetition, each available peer runs the baseline (the same program
// doing zero work: N = 0 pages, K = 0 forks, 0 iterations) and then the measured run, so
// the peers take turns under the same host conditions. A repetition's time is the
// measured run's host time minus the median baseline time of that peer: process start-up
// (and forkbox's machine boot and ELF load) are removed, the work and its fork/exit/wait
// remain. Rates are work / that time; median, min and max are over the repetitions.

import { PEERS, stat, type PeerName, type Peers, type RunSpec, type Sample, type Stat } from './peers.js';

export interface Missing { missing: string }
export type PeerResult = (Stat & { unit: string }) | Missing;

export interface Row {
  bench: 'cow' | 'fork' | 'cpu';
  label: string;
  params: Record<string, number | string>;
  /** What the numbers are, higher is better (a rate). */
  metric: string;
  unit: string;
  peers: Record<PeerName, PeerResult>;
  /** forkbox median / peer median of the rate (> 1: forkbox faster); null when missing. */
  ratios: { forkboxNative: number | null; forkboxQemu: number | null };
  /** forkbox's own counters for the point (guest cycles per unit of work, …). */
  forkbox?: Record<string, number>;
}

export interface Context {
  peers: Peers;
  reps: number;
  quick: boolean;
  progress(text: string): void;
}

export interface Point {
  program: string;
  work: RunSpec;
  base: RunSpec;
  /** Units of work in one measured run (faults, forks, instructions) for a peer. */
  units: number;
  /** forkbox's own measured run and its work, when it needs more work than the others to
   *  rise above its timing noise (its baseline boots a machine: tens of ms of jitter). */
  forkbox?: { work: RunSpec; units: number };
  /** Peers this point does not apply to, with the reason (e.g. --fork-mode=copy). */
  notFor?: Partial<Record<PeerName, string>>;
}

export interface Measured {
  peers: Record<PeerName, PeerResult>;
  /** forkbox: the measured run's counters minus the baseline's. */
  delta?: Sample;
}

export function measure(ctx: Context, p: Point, label: string, scale = 1): Measured {
  const samples = new Map<PeerName, { base: Sample[]; work: Sample[] }>();
  const active = PEERS.filter((n) => ctx.peers.available[n] === true && !p.notFor?.[n]);
  for (const n of active) samples.set(n, { base: [], work: [] });
  // One unmeasured forkbox run first: V8 compiles the emulator's hot paths (the others
  // are separate processes, each started cold, as a user would run them).
  if (active.includes('forkbox')) {
    ctx.progress(`${label}: forkbox warm-up`);
    ctx.peers.run('forkbox', p.program, p.forkbox?.work ?? p.work);
  }
  for (let rep = 0; rep < ctx.reps; rep++) {
    for (const n of active) {
      ctx.progress(`${label}: ${n} ${rep + 1}/${ctx.reps}`);
      const s = samples.get(n)!;
      s.base.push(ctx.peers.run(n, p.program, p.base));
      s.work.push(ctx.peers.run(n, p.program, n === 'forkbox' && p.forkbox ? p.forkbox.work : p.work));
    }
  }
  const peers = {} as Record<PeerName, PeerResult>;
  let delta: Sample | undefined;
  for (const n of PEERS) {
    const why = ctx.peers.available[n];
    if (why !== true) { peers[n] = { missing: why }; continue; }
    if (p.notFor?.[n]) { peers[n] = { missing: p.notFor[n]! }; continue; }
    const s = samples.get(n)!;
    const baseMs = stat(s.base.map((x) => x.ms)).median;
    // A run whose time does not exceed the baseline's is below the timing noise: dropped
    // (and the point reported as missing for that peer if no run is left).
    const units = n === 'forkbox' && p.forkbox ? p.forkbox.units : p.units;
    const rates = s.work.filter((x) => x.ms > baseMs).map((x) => (units * scale) / ((x.ms - baseMs) / 1e3));
    peers[n] = rates.length > 0 ? { ...stat(rates), unit: '' } : { missing: 'the work took no more host time than the baseline (below timing noise: use more work)' };
    if (n === 'forkbox') {
      const b = s.base[0], w = s.work[0];
      delta = {
        ms: stat(s.work.map((x) => x.ms)).median - baseMs,
        cycles: w.cycles! - b.cycles!, instructions: w.instructions! - b.instructions!,
        kernelCycles: w.kernelCycles! - b.kernelCycles!, cowCopies: w.cowCopies! - b.cowCopies!,
      };
    }
  }
  return { peers, delta };
}

export function ratios(peers: Record<PeerName, PeerResult>): Row['ratios'] {
  const med = (r: PeerResult) => ('missing' in r ? null : r.median);
  const f = med(peers.forkbox);
  const q = (o: PeerResult) => { const m = med(o); return f === null || m === null || m === 0 ? null : f / m; };
  return { forkboxNative: q(peers.native), forkboxQemu: q(peers.qemu) };
}

export function withUnit(peers: Record<PeerName, PeerResult>, unit: string): Record<PeerName, PeerResult> {
  for (const r of Object.values(peers)) if (!('missing' in r)) r.unit = unit;
  return peers;
}
