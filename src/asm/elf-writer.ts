// The ELF32 writer: an i386 ET_EXEC with the layout of `ld -m elf_i386` (layout.ts).
//
// Program headers: a read-only PT_LOAD for the ELF and program headers (as ld has it),
// .text R+X, .rodata R, .data+.bss R+W with memsz > filesz for .bss; all 4 KiB aligned,
// file offsets congruent to addresses modulo 4 KiB. Section headers name every section,
// plus .symtab/.strtab (every label; `global` ones STB_GLOBAL, like NASM+ld; ld's
// __bss_start, _edata and _end too), .shstrtab, and DWARF line information
// (dwarf-line.ts) so a debugger can map addresses to source lines.

import type { AsmSymbol, LineEntry, SectionOut } from './assembler.js';
import { dwarfSections } from './dwarf-line.js';
import { BASE_ADDRESS, fileOffsetFor, type Layout } from './layout.js';
import {
  EHDR_SIZE, ELFCLASS32, ELFDATA2LSB, EM_386, ET_EXEC, EV_CURRENT, PF_R, PF_W, PF_X, PHDR_SIZE, PT_LOAD, SHDR_SIZE,
  SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHN_ABS, SHT_NOBITS, SHT_PROGBITS, SHT_STRTAB, SHT_SYMTAB, STB_GLOBAL, STB_LOCAL,
  STT_FILE, STT_NOTYPE, SYM_SIZE, type ElfSection,
} from '../elf32.js';

export interface ElfInput {
  sections: SectionOut[];
  layout: Layout;
  entry: number;
  symbols: AsmSymbol[];
  lines: LineEntry[];
  sourceName: string;
}

class Buf {
  bytes: number[] = [];
  get length(): number {
    return this.bytes.length;
  }
  u8(v: number): void {
    this.bytes.push(v & 0xff);
  }
  u16(v: number): void {
    this.u8(v);
    this.u8(v >>> 8);
  }
  /** Little-endian words, one after the other. */
  u32(...vs: number[]): void {
    for (const v of vs) {
      this.u16(v & 0xffff);
      this.u16(v >>> 16);
    }
  }
  pad(to: number): void {
    while (this.bytes.length < to) this.bytes.push(0);
  }
  put(b: ArrayLike<number>): void {
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i]);
  }
}

class StrTab {
  buf: number[] = [0];
  private map = new Map<string, number>();
  add(s: string): number {
    if (s === '') return 0;
    const got = this.map.get(s);
    if (got !== undefined) return got;
    const off = this.buf.length;
    for (const b of Buffer.from(s, 'utf8')) this.buf.push(b);
    this.buf.push(0);
    this.map.set(s, off);
    return off;
  }
}

export function writeElf(inp: ElfInput): Uint8Array {
  const present = inp.sections.filter((s) => s.size > 0);
  const text = present.find((s) => s.name === '.text');
  const rodata = present.find((s) => s.name === '.rodata');
  const data = present.find((s) => s.name === '.data');
  const bss = present.find((s) => s.name === '.bss');

  const phdrs: Array<{ offset: number; vaddr: number; filesz: number; memsz: number; flags: number }> = [];
  const nph = 1 + (text ? 1 : 0) + (rodata ? 1 : 0) + (data || bss ? 1 : 0);
  const hdrEnd = EHDR_SIZE + PHDR_SIZE * nph;

  // File offsets of the allocated sections.
  const offsets = new Map<string, number>();
  let pos = hdrEnd;
  for (const s of [text, rodata, data]) {
    if (!s) continue;
    const off = fileOffsetFor(s.address, pos);
    offsets.set(s.name, off);
    pos = off + s.size;
  }
  if (bss) offsets.set('.bss', fileOffsetFor(bss.address, pos));

  phdrs.push({ offset: 0, vaddr: BASE_ADDRESS, filesz: hdrEnd, memsz: hdrEnd, flags: PF_R });
  if (text) phdrs.push({ offset: offsets.get('.text')!, vaddr: text.address, filesz: text.size, memsz: text.size, flags: PF_R | PF_X });
  if (rodata) phdrs.push({ offset: offsets.get('.rodata')!, vaddr: rodata.address, filesz: rodata.size, memsz: rodata.size, flags: PF_R });
  if (data || bss) {
    const first = data ?? bss!;
    const end = bss ? bss.address + bss.size : data!.address + data!.size;
    // Without .data the segment has no file contents: like ld, give it the smallest
    // offset congruent to its address (an offset past the end of the file is invalid).
    const offset = data ? offsets.get('.data')! : first.address & 0xfff;
    phdrs.push({ offset, vaddr: first.address, filesz: data ? data.size : 0, memsz: end - first.address, flags: PF_R | PF_W });
  }

  const out = new Buf();
  // ---- contents of allocated sections
  out.pad(hdrEnd);
  for (const s of [text, rodata, data]) {
    if (!s) continue;
    out.pad(offsets.get(s.name)!);
    out.put(s.data);
  }

  // ---- section headers list
  const shdrs: ElfSection[] = [{ name: '', type: 0, flags: 0, addr: 0, offset: 0, size: 0, link: 0, info: 0, align: 0, entsize: 0 }];
  const shIndex = new Map<string, number>();
  const addAlloc = (s: SectionOut | undefined, flags: number, type = SHT_PROGBITS) => {
    if (!s) return;
    shIndex.set(s.name, shdrs.length);
    shdrs.push({ name: s.name, type, flags, addr: s.address, offset: offsets.get(s.name)!, size: s.size, link: 0, info: 0, align: s.align, entsize: 0 });
  };
  addAlloc(text, SHF_ALLOC | SHF_EXECINSTR);
  addAlloc(rodata, SHF_ALLOC);
  addAlloc(data, SHF_ALLOC | SHF_WRITE);
  addAlloc(bss, SHF_ALLOC | SHF_WRITE, SHT_NOBITS);

  // ---- debug sections
  const textLines = inp.lines.filter((l) => l.section === '.text');
  if (text && textLines.length) {
    const dw = dwarfSections(textLines, inp.sourceName, text.address, text.address + text.size);
    for (const [name, bytes] of dw) {
      const off = out.length;
      out.put(bytes);
      shdrs.push({ name, type: SHT_PROGBITS, flags: 0, addr: 0, offset: off, size: bytes.length, link: 0, info: 0, align: 1, entsize: 0 });
    }
  }

  // ---- symbols
  const strtab = new StrTab();
  const symEntries: Array<{ name: number; value: number; size: number; info: number; shndx: number }> = [];
  symEntries.push({ name: 0, value: 0, size: 0, info: 0, shndx: 0 });
  symEntries.push({ name: strtab.add(baseName(inp.sourceName)), value: 0, size: 0, info: (STB_LOCAL << 4) | STT_FILE, shndx: SHN_ABS });
  const shndxOf = (s: AsmSymbol) => (s.section ? shIndex.get(s.section) ?? SHN_ABS : SHN_ABS);
  const locals = inp.symbols.filter((s) => !s.global);
  const globals = inp.symbols.filter((s) => s.global);
  for (const s of locals) symEntries.push({ name: strtab.add(s.name), value: s.value >>> 0, size: 0, info: (STB_LOCAL << 4) | STT_NOTYPE, shndx: shndxOf(s) });
  const firstGlobal = symEntries.length;
  for (const s of globals) symEntries.push({ name: strtab.add(s.name), value: s.value >>> 0, size: 0, info: (STB_GLOBAL << 4) | STT_NOTYPE, shndx: shndxOf(s) });
  const names = new Set(inp.symbols.map((s) => s.name));
  const dataEnd = data ? data.address + data.size : bss ? bss.address : rodata ? rodata.address + rodata.size : text ? text.address + text.size : BASE_ADDRESS;
  const extra: Array<[string, number, string | undefined]> = [
    ['__bss_start', bss ? bss.address : dataEnd, bss ? '.bss' : data ? '.data' : undefined],
    ['_edata', dataEnd, data ? '.data' : bss ? '.bss' : undefined],
    ['_end', bss ? bss.address + bss.size : dataEnd, bss ? '.bss' : data ? '.data' : undefined],
  ];
  for (const [n, v, sect] of extra) {
    if (names.has(n)) continue;
    symEntries.push({ name: strtab.add(n), value: v >>> 0, size: 0, info: (STB_GLOBAL << 4) | STT_NOTYPE, shndx: sect ? shIndex.get(sect) ?? SHN_ABS : SHN_ABS });
  }

  out.pad(alignUp(out.length, 4));
  const symOff = out.length;
  for (const e of symEntries) {
    out.u32(e.name, e.value, e.size);
    out.u8(e.info);
    out.u8(0);
    out.u16(e.shndx);
  }
  const symtabIndex = shdrs.length;
  shdrs.push({ name: '.symtab', type: SHT_SYMTAB, flags: 0, addr: 0, offset: symOff, size: symEntries.length * SYM_SIZE, link: symtabIndex + 1, info: firstGlobal, align: 4, entsize: SYM_SIZE });
  const strOff = out.length;
  out.put(strtab.buf);
  shdrs.push({ name: '.strtab', type: SHT_STRTAB, flags: 0, addr: 0, offset: strOff, size: strtab.buf.length, link: 0, info: 0, align: 1, entsize: 0 });
  const shstr = new StrTab();
  for (const s of shdrs) shstr.add(s.name);
  shstr.add('.shstrtab');
  const shstrOff = out.length;
  out.put(shstr.buf);
  shdrs.push({ name: '.shstrtab', type: SHT_STRTAB, flags: 0, addr: 0, offset: shstrOff, size: shstr.buf.length, link: 0, info: 0, align: 1, entsize: 0 });

  out.pad(alignUp(out.length, 4));
  const shOff = out.length;
  for (const s of shdrs) out.u32(shstr.add(s.name), s.type, s.flags, s.addr, s.offset, s.size, s.link, s.info, s.align, s.entsize);

  // ---- ELF header and program headers, written last into the reserved space
  const h = new Buf();
  h.put([0x7f, 0x45, 0x4c, 0x46, ELFCLASS32, ELFDATA2LSB, EV_CURRENT, 0 /* SYSV */, 0, 0, 0, 0, 0, 0, 0, 0]);
  h.u16(ET_EXEC);
  h.u16(EM_386);
  h.u32(EV_CURRENT, inp.entry, EHDR_SIZE, shOff, 0); // e_version, e_entry, e_phoff, e_shoff, e_flags
  h.u16(EHDR_SIZE);
  h.u16(PHDR_SIZE);
  h.u16(phdrs.length);
  h.u16(SHDR_SIZE);
  h.u16(shdrs.length);
  h.u16(shdrs.length - 1); // .shstrtab is last
  for (const p of phdrs) h.u32(PT_LOAD, p.offset, p.vaddr, p.vaddr, p.filesz, p.memsz, p.flags, 0x1000);
  for (let i = 0; i < h.length; i++) out.bytes[i] = h.bytes[i];
  return Uint8Array.from(out.bytes);
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

function baseName(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}
