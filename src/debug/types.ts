// The debugger's public types (debugger.ts is the API, engine.ts runs the machine) and
// the one-line descriptions of kernel events that stops show.

import type { RunOptions } from '../run.js';
import type { Task } from '../guest/task.js';
import type { DisasmSymbol } from '../asm/disasm.js';
import type { LineEntry } from '../asm/assembler.js';
import type { FaultInfo } from '../guest/tracepoints.js';
import { CLONE_THREAD, CLONE_VFORK, CLONE_VM, NR } from '../guest/abi.js';

export type StopReason =
  | 'entry' // at the program's first instruction (the start of a session)
  | 'step' // a stepping command finished (stepi, nexti, step, next, until, finish)
  | 'breakpoint'
  | 'watchpoint'
  | 'catch' // a catchpoint: a kernel event (fork, exec, fault …)
  | 'interrupt' // interrupt() (ctrl-C)
  | 'exit' // the program has ended (init exited: the machine is off)
  | 'deadlock' // every task sleeps for good
  | 'halted' // the CPU halted with no way to wake up, or shut down
  | 'limit' // the cycle limit of the options
  | 'reverse'; // reverse execution reached the start of the history

export interface StopEvent {
  reason: StopReason;
  /** The task running at the stop (k.current), its EIP and the position. */
  pid: number;
  eip: number;
  pos: number;
  /** Why, in one or more lines: `Breakpoint 1, …`, `COW fault at 0x0804a000 in pid 3: …`. */
  message: string;
  /** The breakpoint, watchpoint or catchpoint that stopped it. */
  id?: number;
  /** Watchpoints: the address and the values before and after (write watchpoints). */
  watch?: { addr: number; len: number; kind: WatchKind; old?: number | null; value?: number | null; access?: 'read' | 'write' };
  /** Catchpoints: the event. */
  event?: CatchEvent;
  /** exit: the program's wait status. */
  status?: number;
  /** A signal was delivered (catch signal) — gdb's stop signal. */
  signal?: number;
}

export type WatchKind = 'write' | 'read' | 'access';

export interface BreakpointOptions {
  temporary?: boolean;
  /** An expression (expr.ts): the breakpoint stops only when it is non-zero. */
  condition?: string;
  /** Only this task (default: every task). */
  pid?: number;
  /** How the user wrote the location (for `info breakpoints`). */
  location?: string;
}

export interface Breakpoint {
  id: number;
  addr: number;
  temporary: boolean;
  condition: string | null;
  pid: number | null;
  enabled: boolean;
  hits: number;
  location: string;
}

export interface Watchpoint {
  id: number;
  addr: number;
  len: number;
  kind: WatchKind;
  /** The task whose address space is watched. */
  pid: number;
  enabled: boolean;
  hits: number;
  condition: string | null;
  /** The value last seen, null when unreadable; the frame that held it. */
  value: number | null;
  frame: number | null;
  /** Position at which it was set: reverse-continue looks for changes after it. */
  createdPos: number;
}

export type CatchKind = 'fork' | 'vfork' | 'clone' | 'exec' | 'exit' | 'signal' | 'syscall' | 'fault';

export interface Catchpoint {
  id: number;
  kind: CatchKind;
  /** syscall: names or numbers (empty: all); signal: signal numbers (empty: all);
   *  fault: 'cow' | 'demand' | 'segv' (empty: all). */
  filter: string[];
  pid: number | null;
  enabled: boolean;
  temporary: boolean;
  hits: number;
}

export interface CatchEvent {
  kind: CatchKind;
  pid: number;
  message: string;
  child?: number;
  flags?: number;
  path?: string;
  status?: number;
  signal?: number;
  syscall?: number;
  ret?: number;
  fault?: FaultInfo;
}

export interface TaskInfo {
  pid: number;
  tgid: number;
  ppid: number;
  comm: string;
  state: string;
  current: boolean;
  task: Task;
}

/** The registers gdb's i386 target knows, plus orig_eax and the control registers. */
export interface Registers {
  eax: number; ecx: number; edx: number; ebx: number; esp: number; ebp: number; esi: number; edi: number;
  eip: number; eflags: number;
  cs: number; ss: number; ds: number; es: number; fs: number; gs: number;
  /** pt_regs.orig_eax (the syscall number in a syscall), -1 when not in the kernel. */
  orig_eax: number;
  /** From the live CPU (the same for every task except cr3: the task's page directory). */
  cr0: number; cr2: number; cr3: number; cr4: number;
  /** Where the values come from: the live CPU, or the task's saved pt_regs. */
  source: 'cpu' | 'pt_regs';
}

export const REGISTER_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs'] as const;
export type RegisterName = (typeof REGISTER_NAMES)[number] | 'orig_eax';

export interface DebuggerOptions extends RunOptions {
  /** The program's symbols (the assembler's); default: its ELF .symtab. */
  symbols?: DisasmSymbol[];
  /** The program's line table (the assembler's), for step/next/list/file:line. */
  lines?: LineEntry[];
  /** Source text of a file named by the line table (list), or null. */
  readSource?: (file: string) => string | null;
}

export class DebugError extends Error {}


const FAULT_WORDS: Record<string, string> = {
  'demand-zero': 'demand-zero fault', 'demand-file': 'file page fault', 'cow-copy': 'COW fault', 'cow-reuse': 'COW fault (reuse)',
  'stack-growth': 'stack growth fault', segv: 'segmentation fault', sigbus: 'bus error', oom: 'out-of-memory fault', spurious: 'spurious fault',
};

const SYSCALL_NAMES: Record<number, string> = Object.fromEntries(Object.entries(NR).map(([n, v]) => [v, n]));

function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}

export function hex8(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

export function syscallName(nr: number): string {
  return SYSCALL_NAMES[nr] ?? `syscall_${nr}`;
}

export function cloneKind(flags: number): 'fork' | 'vfork' | 'clone' {
  if (flags & CLONE_VFORK) return 'vfork';
  if (flags & (CLONE_VM | CLONE_THREAD)) return 'clone';
  return 'fork';
}

/** One line for a page fault event: `COW fault at 0x0804a000 in pid 3: frame 0x1a3 copied to 0x2f1`. */
export function describeFault(pid: number, f: FaultInfo): string {
  const what = FAULT_WORDS[f.kind] ?? f.kind;
  let s = `${what} at ${hex8(f.addr)} in pid ${pid}`;
  s += f.error & 2 ? ' (write' : ' (read';
  s += f.user ? ')' : ', by the kernel)';
  const fr = (n: number) => hex(n);
  if (f.kind === 'cow-copy' && f.frameFrom !== undefined && f.frameTo !== undefined) s += `: frame ${fr(f.frameFrom)} copied to ${fr(f.frameTo)}`;
  else if (f.kind === 'cow-reuse' && f.frameTo !== undefined) s += `: frame ${fr(f.frameTo)} made writable (no other user)`;
  else if (f.frameTo !== undefined && f.kind !== 'segv') s += `: frame ${fr(f.frameTo)} mapped`;
  if (f.outcome !== 'resolved') s += ` → ${f.outcome}`;
  return s;
}
