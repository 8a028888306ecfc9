// `npm run fuzz`: the long guest fuzzing run (tests/fuzz-code.test.ts runs a short one in
// `npm test`).
//
//   npm run fuzz                                  code + mutate (--kind all), 2000 runs, a new seed
//   npm run fuzz -- --minutes 10 --seed 42        for ten minutes of wall time
//   npm run fuzz -- --kind code --runs 500        random ring-3 code only
//   npm run fuzz -- --kind mutate                 mutated guest-programs/*.asm only
//   npm run fuzz -- --kind syscalls               the syscall fuzzer (tests/fuzz/syscalls-*.ts)
//   npm run fuzz -- --kind code --case 0x1234abcd one case, described (a reproduction)
//
// Prints progress every 10 s, every failure with its case seed and the command that
// reproduces it, and a final summary line; exits 1 on any failure. The seed is printed
// first: the same seed runs the same cases (only --minutes makes their number vary).

import { register } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The kernel embeds binaries (`import x from './entry.bin'`): load them as Uint8Array, as
// esbuild and vitest.config.ts do (the same hook as scripts/accept-golden.ts).
const BIN_LOADER = `
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export async function load(url, context, next) {
  const path = url.split('?')[0];
  if (path.startsWith('file:') && path.endsWith('.bin')) {
    const b64 = readFileSync(fileURLToPath(path)).toString('base64');
    return { format: 'module', shortCircuit: true,
      source: 'export default Uint8Array.from(atob(' + JSON.stringify(b64) + '), (c) => c.charCodeAt(0));' };
  }
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(BIN_LOADER)}`);

const USAGE = 'usage: npm run fuzz -- [--seed N] [--runs N | --minutes M] [--kind code|mutate|all|syscalls] [--case SEED] [--verbose]';

interface Args {
  seed: number;
  runs: number | null;
  minutes: number | null;
  kind: 'code' | 'mutate' | 'all' | 'syscalls';
  caseSeed: number | null;
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seed: (Date.now() ^ (process.pid << 16)) >>> 0, runs: null, minutes: null, kind: 'all', caseSeed: null, verbose: false };
  const num = (opt: string, v: string | undefined): number => {
    const n = v !== undefined && /^(0x[0-9a-f]+|\d+(\.\d+)?)$/i.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(n)) fail(`${opt} needs a number, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const opt = argv[i];
    if (opt === '--seed') a.seed = num(opt, argv[++i]) >>> 0;
    else if (opt === '--runs') a.runs = Math.floor(num(opt, argv[++i]));
    else if (opt === '--minutes') a.minutes = num(opt, argv[++i]);
    else if (opt === '--case') a.caseSeed = num(opt, argv[++i]) >>> 0;
    else if (opt === '--verbose') a.verbose = true;
    else if (opt === '--kind') {
      const k = argv[++i];
      if (k !== 'code' && k !== 'mutate' && k !== 'all' && k !== 'syscalls') fail(`--kind must be code, mutate, all or syscalls, got ${k ?? 'nothing'}`);
      a.kind = k;
    } else if (opt === '--help' || opt === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown option ${opt}`);
  }
  if (a.runs !== null && a.minutes !== null) fail('give --runs or --minutes, not both');
  if (a.caseSeed !== null && a.kind === 'all') fail('--case needs --kind code, mutate or syscalls');
  return a;
}

function fail(message: string): never {
  console.error(`fuzz: ${message}\n${USAGE}`);
  process.exit(2);
}

const args = parseArgs(process.argv.slice(2));
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const { caseSeed, fuzzOne, newStats, reproduceCommand, runFuzzCase, summaryLine } = await import('../tests/fuzz/code-run.js');
const runs = args.minutes === null ? (args.runs ?? 2000) : Infinity;
const deadline = args.minutes === null ? Infinity : Date.now() + args.minutes * 60_000;
const budget = args.minutes !== null ? `${args.minutes} minutes` : `${runs} runs`;

if (args.kind === 'syscalls') {
  // The syscall fuzzer lives in its own files (tests/fuzz/syscalls-*.ts): its entry
  // runSyscallFuzz(seed, opts) runs one program of several processes and returns its
  // violations. Loaded at run time, so that this script does not depend on its types.
  const entry = join(root, 'tests', 'fuzz', 'syscalls-run.ts');
  const mod = existsSync(entry) ? await import(pathToFileURL(entry).href) : null;
  if (!mod || typeof mod.runSyscallFuzz !== 'function') {
    console.log('syscalls fuzzing: not available (tests/fuzz/syscalls-run.ts has no runSyscallFuzz)');
    process.exit(0);
  }
  type SysResult = { end?: string; calls?: number; violations?: string[] };
  const one = (seed: number): SysResult => {
    try {
      return mod.runSyscallFuzz(seed, {}) as SysResult;
    } catch (e) {
      return { end: 'host-exception', violations: [`host exception: ${e instanceof Error ? e.stack ?? e.message : String(e)}`] };
    }
  };
  const reproduce = (seed: number) => `npx tsx scripts/fuzz.ts --kind syscalls --case 0x${seed.toString(16)}`;
  const describeOne = (r: SysResult) => (typeof mod.describe === 'function' ? String(mod.describe(r)) : (r.violations ?? []).join('\n  '));
  if (args.caseSeed !== null) {
    const r = one(args.caseSeed);
    console.log(`case syscalls 0x${args.caseSeed.toString(16)}: ${r.calls ?? '?'} syscalls, end ${r.end ?? '?'}`);
    if (r.violations?.length) console.log(describeOne(r));
    process.exit(r.violations?.length ? 1 : 0);
  }
  console.log(`fuzz: seed ${args.seed} (--seed ${args.seed}), kind syscalls, ${budget}`);
  let n = 0, calls = 0, failed = 0;
  const ends = new Map<string, number>();
  const t0 = Date.now();
  let lastProgress = t0;
  const line = () => `fuzz: ${n} syscall runs, ${calls} syscalls, ${failed} failures, ${((Date.now() - t0) / 1000).toFixed(1)} s; ${[...ends].map(([k, c]) => `syscalls:${k}=${c}`).join(' ')}`;
  for (let i = 0; i < runs && Date.now() < deadline; i++) {
    const seed = caseSeed(args.seed, i);
    const r = one(seed);
    n++;
    calls += r.calls ?? 0;
    ends.set(r.end ?? '?', (ends.get(r.end ?? '?') ?? 0) + 1);
    if (r.violations?.length) {
      failed++;
      console.log(`FAILURE #${failed} (run ${i}, syscalls, case seed 0x${seed.toString(16)}): ${describeOne(r).split('\n').slice(0, 12).join('\n')}`);
      console.log(`  reproduce: ${reproduce(seed)}`);
    }
    if (Date.now() - lastProgress >= 10_000) {
      lastProgress = Date.now();
      console.log(`  … ${line()}`);
    }
  }
  console.log(line());
  process.exit(failed ? 1 : 0);
}

type FuzzKind = 'code' | 'mutate';

if (args.caseSeed !== null) {
  const kind = args.kind as FuzzKind;
  const r = runFuzzCase(kind, args.caseSeed);
  console.log(`case ${kind} 0x${args.caseSeed.toString(16)}: ${r.describe}`);
  console.log(`outcome: ${r.outcome}, ${r.cycles} cycles, ${r.ms.toFixed(0)} ms`);
  for (const f of r.failures) console.log(`FAILURE: ${f}`);
  process.exit(r.failures.length ? 1 : 0);
}

const kinds: FuzzKind[] = args.kind === 'all' ? ['code', 'mutate'] : [args.kind as FuzzKind];
console.log(`fuzz: seed ${args.seed} (--seed ${args.seed}), kinds ${kinds.join('+')}, ${budget}`);

const stats = newStats();
let lastProgress = Date.now();
for (let i = 0; i < runs && Date.now() < deadline; i++) {
  const kind = kinds[i % kinds.length];
  const seed = caseSeed(args.seed, i);
  const f = fuzzOne(stats, kind, seed);
  if (args.verbose) console.log(`  #${i} ${kind} 0x${seed.toString(16)}`);
  if (f) {
    console.log(`FAILURE #${stats.failures.length} (run ${i}, ${kind}, case seed 0x${seed.toString(16)}): ${f.describe}`);
    for (const line of f.failures.slice(0, 10)) console.log(`    ${line.split('\n').slice(0, 8).join('\n    ')}`);
    console.log(`  reproduce: ${reproduceCommand(kind, seed)}`);
  }
  if (Date.now() - lastProgress >= 10_000) {
    lastProgress = Date.now();
    console.log(`  … ${summaryLine(stats)}`);
  }
}
console.log(summaryLine(stats));
process.exit(stats.failures.length ? 1 : 0);
