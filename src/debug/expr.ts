// The debugger's tiny expression language: breakpoint conditions (`if eax == 3`) and
// addresses (`x/4w esp+8`, `break main+12`, `watch *0x804a000`).
//
//   primary   number (0x1f, 31, 0o17, 0b101, 'a')  register (eax or $eax, ax, al, eip,
//             eflags, $pid)  symbol (main, main.loop)  ( expr )  [ expr ] (a dword load)
//   unary     - ~ ! *  (* loads a dword from memory, as [ ] does)
//   binary    * / %   + -   << >>   < <= > >=   == !=   &   ^   |   &&   ||  (C precedence)
// Values are 32-bit: arithmetic wraps, comparisons are unsigned, results are unsigned.

export interface ExprContext {
  /** A register's value, or undefined if `name` is not a register. */
  reg(name: string): number | undefined;
  /** A symbol's address, or undefined. */
  sym(name: string): number | undefined;
  /** A dword of the viewed task's memory (throws a readable error when unmapped). */
  read32(addr: number): number;
}

export class ExprError extends Error {}

const BINARY: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6,
  '<': 7, '<=': 7, '>': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

const TOKEN = /\s*(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|\d+|'(?:\\.|[^'])'|\$?[A-Za-z_.?@][\w.?@$]*|\|\||&&|==|!=|<=|>=|<<|>>|[-+*/%&|^~!()<>[\]])/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) throw new ExprError(`cannot parse '${src.slice(pos).trim()}'`);
    out.push(m[1]);
    pos = TOKEN.lastIndex;
  }
  return out;
}

type Fn = (ctx: ExprContext) => number;

/** Evaluate `src` to an unsigned 32-bit value. */
export function evaluate(src: string, ctx: ExprContext): number {
  return compile(src)(ctx);
}

const compiled = new Map<string, Fn>();

/** Parse `src` once into a function of the context (breakpoint conditions are
 *  evaluated at every hit). Throws ExprError for a syntax error. */
export function compile(src: string): Fn {
  let f = compiled.get(src);
  if (f === undefined) {
    f = parse(src);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(src, f);
  }
  return f;
}

function parse(src: string): Fn {
  const toks = tokenize(src);
  if (toks.length === 0) throw new ExprError('empty expression');
  let k = 0;
  const peek = () => toks[k];
  const next = () => toks[k++];

  const primary = (): Fn => {
    const t = next();
    if (t === undefined) throw new ExprError('unexpected end of expression');
    if (t === '(') {
      const v = binary(0);
      if (next() !== ')') throw new ExprError("missing ')'");
      return v;
    }
    if (t === '[') {
      const v = binary(0);
      if (next() !== ']') throw new ExprError("missing ']'");
      return (c) => c.read32(v(c)) >>> 0;
    }
    if (t === '-') {
      const v = primary();
      return (c) => -v(c) >>> 0;
    }
    if (t === '+') return primary();
    if (t === '~') {
      const v = primary();
      return (c) => ~v(c) >>> 0;
    }
    if (t === '!') {
      const v = primary();
      return (c) => (v(c) === 0 ? 1 : 0);
    }
    if (t === '*') {
      const v = primary();
      return (c) => c.read32(v(c)) >>> 0;
    }
    if (/^\d/.test(t)) {
      const v = /^0[oO]/.test(t) ? parseInt(t.slice(2), 8) : /^0[bB]/.test(t) ? parseInt(t.slice(2), 2) : Number(t);
      if (!Number.isFinite(v) || v > 0xffffffff) throw new ExprError(`number out of range: ${t}`);
      const n = v >>> 0;
      return () => n;
    }
    if (t.startsWith("'")) {
      const body = t.slice(1, -1);
      const ch = body.startsWith('\\') ? ({ n: 10, t: 9, r: 13, 0: 0 } as Record<string, number>)[body[1]] ?? body.charCodeAt(1) : body.charCodeAt(0);
      return () => ch >>> 0;
    }
    const name = t.startsWith('$') ? t.slice(1) : t;
    const lower = name.toLowerCase();
    return (c) => {
      const r = c.reg(lower);
      if (r !== undefined) return r >>> 0;
      const s = c.sym(name) ?? (t.startsWith('$') ? c.sym(t) : undefined);
      if (s !== undefined) return s >>> 0;
      throw new ExprError(`no symbol or register '${t}'`);
    };
  };

  const binary = (minPrec: number): Fn => {
    let left = primary();
    for (;;) {
      const op = peek();
      const prec = op === undefined ? undefined : BINARY[op];
      if (prec === undefined || prec < minPrec) break;
      next();
      const right = binary(prec + 1);
      const l = left;
      left = (c) => apply(op, l(c), right(c));
    }
    return left;
  };

  const v = binary(0);
  if (k < toks.length) throw new ExprError(`unexpected '${toks[k]}'`);
  return (c) => v(c) >>> 0;
}

function apply(op: string, a: number, b: number): number {
  a >>>= 0;
  b >>>= 0;
  switch (op) {
    case '+': return (a + b) >>> 0;
    case '-': return (a - b) >>> 0;
    case '*': return Math.imul(a, b) >>> 0;
    case '/':
      if (b === 0) throw new ExprError('division by zero');
      return Math.floor(a / b) >>> 0;
    case '%':
      if (b === 0) throw new ExprError('division by zero');
      return a % b >>> 0;
    case '<<': return (a << (b & 31)) >>> 0;
    case '>>': return a >>> (b & 31);
    case '<': return a < b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '&': return (a & b) >>> 0;
    case '^': return (a ^ b) >>> 0;
    case '|': return (a | b) >>> 0;
    case '&&': return a !== 0 && b !== 0 ? 1 : 0;
    case '||': return a !== 0 || b !== 0 ? 1 : 0;
  }
  throw new ExprError(`unknown operator ${op}`);
}
