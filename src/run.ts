// Running a Linux i386 program on the forkbox kernel: a Machine, a Kernel booted with the
// program's files, and the loop that runs them until init exits (the program's status
// is init's), a cycle limit is reached, the kernel panics, or nothing can ever happen
// again (deadlock).
//
// Two loops: runProgram() runs synchronously (tests, benchmarks); runProgramSliced() runs
// in slices and returns to Node's event loop between them, so host stdin, output
// back-pressure and ctrl-C are served while the guest runs (forkbox run). Both produce the
// same guest behaviour for the same input: slices end at cycle counts, not host times.
//
// WAITING FOR THE HOST. The PIT keeps ticking, so an idle machine never halts by itself;
// between slices the loop asks the kernel whether anything can still happen (idleState):
//   busy      a task is runnable, or a timer is pending: run on (idle jumps to the timer)
//   input     every task sleeps, no timer is pending, and a task waits for host stdin:
//             runProgramSliced waits for input without advancing guest time;
//             runProgram, which has no host to wait for, calls it a deadlock
//   deadlock  every task sleeps and nothing can wake any of them: the run ends

import { Machine } from './machine.js';
import { Kernel, type KernelOptions } from './guest/kernel.js';
import { timekeeping_init } from './guest/time.js';
import { TASK_RUNNING } from './guest/task.js';
import { set_console_tty, type ConsoleTty } from './guest/fs/devices.js';

export interface RunOptions extends KernelOptions {
  /** Files of the in-memory filesystem: absolute guest path → contents. */
  files: Map<string, Uint8Array>;
  /** argv; argv[0] is the program's path in `files`. */
  argv: string[];
  envp?: string[];
  memSize?: number;
  /** Touch every page of guest RAM at machine creation (--mem-prealloc). */
  memPrealloc?: boolean;
  cpuHz?: number;
  /** Stop after this many cycles (default: 100 guest seconds; Infinity: no limit). */
  maxCycles?: number;
  /** CLOCK_REALTIME at power-on, in seconds since 1970 (default 2026-01-01T00:00:00Z). */
  epoch?: number;
  /** The console (fds 0-2, /dev/tty) is a terminal — all of it (true), or per stream as
   *  the host's fds 0, 1, 2 are: TCGETS succeeds there (default: not;
   *  src/guest/fs/devices.ts). */
  tty?: ConsoleTty;
}

export type RunEnd = 'exit' | 'limit' | 'panic' | 'shutdown' | 'deadlock' | 'interrupted';

export interface RunOutcome {
  end: RunEnd;
  /** The program's wait status (exit code << 8, or the signal), when end === 'exit'. */
  status: number;
  /** What a shell reports: the exit code, or 128 + signal (130 when interrupted; 2 for
   *  the other ends, where the program did not finish). */
  exitCode: number;
  message: string;
  cycles: number;
  instructions: number;
  kernel: Kernel;
  machine: Machine;
}

/** Host-side control of a sliced run. */
export interface SliceControl {
  /** Aborting stops the run at the next slice boundary: end 'interrupted' (ctrl-C). */
  signal?: AbortSignal;
  /** Resolves when host input may have arrived (after the kernel's stdin callback has
   *  new data or EOF, and inputArrived() was called). Called when only host input can
   *  wake a task. Without it, that state is a deadlock. */
  inputReady?: () => Promise<void>;
  /** Awaited between slices: e.g. stdout back-pressure (wait for 'drain'). */
  betweenSlices?: () => Promise<void> | void;
}

/** Boot the kernel for a program (does not run it). */
export function bootProgram(opts: RunOptions): { machine: Machine; kernel: Kernel } {
  const machine = new Machine({ memSize: opts.memSize, memPrealloc: opts.memPrealloc, cpuHz: opts.cpuHz });
  const kernel = new Kernel(machine, opts);
  if (opts.epoch !== undefined) timekeeping_init(kernel, opts.epoch);
  set_console_tty(kernel, opts.tty ?? false);
  // The program and --fs files: copied into the in-memory filesystem (shared until the
  // guest first writes one: the host's bytes are never modified).
  for (const [path, data] of opts.files) kernel.vfs.install(path, data);
  kernel.boot(opts.argv, opts.envp ?? []);
  return { machine, kernel };
}

/** Run until the program's end or the cycle limit; synchronous (tests, benchmarks). */
export function runProgram(opts: RunOptions, booted = bootProgram(opts)): RunOutcome {
  const { machine, kernel } = booted;
  const limit = opts.maxCycles ?? machine.cpuHz * 100;
  for (;;) {
    const left = limit - machine.cpu.cycles;
    if (left <= 0) return outcome(kernel, machine, 'limit', `cycle limit of ${limit} reached`);
    const r = machine.run(Math.min(left, SYNC_SLICE));
    const end = settle(kernel, machine, r.reason, r.message);
    if (end) return end;
    const idle = idleState(kernel);
    if (idle !== 'busy') return outcome(kernel, machine, 'deadlock', deadlockMessage(idle));
  }
}

/** Cycles between idle checks of runProgram (the same as a slice of runSliced). */
const SYNC_SLICE = 4_000_000;

/** Run in slices, yielding to the event loop between them (host stdin, ctrl-C). */
export async function runProgramSliced(opts: RunOptions, booted = bootProgram(opts), control: SliceControl = {}): Promise<RunOutcome> {
  const { machine, kernel } = booted;
  const limit = opts.maxCycles ?? machine.cpuHz * 100;
  const interrupted = () => outcome(kernel, machine, 'interrupted', 'interrupted');
  for (;;) {
    if (control.signal?.aborted) return interrupted();
    const left = limit - machine.cpu.cycles;
    if (left <= 0) return outcome(kernel, machine, 'limit', `cycle limit of ${limit} reached`);
    const r = machine.run(Math.min(left, SYNC_SLICE));
    const end = settle(kernel, machine, r.reason, r.message);
    if (end) return end;
    if (r.reason === 'break' && control.signal?.aborted) return interrupted();
    let idle = idleState(kernel);
    while (idle === 'input' && control.inputReady) {
      // Only host input can wake a task: wait for it (or ctrl-C) without running the guest.
      await raceAbort(control.inputReady(), control.signal);
      if (control.signal?.aborted) return interrupted();
      idle = idleState(kernel);
    }
    if (idle !== 'busy') return outcome(kernel, machine, 'deadlock', deadlockMessage(idle));
    await control.betweenSlices?.();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function raceAbort(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return p;
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done);
    p.then(done, done);
  });
}

/**
 * Whether anything can still happen in the guest (see the header). A task is runnable
 * when it is current and running (not idle) or on the run queue; timers wake sleepers;
 * stdin readers wait for the host. Any other sleeper can only be woken by another task.
 */
export function idleState(kernel: Kernel): 'busy' | 'input' | 'deadlock' {
  if (kernel.halted) return 'busy';
  const cur = kernel.current;
  if (!cur) return 'busy'; // still booting
  if (cur !== kernel.idle && cur.state === TASK_RUNNING && !cur.exit_state) return 'busy';
  if (kernel.rq.queue.length > 0 || kernel.need_resched) return 'busy';
  if (kernel.timers.list().length > 0) return 'busy';
  return kernel.stdinWaiters.size > 0 ? 'input' : 'deadlock';
}

function deadlockMessage(idle: 'input' | 'deadlock'): string {
  return idle === 'input'
    ? 'deadlock: every task sleeps, waiting for input that cannot come'
    : 'deadlock: every task sleeps and nothing can wake them';
}

function settle(kernel: Kernel, machine: Machine, reason: string, message: string): RunOutcome | null {
  if (kernel.halted) {
    if (kernel.halted.panic) return outcome(kernel, machine, 'panic', `kernel panic: ${kernel.halted.panic}`);
    return outcome(kernel, machine, 'exit', 'the program exited');
  }
  if (reason === 'shutdown') return outcome(kernel, machine, 'shutdown', message);
  if (reason === 'halted') return outcome(kernel, machine, 'deadlock', message);
  return null;
}

function outcome(kernel: Kernel, machine: Machine, end: RunEnd, message: string): RunOutcome {
  const status = kernel.halted?.status ?? 0;
  const sig = status & 0x7f;
  const exitCode = end === 'interrupted' ? 130 : end !== 'exit' ? 2 : sig ? 128 + sig : (status >> 8) & 0xff;
  return { end, status, exitCode, message, cycles: machine.cpu.cycles, instructions: machine.cpu.instret, kernel, machine };
}
