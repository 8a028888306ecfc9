// Tracing a run: what `forkbox run --strace / --trace=… / --trace-out FILE` attach to the
// kernel's tracepoints (src/guest/tracepoints.ts), and their options.
//
//   --strace                  syscalls as strace -f shows them (= --trace=syscalls)
//   --trace=LIST              a comma-separated list of: syscalls, faults, sched (or all)
//   --trace-file FILE         the text trace goes to FILE instead of stderr
//   --trace-out FILE          a Chrome / Perfetto trace-event JSON file of the run
//   --trace-all               trace init (pid 1) too, not only the program's tasks
//
// Tracers only observe: they read guest memory without faulting (umem.ts) and never
// change guest state, so a traced run is the same run, cycle for cycle, as an untraced
// one — and two traced runs give the same trace, byte for byte. Without any of these
// options nothing is attached and each tracepoint costs one length check.

import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import type { Kernel } from '../guest/kernel.js';
import { PerfettoTracer } from './trace-perfetto.js';
import { TaskFilter, TextTracer, type TextTraceCategories } from './trace-text.js';

export interface TraceOptions {
  /** Text trace categories (--strace sets syscalls). */
  text: TextTraceCategories;
  /** Trace init too. */
  all: boolean;
  /** Build the Perfetto JSON (--trace-out). */
  perfetto: boolean;
  /** --trace-file: where the text trace goes (default: the caller's stderr). */
  file?: string;
  /** --trace-out: where the Perfetto JSON goes. */
  out?: string;
}

export function emptyTraceOptions(): TraceOptions {
  return { text: { syscalls: false, faults: false, sched: false }, all: false, perfetto: false };
}

/** The trace options' usage lines (forkbox run --help). */
export const TRACE_USAGE = `  --strace            print each syscall of the program's tasks as strace -f does
  --trace=LIST        text traces, comma-separated: syscalls, faults, sched, all
  --trace-file FILE   write the text trace to FILE instead of stderr
  --trace-out FILE    write a Chrome/Perfetto trace-event JSON file of the run
                      (guest time; open it in ui.perfetto.dev)
  --trace-all         trace init (pid 1) as well as the program's tasks
`;

/**
 * One command-line option, if it is a trace option: `name` without the dashes, `value()`
 * reads its value, `flag()` checks it has none. Returns false for other options; throws
 * an Error with the message for a bad value.
 */
export function parseTraceOption(name: string, value: () => string, flag: () => void, o: TraceOptions): boolean {
  switch (name) {
    case 'strace':
      flag();
      o.text.syscalls = true;
      return true;
    case 'trace':
      try {
        parseTraceList(value(), o.text);
      } catch (e) {
        throw new Error(`--trace: ${(e as Error).message}`);
      }
      return true;
    case 'trace-file':
      o.file = value();
      return true;
    case 'trace-out':
      o.out = value();
      o.perfetto = true;
      return true;
    case 'trace-all':
      flag();
      o.all = true;
      return true;
  }
  return false;
}

/** --trace=LIST: adds the named categories to `into`; throws on an unknown name. */
export function parseTraceList(list: string, into: TextTraceCategories): void {
  for (const raw of list.split(',')) {
    const name = raw.trim();
    if (name === 'syscalls' || name === 'syscall' || name === 'strace') into.syscalls = true;
    else if (name === 'faults' || name === 'fault') into.faults = true;
    else if (name === 'sched' || name === 'scheduler') into.sched = true;
    else if (name === 'all') into.syscalls = into.faults = into.sched = true;
    else throw new Error(`unknown trace '${name}' (syscalls, faults, sched or all)`);
  }
}

export function wantsTracing(o: TraceOptions): boolean {
  return o.perfetto || o.text.syscalls || o.text.faults || o.text.sched;
}

/** The tracers of one run, attached to its kernel. */
export class TraceSession {
  readonly filter: TaskFilter;
  readonly text: TextTracer | null = null;
  readonly perfetto: PerfettoTracer | null = null;

  /** `write` receives the text trace, whole lines. Attach before the run starts
   *  (after bootProgram: the kernel boots on the first instruction). */
  constructor(readonly k: Kernel, opts: TraceOptions, write: (text: string) => void) {
    this.filter = new TaskFilter(k, opts.all);
    k.tracers.push(this.filter);
    const t = opts.text;
    if (t.syscalls || t.faults || t.sched) {
      this.text = new TextTracer(k, this.filter, { ...t }, write);
      k.tracers.push(this.text);
    }
    if (opts.perfetto) {
      this.perfetto = new PerfettoTracer(k, this.filter);
      k.tracers.push(this.perfetto);
    }
  }

  /** The run is over: finish the text trace (a call still open stays `<unfinished ...>`). */
  finish(): void {
    this.text?.finish();
  }

  /** Stop observing (the kernel goes back to zero-cost tracepoints). */
  detach(): void {
    const list = this.k.tracers;
    for (const tr of [this.perfetto, this.text, this.filter]) {
      const i = tr ? list.indexOf(tr) : -1;
      if (i >= 0) list.splice(i, 1);
    }
  }

  /** The Perfetto JSON (with --trace-out). */
  perfettoJson(): string | null {
    return this.perfetto?.json() ?? null;
  }
}

/**
 * The traces of one `forkbox run`: the session, --trace-file's output (written in 64 KiB
 * chunks) and --trace-out's file at the end.
 */
export class RunTrace {
  readonly session: TraceSession;
  private fd: number | null = null;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** The first file error (the run goes on; the caller reports it). */
  error: string | null = null;

  /** `stderr` receives the text trace without --trace-file. Check `error` after: a
   *  --trace-file or --trace-out that cannot be created is reported there before
   *  anything runs. */
  constructor(k: Kernel, private readonly o: TraceOptions, stderr: (text: string) => void, describe: (e: unknown) => string) {
    this.describe = describe;
    if (o.file !== undefined) {
      try {
        this.fd = openSync(o.file, 'w');
      } catch (e) {
        this.error = `--trace-file ${o.file}: ${describe(e)}`;
      }
    }
    if (o.out !== undefined && this.error === null) {
      // created now (written at the end), so that a path that cannot be written is a
      // usage error before anything runs, as --trace-file's is
      try {
        writeFileSync(o.out, '');
      } catch (e) {
        this.error = `--trace-out ${o.out}: ${describe(e)}`;
      }
    }
    const write = o.file === undefined ? stderr : (text: string) => this.toFile(text);
    this.session = new TraceSession(k, o, write);
  }

  private readonly describe: (e: unknown) => string;

  private toFile(text: string): void {
    if (this.fd === null) return;
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.fd === null || this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    try {
      writeSync(this.fd, text);
    } catch (e) {
      this.error ??= `--trace-file ${this.o.file}: ${this.describe(e)}`;
      this.close();
    }
  }

  private close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // nothing more to report
    }
    this.fd = null;
  }

  /** The run is over: end the text trace, close --trace-file, write --trace-out, detach.
   *  Returns the first error, or null. */
  finish(): string | null {
    this.session.finish();
    this.flush();
    this.close();
    this.session.detach();
    if (this.o.out !== undefined) {
      try {
        writeFileSync(this.o.out, this.session.perfettoJson() ?? '');
      } catch (e) {
        this.error ??= `--trace-out ${this.o.out}: ${this.describe(e)}`;
      }
    }
    return this.error;
  }
}
