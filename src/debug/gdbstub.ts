// A GDB remote stub: the real gdb attaches with `target remote :PORT` and debugs the guest
// program through the Debugger core (debugger.ts). `forkbox run --gdb[=PORT] prog` starts
// it (run-cli.ts); it listens on 127.0.0.1 only, serves one gdb, and the program waits,
// stopped at its entry, until gdb connects.
//
// WHAT GDB SEES. One inferior whose threads are the kernel's tasks (thread id = pid; the
// idle task is not one): `info threads` lists init, the program and every process or
// thread it made, with `pid 3 fork-cow R (running)` as their description. Registers and
// memory are per thread — each task's own page tables — so after a fork, `thread 3` and
// `x/x &count` show the child's copy. A thread's registers are the live CPU's when it is
// the running task in user mode, and otherwise its saved pt_regs: the user state it will
// resume with (a task inside a system call shows EIP after its int 0x80 and orig_eax =
// the syscall number, as Linux's ptrace shows it). The x87 registers (st0-st7, fctrl …
// fop) are the thread's FPU state (Debugger.readFpu: the FPU registers of their owner,
// else the image the kernel saved, else FNINIT's); P/G write them (Debugger.writeFpu).
//
// Breakpoints (Z0/Z1) are debugger breakpoints checked before each instruction; guest
// memory is never patched, so `x/i` shows the real code and a COW copy never carries an
// int3. They apply to every task but init (whose code lies at the same addresses as the
// program's). Watchpoints (Z2 write, Z3 read, Z4 access) watch a virtual address in the
// address space of the thread that last stopped, through the MMU. `stepi` executes one
// user-mode instruction of the thread as PTRACE_SINGLESTEP does: a system call or page
// fault it causes completes (other tasks may run meanwhile) and the step ends at the
// thread's next user-mode instruction. ctrl-C (a 0x03 byte) interrupts a continue: stop
// with SIGINT. A signal that kills a task is not stopped at before it kills (the kernel
// has no ptrace signal-delivery stop): gdb sees the exit (X) or the thread go.
//
// PROTOCOL (the gdb manual, "Remote Protocol"). All-stop mode, no multiprocess extensions.
// Supported: qSupported (PacketSize, qXfer:features:read with an i386 target description
// (gdb-target.ts), qXfer:threads:read, qXfer:exec-file:read and vFile (gdb-hostio.ts: gdb
// reads the program from the target), vContSupported, swbreak/hwbreak, QStartNoAckMode),
// ?, g/G, p/P, m/M/X, c/s and vCont (c, C, s, S; signals passed by gdb are not
// re-delivered), Z0-Z4/z0-z4, H, T, qC, qfThreadInfo/qsThreadInfo, qThreadExtraInfo,
// qAttached, qOffsets, qSymbol, qRcmd (`monitor CMD`: the REPL's commands, output as O
// packets), D (detach: the breakpoints go and the program runs to its end), k and vKill.
// Anything else gets the empty reply ("not supported"), as the protocol asks. Stop
// replies: T05 with thread: and swbreak: or watch:/rwatch:/awatch:ADDR, T02 for ctrl-C,
// W on exit (X for death by a signal, or X09 when the machine cannot go on: the cycle
// limit). Fork, vfork and exec are not protocol stop events (those need the multiprocess
// extensions); `monitor catch fork|vfork|exec` stops there, with T05 and the catchpoint's
// message as console output.
//
// Robustness: every packet is validated; malformed input gets an error reply (E01 …) or
// the empty reply, never an exception out of the stub.

import { createServer, type Server, type Socket } from 'node:net';
import { DebugError, type Debugger, type StopEvent, type WatchKind } from './debugger.js';
import {
  encodeRle, escapeBinary, frame, fromHex, hexToText, le32, MAX_PACKET, PacketReader, parseHexNum,
  parseLe, textToHex, toHex,
} from './rsp.js';
import { EXIT_DEAD, EXIT_ZOMBIE, STATE_NAMES, type Task } from '../guest/task.js';
import { PT_ORIG_EAX, PtRegs } from '../guest/ptregs.js';
import { idleState } from '../run.js';
import { Commands } from './commands.js';
import { HostIo } from './gdb-hostio.js';
import {
  fpuRegBytes, GDB_SIGINT, TARGET_XML, GDB_SIGKILL, GDB_SIGTRAP, gdbSignal, GPR_NAMES, GPR_PT, isFpuReg, NUM_REGS, ORIG_EAX,
  regSize, setFpuRegBytes,
} from './gdb-target.js';

export { TARGET_XML };

// ---------------------------------------------------------------------------------------
// The session.

/** How a session ended. */
export type GdbEnd =
  /** The run is over under gdb (the W/X reply was sent): the program ended, or the
   *  machine cannot go on (the cycle limit, a CPU halted for good). */
  | { kind: 'exit'; stop: StopEvent }
  /** gdb detached (D): the program should run on without it. */
  | { kind: 'detach' }
  /** gdb killed the program (k, vKill), or went away without detaching. */
  | { kind: 'kill'; reason: string };

export interface GdbSessionOptions {
  debugger: Debugger;
  /** `monitor CMD`: run one REPL command, returning its output. */
  monitor?: (command: string) => string | Promise<string>;
  /** Resolves when host input may have arrived, for a guest that waits for stdin. */
  inputReady?: () => Promise<void>;
  /** Protocol trace (each packet in and out), for --gdb debugging. */
  trace?: (line: string) => void;
}

interface ZPoint {
  id: number;
}

/** Limits of what one reply may carry (bytes of data before hex encoding). */
const MAX_MEM_READ = (MAX_PACKET - 16) >> 1;

/**
 * One gdb connection's protocol state. Bytes in through receive(), packets out through
 * `send`; `done` resolves when the session ends. Transport-independent (tests drive it
 * without a socket too).
 */
export class GdbSession {
  readonly done: Promise<GdbEnd>;
  private resolveDone!: (e: GdbEnd) => void;
  private ended = false;
  private readonly reader = new PacketReader();
  private noAck = false;
  private lastSent = '';
  /** Packets waiting for the one being handled (handling may be asynchronous). */
  private queue: string[] = [];
  private busy = false;
  private running = false;
  /** ctrl-C arrived during the current resume. */
  private interrupted = false;
  /** Threads for register/memory access (Hg) and for resuming (Hc); 0: any. */
  private gThread = 0;
  private cThread = 0;
  /** The thread of the last stop. */
  private stopThread = 0;
  private lastStop: StopEvent;
  private readonly points = new Map<string, ZPoint>();
  private swbreak = false;
  private threadListCursor = 0;
  private monitorFn: ((command: string) => string | Promise<string>) | null = null;
  private readonly hostIo: HostIo;

  constructor(
    private readonly opts: GdbSessionOptions,
    private readonly sendRaw: (data: string) => void,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.hostIo = new HostIo(opts.debugger);
    const dbg = opts.debugger;
    this.lastStop = dbg.last ?? { reason: 'entry', pid: dbg.currentPid, eip: 0, pos: dbg.pos, message: '' };
    this.stopThread = this.threadOfStop(this.lastStop);
  }

  private get dbg(): Debugger {
    return this.opts.debugger;
  }

  /** Bytes from gdb. */
  receive(bytes: Uint8Array | string): void {
    if (this.ended) return;
    for (const ev of this.reader.feed(bytes)) {
      switch (ev.kind) {
        case 'packet':
          this.opts.trace?.(`<- ${printable(ev.data)}`);
          if (!this.noAck) this.sendRaw('+');
          this.queue.push(ev.data);
          break;
        case 'bad':
          this.opts.trace?.(`<- (bad packet: ${ev.reason})`);
          if (!this.noAck) this.sendRaw('-');
          break;
        case 'nack':
          if (this.lastSent) this.sendRaw(this.lastSent);
          break;
        case 'ack':
          break;
        case 'interrupt':
          this.opts.trace?.('<- ^C');
          // For a resume: running, or queued (both arrived in one read) — then it stops
          // at once. While stopped (a ^C that crossed our stop reply) it is ignored.
          if (this.running || this.queue.some(isResume)) {
            this.interrupted = true;
            if (this.running) this.dbg.interrupt();
          }
          break;
      }
    }
    void this.pump();
  }

  /** The connection closed. */
  disconnected(): void {
    if (this.running) this.dbg.interrupt();
    this.end({ kind: 'kill', reason: 'gdb closed the connection' });
  }

  private end(e: GdbEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    this.resolveDone(e);
  }

  private send(data: string): void {
    if (this.ended) return;
    this.opts.trace?.(`-> ${printable(data.length > 200 ? data.slice(0, 200) + '…' : data)}`);
    const f = frame(data);
    this.lastSent = f;
    this.sendRaw(f);
  }

  /** Handle queued packets one at a time (a resume waits for its stop). */
  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.ended) {
        const p = this.queue.shift()!;
        let reply: string | null;
        try {
          reply = await this.handle(p);
        } catch (e) {
          // A bug or an unexpected state: an error reply, never a crash of the stub.
          this.opts.trace?.(`!! ${e instanceof Error ? e.message : String(e)}`);
          reply = 'E01';
        }
        if (reply !== null) this.send(reply);
      }
    } finally {
      this.busy = false;
    }
  }

  // -------------------------------------------------------------------------------------
  // Dispatch. Returns the reply, or null when none is due (k) or it was sent already.

  private async handle(p: string): Promise<string | null> {
    const c = p[0];
    switch (c) {
      case '?':
        return this.stopReply(this.lastStop);
      case 'g':
        return this.readAllRegisters();
      case 'G':
        return this.writeAllRegisters(p.slice(1));
      case 'p':
        return this.readOneRegister(p.slice(1));
      case 'P':
        return this.writeOneRegister(p.slice(1));
      case 'm':
        return this.readMem(p.slice(1));
      case 'M':
        return this.writeMem(p.slice(1), false);
      case 'X':
        return this.writeMem(p.slice(1), true);
      case 'c':
      case 's':
      case 'C':
      case 'S':
        return this.resumeSimple(p);
      case 'H':
        return this.setThread(p.slice(1));
      case 'T':
        return this.threadAlive(p.slice(1));
      case 'Z':
      case 'z':
        return this.point(p);
      case 'D':
        return this.detach();
      case 'k':
        this.end({ kind: 'kill', reason: 'killed by gdb' });
        return null;
      case 'q':
        return this.query(p);
      case 'Q':
        if (p === 'QStartNoAckMode') {
          this.send('OK');
          this.noAck = true;
          return null;
        }
        return '';
      case 'v':
        return this.vPacket(p);
      default:
        return '';
    }
  }

  private async query(p: string): Promise<string> {
    if (p.startsWith('qSupported')) {
      const features = p.indexOf(':') >= 0 ? p.slice(p.indexOf(':') + 1).split(';') : [];
      this.swbreak = features.includes('swbreak+');
      return [
        `PacketSize=${MAX_PACKET.toString(16)}`,
        'qXfer:features:read+',
        'qXfer:threads:read+',
        'qXfer:exec-file:read+',
        'vContSupported+',
        'QStartNoAckMode+',
        'swbreak+',
        'hwbreak+',
      ].join(';');
    }
    if (p.startsWith('qXfer:')) return this.qXfer(p);
    if (p === 'qC') return `QC${this.defaultThread().toString(16)}`;
    if (p === 'qfThreadInfo') {
      this.threadListCursor = 0;
      return this.threadListChunk();
    }
    if (p === 'qsThreadInfo') return this.threadListChunk();
    if (p.startsWith('qThreadExtraInfo,')) {
      const tid = parseHexNum(p.slice('qThreadExtraInfo,'.length));
      const t = tid === null ? null : this.taskOf(tid);
      return t ? textToHex(this.describe(t)) : 'E01';
    }
    if (p === 'qAttached' || p.startsWith('qAttached:')) return '0'; // we created the process: quit kills it
    if (p === 'qOffsets') return 'Text=0;Data=0;Bss=0';
    if (p === 'qSymbol::') return 'OK';
    if (p.startsWith('qRcmd,')) return this.monitor(p.slice('qRcmd,'.length));
    return '';
  }

  private qXfer(p: string): string {
    // qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH
    const m = /^qXfer:([a-z-]+):read:([^:]*):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(p);
    if (!m) return p.startsWith('qXfer:features:') || p.startsWith('qXfer:threads:') ? 'E00' : '';
    const [, object, annex] = m;
    const off = parseHexNum(m[3]);
    const len = parseHexNum(m[4]);
    if (off === null || len === null) return 'E00';
    let doc: string;
    if (object === 'features') {
      if (annex !== 'target.xml') return 'E00';
      doc = TARGET_XML;
    } else if (object === 'threads') {
      if (annex !== '') return 'E00';
      doc = this.threadsXml();
    } else if (object === 'exec-file') {
      const pid = annex === '' ? this.defaultThread() : parseHexNum(annex);
      const path = pid === null ? null : this.hostIo.execPath(pid);
      if (path === null) return 'E01';
      doc = path;
    } else {
      return '';
    }
    const bytes = Buffer.from(doc, 'utf8').toString('latin1');
    if (off >= bytes.length) return 'l';
    const chunk = bytes.slice(off, off + Math.min(len, MAX_MEM_READ));
    return (off + chunk.length >= bytes.length ? 'l' : 'm') + escapeBinary(chunk);
  }

  private async vPacket(p: string): Promise<string | null> {
    if (p === 'vCont?') return 'vCont;c;C;s;S';
    if (p.startsWith('vCont;')) return this.vCont(p.slice(6));
    if (p.startsWith('vKill')) {
      this.send('OK');
      this.end({ kind: 'kill', reason: 'killed by gdb' });
      return null;
    }
    if (p === 'vMustReplyEmpty') return '';
    if (p.startsWith('vFile:')) return this.hostIo.handle(p.slice(6));
    return '';
  }

  // -------------------------------------------------------------------------------------
  // Threads.

  /** The tasks gdb sees as threads, by pid: every task but idle, zombies and the dead. */
  private threadTasks(): Task[] {
    const out: Task[] = [];
    for (const ti of this.dbg.tasks()) {
      const t = ti.task;
      if (t.pid === 0 || t.exit_state & (EXIT_ZOMBIE | EXIT_DEAD)) continue;
      out.push(t);
    }
    return out;
  }

  private taskOf(tid: number): Task | null {
    if (tid <= 0) return null;
    const t = this.dbg.task(tid);
    return t && t.pid !== 0 && !(t.exit_state & (EXIT_ZOMBIE | EXIT_DEAD)) ? t : null;
  }

  /** `pid 3 fork-cow R (running)`. */
  private describe(t: Task): string {
    const state = STATE_NAMES[t.state] ?? String(t.state);
    const init = this.dbg.kernel.init;
    const role = t === init ? ' [init]' : t.tgid !== t.pid ? ` (thread of ${t.tgid})` : '';
    return `pid ${t.pid} ${t.comm} ${state}${role}`;
  }

  private threadListChunk(): string {
    const ids = this.threadTasks().map((t) => t.pid);
    if (this.threadListCursor >= ids.length) return 'l';
    const part = ids.slice(this.threadListCursor, this.threadListCursor + 200);
    this.threadListCursor += part.length;
    return 'm' + part.map((id) => id.toString(16)).join(',');
  }

  private threadsXml(): string {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const rows = this.threadTasks().map((t) => `<thread id="${t.pid.toString(16)}" core="0" name="${esc(t.comm)}">${esc(this.describe(t))}</thread>`);
    return `<?xml version="1.0"?>\n<threads>\n${rows.join('\n')}\n</threads>\n`;
  }

  /**
   * The thread a stop is reported for: the stopped task if gdb can see it, else the last
   * reported thread, else the program's main task, else any.
   */
  private threadOfStop(ev: StopEvent): number {
    if (this.taskOf(ev.pid) && !this.isInit(ev.pid)) return ev.pid;
    if (this.taskOf(this.stopThread)) return this.stopThread;
    const ts = this.threadTasks();
    const prog = ts.find((t) => !this.isInit(t.pid));
    return prog?.pid ?? ts[0]?.pid ?? 1;
  }

  private isInit(pid: number): boolean {
    return this.dbg.kernel.init?.pid === pid;
  }

  /** The thread of Hg, or of the last stop when Hg says "any" or names a dead task. */
  private defaultThread(): number {
    if (this.gThread > 0 && this.taskOf(this.gThread)) return this.gThread;
    return this.taskOf(this.stopThread) ? this.stopThread : this.threadOfStop(this.lastStop);
  }

  private setThread(s: string): string {
    const op = s[0];
    const idText = s.slice(1);
    let id: number | null;
    if (idText === '-1') id = -1;
    else if (/^p/.test(idText)) return 'E01'; // no multiprocess ids
    else id = parseHexNum(idText);
    if (id === null || (op !== 'g' && op !== 'c')) return 'E01';
    if (id > 0 && !this.taskOf(id)) return 'E01';
    if (op === 'g') this.gThread = id === -1 ? 0 : id;
    else this.cThread = id;
    return 'OK';
  }

  private threadAlive(s: string): string {
    const id = parseHexNum(s);
    return id !== null && this.taskOf(id) ? 'OK' : 'E01';
  }

  // -------------------------------------------------------------------------------------
  // Registers.

  /**
   * The 16 general registers and orig_eax of thread tid as gdb sees them (see the header):
   * the live CPU for the running task in user mode, else its saved pt_regs.
   */
  private regsOf(tid: number): number[] | null {
    const t = this.taskOf(tid);
    if (!t) return null;
    const dbg = this.dbg;
    const k = dbg.kernel;
    const live = t === k.current && dbg.machine.cpu.cpl === 3;
    if (live || t.kstackTop === 0) {
      const r = dbg.readRegisters(t.pid);
      return [...GPR_NAMES.map((n) => r[n as keyof typeof r] as number), r.orig_eax];
    }
    const p = new PtRegs(dbg.machine.mmu, t.ptRegsAddr);
    return [...GPR_PT.map((off, i) => (i >= 10 ? p.get(off) & 0xffff : p.get(off) >>> 0)), p.get(PT_ORIG_EAX)];
  }

  /** Thread tid's x87 state as an FNSAVE image (Debugger.readFpu), or null: no FPU. */
  private fpuOf(tid: number): Uint8Array | null {
    return this.taskOf(tid) ? this.dbg.readFpu(tid) : null;
  }

  private encodeReg(n: number, regs: number[], fpu: Uint8Array | null): string {
    if (n < 16) return le32(regs[n]);
    if (n === ORIG_EAX) return le32(regs[16]);
    return fpu ? toHex(fpuRegBytes(fpu, n)) : 'xx'.repeat(regSize(n));
  }

  private readAllRegisters(): string {
    const tid = this.defaultThread();
    const regs = this.regsOf(tid);
    if (!regs) return 'E01';
    const fpu = this.fpuOf(tid);
    let out = '';
    for (let n = 0; n < NUM_REGS; n++) out += this.encodeReg(n, regs, fpu);
    return encodeRle(out);
  }

  private readOneRegister(s: string): string {
    const n = parseHexNum(s);
    if (n === null || n >= NUM_REGS) return 'E01';
    const tid = this.defaultThread();
    const regs = this.regsOf(tid);
    if (!regs) return 'E01';
    return this.encodeReg(n, regs, isFpuReg(n) ? this.fpuOf(tid) : null);
  }

  /** Write register n of the Hg thread; false when it cannot be written. */
  private setReg(n: number, value: number): boolean {
    const tid = this.defaultThread();
    const t = this.taskOf(tid);
    if (!t) return false;
    const dbg = this.dbg;
    const live = t === dbg.kernel.current && dbg.machine.cpu.cpl === 3;
    const old = this.regsOf(tid);
    if (old && (n < 16 ? old[n] : old[16]) >>> 0 === value >>> 0) return true; // unchanged: nothing to do
    try {
      if (n === ORIG_EAX) {
        if (live) return true; // in user mode orig_eax means nothing yet (gdb writes -1 with EIP)
        dbg.writeRegister(tid, 'orig_eax', value);
        return true;
      }
      if (!live && t === dbg.kernel.current) {
        // The running task, stopped in the kernel: its user state is the pt_regs.
        new PtRegs(dbg.machine.mmu, t.ptRegsAddr).set(GPR_PT[n], value | 0);
        return true;
      }
      dbg.writeRegister(tid, GPR_NAMES[n], value);
      return true;
    } catch (e) {
      if (e instanceof DebugError) return false;
      throw e;
    }
  }

  /**
   * Write x87 registers of the Hg thread (register number → its bytes in gdb's order):
   * the thread's FNSAVE image is changed and loaded back (Debugger.writeFpu: journaled).
   * st0-st7 are 80-bit values held as doubles: one that is not a double reads back
   * rounded to nearest. ftag keeps only "empty" per register (the other tags follow the
   * contents, as FLDENV/FRSTOR do). false when there is no FPU.
   */
  private setFpuRegs(fields: Map<number, Uint8Array>): boolean {
    const tid = this.defaultThread();
    const img = this.fpuOf(tid);
    if (!img) return false;
    const before = img.slice();
    for (const [n, b] of fields) setFpuRegBytes(img, n, b);
    if (img.every((v, i) => v === before[i])) return true; // unchanged: nothing to do
    try {
      this.dbg.writeFpu(tid, img);
      return true;
    } catch (e) {
      if (e instanceof DebugError) return false;
      throw e;
    }
  }

  private writeOneRegister(s: string): string {
    const m = /^([0-9a-fA-F]+)=([0-9a-fA-Fx]+)$/.exec(s);
    if (!m) return 'E01';
    const n = parseHexNum(m[1]);
    if (n === null || n >= NUM_REGS) return 'E01';
    if (m[2].length !== regSize(n) * 2) return 'E01';
    if (isFpuReg(n)) {
      const b = fromHex(m[2]);
      return b && this.setFpuRegs(new Map([[n, b]])) ? 'OK' : 'E01';
    }
    const v = parseLe(m[2]);
    if (v === null) return 'E01';
    return this.setReg(n, v) ? 'OK' : 'E01';
  }

  private writeAllRegisters(s: string): string {
    let pos = 0;
    const fpu = new Map<number, Uint8Array>();
    for (let n = 0; n < NUM_REGS && pos < s.length; n++) {
      const w = regSize(n) * 2;
      const field = s.slice(pos, pos + w);
      pos += w;
      if (field.length !== w) return 'E01';
      if (/x/i.test(field)) continue; // unavailable: leave it
      if (isFpuReg(n)) {
        const b = fromHex(field);
        if (!b) return 'E01';
        fpu.set(n, b);
        continue;
      }
      const v = parseLe(field);
      if (v === null) return 'E01';
      if (!this.setReg(n, v)) return 'E01';
    }
    if (fpu.size > 0 && !this.setFpuRegs(fpu)) return 'E01';
    return 'OK';
  }

  // -------------------------------------------------------------------------------------
  // Memory.

  /** m ADDR,LEN: as many bytes as are readable from ADDR (at least one, else E14). */
  private readMem(s: string): string {
    const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(s);
    if (!m) return 'E01';
    const addr = parseHexNum(m[1]);
    let len = parseHexNum(m[2]);
    if (addr === null || len === null) return 'E01';
    if (len === 0) return '';
    len = Math.min(len, MAX_MEM_READ, 0x100000000 - addr);
    const tid = this.defaultThread();
    if (!this.taskOf(tid)) return 'E01';
    let out = '';
    let a = addr;
    let left = len;
    while (left > 0) {
      const n = Math.min(left, 4096 - (a & 0xfff));
      const b = this.dbg.tryReadMemory(tid, a, n);
      if (b === null) break;
      out += toHex(b);
      a += n;
      left -= n;
    }
    return out === '' ? 'E14' : out;
  }

  /** M ADDR,LEN:HEX or X ADDR,LEN:BINARY. */
  private writeMem(s: string, binary: boolean): string {
    const colon = s.indexOf(':');
    if (colon < 0) return 'E01';
    const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(s.slice(0, colon));
    if (!m) return 'E01';
    const addr = parseHexNum(m[1]);
    const len = parseHexNum(m[2]);
    if (addr === null || len === null || len > MAX_PACKET) return 'E01';
    const payload = s.slice(colon + 1);
    let bytes: Uint8Array | null;
    if (binary) {
      // The packet reader has already undone the escapes.
      bytes = Uint8Array.from(payload, (ch) => ch.charCodeAt(0) & 0xff);
    } else {
      bytes = fromHex(payload);
    }
    if (bytes === null || bytes.length !== len) return 'E01';
    if (len === 0) return 'OK'; // gdb probes X support with an empty write
    const tid = this.defaultThread();
    if (!this.taskOf(tid)) return 'E01';
    try {
      this.dbg.writeMemory(tid, addr, bytes);
    } catch (e) {
      if (e instanceof DebugError) return 'E14';
      throw e;
    }
    return 'OK';
  }

  // -------------------------------------------------------------------------------------
  // Breakpoints and watchpoints.

  private point(p: string): string {
    const insert = p[0] === 'Z';
    const m = /^[Zz]([0-4]),([0-9a-fA-F]+),([0-9a-fA-F]+)(;.*)?$/.exec(p);
    if (!m) return 'E01';
    const type = Number(m[1]);
    const addr = parseHexNum(m[2]);
    const kind = parseHexNum(m[3]);
    if (addr === null || kind === null) return 'E01';
    const key = `${type === 1 ? 0 : type},${addr.toString(16)},${kind}`;
    const dbg = this.dbg;
    if (!insert) {
      const z = this.points.get(key);
      if (z) {
        dbg.removeBreakpoint(z.id);
        this.points.delete(key);
      }
      return 'OK';
    }
    if (this.points.has(key)) return 'OK';
    try {
      let id: number;
      if (type <= 1) {
        // Not in init: its code lies at the program's addresses.
        const initPid = dbg.kernel.init?.pid ?? 1;
        id = dbg.addBreakpoint(addr, { condition: `$pid != ${initPid}`, location: `gdb Z${type} 0x${addr.toString(16)}` });
      } else {
        const wk: WatchKind = type === 2 ? 'write' : type === 3 ? 'read' : 'access';
        if (kind < 1 || kind > 8) return 'E01';
        // In the address space of the thread that last stopped: gdb sends no thread with
        // Z packets, and its Hg moves with every `info threads`.
        const pid = this.taskOf(this.stopThread) ? this.stopThread : this.defaultThread();
        id = dbg.addWatchpoint(addr, kind, wk, pid);
      }
      this.points.set(key, { id });
      return 'OK';
    } catch (e) {
      if (e instanceof DebugError) return 'E01';
      throw e;
    }
  }

  /** Remove everything gdb inserted (detach). */
  private removeAllPoints(): void {
    for (const z of this.points.values()) this.dbg.removeBreakpoint(z.id);
    this.points.clear();
  }

  // -------------------------------------------------------------------------------------
  // Execution.

  private async resumeSimple(p: string): Promise<string | null> {
    // c [ADDR], s [ADDR], C SIG[;ADDR], S SIG[;ADDR]
    const step = p[0] === 's' || p[0] === 'S';
    let rest = p.slice(1);
    if (p[0] === 'C' || p[0] === 'S') {
      const semi = rest.indexOf(';');
      rest = semi < 0 ? '' : rest.slice(semi + 1);
    }
    const tid = this.cThread > 0 && this.taskOf(this.cThread) ? this.cThread : this.defaultThread();
    if (rest !== '') {
      const addr = parseHexNum(rest);
      if (addr === null) return 'E01';
      const saved = this.gThread;
      this.gThread = tid;
      const ok = this.setReg(8, addr);
      this.gThread = saved;
      if (!ok) return 'E01';
    }
    return this.resume(step ? tid : null);
  }

  /** vCont;ACTION[:TID];… — the first action naming a step decides; else continue. */
  private async vCont(s: string): Promise<string | null> {
    let stepTid: number | null = null;
    let any = false;
    for (const part of s.split(';')) {
      const m = /^([cCsS])([0-9a-fA-F]{2})?(?::(-1|[0-9a-fA-F]+))?$/.exec(part);
      if (!m) return 'E01';
      any = true;
      const action = m[1].toLowerCase();
      const tid = m[3] === undefined || m[3] === '-1' ? null : parseHexNum(m[3]);
      if (action === 's' && stepTid === null) {
        stepTid = tid ?? this.defaultThread();
        if (!this.taskOf(stepTid)) return 'E01';
      }
    }
    if (!any) return 'E01';
    return this.resume(stepTid);
  }

  /** Resume: step thread `stepTid`, or continue (null); replies with the stop. */
  private async resume(stepTid: number | null): Promise<string | null> {
    const dbg = this.dbg;
    if (dbg.ended) return this.stopReply(dbg.last ?? this.lastStop);
    this.running = true;
    let ev: StopEvent;
    try {
      if (this.interrupted) ev = this.interruptStop('Interrupted');
      else ev = stepTid !== null ? await this.stepThread(stepTid) : await this.contWaitingForInput();
    } finally {
      this.running = false;
      this.interrupted = false;
    }
    if (this.ended) return null; // gdb went away meanwhile
    this.lastStop = ev;
    if (ev.reason !== 'exit') this.stopThread = this.threadOfStop(ev);
    // Hg stays: gdb caches the general thread it last set and sends Hg only to change it.
    // Say why when gdb cannot: catchpoints, deadlocks, limits.
    if (ev.message && (ev.reason === 'catch' || ev.reason === 'deadlock' || ev.reason === 'halted' || ev.reason === 'limit')) {
      this.send('O' + textToHex(`[forkbox] ${ev.message}\n`));
    }
    const reply = this.stopReply(ev);
    if (ev.reason === 'exit' || ev.reason === 'limit' || ev.reason === 'halted') {
      this.send(reply);
      this.end({ kind: 'exit', stop: ev });
      return null;
    }
    return reply;
  }

  /** continue; a guest that waits for host input waits (without running) for it, or
   *  for ctrl-C. */
  private async contWaitingForInput(): Promise<StopEvent> {
    const dbg = this.dbg;
    for (;;) {
      const ev = await dbg.cont();
      if (ev.reason !== 'deadlock' || !this.opts.inputReady || idleState(dbg.kernel) !== 'input') return ev;
      const ready = this.opts.inputReady();
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (this.ended || this.interrupted) done();
        }, 20);
        const done = () => {
          clearInterval(timer);
          resolve();
        };
        ready.then(done, done);
      });
      if (this.ended || this.interrupted) return this.interruptStop('Interrupted while waiting for input');
    }
  }

  /** A stop for ctrl-C that came while the guest was not running (waiting for input, or
   *  before the resume began). */
  private interruptStop(message: string): StopEvent {
    const dbg = this.dbg;
    return { reason: 'interrupt', pid: dbg.currentPid, eip: dbg.machine.cpu.eip >>> 0, pos: dbg.pos, message };
  }

  /**
   * stepi of thread tid, as PTRACE_SINGLESTEP: run until tid is in user mode, execute
   * one of its instructions, then let the kernel work it caused (a system call, a fault,
   * an interrupt) finish until tid is about to execute its next user instruction. An
   * instruction that faulted is retried as the CPU retries it. Breakpoints, watchpoints
   * and catchpoints of any task end the step early (gdb sees that thread stop).
   */
  private async stepThread(tid: number): Promise<StopEvent> {
    const dbg = this.dbg;
    const cpu = () => dbg.machine.cpu;
    const atUser = () => dbg.currentPid === tid && cpu().cpl === 3;
    let ev: StopEvent | null = null;
    for (let tries = 0; tries < 64; tries++) {
      if (!atUser()) {
        ev = await dbg.runToUser(tid);
        if (ev.reason !== 'step') return ev;
        if (!atUser()) return ev;
      }
      const eip0 = cpu().eip >>> 0;
      const instret0 = cpu().instret;
      ev = dbg.stepInsn(1);
      if (ev.reason !== 'step') return ev;
      const retired = cpu().instret !== instret0;
      if (!atUser()) {
        ev = await dbg.runToUser(tid);
        if (ev.reason !== 'step') return ev;
      }
      if (retired || cpu().eip >>> 0 !== eip0 || !atUser()) return ev;
      // A fault or an interrupt came before the instruction: it runs again.
    }
    return ev!;
  }

  private detach(): string | null {
    this.removeAllPoints();
    for (const w of this.dbg.watchpoints()) this.dbg.removeBreakpoint(w.id);
    for (const c of this.dbg.catchpoints()) this.dbg.removeBreakpoint(c.id);
    for (const b of this.dbg.breakpoints()) this.dbg.removeBreakpoint(b.id);
    this.send('OK');
    this.end({ kind: 'detach' });
    return null;
  }

  // -------------------------------------------------------------------------------------
  // Stop replies.

  private stopReply(ev: StopEvent): string {
    if (ev.reason === 'exit') {
      const st = ev.status ?? 0;
      const sig = st & 0x7f;
      return sig ? `X${hex2(gdbSignal(sig))}` : `W${hex2((st >> 8) & 0xff)}`;
    }
    if (ev.reason === 'limit' || ev.reason === 'halted') return `X${hex2(GDB_SIGKILL)}`;
    const tid = this.threadOfStop(ev);
    let sig = GDB_SIGTRAP;
    if (ev.reason === 'interrupt') sig = GDB_SIGINT;
    let out = `T${hex2(sig)}thread:${tid.toString(16)};`;
    if (ev.reason === 'breakpoint' && this.swbreak) out += 'swbreak:;';
    if (ev.reason === 'watchpoint' && ev.watch) {
      const w = ev.watch;
      const name = w.kind === 'write' ? 'watch' : w.kind === 'read' ? 'rwatch' : 'awatch';
      out += `${name}:${w.addr.toString(16)};`;
    }
    // Expedite EIP, ESP and EBP so gdb need not ask.
    const regs = this.regsOf(tid);
    if (regs) out += `08:${le32(regs[8])};04:${le32(regs[4])};05:${le32(regs[5])};`;
    return out;
  }

  // -------------------------------------------------------------------------------------
  // monitor.

  private async monitor(hexCmd: string): Promise<string> {
    const cmd = hexToText(hexCmd);
    if (cmd === null) return 'E01';
    let text: string;
    try {
      this.monitorFn ??= this.opts.monitor ?? replMonitor(this.dbg);
      // The REPL's commands look at the viewed task: gdb's selected thread.
      this.dbg.viewPid = this.defaultThread();
      text = await this.monitorFn(cmd.trim());
    } catch (e) {
      text = `${e instanceof Error ? e.message : String(e)}\n`;
    }
    if (text && !text.endsWith('\n')) text += '\n';
    // Console output in O packets that fit the packet size, then OK.
    const bytes = new TextEncoder().encode(text);
    const chunk = (MAX_PACKET >> 1) - 16;
    for (let i = 0; i < bytes.length; i += chunk) this.send('O' + toHex(bytes.subarray(i, i + chunk)));
    return 'OK';
  }
}

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

function isResume(p: string): boolean {
  return /^[cCsS]/.test(p) || p.startsWith('vCont;');
}

function hex2(v: number): string {
  return (v & 0xff).toString(16).padStart(2, '0');
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${hex2(c.charCodeAt(0))}`);
}

// ---------------------------------------------------------------------------------------
// The TCP server.

export interface GdbServerOptions extends GdbSessionOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Called once listening, with the port (the caller prints where gdb should connect). */
  onListening?: (port: number) => void;
  /** Aborting stops waiting for gdb (or ends the session: kill). */
  signal?: AbortSignal;
}

/**
 * Listen on 127.0.0.1:port, serve the first gdb that connects (later connections are
 * refused while it is served) and resolve with how the session ended. The server and
 * the connection are closed before it resolves.
 */
export function serveGdb(opts: GdbServerOptions): Promise<GdbEnd> {
  return new Promise<GdbEnd>((resolve, reject) => {
    let session: GdbSession | null = null;
    let sock: Socket | null = null;
    let settled = false;
    const server: Server = createServer({ noDelay: true } as never);
    const finish = (e: GdbEnd) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      server.close();
      if (sock) {
        const s = sock;
        // Let the last reply (W, OK) go out before closing.
        s.end(() => s.destroy());
        setTimeout(() => s.destroy(), 1000).unref();
      }
      resolve(e);
    };
    const onAbort = () => {
      if (session) session.disconnected();
      else finish({ kind: 'kill', reason: 'interrupted while waiting for gdb' });
    };
    opts.signal?.addEventListener('abort', onAbort);
    server.on('connection', (s: Socket) => {
      if (session) {
        s.destroy(); // one gdb at a time
        return;
      }
      sock = s;
      s.setNoDelay(true);
      session = new GdbSession(opts, (data) => {
        if (!s.destroyed) s.write(Buffer.from(data, 'latin1'));
      });
      session.done.then(finish);
      s.on('data', (b: Buffer) => session!.receive(b));
      s.on('close', () => session!.disconnected());
      s.on('error', () => session!.disconnected());
    });
    server.on('error', (e) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    });
    server.listen(opts.port, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      opts.onListening?.(port);
    });
  });
}
