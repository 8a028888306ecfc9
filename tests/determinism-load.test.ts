// Determinism under load (issue 9): guest-programs/load-mix.asm runs 201 processes (20
// workers with 9 children each) doing fork, pipe writes, nanosleep, copy-on-write writes
// and signals. Two runs in the same host process must agree byte for byte: stdout, the
// exit status, the cycle and instruction counts, the kernel's statistics, the text trace
// (--trace=all: syscalls as --strace prints them, faults, scheduling; every task, init
// included) and the Perfetto JSON — and a run without tracers must be the very same run.
// The same holds under memory pressure (--mem 4), where forks fail
// with ENOMEM and the OOM killer chooses its victims: the same victims in both runs.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyTraceOptions, parseTraceList, TraceSession } from '../src/debug/trace.js';
import { check_invariants } from '../src/guest/memory.js';
import { check_fs_invariants } from '../src/guest/fs/invariants.js';
import { assembleProgram, GUEST_PROGRAMS, runKernel, type KernelRun, type KernelRunOptions } from './helpers/kernel-machine.js';

/** Generous: the suite may run beside other work on two cores. */
const TIMEOUT = 60_000;

const ELF = assembleProgram(readFileSync(join(GUEST_PROGRAMS, 'load-mix.asm'), 'utf8'), 'load-mix.asm');
const WORKERS = 20;
const CHILDREN = 9;
const PROCESSES = 1 + WORKERS + WORKERS * CHILDREN;

interface Traced { run: KernelRun; strace: string; json: string }

/** Run load-mix with every text trace (strace -f style, faults, sched) and Perfetto. */
function traced(opts: KernelRunOptions): Traced {
  const o = emptyTraceOptions();
  parseTraceList('all', o.text);
  o.perfetto = true;
  o.all = true;
  let strace = '';
  let session: TraceSession | null = null;
  const run = runKernel(ELF, {
    ...opts,
    setup: ({ kernel }) => {
      session = new TraceSession(kernel, o, (s) => void (strace += s));
    },
  });
  const s = session as unknown as TraceSession;
  s.finish();
  return { run, strace, json: s.perfettoJson() ?? '' };
}

/** What must be identical between two runs. */
function fingerprint(r: KernelRun) {
  const o = r.outcome;
  return {
    end: o.end, status: o.status, exitCode: o.exitCode, stdout: r.stdout, stderr: r.stderr, log: r.log,
    cycles: o.cycles, instructions: o.instructions, stats: { ...o.kernel.stats }, pages: { ...o.kernel.pages.stats },
  };
}

function expectClean(r: KernelRun): void {
  const k = r.outcome.kernel;
  expect(r.outcome.end, r.outcome.message).toBe('exit');
  expect([...check_invariants(k), ...check_fs_invariants(k)]).toEqual([]);
  expect([...k.tasks.keys()]).toEqual([0]);
  expect(k.pages.stats.used).toBe(0);
}

describe('determinism under load: 201 processes, fork + pipe + nanosleep + COW + signals', () => {
  it('two traced runs and an untraced one: the same output, cycles, instructions and traces', () => {
    const a = traced({});
    const b = traced({});
    const plain = runKernel(ELF);
    for (const r of [a.run, b.run, plain]) expectClean(r);

    // The run did what it says: every process forked, every record arrived.
    expect(a.run.stdout).toContain(`records: ${WORKERS * CHILDREN + WORKERS}, their sum: `);
    expect(a.run.stdout).toContain('SIGUSR1 from the children: handled\n');
    expect(a.run.exitCode).toBe(0);
    const k = a.run.outcome.kernel;
    expect(k.stats.forks).toBeGreaterThanOrEqual(PROCESSES); // init's fork of the program too
    expect(k.stats.cowCopies).toBeGreaterThanOrEqual(2 * WORKERS * CHILDREN);
    expect(a.strace.match(/nanosleep\(/g)?.length).toBeGreaterThanOrEqual(WORKERS * CHILDREN);
    expect(a.strace).toContain('--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER');
    expect(a.strace.length).toBeGreaterThan(100_000);
    expect(JSON.parse(a.json).traceEvents.length).toBeGreaterThan(5_000);

    // Byte for byte.
    expect(fingerprint(b.run)).toEqual(fingerprint(a.run));
    expect(b.strace === a.strace).toBe(true);
    expect(b.json === a.json).toBe(true);
    // Tracing observes only: the untraced run is the same run.
    expect(fingerprint(plain)).toEqual(fingerprint(a.run));
    console.log(`LOAD figures: ${k.stats.forks} forks, ${k.stats.cowCopies} COW copies, ${k.stats.contextSwitches} context switches, ` +
      `${a.run.outcome.cycles} cycles, ${a.run.outcome.instructions} instructions; strace ${a.strace.length} bytes, ` +
      `Perfetto ${a.json.length} bytes: identical in both runs`);
  }, TIMEOUT);

  it('under memory pressure (--mem 4): the same ENOMEMs and the same OOM victims in both runs', () => {
    const a = traced({ memSize: 4 << 20 });
    const b = traced({ memSize: 4 << 20 });
    for (const r of [a.run, b.run]) expectClean(r);
    const kills = a.run.log.filter((l) => l.includes('Out of memory: Killed process'));
    expect(kills.length).toBeGreaterThan(0);
    expect(a.strace).toMatch(/fork\(\) = -1 ENOMEM/);
    expect(fingerprint(b.run)).toEqual(fingerprint(a.run));
    expect(b.strace === a.strace).toBe(true);
    expect(b.json === a.json).toBe(true);
  }, TIMEOUT);
});
