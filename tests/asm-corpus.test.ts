// The generated corpus (tests/helpers/asm-corpus.ts): every NASM mnemonic of the opcode
// table × its operand forms with representative registers, memory forms and immediates,
// plus short/near branches both ways. forkbox and nasm assemble the same file; the bytes
// of every line must be equal (a mismatch names the line). Without nasm: visible SKIP.

import { describe, expect, it } from 'vitest';
import { assemble } from '../src/asm/assembler.js';
import { formatDiagnostics } from '../src/asm/diagnostics.js';
import { generateCorpus } from './helpers/asm-corpus.js';
import { hex, nasmAssemble, nasmAvailable, scratchDir, writeScratch } from './helpers/asm-nasm.js';

const HAVE = nasmAvailable();
if (!HAVE) console.warn('SKIP tests/asm-corpus.test.ts: nasm not installed — instruction corpus not compared');

describe('instruction corpus: forkbox = nasm, line by line', () => {
  const corpus = generateCorpus();
  const src = corpus.text.split('\n');

  it('covers the opcode table broadly: a line for every NASM form of every entry', () => {
    expect(corpus.count).toBeGreaterThan(5000);
    expect(corpus.uncovered).toEqual([]);
  });

  it('forkbox assembles the whole corpus without errors', () => {
    const r = assemble(corpus.text, 'corpus.asm');
    expect(formatDiagnostics(r.errors)).toBe('');
  });

  it.skipIf(!HAVE)('every line encodes to the same bytes as nasm', { timeout: 120_000 }, () => {
    const dir = scratchDir();
    const path = writeScratch(dir, 'corpus.asm', corpus.text);
    const n = nasmAssemble(path, dir);
    // The generator only writes forms NASM accepts.
    expect(n.errors.map((e) => `${e.line}: ${src[e.line - 1].trim()} — ${e.message}`)).toEqual([]);

    const r = assemble(corpus.text, 'corpus.asm');
    const text = r.sections.find((s) => s.name === '.text')!;
    const mine = new Map<number, number[]>();
    for (const l of r.lines) {
      const off = l.address - text.address;
      const b = mine.get(l.line) ?? [];
      b.push(...text.data.subarray(off, off + l.size));
      mine.set(l.line, b);
    }
    const mismatches: string[] = [];
    let compared = 0;
    for (const [line, bytes] of n.bytesByLine) {
      compared++;
      const m = mine.get(line) ?? [];
      if (hex(m) !== hex(bytes)) mismatches.push(`line ${line}: ${src[line - 1].trim()}\n  nasm:    ${hex(bytes)}\n  forkbox: ${hex(m)}`);
    }
    // Lines that produce bytes with forkbox but not with nasm.
    for (const line of mine.keys()) if (!n.bytesByLine.has(line)) mismatches.push(`line ${line}: ${src[line - 1].trim()} — nasm produced no bytes`);
    expect(compared).toBeGreaterThan(5000);
    expect(mismatches.slice(0, 50).join('\n')).toBe('');
    console.log(`asm corpus: ${compared} lines compared with nasm, ${compared - mismatches.length} identical`);
  });
});
