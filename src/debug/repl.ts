// The debugger's read-eval-print loop: node:readline with history and tab completion of
// commands and symbols, a prompt, and ctrl-C that interrupts a running guest (at the
// prompt it only says how to leave). In batch mode — a script of commands from
// `--batch FILE`, or stdin when it is not a terminal — each command is echoed after
// the prompt, so that the output reads as a transcript (the tests compare them).

import { createInterface } from 'node:readline';
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Commands } from './commands.js';

export const PROMPT = '(forkbox) ';

export interface ReplIO {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** The input is a terminal: prompt, history, completion. */
  terminal: boolean;
  /** Install a ctrl-C handler for batch mode (not a terminal); returns its remover. */
  onInterrupt?(handler: () => void): () => void;
  /** Where the command history is kept between sessions (default ~/.forkbox_debug_history;
   *  null: nowhere). */
  historyFile?: string | null;
}

const HISTORY_SIZE = 1000;

function loadHistory(file: string | null): string[] {
  if (!file) return [];
  try {
    // readline wants the newest first.
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

function saveHistory(file: string | null, history: string[]): void {
  if (!file) return;
  try {
    writeFileSync(file, [...history].reverse().join('\n') + '\n');
  } catch {
    // A history that cannot be saved is not worth an error.
  }
}

/** Run commands from a script, echoing each; stops at `quit`. */
export async function runBatch(cmds: Commands, lines: string[], write: (s: string) => void): Promise<void> {
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.trim().startsWith('#')) {
      write(`${line}\n`); // a comment of the script: shown, without a prompt
      continue;
    }
    write(`${PROMPT}${line}\n`);
    if ((await cmds.execute(line)) === 'quit') return;
  }
}

/** The interactive loop; resolves when the user quits (or input ends). */
export function runInteractive(cmds: Commands, io: ReplIO): Promise<void> {
  return new Promise<void>((resolve) => {
    const historyFile = io.historyFile === undefined ? join(homedir(), '.forkbox_debug_history') : io.historyFile;
    const rl = createInterface({
      input: io.input,
      output: io.output,
      terminal: io.terminal,
      prompt: PROMPT,
      historySize: HISTORY_SIZE,
      history: loadHistory(historyFile),
      removeHistoryDuplicates: true,
      completer: (line: string) => cmds.complete(line),
    });
    rl.on('history', (h: string[]) => saveHistory(historyFile, h));
    let busy = false;
    let last = '';
    let closed = false;
    rl.on('SIGINT', () => {
      if (cmds.interrupt()) return;
      io.output.write('\nQuit (type "quit" to leave)\n');
      rl.prompt();
    });
    rl.on('line', async (line) => {
      if (busy) return;
      // An empty line repeats a stepping command, as in gdb.
      const cmd = line.trim() === '' && /^(si|stepi|ni|nexti|s|step|n|next|x\b.*|list|l)$/.test(last.split(/\s+/)[0] ?? '') ? last : line;
      if (line.trim() !== '') last = line.trim();
      // The input stays open while a command runs: ctrl-C must reach the SIGINT handler
      // to interrupt a running guest (lines typed meanwhile are dropped).
      busy = true;
      let quit = false;
      try {
        quit = (await cmds.execute(cmd)) === 'quit';
      } finally {
        busy = false;
      }
      if (quit || closed) {
        rl.close();
        return;
      }
      rl.prompt();
    });
    rl.on('close', () => {
      closed = true;
      if (!busy) resolve();
      else {
        const wait = setInterval(() => {
          if (!busy) {
            clearInterval(wait);
            resolve();
          }
        }, 10);
      }
    });
    rl.prompt();
  });
}
