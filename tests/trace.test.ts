// Traces of a run (src/debug/trace*.ts, src/guest/tracepoints.ts): --strace lines as strace
// -f prints them, --trace=faults lines with each fault's kind and frames, --trace-out's
// Perfetto JSON (tracks, slices, flows, counters), and determinism: the same run gives
// the same trace byte for byte, and tracing does not change the run.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIO } from '../src/cli.js';
import { emptyTraceOptions, parseTraceList, TraceSession, type TraceOptions } from '../src/debug/trace.js';
import { formatReturn, quoteBytes, sigsetStr, waitStatusStr, cloneFlagsStr, openFlagsStr, mapFlagsStr } from '../src/debug/strace-table.js';
import { assembleProgram, GUEST_PROGRAMS, program, runKernel, type KernelRun } from './helpers/kernel-machine.js';

/** Run `elf` under init with the given traces; the text trace and the Perfetto JSON. */
function traced(elf: Uint8Array | string, set: (o: TraceOptions) => void): { run: KernelRun; text: string; json: string | null } {
  const o = emptyTraceOptions();
  set(o);
  let text = '';
  let session: TraceSession | null = null;
  const run = runKernel(elf, {
    setup: ({ kernel }) => {
      session = new TraceSession(kernel, o, (s) => void (text += s));
    },
  });
  const s = session as unknown as TraceSession;
  s.finish();
  return { run, text, json: s.perfettoJson() };
}

const guest = (name: string) => assembleProgram(readFileSync(join(GUEST_PROGRAMS, name), 'utf8'), name);

// A small program with every kind of line: a write, a fork whose child sleeps (the
// parent's wait4 blocks: unfinished / resumed), clone with vfork flags, a child killed by
// SIGSEGV, an error return, exit_group.
const PROG = program(`
        puts    "hi", 10
        fork_child .child1
        mov     ebp, eax
        sys     114, ebp, status, 0, 0          ; wait4(pid, &status, 0, NULL)
        sys     120, 0x4111, 0                  ; clone(CLONE_VM|CLONE_VFORK|SIGCHLD, 0)
        test    eax, eax
        jz      .child2
        sys     114, -1, status, 0, 0
        fork_child .child3
        sys     114, -1, status, 0, 0
        sys     5, path, 0                      ; open("/nonexistent", O_RDONLY)
        sys     252, 0
.child1:
        sys     162, ts, 0                      ; nanosleep(1 ms)
        puts    "child", 10
        sys     252, 3
.child2:
        sys     1, 5                            ; exit(5) on the parent's stack
.child3:
        mov     eax, [0]                        ; SIGSEGV
section .data
ts:     dd 0, 1000000
path:   db "/nonexistent", 0
section .bss
status: resd 1
`);

describe('--strace', () => {
  it('prints the program tree’s syscalls exactly as strace -f does', () => {
    const { run, text } = traced(PROG, (o) => (o.text.syscalls = true));
    expect(run.stdout).toBe('hi\nchild\n');
    expect(text.split('\n')).toEqual([
      '[pid 2] execve("/test", ["/test"], 0xbfffff2c /* 0 vars */) = 0',
      '[pid 2] write(1, "hi\\n", 3) = 3',
      '[pid 2] fork() = 3',
      '[pid 3] nanosleep({tv_sec=0, tv_nsec=1000000},  <unfinished ...>',
      '[pid 2] wait4(3,  <unfinished ...>',
      '[pid 3] <... nanosleep resumed>NULL) = 0',
      '[pid 3] write(1, "child\\n", 6) = 6',
      '[pid 3] exit_group(3) = ?',
      '[pid 3] +++ exited with 3 +++',
      '[pid 2] <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 3',
      '[pid 2] --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=3, si_uid=0, si_status=3, si_utime=0, si_stime=0} ---',
      '[pid 2] clone(child_stack=NULL, flags=CLONE_VM|CLONE_VFORK|SIGCHLD <unfinished ...>',
      '[pid 4] exit(5) = ?',
      '[pid 4] +++ exited with 5 +++',
      '[pid 2] <... clone resumed>) = 4',
      '[pid 2] --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4, si_uid=0, si_status=5, si_utime=0, si_stime=0} ---',
      '[pid 2] wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 5}], 0, NULL) = 4',
      '[pid 2] fork() = 5',
      '[pid 5] --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---',
      '[pid 5] +++ killed by SIGSEGV (core dumped) +++',
      '[pid 2] --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_DUMPED, si_pid=5, si_uid=0, si_status=SIGSEGV, si_utime=0, si_stime=0} ---',
      '[pid 2] wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], 0, NULL) = 5',
      '[pid 2] open("/nonexistent", O_RDONLY) = -1 ENOENT (No such file or directory)',
      '[pid 2] exit_group(0) = ?',
      '[pid 2] +++ exited with 0 +++',
      '',
    ]);
  });

  it('leaves init out unless asked (--trace-all)', () => {
    const quiet = traced(PROG, (o) => (o.text.syscalls = true)).text;
    expect(quiet).not.toContain('[pid 1]');
    const all = traced(PROG, (o) => {
      o.text.syscalls = true;
      o.all = true;
    }).text;
    expect(all).toContain('[pid 1] fork() = 2\n');
    expect(all).toMatch(/\[pid 1\] wait4\(-1, /);
    expect(all).toContain('[pid 1] +++ exited with 0 +++\n');
  });

  it('decodes signals, handlers, restarts and pipes (guest programs)', () => {
    const sig = traced(guest('signal-restart.asm'), (o) => (o.text.syscalls = true)).text;
    expect(sig).toContain('[pid 2] rt_sigaction(SIGALRM, {sa_handler=');
    expect(sig).toMatch(/\[pid 2\] nanosleep\(\{tv_sec=3, tv_nsec=0\}, \{tv_sec=2, tv_nsec=\d+\}\) = \? ERESTART_RESTARTBLOCK \(Interrupted by signal\)\n\[pid 2\] --- SIGALRM \{si_signo=SIGALRM, si_code=SI_KERNEL\} ---\n\[pid 2\] sigreturn\(\{mask=\[\]\}\) = -1 EINTR \(Interrupted system call\)\n/);
    expect(sig).toContain('[pid 2] read(3, 0x804b270, 16) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n');
    expect(sig).toContain('[pid 2] pipe([3, 4]) = 0\n');
    expect(sig).toContain('[pid 2] <... read resumed>"hello", 16) = 5\n');
    const threads = traced(guest('threads-futex.asm'), (o) => (o.text.syscalls = true)).text;
    expect(threads).toContain('clone(child_stack=0xb7fffff4, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, parent_tid=');
    expect(threads).toContain('mmap2(NULL, 69632, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0x0) = 0xb7fef000\n');
    expect(threads).toMatch(/futex\(0x[0-9a-f]+, FUTEX_WAIT_PRIVATE, 2, NULL <unfinished \.\.\.>/);
    const stop = traced(guest('signal-stop-cont.asm'), (o) => (o.text.syscalls = true)).text;
    expect(stop).toContain('[pid 3] --- stopped by SIGSTOP ---\n');
    expect(stop).toContain('[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}], WUNTRACED) = 3\n');
    expect(stop).toContain('[pid 3] +++ killed by SIGKILL +++\n');
  });

  it('formats like strace', () => {
    const q = (s: string, more = false) => quoteBytes(new TextEncoder().encode(s), more);
    expect(q('hi\n')).toBe('"hi\\n"');
    expect(q('a"b\\c\t')).toBe('"a\\"b\\\\c\\t"');
    expect(quoteBytes(Uint8Array.from([0, 0x31, 0, 0x41, 0xff]), false)).toBe('"\\0001\\0A\\377"');
    expect(q('x'.repeat(32), true)).toBe(`"${'x'.repeat(32)}"...`);
    expect(formatReturn(-2)).toBe(' = -1 ENOENT (No such file or directory)');
    expect(formatReturn(-512)).toBe(' = ? ERESTARTSYS (To be restarted if SA_RESTART is set)');
    expect(formatReturn(0x0804c000, 'x')).toBe(' = 0x804c000');
    expect(formatReturn(-4096 + 0, 'x')).toBe(' = 0xfffff000');
    expect(formatReturn(0o22, 'o')).toBe(' = 022');
    expect(cloneFlagsStr(0x4111)).toBe('CLONE_VM|CLONE_VFORK|SIGCHLD');
    expect(cloneFlagsStr(17)).toBe('SIGCHLD');
    expect(openFlagsStr(0o1101)).toBe('O_WRONLY|O_CREAT|O_TRUNC');
    expect(mapFlagsStr(0x22)).toBe('MAP_PRIVATE|MAP_ANONYMOUS');
    expect(sigsetStr(1 << 16, 0)).toBe('[CHLD]');
    expect(sigsetStr(~0, ~0)).toBe('~[]');
    expect(waitStatusStr(0x137f)).toBe('{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}');
    expect(waitStatusStr(0xffff)).toBe('{WIFCONTINUED(s)}');
  });
});

describe('--trace=faults', () => {
  it('shows each fault of a COW program with its kind, frames and outcome', () => {
    const { text } = traced(guest('fork-cow.asm'), (o) => parseTraceList('faults', o.text));
    const lines = text.trim().split('\n');
    for (const l of lines) expect(l).toMatch(/^\[pid \d+\] page fault: eip 0x[0-9a-f]{8} addr 0x[0-9a-f]{8} error 0x[0-7] \[(protection|not-present) (read|write) (user|kernel)\]( in \w+\(\))?: .* → (resolved|SIGSEGV|SIGBUS|SIGKILL|EFAULT)$/);
    // The child's ++count: a write to a present, write-protected page it shares.
    const cow = lines.find((l) => l.startsWith('[pid 3]') && l.includes('COW copy'));
    expect(cow).toMatch(/addr 0x0804b108 error 0x7 \[protection write user\]: COW copy \(frame 0x([0-9a-f]+) → 0x([0-9a-f]+)\) → resolved$/);
    const [, from, to] = /frame 0x([0-9a-f]+) → 0x([0-9a-f]+)/.exec(cow!)!;
    expect(from).not.toBe(to);
    // The parent's stack page: the child copied it, so the parent is its only user.
    expect(lines.some((l) => l.startsWith('[pid 2]') && /error 0x7 \[protection write user\]: COW reuse \(frame 0x[0-9a-f]+\) → resolved$/.test(l))).toBe(true);
    // wait4 writing the status: a kernel access to a COW page.
    expect(lines.some((l) => /\[protection write kernel\] in wait4\(\): COW (reuse|copy)/.test(l))).toBe(true);
    expect(lines.some((l) => /\[not-present read user\]: demand file \(frame 0x[0-9a-f]+\) → resolved$/.test(l))).toBe(true);
  });

  it('shows demand zero, stack growth and segv', () => {
    const { text, run } = traced(program(`
        mov     dword [buf], 1                  ; .bss: demand zero
        sub     esp, 256 * 1024                 ; below the 128 KiB stack VMA
        mov     dword [esp], 2                  ; the stack grows
        mov     eax, [0x10]                     ; nothing there
section .bss
buf:    resd 1
`), (o) => (o.text.faults = true));
    expect(run.status & 0x7f).toBe(11);
    expect(text).toMatch(/\[pid 2\] page fault: eip 0x[0-9a-f]{8} addr 0x[0-9a-f]{8} error 0x6 \[not-present write user\]: demand zero \(frame 0x[0-9a-f]+\) → resolved\n/);
    expect(text).toMatch(/addr 0xbff[0-9a-f]{5} error 0x6 \[not-present write user\]: stack growth \(frame 0x[0-9a-f]+\) → resolved\n/);
    expect(text).toContain('addr 0x00000010 error 0x4 [not-present read user]: segv → SIGSEGV\n');
  });

  it('combines with syscalls and sched (a fault inside a syscall splits its line)', () => {
    const { text } = traced(guest('fork-cow.asm'), (o) => parseTraceList('faults,syscalls,sched', o.text));
    expect(text).toMatch(/\[pid 2\] wait4\(3,  <unfinished \.\.\.>\n\[pid 2\] page fault: .* in wait4\(\): COW reuse .*\n\[pid 2\] <\.\.\. wait4 resumed>\[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 1\}\], 0, NULL\) = 3\n/);
    expect(text).toMatch(/\[pid 2\] \d+\.\d{6} sched_process_fork: comm=test pid=2 child_pid=3 flags=SIGCHLD\n/);
    expect(text).toMatch(/\[pid 2\] \d+\.\d{6} sched_switch: prev_comm=test prev_pid=2 prev_state=R ==> next_comm=test next_pid=3\n/);
    expect(text).toMatch(/\[pid 3\] \d+\.\d{6} sched_switch: prev_comm=test prev_pid=3 prev_state=Z ==> /);
    const prog = traced(PROG, (o) => (o.text.sched = true)).text;
    expect(prog).toMatch(/\[pid 2\] \d+\.\d{6} sched_wakeup: comm=test pid=2 reason=child\n/);
  });
});

interface Ev {
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  name?: string;
  id?: number;
  args?: Record<string, unknown>;
}

/** Check the trace's structure; return its events. */
function checkPerfetto(json: string): Ev[] {
  const doc = JSON.parse(json) as { traceEvents: Ev[]; displayTimeUnit: string };
  const ev = doc.traceEvents;
  expect(doc.displayTimeUnit).toBe('ns');
  // B/E nest per track, in time order.
  const stacks = new Map<string, Ev[]>();
  const last = new Map<string, number>();
  for (const e of ev) {
    if (e.ph !== 'B' && e.ph !== 'E') continue;
    const key = `${e.pid}/${e.tid}`;
    expect(e.ts).toBeGreaterThanOrEqual(last.get(key) ?? 0);
    last.set(key, e.ts);
    const st = stacks.get(key) ?? [];
    stacks.set(key, st);
    if (e.ph === 'B') st.push(e);
    else expect(st.pop()).toBeDefined();
  }
  for (const st of stacks.values()) expect(st).toEqual([]);
  // Every flow has its start and end.
  const s = ev.filter((e) => e.ph === 's');
  const f = ev.filter((e) => e.ph === 'f');
  expect(s.map((e) => e.id).sort()).toEqual(f.map((e) => e.id).sort());
  return ev;
}

describe('--trace-out (Perfetto)', () => {
  it('has a track per task, running and syscall slices, faults, counters and fork flows', () => {
    const { json } = traced(guest('fork-cow.asm'), (o) => (o.perfetto = true));
    const ev = checkPerfetto(json!);
    const meta = ev.filter((e) => e.ph === 'M');
    expect(meta).toContainEqual({ ph: 'M', pid: 2, tid: 2, name: 'process_name', args: { name: 'test' } });
    expect(meta).toContainEqual({ ph: 'M', pid: 3, tid: 3, name: 'thread_name', args: { name: 'test' } });
    expect(meta).toContainEqual({ ph: 'M', pid: 32769, tid: 32769, name: 'process_name', args: { name: 'CPU 0' } });
    const on = (pid: number, ph: string, name?: string) => ev.filter((e) => e.tid === pid && e.ph === ph && (name === undefined || e.name === name));
    expect(on(2, 'B', 'running').length).toBeGreaterThan(1);
    expect(on(3, 'B', 'running').length).toBeGreaterThan(0);
    const write = on(3, 'B', 'write')[0];
    expect(write.args).toEqual({ call: 'write(1, "I am the child process, pid=3, c"..., 54)' });
    expect(on(3, 'i').some((e) => e.name === 'page fault: cow-copy' && String(e.args?.kind).startsWith('COW copy (frame 0x'))).toBe(true);
    expect(on(3, 'i').some((e) => e.name === 'exit 1')).toBe(true);
    expect(ev.some((e) => e.ph === 'C' && e.name === 'memory' && typeof e.args?.['free frames'] === 'number')).toBe(true);
    expect(ev.some((e) => e.ph === 'C' && e.name === 'rss' && e.pid === 3)).toBe(true);
    // The fork arrow: from the parent's fork slice to the child's first run.
    const [s] = ev.filter((e) => e.ph === 's');
    const [f] = ev.filter((e) => e.ph === 'f');
    expect(s).toMatchObject({ pid: 2, tid: 2, cat: 'fork', name: 'fork' });
    expect(f).toMatchObject({ pid: 3, tid: 3, cat: 'fork', name: 'fork', id: s.id });
    const fork = on(2, 'B', 'fork')[0];
    expect(s.ts).toBeGreaterThan(fork.ts);
    const firstRun = on(3, 'B', 'running')[0];
    expect(f.ts).toBeLessThan(firstRun.ts);
    expect(firstRun.ts - f.ts).toBeLessThan(0.01);
    // fork: the child runs first; the parent waits, runnable.
    const parentAfter = on(2, 'B', 'running').find((e) => e.ts > s.ts)!;
    expect(firstRun.ts).toBeLessThan(parentAfter.ts);
    expect(on(2, 'B', 'runnable').some((e) => e.ts > s.ts && e.ts <= firstRun.ts)).toBe(true);
  });

  it('shows a blocked syscall as a sleep between two running slices', () => {
    const ev = checkPerfetto(traced(PROG, (o) => (o.perfetto = true)).json!);
    const p2 = ev.filter((e) => e.tid === 2 && (e.ph === 'B' || e.ph === 'E'));
    const i = p2.findIndex((e) => e.ph === 'B' && e.name === 'sleeping in wait4');
    expect(p2.slice(i - 4, i + 7).map((e) => `${e.ph} ${e.name ?? ''}`)).toEqual([
      'B running', 'B wait4', 'E ', 'E ', 'B sleeping in wait4', 'E ', 'B runnable', 'E ', 'B running', 'B wait4', 'E ',
    ]);
    expect(p2[i - 3].args).toEqual({ call: 'wait4(3, …)' });
    expect(p2[i + 2].args).toEqual({ woken: 'child' });
    expect(p2[i + 5].args).toEqual({ resumed: true });
    expect(p2[i + 6].args).toEqual({ ret: '3' });
  });

  it('shows vfork’s parent asleep until the child exits', () => {
    const { json } = traced(guest('vfork.asm'), (o) => (o.perfetto = true));
    const ev = checkPerfetto(json!);
    const sleep = ev.findIndex((e) => e.tid === 2 && e.ph === 'B' && e.name === 'sleeping in vfork');
    expect(sleep).toBeGreaterThan(0);
    const sleepEnd = ev.findIndex((e, i) => i > sleep && e.tid === 2 && e.ph === 'E');
    const childExit = ev.find((e) => e.tid === 3 && e.ph === 'i' && e.name === 'exit 0')!;
    expect(ev[sleep].ts).toBeLessThan(childExit.ts);
    expect(ev[sleepEnd].ts).toBeGreaterThanOrEqual(childExit.ts);
    expect(ev.filter((e) => e.tid === 3 && e.ph === 'B' && e.name === 'running').every((e) => e.ts >= ev[sleep].ts && e.ts < ev[sleepEnd].ts)).toBe(true);
    expect(ev.find((e) => e.ph === 'i' && e.name === 'fork → 3')?.args).toEqual({ flags: 'CLONE_VM|CLONE_VFORK|SIGCHLD', child: 3 });
  });
});

describe('determinism', () => {
  it('two runs give the same trace, byte for byte; tracing does not change the run', () => {
    const all = (o: TraceOptions) => {
      parseTraceList('all', o.text);
      o.perfetto = true;
      o.all = true;
    };
    for (const elf of [PROG, guest('threads-futex.asm'), guest('pipe-children.asm')]) {
      const a = traced(elf, all);
      const b = traced(elf, all);
      expect(a.text.length).toBeGreaterThan(1000);
      expect(b.text).toBe(a.text);
      expect(b.json).toBe(a.json);
      const plain = runKernel(elf);
      expect(a.run.outcome.cycles).toBe(plain.outcome.cycles);
      expect(a.run.outcome.instructions).toBe(plain.outcome.instructions);
      expect(a.run.stdout).toBe(plain.stdout);
      expect(a.run.outcome.kernel.stats).toEqual(plain.outcome.kernel.stats);
    }
  });
});

describe('forkbox run options', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'forkbox-trace-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIO = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: {} };
    const code = await main(['run', ...argv], io);
    return { code, stdout, stderr };
  }

  const hello = join(GUEST_PROGRAMS, 'hello.asm');

  it('--strace writes the trace to stderr, --trace-file to a file', async () => {
    const r = await run(['--strace', hello]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Hello from forkbox!\n');
    expect(r.stderr).toContain('write(1, "Hello from forkbox!\\n", 20) = 20\n');
    expect(r.stderr).toMatch(/\+\+\+ exited with 0 \+\+\+\n$/);
    const file = join(dir, 'trace.txt');
    const q = await run(['--trace=syscalls,faults', '--trace-file', file, hello]);
    expect(q.code).toBe(0);
    expect(q.stderr).toBe('');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[pid 2] write(1, "Hello from forkbox!\\n", 20 <unfinished ...>\n[pid 2] page fault: ');
    expect(text).toContain('[not-present read kernel] in write(): demand file (frame 0x');
    expect(text).toContain('[pid 2] <... write resumed>) = 20\n');
  });

  it('--trace-out writes the Perfetto JSON', async () => {
    const file = join(dir, 'run.json');
    const r = await run(['--trace-out', file, join(GUEST_PROGRAMS, 'fork.asm')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const ev = checkPerfetto(readFileSync(file, 'utf8'));
    expect(ev.some((e) => e.ph === 's')).toBe(true);
  });

  it('rejects unknown traces and unwritable files', async () => {
    const r = await run(['--trace=bogus', hello]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("forkbox run: --trace: unknown trace 'bogus' (syscalls, faults, sched or all)\n");
    const q = await run(['--strace', '--trace-file', join(dir, 'no/such/dir/t.txt'), hello]);
    expect(q.code).toBe(2);
    expect(q.stderr).toMatch(/^forkbox run: --trace-file .*: no such file\n$/);
  });
});
