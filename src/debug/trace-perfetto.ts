// `forkbox run --trace-out FILE`: the run as a Chrome / Perfetto trace-event JSON file
// (the "JSON Array/Object Format" that ui.perfetto.dev and chrome://tracing open), in
// GUEST time: every timestamp is the CPU's cycle counter at the event, in microseconds
// (cycles / cpuHz × 10⁶, rounded to the nanosecond), so the same run gives the same file.
//
// WHAT IS IN IT
//   One process per thread group (pid = tgid, named by its comm), one thread track per
//   task (tid = pid). On a task's track:
//     running                    B/E slices from context switch to context switch
//       write, wait4, …          the syscalls, nested in the running slice, with the call
//                                as strace shows it (args.call) and its result (args.ret);
//                                a call that sleeps ends its slice when the task is
//                                switched out and opens another when it is switched in
//     sleeping in wait4 …        off-CPU slices between running slices: why the task is
//     runnable, stopped          not running (sleeping in a syscall, preempted / woken
//                                and waiting for the CPU, stopped by a signal)
//     instant events             page faults (kind, address, frames), signals, wake-ups,
//                                fork, execve, exit
//   Flow arrows (v1 "s"/"f", category "fork") go from the parent's fork/vfork/clone slice
//   to the child's first running slice.
//   A "CPU 0" process whose track shows which task has the CPU (the idle task is a gap),
//   with counters: free frames (and per process, rss in pages).
// With vfork the parent's track shows "sleeping in vfork" until the child's exec or
// exit; with fork the child (which runs first) and the parent interleave as the
// scheduler decides — the difference the seed articles describe, at a glance.

import type { Kernel } from '../guest/kernel.js';
import type { Task } from '../guest/task.js';
import { TASK_RUNNING, TASK_STOPPED } from '../guest/task.js';
import { PT_ESP } from '../guest/ptregs.js';
import type { FaultInfo, KernelTracer, SignalAction, SignalInfo } from '../guest/tracepoints.js';
import { cloneFlagsStr, formatEntryArgs, formatOf, formatReturn, nameOf, signame, type DecodeCtx } from './strace-table.js';
import { faultErrorStr, faultKindStr, siginfoStr, type TaskFilter } from './trace-text.js';

/** Most events kept (a guard against a run that would fill the host's memory). */
export const PERFETTO_MAX_EVENTS = 4_000_000;

interface TaskTrack {
  t: Task;
  /** Names of the B slices open on the track, innermost last. */
  open: string[];
  /** The syscall in progress (entered, not returned), -1 if none. */
  syscall: number;
  /** The flow id waiting for the task's first run (fork). */
  flowIn: number;
}

export class PerfettoTracer implements KernelTracer {
  private readonly events: string[] = [];
  private readonly tracks = new Map<Task, TaskTrack>();
  /** Tasks in the order they first appeared (names at the end, deterministic order). */
  private readonly order: Task[] = [];
  private readonly cpuPid: number;
  private cpuOpen = false;
  private flowSeq = 0;
  private lastFree = -1;
  private readonly lastRss = new Map<number, number>();
  truncated = false;

  constructor(private readonly k: Kernel, private readonly filter: TaskFilter) {
    this.cpuPid = k.options.pidMax + 1;
  }

  // -------------------------------------------------------------------------------
  // Output.

  private ts(): number {
    return Math.round((this.k.cpu.cycles / this.k.machine.cpuHz) * 1e9) / 1000;
  }

  private push(e: Record<string, unknown>): void {
    if (this.events.length >= PERFETTO_MAX_EVENTS) {
      this.truncated = true;
      return;
    }
    this.events.push(JSON.stringify(e));
  }

  private track(t: Task): TaskTrack | null {
    if (!this.filter.has(t)) return null;
    let tr = this.tracks.get(t);
    if (!tr) {
      tr = { t, open: [], syscall: -1, flowIn: 0 };
      this.tracks.set(t, tr);
      this.order.push(t);
    }
    return tr;
  }

  private begin(tr: TaskTrack, name: string, ts: number, args?: Record<string, unknown>): void {
    tr.open.push(name);
    this.push(args ? { ph: 'B', pid: tr.t.tgid, tid: tr.t.pid, ts, name, args } : { ph: 'B', pid: tr.t.tgid, tid: tr.t.pid, ts, name });
  }

  private end(tr: TaskTrack, ts: number, args?: Record<string, unknown>): void {
    if (tr.open.length === 0) return;
    tr.open.pop();
    this.push(args ? { ph: 'E', pid: tr.t.tgid, tid: tr.t.pid, ts, args } : { ph: 'E', pid: tr.t.tgid, tid: tr.t.pid, ts });
  }

  private top(tr: TaskTrack): string | undefined {
    return tr.open[tr.open.length - 1];
  }

  private instant(tr: TaskTrack, name: string, ts: number, args?: Record<string, unknown>): void {
    this.push(args ? { ph: 'i', s: 't', pid: tr.t.tgid, tid: tr.t.pid, ts, name, args } : { ph: 'i', s: 't', pid: tr.t.tgid, tid: tr.t.pid, ts, name });
  }

  /** Counters: free frames, and the rss of t's process, when they changed. */
  private counters(ts: number, t?: Task): void {
    const free = this.k.pages.freeFrames;
    if (free !== this.lastFree) {
      this.lastFree = free;
      this.push({ ph: 'C', pid: this.cpuPid, tid: this.cpuPid, ts, name: 'memory', args: { 'free frames': free } });
    }
    if (t && t.mm && this.filter.has(t)) {
      const rss = t.mm.rss;
      if (this.lastRss.get(t.tgid) !== rss) {
        this.lastRss.set(t.tgid, rss);
        this.push({ ph: 'C', pid: t.tgid, tid: t.pid, ts, name: 'rss', args: { pages: rss } });
      }
    }
  }

  // -------------------------------------------------------------------------------
  // Tracepoints.

  sched(prev: Task, next: Task): void {
    const ts = this.ts();
    const p = this.track(prev);
    if (p) {
      // Close what is open (a syscall that sleeps, then the running slice) and say why
      // the task is off the CPU.
      while (p.open.length > 0) this.end(p, ts);
      if (!prev.exit_state) {
        const why = prev.state === TASK_RUNNING ? 'runnable' : prev.state === TASK_STOPPED ? 'stopped'
          : p.syscall >= 0 ? `sleeping in ${nameOf(p.syscall)}` : 'sleeping';
        this.begin(p, why, ts);
      }
    }
    if (this.cpuOpen) {
      this.push({ ph: 'E', pid: this.cpuPid, tid: this.cpuPid, ts });
      this.cpuOpen = false;
    }
    if (next.pid !== 0) {
      this.push({ ph: 'B', pid: this.cpuPid, tid: this.cpuPid, ts, name: `${next.comm} ${next.pid}` });
      this.cpuOpen = true;
    }
    const n = this.track(next);
    if (n) {
      while (n.open.length > 0) this.end(n, ts);
      if (n.flowIn) {
        // The fork's arrow ends at the next slice that begins on this track: running.
        this.push({ ph: 'f', pid: next.tgid, tid: next.pid, ts: Math.max(0, Math.round(ts * 1000 - 1) / 1000), name: 'fork', cat: 'fork', id: n.flowIn });
        n.flowIn = 0;
      }
      this.begin(n, 'running', ts);
      if (n.syscall >= 0) this.begin(n, nameOf(n.syscall), ts, { resumed: true });
    }
    this.counters(ts, next);
  }

  syscallEnter(t: Task, nr: number, args: number[]): void {
    const tr = this.track(t);
    if (!tr) return;
    const c: DecodeCtx = { k: this.k, t, mm: t.mm, args, esp: this.k.ptRegsOf(t).get(PT_ESP) >>> 0, ret: 0, exiting: false, missed: false };
    const { text, more } = formatEntryArgs(c, nr);
    const name = nameOf(nr);
    tr.syscall = nr;
    if (this.top(tr) !== 'running') this.begin(tr, 'running', this.ts()); // attached mid-run
    this.begin(tr, name, this.ts(), { call: `${name}(${text.join(', ')}${more ? (text.length ? ', …' : '…') : ''})` });
  }

  syscallExit(t: Task, nr: number, ret: number): void {
    const tr = this.tracks.get(t);
    if (!tr || tr.syscall < 0) return;
    tr.syscall = -1;
    const ts = this.ts();
    if (this.top(tr) === nameOf(nr)) this.end(tr, ts, { ret: formatReturn(ret, formatOf(nr).ret).slice(3) });
    this.counters(ts, t);
  }

  fault(t: Task, info: FaultInfo): void {
    const tr = this.track(t);
    if (!tr) return;
    const ts = this.ts();
    const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
    const args: Record<string, unknown> = {
      addr: hex(info.addr), eip: hex(info.eip), error: `0x${info.error.toString(16)} ${faultErrorStr(info.error)}`,
      kind: faultKindStr(info), outcome: info.outcome,
    };
    this.instant(tr, `page fault: ${info.kind}`, ts, args);
    this.counters(ts, t);
  }

  fork(parent: Task, child: Task, flags: number): void {
    const p = this.track(parent);
    const c = this.track(child);
    const ts = this.ts();
    if (p) this.instant(p, `fork → ${child.pid}`, ts, { flags: cloneFlagsStr(flags), child: child.pid });
    if (c) {
      // A new task is runnable until its first run.
      this.begin(c, 'runnable', ts, { forked_by: parent.pid });
      if (p) {
        const id = ++this.flowSeq;
        this.push({ ph: 's', pid: parent.tgid, tid: parent.pid, ts, name: 'fork', cat: 'fork', id });
        c.flowIn = id;
      }
    }
    this.counters(ts, parent);
  }

  exec(t: Task, path: string): void {
    const tr = this.track(t);
    if (tr) this.instant(tr, `execve ${path}`, this.ts(), { comm: t.comm });
  }

  exit(t: Task, status: number): void {
    const tr = this.track(t);
    if (!tr) return;
    const sig = status & 0x7f;
    const what = sig ? `killed by ${signame(sig)}${status & 0x80 ? ' (core dumped)' : ''}` : `exit ${(status >> 8) & 0xff}`;
    this.instant(tr, what, this.ts());
    tr.syscall = -1;
  }

  signal(t: Task, sig: number, action: SignalAction, info?: SignalInfo): void {
    const tr = this.track(t);
    if (tr) this.instant(tr, `${signame(sig)} (${action})`, this.ts(), { siginfo: siginfoStr(sig, info) });
  }

  wakeup(t: Task, reason: string): void {
    const tr = this.track(t);
    if (!tr) return;
    const ts = this.ts();
    // The sleep ends here; from now on the task waits for the CPU.
    if (tr.open.length === 1 && tr.open[0] !== 'running') {
      this.end(tr, ts);
      this.begin(tr, 'runnable', ts, { woken: reason || 'wake_up_process' });
    }
  }

  // -------------------------------------------------------------------------------
  // The file.

  /** The trace as JSON text (call once, after the run). Open slices end at the last
   *  moment of the run. */
  json(): string {
    const ts = this.ts();
    for (const t of this.order) {
      const tr = this.tracks.get(t)!;
      while (tr.open.length > 0) this.end(tr, ts);
    }
    if (this.cpuOpen) {
      this.push({ ph: 'E', pid: this.cpuPid, tid: this.cpuPid, ts });
      this.cpuOpen = false;
    }
    const meta: string[] = [];
    const m = (e: Record<string, unknown>) => meta.push(JSON.stringify(e));
    m({ ph: 'M', pid: this.cpuPid, tid: this.cpuPid, name: 'process_name', args: { name: 'CPU 0' } });
    m({ ph: 'M', pid: this.cpuPid, tid: this.cpuPid, name: 'process_sort_index', args: { sort_index: -1 } });
    m({ ph: 'M', pid: this.cpuPid, tid: this.cpuPid, name: 'thread_name', args: { name: 'on CPU' } });
    const named = new Set<number>();
    for (const t of this.order) {
      if (!named.has(t.tgid)) {
        named.add(t.tgid);
        const leader = this.order.find((u) => u.pid === t.tgid) ?? t;
        m({ ph: 'M', pid: t.tgid, tid: t.tgid, name: 'process_name', args: { name: leader.comm } });
        m({ ph: 'M', pid: t.tgid, tid: t.tgid, name: 'process_sort_index', args: { sort_index: t.tgid } });
      }
      m({ ph: 'M', pid: t.tgid, tid: t.pid, name: 'thread_name', args: { name: t.comm } });
      m({ ph: 'M', pid: t.tgid, tid: t.pid, name: 'thread_sort_index', args: { sort_index: t.pid } });
    }
    const other = {
      producer: 'forkbox run --trace-out',
      clock: `guest cycles / ${this.k.machine.cpuHz} Hz`,
      truncated: this.truncated,
    };
    return `{"traceEvents":[\n${[...meta, ...this.events].join(',\n')}\n],\n"displayTimeUnit":"ns",\n"otherData":${JSON.stringify(other)}}\n`;
  }
}
