// Bad input at the CLI (issue 9): whatever file `forkbox run`, `asm`, `disasm` and
// `debug --batch` are given — missing, a directory, empty, not an ELF, a 64-bit or
// foreign ELF, truncated at any length, hostile program headers, assembler errors — the
// answer is one line on stderr naming the problem (the assembler: one file:line:col
// line per error), nothing on stdout, exit code 2, never a stack trace.
// The whole matrix runs in-process through main(); a representative set runs the built
// CLI (node bin/forkbox.js, bundled by `npm run build`) as a child process.
// ELFs that parse (hostile but loadable headers) also run through the kernel's loader:
// the run ends cleanly and no frame leaks.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { parseElf } from '../src/guest/elf.js';
import { check_invariants } from '../src/guest/memory.js';
import { EH, PH, patch, smallElf } from './helpers/elf-build.js';
import { runKernel } from './helpers/kernel-machine.js';
import { mulberry32 } from './helpers/rng.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'forkbox-badinput-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = smallElf();
const phoff = good[EH.phoff] | (good[EH.phoff + 1] << 8);
const ph = (i: number, field: keyof typeof PH) => phoff + 32 * i + PH[field];

/** name → contents (null: the path does not exist; 'dir': a directory). */
const files: Array<[string, Uint8Array | string | null]> = [
  ['missing', null],
  ['a-directory', 'dir'],
  ['empty', new Uint8Array(0)],
  ['text', 'hello, I am not a program\n'],
  ['elf64', patch(good, 4, 1, 2)],
  ['big-endian', patch(good, 5, 1, 2)],
  ['bad-version', patch(good, 6, 1, 0)],
  ['em-x86-64', patch(good, EH.machine, 2, 62)],
  ['em-arm', patch(good, EH.machine, 2, 40)],
  ['et-rel', patch(good, EH.type, 2, 1)],
  ['et-core', patch(good, EH.type, 2, 4)],
  ['huge-memsz', patch(good, ph(1, 'memsz'), 4, 0xfffff000)],
  ['filesz-gt-memsz', patch(good, ph(1, 'filesz'), 4, 0x200)],
  ['offset-beyond-file', patch(good, ph(0, 'offset'), 4, 0x7fff0000)],
  ['filesz-beyond-file', patch(good, ph(0, 'filesz'), 4, 0x100000)],
  ['kernel-space-segment', patch(patch(good, ph(1, 'vaddr'), 4, 0xc0000000), ph(1, 'paddr'), 4, 0xc0000000)],
  ['segment-wrapping-4g', patch(patch(good, ph(1, 'vaddr'), 4, 0xfffff000), ph(1, 'memsz'), 4, 0x2000)],
  ['overlapping-segments', patch(good, ph(1, 'vaddr'), 4, 0x08049004)],
  ['zero-pt-load', patch(good, EH.phnum, 2, 0)],
  ['no-load-only-note', patch(patch(good, ph(0, 'type'), 4, 4), ph(1, 'type'), 4, 4)],
  ['entry-outside-segments', patch(good, EH.entry, 4, 0x12345678)],
  ['entry-in-data', patch(good, EH.entry, 4, 0x0804a000)],
  ['entry-in-kernel', patch(good, EH.entry, 4, 0xc0001000)],
  ['huge-phnum', patch(good, EH.phnum, 2, 0xffff)],
  ['phoff-beyond-file', patch(good, EH.phoff, 4, 0xfffffff0)],
  ['bad-phentsize', patch(good, EH.phentsize, 2, 8)],
  ['misaligned-segment', patch(good, ph(1, 'vaddr'), 4, 0x0804a123)],
  ['bad.asm', 'section .text\nglobal _start\n_start:\n        mov eax,, 1\n        frobnicate ebx\n'],
  ['one-error.asm', 'section .text\n_start:\n        jmp nowhere\n'],
  ['missing-include.asm', '%include "does/not/exist.inc"\nsection .text\n_start: ret\n'],
  ['binary.asm', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0xff, 0xfe, 10, 0])],
];
for (const n of [1, 4, 15, 16, 40, 51, 52, 53, 60, 84]) files.push([`truncated-${n}`, good.subarray(0, n)]);
// the program headers cut in the middle
files.push(['truncated-phdrs', good.subarray(0, phoff + 40)]);

const path = (name: string) => join(dir, name);
for (const [name, data] of files) {
  if (data === null) continue;
  if (data === 'dir') mkdirSync(path(name));
  else writeFileSync(path(name), data);
}
const cmds = path('session.cmds');
writeFileSync(cmds, 'continue\ninfo registers\nquit\n');

interface Out { code: number; stdout: string; stderr: string }

async function cli(argv: string[]): Promise<Out> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

/** The command lines to try on a file. */
function commands(file: string): string[][] {
  const out = [['run', file], ['disasm', file], ['debug', '--batch', cmds, file]];
  if (file.endsWith('.asm')) out.push(['asm', file, '-o', path('out.elf')]);
  return out;
}

/** Errors the assembler reports in a file (one file:line:col line each). */
const ASM_ERRORS: Record<string, number> = { 'bad.asm': 2, 'one-error.asm': 1, 'missing-include.asm': 1, 'binary.asm': 3 };

function expectClean(r: Out, argv: string[], name: string) {
  const what = `forkbox ${argv.join(' ')} →\n${r.stderr}`;
  expect(r.code, what).toBe(2);
  expect(r.stdout, what).toBe('');
  expect(r.stderr, what).not.toMatch(/^\s+at /m);
  expect(r.stderr.endsWith('\n'), what).toBe(true);
  expect(r.stderr, `${what}: control characters`).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  const lines = r.stderr.slice(0, -1).split('\n');
  for (const l of lines) expect(l.length, what).toBeGreaterThan(0);
  const asmErrors = ASM_ERRORS[name];
  if (asmErrors !== undefined && argv[0] !== 'disasm') {
    // the assembler: one file:line:col line per error (forkbox asm adds the source line
    // and a caret under each, and a count at the end, as compilers do)
    // (forkbox debug names the first error only, after its own prefix)
    const located = lines.filter((l) => /^(forkbox debug: )?\S+\.(asm|inc):\d+:\d+: error: /.test(l));
    expect(located.length, what).toBe(argv[0] === 'debug' ? 1 : asmErrors);
    if (argv[0] === 'asm') expect(lines.at(-1), what).toMatch(/^forkbox asm: \d+ errors?, no output written$/);
    else expect(lines.length, what).toBe(located.length);
    expect(located[0], what).toContain(name === 'missing-include.asm' ? 'exist.inc' : name);
    return;
  }
  expect(lines.length, what).toBe(1);
  expect(lines[0], what).toContain(name); // it names the file
}

describe('every command on every bad file: one line, exit code 2, no stack trace', () => {
  for (const [name] of files) {
    it(name, async () => {
      for (const argv of commands(path(name))) {
        const r = await cli(argv);
        expectClean(r, argv, name);
      }
    });
  }
});

describe('bad output paths and option values: one line, exit code 2, before anything runs', () => {
  const hello = join(ROOT, 'guest-programs', 'hello.asm');
  const cases: Array<[string[], RegExp]> = [
    [['asm', hello, '-o', dir], /^forkbox asm: cannot write '.*': EISDIR$/],
    [['asm', hello, '-o', path('missing/sub/out')], /^forkbox asm: cannot write '.*': ENOENT$/],
    [['run', '--trace-out', path('missing/t.json'), hello], /^forkbox run: --trace-out .*: no such file$/],
    [['run', '--trace-file', path('missing/t.txt'), '--trace=sched', hello], /^forkbox run: --trace-file .*: no such file$/],
    [['run', '--fs', path('text'), hello], /^forkbox run: --fs .*: not a directory$/],
    [['run', '--fs', path('missing'), hello], /^forkbox run: --fs .*: no such directory$/],
    [['debug', '--batch', path('missing'), hello], /^forkbox debug: --batch .*: no such file$/],
    [['debug', '--batch', dir, hello], /^forkbox debug: --batch .*: is a directory$/],
  ];
  for (const [argv, re] of cases) {
    it(argv.slice(0, -1).join(' ').replace(dir, 'DIR'), async () => {
      const r = await cli(argv);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(r.stderr.slice(0, -1)).toMatch(re);
    });
  }
});

describe('truncation at every length and random corruption never escape as host exceptions', () => {
  it('every prefix of a valid ELF: run and disasm reject it in one line', async () => {
    let n = 0;
    // every length through the program headers and the first segment, then every 7th
    for (let len = 0; len < good.length; len += len < phoff + 2 * 32 + 64 ? 1 : 7) {
      const cut = good.subarray(0, len);
      const r = parseElf(cut);
      if (r.ok) continue; // the section headers come last: a prefix may still load
      writeFileSync(path('cut'), cut);
      for (const argv of [['run', path('cut')], ['disasm', path('cut')]]) {
        const o = await cli(argv);
        expect(o.code, `${argv.join(' ')} at length ${len}: ${o.stderr}`).toBe(2);
        expect(o.stderr.split('\n').length, `length ${len}: ${o.stderr}`).toBe(2);
        expect(o.stderr).not.toMatch(/^\s+at /m);
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
  }, 60_000);

  it('hostile headers that parse run through the loader: the run ends and no frame leaks', () => {
    const seed = Number(process.env.FUZZ_SEED ?? 0x150);
    const next = mulberry32(seed);
    const fields = Object.keys(PH) as Array<keyof typeof PH>;
    const values = [0, 1, 0xfff, 0x1000, 0x7fffffff, 0x80000000, 0xbffff000, 0xc0000000, 0xfffff000, 0xffffffff];
    let loaded = 0;
    for (let k = 0; k < 600; k++) {
      let b = good;
      const nPatches = 1 + (next() % 3);
      for (let j = 0; j < nPatches; j++) {
        const off = ph(next() % 2, fields[next() % fields.length]);
        b = patch(b, off, 4, next() % 2 ? values[next() % values.length] : next());
      }
      const r = parseElf(b);
      if (!r.ok) continue;
      loaded++;
      const run = runKernel(b, { maxCycles: 5_000_000 });
      expect(['exit'], `seed ${seed} case ${k}: ${run.outcome.message}`).toContain(run.outcome.end);
      expect(check_invariants(run.outcome.kernel), `seed ${seed} case ${k}`).toEqual([]);
    }
    console.log(`hostile headers: ${loaded} of 600 parsed and ran (seed ${seed})`);
    expect(loaded).toBeGreaterThan(0);
  }, 60_000);
});

describe('the built CLI (node bin/forkbox.js)', () => {
  const bundle = join(ROOT, 'dist', 'cli.js');
  const spawnCli = (argv: string[]) => new Promise<Out>((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin', 'forkbox.js'), ...argv], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => void (stdout += d));
    p.stderr.on('data', (d) => void (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  // devices and fifos only in a child process (with a time limit): reading one could
  // block or never end, which in-process would stop the test runner itself
  it.skipIf(!existsSync(bundle) || !existsSync('/dev/zero'))('devices and fifos: "not a regular file", at once', async () => {
    const fifo = path('fifo');
    const made = spawnSync('mkfifo', [fifo]).status === 0;
    writeFileSync(path('include-zero.asm'), '%include "/dev/zero"\nsection .text\n_start: ret\n');
    const set: string[][] = [];
    for (const f of ['/dev/zero', ...(made ? [fifo] : [])]) {
      set.push(['run', f], ['disasm', f], ['asm', f, '-o', path('out.elf')], ['debug', '--batch', cmds, f]);
      set.push(['debug', '--batch', f, join(ROOT, 'guest-programs', 'hello.asm')], ['run', '--fs', dir, f]);
    }
    for (const c of ['run', 'asm', 'debug']) {
      const argv = [c, path('include-zero.asm')];
      if (c === 'asm') argv.push('-o', path('out.elf'));
      if (c === 'debug') argv.splice(1, 0, '--batch', cmds);
      set.push(argv);
    }
    const outs = await Promise.all(set.map((argv) => spawnCli(argv)));
    set.forEach((argv, i) => {
      const what = `forkbox ${argv.join(' ')} →\n${outs[i].stderr}`;
      expect(outs[i].code, what).toBe(2);
      expect(outs[i].stderr, what).not.toMatch(/^\s+at /m);
      if (!argv.some((a) => a.endsWith('include-zero.asm'))) expect(outs[i].stderr, what).toMatch(/: not a regular file\n$/);
      else expect(outs[i].stderr, what).toMatch(/include-zero\.asm:\d+:\d+: error: /);
    });
  }, 60_000);

  it.skipIf(!existsSync(bundle))('a representative set: one line, exit code 2', async () => {
    const set: Array<[string, string[]]> = [
      ['missing', ['run', path('missing')]],
      ['a-directory', ['run', path('a-directory')]],
      ['text', ['run', path('text')]],
      ['elf64', ['disasm', path('elf64')]],
      ['em-arm', ['run', path('em-arm')]],
      ['truncated-51', ['run', path('truncated-51')]],
      ['huge-phnum', ['debug', '--batch', cmds, path('huge-phnum')]],
      ['kernel-space-segment', ['run', path('kernel-space-segment')]],
      ['bad.asm', ['run', path('bad.asm')]],
      ['bad.asm', ['asm', path('bad.asm'), '-o', path('out.elf')]],
    ];
    const outs = await Promise.all(set.map(([, argv]) => spawnCli(argv)));
    set.forEach(([name, argv], i) => expectClean(outs[i], argv, name));
  }, 60_000);
});

// the child-process tests above skip without the bundle: this one says why
it('dist/cli.js, which bin/forkbox.js runs, exists (npm run build)', () => {
  expect(readFileSync(join(ROOT, 'bin', 'forkbox.js'), 'utf8')).toContain("'dist', 'cli.js'");
  expect(existsSync(join(ROOT, 'dist', 'cli.js')), 'run `npm run build` first').toBe(true);
});
