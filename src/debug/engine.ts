// The debugger's execution engine (the base of Debugger, debugger.ts): the machine and
// kernel it runs, the loop that runs them, the checks of breakpoints, watchpoints and
// catchpoints, and replay for reverse execution.
//
// THE EXECUTION ENGINE. When nothing has to be checked inside blocks (no breakpoint,
// watchpoint, stepping or replay target near), the engine hands the machine to
// machine.run() for a stretch, as `forkbox run` does. Otherwise it runs the machine with
// its own loop (advance() below), which reproduces machine.run() and cpu.run() exactly —
// the PIT is brought up to date when its deadline has passed, a pending IRQ is taken only
// at a block boundary, a halted CPU skips to the next timer event — but can stop after
// any single instruction. The canonical unit is the basic block the CPU would run
// (cpu.step(max)): a block looked at instruction by instruction (cpu.step(1)) still takes
// interrupts only at its end, so a run under the debugger, single-stepped or not, executes
// exactly the instructions, interrupts and cycles of `forkbox run` — which is what makes
// reverse execution by replay possible.
//
// Positions. Every stop is at a position `pos` = instructions retired + exceptions and
// IRQs delivered (cpu.instret + deliveries). Software interrupts (int 0x80, int3) are
// instructions and count once. stepi advances one position: one instruction, or the
// delivery of a fault or IRQ (the CPU then stands at the handler's first instruction).
// Every position costs at least one cycle, so machine.run() for C cycles passes at most
// C + one block of positions: replays use it up to near their target.
//
// Breakpoints are checked before the instruction at their address runs (never written
// into guest memory); the restart of an instruction that faulted (a COW write, a page
// brought in) is the same attempt, not a second hit. Catch events, which happen inside
// the kernel, stop at the next user-mode instruction of a task they involve.
//
// Speed (a call-heavy loop on the project's 2-core machine; `forkbox run`: ~70 MIPS).
// Nothing to check: machine.run(), ~70 MIPS. A breakpoint costs nothing outside its 4 KiB
// page: ~48 MIPS with one elsewhere; blocks on its page are looked up (and a block holding
// it is stepped one instruction at a time): ~37 MIPS with one on the loop's page, ~21 when
// the loop runs through a conditional breakpoint. Single-stepping: ~16 MIPS. A watchpoint
// steps one instruction at a time while a task using the watched address space runs
// (others run whole blocks, checked between them): ~9 MIPS. Line stepping (step, next,
// finish, until) steps the followed task instruction by instruction and lets the kernel
// and other tasks run whole blocks.
//
// Reverse execution. forkbox is deterministic, so the state at any earlier position is
// rebuilt by booting a fresh machine and kernel with the same options and running them
// to that position: host input is replayed from a journal of what the kernel's stdin
// callback returned, register and memory writes made from the debugger are journaled
// with their positions and re-applied, and guest output already shown is not shown
// again. `machine` and `kernel` are therefore replaced by reverse-stepi and
// reverse-continue: front-ends must not keep references to them (use onInstance()).
//
// Caveat: a write into the block being executed takes effect when the block ends on the
// CPU (a prefetch queue); single-stepping such self-modifying code sees the write at
// once.

import { posix } from 'node:path';
import { bootProgram, idleState } from '../run.js';
import type { Machine } from '../machine.js';
import type { Kernel } from '../guest/kernel.js';
import type { Task } from '../guest/task.js';
import { EFLAGS_IF, EFLAGS_TF } from '../cpu/constants.js';
import { FAULT } from '../cpu/fault.js';
import type { Insn } from '../cpu/insn.js';
import type { Block } from '../cpu/blocks.js';
import { PAGE_OFFSET } from '../guest/layout.js';
import type { MmStruct } from '../guest/mm.js';
import type { KernelTracer, SignalAction } from '../guest/tracepoints.js';
import { CLONE_THREAD, CLONE_VFORK, CLONE_VM, NR, SIGNAL_NAMES } from '../guest/abi.js';
import { compile, type ExprContext } from './expr.js';
import { Symbolizer } from './symbols.js';
import { mmOf, readVirtual, taskRegisters, userPhys } from './inspect.js';
import {
  DebugError, REGISTER_NAMES, cloneKind, describeFault, hex8, syscallName,
  type Breakpoint, type CatchEvent, type CatchKind, type Catchpoint, type DebuggerOptions, type Registers,
  type StopEvent, type StopReason, type Watchpoint,
} from './types.js';

/** A replay passed its target: done again without machine.run(). */
class ReplayRetry extends Error {}

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

const BIG = 0x7fffffff;
/** Cycles of one machine.run() stretch when the caller gives no slice. */
const SLICE = 4_000_000;

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

export class Engine {
  readonly options: DebuggerOptions;
  readonly symbols: Symbolizer;

  protected _machine!: Machine;
  protected _kernel!: Kernel;
  /** Faults and IRQs delivered on the current machine (see Positions). */
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

  protected nextId = 1;
  protected readonly bps = new Map<number, Breakpoint>();
  protected readonly wps = new Map<number, Watchpoint>();
  protected readonly cps = new Map<number, Catchpoint>();
  protected internal: InternalBreak[] = [];
  /** Linear pages and addresses holding a breakpoint (enabled ones and internal). */
  protected bpPages = new Set<number>();
  protected bpAddrs = new Set<number>();
  /** Blocks looked at that hold no breakpoint address (cleared when breakpoints change). */
  protected bpFree = new WeakSet<Block>();

  /** Catch events since the last instruction boundary, waiting for a user-mode boundary. */
  protected catchHits: Array<{ cp: Catchpoint; ev: CatchEvent; involved: number[] | null }> = [];
  protected pendingWatch: Array<{ wp: Watchpoint; access: 'read' | 'write' }> = [];
  protected interruptRequested = false;

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
    this.boot();
  }

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

  protected rebuildBpIndex(): void {
    this.bpFree = new WeakSet();
    this.bpPages = new Set();
    this.bpAddrs = new Set();
    const add = (a: number) => {
      this.bpAddrs.add(a >>> 0);
      this.bpPages.add(a >>> 12);
    };
    for (const b of this.bps.values()) if (b.enabled) add(b.addr);
    for (const b of this.internal) add(b.addr);
  }

  /** Take the watched value and frame as they are now. */
  protected refreshWatch(w: Watchpoint): void {
    w.value = this.watchValue(w);
    const phys = this.watchPhys(w);
    w.frame = phys === null ? null : phys >>> 12;
  }

  /** The watched value now, through the watched task's page tables; null if unreadable. */
  protected watchValue(w: Watchpoint): number | null {
    const t = this.task(w.pid);
    if (!t) return null;
    const mm = this.mmOf(t);
    if (mm && w.addr < PAGE_OFFSET && (w.addr & 0xfff) + w.len <= 4096 && w.len <= 4) {
      // The common case, without allocating: a present page.
      const p = this.userPhys(mm, w.addr);
      if (p >= 0) {
        const u8 = this._machine.mmu.u8;
        let v = 0;
        for (let i = w.len - 1; i >= 0; i--) v = v * 256 + u8[p + i];
        return v;
      }
    }
    const b = this.tryReadMemory(w.pid, w.addr, w.len);
    if (b === null) return null;
    let v = 0;
    for (let i = Math.min(w.len, 4) - 1; i >= 0; i--) v = v * 256 + b[i];
    if (w.len > 4) for (let i = 7; i >= 4; i--) v += b[i] * 2 ** (8 * i); // up to 2^64: approximate, compared only
    return v;
  }

  protected activeWatches(): Watchpoint[] {
    const out: Watchpoint[] = [];
    for (const w of this.wps.values()) if (w.enabled) out.push(w);
    return out;
  }

  /**
   * Read and access watchpoints: the MMU's translate() is wrapped so that every access to
   * a watched linear page walks (its TLB entry is dropped after each walk), and the walk
   * notes the access. Installed only while such watchpoints exist.
   */
  protected accessPages = new Map<number, Watchpoint[]>();

  protected installAccessHook(): void {
    const mmu = this._machine?.mmu;
    if (!mmu) return;
    this.accessPages = new Map();
    for (const w of this.activeWatches()) {
      if (w.kind === 'write') continue;
      for (let p = w.addr >>> 12; p <= (w.addr + w.len - 1) >>> 12; p++) {
        const l = this.accessPages.get(p) ?? [];
        l.push(w);
        this.accessPages.set(p, l);
      }
    }
    const proto = Object.getPrototypeOf(mmu) as { translate: (l: number, w: boolean, u: boolean) => number };
    if (this.accessPages.size === 0) {
      if (Object.hasOwn(mmu, 'translate')) delete (mmu as unknown as Record<string, unknown>).translate;
      return;
    }
    const pages = this.accessPages;
    const k = () => this._kernel;
    mmu.translate = (linear: number, write: boolean, user: boolean): number => {
      const phys = proto.translate.call(mmu, linear, write, user);
      const vpn = linear >>> 12;
      const ws = pages.get(vpn);
      if (ws !== undefined) {
        mmu.tlb[vpn] = 0;
        const a = linear >>> 0;
        const cur = k().current;
        for (const w of ws) {
          if (a + 3 < w.addr || a >= w.addr + w.len) continue;
          if (w.kind === 'read' && write) continue;
          const wt = this.task(w.pid);
          if (!wt || !cur || this.mmOf(wt) !== this.mmOf(cur)) continue;
          if (!this.pendingWatch.some((p) => p.wp === w)) this.pendingWatch.push({ wp: w, access: write ? 'write' : 'read' });
        }
      }
      return phys;
    };
    for (const p of pages.keys()) mmu.tlb[p] = 0;
  }

  signalNumber(s: string): number | null {
    if (/^\d+$/.test(s)) return Number(s) >= 1 && Number(s) <= 64 ? Number(s) : null;
    const up = s.toUpperCase();
    const name = up.startsWith('SIG') ? up : 'SIG' + up;
    for (const [n, nm] of Object.entries(SIGNAL_NAMES)) if (nm === name) return Number(n);
    return null;
  }

  /** What the kernel did during a step (faults, syscalls, switches), for its message;
   *  null when not noting. */
  protected notes: string[] | null = null;

  protected note(line: string): void {
    if (this.notes !== null && !this.replaying) this.notes.push(line);
  }

  protected makeTracer(): KernelTracer {
    // The stop comes at the next user-mode instruction of a task the event involves (the
    // parent or the child of a fork; any task after an exit).
    const hit = (kind: CatchKind, t: Task, ev: Omit<CatchEvent, 'kind' | 'pid'>, match: (cp: Catchpoint) => boolean = () => true, involved: number[] | null = [t.pid]) => {
      if (kind !== 'syscall') this.note(ev.message);
      if (this.cps.size === 0) return;
      for (const cp of this.cps.values()) {
        if (!cp.enabled || cp.kind !== kind || (cp.pid !== null && cp.pid !== t.pid) || !match(cp)) continue;
        this.catchHits.push({ cp, ev: { kind, pid: t.pid, ...ev }, involved });
        this._machine.requestStop(); // machine.run() returns at the next block boundary
      }
    };
    return {
      fork: (parent, child, flags) => {
        const kind = cloneKind(flags);
        const sig = flags & 0xff;
        const names: string[] = [];
        if (flags & CLONE_VM) names.push('CLONE_VM');
        if (flags & CLONE_VFORK) names.push('CLONE_VFORK');
        if (flags & CLONE_THREAD) names.push('CLONE_THREAD');
        if (sig) names.push(SIGNAL_NAMES[sig] ?? String(sig));
        hit(kind, parent, { child: child.pid, flags, message: `pid ${parent.pid} ${kind === 'clone' ? 'cloned' : kind + 'ed'} pid ${child.pid} (flags ${names.join('|') || '0'})` }, undefined, [parent.pid, child.pid]);
      },
      exec: (t, path) => hit('exec', t, { path, message: `pid ${t.pid} executed ${path}` }),
      exit: (t, status) => {
        const how = status & 0x7f ? `was killed by ${SIGNAL_NAMES[status & 0x7f] ?? 'signal ' + (status & 0x7f)}` : `exited with status ${(status >> 8) & 0xff}`;
        hit('exit', t, { status, message: `pid ${t.pid} ${how}` }, undefined, null);
      },
      signal: (t, sig, action: SignalAction) => {
        hit('signal', t, { signal: sig, message: `pid ${t.pid} received ${SIGNAL_NAMES[sig] ?? 'signal ' + sig} (${action})` }, (cp) =>
          cp.filter.length === 0 || cp.filter.some((f) => this.signalNumber(f) === sig));
      },
      syscallEnter: (t, nr) => {
        hit('syscall', t, { syscall: nr, message: `pid ${t.pid} called ${syscallName(nr)}` }, (cp) => this.syscallMatches(cp, nr));
      },
      sched: (prev, next) => this.note(`switch from pid ${prev.pid} to pid ${next.pid}`),
      syscallExit: (t, nr, ret) => {
        this.note(`pid ${t.pid}: ${syscallName(nr)}() = ${ret | 0}`);
        hit('syscall', t, { syscall: nr, ret, message: `pid ${t.pid} returned from ${syscallName(nr)} = ${ret | 0}` }, (cp) => this.syscallMatches(cp, nr));
      },
      fault: (t, info) => {
        const cls = info.kind.startsWith('cow') ? 'cow' : info.kind === 'segv' || info.kind === 'sigbus' ? 'segv' : info.kind === 'spurious' || info.kind === 'oom' ? 'other' : 'demand';
        hit('fault', t, { fault: info, message: describeFault(t.pid, info) }, (cp) => cp.filter.length === 0 || cp.filter.includes(cls));
      },
    };
  }

  protected syscallMatches(cp: Catchpoint, nr: number): boolean {
    if (cp.filter.length === 0) return true;
    return cp.filter.some((f) => (/^\d+$/.test(f) ? Number(f) === nr : (NR as Record<string, number>)[f] === nr));
  }

  // -------------------------------------------------------------------------------------
  // The engine.

  /** Run with the given control; returns the stop (reason 'step' for maxEvents/untilPos). */
  protected advance(ctl: Control): StopEvent | 'slice' {
    const m = this._machine;
    const cpu = m.cpu;
    const k = this._kernel;
    const startCycles = cpu.cycles;
    let events = 0;
    let userLeft = ctl.userSteps ?? 0;
    let stopAfter: string | null = null;
    // Nothing is checked inside blocks: machine.run() may run (each position costs at
    // least one cycle, so a run of C cycles passes at most C + one block of positions).
    const watching = ctl.points && this.activeWatches().length > 0;
    const bpOn = this.bpPages.size > 0 && (ctl.points || this.internal.length > 0);
    const bare = !ctl.noMachineRun && ctl.maxEvents === undefined && ctl.userSteps === undefined && !ctl.follow &&
      !(this.bpPages.size && (ctl.points || this.internal.length)) && !(ctl.points && this.activeWatches().length);
    for (;;) {
      // ---- Between two positions.
      if (k.halted) return this.exitStop();
      if (cpu.shutdown) return this.stop('halted', 'triple fault: the CPU shut down');
      const pos = this.pos;
      if (ctl.untilPos !== undefined && pos >= ctl.untilPos) return this.stop('step', '');
      if (stopAfter !== null) return this.stop('step', stopAfter);
      if (this.pendingWatch.length && ctl.points) {
        const s = this.watchStop(ctl);
        if (s) return s;
      }
      if (this.catchHits.length && this.blockLeft === 0 && cpu.cpl === 3 && this.catchReady()) {
        if (ctl.points) {
          const s = this.catchStop(ctl);
          if (s) return s;
        } else this.catchHits = [];
      }
      if (ctl.maxEvents !== undefined && events >= ctl.maxEvents) return this.stop('step', '');
      if (ctl.userSteps !== undefined && userLeft <= 0 && cpu.cpl === 3) return this.stop('step', '');
      if (ctl.sliceCycles !== undefined && cpu.cycles - startCycles >= ctl.sliceCycles && this.blockLeft === 0) return 'slice';

      if (this.blockLeft === 0 && !this.afterIrq && bare && this.catchHits.length === 0) {
        // ---- Nothing to look at: machine.run() itself, at full speed, for a stretch.
        let budget = ctl.sliceCycles !== undefined ? startCycles + ctl.sliceCycles - cpu.cycles : SLICE;
        if (ctl.untilPos !== undefined) budget = Math.min(budget, ctl.untilPos - pos - 1000);
        if (budget > 1000) {
          const r = m.run(budget);
          if (r.reason === 'halted') return this.stop('halted', r.message);
          // cpu.run() returns on a stop request just after taking an IRQ; without the
          // request it would run the handler's first block at once (no boundary check).
          this.afterIrq = this.irqPos === this.pos;
          continue;
        }
      }
      if (this.blockLeft === 0) {
        // ---- A block boundary: what cpu.run() and machine.run() do between blocks.
        if (!this.afterIrq) {
          if (cpu.cycles >= m.pit.nextDeadline()) m.pit.update(cpu.cycles);
          if (cpu.intr && cpu.flags & EFLAGS_IF && !cpu.intShadow && cpu.pic) {
            cpu.halted = false;
            const vector = cpu.pic.acknowledge();
            if (vector >= 0) {
              this.inIrq = true;
              try {
                cpu.interrupt(vector);
              } finally {
                this.inIrq = false;
              }
              this.deliveries++;
              events++;
              this.afterIrq = true;
              if (ctl.points && this.pendingWatch.length === 0) this.checkWriteWatches();
              continue;
            }
          }
          if (cpu.halted) {
            const wake = m.pic.isMasked(0) ? Infinity : m.pit.nextDeadline();
            if ((cpu.flags & EFLAGS_IF) === 0 || wake === Infinity) return this.stop('halted', 'the CPU halted with no way to wake up');
            if (ctl.sliceCycles !== undefined && wake - startCycles > ctl.sliceCycles * 4 && cpu.cycles - startCycles > 0) {
              // A long sleep: let the caller check for deadlock first.
              return 'slice';
            }
            if (wake > cpu.cycles) {
              m.idleCycles += wake - cpu.cycles;
              cpu.cycles = wake;
            }
            m.pit.update(cpu.cycles);
            continue;
          }
        }
        // ---- Whole blocks at full speed when nothing needs a closer look.
        if (this.mayRunBlock(ctl, pos, watching, bpOn)) {
          this.afterIrq = false;
          const n = cpu.intShadow || cpu.flags & EFLAGS_TF ? 1 : BIG;
          const before = this.pos;
          cpu.step(n);
          events += this.pos - before;
          if (watching) this.checkWriteWatches(); // shared memory written by another address space
          continue;
        }
        this.blockLeft = this.canonicalLength();
        this.afterIrq = false;
      }

      // ---- One instruction, with the checks made before it.
      if (ctl.points || this.internal.length) {
        const s = this.breakCheck(ctl, pos);
        if (s) return s;
      }
      let after = false;
      if (ctl.follow && this.followRelevant(ctl.follow)) {
        const insn = this.currentInsn();
        const r = ctl.follow.before(insn);
        if (r === 'stop') return this.stop('step', ctl.follow.message);
        after = r === 'after';
      }
      const ir = cpu.instret;
      const user = cpu.cpl === 3;
      const pc = cpu.pc >>> 0;
      cpu.step(1);
      events++;
      if (cpu.instret === ir) {
        // A fault was delivered: the block ended. At a breakpoint address, remember it.
        this.blockLeft = 0;
        if (this.bpAddrs.has(pc)) {
          this.restartPid = k.current?.pid ?? -1;
          this.restartPc = pc;
        }
      } else {
        this.blockLeft = this.blockLeft > 0 ? this.blockLeft - 1 : 0;
        if (user) userLeft--;
        if (pc === this.restartPc) this.restartPc = -1;
      }
      if (after) stopAfter = ctl.follow!.message;
      if (watching) this.checkWriteWatches();
    }
  }

  /** Whether the next canonical block may run whole (no check inside it is needed). */
  protected mayRunBlock(ctl: Control, pos: number, watching: boolean, bpOn: boolean): boolean {
    const cpu = this._machine.cpu;
    if (ctl.maxEvents !== undefined) return false;
    if (ctl.userSteps !== undefined && cpu.cpl === 3) return false;
    if (ctl.follow && this.followRelevant(ctl.follow)) return false;
    if (watching && this.watchesRelevant()) return false;
    const onBpPage = bpOn && this.bpPages.has(cpu.pc >>> 12);
    if (ctl.untilPos === undefined && !onBpPage) return true;
    // Look at the block: does it hold a breakpoint, or would it pass the target?
    let block: Block;
    try {
      block = cpu.blocks.lookup();
    } catch (e) {
      if (e === FAULT) return false;
      throw e;
    }
    if (ctl.untilPos !== undefined && pos + block.insns.length + 2 > ctl.untilPos) return false;
    if (onBpPage) {
      if (this.bpFree.has(block)) return true;
      for (const i of block.insns) if (this.bpAddrs.has(i.eip >>> 0)) return false;
      this.bpFree.add(block);
    }
    return true;
  }

  /** Instructions in the block the CPU would run from here (cpu.run's step size). */
  protected canonicalLength(): number {
    const cpu = this._machine.cpu;
    if (cpu.intShadow || cpu.flags & EFLAGS_TF) return 1;
    try {
      return cpu.blocks.lookup().insns.length;
    } catch (e) {
      if (e === FAULT) return 1; // the fetch faults: cpu.step delivers it
      throw e;
    }
  }

  protected currentInsn(): Insn | null {
    const cpu = this._machine.cpu;
    try {
      const b = cpu.blocks.lookup();
      return b.insns[0] ?? null;
    } catch (e) {
      if (e === FAULT) return null;
      throw e;
    }
  }

  protected followRelevant(f: Follow): boolean {
    return this._machine.cpu.cpl === 3 && this._kernel.current?.pid === f.pid;
  }

  /** Some enabled watchpoint watches the address space now in use. */
  protected watchesRelevant(): boolean {
    if (this.wps.size === 0) return false;
    const cur = this._kernel.current;
    if (!cur) return false;
    const mm = this.mmOf(cur);
    for (const w of this.wps.values()) {
      if (!w.enabled) continue;
      if (w.addr >= PAGE_OFFSET) return true;
      const t = this.task(w.pid);
      if (t && this.mmOf(t) === mm) return true;
    }
    return false;
  }

  /** Compare write watchpoints' values; a change is a pending stop. */
  protected checkWriteWatches(): void {
    for (const w of this.wps.values()) {
      if (!w.enabled || w.kind === 'read') continue;
      if (this.replaying && this.pos < w.createdPos) continue;
      // The watched task has exited: its address space is gone (t.mm is null, and
      // active_mm may be a freed one), so nothing it watched can change any more.
      const wt = this.task(w.pid);
      if (w.addr < PAGE_OFFSET && (!wt || wt.exit_state || !wt.mm)) continue;
      const v = this.watchValue(w);
      if (v !== w.value) {
        if (w.value === null && this.replaying) {
          w.value = v;
          continue;
        }
        this.pendingWatch.push({ wp: w, access: 'write' });
      }
    }
  }

  protected watchStop(ctl: Control): StopEvent | null {
    const hits = this.pendingWatch;
    this.pendingWatch = [];
    const seen = new Set<Watchpoint>();
    const fired: Array<{ w: Watchpoint; access: 'read' | 'write'; old: number | null; value: number | null; moved: string }> = [];
    for (const { wp: w, access } of hits) {
      if (seen.has(w) || !this.wps.has(w.id)) continue;
      seen.add(w);
      const old = w.value;
      const value = this.watchValue(w);
      const phys = this.watchPhys(w);
      const frame = phys === null ? null : phys >>> 12;
      const moved = w.frame !== null && frame !== null && w.frame !== frame ? ` (the page moved: frame ${hex(w.frame)} → ${hex(frame)})` : '';
      w.value = value;
      w.frame = frame;
      if (w.kind === 'write' && old === value) continue;
      if (this.replaying && this.pos <= w.createdPos) continue;
      if (w.condition && !this.condTrue(w.condition)) continue;
      fired.push({ w, access: w.kind === 'write' ? 'write' : access, old, value, moved });
    }
    if (fired.length === 0) return null;
    fired.sort((a, b) => a.w.id - b.w.id);
    if (ctl.collect) {
      ctl.collect.push(this.pos);
      return null;
    }
    const fmt = (v: number | null) => (v === null ? '(unreadable)' : `${v} (${hex(v)})`);
    const lines: string[] = [];
    const cur = this._kernel.current;
    for (const f of fired) {
      const w = f.w;
      w.hits++;
      const what = w.kind === 'write' ? 'Watchpoint' : w.kind === 'read' ? 'Read watchpoint' : 'Access watchpoint';
      lines.push(`${what} ${w.id}: ${hex8(w.addr)}${this.symbolize(w.addr, w.pid) ? ' ' + this.symbolize(w.addr, w.pid) : ''} in pid ${w.pid}${cur && cur.pid !== w.pid ? ` (accessed by pid ${cur.pid})` : ''}`);
      if (f.old !== f.value) lines.push(`Old value = ${fmt(f.old)}`, `New value = ${fmt(f.value)}`);
      else lines.push(`Value = ${fmt(f.value)}`);
      if (w.frame !== null) lines.push(`(in frame ${hex(w.frame)})${f.moved}`);
    }
    const f0 = fired[0];
    return this.stop('watchpoint', lines.join('\n'), {
      id: f0.w.id,
      watch: { addr: f0.w.addr, len: f0.w.len, kind: f0.w.kind, old: f0.old, value: f0.value, access: f0.access },
    });
  }

  protected watchPhys(w: Watchpoint): number | null {
    const t = this.task(w.pid);
    const mm = t ? this.mmOf(t) : null;
    if (!mm || w.addr >= PAGE_OFFSET) return null;
    const p = this.userPhys(mm, w.addr);
    return p < 0 ? null : p;
  }

  /** A pending catch event may stop here: the running task is one it involves. */
  protected catchReady(): boolean {
    const pid = this._kernel.current?.pid ?? -1;
    for (const h of this.catchHits) {
      if (h.involved === null || h.involved.includes(pid)) return true;
      // Every involved task is gone: any task will do.
      if (h.involved.every((p) => { const t = this.task(p); return !t || t.exit_state !== 0; })) return true;
    }
    return false;
  }

  protected catchStop(ctl: Control): StopEvent | null {
    const hits = this.catchHits;
    this.catchHits = [];
    if (ctl.collect) {
      ctl.collect.push(this.pos);
      return null;
    }
    const first = hits[0];
    for (const h of hits) {
      h.cp.hits++;
      if (h.cp.temporary) this.cps.delete(h.cp.id);
    }
    const lines = hits.map((h) => `Catchpoint ${h.cp.id} (${h.cp.kind}): ${h.ev.message}`);
    // The same event caught by several catchpoints is shown once.
    const uniq = [...new Set(lines)];
    return this.stop('catch', uniq.join('\n'), { id: first.cp.id, event: first.ev, signal: first.ev.signal });
  }

  /** Breakpoints (and internal ones) at the instruction about to run. */
  protected breakCheck(ctl: Control, pos: number): StopEvent | null {
    const cpu = this._machine.cpu;
    const pc = cpu.pc >>> 0;
    if (!this.bpAddrs.has(pc)) return null;
    if (pos === this.skipPos) return null;
    const cur = this._kernel.current;
    if (pc === this.restartPc && cur?.pid === this.restartPid) return null; // the restart of a faulted attempt
    for (const ib of this.internal) {
      if (ib.addr === pc && ib.test()) {
        this.skipPos = pos;
        return this.stop('step', ib.message);
      }
    }
    if (!ctl.points) return null;
    for (const b of this.bps.values()) {
      if (!b.enabled || b.addr !== pc) continue;
      if (b.pid !== null && cur?.pid !== b.pid) continue;
      if (b.condition && !this.condTrue(b.condition)) continue;
      if (ctl.collect) {
        ctl.collect.push(pos);
        this.skipPos = pos;
        return null;
      }
      b.hits++;
      if (b.temporary) {
        this.bps.delete(b.id);
        this.rebuildBpIndex();
      }
      const label = b.temporary ? 'Temporary breakpoint' : 'Breakpoint';
      return this.stop('breakpoint', `${label} ${b.id}, ${hex8(pc)}${this.symbolizeCur(pc)} in pid ${cur?.pid ?? 0}`, { id: b.id });
    }
    return null;
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

  /** After a stop: the viewed task follows, temporary internal breakpoints go. */
  protected finish(ev: StopEvent): StopEvent {
    this.internal = [];
    this.rebuildBpIndex();
    if (!this.replaying) this.last = ev;
    if (ev.pid >= 0 && this.task(ev.pid)) this.viewPid = ev.pid;
    return ev;
  }

  protected run(ctl: Control): StopEvent {
    if (this.ended) return this.finish(this.exitStop());
    for (;;) {
      const r = this.advance(ctl);
      if (r !== 'slice') return this.finish(r);
    }
  }

  /** Run f collecting kernel notes; they are appended to the stop's message. */
  protected noting(f: () => StopEvent): StopEvent {
    this.notes = [];
    try {
      const ev = f();
      const notes = this.notes;
      if (notes.length) {
        const shown = notes.length > 12 ? [...notes.slice(0, 12), `… and ${notes.length - 12} more kernel events`] : notes;
        const text = shown.map((n) => `  ${n}`).join('\n');
        ev.message = ev.message ? `${ev.message}\n${text}` : text;
      }
      return ev;
    } finally {
      this.notes = null;
    }
  }

  protected sliceStop(start: number, maxCycles: number): StopEvent | null {
    const cpu = this._machine.cpu;
    const limit = this.options.maxCycles;
    if (limit !== undefined && cpu.cycles >= limit) return this.stop('limit', `cycle limit of ${limit} reached`);
    if (cpu.cycles - start >= maxCycles) return this.stop('interrupt', `stopped after ${maxCycles} cycles in pid ${this.currentPid}`);
    if (this.interruptRequested) {
      this.interruptRequested = false;
      return this.stop('interrupt', `Interrupted in pid ${this.currentPid}`);
    }
    const idle = idleState(this._kernel);
    if (idle === 'deadlock') return this.stop('deadlock', 'deadlock: every task sleeps and nothing can wake them');
    if (idle === 'input') return this.stop('deadlock', 'every task sleeps, waiting for input');
    return null;
  }

  /** Boot a fresh machine and run it to `target`, applying the journal; with `collect`,
   *  record the positions where points would stop. */
  protected replay(target: number, collect?: number[]): void {
    this.replaying = true;
    try {
      for (;;) {
        try {
          this.replayOnce(target, collect);
          return;
        } catch (e) {
          if (!(e instanceof ReplayRetry)) throw e;
          if (collect) collect.length = 0;
        }
      }
    } finally {
      this.replaying = false;
      this.catchHits = [];
      this.pendingWatch = [];
    }
  }

  protected replayOnce(target: number, collect?: number[]): void {
    this.boot();
    for (const w of this.wps.values()) {
      w.value = null;
      w.frame = null;
    }
    for (const j of this.journal.filter((e) => e.pos <= target)) {
      this.replayRun(j.pos, collect);
      j.apply();
    }
    this.replayRun(target, collect);
    for (const w of this.wps.values()) this.refreshWatch(w);
  }

  protected replayRun(target: number, collect?: number[]): void {
    for (;;) {
      if (this.pos >= target || this.ended) break;
      const r = this.advance({ points: collect !== undefined, collect, untilPos: target, sliceCycles: 50_000_000, noMachineRun: this.slowReplay });
      if (r === 'slice') continue;
      if (this.pos >= target || r.reason === 'exit' || r.reason === 'halted') break;
    }
    if (this.pos > target && !this.slowReplay) {
      // machine.run() went past the target (it cannot, by the cycle bound; kept as a guard).
      this.slowReplay = true;
      throw new ReplayRetry();
    }
  }
}
