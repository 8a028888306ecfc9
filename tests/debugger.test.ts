// The debugger core (src/debug/debugger.ts): the run under the debugger is the run of
// `forkbox run`, instruction for instruction; stepping, breakpoints, watchpoints and
// catchpoints stop where they should; registers and memory of any task; reverse
// execution rebuilds exactly the state forward execution had.

import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemble } from '../src/asm/assembler.js';
import { Debugger, type DebuggerOptions } from '../src/debug/debugger.js';
import { runProgram } from '../src/run.js';
import { GUEST_PROGRAMS } from './helpers/kernel-machine.js';

interface Built {
  elf: Uint8Array;
  opts: DebuggerOptions;
  out: () => string;
}

/** A guest program (guest-programs/NAME, or NASM source) under the debugger, as /prog. */
function build(program: string, extra: Partial<DebuggerOptions> = {}): Built {
  const isFile = program.endsWith('.asm') && !program.includes('\n');
  const path = isFile ? join(GUEST_PROGRAMS, program) : join(GUEST_PROGRAMS, 'test.asm');
  const src = isFile ? readFileSync(path, 'utf8') : program;
  const r = assemble(src, path, (p) => readFileSync(p, 'utf8'));
  if (!r.ok || !r.elf) throw new Error(r.errors.map((e) => `${e.loc.line}: ${e.message}`).join('\n'));
  let out = '';
  const opts: DebuggerOptions = {
    files: new Map([['/prog', r.elf]]),
    argv: ['/prog'],
    envp: [],
    stdout: (b) => void (out += Buffer.from(b).toString()),
    symbols: r.symbols.filter((s) => s.section !== null).map((s) => ({ name: s.name, value: s.value, size: s.size, type: 2, bind: s.global ? 1 : 0 })),
    lines: r.lines,
    ...extra,
  };
  return { elf: r.elf, opts, out: () => out };
}

function start(program: string, extra: Partial<DebuggerOptions> = {}): { d: Debugger; out: () => string; b: Built } {
  const b = build(program, extra);
  const d = new Debugger(b.opts);
  const ev = d.runToEntry();
  expect(ev.reason).toBe('entry');
  return { d, out: b.out, b };
}

const SPIN = `
section .text
global _start
_start:
        mov     ecx, 0
.spin:  inc     ecx
        jmp     .spin
`;

describe('the run under the debugger', () => {
  test('stops at the program\'s entry in its own process, not init\'s', () => {
    const { d } = start('fork-cow.asm');
    const entry = d.symbols.program.byName.get('_start')!;
    expect(d.currentPid).toBe(2);
    expect(d.task(2)!.comm).toBe('prog');
    expect(d.readRegisters().eip).toBe(entry);
    expect(d.machine.cpu.cpl).toBe(3);
    expect(d.describeLocation()).toMatch(/^\[pid 2\] 0x0804[0-9a-f]{4} <_start>:  xor    ebp,ebp$/);
  });

  test('continue runs exactly what `forkbox run` runs: same output, cycles and instructions', () => {
    const b = build('fork-cow.asm');
    const base = runProgram({ files: b.opts.files, argv: ['/prog'], envp: [] });
    const { d, out } = start('fork-cow.asm');
    const ev = d.contSync();
    expect(ev.reason).toBe('exit');
    expect(ev.status).toBe(0);
    expect(out()).toContain('I am the child process, pid=3, count is 1');
    expect(d.machine.cpu.cycles).toBe(base.cycles);
    expect(d.machine.cpu.instret).toBe(base.instructions);
  });

  test('single-stepping any mix of instructions, user steps and runs changes nothing', () => {
    const b = build('vfork.asm');
    const base = runProgram({ files: b.opts.files, argv: ['/prog'], envp: [] });
    const { d } = start('vfork.asm');
    let seed = 7;
    for (let k = 0; k < 200 && !d.ended; k++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      if (seed % 3 === 0) d.stepInsn(1 + (seed % 40));
      else if (seed % 3 === 1) d.stepInsn(1 + (seed % 5), 'user');
      else d.nextInsn();
    }
    d.contSync();
    expect(d.machine.cpu.cycles).toBe(base.cycles);
    expect(d.machine.cpu.instret).toBe(base.instructions);
  });

  test('stepi advances one position: an instruction, or a fault delivered to the kernel', () => {
    const { d } = start('fork-cow.asm');
    const p0 = d.pos;
    // The first instruction's page is not present yet: the fetch faults into the kernel.
    const s1 = d.stepInsn(1);
    expect(s1.pos).toBe(p0 + 1);
    expect(d.machine.cpu.cpl).toBe(0);
    expect(d.describeLocation()).toContain('<asm_exc_page_fault>');
    const s2 = d.stepInsn(5);
    expect(s2.pos).toBe(p0 + 6);
  });

  test('stepi from user mode runs kernel entries through and says what the kernel did', () => {
    const { d } = start('fork-cow.asm');
    const s = d.stepInsn(1, 'user');
    expect(d.machine.cpu.cpl).toBe(3);
    expect(s.message).toMatch(/file page fault at 0x0804[0-9a-f]{4} in pid 2 \(read\): frame 0x[0-9a-f]+ mapped/);
    // Up to the int 0x80 of fork(), then one more user instruction: in the child.
    const int80 = d.symbols.program.byName.get('__syscall0')!;
    d.addBreakpoint(int80, { temporary: true });
    expect(d.contSync().reason).toBe('breakpoint');
    const f = d.stepInsn(1, 'user');
    expect(f.message).toContain('pid 2 forked pid 3 (flags SIGCHLD)');
    expect(f.message).toContain('pid 2: fork() = 3');
    expect(f.pid).toBe(3);
    expect(d.readRegisters(3).eax).toBe(0);
    // The parent is not running: its registers are its saved pt_regs, fork's result in eax.
    const parent = d.readRegisters(2);
    expect(parent.source).toBe('pt_regs');
    expect(parent.eax).toBe(3);
    expect(parent.eip).toBe(f.eip);
  });

  test('interrupt() stops a running continue', async () => {
    const { d } = start(SPIN);
    setTimeout(() => d.interrupt(), 50);
    const ev = await d.cont();
    expect(ev.reason).toBe('interrupt');
    expect(d.symbolize(ev.eip)).toMatch(/<_start\.spin|<_start\+/);
  });
});

/** Two processes computing and making syscalls across many timer ticks (preemption). */
const BUSY = `
section .text
global _start
_start:
        mov     eax, 2                  ; fork
        int     0x80
        mov     edi, 40
.outer: mov     ecx, 20000
.inner: imul    edx, ecx, 7
        add     esi, edx
        loop    .inner
.work_done:
        mov     eax, 20                 ; getpid
        int     0x80
        dec     edi
        jnz     .outer
        mov     eax, 1
        xor     ebx, ebx
        int     0x80
`;

describe('the same run, however it is stopped (timer interrupts, preemption)', () => {
  test('catchpoints, breakpoints and steps across timer ticks leave the run unchanged', () => {
    const b = build(BUSY);
    const base = runProgram({ files: b.opts.files, argv: ['/prog'], envp: [] });
    expect(base.kernel.stats.timerTicks).toBeGreaterThan(5);
    const { d } = start(BUSY);
    const cs = d.addCatchpoint('syscall', ['getpid']);
    for (let k = 0; k < 15; k++) expect(d.contSync().reason).toBe('catch');
    d.removeBreakpoint(cs);
    const bp = d.addBreakpoint(d.resolveLocation('_start.work_done'), { pid: 3 });
    for (let k = 0; k < 10; k++) {
      expect(d.contSync().id).toBe(bp);
      d.stepInsn(1 + k * 37);
      d.stepInsn(3, 'user');
    }
    d.removeBreakpoint(bp);
    expect(d.contSync().reason).toBe('exit');
    expect(d.machine.cpu.cycles).toBe(base.cycles);
    expect(d.machine.cpu.instret).toBe(base.instructions);
    expect(d.kernel.stats.timerTicks).toBe(base.kernel.stats.timerTicks);
    expect(d.kernel.stats.contextSwitches).toBe(base.kernel.stats.contextSwitches);
  });

  test('reverse execution across timer interrupts', () => {
    const { d } = start(BUSY);
    d.addBreakpoint(d.resolveLocation('_start.work_done'));
    for (let k = 0; k < 12; k++) d.contSync();
    const h = d.stateHash();
    const p = d.pos;
    d.stepInsn(5000);
    d.reverseStepi(5000);
    expect(d.pos).toBe(p);
    expect(d.stateHash()).toBe(h);
  });
});

describe('breakpoints', () => {
  test('at a symbol, with a condition, per task, temporary, disabled', () => {
    const { d } = start('fork-cow.asm');
    const pc = d.resolveLocation('print_char');
    const b1 = d.addBreakpoint(pc, { condition: 'eax == 10' });
    const e1 = d.contSync();
    expect(e1.reason).toBe('breakpoint');
    expect(e1.id).toBe(b1);
    expect(d.readRegisters().eax).toBe(10);
    expect(d.breakpoints()[0].hits).toBe(1);
    // Only the parent (pid 2): the child's newline was printed first, so the next hit is pid 2's.
    d.removeBreakpoint(b1);
    const b2 = d.addBreakpoint(pc, { pid: 2, condition: '$eax == 0xa' });
    const e2 = d.contSync();
    expect(e2.id).toBe(b2);
    expect(e2.pid).toBe(2);
    d.setEnabled(b2, false);
    const t = d.addBreakpoint(d.resolveLocation('print_str'), { temporary: true });
    const e3 = d.contSync();
    expect(e3.id).toBe(t);
    expect(e3.message).toMatch(/^Temporary breakpoint/);
    expect(d.breakpoints().map((b) => b.id)).toEqual([b2]);
    expect(d.contSync().reason).toBe('exit');
  });

  test('an instruction that faults hits its breakpoint once (the restart is the same attempt)', () => {
    const { d } = start('fork-cow.asm');
    const child = d.resolveLocation('main.child');
    d.addBreakpoint(child);
    const e = d.contSync();
    expect(e.pid).toBe(3);
    expect(e.eip).toBe(child);
    // inc dword [count] faults (copy-on-write), the kernel copies, the instruction runs again.
    const next = d.stepInsn(1, 'user');
    expect(next.message).toMatch(/COW fault at 0x0804[0-9a-f]{4} in pid 3 \(write\): frame 0x[0-9a-f]+ copied to 0x[0-9a-f]+/);
    expect(d.readRegisters().eip).toBe(d.resolveLocation('main.child+6'));
    expect(d.contSync().reason).toBe('exit');
    expect(d.breakpoints()[0].hits).toBe(1);
  });

  test('a breakpoint in the kernel\'s entry code stops in kernel mode', () => {
    const { d } = start('fork-cow.asm');
    d.addBreakpoint(d.resolveLocation('system_call'));
    const e = d.contSync();
    expect(e.reason).toBe('breakpoint');
    expect(d.machine.cpu.cpl).toBe(0);
    expect(e.message).toContain('<system_call>');
    expect(d.readRegisters().eax).toBe(2); // fork's syscall number, about to be saved
  });

  test('nexti steps over a call and over int 0x80; finish returns from a function', () => {
    const { d } = start('fork-cow.asm');
    d.addBreakpoint(d.resolveLocation('main'), { temporary: true });
    d.contSync();
    // main: call fork
    const callNext = d.readRegisters().eip + 5;
    const n = d.nextInsn();
    expect(n.pid).toBe(2);
    expect(d.readRegisters().eip).toBe(callNext);
    expect(d.readRegisters().eax).toBe(3); // fork returned the child's pid in the parent
    // finish out of print_char
    d.addBreakpoint(d.resolveLocation('print_char'), { temporary: true });
    const hit = d.contSync();
    const ret = d.read32(hit.pid, d.readRegisters().esp);
    const f = d.finishFrame();
    expect(f.reason).toBe('step');
    expect(d.readRegisters().eip).toBe(ret);
    expect(d.currentPid).toBe(hit.pid);
  });

  test('until LOCATION runs the current task there', () => {
    const { d } = start('fork-cow.asm');
    d.addBreakpoint(d.resolveLocation('main.child'), { temporary: true });
    d.contSync();
    const target = d.resolveLocation('main.child+24');
    const e = d.until(target);
    expect(e.reason).toBe('step');
    expect(e.pid).toBe(3);
    expect(d.readRegisters().eip).toBe(target);
    expect(e.message).toContain('pid 3: getpid() = 3'); // what the kernel did on the way
  });

  test('step and next go by source line', () => {
    const { d } = start('fork-cow.asm');
    d.addBreakpoint(d.resolveLocation('main.child'));
    d.contSync();
    const l0 = d.lineAt(d.readRegisters().eip)!;
    d.stepLine(true);
    const l1 = d.lineAt(d.readRegisters().eip)!;
    expect(l1.line).toBe(l0.line + 1);
    expect(l1.file).toBe(l0.file);
    d.stepLine(true);
    expect(d.lineAt(d.readRegisters().eip)!.line).toBe(l0.line + 2); // over `ccall getpid` too
    // `ccall getpid`: step goes into the function, finish comes back.
    d.stepLine(false);
    expect(d.symbolize(d.readRegisters().eip)).toBe('<getpid>');
    d.finishFrame();
    // Back after the call, which was the last instruction of its line.
    expect(d.lineAt(d.readRegisters().eip)!.line).toBe(l0.line + 3);
  });
});

describe('watchpoints', () => {
  test('a write watchpoint survives the copy-on-write copy that moves its page', () => {
    const { d } = start('fork-cow.asm');
    d.addCatchpoint('fork');
    const f = d.contSync();
    expect(f.reason).toBe('catch');
    expect(f.pid).toBe(3);
    const count = d.resolveLocation('count');
    const frameBefore = d.readMemory(3, count, 4) && (d.watchpoints(), null);
    void frameBefore;
    const id = d.addWatchpoint(count, 4, 'write', 3);
    const w0 = d.watchpoints()[0];
    const shared = w0.frame;
    expect(shared).not.toBeNull();
    const e = d.contSync();
    expect(e.reason).toBe('watchpoint');
    expect(e.id).toBe(id);
    expect(e.watch).toMatchObject({ old: 0, value: 1 });
    expect(e.message).toMatch(/the page moved: frame 0x[0-9a-f]+ → 0x[0-9a-f]+/);
    expect(d.watchpoints()[0].frame).not.toBe(shared);
    // The parent's count still lives in the old frame, and is still 0.
    expect(d.read32(2, count)).toBe(0);
    expect(d.read32(3, count)).toBe(1);
  });

  test('read and access watchpoints', () => {
    const { d } = start('fork-cow.asm');
    d.addCatchpoint('fork');
    d.contSync();
    const count = d.resolveLocation('count');
    d.addWatchpoint(count, 4, 'read', 2);
    const e = d.contSync();
    expect(e.reason).toBe('watchpoint');
    expect(e.pid).toBe(2);
    expect(e.message).toMatch(/^Read watchpoint \d+: 0x0804[0-9a-f]{4} <count> in pid 2/);
    // The parent reads count to print it: the instruction was `push dword [count]`.
    expect(d.watchpoints()[0].hits).toBe(1);
  });
});

describe('catchpoints', () => {
  test('fork, exec, exit, syscall, COW fault', () => {
    const { d } = start('fork-cow.asm');
    const cf = d.addCatchpoint('fault', ['cow']);
    const e = d.contSync();
    expect(e.reason).toBe('catch');
    expect(e.id).toBe(cf);
    expect(e.event!.fault!.kind).toMatch(/^cow-/);
    expect(e.message).toMatch(/^Catchpoint \d+ \(fault\): COW fault( \(reuse\))? at 0x[0-9a-f]{8} in pid [23]/);
    d.removeBreakpoint(cf);
    const cs = d.addCatchpoint('syscall', ['write']);
    const w = d.contSync();
    expect(w.event!.syscall).toBe(4);
    expect(w.message).toMatch(/pid 3 called write\n.*pid 3 returned from write = \d+/);
    d.removeBreakpoint(cs);
    d.addCatchpoint('exit');
    const x = d.contSync();
    expect(x.message).toMatch(/pid 3 exited with status 1/);
  });

  test('exec: the stop is at the new program\'s first instruction', () => {
    const { d } = start('thread-exec.asm');
    d.addCatchpoint('exec');
    const e = d.contSync();
    expect(e.reason).toBe('catch');
    expect(e.event!.kind).toBe('exec');
    expect(e.message).toMatch(/^Catchpoint \d+ \(exec\): pid \d+ executed \/prog$/);
    expect(e.eip).toBe(d.symbols.program.byName.get('_start'));
    expect(d.readMemory(e.pid, d.readRegisters().esp, 4)).toEqual(new Uint8Array([2, 0, 0, 0])); // argc: /prog exec'd
  });

  test('signal: the stop is at the handler\'s first instruction', () => {
    const { d } = start('signal-handler.asm');
    d.addCatchpoint('signal', ['SIGUSR1']);
    const e = d.contSync();
    expect(e.reason).toBe('catch');
    expect(e.signal).toBe(10);
    expect(e.message).toMatch(/pid 2 received SIGUSR1 \(handler\)/);
    expect(d.symbolize(e.eip)).toBe('<on_usr1>');
  });

  test('vfork: the stop is in the child, which shares the parent\'s mm', () => {
    const { d } = start('vfork.asm');
    d.addCatchpoint('vfork');
    const e = d.contSync();
    expect(e.event!.kind).toBe('vfork');
    expect(e.message).toContain('CLONE_VM|CLONE_VFORK|SIGCHLD');
    expect(e.pid).toBe(3);
    expect(d.task(3)!.mm).toBe(d.task(2)!.mm);
  });
});

describe('registers and memory', () => {
  test('writes to a COW page through the debugger break COW: the other task keeps its copy', () => {
    const { d } = start('fork-cow.asm');
    d.addCatchpoint('fork');
    d.contSync();
    const count = d.resolveLocation('count');
    d.writeMemory(2, count, new Uint8Array([7, 0, 0, 0]));
    expect(d.read32(2, count)).toBe(7);
    expect(d.read32(3, count)).toBe(0);
    expect(() => d.readMemory(2, 0x1000, 4)).toThrow(/cannot access memory at address 0x1000/);
    // Not yet faulted in: what a fault would bring (bss: zeros).
    expect(d.readMemory(2, d.resolveLocation('status'), 4)).toEqual(new Uint8Array(4));
  });

  test('writeRegister on the running task and on a sleeping one', () => {
    const { d } = start('fork-cow.asm');
    d.writeRegister(2, 'eax', 0x1234);
    expect(d.readRegisters(2).eax).toBe(0x1234);
    expect(d.evaluate('eax + 1')).toBe(0x1235);
    d.addCatchpoint('fork');
    d.contSync();
    d.writeRegister(2, 'ebx', 99);
    expect(d.readRegisters(2).ebx).toBe(99);
  });
});

describe('reverse execution', () => {
  test('reverse-stepi returns to exactly the state forward execution had', () => {
    const { d } = start('fork-cow.asm');
    const hashes: string[] = [];
    const positions: number[] = [];
    for (let k = 0; k < 400; k++) {
      hashes.push(d.stateHash());
      positions.push(d.pos);
      d.stepInsn(1);
    }
    const end = d.stateHash();
    d.reverseStepi();
    expect(d.pos).toBe(positions[399]);
    expect(d.stateHash()).toBe(hashes[399]);
    d.reverseStepi(150);
    expect(d.stateHash()).toBe(hashes[249]);
    // And forward again to the same end.
    d.stepInsn(151);
    expect(d.stateHash()).toBe(end);
  });

  test('reverse-continue goes back to the last breakpoint hit, registers and memory as they were', () => {
    const { d, out } = start('fork-cow.asm');
    d.addBreakpoint(d.resolveLocation('print_str'));
    const first = d.contSync();
    const h1 = d.stateHash();
    const r1 = d.readRegisters();
    d.contSync();
    const second = d.contSync();
    expect(second.pos).toBeGreaterThan(first.pos);
    const h3 = d.stateHash();
    const shown = out();
    d.reverseContinue();
    const back = d.reverseContinue();
    expect(back.reason).toBe('breakpoint');
    expect(back.pos).toBe(first.pos);
    expect(d.stateHash()).toBe(h1);
    expect(d.readRegisters()).toEqual(r1);
    // Forward again: the same states, and the output already shown is not shown twice.
    d.contSync();
    expect(d.contSync().pos).toBe(second.pos);
    expect(d.stateHash()).toBe(h3);
    expect(out()).toBe(shown);
  });

  test('replay re-applies memory written from the debugger', () => {
    const { d } = start('fork-cow.asm');
    d.addCatchpoint('fork');
    d.contSync();
    const count = d.resolveLocation('count');
    d.writeMemory(3, count, new Uint8Array([41, 0, 0, 0]));
    d.stepInsn(20);
    const h = d.stateHash();
    d.stepInsn(5);
    d.reverseStepi(5);
    expect(d.stateHash()).toBe(h);
    expect(d.read32(3, count)).toBe(42); // the child's inc ran on the written value
  });

  test('reverse-continue finds the last change of a watched value, and a catch event', () => {
    const { d } = start('fork-cow.asm');
    d.addCatchpoint('fork');
    d.contSync();
    d.removeBreakpoint(d.catchpoints()[0].id);
    d.addWatchpoint(d.resolveLocation('count'), 4, 'write', 3);
    const hit = d.contSync();
    expect(hit.reason).toBe('watchpoint');
    const h = d.stateHash();
    d.addCatchpoint('exit');
    const exit = d.contSync();
    expect(exit.reason).toBe('catch');
    const back = d.reverseContinue();
    expect(back.pos).toBe(hit.pos);
    expect(d.stateHash()).toBe(h);
    expect(d.contSync().pos).toBe(exit.pos);
  });

  test('after the program ended, reverse-continue still goes back', () => {
    const { d } = start('fork-cow.asm');
    d.addBreakpoint(d.resolveLocation('main.child'));
    const hit = d.contSync();
    const h = d.stateHash();
    expect(d.contSync().reason).toBe('exit');
    const back = d.reverseContinue();
    expect(back.pos).toBe(hit.pos);
    expect(d.stateHash()).toBe(h);
    expect(d.ended).toBe(false);
  });
});

describe('symbols and lines of an ELF file', () => {
  test('the DWARF line table an ELF carries gives the assembler\'s lines', () => {
    const b = build('fork-cow.asm');
    const r = assemble(readFileSync(join(GUEST_PROGRAMS, 'fork-cow.asm'), 'utf8'), join(GUEST_PROGRAMS, 'fork-cow.asm'), (p) => readFileSync(p, 'utf8'));
    // No symbols or lines given: both come from the ELF (.symtab, .debug_line).
    const d = new Debugger({ files: new Map([['/prog', b.elf]]), argv: ['/prog'], envp: [] });
    const text = r.lines.filter((l) => l.section === '.text' && l.size > 0);
    expect(text.length).toBeGreaterThan(100);
    for (const l of text) {
      const got = d.symbols.program.lineAt(l.address);
      expect(got, `${l.file}:${l.line}`).not.toBeNull();
      expect([got!.file, got!.line]).toEqual([l.file, l.line]);
    }
    expect(d.symbols.program.byName.get('main.child')).toBe(r.symbols.find((s) => s.name === 'main.child')!.value);
    d.runToEntry();
    d.addBreakpoint(d.resolveLocation('fork-cow.asm:47'));
    const e = d.contSync();
    expect(d.symbolize(e.eip)).toBe('<main.child>');
    d.stepLine(true);
    expect(d.lineAt(d.readRegisters().eip)!.line).toBe(48);
  });
});

describe('the x87 state of a task', () => {
  const FPU_FORK = `
section .text
global _start
_start:
        fldpi
        mov     eax, 2                  ; fork
        int     0x80
        test    eax, eax
        jz      child
        mov     eax, 114                ; wait4(-1, 0, 0, 0)
        mov     ebx, -1
        xor     ecx, ecx
        xor     edx, edx
        xor     esi, esi
        int     0x80
        mov     eax, 1
        xor     ebx, ebx
        int     0x80
child:
        fld1
child_stop:
        nop
        mov     eax, 1
        xor     ebx, ebx
        int     0x80
`;
  const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const ONE = '0000000000000080ff3f';
  const PI = '00c06821a2da0fc90040';
  const TWO = '00000000000000800040';
  const st = (img: Uint8Array, i: number) => hexOf(img.subarray(28 + 10 * i, 38 + 10 * i));
  const word = (img: Uint8Array, o: number) => img[o] | (img[o + 1] << 8);

  test('live registers of the owner, the saved image of another task, FNINIT for one that never used it; in the state hash and replayed', () => {
    const { d } = start(FPU_FORK);
    d.addBreakpoint(d.resolveLocation('child_stop'));
    const ev = d.contSync();
    expect(ev.reason).toBe('breakpoint');
    const child = ev.pid;
    const parent = d.tasks().find((t) => t.pid === child)!.ppid;
    // the child, running: its own fld1 on top of the pi it inherited
    const c = d.readFpu(child)!;
    expect([st(c, 0), st(c, 1)]).toEqual([ONE, PI]);
    expect(word(c, 4)).toBe(0x3000); // TOP 6
    expect(word(c, 8)).toBe(0x0fff); // R6, R7 valid
    // the parent, switched out: the image the kernel saved
    const p = d.readFpu(parent)!;
    expect(st(p, 0)).toBe(PI);
    expect(word(p, 4)).toBe(0x3800); // TOP 7
    expect(word(p, 8)).toBe(0x3fff);
    // init never used the FPU: FNINIT
    const i = d.readFpu(1)!;
    expect([word(i, 0), word(i, 4), word(i, 8), st(i, 0)]).toEqual([0x037f, 0, 0xffff, '0'.repeat(20)]);
    // a write changes the state hash; reverse execution replays it
    const h0 = d.stateHash();
    const w = c.slice();
    w.set(Buffer.from(TWO, 'hex'), 28);
    d.writeFpu(child, w);
    expect(st(d.readFpu(child)!, 0)).toBe(TWO);
    const h1 = d.stateHash();
    expect(h1).not.toBe(h0);
    const pw = p.slice();
    pw.set(Buffer.from(ONE, 'hex'), 28);
    d.writeFpu(parent, pw);
    const h2 = d.stateHash();
    expect(h2).not.toBe(h1);
    d.stepInsn(3);
    d.reverseStepi(3);
    expect(d.stateHash()).toBe(h2);
    expect(st(d.readFpu(child)!, 0)).toBe(TWO);
    expect(st(d.readFpu(parent)!, 0)).toBe(ONE);
  });
});
