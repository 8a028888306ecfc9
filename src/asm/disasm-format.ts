// Operand and prefix formatting for the disassembler, in the style of GNU objdump's
// `-M intel` output (binutils opcodes/i386-dis.c), driven by the operand notation of the
// opcode table (src/cpu/optable.ts). disasm.ts builds lines and listings on top of it.
//
// The decoder's Insn does not keep the raw ModRM/SIB bytes or the prefix order, but it
// keeps the instruction's bytes; this file re-reads them where objdump's spelling depends
// on the encoding (an explicit zero displacement, a SIB byte without index, which prefix
// came first).
//
// objdump conventions reproduced here (checked against binutils 2.40 by
// tests/disasm.test.ts):
//   - memory: `DWORD PTR fs:[ebx+esi*4+0x8]`; the segment is shown only when overridden,
//     except for absolute addresses (`ds:0x804a000`) and string operands (`es:[edi]`);
//     displacements are signed (`[ebp-0x4]`), an explicit zero is kept (`[eax+0x0]`),
//     a SIB byte with no index shows `eiz` when objdump does (`[eax+eiz*1]`);
//   - immediates are hex of the operand-size value (`add ax,0xffff` for 66 83 c0 ff);
//   - branch targets are `0x8049010`, or `8049010 <sym+0x10>` when symbols are known;
//   - prefixes the instruction does not use are printed as words (`data16`, `addr16`,
//     `cs`, `repz`), `rep`/`repz`/`repnz` before string instructions, `lock` always.
// One deliberate difference: a rel8 branch under 0x66 (`data16 je`) shows the target the
// CPU jumps to, truncated to 16 bits as the SDM specifies; objdump shows it untruncated.

import type { Insn } from '../cpu/insn.js';
import { REP_E } from '../cpu/insn.js';
import { REG16_NAMES, REG32_NAMES, REG8_NAMES, SEG_NAMES } from '../cpu/constants.js';
import { X87_SIZE_SUFFIXED, x87Form } from './disasm-x87.js';

/** How branch targets are shown: `0x…` or `addr <sym+off>` (supplied by disasm.ts). */
export type TargetFormatter = (target: number) => string;

export interface Formatted {
  /** Prefix words (`rep`, `lock`, `data16` …) followed by the mnemonic. */
  mnemonic: string;
  operands: string[];
}

const SEG_PREFIX: Record<number, number> = { 0x26: 0, 0x2e: 1, 0x36: 2, 0x3e: 3, 0x64: 4, 0x65: 5 };
const isPrefix = (b: number) => b === 0x66 || b === 0x67 || b === 0xf0 || b === 0xf2 || b === 0xf3 || b in SEG_PREFIX;

/** The raw encoding of an instruction, re-read from its bytes. */
interface Raw {
  /** Number of prefix bytes. */
  npre: number;
  /** Opcode bytes (1, or 2 for 0F xx). */
  op: number[];
  modrm: number;
  sib: number;
}

function rawOf(i: Insn): Raw {
  const b = i.bytes;
  let p = 0;
  while (p < b.length && isPrefix(b[p])) p++;
  const op = b[p] === 0x0f ? [b[p], b[p + 1]] : [b[p]];
  const m = p + op.length;
  const modrm = m < b.length ? b[m] : -1;
  const sib = modrm >= 0 && i.as === 4 && modrm >> 6 !== 3 && (modrm & 7) === 4 ? b[m + 1] : -1;
  return { npre: p, op, modrm, sib };
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16);
const signedHex = (n: number) => (n < 0 ? '-0x' + (-n).toString(16) : '+0x' + n.toString(16));

/** String instructions: objdump shows `rep` before them (`repz` for cmps/scas). */
const STRING_BASE: Record<string, 'rep' | 'repz'> = {
  movs: 'rep', stos: 'rep', lods: 'rep', ins: 'rep', outs: 'rep', cmps: 'repz', scas: 'repz',
};

/**
 * NASM spellings in the table that objdump writes differently. Where NASM and objdump
 * agree the table's mnemonic is used as is. Keys are table mnemonics; `[os32, os16]`.
 *   iretd/iret  — NASM: iretd (32) / iret (default) / iretw; objdump: iret / iretw.
 *   insb… outsd — NASM's operand-less string forms; objdump names the generic form and
 *                 prints the operands (`ins BYTE PTR es:[edi],dx`).
 *   movsb… stosd, cmpsb… — the same, should the table spell them that way.
 */
const OBJDUMP_NAME: Record<string, [string, string]> = {
  iretd: ['iret', 'iretw'], iret: ['iret', 'iretw'],
  insb: ['ins', 'ins'], insw: ['ins', 'ins'], insd: ['ins', 'ins'],
  outsb: ['outs', 'outs'], outsw: ['outs', 'outs'], outsd: ['outs', 'outs'],
  movsb: ['movs', 'movs'], movsw: ['movs', 'movs'], movsd: ['movs', 'movs'],
  stosb: ['stos', 'stos'], stosw: ['stos', 'stos'], stosd: ['stos', 'stos'],
  lodsb: ['lods', 'lods'], lodsw: ['lods', 'lods'], lodsd: ['lods', 'lods'],
  cmpsb: ['cmps', 'cmps'], cmpsw: ['cmps', 'cmps'], cmpsd: ['cmps', 'cmps'],
  scasb: ['scas', 'scas'], scasw: ['scas', 'scas'], scasd: ['scas', 'scas'],
  xlatb: ['xlat', 'xlat'],
};

/** Mnemonics whose name objdump suffixes with the operand size (`lgdtd`, `lgdtw`). */
const SIZE_SUFFIXED = new Set(['sgdt', 'sidt', 'lgdt', 'lidt']);
/** Instructions with a word r/m operand (Ew) that objdump shows as an operand-size
 *  register when mod=3: sldt/str/smsw and mov from a segment register (8C) write the full
 *  register, lar/lsl read it; mov's only Ew forms are 8C/8E. */
const FULL_REG_WHEN_REG = new Set(['sldt', 'str', 'smsw', 'lar', 'lsl', 'mov']);
/**
 * Table entries without a mnemonic16 whose behaviour still depends on the operand size
 * (the size of the stack slot) though no operand shows it: objdump appends `w` under
 * 0x66 (`pushw es`, `popw ds`, `retfw`).
 */
const SUFFIX16 = new Set(['push', 'pop', 'retf']);

class Ctx {
  usedOs = false;
  usedAs = false;
  usedSeg = false;
  immIndex = 0;
  /** Segment override prefix in effect (last one wins), or -1. */
  segOverride = -1;
  constructor(readonly i: Insn, readonly raw: Raw, readonly target: TargetFormatter) {
    for (let k = 0; k < raw.npre; k++) {
      const s = SEG_PREFIX[i.bytes[k]];
      if (s !== undefined) this.segOverride = s;
    }
  }
  os(): number {
    this.usedOs = true;
    return this.i.os;
  }
  reg(size: string, n: number): string {
    if (size === 'b') return REG8_NAMES[n];
    if (size === 'w') return REG16_NAMES[n];
    if (size === 'd') return REG32_NAMES[n];
    return this.os() === 4 ? REG32_NAMES[n] : REG16_NAMES[n];
  }
  /** `seg:` for an operand whose segment shows only when overridden. */
  segIfOverride(): string {
    if (this.segOverride < 0) return '';
    this.usedSeg = true;
    return SEG_NAMES[this.segOverride] + ':';
  }
  /** `seg:` for operands objdump always qualifies (absolute addresses, ds:[esi]). */
  segOr(def: number): string {
    if (this.segOverride >= 0) this.usedSeg = true;
    return SEG_NAMES[this.segOverride >= 0 ? this.segOverride : def] + ':';
  }
}

/** The `SIZE PTR ` keyword for a memory operand of the given SDM size letter(s). */
function sizeKeyword(size: string, c: Ctx): string {
  switch (size) {
    case 'b': return 'BYTE PTR ';
    case 'w': return 'WORD PTR ';
    case 'd': return 'DWORD PTR ';
    case 'q': return 'QWORD PTR ';
    case 'v': return c.os() === 4 ? 'DWORD PTR ' : 'WORD PTR ';
    case 'p': return c.os() === 4 ? 'FWORD PTR ' : 'DWORD PTR ';
    case 'a': return c.os() === 4 ? 'QWORD PTR ' : 'DWORD PTR ';
    default: return ''; // M (lea), Ms (lgdt …): no size
  }
}

const MEM16 = ['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx'];

/** A ModRM memory operand, objdump style. */
function memory(c: Ctx, kw: string): string {
  const { i, raw } = c;
  c.usedAs = true;
  const mod = raw.modrm >> 6;
  const rm = raw.modrm & 7;
  if (i.as === 2) {
    if (mod === 0 && rm === 6) return kw + c.segOr(3) + hex(i.disp & 0xffff);
    let s = MEM16[rm];
    if (mod === 1) s += signedHex(i.disp);
    else if (mod === 2) s += signedHex((i.disp << 16) >> 16);
    return kw + c.segIfOverride() + '[' + s + ']';
  }
  const hasSib = rm === 4;
  const sib = raw.sib;
  const base = hasSib ? sib & 7 : rm;
  const index = hasSib ? (sib >> 3) & 7 : 4;
  const scale = hasSib ? sib >> 6 : 0;
  const haveBase = !(mod === 0 && base === 5);
  const haveIndex = hasSib && index !== 4;
  const needIndex = hasSib && !haveBase && !haveIndex;
  const eiz = hasSib && !haveIndex && (scale !== 0 || needIndex || (haveBase && base !== 4));
  const haveDisp = mod !== 0 || !haveBase;
  if (!haveBase && !hasSib) return kw + c.segOr(3) + hex(i.disp);
  let s = haveBase ? REG32_NAMES[base] : '';
  if (haveIndex || eiz) s += (s ? '+' : '') + (haveIndex ? REG32_NAMES[index] : 'eiz') + '*' + (1 << scale);
  if (haveDisp) s += s ? signedHex(i.disp | 0) : hex(i.disp);
  return kw + c.segIfOverride() + '[' + s + ']';
}

/** A string operand: X = ds:[esi] (overridable), Y = es:[edi] (fixed). */
function stringOperand(c: Ctx, which: 'X' | 'Y', size: string): string {
  c.usedAs = true;
  const kw = sizeKeyword(size, c);
  const a16 = c.i.as === 2;
  if (which === 'Y') return kw + 'es:[' + (a16 ? 'di' : 'edi') + ']';
  return kw + c.segOr(3) + '[' + (a16 ? 'si' : 'esi') + ']';
}

function nextImm(c: Ctx): number {
  return c.immIndex++ === 0 ? c.i.imm : c.i.imm2;
}

function operand(tok: string, c: Ctx): string {
  const i = c.i;
  switch (tok) {
    case 'AL': return 'al';
    case 'CL': return 'cl';
    case 'DX': return 'dx';
    case '1': return '1';
    case 'ES': case 'CS': case 'SS': case 'DS': case 'FS': case 'GS': return tok.toLowerCase();
    case 'eAX': case 'eCX': case 'eDX': case 'eBX': case 'eSP': case 'eBP': case 'eSI': case 'eDI':
      return (c.os() === 4 ? 'e' : '') + tok.slice(1).toLowerCase();
  }
  const kind = tok[0];
  const size = tok.slice(1);
  switch (kind) {
    case 'E': return i.mod3 ? c.reg(size, i.rm) : memory(c, sizeKeyword(size, c));
    case 'M': return memory(c, sizeKeyword(size, c));
    case 'R': return c.reg(size, i.rm);
    case 'G': return c.reg(size, i.reg);
    case 'Z': return c.reg(size, i.reg);
    case 'S': return i.reg < 6 ? SEG_NAMES[i.reg] : '?';
    case 'C': return 'cr' + i.reg;
    case 'D': return 'dr' + i.reg;
    case 'I': {
      const v = nextImm(c);
      if (size === 'b') return hex(v & 0xff);
      if (size === 'w') return hex(v & 0xffff);
      if (size === 'd') return hex(v);
      return c.os() === 4 ? hex(v) : hex(v & 0xffff); // Iv, Ibs (already sign-extended)
    }
    case 'J':
      if (size === 'v') c.os(); // objdump truncates rel16 targets and counts 66 as used;
      c.immIndex++; //           with rel8 it shows `data16` (and an untruncated target)
      return c.target(i.imm);
    case 'O': // objdump still prints `addr16` before a 16-bit moffs
      return c.segOr(3) + hex(i.disp);
    case 'A':
      c.os();
      c.immIndex = 2;
      return hex(i.imm2 & 0xffff) + ':' + hex(i.imm);
    case 'X': case 'Y':
      return stringOperand(c, kind, size);
  }
  return '?' + tok;
}

/** Prefix words objdump prints for this instruction, in byte order. */
function prefixWords(c: Ctx, base: string, skip = -1): string[] {
  const { i, raw } = c;
  const b = i.bytes;
  const last = (pred: (x: number) => boolean) => {
    let k = -1;
    for (let n = 0; n < raw.npre; n++) if (pred(b[n])) k = n;
    return k;
  };
  const last66 = last((x) => x === 0x66);
  const last67 = last((x) => x === 0x67);
  const lastSeg = last((x) => x in SEG_PREFIX);
  const words: string[] = [];
  for (let n = 0; n < raw.npre; n++) {
    const x = b[n];
    if (n === skip) continue;
    if (x === 0x66) {
      if (!(c.usedOs && n === last66)) words.push('data16');
    } else if (x === 0x67) {
      if (!(c.usedAs && n === last67)) words.push('addr16');
    } else if (x === 0xf0) words.push('lock');
    else if (x === 0xf3) words.push(STRING_BASE[base] ?? 'repz');
    else if (x === 0xf2) words.push('repnz');
    else if (!(c.usedSeg && n === lastSeg)) {
      // DS on an indirect near jmp/call is CET's NOTRACK hint to objdump.
      const ext = (raw.modrm >> 3) & 7;
      const indirect = raw.op.length === 1 && raw.op[0] === 0xff && (ext === 2 || ext === 4);
      words.push(x === 0x3e && indirect ? 'notrack' : SEG_NAMES[SEG_PREFIX[x]]);
    }
  }
  return words;
}

/**
 * Format a decoded instruction the way objdump -M intel does. Undecodable instructions
 * (the decoder's '(bad)' entries) come out as `(bad)`.
 */
export function formatParts(i: Insn, target: TargetFormatter): Formatted {
  const def = i.def;
  if (def.mnemonic === '(bad)') return badParts(i.bytes);
  const raw = rawOf(i);
  const c = new Ctx(i, raw, target);
  if (def.mnemonic === '(fpu)') return x87Parts(c);
  if (def.code.length === 1 && def.code[0] >= 0xd8 && def.code[0] <= 0xdf) return x87TableParts(c);
  // endbr32 / endbr64 (F3 0F 1E FB / FA): hint NOPs on this CPU, named as objdump does.
  if (def.code[0] === 0x0f && def.code[1] === 0x1e && i.rep === REP_E && (raw.modrm === 0xfb || raw.modrm === 0xfa)) {
    return { mnemonic: raw.modrm === 0xfb ? 'endbr32' : 'endbr64', operands: [] };
  }
  let name = def.mnemonic;
  if (def.mnemonic16 !== undefined && c.os() === 2) name = def.mnemonic16;
  const mapped = OBJDUMP_NAME[def.mnemonic];
  if (mapped) name = mapped[0] === mapped[1] ? mapped[0] : mapped[c.os() === 4 ? 0 : 1];
  else if (def.mnemonic16 === undefined && SUFFIX16.has(def.mnemonic) && /^((ES|CS|SS|DS|FS|GS|Iw)(,|$))*$/.test(def.operands) && c.os() === 2) {
    name += 'w';
  }

  const toks = def.operands ? def.operands.split(',').map((s) => s.trim()) : [];
  let ops: string[];
  if (name === 'nop' && raw.op[0] === 0x90 && raw.op.length === 1) {
    // 90 is xchg eax,eax: with 66 objdump shows `xchg ax,ax`; with F3 it is `pause`.
    if (i.rep === REP_E) {
      name = 'pause';
      c.usedOs = false;
      const f3 = i.bytes.lastIndexOf(0xf3, raw.npre - 1);
      return { mnemonic: [...prefixWords(c, name, f3), name].join(' '), operands: [] };
    }
    if (c.os() === 2) return { mnemonic: [...prefixWords(c, 'xchg'), 'xchg'].join(' '), operands: ['ax', 'ax'] };
    c.usedOs = false;
    ops = [];
  } else if (FULL_REG_WHEN_REG.has(name) && i.mod3) {
    ops = toks.map((t) => (t === 'Ew' ? c.reg('v', i.rm) : operand(t, c)));
  } else if (name === 'invlpg') {
    ops = [memory(c, 'BYTE PTR ')];
  } else if (name === 'xlat' && toks.length === 0) {
    c.usedAs = true;
    ops = ['BYTE PTR ' + c.segOr(3) + (i.as === 2 ? '[bx]' : '[ebx]')];
  } else {
    ops = toks.map((t) => operand(t, c));
  }
  if (SIZE_SUFFIXED.has(name)) name += c.os() === 4 ? 'd' : 'w';
  if (name === 'jecxz') {
    c.usedAs = true;
    if (i.as === 2) name = 'jcxz';
  }
  return { mnemonic: [...prefixWords(c, name), name].join(' '), operands: ops };
}

const X87_SIZE: Record<string, string> = { d: 'DWORD PTR ', q: 'QWORD PTR ', t: 'TBYTE PTR ', w: 'WORD PTR ', '': '' };

/** An x87 escape (D8-DF) with no table entry (the CPU raises #UD), named by disasm-x87.ts. */
function x87Parts(c: Ctx): Formatted {
  const { i, raw } = c;
  const f = x87Form(raw.op[0], raw.modrm);
  let name = f ? f.name : '(bad)';
  let ops: string[] = [];
  if (f && !i.mod3) {
    ops = [memory(c, X87_SIZE[f.operands])];
    if (X87_SIZE_SUFFIXED.has(name) && c.os() === 2) name += 'w';
  } else if (f) {
    const st = 'st(' + i.rm + ')';
    ops = f.operands === 'st,i' ? ['st', st] : f.operands === 'i,st' ? [st, 'st'] : f.operands === 'i' ? [st] : f.operands ? [f.operands] : [];
  }
  return { mnemonic: [...prefixWords(c, name), name].join(' '), operands: ops };
}

const X87_MEM_SIZE: Record<string, string> = { Mw: 'WORD PTR ', Md: 'DWORD PTR ', Mq: 'QWORD PTR ', Mt: 'TBYTE PTR ', M: '' };

/** An x87 instruction of the opcode table: its mnemonic and ST / ST(i) / memory operands. */
function x87TableParts(c: Ctx): Formatted {
  const { i } = c;
  let name = i.def.mnemonic;
  const toks = i.def.operands ? i.def.operands.split(',') : [];
  const ops = toks.map((t) => (t === 'ST' ? 'st' : t === 'STi' ? `st(${i.rm})` : t === 'AX' ? 'ax' : memory(c, X87_MEM_SIZE[t] ?? '')));
  if (X87_SIZE_SUFFIXED.has(name) && c.os() === 2) name += 'w';
  return { mnemonic: [...prefixWords(c, name), name].join(' '), operands: ops };
}

/** `(bad)` after the names of the prefixes before the opcode (`data16 (bad)`). */
export function badParts(bytes: ArrayLike<number>): Formatted {
  const words: string[] = [];
  for (let k = 0; k < bytes.length && isPrefix(bytes[k]); k++) {
    const x = bytes[k];
    words.push(x === 0x66 ? 'data16' : x === 0x67 ? 'addr16' : x === 0xf0 ? 'lock' : x === 0xf3 ? 'repz' : x === 0xf2 ? 'repnz' : SEG_NAMES[SEG_PREFIX[x]]);
  }
  words.push('(bad)');
  return { mnemonic: words.join(' '), operands: [] };
}

/** `mnemonic operands` with objdump's spacing: the mnemonic padded to 6, then a space. */
export function joinParts(f: Formatted): string {
  if (f.operands.length === 0) return f.mnemonic;
  return f.mnemonic.padEnd(6) + ' ' + f.operands.join(',');
}
