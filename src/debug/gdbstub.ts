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
//
// This file is the session: dispatch, threads, points, execution and stop replies. The
// register and memory packets are gdb-regmem.ts, `monitor` runs through gdb-monitor.ts,
// the target description is gdb-target.ts, vFile is gdb-hostio.ts, and the TCP listener
// (serveGdb) is gdb-server.ts.

import { DebugError, type Debugger, type StopEvent, type WatchKind } from './debugger.js';
import { escapeBinary, frame, hexToText, le32, MAX_PACKET, PacketReader, parseHexNum, textToHex, toHex } from './rsp.js';
import { EXIT_DEAD, EXIT_ZOMBIE, STATE_NAMES, type Task } from '../guest/task.js';
import { idleState } from '../run.js';
import { HostIo } from './gdb-hostio.js';
import { GDB_SIGINT, TARGET_XML, GDB_SIGKILL, GDB_SIGTRAP, gdbSignal } from './gdb-target.js';
import {
  MAX_MEM_READ, readAllRegisters, readMem, readOneRegister, regsOf, setReg, writeAllRegisters, writeMem, writeOneRegister,
} from './gdb-regmem.js';
import { replMonitor } from './gdb-monitor.js';

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
        return readAllRegisters(this.dbg, this.gTask());
      case 'G':
        return writeAllRegisters(this.dbg, this.gTask(), p.slice(1));
      case 'p':
        return readOneRegister(this.dbg, this.gTask(), p.slice(1));
      case 'P':
        return writeOneRegister(this.dbg, this.gTask(), p.slice(1));
      case 'm':
        return readMem(this.dbg, this.gTask(), p.slice(1));
      case 'M':
        return writeMem(this.dbg, this.gTask(), p.slice(1), false);
      case 'X':
        return writeMem(this.dbg, this.gTask(), p.slice(1), true);
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

  /** The task of the Hg thread (register and memory packets: gdb-regmem.ts). */
  private gTask(): Task | null {
    return this.taskOf(this.defaultThread());
  }

  private threadAlive(s: string): string {
    const id = parseHexNum(s);
    return id !== null && this.taskOf(id) ? 'OK' : 'E01';
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
      if (!setReg(this.dbg, this.taskOf(tid), 8, addr)) return 'E01';
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
    const regs = regsOf(this.dbg, this.taskOf(tid));
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

function isResume(p: string): boolean {
  return /^[cCsS]/.test(p) || p.startsWith('vCont;');
}

function hex2(v: number): string {
  return (v & 0xff).toString(16).padStart(2, '0');
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${hex2(c.charCodeAt(0))}`);
}
