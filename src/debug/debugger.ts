// The debugger core: run a program on the forkbox kernel under control — stepping by
// instruction and by source line, breakpoints, watchpoints, catchpoints on kernel events,
// and reverse execution — and look at any task's registers and memory. No I/O: the REPL
// (repl.ts, commands.ts) and the gdb stub (gdbstub.ts) are front-ends of this class.
//
// This file is the API; engine.ts (the base class) runs the machine — how a run under
// the debugger stays exactly the run of `forkbox run`, what a position is, how fast each
// kind of check runs, and how reverse execution replays — on the instance engine-state.ts
// holds, with the point checks of engine-points.ts; types.ts has the types.

import { posix } from 'node:path';
import { EXIT_DEAD, EXIT_ZOMBIE, STATE_NAMES } from '../guest/task.js';
import type { Insn } from '../cpu/insn.js';
import { decodeAt } from '../cpu/decoder.js';
import { formatInsn } from '../asm/disasm.js';
import { PAGE_OFFSET } from '../guest/layout.js';
import { PT_CS, PT_DS, PT_EAX, PT_EBP, PT_EBX, PT_ECX, PT_EDI, PT_EDX, PT_EFLAGS, PT_EIP, PT_ES, PT_ESI, PT_ESP, PT_FS, PT_GS, PT_ORIG_EAX, PT_SS, PtRegs } from '../guest/ptregs.js';
import { PTE_FRAME, PTE_P, PTE_W } from '../mmu/paging.js';
import { copy_to_mm } from '../guest/memory.js';
import { NR } from '../guest/abi.js';
import { FPU } from '../cpu/fpu.js';
import { FNSAVE_IMAGE_SIZE } from '../guest/fpu.js';
import { compile, evaluate, ExprError } from './expr.js';
import type { LineInfo } from './symbols.js';
import { Engine } from './engine.js';
import { hex, type Follow } from './engine-state.js';
import {
  DebugError, hex8,
  type Breakpoint, type BreakpointOptions, type CatchKind, type Catchpoint, type RegisterName, type StopEvent,
  type TaskInfo, type WatchKind, type Watchpoint,
} from './types.js';

export * from './types.js';

export class Debugger extends Engine {

  /** Called with the debugger whenever a new machine and kernel are made (at start and by
   *  reverse execution), e.g. to install kernel tracers again. */
  onInstance(listener: (d: Debugger) => void): void {
    this.instanceListeners.push(() => listener(this));
  }

  /** Every task, by pid. */
  tasks(): TaskInfo[] {
    const k = this._kernel;
    const out: TaskInfo[] = [];
    for (const pid of [...k.tasks.keys()].sort((a, b) => a - b)) {
      const t = k.tasks.get(pid)!;
      const state = t.exit_state ? STATE_NAMES[t.exit_state & (EXIT_ZOMBIE | EXIT_DEAD)] ?? 'X (dead)' : STATE_NAMES[t.state] ?? String(t.state);
      out.push({ pid, tgid: t.tgid, ppid: t.parent?.pid ?? 0, comm: t.comm, state, current: t === k.current, task: t });
    }
    return out;
  }

  /** Set a register of a task: the live CPU for the running task, else its pt_regs
   *  (segment registers only there: the CPU's need a descriptor load). Journaled. */
  writeRegister(pid: number, name: RegisterName, value: number): void {
    this.registerWriter(pid, name, value)();
    // A replay applies it again on the new machine (the writer is built there).
    this.journal.push({ pos: this.pos, apply: () => this.registerWriter(pid, name, value)() });
  }

  private registerWriter(pid: number, name: RegisterName, value: number): () => void {
    const k = this._kernel;
    const t = this.taskOrThrow(pid);
    const gp = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'].indexOf(name);
    if (t === k.current && (gp >= 0 || name === 'eip' || name === 'eflags')) {
      return () => {
        const cpu = this._machine.cpu;
        if (gp >= 0) cpu.regs[gp] = value | 0;
        else if (name === 'eip') {
          cpu.eip = value >>> 0;
          this.blockLeft = 0;
        } else {
          cpu.getFlags();
          cpu.flags = (value & 0x3f7fd7) | 2;
          cpu.lazy = 0;
        }
      };
    }
    const off: Record<string, number> = {
      eax: PT_EAX, ecx: PT_ECX, edx: PT_EDX, ebx: PT_EBX, esp: PT_ESP, ebp: PT_EBP, esi: PT_ESI, edi: PT_EDI,
      eip: PT_EIP, eflags: PT_EFLAGS, cs: PT_CS, ss: PT_SS, ds: PT_DS, es: PT_ES, fs: PT_FS, gs: PT_GS, orig_eax: PT_ORIG_EAX,
    };
    if (!(name in off)) throw new DebugError(`unknown register '${name}'`);
    if (t === k.current) throw new DebugError(`${name} of the running task cannot be changed here`);
    return () => new PtRegs(this._machine.mmu, this.taskOrThrow(pid).ptRegsAddr).set(off[name], value | 0);
  }

  /**
   * The x87 state of task `pid` as a 108-byte FNSAVE image (guest/fpu.ts): the CPU's FPU
   * registers when the task owns them (Kernel.fpregs_owner: the running user task), else
   * the image the kernel saved when it was switched out, or the FNINIT state for a task
   * that has none (it never used the FPU, or left it in the FNINIT state). null when the
   * CPU has no FPU.
   */
  readFpu(pid: number): Uint8Array | null {
    const t = this.taskOrThrow(pid);
    const f = (this._machine.cpu as { fpu?: FPU }).fpu;
    if (!f) return null;
    const img = new Uint8Array(FNSAVE_IMAGE_SIZE);
    if (t === this._kernel.fpregs_owner) f.save(img);
    else if (t.thread.fpstate) img.set(t.thread.fpstate.subarray(0, FNSAVE_IMAGE_SIZE));
    else new FPU().save(img);
    return img;
  }

  /** Replace task `pid`'s x87 state by an FNSAVE image (where readFpu reads it: the FPU
   *  registers of their owner, else the task's saved image). Journaled for replay. */
  writeFpu(pid: number, image: Uint8Array): void {
    const img = image.slice(0, FNSAVE_IMAGE_SIZE);
    if (img.length !== FNSAVE_IMAGE_SIZE) throw new DebugError('bad FPU image');
    const apply = () => {
      const t = this.taskOrThrow(pid);
      const f = (this._machine.cpu as { fpu?: FPU }).fpu;
      if (!f) throw new DebugError('the CPU has no FPU');
      if (t === this._kernel.fpregs_owner) f.restore(img);
      else {
        const copy = img.slice();
        t.thread.fpstate = copy;
        t.thread.fpbuf = copy;
      }
    };
    apply();
    this.journal.push({ pos: this.pos, apply });
  }

  /**
   * Write bytes at `vaddr` of task `pid`. A present writable page is written in place; a
   * copy-on-write or absent page is first made private and present as a write fault
   * would (copy_to_mm), so a COW-shared frame is never changed under another task.
   * Journaled for replay.
   */
  writeMemory(pid: number, vaddr: number, bytes: Uint8Array): void {
    const data = bytes.slice();
    const apply = () => this.memoryWriter(pid, vaddr >>> 0, data);
    apply();
    this.journal.push({ pos: this.pos, apply });
  }

  private memoryWriter(pid: number, vaddr: number, data: Uint8Array): void {
    const t = this.taskOrThrow(pid);
    const k = this._kernel;
    const mmu = this._machine.mmu;
    if (vaddr >= PAGE_OFFSET) {
      const p = vaddr - PAGE_OFFSET;
      if (p + data.length > mmu.ramSize) throw new DebugError(`cannot access memory at address ${hex(vaddr)}`);
      mmu.writePhysBytes(p, data);
      return;
    }
    const mm = this.mmOf(t);
    if (!mm) throw new DebugError(`pid ${pid} has no address space`);
    for (let i = 0; i < data.length; ) {
      const a = (vaddr + i) >>> 0;
      const n = Math.min(data.length - i, 4096 - (a & 0xfff));
      const i32 = mmu.i32;
      const pde = i32[(mm.pgd >>> 2) + (a >>> 22)];
      const pte = pde & PTE_P ? i32[((pde & PTE_FRAME) >>> 2) + ((a >>> 12) & 0x3ff)] : 0;
      if (pte & PTE_P && pte & PTE_W) {
        mmu.writePhysBytes(((pte & PTE_FRAME) | (a & 0xfff)) >>> 0, data.subarray(i, i + n));
      } else {
        const r = copy_to_mm(k, mm, a, data.subarray(i, i + n));
        if (r < 0) throw new DebugError(`cannot access memory at address ${hex(a)}`);
        mmu.flushTlb(false);
      }
      i += n;
    }
  }

  lineAt(addr: number, pid = this.viewPid): LineInfo | null {
    return this.symbols.lineAt(this._kernel, this.task(pid), addr);
  }

  /** Evaluate an expression for a task (default: the viewed one). */
  evaluate(expr: string, pid = this.viewPid): number {
    return evaluate(expr, this.exprContext(pid));
  }

  /**
   * An address from a location: `*ADDR`, `0x8049000`, `symbol`, `symbol+off`,
   * `file:line`, `line` (in the file of the current line), or an expression.
   */
  resolveLocation(loc: string, pid = this.viewPid): number {
    const s = loc.trim();
    const fl = /^([^\s:]+):(\d+)$/.exec(s);
    if (fl) {
      const a = this.symbols.program.lineAddress(fl[1], Number(fl[2]));
      if (a === null) throw new DebugError(`no code at ${s}`);
      return a;
    }
    if (/^\d+$/.test(s) && this.symbols.program.lines.length) {
      const cur = this.lineAt(this.readRegisters(this.viewPidValid()).eip, this.viewPidValid());
      const file = cur?.file ?? this.symbols.program.files()[0];
      const a = file ? this.symbols.program.lineAddress(file, Number(s)) : null;
      if (a === null) throw new DebugError(`no code at line ${s}`);
      return a;
    }
    try {
      return this.evaluate(s.startsWith('*') ? s.slice(1) : s, pid);
    } catch (e) {
      if (e instanceof ExprError || e instanceof DebugError) throw new DebugError(`bad location '${s}': ${e.message}`);
      throw e;
    }
  }

  private viewPidValid(): number {
    return this.task(this.viewPid) ? this.viewPid : this.currentPid;
  }

  /** `[pid 3] 0x08049005 <_start+5>:  mov    eax,0x1` — where the task stands. */
  describeLocation(pid = this.currentPid): string {
    const t = this.task(pid);
    if (!t) return `[pid ${pid}] (no such task)`;
    const eip = this.readRegisters(pid).eip;
    const sym = this.symbolize(eip, pid);
    const insn = this.insnAt(pid, eip);
    const text = insn ? formatInsn(insn, this.symbolTableFor(pid, eip) ?? undefined) : '(cannot read memory)';
    const mode = pid === this.currentPid && this._machine.cpu.cpl === 0 && eip >= PAGE_OFFSET ? ' (kernel)' : '';
    return `[pid ${pid}${mode}] ${hex8(eip)}${sym ? ' ' + sym : ''}:  ${text}`;
  }

  /** The symbol table of the image at addr in task pid (for the disassembler). */
  symbolTableFor(pid: number, addr: number) {
    return this.symbols.imageFor(this._kernel, this.task(pid), addr)?.table ?? null;
  }

  /** Decode the instruction at addr in task pid (null when unreadable). */
  insnAt(pid: number, addr: number): Insn | null {
    let bytes = this.tryReadMemory(pid, addr, 16);
    if (bytes === null) {
      // The end of a mapping: take what there is.
      const n = 4096 - (addr & 0xfff);
      bytes = n < 16 ? this.tryReadMemory(pid, addr, n) : null;
      if (bytes === null) return null;
    }
    const i = decodeAt(bytes, 0, addr >>> 0, true);
    return i.def.mnemonic === '(bad)' || i.len > bytes.length ? null : i;
  }

  // -------------------------------------------------------------------------------------
  // Breakpoints.

  addBreakpoint(addr: number, opts: BreakpointOptions = {}): number {
    if (opts.condition) this.checkCondition(opts.condition);
    const id = this.nextId++;
    this.bps.set(id, {
      id, addr: addr >>> 0, temporary: opts.temporary ?? false, condition: opts.condition ?? null, pid: opts.pid ?? null,
      enabled: true, hits: 0, location: opts.location ?? hex(addr),
    });
    this.rebuildBpIndex();
    return id;
  }

  private checkCondition(cond: string): void {
    try {
      compile(cond);
    } catch (e) {
      if (e instanceof ExprError) throw new DebugError(`bad condition: ${e.message}`);
      throw e;
    }
  }

  /** Remove a breakpoint, watchpoint or catchpoint by id; false if there is none. */
  removeBreakpoint(id: number): boolean {
    const had = this.bps.delete(id) || this.wps.delete(id) || this.cps.delete(id);
    this.rebuildBpIndex();
    this.installAccessHook();
    return had;
  }

  /** Enable or disable any point by id; false if there is none. */
  setEnabled(id: number, enabled: boolean): boolean {
    const p = this.bps.get(id) ?? this.wps.get(id) ?? this.cps.get(id);
    if (!p) return false;
    p.enabled = enabled;
    if (this.wps.has(id) && enabled) {
      this.refreshWatch(this.wps.get(id)!);
    }
    this.rebuildBpIndex();
    this.installAccessHook();
    return true;
  }

  /** Set or clear (null) the condition of a breakpoint or watchpoint. */
  setCondition(id: number, condition: string | null): boolean {
    const p = this.bps.get(id) ?? this.wps.get(id);
    if (!p) return false;
    if (condition) this.checkCondition(condition);
    p.condition = condition;
    return true;
  }

  breakpoints(): Breakpoint[] {
    return [...this.bps.values()];
  }

  watchpoints(): Watchpoint[] {
    return [...this.wps.values()];
  }

  catchpoints(): Catchpoint[] {
    return [...this.cps.values()];
  }

  // -------------------------------------------------------------------------------------
  // Watchpoints.

  /** Watch `len` (1, 2 or 4; up to 8 for write) bytes at vaddr in task pid's address space. */
  addWatchpoint(vaddr: number, len: number, kind: WatchKind, pid = this.viewPidValid(), condition: string | null = null): number {
    if (!Number.isInteger(len) || len < 1 || len > 8) throw new DebugError('a watchpoint watches 1 to 8 bytes');
    const t = this.taskOrThrow(pid);
    if (!this.mmOf(t) && vaddr < PAGE_OFFSET) throw new DebugError(`pid ${pid} has no user address space`);
    if (condition) this.checkCondition(condition);
    const id = this.nextId++;
    const w: Watchpoint = { id, addr: vaddr >>> 0, len, kind, pid, enabled: true, hits: 0, condition, value: null, frame: null, createdPos: this.pos };
    this.refreshWatch(w);
    this.wps.set(id, w);
    this.installAccessHook();
    return id;
  }

  // -------------------------------------------------------------------------------------
  // Catchpoints.

  addCatchpoint(kind: CatchKind, filter: string[] = [], opts: { pid?: number; temporary?: boolean } = {}): number {
    const f = filter.map((s) => s.trim()).filter(Boolean);
    if (kind === 'syscall') {
      for (const s of f) if (!/^\d+$/.test(s) && !(s in NR)) throw new DebugError(`unknown syscall '${s}'`);
    } else if (kind === 'signal') {
      for (const s of f) if (this.signalNumber(s) === null) throw new DebugError(`unknown signal '${s}'`);
    } else if (kind === 'fault') {
      for (const s of f) if (!['cow', 'demand', 'segv'].includes(s)) throw new DebugError(`catch fault takes cow, demand or segv, not '${s}'`);
    } else if (f.length) {
      throw new DebugError(`catch ${kind} takes no argument`);
    }
    const id = this.nextId++;
    this.cps.set(id, { id, kind, filter: f, pid: opts.pid ?? null, enabled: true, temporary: opts.temporary ?? false, hits: 0 });
    return id;
  }

  // -------------------------------------------------------------------------------------
  // Execution commands.

  /** Boot-to-entry: run until the first instruction of the program in its own process
   *  (the child of init that exec'd it; not init's). */
  runToEntry(): StopEvent {
    const entry = this.programEntry();
    const initPid = () => this._kernel.init?.pid ?? 1;
    if (entry === null) throw new DebugError('the program has no entry point');
    this.internal = [{ addr: entry, test: () => this._machine.cpu.cpl === 3 && this.currentPid !== initPid() && this.currentPid > 0, message: '' }];
    this.rebuildBpIndex();
    const ev = this.run({ points: false });
    if (ev.reason === 'step') {
      ev.reason = 'entry';
      ev.message = `Program ${this.options.argv[0]} at its entry in pid ${ev.pid}`;
      this.entryPos = ev.pos;
    }
    this.last = ev;
    return ev;
  }

  /** The program's entry address (ELF e_entry + load bias). */
  programEntry(): number | null {
    const elf = this.options.files.get(posix.resolve('/', this.options.argv[0]));
    if (!elf) return null;
    const bytes = elf;
    // e_entry at offset 24; static-pie images are loaded at DEFAULT_PIE_BASE (elf.ts).
    const e = (bytes[24] | (bytes[25] << 8) | (bytes[26] << 16) | (bytes[27] << 24)) >>> 0;
    const type = bytes[16] | (bytes[17] << 8);
    return type === 3 ? (e + 0x56555000) >>> 0 : e;
  }

  /**
   * stepi. mode 'any' (default): execute n positions — instructions, or deliveries of a
   * fault or IRQ — in whatever task and mode the CPU is (into the kernel's entry stubs).
   * mode 'user': execute n user-mode instructions; kernel entries on the way (a syscall,
   * a page fault, a timer interrupt, a switch to another task) run through to the next
   * user-mode instruction, and the stop message says what the kernel did.
   */
  stepInsn(n = 1, mode: 'any' | 'user' = 'any'): StopEvent {
    if (!Number.isInteger(n) || n < 1) throw new DebugError('stepi needs a positive count');
    if (mode === 'user' && this._machine.cpu.cpl === 3) return this.noting(() => this.run({ points: true, userSteps: n }));
    return this.noting(() => this.run({ points: true, maxEvents: n }));
  }

  /** nexti: one instruction of the current task; a call or int 0x80 runs until the task
   *  is at the next instruction (a temporary breakpoint there, for this task, with ESP
   *  at or above its value now). */
  nextInsn(n = 1): StopEvent {
    return this.noting(() => {
      let ev: StopEvent | null = null;
      for (let k = 0; k < n; k++) {
        ev = this.nextOne();
        if (ev.reason !== 'step') return ev;
      }
      return ev!;
    });
  }

  private nextOne(): StopEvent {
    if (this.ended) return this.finish(this.exitStop());
    const cpu = this._machine.cpu;
    const pid = this.currentPid;
    const eip = cpu.eip >>> 0;
    const insn = this.insnAt(pid, eip);
    const mn = insn?.def.mnemonic ?? '';
    if (insn && (mn === 'call' || mn.startsWith('int') || mn === 'into' || mn.startsWith('rep') || mn.startsWith('loop'))) {
      const next = (eip + insn.len) >>> 0;
      const esp = cpu.regs[4] >>> 0;
      this.internal = [{ addr: next, test: () => this.currentPid === pid && cpu.regs[4] >>> 0 >= esp && cpu.cpl === (eip >= PAGE_OFFSET ? 0 : 3), message: '' }];
      this.rebuildBpIndex();
      // Step the first instruction (it may itself be the breakpoint address of a loop).
      const first = this.run({ points: true, maxEvents: 1 });
      if (first.reason !== 'step') return first;
      if (this.currentPid === pid && cpu.eip >>> 0 === next) return first;
      this.internal = [{ addr: next, test: () => this.currentPid === pid && cpu.regs[4] >>> 0 >= esp, message: '' }];
      this.rebuildBpIndex();
      return this.run({ points: true });
    }
    return this.run({ points: true, maxEvents: 1 });
  }

  /** Step by source line in the current task: until it reaches the start of another
   *  line. `over` (next): calls run to their return. */
  stepLine(over: boolean): StopEvent {
    return this.noting(() => this.stepLineRun(over));
  }

  private stepLineRun(over: boolean): StopEvent {
    if (this.ended) return this.finish(this.exitStop());
    const pid = this.currentPid;
    const cpu = this._machine.cpu;
    const t = this.task(pid);
    const start = this.lineAt(cpu.eip >>> 0, pid);
    if (!start && !this.symbols.program.lines.length) throw new DebugError('no line table: use stepi / nexti');
    let depth = 0;
    let left = false;
    const startEip = cpu.eip >>> 0;
    const follow: Follow = {
      pid,
      message: '',
      before: (insn) => {
        const eip = cpu.eip >>> 0;
        if (depth > 0) {
          if (insn && insn.def.mnemonic === 'call') depth++;
          else if (insn && insn.def.mnemonic.startsWith('ret')) depth--;
          return null;
        }
        if (eip !== startEip || left) {
          left = true;
          const l = this.symbols.lineAt(this._kernel, t, eip);
          const img = this.symbols.imageFor(this._kernel, t, eip);
          if (l && img && img.lineStarts.get(eip) === l && (!start || l.line !== start.line || l.file !== start.file || eip === start.address)) return 'stop';
        }
        if (over && insn && insn.def.mnemonic === 'call') depth = 1;
        return null;
      },
    };
    return this.run({ points: true, follow });
  }

  /** finish: run until the current function returns (a `ret` at this call depth of the
   *  current task), and stop after it. */
  finishFrame(): StopEvent {
    return this.noting(() => this.finishRun());
  }

  private finishRun(): StopEvent {
    if (this.ended) return this.finish(this.exitStop());
    const pid = this.currentPid;
    let depth = 0;
    const fn = this.symbolize(this._machine.cpu.eip, pid) || hex8(this._machine.cpu.eip);
    const follow: Follow = {
      pid,
      message: `Run till exit from ${fn}`,
      before: (insn) => {
        if (!insn) return null;
        const mn = insn.def.mnemonic;
        if (mn === 'call') depth++;
        else if (mn.startsWith('ret')) {
          if (depth === 0) return 'after';
          depth--;
        }
        return null;
      },
    };
    return this.run({ points: true, follow });
  }

  /** until: like next, but never stops at a line at or below the current address (gets
   *  out of loops); with a location, runs to it or until the current frame returns. */
  until(location?: number): StopEvent {
    return this.noting(() => this.untilRun(location));
  }

  private untilRun(location?: number): StopEvent {
    if (this.ended) return this.finish(this.exitStop());
    const pid = this.currentPid;
    const cpu = this._machine.cpu;
    const startEip = cpu.eip >>> 0;
    if (location !== undefined) {
      this.internal = [{ addr: location >>> 0, test: () => this.currentPid === pid, message: '' }];
      this.rebuildBpIndex();
      let depth = 0;
      return this.run({
        points: true,
        follow: {
          pid, message: '', before: (insn) => {
            const mn = insn?.def.mnemonic ?? '';
            if (mn === 'call') depth++;
            else if (mn.startsWith('ret')) {
              if (depth === 0) return 'after';
              depth--;
            }
            return null;
          },
        },
      });
    }
    const t = this.task(pid);
    const start = this.lineAt(startEip, pid);
    let depth = 0;
    return this.run({
      points: true,
      follow: {
        pid, message: '', before: (insn) => {
          const eip = cpu.eip >>> 0;
          const mn = insn?.def.mnemonic ?? '';
          if (depth > 0) {
            if (mn === 'call') depth++;
            else if (mn.startsWith('ret')) depth--;
            return null;
          }
          if (eip > startEip) {
            const l = this.symbols.lineAt(this._kernel, t, eip);
            const img = this.symbols.imageFor(this._kernel, t, eip);
            if (l && img && img.lineStarts.get(eip) === l && (!start || l.line !== start.line)) return 'stop';
          }
          if (mn === 'call') depth = 1;
          else if (mn.startsWith('ret')) return 'after';
          return null;
        },
      },
    });
  }

  /** Run to a breakpoint, watchpoint, catchpoint, the end, or interrupt(); synchronous
   *  (at most `maxCycles` more cycles when given: then reason 'interrupt'). */
  contSync(maxCycles = Infinity): StopEvent {
    if (this.ended) return this.finish(this.exitStop());
    this.interruptRequested = false;
    const start = this._machine.cpu.cycles;
    for (;;) {
      const r = this.advance({ points: true, sliceCycles: 4_000_000 });
      if (r !== 'slice') return this.finish(r);
      const s = this.sliceStop(start, maxCycles);
      if (s) return this.finish(s);
    }
  }

  /** continue, in slices that return to the event loop (so interrupt() is served). */
  async cont(): Promise<StopEvent> {
    if (this.ended) return this.finish(this.exitStop());
    this.interruptRequested = false;
    const start = this._machine.cpu.cycles;
    for (;;) {
      const r = this.advance({ points: true, sliceCycles: 2_000_000 });
      if (r !== 'slice') return this.finish(r);
      const s = this.sliceStop(start, Infinity);
      if (s) return this.finish(s);
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.interruptRequested) {
        this.interruptRequested = false;
        return this.finish(this.stop('interrupt', `Interrupted in pid ${this.currentPid}`));
      }
    }
  }

  /** Ask a running cont() to stop (ctrl-C); served between slices. */
  interrupt(): void {
    this.interruptRequested = true;
  }

  /**
   * Run until task pid is about to execute an instruction in user mode (the kernel and
   * other tasks at full speed), or something stops first: a breakpoint, watchpoint or
   * catchpoint, interrupt(), a deadlock, the end. Reason 'step' when pid got there.
   * The gdb stub's stepi uses it to let the system call or fault an instruction caused
   * finish, as PTRACE_SINGLESTEP does. (Added by the gdb stub.)
   */
  async runToUser(pid: number): Promise<StopEvent> {
    if (this.ended) return this.finish(this.exitStop());
    this.interruptRequested = false;
    const start = this._machine.cpu.cycles;
    const follow: Follow = { pid, message: '', before: () => 'stop' };
    for (;;) {
      const r = this.advance({ points: true, sliceCycles: 2_000_000, follow });
      if (r !== 'slice') return this.finish(r);
      const s = this.sliceStop(start, Infinity);
      if (s) return this.finish(s);
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.interruptRequested) {
        this.interruptRequested = false;
        return this.finish(this.stop('interrupt', `Interrupted in pid ${this.currentPid}`));
      }
    }
  }

  // -------------------------------------------------------------------------------------
  // Reverse execution.

  /** Go back one position (the state before the last instruction or delivery). */
  reverseStepi(n = 1): StopEvent {
    const target = this.pos - n;
    if (target < 0) throw new DebugError('at the start of the execution history');
    return this.replayTo(target, `reverse-stepi: back to position ${target}`);
  }

  /** Go back to the last position before this one where continue would have stopped
   *  (a breakpoint, watchpoint or catchpoint), or to the program's entry. */
  reverseContinue(): StopEvent {
    const here = this.pos;
    const found: number[] = [];
    this.replay(here, found);
    const earlier = found.filter((p) => p < here);
    if (earlier.length === 0) {
      const to = this.entryPos < here ? this.entryPos : 0;
      const ev = this.replayTo(to, 'No more reverse-execution history: back at the program\'s entry');
      ev.reason = 'reverse';
      return ev;
    }
    const to = earlier[earlier.length - 1];
    const ev = this.replayTo(to, '');
    // Say what stops there (forward): re-evaluate the breakpoint at this position.
    ev.message = this.describeStopAt(ev) || `reverse-continue: back to position ${to}`;
    return ev;
  }

  private describeStopAt(ev: StopEvent): string {
    const pc = this._machine.cpu.pc >>> 0;
    for (const b of this.bps.values()) {
      if (b.enabled && b.addr === pc && (b.pid === null || b.pid === ev.pid)) {
        ev.reason = 'breakpoint';
        ev.id = b.id;
        return `Breakpoint ${b.id}, ${hex8(pc)}${this.symbolizeCur(pc)} in pid ${ev.pid}`;
      }
    }
    return '';
  }

  /** Rebuild the machine at `target` (< current position) by replay. */
  private replayTo(target: number, message: string): StopEvent {
    this.replay(target);
    const ev = this.stop('step', message);
    // Drop journal entries of the abandoned future.
    for (let i = this.journal.length - 1; i >= 0; i--) if (this.journal[i].pos > target) this.journal.splice(i, 1);
    return this.finish(ev);
  }

  /** A hash of the machine state: registers, EFLAGS, segment selectors, control
   *  registers, the x87 state (FPU registers, their owner, every task's saved image),
   *  and every frame in use (number, kind, count, contents) — FNV-1a over 32-bit words.
   *  Equal states give equal hashes; free frames do not count. */
  stateHash(): string {
    const cpu = this._machine.cpu;
    const mmu = this._machine.mmu;
    const pages = this._kernel.pages;
    let h = 0x811c9dc5;
    const mix = (v: number) => {
      h = Math.imul(h ^ v, 0x01000193);
    };
    for (let r = 0; r < 8; r++) mix(cpu.regs[r]);
    mix(cpu.eip);
    mix(cpu.getFlags());
    for (let s = 0; s < 6; s++) mix(cpu.segSel[s]);
    mix(mmu.cr0);
    mix(mmu.cr2);
    mix(mmu.cr3);
    // The x87 state: the FPU registers (as FNSAVE stores them), their owner, and the
    // image every other task keeps (guest/fpu.ts).
    const fpu = (cpu as { fpu?: FPU }).fpu;
    const img = new Uint8Array(FNSAVE_IMAGE_SIZE);
    const mixImage = (b: Uint8Array) => {
      for (let i = 0; i < FNSAVE_IMAGE_SIZE; i += 4) mix(b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
    };
    if (fpu) {
      fpu.save(img);
      mixImage(img);
      mix(this._kernel.fpregs_owner?.pid ?? -1);
      for (const pid of [...this._kernel.tasks.keys()].sort((a, b) => a - b)) {
        const st = this._kernel.tasks.get(pid)!.thread.fpstate;
        if (!st) continue;
        mix(pid);
        mixImage(st);
      }
    }
    const i32 = mmu.i32;
    for (let f = 0; f < pages.frames; f++) {
      if (pages.kind[f] === 0) continue; // PG_FREE
      mix(f);
      mix(pages.kind[f]);
      mix(pages.count[f]);
      for (let w = f << 10, end = w + 1024; w < end; w++) h = Math.imul(h ^ i32[w], 0x01000193);
    }
    return (h >>> 0).toString(16).padStart(8, '0');
  }
}
