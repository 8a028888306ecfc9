// The ELF32 parser/validator (src/guest/elf.ts): valid programs, one test per rejection
// naming its field, and fuzzing — truncations at every offset, random bytes, corrupted
// and huge header fields — asserting that nothing but a clean {ok:false, error} or a
// result that satisfies the loader's invariants ever comes out, never a host exception.
// The fuzz corpus is built in code (tests/helpers/elf-build.ts); a toolchain test with
// GNU as/ld runs where they are installed and prints a visible SKIP otherwise.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, readSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_PIE_BASE, USER_END, USER_START, isElfRejection, parseElf, parseElfOrReject, type Elf,
} from '../src/guest/elf.js';
import { EH, PH, buildElf, patch, smallElf } from './helpers/elf-build.js';
import { mulberry32Float } from './helpers/rng.js';

const TEXT = [0xb8, 1, 0, 0, 0, 0x31, 0xdb, 0xcd, 0x80];

function mustParse(bytes: Uint8Array): Elf {
  const r = parseElf(bytes);
  if (!r.ok) throw new Error('unexpected rejection: ' + r.error);
  return r.elf;
}
function errorOf(bytes: Uint8Array): string {
  const r = parseElf(bytes);
  if (r.ok) throw new Error('expected a rejection');
  return r.error;
}
const u32 = (b: Uint8Array, off: number) => (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
const u16 = (b: Uint8Array, off: number) => b[off] | (b[off + 1] << 8);

/** A program whose first PT_LOAD maps the headers from offset 0, as ld lays files out. */
function headerMappedElf(): Uint8Array {
  return buildElf({
    entry: 0x08049000,
    segments: [{ vaddr: 0x08049000, data: TEXT, flags: 5 }],
    extra: [{ type: 1, offset: 0, vaddr: 0x08048000, filesz: 0x100, memsz: 0x100, flags: 4, align: 4096 }],
    symbols: [{ name: '_start', value: 0x08049000 }],
  });
}

describe('parseElf: valid programs', () => {
  it('reads segments, entry, flags, sections and symbols', () => {
    const elf = mustParse(smallElf());
    expect(elf.type).toBe('exec');
    expect(elf.loadBias).toBe(0);
    expect(elf.entry).toBe(0x08049000);
    expect(elf.segments).toHaveLength(2);
    const [text, data] = elf.segments;
    expect(text).toMatchObject({ vaddr: 0x08049000, filesz: 9, memsz: 9, offset: 4096, flags: 5, r: true, w: false, x: true });
    expect(data).toMatchObject({ vaddr: 0x0804a000, filesz: 4, memsz: 0x100, flags: 6, r: true, w: true, x: false });
    expect(elf.phdr).toBeNull(); // no segment maps the headers in this layout
    expect(elf.phnum).toBe(2);
    expect(elf.sections.map((s) => s.name)).toEqual(['', '.text', '.data', '.symtab', '.strtab', '.shstrtab']);
    expect(elf.symbols.map((s) => s.name)).toEqual(['_start', 'msg', 'local_label']);
    expect(elf.symbolsByName.get('_start')).toMatchObject({ value: 0x08049000, size: 9, type: 2, bind: 1, shndx: 1 });
    expect(elf.symbolsByName.get('msg')).toMatchObject({ value: 0x0804a000, size: 4, type: 1, bind: 1, shndx: 2 });
    expect(elf.symbolsByName.get('local_label')).toMatchObject({ value: 0x08049005, bind: 0, type: 0 });
    expect(elf.execStack).toBe(true);
  });

  it('computes AT_PHDR from the PT_LOAD that maps e_phoff, or from PT_PHDR', () => {
    expect(mustParse(headerMappedElf()).phdr).toBe(0x08048000 + 52);
    const withPtPhdr = buildElf({
      entry: 0x08049000,
      segments: [{ vaddr: 0x08049000, data: TEXT, flags: 5 }],
      extra: [
        { type: 6, offset: 52, vaddr: 0x08048034, filesz: 96, memsz: 96 },
        { type: 1, offset: 0, vaddr: 0x08048000, filesz: 0x100, memsz: 0x100, flags: 4, align: 4096 },
      ],
    });
    expect(mustParse(withPtPhdr).phdr).toBe(0x08048034);
  });

  it('reads PT_GNU_STACK and works without section headers', () => {
    const elf = mustParse(smallElf({ sections: false, extra: [{ type: 0x6474e551, flags: 6 }] }));
    expect(elf.execStack).toBe(false);
    expect(elf.sections).toEqual([]);
    expect(elf.symbols).toEqual([]);
  });

  it('loads a static PIE (ET_DYN without PT_INTERP) at a load bias', () => {
    const bytes = buildElf({
      type: 3,
      entry: 0x1000,
      segments: [
        { vaddr: 0, data: [1, 2, 3, 4], flags: 4 },
        { vaddr: 0x1000, data: TEXT, flags: 5 },
      ],
      symbols: [{ name: '_start', value: 0x1000 }],
    });
    const elf = mustParse(bytes);
    expect(elf.type).toBe('static-pie');
    expect(elf.loadBias).toBe(DEFAULT_PIE_BASE);
    expect(elf.entry).toBe(DEFAULT_PIE_BASE + 0x1000);
    expect(elf.segments.map((s) => s.vaddr)).toEqual([DEFAULT_PIE_BASE, DEFAULT_PIE_BASE + 0x1000]);
    expect(elf.symbolsByName.get('_start')!.value).toBe(DEFAULT_PIE_BASE + 0x1000);
    const other = parseElf(bytes, { pieBase: 0x40000000 });
    expect(other.ok && other.elf.entry).toBe(0x40001000);
  });
});

describe('parseElf: every rejection names its field', () => {
  const good = smallElf();
  const ph0 = 52;
  const ph1 = 52 + 32;
  const shoff = u32(good, EH.shoff);
  const symtabSh = shoff + 40 * 3; // null, .text, .data, .symtab
  const symOff = u32(good, symtabSh + 16);
  const cases: Array<[string, Uint8Array, RegExp | string]> = [
    ['too short for e_ident', good.slice(0, 10), /too short for an ELF identification/],
    ['too short for the header', good.slice(0, 40), /too short for an ELF32 header/],
    ['bad magic', patch(good, 0, 1, 0), /bad magic/],
    ['64-bit class', patch(good, 4, 1, 2), 'e_ident[EI_CLASS] is 2 (ELFCLASS64, a 64-bit program), expected 1 (ELFCLASS32)'],
    ['big-endian', patch(good, 5, 1, 2), /e_ident\[EI_DATA\] is 2 \(ELFDATA2MSB/],
    ['ident version', patch(good, 6, 1, 0), /e_ident\[EI_VERSION\] is 0/],
    ['x86-64 machine', patch(good, EH.machine, 2, 62), 'e_machine is 62 (x86-64), expected 3 (EM_386)'],
    ['unknown machine', patch(good, EH.machine, 2, 9999), 'e_machine is 9999, expected 3 (EM_386)'],
    ['object file', patch(good, EH.type, 2, 1), /^e_type is 1 \(ET_REL/],
    ['core file', patch(good, EH.type, 2, 4), /^e_type is 4 \(ET_CORE/],
    ['e_version', patch(good, EH.version, 4, 2), 'e_version is 2, expected 1 (EV_CURRENT)'],
    ['e_ehsize', patch(good, EH.ehsize, 2, 64), 'e_ehsize is 64, expected 52'],
    ['e_phentsize', patch(good, EH.phentsize, 2, 56), /^e_phentsize is 56/],
    ['no program headers', patch(good, EH.phnum, 2, 0), /^e_phnum is 0/],
    ['too many program headers', patch(good, EH.phnum, 2, 4000), /^e_phnum is 4000: .*64 KiB/],
    ['e_phoff zero', patch(good, EH.phoff, 4, 0), /^e_phoff is 0/],
    ['e_phoff inside the header', patch(good, EH.phoff, 4, 20), /^e_phoff is 0x14: .*overlaps the ELF header/],
    ['e_phoff past the end', patch(good, EH.phoff, 4, 0xfffffff0), /^e_phoff 0xfffffff0 .* past the end of the file/],
    ['p_filesz > p_memsz', patch(good, ph1 + PH.memsz, 4, 2), /^program header 1 \(PT_LOAD\): p_filesz 0x4 is larger than p_memsz 0x2/],
    ['p_offset past the end', patch(good, ph0 + PH.offset, 4, 0x100000), /^program header 0 \(PT_LOAD\): p_offset 0x100000 \+ p_filesz 0x9 runs past/],
    ['p_filesz past the end', patch(patch(good, ph0 + PH.filesz, 4, 0x7fffffff), ph0 + PH.memsz, 4, 0x7fffffff), /p_offset 0x1000 \+ p_filesz 0x7fffffff runs past/],
    ['p_align not a power of two', patch(good, ph0 + PH.align, 4, 0x3000), /^program header 0 \(PT_LOAD\): p_align 0x3000 is not a power of two/],
    ['p_vaddr not congruent to p_offset', patch(good, ph0 + PH.vaddr, 4, 0x08049010), /not congruent modulo p_align 0x1000/],
    ['p_flags', patch(good, ph0 + PH.flags, 4, 0x105), /p_flags 0x105 has bits other than/],
    ['segment in the first page', patch(patch(good, ph0 + PH.vaddr, 4, 0), EH.entry, 4, 0), /^program header 0 \(PT_LOAD\): p_vaddr 0x0 is in the first page/],
    ['segment in kernel space', patch(good, ph1 + PH.vaddr, 4, 0xc0000000), /p_vaddr 0xc0000000 \+ p_memsz 0x100 reaches kernel space/],
    ['segment crossing into kernel space', patch(patch(good, ph1 + PH.vaddr, 4, 0xbffff000), ph1 + PH.memsz, 4, 0x2000), /p_vaddr 0xbffff000 \+ p_memsz 0x2000 reaches kernel space/],
    ['segment wrapping around', patch(patch(good, ph1 + PH.vaddr, 4, 0xfffff000), ph1 + PH.memsz, 4, 0x2000), /p_vaddr 0xfffff000 \+ p_memsz 0x2000 wraps around the address space/],
    ['entry outside', patch(good, EH.entry, 4, 0x08048000), 'e_entry 0x8048000 is outside every PT_LOAD segment'],
    ['entry in data', patch(good, EH.entry, 4, 0x0804a010), 'e_entry 0x804a010 is in a segment that is not executable (no PF_X)'],
    ['entry in a non-executable text', patch(good, ph0 + PH.flags, 4, 4), /e_entry 0x8049000 is in a segment that is not executable/],
    ['e_shoff past the end', patch(good, EH.shoff, 4, good.length), /^e_shoff 0x[0-9a-f]+ is past the end of the file/],
    ['e_shnum too large', patch(good, EH.shnum, 2, 300), /^e_shoff 0x[0-9a-f]+ \+ 300 section headers × 40 runs past/],
    ['e_shoff 0 with sections', patch(good, EH.shoff, 4, 0), /^e_shoff is 0 but e_shnum is 6/],
    ['e_shentsize', patch(good, EH.shentsize, 2, 64), /^e_shentsize is 64/],
    ['e_shstrndx out of range', patch(good, EH.shstrndx, 2, 77), 'e_shstrndx is 77, but there are only 6 sections'],
    ['e_shstrndx not a string table', patch(good, EH.shstrndx, 2, 1), /^e_shstrndx 1: section type is 1, expected 3/],
    ['section past the end', patch(good, shoff + 40 + 20, 4, 0x7fffff00), /^section 1: sh_offset 0x1000 \+ sh_size 0x7fffff00 runs past/],
    ['section name outside .shstrtab', patch(good, shoff + 40, 4, 0x9999), /^section 1 sh_name: name offset 0x9999 is outside/],
    ['symtab entsize', patch(good, symtabSh + 36, 4, 24), /^section 3 \(\.symtab\): sh_entsize is 24, expected 16/],
    ['symtab size', patch(good, symtabSh + 20, 4, 20), /sh_size 0x14 is not a multiple of 16/],
    ['symtab link', patch(good, symtabSh + 24, 4, 44), /sh_link 44 is not a valid section index/],
    ['symtab link not a string table', patch(good, symtabSh + 24, 4, 1), /sh_link 1 is section type 1, expected 3/],
    ['symbol name outside .strtab', patch(good, symOff + 16, 4, 0x12345), /^symbol 1 st_name: name offset 0x12345 is outside/],
  ];
  for (const [what, bytes, expected] of cases) {
    it(what, () => {
      const e = errorOf(bytes);
      if (typeof expected === 'string') expect(e).toBe(expected);
      else expect(e).toMatch(expected);
    });
  }

  it('over-long symbol names', () => {
    const bytes = smallElf({ symbols: [{ name: 'x'.repeat(5000), value: 0x08049000 }] });
    expect(errorOf(bytes)).toMatch(/^symbol 1 st_name: name at string table offset 0x1 is longer than 4096 bytes$/);
    expect(mustParse(smallElf({ symbols: [{ name: 'y'.repeat(4096), value: 0x08049000 }] })).symbols[0].name).toHaveLength(4096);
  });
  it('PT_INTERP: dynamically linked programs', () => {
    const interp = Array.from(new TextEncoder().encode('/lib/ld-linux.so.2\0'));
    expect(errorOf(smallElf({ extra: [{ type: 3, data: interp }] }))).toBe('dynamically linked programs are not supported (PT_INTERP)');
  });
  it('no PT_LOAD', () => {
    expect(errorOf(smallElf({ segments: [], extra: [{ type: 4, data: [0, 0, 0, 0] }] }))).toBe('no PT_LOAD program header: nothing to load');
  });
  it('overlapping PT_LOAD segments', () => {
    const bytes = smallElf({
      segments: [
        { vaddr: 0x08049000, data: TEXT, memsz: 0x1800, flags: 5 },
        { vaddr: 0x0804a000, data: [1], flags: 6 },
      ],
    });
    expect(errorOf(bytes)).toBe('program headers 0 and 1: PT_LOAD segments overlap at 0x804a000');
  });
  it('segments sharing a page without overlapping bytes are accepted', () => {
    const bytes = smallElf({
      segments: [
        { vaddr: 0x08049000, data: TEXT, flags: 5 },
        { vaddr: 0x08049800, data: [1], memsz: 0x100, flags: 6 },
      ],
    });
    expect(mustParse(bytes).segments).toHaveLength(2);
  });
  it('a PT_PHDR that no segment maps', () => {
    const bytes = smallElf({ extra: [{ type: 6, offset: 52, vaddr: 0x08047000, filesz: 96, memsz: 96 }] });
    expect(errorOf(bytes)).toMatch(/^program header 2 \(PT_PHDR\): p_vaddr 0x8047000 is not inside/);
  });
  it('a non-page-aligned PIE base', () => {
    const bytes = buildElf({ type: 3, entry: 0x1000, segments: [{ vaddr: 0x1000, data: TEXT, flags: 5 }] });
    const r = parseElf(bytes, { pieBase: 0x12345 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toBe('static PIE base 0x12345 is not page aligned');
  });
});

// ---- fuzzing ---------------------------------------------------------------------------

/** The loader's invariants for an accepted file. */
function checkInvariants(elf: Elf, size: number): void {
  const segs = [...elf.segments].sort((a, b) => a.vaddr - b.vaddr);
  for (const s of segs) {
    expect(s.filesz).toBeLessThanOrEqual(s.memsz);
    expect(s.offset + s.filesz).toBeLessThanOrEqual(size);
    expect(s.vaddr).toBeGreaterThanOrEqual(USER_START);
    expect(s.vaddr + s.memsz).toBeLessThanOrEqual(USER_END);
  }
  for (let k = 1; k < segs.length; k++) {
    if (segs[k - 1].memsz && segs[k].memsz) expect(segs[k - 1].vaddr + segs[k - 1].memsz).toBeLessThanOrEqual(segs[k].vaddr);
  }
  expect(segs.some((s) => s.x && elf.entry >= s.vaddr && elf.entry < s.vaddr + s.memsz)).toBe(true);
  for (const sym of elf.symbols) expect(typeof sym.name).toBe('string');
}

let accepted = 0;
let rejected = 0;
/** Run one input: only a Reject may escape the inner parser; the outer never throws. */
function probe(bytes: Uint8Array): void {
  try {
    checkInvariants(parseElfOrReject(bytes), bytes.length);
    accepted++;
  } catch (e) {
    if (!isElfRejection(e)) throw new Error(`host exception on a ${bytes.length}-byte input: ${String(e)}\n${(e as Error).stack}`);
    rejected++;
  }
  const r = parseElf(bytes); // never throws
  if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
}

describe('parseElf: fuzzing never throws', () => {
  const seeds: Array<[string, Uint8Array]> = [
    ['small', smallElf()],
    ['header-mapped', headerMappedElf()],
    ['pie', buildElf({ type: 3, entry: 0, segments: [{ vaddr: 0, data: TEXT, flags: 5 }], symbols: [{ name: 'a', value: 0 }] })],
  ];

  it('truncations at every offset are rejected', () => {
    for (const [, full] of seeds) {
      for (let n = 0; n < full.length; n++) {
        const cut = full.slice(0, n);
        probe(cut);
        expect(parseElf(cut).ok).toBe(false); // section headers come last: every cut loses some
      }
      probe(full);
      expect(parseElf(full).ok).toBe(true);
    }
  });

  it('random bytes, with and without a valid ELF identification', () => {
    const rnd = mulberry32Float(12345);
    const ident = smallElf().slice(0, 52);
    for (let n = 0; n < 3000; n++) {
      const len = Math.floor(rnd() * (n % 3 === 0 ? 64 : 600));
      const b = new Uint8Array(len);
      for (let k = 0; k < len; k++) b[k] = Math.floor(rnd() * 256);
      probe(b);
      if (len >= 16) {
        b.set(ident.subarray(0, Math.min(len, n % 2 ? 52 : 16)));
        probe(b);
      }
    }
  });

  it('every header byte corrupted: zero, 0xff, each bit flipped, random', () => {
    const rnd = mulberry32Float(777);
    for (const [, full] of seeds) {
      const shoff = u32(full, EH.shoff);
      const shnum = u16(full, EH.shnum);
      const regions: Array<[number, number]> = [[0, 52 + 32 * u16(full, EH.phnum)], [shoff, shoff + 40 * shnum]];
      for (const [from, to] of regions) {
        for (let off = from; off < to; off++) {
          const values = [0, 0xff, 0x80, 0x7f, Math.floor(rnd() * 256)];
          for (let bit = 0; bit < 8; bit++) values.push(full[off] ^ (1 << bit));
          for (const v of values) probe(patch(full, off, 1, v));
        }
      }
    }
  });

  it('huge and boundary values in every 16/32-bit field', () => {
    for (const [, full] of seeds) {
      const len = full.length;
      const shoff = u32(full, EH.shoff);
      const fields: Array<[number, 2 | 4]> = [];
      for (const off of Object.values(EH)) fields.push([off, off < 24 || off >= 40 ? 2 : 4]);
      for (let k = 0; k < u16(full, EH.phnum); k++) for (let f = 0; f < 8; f++) fields.push([52 + 32 * k + 4 * f, 4]);
      for (let k = 0; k < u16(full, EH.shnum); k++) for (let f = 0; f < 10; f++) fields.push([shoff + 40 * k + 4 * f, 4]);
      const values = [0, 1, 2, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff, len - 1, len, len + 1, 0xc0000000, 0xbffff000];
      for (const [off, size] of fields) for (const v of values) probe(patch(full, off, size, v));
    }
  });

  it('random multi-field corruption', () => {
    const rnd = mulberry32Float(4242);
    for (const [, full] of seeds) {
      for (let n = 0; n < 3000; n++) {
        const b = full.slice();
        const flips = 1 + Math.floor(rnd() * 6);
        for (let f = 0; f < flips; f++) {
          const off = Math.floor(rnd() * b.length);
          b[off] = rnd() < 0.5 ? Math.floor(rnd() * 256) : b[off] ^ (1 << Math.floor(rnd() * 8));
        }
        probe(b);
      }
    }
    // Both outcomes occur: the fuzzer reaches the end of validation, not only the magic check.
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(accepted);
  });
});

// ---- real toolchain output -------------------------------------------------------------

function have(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('parseElf: GNU as/ld output', () => {
  const ok = have('as') && have('ld');
  if (!ok) console.warn('SKIP elf.test.ts toolchain tests: GNU as/ld not installed');
  it.skipIf(!ok)('accepts ld -m elf_i386 executables and static PIEs, rejects objects', () => {
    const dir = mkdtempSync(join(tmpdir(), 'forkbox-elf-'));
    const src = join(dir, 'p.s');
    writeFileSync(src, [
      '.intel_syntax noprefix', '.globl _start', '.text', '_start: mov eax, 1', 'loop1: int 0x80', 'jmp loop1',
      '.data', 'msg: .ascii "hi"', '.bss', 'buf: .space 64', '',
    ].join('\n'));
    execFileSync('as', ['--32', src, '-o', join(dir, 'p.o')]);
    execFileSync('ld', ['-m', 'elf_i386', join(dir, 'p.o'), '-o', join(dir, 'p')]);
    execFileSync('ld', ['-m', 'elf_i386', '-pie', '--no-dynamic-linker', join(dir, 'p.o'), '-o', join(dir, 'ppie')]);

    const elf = mustParse(readFileSync(join(dir, 'p')));
    expect(elf.type).toBe('exec');
    expect(elf.entry).toBe(elf.symbolsByName.get('_start')!.value);
    expect(elf.symbolsByName.get('loop1')!.value).toBe(elf.entry + 5);
    const text = elf.segments.find((s) => s.x)!;
    expect(text.r && !text.w).toBe(true);
    const data = elf.segments.find((s) => s.w)!;
    expect(data.memsz).toBeGreaterThan(data.filesz); // .bss
    expect(elf.phdr).not.toBeNull();
    if (have('readelf')) {
      const out = execFileSync('readelf', ['-lW', join(dir, 'p')], { encoding: 'utf8' });
      const loads = out.split('\n').filter((l) => /^\s+LOAD/.test(l)).map((l) => l.trim().split(/\s+/));
      expect(loads.map((f) => [parseInt(f[1], 16), parseInt(f[2], 16), parseInt(f[4], 16), parseInt(f[5], 16)]))
        .toEqual(elf.segments.map((s) => [s.offset, s.vaddr, s.filesz, s.memsz]));
    }

    const pie = mustParse(readFileSync(join(dir, 'ppie')));
    expect(pie.type).toBe('static-pie');
    expect(pie.entry).toBe(pie.symbolsByName.get('_start')!.value);
    expect(pie.segments[0].vaddr).toBe(DEFAULT_PIE_BASE);

    expect(errorOf(readFileSync(join(dir, 'p.o')))).toMatch(/^e_type is 1 \(ET_REL/);
  });

  it('rejects the host’s own 64-bit node binary by class', () => {
    const fd = openSync(process.execPath, 'r');
    const head = new Uint8Array(4096);
    const n = readSync(fd, head, 0, 4096, 0);
    closeSync(fd);
    const r = parseElf(head.subarray(0, n));
    if (head[0] === 0x7f && head[1] === 0x45) {
      expect(!r.ok && r.error).toMatch(head[4] === 2 ? /ELFCLASS64/ : /./);
    } else expect(r.ok).toBe(false); // not an ELF host (macOS): bad magic
  });
});
