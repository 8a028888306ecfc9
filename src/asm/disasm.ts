// The disassembler: Intel syntax in the style of `objdump -d -M intel`, from the same
// opcode table and decoder the CPU runs (src/cpu/optable.ts, decodeAt), so what it shows
// is what the machine executes. Operand spelling lives in disasm-format.ts.
//
//   formatInsn(insn, symbols?)        → 'mov    eax,DWORD PTR [ebx+0x4]'
//   disassemble(bytes, addr, symbols?) → one DisasmLine per instruction
//   listing(lines, …)                 → objdump's text lines (address, bytes, text)
//
// The debugger formats single instructions with formatInsn; `forkbox disasm` (cli-disasm.ts)
// prints whole programs with listing().

import { decodeAt } from '../cpu/decoder.js';
import type { Insn } from '../cpu/insn.js';
import { badParts, formatParts, joinParts, type Formatted } from './disasm-format.js';

/** A symbol as the disassembler needs it (ElfSymbol from src/guest/elf.ts fits). */
export interface DisasmSymbol {
  name: string;
  value: number;
  size?: number;
  /** STT_*: 2 = FUNC, 3 = SECTION, 4 = FILE (section and file symbols are not labels). */
  type?: number;
  /** STB_*: 0 = local, 1 = global, 2 = weak. */
  bind?: number;
}

/**
 * Address → symbol lookup for `<sym+off>` annotations and listing headers. Among several
 * symbols at one address a global beats a weak beats a local, then table order decides.
 */
export class SymbolTable {
  private readonly sorted: DisasmSymbol[];
  private readonly addrs: number[];

  constructor(symbols: Iterable<DisasmSymbol>) {
    const rank = (s: DisasmSymbol) => (s.bind === 1 ? 0 : s.bind === 2 ? 1 : 2);
    const list = [...symbols].filter((s) => s.name && s.type !== 3 && s.type !== 4);
    const order = new Map(list.map((s, k) => [s, k]));
    list.sort((a, b) => (a.value >>> 0) - (b.value >>> 0) || rank(a) - rank(b) || order.get(a)! - order.get(b)!);
    this.sorted = list;
    this.addrs = list.map((s) => s.value >>> 0);
  }

  get size(): number {
    return this.sorted.length;
  }

  /** The symbol covering `addr`: the nearest at or below it, preferred one first. */
  lookup(addr: number): { symbol: DisasmSymbol; offset: number } | null {
    const a = addr >>> 0;
    let lo = 0;
    let hi = this.addrs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.addrs[mid] <= a) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return null;
    // Move to the first (preferred) symbol of that address.
    while (found > 0 && this.addrs[found - 1] === this.addrs[found]) found--;
    return { symbol: this.sorted[found], offset: a - this.addrs[found] };
  }

  /** The preferred symbol starting exactly at `addr`, if any (listing headers). */
  at(addr: number): DisasmSymbol | null {
    const r = this.lookup(addr);
    return r && r.offset === 0 ? r.symbol : null;
  }
}

export type SymbolsLike = SymbolTable | Iterable<DisasmSymbol>;

const tables = new WeakMap<object, SymbolTable>();
function asTable(s: SymbolsLike | undefined): SymbolTable | null {
  if (!s) return null;
  if (s instanceof SymbolTable) return s;
  let t = tables.get(s);
  if (!t) tables.set(s, (t = new SymbolTable(s)));
  return t;
}

/** `0x8049010`, or objdump's `8049010 <sym+0x10>` when a symbol covers the target. */
export function formatTarget(target: number, symbols?: SymbolsLike): string {
  const t = asTable(symbols);
  const r = t && t.size ? t.lookup(target) : null;
  if (!r) return '0x' + (target >>> 0).toString(16);
  return (target >>> 0).toString(16) + ' <' + r.symbol.name + (r.offset ? '+0x' + r.offset.toString(16) : '') + '>';
}

/** objdump's text for one decoded instruction: mnemonic padded to 6, operands. */
export function formatInsn(insn: Insn, symbols?: SymbolsLike): string {
  return joinParts(formatParts(insn, (t) => formatTarget(t, symbols)));
}

export interface DisasmLine {
  address: number;
  length: number;
  bytes: number[];
  /** Prefix words and mnemonic (`rep movs`), or `(bad)` / `.byte`. */
  mnemonic: string;
  operands: string[];
  /** mnemonic and operands as objdump prints them. */
  text: string;
  /** The decoded instruction; null for `(bad)` and `.byte` lines. */
  insn: Insn | null;
}

/** Prefix bytes + opcode bytes (0F 38 xx / 0F 3A xx are three): how much objdump
 *  consumes for an undecodable opcode. */
function badLength(bytes: Uint8Array, off: number): number {
  let k = off;
  while (k < bytes.length && k - off < 14 && [0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65].includes(bytes[k])) k++;
  if (k < bytes.length && bytes[k] === 0x0f) {
    k++;
    if (k < bytes.length && (bytes[k] === 0x38 || bytes[k] === 0x3a)) k++;
  }
  return Math.min(k + 1, bytes.length) - off;
}

/**
 * Disassemble `bytes` as 32-bit code loaded at `address`. Never throws: undecodable
 * opcodes give `(bad)` (consuming the prefixes and opcode bytes, as objdump does), and an
 * instruction cut off by the end of the buffer gives one `.byte 0x..` line per byte.
 */
export function disassemble(bytes: Uint8Array, address: number, symbols?: SymbolsLike, code32 = true): DisasmLine[] {
  const out: DisasmLine[] = [];
  const table = asTable(symbols) ?? undefined;
  let off = 0;
  while (off < bytes.length) {
    const addr = (address + off) >>> 0;
    const insn = decodeAt(bytes, off, addr, code32);
    if (off + insn.len > bytes.length) {
      for (; off < bytes.length; off++) {
        const b = bytes[off];
        out.push(line((address + off) >>> 0, [b], { mnemonic: '.byte', operands: ['0x' + b.toString(16)] }, null));
      }
      break;
    }
    if (insn.def.mnemonic === '(bad)') {
      const n = badLength(bytes, off);
      const raw = Array.from(bytes.subarray(off, off + n));
      out.push(line(addr, raw, badParts(raw), null));
      off += n;
      continue;
    }
    // objdump shows fwait followed by a no-wait x87 control instruction as NASM's waiting
    // form (9B DF E0 is `fstsw ax`), one line.
    if (insn.bytes.length === 1 && insn.bytes[0] === 0x9b && off + 1 < bytes.length && bytes[off + 1] >= 0xd8 && bytes[off + 1] <= 0xdf) {
      const next = decodeAt(bytes, off + 1, (addr + 1) >>> 0, code32);
      if (off + 1 + next.len <= bytes.length && NOWAIT.has(next.def.mnemonic)) {
        const f = formatParts(next, (t) => formatTarget(t, table));
        const waiting = { mnemonic: f.mnemonic.replace(/\bfn/, 'f'), operands: f.operands };
        out.push(line(addr, [0x9b, ...next.bytes], waiting, insn));
        off += 1 + next.len;
        continue;
      }
    }
    out.push(line(addr, insn.bytes.slice(), formatParts(insn, (t) => formatTarget(t, table)), insn));
    off += insn.len;
  }
  return out;
}

/** The no-wait x87 control instructions that have a waiting form (fstsw, finit …). */
const NOWAIT = new Set(['fninit', 'fnclex', 'fnstsw', 'fnstcw', 'fnstenv', 'fnsave']);

function line(address: number, bytes: number[], f: Formatted, insn: Insn | null): DisasmLine {
  const text = f.mnemonic === '.byte' ? '.byte ' + f.operands[0] : joinParts(f);
  return { address, length: bytes.length, bytes, mnemonic: f.mnemonic, operands: f.operands, text, insn };
}

/**
 * How many leading address digits objdump drops for a section ending at `end`: leading
 * zeros in chunks of 4, always leaving one (binutils objdump.c, disassemble_section).
 */
export function addressSkip(end: number): number {
  const s = (end >>> 0).toString(16).padStart(8, '0');
  let k = 0;
  while (k < s.length && s[k] === '0') k++;
  if (k === s.length) return 0;
  return k ? (k - 1) & -4 : 0;
}

/** An address as objdump prints it in the first column (leading zeros as spaces). */
export function formatAddress(addr: number, skip: number): string {
  const s = (addr >>> 0).toString(16).padStart(8, '0').slice(skip);
  const t = s.replace(/^0+/, (z) => ' '.repeat(z.length));
  return t.endsWith(' ') ? t.slice(0, -1) + '0' : t;
}

/** objdump's columns: `addr:\tb1 b2 … (7 per line, padded)\ttext`, continuation lines
 *  for longer instructions. `end` (the section end) sets the address width. */
export function listing(lines: DisasmLine[], end?: number): string[] {
  const last = lines.length ? lines[lines.length - 1] : null;
  const skip = addressSkip(end ?? (last ? last.address + last.length : 0));
  const out: string[] = [];
  for (const l of lines) {
    const hexes = l.bytes.map((b) => b.toString(16).padStart(2, '0') + ' ');
    out.push(`${formatAddress(l.address, skip)}:\t${hexes.slice(0, 7).join('').padEnd(21)}\t${l.text}`);
    for (let k = 7; k < hexes.length; k += 7) {
      out.push(`${formatAddress(l.address + k, skip)}:\t${hexes.slice(k, k + 7).join('')}`);
    }
  }
  return out;
}
