// The ELF32 parser and validator behind the program loader (load_elf_binary in exec.ts)
// and the disassembler. Structures are read with binary-parser; every read is bounds
// checked first, so a malformed file is rejected with a message naming the offending
// field and never makes the host throw (tests/elf.test.ts fuzzes this).
//
// What is accepted: ELFCLASS32, ELFDATA2LSB, EV_CURRENT, EM_386, and
//   - ET_EXEC: loaded at its link-time addresses;
//   - ET_DYN without PT_INTERP (a static PIE): loaded at a load bias chosen like Linux's
//     (first PT_LOAD page at DEFAULT_PIE_BASE unless the caller picks another bias).
// All addresses in a successful result (segments, entry, phdr, section addresses and
// defined symbols) are run-time addresses: link-time value + loadBias.
//
// Checks mirror Linux's fs/binfmt_elf.c where Linux has one and are stricter where a
// malformed file would otherwise be loaded in a surprising way (overlapping segments,
// segments outside user space, an entry point outside executable code).

// The package's "exports" hide its typings from the bare specifier; its CommonJS build
// (same code) carries them. Node, vitest and esbuild all load it.
import { Parser } from 'binary-parser/dist/binary_parser.js';

import {
  EHDR_SIZE, EM_386, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X, PHDR_SIZE, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR, PT_TLS,
  SHDR_SIZE, SHF_ALLOC, SHN_ABS, SHN_LORESERVE, SHN_UNDEF, SHN_XINDEX, SHT_NOBITS, SHT_NULL, SHT_STRTAB, SHT_SYMTAB,
  STT_FILE, STT_SECTION, SYM_SIZE, type ElfSection,
} from '../elf32.js';

export {
  EM_386, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X, PT_DYNAMIC, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_NOTE, PT_NULL, PT_PHDR,
  PT_TLS, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS, SHT_NULL, SHT_PROGBITS, SHT_STRTAB, SHT_SYMTAB, STT_FILE,
  STT_FUNC, STT_NOTYPE, STT_OBJECT, STT_SECTION, type ElfSection,
} from '../elf32.js';

/** User space ends where the kernel's 3 GiB split begins (Linux's TASK_SIZE on i386). */
export const USER_END = 0xc0000000;
/** The first page stays unmapped so that null pointers fault. */
export const USER_START = 0x1000;
/** Where a static PIE's first page goes (what 32-bit PIEs get under Linux without ASLR). */
export const DEFAULT_PIE_BASE = 0x56555000;

/** Linux refuses program header tables larger than 64 KiB (ELF_MIN_ALIGN checks). */
const MAX_PHDR_BYTES = 65536;

export interface ElfSegment {
  /** Run-time virtual address (link-time p_vaddr + loadBias). */
  vaddr: number;
  memsz: number;
  filesz: number;
  /** File offset of the segment's first byte. */
  offset: number;
  align: number;
  /** PF_R | PF_W | PF_X bits, and the same as booleans for readers. */
  flags: number;
  r: boolean;
  w: boolean;
  x: boolean;
}

export interface ElfProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  flags: number;
  align: number;
}

export interface ElfSymbol {
  name: string;
  /** Run-time value for symbols defined in a section; raw value for SHN_ABS/undefined. */
  value: number;
  size: number;
  /** STT_* */
  type: number;
  /** STB_* (0 local, 1 global, 2 weak) */
  bind: number;
  shndx: number;
}

export interface Elf {
  type: 'exec' | 'static-pie';
  /** Added to every link-time address: 0 for ET_EXEC. */
  loadBias: number;
  entry: number;
  /** PT_LOAD segments in file order. */
  segments: ElfSegment[];
  /** Every program header, raw (link-time addresses). */
  programHeaders: ElfProgramHeader[];
  /** Run-time address of the program headers when a segment maps them (AT_PHDR), else null. */
  phdr: number | null;
  phnum: number;
  phentsize: number;
  /** PT_GNU_STACK asks for an executable stack (absent = executable, as Linux on i386). */
  execStack: boolean;
  /** PT_TLS, if any (link-time vaddr + loadBias). */
  tls: ElfProgramHeader | null;
  sections: ElfSection[];
  /** .symtab entries except the null symbol, in table order. */
  symbols: ElfSymbol[];
  /** Name → symbol; a global/weak definition wins over locals of the same name. */
  symbolsByName: Map<string, ElfSymbol>;
  /** e_ident[EI_OSABI], e_flags: reported, not checked (Linux ignores them too). */
  osabi: number;
  flags: number;
}

export type ElfResult = { ok: true; elf: Elf } | { ok: false; error: string };

export interface ParseElfOptions {
  /** Load bias for a static PIE (page aligned). Default: first PT_LOAD page at DEFAULT_PIE_BASE. */
  pieBase?: number;
}

// ---- the structures (binary-parser) ---------------------------------------------------

const identParser = new Parser()
  .endianness('little')
  .uint32be('magic')
  .uint8('cls')
  .uint8('data')
  .uint8('version')
  .uint8('osabi');

const ehdrParser = new Parser()
  .endianness('little')
  .seek(16)
  .uint16('type')
  .uint16('machine')
  .uint32('version')
  .uint32('entry')
  .uint32('phoff')
  .uint32('shoff')
  .uint32('flags')
  .uint16('ehsize')
  .uint16('phentsize')
  .uint16('phnum')
  .uint16('shentsize')
  .uint16('shnum')
  .uint16('shstrndx');

const phdrParser = new Parser()
  .endianness('little')
  .uint32('type')
  .uint32('offset')
  .uint32('vaddr')
  .uint32('paddr')
  .uint32('filesz')
  .uint32('memsz')
  .uint32('flags')
  .uint32('align');

const shdrParser = new Parser()
  .endianness('little')
  .uint32('name')
  .uint32('type')
  .uint32('flags')
  .uint32('addr')
  .uint32('offset')
  .uint32('size')
  .uint32('link')
  .uint32('info')
  .uint32('addralign')
  .uint32('entsize');

const symParser = new Parser()
  .endianness('little')
  .uint32('name')
  .uint32('value')
  .uint32('size')
  .uint8('info')
  .uint8('other')
  .uint16('shndx');

interface Ehdr {
  type: number; machine: number; version: number; entry: number; phoff: number; shoff: number;
  flags: number; ehsize: number; phentsize: number; phnum: number; shentsize: number; shnum: number; shstrndx: number;
}
interface Phdr { type: number; offset: number; vaddr: number; paddr: number; filesz: number; memsz: number; flags: number; align: number }
interface Shdr { name: number; type: number; flags: number; addr: number; offset: number; size: number; link: number; info: number; addralign: number; entsize: number }
interface Sym { name: number; value: number; size: number; info: number; other: number; shndx: number }

/** Parse `size` bytes at `off` with `p`; the caller has checked the bounds. */
function at<T>(p: Parser, bytes: Uint8Array, off: number, size: number): T {
  return p.parse(bytes.subarray(off, off + size)) as T;
}

/** A rejection: thrown inside this module only, caught by parseElf. */
class Reject {
  constructor(readonly message: string) {}
}
function fail(message: string): never {
  throw new Reject(message);
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16);

const MACHINES: Record<number, string> = {
  0: 'EM_NONE', 2: 'SPARC', 3: 'EM_386', 6: 'i486', 7: 'i860', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64',
  22: 's390', 40: 'ARM', 42: 'SuperH', 43: 'SPARC v9', 50: 'IA-64', 62: 'x86-64', 183: 'AArch64',
  243: 'RISC-V', 258: 'LoongArch',
};
const TYPES: Record<number, string> = {
  0: 'ET_NONE', 1: 'ET_REL, an object file: link it first', 2: 'ET_EXEC', 3: 'ET_DYN', 4: 'ET_CORE, a core dump',
};
const PT_NAMES: Record<number, string> = {
  0: 'PT_NULL', 1: 'PT_LOAD', 2: 'PT_DYNAMIC', 3: 'PT_INTERP', 4: 'PT_NOTE', 5: 'PT_SHLIB', 6: 'PT_PHDR', 7: 'PT_TLS',
};

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0 && n <= 0x80000000;

/**
 * Parse and validate an ELF32 i386 executable. Never throws: malformed input gives
 * `{ ok: false, error }` with a message naming the field that is wrong.
 */
export function parseElf(bytes: Uint8Array, options: ParseElfOptions = {}): ElfResult {
  try {
    return { ok: true, elf: parseElfOrReject(bytes, options) };
  } catch (e) {
    if (e instanceof Reject) return { ok: false, error: e.message };
    // Not reachable by construction (the fuzz test checks parseElfOrReject throws only
    // Reject); kept so that a loader bug can never take the host down.
    return { ok: false, error: `malformed ELF file (${e instanceof Error ? e.message : String(e)})` };
  }
}

/**
 * The parser proper: returns the ELF or throws a Reject. Exported for the fuzz test,
 * which asserts that nothing but a Reject ever escapes (isElfRejection).
 */
export function parseElfOrReject(bytes: Uint8Array, options: ParseElfOptions = {}): Elf {
  const size = bytes.length;
  if (size < 16) fail(`file is ${size} bytes, too short for an ELF identification (16 bytes)`);
  const id = at<{ magic: number; cls: number; data: number; version: number; osabi: number }>(identParser, bytes, 0, 8);
  if (id.magic !== 0x7f454c46) fail('not an ELF file (bad magic: e_ident[EI_MAG0..3] is not 7f 45 4c 46)');
  if (id.cls !== 1) {
    fail(`e_ident[EI_CLASS] is ${id.cls}${id.cls === 2 ? ' (ELFCLASS64, a 64-bit program)' : ''}, expected 1 (ELFCLASS32)`);
  }
  if (id.data !== 1) {
    fail(`e_ident[EI_DATA] is ${id.data}${id.data === 2 ? ' (ELFDATA2MSB, big-endian)' : ''}, expected 1 (ELFDATA2LSB)`);
  }
  if (id.version !== 1) fail(`e_ident[EI_VERSION] is ${id.version}, expected 1 (EV_CURRENT)`);
  if (size < EHDR_SIZE) fail(`file is ${size} bytes, too short for an ELF32 header (52 bytes)`);
  const eh = at<Ehdr>(ehdrParser, bytes, 0, EHDR_SIZE);
  if (eh.machine !== EM_386) {
    const name = MACHINES[eh.machine];
    fail(`e_machine is ${eh.machine}${name ? ` (${name})` : ''}, expected 3 (EM_386)`);
  }
  if (eh.type !== ET_EXEC && eh.type !== ET_DYN) {
    const name = TYPES[eh.type];
    fail(`e_type is ${eh.type}${name ? ` (${name})` : ''}, expected 2 (ET_EXEC) or 3 (ET_DYN, static PIE)`);
  }
  if (eh.version !== 1) fail(`e_version is ${eh.version}, expected 1 (EV_CURRENT)`);
  if (eh.ehsize !== EHDR_SIZE) fail(`e_ehsize is ${eh.ehsize}, expected 52`);

  // ---- program headers
  if (eh.phentsize !== PHDR_SIZE) fail(`e_phentsize is ${eh.phentsize}, expected 32 (sizeof(Elf32_Phdr))`);
  if (eh.phnum === 0) fail('e_phnum is 0: no program headers, nothing to load');
  if (eh.phnum * PHDR_SIZE > MAX_PHDR_BYTES) fail(`e_phnum is ${eh.phnum}: program header table larger than 64 KiB`);
  if (eh.phoff === 0) fail(`e_phoff is 0 but e_phnum is ${eh.phnum}`);
  if (eh.phoff < EHDR_SIZE) fail(`e_phoff is ${hex(eh.phoff)}: the program header table overlaps the ELF header`);
  if (eh.phoff + eh.phnum * PHDR_SIZE > size) {
    fail(`e_phoff ${hex(eh.phoff)} + e_phnum ${eh.phnum} × 32 runs past the end of the file (${size} bytes)`);
  }
  const phs: Phdr[] = [];
  for (let k = 0; k < eh.phnum; k++) phs.push(at<Phdr>(phdrParser, bytes, eh.phoff + k * PHDR_SIZE, PHDR_SIZE));

  for (let k = 0; k < phs.length; k++) {
    if (phs[k].type === PT_INTERP) fail('dynamically linked programs are not supported (PT_INTERP)');
  }
  const loads: Array<{ k: number; ph: Phdr }> = [];
  phs.forEach((ph, k) => {
    if (ph.type === PT_LOAD) loads.push({ k, ph });
  });
  if (loads.length === 0) fail('no PT_LOAD program header: nothing to load');

  let bias = 0;
  if (eh.type === ET_DYN) {
    const base = options.pieBase ?? DEFAULT_PIE_BASE;
    if (base % 4096 !== 0) fail(`static PIE base ${hex(base)} is not page aligned`);
    bias = (base - (loads[0].ph.vaddr - (loads[0].ph.vaddr % 4096))) >>> 0;
  }
  const rt = (a: number) => (a + bias) >>> 0;

  const segments: ElfSegment[] = [];
  for (const { k, ph } of loads) {
    const where = `program header ${k} (PT_LOAD)`;
    if (ph.filesz > ph.memsz) fail(`${where}: p_filesz ${hex(ph.filesz)} is larger than p_memsz ${hex(ph.memsz)}`);
    if (ph.offset + ph.filesz > size) {
      fail(`${where}: p_offset ${hex(ph.offset)} + p_filesz ${hex(ph.filesz)} runs past the end of the file (${size} bytes)`);
    }
    if (ph.align > 1) {
      if (!isPow2(ph.align)) fail(`${where}: p_align ${hex(ph.align)} is not a power of two`);
      if ((ph.vaddr - ph.offset) % ph.align !== 0) {
        fail(`${where}: p_vaddr ${hex(ph.vaddr)} and p_offset ${hex(ph.offset)} are not congruent modulo p_align ${hex(ph.align)}`);
      }
    }
    if (ph.flags & ~7) fail(`${where}: p_flags ${hex(ph.flags)} has bits other than PF_R|PF_W|PF_X`);
    const v = ph.vaddr + bias;
    if (v + ph.memsz > 0x100000000) fail(`${where}: p_vaddr ${hex(v)} + p_memsz ${hex(ph.memsz)} wraps around the address space`);
    if (v < USER_START) fail(`${where}: p_vaddr ${hex(v)} is in the first page (must be ≥ ${hex(USER_START)})`);
    if (v + ph.memsz > USER_END) {
      fail(`${where}: p_vaddr ${hex(v)} + p_memsz ${hex(ph.memsz)} reaches kernel space (≥ ${hex(USER_END)})`);
    }
    const flags = ph.flags & 7;
    segments.push({
      vaddr: v, memsz: ph.memsz, filesz: ph.filesz, offset: ph.offset, align: ph.align, flags,
      r: (flags & PF_R) !== 0, w: (flags & PF_W) !== 0, x: (flags & PF_X) !== 0,
    });
  }
  // Overlap: byte ranges may not intersect (sharing a page is allowed; the loader merges).
  const byAddr = segments.map((s, n) => ({ s, k: loads[n].k })).sort((a, b) => a.s.vaddr - b.s.vaddr);
  for (let n = 1; n < byAddr.length; n++) {
    const p = byAddr[n - 1];
    const q = byAddr[n];
    if (p.s.memsz > 0 && q.s.memsz > 0 && p.s.vaddr + p.s.memsz > q.s.vaddr) {
      fail(`program headers ${p.k} and ${q.k}: PT_LOAD segments overlap at ${hex(q.s.vaddr)}`);
    }
  }

  const entry = rt(eh.entry);
  if (!segments.some((s) => s.x && entry >= s.vaddr && entry < s.vaddr + s.memsz)) {
    const inSeg = segments.some((s) => entry >= s.vaddr && entry < s.vaddr + s.memsz);
    fail(`e_entry ${hex(entry)} is ${inSeg ? 'in a segment that is not executable (no PF_X)' : 'outside every PT_LOAD segment'}`);
  }

  // AT_PHDR: PT_PHDR's address, else where a PT_LOAD maps e_phoff (Linux ≥ 5.18).
  let phdr: number | null = null;
  const phdrEnd = eh.phoff + eh.phnum * PHDR_SIZE;
  const ptPhdr = phs.findIndex((ph) => ph.type === PT_PHDR);
  if (ptPhdr >= 0) {
    const v = rt(phs[ptPhdr].vaddr);
    const mapped = segments.some((s) => v >= s.vaddr && v + eh.phnum * PHDR_SIZE <= s.vaddr + s.filesz);
    if (!mapped) fail(`program header ${ptPhdr} (PT_PHDR): p_vaddr ${hex(v)} is not inside the file part of a PT_LOAD segment`);
    phdr = v;
  } else {
    for (const s of segments) {
      if (eh.phoff >= s.offset && phdrEnd <= s.offset + s.filesz) {
        phdr = (s.vaddr + (eh.phoff - s.offset)) >>> 0;
        break;
      }
    }
  }

  let execStack = true;
  let tls: ElfProgramHeader | null = null;
  const programHeaders: ElfProgramHeader[] = phs.map((ph) => ({
    type: ph.type, offset: ph.offset, vaddr: ph.vaddr, filesz: ph.filesz, memsz: ph.memsz, flags: ph.flags, align: ph.align,
  }));
  for (let k = 0; k < phs.length; k++) {
    const ph = phs[k];
    const where = `program header ${k} (${PT_NAMES[ph.type] ?? hex(ph.type)})`;
    if (ph.type === PT_GNU_STACK) execStack = (ph.flags & PF_X) !== 0;
    if (ph.type === PT_TLS) {
      if (ph.filesz > ph.memsz) fail(`${where}: p_filesz ${hex(ph.filesz)} is larger than p_memsz ${hex(ph.memsz)}`);
      if (ph.offset + ph.filesz > size) fail(`${where}: p_offset + p_filesz runs past the end of the file`);
      if (ph.align > 1 && !isPow2(ph.align)) fail(`${where}: p_align ${hex(ph.align)} is not a power of two`);
      tls = { ...programHeaders[k], vaddr: rt(ph.vaddr) };
    }
  }

  const { sections, symbols } = readSections(bytes, eh, bias);
  const symbolsByName = new Map<string, ElfSymbol>();
  for (const s of symbols) {
    if (!s.name || s.type === STT_FILE || s.type === STT_SECTION) continue;
    const old = symbolsByName.get(s.name);
    if (!old || (old.bind === 0 && s.bind !== 0)) symbolsByName.set(s.name, s);
  }

  return {
    type: eh.type === ET_EXEC ? 'exec' : 'static-pie',
    loadBias: bias, entry, segments, programHeaders, phdr, phnum: eh.phnum, phentsize: eh.phentsize,
    execStack, tls, sections, symbols, symbolsByName, osabi: id.osabi, flags: eh.flags,
  };
}

/** Longest name accepted: bounds the work a hostile string table can cause (every
 *  symbol pointing into one long unterminated string). */
const MAX_NAME = 4096;

/** A NUL-terminated string from a string table section, bounds checked. */
function cstr(bytes: Uint8Array, tab: Shdr, off: number, what: string): string {
  if (off >= tab.size) fail(`${what}: name offset ${hex(off)} is outside its string table (size ${hex(tab.size)})`);
  const start = tab.offset + off;
  const end = Math.min(tab.offset + tab.size, start + MAX_NAME + 1);
  const e = bytes.subarray(start, end).indexOf(0);
  if (e < 0) {
    if (end - start > MAX_NAME) fail(`${what}: name at string table offset ${hex(off)} is longer than ${MAX_NAME} bytes`);
    fail(`${what}: name at string table offset ${hex(off)} is not NUL-terminated`);
  }
  return String.fromCharCode(...bytes.subarray(start, start + e));
}

/**
 * Section headers and .symtab. Linux ignores sections when loading; we read them for the
 * symbols (debugger, disassembler), and reject tables that point outside the file
 * rather than show garbage. No section header table (e_shoff = 0) is fine.
 */
function readSections(bytes: Uint8Array, eh: Ehdr, bias: number): { sections: ElfSection[]; symbols: ElfSymbol[] } {
  const size = bytes.length;
  if (eh.shoff === 0) {
    if (eh.shnum !== 0) fail(`e_shoff is 0 but e_shnum is ${eh.shnum}`);
    return { sections: [], symbols: [] };
  }
  if (eh.shentsize !== SHDR_SIZE) fail(`e_shentsize is ${eh.shentsize}, expected 40 (sizeof(Elf32_Shdr))`);
  if (eh.shoff + SHDR_SIZE > size) fail(`e_shoff ${hex(eh.shoff)} is past the end of the file (${size} bytes)`);
  const sh0 = at<Shdr>(shdrParser, bytes, eh.shoff, SHDR_SIZE);
  // Extended numbering (gABI): e_shnum 0 → count in sh[0].sh_size; SHN_XINDEX → sh[0].sh_link.
  const shnum = eh.shnum === 0 ? sh0.size : eh.shnum;
  const shstrndx = eh.shstrndx === SHN_XINDEX ? sh0.link : eh.shstrndx;
  if (shnum * SHDR_SIZE > size - eh.shoff) {
    fail(`e_shoff ${hex(eh.shoff)} + ${shnum} section headers × 40 runs past the end of the file (${size} bytes)`);
  }
  const shs: Shdr[] = [];
  for (let k = 0; k < shnum; k++) shs.push(at<Shdr>(shdrParser, bytes, eh.shoff + k * SHDR_SIZE, SHDR_SIZE));
  shs.forEach((sh, k) => {
    if (sh.type !== SHT_NOBITS && sh.type !== SHT_NULL && sh.offset + sh.size > size) {
      fail(`section ${k}: sh_offset ${hex(sh.offset)} + sh_size ${hex(sh.size)} runs past the end of the file (${size} bytes)`);
    }
  });
  let names: Shdr | null = null;
  if (shstrndx !== 0) {
    if (shstrndx >= shnum) fail(`e_shstrndx is ${shstrndx}, but there are only ${shnum} sections`);
    names = shs[shstrndx];
    if (names.type !== SHT_STRTAB) fail(`e_shstrndx ${shstrndx}: section type is ${names.type}, expected 3 (SHT_STRTAB)`);
  }
  const sections: ElfSection[] = shs.map((sh, k) => ({
    name: names && (sh.name !== 0 || k !== 0) ? cstr(bytes, names, sh.name, `section ${k} sh_name`) : '',
    type: sh.type, flags: sh.flags, addr: sh.flags & SHF_ALLOC ? (sh.addr + bias) >>> 0 : sh.addr,
    offset: sh.offset, size: sh.size, link: sh.link, info: sh.info, align: sh.addralign, entsize: sh.entsize,
  }));

  const symbols: ElfSymbol[] = [];
  const symIdx = shs.findIndex((sh) => sh.type === SHT_SYMTAB);
  if (symIdx < 0) return { sections, symbols };
  const st = shs[symIdx];
  const where = `section ${symIdx} (${sections[symIdx].name || 'SHT_SYMTAB'})`;
  if (st.entsize !== SYM_SIZE) fail(`${where}: sh_entsize is ${st.entsize}, expected 16 (sizeof(Elf32_Sym))`);
  if (st.size % SYM_SIZE !== 0) fail(`${where}: sh_size ${hex(st.size)} is not a multiple of 16`);
  if (st.link === 0 || st.link >= shnum) fail(`${where}: sh_link ${st.link} is not a valid section index`);
  const strtab = shs[st.link];
  if (strtab.type !== SHT_STRTAB) fail(`${where}: sh_link ${st.link} is section type ${strtab.type}, expected 3 (SHT_STRTAB)`);
  const count = st.size / SYM_SIZE;
  for (let k = 1; k < count; k++) {
    const s = at<Sym>(symParser, bytes, st.offset + k * SYM_SIZE, SYM_SIZE);
    const type = s.info & 15;
    const defined = s.shndx !== SHN_UNDEF && s.shndx !== SHN_ABS && s.shndx < SHN_LORESERVE;
    let name = s.name === 0 ? '' : cstr(bytes, strtab, s.name, `symbol ${k} st_name`);
    if (!name && type === STT_SECTION && s.shndx < sections.length) name = sections[s.shndx].name;
    symbols.push({
      name, value: defined ? (s.value + bias) >>> 0 : s.value, size: s.size, type, bind: s.info >> 4, shndx: s.shndx,
    });
  }
  return { sections, symbols };
}

/** True when `e` is a rejection from this module (for the fuzz test). */
export function isElfRejection(e: unknown): boolean {
  return e instanceof Reject;
}
