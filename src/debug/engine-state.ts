// The debugger's hold on one booted instance (the base of Engine, engine.ts): the machine
// and kernel, their boot with journaled stdin and deduplicated output, the per-instance
// bookkeeping the run loop keeps (positions, restarts, pending stops), and reading tasks,
// registers, memory, symbols and expressions. Nothing here runs the machine.
//
// Contract: boot() may be called again at any time (a replay does): everything that
// belongs to an instance is reset by it, everything kept across instances (journals,
// output already shown, points) is not. Subclasses provide the kernel tracer and the
// MMU access hook, which boot() installs on each new instance; the constructor does not
// boot, so that the subclasses' fields exist first (Engine's constructor boots).

import { posix } from 'node:path';
import { bootProgram } from '../run.js';
import type { Machine } from '../machine.js';
import type { Kernel } from '../guest/kernel.js';
import type { Task } from '../guest/task.js';
import type { Insn } from '../cpu/insn.js';
import type { MmStruct } from '../guest/mm.js';
import type { KernelTracer } from '../guest/tracepoints.js';
import { SIGNAL_NAMES } from '../guest/abi.js';
import { compile, type ExprContext } from './expr.js';
import { Symbolizer } from './symbols.js';
import { mmOf, readVirtual, taskRegisters, userPhys } from './inspect.js';
import {
  DebugError, REGISTER_NAMES,
  type CatchEvent, type Catchpoint, type DebuggerOptions, type Registers,
  type StopEvent, type StopReason, type Watchpoint,
} from './types.js';

/** A check made before each instruction of one task in user mode (line stepping). */
export interface Follow {
  pid: number;
  /** Before the instruction at EIP: stop here ('stop'), after it ('after'), or go on. */
  before(insn: Insn | null): 'stop' | 'after' | null;
  message: string;
}

export interface Control {
  /** Stop after this many positions (stepi). */
  maxEvents?: number;
  /** Stop once this many user-mode instructions have retired and the CPU is in user
   *  mode again (stepi from user mode: kernel entries on the way run through). */
  userSteps?: number;
  /** Stop on reaching this position (replay). */
  untilPos?: number;
  /** Stop at breakpoints, watchpoints and catchpoints. */
  points: boolean;
  /** Record positions where points would stop instead of stopping (reverse-continue). */
  collect?: number[];
  follow?: Follow;
  /** Return (reason 'slice') after about this many cycles, at an instruction boundary. */
  sliceCycles?: number;
  /** Never hand over to machine.run() (a replay that must not overshoot). */
  noMachineRun?: boolean;
}

export interface Journal {
  pos: number;
  apply: () => void;
}

/** An internal breakpoint: run-to-entry, nexti, finish … (not listed, never collected). */
export interface InternalBreak {
  addr: number;
  test: () => boolean;
  message: string;
}

function isSoftwareVector(v: number): boolean {
  return v === 3 || v === 4 || v >= 0x30;
}

export function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}

const GP_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const REGISTER_SET: Record<string, true> = Object.fromEntries(
  [...REGISTER_NAMES, 'orig_eax', 'cr0', 'cr2', 'cr3', 'cr4'].map((n) => [n, true]),
);

export abstract class EngineState {
  readonly options: DebuggerOptions;
  readonly symbols: Symbolizer;

  protected _machine!: Machine;
  protected _kernel!: Kernel;
  /** Faults and IRQs delivered on the current machine (see Positions, engine.ts). */
  protected deliveries = 0;
  protected inIrq = false;
  /** Instructions left in the canonical block being stepped (0: at a block boundary). */
  protected blockLeft = 0;
  /** An IRQ was just delivered: the next block runs without a boundary check (cpu.run). */
  protected afterIrq = false;
  /** The position right after the last IRQ machine.run() delivered. */
  protected irqPos = -1;
  /** Breakpoints are not checked at this position (the stop we resume from). */
  protected skipPos = -1;
  /** The instruction at a breakpoint address faulted (task, linear address): its restart
   *  after the kernel resolved the fault is the same attempt, not a new hit. */
  protected restartPid = -1;
  protected restartPc = -1;

  // Pending stops belong to the instance (boot() drops them); the points that make them
  // are EnginePoints'.
  /** Catch events since the last instruction boundary, waiting for a user-mode boundary. */
  protected catchHits: Array<{ cp: Catchpoint; ev: CatchEvent; involved: number[] | null }> = [];
  protected pendingWatch: Array<{ wp: Watchpoint; access: 'read' | 'write' }> = [];

  /** Journals for replay. */
  protected readonly stdinLog: Array<Uint8Array | null> = [];
  protected stdinCursor = 0;
  protected readonly journal: Journal[] = [];
  /** Output bytes (per stream) and log lines already shown, and produced by this machine. */
  protected shown = { out: 0, err: 0, log: 0 };
  protected produced = { out: 0, err: 0, log: 0 };

  /** Where the session started (the program's entry), and the last stop. */
  entryPos = 0;
  last: StopEvent | null = null;
  /** The task the front-end looks at (`task <pid>`); follows the stops. */
  viewPid = 0;
  /** Called after each boot (Debugger.onInstance). */
  protected instanceListeners: Array<() => void> = [];
  protected readonly tracer: KernelTracer;
  protected replaying = false;
  /** A replay overshot with machine.run(): replays step block by block from now on. */
  protected slowReplay = false;

  constructor(opts: DebuggerOptions) {
    this.options = opts;
    // argv[0] as the kernel resolves it (the guest's cwd is "/"): the key in `files`.
    const programPath = posix.resolve('/', opts.argv[0]);
    this.symbols = new Symbolizer({
      programPath,
      programElf: opts.files.get(programPath) ?? null,
      symbols: opts.symbols,
      lines: opts.lines,
      files: opts.files,
    });
    this.tracer = this.makeTracer();
  }

  /** The kernel tracer of every instance (catchpoints and notes: engine-points.ts). */
  protected abstract makeTracer(): KernelTracer;
  /** Called on each new instance, and whenever read/access watchpoints change. */
  protected abstract installAccessHook(): void;

  // -------------------------------------------------------------------------------------
  // The machine.

  get machine(): Machine {
    return this._machine;
  }

  get kernel(): Kernel {
    return this._kernel;
  }

  /** The position: instructions retired + faults and IRQs delivered. */
  get pos(): number {
    return this._machine.cpu.instret + this.deliveries;
  }

  /** The running task's pid (0: the idle task; -1 before the kernel has booted). */
  get currentPid(): number {
    return this._kernel.current ? this._kernel.current.pid : -1;
  }

  /** The program has ended (or the machine stopped for good). */
  get ended(): boolean {
    return this._kernel.halted !== null || this._machine.cpu.shutdown;
  }

  protected boot(): void {
    const o = this.options;
    const emit = (which: 'out' | 'err', bytes: Uint8Array) => {
      const start = this.produced[which];
      const end = start + bytes.length;
      this.produced[which] = end;
      if (end <= this.shown[which]) return;
      const part = start >= this.shown[which] ? bytes : bytes.subarray(this.shown[which] - start);
      this.shown[which] = end;
      (which === 'out' ? o.stdout : o.stderr)?.(part);
    };
    this.produced = { out: 0, err: 0, log: 0 };
    this.stdinCursor = 0;
    const booted = bootProgram({
      ...o,
      stdout: (b) => emit('out', b),
      stderr: (b) => emit('err', b),
      stdin: (max) => this.readStdin(max),
      log: (line) => {
        if (++this.produced.log > this.shown.log) {
          this.shown.log = this.produced.log;
          o.log?.(line);
        }
      },
    });
    this._machine = booted.machine;
    this._kernel = booted.kernel;
    this.deliveries = 0;
    this.blockLeft = 0;
    this.afterIrq = false;
    this.irqPos = -1;
    this.skipPos = -1;
    this.restartPc = this.restartPid = -1;
    this.catchHits = [];
    this.pendingWatch = [];
    const cpu = this._machine.cpu;
    cpu.onVector = (vector) => {
      if (this.inIrq || isSoftwareVector(vector)) return;
      this.deliveries++;
      // An IRQ taken inside machine.run(): remember where, in case it stops right after.
      if (vector >= 0x20 && vector < 0x30) this.irqPos = cpu.instret + this.deliveries;
    };
    this._kernel.tracers.push(this.tracer);
    this.installAccessHook();
    for (const l of this.instanceListeners) l();
  }

  /** The kernel's stdin callback: journaled, so that a replay reads the same input. */
  protected readStdin(max: number): Uint8Array | null {
    if (this.stdinCursor < this.stdinLog.length) {
      const r = this.stdinLog[this.stdinCursor++];
      return r === null ? null : r.slice();
    }
    const src = this.options.stdin;
    const r = src ? src(max) : new Uint8Array(0);
    this.stdinLog.push(r === null ? null : r.slice());
    this.stdinCursor++;
    return r;
  }

  // -------------------------------------------------------------------------------------
  // Tasks.

  task(pid: number): Task | null {
    return this._kernel.tasks.get(pid) ?? null;
  }

  /** The task with `pid`, or a DebugError. */
  protected taskOrThrow(pid: number): Task {
    const t = this.task(pid);
    if (!t) throw new DebugError(`no task with pid ${pid}`);
    return t;
  }

  // -------------------------------------------------------------------------------------
  // Registers.

  readRegisters(pid = this.currentPid): Registers {
    return taskRegisters(this._kernel, this.taskOrThrow(pid));
  }

  // -------------------------------------------------------------------------------------
  // Memory (inspect.ts).

  /** `len` bytes at `vaddr` as task `pid` sees them, through its page tables, without
   *  faulting (inspect.ts); an address outside every VMA is an error. */
  readMemory(pid: number, vaddr: number, len: number): Uint8Array {
    const r = readVirtual(this._kernel, this.taskOrThrow(pid), vaddr, len);
    if ('bad' in r) throw new DebugError(`cannot access memory at address ${hex(r.bad)}`);
    return r.bytes;
  }

  /** Like readMemory, but null instead of an error. */
  tryReadMemory(pid: number, vaddr: number, len: number): Uint8Array | null {
    const t = this.task(pid);
    if (!t) return null;
    const r = readVirtual(this._kernel, t, vaddr, len);
    return 'bytes' in r ? r.bytes : null;
  }

  read32(pid: number, vaddr: number): number {
    const b = this.readMemory(pid, vaddr, 4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }

  protected mmOf(t: Task): MmStruct | null {
    return mmOf(t);
  }

  protected userPhys(mm: MmStruct, vaddr: number): number {
    return userPhys(this._machine.mmu, mm, vaddr);
  }

  // -------------------------------------------------------------------------------------
  // Symbols, lines, expressions.

  /** `<sym+off>` for addr in the task (default: the viewed one), or ''. */
  symbolize(addr: number, pid = this.viewPid): string {
    return this.symbols.symbolize(this._kernel, this.task(pid), addr);
  }

  /** The context of expressions evaluated for task pid. */
  exprContext(pid = this.viewPid): ExprContext {
    return {
      reg: (name) => this.regValue(pid, name),
      sym: (name) => this.symbols.resolve(this._kernel, name) ?? undefined,
      read32: (addr) => this.read32(pid, addr),
    };
  }

  /** A register (32, 16 or 8 bits, eip, eflags, segments, cr*, $pid, $pos) of a task, or
   *  undefined when `name` is not one. The running task's general registers are read
   *  from the CPU directly (conditions are evaluated at every hit). */
  regValue(pid: number, name: string): number | undefined {
    if (name === 'pid') return pid;
    if (name === 'pos') return this.pos;
    const live = pid === this.currentPid;
    const r32 = GP_NAMES.indexOf(name);
    const cpu = this._machine.cpu;
    if (live && r32 >= 0) return cpu.regs[r32] >>> 0;
    if (live && (name === 'eip' || name === 'pc')) return cpu.eip >>> 0;
    const r16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'].indexOf(name);
    const r8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'].indexOf(name);
    const alias = name === 'pc' ? 'eip' : name === 'fp' ? 'ebp' : name;
    if (r32 < 0 && r16 < 0 && r8 < 0 && !(alias in REGISTER_SET)) return undefined;
    if (!this.task(pid)) return undefined;
    const regs = this.readRegisters(pid) as unknown as Record<string, number>;
    if (r16 >= 0) return regs[GP_NAMES[r16]] & 0xffff;
    if (r8 >= 0) return r8 < 4 ? regs[GP_NAMES[r8]] & 0xff : (regs[GP_NAMES[r8 - 4]] >>> 8) & 0xff;
    return regs[alias];
  }

  // -------------------------------------------------------------------------------------
  // Stops and notes.

  /** What the kernel did during a step (faults, syscalls, switches), for its message;
   *  null when not noting. */
  protected notes: string[] | null = null;

  protected note(line: string): void {
    if (this.notes !== null && !this.replaying) this.notes.push(line);
  }

  protected symbolizeCur(addr: number): string {
    const s = this.symbols.symbolize(this._kernel, this._kernel.current ?? null, addr);
    return s ? ' ' + s : '';
  }

  protected condTrue(cond: string): boolean {
    try {
      return compile(cond)(this.exprContext(this.currentPid)) !== 0;
    } catch {
      return true; // an error stops, as gdb does
    }
  }

  protected stop(reason: StopReason, message: string, extra: Partial<StopEvent> = {}): StopEvent {
    const cpu = this._machine.cpu;
    const pos = this.pos;
    this.skipPos = pos;
    const ev: StopEvent = { reason, pid: this.currentPid, eip: cpu.eip >>> 0, pos, message, ...extra };
    return ev;
  }

  protected exitStop(): StopEvent {
    const h = this._kernel.halted!;
    if (h.panic) return this.stop('exit', `kernel panic: ${h.panic}`, { status: h.status });
    const st = h.status;
    const msg = st & 0x7f ? `The program was killed by ${SIGNAL_NAMES[st & 0x7f] ?? 'signal ' + (st & 0x7f)}` : `The program exited with code ${(st >> 8) & 0xff}`;
    return this.stop('exit', msg, { status: st });
  }
}
