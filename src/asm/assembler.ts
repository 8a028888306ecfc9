// The assembler driver: preprocess, parse, then assemble in passes until every label and
// every section size is stable (NASM's multi-pass -Ox optimization: jumps start long and
// shrink when their targets turn out to be near, immediates and displacements shrink when
// forward-referenced constants turn out to be small), then a final pass that emits bytes
// at the addresses `ld -m elf_i386` would give, reports every error, and records the
// line table. The ELF file is written by elf-writer.ts.

import { AsmError, type Diagnostic, type SourceLoc } from './diagnostics.js';
import { evaluate, type EvalContext, type Expr, type Value } from './expr.js';
import { encodeInstruction, type EncodeEnv } from './encoder.js';
import { Parser, type Stmt } from './parser.js';
import { Preprocessor, type PLine, type ReadFile } from './preprocess.js';
import { layoutSections, SECTION_NAMES, SECTION_DEFAULT_ALIGN, type Layout } from './layout.js';
import { writeElf } from './elf-writer.js';

export interface AsmSymbol {
  name: string;
  /** Absolute address (labels) or value (absolute equ). */
  value: number;
  /** '.text' | '.rodata' | '.data' | '.bss', or null for an absolute value. */
  section: string | null;
  global: boolean;
  /** Bytes up to the next label of the same section (for the debugger); 0 when unknown. */
  size: number;
}

export interface LineEntry {
  file: string;
  line: number;
  section: string;
  address: number;
  size: number;
}

export interface SectionOut {
  name: string;
  address: number;
  /** Contents (empty for .bss). */
  data: Uint8Array;
  size: number;
  align: number;
}

export interface AssembleResult {
  ok: boolean;
  elf?: Uint8Array;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  symbols: AsmSymbol[];
  lines: LineEntry[];
  sections: SectionOut[];
  entry?: number;
}

export interface AssembleOptions {
  /** Write a .debug_line table (default true). */
  debugLines?: boolean;
}

const MAX_PASSES = 40;

interface ParsedLine {
  line: PLine;
  stmts: Stmt[];
}

interface SectState {
  align: number;
  size: number;
  bytes: number[];
}

class PassState {
  values = new Map<string, Value>();
  defined = new Map<string, SourceLoc>();
  sects: SectState[] = SECTION_NAMES.map((_, i) => ({ align: SECTION_DEFAULT_ALIGN[i], size: 0, bytes: [] }));
  used: boolean[] = SECTION_NAMES.map(() => false);
  cur = 0;
  /** Inside `struc … endstruc`: labels are absolute offsets from 0. */
  struc: { name: string; size: number } | null = null;
  /** Inside `istruc … iend`: where the instance starts. */
  istruc: { name: string; start: number; col: number } | null = null;
}

/** Assemble NASM-syntax source into an ELF32 i386 executable. Never throws for bad input. */
export function assemble(source: string, fileName: string, readFile?: ReadFile, options: AssembleOptions = {}): AssembleResult {
  const diags: Diagnostic[] = [];
  const result = (extra: Partial<AssembleResult>): AssembleResult => {
    // Report in source order: files in the order they were first mentioned, then line, column.
    const fileOrder = new Map<string, number>();
    for (const d of diags) if (!fileOrder.has(d.loc.file)) fileOrder.set(d.loc.file, fileOrder.size);
    const order = (a: Diagnostic, b: Diagnostic) =>
      fileOrder.get(a.loc.file)! - fileOrder.get(b.loc.file)! || a.loc.line - b.loc.line || a.loc.col - b.loc.col;
    const errors = diags.filter((d) => d.severity === 'error').sort(order);
    const warnings = diags.filter((d) => d.severity === 'warning').sort(order);
    return { ok: errors.length === 0 && !!extra.elf, errors, warnings, symbols: [], lines: [], sections: [], ...extra };
  };
  try {
    return new Assembler(diags, options).run(source, fileName, readFile, result);
  } catch (e) {
    // A bug of ours must not become a host stack trace for the user.
    const msg = e instanceof Error ? e.message : String(e);
    diags.push({ severity: 'error', message: `internal assembler error: ${msg}`, loc: { file: fileName, line: 1, col: 1, text: '' } });
    return result({});
  }
}

class Assembler {
  private lines: ParsedLine[] = [];
  private globals = new Map<string, SourceLoc>();
  private externs = new Map<string, SourceLoc>();
  private prev: Map<string, Value> | null = null;
  private layout!: Layout;
  private st!: PassState;
  private final = false;
  private lineTable: Array<{ file: string; line: number; sect: number; off: number; size: number }> = [];
  private reported = new Set<string>();

  constructor(
    private readonly diags: Diagnostic[],
    private readonly options: AssembleOptions,
  ) {}

  run(source: string, fileName: string, readFile: ReadFile | undefined, result: (x: Partial<AssembleResult>) => AssembleResult): AssembleResult {
    const pp = new Preprocessor(readFile, this.diags);
    const plines = pp.run(source, fileName);
    const parser = new Parser();
    for (const line of plines) {
      try {
        this.lines.push({ line, stmts: parser.parseLine(line) });
        for (const w of parser.warnings) this.diags.push({ severity: 'warning', message: w.message, loc: this.loc(line, w.col) });
      } catch (e) {
        if (!(e instanceof AsmError)) throw e;
        this.error(line, e.message, e.col);
      }
    }
    for (const { stmts } of this.lines) {
      for (const s of stmts) {
        if (s.k === 'global') for (const n of s.names) this.globals.set(n.name, this.loc(undefined, n.col));
        if (s.k === 'extern') for (const n of s.names) this.externs.set(n.name, this.loc(undefined, n.col));
      }
    }

    // Passes to a fixed point.
    this.layout = layoutSections(SECTION_NAMES.map(() => ({ size: 0, align: 1, used: false })));
    let converged = false;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      this.runPass(false);
      const values = this.st.values;
      const newLayout = layoutSections(this.st.sects.map((s, i) => ({ size: s.size, align: s.align, used: this.st.used[i] })));
      const stable = this.prev !== null && sameValues(this.prev, values) && sameLayout(this.layout, newLayout);
      this.prev = values;
      this.layout = newLayout;
      if (stable) {
        converged = true;
        break;
      }
    }
    if (!converged) this.diags.push({ severity: 'error', message: `label values did not settle after ${MAX_PASSES} passes (oscillating jump sizes or alignment)`, loc: { file: fileName, line: 1, col: 1, text: source.split('\n')[0] ?? '' } });
    this.final = true;
    this.runPass(true);

    // Globals and externs must be defined.
    for (const [name, loc] of this.globals) if (!this.st.values.has(name)) this.diagAt(loc, `global symbol '${name}' is not defined`);
    const entry = this.st.values.get('_start');
    if (!entry) {
      this.diags.push({ severity: 'error', message: "no '_start' label: the program has no entry point", loc: { file: fileName, line: 1, col: 1, text: source.split('\n')[0] ?? '' } });
    }
    const sections: SectionOut[] = SECTION_NAMES.map((name, i) => ({
      name,
      address: this.layout.addr[i],
      data: Uint8Array.from(i === 3 ? [] : this.st.sects[i].bytes),
      size: this.layout.size[i],
      align: this.st.sects[i].align,
    })).filter((_, i) => this.st.used[i] || this.st.sects[i].size > 0);
    const symbols = this.symbolList();
    const lines: LineEntry[] = this.lineTable.map((l) => ({ file: l.file, line: l.line, section: SECTION_NAMES[l.sect], address: this.layout.addr[l.sect] + l.off, size: l.size }));
    if (this.diags.some((d) => d.severity === 'error') || !entry) return result({ symbols, lines, sections });
    const entryAddr = Number(this.address(entry));
    const elf = writeElf({
      sections,
      layout: this.layout,
      entry: entryAddr,
      symbols,
      lines: this.options.debugLines === false ? [] : lines,
      sourceName: fileName,
    });
    return result({ elf, symbols, lines, sections, entry: entryAddr });
  }

  private symbolList(): AsmSymbol[] {
    const syms: AsmSymbol[] = [];
    for (const [name, v] of this.st.values) {
      if (name.startsWith('..@')) continue;
      syms.push({
        name,
        value: Number(BigInt.asUintN(32, this.address(v))),
        section: v.sect >= 0 ? SECTION_NAMES[v.sect] : null,
        global: this.globals.has(name),
        size: 0,
      });
    }
    // Sizes: distance to the next label of the same section (or the section end).
    const bySect = new Map<string, AsmSymbol[]>();
    for (const s of syms) if (s.section) (bySect.get(s.section) ?? bySect.set(s.section, []).get(s.section)!).push(s);
    for (const [sect, list] of bySect) {
      list.sort((a, b) => a.value - b.value);
      const i = SECTION_NAMES.indexOf(sect);
      const end = this.layout.addr[i] + this.st.sects[i].size;
      for (let k = 0; k < list.length; k++) {
        let next = end;
        for (let j = k + 1; j < list.length; j++) if (list[j].value > list[k].value) {
          next = list[j].value;
          break;
        }
        list[k].size = next - list[k].value;
      }
    }
    return syms;
  }

  private address(v: Value): bigint {
    return v.sect >= 0 ? BigInt(this.layout.addr[v.sect]) + v.n : v.n;
  }

  // ------------------------------------------------------------------ one pass

  private curLine!: PLine;

  private runPass(final: boolean): void {
    this.final = final;
    this.st = new PassState();
    this.lineTable = [];
    for (const pl of this.lines) {
      this.curLine = pl.line;
      for (const s of pl.stmts) {
        try {
          this.exec(s);
        } catch (e) {
          if (!(e instanceof AsmError)) throw e;
          if (final) this.error(pl.line, e.message, e.col);
        }
      }
    }
  }

  private here(): Value {
    if (this.st.struc) return { sect: -1, n: BigInt(this.st.struc.size) };
    return { sect: this.st.cur, n: BigInt(this.st.sects[this.st.cur].size) };
  }

  private ctx(): EvalContext & { lookup(name: string, col: number): Value | null } {
    return {
      lookup: (name, col) => {
        const v = this.st.values.get(name) ?? this.prev?.get(name);
        if (v) return v;
        if (!this.final) return null;
        if (this.externs.has(name)) throw new AsmError(`undefined reference to '${name}' (declared extern; forkbox links a single file)`, col);
        throw new AsmError(`symbol '${name}' is not defined`, col);
      },
      here: () => this.here(),
      base: () => ({ sect: this.st.cur, n: 0n }),
    };
  }

  private eval(e: Expr): Value | null {
    return evaluate(e, this.ctx());
  }

  /** A value that must be a known absolute number (times, res, align). */
  private critical(e: Expr, what: string): bigint | null {
    const v = this.eval(e);
    if (!v) {
      if (this.final) throw new AsmError(`${what} must be known in the first pass`, e.col);
      return null;
    }
    if (v.sect >= 0) throw new AsmError(`${what} must be an absolute number, not an address`, e.col);
    return v.n;
  }

  private emit(bytes: number[] | number): void {
    if (this.st.struc) {
      if (typeof bytes !== 'number') throw new AsmError('only res* and labels are allowed inside struc', 1);
      this.st.struc.size += bytes;
      return;
    }
    const s = this.st.sects[this.st.cur];
    this.st.used[this.st.cur] = true;
    const start = s.size;
    if (typeof bytes === 'number') {
      if (this.st.cur !== 3 && this.final) for (let i = 0; i < bytes; i++) s.bytes.push(0);
      s.size += bytes;
    } else {
      if (this.st.cur === 3) {
        if (bytes.length && this.final) this.warn(this.curLine, 'initialized data or code in .bss is ignored (space is reserved)');
      } else if (this.final) for (const b of bytes) s.bytes.push(b);
      s.size += bytes.length;
    }
    const size = s.size - start;
    if (this.final && size > 0) {
      const last = this.lineTable[this.lineTable.length - 1];
      const { file, line } = this.curLine.src;
      if (last && last.file === file && last.line === line && last.sect === this.st.cur && last.off + last.size === start) last.size += size;
      else this.lineTable.push({ file, line, sect: this.st.cur, off: start, size });
    }
  }

  private exec(s: Stmt): void {
    const st = this.st;
    switch (s.k) {
      case 'label': {
        if (st.values.has(s.name)) {
          const first = st.defined.get(s.name)!;
          throw new AsmError(`label '${s.name}' is already defined (at ${first.file}:${first.line})`, s.col);
        }
        st.values.set(s.name, this.here());
        st.defined.set(s.name, this.loc(this.curLine, s.col));
        st.used[st.cur] = true;
        return;
      }
      case 'equ': {
        if (st.values.has(s.name)) {
          const first = st.defined.get(s.name)!;
          throw new AsmError(`symbol '${s.name}' is already defined (at ${first.file}:${first.line})`, s.col);
        }
        const v = this.eval(s.e);
        st.defined.set(s.name, this.loc(this.curLine, s.col));
        if (v) st.values.set(s.name, v);
        return;
      }
      case 'section': {
        const i = SECTION_NAMES.indexOf(s.name);
        if (i < 0) throw new AsmError(`section '${s.name}' is not supported (use .text, .rodata, .data or .bss)`, s.col);
        st.cur = i;
        st.used[i] = true;
        if (s.align) st.sects[i].align = Math.max(st.sects[i].align, s.align);
        return;
      }
      case 'global':
      case 'extern':
        return;
      case 'struc':
        if (st.struc) throw new AsmError('struc inside struc', s.col);
        st.struc = { name: s.name, size: 0 };
        this.exec({ k: 'label', name: s.name, col: s.col });
        return;
      case 'endstruc': {
        if (!st.struc) throw new AsmError('endstruc without struc', s.col);
        const size = st.struc.size;
        const name = st.struc.name + '_size';
        st.struc = null;
        if (st.values.has(name)) throw new AsmError(`symbol '${name}' is already defined`, s.col);
        st.values.set(name, { sect: -1, n: BigInt(size) });
        st.defined.set(name, this.loc(this.curLine, s.col));
        return;
      }
      case 'istruc':
        if (st.istruc) throw new AsmError('istruc inside istruc', s.col);
        st.istruc = { name: s.name, start: st.sects[st.cur].size, col: s.col };
        return;
      case 'at': {
        if (!st.istruc) throw new AsmError('at outside istruc', s.col);
        const off = this.critical(s.field, 'the field offset of at');
        if (off === null) return;
        const pad = Number(off) - (st.sects[st.cur].size - st.istruc.start);
        if (pad < 0) throw new AsmError('at: this field overlaps the data before it', s.field.col);
        this.emit(new Array(pad).fill(0));
        if (s.body) this.exec(s.body);
        return;
      }
      case 'iend': {
        if (!st.istruc) throw new AsmError('iend without istruc', s.col);
        const ist = st.istruc;
        st.istruc = null;
        const size = this.eval({ k: 'sym', name: ist.name + '_size', col: ist.col });
        if (!size) return;
        const pad = Number(size.n) - (st.sects[st.cur].size - ist.start);
        if (pad < 0) throw new AsmError(`the instance is larger than ${ist.name}_size`, s.col);
        this.emit(new Array(pad).fill(0));
        return;
      }
      case 'instr': {
        const env: EncodeEnv = {
          eval: (e) => this.eval(e),
          address: (v) => this.address(v),
          here: this.here(),
          final: this.final,
        };
        this.emit(encodeInstruction(s.ins, env));
        return;
      }
      case 'data':
        this.emit(this.dataBytes(s));
        return;
      case 'res': {
        const n = this.critical(s.count, 'the count of ' + ['', 'resb', 'resw', '', 'resd', '', '', '', 'resq'][s.width]);
        if (n === null) return;
        if (n < 0n) throw new AsmError(`negative reserve count ${n}`, s.count.col);
        if (st.cur !== 3 && !st.struc && this.final) this.warn(this.curLine, `uninitialized space declared in ${SECTION_NAMES[st.cur]}: zeroing`);
        this.emit(Number(n) * s.width);
        return;
      }
      case 'times': {
        const n = this.critical(s.count, 'the TIMES count');
        if (n === null) return;
        if (n < 0n) throw new AsmError(`TIMES value ${n} is negative`, s.count.col);
        if (n > 16n * 1024n * 1024n) throw new AsmError(`TIMES value ${n} is too large`, s.count.col);
        for (let k = 0n; k < n; k++) this.exec(s.body);
        return;
      }
      case 'align': {
        const n = this.critical(s.n, 'the alignment');
        if (n === null) return;
        if (n <= 0n || (n & (n - 1n)) !== 0n) throw new AsmError(`alignment ${n} is not a power of two`, s.n.col);
        const sect = st.sects[st.cur];
        sect.align = Math.max(sect.align, Number(n)); // NASM's align and alignb do sectalign
        const pad = Number((n - (BigInt(sect.size) % n)) % n);
        if (s.bss || (st.cur === 3 && !s.fill)) {
          this.emit(pad);
          return;
        }
        if (s.fill) {
          for (let k = 0; k < pad; k++) this.exec(s.fill);
        } else this.emit(new Array(pad).fill(0x90));
        return;
      }
    }
  }

  private dataBytes(s: Extract<Stmt, { k: 'data' }>): number[] {
    const out: number[] = [];
    for (const it of s.items) {
      if (it.k === 'str') {
        out.push(...it.bytes);
        const rem = it.bytes.length % s.width;
        if (rem) for (let k = rem; k < s.width; k++) out.push(0);
        continue;
      }
      if (it.k === 'float') {
        if (s.width === 4) {
          const b = new DataView(new ArrayBuffer(4));
          b.setFloat32(0, it.f, true);
          for (let k = 0; k < 4; k++) out.push(b.getUint8(k));
        } else if (s.width === 8) {
          const b = new DataView(new ArrayBuffer(8));
          b.setFloat64(0, it.f, true);
          for (let k = 0; k < 8; k++) out.push(b.getUint8(k));
        } else throw new AsmError(`floating-point constant in ${s.width === 1 ? 'db' : 'dw'}`, it.col);
        continue;
      }
      const v = this.eval(it.e);
      let a = 0n;
      if (v) {
        a = this.address(v);
        if (this.final && s.width < 8) {
          const bits = BigInt(s.width * 8);
          if (a < -(1n << bits) || a >= 1n << bits) throw new AsmError(`value ${a} does not fit in ${s.width === 1 ? 'a byte' : s.width === 2 ? 'a word' : 'a dword'}`, it.e.col);
        }
      }
      let x = BigInt.asUintN(s.width * 8, a);
      for (let k = 0; k < s.width; k++) {
        out.push(Number(x & 0xffn));
        x >>= 8n;
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ diagnostics

  private loc(line: PLine | undefined, col?: number): SourceLoc {
    const l = line ?? this.curLine;
    if (!l) return { file: '', line: 0, col: 1, text: '' };
    const c = l.macro ? (l.toks[0]?.col ?? 1) : (col ?? 1);
    return { file: l.src.file, line: l.src.line, col: c, text: l.src.text };
  }

  private error(line: PLine, message: string, col?: number): void {
    const loc = this.loc(line, col);
    const msg = line.macro ? `${message} (in macro '${line.macro}')` : message;
    const key = `${loc.file}:${loc.line}:${loc.col}:${msg}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.diags.push({ severity: 'error', message: msg, loc });
  }

  private warn(line: PLine, message: string): void {
    const loc = this.loc(line, line.toks[0]?.col ?? 1);
    const key = `W${loc.file}:${loc.line}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.diags.push({ severity: 'warning', message, loc });
  }

  private diagAt(loc: SourceLoc, message: string): void {
    this.diags.push({ severity: 'error', message, loc });
  }
}

function sameValues(a: Map<string, Value>, b: Map<string, Value>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.n !== v.n || w.sect !== v.sect) return false;
  }
  return true;
}

function sameLayout(a: Layout, b: Layout): boolean {
  return a.addr.every((x, i) => x === b.addr[i]) && a.size.every((x, i) => x === b.size[i]);
}
