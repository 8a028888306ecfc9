// Running a Linux i386 program on the forkbox kernel: a Machine, a Kernel booted with the
// program's files, and the loop that runs them until init exits (the program's status
// is init's), a cycle limit is reached, or the kernel panics.

import { Machine } from './machine.js';
import { Kernel, type KernelOptions } from './guest/kernel.js';

export interface RunOptions extends KernelOptions {
  /** Files of the in-memory filesystem: absolute guest path → contents. */
  files: Map<string, Uint8Array>;
  /** argv; argv[0] is the program's path in `files`. */
  argv: string[];
  envp?: string[];
  memSize?: number;
  cpuHz?: number;
  /** Stop after this many cycles (default: 100 guest seconds). */
  maxCycles?: number;
}

export type RunEnd = 'exit' | 'limit' | 'panic' | 'shutdown' | 'deadlock';

export interface RunOutcome {
  end: RunEnd;
  /** The program's wait status (exit code << 8, or the signal), when end === 'exit'. */
  status: number;
  /** What a shell reports: the exit code, or 128 + signal. */
  exitCode: number;
  message: string;
  cycles: number;
  instructions: number;
  kernel: Kernel;
  machine: Machine;
}

/** Boot the kernel for a program (does not run it). */
export function bootProgram(opts: RunOptions): { machine: Machine; kernel: Kernel } {
  const machine = new Machine({ memSize: opts.memSize, cpuHz: opts.cpuHz });
  const kernel = new Kernel(machine, opts);
  for (const [path, data] of opts.files) kernel.files.set(path, data);
  kernel.boot(opts.argv, opts.envp ?? []);
  return { machine, kernel };
}

/** Run until the program's end or the cycle limit; synchronous (tests, benchmarks). */
export function runProgram(opts: RunOptions): RunOutcome {
  const { machine, kernel } = bootProgram(opts);
  const limit = opts.maxCycles ?? machine.cpuHz * 100;
  for (;;) {
    const left = limit - machine.cpu.cycles;
    if (left <= 0) return outcome(kernel, machine, 'limit', `cycle limit of ${limit} reached`);
    const r = machine.run(left);
    const end = settle(kernel, machine, r.reason, r.message);
    if (end) return end;
  }
}

/** Run in slices, yielding to the event loop between them (host stdin, ctrl-C). */
export async function runProgramSliced(opts: RunOptions, booted = bootProgram(opts)): Promise<RunOutcome> {
  const { machine, kernel } = booted;
  const limit = opts.maxCycles ?? machine.cpuHz * 100;
  for (;;) {
    const left = limit - machine.cpu.cycles;
    if (left <= 0) return outcome(kernel, machine, 'limit', `cycle limit of ${limit} reached`);
    const r = await machine.runSliced(left);
    const end = settle(kernel, machine, r.reason, r.message);
    if (end) return end;
    if (r.reason === 'halted' && kernel.stdinWaiters.size > 0) {
      // Everyone sleeps and someone waits for host input: wait for it.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

function settle(kernel: Kernel, machine: Machine, reason: string, message: string): RunOutcome | null {
  if (kernel.halted) {
    if (kernel.halted.panic) return outcome(kernel, machine, 'panic', `kernel panic: ${kernel.halted.panic}`);
    return outcome(kernel, machine, 'exit', 'the program exited');
  }
  if (reason === 'shutdown') return outcome(kernel, machine, 'shutdown', message);
  if (reason === 'halted' && kernel.stdinWaiters.size === 0) return outcome(kernel, machine, 'deadlock', message);
  return null;
}

function outcome(kernel: Kernel, machine: Machine, end: RunEnd, message: string): RunOutcome {
  const status = kernel.halted?.status ?? 0;
  const sig = status & 0x7f;
  const exitCode = end !== 'exit' ? 2 : sig ? 128 + sig : (status >> 8) & 0xff;
  return { end, status, exitCode, message, cycles: machine.cpu.cycles, instructions: machine.cpu.instret, kernel, machine };
}
