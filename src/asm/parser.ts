// The parser: preprocessed token lines → statements.
//
// A line is `[label[:]] [prefixes] instruction operands` or `[label[:]] directive …`.
// A label without a colon is accepted when the first word is not a keyword (NASM's
// `msg db "hi"`). Local labels (`.loop`) are qualified with the previous non-local label
// (NASM's rule; `..@` macro-local labels do not start a scope), both where they are
// defined and where they are used.

import { AsmError } from './diagnostics.js';
import { Cursor, parseExpr, type Expr } from './expr.js';
import type { Token } from './lexer.js';
import { isMnemonic, PREFIXES } from './mnemonics.js';
import { parseOperand, REGISTERS, SIZE_KEYWORDS, type Operand } from './operands.js';
import type { InstrStmt } from './encoder.js';
import type { PLine } from './preprocess.js';

export type DataItem = { k: 'expr'; e: Expr } | { k: 'str'; bytes: number[] } | { k: 'float'; f: number; col: number };

export type Stmt =
  | { k: 'label'; name: string; col: number }
  | { k: 'instr'; ins: InstrStmt }
  | { k: 'data'; width: number; items: DataItem[] }
  | { k: 'res'; width: number; count: Expr }
  | { k: 'times'; count: Expr; body: Stmt }
  | { k: 'align'; n: Expr; fill: Stmt | null; bss: boolean }
  | { k: 'equ'; name: string; e: Expr; col: number }
  | { k: 'section'; name: string; align?: number; col: number }
  | { k: 'global'; names: Array<{ name: string; col: number }> }
  | { k: 'extern'; names: Array<{ name: string; col: number }> }
  | { k: 'struc'; name: string; col: number }
  | { k: 'endstruc'; col: number }
  | { k: 'istruc'; name: string; col: number }
  | { k: 'at'; field: Expr; body: Stmt | null; col: number }
  | { k: 'iend'; col: number };

export interface ParsedLine {
  line: PLine;
  stmts: Stmt[];
}

const DATA: Record<string, number> = { db: 1, dw: 2, dd: 4, dq: 8, dt: 10, ddq: 16, do: 16 };
const RES: Record<string, number> = { resb: 1, resw: 2, resd: 4, resq: 8, rest: 10, resdq: 16, reso: 16 };
const DIRECTIVES = new Set([
  'equ', 'times', 'section', 'segment', 'global', 'extern', 'common', 'bits', 'use32', 'use16', 'align', 'alignb',
  'default', 'cpu', 'org', 'incbin', 'absolute', 'struc', 'endstruc', 'istruc', 'at', 'iend', 'sectalign', 'static',
]);

export function isKeyword(word: string): boolean {
  const w = word.toLowerCase();
  return w in DATA || w in RES || DIRECTIVES.has(w) || w in PREFIXES || isMnemonic(w) || w in SIZE_KEYWORDS;
}

export class Parser {
  /** The last non-local label, the scope of `.local` labels. */
  private scope = '';
  /** Warnings of the last parseLine call (the caller attaches the location). */
  warnings: Array<{ message: string; col: number }> = [];

  parseLine(line: PLine): Stmt[] {
    this.warnings = [];
    const toks = line.toks;
    const out: Stmt[] = [];
    let i = 0;
    // [section .text] bracket form
    if (toks[0]?.t === 'op' && toks[0].v === '[' && toks[toks.length - 1].t === 'op' && toks[toks.length - 1].v === ']') {
      return this.parseLine({ ...line, toks: toks.slice(1, -1) });
    }
    const t0 = toks[0];
    if (t0 && t0.t === 'id') {
      const colon = toks[1]?.t === 'op' && toks[1].v === ':';
      if (colon || (!isKeyword(t0.v) && !REGISTERS.has(t0.v.toLowerCase()))) {
        const name = this.labelName(t0.v, t0.col);
        const next = toks[colon ? 2 : 1];
        if (next && next.t === 'id' && next.v.toLowerCase() === 'equ') {
          const c = new Cursor(toks.slice(colon ? 3 : 2), lineEnd(line));
          if (c.atEnd()) throw new AsmError('equ needs a value', next.col);
          const e = this.qualify(parseExpr(c));
          expectEnd(c);
          return [{ k: 'equ', name, e, col: t0.col }];
        }
        if (!colon && next && !(next.t === 'id' && isKeyword(next.v))) {
          throw new AsmError(`unknown instruction or directive '${t0.v}'`, t0.col);
        }
        this.define(t0.v, name);
        out.push({ k: 'label', name, col: t0.col });
        if (!colon && !next) this.warnings.push({ message: `label '${t0.v}' alone on a line without a colon might be in error`, col: t0.col });
        i = colon ? 2 : 1;
      }
    }
    if (i >= toks.length) return out;
    out.push(...this.parseStatement(toks.slice(i), line));
    return out;
  }

  private labelName(raw: string, col: number): string {
    const name = raw.startsWith('$') ? raw.slice(1) : raw;
    if (name.startsWith('.') && !name.startsWith('..')) {
      if (!this.scope) return name; // NASM allows it, qualified with nothing
      return this.scope + name;
    }
    void col;
    return name;
  }

  /** A non-local label (not `.x`, not `..@x`) starts a new scope for local labels. */
  private define(raw: string, name: string): void {
    const r = raw.startsWith('$') ? raw.slice(1) : raw;
    if (!r.startsWith('.')) this.scope = name;
  }

  /** Rewrite local-label references `.x` into `scope.x`. */
  qualify(e: Expr): Expr {
    switch (e.k) {
      case 'sym':
        if (e.name.startsWith('.') && !e.name.startsWith('..') && this.scope) return { ...e, name: this.scope + e.name };
        return e;
      case 'un':
        return { ...e, a: this.qualify(e.a) };
      case 'bin':
        return { ...e, a: this.qualify(e.a), b: this.qualify(e.b) };
      default:
        return e;
    }
  }

  private qualifyOperand(o: Operand): Operand {
    switch (o.k) {
      case 'imm':
        return { ...o, e: this.qualify(o.e) };
      case 'far':
        return { ...o, seg: this.qualify(o.seg), off: this.qualify(o.off) };
      case 'mem':
        return o.disp ? { ...o, disp: this.qualify(o.disp) } : o;
      default:
        return o;
    }
  }

  private parseStatement(toks: Token[], line: PLine): Stmt[] {
    const end = lineEnd(line);
    const c = new Cursor(toks, end);
    const first = c.peek()!;
    if (first.t !== 'id') throw new AsmError(`expected an instruction or directive, found '${first.v}'`, first.col);
    const w = first.v.toLowerCase();

    if (w in DATA) {
      c.next();
      const width = DATA[w];
      if (width > 8) throw new AsmError(`'${w}' is not supported`, first.col);
      const items: DataItem[] = [];
      if (c.atEnd()) throw new AsmError(`${w} needs at least one value`, first.col);
      for (;;) {
        const t = c.peek();
        if (!t) throw new AsmError('expected a value after \',\'', end);
        const after = c.peek(1);
        const alone = !after || (after.t === 'op' && after.v === ',');
        if (t.t === 'str' && alone) {
          c.next();
          items.push({ k: 'str', bytes: t.bytes! });
        } else if (t.t === 'float' && alone) {
          c.next();
          items.push({ k: 'float', f: t.f!, col: t.col });
        } else if (t.t === 'op' && t.v === '-' && after?.t === 'float') {
          c.next();
          c.next();
          items.push({ k: 'float', f: -after.f!, col: t.col });
        } else if (t.t === 'id' && t.v === '?' && alone) {
          c.next();
          items.push({ k: 'expr', e: { k: 'num', n: 0n, col: t.col } });
        } else items.push({ k: 'expr', e: this.qualify(parseExpr(c)) });
        if (!c.eatOp(',')) break;
      }
      expectEnd(c);
      return [{ k: 'data', width, items }];
    }
    if (w in RES) {
      c.next();
      const count = this.qualify(parseExpr(c));
      expectEnd(c);
      return [{ k: 'res', width: RES[w], count }];
    }
    switch (w) {
      case 'times': {
        c.next();
        const count = this.qualify(parseExpr(c));
        if (c.atEnd()) throw new AsmError('times needs an instruction or data to repeat', end);
        const body = this.parseStatement(toks.slice(c.i), line);
        if (body.length !== 1) throw new AsmError('times needs exactly one instruction or data directive', first.col);
        return [{ k: 'times', count, body: body[0] }];
      }
      case 'align':
      case 'alignb': {
        c.next();
        const n = this.qualify(parseExpr(c));
        let fill: Stmt | null = null;
        if (c.eatOp(',')) {
          const rest = toks.slice(c.i);
          if (!rest.length) throw new AsmError('expected an instruction or data after \',\'', end);
          const body = this.parseStatement(rest, line);
          fill = body[0];
        } else expectEnd(c);
        return [{ k: 'align', n, fill, bss: w === 'alignb' }];
      }
      case 'section':
      case 'segment': {
        c.next();
        const nt = c.next();
        if (!nt || nt.t !== 'id') throw new AsmError('section needs a name', nt?.col ?? end);
        let align: number | undefined;
        while (!c.atEnd()) {
          const a = c.next()!;
          if (a.t === 'id' && a.v.toLowerCase() === 'align' && c.eatOp('=')) {
            const v = c.next();
            if (!v || v.t !== 'num') throw new AsmError('align= needs a number', a.col);
            align = Number(v.n);
            if (align & (align - 1)) throw new AsmError('section alignment must be a power of two', v.col);
          }
          // other attributes (progbits, alloc, exec, write …) are accepted and ignored:
          // the four standard sections have fixed attributes.
        }
        return [{ k: 'section', name: nt.v, align, col: nt.col }];
      }
      case 'global':
      case 'extern':
      case 'static':
      case 'common': {
        c.next();
        const names: Array<{ name: string; col: number }> = [];
        while (!c.atEnd()) {
          const nt = c.next()!;
          if (nt.t !== 'id') throw new AsmError(`${w} expects symbol names`, nt.col);
          names.push({ name: this.labelName(nt.v, nt.col), col: nt.col });
          // `global f:function` and sizes: skip up to the next comma
          while (!c.atEnd() && !c.isOp(',')) c.next();
          c.eatOp(',');
        }
        if (!names.length) throw new AsmError(`${w} expects symbol names`, first.col);
        if (w === 'common') throw new AsmError("'common' is not supported in an executable", first.col);
        return [{ k: w === 'extern' ? 'extern' : 'global', names }];
      }
      case 'bits': {
        c.next();
        const nt = c.next();
        if (!nt || nt.t !== 'num') throw new AsmError('bits needs 16, 32 or 64', nt?.col ?? end);
        if (nt.n !== 32n) throw new AsmError(`bits ${nt.n} is not supported (only 32-bit code)`, nt.col);
        return [];
      }
      case 'use32':
        return [];
      case 'use16':
        throw new AsmError('16-bit code is not supported', first.col);
      case 'default':
      case 'cpu':
      case 'sectalign':
        return [];
      case 'org':
        throw new AsmError("'org' is not supported in ELF output (sections are placed like ld does)", first.col);
      case 'equ':
        throw new AsmError('equ needs a label', first.col);
      case 'struc': {
        // NASM's struc: field labels `.x` become NAME.x with offsets from 0; NAME_size.
        c.next();
        const nt = c.next();
        if (!nt || nt.t !== 'id') throw new AsmError('struc needs a name', nt?.col ?? end);
        expectEnd(c);
        const name = this.labelName(nt.v, nt.col);
        this.define(nt.v, name);
        return [{ k: 'struc', name, col: nt.col }];
      }
      case 'endstruc':
      case 'iend':
        c.next();
        expectEnd(c);
        return [{ k: w, col: first.col }];
      case 'istruc': {
        c.next();
        const nt = c.next();
        if (!nt || nt.t !== 'id') throw new AsmError('istruc needs a structure name', nt?.col ?? end);
        expectEnd(c);
        return [{ k: 'istruc', name: this.labelName(nt.v, nt.col), col: nt.col }];
      }
      case 'at': {
        c.next();
        const field = this.qualify(parseExpr(c));
        let body: Stmt | null = null;
        if (c.eatOp(',')) {
          const rest = toks.slice(c.i);
          if (rest.length) body = this.parseStatement(rest, line)[0] ?? null;
        } else expectEnd(c);
        return [{ k: 'at', field, body, col: first.col }];
      }
      case 'incbin':
      case 'absolute':
        throw new AsmError(`'${w}' is not supported`, first.col);
      default:
        break;
    }

    // Prefixes, then the instruction.
    const prefixes: number[] = [];
    while (!c.atEnd()) {
      const t = c.peek()!;
      const lw = t.t === 'id' ? t.v.toLowerCase() : '';
      if (lw in PREFIXES && !(c.isOp(':', 1))) {
        c.next();
        if (PREFIXES[lw] >= 0) prefixes.push(PREFIXES[lw]);
        continue;
      }
      break;
    }
    const mt = c.next();
    if (!mt) {
      // A prefix alone on a line: emit it as a byte.
      return [{ k: 'data', width: 1, items: prefixes.map((p) => ({ k: 'expr', e: { k: 'num', n: BigInt(p), col: first.col } })) }];
    }
    if (mt.t !== 'id') throw new AsmError(`expected an instruction, found '${mt.v}'`, mt.col);
    if (!isMnemonic(mt.v)) {
      if (mt.v.toLowerCase() in DATA || mt.v.toLowerCase() in RES) throw new AsmError(`a prefix cannot be applied to '${mt.v}'`, mt.col);
      throw new AsmError(`unknown instruction '${mt.v}'`, mt.col);
    }
    const operands: Operand[] = [];
    if (!c.atEnd()) {
      for (;;) {
        operands.push(this.qualifyOperand(parseOperand(c)));
        if (c.eatOp(',')) continue;
        if (!c.atEnd()) throw new AsmError(`unexpected '${c.peek()!.v}' after operand`, c.col());
        break;
      }
    }
    return [{ k: 'instr', ins: { mnemonic: mt.v, mnemonicCol: mt.col, prefixes, operands } }];
  }
}

function lineEnd(line: PLine): number {
  return line.src.text.length + 1;
}

function expectEnd(c: Cursor): void {
  if (!c.atEnd()) throw new AsmError(`unexpected '${c.peek()!.v}'`, c.col());
}
