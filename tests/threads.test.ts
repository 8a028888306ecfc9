// Thread groups end to end (fork.ts CLONE_THREAD, exit.ts, thread.ts de_thread): getpid
// is the tgid, a thread's exit leaves the process running, exit_group ends every
// thread, and execve from a multi-threaded process kills the other threads — the
// exec'ing thread taking over the process's pid when it was not the leader, as Linux
// does. Also: a thread stack's PROT_NONE guard page stops a runaway recursion with
// SIGSEGV. Each run must end with every task, pid and frame released.

import { describe, expect, it } from 'vitest';
import { assembleProgram, runKernel, type KernelRun, type KernelRunOptions } from './helpers/kernel-machine.js';
import { mainProgram } from './helpers/threads-lib.js';
import { check_invariants } from '../src/guest/memory.js';
import { futex_queues } from '../src/guest/futex.js';

function expectNothingLeft(r: KernelRun): void {
  const k = r.outcome.kernel;
  expect(r.outcome.end, `${r.outcome.message}\n${r.log.join('\n')}\n${r.stdout}`).toBe('exit');
  expect(check_invariants(k)).toEqual([]);
  expect([...k.tasks.keys()]).toEqual([0]);
  expect(k.pidmap.inUse).toBe(1);
  expect(k.pages.stats.used).toBe(0);
  expect(futex_queues(k)).toEqual([]);
}

function run(body: string, opts: KernelRunOptions = {}): KernelRun {
  const r = runKernel(assembleProgram(mainProgram(body), 'threads-test.asm'), opts);
  expectNothingLeft(r);
  return r;
}

/** The new program of an execve test: prints pid, tid and ppid, exits with 5. */
const AFTER_EXEC = `
        cmp     dword [argc], 2
        jb      .first
        prints  "new program: pid="
        ccall   getpid
        printd  eax
        prints  " tid="
        ccall   gettid
        printd  eax
        prints  " ppid="
        ccall   getppid
        printd  eax
        nl
        mov     eax, 5
        ret
.first:
`;

/** execve(argv[0], {argv[0], "again", NULL}, envp) as a function (returns -errno). */
const EXEC_SELF = `
exec_self:
        push    ebx
        mov     eax, [argv]
        mov     eax, [eax]
        mov     [x_argv], eax
        mov     dword [x_argv + 4], x_again
        ccall   execve, eax, x_argv, dword [envp]
        pop     ebx
        ret
exec_missing:
        mov     dword [x_argv], x_missing
        ccall   execve, x_missing, x_argv, dword [envp]
        ret
sleeper:
        ccall   futex, never, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0
        jmp     sleeper
section .data
x_again:   db   "again", 0
x_missing: db   "/no/such/program", 0
section .bss
x_argv:    resd 3
never:     resd 1
section .text
`;

describe('thread groups', () => {
  it('getpid is the tgid in every thread; a thread exit leaves the process running', () => {
    const r = run(`
        ccall   spawn, worker, 0
        ccall   spawn, worker, 0
        ccall   join_all
        prints  "main pid="
        ccall   getpid
        printd  eax
        prints  ", threads saw "
        printd  dword [same]
        prints  " times the same pid, with own tids: "
        mov     eax, [tid_sum]
        cmp     eax, [tids_sum]
        sete    al
        movzx   eax, al
        printd  eax
        nl
        xor     eax, eax
        ret
worker:
        ccall   getpid
        cmp     eax, 2
        jne     .x
        inc     dword [same]
.x:     ccall   gettid
        add     [tid_sum], eax
        ret
section .bss
same:   resd    1
tid_sum: resd   1
tids_sum: resd  1
section .text
`.replace('        ccall   join_all\n', '        mov     eax, [tids]\n        add     eax, [tids + 4]\n        mov     [tids_sum], eax\n        ccall   join_all\n'));
    expect(r.stdout).toBe('main pid=2, threads saw 2 times the same pid, with own tids: 1\n');
  });
});

describe('execve from a multi-threaded process (de_thread)', () => {
  it('from a non-leader thread: the others die, it takes over the pid; the parent reaps the new program', () => {
    const r = run(`${AFTER_EXEC}
        ccall   spawn, sleeper, 0
        ccall   spawn, execer, 0
.wait:  ccall   futex, never, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0   ; the leader sleeps too
        jmp     .wait
execer:
        prints  "exec from tid="
        ccall   gettid
        printd  eax
        nl
        call    exec_self
        ret
${EXEC_SELF}`);
    expect(r.stdout).toBe('exec from tid=4\nnew program: pid=2 tid=2 ppid=1\n');
    expect(r.exitCode).toBe(5);
    expect(r.outcome.kernel.stats.execs).toBe(3); // init, the program, the exec from the thread
  });

  it('from the leader: the other threads die, the pid stays', () => {
    const r = run(`${AFTER_EXEC}
        ccall   spawn, sleeper, 0
        ccall   spawn, sleeper, 0
        ccall   yield_n, 3
        call    exec_self
        ret
${EXEC_SELF}`);
    expect(r.stdout).toBe('new program: pid=2 tid=2 ppid=1\n');
    expect(r.exitCode).toBe(5);
  });

  it('from a thread whose leader has already exited: it becomes the leader; the status is the new program\'s', () => {
    const r = run(`${AFTER_EXEC}
        ccall   spawn, execer, 0
        ccall   exit_thread, 3                  ; the leader exits alone: a zombie
execer:
        ccall   yield_n, 2
        call    exec_self
        ret
${EXEC_SELF}`);
    expect(r.stdout).toBe('new program: pid=2 tid=2 ppid=1\n');
    expect(r.exitCode).toBe(5);
  });

  it('a failing execve (no such file) kills nobody', () => {
    const r = run(`
        ccall   spawn, failer, 0
        ccall   spawn, counter, 0
        ccall   join_all
        prints  "execve: "
        printd  dword [result]
        prints  ", the other thread counted to "
        printd  dword [count]
        nl
        xor     eax, eax
        ret
failer:
        call    exec_missing
        mov     [result], eax
        ret
counter:
        ccall   yield_n, 3
        mov     dword [count], 3
        ret
section .bss
result: resd    1
count:  resd    1
section .text
${EXEC_SELF}`);
    expect(r.stdout).toBe('execve: -2, the other thread counted to 3\n');
  });

  it('the parent of an exec\'ing thread\'s process still sees its child: wait4 by pid', () => {
    const r = run(`
        cmp     dword [argc], 2
        jb      .first
        mov     eax, 6
        ret
.first: ccall   fork
        test    eax, eax
        jz      .child
        mov     esi, eax
        ccall   wait4, esi, status, 0, 0
        cmp     eax, esi
        sete    al
        movzx   eax, al
        prints  "same pid: "
        printd  eax
        prints  ", status "
        movzx   eax, byte [status + 1]
        printd  eax
        nl
        xor     eax, eax
        ret
.child: ccall   spawn, execer, 0
.w:     ccall   futex, never, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0
        jmp     .w
execer: call    exec_self
        ret
section .bss
status: resd    1
section .text
${EXEC_SELF}`);
    expect(r.stdout).toBe('same pid: 1, status 6\n');
  });
});

describe('thread stacks', () => {
  it('a runaway recursion on an mmap\'d thread stack stops at its PROT_NONE guard page: SIGSEGV', () => {
    const r = runKernel(assembleProgram(mainProgram(`
        ccall   mmap, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0
        mov     ebx, eax
        mov     [guard], eax
        ccall   mprotect, ebx, PAGE_SIZE, PROT_NONE
        add     ebx, 4 * PAGE_SIZE
        ccall   clone, recurse, ebx, T_FLAGS, 0, tids, 0, tids
        mov     dword [t_count], 1
        ccall   join_all
        prints  "FAIL: survived", 10
        xor     eax, eax
        ret
recurse:
        push    eax
        push    eax
        call    recurse
section .bss
guard:  resd    1
section .text
`), 'guard.asm'));
    expect(r.outcome.end).toBe('exit');
    expect(r.status & 0x7f).toBe(11);
    expect(r.log.some((l) => /segfault at/.test(l))).toBe(true);
    expect(check_invariants(r.outcome.kernel)).toEqual([]);
  });
});
