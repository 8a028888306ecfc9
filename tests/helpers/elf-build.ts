// A tiny ELF32 i386 writer for tests: builds executables from segments and symbols with
// no toolchain, so the ELF parser's tests and fuzzing run anywhere. Layout:
//   ELF header (52) | program headers (32 each) | each segment's bytes at an offset
//   congruent to its vaddr modulo 4096 | .symtab | .strtab | .shstrtab | section headers.
// Sections: null, one per segment (.text / .data / .rodata by flags), then the three tables.

export interface SegmentSpec {
  vaddr: number;
  data: Uint8Array | number[];
  /** Defaults to data.length. */
  memsz?: number;
  /** PF_R=4 PF_W=2 PF_X=1. */
  flags: number;
  align?: number;
}

export interface SymbolSpec {
  name: string;
  value: number;
  size?: number;
  /** STT_*: default 2 (FUNC) for values in an executable segment, else 1 (OBJECT). */
  type?: number;
  /** STB_*: default 1 (GLOBAL). */
  bind?: number;
}

export interface ExtraPhdr {
  type: number;
  offset?: number;
  vaddr?: number;
  filesz?: number;
  memsz?: number;
  flags?: number;
  align?: number;
  /** Bytes placed in the file for this header (offset/filesz are then filled in). */
  data?: Uint8Array | number[];
}

export interface ElfSpec {
  /** 2 ET_EXEC (default) or 3 ET_DYN. */
  type?: number;
  entry: number;
  segments: SegmentSpec[];
  symbols?: SymbolSpec[];
  /** Program headers after the PT_LOADs (PT_INTERP, PT_GNU_STACK …). */
  extra?: ExtraPhdr[];
  /** Write section headers and .symtab (default true). */
  sections?: boolean;
}

/** Field offsets in the ELF header, for tests that corrupt them. */
export const EH = {
  type: 16, machine: 18, version: 20, entry: 24, phoff: 28, shoff: 32, flags: 36, ehsize: 40,
  phentsize: 42, phnum: 44, shentsize: 46, shnum: 48, shstrndx: 50,
} as const;
/** Field offsets inside one program header. */
export const PH = { type: 0, offset: 4, vaddr: 8, paddr: 12, filesz: 16, memsz: 20, flags: 24, align: 28 } as const;

class Out {
  buf = new Uint8Array(1 << 16);
  len = 0;
  private grow(n: number) {
    if (n <= this.buf.length) return;
    let m = this.buf.length;
    while (m < n) m *= 2;
    const b = new Uint8Array(m);
    b.set(this.buf);
    this.buf = b;
  }
  at(off: number): void {
    this.grow(off);
    if (off > this.len) this.len = off;
  }
  bytes(b: ArrayLike<number>, off = this.len): void {
    this.grow(off + b.length);
    this.buf.set(b, off);
    this.len = Math.max(this.len, off + b.length);
  }
  u8(off: number, v: number) { this.bytes([v & 255], off); }
  u16(off: number, v: number) { this.bytes([v & 255, (v >>> 8) & 255], off); }
  u32(off: number, v: number) { this.bytes([v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255], off); }
  align(a: number) { this.at(Math.ceil(this.len / a) * a); }
  result(): Uint8Array { return this.buf.slice(0, this.len); }
}

class StrTab {
  bytes: number[] = [0];
  add(s: string): number {
    if (!s) return 0;
    const off = this.bytes.length;
    for (const ch of s) this.bytes.push(ch.charCodeAt(0));
    this.bytes.push(0);
    return off;
  }
}

/** Build an ELF32 i386 executable from `spec`. */
export function buildElf(spec: ElfSpec): Uint8Array {
  const o = new Out();
  const extra = spec.extra ?? [];
  const phnum = spec.segments.length + extra.length;
  const withSections = spec.sections ?? true;
  // ELF header
  o.bytes([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0], 0);
  o.at(52);
  o.u16(EH.type, spec.type ?? 2);
  o.u16(EH.machine, 3);
  o.u32(EH.version, 1);
  o.u32(EH.entry, spec.entry);
  o.u32(EH.phoff, 52);
  o.u16(EH.ehsize, 52);
  o.u16(EH.phentsize, 32);
  o.u16(EH.phnum, phnum);
  o.at(52 + 32 * phnum);

  // Extra headers' data (e.g. the PT_INTERP string) right after the program headers.
  const extraOff: number[] = [];
  for (const e of extra) {
    extraOff.push(o.len);
    if (e.data) o.bytes(e.data);
  }
  // Segments: file offset ≡ vaddr (mod 4096), after everything written so far.
  const segOff: number[] = [];
  spec.segments.forEach((s, k) => {
    const want = s.vaddr % 4096;
    let off = Math.ceil(o.len / 4096) * 4096 + want;
    if (k === 0 && want >= o.len) off = want; // first segment may share page 0 with the headers
    segOff.push(off);
    o.at(off);
    o.bytes(Array.from(s.data), off);
  });
  spec.segments.forEach((s, k) => {
    const p = 52 + 32 * k;
    o.u32(p + PH.type, 1);
    o.u32(p + PH.offset, segOff[k]);
    o.u32(p + PH.vaddr, s.vaddr);
    o.u32(p + PH.paddr, s.vaddr);
    o.u32(p + PH.filesz, s.data.length);
    o.u32(p + PH.memsz, s.memsz ?? s.data.length);
    o.u32(p + PH.flags, s.flags);
    o.u32(p + PH.align, s.align ?? 4096);
  });
  extra.forEach((e, n) => {
    const p = 52 + 32 * (spec.segments.length + n);
    const len = e.data ? e.data.length : 0;
    o.u32(p + PH.type, e.type);
    o.u32(p + PH.offset, e.offset ?? (e.data ? extraOff[n] : 0));
    o.u32(p + PH.vaddr, e.vaddr ?? 0);
    o.u32(p + PH.paddr, e.vaddr ?? 0);
    o.u32(p + PH.filesz, e.filesz ?? len);
    o.u32(p + PH.memsz, e.memsz ?? len);
    o.u32(p + PH.flags, e.flags ?? 4);
    o.u32(p + PH.align, e.align ?? 1);
  });
  if (!withSections) return o.result();

  // Sections: null, one per segment, .symtab, .strtab, .shstrtab.
  const shstr = new StrTab();
  const str = new StrTab();
  const secName = (s: SegmentSpec) => (s.flags & 1 ? '.text' : s.flags & 2 ? '.data' : '.rodata');
  const segSecIdx = (v: number) => {
    const k = spec.segments.findIndex((s) => v >= s.vaddr && v <= s.vaddr + (s.memsz ?? s.data.length));
    return k < 0 ? 0xfff1 : k + 1;
  };
  o.align(4);
  const symOff = o.len;
  const syms = spec.symbols ?? [];
  o.bytes(new Uint8Array(16)); // null symbol
  for (const s of syms) {
    const p = o.len;
    const shndx = segSecIdx(s.value);
    const isCode = shndx !== 0xfff1 && (spec.segments[shndx - 1].flags & 1) !== 0;
    const type = s.type ?? (isCode ? 2 : 1);
    o.at(p + 16);
    o.u32(p, str.add(s.name));
    o.u32(p + 4, s.value);
    o.u32(p + 8, s.size ?? 0);
    o.u8(p + 12, ((s.bind ?? 1) << 4) | type);
    o.u16(p + 14, shndx);
  }
  const symSize = o.len - symOff;
  const strOff = o.len;
  o.bytes(str.bytes);
  const segNames = spec.segments.map((s) => shstr.add(secName(s)));
  const nSym = shstr.add('.symtab');
  const nStr = shstr.add('.strtab');
  const nShstr = shstr.add('.shstrtab');
  const shstrOff = o.len;
  o.bytes(shstr.bytes);
  o.align(4);
  const shoff = o.len;
  const nsec = spec.segments.length + 4;
  o.at(shoff + 40 * nsec);
  const sh = (k: number, f: number[]) => f.forEach((v, n) => o.u32(shoff + 40 * k + 4 * n, v));
  spec.segments.forEach((s, k) => {
    const flags = 2 | (s.flags & 2 ? 1 : 0) | (s.flags & 1 ? 4 : 0);
    sh(k + 1, [segNames[k], 1, flags, s.vaddr, segOff[k], s.data.length, 0, 0, 4, 0]);
  });
  const firstGlobal = 1; // all our symbols are written as they come; sh_info is informational
  sh(spec.segments.length + 1, [nSym, 2, 0, 0, symOff, symSize, spec.segments.length + 2, firstGlobal, 4, 16]);
  sh(spec.segments.length + 2, [nStr, 3, 0, 0, strOff, str.bytes.length, 0, 0, 1, 0]);
  sh(spec.segments.length + 3, [nShstr, 3, 0, 0, shstrOff, shstr.bytes.length, 0, 0, 1, 0]);
  o.u32(EH.shoff, shoff);
  o.u16(EH.shentsize, 40);
  o.u16(EH.shnum, nsec);
  o.u16(EH.shstrndx, nsec - 1);
  return o.result();
}

/** The standard small test program: text at 0x08049000 (mov eax,1; xor ebx,ebx; int 0x80),
 *  data at 0x0804a000 with a .bss tail, symbols _start and msg. */
export function smallElf(over: Partial<ElfSpec> = {}): Uint8Array {
  return buildElf({
    entry: 0x08049000,
    segments: [
      { vaddr: 0x08049000, data: [0xb8, 1, 0, 0, 0, 0x31, 0xdb, 0xcd, 0x80], flags: 5 },
      { vaddr: 0x0804a000, data: [0x68, 0x69, 0x0a, 0], memsz: 0x100, flags: 6 },
    ],
    symbols: [
      { name: '_start', value: 0x08049000, size: 9 },
      { name: 'msg', value: 0x0804a000, size: 4 },
      { name: 'local_label', value: 0x08049005, bind: 0, type: 0 },
    ],
    ...over,
  });
}

/** Little-endian field patching for corruption tests. */
export function patch(bytes: Uint8Array, off: number, size: 1 | 2 | 4, value: number): Uint8Array {
  const b = bytes.slice();
  for (let k = 0; k < size; k++) b[off + k] = (value >>> (8 * k)) & 255;
  return b;
}
