// Section placement, the way GNU ld's default script for `-m elf_i386` (binutils 2.3x/2.40,
// -z separate-code) places a single object's sections, so that the bytes that hold
// absolute addresses equal those of `nasm -f elf32 && ld -m elf_i386`:
//
//   headers   0x08048000        its own read-only PT_LOAD (ELF header + program headers)
//   .text     0x08049000        ALIGN(MAXPAGESIZE) after the headers; R+X
//   .rodata   ALIGN(0x1000) after .text; R
//   .data     DATA_SEGMENT_ALIGN: ALIGN(0x1000) + (. & 0xfff) after .rodata (or after the
//             page-aligned end of .text when there is no .rodata) — or ALIGN(0x1000) when
//             that makes the data segment span one page fewer, as ld decides — then the
//             section's own alignment; R+W
//   .bss      right after .data, aligned; part of the data PT_LOAD as memsz > filesz
//
// File offsets are congruent to addresses modulo the page size, as the loader needs.

export const SECTION_NAMES: readonly string[] = ['.text', '.rodata', '.data', '.bss'];
export const SECTION_DEFAULT_ALIGN = [16, 4, 4, 4];
export const BASE_ADDRESS = 0x08048000;
export const PAGE = 0x1000;

export interface SectionInfo {
  size: number;
  align: number;
  used: boolean;
}

export interface Layout {
  addr: number[];
  size: number[];
  align: number[];
  used: boolean[];
}

const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;

export function layoutSections(s: SectionInfo[]): Layout {
  const addr = [0, 0, 0, 0];
  let cur = BASE_ADDRESS + PAGE; // . = SEGMENT_START + SIZEOF_HEADERS; . = ALIGN(MAXPAGESIZE)
  addr[0] = alignUp(cur, s[0].align);
  cur = addr[0] + s[0].size;
  cur = alignUp(cur, PAGE); // start of the read-only data segment
  addr[1] = alignUp(cur, s[1].align);
  if (s[1].size > 0 || s[1].used) cur = addr[1] + s[1].size;
  // DATA_SEGMENT_ALIGN(MAXPAGESIZE, COMMONPAGESIZE): ALIGN(page) + (. & (page - 1)),
  // unless starting the data segment on the page boundary instead saves a page
  // (ld/ldlang.c lang_size_segment: first + last <= page, the segment spanning pages).
  const placeData = (start: number): number[] => {
    const d = alignUp(start, s[2].align);
    const afterData = s[2].size > 0 || s[2].used ? d + s[2].size : start;
    const b = alignUp(afterData, s[3].align);
    return [d, b, b + s[3].size];
  };
  const base = alignUp(cur, PAGE) + (cur & (PAGE - 1));
  let [dataAddr, bssAddr, end] = placeData(base);
  const first = -base & (PAGE - 1);
  const last = end & (PAGE - 1);
  if (first && last && Math.floor(base / PAGE) !== Math.floor(end / PAGE) && first + last <= PAGE) {
    [dataAddr, bssAddr, end] = placeData(alignUp(cur, PAGE));
  }
  void end;
  addr[2] = dataAddr;
  addr[3] = bssAddr;
  const size = s.map((x) => x.size);
  // ld's script ends .bss with `. = ALIGN(. != 0 ? 32 / 8 : 1);`: a non-empty .bss
  // ends on a 4-byte boundary.
  if (size[3] > 0) size[3] = alignUp(bssAddr + size[3], 4) - bssAddr;
  return { addr, size, align: s.map((x) => x.align), used: s.map((x) => x.used) };
}

/** The smallest file offset ≥ `from` congruent to `addr` modulo the page size. */
export function fileOffsetFor(addr: number, from: number): number {
  const want = addr & (PAGE - 1);
  let off = (from & ~(PAGE - 1)) + want;
  if (off < from) off += PAGE;
  return off;
}
