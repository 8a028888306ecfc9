// The C programs of tests/c/, compiled by the host's `gcc -m32 -static` (issue 8): the
// probe that decides whether the test can run, compilation (asynchronous, a few at a time,
// cached by content hash within the run), native runs (asynchronous, with a timeout) and
// the normalisation that makes a native transcript comparable with forkbox's.
//
// Transcripts are those of the end-to-end tests (helpers/guest-e2e.ts): stdout, then each
// stderr line as `[stderr] …`, then `[exit N]` (128 + signal when killed).

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transcript } from './guest-e2e.js';
import { normalizePids } from './pids.js';

export const C_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'c');

let scratch: string | undefined;
function scratchDir(): string {
  if (scratch === undefined) {
    scratch = mkdtempSync(join(tmpdir(), 'forkbox-ctest-'));
    chmodSync(scratch, 0o755);
  }
  return scratch;
}

/** Remove the compiled programs (after the tests). */
export function removeCScratch(): void {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

let probed: string | null | undefined;
/**
 * null when `gcc -m32 -static` links a program and this host runs it, else why not
 * (probed once, synchronously: the answer decides which tests exist).
 */
export function gccUnavailable(): string | null {
  if (probed !== undefined) return probed;
  if (process.platform !== 'linux') return (probed = `the host is ${process.platform}, not Linux`);
  const dir = mkdtempSync(join(tmpdir(), 'forkbox-ctest-probe-'));
  try {
    return (probed = probe(join(dir, 'probe')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function probe(exe: string): string | null {
  const c = spawnSync('gcc', ['-m32', '-static', '-x', 'c', '-', '-o', exe], {
    input: '#include <stdio.h>\nint main(void) { puts("probe"); return 0; }\n', encoding: 'utf8', timeout: 60_000,
  });
  if (c.error) return `gcc is not installed (${c.error.message})`;
  if (c.status !== 0) {
    const first = c.stderr.split('\n').find((l) => /error/i.test(l)) ?? c.stderr.split('\n')[0];
    return `gcc -m32 -static cannot build a program (gcc-multilib missing?): ${first.trim()}`;
  }
  const r = spawnSync(exe, [], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0 || r.stdout !== 'probe\n') {
    return `this host does not run the i386 program gcc built (${r.error?.message ?? `status ${r.status}, signal ${r.signal}`})`;
  }
  return null;
}

/** At most this many compilations or native runs at once. */
const LIMIT = Math.max(2, availableParallelism());
let running = 0;
const queue: Array<() => void> = [];
async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= LIMIT) await new Promise<void>((resolve) => queue.push(resolve)); // handed a slot
  else running++;
  try {
    return await work();
  } finally {
    const next = queue.shift();
    if (next) next(); // the slot passes to the next job
    else running--;
  }
}

interface Exec {
  stdout: string;
  stderr: string;
  /** Exit code, or 128 + signal. */
  exitCode: number;
  error?: string;
}

function exec(command: string, args: string[], timeoutMs: number, input = ''): Promise<Exec> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdin.on('error', () => {}); // a program that exits without reading its input
    child.stdin.end(input); // then EOF
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, exitCode: 2, error: e.message });
    });
    // 'close': the process has exited and every holder of its pipes (orphaned children
    // included) has closed them.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const exitCode = signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 0);
      resolve({ stdout, stderr, exitCode, error: timedOut ? `timed out after ${timeoutMs} ms` : undefined });
    });
  });
}

export interface Compiled {
  /** Path of the executable. */
  exe: string;
  elf: Uint8Array;
}

const compiled = new Map<string, Promise<Compiled>>();

/**
 * Compile tests/c/<name>.c with `gcc -m32 -static <flags>`; the same source and flags are
 * compiled once per run. Rejects with gcc's diagnostics when it fails.
 */
export function compileC(name: string, flags: string[]): Promise<Compiled> {
  const source = readFileSync(join(C_DIR, `${name}.c`));
  const key = createHash('sha256').update(source).update('\0' + flags.join('\0')).digest('hex').slice(0, 16);
  let p = compiled.get(key);
  if (!p) {
    p = limited(async () => {
      const exe = join(scratchDir(), `${name}-${key}`);
      const r = await exec('gcc', ['-m32', '-static', '-o', exe, join(C_DIR, `${name}.c`), ...flags], 120_000);
      if (r.error || r.exitCode !== 0) throw new Error(`gcc -m32 -static ${flags.join(' ')} ${name}.c failed: ${r.error ?? ''}\n${r.stderr}`);
      return { exe, elf: new Uint8Array(readFileSync(exe)) };
    });
    compiled.set(key, p);
  }
  return p;
}

export interface NativeRun {
  transcript: string;
  /** Set when the program could not be run or timed out. */
  error?: string;
}

/** Run an executable natively (stdin: `input`, then EOF; an environment of PATH only). */
export function runNativeC(exe: string, input = '', timeoutMs = 30_000): Promise<NativeRun> {
  return limited(async () => {
    const r = await exec(exe, [], timeoutMs, input);
    return { transcript: transcript(r.stdout, r.stderr, r.exitCode), error: r.error };
  });
}

export interface NormalizeOptions {
  /** The lines may come in any order (processes that print without waiting for one
   *  another): compare them sorted. */
  unordered?: boolean;
  /** Replace addresses in parentheses, `(0x…)`, by A1, A2 … in order of appearance. */
  addresses?: boolean;
}

/**
 * Make a transcript comparable across systems: pids (`pid=N`, and the seeds' `ID is N`)
 * become P1, P2 … (helpers/pids.ts) and, if asked, addresses A1, A2 …, in order of first
 * appearance; unordered output is sorted first (by its text with pids and addresses
 * masked, so that both sides number them in the same order).
 */
export function normalizeC(text: string, opts: NormalizeOptions = {}): string {
  let t = text.replace(/\bID is (\d+)/g, 'ID is pid=$1');
  const addr = /\((0x[0-9a-f]+)\)/g;
  if (opts.unordered) {
    const mask = (l: string) => {
      const m = l.replace(/\b(p?pid|tid)=\d+/g, '$1=N');
      return opts.addresses ? m.replace(addr, '(A)') : m;
    };
    const lines = t.endsWith('\n') ? t.slice(0, -1).split('\n') : t.split('\n');
    t = lines.map((l) => [mask(l), l] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, l]) => l).join('\n') + '\n';
  }
  if (opts.addresses) {
    const names = new Map<string, string>();
    t = t.replace(addr, (_, a: string) => {
      let n = names.get(a);
      if (!n) names.set(a, (n = `A${names.size + 1}`));
      return `(${n})`;
    });
  }
  return normalizePids(t);
}

/** The first line where two transcripts differ, for summaries: "line N: a ≠ b". */
export function firstDifference(expected: string, actual: string): string | null {
  if (expected === actual) return null;
  const a = expected.split('\n');
  const b = actual.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: native ${JSON.stringify(a[i] ?? '<end>')}, forkbox ${JSON.stringify(b[i] ?? '<end>')}`;
  }
  return null;
}
