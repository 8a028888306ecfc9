// The end-to-end runs of guest-programs/*.asm, shared by tests/e2e.test.ts (which compares
// them with the golden files) and scripts/accept-golden.ts (which rewrites the golden
// files, and is the only thing that does).
//
// A VARIANT is one program run with one set of kernel options; its golden file is
// tests/golden/<variant>.out: what the program printed on stdout (and stderr, if any),
// then a last line `[exit N]` with the exit code a shell would report (128 + signal when
// killed). forkbox runs are deterministic, so the golden file is forkbox's raw output.
//
// The same ELF also runs natively and under qemu-i386; their outputs are compared with
// forkbox's after normalizePids(), since pids differ from system to system. Programs
// print pids as `pid=N` (also ppid=, tid=) so that they can be recognised.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GUEST_PROGRAMS, assembleProgram, runKernel, type KernelRun, type KernelRunOptions } from './kernel-machine.js';
import { check_invariants } from '../../src/guest/memory.js';
import { check_fs_invariants } from '../../src/guest/fs/invariants.js';
import { normalizePids } from './pids.js';

export { GUEST_PROGRAMS, normalizePids };
export const GOLDEN_DIR = join(GUEST_PROGRAMS, '..', 'tests', 'golden');

/** guest-programs/*.asm that are not end-to-end programs, and why. */
export const NOT_E2E: Record<string, string> = {
  'init.asm': 'the kernel\'s own init (pid 1), run by every other program; alone it would exec itself',
};

export interface Variant {
  /** Golden file base name: tests/golden/<name>.out. */
  name: string;
  /** guest-programs/<program>.asm */
  program: string;
  /** Kernel options for the forkbox run. */
  options: KernelRunOptions;
  /** Compare with the native run: true, or why not. */
  native: true | string;
  /** Compare with qemu-i386: true, or why not. */
  qemu: true | string;
}

const QEMU_VFORK = 'qemu-i386 emulates vfork() with fork(): no shared address space, the parent does not wait';

/** Per-program differences from the default variant (compare everywhere, default options). */
const SPECIAL: Record<string, Partial<Omit<Variant, 'name' | 'program'>>> = {
  'vfork': { qemu: QEMU_VFORK },
  'vfork-return-crash': { qemu: QEMU_VFORK },
  'clone-vm': { qemu: 'qemu-i386 rejects CLONE_VM without CLONE_THREAD (EINVAL): it runs such clones only as threads' },
  'clone-files': { qemu: 'qemu-i386 runs a clone() without CLONE_VM as fork() and rejects CLONE_FILES and CLONE_FS there (EINVAL)' },
};

/** Extra forkbox-only variants: the same program under other kernel options. */
const EXTRA: Variant[] = [
  {
    name: 'forkbomb-eagain.max-tasks-16',
    program: 'forkbomb-eagain',
    options: { maxTasks: 16 },
    native: 'a task limit of 16 cannot be set natively (root ignores RLIMIT_NPROC)',
    qemu: 'a task limit of 16 cannot be set under qemu-i386 either',
  },
  {
    name: 'signal-default-actions.core',
    program: 'signal-default-actions',
    options: { args: ['core'] },
    native: 'Linux sets the core bit only when it wrote a core file (RLIMIT_CORE is 0 by default); forkbox reports core signals as if the dump succeeded',
    qemu: 'qemu-i386 writes its own core files and reports the death without the core bit',
  },
];

/** Every end-to-end variant, sorted by name. */
export function e2eVariants(): Variant[] {
  const programs = readdirSync(GUEST_PROGRAMS)
    .filter((f) => f.endsWith('.asm') && !Object.hasOwn(NOT_E2E, f))
    .map((f) => f.slice(0, -4))
    .sort();
  const out: Variant[] = programs.map((program) => ({
    name: program, program, options: {}, native: true, qemu: true, ...SPECIAL[program],
  }));
  for (const v of EXTRA) if (programs.includes(v.program)) out.push(v);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Assemble guest-programs/<program>.asm with forkbox's assembler. */
export function buildProgram(program: string): Uint8Array {
  return assembleProgram(readFileSync(join(GUEST_PROGRAMS, `${program}.asm`), 'utf8'), `${program}.asm`);
}

/** What a run printed and how it ended, as stored in a golden file. */
export function transcript(stdout: string, stderr: string, exitCode: number): string {
  let t = stdout;
  if (t && !t.endsWith('\n')) t += '\n';
  if (stderr) t += stderr.split('\n').filter((l, i, a) => l || i < a.length - 1).map((l) => `[stderr] ${l}\n`).join('');
  return `${t}[exit ${exitCode}]\n`;
}

export interface ForkboxE2E {
  run: KernelRun;
  transcript: string;
  /** Kernel invariants violated after the run (empty when all is well). */
  violations: string[];
}

/** Guest cycles a program may run (5 s at 100 MHz; the longest needs 0.7 s, mostly idle). */
export const E2E_MAX_CYCLES = 500_000_000;

/** Run a variant on forkbox; check the kernel's invariants afterwards. */
export function runForkbox(v: Variant, elf = buildProgram(v.program)): ForkboxE2E {
  const run = runKernel(elf, { maxCycles: E2E_MAX_CYCLES, ...v.options });
  const violations = run.outcome.end === 'exit'
    ? [...check_invariants(run.outcome.kernel), ...check_fs_invariants(run.outcome.kernel)]
    : [`the run did not end normally: ${run.outcome.message}`];
  const left = [...run.outcome.kernel.tasks.values()].filter((t) => t !== run.outcome.kernel.idle);
  for (const t of left) violations.push(`task pid ${t.pid} still exists after the run`);
  return { run, transcript: transcript(run.stdout, run.stderr, run.exitCode), violations: [...new Set(violations)] };
}

/** The golden file of a variant, or null when there is none yet. */
export function readGolden(name: string): string | null {
  try {
    return readFileSync(join(GOLDEN_DIR, `${name}.out`), 'utf8');
  } catch {
    return null;
  }
}

// ---- runs on the host ----------------------------------------------------------------

let scratch: string | undefined;
function scratchDir(): string {
  if (scratch === undefined) {
    scratch = mkdtempSync(join(tmpdir(), 'forkbox-e2e-'));
    chmodSync(scratch, 0o755); // runnable by an unprivileged user too (see e2e.test.ts)
  }
  return scratch;
}

/** Remove the scratch folder of the host runs (after the tests). */
export function removeScratch(): void {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

/** Write an ELF to the scratch folder as an executable file; returns its path. */
export function writeExecutable(name: string, elf: Uint8Array): string {
  const path = join(scratchDir(), name);
  writeFileSync(path, elf);
  chmodSync(path, 0o755);
  return path;
}

export interface HostRun {
  transcript: string;
  /** Set when the program could not be run at all. */
  error?: string;
}

/** Run a command on the host (no input, empty environment); its transcript. */
export function runHost(command: string, args: string[]): HostRun {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, input: '' });
  if (r.error) return { transcript: '', error: String(r.error.message) };
  const exitCode = r.signal ? 128 + (signalNumber(r.signal) ?? 0) : (r.status ?? 0);
  return { transcript: transcript(r.stdout, r.stderr, exitCode) };
}

function signalNumber(name: string): number | undefined {
  const n: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
  return n[name];
}

let native: string | null | undefined;
/** null when this host runs i386 Linux programs, else why not (probed once). */
export function nativeUnavailable(): string | null {
  if (native !== undefined) return native;
  if (process.platform !== 'linux') return (native = `the host is ${process.platform}, not Linux`);
  const hello = writeExecutable('probe-hello', buildProgram('hello'));
  const r = spawnSync(hello, [], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return (native = `cannot execute i386 programs (${r.error.message})`);
  if (r.signal || r.status !== 0 || !r.stdout.includes('Hello')) return (native = `i386 programs do not run (status ${r.status}, signal ${r.signal})`);
  return (native = null);
}

let qemu: string | null | undefined;
/** null when qemu-i386 is installed and works, else why not. */
export function qemuUnavailable(): string | null {
  if (qemu !== undefined) return qemu;
  const r = spawnSync('qemu-i386', ['-version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return (qemu = 'qemu-i386 is not installed');
  return (qemu = null);
}
