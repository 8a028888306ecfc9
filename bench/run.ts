// `forkbox bench [cow|fork|cpu|all] [--quick] [--json] [--reps N] [--out DIR] …`
// (`npm run bench`). Runs the benchmarks of guest-programs/bench/ on forkbox, natively
// and under qemu-i386, interleaved (bench/measure.ts has the method), prints a markdown
// table (or JSON with --json), and saves <which>.json, <which>.md and the SVG plots
// under bench/results/ (or --out DIR). Progress: one updating line on stderr.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { detectPeers, repoRoot, PEERS, type PeerName } from './peers.js';
import type { Context, PeerResult, Row } from './measure.js';
import { cowBench, cowParams } from './cow.js';
import { profileForkbox, type Profile } from './profile.js';
import { forkBench, FORK_MODES } from './fork.js';
import { cpuBench } from './cpu-elf.js';
import { lineChart, type Series } from './svg.js';

export interface BenchIO { stdout(text: string): void; stderr(text: string): void }

export interface BenchOptions {
  which: 'cow' | 'fork' | 'cpu' | 'all';
  quick: boolean;
  json: boolean;
  profile: boolean;
  reps: number;
  out: string;
  pages: number[];
  mib: number[];
  iters: number;
}

export interface BenchResults {
  version: 1;
  date: string;
  which: BenchOptions['which'];
  quick: boolean;
  reps: number;
  host: { cpus: number; model: string; node: string; platform: string };
  method: string;
  peers: Record<PeerName, { available: true } | { missing: string }>;
  rows: Row[];
  /** --profile: where forkbox's host time goes on the COW path (V8 sampling profile). */
  profile?: Profile;
}

const USAGE = `usage: forkbox bench [cow|fork|cpu|all] [--quick] [--json] [--reps N] [--out DIR]
                     [--pages N,N…] [--mib N,N…] [--iters N]
  cow    COW faults per second: the child writes one byte to each of N pages
  fork   fork+exit+wait per second with MiB resident: cow, --fork-mode=copy, vfork
  cpu    guest MIPS on compute kernels (alu, call/ret, branchy, memcpy, string)
  --quick  fewer repetitions and sizes (about a minute)
  --json   print the results as JSON instead of the markdown table
  --profile  also profile one forkbox cow run: where the host time goes (V8 sampler)
  --out    where to save <which>.json, <which>.md, cow.svg, fork.svg (default bench/results)
`;

export class BenchUsageError extends Error {}

export function parseBenchArgs(argv: string[]): BenchOptions {
  let which: BenchOptions['which'] = 'all';
  let quick = false, json = false, profile = false;
  let reps: number | undefined, out: string | undefined, pages: number[] | undefined, mib: number[] | undefined, iters: number | undefined;
  const list = (v: string | undefined, name: string) => {
    const xs = (v ?? '').split(',').map(Number);
    if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x <= 0)) throw new BenchUsageError(`--${name} needs positive integers, got '${v}'`);
    return xs;
  };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(argv[i]);
    const value = () => (m![2] ?? argv[++i]);
    if (!m) {
      if (!['cow', 'fork', 'cpu', 'all'].includes(argv[i])) throw new BenchUsageError(`unknown benchmark '${argv[i]}'`);
      which = argv[i] as BenchOptions['which'];
    } else if (m[1] === 'quick') quick = true;
    else if (m[1] === 'json') json = true;
    else if (m[1] === 'profile') profile = true;
    else if (m[1] === 'reps') reps = list(value(), 'reps')[0];
    else if (m[1] === 'out') out = value();
    else if (m[1] === 'pages') pages = list(value(), 'pages');
    else if (m[1] === 'mib') mib = list(value(), 'mib');
    else if (m[1] === 'iters') iters = list(value(), 'iters')[0];
    else throw new BenchUsageError(`unknown option --${m[1]}`);
  }
  if (out === '') throw new BenchUsageError('--out needs a directory');
  return {
    which, quick, json, profile,
    reps: reps ?? (quick ? 3 : 5),
    out: out ?? join(repoRoot(), 'bench', 'results'),
    pages: pages ?? (quick ? [1024, 16384] : [1024, 4096, 16384, 65536]),
    mib: mib ?? (quick ? [1, 64] : [1, 16, 64, 256]),
    iters: iters ?? (quick ? 5_000_000 : 40_000_000),
  };
}

export async function runBench(o: BenchOptions, io: BenchIO): Promise<BenchResults> {
  const peers = detectPeers(['cow', 'fork', 'cpu']);
  const t0 = Date.now();
  const ctx: Context = {
    peers, reps: o.reps, quick: o.quick,
    progress: (text) => io.stderr(`\r\x1b[K[bench ${((Date.now() - t0) / 1000).toFixed(0)}s] ${text}`),
  };
  const rows: Row[] = [];
  let profile: Profile | undefined;
  try {
    if (o.which === 'cow' || o.which === 'all') rows.push(...cowBench(ctx, o.pages));
    if (o.which === 'fork' || o.which === 'all') rows.push(...forkBench(ctx, o.mib));
    if (o.which === 'cpu' || o.which === 'all') rows.push(...cpuBench(ctx, o.iters));
    if (o.profile && (o.which === 'cow' || o.which === 'all')) {
      const n = [...o.pages].filter((x) => x <= 16384).pop() ?? o.pages[0];
      const { R, memSize } = cowParams(n, o.quick);
      ctx.progress(`profiling forkbox cow N=${n}`);
      profile = await profileForkbox(peers, 'cow', { args: [String(n), String(R)], memSize }, `cow N=${n} (${R} forks)`);
    }
  } finally {
    io.stderr('\r\x1b[K');
    peers.dispose();
  }
  const cpu = cpus();
  return {
    version: 1, date: new Date().toISOString(), which: o.which, quick: o.quick, reps: o.reps,
    host: { cpus: cpu.length, model: cpu[0]?.model ?? '?', node: process.version, platform: `${process.platform} ${process.arch}` },
    method: 'Each repetition runs, per peer in turn, a zero-work baseline of the same ELF and the measured run; ' +
      'rate = work / (host time of the run - median baseline host time), so process start-up and forkbox boot are excluded ' +
      'and fork/exit/wait of the children are included. forkbox runs in-process (runProgram) with --mem-prealloc (all guest RAM touched at machine creation, as QEMU -mem-prealloc does, so the host pages it in during the baseline, not during COW copies); native and qemu-i386 by spawnSync.',
    peers: Object.fromEntries(PEERS.map((n) => [n, peers.available[n] === true ? { available: true } : { missing: peers.available[n] as string }])) as BenchResults['peers'],
    rows, profile,
  };
}

const num = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));
const cell = (r: PeerResult) => ('missing' in r ? `missing: ${r.missing}` : `${num(r.median)} (${num(r.min)}–${num(r.max)})`);
const ratio = (v: number | null) => (v === null ? '–' : `${v.toFixed(2)}×`);

export function markdown(res: BenchResults): string {
  const out: string[] = [`# forkbox bench (${res.which}${res.quick ? ', --quick' : ''})`, '',
    `${res.date} · ${res.host.cpus} × ${res.host.model} · node ${res.host.node} · ${res.reps} repetitions, median (min–max)`, '',
    `Method: ${res.method} Ratios are forkbox's rate / the peer's (> 1: forkbox faster).`, ''];
  for (const n of PEERS) { const p = res.peers[n]; if ('missing' in p) out.push(`- ${n}: missing — ${p.missing}`); }
  for (const bench of ['cow', 'fork', 'cpu'] as const) {
    const rows = res.rows.filter((r) => r.bench === bench);
    if (rows.length === 0) continue;
    out.push('', `## ${bench}: ${rows[0].metric} (${rows[0].unit})`, '',
      '| point | forkbox | native | qemu-i386 | forkbox/native | forkbox/qemu |', '|---|---|---|---|---|---|');
    for (const r of rows) out.push(`| ${r.label} | ${cell(r.peers.forkbox)} | ${cell(r.peers.native)} | ${cell(r.peers.qemu)} | ${ratio(r.ratios.forkboxNative)} | ${ratio(r.ratios.forkboxQemu)} |`);
    const fb = rows.filter((r) => r.forkbox);
    if (fb.length > 0) {
      const keys = Object.keys(fb[0].forkbox!);
      out.push('', `forkbox's own counters${bench === 'cow' ? ' (model_*: guest cycles per fault by the kernel cost model, src/guest/cost.ts; model_rest: entry/return stubs, iret and the rest; ph_*: host ns per COW-copy fault by phase in one extra instrumented run, excluded from the rates, averaged over the faults (ph_keptPct of them) that took at most 4× the median, src/perf/fault-phases.ts — delivery: #PF raised to kernel entry (IDT, SAVE_ALL); walk: do_page_fault to do_wp_page; alloc: frame; copy: copy_page; flush: set_pte_at + invlpg; kernel: the rest of the kernel call; return: restore_all + iret to CPL 3)' : ''}:`, '',
        `| point | ${keys.join(' | ')} |`, `|---|${keys.map(() => '---').join('|')}|`);
      for (const r of fb) out.push(`| ${r.label} | ${keys.map((k) => num(r.forkbox![k] ?? NaN)).join(' | ')} |`);
    }
  }
  if (res.profile) {
    const p = res.profile;
    out.push('', `## where forkbox's host time goes: ${p.point}`, '',
      `V8 sampling profile of one extra (unmeasured) forkbox run, ${p.totalMs.toFixed(0)} ms of samples, self time grouped by function name (bench/profile.ts):`, '',
      '| stage | ms | % |', '|---|---|---|', ...p.stages.map((e) => `| ${e.name} | ${e.ms.toFixed(1)} | ${e.pct.toFixed(1)} |`),
      '', 'Top functions by self time:', '', '| function | ms | % |', '|---|---|---|', ...p.top.map((e) => `| ${e.name} | ${e.ms.toFixed(1)} | ${e.pct.toFixed(1)} |`));
  }
  return out.join('\n') + '\n';
}

export function plots(res: BenchResults): Record<string, string> {
  const files: Record<string, string> = {};
  const med = (r: PeerResult) => ('missing' in r ? NaN : r.median);
  const cow = res.rows.filter((r) => r.bench === 'cow');
  if (cow.length > 0) {
    const series: Series[] = PEERS.map((n) => ({ name: n, points: cow.map((r) => [Number(r.params.pages), med(r.peers[n])] as [number, number]) }));
    files['cow.svg'] = lineChart('COW fault throughput vs pages written', 'pages (N)', 'COW faults per host second', series);
  }
  const fork = res.rows.filter((r) => r.bench === 'fork');
  if (fork.length > 0) {
    const series: Series[] = [];
    for (const n of PEERS) for (const mode of FORK_MODES) {
      if (n !== 'forkbox' && mode === 'copy') continue;
      const rows = fork.filter((r) => r.params.mode === mode);
      series.push({ name: `${n} ${mode}`, points: rows.map((r) => [Number(r.params.residentMiB), 1e6 / med(r.peers[n])] as [number, number]) });
    }
    files['fork.svg'] = lineChart('fork+exit+wait latency vs resident memory', 'resident MiB', 'µs per fork+exit+wait (log scale)', series, true);
  }
  return files;
}

export function saveResults(res: BenchResults, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    [`${res.which}.json`]: JSON.stringify(res, null, 1) + '\n',
    [`${res.which}.md`]: markdown(res),
    ...plots(res),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return Object.keys(files).map((f) => join(dir, f));
}

/** The `bench` command: returns the exit code (2: usage error). */
export async function benchCommand(argv: string[], io: BenchIO): Promise<number> {
  let o: BenchOptions;
  try {
    if (argv.includes('--help') || argv.includes('-h')) { io.stdout(USAGE); return 0; }
    o = parseBenchArgs(argv);
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    io.stderr(`forkbox bench: ${e.message}\n${USAGE}`);
    return 2;
  }
  const res = await runBench(o, io);
  const saved = saveResults(res, o.out);
  io.stdout(o.json ? JSON.stringify(res, null, 1) + '\n' : markdown(res));
  io.stderr(`forkbox bench: saved ${saved.join(', ')}\n`);
  return 0;
}
