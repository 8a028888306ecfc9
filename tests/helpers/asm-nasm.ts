// Running the reference toolchain (nasm -f elf32, ld -m elf_i386) for the assembler's
// compatibility tests, and reading what it produces: listing files (per-line bytes) and
// ELF32 section contents.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let avail: boolean | undefined;
/** Are nasm and ld (with the elf_i386 emulation) installed? */
export function nasmAvailable(): boolean {
  avail ??= has('nasm', ['-v']) && has('ld', ['-V']) && /elf_i386/.test(spawnSync('ld', ['-V'], { encoding: 'utf8' }).stdout ?? '');
  return avail;
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'forkbox-asm-'));
}

export interface NasmResult {
  ok: boolean;
  stderr: string;
  /** Error lines as `line: message`. */
  errors: Array<{ line: number; message: string }>;
  /** Bytes per source line of the top-level file (from the listing). */
  bytesByLine: Map<number, number[]>;
  objPath: string;
}

/** Assemble a file with `nasm -f elf32` and read its listing. */
export function nasmAssemble(asmPath: string, dir: string, includeDir?: string): NasmResult {
  const obj = join(dir, 'out.o');
  const lst = join(dir, 'out.lst');
  const args = ['-f', 'elf32', '-O9', asmPath, '-o', obj, '-l', lst];
  if (includeDir) args.push('-i', includeDir.endsWith('/') ? includeDir : includeDir + '/');
  const r = spawnSync('nasm', args, { encoding: 'utf8' });
  const errors: Array<{ line: number; message: string }> = [];
  for (const l of (r.stderr ?? '').split('\n')) {
    const m = /:(\d+): error: (.*)$/.exec(l);
    if (m) errors.push({ line: Number(m[1]), message: m[2] });
  }
  let bytesByLine = new Map<number, number[]>();
  try {
    bytesByLine = parseListing(readFileSync(lst, 'utf8'));
  } catch {
    /* no listing when nasm failed early */
  }
  return { ok: r.status === 0, stderr: r.stderr ?? '', errors, bytesByLine, objPath: obj };
}

/**
 * Parse a NASM listing: `  line address hexbytes  source`. Continuation lines (a long
 * instruction or data) repeat the line number. Relocated fields are shown in [ ] or ( ).
 * Only lines of the top-level file (nesting level 0) are taken.
 */
export function parseListing(text: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const raw of text.split('\n')) {
    const m = /^\s*(\d+)\s(<\d+>)?\s*([0-9A-F]{8}) ([0-9A-F[\]()]+)(?:<rep ([0-9A-F]+)h>)?-?\s/.exec(raw + ' ');
    if (!m) continue;
    if (m[2]) continue; // from an include or a macro expansion
    const line = Number(m[1]);
    const hex = m[4].replace(/[[\]()]/g, '');
    const bytes = out.get(line) ?? [];
    const rep = m[5] ? parseInt(m[5], 16) : 1;
    for (let r = 0; r < rep; r++) for (let i = 0; i + 1 < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
    out.set(line, bytes);
  }
  return out;
}

/** Link an object with `ld -m elf_i386`; returns the executable's path. */
export function ldLink(objPath: string, dir: string): string {
  const exe = join(dir, 'a.out');
  execFileSync('ld', ['-m', 'elf_i386', objPath, '-o', exe], { stdio: 'pipe' });
  return exe;
}

export interface ElfSection {
  name: string;
  addr: number;
  offset: number;
  size: number;
  type: number;
  flags: number;
  data: Uint8Array;
}

/** The sections of an ELF32 little-endian file (test helper: trusts the input). */
export function elfSections(elf: Uint8Array): ElfSection[] {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = dv.getUint32(32, true);
  const shentsize = dv.getUint16(46, true);
  const shnum = dv.getUint16(48, true);
  const shstrndx = dv.getUint16(50, true);
  const hdr = (i: number) => {
    const o = shoff + i * shentsize;
    return {
      name: dv.getUint32(o, true),
      type: dv.getUint32(o + 4, true),
      flags: dv.getUint32(o + 8, true),
      addr: dv.getUint32(o + 12, true),
      offset: dv.getUint32(o + 16, true),
      size: dv.getUint32(o + 20, true),
    };
  };
  const strs = hdr(shstrndx);
  const nameAt = (off: number) => {
    let e = strs.offset + off;
    while (elf[e] !== 0) e++;
    return Buffer.from(elf.subarray(strs.offset + off, e)).toString('utf8');
  };
  const out: ElfSection[] = [];
  for (let i = 1; i < shnum; i++) {
    const h = hdr(i);
    out.push({ ...h, name: nameAt(h.name), data: h.type === 8 ? new Uint8Array() : elf.subarray(h.offset, h.offset + h.size) });
  }
  return out;
}

/** Entry point and program headers of an ELF32 file. */
export function elfProgramHeaders(elf: Uint8Array): { entry: number; phdrs: Array<{ type: number; offset: number; vaddr: number; filesz: number; memsz: number; flags: number; align: number }> } {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const phoff = dv.getUint32(28, true);
  const phnum = dv.getUint16(44, true);
  const phdrs = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * 32;
    phdrs.push({
      type: dv.getUint32(o, true),
      offset: dv.getUint32(o + 4, true),
      vaddr: dv.getUint32(o + 8, true),
      filesz: dv.getUint32(o + 16, true),
      memsz: dv.getUint32(o + 20, true),
      flags: dv.getUint32(o + 24, true),
      align: dv.getUint32(o + 28, true),
    });
  }
  return { entry: dv.getUint32(24, true), phdrs };
}

export function writeScratch(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

export const hex = (b: ArrayLike<number>): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
