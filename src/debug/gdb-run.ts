// `forkbox run --gdb[=PORT] PROGRAM`: the run under the gdb stub (gdbstub.ts).
//
// The program is booted under the Debugger and run to its entry (its first instruction
// in its own process, after init's fork and execve); then the stub listens on
// 127.0.0.1:PORT (default 1234; 0 picks a free port), says so on stderr —
//   forkbox: waiting for gdb on 127.0.0.1:1234
// — and waits for gdb. gdb can load the program from the target (qXfer:exec-file and
// vFile), which matters for a .asm program whose ELF exists only in memory; or it is
// given the ELF file. Guest output goes to stdout and stderr as in a plain run.
//
// How it ends, and the exit status:
//   the program exits (gdb saw W or X)     its exit status, as `forkbox run` gives it
//   gdb detaches (D)                       the program runs to its end: its status
//   gdb kills it (k), or disconnects       137 (128 + SIGKILL), `forkbox run: killed by gdb`
//   ctrl-C on forkbox                      130, `forkbox run: interrupted`
//   the --max-cycles limit                 1, as in a plain run
// Port in use or not allowed: exit 2 with one line.

import { readFileSync } from 'node:fs';
import type { CliIO } from '../cli.js';
import { assemble } from '../asm/assembler.js';
import { idleState, type RunOptions, type RunOutcome } from '../run.js';
import { SIG } from '../guest/abi.js';
import { Debugger, DebugError, type StopEvent } from './debugger.js';
import type { GdbEnd } from './gdbstub.js';
import { serveGdb } from './gdb-server.js';

export const DEFAULT_GDB_PORT = 1234;

/** What the run's host stdin offers (run-cli.ts HostStdin). */
export interface GdbHostStdin {
  /** Resolves when input or EOF may have arrived. */
  ready(): Promise<void>;
  /** Set by us: called when input arrives (wakes the guest's readers). */
  inputArrived: () => void;
}

export interface GdbRunParams {
  port: number;
  /** The options `forkbox run` built (files, argv, callbacks …). */
  opts: RunOptions;
  /** PROGRAM as given: a .asm source is assembled again for its line table (`monitor list`). */
  program: string;
  io: CliIO;
  stdin: GdbHostStdin;
  /** --stats: the report, printed after the run. */
  stats?: (r: RunOutcome) => string;
  /** Protocol trace to stderr (FORKBOX_GDB_TRACE=1). */
  trace?: boolean;
}

/** Run under gdb; returns the exit status (see the header). */
export async function runUnderGdb(p: GdbRunParams): Promise<number> {
  const { io } = p;
  let lines;
  let symbols;
  if (p.program.endsWith('.asm')) {
    try {
      const r = assemble(readFileSync(p.program, 'utf8'), p.program, (f) => readFileSync(f, 'utf8'));
      if (r.ok) {
        lines = r.lines;
        symbols = r.symbols.filter((s) => s.section !== null).map((s) => ({ name: s.name, value: s.value, size: s.size, type: 2, bind: s.global ? 1 : 0 }));
      }
    } catch {
      // the line table is a convenience: go on without it
    }
  }
  const dbg = new Debugger({
    ...p.opts,
    symbols,
    lines,
    readSource: (file) => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return null;
      }
    },
  });
  p.stdin.inputArrived = () => dbg.kernel.inputArrived();
  const abort = new AbortController();
  const removeInterrupt = io.onInterrupt?.(() => abort.abort());
  let end: GdbEnd;
  try {
    let first: StopEvent;
    try {
      first = dbg.runToEntry();
    } catch (e) {
      if (!(e instanceof DebugError)) throw e;
      io.stderr(`forkbox run: --gdb: ${e.message}\n`);
      return 1;
    }
    // The program never reached its entry (its execve failed …): nothing to debug.
    if (first.reason !== 'entry') return finish(p, dbg, first);
    try {
      end = await serveGdb({
        debugger: dbg,
        port: p.port,
        signal: abort.signal,
        inputReady: () => p.stdin.ready(),
        trace: p.trace ? (line) => io.stderr(`[gdb] ${line}\n`) : undefined,
        onListening: (port) => {
          io.stderr(`forkbox: waiting for gdb on 127.0.0.1:${port}\n`);
          io.stderr(`forkbox: connect with: gdb -ex 'target remote 127.0.0.1:${port}'\n`);
        },
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : code ?? String(e);
      io.stderr(`forkbox run: --gdb: cannot listen on 127.0.0.1:${p.port}: ${why}\n`);
      return 2;
    }
    let stop: StopEvent | null = end.kind === 'exit' ? end.stop : null;
    if (end.kind === 'detach') stop = await runFree(dbg, p.stdin, abort.signal);
    if (end.kind === 'kill' || stop === null) {
      if (abort.signal.aborted) {
        io.stderr('forkbox run: interrupted\n');
        return 130;
      }
      io.stderr(`forkbox run: ${end.kind === 'kill' ? end.reason : 'interrupted'}\n`);
      return 128 + SIG.SIGKILL;
    }
    return finish(p, dbg, stop);
  } finally {
    removeInterrupt?.();
  }
}

/** After a detach: run to the end at full speed (no points are left). */
async function runFree(dbg: Debugger, stdin: GdbHostStdin, signal: AbortSignal): Promise<StopEvent | null> {
  for (;;) {
    if (signal.aborted) return null;
    const onAbort = () => dbg.interrupt();
    signal.addEventListener('abort', onAbort);
    let ev: StopEvent;
    try {
      ev = await dbg.cont();
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (ev.reason === 'deadlock' && idleState(dbg.kernel) === 'input') {
      await Promise.race([stdin.ready(), new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))]);
      continue;
    }
    if (ev.reason === 'interrupt' || ev.reason === 'breakpoint' || ev.reason === 'watchpoint' || ev.reason === 'catch' || ev.reason === 'step') {
      if (signal.aborted) return null;
      continue;
    }
    return ev;
  }
}

/** The program's end: the exit status and messages of a plain `forkbox run`. */
function finish(p: GdbRunParams, dbg: Debugger, ev: StopEvent): number {
  const { io } = p;
  const k = dbg.kernel;
  const m = dbg.machine;
  let code: number;
  let endKind: RunOutcome['end'];
  if (ev.reason === 'exit' && !k.halted?.panic) {
    const st = ev.status ?? 0;
    const sig = st & 0x7f;
    code = sig ? 128 + sig : (st >> 8) & 0xff;
    endKind = 'exit';
  } else if (ev.reason === 'limit') {
    io.stderr(`forkbox run: stopped: ${ev.message} (--max-cycles)\n`);
    code = 1;
    endKind = 'limit';
  } else {
    io.stderr(`forkbox run: ${ev.message}\n`);
    code = 1;
    endKind = ev.reason === 'exit' ? 'panic' : 'deadlock';
  }
  if (p.stats) {
    const r: RunOutcome = {
      end: endKind, status: k.halted?.status ?? 0, exitCode: code, message: ev.message,
      cycles: m.cpu.cycles, instructions: m.cpu.instret, kernel: k, machine: m,
    };
    io.stderr(p.stats(r));
  }
  return code;
}
