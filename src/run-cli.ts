// `forkbox run [OPTIONS] PROGRAM [ARGS...]`: run a Linux i386 program on the forkbox
// kernel, as `qemu-i386 PROGRAM ARGS...` runs it on the host's.
//
// PROGRAM is an ELF32 i386 executable, or NASM-syntax source (a name ending in .asm) that
// forkbox's assembler (src/asm) turns into one first. The program is placed in the
// kernel's in-memory filesystem at the path it was given — an absolute path as it is,
// a relative one resolved against "/" (`guest-programs/hello.asm` → /guest-programs/hello.asm),
// since the guest's working directory is "/" — and init runs it with argv[0] = the path as
// given and the arguments after it. `--fs DIR` copies every regular file under DIR into
// the filesystem first (DIR/bin/x → /bin/x; the program wins a clash); the host side is
// only read, never written.
//
// The environment is the host's (as qemu-i386 passes it), in the host's order; `--env
// NAME=VALUE` overrides or appends, `--clear-env` starts from none. Host stdin feeds the
// guest's fd 0 (read only once the guest first reads it); fds 1 and 2 go to the host's
// stdout and stderr as bytes. The exit status is the program's: its exit code, or 128 +
// the signal that killed it. ctrl-C stops the machine: exit status 130. When the host's
// stdout or stderr breaks (the reader of a pipe went away, `| head`), the run stops
// silently with 141, the status of a program killed by SIGPIPE.
//
// Exit status when the program did not finish: 1, with one line on stderr, for a kernel
// panic, a deadlock (every task asleep for good), the --max-cycles limit, or a CPU
// shutdown. Errors before the program starts (bad options, a missing or unreadable file,
// a directory, an invalid ELF file, assembler errors) print one line each — the
// assembler's `file:line:col: error: message` lines, or `forkbox run: ...` — and exit 2.
// Nothing here prints a stack trace.

import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import { assemble } from './asm/assembler.js';
import type { CliIO } from './cli.js';
import { parseElf } from './guest/elf.js';
import { bootProgram, runProgramSliced, type RunOptions, type RunOutcome } from './run.js';
import { DEFAULT_EPOCH } from './guest/time.js';
import { SIG, SIGNAL_NAMES } from './guest/abi.js';
import { emptyTraceOptions, parseTraceOption, RunTrace, TRACE_USAGE, wantsTracing, type TraceOptions } from './debug/trace.js';
import { DEFAULT_GDB_PORT, runUnderGdb } from './debug/gdb-run.js';
import { describeFsError, HostFileError, MAX_HOST_FILE, readHostFile as readHost } from './host-file.js';

/** A usage or input error: one line `forkbox run: message`, exit code 2. */
class RunError extends Error {}

/** The largest program or --fs file read into the in-memory filesystem. */
const MAX_FILE = MAX_HOST_FILE;
/** Caps of --fs DIR: total bytes, number of files, directory depth. */
const MAX_FS_TOTAL = 256 << 20;
const MAX_FS_FILES = 10000;
const MAX_FS_DEPTH = 32;
/** The shortest tick allowed, in CPU cycles (the timer interrupt alone costs hundreds). */
const MIN_CYCLES_PER_TICK = 10000;

export const RUN_USAGE = `usage: forkbox run [OPTIONS] PROGRAM [ARGS...]
  Run a Linux i386 program (an ELF32 executable, or NASM source ending in .asm, assembled
  on the fly) on the forkbox kernel. Options (before PROGRAM):
  --mem MiB           guest RAM, 4 to 1024 (default 64)
  --mem-prealloc      touch all of guest RAM at start (as QEMU's -mem-prealloc), so
                      the host does not page it in during the run
  --hz N              timer interrupts per second, 19 to 10000 and at most
                      one per 10000 CPU cycles (default 100)
  --cpu-mhz N         CPU clock in MHz, 1 to 4294 (default 100)
  --fork-mode MODE    cow (default, copy-on-write) or copy (fork copies every page)
  --fs DIR            copy every file under DIR into the guest's filesystem
  --max-cycles N      stop after N CPU cycles (default: no limit)
  --max-tasks N       most tasks at once, 2 to 32768 (default 4096)
  --epoch T           wall clock at boot: seconds since 1970 or an ISO date
                      (default 2026-01-01T00:00:00Z)
  --env NAME=VALUE    set a variable of the program's environment (repeatable)
  --clear-env         start from an empty environment instead of the host's
  --stats             after the run, print cycles, page faults, forks … on stderr
${TRACE_USAGE}  --gdb[=PORT]        wait, stopped at the program's entry, for gdb to attach with
                      'target remote 127.0.0.1:PORT' (default 1234; 0: any free port)
`;

interface RunArgs {
  program: string;
  args: string[];
  memMiB?: number;
  memPrealloc?: boolean;
  hz?: number;
  cpuHz?: number;
  forkMode?: 'cow' | 'copy';
  fsDirs: string[];
  maxCycles?: number;
  maxTasks?: number;
  epoch?: number;
  env: Array<[string, string]>;
  clearEnv: boolean;
  stats: boolean;
  trace: TraceOptions;
  /** --gdb[=PORT]: the gdb stub's port (src/debug/gdb-run.ts). */
  gdb?: number;
}

/** `forkbox run` — returns the exit status (see the header). */
export async function runCommand(argv: string[], io: CliIO): Promise<number> {
  let parsed: RunArgs | 'help';
  let files: Map<string, Uint8Array>;
  let guestPath: string;
  try {
    parsed = parseArgs(argv);
    if (parsed === 'help') {
      io.stdout(RUN_USAGE);
      return 0;
    }
    files = new Map();
    for (const dir of parsed.fsDirs) readFsDir(dir, files);
    guestPath = posix.resolve('/', parsed.program);
    const program = loadProgram(parsed.program, io);
    if (program === null) return 2;
    files.set(guestPath, program);
  } catch (e) {
    if (e instanceof RunError) {
      io.stderr(`forkbox run: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  return execute(parsed, files, io);
}

// ---------------------------------------------------------------------------------------
// Options.

function parseArgs(argv: string[]): RunArgs | 'help' {
  const out: RunArgs = { program: '', args: [], fsDirs: [], env: [], clearEnv: false, stats: false, trace: emptyTraceOptions() };
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
    if (!m) throw new RunError(`unknown option '${arg}' (try 'forkbox run --help')`);
    const [, name, inline] = m;
    const flag = (): void => {
      if (inline !== undefined) throw new RunError(`--${name} takes no value`);
    };
    const value = (): string => {
      const v = inline ?? argv[++k];
      if (v === undefined) throw new RunError(`--${name} needs a value`);
      return v;
    };
    switch (name) {
      case 'mem':
        out.memMiB = intOption(name, value(), 4, 1024, 'a whole number of MiB from 4 to 1024');
        break;
      case 'mem-prealloc':
        flag();
        out.memPrealloc = true;
        break;
      case 'hz':
        out.hz = intOption(name, value(), 19, 10000, 'a whole number from 19 to 10000');
        break;
      case 'cpu-mhz': {
        const v = value();
        const mhz = Number(v);
        if (v.trim() === '' || !Number.isFinite(mhz) || mhz < 1 || mhz > 4294) {
          throw new RunError(`--cpu-mhz must be a number from 1 to 4294, got '${v}'`);
        }
        out.cpuHz = Math.round(mhz * 1e6);
        break;
      }
      case 'fork-mode': {
        const v = value();
        if (v !== 'cow' && v !== 'copy') throw new RunError(`--fork-mode must be 'cow' or 'copy', got '${v}'`);
        out.forkMode = v;
        break;
      }
      case 'fs':
        out.fsDirs.push(value());
        break;
      case 'max-cycles':
        out.maxCycles = intOption(name, value(), 1, Number.MAX_SAFE_INTEGER, 'a whole number of cycles above 0');
        break;
      case 'max-tasks':
        out.maxTasks = intOption(name, value(), 2, 32768, 'a whole number from 2 to 32768');
        break;
      case 'epoch':
        out.epoch = parseEpoch(value());
        break;
      case 'env': {
        const v = value();
        const eq = v.indexOf('=');
        if (eq <= 0) throw new RunError(`--env needs NAME=VALUE, got '${v}'`);
        out.env.push([v.slice(0, eq), v.slice(eq + 1)]);
        break;
      }
      case 'clear-env':
        flag();
        out.clearEnv = true;
        break;
      case 'stats':
        flag();
        out.stats = true;
        break;
      case 'gdb':
        out.gdb = inline === undefined ? DEFAULT_GDB_PORT : intOption(name, inline, 0, 65535, 'a port number from 0 to 65535');
        break;
      default:
        try {
          if (parseTraceOption(name, value, flag, out.trace)) break;
        } catch (e) {
          throw new RunError((e as Error).message);
        }
        throw new RunError(`unknown option --${name} (try 'forkbox run --help')`);
    }
  }
  // A tick must leave the CPU time to do more than take timer interrupts.
  const cpuHz = out.cpuHz ?? 100_000_000;
  const hz = out.hz ?? 100;
  if (cpuHz / hz < MIN_CYCLES_PER_TICK) {
    throw new RunError(`--hz ${hz} is too fast for a ${cpuHz / 1e6} MHz CPU: a tick must be at least ${MIN_CYCLES_PER_TICK} cycles (at most ${Math.floor(cpuHz / MIN_CYCLES_PER_TICK)} Hz)`);
  }
  if (k >= argv.length) throw new RunError('no program given (usage: forkbox run [OPTIONS] PROGRAM [ARGS...])');
  out.program = argv[k];
  out.args = argv.slice(k + 1);
  if (out.program === '') throw new RunError('the program name is empty');
  return out;
}

function intOption(name: string, v: string, min: number, max: number, what: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new RunError(`--${name} must be ${what}, got '${v}'`);
  return n;
}

/** --epoch: whole seconds since 1970, or an ISO 8601 date (parsed, not read from a clock). */
function parseEpoch(v: string): number {
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
  } else if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const ms = Date.parse(v);
    if (Number.isFinite(ms) && ms >= 0) return Math.floor(ms / 1000);
  }
  throw new RunError(`--epoch must be seconds since 1970 or an ISO date like 2026-01-01T00:00:00Z, got '${v}'`);
}

// ---------------------------------------------------------------------------------------
// Files.

/** Read a host file of at most `limit` bytes; a RunError names the problem. */
function readHostFile(path: string, limit: number): Buffer {
  try {
    return readHost(path, limit);
  } catch (e) {
    throw e instanceof HostFileError ? new RunError(e.message) : e;
  }
}

/**
 * The program's ELF bytes: a .asm file assembled (on errors, prints the assembler's
 * `file:line:col: error: message` lines and returns null), anything else read and
 * validated as an ELF32 i386 executable.
 */
function loadProgram(path: string, io: CliIO): Uint8Array | null {
  const bytes = readHostFile(path, MAX_FILE);
  if (path.endsWith('.asm')) {
    const source = bytes.toString('utf8');
    const r = assemble(source, path, (p) => {
      return readHost(p, MAX_FILE).toString('utf8');
    });
    if (!r.ok || !r.elf) {
      for (const d of r.errors) io.stderr(`${d.loc.file}:${d.loc.line}:${d.loc.col}: error: ${d.message}\n`);
      if (r.errors.length === 0) io.stderr(`forkbox run: ${path}: the assembler produced no program\n`);
      return null;
    }
    return r.elf;
  }
  const elf = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const r = parseElf(elf);
  if (!r.ok) throw new RunError(`${path}: ${r.error}`);
  return elf;
}

/** Whether host path `p` (resolved) is `dir` (resolved) or below it. */
function isInside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/**
 * --fs DIR: every regular file under DIR (symbolic links to files inside DIR followed;
 * links out of DIR, links to directories, and special files, skipped) into `files` at
 * "/" + its path below DIR.
 */
function readFsDir(dir: string, files: Map<string, Uint8Array>): void {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw new RunError(`--fs ${dir}: ${describeFsError(e) === 'no such file' ? 'no such directory' : describeFsError(e)}`);
  }
  if (!st.isDirectory()) throw new RunError(`--fs ${dir}: not a directory`);
  const realDir = realpathSync(dir);
  let total = 0;
  for (const f of files.values()) total += f.length;
  const walk = (hostDir: string, guestDir: string, depth: number): void => {
    if (depth > MAX_FS_DEPTH) throw new RunError(`--fs ${dir}: directories nested deeper than ${MAX_FS_DEPTH} levels`);
    let names: string[];
    try {
      names = readdirSync(hostDir).sort();
    } catch (e) {
      throw new RunError(`--fs ${dir}: ${hostDir}: ${describeFsError(e)}`);
    }
    for (const name of names) {
      const hostPath = join(hostDir, name);
      const guestPath = guestDir === '/' ? `/${name}` : `${guestDir}/${name}`;
      let ls;
      try {
        ls = lstatSync(hostPath);
      } catch (e) {
        throw new RunError(`--fs ${dir}: ${hostPath}: ${describeFsError(e)}`);
      }
      if (ls.isDirectory()) {
        walk(hostPath, guestPath, depth + 1);
        continue;
      }
      if (ls.isSymbolicLink()) {
        let target;
        try {
          target = statSync(hostPath);
          // only links that stay inside DIR: a link out of it is not followed on the host
          if (!isInside(realpathSync(hostPath), realDir)) continue;
        } catch {
          continue; // a dangling link
        }
        if (!target.isFile()) continue;
      } else if (!ls.isFile()) {
        continue; // fifos, sockets, devices: reading them could block or never end
      }
      const data = readHostFile(hostPath, MAX_FILE);
      total += data.length;
      if (total > MAX_FS_TOTAL) throw new RunError(`--fs ${dir}: more than ${MAX_FS_TOTAL >> 20} MiB of files`);
      if (!files.has(guestPath) && files.size >= MAX_FS_FILES) throw new RunError(`--fs ${dir}: more than ${MAX_FS_FILES} files`);
      files.set(guestPath, new Uint8Array(data.buffer, data.byteOffset, data.length));
    }
  };
  walk(dir, '/', 0);
}

// ---------------------------------------------------------------------------------------
// Host stdin → the kernel's stdin callback.

/** Pause the host stream while this much is buffered and not yet read by the guest. */
const STDIN_HIGH_WATER = 1 << 20;

class HostStdin {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private eof = false;
  private started = false;
  private waiters: Array<() => void> = [];
  private onData = (chunk: Buffer | string) => {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (b.length === 0) return;
    this.chunks.push(new Uint8Array(b.buffer, b.byteOffset, b.length));
    this.buffered += b.length;
    if (this.buffered >= STDIN_HIGH_WATER && this.stream) this.stream.pause();
    this.arrived();
  };
  private onEnd = () => {
    this.eof = true;
    this.arrived();
  };
  /** Called when input or EOF arrives: the kernel wakes its readers. */
  inputArrived: () => void = () => {};
  /** Called when the guest finds no input yet: the machine stops at once, so that the
   *  run loop can wait for the host without running the idle guest to the slice's end. */
  noInput: () => void = () => {};

  private source: NodeJS.ReadableStream | Uint8Array | string | undefined;

  /** `open` gives the source; it is called when the guest first reads fd 0. */
  constructor(private readonly open: () => NodeJS.ReadableStream | Uint8Array | string | undefined) {}

  private get stream(): NodeJS.ReadableStream | null {
    const s = this.source;
    return s !== undefined && typeof s !== 'string' && !(s instanceof Uint8Array) ? s : null;
  }

  private arrived(): void {
    this.inputArrived();
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private start(): void {
    this.started = true;
    const s = (this.source = this.open());
    if (s === undefined) {
      this.eof = true;
    } else if (typeof s === 'string' || s instanceof Uint8Array) {
      const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
      if (b.length) this.chunks.push(b);
      this.buffered = b.length;
      this.eof = true;
    } else {
      s.on('data', this.onData);
      s.on('end', this.onEnd);
      s.on('error', this.onEnd);
      s.resume();
    }
  }

  /** The kernel's stdin callback: up to `max` bytes, [] at EOF, null when none yet. */
  read = (max: number): Uint8Array | null => {
    if (!this.started) this.start();
    if (this.chunks.length === 0) {
      if (this.eof) return new Uint8Array(0);
      this.noInput();
      return null;
    }
    const first = this.chunks[0];
    let out: Uint8Array;
    if (first.length <= max) {
      this.chunks.shift();
      out = first;
    } else {
      out = first.slice(0, max);
      this.chunks[0] = first.subarray(max);
    }
    this.buffered -= out.length;
    const s = this.stream;
    if (s && this.buffered < STDIN_HIGH_WATER && s.isPaused()) s.resume();
    return out;
  };

  /** Resolves at the next arrival of input or EOF (at once if some is buffered). */
  ready = (): Promise<void> => {
    if (this.chunks.length > 0 || this.eof) return Promise.resolve();
    if (!this.started) this.start();
    return new Promise((resolve) => this.waiters.push(resolve));
  };

  /** Stop listening to the host stream (so that Node can exit). */
  stop(): void {
    const s = this.stream;
    if (!s || !this.started) return;
    s.removeListener('data', this.onData);
    s.removeListener('end', this.onEnd);
    s.removeListener('error', this.onEnd);
    s.pause();
  }
}

// ---------------------------------------------------------------------------------------
// Running.

function buildEnv(a: RunArgs, io: CliIO): string[] {
  const env = new Map<string, string>();
  if (!a.clearEnv) {
    for (const [name, value] of Object.entries(io.env ?? process.env)) if (value !== undefined) env.set(name, value);
  }
  for (const [name, value] of a.env) env.set(name, value);
  return [...env].map(([n, v]) => `${n}=${v}`);
}

async function execute(a: RunArgs, files: Map<string, Uint8Array>, io: CliIO): Promise<number> {
  const outDecoder = new TextDecoder();
  const errDecoder = new TextDecoder();
  const writeOut = io.writeStdout ?? ((b: Uint8Array) => io.stdout(outDecoder.decode(b, { stream: true })));
  const writeErr = io.writeStderr ?? ((b: Uint8Array) => io.stderr(errDecoder.decode(b, { stream: true })));
  const stdin = new HostStdin(() => io.stdin);
  const opts: RunOptions = {
    files,
    argv: [a.program, ...a.args],
    envp: buildEnv(a, io),
    memSize: a.memMiB === undefined ? undefined : a.memMiB << 20,
    memPrealloc: a.memPrealloc,
    cpuHz: a.cpuHz,
    hz: a.hz,
    forkMode: a.forkMode,
    maxTasks: a.maxTasks,
    maxCycles: a.maxCycles ?? Infinity,
    epoch: a.epoch ?? DEFAULT_EPOCH,
    stdout: (b) => writeOut(b),
    stderr: (b) => writeErr(b),
    stdin: stdin.read,
    log: (line) => io.stderr(`${line}\n`),
    tty: io.isTTY ?? false,
  };
  if (a.gdb !== undefined) {
    if (wantsTracing(a.trace)) {
      io.stderr('forkbox run: --gdb cannot be combined with --strace, --trace or --trace-out\n');
      return 2;
    }
    let code: number;
    try {
      code = await runUnderGdb({ port: a.gdb, opts, program: a.program, io, stdin, stats: a.stats ? formatStats : undefined, trace: !!(io.env ?? process.env).FORKBOX_GDB_TRACE });
    } finally {
      stdin.stop();
    }
    if (!io.writeStdout) io.stdout(outDecoder.decode());
    if (!io.writeStderr) io.stderr(errDecoder.decode());
    return code;
  }
  const booted = bootProgram(opts);
  const trace = wantsTracing(a.trace) ? new RunTrace(booted.kernel, a.trace, io.stderr, describeFsError) : null;
  if (trace?.error) {
    io.stderr(`forkbox run: ${trace.error}\n`);
    return 2;
  }
  stdin.inputArrived = () => booted.kernel.inputArrived();
  stdin.noInput = () => booted.machine.requestStop();
  const abort = new AbortController();
  const removeInterrupt = io.onInterrupt?.(() => {
    abort.abort();
    booted.machine.requestStop();
  });
  // The host's stdout or stderr broke (the reader of a pipe went away): stop, and exit
  // as a program killed by SIGPIPE would (128 + 13), without a message.
  let brokenPipe = false;
  const removeBroken = io.onBrokenPipe?.(() => {
    brokenPipe = true;
    abort.abort();
    booted.machine.requestStop();
  });
  let r: RunOutcome;
  try {
    r = await runProgramSliced(opts, booted, { signal: abort.signal, inputReady: stdin.ready, betweenSlices: io.drain });
  } finally {
    removeInterrupt?.();
    removeBroken?.();
    stdin.stop();
  }
  if (!io.writeStdout) io.stdout(outDecoder.decode());
  if (!io.writeStderr) io.stderr(errDecoder.decode());
  const traceError = trace?.finish() ?? null;
  let code: number;
  switch (r.end) {
    case 'exit':
      code = r.exitCode;
      break;
    case 'interrupted':
      if (brokenPipe) {
        code = 128 + SIG.SIGPIPE;
        break;
      }
      io.stderr('forkbox run: interrupted\n');
      code = 130;
      break;
    case 'limit':
      io.stderr(`forkbox run: stopped: ${r.message} (--max-cycles)\n`);
      code = 1;
      break;
    default:
      io.stderr(`forkbox run: ${r.message}\n`);
      code = 1;
  }
  if (a.stats) io.stderr(formatStats(r));
  if (traceError) {
    io.stderr(`forkbox run: ${traceError}\n`);
    if (code === 0) code = 1;
  }
  return code;
}

/** The --stats report (stderr, after the run). */
export function formatStats(r: RunOutcome): string {
  const k = r.kernel.stats;
  const m = r.machine;
  const pages = r.kernel.pages.stats;
  const cycles = Math.floor(r.cycles);
  const seconds = cycles / m.cpuHz;
  const guest = seconds >= 1 ? `${seconds.toFixed(6)} s` : `${(seconds * 1000).toFixed(3)} ms`;
  const pct = (n: number) => (cycles > 0 ? ((100 * n) / cycles).toFixed(1) : '0.0');
  const status =
    r.end === 'exit'
      ? r.status & 0x7f
        ? `killed by ${SIGNAL_NAMES[r.status & 0x7f] ?? `signal ${r.status & 0x7f}`} (exit status ${r.exitCode})`
        : `exited with ${(r.status >> 8) & 0xff}`
      : `did not finish: ${r.message}`;
  const rows: Array<[string, string]> = [
    ['program', status],
    ['cycles', `${cycles}`],
    ['instructions', `${r.instructions}`],
    ['guest time', `${guest} at ${m.cpuHz / 1e6} MHz (${k.timerTicks} timer ticks at ${r.kernel.options.hz} Hz)`],
    ['kernel cycles', `${Math.floor(k.kernelCycles)} (${pct(k.kernelCycles)}% of cycles)`],
    ['idle cycles', `${Math.floor(m.idleCycles)} (${pct(m.idleCycles)}% of cycles)`],
    ['page faults', `${k.pageFaults}: demand zero ${k.demandZero}, file ${k.demandFile}, COW copy ${k.cowCopies}, COW reuse ${k.cowReuses}, segv ${k.segvs}`],
    ['context switches', `${k.contextSwitches}`],
    ['forks', `${k.forks}`],
    ['execs', `${k.execs}`],
    ['exits', `${k.exits}`],
    ['syscalls', `${k.syscalls}`],
    ['frames at peak', `${pages.peakUsed} of ${pages.total} (${pages.peakUsed * 4} KiB)`],
  ];
  const width = Math.max(...rows.map(([n]) => n.length));
  return `forkbox run --stats:\n${rows.map(([n, v]) => `  ${n.padEnd(width)}  ${v}\n`).join('')}`;
}
