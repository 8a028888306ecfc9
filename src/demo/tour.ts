// `forkbox tour` (and `npm start`): a narrated tour of process creation on the forkbox
// kernel. Each step says what the seed articles predict, assembles a program from
// guest-programs/ with forkbox's own assembler, boots the kernel, runs the program under
// init, shows what it printed and then the kernel's figures (as `forkbox run --stats`
// counts them). The programs are the end-to-end test programs: the same ELF files run
// natively on Linux and under qemu-i386 (tests/e2e.test.ts).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../asm/assembler.js';
import { formatDiagnostics } from '../asm/diagnostics.js';
import { bootProgram, runProgram, type RunOutcome } from '../run.js';
import type { CliIO } from '../cli.js';

interface Step {
  title: string;
  /** What the seeds say will happen: a few short lines. */
  story: string[];
  program: string;
  /** What to point out in the figures afterwards (optional). */
  moral?: (run: TourRun) => string[];
  /** Also run the program with --fork-mode=copy and compare. */
  compareCopy?: boolean;
}

const STEPS: Step[] = [
  {
    title: 'fork: two processes, one page, until someone writes',
    story: [
      'fork() copies nothing up front: do_fork → copy_process → copy_mm shares every page',
      'read-only between parent and child. The first write to a shared page faults (int 14)',
      'and do_wp_page gives the writer a copy. The seeds\' example: the child does ++count.',
    ],
    program: 'fork-cow',
    moral: (r) => [
      `${r.k.cowCopies} COW ${plural(r.k.cowCopies, 'copy', 'copies')}: pages first written after the fork, the child's count among them.`,
      `${r.k.cowReuses} COW ${plural(r.k.cowReuses, 'reuse', 'reuses')}: the writer was by then the page's only user (the other side had`,
      '  exited or copied it already), so do_wp_page just made it writable again.',
    ],
  },
  {
    title: 'vfork: the child borrows the parent\'s memory',
    story: [
      'vfork() is clone(CLONE_VM | CLONE_VFORK): no copy at all, not even of the page tables.',
      'The child runs first, on the parent\'s stack, while the parent sleeps until the child',
      'calls _exit or execve. So the child\'s cnt++ is the parent\'s: cnt=1, then cnt=2.',
    ],
    program: 'vfork',
    moral: (r) => [
      r.k.cowCopies === 0
        ? 'Not a single COW copy: the child wrote cnt straight into the parent\'s stack page.'
        : `${r.k.cowCopies} COW ${plural(r.k.cowCopies, 'copy', 'copies')}, none of them for the vfork: the child wrote into the parent's pages.`,
    ],
  },
  {
    title: 'vfork, misused: the child returns instead of calling _exit',
    story: [
      'The seeds warn: a vfork child that returns from main returns on the parent\'s stack;',
      'then exit() runs there and tramples the parent\'s frame. The parent wakes up with',
      'garbage in cnt and returns through a smashed return address: segmentation fault.',
    ],
    program: 'vfork-return-crash',
    moral: (r) => [`${r.k.segvs} SIGSEGV: the page fault at address 0 was outside every mapping of the process.`],
  },
  {
    title: 'clone: choose what to share',
    story: [
      'clone(fn, stack, flags, arg) is where fork and vfork come from. With CLONE_VM the',
      'child shares the address space but runs fn(arg) on its own stack: the C library',
      'puts fn where the child\'s return address will be and arg below it.',
    ],
    program: 'clone-vm',
    moral: (r) => [
      `The clone is among the ${r.k.forks} forks: fork, vfork and clone all enter do_fork, with different flags.`,
      r.k.cowCopies === 0
        ? 'Not a single COW copy: the child wrote into the parent\'s own page.'
        : `${r.k.cowCopies} COW ${plural(r.k.cowCopies, 'copy', 'copies')}, none for the shared variable: the child wrote into the parent's page.`,
    ],
  },
  {
    title: 'copy-on-write across three generations',
    story: [
      'A grandparent, its child and grandchild each write the same variable: each write',
      'copies only that one page, so each generation keeps its own value at the same',
      'address. A 64 KiB buffer nobody writes again stays shared by all three.',
    ],
    program: 'cow-generations',
    compareCopy: true,
  },
];

/** guest-programs/, found from here upwards (src/demo/ in the sources, dist/ when bundled). */
export function findGuestPrograms(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'guest-programs');
    if (existsSync(join(candidate, 'lib', 'runtime.inc'))) return candidate;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

interface TourRun {
  /** What the program printed, lines of the kernel's log (the segfault report) in
   *  between where they happened, marked with `log`. */
  lines: Array<{ text: string; log?: boolean }>;
  outcome: RunOutcome;
  k: RunOutcome['kernel']['stats'];
}

/** Run guest-programs/<program>.asm on a freshly booted kernel. */
function runGuest(dir: string, program: string, forkMode: 'cow' | 'copy'): TourRun {
  const path = join(dir, `${program}.asm`);
  const asm = assemble(readFileSync(path, 'utf8'), path, (p) => readFileSync(p, 'utf8'));
  if (!asm.ok || !asm.elf) throw new Error(`${program}.asm does not assemble:\n${formatDiagnostics(asm.errors)}`);
  const lines: TourRun['lines'] = [];
  let partial = '';
  const dec = new TextDecoder();
  const print = (b: Uint8Array) => {
    const parts = (partial + dec.decode(b)).split('\n');
    partial = parts.pop()!;
    for (const text of parts) lines.push({ text });
  };
  const opts = {
    files: new Map([[`/${program}`, asm.elf]]),
    argv: [`/${program}`],
    envp: [],
    forkMode,
    stdout: print,
    stderr: print,
    log: (text: string) => void lines.push({ text, log: true }),
  };
  const outcome = runProgram(opts, bootProgram(opts));
  if (partial) lines.push({ text: partial });
  return { lines, outcome, k: outcome.kernel.stats };
}

const n = (v: number) => Math.floor(v).toLocaleString('en-US');
const plural = (count: number, one: string, many: string) => (count === 1 ? one : many);

export interface TourOptions {
  write: (text: string) => void;
  /** ANSI colours (a terminal). */
  color?: boolean;
}

/** Run the tour; returns 0 when every program ended as expected. */
export function runTour(options: TourOptions): number {
  const c = options.color ?? false;
  const bold = (s: string) => (c ? `\x1b[1m${s}\x1b[22m` : s);
  const dim = (s: string) => (c ? `\x1b[2m${s}\x1b[22m` : s);
  const cyan = (s: string) => (c ? `\x1b[36m${s}\x1b[39m` : s);
  const out: string[] = [];
  const say = (line = '') => out.push(line);
  const flush = () => {
    options.write(out.join('\n') + '\n');
    out.length = 0;
  };

  const dir = findGuestPrograms();
  if (!dir) {
    options.write('forkbox tour: guest-programs/ not found next to forkbox\n');
    return 1;
  }

  say();
  say(bold('  forkbox · a tour of fork, vfork, clone and copy-on-write'));
  say();
  say('  An i386 PC emulated in TypeScript runs a small Linux-compatible kernel, also in');
  say('  TypeScript. Each step assembles a program from guest-programs/, boots the kernel');
  say('  and runs it: init (pid 1) forks and execs it as pid 2 (that fork is in the figures).');
  say('  The same binaries run natively on Linux and under qemu-i386, with the same output.');
  flush();

  let failed = 0;
  STEPS.forEach((step, i) => {
    say();
    const head = `── ${i + 1}/${STEPS.length} · ${step.title} `;
    say(bold(cyan(head + '─'.repeat(Math.max(3, 88 - head.length)))));
    for (const line of step.story) say(`  ${line}`);
    say();
    say(dim(`  $ forkbox run guest-programs/${step.program}.asm`));
    const r = runGuest(dir, step.program, 'cow');
    for (const { text, log } of r.lines) say(log ? dim(`  │ (kernel log) ${text}`) : `  │ ${text}`);
    const ok = r.outcome.end === 'exit' && r.outcome.exitCode === 0;
    if (!ok) {
      failed++;
      say(`  ✗ the program did not end as expected: ${r.outcome.message} (exit code ${r.outcome.exitCode})`);
    }
    say();
    for (const line of figures(r)) say(`  ${line}`);
    for (const line of step.moral?.(r) ?? []) say(dim(`  ${line}`));
    if (step.compareCopy) {
      const copy = runGuest(dir, step.program, 'copy');
      const cowFrames = r.outcome.kernel.pages.stats.peakUsed;
      const copyFrames = copy.outcome.kernel.pages.stats.peakUsed;
      say();
      say(`  The same program with --fork-mode=copy (fork copies every page, like first-generation Unix):`);
      say(`    copy-on-write   ${n(r.outcome.cycles).padStart(9)} cycles   ${String(cowFrames).padStart(3)} frames at peak   ${r.k.cowCopies} pages copied, on write`);
      say(`    copy at fork    ${n(copy.outcome.cycles).padStart(9)} cycles   ${String(copyFrames).padStart(3)} frames at peak   every page, at each fork`);
      if (copy.outcome.exitCode !== 0) failed++;
    }
    flush();
  });

  say();
  say(bold('  Your turn'));
  const tries: Array<[string, string]> = [
    ['npx forkbox run --stats guest-programs/wait-zombie-orphan.asm', 'zombies and orphans'],
    ['npx forkbox run guest-programs/nanosleep-order.asm', 'timers wake sleepers in order'],
    ['npx forkbox run --max-tasks 16 guest-programs/forkbomb-eagain.asm', 'fork fails with EAGAIN'],
    ['npm test', 'every program here, also run natively and under qemu-i386'],
  ];
  const width = Math.max(...tries.map(([cmd]) => cmd.length));
  for (const [cmd, what] of tries) say(`    ${cmd.padEnd(width)}   ${dim(what)}`);
  say();
  if (failed) say(`  ${failed} step(s) did not end as expected.`);
  flush();
  return failed ? 1 : 0;
}

/** The --stats figures a step is about. */
function figures(r: TourRun): string[] {
  const k = r.k;
  const cpuHz = r.outcome.machine.cpuHz;
  const ms = (r.outcome.cycles / cpuHz) * 1000;
  return [
    `forks ${k.forks} · page faults ${k.pageFaults}: COW copies ${k.cowCopies}, COW reuses ${k.cowReuses} · context switches ${k.contextSwitches}`,
    `${n(r.outcome.cycles)} cycles: ${ms.toFixed(2)} ms of guest time at ${cpuHz / 1e6} MHz, ${n(k.kernelCycles)} of them in the kernel`,
  ];
}

/** `forkbox tour` */
export async function tourCommand(argv: string[], io: CliIO): Promise<number> {
  if (argv.length > 0) {
    io.stderr(`forkbox: tour takes no arguments (got ${argv.join(' ')})\n`);
    return 2;
  }
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  return runTour({ write: io.stdout, color });
}
