// The text traces of `forkbox run`: --strace (--trace=syscalls), --trace=faults and
// --trace=sched, one line per event, each prefixed with the pid of the task it is about.
//
// SYSCALLS look as `strace -f` prints them (formats: strace-table.ts):
//     [pid 3] write(1, "hi\n", 3) = 3
//     [pid 2] wait4(-1,  <unfinished ...>                  the call sleeps; others run
//     [pid 3] exit_group(0) = ?
//     [pid 3] +++ exited with 0 +++
//     [pid 2] <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 3
//     [pid 2] --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=3, ...} ---
// A line is completed at the syscall's return unless another line comes first: then the
// first part ends in `<unfinished ...>` and the return is a `<... NAME resumed>` line.
// Signals are shown when the task takes them (handler, default action); a signal the
// kernel drops at once because the task ignores it by default (SIGCHLD) is shown where
// strace shows it — when the task next returns from a syscall — since under ptrace
// Linux queues even those.
//
// FAULTS (--trace=faults), one line per page fault, after it was handled:
//     [pid 3] page fault: eip 0x0804810f addr 0x0804a108 error 0x7 [protection write user]: COW copy (frame 0x10 → 0x19) → resolved
// A fault the kernel takes while copying to or from user memory inside a syscall says
// `kernel` instead of `user` and names the syscall.
//
// SCHED (--trace=sched) uses ftrace's event names, with the guest time in seconds:
//     [pid 2] 0.000219 sched_switch: prev_comm=test prev_pid=2 prev_state=S ==> next_comm=test next_pid=3
//     [pid 1] 0.000301 sched_wakeup: comm=init pid=1 reason=child
//     [pid 2] 0.000250 sched_process_fork: comm=test pid=2 child_pid=3 flags=SIGCHLD
//
// WHICH TASKS: by default the user's program and its descendants (strace -f PROGRAM):
// init's first child — whose first syscall is the execve of the program — and every task
// forked by a traced task. `all` traces init (pid 1) too.

import type { Kernel } from '../guest/kernel.js';
import { PT_ESP } from '../guest/ptregs.js';
import { EXIT_ZOMBIE, STATE_NAMES, TASK_RUNNING, type Task } from '../guest/task.js';
import { E, SIG } from '../guest/abi.js';
import type { FaultInfo, KernelTracer, SignalAction, SignalInfo } from '../guest/tracepoints.js';
import {
  cloneFlagsStr, formatEntryArgs, formatExitArgs, formatOf, formatReturn, nameOf, ptr, signame, type DecodeCtx,
} from './strace-table.js';

// ---------------------------------------------------------------------------------
// Which tasks are traced.

/**
 * TaskFilter: the tasks a trace covers. Push it on k.tracers before the tracers that
 * consult it, so that it sees each fork first.
 */
export class TaskFilter implements KernelTracer {
  private readonly traced = new Set<Task>();
  private mainSeen = false;

  constructor(private readonly k: Kernel, readonly all: boolean) {}

  has(t: Task): boolean {
    if (this.all) return t.pid !== 0;
    return this.traced.has(t);
  }

  fork(parent: Task, child: Task): void {
    if (this.traced.has(parent)) this.traced.add(child);
    else if (!this.mainSeen && parent === this.k.init) {
      // init's first child is the user's program (init_task.ts init_forked).
      this.mainSeen = true;
      this.traced.add(child);
    }
  }
}

// ---------------------------------------------------------------------------------
// Names shared by the text and Perfetto traces.

/** A prev_state letter as ftrace prints it. */
export function stateLetter(t: Task): string {
  if (t.exit_state & EXIT_ZOMBIE) return 'Z';
  if (t.exit_state) return 'X';
  if (t.state === TASK_RUNNING) return 'R';
  return (STATE_NAMES[t.state] ?? '?').charAt(0);
}

const SI_CODES: Record<number, string> = { 0: 'SI_USER', 0x80: 'SI_KERNEL', [-1]: 'SI_QUEUE', [-2]: 'SI_TIMER', [-6]: 'SI_TKILL' };
const FAULT_CODES: Record<number, Record<number, string>> = {
  [SIG.SIGCHLD]: { 1: 'CLD_EXITED', 2: 'CLD_KILLED', 3: 'CLD_DUMPED', 4: 'CLD_TRAPPED', 5: 'CLD_STOPPED', 6: 'CLD_CONTINUED' },
  [SIG.SIGSEGV]: { 1: 'SEGV_MAPERR', 2: 'SEGV_ACCERR' },
  [SIG.SIGBUS]: { 1: 'BUS_ADRALN', 2: 'BUS_ADRERR', 3: 'BUS_OBJERR' },
  [SIG.SIGILL]: { 1: 'ILL_ILLOPC', 2: 'ILL_ILLOPN', 3: 'ILL_ILLADR', 4: 'ILL_ILLTRP', 5: 'ILL_PRVOPC', 6: 'ILL_PRVREG', 7: 'ILL_COPROC', 8: 'ILL_BADSTK' },
  [SIG.SIGFPE]: { 1: 'FPE_INTDIV', 2: 'FPE_INTOVF', 3: 'FPE_FLTDIV', 4: 'FPE_FLTOVF', 5: 'FPE_FLTUND', 6: 'FPE_FLTRES', 7: 'FPE_FLTINV', 8: 'FPE_FLTSUB' },
  [SIG.SIGTRAP]: { 1: 'TRAP_BRKPT', 2: 'TRAP_TRACE' },
};

/** A siginfo as strace prints it: {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=3, …}. */
export function siginfoStr(sig: number, info: SignalInfo | undefined): string {
  const code = info?.code ?? 0;
  const parts = [`si_signo=${signame(sig)}`];
  const named = code > 0 && code < 0x80 ? FAULT_CODES[sig]?.[code] : undefined;
  parts.push(`si_code=${named ?? SI_CODES[code] ?? String(code)}`);
  if (info && sig === SIG.SIGCHLD && code > 0 && code < 0x80) {
    const status = code === 1 ? String(info.status) : signame(info.status);
    parts.push(`si_pid=${info.pid}`, `si_uid=${info.uid}`, `si_status=${status}`, `si_utime=${info.utime}`, `si_stime=${info.stime}`);
  } else if (info && code > 0 && (sig === SIG.SIGSEGV || sig === SIG.SIGBUS || sig === SIG.SIGILL || sig === SIG.SIGFPE || sig === SIG.SIGTRAP)) {
    parts.push(`si_addr=${ptr(info.addr)}`);
  } else if (info && (code === 0 || code === -6 || code === -1)) {
    parts.push(`si_pid=${info.pid}`, `si_uid=${info.uid}`);
  }
  return `{${parts.join(', ')}}`;
}

/** The page fault error code in words: [protection write user]. */
export function faultErrorStr(error: number): string {
  return `[${error & 1 ? 'protection' : 'not-present'} ${error & 2 ? 'write' : 'read'} ${error & 4 ? 'user' : 'kernel'}]`;
}

const hexFrame = (f: number | undefined) => (f === undefined ? '?' : `0x${f.toString(16)}`);

/** The fault's kind with its frames: COW copy (frame 0x10 → 0x19) … */
export function faultKindStr(info: FaultInfo): string {
  switch (info.kind) {
    case 'cow-copy': return `COW copy (frame ${hexFrame(info.frameFrom)} → ${hexFrame(info.frameTo)})`;
    case 'cow-reuse': return `COW reuse (frame ${hexFrame(info.frameTo)})`;
    case 'demand-zero': return `demand zero (frame ${hexFrame(info.frameTo)})`;
    case 'demand-file': return `demand file (frame ${hexFrame(info.frameTo)})`;
    case 'stack-growth': return `stack growth (frame ${hexFrame(info.frameTo)})`;
    case 'segv': return 'segv';
    case 'sigbus': return 'sigbus';
    case 'oom': return 'out of memory';
    case 'spurious': return 'spurious (already mapped)';
  }
}

const hex8 = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

// ---------------------------------------------------------------------------------
// The text tracer.

export interface TextTraceCategories {
  syscalls: boolean;
  faults: boolean;
  sched: boolean;
}

interface InFlight {
  nr: number;
  args: number[];
  esp: number;
  /** The entry part: `name(args, `. */
  head: string;
  missed: boolean;
  /** Printed with <unfinished ...>: the return comes as <... name resumed>. */
  unfinished: boolean;
}

export class TextTracer implements KernelTracer {
  /** An entry line waiting for its syscall's return. */
  private open: Task | null = null;
  private readonly inflight = new Map<Task, InFlight>();
  /** Dropped signals, shown at the task's next return from a syscall. */
  private readonly deferred = new Map<Task, string[]>();
  /** The last call interrupted with ERESTART_RESTARTBLOCK, for restart_syscall. */
  private readonly interrupted = new Map<Task, string>();

  constructor(
    private readonly k: Kernel,
    private readonly filter: TaskFilter,
    private readonly cat: TextTraceCategories,
    private readonly write: (line: string) => void,
  ) {}

  private line(t: Task, text: string): void {
    this.flushOpen();
    this.write(`[pid ${t.pid}] ${text}\n`);
  }

  /** An entry line still open is cut: `… <unfinished ...>`. */
  private flushOpen(): void {
    const t = this.open;
    if (t === null) return;
    this.open = null;
    const f = this.inflight.get(t);
    if (!f) return;
    f.unfinished = true;
    // Memory the entry could not read has likely been paged in by the syscall by now.
    if (f.missed && !formatOf(f.nr).noRedecode) f.head = this.head(t, f.nr, f.args, f.esp).head;
    this.write(`[pid ${t.pid}] ${f.head} <unfinished ...>\n`);
  }

  /** End of the run: a call still open stays unfinished. */
  finish(): void {
    this.flushOpen();
  }

  private ctx(t: Task, args: number[], esp: number, ret: number, exiting: boolean): DecodeCtx {
    return { k: this.k, t, mm: t.mm, args, esp, ret, exiting, missed: false };
  }

  private flushDeferred(t: Task): void {
    const d = this.deferred.get(t);
    if (!d) return;
    this.deferred.delete(t);
    for (const s of d) this.line(t, s);
  }

  private head(t: Task, nr: number, args: number[], esp: number): { head: string; missed: boolean } {
    const name = nameOf(nr);
    if (name === 'restart_syscall') {
      const what = this.interrupted.get(t);
      return { head: `restart_syscall(<... resuming interrupted ${what ?? 'call'} ...>`, missed: false };
    }
    const c = this.ctx(t, args, esp, 0, false);
    const { text, more } = formatEntryArgs(c, nr);
    return { head: `${name}(${text.join(', ')}${more && text.length > 0 ? ', ' : ''}`, missed: c.missed };
  }

  syscallEnter(t: Task, nr: number, args: number[]): void {
    if (!this.cat.syscalls || !this.filter.has(t)) return;
    this.flushDeferred(t);
    const esp = this.k.ptRegsOf(t).get(PT_ESP) >>> 0;
    const { head, missed } = this.head(t, nr, args, esp);
    if (formatOf(nr).ret === 'none') {
      this.line(t, `${head})${formatReturn(0, 'none')}`);
      return;
    }
    this.flushOpen();
    this.inflight.set(t, { nr, args, esp, head, missed, unfinished: false });
    this.open = t;
  }

  syscallExit(t: Task, nr: number, ret: number): void {
    const f = this.inflight.get(t);
    if (!f) return;
    this.inflight.delete(t);
    const fmt = formatOf(nr);
    const rest = formatExitArgs(this.ctx(t, f.args, f.esp, ret, true), nr).join(', ');
    let text: string;
    if (this.open === t && !f.unfinished) {
      this.open = null;
      // Memory the entry could not read (a page the syscall itself faulted in): again.
      const head = f.missed && !fmt.noRedecode ? this.head(t, nr, f.args, f.esp).head : f.head;
      text = `${head}${rest})${formatReturn(ret, fmt.ret)}`;
    } else {
      text = `<... ${nameOf(nr)} resumed>${rest})${formatReturn(ret, fmt.ret)}`;
    }
    this.line(t, text);
    if ((ret | 0) === -E.ERESTART_RESTARTBLOCK) this.interrupted.set(t, nameOf(nr));
    this.flushDeferred(t);
  }

  signal(t: Task, sig: number, action: SignalAction, info?: SignalInfo): void {
    if (!this.cat.syscalls || !this.filter.has(t) || sig === SIG.SIGKILL) return;
    const text = `--- ${signame(sig)} ${siginfoStr(sig, info)} ---`;
    if (action === 'discard') {
      // Queued under ptrace, it would be pending until then; a classic signal already
      // pending is not queued twice.
      const d = this.deferred.get(t);
      if (!d) this.deferred.set(t, [text]);
      else if (sig >= 32 || !d.some((s) => s.startsWith(`--- ${signame(sig)} `))) d.push(text);
      return;
    }
    this.line(t, text);
    if (action === 'stop') this.line(t, `--- stopped by ${signame(sig)} ---`);
  }

  exit(t: Task, status: number): void {
    if (this.cat.syscalls && this.filter.has(t)) {
      const f = this.inflight.get(t);
      if (f) {
        // Killed in a syscall (a fatal signal, another thread's exit_group).
        this.inflight.delete(t);
        if (this.open === t && !f.unfinished) {
          this.open = null;
          this.line(t, `${f.head})${formatReturn(0, 'none')}`);
        } else {
          this.line(t, `<... ${nameOf(f.nr)} resumed>)${formatReturn(0, 'none')}`);
        }
      }
      this.deferred.delete(t);
      const sig = status & 0x7f;
      this.line(t, sig ? `+++ killed by ${signame(sig)}${status & 0x80 ? ' (core dumped)' : ''} +++` : `+++ exited with ${(status >> 8) & 0xff} +++`);
    }
    if (this.cat.sched && this.filter.has(t)) this.line(t, `${this.time()} sched_process_exit: comm=${t.comm} pid=${t.pid}`);
  }

  fault(t: Task, info: FaultInfo): void {
    if (!this.cat.faults || !this.filter.has(t)) return;
    const where = info.user ? '' : t.syscall >= 0 ? ` in ${nameOf(t.syscall)}()` : ' in the kernel';
    this.line(t, `page fault: eip ${hex8(info.eip)} addr ${hex8(info.addr)} error 0x${info.error.toString(16)} ${faultErrorStr(info.error)}${where}: ${faultKindStr(info)} → ${info.outcome}`);
  }

  private time(): string {
    return (this.k.cpu.cycles / this.k.machine.cpuHz).toFixed(6);
  }

  sched(prev: Task, next: Task): void {
    if (!this.cat.sched || !(this.filter.has(prev) || this.filter.has(next))) return;
    const name = (t: Task) => (t.pid === 0 ? 'swapper/0' : t.comm);
    this.line(prev, `${this.time()} sched_switch: prev_comm=${name(prev)} prev_pid=${prev.pid} prev_state=${stateLetter(prev)} ==> next_comm=${name(next)} next_pid=${next.pid}`);
  }

  wakeup(t: Task, reason: string): void {
    if (!this.cat.sched || !this.filter.has(t)) return;
    this.line(t, `${this.time()} sched_wakeup: comm=${t.comm} pid=${t.pid}${reason ? ` reason=${reason}` : ''}`);
  }

  fork(parent: Task, child: Task, flags: number): void {
    if (!this.cat.sched || !this.filter.has(child)) return;
    this.line(parent, `${this.time()} sched_process_fork: comm=${parent.comm} pid=${parent.pid} child_pid=${child.pid} flags=${cloneFlagsStr(flags)}`);
  }

  exec(t: Task, path: string): void {
    if (!this.cat.sched || !this.filter.has(t)) return;
    this.line(t, `${this.time()} sched_process_exec: filename=${path} pid=${t.pid} comm=${t.comm}`);
  }
}
