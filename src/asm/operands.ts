// Operands as written in NASM syntax, and their parsing: registers, immediates (with the
// size keywords `byte word dword qword`, `strict`, `short`/`near`/`far`), far pointers
// `seg:off`, and memory references `[seg: base + index*scale + disp]` in any order,
// including NASM's `[eax*2]` → `[eax+eax]` split, `nosplit`, and `[byte …]`/`[dword …]`
// displacement-size hints.

import { AsmError } from './diagnostics.js';
import { Cursor, parseExpr, type Expr } from './expr.js';

export type RegKind = 'gpr' | 'sreg' | 'creg' | 'dreg' | 'treg' | 'fpureg';

export interface RegInfo {
  kind: RegKind;
  num: number;
  /** Size in bits: 8, 16, 32 for general registers; 16 for segment registers; 32 for cr/dr. */
  size: number;
}

const GPR32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const GPR16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const GPR8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
export const SREGS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];

export const REGISTERS = new Map<string, RegInfo>();
GPR32.forEach((r, i) => REGISTERS.set(r, { kind: 'gpr', num: i, size: 32 }));
GPR16.forEach((r, i) => REGISTERS.set(r, { kind: 'gpr', num: i, size: 16 }));
GPR8.forEach((r, i) => REGISTERS.set(r, { kind: 'gpr', num: i, size: 8 }));
SREGS.forEach((r, i) => REGISTERS.set(r, { kind: 'sreg', num: i, size: 16 }));
// The x87 stack registers, NASM's st0-st7 (80 bits).
for (let i = 0; i < 8; i++) REGISTERS.set('st' + i, { kind: 'fpureg', num: i, size: 80 });
for (let i = 0; i < 8; i++) {
  REGISTERS.set('cr' + i, { kind: 'creg', num: i, size: 32 });
  REGISTERS.set('dr' + i, { kind: 'dreg', num: i, size: 32 });
  if (i >= 3) REGISTERS.set('tr' + i, { kind: 'treg', num: i, size: 32 });
}

export const SIZE_KEYWORDS: Record<string, number> = { byte: 8, word: 16, dword: 32, fword: 48, pword: 48, qword: 64, tword: 80 };

export interface RegOperand {
  k: 'reg';
  reg: RegInfo;
  name: string;
  col: number;
}
export interface ImmOperand {
  k: 'imm';
  e: Expr;
  /** Size keyword written before the value. */
  size?: number;
  strict: boolean;
  /** `short`, `near` or `far` before a branch target. */
  jmp?: 'short' | 'near' | 'far';
  col: number;
}
export interface FarOperand {
  k: 'far';
  seg: Expr;
  off: Expr;
  size?: number;
  col: number;
}
export interface MemOperand {
  k: 'mem';
  /** Operand size keyword (bits), if written. */
  size?: number;
  far: boolean;
  seg?: number; // explicit segment override (SREGS index)
  base?: RegInfo;
  index?: RegInfo;
  scale: number; // 1, 2, 4, 8
  disp?: Expr;
  /** Displacement size hint `[byte …]` / `[dword …]`, in bits. */
  dispSize?: number;
  /** 16 or 32: the address size the registers imply (32 when there are none). */
  asize: 16 | 32;
  col: number;
}
export type Operand = RegOperand | ImmOperand | FarOperand | MemOperand;

/** Parse one operand from the cursor up to the next top-level comma. */
export function parseOperand(c: Cursor): Operand {
  const col = c.col();
  let size: number | undefined;
  let strict = false;
  let jmp: 'short' | 'near' | 'far' | undefined;
  for (;;) {
    const t = c.peek();
    if (!t || t.t !== 'id') break;
    const low = t.v.toLowerCase();
    if (low in SIZE_KEYWORDS) {
      // `byte` could also be a label name, but NASM reserves these words too.
      size = SIZE_KEYWORDS[low];
      c.next();
      continue;
    }
    if (low === 'strict') {
      strict = true;
      c.next();
      continue;
    }
    if (low === 'short' || low === 'near' || low === 'far') {
      jmp = low;
      c.next();
      continue;
    }
    break;
  }
  const t = c.peek();
  if (!t) throw new AsmError('expected an operand', c.endCol);

  // Segment-prefixed memory `fs:[eax]`
  if (t.t === 'id' && REGISTERS.get(t.v.toLowerCase())?.kind === 'sreg' && c.isOp(':', 1) && c.isOp('[', 2)) {
    const seg = REGISTERS.get(t.v.toLowerCase())!.num;
    c.next();
    c.next();
    const m = parseMemory(c, col);
    if (m.seg !== undefined) throw new AsmError('two segment overrides', t.col);
    m.seg = seg;
    m.size = size;
    m.far = jmp === 'far';
    return m;
  }
  if (t.t === 'op' && t.v === '[') {
    const m = parseMemory(c, col);
    m.size = size;
    m.far = jmp === 'far';
    if (strict) throw new AsmError("'strict' applies to immediates only", col);
    return m;
  }
  if (t.t === 'id') {
    const r = REGISTERS.get(t.v.toLowerCase());
    if (r && (c.atEnd() || c.isOp(',', 1) || c.i + 1 >= c.toks.length)) {
      c.next();
      if (size !== undefined && size !== r.size && r.kind === 'gpr') throw new AsmError(`mismatch in operand sizes: ${t.v} is not a ${sizeName(size)}`, t.col);
      return { k: 'reg', reg: r, name: t.v.toLowerCase(), col: t.col };
    }
    if (r) {
      c.next();
      throw new AsmError(`unexpected '${c.peek()!.v}' after register ${t.v}`, c.col());
    }
  }
  const e = parseExpr(c);
  if (c.eatOp(':')) {
    const off = parseExpr(c);
    return { k: 'far', seg: e, off, size, col };
  }
  checkNoRegs(e);
  return { k: 'imm', e, size, strict, jmp, col };
}

function checkNoRegs(e: Expr): void {
  switch (e.k) {
    case 'reg':
      throw new AsmError(`register '${e.name}' cannot be used in an expression outside [ ]`, e.col);
    case 'un':
      checkNoRegs(e.a);
      break;
    case 'bin':
      checkNoRegs(e.a);
      checkNoRegs(e.b);
      break;
    default:
      break;
  }
}

export function sizeName(bits: number): string {
  return ({ 8: 'byte', 16: 'word', 32: 'dword', 48: 'fword', 64: 'qword', 80: 'tword' } as Record<number, string>)[bits] ?? `${bits}-bit`;
}

/** Parse `[ … ]` (the cursor is on `[`). */
function parseMemory(c: Cursor, col: number): MemOperand {
  const open = c.next()!;
  let dispSize: number | undefined;
  let nosplit = false;
  let seg: number | undefined;
  for (;;) {
    const t = c.peek();
    if (!t || t.t !== 'id') break;
    const low = t.v.toLowerCase();
    if (low === 'byte' || low === 'word' || low === 'dword') {
      dispSize = SIZE_KEYWORDS[low];
      c.next();
    } else if (low === 'nosplit') {
      nosplit = true;
      c.next();
    } else if (low === 'abs' || low === 'rel') {
      c.next();
    } else break;
  }
  const t = c.peek();
  if (t && t.t === 'id' && REGISTERS.get(t.v.toLowerCase())?.kind === 'sreg' && c.isOp(':', 1)) {
    seg = REGISTERS.get(t.v.toLowerCase())!.num;
    c.next();
    c.next();
  }
  if (c.isOp(']')) throw new AsmError('empty memory reference', c.col());
  const e = parseExpr(c);
  if (!c.eatOp(']')) {
    const nt = c.peek();
    throw new AsmError(nt ? `expected ']' but found '${nt.v}'` : `missing ']'`, nt?.col ?? open.col);
  }
  const m = decompose(e, nosplit, col);
  m.seg = seg;
  m.dispSize = dispSize;
  return m;
}

/** Split an address expression into registers with scales and a displacement. */
function decompose(e: Expr, nosplit: boolean, col: number): MemOperand {
  const regs: Array<{ r: RegInfo; name: string; scale: number; col: number; explicit?: boolean }> = [];
  const disp: Array<{ e: Expr; neg: boolean }> = [];
  const walk = (x: Expr, neg: boolean): void => {
    if (x.k === 'bin' && (x.op === '+' || x.op === '-')) {
      walk(x.a, neg);
      walk(x.b, x.op === '-' ? !neg : neg);
      return;
    }
    if (x.k === 'un' && x.op === '+') return walk(x.a, neg);
    if (x.k === 'reg') {
      if (neg) throw new AsmError(`register '${x.name}' cannot be subtracted in an address`, x.col);
      regs.push({ r: REGISTERS.get(x.name)!, name: x.name, scale: 1, col: x.col });
      return;
    }
    if (x.k === 'bin' && x.op === '*' && (x.a.k === 'reg' || x.b.k === 'reg')) {
      const reg = (x.a.k === 'reg' ? x.a : x.b) as Extract<Expr, { k: 'reg' }>;
      const other = x.a.k === 'reg' ? x.b : x.a;
      const s = constValue(other);
      if (s === undefined) throw new AsmError('scale factor must be a constant', other.col);
      if (neg) throw new AsmError(`register '${reg.name}' cannot be subtracted in an address`, reg.col);
      regs.push({ r: REGISTERS.get(reg.name)!, name: reg.name, scale: s, col: reg.col, explicit: true });
      return;
    }
    if (hasReg(x)) throw new AsmError('invalid effective address', x.col);
    disp.push({ e: x, neg });
  };
  walk(e, false);

  // Merge repeated registers: [eax+eax] = [eax*2]
  const merged: typeof regs = [];
  for (const r of regs) {
    if (r.r.kind !== 'gpr' || r.r.size === 8) throw new AsmError(`register '${r.name}' cannot be used in an address`, r.col);
    const same = merged.find((m) => m.name === r.name);
    if (same) same.scale += r.scale;
    else merged.push({ ...r });
  }
  const sizes = new Set(merged.map((m) => m.r.size));
  if (sizes.size > 1) throw new AsmError('mixing 16-bit and 32-bit registers in an address', col);
  const asize: 16 | 32 = sizes.has(16) ? 16 : 32;

  let dispExpr: Expr | undefined;
  for (const d of disp) {
    const term: Expr = d.neg ? { k: 'un', op: '-', a: d.e, col: d.e.col } : d.e;
    dispExpr = dispExpr ? { k: 'bin', op: '+', a: dispExpr, b: term, col: d.e.col } : term;
  }
  const m: MemOperand = { k: 'mem', far: false, scale: 1, disp: dispExpr, asize, col };
  const live = merged.filter((x) => x.scale !== 0);
  if (asize === 16) {
    return assign16(m, live, col);
  }
  if (live.length > 2) throw new AsmError('too many registers in an address', col);
  if (live.length === 1) {
    const a = live[0];
    if (a.scale === 1 && !nosplit) m.base = a.r;
    else if (!nosplit && (a.scale === 2 || a.scale === 3 || a.scale === 5 || a.scale === 9) && a.r.num !== 4) {
      m.base = a.r;
      m.index = a.r;
      m.scale = a.scale - 1;
    } else {
      m.index = a.r;
      m.scale = a.scale;
    }
  } else if (live.length === 2) {
    let [a, b] = live;
    // The one written with a scale (even `*1`) is the index; else the first is the
    // base, unless the second is ESP (which cannot be an index).
    const scaled = (x: typeof a) => x.scale !== 1 || !!x.explicit;
    if (scaled(a) && !scaled(b)) [a, b] = [b, a];
    else if (a.scale === 1 && b.scale === 1 && b.r.num === 4) [a, b] = [b, a];
    if (a.scale !== 1) throw new AsmError('invalid effective address: two scaled registers', col);
    m.base = a.r;
    m.index = b.r;
    m.scale = b.scale;
  }
  if (m.index) {
    if (![1, 2, 4, 8].includes(m.scale)) throw new AsmError(`invalid scale factor ${m.scale}`, col);
    if (m.index.num === 4) throw new AsmError('esp cannot be used as an index register', col);
  }
  return m;
}

function assign16(m: MemOperand, live: Array<{ r: RegInfo; name: string; scale: number }>, col: number): MemOperand {
  if (live.some((x) => x.scale !== 1)) throw new AsmError('scaled index in a 16-bit address', col);
  const names = live.map((x) => x.name).sort();
  const ok = [[], ['bx'], ['bp'], ['si'], ['di'], ['bx', 'si'], ['bx', 'di'], ['bp', 'si'], ['bp', 'di']];
  if (!ok.some((o) => o.join() === names.join())) throw new AsmError('invalid 16-bit effective address', col);
  const base = live.find((x) => x.name === 'bx' || x.name === 'bp');
  const index = live.find((x) => x.name === 'si' || x.name === 'di');
  m.base = base?.r;
  m.index = index?.r;
  return m;
}

function hasReg(e: Expr): boolean {
  if (e.k === 'reg') return true;
  if (e.k === 'un') return hasReg(e.a);
  if (e.k === 'bin') return hasReg(e.a) || hasReg(e.b);
  return false;
}

/** A constant (no symbols) expression's value, or undefined. */
function constValue(e: Expr): number | undefined {
  switch (e.k) {
    case 'num': return Number(e.n);
    case 'un': {
      const a = constValue(e.a);
      return a === undefined ? undefined : e.op === '-' ? -a : e.op === '+' ? a : undefined;
    }
    case 'bin': {
      const a = constValue(e.a);
      const b = constValue(e.b);
      if (a === undefined || b === undefined) return undefined;
      if (e.op === '*') return a * b;
      if (e.op === '+') return a + b;
      if (e.op === '-') return a - b;
      return undefined;
    }
    default:
      return undefined;
  }
}
