// forkbox bench: a smoke run with tiny sizes and one repetition (never into bench/results/).
// Checks the shape of the results, that native and qemu-i386 are reported or marked
// missing, and that the markdown and SVG files are written. No timed assertions: speed
// targets live in the benchmark's output, not in tests.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchCommand, parseBenchArgs, type BenchResults } from '../bench/run.js';
import { KERNELS } from '../bench/cpu-elf.js';
import { detectPeers, PEERS, repoRoot } from '../bench/peers.js';
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
        'cpu memcpy', 'cpu string',
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

  it('cpu kernels: exit 0 on every peer; guest instructions per iteration as the code says', () => {
    // The text of the string kernel, from cpu.asm's `text:` db lines (… 10, 0).
    const src = readFileSync(join(repoRoot(), 'guest-programs', 'bench', 'cpu.asm'), 'utf8');
    const block = /^text:([^]*?), 10, 0$/m.exec(src)![1];
    const text = [...block.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join('') + '\n';
    expect(text.length).toBeGreaterThan(100);
    expect(text.length).toBeLessThan(256);
    const isLower = (c: string) => c >= 'a' && c <= 'z';
    // Instructions of an n-iteration run beyond the 0-iteration run's: the loop plus the
    // few of the dispatch and the final jump (cpu.asm), counted by walking the loop.
    const expected: Record<string, (n: number) => number> = {
      alu: (n) => 7 * n + 5,
      'call/ret': (n) => 5 * n + 3,
      branchy: (n) => {
        let c = 5;
        for (let ecx = n; ecx > 0; ecx--) c += (ecx & 1 ? 8 : 7) + (ecx & 4 ? 0 : 1);
        return c;
      },
      memcpy: (n) => 6 * n + 1,
      string: (n) => {
        let c = 1;
        for (let k = 0; k < n; k++) {
          if (k > 0 && k % text.length === 0) c += 6; // NUL: load, test, jz, and the wrap
          c += isLower(text[k % text.length]) ? 13 : 12;
        }
        return c;
      },
    };
    expect(KERNELS.map(([name]) => name).sort()).toEqual(Object.keys(expected).sort());
    const peers = detectPeers(['cpu']);
    try {
      const n = 10 * text.length + 5; // ten passes over the text and a few characters
      for (const [name, id] of KERNELS) {
        for (const peer of PEERS) {
          if (peers.available[peer] !== true) continue;
          // run() throws unless the program exits with status 0.
          const base = peers.run(peer, 'cpu', { args: [String(id), '0'] });
          const work = peers.run(peer, 'cpu', { args: [String(id), String(n)] });
          if (peer !== 'forkbox') continue;
          // Deterministic; a timer tick during the longer run adds the kernel entry/exit
          // stub's few instructions, hence the small slack above the loop's own count.
          const extra = work.instructions! - base.instructions! - expected[name](n);
          expect(extra, `cpu ${name}: instructions beyond the loop's`).toBeGreaterThanOrEqual(0);
          expect(extra, `cpu ${name}: instructions beyond the loop's`).toBeLessThanOrEqual(64);
          expect(peers.run(peer, 'cpu', { args: [String(id), String(n)] }).instructions).toBe(work.instructions);
        }
      }
    } finally {
      peers.dispose();
    }
  }, 60_000);

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
