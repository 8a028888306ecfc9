// Small helpers for the assembler tests: assemble a snippet and get the bytes of its
// .text/.data, or its formatted diagnostics.

import { assemble, type AssembleResult } from '../../src/asm/assembler.js';
import { formatDiagnostics } from '../../src/asm/diagnostics.js';

export const TEXT_BASE = 0x08049000;

/** Assemble a program; files maps include names (relative to /src/) to contents. */
export function asm(source: string, files: Record<string, string> = {}, name = '/src/test.asm'): AssembleResult {
  return assemble(source, name, (p) => {
    const key = p.replace(/^\/src\//, '');
    if (key in files) return files[key];
    throw new Error('ENOENT');
  });
}

/** Assemble `body` after a `_start:` label in .text and return the .text bytes. */
export function code(body: string): number[] {
  const r = asm(`section .text\nglobal _start\n_start:\n${body}\n`);
  if (!r.ok) throw new Error('unexpected errors:\n' + formatDiagnostics(r.errors));
  return Array.from(r.sections.find((s) => s.name === '.text')!.data);
}

export function section(r: AssembleResult, name: string): number[] {
  const s = r.sections.find((x) => x.name === name);
  return s ? Array.from(s.data) : [];
}

export function errorsOf(source: string, files: Record<string, string> = {}): string {
  return formatDiagnostics(asm(source, files).errors);
}

export const h = (s: string): number[] => s.trim().split(/\s+/).filter(Boolean).map((x) => parseInt(x, 16));
