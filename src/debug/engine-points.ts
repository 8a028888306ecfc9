// Breakpoints, watchpoints and catchpoints of the execution engine (between EngineState,
// engine-state.ts, and the run loop, engine.ts): their indexes, the MMU hook that sees
// read and access watches, the kernel tracer that records catch events, and the checks
// the run loop makes between positions. Nothing here advances the machine.
//
// Breakpoints are checked before the instruction at their address runs (never written
// into guest memory); the restart of an instruction that faulted (a COW write, a page
// brought in) is the same attempt, not a second hit. Catch events, which happen inside
// the kernel, stop at the next user-mode instruction of a task they involve.
//
// Write watchpoints compare the watched value after each checked step; read and access
// watchpoints are seen by the MMU (installAccessHook). A watch or catch stop found while
// collecting (reverse-continue) records its position instead of stopping.

import type { Task } from '../guest/task.js';
import type { Block } from '../cpu/blocks.js';
import { PAGE_OFFSET } from '../guest/layout.js';
import type { KernelTracer, SignalAction } from '../guest/tracepoints.js';
import { CLONE_THREAD, CLONE_VFORK, CLONE_VM, NR, SIGNAL_NAMES } from '../guest/abi.js';
import {
  cloneKind, describeFault, hex8, syscallName,
  type Breakpoint, type CatchEvent, type CatchKind, type Catchpoint,
  type StopEvent, type Watchpoint,
} from './types.js';
import { EngineState, hex, type Control, type InternalBreak } from './engine-state.js';

export abstract class EnginePoints extends EngineState {
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

  // -------------------------------------------------------------------------------------
  // Indexes and watched values.

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

  // -------------------------------------------------------------------------------------
  // Catch events (the kernel tracer).

  signalNumber(s: string): number | null {
    if (/^\d+$/.test(s)) return Number(s) >= 1 && Number(s) <= 64 ? Number(s) : null;
    const up = s.toUpperCase();
    const name = up.startsWith('SIG') ? up : 'SIG' + up;
    for (const [n, nm] of Object.entries(SIGNAL_NAMES)) if (nm === name) return Number(n);
    return null;
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
  // The checks the run loop makes.

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
}
