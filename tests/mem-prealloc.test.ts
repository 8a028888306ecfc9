// --mem-prealloc (QEMU's -mem-prealloc): all of guest RAM touched at machine creation.
// Nothing the guest can see changes — same output, cycles and instructions — and the
// option is a flag: a value is a one-line usage error (exit 2).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIO } from '../src/cli.js';
import { Mmu } from '../src/mmu/mmu.js';
import { runProgram } from '../src/run.js';
import { assembleBench } from '../bench/peers.js';
import { mulberry32 } from './helpers/rng.js';

const SEED = Number(process.env.FORKBOX_SEED ?? Date.now() % 1e9);
const dir = mkdtempSync(join(tmpdir(), 'forkbox-prealloc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const io: CliIO = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: { LANG: 'C' } };
  const code = await main(['run', ...argv], io);
  return { code, stdout, stderr };
}

describe(`--mem-prealloc (seed ${SEED}: FORKBOX_SEED=${SEED} to reproduce)`, () => {
  it('leaves RAM all zero', () => {
    const mmu = new Mmu(4 << 20);
    mmu.preallocate();
    expect(mmu.u8.length).toBe(4 << 20);
    expect(mmu.u8.every((b) => b === 0)).toBe(true);
  });

  it('same cycles, instructions and counters with and without it', () => {
    const rnd = mulberry32(SEED);
    const n = String(1 + (rnd() % 300)), r = String(1 + (rnd() % 3));
    const cow = assembleBench('cow');
    const go = (memPrealloc: boolean) => {
      const o = runProgram({ files: new Map([['/cow', cow]]), argv: ['/cow', n, r], memSize: 8 << 20, memPrealloc, maxCycles: Infinity });
      return { end: o.end, exitCode: o.exitCode, cycles: o.cycles, instructions: o.instructions, stats: { ...o.kernel.stats } };
    };
    const a = go(false), b = go(true);
    expect(a.end).toBe('exit');
    expect(a.stats.cowCopies).toBe(Number(n) * Number(r));
    expect(b).toEqual(a);
  });

  it('forkbox run --mem-prealloc: the same output and status; a value is a usage error', async () => {
    const src = join(dir, 'p.asm');
    writeFileSync(src, [
      'section .data', 'msg: db "prealloc ok", 10', 'section .text', 'global _start', '_start:',
      '  mov eax, 4', '  mov ebx, 1', '  mov ecx, msg', '  mov edx, 12', '  int 0x80',
      '  mov eax, 1', '  mov ebx, 7', '  int 0x80', '',
    ].join('\n'));
    const plain = await cli(['--mem', '8', src]);
    const pre = await cli(['--mem', '8', '--mem-prealloc', src]);
    expect(plain).toEqual({ code: 7, stdout: 'prealloc ok\n', stderr: '' });
    expect(pre).toEqual(plain);
    const bad = await cli(['--mem-prealloc=yes', src]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^forkbox run: --mem-prealloc takes no value\n$/);
  });
});
