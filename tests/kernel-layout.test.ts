// layout.inc (for entry.asm) and layout.ts (for the TypeScript kernel) must agree, and
// the committed entry.bin must be what nasm makes of entry.asm (when nasm is installed).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as layout from '../src/guest/layout.js';

const inc = readFileSync(new URL('../src/guest/layout.inc', import.meta.url), 'utf8');
const defines = new Map<string, number>();
for (const m of inc.matchAll(/^%define\s+(\w+)\s+(\S+)/gm)) defines.set(m[1], Number(m[2]));

const haveNasm = (() => {
  try {
    execFileSync('nasm', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('kernel layout', () => {
  it('layout.inc and layout.ts define the same numbers', () => {
    expect(defines.size).toBeGreaterThan(10);
    for (const [name, value] of defines) {
      expect((layout as Record<string, unknown>)[name], name).toBe(value);
    }
  });

  it.skipIf(!haveNasm)('entry.bin is entry.asm assembled by nasm', () => {
    const dir = mkdtempSync(join(tmpdir(), 'forkbox-entry-'));
    const out = join(dir, 'entry.bin');
    execFileSync('nasm', ['-f', 'bin', '-i', 'src/guest/', '-o', out, 'src/guest/entry.asm']);
    expect(Buffer.compare(readFileSync(out), readFileSync('src/guest/entry.bin'))).toBe(0);
  });
  if (!haveNasm) console.warn('SKIP: nasm not installed; entry.bin not re-assembled');
});
