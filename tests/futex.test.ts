// futex (src/guest/futex.ts) end to end: guest programs using lib/runtime.inc start
// threads (clone with pthread_create's flags), sleep in FUTEX_WAIT / FUTEX_WAIT_BITSET,
// and are woken, requeued, timed out — asserting errno values, wake counts, FIFO order,
// private vs shared keys across fork, guest-time timeouts, and that no waiter is left
// queued once the program has ended (futex_exit).

import { describe, expect, it } from 'vitest';
import { assembleProgram, runKernel, type KernelRun, type KernelRunOptions } from './helpers/kernel-machine.js';
import { mainProgram } from './helpers/threads-lib.js';
import { check_invariants } from '../src/guest/memory.js';
import { futex_queues } from '../src/guest/futex.js';
import { sys_call_table } from '../src/guest/syscalls.js';
import { NR } from '../src/guest/abi.js';

/**
 * Run a program whose `main` is `body` (NASM, with lib/syscalls.inc and lib/runtime.inc:
 * ccall, prints, printd, futex …) plus THREAD_LIB; require a clean end: exit, memory
 * invariants, no task and no futex waiter left.
 */
function run(body: string, opts: KernelRunOptions = {}): KernelRun {
  const r = runKernel(assembleProgram(mainProgram(body), 'futex-test.asm'), opts);
  const k = r.outcome.kernel;
  expect(r.outcome.end, `${r.outcome.message}\n${r.log.join('\n')}\n${r.stdout}`).toBe('exit');
  expect(check_invariants(k)).toEqual([]);
  expect([...k.tasks.keys()]).toEqual([0]);
  expect(futex_queues(k)).toEqual([]);
  return r;
}


describe('futex: errors and immediate results', () => {
  it('EAGAIN, EINVAL, EFAULT, ENOSYS, ETIMEDOUT for a zero timeout, 0 woken without waiters', () => {
    const r = run(`
        mov     dword [fw1], 5
%macro try 6
        ccall   futex, %1, %2, %3, %4, %5, %6
        printd  eax
        prints  " "
%endmacro
        try     fw1, FUTEX_WAIT, 4, 0, 0, 0                    ; value differs: -EAGAIN (11)
        try     fw1 + 1, FUTEX_WAIT, 5, 0, 0, 0                ; unaligned: -EINVAL
        try     0x1000, FUTEX_WAIT, 0, 0, 0, 0                  ; not mapped: -EFAULT
        try     0xc0000000, FUTEX_WAKE, 1, 0, 0, 0              ; kernel address: -EFAULT
        try     fw1, FUTEX_WAIT_BITSET, 5, 0, 0, 0             ; bitset 0: -EINVAL
        try     fw1, FUTEX_WAKE_BITSET, 1, 0, 0, 0             ; bitset 0: -EINVAL
        try     fw1, 6, 0, 0, 0, 0                             ; FUTEX_LOCK_PI: -ENOSYS
        try     fw1, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 5, 0, 0, 0  ; -ENOSYS
        try     fw1, FUTEX_WAKE, 1, 0, 0, 0                    ; nobody waits: 0
        try     fw1, FUTEX_WAKE_PRIVATE, 0x7fffffff, 0, 0, 0   ; 0
        try     fw1, FUTEX_WAIT, 5, zero_ts, 0, 0              ; zero timeout: -ETIMEDOUT
        try     fw1, FUTEX_WAIT, 5, bad_ts, 0, 0               ; tv_nsec >= 1e9: -EINVAL
        try     fw1, FUTEX_WAIT, 5, 0x1000, 0, 0               ; bad timespec pointer: -EFAULT
        try     fw1, FUTEX_CMP_REQUEUE, 1, 1, fw2, 4         ; *fw1 != 4: -EAGAIN
        try     fw1, FUTEX_CMP_REQUEUE, 1, -1, fw2, 5        ; negative count: -EINVAL
        try     fw1, FUTEX_WAKE_OP, 1, 1, fw2, 0x70000000    ; unknown op: -ENOSYS
        nl
        xor     eax, eax
        ret
section .data
fw1:   dd      0
fw2:  dd      0
zero_ts: dd     0, 0
bad_ts: dd      0, 1000000000
`);
    expect(r.stdout).toBe('-11 -22 -14 -14 -22 -22 -38 -38 0 0 -110 -22 -14 -11 -22 -38 \n');
  });
});

describe('futex: wait and wake between threads', () => {
  it('wakes in FIFO order, as many as asked; WAKE counts only the woken', () => {
    const r = run(`
        xor     esi, esi
.start: ccall   spawn, waiter, esi
        inc     esi
        cmp     esi, 3
        jb      .start
        ccall   yield_n, 4                      ; all three are asleep now
        prints  "asleep: "
        printd  dword [asleep]
        ccall   futex, fw1, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0
        prints  ", wake 1 -> "
        printd  eax
        ccall   yield_n, 2
        ccall   futex, fw1, FUTEX_WAKE_PRIVATE, 5, 0, 0, 0
        prints  ", wake 5 -> "
        printd  eax
        ccall   join_all
        prints  ", order:"
        xor     esi, esi
.print: prints  " "
        printd  dword [order + esi * 4]
        inc     esi
        cmp     esi, 3
        jb      .print
        nl
        xor     eax, eax
        ret
waiter:
        mov     ecx, [esp + 4]
        inc     dword [asleep]
        ccall   futex, fw1, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0
        mov     edx, [n_woken]
        mov     [order + edx * 4], ecx
        inc     dword [n_woken]
        xor     eax, eax
        ret
section .bss
fw1:   resd    1
asleep: resd    1
n_woken: resd   1
order:  resd    3
`);
    expect(r.stdout).toBe('asleep: 3, wake 1 -> 1, wake 5 -> 2, order: 0 1 2\n');
  });

  it('FUTEX_WAIT_BITSET / FUTEX_WAKE_BITSET wake only the waiters whose bits match', () => {
    const r = run(`
        ccall   spawn, waiter, 1
        ccall   spawn, waiter, 2
        ccall   spawn, waiter, 3
        ccall   yield_n, 4
        ccall   futex, fw1, FUTEX_WAKE_BITSET, 10, 0, 0, 2     ; bit 1: waiters 2 and 3
        prints  "bit 1 woke "
        printd  eax
        ccall   yield_n, 2
        prints  " ("
        printd  dword [woken]
        ccall   futex, fw1, FUTEX_WAKE, 10, 0, 0, 0            ; FUTEX_WAKE: any bits
        prints  "), then "
        printd  eax
        ccall   join_all
        prints  " ("
        printd  dword [woken]
        prints  ")", 10
        xor     eax, eax
        ret
waiter:
        mov     ecx, [esp + 4]                                  ; the bitset
        ccall   futex, fw1, FUTEX_WAIT_BITSET, 0, 0, 0, ecx
        add     [woken], ecx                                    ; which ones woke
        xor     eax, eax
        ret
section .bss
fw1:   resd    1
woken:  resd    1
`);
    expect(r.stdout).toBe('bit 1 woke 2 (5), then 1 (6)\n');
  });

  it('FUTEX_CMP_REQUEUE wakes some and moves the rest to another futex; FUTEX_REQUEUE without the check', () => {
    const r = run(`
        ccall   spawn, waiter, 0
        ccall   spawn, waiter, 0
        ccall   spawn, waiter, 0
        ccall   yield_n, 4
        ccall   futex, fw1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, fw2, 7   ; *fw1 is 0, not 7
        printd  eax
        prints  " "
        ccall   futex, fw1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, fw2, 0   ; wake 1, move 1
        printd  eax
        prints  " "
        ccall   futex, fw1, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 0, 5, fw2, 0  ; move the last
        printd  eax
        prints  " "
        ccall   futex, fw1, FUTEX_WAKE_PRIVATE, 5, 0, 0, 0              ; none left on fw1
        printd  eax
        prints  " "
        ccall   futex, fw2, FUTEX_WAKE_PRIVATE, 5, 0, 0, 0             ; the two moved
        printd  eax
        ccall   join_all
        nl
        xor     eax, eax
        ret
FUTEX_CMP_REQUEUE_PRIVATE equ FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG
waiter:
        ccall   futex, fw1, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0
        xor     eax, eax
        ret
section .bss
fw1:   resd    1
fw2:  resd    1
`);
    expect(r.stdout).toBe('-11 2 1 0 2\n');
  });

  it('FUTEX_WAKE_OP changes the second fw1 atomically and wakes its waiters if the old value compares', () => {
    const r = run(`
        ccall   spawn, waiter, fw1
        ccall   spawn, waiter, fw2
        ccall   yield_n, 4
        ; op SET oparg 1, cmp EQ cmparg 0: *fw2 = 1; wake fw1; wake fw2 if old == 0
        ccall   futex, fw1, FUTEX_WAKE_OP, 1, 1, fw2, (0 << 28) | (0 << 24) | (1 << 12) | 0
        printd  eax
        prints  " fw2="
        printd  dword [fw2]
        ; op ADD (oparg as a shift: 1 << 3), cmp GT 100: nobody waits anyway
        ccall   futex, fw1, FUTEX_WAKE_OP, 1, 1, fw2, (9 << 28) | (4 << 24) | (3 << 12) | 100
        prints  " then "
        printd  eax
        prints  " fw2="
        printd  dword [fw2]
        ccall   join_all
        nl
        xor     eax, eax
        ret
waiter:
        mov     ecx, [esp + 4]
        ccall   futex, ecx, FUTEX_WAIT, 0, 0, 0, 0
        xor     eax, eax
        ret
section .bss
fw1:   resd    1
fw2:  resd    1
`);
    expect(r.stdout).toBe('2 fw2=1 then 0 fw2=9\n');
  });
});

describe('futex: timeouts in guest time', () => {
  it('FUTEX_WAIT times out after its relative timeout; WAIT_BITSET at its absolute CLOCK_MONOTONIC time', () => {
    const r = run(`
        ccall   now_ms
        mov     esi, eax
        ccall   futex, fw1, FUTEX_WAIT, 0, ts_30ms, 0, 0
        printd  eax
        ccall   now_ms
        sub     eax, esi
        prints  " after "
        printd  eax
        ; absolute: now + 20 ms on CLOCK_MONOTONIC
        ccall   clock_gettime, CLOCK_MONOTONIC, abs_ts
        add     dword [abs_ts + 4], 20000000
        cmp     dword [abs_ts + 4], 1000000000
        jb      .ok
        sub     dword [abs_ts + 4], 1000000000
        inc     dword [abs_ts]
.ok:    ccall   now_ms
        mov     esi, eax
        ccall   futex, fw1, FUTEX_WAIT_BITSET, 0, abs_ts, 0, -1
        printd  eax
        ccall   now_ms
        sub     eax, esi
        prints  " after "
        printd  eax
        ; an absolute time already past: at once
        ccall   futex, fw1, FUTEX_WAIT_BITSET, 0, past_ts, 0, -1
        prints  " past "
        printd  eax
        nl
        xor     eax, eax
        ret
section .data
fw1:   dd      0
ts_30ms: dd     0, 30000000
past_ts: dd     0, 1
section .bss
abs_ts: resd    2
`);
    const m = /^-110 after (\d+)-110 after (\d+) past -110\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [a, b] = [Number(m![1]), Number(m![2])];
    expect(a).toBeGreaterThanOrEqual(30);
    expect(a).toBeLessThanOrEqual(45);
    expect(b).toBeGreaterThanOrEqual(20);
    expect(b).toBeLessThanOrEqual(35);
  });

  it('a waiter woken before its timeout returns 0, and its timer is gone', () => {
    const r = run(`
        ccall   spawn, waiter, 0
        ccall   yield_n, 3
        ccall   futex, fw1, FUTEX_WAKE, 1, 0, 0, 0
        printd  eax
        ccall   join_all
        prints  " "
        printd  dword [result]
        nl
        xor     eax, eax
        ret
waiter:
        ccall   futex, fw1, FUTEX_WAIT, 0, ts_1s, 0, 0
        mov     [result], eax
        xor     eax, eax
        ret
section .data
ts_1s:  dd      1, 0
section .bss
fw1:   resd    1
result: resd    1
`);
    expect(r.stdout).toBe('1 0\n');
    expect(r.outcome.kernel.timers.list()).toEqual([]);
  });
});

describe('futex keys: private by address space, shared by frame', () => {
  it('a MAP_SHARED fw1 is one futex for parent and child; FUTEX_PRIVATE_FLAG and MAP_PRIVATE words are not', () => {
    const r = run(`
        ccall   mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0
        mov     ebx, eax                        ; the shared fw1
        ccall   fork
        test    eax, eax
        jz      .child
        mov     edi, eax
        ccall   yield_n, 3                      ; the child sleeps on both words
        mov     dword [ebx], 1
        ccall   futex, ebx, FUTEX_WAKE, 1, 0, 0, 0
        prints  "shared: woke "
        printd  eax
        ccall   futex, private_word, FUTEX_WAKE, 1, 0, 0, 0
        prints  ", MAP_PRIVATE fw1: woke "
        printd  eax
        ccall   wait4, edi, 0, 0, 0
        ccall   futex, ebx, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0
        prints  ", private op on the shared fw1: woke "
        printd  eax
        ccall   wait4, edi, 0, 0, 0
        nl
        xor     eax, eax
        ret
.child:
        ; a MAP_PRIVATE fw1: the parent's wake finds another key (its own mm); timeout
        ccall   spawn, private_waiter, 0
        ccall   futex, ebx, FUTEX_WAIT, 0, 0, 0, 0
        mov     [ebx + 4], eax
        ccall   join_all
        ccall   fork                            ; a grandchild: a private wait on the shared fw1
        test    eax, eax
        jz      .grandchild
        ccall   _exit, 0
.grandchild:
        ccall   futex, ebx, FUTEX_WAIT_PRIVATE, 1, ts_50ms, 0, 0
        ccall   _exit, 0
private_waiter:
        ccall   futex, private_word, FUTEX_WAIT, 0, ts_50ms, 0, 0
        xor     eax, eax
        ret
section .data
ts_50ms: dd     0, 50000000
section .bss
private_word: resd 1
`);
    expect(r.stdout).toBe('shared: woke 1, MAP_PRIVATE fw1: woke 0, private op on the shared fw1: woke 0\n');
  });
});

describe('futex and thread exit', () => {
  it('exit_group while threads sleep in FUTEX_WAIT: every waiter leaves the queues', () => {
    const r = runKernel(assembleProgram(mainProgram(`
        ccall   spawn, waiter, 0
        ccall   spawn, waiter, 0
        ccall   yield_n, 3
        ccall   _exit, 3
waiter:
        ccall   futex, fw1, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0
        ccall   futex, fw1, FUTEX_WAIT, 0, ts_1s, 0, 0
        xor     eax, eax
        ret
section .data
ts_1s:  dd      1, 0
section .bss
fw1:   resd    1
`), 'futex-exit.asm'));
    expect(r.outcome.end).toBe('exit');
    expect(r.exitCode).toBe(3);
    expect(check_invariants(r.outcome.kernel)).toEqual([]);
    expect(futex_queues(r.outcome.kernel)).toEqual([]);
    expect(r.outcome.kernel.timers.list()).toEqual([]);
  });

  it('CLONE_CHILD_CLEARTID: the kernel zeroes the tid fw1 and wakes one FUTEX_WAIT-er on it', () => {
    const r = run(`
        ccall   spawn, worker, 0
        mov     eax, [tids]
        ccall   futex, tids, FUTEX_WAIT, eax, 0, 0, 0   ; sleeps until the thread exits
        prints  "join: "
        printd  eax
        prints  " tid fw1 "
        printd  dword [tids]
        prints  " worker ran "
        printd  dword [ran]
        nl
        xor     eax, eax
        ret
worker:
        ccall   yield_n, 3
        mov     dword [ran], 1
        xor     eax, eax
        ret
section .bss
ran:    resd    1
`);
    expect(r.stdout).toBe('join: 0 tid fw1 0 worker ran 1\n');
  });

  it('robust futexes: a thread dying with a lock on its robust list marks it FUTEX_OWNER_DIED', () => {
    const r = run(`
        ccall   spawn, owner, 0
        ccall   yield_n, 2                      ; the owner holds the lock and exits
        ccall   join_all
        prints  "lock fw1: "
        mov     eax, [lock]
        and     eax, 0x40000000
        printx  eax
        prints  " get_robust_list: "
        sub     esp, 8
        mov     ecx, esp
        lea     edx, [esp + 4]
        mov     eax, 312                        ; get_robust_list(0, &head, &len)
        xor     ebx, ebx
        int     0x80
        printd  eax
        prints  " len "
        printd  dword [esp + 4]
        add     esp, 8
        nl
        xor     eax, eax
        ret
owner:
        ; the robust list: head → the lock's entry → head (futex_offset 4)
        mov     dword [head], entry
        mov     dword [head + 4], 4
        mov     dword [entry], head
        mov     eax, 311                        ; set_robust_list(&head, 12)
        mov     ebx, head
        mov     ecx, 12
        int     0x80
        ccall   gettid
        mov     [lock], eax                     ; the lock fw1 holds the owner's tid
        xor     eax, eax
        ret                                     ; exits holding it
section .bss
head:   resd    3
entry:  resd    1
lock:   resd    1
`);
    expect(r.stdout).toBe('lock fw1: 0x40000000 get_robust_list: 0 len 12\n');
  });
});

describe('futex and signals', () => {
  it('a handled signal interrupts FUTEX_WAIT: EINTR, or a restarted wait with SA_RESTART; a timed wait: EINTR', () => {
    const r = run(`
        mov     eax, 174                                ; rt_sigaction(SIGUSR1, plain, 0, 8)
        mov     ebx, 10
        mov     ecx, act_plain
        xor     edx, edx
        mov     esi, 8
        int     0x80
        mov     eax, 174                                ; rt_sigaction(SIGUSR2, SA_RESTART, 0, 8)
        mov     ebx, 12
        mov     ecx, act_restart
        int     0x80
        ccall   spawn, waiter, w1                       ; untimed, SIGUSR1: EINTR
        ccall   spawn, waiter, w2                       ; untimed, SIGUSR2: restarted
        ccall   spawn, timed_waiter, w3                 ; timed, SIGUSR1: EINTR
        ccall   yield_n, 4
        ccall   tgkill_, dword [tids], 10
        ccall   tgkill_, dword [tids + 4], 12
        ccall   tgkill_, dword [tids + 8], 10
        ccall   yield_n, 4                              ; handlers ran; w2 sleeps again
        ccall   futex, w2, FUTEX_WAKE, 1, 0, 0, 0
        prints  "woke "
        printd  eax
        ccall   join_all
        prints  ": "
        printd  dword [w1 + 4]
        prints  " "
        printd  dword [w2 + 4]
        prints  " "
        printd  dword [w3 + 4]
        prints  ", handlers ran "
        printd  dword [handled]
        nl
        xor     eax, eax
        ret
waiter:
        mov     ecx, [esp + 4]
        ccall   futex, ecx, FUTEX_WAIT, 0, 0, 0, 0
        mov     [ecx + 4], eax
        ret
timed_waiter:
        mov     ecx, [esp + 4]
        ccall   futex, ecx, FUTEX_WAIT, 0, ts_1s, 0, 0
        mov     [ecx + 4], eax
        ret
handler:
        lock inc dword [handled]
        ret
tgkill_:                                                ; tgkill_(tid, sig)
        pushad
        ccall   getpid
        mov     ebx, eax
        mov     ecx, [esp + 36]
        mov     edx, [esp + 40]
        mov     eax, 270
        int     0x80
        popad
        ret
section .data
act_plain:   dd handler, 0, 0, 0, 0
act_restart: dd handler, 0x10000000, 0, 0, 0
ts_1s:  dd      1, 0
section .bss
w1:     resd    2
w2:     resd    2
w3:     resd    2
handled: resd   1
`);
    expect(r.stdout).toBe('woke 1: -4 0 -4, handlers ran 3\n');
  });

  it('a timed wait stopped and continued (no handler) restarts through restart_syscall until the same expiry', () => {
    const orig = sys_call_table[NR.restart_syscall]!;
    let restarts = 0;
    sys_call_table[NR.restart_syscall] = { ...orig, fn: (k, ...args) => (restarts++, orig.fn(k, ...args)) };
    let r: KernelRun;
    try {
      r = run(`
        ccall   fork
        test    eax, eax
        jz      .child
        mov     esi, eax
        ccall   sleep_ms, 20
        ccall   kill, esi, 19                           ; SIGSTOP
        ccall   sleep_ms, 30
        ccall   kill, esi, 18                           ; SIGCONT
        ccall   wait4, esi, 0, 0, 0
        xor     eax, eax
        ret
.child: ccall   now_ms
        mov     esi, eax
        ccall   futex, w, FUTEX_WAIT, 0, ts_100ms, 0, 0
        mov     ebx, eax
        ccall   now_ms
        sub     eax, esi
        prints  "result "
        printd  ebx
        prints  " after "
        printd  eax
        nl
        ccall   _exit, 0
section .data
ts_100ms: dd    0, 100000000
section .bss
w:      resd    1
`);
    } finally {
      sys_call_table[NR.restart_syscall] = orig;
    }
    expect(restarts).toBe(1);
    const m = /^result -110 after (\d+)\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(100);
    expect(Number(m![1])).toBeLessThanOrEqual(115);
  });

  it('a process killed while its threads sleep in FUTEX_WAIT leaves no waiter behind', () => {
    const r = run(`
        ccall   fork
        test    eax, eax
        jz      .child
        mov     esi, eax
        ccall   yield_n, 4
        ccall   kill, esi, 9
        ccall   wait4, esi, status, 0, 0
        prints  "killed by "
        mov     eax, [status]
        and     eax, 0x7f
        printd  eax
        nl
        xor     eax, eax
        ret
.child: ccall   spawn, waiter, 0
        ccall   spawn, waiter, 0
        ccall   futex, w, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0
        ccall   _exit, 1
waiter: ccall   futex, w, FUTEX_WAIT, 0, ts_1s, 0, 0
        ret
section .data
ts_1s:  dd      1, 0
section .bss
w:      resd    1
status: resd    1
`);
    expect(r.stdout).toBe('killed by 9\n');
  });
});
