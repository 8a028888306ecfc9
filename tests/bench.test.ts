// forkbox bench: a smoke run with tiny sizes and one repetition (never into bench/results/).
// Checks the shape of the results, that native and qemu-i386 are reported or marked
// missing, and that the markdown and SVG files are written. No timed assertions: speed
// targets live in the benchmark's output, not in tests.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchCommand, parseBenchArgs, type BenchResults } from '../bench/run.js';
import { main } from '../src/cli.js';

describe('forkbox bench', () => {
  it('a --quick smoke run: JSON shape, peers reported or missing, markdown and SVG', async () => {
    const out = mkdtempSync(join(tmpdir(), 'forkbox-bench-test-'));
    try {
      let stdout = '', stderr = '';
      const code = await benchCommand(['all', '--quick', '--json', '--reps', '1', '--pages', '16', '--mib', '1', '--iters', '1000', '--profile', '--out', out],
        { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
      expect(code).toBe(0);
      expect(stderr).toContain('[bench');
      const res = JSON.parse(stdout) as BenchResults;
      expect(res.version).toBe(1);
      expect(res.quick).toBe(true);
      expect(res.rows.map((r) => `${r.bench} ${r.label}`)).toEqual([
        'cow N=16', 'fork cow 1 MiB', 'fork copy 1 MiB', 'fork vfork 1 MiB', 'cpu alu', 'cpu call/ret', 'cpu branchy',
      ]);
      for (const peer of ['forkbox', 'native', 'qemu'] as const) {
        const p = res.peers[peer];
        expect('available' in p || typeof (p as { missing: string }).missing === 'string').toBe(true);
        for (const r of res.rows) {
          const x = r.peers[peer];
          if ('missing' in x) expect(x.missing.length).toBeGreaterThan(0);
          else {
            expect(x.min).toBeLessThanOrEqual(x.median);
            expect(x.median).toBeLessThanOrEqual(x.max);
            expect(x.samples.length).toBe(1);
          }
        }
      }
      const copy = res.rows.find((r) => r.label === 'copy 1 MiB')!;
      expect(copy.peers.native).toHaveProperty('missing');
      const cow = res.rows.find((r) => r.bench === 'cow')!;
      expect(cow.forkbox?.cowCopies).toBe(16 * Number(cow.params.forksPerRun));
      expect(cow.forkbox?.guestCyclesPerFault).toBeGreaterThan(1024);
      expect(res.rows.find((r) => r.label === 'alu')!.params.instructions).toBeGreaterThan(5000);
      const md = readFileSync(join(out, 'all.md'), 'utf8');
      expect(md).toMatch(/\| point \| forkbox \| native \| qemu-i386 \| forkbox\/native \| forkbox\/qemu \|/);
      for (const svg of ['cow.svg', 'fork.svg']) expect(readFileSync(join(out, svg), 'utf8')).toMatch(/^<svg [^]*<polyline[^]*<\/svg>\n$/);
      expect(existsSync(join(out, 'all.json'))).toBe(true);
      expect(res.profile?.stages.length).toBeGreaterThan(0);
      expect(md).toContain("## where forkbox's host time goes");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('options: defaults, --quick and usage errors', async () => {
    const full = parseBenchArgs([]);
    expect(full.which).toBe('all');
    expect(full.pages).toEqual([1024, 4096, 16384, 65536]);
    expect(full.mib).toEqual([1, 16, 64, 256]);
    expect(full.out).toMatch(/bench[/\\]results$/);
    const q = parseBenchArgs(['cow', '--quick']);
    expect(q.which).toBe('cow');
    expect(q.reps).toBeLessThan(full.reps);
    let stderr = '';
    const code = await main(['bench', '--pages', 'x'], { stdout: () => {}, stderr: (s) => void (stderr += s) });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^forkbox bench: --pages needs positive integers/);
  });
});
