// The committed binaries in tests/fixtures/ are the NASM sources next to them, assembled:
// where nasm is installed, re-assemble every tests/fixtures/*.asm and compare the bytes.
// (forkbox's own assembler does not exist yet; once it does, it can be checked the same way.)

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from './helpers/baremetal.js';

const sources = readdirSync(FIXTURES).filter((f) => f.endsWith('.asm')).sort();
const nasm = spawnSync('nasm', ['-v'], { encoding: 'utf8' });
const haveNasm = nasm.status === 0;
if (!haveNasm) console.warn('SKIP tests/fixtures.test.ts: nasm is not installed, the committed .bin files are not re-checked');

describe('tests/fixtures/*.bin are assembled from their .asm', () => {
  it('there are fixtures, each with its binary', () => {
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) expect(readdirSync(FIXTURES)).toContain(src.replace(/\.asm$/, '.bin'));
  });

  for (const src of sources) {
    it.skipIf(!haveNasm)(`${src} assembles to the committed ${src.replace(/\.asm$/, '.bin')}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'forkbox-fixtures-'));
      try {
        const out = join(dir, 'out.bin');
        const res = spawnSync('nasm', ['-f', 'bin', '-i', FIXTURES, '-o', out, join(FIXTURES, src)], { encoding: 'utf8' });
        expect(res.stderr + res.stdout, 'nasm output').toBe('');
        expect(res.status).toBe(0);
        const fresh = readFileSync(out);
        const committed = readFileSync(join(FIXTURES, src.replace(/\.asm$/, '.bin')));
        expect(Buffer.compare(fresh, committed), `${src}: rebuild with: nasm -f bin -i tests/fixtures/ -o tests/fixtures/${src.replace(/\.asm$/, '.bin')} tests/fixtures/${src}`).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
