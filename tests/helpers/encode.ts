// A small x86 (32-bit mode) encoder driven by the opcode table: given an OpDef and the
// concrete choices for its operands (registers, memory operand shape, immediates), produce
// the instruction bytes and a disassembly-like text. Used by the differential test against
// the host CPU (tests/diff-host.test.ts), so it covers exactly what that test generates:
// 32-bit addressing only (no 0x67), no segment overrides, the 0x66 operand-size prefix.
//
// Operand forms are those of the table (src/cpu/optable.ts, SDM vol. 2 appendix A.2).
// parseOperands() turns an entry's operand string into typed operands; forms this encoder
// cannot produce (J, A, C, D …) are reported by `unsupportedForm` so callers can skip the
// entry with a reason instead of guessing.

import type { OpDef } from '../../src/cpu/optable.js';

export const NO_REG = -1;

/** One operand of a table entry, parsed from its SDM notation. */
export interface FormOperand {
  /** The text in the table ('Ev', 'Ibs', 'AL', 'eAX' …). */
  text: string;
  /** Addressing letter: E G M R S C D I J O A X Y Z, or 'fixed' for named operands. */
  kind: string;
  /** Size letters after the addressing letter ('b', 'w', 'd', 'v', 'q', 'a', 'p', 's', 'bs', ''). */
  size: string;
}

export function parseOperands(def: OpDef): FormOperand[] {
  return def.operands
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((text) => {
      if (/^[EGMRSCDIJOAXYZ][a-z]*$/.test(text)) return { text, kind: text[0], size: text.slice(1) };
      return { text, kind: 'fixed', size: '' };
    });
}

/** Why this encoder cannot produce the entry, or null when it can. */
export function unsupportedForm(def: OpDef): string | null {
  if (def.code.length === 2 && def.code[0] !== 0x0f) return `opcode bytes ${def.code}`;
  for (const op of parseOperands(def)) {
    if ('JACD'.includes(op.kind)) return `operand form ${op.text}`;
    if (op.kind === 'I' && !['b', 'bs', 'w', 'd', 'v'].includes(op.size)) return `immediate ${op.text}`;
  }
  return null;
}

/** Size in bytes of an operand of size letters `size` at operand size `os` (2 or 4). */
export function sizeBytes(size: string, os: number): number {
  switch (size) {
    case 'b': case 'bs': return 1;
    case 'w': return 2;
    case 'd': return 4;
    case 'v': return os;
    case 'q': return 8;
    case 'a': return 2 * os;
    case 'p': return os + 2;
    case 's': return 6;
    default: return 0; // plain 'M' (lea): no access
  }
}

/** A memory operand in 32-bit addressing: [base + index << scale + disp]. */
export interface MemOperand {
  base: number; // NO_REG: none
  index: number; // NO_REG: none; never ESP (SIB index 100 means none)
  scale: number; // 0..3
  disp: number;
  /** Displacement bytes encoded: 0, 1 or 4. Forced up where the encoding requires. */
  dispSize: 0 | 1 | 4;
}

export type RmChoice = { kind: 'reg'; reg: number } | { kind: 'mem'; mem: MemOperand };

/** Everything needed to encode one instance of an entry. */
export interface Encoding {
  def: OpDef;
  /** Operand size in bytes: 2 emits a 0x66 prefix. */
  os: 2 | 4;
  /** Other prefixes, emitted before 0x66 (rep F3/F2). */
  prefixes: number[];
  /** ModRM reg field for G/S operands (ignored when the entry has an /ext). */
  reg: number;
  /** ModRM r/m operand, when the entry has one. */
  rm: RmChoice | null;
  /** Register in the low 3 bits of the opcode (Z forms). */
  z: number;
  /** Immediate values, in the order of the I operands. */
  imms: number[];
  /** Absolute address of an O (moffs) operand. */
  moffs: number;
}

export const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
export const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
export const REG8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
export const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];

function pushLE(out: number[], v: number, n: number): void {
  for (let k = 0; k < n; k++) out.push((v >>> (8 * k)) & 0xff);
}

function modrmBytes(out: number[], regField: number, rm: RmChoice): void {
  if (rm.kind === 'reg') {
    out.push(0xc0 | (regField << 3) | rm.reg);
    return;
  }
  const m = rm.mem;
  if (m.index === 4) throw new Error('ESP cannot be an index register');
  if (m.base === NO_REG) {
    // [disp32] or [index*s + disp32]: mod 00 with r/m 101, or SIB with base 101.
    if (m.index === NO_REG) out.push((regField << 3) | 5);
    else out.push((regField << 3) | 4, (m.scale << 6) | (m.index << 3) | 5);
    pushLE(out, m.disp, 4);
    return;
  }
  let dsz = m.dispSize;
  if (dsz === 0 && m.base === 5) dsz = 1; // [ebp] has no mod-00 form: [ebp+0]
  if (dsz === 1 && (m.disp < -128 || m.disp > 127)) dsz = 4;
  const mod = dsz === 0 ? 0 : dsz === 1 ? 1 : 2;
  if (m.index !== NO_REG || m.base === 4) {
    const index = m.index === NO_REG ? 4 : m.index;
    out.push((mod << 6) | (regField << 3) | 4, (m.scale << 6) | (index << 3) | m.base);
  } else {
    out.push((mod << 6) | (regField << 3) | m.base);
  }
  if (dsz) pushLE(out, m.disp, dsz);
}

/** The instruction bytes. */
export function encode(e: Encoding): Uint8Array {
  const def = e.def;
  const ops = parseOperands(def);
  const out: number[] = [...e.prefixes];
  if (e.os === 2) out.push(0x66);
  const code = def.code.slice();
  if (ops.some((o) => o.kind === 'Z')) code[code.length - 1] += e.z;
  out.push(...code);
  const hasModrm = def.ext !== undefined || ops.some((o) => 'EGMRS'.includes(o.kind));
  if (hasModrm) {
    if (!e.rm) throw new Error(`${def.mnemonic} ${def.operands}: needs an r/m choice`);
    modrmBytes(out, def.ext ?? e.reg, e.rm);
  }
  let immIdx = 0;
  for (const o of ops) {
    if (o.kind === 'O') pushLE(out, e.moffs, 4);
    else if (o.kind === 'I') {
      const v = e.imms[immIdx++];
      pushLE(out, v, o.size === 'v' ? e.os : o.size === 'w' ? 2 : o.size === 'd' ? 4 : 1);
    }
  }
  return Uint8Array.from(out);
}

const hex = (v: number) => (v < 0 ? '-0x' + (-v).toString(16) : '0x' + v.toString(16));

function regName(r: number, bytes: number): string {
  return (bytes === 1 ? REG8 : bytes === 2 ? REG16 : REG32)[r];
}

function ptrName(bytes: number): string {
  return ({ 1: 'byte', 2: 'word', 4: 'dword', 6: 'fword', 8: 'qword' } as Record<number, string>)[bytes] ?? '';
}

export function memText(m: MemOperand): string {
  const parts: string[] = [];
  if (m.base !== NO_REG) parts.push(REG32[m.base]);
  if (m.index !== NO_REG) parts.push(REG32[m.index] + (m.scale ? '*' + (1 << m.scale) : ''));
  let s = parts.join('+');
  const d = m.base === NO_REG ? m.disp >>> 0 : m.disp;
  if (d !== 0 || !s) s += (s && d >= 0 ? '+' : '') + hex(d);
  return `[${s}]`;
}

/** NASM-like text of the instruction, e.g. "o16 add word [ebx+esi*4+0x10], ax". */
export function describe(e: Encoding): string {
  const def = e.def;
  const ops = parseOperands(def);
  const texts: string[] = [];
  let immIdx = 0;
  for (const o of ops) {
    const n = sizeBytes(o.size, e.os);
    switch (o.kind) {
      case 'E': case 'M': case 'R':
        if (e.rm!.kind === 'reg') texts.push(regName(e.rm!.reg, n));
        else texts.push(`${n ? ptrName(n) + ' ' : ''}${memText(e.rm!.mem)}`);
        break;
      case 'G': texts.push(regName(e.reg, n)); break;
      case 'S': texts.push(SREG[e.reg] ?? `sreg${e.reg}`); break;
      case 'Z': texts.push(regName(e.z, n)); break;
      case 'O': texts.push(`${ptrName(n)} [${hex(e.moffs >>> 0)}]`); break;
      case 'I': {
        const v = e.imms[immIdx++];
        texts.push(hex(o.size === 'bs' ? (v << 24) >> 24 : o.size === 'b' ? v & 0xff : o.size === 'w' || (o.size === 'v' && e.os === 2) ? v & 0xffff : v >>> 0));
        break;
      }
      case 'X': texts.push(`${ptrName(n)} [esi]`); break;
      case 'Y': texts.push(`${ptrName(n)} [edi]`); break;
      default: texts.push(o.text === 'eAX' ? (e.os === 2 ? 'ax' : 'eax') : o.text.toLowerCase());
    }
  }
  const pre = e.prefixes.map((p) => (p === 0xf3 ? 'rep ' : p === 0xf2 ? 'repne ' : `db ${hex(p)}; `)).join('');
  const mn = e.os === 2 && def.mnemonic16 ? def.mnemonic16 : def.mnemonic;
  const o16 = e.os === 2 && !def.mnemonic16 ? 'o16 ' : '';
  return `${pre}${o16}${mn}${texts.length ? ' ' + texts.join(', ') : ''}`;
}
