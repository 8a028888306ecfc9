// Syscall fuzzing, the runner: build the seed's program (syscalls-gen.ts), boot the kernel
// with it as /test under init, and run it within a cycle budget, watching every syscall
// through the kernel's tracepoints (which only observe: the run is the same run).
//
// THE END OF A RUN. The program ends by itself when every worker finished its sequence
// (init reaps everything and exits: the machine halts). Otherwise — the budget is spent,
// or every task sleeps with nothing left to wake it — the runner kills what is left
// through the kernel API: send_signal(SIGKILL, SI_KERNEL) to every task but idle and init
// (pid 1), the way the kernel's own OOM killer or a host-side kill would, then runs on
// (KILL_BUDGET cycles) until init has reaped them all and exited.
//
// A BUG is any of: a host exception out of the machine or the kernel, a kernel panic, a
// syscall result that is not a 32-bit value, an errno (-4095..-1) that is not a valid
// one, a count-like result below -4095, a task that survives SIGKILL, a task left after
// init exited, or a violated kernel invariant (check_invariants: frames, reference
// counts, page tables; check_fs_invariants: open files, pipes, inodes).

import { E, NR, SIG } from '../../src/guest/abi.js';
import { bootProgram } from '../../src/run.js';
import { idleState } from '../../src/run.js';
import { check_invariants } from '../../src/guest/memory.js';
import { check_fs_invariants } from '../../src/guest/fs/invariants.js';
import { send_signal, SI_KERNEL } from '../../src/guest/signal.js';
import { SYSCALL_NAMES } from '../../src/guest/syscalls.js';
import type { Task } from '../../src/guest/task.js';
import { assemble } from '../../src/asm/assembler.js';
import { formatDiagnostics } from '../../src/asm/diagnostics.js';
import { PT_EIP } from '../../src/guest/ptregs.js';
import { generateSyscallProgram, TRUE_PROGRAM, type SyscallFuzzOptions, type WorkerKind } from './syscalls-gen.js';

export interface SyscallFuzzRunOptions extends SyscallFuzzOptions {
  /** Guest cycles before the survivors are killed (default 150 M: 1.5 guest seconds). */
  maxCycles?: number;
  /** Machine memory in bytes and timer rate (default: from the seed, see below). */
  memSize?: number;
  hz?: number;
}

export interface Result {
  seed: number;
  workers: WorkerKind[];
  /** Calls of the generated sequences (made from their code), by the tracepoint at entry. */
  calls: number;
  /** Every syscall made by the program's tasks (not init): setup, waiting, handlers too. */
  allCalls: number;
  /** Sequence calls by syscall name (or number, when it has none). */
  perSyscall: Record<string, number>;
  /** Results of the sequence calls: 'ok' or the errno's name. */
  errno: Record<string, number>;
  /** How the run ended: 'exit' (by itself), or 'killed' (budget / deadlock, then SIGKILL). */
  end: 'exit' | 'killed' | 'error';
  /** Tasks the runner killed. */
  killed: number;
  cycles: number;
  /** How tasks ended: 'exit N' or the signal's number ('sig 11'), with counts. */
  exits: Record<string, number>;
  /** Bugs: empty when all is well. */
  violations: string[];
  /** The program's source, for reproducing. */
  source: string;
}

/** FUZZSYS_TRACE=1: every call, exit and kill on the console (debugging a seed). */
const TRACE = !!process.env.FUZZSYS_TRACE;
const SLICE = 4_000_000;
const KILL_BUDGET = 100_000_000;
/** Syscalls whose result may legitimately be below -4095 as a signed value. */
const WIDE_RESULT = new Set<number>([NR.mmap, NR.mmap2, NR.mremap, NR.brk, NR.signal, NR.sgetmask, NR.ssetmask, NR.times,
  NR.time, NR.alarm, NR.ioctl, NR.fcntl, NR.fcntl64, NR.lseek, NR.prctl, NR.sigreturn, NR.rt_sigreturn, NR.getpriority,
  NR.set_tid_address, NR.gettid, NR.getpid, NR.restart_syscall, NR.nice]);
const ERRNO_NAMES: Record<number, string> = Object.fromEntries(Object.entries(E).map(([n, v]) => [v, n]));

const name = (nr: number) => SYSCALL_NAMES[nr] ?? `nr_${nr | 0}`;

let trueBytes: Uint8Array | undefined;
function trueElf(): Uint8Array {
  if (!trueBytes) {
    const r = assemble(TRUE_PROGRAM, 'true.asm', () => '');
    if (!r.ok || !r.elf) throw new Error(formatDiagnostics(r.errors));
    trueBytes = r.elf;
  }
  return trueBytes;
}

/** Kill every task but idle and init (pid 1): SIGKILL with SI_KERNEL. Returns how many. */
export function killAllTasks(kernel: ReturnType<typeof bootProgram>['kernel']): number {
  let n = 0;
  for (const t of [...kernel.tasks.values()]) {
    if (t === kernel.idle || t.pid === 1 || t.exit_state) continue;
    if (TRACE) console.log(`kill pid ${t.pid} state ${t.state} in ${name(t.syscall)} eip ${(kernel.ptRegsOf(t).get(PT_EIP) >>> 0).toString(16)}`);
    send_signal(kernel, t, SIG.SIGKILL, { code: SI_KERNEL, pid: 0 });
    n++;
  }
  return n;
}

export function runSyscallFuzz(seed: number, opts: SyscallFuzzRunOptions = {}): Result {
  const prog = generateSyscallProgram(seed, opts);
  const result: Result = {
    seed, workers: prog.workers.map((w) => w.kind), calls: 0, allCalls: 0, perSyscall: {}, errno: {}, end: 'exit', killed: 0,
    cycles: 0, exits: {}, violations: [], source: prog.source,
  };
  const bug = (m: string) => {
    if (result.violations.length < 50) result.violations.push(m);
  };
  const asm = assemble(prog.source, `fuzz-syscalls-${seed}.asm`, () => '');
  if (!asm.ok || !asm.elf) throw new Error(`seed ${seed}: the program does not assemble:\n${formatDiagnostics(asm.errors)}`);
  const elf = asm.elf;
  const sym = (n: string) => asm.symbols.find((s) => s.name === n)!.value >>> 0;
  const begin = sym('fuzz_begin');
  const end = sym('fuzz_end');
  const inSequence = new Set<Task>();
  const log: string[] = [];
  const booted = bootProgram({
    files: new Map([['/test', elf], ['/bin/true', trueElf()]]), argv: ['/test'], envp: [],
    stdout: () => {}, stderr: () => {}, stdin: () => new Uint8Array(0),
    log: (l) => {
      if (TRACE) console.log(l);
      if (log.length < 200) log.push(l);
    },
    maxTasks: 64,
    // Seeded machine variations: preemption often or seldom; memory plenty or tight
    // (allocation failures, OOM kills), fork by COW or by copying.
    hz: opts.hz ?? [100, 1000, 10000][seed % 3],
    memSize: opts.memSize ?? ([0, 0, 4 << 20][(seed >>> 2) % 3] || undefined),
    forkMode: (seed >>> 4) % 4 === 0 ? 'copy' : 'cow',
  });
  const { kernel, machine } = booted;
  kernel.tracers.push({
    syscallEnter(t: Task, nr: number) {
      if (t.pid === 1) return;
      result.allCalls++;
      if (TRACE) console.log(`pid ${t.pid} ${name(nr)}`);
      const eip = kernel.ptRegsOf(t).get(PT_EIP) >>> 0;
      if (eip < begin || eip >= end) return;
      inSequence.add(t);
      result.calls++;
      const n = name(nr);
      result.perSyscall[n] = (result.perSyscall[n] ?? 0) + 1;
    },
    exit(t: Task, status: number) {
      if (t.pid === 1) return;
      const key = status & 0x7f ? `sig ${status & 0x7f}` : `exit ${(status >> 8) & 0xff}`;
      result.exits[key] = (result.exits[key] ?? 0) + 1;
      if (TRACE) console.log(`exit pid ${t.pid} ${key} last ${name(t.syscall)}`);
    },
    syscallExit(t: Task, nr: number, ret: number) {
      if (t.pid === 1) return;
      if (!Number.isInteger(ret) || ret < -0x80000000 || ret > 0xffffffff) {
        bug(`pid ${t.pid} ${name(nr)} returned ${String(ret)}, not a 32-bit value`);
        return;
      }
      const s = ret | 0;
      let key = 'ok';
      if (s < 0 && s >= -4095) {
        key = ERRNO_NAMES[-s] ?? `errno ${-s}`;
        if (!ERRNO_NAMES[-s] && !(-s >= 512 && -s <= 516)) bug(`pid ${t.pid} ${name(nr)} returned an unknown errno ${s}`);
      } else if (s < -4095 && !WIDE_RESULT.has(nr) && nr >= 0 && nr < 512) {
        bug(`pid ${t.pid} ${name(nr)} returned ${s} (0x${(ret >>> 0).toString(16)}): below -4095`);
      }
      if (inSequence.delete(t)) result.errno[key] = (result.errno[key] ?? 0) + 1;
    },
  });

  const budget = opts.maxCycles ?? 150_000_000;
  const step = (limit: number): boolean => {
    // Run until halted (true) or the limit / nothing can happen (false).
    for (;;) {
      if (kernel.halted) return true;
      const left = limit - machine.cpu.cycles;
      if (left <= 0) return false;
      const r = machine.run(Math.min(left, SLICE));
      if (kernel.halted) return true;
      if (r.reason === 'shutdown' || r.reason === 'halted') {
        bug(`the machine stopped: ${r.reason} ${r.message}`);
        return false;
      }
      if (idleState(kernel) !== 'busy') return false;
    }
  };
  try {
    if (!step(budget)) {
      result.end = 'killed';
      result.killed = killAllTasks(kernel);
      if (!step(machine.cpu.cycles + KILL_BUDGET)) {
        const left = [...kernel.tasks.values()].filter((t) => t !== kernel.idle && t.pid !== 1);
        bug(`tasks survive SIGKILL: ${left.map((t) => `pid ${t.pid} state ${t.state} exit_state ${t.exit_state} syscall ${name(t.syscall)}`).join('; ')}`);
      }
    }
  } catch (e) {
    result.end = 'error';
    bug(`host exception: ${(e as Error).stack ?? String(e)}`);
  }
  result.cycles = machine.cpu.cycles;
  if (kernel.halted?.panic) bug(`kernel panic: ${kernel.halted.panic}`);
  if (kernel.halted && result.end !== 'error') {
    try {
      for (const v of check_invariants(kernel)) bug(`invariant: ${v}`);
      for (const v of check_fs_invariants(kernel)) bug(`fs invariant: ${v}`);
      for (const t of kernel.tasks.values()) if (t !== kernel.idle) bug(`task pid ${t.pid} left after init exited`);
    } catch (e) {
      bug(`host exception in the invariant checks: ${(e as Error).stack ?? String(e)}`);
    }
  }
  return result;
}

/** One line for a failing seed. */
export function describe(r: Result): string {
  return `syscall fuzz seed ${r.seed} (${r.workers.join(', ')}): ${r.violations.length} problem(s)\n  ${r.violations.join('\n  ')}`;
}
