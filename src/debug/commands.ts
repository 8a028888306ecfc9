// The debugger's commands, with gdb's names and abbreviations: each takes the rest of
// the line and writes text. Shared by the REPL (repl.ts) and the gdb stub's `monitor`.
//
// Every stop is printed the same way (printStop): why it stopped (the breakpoint, the
// kernel event, the kernel's work during a step), then where — the task, the address
// with its symbol, the instruction, and the source line when the line table has it.

import { Debugger, DebugError, hex8, REGISTER_NAMES, type CatchKind, type RegisterName, type StopEvent, type WatchKind } from './debugger.js';
import { ExprError } from './expr.js';
import { disassemble } from '../asm/disasm.js';
import * as kv from './kview.js';

export interface CommandOutput {
  /** Text to show; may hold several lines, ends with a newline. */
  write(text: string): void;
}

interface Command {
  names: string[];
  usage: string;
  help: string;
  run: (args: string) => void | Promise<void>;
  /** What tab completion offers for the arguments. */
  complete?: 'symbol' | 'task' | string[];
}

export class CommandError extends Error {}

const hex = (v: number) => '0x' + (v >>> 0).toString(16);

export class Commands {
  readonly commands: Command[];
  /** stepi from user mode steps user instructions ('user'), or positions ('any'). */
  stepMode: 'user' | 'any' = 'user';
  listSize = 10;
  private lastList: { file: string; line: number } | null = null;
  private lastX = { addr: 0, fmt: 'x', size: 4, count: 1 };
  private running = false;

  constructor(
    readonly d: Debugger,
    private readonly out: CommandOutput,
  ) {
    this.commands = this.table();
  }

  private print(...lines: string[]): void {
    if (lines.length) this.out.write(lines.join('\n') + '\n');
  }

  /** Run one command line. Returns 'quit' for quit. Errors are printed, not thrown. */
  async execute(line: string): Promise<'quit' | undefined> {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return undefined;
    const m = /^([a-zA-Z-]+|x\/?|\S+?)(\/\S*)?(?:\s+([\s\S]*))?$/.exec(text);
    let name = m ? m[1] : text;
    let args = (m?.[3] ?? '').trim();
    const suffix = m?.[2] ?? '';
    if (name === 'x' || name.startsWith('x/')) {
      args = (suffix + ' ' + args).trim();
      name = 'x';
    } else if (suffix) {
      args = `${suffix} ${args}`.trim();
    }
    if (name === 'quit' || name === 'q' || name === 'exit') return 'quit';
    const cmd = this.find(name);
    if (!cmd) {
      this.print(`Undefined command: "${name}".  Try "help".`);
      return undefined;
    }
    try {
      await cmd.run(args);
    } catch (e) {
      if (e instanceof DebugError || e instanceof CommandError || e instanceof ExprError || (e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError))) {
        this.print(e.message);
      } else throw e;
    }
    return undefined;
  }

  find(name: string): Command | undefined {
    const exact = this.commands.find((c) => c.names.includes(name));
    if (exact) return exact;
    // A unique prefix of a command name, as gdb allows.
    const matches = this.commands.filter((c) => c.names.some((n) => n.startsWith(name)));
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** Tab completion for readline: [candidates, the word completed]. */
  complete(line: string): [string[], string] {
    const words = line.split(/\s+/);
    if (words.length <= 1) {
      const w = words[0] ?? '';
      const names = this.commands.flatMap((c) => c.names).concat('quit');
      return [names.filter((n) => n.startsWith(w)).sort(), w];
    }
    const cmd = this.find(words[0]);
    const w = words[words.length - 1];
    let cands: string[] = [];
    if (cmd?.complete === 'symbol') cands = this.d.symbols.names(this.d.kernel).concat(REGISTER_NAMES.map((r) => '$' + r));
    else if (cmd?.complete === 'task') cands = this.d.tasks().map((t) => String(t.pid));
    else if (Array.isArray(cmd?.complete)) cands = cmd.complete;
    return [cands.filter((c) => c.startsWith(w)), w];
  }

  // -------------------------------------------------------------------------------------
  // Printing a stop.

  printStop(ev: StopEvent): void {
    const lines: string[] = [];
    if (ev.message) lines.push(ev.message);
    if (ev.reason !== 'exit' && !this.d.ended) {
      lines.push(this.d.describeLocation(ev.pid));
      const src = this.sourceLine(ev.eip, ev.pid);
      if (src) lines.push(src);
    }
    this.print(...lines);
  }

  private sourceLine(eip: number, pid: number): string | null {
    const l = this.d.lineAt(eip, pid);
    if (!l) return null;
    const text = this.sourceText(l.file);
    this.lastList = { file: l.file, line: l.line };
    const base = l.file.slice(l.file.lastIndexOf('/') + 1);
    return `${base}:${l.line}\t${text ? (text[l.line - 1] ?? '').replace(/\s+$/, '') : ''}`;
  }

  private sources = new Map<string, string[] | null>();
  private sourceText(file: string): string[] | null {
    if (!this.sources.has(file)) {
      const s = this.d.options.readSource?.(file) ?? null;
      this.sources.set(file, s === null ? null : s.split('\n'));
    }
    return this.sources.get(file)!;
  }

  // -------------------------------------------------------------------------------------
  // Helpers.

  private viewPid(): number {
    const d = this.d;
    if (d.task(d.viewPid)) return d.viewPid;
    return d.currentPid;
  }

  private count(args: string, def = 1): number {
    if (!args) return def;
    const n = this.d.evaluate(args, this.viewPid());
    if (n < 1) throw new CommandError('the count must be positive');
    return n;
  }

  private requireRunning(): void {
    if (this.d.ended) throw new CommandError('The program is not being run.');
  }

  private async runStop(f: () => StopEvent | Promise<StopEvent>, evenEnded = false): Promise<void> {
    if (!evenEnded) this.requireRunning();
    this.running = true;
    try {
      this.printStop(await f());
    } finally {
      this.running = false;
    }
  }

  /** ctrl-C: interrupt a running `continue`. Returns whether something was running. */
  interrupt(): boolean {
    if (!this.running) return false;
    this.d.interrupt();
    return true;
  }

  /** `LOCATION [if COND] [pid N]` of break/tbreak/watch. */
  private parseLocation(args: string): { loc: string; cond: string | null; pid: number | null } {
    let rest = args;
    let pid: number | null = null;
    const pm = /\s+(?:pid|task|thread)\s+(\d+)\s*$/.exec(rest);
    if (pm) {
      pid = Number(pm[1]);
      rest = rest.slice(0, pm.index);
      if (!this.d.task(pid)) throw new CommandError(`no task with pid ${pid}`);
    }
    const im = /\s+if\s+([\s\S]+)$/.exec(rest);
    let cond: string | null = null;
    if (im) {
      cond = im[1].trim();
      rest = rest.slice(0, im.index);
    } else if (/^if\s/.test(rest)) {
      cond = rest.slice(3).trim();
      rest = '';
    }
    return { loc: rest.trim(), cond, pid };
  }

  private breakCmd(args: string, temporary: boolean): void {
    const d = this.d;
    const { loc, cond, pid } = this.parseLocation(args);
    const where = loc || hex(d.readRegisters(this.viewPid()).eip);
    const addr = d.resolveLocation(where, this.viewPid());
    const id = d.addBreakpoint(addr, { temporary, condition: cond ?? undefined, pid: pid ?? undefined, location: where });
    const sym = d.symbolize(addr, this.viewPid());
    const line = d.lineAt(addr, this.viewPid());
    this.print(`${temporary ? 'Temporary breakpoint' : 'Breakpoint'} ${id} at ${hex8(addr)}${sym ? ' ' + sym : ''}${line ? `: file ${line.file.slice(line.file.lastIndexOf('/') + 1)}, line ${line.line}` : ''}${pid !== null ? ` (pid ${pid} only)` : ''}${cond ? ` if ${cond}` : ''}.`);
  }

  private watchCmd(args: string, kind: WatchKind): void {
    const d = this.d;
    const { loc, cond, pid } = this.parseLocation(args);
    if (!loc) throw new CommandError(`usage: ${kind === 'write' ? 'watch' : kind === 'read' ? 'rwatch' : 'awatch'} ADDR [LEN] [if COND] [pid N]`);
    // `ADDR LEN`: the last word is a length when it is a small number.
    let expr = loc;
    let len = 4;
    const lm = /^(.*\S)\s+(\d+)$/.exec(loc);
    if (lm && Number(lm[2]) <= 8) {
      expr = lm[1];
      len = Number(lm[2]);
    }
    const target = pid ?? this.viewPid();
    const addr = d.resolveLocation(expr.startsWith('*') ? expr.slice(1) : expr, target);
    const id = d.addWatchpoint(addr, len, kind, target, cond);
    const what = kind === 'write' ? 'Watchpoint' : kind === 'read' ? 'Hardware read watchpoint' : 'Hardware access (read/write) watchpoint';
    const sym = d.symbolize(addr, target);
    this.print(`${what} ${id}: ${hex8(addr)}${sym ? ' ' + sym : ''} (${len} byte${len > 1 ? 's' : ''}) in pid ${target}'s address space`);
  }

  private idList(args: string): number[] {
    return args.split(/[\s,]+/).filter(Boolean).flatMap((s) => {
      const r = /^(\d+)-(\d+)$/.exec(s);
      if (r) {
        const out: number[] = [];
        for (let i = Number(r[1]); i <= Number(r[2]); i++) out.push(i);
        return out;
      }
      if (!/^\d+$/.test(s)) throw new CommandError(`bad breakpoint number '${s}'`);
      return [Number(s)];
    });
  }

  private infoBreakpoints(): void {
    const d = this.d;
    const rows: string[] = [];
    const all: Array<{ id: number; line: string; extra: string[] }> = [];
    for (const b of d.breakpoints()) {
      const sym = d.symbolize(b.addr, this.viewPid());
      all.push({
        id: b.id,
        line: `${String(b.id).padEnd(4)}${(b.temporary ? 'breakpoint(t)' : 'breakpoint').padEnd(16)}${(b.enabled ? 'y' : 'n').padEnd(5)}${hex8(b.addr)} ${sym || ''} ${b.location !== hex(b.addr) ? `(${b.location})` : ''}`.trimEnd(),
        extra: [
          ...(b.pid !== null ? [`\tonly in pid ${b.pid}`] : []),
          ...(b.condition ? [`\tstop only if ${b.condition}`] : []),
          ...(b.hits ? [`\tbreakpoint already hit ${b.hits} time${b.hits > 1 ? 's' : ''}`] : []),
        ],
      });
    }
    for (const w of d.watchpoints()) {
      const type = w.kind === 'write' ? 'hw watchpoint' : w.kind === 'read' ? 'read watchpoint' : 'acc watchpoint';
      all.push({
        id: w.id,
        line: `${String(w.id).padEnd(4)}${type.padEnd(16)}${(w.enabled ? 'y' : 'n').padEnd(5)}${hex8(w.addr)} (${w.len} bytes, pid ${w.pid})`,
        extra: [...(w.condition ? [`\tstop only if ${w.condition}`] : []), ...(w.hits ? [`\twatchpoint already hit ${w.hits} time${w.hits > 1 ? 's' : ''}`] : [])],
      });
    }
    for (const c of d.catchpoints()) {
      all.push({
        id: c.id,
        line: `${String(c.id).padEnd(4)}${(c.temporary ? 'catchpoint(t)' : 'catchpoint').padEnd(16)}${(c.enabled ? 'y' : 'n').padEnd(5)}${c.kind}${c.filter.length ? ' ' + c.filter.join(' ') : ''}${c.pid !== null ? ` (pid ${c.pid})` : ''}`,
        extra: c.hits ? [`\tcatchpoint already hit ${c.hits} time${c.hits > 1 ? 's' : ''}`] : [],
      });
    }
    if (all.length === 0) {
      this.print('No breakpoints, watchpoints or catchpoints.');
      return;
    }
    all.sort((a, b) => a.id - b.id);
    rows.push('Num Type            Enb  Address    What');
    for (const a of all) rows.push(a.line, ...a.extra);
    this.print(...rows);
  }

  private examine(args: string): void {
    const d = this.d;
    const pid = this.viewPid();
    const m = /^\/(\d*)([xduotacfsibhwg]*)\s*([\s\S]*)$/.exec(args) ?? ['', '', '', args];
    const count = m[1] ? Number(m[1]) : 1;
    let fmt = this.lastX.fmt;
    let size = this.lastX.size;
    for (const c of m[2]) {
      if (c === 'b') size = 1;
      else if (c === 'h') size = 2;
      else if (c === 'w') size = 4;
      else if (c === 'g') size = 8;
      else fmt = c;
    }
    const addrText = m[3].trim();
    let addr = addrText ? d.resolveLocation(addrText, pid) : this.lastX.addr;
    if (fmt === 'i') {
      const lines = this.disasmLines(pid, addr, count);
      this.print(...lines.text);
      this.lastX = { addr: lines.next, fmt, size, count };
      return;
    }
    if (fmt === 's') {
      const out: string[] = [];
      for (let n = 0; n < count; n++) {
        let s = '';
        let a = addr;
        for (; s.length < 200; a++) {
          const b = d.readMemory(pid, a, 1)[0];
          if (b === 0) break;
          s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : b === 10 ? '\\n' : b === 9 ? '\\t' : `\\${b.toString(8).padStart(3, '0')}`;
        }
        out.push(`${hex8(addr)}${this.symAt(addr, pid)}:\t"${s}"`);
        addr = a + 1;
      }
      this.print(...out);
      this.lastX = { addr, fmt, size, count };
      return;
    }
    if (size === 8) size = 4;
    const bytes = d.readMemory(pid, addr, count * size);
    const perLine = size === 1 ? 8 : size === 2 ? 8 : 4;
    const out: string[] = [];
    for (let n = 0; n < count; n += perLine) {
      const cells: string[] = [];
      for (let k = n; k < Math.min(count, n + perLine); k++) {
        let v = 0;
        for (let b = size - 1; b >= 0; b--) v = v * 256 + bytes[k * size + b];
        cells.push(formatValue(v, size, fmt));
      }
      const a = addr + n * size;
      out.push(`${hex8(a)}${this.symAt(a, pid)}:\t${cells.join('\t')}`);
    }
    this.print(...out);
    this.lastX = { addr: addr + count * size, fmt, size, count };
  }

  private symAt(addr: number, pid: number): string {
    const s = this.d.symbolize(addr, pid);
    return s ? ' ' + s : '';
  }

  private disasmLines(pid: number, addr: number, count: number): { text: string[]; next: number } {
    const d = this.d;
    const out: string[] = [];
    const eip = d.readRegisters(pid).eip;
    let a = addr >>> 0;
    for (let n = 0; n < count; n++) {
      const avail = Math.min(16, 4096 - (a & 0xfff) + 16);
      let bytes = d.tryReadMemory(pid, a, avail) ?? d.tryReadMemory(pid, a, 4096 - (a & 0xfff));
      if (!bytes) {
        out.push(`   ${hex8(a)}:\tCannot access memory at address ${hex(a)}`);
        break;
      }
      bytes = bytes.subarray(0, 16);
      const table = d.symbolTableFor(pid, a) ?? undefined;
      const [l] = disassemble(bytes, a, table);
      const sym = d.symbolize(a, pid);
      out.push(`${a === eip ? '=> ' : '   '}${hex8(a)}${sym ? ' ' + sym : ''}:\t${l.text}`);
      a = (a + l.length) >>> 0;
    }
    return { text: out, next: a };
  }

  private list(args: string): void {
    const d = this.d;
    const pid = this.viewPid();
    let file: string | null = null;
    let center: number | null = null;
    if (args) {
      const fl = /^([^\s:]+):(\d+)$/.exec(args);
      if (fl) {
        file = d.symbols.program.files().find((f) => f === fl[1] || f.endsWith('/' + fl[1])) ?? null;
        center = Number(fl[2]);
        if (!file) throw new CommandError(`no source file named ${fl[1]}`);
      } else if (/^\d+$/.test(args) && this.lastList) {
        file = this.lastList.file;
        center = Number(args);
      } else {
        const addr = d.resolveLocation(args, pid);
        const l = d.lineAt(addr, pid);
        if (!l) throw new CommandError(`no line information for ${args}`);
        file = l.file;
        center = l.line;
      }
    } else if (this.lastList) {
      file = this.lastList.file;
      center = this.lastList.line;
    } else {
      const l = d.lineAt(d.readRegisters(pid).eip, pid);
      if (!l) throw new CommandError('no line information here (the program has no line table, or EIP is outside it)');
      file = l.file;
      center = l.line;
    }
    const text = this.sourceText(file);
    if (!text) throw new CommandError(`cannot read the source file ${file}`);
    const cur = d.lineAt(d.readRegisters(pid).eip, pid);
    const first = Math.max(1, center - Math.floor(this.listSize / 2) + (args || !this.lastList ? 0 : 0));
    const last = Math.min(text.length, first + this.listSize - 1);
    const out: string[] = [];
    for (let n = first; n <= last; n++) {
      const mark = cur && cur.file === file && cur.line === n ? '=>' : '  ';
      out.push(`${mark}${String(n).padStart(4)}\t${text[n - 1].replace(/\s+$/, '')}`);
    }
    this.print(...out);
    // The next `list` continues after this one.
    this.lastList = { file, line: Math.min(text.length, last + 1 + Math.floor(this.listSize / 2)) };
  }

  private setCmd(args: string): void {
    const d = this.d;
    const pid = this.viewPid();
    const sm = /^step-mode\s+(user|any)$/.exec(args);
    if (sm) {
      this.stepMode = sm[1] as 'user' | 'any';
      this.print(`stepi now steps ${this.stepMode === 'user' ? 'user-mode instructions (kernel entries run through)' : 'every instruction and delivery, into the kernel'}.`);
      return;
    }
    const ls = /^listsize\s+(\d+)$/.exec(args);
    if (ls) {
      this.listSize = Math.max(1, Number(ls[1]));
      return;
    }
    const a = /^(?:var\s+)?(.+?)\s*=\s*(.+)$/.exec(args);
    if (!a) throw new CommandError('usage: set $REG = EXPR | set *ADDR = EXPR | set {byte|word|dword} ADDR = EXPR | set step-mode user|any');
    const lhs = a[1].trim();
    const value = d.evaluate(a[2], pid);
    const reg = /^\$?([a-z_]+)$/.exec(lhs);
    if (reg && ([...REGISTER_NAMES, 'orig_eax'] as string[]).includes(reg[1])) {
      d.writeRegister(pid, reg[1] as RegisterName, value);
      return;
    }
    const typed = /^\{(byte|char|short|word|int|dword|long)\}\s*(.+)$/.exec(lhs);
    const size = typed ? ({ byte: 1, char: 1, short: 2, word: 2, int: 4, dword: 4, long: 4 } as Record<string, number>)[typed[1]] : 4;
    const where = typed ? typed[2] : lhs.startsWith('*') ? lhs.slice(1) : null;
    if (where === null) throw new CommandError(`cannot assign to '${lhs}'`);
    const addr = d.evaluate(where, pid);
    const bytes = new Uint8Array(size);
    for (let k = 0; k < size; k++) bytes[k] = (value >>> (8 * k)) & 0xff;
    d.writeMemory(pid, addr, bytes);
  }

  private printCmd(args: string): void {
    const m = /^\/([xdutoc])\s*([\s\S]*)$/.exec(args);
    const fmt = m ? m[1] : 'd';
    const v = this.d.evaluate(m ? m[2] : args, this.viewPid());
    this.print(`$ = ${formatValue(v, 4, fmt === 'd' ? 'd' : fmt)}${fmt === 'd' && v > 9 ? ` (${hex(v)})` : ''}`);
  }

  private catchCmd(args: string, temporary: boolean): void {
    const [kind, ...rest] = args.split(/\s+/).filter(Boolean);
    const kinds: CatchKind[] = ['fork', 'vfork', 'clone', 'exec', 'exit', 'signal', 'syscall', 'fault'];
    if (!kind || !kinds.includes(kind as CatchKind)) throw new CommandError(`usage: catch ${kinds.join('|')} [ARGS] [pid N]`);
    let filter = rest;
    let pid: number | undefined;
    const pi = filter.findIndex((w) => w === 'pid' || w === 'task');
    if (pi >= 0) {
      pid = Number(filter[pi + 1]);
      filter = filter.slice(0, pi);
    }
    const id = this.d.addCatchpoint(kind as CatchKind, filter, { pid, temporary });
    const what = filter.length ? ` ${filter.join(' ')}` : '';
    this.print(`Catchpoint ${id} (${kind}${what})${pid !== undefined ? ` in pid ${pid}` : ''}`);
  }

  // -------------------------------------------------------------------------------------
  // The table.

  private table(): Command[] {
    const d = this.d;
    const stepMode = () => (this.stepMode === 'user' && d.machine.cpu.cpl === 3 ? 'user' : 'any');
    return [
      {
        names: ['help', 'h'], usage: 'help [COMMAND]', help: 'List the commands, or describe one.',
        run: (args) => this.help(args),
      },
      {
        names: ['stepi', 'si'], usage: 'stepi [N]',
        help: 'Execute N instructions (default 1) of whatever task runs. From user mode (set step-mode user, the default), a syscall, page fault or interrupt on the way runs through the kernel to the next user instruction (possibly of another task), and the stop lists what the kernel did. `set step-mode any` steps into the kernel\'s entry code, one instruction or delivery at a time.',
        run: (args) => this.runStop(() => d.stepInsn(this.count(args), stepMode())),
      },
      {
        names: ['nexti', 'ni'], usage: 'nexti [N]',
        help: 'Like stepi, but a call, int 0x80 or rep/loop instruction runs until this task is at the next instruction (a temporary breakpoint for this task).',
        run: (args) => this.runStop(() => d.nextInsn(this.count(args))),
      },
      {
        names: ['step', 's'], usage: 'step [N]', help: 'Run the current task to the start of another source line (into calls). Needs the line table (a program given as .asm).',
        run: (args) => this.runStop(() => this.repeat(this.count(args), () => d.stepLine(false))),
      },
      {
        names: ['next', 'n'], usage: 'next [N]', help: 'Run the current task to the start of the next source line, calls run to their return.',
        run: (args) => this.runStop(() => this.repeat(this.count(args), () => d.stepLine(true))),
      },
      {
        names: ['continue', 'c', 'cont'], usage: 'continue', help: 'Run until a breakpoint, watchpoint or catchpoint stops it, the program ends, or ctrl-C.',
        run: () => this.runStop(() => d.cont()),
      },
      {
        names: ['finish', 'fin'], usage: 'finish', help: 'Run the current task until the current function returns (its `ret` at this call depth), and stop after it.',
        run: () => this.runStop(() => d.finishFrame()),
      },
      {
        names: ['until', 'u', 'advance'], usage: 'until [LOCATION]', complete: 'symbol',
        help: 'Without LOCATION: like next, but do not stop at lines at or before this one (leaves loops). With LOCATION: run until the current task reaches it, or the current function returns.',
        run: (args) => this.runStop(() => d.until(args ? d.resolveLocation(args, this.viewPid()) : undefined)),
      },
      {
        names: ['reverse-stepi', 'rsi'], usage: 'reverse-stepi [N]',
        help: 'Go back N positions (instructions or deliveries): the machine is rebuilt by replaying from boot — forkbox is deterministic — to exactly the state it had.',
        run: (args) => this.runStop(() => d.reverseStepi(this.count(args)), true),
      },
      {
        names: ['reverse-continue', 'rc'], usage: 'reverse-continue',
        help: 'Go back to the last point before this one where a breakpoint, watchpoint or catchpoint would have stopped a forward run (or to the program\'s entry).',
        run: () => this.runStop(() => d.reverseContinue(), true),
      },
      {
        names: ['break', 'b', 'br'], usage: 'break [LOCATION] [if COND] [pid N]', complete: 'symbol',
        help: 'Set a breakpoint. LOCATION: an address (0x8049000, *0x8049000), a symbol, symbol+offset, FILE:LINE or LINE. COND: an expression over registers, memory ([addr] or *addr) and numbers, e.g. `if eax == 3`. pid N: only in that task (default: every task).',
        run: (args) => this.breakCmd(args, false),
      },
      {
        names: ['tbreak', 'tb'], usage: 'tbreak LOCATION [if COND] [pid N]', complete: 'symbol', help: 'A breakpoint deleted when it first stops.',
        run: (args) => this.breakCmd(args, true),
      },
      {
        names: ['delete', 'd'], usage: 'delete [N...]', help: 'Delete breakpoints, watchpoints and catchpoints by number (all without arguments).',
        run: (args) => {
          const ids = args ? this.idList(args) : [...d.breakpoints(), ...d.watchpoints(), ...d.catchpoints()].map((p) => p.id);
          for (const id of ids) if (!d.removeBreakpoint(id)) this.print(`No breakpoint number ${id}.`);
        },
      },
      {
        names: ['disable'], usage: 'disable [N...]', help: 'Disable breakpoints, watchpoints or catchpoints (all without arguments).',
        run: (args) => this.enable(args, false),
      },
      {
        names: ['enable'], usage: 'enable [N...]', help: 'Enable breakpoints, watchpoints or catchpoints (all without arguments).',
        run: (args) => this.enable(args, true),
      },
      {
        names: ['condition'], usage: 'condition N [COND]', help: 'Set (or remove) the condition of breakpoint N.',
        run: (args) => {
          const m = /^(\d+)\s*([\s\S]*)$/.exec(args);
          if (!m) throw new CommandError('usage: condition N [COND]');
          if (!d.setCondition(Number(m[1]), m[2] || null)) throw new CommandError(`No breakpoint number ${m[1]}.`);
        },
      },
      {
        names: ['watch'], usage: 'watch ADDR [LEN] [if COND] [pid N]', complete: 'symbol',
        help: 'Stop when the LEN bytes (default 4) at virtual address ADDR of a task (default: the viewed one) change. The address is watched in the task\'s address space, through its page tables: a copy-on-write fault that moves the page to a new frame keeps the watch.',
        run: (args) => this.watchCmd(args, 'write'),
      },
      {
        names: ['rwatch'], usage: 'rwatch ADDR [LEN] [if COND] [pid N]', complete: 'symbol', help: 'Stop when the bytes at ADDR are read (by an instruction, or by the kernel on the task\'s behalf).',
        run: (args) => this.watchCmd(args, 'read'),
      },
      {
        names: ['awatch'], usage: 'awatch ADDR [LEN] [if COND] [pid N]', complete: 'symbol', help: 'Stop when the bytes at ADDR are read or written.',
        run: (args) => this.watchCmd(args, 'access'),
      },
      {
        names: ['catch'], usage: 'catch fork|vfork|clone|exec|exit|signal [SIG]|syscall [NAME...]|fault [cow|demand|segv] [pid N]',
        complete: ['fork', 'vfork', 'clone', 'exec', 'exit', 'signal', 'syscall', 'fault'],
        help: 'Stop on a kernel event. The events come from the kernel\'s tracepoints: a fork, vfork or clone (the stop is at the next user instruction — often the child\'s first), an exec, a task\'s exit, a signal delivered, a syscall\'s entry or return, or a page fault of a kind (cow: copy-on-write copy or reuse; demand: demand-zero, file page or stack growth; segv). The stop is at the next instruction in user mode after the event.',
        run: (args) => this.catchCmd(args, false),
      },
      {
        names: ['tcatch'], usage: 'tcatch KIND [ARGS]', help: 'A catchpoint deleted when it first stops.',
        run: (args) => this.catchCmd(args, true),
      },
      {
        names: ['info', 'i'], usage: 'info breakpoints|registers [REG...]|float|tasks|symbol ADDR|line [LOC]|state',
        complete: ['breakpoints', 'registers', 'all-registers', 'float', 'tasks', 'threads', 'symbol', 'line', 'watchpoints', 'frame', 'state'],
        help: 'Show breakpoints, registers, tasks, a symbol, a line, or the state. info breakpoints (b): the breakpoints, watchpoints and catchpoints. info registers (r) [REG...]: the viewed task\'s registers with EFLAGS decoded and CR0/CR2/CR3. info float: its x87 state as gdb shows it (R7..R0 with tags, => at TOP; status and control words decoded; the live FPU for the running task, else the image the kernel saved). info tasks (threads): ps. info symbol ADDR. info line [LOCATION]. info state: the position and a hash of the machine state (registers, x87 state and memory in use), to compare states across reverse execution.',
        run: (args) => this.info(args),
      },
      {
        names: ['x'], usage: 'x/NFU ADDR', complete: 'symbol',
        help: 'Examine memory of the viewed task: N units of U (b bytes, h halfwords, w words) in format F (x hex, d decimal, u unsigned, o octal, t binary, c char), or s (strings), i (instructions). Memory not yet faulted in shows what a fault would bring (zeros, or the file\'s bytes).',
        run: (args) => this.examine(args),
      },
      {
        names: ['disassemble', 'disas'], usage: 'disas [ADDR] [N]', complete: 'symbol', help: 'Disassemble N instructions (default 10) at ADDR (default: EIP) of the viewed task, with symbols.',
        run: (args) => {
          const pid = this.viewPid();
          const parts = args.split(/\s+/).filter(Boolean);
          let n = 10;
          if (parts.length > 1 && /^\d+$/.test(parts[parts.length - 1])) n = Number(parts.pop());
          const addr = parts.length ? d.resolveLocation(parts.join(' '), pid) : d.readRegisters(pid).eip;
          this.print(...this.disasmLines(pid, addr, n).text);
        },
      },
      {
        names: ['backtrace', 'bt', 'where'], usage: 'bt', help: 'The viewed task\'s call stack: the frame-pointer chain, or a scan of the stack for return addresses when EBP holds no frame (hand-written assembly).',
        run: () => this.print(...kv.backtrace(d, this.viewPid())),
      },
      {
        names: ['list', 'l'], usage: 'list [LOCATION]', complete: 'symbol', help: 'Source lines around EIP (or LOCATION, FILE:LINE, LINE); again: the next lines.',
        run: (args) => this.list(args),
      },
      {
        names: ['print', 'p'], usage: 'print[/x] EXPR', complete: 'symbol', help: 'Evaluate an expression: registers, [memory], symbols, numbers, C operators.',
        run: (args) => this.printCmd(args),
      },
      {
        names: ['set'], usage: 'set $REG = EXPR | set *ADDR = EXPR | set {byte|word|dword} ADDR = EXPR | set step-mode user|any | set listsize N',
        complete: ['step-mode', 'listsize', 'var'],
        help: 'Change a register or memory of the viewed task (journaled: reverse execution replays it), or a setting.',
        run: (args) => this.setCmd(args),
      },
      {
        names: ['ps'], usage: 'ps', help: 'Every task: pid, parent, thread group, state, name, and what it shares with whom (mm, files, sighand), the syscall it sleeps in, vfork waits. * marks the running task, > the viewed one.',
        run: () => this.print(...kv.ps(d)),
      },
      {
        names: ['task', 'thread'], usage: 'task [PID]', complete: 'task', help: 'Switch the viewed task (registers, memory, maps, bt, watch …); without PID: show it. The running task is not changed.',
        run: (args) => {
          if (args) {
            const pid = Number(args);
            if (!d.task(pid)) throw new CommandError(`no task with pid ${args}`);
            d.viewPid = pid;
          }
          const pid = this.viewPid();
          const t = d.task(pid)!;
          this.print(`[Viewing pid ${pid} (${t.comm})${pid === d.currentPid ? ', the running task' : ''}]`, d.describeLocation(pid));
        },
      },
      {
        names: ['maps'], usage: 'maps [PID]', complete: 'task', help: 'The VMAs of a task\'s address space with their pages present and COW.',
        run: (args) => this.print(...kv.maps(d, args ? Number(args) : this.viewPid())),
      },
      {
        names: ['pt'], usage: 'pt VADDR [PID]', complete: 'symbol',
        help: 'The page walk of a virtual address in a task: PDE, PTE and flags, the frame, its reference count, which tasks map it, and whether it is copy-on-write.',
        run: (args) => {
          const m = /^(.*?)(?:\s+(\d+))?$/.exec(args.trim())!;
          if (!m[1]) throw new CommandError('usage: pt VADDR [PID]');
          const pid = m[2] ? Number(m[2]) : this.viewPid();
          this.print(...kv.pt(d, d.resolveLocation(m[1], pid), pid));
        },
      },
      {
        names: ['frames'], usage: 'frames', help: 'Physical memory by use: free, reserved, page tables, kernel stacks, user pages, kernel data.',
        run: () => this.print(...kv.frames(d)),
      },
      {
        names: ['stats'], usage: 'stats', help: 'The position, instructions, cycles and guest time; the kernel\'s counters (syscalls, switches, forks, faults by kind).',
        run: () => this.print(...kv.stats(d)),
      },
      {
        names: ['timers'], usage: 'timers', help: 'The kernel\'s pending timers (sleeps, alarms) and jiffies.',
        run: () => this.print(...kv.timers(d)),
      },
    ];
  }

  private repeat(n: number, f: () => StopEvent): StopEvent {
    let ev = f();
    for (let k = 1; k < n && ev.reason === 'step'; k++) ev = f();
    return ev;
  }

  private enable(args: string, on: boolean): void {
    const d = this.d;
    const ids = args ? this.idList(args) : [...d.breakpoints(), ...d.watchpoints(), ...d.catchpoints()].map((p) => p.id);
    for (const id of ids) if (!d.setEnabled(id, on)) this.print(`No breakpoint number ${id}.`);
  }

  private info(args: string): void {
    const d = this.d;
    const [what, ...rest] = args.split(/\s+/).filter(Boolean);
    const pid = this.viewPid();
    switch (what) {
      case 'breakpoints': case 'b': case 'break': case 'br': case 'watchpoints': case 'catch':
        return this.infoBreakpoints();
      case 'registers': case 'r': case 'reg': case 'all-registers':
        return this.print(`[pid ${pid}]`, ...kv.registers(d, pid, rest));
      case 'float':
        return this.print(...kv.infoFloat(d, pid));
      case 'tasks': case 'threads': case 'inferiors':
        return this.print(...kv.ps(d));
      case 'symbol': {
        const a = d.resolveLocation(rest.join(' '), pid);
        const s = d.symbols.lookup(d.kernel, d.task(pid), a);
        return this.print(s ? `${s.name}${s.offset ? ' + ' + s.offset : ''} in ${s.image.path}` : `No symbol matches ${rest.join(' ')}.`);
      }
      case 'line': {
        const a = rest.length ? d.resolveLocation(rest.join(' '), pid) : d.readRegisters(pid).eip;
        const l = d.lineAt(a, pid);
        return this.print(l ? `Line ${l.line} of "${l.file}" starts at address ${hex8(l.address)} and ends at ${hex8(l.address + l.size)}.` : `No line number information available for address ${hex8(a)}`);
      }
      case 'frame':
        return this.print(...kv.backtrace(d, pid).slice(0, 1));
      case 'state':
        return this.print(`position ${d.pos}, ${d.machine.cpu.instret} instructions, ${Math.floor(d.machine.cpu.cycles)} cycles; state hash ${d.stateHash()} (registers, x87 state and every frame in use)`);
      default:
        throw new CommandError('usage: info breakpoints|registers [REG...]|float|tasks|symbol ADDR|line [LOCATION]|state');
    }
  }

  private help(args: string): void {
    if (args) {
      const c = this.find(args.trim());
      if (!c) throw new CommandError(`Undefined command: "${args}".  Try "help".`);
      this.print(`${c.usage}${c.names.length > 1 ? `   (also: ${c.names.slice(1).join(', ')})` : ''}`, wrap(c.help, 88));
      return;
    }
    const groups: Array<[string, string[]]> = [
      ['Running', ['stepi', 'nexti', 'step', 'next', 'continue', 'finish', 'until', 'reverse-stepi', 'reverse-continue']],
      ['Stopping', ['break', 'tbreak', 'watch', 'rwatch', 'awatch', 'catch', 'tcatch', 'delete', 'disable', 'enable', 'condition']],
      ['Looking', ['info', 'x', 'disassemble', 'backtrace', 'list', 'print', 'set']],
      ['The kernel\'s view', ['ps', 'task', 'maps', 'pt', 'frames', 'stats', 'timers']],
    ];
    const out: string[] = [];
    for (const [title, names] of groups) {
      out.push(`${title}:`);
      for (const n of names) {
        const c = this.find(n)!;
        out.push(`  ${c.names.join(', ').padEnd(26)} ${firstSentence(c.help)}`);
      }
    }
    out.push(`  ${'help [COMMAND]'.padEnd(26)} How to use a command.`, `  ${'quit, q'.padEnd(26)} Leave.`, 'A unique prefix of a command works too; ctrl-C interrupts a running continue; an empty line repeats a step.');
    this.print(...out);
  }
}

function firstSentence(s: string): string {
  const m = /^(.*?\.)(\s|$)/.exec(s);
  return m ? m[1] : s;
}

function wrap(text: string, width: number): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? cur + ' ' + w : w;
  }
  if (cur) lines.push(cur);
  return lines.map((l) => '  ' + l).join('\n');
}

function formatValue(v: number, size: number, fmt: string): string {
  const bits = size * 8;
  switch (fmt) {
    case 'd': {
      const s = v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
      return String(s);
    }
    case 'u': return String(v);
    case 'o': return '0' + v.toString(8);
    case 't': return v.toString(2).padStart(bits, '0');
    case 'c': {
      const c = v & 0xff;
      return `${c} '${c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '\\' + c.toString(8)}'`;
    }
    case 'a': return '0x' + v.toString(16);
    default: return '0x' + v.toString(16).padStart(size * 2, '0');
  }
}

