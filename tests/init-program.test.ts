// The built-in init (guest-programs/init.asm) is committed assembled as src/guest/init.bin
// (the kernel imports it like entry.bin). This checks the binary is what forkbox's
// assembler makes of the source today. To rebuild after editing init.asm:
//   npm run build && node bin/forkbox.js asm guest-programs/init.asm -o src/guest/init.bin

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble } from '../src/asm/assembler.js';
import { parseElf } from '../src/guest/elf.js';
import { INIT_ELF, INIT_PATH } from '../src/guest/init_task.js';
import { runKernel } from './helpers/kernel-machine.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the built-in init', () => {
  it('init.bin is guest-programs/init.asm assembled by forkbox (as `forkbox asm` does it)', () => {
    const path = 'guest-programs/init.asm';
    const r = assemble(readFileSync(join(ROOT, path), 'utf8'), path, (p) => readFileSync(join(ROOT, p), 'utf8'));
    expect(r.errors).toEqual([]);
    expect(Buffer.from(r.elf!).equals(Buffer.from(readFileSync(join(ROOT, 'src/guest/init.bin'))))).toBe(true);
    expect(Buffer.from(INIT_ELF).equals(Buffer.from(r.elf!))).toBe(true);
    expect(parseElf(INIT_ELF).ok).toBe(true);
  });

  it('is installed at /sbin/init, runs as pid 1, and its own failures are reported', () => {
    // A program that is not there at all: init's child cannot exec it.
    const r = runKernel(new Uint8Array(0));
    expect(r.outcome.kernel.vfs.lookup(INIT_PATH)?.data).toBe(INIT_ELF);
    expect(r.stderr).toBe('forkbox: cannot execute /test: Exec format error\n');
    expect(r.exitCode).toBe(127);
  });
});
