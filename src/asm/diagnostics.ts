// Diagnostics of the assembler: every error carries a source location, and is printed the
// way NASM and compilers do — `file:line:col: error: message`, then the source line and a
// caret under the column. The assembler collects them instead of throwing, so one run
// reports every error of a file.

/** Where a piece of source comes from. `text` is the whole source line (for the caret). */
export interface SourceLoc {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
  text: string;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  loc: SourceLoc;
}

/** Thrown inside the assembler to abandon one line; always caught by the line loop. */
export class AsmError extends Error {
  constructor(message: string, public readonly col?: number) {
    super(message);
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  const { file, line, col, text } = d.loc;
  const head = `${file}:${line}:${col}: ${d.severity}: ${d.message}`;
  if (!text && text !== '') return head;
  // control characters (a binary file given as source) shown as '?', one column each
  const src = text.replace(/\t/g, ' ').replace(/[\x00-\x1f\x7f]/g, '?');
  const caret = ' '.repeat(Math.max(0, col - 1)) + '^';
  return `${head}\n${src}\n${caret}`;
}

export function formatDiagnostics(ds: readonly Diagnostic[]): string {
  return ds.map((d) => formatDiagnostic(d) + '\n').join('');
}
