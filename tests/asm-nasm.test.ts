// Compatibility of the assembler with the reference toolchain: every program under
// guest-programs/ is assembled by forkbox and by `nasm -f elf32` + `ld -m elf_i386`, and
// the sections must hold the same bytes at the same addresses (.text, .rodata, .data;
// .bss the same address and size), with the same entry point. Where the host can run
// i386 Linux binaries, both executables are also run and must behave the same.
// Without nasm/ld the comparison is skipped with a visible SKIP.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemble } from '../src/asm/assembler.js';
import { formatDiagnostics } from '../src/asm/diagnostics.js';
import { normalizePids } from './helpers/pids.js';
import { elfProgramHeaders, elfSections, hex, ldLink, nasmAssemble, nasmAvailable, scratchDir } from './helpers/asm-nasm.js';

const DIR = 'guest-programs';
const programs = readdirSync(DIR).filter((f) => f.endsWith('.asm')).sort();
const HAVE = nasmAvailable();
if (!HAVE) console.warn('SKIP tests/asm-nasm.test.ts: nasm or ld (elf_i386) not installed — NASM compatibility not checked');

/** Can this host execute i386 Linux programs? (probed once with an ld-linked binary) */
let nativeOk: boolean | undefined;
function canRunNative(exe: string): boolean {
  if (nativeOk === undefined) {
    const r = spawnSync(exe, [], { encoding: 'utf8', timeout: 5000 });
    nativeOk = r.error === undefined && r.signal === null;
    if (!nativeOk) console.warn('SKIP native runs in tests/asm-nasm.test.ts: this host cannot execute i386 binaries');
  }
  return nativeOk;
}

describe('guest programs: forkbox asm = nasm -f elf32 + ld -m elf_i386', () => {
  it('has realistic guest programs to compare', () => {
    expect(programs.length).toBeGreaterThanOrEqual(4);
  });

  for (const prog of programs) {
    it.skipIf(!HAVE)(prog, () => {
      const path = join(DIR, prog);
      const ours = assemble(readFileSync(path, 'utf8'), path, (p) => readFileSync(p, 'utf8'));
      expect(formatDiagnostics(ours.errors)).toBe('');
      expect(ours.ok).toBe(true);

      const dir = scratchDir();
      const n = nasmAssemble(path, dir, DIR);
      expect(n.stderr.replace(/.*warning.*\n?/g, '')).toBe('');
      const exe = ldLink(n.objPath, dir);
      const ref = new Uint8Array(readFileSync(exe));
      const mine = ours.elf!;

      const refSecs = elfSections(ref);
      const mySecs = elfSections(mine);
      for (const name of ['.text', '.rodata', '.data', '.bss']) {
        const a = refSecs.find((s) => s.name === name);
        const b = mySecs.find((s) => s.name === name);
        expect(!!b, `${prog}: section ${name} present in ld output: ${!!a}`).toBe(!!a);
        if (!a || !b) continue;
        expect(b.addr.toString(16), `${prog}: ${name} address`).toBe(a.addr.toString(16));
        expect(b.size, `${prog}: ${name} size`).toBe(a.size);
        if (name !== '.bss') expect(hex(b.data), `${prog}: ${name} bytes`).toBe(hex(a.data));
      }
      expect(elfProgramHeaders(mine).entry.toString(16)).toBe(elfProgramHeaders(ref).entry.toString(16));

      // Same behaviour when run natively.
      // init.asm is the kernel's init: run alone, it would exec itself (argv[0]) forever.
      if (prog !== 'init.asm' && canRunNative(exe)) {
        const myExe = join(dir, 'forkbox.out');
        writeFileSync(myExe, mine);
        chmodSync(myExe, 0o755);
        const r1 = spawnSync(exe, [], { encoding: 'utf8', timeout: 5000 });
        const r2 = spawnSync(myExe, [], { encoding: 'utf8', timeout: 5000 });
        expect(normalizePids(r2.stdout)).toBe(normalizePids(r1.stdout)); // pids differ per run
        expect(r2.status).toBe(r1.status);
        expect(r1.status).toBe(0);
      }
    });
  }
});
