// `forkbox debug [OPTIONS] PROGRAM [ARGS...]`: run a program under the debugger, stopped
// at its entry — the first instruction of the program in its own process (init's child
// after its execve), not init's.
//
// PROGRAM is an ELF32 i386 executable or NASM source (.asm), assembled on the fly with
// its symbols and line table (so step, next, list and FILE:LINE work). The program is
// placed in the guest's filesystem as `forkbox run` places it. Commands come from the
// terminal (an interactive REPL with history and completion), from `--batch FILE`, or
// from stdin when it is not a terminal; batch output is a transcript (each command
// echoed after the prompt). The guest's stdin is empty unless `--stdin FILE` gives it,
// and its environment is empty unless `--env` adds to it, so that a session is the same
// every time (reverse execution relies on it). Guest output goes to stdout.
//
// Exit status: 0 after quit or the end of a script; 2 for a usage error or a program
// that cannot be loaded (one line on stderr).

import { HostFileError, readHostFile } from '../host-file.js';
import { posix } from 'node:path';
import type { CliIO } from '../cli.js';
import { assemble } from '../asm/assembler.js';
import { parseElf } from '../guest/elf.js';
import { Debugger, type DebuggerOptions } from './debugger.js';
import { Commands } from './commands.js';
import { runBatch, runInteractive } from './repl.js';

export const DEBUG_USAGE = `usage: forkbox debug [OPTIONS] PROGRAM [ARGS...]
  Run a Linux i386 program (ELF32, or NASM source ending in .asm) under the debugger,
  stopped at the program's first instruction. Options (before PROGRAM):
  --batch FILE        read commands from FILE (a transcript is printed), then exit
  --stdin FILE        what the program reads from fd 0 (default: nothing, EOF)
  --env NAME=VALUE    a variable of the program's environment (default: none)
  --mem MiB           guest RAM, 4 to 1024 (default 64)
  --hz N              timer interrupts per second (default 100)
  --cpu-mhz N         CPU clock in MHz (default 100)
  --fork-mode MODE    cow (default) or copy
  Type "help" at the prompt for the commands.
`;

class UsageError extends Error {}

interface DebugArgs {
  program: string;
  args: string[];
  batch: string | null;
  stdin: string | null;
  env: string[];
  memMiB?: number;
  hz?: number;
  cpuHz?: number;
  forkMode?: 'cow' | 'copy';
}

function parseArgs(argv: string[]): DebugArgs | 'help' {
  const a: DebugArgs = { program: '', args: [], batch: null, stdin: null, env: [] };
  let k = 0;
  for (; k < argv.length; k++) {
    const arg = argv[k];
    if (arg === '--') {
      k++;
      break;
    }
    if (arg === '-h' || arg === '--help') return 'help';
    if (!arg.startsWith('-') || arg === '-') break;
    const m = /^--([a-z-]+)(?:=([\s\S]*))?$/.exec(arg);
    if (!m) throw new UsageError(`unknown option '${arg}' (try 'forkbox debug --help')`);
    const [, name, inline] = m;
    const value = (): string => {
      const v = inline ?? argv[++k];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      return v;
    };
    const int = (min: number, max: number): number => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${v}'`);
      return n;
    };
    switch (name) {
      case 'batch': a.batch = value(); break;
      case 'stdin': a.stdin = value(); break;
      case 'env': {
        const v = value();
        if (v.indexOf('=') <= 0) throw new UsageError(`--env needs NAME=VALUE, got '${v}'`);
        a.env.push(v);
        break;
      }
      case 'mem': a.memMiB = int(4, 1024); break;
      case 'hz': a.hz = int(19, 10000); break;
      case 'cpu-mhz': a.cpuHz = int(1, 4294) * 1_000_000; break;
      case 'fork-mode': {
        const v = value();
        if (v !== 'cow' && v !== 'copy') throw new UsageError(`--fork-mode must be 'cow' or 'copy', got '${v}'`);
        a.forkMode = v;
        break;
      }
      default:
        throw new UsageError(`unknown option --${name} (try 'forkbox debug --help')`);
    }
  }
  if (k >= argv.length) throw new UsageError('no program given (usage: forkbox debug [OPTIONS] PROGRAM [ARGS...])');
  a.program = argv[k];
  a.args = argv.slice(k + 1);
  return a;
}

/** A host file's bytes; `what` ("--batch " …) prefixes the message of a UsageError. */
function readHost(path: string, what: string): Buffer {
  try {
    return readHostFile(path);
  } catch (e) {
    throw e instanceof HostFileError ? new UsageError(`${what}${e.message}`) : e;
  }
}

/** The program's ELF and, for .asm, its symbols and lines. */
function loadProgram(path: string): Pick<DebuggerOptions, 'symbols' | 'lines'> & { elf: Uint8Array } {
  const bytes = readHost(path, '');
  if (path.endsWith('.asm')) {
    const r = assemble(bytes.toString('utf8'), path, (p) => readHost(p, '').toString('utf8'));
    if (!r.ok || !r.elf) {
      const e = r.errors[0];
      throw new UsageError(e ? `${e.loc.file}:${e.loc.line}:${e.loc.col}: error: ${e.message}` : `${path}: the assembler produced no program`);
    }
    return { elf: r.elf, symbols: r.symbols.filter((s) => s.section !== null).map((s) => ({ name: s.name, value: s.value, size: s.size, type: 2, bind: s.global ? 1 : 0 })), lines: r.lines };
  }
  const elf = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const r = parseElf(elf);
  if (!r.ok) throw new UsageError(`${path}: ${r.error}`);
  return { elf };
}

export async function debugCommand(argv: string[], io: CliIO): Promise<number> {
  let a: DebugArgs | 'help';
  let prog: ReturnType<typeof loadProgram>;
  let script: string[] | null = null;
  let input: Uint8Array = new Uint8Array(0);
  try {
    a = parseArgs(argv);
    if (a === 'help') {
      io.stdout(DEBUG_USAGE);
      return 0;
    }
    prog = loadProgram(a.program);
    if (a.batch !== null) script = readHost(a.batch, '--batch ').toString('utf8').split('\n');
    if (a.stdin !== null) input = new Uint8Array(readHost(a.stdin, '--stdin '));
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`forkbox debug: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const decoder = new TextDecoder();
  const guestPath = posix.resolve('/', a.program);
  let stdinLeft = input;
  const d = new Debugger({
    files: new Map([[guestPath, prog.elf]]),
    argv: [a.program, ...a.args], // as `forkbox run` passes it (the file is at guestPath)
    envp: a.env,
    memSize: a.memMiB === undefined ? undefined : a.memMiB << 20,
    cpuHz: a.cpuHz,
    hz: a.hz,
    forkMode: a.forkMode,
    maxCycles: Infinity,
    stdout: (b) => io.stdout(decoder.decode(b, { stream: true })),
    stderr: (b) => io.stdout(decoder.decode(b, { stream: true })),
    stdin: (max) => {
      const out = stdinLeft.subarray(0, max);
      stdinLeft = stdinLeft.subarray(out.length);
      return out;
    },
    log: (line) => io.stdout(`[kernel] ${line}\n`),
    symbols: prog.symbols,
    lines: prog.lines,
    readSource: (file) => {
      try {
        return readHostFile(file).toString('utf8');
      } catch {
        return null;
      }
    },
  });
  const cmds = new Commands(d, { write: (s) => io.stdout(s) });
  const entry = d.runToEntry();
  io.stdout(`forkbox debugger — ${a.program}${a.args.length ? ' ' + a.args.join(' ') : ''}. Type "help" for the commands.\n`);
  cmds.printStop(entry);

  const removeInt = io.onInterrupt?.(() => {
    cmds.interrupt();
  });
  // Interactive when stdin is a terminal (stdout may be a pipe: `forkbox debug p | tee`).
  const src = io.stdin;
  const terminal = src !== undefined && typeof src !== 'string' && !(src instanceof Uint8Array) && (src as { isTTY?: boolean }).isTTY === true;
  try {
    if (script === null && !terminal) {
      // Commands from stdin (not a terminal): a script.
      if (src === undefined) script = [];
      else if (typeof src === 'string') script = src.split('\n');
      else if (src instanceof Uint8Array) script = new TextDecoder().decode(src).split('\n');
      else script = (await readAll(src)).split('\n');
    }
    if (script !== null) {
      await runBatch(cmds, script, (s) => io.stdout(s));
    } else {
      removeInt?.();
      await runInteractive(cmds, { input: src as NodeJS.ReadableStream, output: process.stdout, terminal: true });
    }
  } finally {
    removeInt?.();
  }
  return 0;
}

function readAll(s: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer | string) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    s.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
    s.resume?.();
  });
}
