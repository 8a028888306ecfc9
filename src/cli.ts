// The `forkbox` command: bin/forkbox.js calls main() from the esbuild bundle (dist/cli.js).
//
// Contract: main() never throws and never prints a stack trace. It returns the process
// exit code:
//   0  success
//   1  the command ran and failed (e.g. the demo did not end as expected), or an
//      internal error, printed as one line `forkbox: <message>`
//      (set FORKBOX_DEBUG=1 to get the stack as well)
//   2  usage errors: no command, an unknown or not-yet-implemented command, bad options

import { isatty } from 'node:tty';
import type { ConsoleTty } from './guest/fs/devices.js';
import { runDemo } from './demo/run-demo.js';
import { disasmCommand } from './asm/cli-disasm.js';
import { runCommand } from './run-cli.js';
import { asmCommand } from './asm/cli-asm.js';

/** Where commands write. Tests pass collectors; the default is the process's streams. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Raw bytes for stdout / stderr (a guest's output); without them, `forkbox run`
   *  decodes the bytes as UTF-8 into stdout() / stderr(). */
  writeStdout?(bytes: Uint8Array): void;
  writeStderr?(bytes: Uint8Array): void;
  /** What a guest reads from fd 0: a stream, or fixed contents (tests); absent: EOF. */
  stdin?: NodeJS.ReadableStream | Uint8Array | string;
  /** The environment `forkbox run` passes on (absent: process.env). */
  env?: Record<string, string | undefined>;
  /** Which of the host's stdin, stdout, stderr are terminals: `forkbox run`'s console
   *  streams are then too (TCGETS works there, glibc line-buffers;
   *  src/guest/fs/devices.ts). Absent: none. */
  isTTY?: ConsoleTty;
  /** Install a ctrl-C handler; returns the function that removes it. */
  onInterrupt?(handler: () => void): () => void;
  /** Resolves when the output streams can take more (back-pressure). */
  drain?(): Promise<void>;
  /** Install a handler for an output stream breaking (EPIPE: its reader went away, as
   *  with `| head`); returns the function that removes it. */
  onBrokenPipe?(handler: () => void): () => void;
}

/** Host output streams that failed (EPIPE …): later writes to them are dropped. */
const brokenStreams = new Set<NodeJS.WriteStream>();
const brokenPipeHandlers = new Set<() => void>();

/** Write to a host stream; a write error (EPIPE) marks it broken instead of crashing. */
function hostWrite(s: NodeJS.WriteStream, data: string | Uint8Array): void {
  if (brokenStreams.has(s)) return;
  if (!s.listeners('error').includes(onHostStreamError)) s.on('error', onHostStreamError);
  s.write(data);
}

function onHostStreamError(this: NodeJS.WriteStream): void {
  brokenStreams.add(this);
  for (const h of [...brokenPipeHandlers]) h();
}

const processIO: CliIO = {
  stdout: (text) => hostWrite(process.stdout, text),
  stderr: (text) => hostWrite(process.stderr, text),
  writeStdout: (bytes) => hostWrite(process.stdout, bytes),
  writeStderr: (bytes) => hostWrite(process.stderr, bytes),
  // Getters: touching process.stdin creates the stream, so only `run` does it, and only
  // once the guest reads fd 0.
  get stdin() {
    return process.stdin;
  },
  get env() {
    return process.env;
  },
  get isTTY() {
    return { stdin: isatty(0), stdout: isatty(1), stderr: isatty(2) };
  },
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    return () => void process.off('SIGINT', handler);
  },
  drain: async () => {
    for (const s of [process.stdout, process.stderr]) {
      if (!s.writableNeedDrain || brokenStreams.has(s)) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          s.off('drain', done);
          s.off('error', done);
          resolve();
        };
        s.on('drain', done);
        s.on('error', done);
      });
    }
  },
  onBrokenPipe: (handler) => {
    brokenPipeHandlers.add(handler);
    return () => void brokenPipeHandlers.delete(handler);
  },
};

/** A usage error: one line on stderr, exit code 2. */
class UsageError extends Error {}

interface Command {
  args: string;
  summary: string;
  /** Absent: not implemented yet. */
  run?: (argv: string[], io: CliIO) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  demo: {
    args: '[--cpu-mhz N] [--mem MiB]',
    summary: 'bare-metal demo: paging, page faults and timer interrupts on the machine',
    run: demoCommand,
  },
  run: {
    args: '[OPTIONS] PROGRAM [ARGS...]',
    summary: 'run a Linux i386 program (ELF or .asm) on the forkbox kernel',
    run: runCommand,
  },
  tour: {
    args: '', summary: 'a narrated tour: fork, vfork, clone and copy-on-write on the kernel',
    run: async (argv, io) => (await import('./demo/tour.js')).tourCommand(argv, io),
  },
  asm: {
    args: 'FILE.asm [-o OUT]', summary: 'assemble NASM-syntax source into an ELF32 executable',
    run: (argv, io) => asmCommand(argv, { stdout: { write: io.stdout }, stderr: { write: io.stderr } }),
  },
  disasm: { args: 'PROGRAM', summary: 'disassemble an ELF32 i386 program', run: disasmCommand },
  debug: {
    args: '[OPTIONS] PROGRAM [ARGS...]', summary: 'run a program under the debugger (a gdb-like REPL with the kernel\'s view)',
    run: async (argv, io) => (await import('./debug/cli-debug.js')).debugCommand(argv, io),
  },
  bench: {
    args: '[cow|fork|cpu|all] [--quick] [--json]',
    summary: 'benchmarks: COW faults, fork, CPU on forkbox, native and qemu-i386',
    run: async (argv, io) => (await import('../bench/run.js')).benchCommand(argv, io),
  },
  help: { args: '', summary: 'show this help' },
};

const LATER = '(coming in a later issue)';

function usage(): string {
  const lines = ['usage: forkbox <command> [arguments]', '', 'commands:'];
  const width = Math.max(...Object.entries(COMMANDS).map(([name, c]) => `${name} ${c.args}`.trim().length));
  for (const [name, c] of Object.entries(COMMANDS)) {
    const left = `${name} ${c.args}`.trim().padEnd(width);
    const later = c.run || name === 'help' ? '' : ` ${LATER}`;
    lines.push(`  ${left}  ${c.summary}${later}`);
  }
  return lines.join('\n') + '\n';
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined) {
      io.stdout(usage());
      return 2;
    }
    if (name === 'help' || name === '--help' || name === '-h') {
      io.stdout(usage());
      return 0;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) throw new UsageError(`unknown command '${name}' (try 'forkbox help')`);
    if (!command.run) throw new UsageError(`'${name}' is not implemented yet ${LATER}`);
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`forkbox: ${e.message}\n`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`forkbox: ${message.split('\n')[0]}\n`);
    if (process.env.FORKBOX_DEBUG && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    return 1;
  }
}

/** Parse `--name value` / `--name=value` options of a command; all are numeric here. */
function numericOptions(argv: string[], names: string[], command: string): Map<string, number> {
  const opts = new Map<string, number>();
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`${command}: unexpected argument '${arg}'`);
    const [, name, inline] = m;
    if (!names.includes(name)) throw new UsageError(`${command}: unknown option --${name}`);
    const value = inline ?? argv[++k];
    if (value === undefined) throw new UsageError(`${command}: --${name} needs a value`);
    const num = Number(value);
    if (!Number.isFinite(num) || num <= 0) throw new UsageError(`${command}: --${name} must be a positive number, got '${value}'`);
    opts.set(name, num);
  }
  return opts;
}

async function demoCommand(argv: string[], io: CliIO): Promise<number> {
  const opts = numericOptions(argv, ['cpu-mhz', 'mem'], 'demo');
  const mhz = opts.get('cpu-mhz');
  const mem = opts.get('mem');
  const cpuHz = mhz === undefined ? undefined : Math.round(mhz * 1e6);
  if (cpuHz !== undefined && (cpuHz < 1_000_000 || cpuHz > 2 ** 32)) {
    throw new UsageError(`demo: --cpu-mhz must be between 1 and 4294, got ${mhz}`);
  }
  if (mem !== undefined && (!Number.isInteger(mem) || mem < 4 || mem > 1024)) {
    throw new UsageError(`demo: --mem must be a whole number of MiB from 4 to 1024, got ${mem}`);
  }
  const result = await runDemo({ cpuHz, memSize: mem === undefined ? undefined : mem << 20, write: io.stdout });
  if (result.exitCode !== 0) io.stderr(`forkbox: the demo did not end as expected: ${result.run.message}\n`);
  return result.exitCode;
}
