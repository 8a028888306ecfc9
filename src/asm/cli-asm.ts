// `forkbox asm prog.asm [-o prog]`: assemble a NASM-syntax file into an ELF32 i386
// executable (mode 0755). Diagnostics go to stderr as `file:line:col: error: message`
// with the source line and a caret. Exit status: 0 on success, 2 on assembly errors and
// when a file cannot be read or written.

import { chmodSync, writeFileSync } from 'node:fs';
import { HostFileError, readHostFile } from '../host-file.js';
import { assemble } from './assembler.js';
import { formatDiagnostics } from './diagnostics.js';

export interface CliIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const USAGE = `usage: forkbox asm FILE.asm [-o OUTPUT] [--no-debug] [--symbols] [--lines]
  Assemble NASM-syntax i386 source into an ELF32 executable.
  -o OUTPUT     output file (default: FILE without .asm)
  --no-debug    leave out the DWARF line table
  --symbols     print the symbol table
  --lines       print the line table (address, size, file:line)
`;

export async function asmCommand(argv: string[], io: CliIO): Promise<number> {
  let input: string | undefined;
  let output: string | undefined;
  let debug = true;
  let showSyms = false;
  let showLines = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-o') {
      output = argv[++i];
      if (output === undefined) {
        io.stderr.write('forkbox asm: -o needs a file name\n' + USAGE);
        return 2;
      }
    } else if (a.startsWith('-o') && a.length > 2) output = a.slice(2);
    else if (a === '--no-debug') debug = false;
    else if (a === '--symbols') showSyms = true;
    else if (a === '--lines') showLines = true;
    else if (a === '-h' || a === '--help') {
      io.stdout.write(USAGE);
      return 0;
    } else if (a.startsWith('-') && a !== '-') {
      io.stderr.write(`forkbox asm: unknown option '${a}'\n` + USAGE);
      return 2;
    } else if (input === undefined) input = a;
    else {
      io.stderr.write(`forkbox asm: only one input file is supported ('${a}')\n`);
      return 2;
    }
  }
  if (input === undefined) {
    io.stderr.write('forkbox asm: no input file\n' + USAGE);
    return 2;
  }
  output ??= input.endsWith('.asm') ? input.slice(0, -4) : input + '.out';
  if (output === input) {
    io.stderr.write(`forkbox asm: the output would overwrite the input '${input}'\n`);
    return 2;
  }
  let source: string;
  try {
    source = readSource(input);
  } catch (e) {
    io.stderr.write(`forkbox asm: ${e instanceof HostFileError ? e.message : `${input}: ${(e as Error).message}`}\n`);
    return 2;
  }
  const r = assemble(source, input, readSource, { debugLines: debug });
  const diags = [...r.errors, ...r.warnings];
  if (diags.length) io.stderr.write(formatDiagnostics(diags));
  if (!r.ok || !r.elf) {
    io.stderr.write(`forkbox asm: ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}, no output written\n`);
    return 2;
  }
  try {
    writeFileSync(output, r.elf);
    chmodSync(output, 0o755);
  } catch (e) {
    io.stderr.write(`forkbox asm: cannot write '${output}': ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return 2;
  }
  if (showSyms) {
    for (const s of [...r.symbols].sort((a, b) => a.value - b.value)) {
      io.stdout.write(`${(s.value >>> 0).toString(16).padStart(8, '0')} ${s.global ? 'g' : 'l'} ${(s.section ?? '*ABS*').padEnd(8)} ${s.name}\n`);
    }
  }
  if (showLines) {
    for (const l of r.lines) io.stdout.write(`${l.address.toString(16).padStart(8, '0')} ${String(l.size).padStart(4)} ${l.file}:${l.line}\n`);
  }
  return 0;
}

/** A source or included file's text (host-file.ts: regular files of a bounded size). */
function readSource(path: string): string {
  return readHostFile(path).toString('utf8');
}
