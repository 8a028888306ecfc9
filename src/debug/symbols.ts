// Symbols and source lines for the debugger: which image an address belongs to (the
// user's program, the built-in init, the kernel's entry code), the symbol that covers it,
// and the source line the line table gives for it.
//
// Images:
//   program  the user's program: symbols from its ELF .symtab (or the assembler's list),
//            lines from the assembler's line table when it was assembled from .asm
//   init     /sbin/init (guest-programs/init.asm, built in): its ELF .symtab
//   other    any other ELF a task execs from the in-memory filesystem: its .symtab,
//            parsed on first use
//   kernel   addresses >= PAGE_OFFSET: the entry code (entry.asm), named from its boot
//            header and stub table (restore_all, idle_loop, the per-vector stubs)
// A user address is looked up in the image of the task's address space, found from the
// name of the VMA that maps it (exec names file VMAs after the ELF's path) or else from
// the VMA that maps the task's start_code.

import { SymbolTable, type DisasmSymbol } from '../asm/disasm.js';
import type { LineEntry } from '../asm/assembler.js';
import { posix } from 'node:path';
import { parseElf } from '../guest/elf.js';
import { readElfLines } from './dwarf.js';
import type { Kernel } from '../guest/kernel.js';
import type { Task } from '../guest/task.js';
import { INIT_ELF, INIT_PATH } from '../guest/init_task.js';
import { PAGE_OFFSET, __pa } from '../guest/layout.js';

export interface LineInfo {
  file: string;
  line: number;
  address: number;
  size: number;
}

/** One executable image's symbols and lines. */
export class Image {
  readonly table: SymbolTable;
  readonly byName = new Map<string, number>();
  /** Line entries sorted by address. */
  readonly lines: LineInfo[];
  /** Address → the line entry starting there. */
  readonly lineStarts = new Map<number, LineInfo>();

  constructor(
    readonly path: string,
    readonly symbols: DisasmSymbol[],
    lines: LineInfo[] = [],
  ) {
    this.table = new SymbolTable(symbols);
    for (const s of symbols) {
      if (!s.name || s.type === 3 || s.type === 4) continue;
      // A global wins over a local of the same name; otherwise the first one.
      if (!this.byName.has(s.name) || s.bind === 1) this.byName.set(s.name, s.value >>> 0);
    }
    this.lines = lines.filter((l) => l.size > 0).sort((a, b) => a.address - b.address || a.line - b.line);
    for (const l of this.lines) if (!this.lineStarts.has(l.address)) this.lineStarts.set(l.address, l);
  }

  /** The line entry covering addr, or null. */
  lineAt(addr: number): LineInfo | null {
    const a = addr >>> 0;
    const ls = this.lines;
    let lo = 0;
    let hi = ls.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ls[mid].address <= a) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return null;
    const l = ls[found];
    return a < l.address + l.size ? l : null;
  }

  /** The lowest address of `file:line` (file matched by its base name too), or null. */
  lineAddress(file: string, line: number): number | null {
    let best: number | null = null;
    for (const l of this.lines) {
      if (l.line !== line || !sameFile(l.file, file)) continue;
      if (best === null || l.address < best) best = l.address;
    }
    return best;
  }

  /** Source files named by the line table. */
  files(): string[] {
    return [...new Set(this.lines.map((l) => l.file))];
  }
}

function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  return b.includes('/') ? a.endsWith('/' + b) || b.endsWith('/' + a) : base(a) === b;
}

/** Symbols of an ELF's .symtab (empty when it has none or does not parse). */
export function elfSymbols(bytes: Uint8Array): DisasmSymbol[] {
  const r = parseElf(bytes);
  if (!r.ok) return [];
  return r.elf.symbols.map((s) => ({ name: s.name, value: s.value >>> 0, size: s.size, type: s.type, bind: s.bind }));
}

/** Linux's names for the exception vectors (arch/x86/kernel/traps.c), for the stubs. */
const VECTOR_NAMES = [
  'divide_error', 'debug', 'nmi', 'int3', 'overflow', 'bounds', 'invalid_op', 'device_not_available',
  'double_fault', 'coprocessor_segment_overrun', 'invalid_TSS', 'segment_not_present', 'stack_segment',
  'general_protection', 'page_fault', 'spurious_interrupt_bug', 'coprocessor_error', 'alignment_check',
  'machine_check', 'simd_coprocessor_error',
];

/** The kernel's entry code, named from the boot header and the stub table. */
export function kernelImage(k: Kernel): Image {
  const syms: DisasmSymbol[] = [];
  const add = (name: string, value: number) => syms.push({ name, value: value >>> 0, type: 2, bind: 1 });
  add('startup_32', k.entry.startup32Phys + PAGE_OFFSET);
  add('restore_all', k.entry.restoreAll);
  add('idle_loop', k.entry.idleLoop);
  const i32 = k.mmu.i32;
  const table = __pa(k.entry.stubTable);
  const seen = new Set<number>();
  for (let v = 0; v < 256; v++) {
    const stub = i32[(table + v * 4) >>> 2] >>> 0;
    if (stub === 0 || seen.has(stub)) continue;
    seen.add(stub);
    const name =
      v === 0x80 ? 'system_call'
        : v < VECTOR_NAMES.length ? `asm_exc_${VECTOR_NAMES[v]}`
          : v >= 0x20 && v < 0x30 ? `irq${v - 0x20}`
            : `vector_0x${v.toString(16)}`;
    add(name, stub);
  }
  // kcall: the `out KCALL_PORT, al` (2 bytes) just before restore_all, where every
  // entry stub enters the TypeScript kernel.
  add('kcall', k.entry.restoreAll - 2);
  return new Image('[kernel]', syms);
}

export interface SymbolSources {
  /** The program's guest path (argv[0] resolved as the kernel runs it). */
  programPath: string;
  programElf: Uint8Array | null;
  /** Symbols of the program (the assembler's); default: its ELF .symtab. */
  symbols?: DisasmSymbol[];
  lines?: LineEntry[] | LineInfo[];
  /** Files of the in-memory filesystem (for images other than the program). */
  files?: Map<string, Uint8Array>;
}

/** Which image a (task, address) belongs to, and lookups across images. */
export class Symbolizer {
  readonly program: Image;
  readonly init: Image;
  private kernel: Image | null = null;
  private kernelFor: Kernel | null = null;
  private readonly others = new Map<string, Image | null>();

  constructor(private readonly src: SymbolSources) {
    const syms = src.symbols ?? (src.programElf ? elfSymbols(src.programElf) : []);
    // The assembler's line table, or else the ELF's DWARF .debug_line (dwarf.ts).
    const given = src.lines ?? (src.programElf ? readElfLines(src.programElf) : []);
    const lines = given.map((l) => ({ file: l.file, line: l.line, address: l.address >>> 0, size: l.size }));
    this.program = new Image(src.programPath, syms, lines);
    this.init = new Image(INIT_PATH, elfSymbols(INIT_ELF));
  }

  kernelImage(k: Kernel): Image {
    if (this.kernel === null || this.kernelFor !== k) {
      this.kernel = kernelImage(k);
      this.kernelFor = k;
    }
    return this.kernel;
  }

  /** The image named by a guest path (the program, init, or another ELF file). */
  imageByPath(path: string): Image | null {
    if (!path.startsWith('/')) path = posix.resolve('/', path); // exec's path, relative to cwd "/"
    if (path === this.src.programPath) return this.program;
    if (path === INIT_PATH) return this.init;
    if (this.others.has(path)) return this.others.get(path)!;
    const bytes = this.src.files?.get(path);
    const img = bytes ? new Image(path, elfSymbols(bytes)) : null;
    this.others.set(path, img);
    return img;
  }

  /** The image for addr as task t sees it. */
  imageFor(k: Kernel, t: Task | null, addr: number): Image | null {
    const a = addr >>> 0;
    if (a >= PAGE_OFFSET) return this.kernelImage(k);
    const mm = t?.mm ?? null;
    if (mm === null) return this.program;
    const v = mm.findVma(a);
    if (v !== null && v.start <= a && v.name !== '' && !v.name.startsWith('[')) {
      const img = this.imageByPath(v.name);
      if (img) return img;
    }
    const code = mm.findVma(mm.start_code);
    if (code !== null && code.name !== '' && !code.name.startsWith('[')) return this.imageByPath(code.name);
    return this.program;
  }

  /** `<sym+0x4>` for addr in t, or '' when no symbol covers it. */
  symbolize(k: Kernel, t: Task | null, addr: number): string {
    const r = this.lookup(k, t, addr);
    if (!r) return '';
    return `<${r.name}${r.offset ? '+' + r.offset : ''}>`;
  }

  lookup(k: Kernel, t: Task | null, addr: number): { name: string; offset: number; image: Image } | null {
    const img = this.imageFor(k, t, addr);
    if (!img) return null;
    const r = img.table.lookup(addr);
    if (!r) return null;
    // Past the symbol's known size by more than a page: not really inside it.
    if (r.offset > 0x10000) return null;
    return { name: r.symbol.name, offset: r.offset, image: img };
  }

  /** A symbol's address: the program's first, then the kernel's, then init's. */
  resolve(k: Kernel, name: string): number | null {
    for (const img of [this.program, this.kernelImage(k), this.init]) {
      const v = img.byName.get(name);
      if (v !== undefined) return v;
    }
    return null;
  }

  /** Every symbol name (tab completion). */
  names(k: Kernel): string[] {
    const out = new Set<string>();
    for (const img of [this.program, this.kernelImage(k)]) for (const n of img.byName.keys()) out.add(n);
    return [...out].sort();
  }

  /** The source line of addr in t (line tables exist for the program only). */
  lineAt(k: Kernel, t: Task | null, addr: number): LineInfo | null {
    const img = this.imageFor(k, t, addr);
    return img ? img.lineAt(addr) : null;
  }
}
