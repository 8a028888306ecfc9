// `forkbox disasm PROGRAM`: objdump -d -M intel style output for an ELF32 i386 program,
// read and validated with the loader's parser (src/guest/elf.ts).
//
// Disassembles every SHF_EXECINSTR section (or, without section headers, every
// executable PT_LOAD segment's file bytes) with symbol headers `08049000 <_start>:` and
// `<sym+off>` branch targets. A static PIE is shown at its run-time addresses (as the
// debugger sees it), where objdump shows link-time ones.
// Errors (usage, unreadable file, invalid ELF) print one line and return exit code 2.

import { HostFileError, readHostFile } from '../host-file.js';
import { parseElf, SHF_EXECINSTR, SHT_PROGBITS, type Elf } from '../guest/elf.js';
import { SymbolTable, disassemble, listing, type DisasmSymbol } from './disasm.js';

/** Where the command writes; the CLI passes process.stdout/stderr writers. */
export interface DisasmIO {
  stdout(s: string): void;
  stderr(s: string): void;
}

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

export async function disasmCommand(argv: string[], io: DisasmIO): Promise<number> {
  const fail = (msg: string) => {
    io.stderr(`forkbox disasm: ${msg}\n`);
    return 2;
  };
  const files = argv.filter((a) => !a.startsWith('-'));
  const opts = argv.filter((a) => a.startsWith('-'));
  if (opts.length) return fail(`unknown option ${opts[0]}`);
  if (files.length !== 1) return fail('usage: forkbox disasm PROGRAM');
  const file = files[0];
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readHostFile(file));
  } catch (e) {
    return fail(e instanceof HostFileError ? e.message : `${file}: ${(e as Error).message}`);
  }
  const r = parseElf(bytes);
  if (!r.ok) return fail(`${file}: ${r.error}`);
  io.stdout(render(file, bytes, r.elf));
  return 0;
}

/** The whole listing as one string. */
export function render(file: string, bytes: Uint8Array, elf: Elf): string {
  // Section names stand in where no symbol covers an address, as objdump's section symbols do.
  const syms: DisasmSymbol[] = [...elf.symbols];
  for (const s of elf.sections) if (s.flags & SHF_EXECINSTR) syms.push({ name: s.name, value: s.addr, bind: 99 });
  const table = new SymbolTable(syms);
  let out = `\n${file}:     file format elf32-i386\n\n`;

  const regions: Array<{ title: string; addr: number; data: Uint8Array }> = [];
  const exec = elf.sections.filter((s) => s.flags & SHF_EXECINSTR && s.size > 0);
  if (exec.length) {
    for (const s of exec) {
      const data = s.type === SHT_PROGBITS ? bytes.subarray(s.offset, s.offset + s.size) : new Uint8Array(0);
      regions.push({ title: `section ${s.name}`, addr: s.addr, data });
    }
  } else {
    elf.segments.forEach((seg, k) => {
      if (!seg.x) return;
      const perms = (seg.r ? 'R' : '-') + (seg.w ? 'W' : '-') + 'X';
      regions.push({ title: `segment ${k} (${hex8(seg.vaddr)}, ${perms})`, addr: seg.vaddr, data: bytes.subarray(seg.offset, seg.offset + seg.filesz) });
    });
  }
  for (const reg of regions) {
    out += `\nDisassembly of ${reg.title}:\n`;
    const lines = disassemble(reg.data, reg.addr, table);
    const text = listing(lines, reg.addr + reg.data.length);
    let t = 0;
    for (const l of lines) {
      const sym = table.at(l.address);
      if (sym) out += `\n${hex8(l.address)} <${sym.name}>:\n`;
      const n = Math.ceil(l.length / 7) || 1;
      out += text.slice(t, t + n).join('\n') + '\n';
      t += n;
    }
  }
  return out;
}
