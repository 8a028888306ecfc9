// Reading an ELF's DWARF line table (.debug_line, DWARF versions 2 to 4, §6.2 of the
// spec), so that a program given to the debugger as an ELF file — built by `forkbox asm`,
// or by nasm -g and ld — steps by source line as one given as .asm does. The whole line
// number state machine is run (standard, extended and special opcodes); rows become
// address ranges [row, next row) of one file and line.

import { parseElf } from '../guest/elf.js';
import type { LineInfo } from './symbols.js';

const DW_LNS_copy = 1;
const DW_LNS_advance_pc = 2;
const DW_LNS_advance_line = 3;
const DW_LNS_set_file = 4;
const DW_LNS_set_column = 5;
const DW_LNS_negate_stmt = 6;
const DW_LNS_set_basic_block = 7;
const DW_LNS_const_add_pc = 8;
const DW_LNS_fixed_advance_pc = 9;
const DW_LNE_end_sequence = 1;
const DW_LNE_set_address = 2;
const DW_LNE_define_file = 3;

class Reader {
  constructor(
    private readonly b: Uint8Array,
    public pos: number,
  ) {}

  u8(): number {
    if (this.pos >= this.b.length) throw new RangeError('truncated .debug_line');
    return this.b[this.pos++];
  }
  u16(): number {
    return this.u8() | (this.u8() << 8);
  }
  u32(): number {
    return (this.u16() | (this.u16() << 16)) >>> 0;
  }
  uleb(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const c = this.u8();
      v += (c & 0x7f) * mul;
      mul *= 128;
      if ((c & 0x80) === 0) return v;
    }
  }
  sleb(): number {
    let v = 0;
    let mul = 1;
    let c: number;
    do {
      c = this.u8();
      v += (c & 0x7f) * mul;
      mul *= 128;
    } while (c & 0x80);
    return c & 0x40 ? v - mul : v;
  }
  cstr(): string {
    const start = this.pos;
    while (this.u8() !== 0);
    return Buffer.from(this.b.subarray(start, this.pos - 1)).toString('utf8');
  }
}

/** The line table of an ELF file, or [] when it has none (or it cannot be read). */
export function readElfLines(elfBytes: Uint8Array): LineInfo[] {
  const r = parseElf(elfBytes);
  if (!r.ok) return [];
  const sec = r.elf.sections.find((s) => s.name === '.debug_line');
  if (!sec || sec.offset + sec.size > elfBytes.length) return [];
  try {
    return readDebugLine(elfBytes.subarray(sec.offset, sec.offset + sec.size));
  } catch {
    return [];
  }
}

/** Every unit of a .debug_line section. */
export function readDebugLine(data: Uint8Array): LineInfo[] {
  const out: LineInfo[] = [];
  const rd = new Reader(data, 0);
  while (rd.pos + 4 <= data.length) {
    const unitLength = rd.u32();
    if (unitLength === 0xffffffff) return out; // 64-bit DWARF: not for i386
    const end = rd.pos + unitLength;
    const version = rd.u16();
    if (version < 2 || version > 4) {
      rd.pos = end;
      continue;
    }
    const headerLength = rd.u32();
    const programStart = rd.pos + headerLength;
    const minInsn = rd.u8();
    if (version >= 4) rd.u8(); // maximum_operations_per_instruction
    rd.u8(); // default_is_stmt
    const lineBase = (rd.u8() << 24) >> 24;
    const lineRange = rd.u8();
    const opcodeBase = rd.u8();
    const argCounts = [0];
    for (let k = 1; k < opcodeBase; k++) argCounts.push(rd.u8());
    const dirs = [''];
    for (let d = rd.cstr(); d !== ''; d = rd.cstr()) dirs.push(d);
    const files = [''];
    const readFile = (name: string) => {
      const dir = rd.uleb();
      rd.uleb(); // mtime
      rd.uleb(); // length
      files.push(dir > 0 && dir < dirs.length && !name.startsWith('/') ? `${dirs[dir]}/${name}` : name);
    };
    for (let f = rd.cstr(); f !== ''; f = rd.cstr()) readFile(f);
    rd.pos = programStart;

    let address = 0;
    let file = 1;
    let line = 1;
    let rows: Array<{ address: number; file: number; line: number; end: boolean }> = [];
    const flush = () => {
      for (let k = 0; k + 1 < rows.length; k++) {
        const a = rows[k];
        if (a.end) continue;
        const size = rows[k + 1].address - a.address;
        if (size > 0) out.push({ file: files[a.file] ?? `file${a.file}`, line: a.line, address: a.address >>> 0, size });
      }
      rows = [];
    };
    const row = (endSeq = false) => rows.push({ address, file, line, end: endSeq });
    while (rd.pos < end) {
      const op = rd.u8();
      if (op >= opcodeBase) {
        const adj = op - opcodeBase;
        address += Math.floor(adj / lineRange) * minInsn;
        line += lineBase + (adj % lineRange);
        row();
        continue;
      }
      switch (op) {
        case 0: {
          const len = rd.uleb();
          const next = rd.pos + len;
          const sub = rd.u8();
          if (sub === DW_LNE_end_sequence) {
            row(true);
            flush();
            address = 0;
            file = 1;
            line = 1;
          } else if (sub === DW_LNE_set_address) {
            address = rd.u32();
          } else if (sub === DW_LNE_define_file) {
            readFile(rd.cstr());
          }
          rd.pos = next;
          break;
        }
        case DW_LNS_copy: row(); break;
        case DW_LNS_advance_pc: address += rd.uleb() * minInsn; break;
        case DW_LNS_advance_line: line += rd.sleb(); break;
        case DW_LNS_set_file: file = rd.uleb(); break;
        case DW_LNS_set_column: rd.uleb(); break;
        case DW_LNS_negate_stmt: case DW_LNS_set_basic_block: break;
        case DW_LNS_const_add_pc: address += Math.floor((255 - opcodeBase) / lineRange) * minInsn; break;
        case DW_LNS_fixed_advance_pc: address += rd.u16(); break;
        default:
          for (let k = 0; k < argCounts[op]; k++) rd.uleb();
      }
    }
    flush();
    rd.pos = end;
  }
  return out;
}
