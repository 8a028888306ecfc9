// Guest code fuzzing, part 3: running one case through the real kernel, and the fuzz loop.
//
// A case runs as /test under init (src/run.ts bootProgram/runProgram) with a cycle budget
// and a task limit. What may happen (an OUTCOME, counted by kind):
//   exit          the program exited (any code)
//   SIGSEGV …     the program was killed by a signal (its name)
//   rejected-elf  execve refused the file: init's child printed "forkbox: cannot execute"
//                 and exited 127 (a clean loader error)
//   budget        the cycle budget ran out: the runner then SIGKILLs every task but init
//                 through the kernel (send_group_signal) and runs on (KILL_GRACE cycles)
//                 until init has reaped them all and the machine stopped — "killed at budget"
//   deadlock      every task slept with nothing to wake it (e.g. pause()): killed the same way
// What must never happen (a FAILURE): a host exception, a kernel panic, the machine
// stopping any other way, tasks that survive SIGKILL, or, after the run, a violated kernel
// invariant (check_invariants: every frame free or held, reference counts, no task left;
// check_fs_invariants). Random code also runs a second time with the JIT off: both runs
// must end alike, after the same cycles and instructions.

import { bootProgram, runProgram, type RunOptions, type RunOutcome } from '../../src/run.js';
import { check_invariants } from '../../src/guest/memory.js';
import { check_fs_invariants } from '../../src/guest/fs/invariants.js';
import { send_group_signal, SI_KERNEL } from '../../src/guest/signal.js';
import { SIG } from '../../src/guest/abi.js';
import { genCodeCase } from './code-gen.js';
import { genMutateCase } from './code-mutate.js';
import { mulberry32 } from '../helpers/rng.js';

export const FUZZ_MAX_CYCLES = 3_000_000;
/** Cycles after the SIGKILLs for the tasks to die and init to reap them (a few ticks). */
export const KILL_GRACE = 20_000_000;
export const FUZZ_MAX_TASKS = 16;
/** Guest RAM: small, so that page-touching loops and fork reach the OOM killer. */
export const FUZZ_MEM = 8 << 20;

export interface CaseResult {
  /** exit, rejected-elf, budget, deadlock, or a signal's name. */
  outcome: string;
  /** Empty when the run was clean. */
  failures: string[];
  cycles: number;
  ms: number;
}

const SIG_NAMES = new Map(Object.entries(SIG).map(([name, n]) => [n as number, name]));

function killAll(outcome: RunOutcome): void {
  const k = outcome.kernel;
  for (const t of [...k.tasks.values()]) {
    if (t === k.idle || t.pid === 1 || t.exit_state) continue;
    send_group_signal(k, t.tgid, SIG.SIGKILL, { code: SI_KERNEL, pid: 0 });
  }
}

/**
 * Run one ELF as /test; classify the outcome and check the kernel afterwards. With
 * `compare`, run it a second time with the JIT off (everything interpreted): the two runs
 * must end the same way after the same guest cycles and instructions — a difference is a
 * failure (the JIT and the interpreter disagree about some instruction).
 */
export function runCase(elf: Uint8Array, maxCycles = FUZZ_MAX_CYCLES, compare = false): CaseResult {
  const t0 = performance.now();
  const r = runOnce(elf, maxCycles, true);
  if (compare && r.failures.length === 0) {
    const i = runOnce(elf, maxCycles, false);
    const a = `${r.outcome} status ${r.status} after ${r.cycles} cycles, ${r.instructions} instructions`;
    const b = `${i.outcome} status ${i.status} after ${i.cycles} cycles, ${i.instructions} instructions`;
    if (a !== b) r.failures.push(`JIT and interpreter differ: JIT ${a}; interpreter ${b}`);
    r.failures.push(...i.failures.map((f) => `interpreted: ${f}`));
  }
  r.ms = performance.now() - t0;
  return r;
}

function runOnce(elf: Uint8Array, maxCycles: number, jit: boolean): CaseResult & { status: number; instructions: number } {
  const t0 = performance.now();
  const failures: string[] = [];
  let stderr = '';
  const dec = new TextDecoder();
  const opts: RunOptions = {
    files: new Map([['/test', elf]]),
    argv: ['/test'],
    envp: [],
    memSize: FUZZ_MEM,
    maxTasks: FUZZ_MAX_TASKS,
    maxCycles,
    stdout: () => {},
    stderr: (b) => {
      if (stderr.length < 4096) stderr += dec.decode(b);
    },
    stdin: () => new Uint8Array(0),
    log: () => {},
  };
  let outcome: RunOutcome | null = null;
  let kind = '?';
  try {
    const booted = bootProgram(opts);
    booted.machine.cpu.jit = jit;
    outcome = runProgram(opts, booted);
    if (outcome.end === 'limit' || outcome.end === 'deadlock') {
      kind = outcome.end === 'limit' ? 'budget' : 'deadlock';
      killAll(outcome);
      const after = runProgram({ ...opts, maxCycles: outcome.cycles + KILL_GRACE }, booted);
      if (after.end !== 'exit') failures.push(`after SIGKILL to every task at the ${kind}: ${after.end} (${after.message})`);
      outcome = after;
    } else if (outcome.end === 'exit') {
      const sig = outcome.status & 0x7f;
      const code = (outcome.status >> 8) & 0xff;
      if (sig) kind = SIG_NAMES.get(sig) ?? `signal ${sig}`;
      else if (code === 127 && stderr.includes('forkbox: cannot execute')) kind = 'rejected-elf';
      else kind = 'exit';
    } else {
      kind = outcome.end;
      failures.push(`the run ended with ${outcome.end}: ${outcome.message}`);
    }
    if (outcome.kernel.halted?.panic) failures.push(`kernel panic: ${outcome.kernel.halted.panic}`);
    const k = outcome.kernel;
    failures.push(...check_invariants(k), ...check_fs_invariants(k));
    for (const t of k.tasks.values()) if (t !== k.idle) failures.push(`task pid ${t.pid} still exists after the run`);
  } catch (e) {
    kind = 'host-exception';
    failures.push(`host exception: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  }
  return {
    outcome: kind, failures: [...new Set(failures)], cycles: outcome?.cycles ?? 0, ms: performance.now() - t0,
    status: outcome?.status ?? -1, instructions: outcome?.instructions ?? 0,
  };
}

export type FuzzKind = 'code' | 'mutate';

/** The seed of case i of a run with seed `seed` (each case is reproducible alone). */
export function caseSeed(seed: number, i: number): number {
  return mulberry32((seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0)();
}

/** Generate and run one case of a kind. */
export function runFuzzCase(kind: FuzzKind, seed: number): CaseResult & { describe: string; group: string } {
  if (kind === 'code') {
    const c = genCodeCase(seed);
    const hex = Array.from(c.code.subarray(0, 96), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return { ...runCase(c.elf, FUZZ_MAX_CYCLES, true), group: 'code', describe: `random code (${c.mix}, ${c.code.length} bytes): ${hex}${c.code.length > 96 ? ' …' : ''}` };
  }
  const c = genMutateCase(seed);
  const r = runCase(c.elf);
  if (c.kind === 'body' && r.outcome === 'rejected-elf') {
    r.failures.push('a mutation of the segments\' bytes only was rejected by the loader');
  }
  return { ...r, group: `mutate-${c.kind}`, describe: `${c.program}.asm, ${c.kind} mutation: ${c.edits.join('; ')}` };
}

export interface FuzzFailure {
  kind: FuzzKind;
  seed: number;
  describe: string;
  failures: string[];
}

export interface FuzzStats {
  runs: number;
  /** Outcome counts per kind: "code:SIGSEGV", "mutate-body:exit", "mutate-header:rejected-elf" … */
  outcomes: Map<string, number>;
  failures: FuzzFailure[];
  cycles: number;
  ms: number;
}

export function newStats(): FuzzStats {
  return { runs: 0, outcomes: new Map(), failures: [], cycles: 0, ms: 0 };
}

/** Run one case and add it to the statistics; returns the failure, if any. */
export function fuzzOne(stats: FuzzStats, kind: FuzzKind, seed: number): FuzzFailure | null {
  const r = runFuzzCase(kind, seed);
  stats.runs++;
  stats.cycles += r.cycles;
  stats.ms += r.ms;
  const key = `${r.group}:${r.outcome}`;
  stats.outcomes.set(key, (stats.outcomes.get(key) ?? 0) + 1);
  if (r.failures.length === 0) return null;
  const f = { kind, seed, describe: r.describe, failures: r.failures };
  stats.failures.push(f);
  return f;
}

/** One line: runs, failures and the outcome counts. */
export function summaryLine(stats: FuzzStats): string {
  const counts = [...stats.outcomes.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, n]) => `${k}=${n}`).join(' ');
  return `fuzz: ${stats.runs} runs, ${stats.failures.length} failures, ${(stats.cycles / 1e6).toFixed(0)} M guest cycles, ${(stats.ms / 1000).toFixed(1)} s; ${counts}`;
}

/** How to reproduce one case. */
export function reproduceCommand(kind: FuzzKind, seed: number): string {
  return `npx tsx scripts/fuzz.ts --kind ${kind} --case 0x${(seed >>> 0).toString(16)}`;
}
