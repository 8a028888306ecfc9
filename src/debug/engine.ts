// The debugger's execution engine (the base of Debugger, debugger.ts): the loop that runs
// the machine and replay for reverse execution. The instance it runs is EngineState's
// (engine-state.ts); the breakpoint, watchpoint and catchpoint checks it makes are
// EnginePoints' (engine-points.ts).
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

import { idleState } from '../run.js';
import { EFLAGS_IF, EFLAGS_TF } from '../cpu/constants.js';
import { FAULT } from '../cpu/fault.js';
import type { Insn } from '../cpu/insn.js';
import type { Block } from '../cpu/blocks.js';
import type { DebuggerOptions, StopEvent } from './types.js';
import type { Control, Follow } from './engine-state.js';
import { EnginePoints } from './engine-points.js';

/** A replay passed its target: done again without machine.run(). */
class ReplayRetry extends Error {}

const BIG = 0x7fffffff;
/** Cycles of one machine.run() stretch when the caller gives no slice. */
const SLICE = 4_000_000;

export class Engine extends EnginePoints {
  protected interruptRequested = false;

  constructor(opts: DebuggerOptions) {
    super(opts);
    // Here, not in EngineState: boot() reads EnginePoints' fields, which exist only once
    // super() has returned.
    this.boot();
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
