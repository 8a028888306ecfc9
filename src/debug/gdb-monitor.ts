// `monitor CMD` for the gdb stub (gdbstub.ts answers qRcmd with it): the REPL's commands
// (commands.ts), with their output returned as text for the stub to send in O packets.
//
// Contract: commands that would change what gdb caches (execution, breakpoints, register
// writes) are refused with a message, not run; everything else runs as in the REPL, on
// the viewed task (the stub sets it to gdb's selected thread first).

import type { Debugger } from './debugger.js';
import { Commands } from './commands.js';

/** Commands gdb must run itself (its caches of registers and breakpoints would go stale). */
const GDB_OWN = new Set([
  'stepi', 'si', 'nexti', 'ni', 'step', 's', 'next', 'n', 'continue', 'c', 'cont', 'finish', 'fin', 'until', 'u', 'advance',
  'reverse-stepi', 'rsi', 'reverse-continue', 'rc', 'break', 'b', 'br', 'tbreak', 'tb', 'watch', 'rwatch', 'awatch', 'set',
]);

/**
 * `monitor CMD` through the REPL's commands (commands.ts): ps, task, maps, pt, frames,
 * stats, timers, info, x, disas, bt, list, print, catch … Execution and breakpoint
 * commands are gdb's own and are refused, as is `delete` of everything (it would take
 * gdb's breakpoints too).
 */
export function replMonitor(dbg: Debugger): (command: string) => Promise<string> {
  let out = '';
  const cmds = new Commands(dbg, { write: (t) => void (out += t) });
  return async (command: string) => {
    const word = command.split(/\s+/)[0] ?? '';
    const name = word.split('/')[0];
    const cmd = name === '' ? undefined : cmds.find(name);
    if (cmd && cmd.names.some((n) => GDB_OWN.has(n))) return `'${name}' is gdb's own command here: use it without 'monitor'\n`;
    if (cmd && cmd.names.includes('delete') && command.trim() === word) return "'monitor delete' needs the numbers of the catchpoints to delete\n";
    out = '';
    await cmds.execute(command);
    return out;
  };
}
