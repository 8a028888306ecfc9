// Processes end to end (issue 4): fork / vfork / clone through do_fork, execve with argv,
// envp and the auxiliary vector, exit / exit_group, wait4 / waitpid, zombies, orphans,
// init, the task limit, TLS. Every program is NASM source assembled by forkbox's own
// assembler and run under the built-in init; after each run the memory invariants must
// hold and nothing may be left: no task but idle, no pid but 0, every frame free.

import { describe, expect, it } from 'vitest';
import { assembleProgram, program, runKernel, type KernelRun, type KernelRunOptions } from './helpers/kernel-machine.js';
import { check_invariants } from '../src/guest/memory.js';
import { bootProgram } from '../src/run.js';
import { copy_process } from '../src/guest/fork.js';
import { CLONE_PARENT, CLONE_SIGHAND, CLONE_THREAD, CLONE_VM, E } from '../src/guest/abi.js';
import { EXIT_ZOMBIE } from '../src/guest/task.js';
import { CPUID_FEATURES_EDX } from '../src/cpu/ops/misc.js';

/** Everything the kernel allocated since boot is free again, and no task but idle is left. */
function expectNothingLeft(r: KernelRun): void {
  const k = r.outcome.kernel;
  expect(check_invariants(k)).toEqual([]);
  expect([...k.tasks.keys()]).toEqual([0]);
  expect(k.pidmap.inUse).toBe(1);
  expect(k.pages.stats.used).toBe(0);
}

/** Run a program body (kernel-machine's program()), require a clean end. */
function run(body: string, opts: KernelRunOptions = {}): KernelRun {
  const r = runKernel(program(body + PRINT_CSTR), opts);
  expect(r.outcome.end, `${r.outcome.message}\n${r.log.join('\n')}\n${r.stdout}`).toBe('exit');
  expectNothingLeft(r);
  return r;
}

/** print_cstr: the NUL-terminated string at ebx to fd 1 (preserves all but eax). */
const PRINT_CSTR = `
section .text
print_cstr:
        push    ecx
        push    edx
        mov     ecx, ebx
        xor     edx, edx
.len:   cmp     byte [ecx + edx], 0
        je      .out
        inc     edx
        jmp     .len
.out:   call    write_out
        pop     edx
        pop     ecx
        ret
`;

/** A second program for execve: prints its pid, argv and envp, exits with argc. */
const PROG2 = program(`
        sys     20
        puts    "prog2 pid="
        call    print_u32
        call    print_nl
        mov     esi, [esp]              ; argc
        lea     edi, [esp + 4]
.argv:  mov     ebx, [edi]
        test    ebx, ebx
        jz      .env0
        puts    "prog2 argv: "
        call    print_cstr
        call    print_nl
        add     edi, 4
        jmp     .argv
.env0:  add     edi, 4
.env:   mov     ebx, [edi]
        test    ebx, ebx
        jz      .done
        puts    "prog2 envp: "
        call    print_cstr
        call    print_nl
        add     edi, 4
        jmp     .env
.done:  sys     1, esi
${PRINT_CSTR}`);

const prog2 = () => new Map([['/prog2', assembleProgram(PROG2, 'prog2.asm')]]);

// ---------------------------------------------------------------------------------------

describe('fork', () => {
  it('returns 0 in the child and the pid in the parent; the child runs first', () => {
    const r = run(`
        sys     2
        test    eax, eax
        js      .fail
        jz      .child
        puts    "parent: fork returned "
        call    print_u32
        call    print_nl
        sys     114, -1, status, 0, 0
        puts    "parent: reaped "
        call    print_u32
        puts    " status "
        mov     eax, [status]
        call    print_u32
        call    print_nl
        sys     1, 0
.child:
        puts    "child: fork returned "
        call    print_u32
        puts    ", pid "
        sys     20
        call    print_u32
        puts    ", ppid "
        sys     64
        call    print_u32
        call    print_nl
        sys     1, 7
.fail:  sys     1, 99
section .bss
status: resd    1
`);
    // init is pid 1, the program 2, its child 3.
    expect(r.stdout).toBe('child: fork returned 0, pid 3, ppid 2\nparent: fork returned 3\nparent: reaped 3 status 1792\n');
    expect(r.status).toBe(0);
    expect(r.outcome.kernel.stats.forks).toBe(2); // init's fork of the program, and this one
  });

  it('CLONE_PARENT_SETTID and CLONE_CHILD_SETTID: the tid in the parent, and in the child\'s own copy', () => {
    const r = run(`
        mov     edi, ctid
        sys     120, 0x01100000 | 17, 0, ptid, 0     ; CHILD_SETTID | PARENT_SETTID | SIGCHLD
        test    eax, eax
        jz      .child
        mov     [pid], eax
        sys     114, -1, 0, 0, 0
        puts    "parent: ptid=pid "
        mov     eax, [ptid]
        cmp     eax, [pid]
        sete    al
        movzx   eax, al
        call    print_u32
        puts    ", ctid "
        mov     eax, [ctid]
        call    print_u32
        call    print_nl
        sys     1, 0
.child:
        sys     20
        cmp     eax, [ctid]
        sete    al
        movzx   eax, al
        puts    "child: ctid=pid "
        call    print_u32
        call    print_nl
        sys     1, 0
section .bss
ptid:   resd    1
ctid:   resd    1
pid:    resd    1
`);
    expect(r.stdout).toBe('child: ctid=pid 1\nparent: ptid=pid 1, ctid 0\n');
  });
});

describe('vfork', () => {
  it("the seeds' example: the child runs first in the parent's memory; the parent resumes after _exit", () => {
    const r = run(`
        mov     dword [cnt], 0
        sys     190
        test    eax, eax
        js      .fail
        jz      .child
        inc     dword [cnt]
        puts    "parent: cnt="
        mov     eax, [cnt]
        call    print_u32
        call    print_nl
        sys     114, -1, 0, 0, 0
        sys     1, 0
.child:
        inc     dword [cnt]
        puts    "child: cnt="
        mov     eax, [cnt]
        call    print_u32
        call    print_nl
        sys     1, 0                    ; _exit
.fail:  sys     1, 99
section .bss
cnt:    resd    1
`);
    expect(r.stdout).toBe('child: cnt=1\nparent: cnt=2\n');
    // Nothing was copied: the child borrowed the parent's pages.
    expect(r.outcome.kernel.stats.cowCopies).toBe(0);
  });

  it('vfork + execve: the parent wakes when the child execs', () => {
    const r = run(`
        sys     190
        test    eax, eax
        jz      .child
        puts    "parent resumed", 10
        sys     114, -1, status, 0, 0
        puts    "status "
        mov     eax, [status]
        call    print_u32
        call    print_nl
        sys     1, 0
.child:
        sys     11, path, argv, envp
        sys     1, 127
section .rodata
path:   db      "/prog2", 0
a1:     db      "hello", 0
e1:     db      "K=V", 0
argv:   dd      path, a1, 0
envp:   dd      e1, 0
section .bss
status: resd    1
`, { files: prog2() });
    expect(r.stdout).toBe('prog2 pid=3\nprog2 argv: /prog2\nprog2 argv: hello\nprog2 envp: K=V\nparent resumed\nstatus 512\n');
  });
});

describe('clone', () => {
  it('CLONE_VM: the child runs on its own stack in the same memory; it runs after the parent', () => {
    const r = run(`
        mov     dword [shared], 1
        xor     edi, edi
        sys     120, 0x100 | 17, stack_top, 0, 0       ; CLONE_VM | SIGCHLD
        test    eax, eax
        jz      .child
        puts    "parent first", 10
        sys     114, -1, status, 0, 0
        puts    "parent sees shared="
        mov     eax, [shared]
        call    print_u32
        call    print_nl
        sys     1, 0
.child:
        cmp     esp, stack_top
        sete    al
        movzx   eax, al
        puts    "child: on its stack "
        call    print_u32
        call    print_nl
        mov     dword [shared], 42
        sys     1, 0
section .bss
shared: resd    1
status: resd    1
        resb    4096
stack_top:
`);
    expect(r.stdout).toBe('parent first\nchild: on its stack 1\nparent sees shared=42\n');
    expect(r.outcome.kernel.stats.cowCopies).toBe(0);
  });

  it('a clone child with exit signal 0 is waited for only with __WCLONE or __WALL', () => {
    const r = run(`
        xor     edi, edi
        sys     120, 0x100, stack_top, 0, 0            ; CLONE_VM, no exit signal
        test    eax, eax
        jz      .child
        mov     [pid], eax
        sys     114, -1, 0, 0, 0
        puts    "plain wait: "
        call    print_i32
        call    print_nl
        sys     114, -1, status, 0x80000000, 0         ; __WCLONE
        cmp     eax, [pid]
        sete    al
        movzx   eax, al
        puts    "__WCLONE reaps it: "
        call    print_u32
        puts    ", status "
        mov     eax, [status]
        call    print_u32
        call    print_nl
        xor     edi, edi
        sys     120, 0x100, stack_top, 0, 0
        test    eax, eax
        jz      .child
        sys     114, -1, 0, 0x40000000, 0              ; __WALL
        test    eax, eax
        setg    al
        movzx   eax, al
        puts    "__WALL reaps it: "
        call    print_u32
        call    print_nl
        sys     1, 0
.child:
        sys     1, 5
section .bss
pid:    resd    1
status: resd    1
        resb    4096
stack_top:
`);
    expect(r.stdout).toBe('plain wait: -10\n__WCLONE reaps it: 1, status 1280\n__WALL reaps it: 1\n');
  });

  it("Linux's EINVAL rules for the flags", () => {
    const r = run(`
%macro try 1
        xor     edi, edi
        sys     120, %1, 0, 0, 0
        call    print_i32
        call    print_nl
%endmacro
        try     0x800 | 17              ; CLONE_SIGHAND without CLONE_VM
        try     0x10800 | 17            ; CLONE_THREAD | CLONE_SIGHAND without CLONE_VM
        try     0x10100                 ; CLONE_THREAD without CLONE_SIGHAND
        try     0x20200 | 17            ; CLONE_NEWNS | CLONE_FS
        try     0x20000000 | 17         ; CLONE_NEWPID (not supported)
        sys     1, 0
`);
    expect(r.stdout).toBe('-22\n-22\n-22\n-22\n-22\n');
    expect(r.outcome.kernel.stats.forks).toBe(1); // only init's
  });

  it('CLONE_PARENT and CLONE_THREAD are refused to init', () => {
    const booted = bootProgram({ files: new Map([['/test', assembleProgram(program('        sys 1, 0'))]]), argv: ['/test'] });
    const k = booted.kernel;
    while (!k.init) booted.machine.run(10); // boot, up to init's creation
    expect(k.current.pid).toBe(1);
    const args = { exit_signal: 17, stack: 0, parent_tid: 0, child_tid: 0, tls: 0 };
    expect(copy_process(k, { ...args, flags: CLONE_PARENT })).toBe(-E.EINVAL);
    expect(copy_process(k, { ...args, flags: CLONE_THREAD | CLONE_SIGHAND | CLONE_VM })).toBe(-E.EINVAL);
    expect(k.pidmap.inUse).toBe(2);
  });

  it('threads (CLONE_THREAD): same tgid, CLONE_CHILD_CLEARTID zeroes the tid at exit, nobody waits for them', () => {
    const r = run(`
        ; pthread_create's flags: VM FS FILES SIGHAND THREAD PARENT_SETTID CHILD_CLEARTID
        mov     edi, tid
        sys     120, 0x310f00, stack_top, tid, 0
        test    eax, eax
        jz      .thread
        mov     [ret], eax
.spin:  sys     158                     ; sched_yield until the thread has exited
        cmp     dword [tid], 0
        jne     .spin
        puts    "main: tid cleared, pid "
        sys     20
        call    print_u32
        puts    ", wait: "
        sys     114, -1, 0, 0x40000000, 0
        call    print_i32
        call    print_nl
        sys     252, 0
.thread:
        puts    "thread: gettid "
        sys     224
        cmp     eax, [ret]
        sete    al
        movzx   eax, al
        call    print_u32
        puts    " getpid "
        sys     20
        call    print_u32
        call    print_nl
        sys     1, 0                    ; exit: this thread only
section .bss
tid:    resd    1
ret:    resd    1
        resb    4096
stack_top:
`);
    expect(r.stdout).toBe('thread: gettid 1 getpid 2\nmain: tid cleared, pid 2, wait: -10\n');
  });

  it('a group leader that exits first stays a silent zombie until its last thread is gone', () => {
    const r = runKernel(program(`
        xor     edi, edi
        sys     120, 0x10f00, stack_top, 0, 0      ; a thread
        test    eax, eax
        jz      .thread
        sys     1, 3                               ; exit: the leader only
.thread:
        mov     ecx, 5
.y:     sys     158
        loop    .y
        puts    "thread: still running after the leader's exit", 10
        sys     1, 0
section .bss
        resb    4096
stack_top:
`));
    expect(r.stdout).toBe("thread: still running after the leader's exit\n");
    expect(r.outcome.end).toBe('exit');
    expect(r.status).toBe(3 << 8); // the leader's status, reported once the group is empty
    expectNothingLeft(r);
  });

  it('exit_group from a thread ends the whole process', () => {
    const r = runKernel(program(`
        xor     edi, edi
        sys     120, 0x10f00, stack_top, 0, 0      ; a thread
        test    eax, eax
        jz      .thread
.spin:  sys     158
        jmp     .spin
.thread:
        sys     252, 7
section .bss
        resb    4096
stack_top:
`));
    expect(r.outcome.end).toBe('exit');
    expect(r.exitCode).toBe(7);
    expectNothingLeft(r);
  });
});

describe('TLS: set_thread_area, get_thread_area, CLONE_SETTLS', () => {
  it('installs GDT entries 6-8 that %gs can use, per task', () => {
    const r = run(`
        mov     dword [block1], 0x1234
        mov     dword [block2], 99
        mov     dword [desc1 + 4], block1
        sys     243, desc1                 ; set_thread_area: entry -1 picks a slot
        puts    "set: "
        call    print_i32
        puts    " entry "
        mov     eax, [desc1]
        call    print_u32
        mov     eax, [desc1]
        shl     eax, 3
        or      eax, 3
        mov     gs, ax
        mov     eax, [gs:0]
        puts    " gs:0 "
        call    print_u32
        call    print_nl
        mov     dword [desc3], 6
        sys     244, desc3                 ; get_thread_area(6)
        mov     eax, [desc3 + 4]
        cmp     eax, block1
        sete    al
        movzx   eax, al
        puts    "get: base ok "
        call    print_u32
        puts    ", flags "
        mov     eax, [desc3 + 12]
        call    print_u32
        call    print_nl
        ; a child whose TLS entry 7 points elsewhere (CLONE_SETTLS | SIGCHLD)
        mov     dword [desc2 + 4], block2
        xor     edi, edi
        sys     120, 0x80000 | 17, 0, 0, desc2
        test    eax, eax
        jz      .child
        sys     114, -1, status, 0, 0
        puts    "child read gs:0 = "
        movzx   eax, byte [status + 1]
        call    print_u32
        call    print_nl
        ; entry -1 is not allowed for CLONE_SETTLS; a bad pointer is EFAULT
        mov     dword [desc2], -1
        sys     120, 0x80000 | 17, 0, 0, desc2
        call    print_i32
        call    print_nl
        sys     120, 0x80000 | 17, 0, 0, 0xc0000000
        call    print_i32
        call    print_nl
        sys     1, 0
.child:
        mov     eax, 7 * 8 + 3
        mov     gs, ax
        mov     ebx, [gs:0]
        sys     1, ebx
section .data
desc1:  dd      -1, 0, 0xfffff, 0x51       ; seg_32bit | limit_in_pages | useable
desc2:  dd      7, 0, 0xfffff, 0x11
section .bss
desc3:  resd    4
block1: resd    1
block2: resd    1
status: resd    1
`);
    expect(r.stdout).toBe('set: 0 entry 6 gs:0 4660\nget: base ok 1, flags 81\nchild read gs:0 = 99\n-22\n-14\n');
  });
});

describe('exit and wait', () => {
  it('the status encoding of Linux: exit codes and fatal signals', () => {
    const r = run(`
%macro child_does 1
        sys     2
        test    eax, eax
        jnz     %%parent
        %1
        sys     1, 0
%%parent:
        sys     7, -1, status, 0          ; waitpid
        mov     eax, [status]
        call    print_u32
        call    print_nl
%endmacro
        child_does {sys 1, 42}
        child_does {sys 252, 255}
        child_does {mov eax, [0]}
        child_does {ud2}
        child_does {div dword [zero]}
        sys     1, 0
section .bss
status: resd    1
zero:   resd    1
`);
    // Core-dumping signals (SIGSEGV, SIGILL, SIGFPE) show the core bit 0x80 (signal.ts).
    expect(r.stdout).toBe(`${42 << 8}\n${255 << 8}\n${11 | 0x80}\n${4 | 0x80}\n${8 | 0x80}\n`);
  });

  it('WNOHANG returns 0 while the child lives; ECHILD when there are no children', () => {
    const r = run(`
        sys     114, -1, 0, 0, 0
        puts    "no children: "
        call    print_i32
        call    print_nl
        sys     2
        test    eax, eax
        jz      .child
        mov     [pid], eax
        sys     7, [pid], status, 1       ; WNOHANG
        puts    "WNOHANG: "
        call    print_i32
        call    print_nl
        sys     7, 12345, status, 0
        puts    "not my child: "
        call    print_i32
        call    print_nl
        sys     7, [pid], status, 0
        cmp     eax, [pid]
        sete    al
        movzx   eax, al
        puts    "blocking wait: "
        call    print_u32
        puts    " status "
        mov     eax, [status]
        call    print_u32
        call    print_nl
        sys     7, -1, status, 0x12340000
        puts    "bad options: "
        call    print_i32
        call    print_nl
        sys     1, 0
.child:
        sys     158
        sys     158
        sys     158
        sys     1, 5
section .bss
pid:    resd    1
status: resd    1
`);
    expect(r.stdout).toBe('no children: -10\nWNOHANG: 0\nnot my child: -10\nblocking wait: 1 status 1280\nbad options: -22\n');
  });

  it('a dead child is a zombie until its parent waits', () => {
    // The parent spins without waiting: the run stops at the cycle limit, the child a zombie.
    const r = runKernel(program(`
        sys     2
        test    eax, eax
        jz      .child
.spin:  jmp     .spin
.child: sys     1, 9
`), { maxCycles: 2_000_000 });
    expect(r.outcome.end).toBe('limit');
    const zombie = r.outcome.kernel.tasks.get(3)!;
    expect(zombie.exit_state).toBe(EXIT_ZOMBIE);
    expect(zombie.exit_code).toBe(9 << 8);
    expect(zombie.mm).toBeNull();
    // A zombie holds only its pid and its kernel stack.
    expect(zombie.kstackFrame).toBeGreaterThanOrEqual(0);
    expect(check_invariants(r.outcome.kernel)).toEqual([]);

    // Reaped: WNOHANG finds it at once, then it is gone.
    const r2 = run(`
        sys     2
        test    eax, eax
        jz      .child
        sys     158
        sys     7, -1, status, 1
        test    eax, eax
        setg    al
        movzx   eax, al
        puts    "zombie reaped: "
        call    print_u32
        puts    " status "
        mov     eax, [status]
        call    print_u32
        puts    ", again: "
        sys     7, -1, status, 1
        call    print_i32
        call    print_nl
        sys     1, 0
.child: sys     1, 9
section .bss
status: resd    1
`);
    expect(r2.stdout).toBe('zombie reaped: 1 status 2304, again: -10\n');
  });

  it('waitpid(0) waits for the caller\'s process group; wait4 fills rusage; a bad &status is EFAULT but reaps', () => {
    const r = run(`
        sys     2
        test    eax, eax
        jz      .child
        sys     7, 0, status, 0           ; my process group
        test    eax, eax
        setg    al
        movzx   eax, al
        puts    "pgrp wait: "
        call    print_u32
        sys     7, -7, status, 0          ; process group 7: none
        puts    ", group 7: "
        call    print_i32
        call    print_nl
        sys     2
        test    eax, eax
        jz      .child
        sys     114, -1, status, 0, ru
        mov     eax, [ru]                 ; ru_utime.tv_sec
        add     eax, [ru + 4]             ; ru_utime.tv_usec
        test    eax, eax
        setg    al
        movzx   eax, al
        puts    "child user time > 0: "
        call    print_u32
        call    print_nl
        sys     2
        test    eax, eax
        jz      .child
        sys     114, -1, 0xc0000000, 0, 0
        puts    "bad status: "
        call    print_i32
        sys     114, -1, 0, 0, 0
        puts    ", then: "
        call    print_i32
        call    print_nl
        sys     1, 0
.child:
        mov     ecx, 200000
.burn:  dec     ecx
        jnz     .burn
        sys     1, 0
section .bss
status: resd    1
ru:     resd    18
`);
    expect(r.stdout).toBe('pgrp wait: 1, group 7: -10\nchild user time > 0: 1\nbad status: -14, then: -10\n');
  });

  it('orphans are reparented to init, which reaps them; the run reports the program\'s status', () => {
    const r = run(`
        sys     2
        test    eax, eax
        jz      .child
        sys     7, -1, status, 0
        puts    "main: reaped child, wait again: "
        sys     7, -1, status, 0
        call    print_i32
        call    print_nl
        sys     1, 3
.child:
        sys     2
        test    eax, eax
        jz      .grandchild
        puts    "child: exits, leaving its child", 10
        sys     1, 0
.grandchild:
        mov     ecx, 10
.y:     push    ecx
        sys     158
        pop     ecx
        loop    .y
        puts    "grandchild: ppid "
        sys     64
        call    print_u32
        call    print_nl
        sys     1, 0
section .bss
status: resd    1
`);
    expect(r.stdout).toBe('child: exits, leaving its child\nmain: reaped child, wait again: -10\ngrandchild: ppid 1\n');
    expect(r.status).toBe(3 << 8);
    expect(r.exitCode).toBe(3);
  });

  it('a program killed by a signal: init reports the signal (128 + n)', () => {
    const r = runKernel(program('        mov     eax, [0]'));
    expect(r.status).toBe(11 | 0x80); // SIGSEGV, core bit
    expect(r.exitCode).toBe(139);
    expectNothingLeft(r);
  });
});

describe('limits', () => {
  const FORK_UNTIL_FAIL = `
        xor     esi, esi
.fork:  sys     2
        test    eax, eax
        jz      .child
        js      .failed
        inc     esi
        jmp     .fork
.failed:
        mov     edi, eax
        mov     eax, esi
        puts    "forks "
        call    print_u32
        puts    ", then "
        mov     eax, edi
        call    print_i32
        call    print_nl
.reap:  sys     114, -1, 0, 0, 0
        test    eax, eax
        jns     .reap
        sys     1, 0
.child: sys     1, 0                    ; a zombie until reaped: it still counts
`;

  it('EAGAIN at the task limit (--max-tasks; idle, init and zombies count)', () => {
    const r = run(FORK_UNTIL_FAIL, { maxTasks: 6 });
    expect(r.stdout).toBe('forks 3, then -11\n');
  });

  it('EAGAIN when the pidmap is exhausted (pid_max)', () => {
    const r = run(FORK_UNTIL_FAIL, { pidMax: 8 });
    expect(r.stdout).toBe('forks 5, then -11\n');
  });

  it('ENOMEM: a fork that cannot copy the address space fails and leaks nothing', () => {
    const r = run(`
        mov     ecx, 0
.touch: mov     dword [big + ecx], 1
        add     ecx, 4096
        cmp     ecx, 180 * 4096
        jb      .touch
        sys     2
        test    eax, eax
        jz      .child
        puts    "fork: "
        call    print_i32
        call    print_nl
        sys     1, 0
.child: sys     1, 0
section .bss
big:    resb    180 * 4096
`, { memSize: 1 << 20, forkMode: 'copy' });
    expect(r.stdout).toBe('fork: -12\n');
  });
});

describe('execve', () => {
  it('argv, envp and the auxiliary vector on a 16-byte aligned SysV stack', () => {
    const src = `
        mov     ebp, esp
        mov     eax, esp
        and     eax, 15
        puts    "esp%16="
        call    print_u32
        puts    " argc="
        mov     eax, [ebp]
        call    print_u32
        call    print_nl
        lea     esi, [ebp + 4]
.argv:  mov     ebx, [esi]
        add     esi, 4
        test    ebx, ebx
        jz      .envp
        puts    "argv: "
        call    print_cstr
        call    print_nl
        jmp     .argv
.envp:  mov     ebx, [esi]
        add     esi, 4
        test    ebx, ebx
        jz      .auxv
        puts    "envp: "
        call    print_cstr
        call    print_nl
        jmp     .envp
.auxv:  mov     eax, [esi]
        mov     ebx, [esi + 4]
        add     esi, 8
        test    eax, eax
        jz      .end
        puts    "auxv "
        call    print_u32
        puts    "="
        cmp     eax, 15                 ; AT_PLATFORM
        je      .str
        cmp     eax, 31                 ; AT_EXECFN
        je      .str
        cmp     eax, 9                  ; AT_ENTRY
        je      .entry
        cmp     eax, 25                 ; AT_RANDOM
        je      .random
        cmp     eax, 3                  ; AT_PHDR
        je      .phdr
        mov     eax, ebx
        call    print_u32
        call    print_nl
        jmp     .auxv
.str:   call    print_cstr
        call    print_nl
        jmp     .auxv
.entry: cmp     ebx, _start
        jne     .bad
        puts    "_start", 10
        jmp     .auxv
.phdr:  mov     eax, [ebx]              ; the first program header's p_type
        puts    "phdr[0].p_type "
        call    print_u32
        call    print_nl
        jmp     .auxv
.random:
        cmp     ebx, ebp
        jb      .bad
        puts    "on the stack: "
        mov     eax, [ebx]
        call    print_u32
        call    print_nl
        jmp     .auxv
.bad:   puts    "BAD", 10
        jmp     .auxv
.end:   sys     1, 0
`;
    const opts = { args: ['one', 'two words'], envp: ['HOME=/root', 'EMPTY='] };
    const r = run(src, opts);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 6)).toEqual(['esp%16=0 argc=3', 'argv: /test', 'argv: one', 'argv: two words', 'envp: HOME=/root', 'envp: EMPTY=']);
    const auxv = lines.slice(6);
    expect(auxv.map((l) => Number(/^auxv (\d+)=/.exec(l)![1]))).toEqual([16, 6, 17, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 23, 25, 26, 31, 15]);
    const val = (type: number) => auxv.find((l) => l.startsWith(`auxv ${type}=`))!.split('=').slice(1).join('=');
    expect(val(16)).toBe(String(CPUID_FEATURES_EDX));
    expect(val(6)).toBe('4096');
    expect(val(17)).toBe('100');
    expect(val(3)).toBe('phdr[0].p_type 1');
    expect(val(4)).toBe('32');
    expect(val(5)).toBe('4');
    expect(val(9)).toBe('_start');
    for (const t of [7, 8, 11, 12, 13, 14, 23, 26]) expect(val(t)).toBe('0');
    expect(val(25)).toMatch(/^on the stack: \d+$/);
    expect(val(31)).toBe('/test');
    expect(val(15)).toBe('i686');
    // Deterministic, AT_RANDOM included.
    expect(run(src, opts).stdout).toBe(r.stdout);
  });

  it('execve from a program: same pid, new image, argv and envp passed', () => {
    const r = run(`
        sys     20
        puts    "before exec pid="
        call    print_u32
        call    print_nl
        sys     11, path, argv, envp
        puts    "execve failed", 10
        sys     1, 1
section .rodata
path:   db      "/prog2", 0
a1:     db      "x", 0
a2:     db      "y", 0
e1:     db      "A=b", 0
argv:   dd      path, a1, a2, 0
envp:   dd      e1, 0
`, { files: prog2() });
    expect(r.stdout).toBe('before exec pid=2\nprog2 pid=2\nprog2 argv: /prog2\nprog2 argv: x\nprog2 argv: y\nprog2 envp: A=b\n');
    expect(r.status).toBe(3 << 8); // argc
  });

  it('failures leave the caller running: ENOENT, ENOEXEC, EACCES, EFAULT, E2BIG', () => {
    const r = run(`
%macro try 3
        sys     11, %1, %2, %3
        call    print_i32
        call    print_nl
%endmacro
        try     missing, argv, 0
        try     junk, argv, 0
        try     dir, argv, 0
        try     0xc0000000, argv, 0
        try     missing, 0xc0000000, 0
        ; 40 arguments of 4095 bytes: more than 128 KiB
        mov     edi, 4095
.fill:  mov     byte [long + edi - 1], 'a'
        dec     edi
        jnz     .fill
        mov     ecx, 40
.ptrs:  mov     dword [many + ecx*4 - 4], long
        loop    .ptrs
        try     junk, many, 0
        puts    "still here", 10
        sys     1, 0
section .rodata
missing: db     "/nonexistent", 0
junk:   db      "/junk", 0
dir:    db      "/bin", 0
argv:   dd      missing, 0
section .bss
long:   resb    4096
many:   resd    41
`, { files: new Map([['/junk', new TextEncoder().encode('#!/bin/sh\necho hi\n')], ['/bin/tool', new Uint8Array(4)]]) });
    expect(r.stdout).toBe('-2\n-8\n-13\n-14\n-14\n-7\nstill here\n');
  });

  it("init reports a program it cannot execute: 'forkbox: cannot execute', status 127", () => {
    const r = runKernel(new TextEncoder().encode('not an ELF file'));
    expect(r.stderr).toBe('forkbox: cannot execute /test: Exec format error\n');
    expect(r.exitCode).toBe(127);
    expectNothingLeft(r);
  });
});
