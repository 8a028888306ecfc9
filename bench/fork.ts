// bench fork — fork + _exit + wait4 per second with MiB resident
// (guest-programs/bench/fork.asm). Modes: cow (fork), copy (fork under forkbox's
// --fork-mode=copy: eager copying; forkbox only) and vfork. Rate = K / (time − time of
// the K = 0 run with the same resident memory): touching the memory and start-up removed.

import { measure, ratios, withUnit, type Context, type Row } from './measure.js';

export type ForkMode = 'cow' | 'copy' | 'vfork';
export const FORK_MODES: ForkMode[] = ['cow', 'copy', 'vfork'];

export function forkBench(ctx: Context, sizesMiB: number[]): Row[] {
  const rows: Row[] = [];
  for (const mode of FORK_MODES) {
    for (const mib of sizesMiB) {
      const k = mode === 'copy' ? Math.max(2, Math.min(ctx.quick ? 4 : 40, Math.round(256 / mib))) : ctx.quick ? 100 : 300;
      const memSize = (mode === 'copy' ? 2 * mib : mib) * (1 << 20) + (48 << 20);
      const v = mode === 'vfork' ? '1' : '0';
      const forkMode = mode === 'copy' ? 'copy' : 'cow';
      // forkbox forks much faster than the time it takes to boot (its baseline's jitter):
      // it runs kf forks where the others run k (same program, a larger argument).
      const kf = mode === 'copy' ? k : mode === 'vfork' ? k * 50 : k * 5;
      const m = measure(ctx, {
        program: 'fork', units: k,
        forkbox: { work: { args: [String(mib), String(kf), v], memSize, forkMode }, units: kf },
        work: { args: [String(mib), String(k), v], memSize, forkMode }, base: { args: [String(mib), '0', v], memSize, forkMode },
        notFor: mode === 'copy' ? { native: '--fork-mode=copy is forkbox-only', qemu: '--fork-mode=copy is forkbox-only' } : undefined,
      }, `fork ${mode} ${mib} MiB`);
      const d = m.delta;
      rows.push({
        bench: 'fork', label: `${mode} ${mib} MiB`, params: { mode, residentMiB: mib, forksPerRun: k, forkboxForksPerRun: kf },
        metric: 'fork+exit+wait per host second', unit: 'forks/s',
        peers: withUnit(m.peers, 'forks/s'), ratios: ratios(m.peers),
        forkbox: d ? { guestCyclesPerFork: d.cycles! / kf, kernelCyclesPerFork: d.kernelCycles! / kf, hostUsPerFork: (d.ms * 1e3) / kf } : undefined,
      });
    }
  }
  return rows;
}
