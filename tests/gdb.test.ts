// The gdb remote stub (src/debug/gdbstub.ts) with the real gdb in batch mode: break,
// continue, registers, memory, stepi, a watchpoint, threads after fork, ctrl-C, monitor
// commands, and `forkbox run --gdb` to the program's exit code. Then the protocol over a
// raw socket (no gdb needed): target description, errors for bad packets, detach.
//
// Everything listens on 127.0.0.1 on a port the system picks; every gdb runs with a
// time limit and is killed if it overstays; every server is closed by the end of its test.
// Without gdb the gdb sessions are skipped with a visible SKIP.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assemble } from '../src/asm/assembler.js';
import { Debugger } from '../src/debug/debugger.js';
import { TARGET_XML, type GdbEnd } from '../src/debug/gdbstub.js';
import { serveGdb } from '../src/debug/gdb-server.js';
import { checksum, decodeRle, frame, fromHex, PacketReader, textToHex } from '../src/debug/rsp.js';
import { main } from '../src/cli.js';
import { GUEST_PROGRAMS } from './helpers/kernel-machine.js';

const HAVE_GDB = spawnSync('gdb', ['--version'], { stdio: 'ignore' }).status === 0;
if (!HAVE_GDB) console.warn('SKIP tests/gdb.test.ts (gdb sessions): gdb not installed — only the protocol tests run');

const dir = mkdtempSync(join(tmpdir(), 'forkbox-gdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The main test program. Labels mark the places the tests stop at. */
const PROG = `; gdb test program
section .data
counter: dd 0
section .text
global _start
_start:
        mov     eax, 1
        mov     ebx, 2
        add     eax, ebx
target:
        mov     ecx, 0x11223344
        mov     dword [counter], 7
after_store:
        mov     dword [counter], 9
        mov     eax, 20                 ; getpid
sys:
        int     0x80
after_sys:
        mov     ebx, 42
        mov     eax, 1
        int     0x80
`;

const LOOP = `section .data
counter: dd 0
section .text
global _start
_start:
spin:
        inc     dword [counter]
        jmp     spin
`;

/** x87: two values on the register stack at `stop`. */
const FPU_PROG = `section .text
global _start
_start:
        nop
        fld1
        fldpi
stop:
        mov     ebx, 0
        mov     eax, 1
        int     0x80
`;

interface Program {
  path: string;
  elf: Uint8Array;
  sym: (name: string) => number;
  line: (label: string) => number;
}

function build(name: string, source: string): Program {
  const path = join(dir, name);
  writeFileSync(path, source);
  const r = assemble(source, path, (p) => readFileSync(p, 'utf8'));
  if (!r.ok || !r.elf) throw new Error(`assembly failed: ${JSON.stringify(r.errors)}`);
  writeFileSync(path.replace(/\.asm$/, '.elf'), r.elf);
  const lines = source.split('\n');
  return {
    path,
    elf: r.elf,
    sym: (n) => {
      const s = r.symbols.find((x) => x.name === n);
      if (!s) throw new Error(`no symbol ${n}`);
      return s.value >>> 0;
    },
    line: (label) => lines.findIndex((l) => l.startsWith(label + ':')) + 2, // the instruction after the label
  };
}

interface Stub {
  port: number;
  done: Promise<GdbEnd>;
  dbg: Debugger;
  stdout: () => string;
  packets: string[];
  close: () => void;
}

/** A Debugger at the program's entry and a stub on a free loopback port. */
async function startStub(prog: Program): Promise<Stub> {
  let out = '';
  const dec = new TextDecoder();
  const guest = '/' + prog.path.slice(prog.path.lastIndexOf('/') + 1);
  const dbg = new Debugger({
    files: new Map([[guest, prog.elf]]),
    argv: [guest],
    envp: [],
    maxCycles: 20_000_000_000,
    stdout: (b) => void (out += dec.decode(b, { stream: true })),
  });
  dbg.runToEntry();
  const abort = new AbortController();
  const packets: string[] = [];
  let announce: (port: number) => void = () => {};
  const listening = new Promise<number>((resolve) => (announce = resolve));
  const done = serveGdb({ debugger: dbg, port: 0, signal: abort.signal, trace: (l) => packets.push(l), onListening: (p) => announce(p) });
  const port = await listening;
  const stub: Stub = { port, done, dbg, stdout: () => out, packets, close: () => abort.abort() };
  return stub;
}

interface GdbResult {
  code: number | null;
  out: string;
}

/** Run gdb in batch mode with these commands (bounded; killed on overstay). */
function runGdb(args: string[], opts: { timeoutMs?: number; onStart?: (pid: number) => void } = {}): Promise<GdbResult> {
  return new Promise((resolve) => {
    const child = spawn('gdb', ['-batch', '-nx', '-q', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
    if (child.pid !== undefined) opts.onStart?.(child.pid);
  });
}

const ex = (...cmds: string[]) => cmds.flatMap((c) => ['-ex', c]);
const hex = (v: number) => '0x' + v.toString(16);

describe.skipIf(!HAVE_GDB)('gdb attached to forkbox run --gdb', () => {
  it('break, continue, registers, memory, stepi, a watchpoint, monitor ps, and the exit code', async () => {
    const prog = build('prog.asm', PROG);
    const stub = await startStub(prog);
    try {
      const target = prog.sym('target');
      const r = await runGdb([
        ...ex(
          `target remote 127.0.0.1:${stub.port}`,
          'echo @@ENTRY\\n', 'p $pc',
          'break target', 'continue',
          'echo @@REGS\\n', 'info registers eax ebx eip',
          'echo @@MEM\\n', 'x/4xw $pc',
          'echo @@STEPI\\n', 'stepi', 'p $pc',
          'echo @@WATCH\\n', 'watch *(int *)&counter', 'continue',
          'echo @@SYS\\n', 'delete', 'break sys', 'continue', 'stepi', 'p $pc', 'p $eax',
          'echo @@PS\\n', 'monitor ps',
          'echo @@THREADS\\n', 'info threads',
          'echo @@EXIT\\n', 'delete', 'continue',
        ),
        prog.path.replace(/\.asm$/, '.elf'),
      ]);
      const part = (name: string) => r.out.split(`@@${name}\n`)[1]?.split('@@')[0] ?? '';
      // at the entry: _start
      expect(part('ENTRY')).toMatch(new RegExp(`= \\(void \\(\\*\\)\\(\\)\\) ${hex(prog.sym('_start'))} <_start>`));
      // break + continue: stopped at the label, in the program's file and line
      expect(r.out).toMatch(new RegExp(`Breakpoint 1, target \\(\\) at .*prog\\.asm:${prog.line('target')}`));
      // registers: eax = 1 + 2, ebx = 2, eip = target
      const regs = part('REGS');
      expect(regs).toMatch(/eax\s+0x3\s+3/);
      expect(regs).toMatch(/ebx\s+0x2\s+2/);
      expect(regs).toMatch(new RegExp(`eip\\s+${hex(target)}\\s+${hex(target)} <target>`));
      // memory: the instruction bytes at target (b9 44 33 22 11 c7 05 …) as the ELF holds them
      const off = target - 0x8049000 + 0x1000; // .text at file offset 0x1000 (the linker layout)
      const word = (i: number) => (prog.elf[off + i] | (prog.elf[off + i + 1] << 8) | (prog.elf[off + i + 2] << 16) | (prog.elf[off + i + 3] << 24)) >>> 0;
      expect(word(0)).toBe(0x223344b9);
      const words = [0, 4, 8, 12].map((i) => '0x' + word(i).toString(16).padStart(8, '0'));
      expect(part('MEM')).toContain(`${hex(target)} <target>:\t${words.join('\t')}`);
      // stepi: EIP advances by the length of `mov ecx, imm32` (5 bytes)
      expect(part('STEPI')).toMatch(new RegExp(`\\$2 = \\(void \\(\\*\\)\\(\\)\\) ${hex(target + 5)} <target\\+5>`));
      // the watchpoint stops after the store, with the old and new values
      const watch = part('WATCH');
      expect(watch).toMatch(/Hardware watchpoint 2: \*\(int \*\)&counter/);
      expect(watch).toMatch(/Old value = 0\s+New value = 7/);
      expect(watch).toMatch(new RegExp(`after_store \\(\\) at .*prog\\.asm:${prog.line('after_store')}`));
      // stepi over int 0x80: the system call completes, EIP is after it, eax = getpid()
      const sys = part('SYS');
      expect(sys).toMatch(new RegExp(`\\$\\d+ = \\(void \\(\\*\\)\\(\\)\\) ${hex(prog.sym('after_sys'))} <after_sys>`));
      expect(sys).toMatch(/\$\d+ = 2\n/);
      // monitor ps: the REPL's task table
      expect(part('PS')).toMatch(/PID\s+PPID\s+TGID\s+STATE/);
      expect(part('PS')).toMatch(/\*\s*2\s+1\s+2\s+R \(running\)\s+prog\.asm/);
      // tasks as threads, described by the kernel
      expect(part('THREADS')).toMatch(/Thread 2 "prog\.asm" \(pid 2 prog\.asm R \(running\)\)/);
      expect(part('THREADS')).toMatch(/Thread 1 "init" \(pid 1 init/);
      // continue to the end: exit code 42 (052 in gdb's octal)
      expect(part('EXIT')).toMatch(/\[Inferior 1 \(Remote target\) exited with code 052\]/);
      const end = await stub.done;
      expect(end.kind).toBe('exit');
      if (end.kind === 'exit') expect((end.stop.status! >> 8) & 0xff).toBe(42);
      // the breakpoint was a debugger breakpoint: guest memory never held an int3
      expect(stub.packets.some((p) => /^<- [MX]8049/.test(p))).toBe(false);
    } finally {
      stub.close();
    }
  }, 60_000);

  it('after fork the tasks are threads, each with its own copy-on-write memory', async () => {
    const src = readFileSync(join(GUEST_PROGRAMS, 'fork-cow.asm'), 'utf8');
    // fork-cow includes lib/: assemble it where its includes are
    const path = join(dir, 'fork-cow.asm');
    writeFileSync(path, src);
    const r0 = assemble(src, join(GUEST_PROGRAMS, 'fork-cow.asm'), (p) => readFileSync(p, 'utf8'));
    expect(r0.ok).toBe(true);
    const elfPath = join(dir, 'fork-cow.elf');
    writeFileSync(elfPath, r0.elf!);
    const prog: Program = { path, elf: r0.elf!, sym: () => 0, line: () => 0 };
    const stub = await startStub(prog);
    try {
      const r = await runGdb([
        ...ex(
          `target remote 127.0.0.1:${stub.port}`,
          'break main.child', 'continue',
          'stepi', // inc dword [count]: the child's COW fault, then the increment
          'echo @@CHILD\\n', 'x/dw &count', 'p $_thread',
          'echo @@THREADS\\n', 'info threads',
          'thread 2', 'echo @@PARENT\\n', 'x/dw &count', 'p $orig_eax',
          'echo @@PT\\n', 'monitor pt count 3',
          'kill',
        ),
        elfPath,
      ]);
      const part = (name: string) => r.out.split(`@@${name}\n`)[1]?.split('@@')[0] ?? '';
      expect(r.out).toMatch(/Thread 3 "fork-cow\.asm" hit Breakpoint 1, main\[child\] \(\)/);
      expect(part('CHILD')).toMatch(/0x[0-9a-f]+:\s+1\n/);
      expect(part('THREADS')).toMatch(/2\s+Thread 2 "fork-cow\.asm" \(pid 2 fork-cow\.asm/);
      expect(part('THREADS')).toMatch(/\* 3\s+Thread 3 "fork-cow\.asm" \(pid 3 fork-cow\.asm R \(running\)\)/);
      // the parent, inside fork(): its own count, and orig_eax = __NR_fork (2)
      expect(part('PARENT')).toMatch(/0x[0-9a-f]+:\s+0\n/);
      expect(part('PARENT')).toMatch(/\$\d+ = 2\n/);
      // monitor pt: the child's page is its own copy now
      expect(part('PT')).toMatch(/pid 3/);
      const end = await stub.done;
      expect(end.kind).toBe('kill');
    } finally {
      stub.close();
    }
  }, 60_000);

  it('ctrl-C interrupts a running guest: SIGINT, then it can be inspected', async () => {
    const prog = build('loop.asm', LOOP);
    const stub = await startStub(prog);
    try {
      let gdbPid = 0;
      const running = (async () => {
        // wait until gdb has sent the continue, then ctrl-C gdb as a user would
        for (let i = 0; i < 300 && !stub.packets.some((p) => p.startsWith('<- vCont;c')); i++) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 200));
        process.kill(gdbPid, 'SIGINT');
      })();
      const r = await runGdb(
        [...ex(`target remote 127.0.0.1:${stub.port}`, 'continue', 'echo @@AFTER\\n', 'p $pc', 'x/dw &counter', 'kill'), prog.path.replace(/\.asm$/, '.elf')],
        { onStart: (pid) => (gdbPid = pid) },
      );
      await running;
      expect(stub.packets).toContain('<- ^C');
      expect(r.out).toMatch(/Thread 2 "loop\.asm" received signal SIGINT, Interrupt\./);
      const after = r.out.split('@@AFTER\n')[1] ?? '';
      expect(after).toMatch(/<(_start|spin)(\+\d+)?>/);
      const m = /0x804a000:\s+(\d+)/.exec(after);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(1000); // it ran
      expect((await stub.done).kind).toBe('kill');
    } finally {
      stub.close();
    }
  }, 60_000);

  it('x87 registers: info float, $st0/$st1, $fctrl, and a write to $st0', async () => {
    const prog = build('fpu.asm', FPU_PROG);
    const stub = await startStub(prog);
    try {
      const r = await runGdb([
        ...ex(
          `target remote 127.0.0.1:${stub.port}`,
          'echo @@INIT\n', 'p $fctrl', 'p/x $ftag',
          'break stop', 'continue',
          'echo @@FLOAT\n', 'info float',
          'echo @@MONITOR\n', 'monitor info float',
          'echo @@REGS\n', 'p $st0', 'p $st1', 'p/x $fctrl', 'p/x $fstat', 'p/x $ftag', 'p/x $fop', 'p/x $fioff',
          'echo @@SET\n', 'set $st0 = 2.5', 'p $st0', 'p $st1',
          'echo @@EXIT\n', 'kill',
        ),
        prog.path.replace(/\.asm$/, '.elf'),
      ]);
      const part = (name: string) => r.out.split(`@@${name}\n`)[1]?.split('@@')[0] ?? '';
      // before any x87 instruction: the FNINIT state
      expect(part('INIT')).toMatch(/\$1 = 895\n\$2 = 0xffff\n/);
      // fld1, fldpi: ST(0) = pi (R6, TOP = 6), ST(1) = 1 (R7), the rest empty
      const float = part('FLOAT');
      expect(float).toMatch(/  R7: Valid   0x3fff8000000000000000 \+1 *\n/);
      expect(float).toMatch(/=>R6: Valid   0x4000c90fdaa22168c000 \+3\.14159265358979/);
      expect(float).toMatch(/  R5: Empty   0x00000000000000000000\n/);
      expect(float).toMatch(/Status Word:\s+0x3000/);
      expect(float).toMatch(/TOP: 6/);
      expect(float).toMatch(/Control Word:\s+0x037f/);
      expect(float).toMatch(/Tag Word:\s+0x0fff/);
      expect(float).toMatch(/Opcode:\s+0xd9eb/); // fldpi
      expect(float).toContain(`Instruction Pointer: 0x73:${'0x' + (prog.sym('stop') - 2).toString(16).padStart(8, '0')}`);
      // the REPL's info float (monitor) prints what gdb prints
      const lines = (t: string) => t.split('\n').map((l) => l.trimEnd()).filter(Boolean);
      expect(lines(part('MONITOR'))).toEqual(lines(float));
      const regs = part('REGS');
      expect(regs).toMatch(/= 3\.14159265358979\d*\n.*= 1\n.*= 0x37f\n.*= 0x3000\n.*= 0xfff\n.*= 0x1eb\n/s);
      expect(regs).toContain(`= ${hex(prog.sym('stop') - 2)}\n`); // fioff: the fldpi
      // set $st0: a P packet; the FPU holds the new value
      expect(part('SET')).toMatch(/= 2\.5\n.*= 1\n/s);
      expect(stub.packets.some((p) => p.startsWith('<- P10='))).toBe(true);
    } finally {
      stub.close();
    }
  }, 60_000);

  it('forkbox run --gdb=0: gdb loads the program from the target; the run ends with its exit code', async () => {
    const prog = build('cli.asm', PROG);
    let stderr = '';
    let stdout = '';
    let announced: (port: number) => void = () => {};
    const portP = new Promise<number>((resolve) => (announced = resolve));
    const run = main(['run', '--gdb=0', prog.path], {
      stdout: (s) => void (stdout += s),
      stderr: (s) => {
        stderr += s;
        const m = /forkbox: waiting for gdb on 127\.0\.0\.1:(\d+)\n/.exec(stderr);
        if (m) announced(Number(m[1]));
      },
      env: {},
    });
    const port = await Promise.race([portP, new Promise<number>((_, rej) => setTimeout(() => rej(new Error(`no port announced: ${stderr}`)), 20_000))]);
    // no local file: gdb reads /…/cli.asm's ELF over vFile (qXfer:exec-file)
    const r = await runGdb(ex(`target remote 127.0.0.1:${port}`, 'break after_store', 'continue', 'x/dw &counter', 'continue'));
    const code = await run;
    expect(r.out).toMatch(/Reading symbols from target:/);
    expect(r.out).toMatch(/Breakpoint 1, after_store \(\)/);
    expect(r.out).toMatch(/0x804a000:\s+7\n/);
    expect(r.out).toMatch(/exited with code 052/);
    expect(code).toBe(42);
    expect(stderr.split('\n')[0]).toBe(`forkbox: waiting for gdb on 127.0.0.1:${port}`);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------
// The protocol over a raw socket: no gdb needed.

class RawClient {
  private reader = new PacketReader();
  private replies: string[] = [];
  private waiters: Array<() => void> = [];
  readonly acks: string[] = [];
  private sock;

  constructor(port: number) {
    this.sock = connect(port, '127.0.0.1');
    this.sock.on('data', (b: Buffer) => {
      for (const ev of this.reader.feed(b)) {
        if (ev.kind === 'packet') this.replies.push(ev.data);
        else if (ev.kind === 'ack' || ev.kind === 'nack') this.acks.push(ev.kind);
      }
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    this.sock.on('error', () => {});
  }

  raw(s: string): void {
    this.sock.write(Buffer.from(s, 'latin1'));
  }

  async next(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length === 0) {
      if (Date.now() > deadline) throw new Error('no reply');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.replies.shift()!;
  }

  async ask(p: string): Promise<string> {
    this.raw(frame(p));
    return this.next();
  }

  close(): void {
    this.sock.destroy();
  }
}

describe('gdb stub protocol (raw socket)', () => {
  it('qSupported, the i386 target description, registers, memory, and errors for bad input', async () => {
    const prog = build('raw.asm', PROG);
    const stub = await startStub(prog);
    const c = new RawClient(stub.port);
    try {
      const sup = await c.ask('qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386');
      expect(sup).toContain('PacketSize=4000');
      expect(sup).toContain('qXfer:features:read+');
      expect(sup).toContain('vContSupported+');
      expect(c.acks[0]).toBe('ack');
      // the target description, read in pieces
      let xml = '';
      for (let off = 0; ; ) {
        const r = await c.ask(`qXfer:features:read:target.xml:${off.toString(16)},80`);
        expect(r[0] === 'm' || r[0] === 'l').toBe(true);
        xml += r.slice(1);
        off += r.length - 1;
        if (r[0] === 'l') break;
      }
      expect(xml).toBe(TARGET_XML);
      expect(xml).toContain('<feature name="org.gnu.gdb.i386.core">');
      for (const reg of ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'st0', 'fop']) {
        expect(xml).toMatch(new RegExp(`<reg name="${reg}"`));
      }
      expect(await c.ask('qXfer:features:read:nosuch.xml:0,100')).toBe('E00');
      // stop reason at the entry, thread = the program's pid
      expect(await c.ask('?')).toMatch(/^T05thread:2;08:00900408;/);
      expect(await c.ask('qC')).toBe('QC2');
      // g: 16 dwords, 8 x87 registers of 10 bytes, 8 more dwords, orig_eax
      const g = decodeRle(await c.ask('g'));
      expect(g.length).toBe((16 * 4 + 8 * 10 + 8 * 4 + 4) * 2);
      expect(g.slice(8 * 8, 9 * 8)).toBe('00900408'); // eip
      // the program never used the FPU: the FNINIT state (st0 = 0, FCW 0x037f, all empty)
      expect(g.slice(16 * 8, 16 * 8 + 20)).toBe('0'.repeat(20));
      expect(g.slice(16 * 8 + 80 * 2, 16 * 8 + 80 * 2 + 24)).toBe('7f030000' + '00000000' + 'ffff0000');
      expect(await c.ask('p8')).toBe('00900408');
      expect(await c.ask('p10')).toBe('0'.repeat(20));
      expect(await c.ask('p18')).toBe('7f030000'); // fctrl
      expect(await c.ask('p1a')).toBe('ffff0000'); // ftag
      // P to the x87 registers: fctrl, st0 = 1.0 (tag word unchanged: still empty)
      expect(await c.ask('P18=7f020000')).toBe('OK');
      expect(await c.ask('p18')).toBe('7f020000');
      expect(await c.ask('P10=0000000000000080ff3f')).toBe('OK');
      expect(await c.ask('p10')).toBe('0000000000000080ff3f');
      expect(await c.ask('P10=00')).toBe('E01');
      expect(await c.ask('P18=7f030000')).toBe('OK');
      expect(await c.ask('P10=00000000000000000000')).toBe('OK');
      // P: write eax, read it back
      expect(await c.ask('P0=78563412')).toBe('OK');
      expect(await c.ask('p0')).toBe('78563412');
      // memory: code, data, an unmapped address (E14), kernel memory from user view
      expect(await c.ask('m8049000,5')).toBe('b801000000');
      expect(await c.ask('m0,4')).toBe('E14');
      expect(await c.ask('m804a000,4')).toBe('00000000');
      // M and X write through the task's page tables (a COW/file page is made private)
      expect(await c.ask('M804a000,4:2a000000')).toBe('OK');
      expect(await c.ask('m804a000,4')).toBe('2a000000');
      expect(await c.ask('X804a000,0:')).toBe('OK');
      expect(await c.ask('X804a000,2:}\x03}\x04')).toBe('OK'); // escaped # $
      expect(await c.ask('m804a000,2')).toBe('2324');
      expect(await c.ask('M0,1:00')).toBe('E14');
      // threads
      expect(await c.ask('qfThreadInfo')).toBe('m1,2');
      expect(await c.ask('qsThreadInfo')).toBe('l');
      expect(Buffer.from(fromHex(await c.ask('qThreadExtraInfo,2'))!).toString()).toBe('pid 2 raw.asm R (running)');
      expect(await c.ask('T2')).toBe('OK');
      expect(await c.ask('T63')).toBe('E01');
      expect(await c.ask('Hg63')).toBe('E01');
      // malformed packets: error or empty replies, never a dead stub
      for (const bad of ['m', 'mzz,4', 'm8049000', 'M8049000,4:zz', 'Pzz=1', 'P0=12', 'p999', 'Z0,zz,1', 'Z9,0,1', 'vCont;q', 'H', 'qThreadExtraInfo,zz', 'X1,4:ab']) {
        const r = await c.ask(bad);
        expect(r === '' || /^E[0-9a-f]{2}$/.test(r)).toBe(true);
      }
      expect(await c.ask('qNoSuchThing')).toBe('');
      expect(await c.ask('vMustReplyEmpty')).toBe('');
      // a bad checksum gets '-', and the stub answers the next packet
      const nacks = c.acks.filter((a) => a === 'nack').length;
      c.raw('$g#00');
      expect(await c.ask('qC')).toBe('QC2');
      expect(c.acks.filter((a) => a === 'nack').length).toBe(nacks + 1);
      // garbage between packets is skipped
      c.raw('garbage}}}###');
      expect(await c.ask('qC')).toBe('QC2');
      // monitor: the REPL's commands, output as O packets then OK
      c.raw(frame(`qRcmd,${textToHex('ps')}`));
      const o = await c.next();
      expect(o[0]).toBe('O');
      expect(Buffer.from(fromHex(o.slice(1))!).toString()).toMatch(/PID\s+PPID/);
      expect(await c.next()).toBe('OK');
      c.raw(frame(`qRcmd,${textToHex('stepi')}`));
      expect(Buffer.from(fromHex((await c.next()).slice(1))!).toString()).toMatch(/gdb's own command/);
      expect(await c.next()).toBe('OK');
      // s: one instruction; Z0 + c: a breakpoint, reported as swbreak when gdb asked for it
      expect(await c.ask('s')).toMatch(/^T05thread:2;08:05900408;/);
      const tgt = prog.sym('target');
      expect(await c.ask(`Z0,${tgt.toString(16)},1`)).toBe('OK');
      expect(await c.ask('vCont;c')).toMatch(new RegExp(`^T05thread:2;swbreak:;08:${leHex(tgt)};`));
      expect(await c.ask(`z0,${tgt.toString(16)},1`)).toBe('OK');
      // a write watchpoint reports watch:ADDR
      expect(await c.ask('Z2,804a000,4')).toBe('OK');
      expect(await c.ask('c')).toMatch(/^T05thread:2;watch:804a000;/);
      // an access watchpoint sees the next store as well (watch: only changes)
      expect(await c.ask('z2,804a000,4')).toBe('OK');
      expect(await c.ask('Z4,804a000,4')).toBe('OK');
      expect(await c.ask('vCont;c:2')).toMatch(new RegExp(`^T05thread:2;awatch:804a000;08:${leHex(prog.sym('after_store') + 10)};`));
      expect(await c.ask('z4,804a000,4')).toBe('OK');
      // vCont;s:2;c — step thread 2, the others may run: one instruction of pid 2
      expect(await c.ask('vCont;s:2;c')).toMatch(new RegExp(`^T05thread:2;08:${leHex(prog.sym('sys'))};`));
      // detach: the points go, the program runs to its end by itself
      expect(await c.ask('D')).toBe('OK');
      const end = await stub.done;
      expect(end.kind).toBe('detach');
    } finally {
      c.close();
      stub.close();
    }
  }, 60_000);

  it('no-ack mode, k, and a second connection refused while one is served', async () => {
    const prog = build('raw2.asm', PROG);
    const stub = await startStub(prog);
    const c = new RawClient(stub.port);
    const c2 = new RawClient(stub.port);
    try {
      expect(await c.ask('QStartNoAckMode')).toBe('OK');
      const acks = c.acks.length;
      expect(await c.ask('qC')).toBe('QC2');
      expect(c.acks.length).toBe(acks); // no more acks
      c2.raw(frame('qC'));
      await expect(c2.next(500)).rejects.toThrow('no reply');
      expect(checksum('k')).toBe(0x6b);
      c.raw(frame('k'));
      const end = await stub.done;
      expect(end).toEqual({ kind: 'kill', reason: 'killed by gdb' });
    } finally {
      c.close();
      c2.close();
      stub.close();
    }
  }, 30_000);
});

function leHex(v: number): string {
  return [0, 8, 16, 24].map((s) => ((v >>> s) & 0xff).toString(16).padStart(2, '0')).join('');
}
