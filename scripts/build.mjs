// Bundles the CLI and the benchmarks with esbuild so `npx forkbox` starts fast
// (no TypeScript compilation at start-up).
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  loader: { '.bin': 'binary' },
};

await build({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js' });
await build({ ...common, entryPoints: ['bench/cpu.ts'], outfile: 'dist/bench-cpu.js' });
