// `forkbox debug`: the REPL driven by scripts (--batch), compared with the expected
// transcripts in tests/debug-transcripts/NAME.out; the CLI's errors; the command layer.
//
// A transcript states what a debugging session is supposed to show. To regenerate them
// after an intended change: FORKBOX_ACCEPT_TRANSCRIPTS=1 npx vitest run tests/repl.test.ts,
// then review `git diff tests/debug-transcripts`.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main, type CliIO } from '../src/cli.js';
import { Debugger } from '../src/debug/debugger.js';
import { Commands } from '../src/debug/commands.js';
import { assembleProgram } from './helpers/kernel-machine.js';

const DIR = join(import.meta.dirname, 'debug-transcripts');
const ACCEPT = process.env.FORKBOX_ACCEPT_TRANSCRIPTS === '1';

async function debug(argv: string[], extra: Partial<CliIO> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY: false, ...extra };
  const code = await main(['debug', ...argv], io);
  return { code, stdout, stderr };
}

/** The scripts, and the program each one debugs (paths relative to the repository). */
const SESSIONS: Array<[string, string]> = [
  ['break-continue', 'guest-programs/fork-cow.asm'],
  ['fork-child', 'guest-programs/fork-cow.asm'],
  ['watch-cow', 'guest-programs/fork-cow.asm'],
  ['reverse', 'guest-programs/fork-cow.asm'],
  ['kernel', 'guest-programs/vfork.asm'],
];

describe('transcripts of --batch sessions', () => {
  const results = new Map<string, string>();
  for (const [name, program] of SESSIONS) {
    test(name, async () => {
      const r = await debug(['--batch', join(DIR, `${name}.cmds`), program]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      results.set(name, r.stdout);
      const file = join(DIR, `${name}.out`);
      if (ACCEPT) writeFileSync(file, r.stdout);
      expect(existsSync(file), `missing ${file}: run with FORKBOX_ACCEPT_TRANSCRIPTS=1`).toBe(true);
      expect(r.stdout).toBe(readFileSync(file, 'utf8'));
    });
  }

  test('the reverse session returns to the same state hashes', () => {
    const out = results.get('reverse') ?? readFileSync(join(DIR, 'reverse.out'), 'utf8');
    const states = [...out.matchAll(/^position (\d+), .* state hash ([0-9a-f]{8})/gm)].map((m) => ({ pos: Number(m[1]), hash: m[2] }));
    // info state after: the first hit, the second hit, reverse-continue, stepi 3,
    // reverse-stepi 3, and the second hit reached again (reverse-stepi 1, continue twice).
    expect(states).toHaveLength(6);
    expect(states[2]).toEqual(states[0]);
    expect(states[4]).toEqual(states[2]);
    expect(states[3].pos).toBe(states[2].pos + 3);
    expect(states[5]).toEqual(states[1]);
    expect(states[1].hash).not.toBe(states[0].hash);
  });

  test('the fork session stops in the child and shows the COW page before and after the write', () => {
    const out = results.get('fork-child') ?? readFileSync(join(DIR, 'fork-child.out'), 'utf8');
    expect(out).toMatch(/Catchpoint 1 \(fork\): pid 2 forked pid 3 \(flags SIGCHLD\)\n\[pid 3\] 0x[0-9a-f]{8} <__syscall0\+2>:  ret/);
    const pts = out.split('(forkbox) pt count').slice(1);
    expect(pts[0]).toMatch(/reference count 2\n  mapped by: pid 2 at 0x0804b000; pid 3 at 0x0804b000\n  COW: /);
    expect(pts[1]).toMatch(/reference count 1\n  mapped by: pid 3 at 0x0804b000\n  writable/);
  });

  test('the watchpoint follows the page the COW fault moved', () => {
    const out = results.get('watch-cow') ?? readFileSync(join(DIR, 'watch-cow.out'), 'utf8');
    expect(out).toMatch(/Watchpoint 2: 0x0804b108 <count> in pid 3\nOld value = 0 \(0x0\)\nNew value = 1 \(0x1\)\n\(in frame 0x[0-9a-f]+\) \(the page moved: frame 0x[0-9a-f]+ → 0x[0-9a-f]+\)/);
  });
});

describe('forkbox debug: the command line', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'forkbox-debug-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('errors are one line with exit status 2', async () => {
    const missing = await debug(['nope.asm']);
    expect(missing).toEqual({ code: 2, stdout: '', stderr: 'forkbox debug: nope.asm: no such file\n' });
    expect((await debug([])).stderr).toBe('forkbox debug: no program given (usage: forkbox debug [OPTIONS] PROGRAM [ARGS...])\n');
    expect((await debug(['--bogus', 'x'])).code).toBe(2);
    const bad = join(tmp, 'bad.asm');
    writeFileSync(bad, 'section .text\n  movv eax, 1\n');
    const r = await debug([bad]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^forkbox debug: .*bad\.asm:\d+:\d+: error: /);
    const notElf = join(tmp, 'prog');
    writeFileSync(notElf, 'hello');
    expect((await debug([notElf])).stderr).toMatch(/^forkbox debug: .*prog: .*\n$/);
    expect((await debug(['--batch', join(tmp, 'none.cmds'), 'guest-programs/hello.asm'])).stderr).toMatch(/^forkbox debug: --batch .*none\.cmds: no such file\n$/);
  });

  test('commands come from stdin when it is not a terminal; an ELF program works too', async () => {
    const elf = join(tmp, 'hello');
    writeFileSync(elf, assembleProgram(readFileSync('guest-programs/hello.asm', 'utf8'), 'hello.asm'));
    const r = await debug([elf], { stdin: 'info registers eip\nbreak _start\ncontinue\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/at its entry in pid 2\n\[pid 2\] 0x[0-9a-f]{8} <_start>:/);
    expect(r.stdout).toContain('(forkbox) info registers eip\n[pid 2]\neip      0x');
    expect(r.stdout).toMatch(/The program exited with code 0\n$/);
  });

  test('forkbox help lists debug as implemented', async () => {
    let out = '';
    await main(['help'], { stdout: (s) => void (out += s), stderr: () => {} });
    expect(out).toMatch(/debug \[OPTIONS\] PROGRAM \[ARGS\.\.\.\] +run a program under the debugger/);
    expect(out).not.toMatch(/debug.*later issue/);
  });
});

describe('the command layer', () => {
  function session(): { cmds: Commands; out: () => string; d: Debugger } {
    const elf = assembleProgram(readFileSync('guest-programs/fork-cow.asm', 'utf8'), 'fork-cow.asm');
    let text = '';
    const d = new Debugger({ files: new Map([['/prog', elf]]), argv: ['/prog'], envp: [] });
    d.runToEntry();
    const cmds = new Commands(d, { write: (s) => void (text += s) });
    return { cmds, d, out: () => text };
  }

  test('every command has help, and gdb\'s abbreviations work', async () => {
    const { cmds, out } = session();
    for (const c of cmds.commands) {
      expect(c.help.length, c.names[0]).toBeGreaterThan(20);
      await cmds.execute(`help ${c.names[0]}`);
    }
    expect(out()).not.toContain('Undefined command');
    for (const abbrev of ['si', 'ni', 'c', 'b', 'd', 'i r', 'x/2x $esp', 'bt', 'p 1+2', 'rsi', 'disas', 'tb _start']) {
      const before = out().length;
      await cmds.execute(abbrev);
      expect(out().slice(before), abbrev).not.toMatch(/Undefined command|usage:/);
    }
  });

  test('tab completion of commands and symbols', () => {
    const { cmds } = session();
    expect(cmds.complete('rev')[0]).toEqual(['reverse-continue', 'reverse-stepi']);
    expect(cmds.complete('break main.ch')[0]).toEqual(['main.child']);
    expect(cmds.complete('task ')[0]).toEqual(['0', '1', '2']);
  });

  test('stats and timers', async () => {
    const { cmds, out } = session();
    await cmds.execute('stats');
    expect(out()).toMatch(/^position \d+: \d+ instructions, \d+ cycles .*\nsyscalls \d+, kernel calls \d+, context switches \d+, timer ticks \d+\nforks 1, execs 2, exits 0\npage faults \d+: demand zero \d+, file \d+, COW copy \d+, COW reuse \d+, segv 0\n/);
    await cmds.execute('timers');
    expect(out()).toMatch(/jiffies 0 \(HZ 100\); 0 pending timers\n$/);
  });
});
