// DWARF debugging information for the line table: a .debug_line program (DWARF version 3
// line-number program, DWARF 3 spec §6.2) mapping every .text address range to its source
// file and line, with the minimal .debug_info compile unit and .debug_abbrev that tools
// (addr2line, objdump -dl, gdb) need to find it. Lines from a macro expansion map to the
// line of the invocation.
//
// The line program uses only standard opcodes (no special opcodes), which keeps it easy
// to read for forkbox's own debugger: per row DW_LNS_set_file (when it changes),
// DW_LNS_advance_line, DW_LNS_advance_pc, DW_LNS_copy; DW_LNE_set_address starts the
// sequence and DW_LNE_end_sequence ends it at the end of .text.

import type { LineEntry } from './assembler.js';

const DW_LNS_copy = 1;
const DW_LNS_advance_pc = 2;
const DW_LNS_advance_line = 3;
const DW_LNS_set_file = 4;
const DW_LNE_end_sequence = 1;
const DW_LNE_set_address = 2;

function uleb(out: number[], v: number): void {
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
}

function sleb(out: number[], v: number): void {
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function u16(out: number[], v: number): void {
  out.push(v & 0xff, (v >>> 8) & 0xff);
}
function u32(out: number[], v: number): void {
  out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
}
function cstr(out: number[], s: string): void {
  for (const b of Buffer.from(s, 'utf8')) out.push(b);
  out.push(0);
}

/** Build [.debug_line, .debug_info, .debug_abbrev] for the .text line entries. */
export function dwarfSections(lines: LineEntry[], sourceName: string, low: number, high: number): Array<[string, number[]]> {
  const files: string[] = [];
  const fileIndex = (f: string) => {
    let i = files.indexOf(f);
    if (i < 0) {
      files.push(f);
      i = files.length - 1;
    }
    return i + 1; // DWARF file numbers start at 1
  };
  const rows = [...lines].sort((a, b) => a.address - b.address);
  for (const r of rows) fileIndex(r.file);

  // Header after header_length
  const hdr: number[] = [];
  hdr.push(1); // minimum_instruction_length
  hdr.push(1); // default_is_stmt
  hdr.push(0xfb); // line_base = -5
  hdr.push(14); // line_range
  hdr.push(13); // opcode_base
  hdr.push(0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1); // standard_opcode_lengths
  hdr.push(0); // include_directories: none
  for (const f of files) {
    cstr(hdr, f);
    uleb(hdr, 0); // directory: the compilation directory
    uleb(hdr, 0); // mtime
    uleb(hdr, 0); // length
  }
  hdr.push(0);

  const prog: number[] = [];
  prog.push(0, 5, DW_LNE_set_address);
  u32(prog, rows.length ? rows[0].address : low);
  let file = 1;
  let line = 1;
  let addr = rows.length ? rows[0].address : low;
  for (const r of rows) {
    const f = fileIndex(r.file);
    if (f !== file) {
      prog.push(DW_LNS_set_file);
      uleb(prog, f);
      file = f;
    }
    if (r.line !== line) {
      prog.push(DW_LNS_advance_line);
      sleb(prog, r.line - line);
      line = r.line;
    }
    if (r.address !== addr) {
      prog.push(DW_LNS_advance_pc);
      uleb(prog, r.address - addr);
      addr = r.address;
    }
    prog.push(DW_LNS_copy);
  }
  if (high > addr) {
    prog.push(DW_LNS_advance_pc);
    uleb(prog, high - addr);
  }
  prog.push(0, 1, DW_LNE_end_sequence);

  const line_: number[] = [];
  u32(line_, 2 + 4 + hdr.length + prog.length); // unit_length
  u16(line_, 3); // version
  u32(line_, hdr.length); // header_length
  line_.push(...hdr, ...prog);

  // .debug_abbrev: one compile unit without children
  const abbrev: number[] = [];
  uleb(abbrev, 1);
  uleb(abbrev, 0x11); // DW_TAG_compile_unit
  abbrev.push(0); // DW_CHILDREN_no
  const attrs: Array<[number, number]> = [
    [0x10, 0x06], // DW_AT_stmt_list, DW_FORM_data4
    [0x11, 0x01], // DW_AT_low_pc, DW_FORM_addr
    [0x12, 0x01], // DW_AT_high_pc, DW_FORM_addr
    [0x03, 0x08], // DW_AT_name, DW_FORM_string
    [0x25, 0x08], // DW_AT_producer, DW_FORM_string
    [0x13, 0x05], // DW_AT_language, DW_FORM_data2
  ];
  for (const [a, f] of attrs) {
    uleb(abbrev, a);
    uleb(abbrev, f);
  }
  abbrev.push(0, 0, 0);

  // .debug_info: DWARF 2 compile unit header + one DIE
  const die: number[] = [];
  uleb(die, 1);
  u32(die, 0);
  u32(die, low);
  u32(die, high);
  cstr(die, sourceName);
  cstr(die, 'forkbox asm');
  u16(die, 0x8001); // DW_LANG_Mips_Assembler
  const info: number[] = [];
  u32(info, 2 + 4 + 1 + die.length);
  u16(info, 2);
  u32(info, 0);
  info.push(4);
  info.push(...die);

  return [
    ['.debug_line', line_],
    ['.debug_info', info],
    ['.debug_abbrev', abbrev],
  ];
}
