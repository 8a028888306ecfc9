// The `forkbox` command: main(argv) with collected output.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

describe('forkbox CLI', () => {
  it('help lists the commands, marking those still to come', async () => {
    for (const arg of ['help', '--help', '-h']) {
      const r = await cli(arg);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^usage: forkbox <command>/);
      for (const c of ['demo', 'run', 'asm', 'disasm', 'debug', 'bench']) expect(r.stdout).toContain(`\n  ${c}`);
      expect(r.stdout).not.toMatch(/bench .*coming in a later issue/);
      expect(r.stdout).not.toMatch(/^ {2}debug .*coming in a later issue/m);
      expect(r.stdout).not.toMatch(/^ {2}run .*coming in a later issue/m);
      expect(r.stdout).not.toMatch(/demo.*coming in a later issue/);
    }
  });

  it('no arguments: usage and exit code 2', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^usage:/);
  });

  it('an unknown command: one line on stderr, exit code 2', async () => {
    const r = await cli('frobnicate', '--x');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("forkbox: unknown command 'frobnicate' (try 'forkbox help')\n");
  });

  it('bench with a bad argument: a usage error, exit code 2', async () => {
    const r = await cli('bench', 'x');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^forkbox bench: unknown benchmark 'x'\n/);
  });

  it('disasm of a missing file: one line naming it, exit code 2', async () => {
    const r = await cli('disasm', '/nonexistent/prog');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('forkbox disasm: /nonexistent/prog: no such file\n');
  });

  it('names of Object.prototype are not commands', async () => {
    const r = await cli('constructor');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });

  it('bad demo options: one line, exit code 2', async () => {
    expect((await cli('demo', '--cpu-mhz', 'fast')).stderr).toBe("forkbox: demo: --cpu-mhz must be a positive number, got 'fast'\n");
    expect((await cli('demo', '--cpu-mhz')).code).toBe(2);
    expect((await cli('demo', '--turbo', '1')).stderr).toBe('forkbox: demo: unknown option --turbo\n');
    expect((await cli('demo', 'extra')).code).toBe(2);
    expect((await cli('demo', '--mem=2')).stderr).toMatch(/--mem must be a whole number of MiB from 4 to 1024/);
    expect((await cli('demo', '--cpu-mhz=0.5')).stderr).toMatch(/--cpu-mhz must be between 1 and 4294/);
  });

  it('demo: paging, two page faults, five timer ticks, then halted', async () => {
    const r = await cli('demo');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const expectLine = (re: RegExp) => expect(lines.some((l) => re.test(l)), `no line matches ${re}`).toBe(true);
    expectLine(/^forkbox bare-metal demo: ring 0, loaded at 0x00100000$/);
    expectLine(/^gdt and idt loaded \(lgdt, lidt\); segments reloaded$/);
    expectLine(/^pic remapped \(ICW1-ICW4\): irq 0-7 -> vectors 0x20-0x27/);
    expectLine(/^pit channel 0: mode 2, divisor 11932 -> 100 Hz$/);
    expectLine(/^paging on \(CR0.PG, CR0.WP\): cr3=0x00300000/);
    expectLine(/^ {2}#PF: cr2=0x40000123 error=0x00000002 \(not present, write, supervisor\) -> new page table 0x00380000 -> mapped frame 0x00381000$/);
    expectLine(/^ {2}the write restarted and completed: \[0x40000123\] = 0x600dc0de$/);
    expectLine(/^ {2}#PF: cr2=0x00003000 error=0x00000003 \(protection, write, supervisor\) -> made writable$/);
    expectLine(/^ {2}the write restarted and completed: \[0x00003000\] = 0x0badf00d$/);
    for (let k = 1; k <= 5; k++) expectLine(new RegExp(`^  tick ${k}: woke at cycle \\d+ \\(\\+\\d+\\)$`));
    expectLine(/^done: 5 ticks, 5 wake-ups from hlt, 2 page faults; cli; hlt$/);
    expectLine(/^machine stopped: halted forever: hlt with interrupts disabled/);
    expectLine(/^ {2}page faults {3}2$/);
    expectLine(/^ {2}IRQs taken {4}5 \(irq0 ×5\); timer edges 5; spurious 0$/);
    // 100 Hz at 100 MHz: consecutive ticks are 1193182/11932 PIT clocks = 1000015.9 cycles apart.
    const deltas = lines.map((l) => /^ {2}tick [2-5]: .*\(\+(\d+)\)$/.exec(l)?.[1]).filter(Boolean).map(Number);
    expect(deltas.length).toBe(4);
    for (const d of deltas) expect([1000015, 1000016]).toContain(d);
  });

  it('demo output is deterministic', async () => {
    const a = await cli('demo');
    const b = await cli('demo');
    expect(a.stdout).toBe(b.stdout);
  });
});

describe('src/demo/demo.bin', () => {
  const haveNasm = spawnSync('nasm', ['-v']).status === 0;
  if (!haveNasm) console.warn('SKIP src/demo/demo.bin check: nasm is not installed');
  it.skipIf(!haveNasm)('is demo.asm assembled', () => {
    const dir = mkdtempSync(join(tmpdir(), 'forkbox-demo-'));
    try {
      const src = fileURLToPath(new URL('../src/demo/demo.asm', import.meta.url));
      const out = join(dir, 'demo.bin');
      const r = spawnSync('nasm', ['-f', 'bin', src, '-o', out], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const committed = readFileSync(fileURLToPath(new URL('../src/demo/demo.bin', import.meta.url)));
      expect(Buffer.compare(readFileSync(out), committed), 'run: nasm -f bin src/demo/demo.asm -o src/demo/demo.bin').toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
