// bench cpu — guest MIPS on compute kernels (guest-programs/bench/cpu.asm), the same ELF on
// every peer. Instructions = forkbox's counted guest instructions of the run minus those
// of the 0-iteration run (deterministic, so the same count is used for native and qemu).
// bench/cpu.ts (`npm run bench:cpu`) remains the bare CPU+MMU benchmark without a kernel.

import { measure, ratios, withUnit, type Context, type Row } from './measure.js';

// ids are guest-programs/bench/cpu.asm's KERNEL argument; one iteration is 7, 5, about 8,
// 6 (one dword copied) and about 12.5 (one character) instructions.
export const KERNELS = [['alu', 0], ['call/ret', 1], ['branchy', 2], ['memcpy', 3], ['string', 4]] as const;

export function cpuBench(ctx: Context, iterations: number): Row[] {
  const rows: Row[] = [];
  for (const [name, id] of KERNELS) {
    // Count the instructions once on forkbox (deterministic).
    const w = ctx.peers.run('forkbox', 'cpu', { args: [String(id), String(iterations)] });
    const b = ctx.peers.run('forkbox', 'cpu', { args: [String(id), '0'] });
    const insns = w.instructions! - b.instructions!;
    const m = measure(ctx, {
      program: 'cpu', units: insns,
      work: { args: [String(id), String(iterations)] }, base: { args: [String(id), '0'] },
    }, `cpu ${name}`, 1e-6);
    rows.push({
      bench: 'cpu', label: name, params: { kernel: name, iterations, instructions: insns },
      metric: 'guest MIPS (million instructions per host second)', unit: 'MIPS',
      peers: withUnit(m.peers, 'MIPS'), ratios: ratios(m.peers),
    });
  }
  return rows;
}
