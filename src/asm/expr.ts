// Expressions: parsing (NASM precedence) and evaluation to absolute or relocatable values.
//
// Precedence, lowest first (NASM manual §3.5): `||`, `^^`, `&&`, comparisons
// (= == != <> < <= > >= <=>), `|`, `^`, `&`, shifts (<< >> <<< >>>), `+ -`,
// `* / // % %%`, unary (- + ~ !). `/` and `%` are unsigned, `//` and `%%` signed.
//
// A value is absolute (a number) or relocatable: an offset from the start of a section.
// NASM's rules for an object file apply, so that what assembles here assembles with NASM:
// reloc ± absolute is relocatable, reloc − reloc of one section is absolute, anything else
// applied to a relocatable value is an error. Values are 64-bit (BigInt), wrapped like
// NASM's int64_t arithmetic.

import { AsmError } from './diagnostics.js';
import type { Token } from './lexer.js';

export type Expr =
  | { k: 'num'; n: bigint; col: number }
  | { k: 'sym'; name: string; col: number }
  | { k: 'here'; col: number }
  | { k: 'base'; col: number }
  | { k: 'reg'; name: string; col: number }
  | { k: 'un'; op: string; a: Expr; col: number }
  | { k: 'bin'; op: string; a: Expr; b: Expr; col: number };

/** An evaluated value. `sect` is -1 for absolute values. */
export interface Value {
  n: bigint;
  sect: number;
}

/** Result of evaluating with possibly unknown (forward) symbols. */
export type EvalResult = Value | null;

export interface EvalContext {
  /** Value of a symbol; null when not (yet) known; undefined for an undefined symbol. */
  lookup(name: string, col: number): Value | null;
  /** $ and $$ */
  here(): Value;
  base(): Value;
  /** Is this identifier a register name? (the parser leaves them as leaves) */
}

const MASK64 = (1n << 64n) - 1n;
export const wrap64 = (v: bigint): bigint => BigInt.asIntN(64, v & MASK64);

/** A token cursor used by the expression and operand parsers. */
export class Cursor {
  i = 0;
  constructor(public readonly toks: Token[], public readonly endCol: number) {}
  peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }
  next(): Token | undefined {
    return this.toks[this.i++];
  }
  atEnd(): boolean {
    return this.i >= this.toks.length;
  }
  isOp(v: string, k = 0): boolean {
    const t = this.toks[this.i + k];
    return !!t && t.t === 'op' && t.v === v;
  }
  eatOp(v: string): boolean {
    if (this.isOp(v)) {
      this.i++;
      return true;
    }
    return false;
  }
  isId(v: string, k = 0): boolean {
    const t = this.toks[this.i + k];
    return !!t && t.t === 'id' && t.v.toLowerCase() === v;
  }
  col(): number {
    return this.peek()?.col ?? this.endCol;
  }
  expectOp(v: string): void {
    if (!this.eatOp(v)) {
      const t = this.peek();
      throw new AsmError(t ? `expected '${v}' but found '${t.v}'` : `expected '${v}' at end of line`, this.col());
    }
  }
}

const LEVELS: string[][] = [
  ['||'],
  ['^^'],
  ['&&'],
  ['=', '==', '!=', '<>', '<', '<=', '>', '>=', '<=>'],
  ['|'],
  ['^'],
  ['&'],
  ['<<', '>>', '<<<', '>>>'],
  ['+', '-'],
  ['*', '/', '//', '%', '%%'],
];

/** Identifiers the expression parser treats as registers (memory operands). */
export const REG_NAMES = new Set([
  'eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi',
  'ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di',
  'al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh',
  'es', 'cs', 'ss', 'ds', 'fs', 'gs',
  'cr0', 'cr1', 'cr2', 'cr3', 'cr4', 'cr5', 'cr6', 'cr7',
  'dr0', 'dr1', 'dr2', 'dr3', 'dr4', 'dr5', 'dr6', 'dr7',
  'tr3', 'tr4', 'tr5', 'tr6', 'tr7',
]);

export function parseExpr(c: Cursor): Expr {
  return parseLevel(c, 0);
}

function parseLevel(c: Cursor, level: number): Expr {
  if (level >= LEVELS.length) return parseUnary(c);
  let a = parseLevel(c, level + 1);
  for (;;) {
    const t = c.peek();
    if (!t || t.t !== 'op' || !LEVELS[level].includes(t.v)) {
      // `%` may have been lexed as a preprocessor token only when glued to a name; the
      // plain operator is always an 'op'.
      return a;
    }
    c.next();
    const b = parseLevel(c, level + 1);
    a = { k: 'bin', op: t.v, a, b, col: t.col };
  }
}

function parseUnary(c: Cursor): Expr {
  const t = c.peek();
  if (!t) throw new AsmError('expected an expression', c.endCol);
  if (t.t === 'op' && (t.v === '-' || t.v === '+' || t.v === '~' || t.v === '!')) {
    c.next();
    return { k: 'un', op: t.v, a: parseUnary(c), col: t.col };
  }
  return parsePrimary(c);
}

function parsePrimary(c: Cursor): Expr {
  const t = c.next();
  if (!t) throw new AsmError('expected an expression', c.endCol);
  switch (t.t) {
    case 'num':
      return { k: 'num', n: t.n!, col: t.col };
    case 'str': {
      // A string in an expression is a little-endian character constant.
      const b = t.bytes!;
      if (b.length > 8) throw new AsmError('character constant too long', t.col);
      let v = 0n;
      for (let k = b.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]);
      return { k: 'num', n: v, col: t.col };
    }
    case 'id': {
      const low = t.v.toLowerCase();
      if (REG_NAMES.has(low)) return { k: 'reg', name: low, col: t.col };
      const name = t.v.startsWith('$') ? t.v.slice(1) : t.v;
      return { k: 'sym', name, col: t.col };
    }
    case 'op':
      if (t.v === '(') {
        const e = parseExpr(c);
        c.expectOp(')');
        return e;
      }
      if (t.v === '$') return { k: 'here', col: t.col };
      if (t.v === '$$') return { k: 'base', col: t.col };
      break;
    case 'float':
      throw new AsmError('floating-point constant not allowed here', t.col);
    default:
      break;
  }
  throw new AsmError(`unexpected '${t.v}' in expression`, t.col);
}

const abs = (n: bigint): Value => ({ n: wrap64(n), sect: -1 });

/**
 * Evaluate. Returns null when a symbol is not yet known (forward reference in an early
 * pass). Throws AsmError for undefined symbols (when ctx.lookup throws), division by
 * zero, registers, and operations NASM does not allow on relocatable values.
 */
export function evaluate(e: Expr, ctx: EvalContext): EvalResult {
  switch (e.k) {
    case 'num':
      return abs(e.n);
    case 'sym':
      return ctx.lookup(e.name, e.col);
    case 'here':
      return ctx.here();
    case 'base':
      return ctx.base();
    case 'reg':
      throw new AsmError(`register '${e.name}' not allowed in this expression`, e.col);
    case 'un': {
      const a = evaluate(e.a, ctx);
      if (!a) return null;
      if (e.op === '+') return a;
      if (a.sect >= 0) throw new AsmError(`unary '${e.op}' applied to a relocatable value`, e.col);
      if (e.op === '-') return abs(-a.n);
      if (e.op === '~') return abs(~a.n);
      return abs(a.n === 0n ? 1n : 0n);
    }
    case 'bin': {
      const a = evaluate(e.a, ctx);
      const b = evaluate(e.b, ctx);
      if (!a || !b) {
        // Still check obvious errors? No: unknown operands make an unknown result.
        return null;
      }
      return binop(e.op, a, b, e.col);
    }
  }
}

function binop(op: string, a: Value, b: Value, col: number): Value {
  if (op === '+') {
    if (a.sect >= 0 && b.sect >= 0) throw new AsmError('cannot add two relocatable values', col);
    return { n: wrap64(a.n + b.n), sect: a.sect >= 0 ? a.sect : b.sect };
  }
  if (op === '-') {
    if (b.sect >= 0) {
      if (a.sect !== b.sect) throw new AsmError('subtraction of values from different sections (or absolute − relocatable)', col);
      return abs(a.n - b.n);
    }
    return { n: wrap64(a.n - b.n), sect: a.sect };
  }
  if (a.sect >= 0 || b.sect >= 0) {
    // Comparisons between two labels of one section are fine in NASM's %if? Not in
    // instructions: keep NASM's object-file rule.
    throw new AsmError(`operator '${op}' may only be applied to scalar (absolute) values`, col);
  }
  const x = a.n;
  const y = b.n;
  const ux = BigInt.asUintN(64, x);
  const uy = BigInt.asUintN(64, y);
  const bool = (v: boolean) => abs(v ? 1n : 0n);
  switch (op) {
    case '*': return abs(x * y);
    case '/':
      if (y === 0n) throw new AsmError('division by zero', col);
      return abs(ux / uy);
    case '%':
      if (y === 0n) throw new AsmError('division by zero', col);
      return abs(ux % uy);
    case '//':
      if (y === 0n) throw new AsmError('division by zero', col);
      return abs(x / y);
    case '%%':
      if (y === 0n) throw new AsmError('division by zero', col);
      return abs(x % y);
    case '<<': case '<<<': return abs(uy >= 64n ? 0n : x << uy);
    case '>>': return abs(uy >= 64n ? 0n : ux >> uy);
    case '>>>': return abs(uy >= 64n ? (x < 0n ? -1n : 0n) : x >> uy);
    case '&': return abs(x & y);
    case '|': return abs(x | y);
    case '^': return abs(x ^ y);
    case '=': case '==': return bool(x === y);
    case '!=': case '<>': return bool(x !== y);
    case '<': return bool(x < y);
    case '<=': return bool(x <= y);
    case '>': return bool(x > y);
    case '>=': return bool(x >= y);
    case '<=>': return abs(x < y ? -1n : x > y ? 1n : 0n);
    case '&&': return bool(x !== 0n && y !== 0n);
    case '||': return bool(x !== 0n || y !== 0n);
    case '^^': return bool((x !== 0n) !== (y !== 0n));
  }
  throw new AsmError(`unknown operator '${op}'`, col);
}

/** Does the expression mention a symbol or $ (i.e. could it be relocatable/unknown)? */
export function exprSymbols(e: Expr, out: string[] = []): string[] {
  switch (e.k) {
    case 'sym': out.push(e.name); break;
    case 'un': exprSymbols(e.a, out); break;
    case 'bin': exprSymbols(e.a, out); exprSymbols(e.b, out); break;
    default: break;
  }
  return out;
}
