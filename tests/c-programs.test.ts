// Real C programs (issue 8): tests/c/*.c compiled by the host's `gcc -m32 -static` at
// several optimisation levels, each binary run natively and on forkbox (in-process, as
// the end-to-end tests run guest programs: helpers/guest-e2e.ts runForkbox); the
// transcripts (stdout, stderr, exit code or signal) must be equal once pids (and, for the
// seed's fork example, addresses) are normalised, and the kernel's invariants must hold
// after the forkbox run (every frame free, no task left, …).
//
// Each case is one program at one optimisation level. The seed's fork example does not
// wait for its child, so its lines are compared in sorted order.
// Without gcc -m32 (CI installs gcc-multilib: .ci/run) or a host that runs i386 programs,
// the file prints a visible SKIP. Compilation and the native runs happen asynchronously,
// a few at a time, while forkbox runs the programs already built; a summary of every case
// (the first differing line of each failure) is printed at the end.

import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runForkbox } from './helpers/guest-e2e.js';
import { C_DIR, compileC, firstDifference, gccUnavailable, normalizeC, removeCScratch, runNativeC, type NormalizeOptions } from './helpers/gcc.js';

interface CProgram extends NormalizeOptions {
  /** tests/c/<name>.c */
  name: string;
  /** Optimisation levels to build it at. */
  levels: string[];
  /** More gcc flags (libraries). */
  flags?: string[];
  /** Standard input (then EOF); none by default. */
  input?: string;
  /** Also run the -O2 build with first-generation fork (--fork-mode=copy: every page
   *  copied at fork): the output must not change. */
  copyFork?: boolean;
}

const O02 = ['-O0', '-O2'];
const O023 = ['-O0', '-O2', '-O3'];

const PROGRAMS: CProgram[] = [
  { name: 'stdio', levels: O02 },
  { name: 'stdin', levels: O02, input: '12 -34 word 2.5e3\nshort line\nthis line is longer than fifteen characters\nSTOP\nrest of the input\nwith two lines' },
  { name: 'malloc', levels: O02 },
  { name: 'mmap', levels: O02, copyFork: true },
  { name: 'seed-fork', levels: O02, unordered: true, addresses: true, copyFork: true },
  { name: 'seed-vfork', levels: O02 },
  { name: 'fork-wait', levels: O02, copyFork: true },
  { name: 'exec', levels: O02 },
  { name: 'pipes', levels: O02, copyFork: true },
  { name: 'poll', levels: O02 },
  { name: 'files', levels: O02 },
  { name: 'devices', levels: O02 },
  { name: 'signals', levels: O02 },
  { name: 'sigaltstack', levels: O02 },
  { name: 'sleep-clock', levels: O02 },
  { name: 'pthreads', levels: O02, flags: ['-pthread'] },
  { name: 'threads-more', levels: O02, flags: ['-pthread'] },
  { name: 'intwork', levels: O023 },
  { name: 'float', levels: O023, flags: ['-lm'] },
  { name: 'fpu-context', levels: O02, flags: ['-lm', '-pthread'] },
  // glibc's start-up system calls, pthreads with timeouts and guard pages, the FPU across
  // signals, fork and x87 exceptions, stdio buffering into a pipe before fork.
  { name: 'startup-syscalls', levels: O02 },
  { name: 'threads', levels: O02, flags: ['-pthread'] },
  { name: 'fpu-signals', levels: O02, flags: ['-lm'] },
  { name: 'fork-stdio', levels: O02 },
];

/** Guest cycles a program may run on forkbox (20 s of guest time at 100 MHz). */
const MAX_CYCLES = 2_000_000_000;
const TIMEOUT = 120_000;

const why = gccUnavailable();
if (why) console.warn(`SKIP tests/c-programs.test.ts: ${why}`);

interface Case {
  id: string;
  program: CProgram;
  level: string;
  forkMode?: 'copy';
}

const cases: Case[] = PROGRAMS.flatMap((program) => [
  ...program.levels.map((level) => ({ id: `${program.name} ${level}`, program, level })),
  ...(program.copyFork ? [{ id: `${program.name} -O2 copy-fork`, program, level: '-O2', forkMode: 'copy' as const }] : []),
]);

/** Per case: the build and the native run, started for every case at once (lazily). */
let started: Map<string, Promise<{ elf: Uint8Array; native: string }>> | undefined;
function prepare(c: Case) {
  started ??= new Map(cases.map((k) => [caseBuild(k), (async () => {
    const built = await compileC(k.program.name, [k.level, ...(k.program.flags ?? [])]);
    const native = await runNativeC(built.exe, k.program.input);
    if (native.error) throw new Error(`the native run failed: ${native.error}\n${native.transcript}`);
    return { elf: built.elf, native: native.transcript };
  })()] as const));
  for (const p of started.values()) p.catch(() => {}); // reported by the case's own test
  return started.get(caseBuild(c))!;
}
/** Cases that differ only in forkbox's options share their build and native run. */
const caseBuild = (c: Case) => `${c.program.name} ${c.level}`;

const summary: string[] = [];

afterAll(() => {
  if (summary.length) console.log(`C programs, native vs forkbox:\n${summary.join('\n')}`);
  removeCScratch();
});

describe.skipIf(why !== null)('C programs built by gcc -m32 -static: native and forkbox agree', () => {
  it('runs every tests/c/*.c, the programs the issue asks for among them', () => {
    const sources = readdirSync(C_DIR).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2)).sort();
    expect(PROGRAMS.map((p) => p.name).sort()).toEqual(sources);
    expect(sources).toEqual(expect.arrayContaining(['stdio', 'malloc', 'seed-fork', 'seed-vfork', 'fork-wait', 'pipes', 'signals', 'sleep-clock', 'pthreads', 'intwork', 'float']));
  });

  for (const c of cases) {
    it(c.id, async () => {
      let prepared: { elf: Uint8Array; native: string };
      try {
        prepared = await prepare(c);
      } catch (e) {
        summary.push(`  ✗ ${c.id.padEnd(24)} ${String(e).split('\n')[0]}`);
        throw e;
      }
      const t0 = performance.now();
      const fb = runForkbox({ name: c.id, program: c.program.name, options: { maxCycles: MAX_CYCLES, forkMode: c.forkMode, input: c.program.input }, native: true, qemu: true }, prepared.elf);
      const ms = Math.round(performance.now() - t0);
      const native = normalizeC(prepared.native, c.program);
      const forkbox = normalizeC(fb.transcript, c.program);
      const diff = firstDifference(native, forkbox);
      const cycles = `${(fb.run.outcome.cycles / 1e6).toFixed(0)}M cycles, ${ms} ms`;
      if (diff) {
        // The kernel's messages: unimplemented syscalls, traps (the SIGILL's bytes) …
        const said = [...new Set(fb.run.log)].slice(0, 4).join(' | ');
        summary.push(`  ✗ ${c.id.padEnd(24)} ${diff}${said ? `; forkbox said: ${said}` : ''} (${cycles})`);
      } else if (fb.violations.length) {
        summary.push(`  ✗ ${c.id.padEnd(24)} same output; invariants: ${fb.violations[0]} (${cycles})`);
      } else {
        summary.push(`  ✓ ${c.id.padEnd(24)} (${cycles})`);
      }
      expect.soft(forkbox, `${c.id}: forkbox's transcript (expected: the native one)`).toBe(native);
      expect(fb.violations, `${c.id}: kernel invariants after the run`).toEqual([]);
      // Everything these programs call is implemented: no "unimplemented syscall" notes.
      expect(fb.run.log.filter((l) => l.includes('unimplemented')), `${c.id}: kernel log`).toEqual([]);
    }, TIMEOUT);
  }
});
