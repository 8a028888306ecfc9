// Signals (issue 5): the syscalls (kill, tkill, tgkill, rt_sigaction / sigaction / signal,
// rt_sigprocmask / sigprocmask, rt_sigpending / sigpending, rt_sigsuspend / sigsuspend,
// pause, alarm, setitimer, sigaltstack, rt_sigtimedwait, sigreturn / rt_sigreturn),
// delivery on the way back to user mode (handlers, default actions, the core bit, stop
// and continue, syscall restarts), the frames checked against Linux's i386 layout, CPU
// exceptions as signals, SIGCHLD, CLONE_SIGHAND, fork and exec. Every program is NASM
// source run under the built-in init; after each run the kernel's invariants must hold
// and no task may be left.

import { describe, expect, it } from 'vitest';
import { assembleProgram, program, runKernel, type KernelRun, type KernelRunOptions } from './helpers/kernel-machine.js';
import { expectFields, fieldValues, outputFields as fields } from './helpers/fields.js';
import { check_invariants } from '../src/guest/memory.js';
import { NR, SIG } from '../src/guest/abi.js';
import { send_signal } from '../src/guest/signal.js';
import { TASK_STOPPED } from '../src/guest/task.js';

const CORE = 0x80;

/** Run a program body, require a clean end and nothing left behind. */
function run(body: string, opts: KernelRunOptions = {}): KernelRun {
  const r = runKernel(program(PRELUDE + body + LIB), opts);
  expect(r.outcome.end, `${r.outcome.message}\n${r.log.join('\n')}\n${r.stdout}`).toBe('exit');
  expect(check_invariants(r.outcome.kernel)).toEqual([]);
  expect([...r.outcome.kernel.tasks.keys()]).toEqual([0]);
  return r;
}

// Macros for the test programs: `show "key"` prints "key <eax>" (signed) and keeps eax;
// `showu` in decimal unsigned; with a second operand (`show "key", [mem]`) they load eax
// from it first. `eax_eq x` sets eax to 1 if eax == x, else 0. `sigact sig, act`
// installs the struct sigaction at act (rt_sigaction, no old). (fork_child and
// fork_parent come with the program's macros: helpers/kernel-machine.ts.)
const PRELUDE = `
%macro show 1-2
%if %0 > 1
        mov     eax, %2
%endif
        puts    %1, " "
        call    print_i32
        call    print_nl
%endmacro
%macro showu 1-2
%if %0 > 1
        mov     eax, %2
%endif
        puts    %1, " "
        call    print_u32
        call    print_nl
%endmacro
%macro eax_eq 1
        cmp     eax, %1
        sete    al
        movzx   eax, al
%endmacro
%macro sigact 2
        push    esi
        mov     esi, 8
        mov     edx, 0
        mov     ecx, %2
        mov     ebx, %1
        mov     eax, ${NR.rt_sigaction}
        int     0x80
        pop     esi
%endmacro
`;

/** Run options with a second program at /prog2: PRELUDE and `body` (for the tests'
 *  execve("/prog2", ...)). */
function withProg2(body: string): KernelRunOptions {
  return { files: new Map([['/prog2', assembleProgram(program(PRELUDE + body), 'prog2.asm')]]) };
}

/** Offsets in siginfo_t: si_code; in the union, si_pid, and si_status (SIGCHLD) or
 *  si_value (sigqueue) after si_uid. */
const SI_CODE = 8;
const SI_PID = 12;
const SI_STATUS = 20;
const SI_VALUE = 20;

/** An SA_SIGINFO `handler:` that stores siginfo fields in variables (name: offset). */
function siginfoHandler(store: Record<string, number>): string {
  const moves = Object.entries(store).map(([v, off]) => `
        mov     eax, [edx + ${off}]
        mov     [${v}], eax`);
  return `handler:
        mov     edx, [esp + 8]${moves.join('')}
        ret`;
}

/** Helpers appended to every program. */
const LIB = `
section .text
; getpid in eax
getpid_:
        mov     eax, ${NR.getpid}
        int     0x80
        ret
; raise(ebx = sig): kill(getpid(), sig); preserves all but eax
raise_:
        push    ebx
        push    ecx
        mov     ecx, ebx
        mov     eax, ${NR.getpid}
        int     0x80
        mov     ebx, eax
        mov     eax, ${NR.kill}
        int     0x80
        pop     ecx
        pop     ebx
        ret
; a handler that only counts (in [hits]) and records its signal (in [lastsig])
count_handler:
        inc     dword [hits]
        mov     eax, [esp + 4]
        mov     [lastsig], eax
        ret
section .bss
hits:    resd 1
lastsig: resd 1
`;

describe('sigaction, signal', () => {
  it('rt_sigaction sets and reads back the struct sigaction of i386; unknown flags are dropped; errors', () => {
    const r = run(`
        sigact  ${SIG.SIGUSR1}, act
        show    "set"
        sys     ${NR.rt_sigaction}, ${SIG.SIGUSR1}, 0, old, 8
        show    "get"
        mov     eax, [old]
        eax_eq  count_handler
        show    "handler_same"
        showu   "flags", [old + 4]
        showu   "restorer", [old + 8]
        showu   "mask_lo", [old + 12]
        showu   "mask_hi", [old + 16]
        sys     ${NR.rt_sigaction}, ${SIG.SIGKILL}, act, 0, 8
        show    "set_kill"
        sys     ${NR.rt_sigaction}, ${SIG.SIGSTOP}, act, 0, 8
        show    "set_stop"
        sys     ${NR.rt_sigaction}, ${SIG.SIGKILL}, 0, old, 8
        show    "get_kill"
        sys     ${NR.rt_sigaction}, 0, act, 0, 8
        show    "sig0"
        sys     ${NR.rt_sigaction}, 65, act, 0, 8
        show    "sig65"
        sys     ${NR.rt_sigaction}, ${SIG.SIGUSR1}, act, 0, 4
        show    "size4"
        sys     ${NR.rt_sigaction}, ${SIG.SIGUSR1}, 0xc0000000, 0, 8
        show    "efault_act"
        sys     ${NR.rt_sigaction}, ${SIG.SIGUSR1}, 0, 0xc0000000, 8
        show    "efault_oact"
        sys     ${NR.exit}, 0
section .data
; handler, flags (SA_RESTART | SA_SIGINFO | SA_UNSUPPORTED 0x400 | bit 0x20), restorer, mask
; (SIGUSR2, SIGKILL, SIGSTOP, and signal 40)
act:    dd count_handler, 0x10000424, 0x1234, (1 << 11) | (1 << 8) | (1 << 18), 1 << 7
section .bss
old:    resd 5
`);
    expectFields(r, {
      set: 0, get: 0, handler_same: 1, flags: 0x10000004, // SA_RESTART | SA_SIGINFO kept; 0x400, 0x20 dropped
      restorer: 0x1234, mask_lo: 1 << 11, // SIGKILL and SIGSTOP removed from sa_mask
      mask_hi: 1 << 7, set_kill: -22, set_stop: -22, get_kill: 0, // reading SIGKILL's action is allowed
      sig0: -22, sig65: -22, size4: -22, efault_act: -14, efault_oact: -14,
    });
  });

  it('old sigaction uses struct old_sigaction {handler, mask, flags, restorer}; rt_sigaction sees the same action', () => {
    const r = run(`
        sys     ${NR.sigaction}, ${SIG.SIGUSR2}, oact_in, 0
        show    "set"
        sys     ${NR.rt_sigaction}, ${SIG.SIGUSR2}, 0, rt, 8
        showu   "rt_flags", [rt + 4]
        showu   "rt_restorer", [rt + 8]
        showu   "rt_mask", [rt + 12]
        sys     ${NR.sigaction}, ${SIG.SIGUSR2}, 0, old
        showu   "old_mask", [old + 4]
        showu   "old_flags", [old + 8]
        showu   "old_restorer", [old + 12]
        sys     ${NR.exit}, 0
section .data
oact_in: dd count_handler, 1 << 9, 0x10000000, 0x5678
section .bss
rt:     resd 5
old:    resd 4
`);
    expectFields(r, {
      set: 0, rt_flags: 0x10000000, rt_restorer: 0x5678, rt_mask: 1 << 9, old_mask: 1 << 9, old_flags: 0x10000000,
      old_restorer: 0x5678,
    });
  });

  it('signal() returns the old handler and is one-shot (SA_RESETHAND): the second SIGUSR1 kills', () => {
    const r = run(`
        sys     ${NR.signal}, ${SIG.SIGUSR1}, count_handler
        show    "first"
        sys     ${NR.signal}, ${SIG.SIGUSR1}, count_handler
        eax_eq  count_handler
        show    "old_is_handler"
        mov     ebx, ${SIG.SIGUSR1}
        call    raise_
        show    "hits", [hits]
        sys     ${NR.rt_sigaction}, ${SIG.SIGUSR1}, 0, old, 8
        show    "handler_now", [old]
        mov     ebx, ${SIG.SIGUSR1}
        call    raise_
        puts    "survived", 10
        sys     ${NR.exit}, 0
section .bss
old:    resd 5
`);
    expectFields(r, {
      first: 0, // SIG_DFL
      old_is_handler: 1, hits: 1, handler_now: 0,
    });
    expect(r.stdout).not.toContain('survived');
    expect(r.status).toBe(SIG.SIGUSR1);
    expect(r.exitCode).toBe(128 + SIG.SIGUSR1);
  });

  it('setting SIG_IGN discards a pending signal, even a blocked one (POSIX)', () => {
    const r = run(`
        sys     ${NR.rt_sigprocmask}, 0, usr1, 0, 8     ; block SIGUSR1
        mov     ebx, ${SIG.SIGUSR1}
        call    raise_
        sys     ${NR.rt_sigpending}, pend, 8
        showu   "pending", [pend]
        sys     ${NR.signal}, ${SIG.SIGUSR1}, 1          ; SIG_IGN
        sys     ${NR.rt_sigpending}, pend, 8
        showu   "after_ign", [pend]
        sys     ${NR.signal}, ${SIG.SIGUSR1}, 0
        sys     ${NR.rt_sigprocmask}, 1, usr1, 0, 8     ; unblock: nothing left to kill us
        puts    "alive", 10
        sys     ${NR.exit}, 0
section .data
usr1:   dd 1 << 9, 0
section .bss
pend:   resd 2
`);
    expectFields(r, { pending: 1 << 9, after_ign: 0 });
    expect(r.stdout).toContain('alive');
  });
});

describe('the blocked mask and pending signals', () => {
  it('rt_sigprocmask: SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK; SIGKILL and SIGSTOP cannot be blocked; errors', () => {
    const r = run(`
        sys     ${NR.rt_sigprocmask}, 2, allsig, 0, 8   ; SETMASK everything
        show    "setmask"
        sys     ${NR.rt_sigprocmask}, 0, 0, old, 8
        showu   "lo", [old]
        showu   "hi", [old + 4]
        sys     ${NR.rt_sigprocmask}, 1, two, 0, 8      ; UNBLOCK SIGHUP, signal 64
        sys     ${NR.rt_sigprocmask}, 0, 0, old, 8
        showu   "lo2", [old]
        showu   "hi2", [old + 4]
        sys     ${NR.rt_sigprocmask}, 2, none, 0, 8
        sys     ${NR.rt_sigprocmask}, 0, two, old, 8    ; BLOCK, old mask returned
        showu   "old_was", [old]
        sys     ${NR.rt_sigprocmask}, 0, 0, old, 8
        showu   "lo3", [old]
        sys     ${NR.rt_sigprocmask}, 3, two, 0, 8
        show    "bad_how"
        sys     ${NR.rt_sigprocmask}, 0, two, 0, 4
        show    "bad_size"
        sys     ${NR.rt_sigprocmask}, 0, 0xc0000000, 0, 8
        show    "efault"
        ; old sigprocmask: 32-bit sets; SIG_SETMASK keeps signals 33-64
        sys     ${NR.rt_sigprocmask}, 2, allsig, 0, 8
        sys     ${NR.sigprocmask}, 2, small, old32
        showu   "old32", [old32]
        sys     ${NR.rt_sigprocmask}, 0, 0, old, 8
        showu   "lo4", [old]
        showu   "hi4", [old + 4]
        sys     ${NR.sgetmask}
        showu   "sgetmask"
        sys     ${NR.ssetmask}, 0xffffffff
        showu   "ssetmask_old"
        sys     ${NR.sgetmask}
        showu   "sgetmask2"
        sys     ${NR.exit}, 0
section .data
allsig: dd 0xffffffff, 0xffffffff
two:    dd 1, 0x80000000
none:   dd 0, 0
small:  dd 0x30
section .bss
old:    resd 2
old32:  resd 1
`);
    const noKillStop = (0xffffffff & ~((1 << 8) | (1 << 18))) >>> 0;
    expectFields(r, {
      setmask: 0, lo: noKillStop, hi: 0xffffffff, lo2: (noKillStop & ~1) >>> 0, hi2: 0x7fffffff, old_was: 0, lo3: 1,
      bad_how: -22, bad_size: -22, efault: -14, old32: noKillStop, lo4: 0x30, hi4: 0xffffffff, sgetmask: 0x30,
      ssetmask_old: 0x30, sgetmask2: noKillStop,
    });
  });

  it('sigpending / rt_sigpending show blocked pending signals, the thread\'s and the process\'s', () => {
    const r = run(`
        sys     ${NR.rt_sigprocmask}, 0, blk, 0, 8
        mov     ebx, ${SIG.SIGUSR2}
        call    raise_                          ; to the process (shared pending)
        sys     ${NR.gettid}
        sys     ${NR.tkill}, eax, ${SIG.SIGHUP} ; to the thread
        sys     ${NR.gettid}
        sys     ${NR.tkill}, eax, 40
        sys     ${NR.rt_sigpending}, pend, 8
        show    "ret"
        showu   "lo", [pend]
        showu   "hi", [pend + 4]
        sys     ${NR.sigpending}, pend32
        showu   "old", [pend32]
        sys     ${NR.rt_sigpending}, pend, 9
        show    "size9"
        sys     ${NR.rt_sigpending}, 0xc0000000, 8
        show    "efault"
        sys     ${NR.signal}, ${SIG.SIGHUP}, 1
        sys     ${NR.signal}, ${SIG.SIGUSR2}, 1
        sys     ${NR.signal}, 40, 1
        sys     ${NR.exit}, 0
section .data
blk:    dd (1 << 11) | 1, 1 << 7
section .bss
pend:   resd 2
pend32: resd 1
`);
    expectFields(r, { ret: 0, lo: (1 << 11) | 1, hi: 1 << 7, old: (1 << 11) | 1, size9: -22, efault: -14 });
  });

  it('a classic signal does not queue twice; real-time signals queue every instance (in order)', () => {
    const r = run(`
        sigact  ${SIG.SIGUSR1}, act_usr1
        sigact  40, act_rt
        sys     ${NR.rt_sigprocmask}, 0, blk, 0, 8
        mov     ebx, ${SIG.SIGUSR1}
        call    raise_
        call    raise_
        call    raise_
        mov     ebx, 40
        call    raise_
        call    raise_
        sys     ${NR.rt_sigprocmask}, 1, blk, 0, 8      ; unblock: deliver
        show    "usr1", [hits]
        show    "rt", [rt_hits]
        sys     ${NR.exit}, 0
rt_handler:
        inc     dword [rt_hits]
        ret
section .data
act_usr1: dd count_handler, 0, 0, 0, 0
act_rt:   dd rt_handler, 0, 0, 0, 0
blk:      dd 1 << 9, 1 << 7
section .bss
rt_hits:  resd 1
`);
    expectFields(r, { usr1: 1, rt: 2 });
  });

  it('the mask is inherited across fork, pending signals are not; both survive execve', () => {
    const prog2 = withProg2(`
        sys     ${NR.rt_sigprocmask}, 0, 0, m, 8
        showu   "exec_mask", [m]
        sys     ${NR.rt_sigpending}, p, 8
        showu   "exec_pending", [p]
        sys     ${NR.rt_sigaction}, ${SIG.SIGUSR2}, 0, a, 8
        showu   "exec_usr2", [a]
        sys     ${NR.rt_sigaction}, ${SIG.SIGHUP}, 0, a, 8
        showu   "exec_hup", [a]
        showu   "exec_hup_flags", [a + 4]
        sys     ${NR.signal}, ${SIG.SIGHUP}, 1
        sys     ${NR.rt_sigprocmask}, 1, all, 0, 8
        sys     ${NR.exit}, 0
section .data
all:    dd -1, -1
section .bss
m:      resd 2
p:      resd 2
a:      resd 5
${LIB}`);
    const r = run(`
        sigact  ${SIG.SIGUSR2}, ign
        sigact  ${SIG.SIGHUP}, act
        sys     ${NR.rt_sigprocmask}, 0, blk, 0, 8
        mov     ebx, ${SIG.SIGHUP}
        call    raise_
        fork_parent .parent
        sys     ${NR.rt_sigprocmask}, 0, 0, m, 8
        showu   "child_mask", [m]
        sys     ${NR.rt_sigpending}, p, 8
        showu   "child_pending", [p]
        sys     ${NR.rt_sigaction}, ${SIG.SIGHUP}, 0, a, 8
        mov     eax, [a]
        eax_eq  count_handler
        showu   "child_handler_copied"
        sys     ${NR.execve}, path, argv, 0
        show    "execve_failed"
        sys     ${NR.exit}, 1
.parent:
        sys     ${NR.wait4}, -1, 0, 0, 0
        sys     ${NR.signal}, ${SIG.SIGHUP}, 1
        sys     ${NR.exit}, 0
section .data
ign:    dd 1, 0, 0, 0, 0
act:    dd count_handler, 0x10000000, 0, 0, 0
blk:    dd 1 | (1 << 12), 0
path:   db "/prog2", 0
argv:   dd path, 0
section .bss
m:      resd 2
p:      resd 2
a:      resd 5
`, prog2);
    expectFields(r, {
      child_mask: 1 | (1 << 12), child_pending: 0, child_handler_copied: 1,
      // execve (in the child): the mask stays, a pending signal stays (the child raised
      // none; see below), SIG_IGN stays, a caught signal goes back to SIG_DFL, flags cleared.
      exec_mask: 1 | (1 << 12), exec_usr2: 1, exec_hup: 0, exec_hup_flags: 0,
    });
  });

  it('a pending blocked signal survives execve', () => {
    const prog2 = withProg2(`
        sys     ${NR.rt_sigpending}, p, 8
        showu   "exec_pending", [p]
        sys     ${NR.exit}, 0
section .bss
p:      resd 2
`);
    const r = run(`
        sys     ${NR.rt_sigprocmask}, 0, blk, 0, 8
        mov     ebx, ${SIG.SIGUSR1}
        call    raise_
        sys     ${NR.execve}, path, argv, 0
        sys     ${NR.exit}, 1
section .data
blk:    dd 1 << 9, 0
path:   db "/prog2", 0
argv:   dd path, 0
`, prog2);
    expect(fields(r).get('exec_pending')).toBe(String(1 << 9));
  });
});

describe('waiting for signals', () => {
  it('rt_sigsuspend: the handler runs with the temporary mask, the call returns -EINTR, the old mask is back', () => {
    const r = run(`
        sigact  ${SIG.SIGALRM}, act
        sys     ${NR.rt_sigprocmask}, 0, alrm, 0, 8     ; SIGALRM blocked
        sys     ${NR.alarm}, 1
        sys     ${NR.rt_sigsuspend}, tmpmask, 8         ; only SIGUSR2 blocked in here
        show    "ret"
        show    "hits", [hits]
        showu   "mask_in_handler", [in_mask]
        sys     ${NR.rt_sigprocmask}, 0, 0, m, 8
        showu   "mask_after", [m]
        sys     ${NR.rt_sigsuspend}, tmpmask, 4
        show    "bad_size"
        sys     ${NR.rt_sigsuspend}, 0xc0000000, 8
        show    "efault"
        sys     ${NR.exit}, 0
handler:
        inc     dword [hits]
        sys     ${NR.rt_sigprocmask}, 0, 0, in_mask, 8
        ret
section .data
act:     dd handler, 0, 0, 0, 0
alrm:    dd 1 << 13, 0
tmpmask: dd 1 << 11, 0
section .bss
in_mask: resd 2
m:       resd 2
`);
    expectFields(r, {
      ret: -4, hits: 1,
      // The handler runs with the sigsuspend mask plus the signal itself.
      mask_in_handler: (1 << 11) | (1 << 13), mask_after: 1 << 13, bad_size: -22, efault: -14,
    });
    // The alarm came after 1 s of guest time: HZ=100 → about 100 ticks.
    expect(r.outcome.kernel.jiffies).toBeGreaterThanOrEqual(100);
    expect(r.outcome.kernel.jiffies).toBeLessThan(110);
  });

  it('old sigsuspend takes the mask in its third argument', () => {
    const r = run(`
        sigact  ${SIG.SIGALRM}, act
        sys     ${NR.rt_sigprocmask}, 0, alrm, 0, 8
        sys     ${NR.alarm}, 1
        sys     ${NR.sigsuspend}, 0, 0, 1 << 11
        show    "ret"
        show    "hits", [hits]
        sys     ${NR.exit}, 0
section .data
act:     dd count_handler, 0, 0, 0, 0
alrm:    dd 1 << 13, 0
`);
    expectFields(r, { ret: -4, hits: 1 });
  });

  it('pause returns -EINTR after a handler ran; an ignored signal does not end it', () => {
    const r = run(`
        sigact  ${SIG.SIGALRM}, act
        sys     ${NR.signal}, ${SIG.SIGUSR2}, 1      ; ignored
        fork_child .child
        sys     ${NR.pause}
        show    "pause"
        show    "sig", [lastsig]
        sys     ${NR.wait4}, -1, 0, 0, 0
        sys     ${NR.exit}, 0
.child: ; SIGUSR2 (ignored) at once, SIGALRM... from alarm in the parent? no: kill after 50 ms
        sys     ${NR.getppid}
        mov     esi, eax
        sys     ${NR.kill}, esi, ${SIG.SIGUSR2}
        sys     ${NR.nanosleep}, ts, 0
        sys     ${NR.kill}, esi, ${SIG.SIGALRM}
        sys     ${NR.exit}, 0
section .data
act:    dd count_handler, 0, 0, 0, 0
ts:     dd 0, 50000000
`);
    expectFields(r, { pause: -4, sig: SIG.SIGALRM });
  });

  it('alarm: returns the seconds left (rounded, at least 1), alarm(0) cancels, SIGALRM kills by default', () => {
    const r = run(`
        sys     ${NR.alarm}, 10
        show    "first"
        sys     ${NR.nanosleep}, ts, 0          ; 2.6 s
        sys     ${NR.alarm}, 5
        show    "left"                          ; 10 - 2.6 = 7.4 → 7
        sys     ${NR.alarm}, 0
        show    "cancel"                        ; 5 → 5
        sys     ${NR.alarm}, 0
        show    "none"
        sys     ${NR.alarm}, 1
        sys     ${NR.pause}
        puts    "not reached", 10
        sys     ${NR.exit}, 0
section .data
ts:     dd 2, 600000000
`);
    expectFields(r, { first: 0, left: 7, cancel: 5, none: 0 });
    expect(r.stdout).not.toContain('not reached');
    expect(r.status).toBe(SIG.SIGALRM);
  });

  it('alarm is the process\'s: a forked child has none; it survives execve', () => {
    const prog2 = withProg2(`
        sys     ${NR.alarm}, 0
        show    "exec_left"
        sys     ${NR.alarm}, 1
        sys     ${NR.pause}
        sys     ${NR.exit}, 0
`);
    const r = run(`
        sys     ${NR.alarm}, 30
        fork_parent .parent
        sys     ${NR.alarm}, 0
        show    "child_left"
        sys     ${NR.exit}, 0
.parent:
        sys     ${NR.wait4}, -1, 0, 0, 0
        sys     ${NR.execve}, path, argv, 0
        sys     ${NR.exit}, 1
section .data
path:   db "/prog2", 0
argv:   dd path, 0
`, prog2);
    expectFields(r, { child_left: 0, exec_left: 30 });
    expect(r.status).toBe(SIG.SIGALRM);
  });

  it('setitimer(ITIMER_REAL) with an interval fires periodically; getitimer reports it; other timers: -EINVAL', () => {
    const r = run(`
        sigact  ${SIG.SIGALRM}, act
        sys     ${NR.setitimer}, 0, itv, 0
        show    "set"
        sys     ${NR.getitimer}, 0, cur
        show    "interval_usec", [cur + 4]
.wait:  cmp     dword [hits], 3
        jae     .done
        sys     ${NR.pause}
        jmp     .wait
.done:  sys     ${NR.setitimer}, 0, zero, old
        show    "old_interval_usec", [old + 4]
        sys     ${NR.getitimer}, 0, cur
        mov     eax, [cur + 8]
        or      eax, [cur + 12]
        show    "disarmed"
        sys     ${NR.setitimer}, 1, itv, 0
        show    "virtual"
        sys     ${NR.exit}, 0
section .data
act:    dd count_handler, 0, 0, 0, 0
itv:    dd 0, 50000, 0, 50000
zero:   dd 0, 0, 0, 0
section .bss
cur:    resd 4
old:    resd 4
`);
    expectFields(r, { set: 0, interval_usec: 50000, old_interval_usec: 50000, disarmed: 0, virtual: -22 });
    // Three periods of 50 ms: 15 ticks, give or take one each.
    expect(r.outcome.kernel.jiffies).toBeGreaterThanOrEqual(15);
    expect(r.outcome.kernel.jiffies).toBeLessThan(20);
  });

  it('rt_sigtimedwait takes a pending signal without its handler, waits for one, or times out', () => {
    const r = run(`
        sigact  ${SIG.SIGUSR1}, act
        sys     ${NR.rt_sigprocmask}, 0, set, 0, 8
        mov     ebx, ${SIG.SIGUSR1}
        call    raise_
        sys     ${NR.rt_sigtimedwait}, set, info, 0, 8
        show    "got"
        show    "code", [info + 8]
        show    "hits", [hits]
        sys     ${NR.rt_sigtimedwait}, set, info, zero, 8
        show    "poll"
        sys     ${NR.rt_sigtimedwait}, set, info, tenth, 8
        show    "timeout"
        fork_parent .parent
        sys     ${NR.getppid}
        sys     ${NR.kill}, eax, ${SIG.SIGUSR1}
        sys     ${NR.exit}, 0
.parent:
        sys     ${NR.rt_sigtimedwait}, set, info, 0, 8
        show    "waited"
        sys     ${NR.wait4}, -1, 0, 0, 0
        sys     ${NR.rt_sigtimedwait}, set, info, bad, 8
        show    "einval"
        sys     ${NR.rt_sigtimedwait}, set, info, 0, 4
        show    "size"
        sys     ${NR.exit}, 0
section .data
act:    dd count_handler, 0, 0, 0, 0
set:    dd 1 << 9, 0
zero:   dd 0, 0
tenth:  dd 0, 100000000
bad:    dd 0, 1000000000
section .bss
info:   resd 32
`);
    expectFields(r, {
      got: SIG.SIGUSR1, code: 0, // SI_USER
      hits: 0, poll: -11, timeout: -11, waited: SIG.SIGUSR1, einval: -22, size: -22,
    });
  });
});

describe('sigaltstack', () => {
  it('sets and reports the alternate stack; SA_ONSTACK handlers run on it; EPERM on it, ENOMEM when too small', () => {
    const r = run(`
        sys     ${NR.sigaltstack}, 0, old
        show    "initial"
        show    "initial_flags", [old + 4]
        sys     ${NR.sigaltstack}, sst, 0
        show    "set"
        sys     ${NR.sigaltstack}, 0, old
        mov     eax, [old]
        eax_eq  altstack
        show    "sp_same"
        show    "flags", [old + 4]
        show    "size", [old + 8]
        sigact  ${SIG.SIGUSR1}, act
        mov     ebx, ${SIG.SIGUSR1}
        call    raise_
        show    "handler_on_altstack", [on_alt]
        show    "flags_inside", [inside_flags]
        show    "set_inside", [inside_set]
        sys     ${NR.sigaltstack}, small, 0
        show    "small"
        sys     ${NR.sigaltstack}, badflags, 0
        show    "badflags"
        sys     ${NR.sigaltstack}, disable, 0
        show    "disable"
        sys     ${NR.sigaltstack}, 0, old
        show    "disabled_flags", [old + 4]
        sys     ${NR.exit}, 0
handler:
        lea     eax, [esp]
        cmp     eax, altstack
        jb      .no
        cmp     eax, altstack + 8192
        jae     .no
        mov     dword [on_alt], 1
.no:    sys     ${NR.sigaltstack}, 0, inside
        mov     eax, [inside + 4]
        mov     [inside_flags], eax
        sys     ${NR.sigaltstack}, sst, 0
        mov     [inside_set], eax
        ret
section .data
sst:      dd altstack, 0, 8192
small:    dd altstack, 0, 1000
badflags: dd altstack, 4, 8192
disable:  dd 0, 2, 0
act:      dd handler, 0x08000000, 0, 0, 0      ; SA_ONSTACK
section .bss
altstack: resb 8192
old:      resd 3
inside:   resd 3
on_alt:   resd 1
inside_flags: resd 1
inside_set:   resd 1
`);
    expectFields(r, {
      initial: 0, initial_flags: 2, // SS_DISABLE
      set: 0, sp_same: 1, flags: 0, size: 8192, handler_on_altstack: 1, flags_inside: 1, // SS_ONSTACK
      set_inside: -1, // EPERM
      small: -12, // ENOMEM
      badflags: -22, disable: 0, disabled_flags: 2,
    });
  });
});

const THREAD_FLAGS = 0x00000100 | 0x00000200 | 0x00000400 | 0x00000800 | 0x00010000; // VM FS FILES SIGHAND THREAD

describe('kill, tkill, tgkill', () => {
  it('kill: existence probe (signal 0), ESRCH, EINVAL; init cannot be killed; a zombie can be signalled', () => {
    const r = run(`
        call    getpid_
        mov     esi, eax
        sys     ${NR.kill}, esi, 0
        show    "probe"
        sys     ${NR.kill}, 99999, 0
        show    "nosuch"
        sys     ${NR.kill}, esi, 65
        show    "sig65"
        sys     ${NR.kill}, esi, -1
        show    "signeg"
        sys     ${NR.kill}, -99999, ${SIG.SIGUSR1}
        show    "nopgrp"
        sys     ${NR.kill}, 0x80000000, ${SIG.SIGUSR1}
        show    "intmin"
        sys     ${NR.kill}, 1, ${SIG.SIGKILL}
        show    "init"
        sys     ${NR.kill}, 1, ${SIG.SIGSTOP}
        show    "init_stop"
        fork_child .child
        mov     edi, eax
        sys     ${NR.nanosleep}, ts, 0          ; the child is a zombie now
        sys     ${NR.kill}, edi, ${SIG.SIGKILL}
        show    "zombie"
        sys     ${NR.wait4}, edi, status, 0, 0
        show    "status", [status]
        sys     ${NR.exit}, 0
.child: sys     ${NR.exit}, 7
section .data
ts:     dd 0, 20000000
section .bss
status: resd 1
`);
    expectFields(r, {
      probe: 0, nosuch: -3, sig65: -22, signeg: -22, nopgrp: -3, intmin: -3, init: 0, init_stop: 0, zombie: 0,
      status: 7 << 8,
    });
    expect(r.status).toBe(0); // init survived and reported the program's exit
  });

  it('kill(0, sig) signals the process group, kill(-1, sig) every process but init and the caller', () => {
    const r = run(`
        sigact  ${SIG.SIGUSR1}, act
        fork_child .child
        mov     edi, eax
        sys     ${NR.nanosleep}, ts, 0          ; the child waits in pause
        sys     ${NR.kill}, 0, ${SIG.SIGUSR1}   ; the group: the child and ourselves (and init, immune)
        show    "kill0"
        show    "parent_hits", [hits]
        sys     ${NR.nanosleep}, ts, 0
        sys     ${NR.kill}, -1, ${SIG.SIGUSR1}  ; everybody else: the child only
        show    "killall"
        show    "parent_hits2", [hits]
        sys     ${NR.wait4}, edi, status, 0, 0
        movzx   eax, byte [status + 1]
        show    "child_hits"
        sys     ${NR.kill}, -1, ${SIG.SIGUSR1}
        show    "killall_alone"
        sys     ${NR.exit}, 0
.child:
.again: sys     ${NR.pause}
        cmp     dword [hits], 2
        jb      .again
        sys     ${NR.exit}, [hits]
section .data
act:    dd count_handler, 0, 0, 0, 0
ts:     dd 0, 20000000
section .bss
status: resd 1
`);
    expectFields(r, {
      kill0: 0, parent_hits: 1, killall: 0, parent_hits2: 1, child_hits: 2,
      killall_alone: -3, // only init and ourselves are left
    });
  });

  it('tkill/tgkill signal one thread; a process signal goes to a thread that does not block it', () => {
    const r = run(`
        sigact  ${SIG.SIGUSR1}, act
        sigact  ${SIG.SIGUSR2}, act
        sys     ${NR.rt_sigprocmask}, 0, usr1, 0, 8     ; the main thread blocks SIGUSR1
        sys     ${NR.gettid}
        mov     [main_tid], eax
        sys     ${NR.clone}, ${THREAD_FLAGS}, stack_top, 0, 0
        test    eax, eax
        jz      thread
        mov     [thread_tid], eax
.wait:  cmp     dword [ready], 1
        je      .go
        sys     ${NR.sched_yield}
        jmp     .wait
.go:    call    getpid_
        sys     ${NR.kill}, eax, ${SIG.SIGUSR1}         ; to the process
        show    "kill"
.wait2: cmp     dword [done], 1
        je      .go2
        sys     ${NR.sched_yield}
        jmp     .wait2
.go2:   mov     eax, [handled_tid]
        eax_eq  [thread_tid]
        show    "process_signal_in_thread"
        call    getpid_
        sys     ${NR.tgkill}, eax, [main_tid], ${SIG.SIGUSR2}
        show    "tgkill"
        mov     eax, [handled_tid]
        eax_eq  [main_tid]
        show    "tgkill_in_main"
        sys     ${NR.tgkill}, 99999, [main_tid], ${SIG.SIGUSR2}
        show    "tgkill_wrong_tgid"
        call    getpid_
        sys     ${NR.tgkill}, eax, [main_tid], 0
        show    "tgkill_probe"
        sys     ${NR.tkill}, 0, ${SIG.SIGUSR2}
        show    "tkill_zero"
        sys     ${NR.tgkill}, 0, [main_tid], ${SIG.SIGUSR2}
        show    "tgkill_zero"
        sys     ${NR.exit_group}, 0
thread:
        sys     ${NR.gettid}
        mov     [thread_tid], eax
        sys     ${NR.rt_sigprocmask}, 1, usr1, 0, 8     ; the thread does not
        mov     dword [ready], 1
        sys     ${NR.pause}
        mov     dword [done], 1
        sys     ${NR.exit}, 0
handler:
        sys     ${NR.gettid}
        mov     [handled_tid], eax
        ret
section .data
act:    dd handler, 0, 0, 0, 0
usr1:   dd 1 << 9, 0
section .bss
main_tid:    resd 1
thread_tid:  resd 1
handled_tid: resd 1
ready:       resd 1
done:        resd 1
stack:       resb 4096
stack_top:
`);
    expectFields(r, {
      kill: 0, process_signal_in_thread: 1, tgkill: 0, tgkill_in_main: 1, tgkill_wrong_tgid: -3, tgkill_probe: 0,
      tkill_zero: -22, tgkill_zero: -22,
    });
  });

  it('a fatal signal kills every thread of the process', () => {
    const r = run(`
        fork_parent .parent
        sys     ${NR.clone}, ${THREAD_FLAGS}, stack_top, 0, 0
        test    eax, eax
        jz      .thread
.spin:  sys     ${NR.pause}                     ; the main thread sleeps
        jmp     .spin
.thread:
        jmp     .thread                         ; the other one computes
.parent:
        mov     edi, eax
        sys     ${NR.nanosleep}, ts, 0
        sys     ${NR.kill}, edi, ${SIG.SIGTERM}
        sys     ${NR.wait4}, edi, status, 0, 0
        show    "status", [status]
        sys     ${NR.exit}, 0
section .data
ts:     dd 0, 30000000
section .bss
status: resd 1
stack:  resb 4096
stack_top:
`);
    expect(fields(r).get('status')).toBe(String(SIG.SIGTERM));
  });
});

describe('CLONE_SIGHAND', () => {
  it('shares the handler table; fork copies it', () => {
    const r = run(`
        sys     ${NR.clone}, 0x00000100 | 0x00000800 | ${SIG.SIGCHLD}, stack_top, 0, 0
        test    eax, eax
        jz      .shared_child
        sys     ${NR.wait4}, -1, 0, 0, 0
        sys     ${NR.rt_sigaction}, ${SIG.SIGUSR1}, 0, old, 8
        mov     eax, [old]
        eax_eq  count_handler
        show    "shared"
        fork_child .forked_child
        sys     ${NR.wait4}, -1, 0, 0, 0
        sys     ${NR.rt_sigaction}, ${SIG.SIGUSR2}, 0, old, 8
        show    "copied", [old]
        sys     ${NR.exit}, 0
.shared_child:
        sigact  ${SIG.SIGUSR1}, act
        sys     ${NR.exit}, 0
.forked_child:
        sigact  ${SIG.SIGUSR2}, act
        sys     ${NR.exit}, 0
section .data
act:    dd count_handler, 0, 0, 0, 0
section .bss
old:    resd 5
stack:  resb 4096
stack_top:
`);
    expectFields(r, { shared: 1, copied: 0 });
  });

  it('execve in a process that shares its handlers unshares them first', () => {
    const prog2 = withProg2(`
        sys     ${NR.exit}, 0
`);
    const r = run(`
        sigact  ${SIG.SIGUSR1}, act
        sys     ${NR.clone}, 0x00000100 | 0x00000800 | 0x00004000 | ${SIG.SIGCHLD}, stack_top, 0, 0   ; VM|SIGHAND|VFORK
        test    eax, eax
        jz      .child
        sys     ${NR.wait4}, -1, 0, 0, 0
        sys     ${NR.rt_sigaction}, ${SIG.SIGUSR1}, 0, old, 8
        mov     eax, [old]
        eax_eq  count_handler
        show    "parent_keeps_handler"
        sys     ${NR.exit}, 0
.child:
        sys     ${NR.execve}, path, argv, 0
        sys     ${NR.exit}, 1
section .data
act:    dd count_handler, 0, 0, 0, 0
path:   db "/prog2", 0
argv:   dd path, 0
section .bss
old:    resd 5
stack:  resb 4096
stack_top:
`, prog2);
    expect(fields(r).get('parent_keeps_handler')).toBe('1');
  });
});

/** A child that sends itself `sig` and exits 0 if it survives; the parent prints the
 *  wait status (WUNTRACED: a stopped child is killed afterwards). */
function defaultAction(sig: number): string {
  return `
        fork_parent .parent_${sig}
        mov     ebx, ${sig}
        call    raise_
        sys     ${NR.exit}, 0
.parent_${sig}:
        mov     edi, eax
        sys     ${NR.wait4}, edi, status, 2, 0          ; WUNTRACED
        showu   "status_${sig}", [status]
        and     eax, 0xff
        cmp     eax, 0x7f
        jne     .done_${sig}
        sys     ${NR.kill}, edi, ${SIG.SIGKILL}
        sys     ${NR.wait4}, edi, status, 0, 0
.done_${sig}:
`;
}

describe('default actions', () => {
  const sigs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 40, 64];
  const core = new Set([3, 4, 5, 6, 7, 8, 11, 24, 25, 31]);
  const ignore = new Set([17, 18, 23, 28]);
  const stop = new Set([19, 20, 21, 22]);

  it('terminate, core (status with 0x80), ignore, stop — for every signal', () => {
    const r = run(`${sigs.map(defaultAction).join('')}
        sys     ${NR.exit}, 0
section .bss
status: resd 1
`);
    const f = fields(r);
    for (const sig of sigs) {
      const expected = ignore.has(sig) ? 0 : stop.has(sig) ? (sig << 8) | 0x7f : core.has(sig) ? sig | CORE : sig;
      expect(f.get(`status_${sig}`), `signal ${sig}`).toBe(String(expected));
    }
  });

  it('the program itself killed by a core signal: init reports it; by SIGKILL: no core bit', () => {
    const a = runKernel(program(`${PRELUDE}
        mov     ebx, ${SIG.SIGABRT}
        call    raise_
${LIB}`));
    expect(a.status).toBe(SIG.SIGABRT | CORE);
    expect(a.exitCode).toBe(128 + SIG.SIGABRT);
    const b = runKernel(program(`${PRELUDE}
        mov     ebx, ${SIG.SIGKILL}
        call    raise_
${LIB}`));
    expect(b.status).toBe(SIG.SIGKILL);
  });
});

describe('stop and continue', () => {
  it('SIGCHLD tells the parent of a stop (CLD_STOPPED) and a continue (CLD_CONTINUED); SA_NOCLDSTOP silences them', () => {
    const r = run(`
        sigact  ${SIG.SIGCHLD}, act
        fork_child .child
        mov     edi, eax
        sys     ${NR.kill}, edi, ${SIG.SIGSTOP}
        sys     ${NR.wait4}, edi, status, 2, 0
        call    report
        sys     ${NR.kill}, edi, ${SIG.SIGCONT}
        sys     ${NR.wait4}, edi, status, 8, 0          ; WCONTINUED
        showu   "continued_status", [status]
        sys     ${NR.nanosleep}, ts, 0                  ; the child runs and reports
        call    report
        sigact  ${SIG.SIGCHLD}, act_nostop
        mov     dword [code], 0
        sys     ${NR.kill}, edi, ${SIG.SIGTSTP}
        sys     ${NR.wait4}, edi, status, 2, 0
        showu   "tstp_status", [status]
        show    "nocldstop_code", [code]
        sys     ${NR.kill}, edi, ${SIG.SIGKILL}
        sys     ${NR.wait4}, edi, status, 0, 0
        showu   "killed_while_stopped", [status]
        show    "exit_code", [code]
        sys     ${NR.exit}, 0
.child: sys     ${NR.pause}
        jmp     .child
report:
        show    "si_code", [code]
        show    "si_status", [st]
        mov     eax, [spid]
        eax_eq  edi
        show    "si_pid_ok"
        ret
${siginfoHandler({ code: SI_CODE, spid: SI_PID, st: SI_STATUS })}
section .data
act:        dd handler, 4, 0, 0, 0                  ; SA_SIGINFO
act_nostop: dd handler, 5, 0, 0, 0                  ; SA_SIGINFO | SA_NOCLDSTOP
ts:         dd 0, 10000000
section .bss
status: resd 1
code:   resd 1
spid:   resd 1
st:     resd 1
`);
    expect(fieldValues(r, 'si_code')).toEqual(['5', '6']); // CLD_STOPPED, CLD_CONTINUED
    expect(fieldValues(r, 'si_status')).toEqual([String(SIG.SIGSTOP), String(SIG.SIGCONT)]);
    expect(fieldValues(r, 'si_pid_ok')).toEqual(['1', '1']);
    expectFields(r, {
      continued_status: 0xffff, tstp_status: (SIG.SIGTSTP << 8) | 0x7f, nocldstop_code: 0, // no SIGCHLD for the stop
      killed_while_stopped: SIG.SIGKILL, exit_code: 2, // CLD_KILLED still comes
    });
  });

  it('a stopped task is TASK_STOPPED and does not run; SIGCONT resumes it where it was', () => {
    let sawStopped = false;
    const r = run(`
        fork_child .child
        mov     edi, eax
        sys     ${NR.nanosleep}, ts, 0
        sys     ${NR.kill}, edi, ${SIG.SIGSTOP}
        sys     ${NR.wait4}, edi, status, 2, 0
        sys     ${NR.nanosleep}, ts, 0                  ; 50 ms: the child would count on
        sys     ${NR.kill}, edi, ${SIG.SIGCONT}
        sys     ${NR.wait4}, edi, status, 0, 0
        movzx   eax, byte [status + 1]
        showu   "child_exit"
        sys     ${NR.exit}, 0
.child: ; count to 20 ticks of 10 ms, exiting with how many times nanosleep returned 0
        xor     esi, esi
.loop:  sys     ${NR.nanosleep}, ts10, 0
        test    eax, eax
        jnz     .bad
        inc     esi
        cmp     esi, 20
        jb      .loop
        sys     ${NR.exit}, esi
.bad:   sys     ${NR.exit}, 99
section .data
ts:     dd 0, 50000000
ts10:   dd 0, 10000000
section .bss
status: resd 1
`, {
      setup: ({ kernel }) => {
        // Watch the child: at some tick it must be TASK_STOPPED.
        const watch = () => {
          for (const t of kernel.tasks.values()) if (t.state === TASK_STOPPED) sawStopped = true;
          if (!kernel.halted) kernel.timers.add(kernel.jiffies + 1, watch);
        };
        kernel.timers.add(1, watch);
      },
    });
    expect(sawStopped).toBe(true);
    // nanosleep interrupted by the stop restarts (restart_syscall) and returns 0.
    expect(fields(r).get('child_exit')).toBe('20');
  });

  it('a stop signal stops every thread of the process; SIGCONT continues them all', () => {
    let stoppedThreads = 0;
    const r = run(`
        fork_child .child
        mov     edi, eax
        sys     ${NR.nanosleep}, ts, 0
        sys     ${NR.kill}, edi, ${SIG.SIGSTOP}
        sys     ${NR.wait4}, edi, status, 2, 0
        showu   "stopped", [status]
        sys     ${NR.nanosleep}, ts, 0
        sys     ${NR.kill}, edi, ${SIG.SIGCONT}
        sys     ${NR.wait4}, edi, status, 0, 0
        showu   "exited", [status]
        sys     ${NR.exit}, 0
.child:
        sys     ${NR.clone}, ${THREAD_FLAGS}, stack_top, 0, 0
        test    eax, eax
        jz      .thread
.main:  cmp     dword [count], 2000000          ; the main thread waits for the count
        jb      .main_sleep
        sys     ${NR.exit_group}, 3
.main_sleep:
        sys     ${NR.sched_yield}
        jmp     .main
.thread:
        inc     dword [count]
        jmp     .thread
section .data
ts:     dd 0, 20000000
section .bss
status: resd 1
count:  resd 1
stack:  resb 4096
stack_top:
`, {
      maxCycles: 4_000_000_000,
      setup: ({ kernel }) => {
        const watch = () => {
          let n = 0;
          for (const t of kernel.tasks.values()) if (t.state === TASK_STOPPED) n++;
          stoppedThreads = Math.max(stoppedThreads, n);
          if (!kernel.halted) kernel.timers.add(kernel.jiffies + 1, watch);
        };
        kernel.timers.add(1, watch);
      },
    });
    expectFields(r, { stopped: (SIG.SIGSTOP << 8) | 0x7f, exited: 3 << 8 });
    expect(stoppedThreads).toBe(2);
  });

  it('SIGCONT sent before the stop is reported cancels it; a stop signal discards a pending SIGCONT', () => {
    const r = run(`
        fork_child .child
        mov     edi, eax
        sys     ${NR.nanosleep}, ts, 0
        sys     ${NR.kill}, edi, ${SIG.SIGSTOP}
        sys     ${NR.kill}, edi, ${SIG.SIGCONT}          ; before the child could stop
        sys     ${NR.wait4}, edi, status, 2 | 1, 0       ; WUNTRACED | WNOHANG
        show    "no_stop_report"
        sys     ${NR.kill}, edi, ${SIG.SIGTERM}
        sys     ${NR.wait4}, edi, status, 0, 0
        showu   "status", [status]
        sys     ${NR.exit}, 0
.child: sys     ${NR.pause}
        jmp     .child
section .data
ts:     dd 0, 20000000
section .bss
status: resd 1
`);
    expectFields(r, { no_stop_report: 0, status: SIG.SIGTERM });
  });
});

describe('SIGCHLD and reaping', () => {
  it('SA_NOCLDWAIT: the handler still runs, but the children reap themselves', () => {
    const r = run(`
        sigact  ${SIG.SIGCHLD}, act
        fork_child .child
        sys     ${NR.wait4}, -1, status, 0, 0
        show    "wait"
        show    "hits", [hits]
        sys     ${NR.exit}, 0
.child: sys     ${NR.exit}, 5
section .data
act:    dd count_handler, 2, 0, 0, 0     ; SA_NOCLDWAIT
section .bss
status: resd 1
`);
    expectFields(r, { wait: -10, hits: 1 });
  });

  it('a clone child with another exit signal sends that signal', () => {
    const r = run(`
        sigact  ${SIG.SIGUSR2}, act
        sys     ${NR.clone}, ${SIG.SIGUSR2}, 0, 0, 0
        test    eax, eax
        jz      .child
        sys     ${NR.wait4}, -1, 0, 0x80000000, 0    ; __WCLONE
        show    "wait"
        show    "sig", [lastsig]
        sys     ${NR.exit}, 0
.child: sys     ${NR.exit}, 0
section .data
act:    dd count_handler, 0, 0, 0, 0
`);
    expect(fields(r).get('sig')).toBe(String(SIG.SIGUSR2));
  });

  it('wait4 interrupted by a handled signal: -EINTR without SA_RESTART, restarted with it', () => {
    const r = run(`
        sigact  ${SIG.SIGALRM}, act
        fork_child .child
        mov     edi, eax
        sys     ${NR.setitimer}, 0, itv, 0
        sys     ${NR.wait4}, edi, status, 0, 0
        show    "no_restart"
        sigact  ${SIG.SIGALRM}, act_restart
        sys     ${NR.setitimer}, 0, itv, 0
        sys     ${NR.wait4}, edi, status, 0, 0
        eax_eq  edi
        show    "restarted"
        show    "hits", [hits]
        sys     ${NR.exit}, 0
.child: sys     ${NR.nanosleep}, ts, 0
        sys     ${NR.exit}, 0
section .data
act:         dd count_handler, 0, 0, 0, 0
act_restart: dd count_handler, 0x10000000, 0, 0, 0
itv:         dd 0, 0, 0, 30000
ts:          dd 0, 100000000
section .bss
status: resd 1
`);
    expectFields(r, { no_restart: -4, restarted: 1, hits: 2 });
  });

  it('SIGKILL ends the wait of a vfork parent (killable); the child runs on', () => {
    const r = run(`
        fork_child .middle
        mov     edi, eax
        sys     ${NR.nanosleep}, ts, 0
        sys     ${NR.kill}, edi, ${SIG.SIGKILL}          ; the vfork parent, waiting
        sys     ${NR.wait4}, edi, status, 0, 0
        showu   "vfork_parent", [status]
        sys     ${NR.exit}, 0
.middle:
        sys     ${NR.vfork}
        test    eax, eax
        jnz     .never
        sys     ${NR.nanosleep}, ts2, 0
        sys     ${NR.exit}, 0
.never: puts    "vfork returned in the parent", 10
        sys     ${NR.exit}, 0
section .data
ts:     dd 0, 20000000
ts2:    dd 0, 60000000
section .bss
status: resd 1
`);
    expect(fields(r).get('vfork_parent')).toBe(String(SIG.SIGKILL));
    expect(r.stdout).not.toContain('vfork returned');
  });
});

/** The frame tests' check of pretcode and retcode: `record(off)` is handler code (ebp =
 *  esp at the handler's entry) that records whether pretcode points at the retcode at
 *  ebp + off, the retcode's 8 bytes and (esp + 4) mod 16; `report` prints them; `bss`
 *  declares where they go. */
const RETCODE = {
  record: (off: number) => `
        lea     eax, [ebp + ${off}]
        eax_eq  [ebp]
        mov     [f_pretcode_ok], eax
        mov     eax, [ebp + ${off}]
        mov     [f_retcode], eax
        mov     eax, [ebp + ${off + 4}]
        mov     [f_retcode + 4], eax
        lea     eax, [ebp + 4]
        and     eax, 15
        mov     [f_align], eax`,
  report: `
        show    "pretcode_is_retcode", [f_pretcode_ok]
        showu   "retcode0", [f_retcode]
        showu   "retcode1", [f_retcode + 4]
        show    "esp_plus_4_mod_16", [f_align]`,
  bss: `
f_pretcode_ok: resd 1
f_retcode:     resd 2
f_align:       resd 1`,
};

describe('the frames (Linux i386 layout)', () => {
  it('rt_sigframe: pretcode = &retcode (no SA_RESTORER), the retcode bytes, pinfo/puc, uc_flags/link/stack, fpstate (the math frame above, 64-aligned), alignment, DF clear', () => {
    const r = run(`
        sigact  ${SIG.SIGUSR1}, act
        std
        mov     ebx, ${SIG.SIGUSR1}
        call    raise_
        cld
${RETCODE.report}
        show    "df_in_handler", [f_df]
        show    "pinfo_off", [f_pinfo]
        show    "puc_off", [f_puc]
        show    "uc_flags", [f_ucflags]
        show    "uc_link", [f_uclink]
        show    "uc_stack_flags", [f_ssflags]
        show    "fpstate", [f_fpstate]
        show    "eax_sig", [f_regs]
        show    "edx_is_info", [f_regs + 4]
        show    "ecx_is_uc", [f_regs + 8]
        sys     ${NR.exit}, 0
handler:
        mov     ebp, esp
        pushfd
        pop     eax
        shr     eax, 10
        and     eax, 1
        mov     [f_df], eax
        mov     eax, [ebp + 4]
        mov     [f_regs], eax
        lea     eax, [ebp + 16]
        eax_eq  [ebp + 8]
        mov     [f_regs + 4], eax
        lea     eax, [ebp + 144]
        eax_eq  [ebp + 12]
        mov     [f_regs + 8], eax
${RETCODE.record(260)}
        mov     eax, [ebp + 8]
        sub     eax, ebp
        mov     [f_pinfo], eax
        mov     eax, [ebp + 12]
        sub     eax, ebp
        mov     [f_puc], eax
        mov     eax, [ebp + 144]
        mov     [f_ucflags], eax
        mov     eax, [ebp + 148]
        mov     [f_uclink], eax
        mov     eax, [ebp + 156]
        mov     [f_ssflags], eax
        mov     eax, [ebp + 164 + 76]
        mov     ecx, eax
        and     ecx, 63                     ; 64-byte aligned
        cmp     eax, ebp                    ; above the frame (fpu.ts: the math frame first)
        seta    al
        movzx   eax, al
        test    ecx, ecx
        jz      .aligned
        mov     eax, 0
.aligned:
        mov     [f_fpstate], eax
        ret
section .data
act:    dd handler, 4, 0, 0, 0              ; SA_SIGINFO, no SA_RESTORER
section .bss
${RETCODE.bss}
f_df:       resd 1
f_pinfo:    resd 1
f_puc:      resd 1
f_ucflags:  resd 1
f_uclink:   resd 1
f_ssflags:  resd 1
f_fpstate:  resd 1
f_regs:     resd 3
`);
    expectFields(r, {
      pretcode_is_retcode: 1,
      // b8 ad 00 00 00 cd 80 00: movl $173, %eax; int $0x80
      retcode0: 0x0000adb8, retcode1: 0x0080cd00, esp_plus_4_mod_16: 0, df_in_handler: 0, pinfo_off: 16, puc_off: 144,
      uc_flags: 0, uc_link: 0, uc_stack_flags: 2, // SS_DISABLE
      fpstate: 1, eax_sig: SIG.SIGUSR1, edx_is_info: 1, ecx_is_uc: 1,
    });
  });

  it('sigframe: pretcode = &retcode (popl %eax; movl $119, %eax; int $0x80), or sa_restorer with SA_RESTORER', () => {
    const r = run(`
        sigact  ${SIG.SIGUSR1}, act
        mov     ebx, ${SIG.SIGUSR1}
        call    raise_
${RETCODE.report}
        sigact  ${SIG.SIGUSR1}, act_restorer
        mov     ebx, ${SIG.SIGUSR1}
        call    raise_
        show    "restorer_ran", [restorer_ran]
        sys     ${NR.exit}, 0
handler:
        mov     ebp, esp
${RETCODE.record(724)}
        ret
my_restorer:
        mov     dword [restorer_ran], 1
        pop     eax
        mov     eax, ${NR.sigreturn}
        int     0x80
section .data
act:          dd handler, 0, 0, 0, 0
act_restorer: dd count_handler, 0x04000000, my_restorer, 0, 0
section .bss
${RETCODE.bss}
restorer_ran:  resd 1
`);
    expectFields(r, {
      pretcode_is_retcode: 1, retcode0: 0x0077b858, // 58 b8 77 00
      retcode1: 0x80cd0000, // 00 00 cd 80
      esp_plus_4_mod_16: 0, restorer_ran: 1,
    });
  });

  it('trapno, err and cr2 in the sigcontext of faults: #PF (write, read, protection), #DE, #UD, #BP, #GP', () => {
    // The values a native run on Linux shows (checked), but for pf_kernel.
    const cases: Array<[string, string, number, number[]]> = [
      // name, the faulting code, signal, [trapno, err]
      ['pf_write_unmapped', 'mov dword [0x10], 1', SIG.SIGSEGV, [14, 6]],
      ['pf_read_unmapped', 'mov eax, [0x10]', SIG.SIGSEGV, [14, 4]],
      ['pf_write_readonly', 'mov dword [_start], 1', SIG.SIGSEGV, [14, 7]],
      // The kernel's half on i386: a present supervisor page (P|U), and Linux adds PROT for
      // kernel addresses anyway. (An x86-64 host reports 4: it has nothing mapped there.)
      ['pf_kernel', 'mov eax, [0xc0001000]', SIG.SIGSEGV, [14, 5]],
      ['de', 'xor ecx, ecx\n        div ecx', SIG.SIGFPE, [0, 0]],
      ['ud', 'ud2', SIG.SIGILL, [6, 0]],
      ['bp', 'int3', SIG.SIGTRAP, [3, 0]],
      ['gp', 'hlt', SIG.SIGSEGV, [13, 0]],
    ];
    for (const [name, code, sig, [trapno, err]] of cases) {
      const r = run(`
        sigact  ${sig}, act
        ${code}
        puts    "not reached", 10
        sys     ${NR.exit}, 0
handler:
        mov     esi, [esp + 12]
        show    "trapno", [esi + 20 + 48]
        show    "err", [esi + 20 + 52]
        showu   "cr2", [esi + 20 + 84]
        mov     edx, [esp + 8]
        showu   "si_addr", [edx + 12]
        show    "si_code", [edx + 8]
        sys     ${NR.exit}, 0
section .data
act:    dd handler, 4, 0, 0, 0
`);
      const f = fields(r);
      expect(f.get('trapno'), name).toBe(String(trapno));
      expect(f.get('err'), name).toBe(String(err));
      if (trapno === 14) {
        expect(f.get('cr2'), name).toBe(f.get('si_addr'));
        expect(f.get('si_code'), name).toBe(name === 'pf_write_readonly' ? '2' : '1'); // SEGV_ACCERR / MAPERR
      } else {
        // FPE_INTDIV, ILL_ILLOPN, SI_KERNEL for int3 and #GP
        expect(f.get('si_code'), name).toBe(String({ de: 1, ud: 2, bp: 0x80, gp: 0x80 }[name]));
      }
    }
  });

  it('sigreturn takes only the user-changeable eflags bits, forces the user cs/ss, and refuses bad data selectors', () => {
    const r = run(`
        sigact  ${SIG.SIGUSR1}, act
        mov     ebx, ${SIG.SIGUSR1}
        call    raise_
        pushfd
        pop     eax
        mov     ebx, eax
        shr     eax, 12
        and     eax, 3
        show    "iopl"
        mov     eax, ebx
        shr     eax, 9
        and     eax, 1
        show    "if"
        mov     eax, ebx
        and     eax, 1
        show    "cf"
        xor     eax, eax
        mov     ax, cs
        eax_eq  0x73
        show    "user_cs"
        sigact  ${SIG.SIGUSR2}, act_bad
        mov     ebx, ${SIG.SIGUSR2}
        call    raise_
        puts    "not reached", 10
        sys     ${NR.exit}, 0
handler:       ; set IOPL 3, clear IF, set CF, and a kernel cs in the frame
        mov     esi, [esp + 12]
        or      dword [esi + 20 + 64], 0x3001
        and     dword [esi + 20 + 64], ~0x200
        mov     dword [esi + 20 + 60], 0x60
        mov     dword [esi + 20 + 72], 0x68
        ret
handler_bad:   ; a kernel data selector in ds: SIGSEGV at sigreturn
        mov     esi, [esp + 12]
        mov     dword [esi + 20 + 12], 0x68
        ret
section .data
act:     dd handler, 4, 0, 0, 0
act_bad: dd handler_bad, 4, 0, 0, 0
`);
    expectFields(r, { iopl: 0, if: 1, cf: 1, user_cs: 1 });
    expect(r.stdout).not.toContain('not reached');
    expect(r.status).toBe(SIG.SIGSEGV | CORE);
    expect(r.log.join('\n')).toMatch(/bad frame in rt_sigreturn/);
  });

  it('a sigreturn without a frame (esp pointing nowhere) is a SIGSEGV', () => {
    const r = run(`
        mov     esp, 0x10
        mov     eax, ${NR.rt_sigreturn}
        int     0x80
`);
    expect(r.status).toBe(SIG.SIGSEGV | CORE);
  });

  it('a frame that cannot be written (esp bad when the signal comes) kills with SIGSEGV', () => {
    const r = run(`
        sigact  ${SIG.SIGUSR1}, act
        call    getpid_
        mov     esi, eax
        mov     esp, 0x100
        mov     ebx, esi
        mov     ecx, ${SIG.SIGUSR1}
        mov     eax, ${NR.kill}
        int     0x80
        mov     ebx, 0
        mov     eax, ${NR.exit}
        int     0x80
section .data
act:    dd count_handler, 0, 0, 0, 0
`);
    expect(r.status).toBe(SIG.SIGSEGV | CORE);
  });

  it('handlers nest: a signal arriving in a handler runs its own handler on top, both return', () => {
    const r = run(`
        sigact  ${SIG.SIGUSR1}, act1
        sigact  ${SIG.SIGUSR2}, act2
        mov     esi, 0x5a5a5a5a
        mov     ebx, ${SIG.SIGUSR1}
        call    raise_
        showu   "esi", esi
        showu   "order", [order]
        sys     ${NR.exit}, 0
h1:     mov     esi, 1
        mov     ebx, ${SIG.SIGUSR2}
        call    raise_                      ; SIGUSR2 runs here, on top of this frame
        mov     eax, [order]
        imul    eax, eax, 10
        add     eax, 1
        mov     [order], eax
        ret
h2:     mov     eax, [order]
        imul    eax, eax, 10
        add     eax, 2
        mov     [order], eax
        ret
section .data
act1:   dd h1, 0, 0, 0, 0
act2:   dd h2, 0, 0, 0, 0
section .bss
order:  resd 1
`);
    expectFields(r, { order: 21, esi: 0x5a5a5a5a });
  });
});

describe('faults as signals', () => {
  it('a blocked or ignored fault signal kills (force_sig resets it to SIG_DFL)', () => {
    for (const setup of [
      `sigact ${SIG.SIGSEGV}, act\n        sys ${NR.rt_sigprocmask}, 0, segv, 0, 8`,
      `sys ${NR.signal}, ${SIG.SIGSEGV}, 1`,
    ]) {
      const r = run(`
        ${setup}
        mov     eax, [0x10]
        puts    "not reached", 10
        sys     ${NR.exit}, 0
section .data
act:    dd count_handler, 0, 0, 0, 0
segv:   dd 1 << 10, 0
`);
      expect(r.status).toBe(SIG.SIGSEGV | CORE);
      expect(r.stdout).not.toContain('not reached');
    }
  });

  it('kill(SIGSEGV) from another process is an ordinary signal: blocked, it waits', () => {
    const r = run(`
        sys     ${NR.rt_sigprocmask}, 0, segv, 0, 8
        mov     ebx, ${SIG.SIGSEGV}
        call    raise_
        sys     ${NR.rt_sigpending}, pend, 8
        showu   "pending", [pend]
        sys     ${NR.signal}, ${SIG.SIGSEGV}, 1
        sys     ${NR.exit}, 0
section .data
segv:   dd 1 << 10, 0
section .bss
pend:   resd 2
`);
    expect(fields(r).get('pending')).toBe(String(1 << 10));
  });

  it('a SIGSEGV handler that returns without fixing anything sees the fault again', () => {
    const r = run(`
        sigact  ${SIG.SIGSEGV}, act
        mov     eax, [0x10]
        puts    "not reached", 10
        sys     ${NR.exit}, 0
handler:
        inc     dword [hits]
        cmp     dword [hits], 3
        jb      .ret
        show    "faults", [hits]
        sys     ${NR.exit}, 0
.ret:   ret
section .data
act:    dd handler, 0, 0, 0, 0
`);
    expect(fields(r).get('faults')).toBe('3');
    expect(r.outcome.kernel.stats.segvs).toBe(3);
  });
});

describe('sending from the kernel (host side)', () => {
  it('send_signal to a task sleeping in nanosleep: with no handler, SIGCONT-like ignored signals do not end the sleep', () => {
    const r = run(`
        sys     ${NR.nanosleep}, ts, rem
        show    "ret"
        sys     ${NR.exit}, 0
section .data
ts:     dd 0, 200000000
section .bss
rem:    resd 2
`, {
      setup: ({ kernel }) => {
        kernel.timers.add(5, () => {
          for (const t of kernel.tasks.values()) if (t.syscall === NR.nanosleep) send_signal(kernel, t, SIG.SIGWINCH);
        });
      },
    });
    expect(fields(r).get('ret')).toBe('0');
    expect(r.outcome.kernel.jiffies).toBeGreaterThanOrEqual(20);
  });
});

describe('more sources of signals', () => {
  it('SIGPIPE: a write to a pipe without readers kills by default; ignored, the write fails with EPIPE', () => {
    const r = run(`
        fork_child .child
        sys     ${NR.wait4}, -1, status, 0, 0
        showu   "status", [status]
        sys     ${NR.signal}, ${SIG.SIGPIPE}, 1
        sys     ${NR.pipe}, fds
        sys     ${NR.close}, [fds]
        sys     ${NR.write}, [fds + 4], fds, 4
        show    "write"
        sys     ${NR.exit}, 0
.child: sys     ${NR.pipe}, fds
        sys     ${NR.close}, [fds]
        sys     ${NR.write}, [fds + 4], fds, 4
        sys     ${NR.exit}, 0
section .bss
fds:    resd 2
status: resd 1
`);
    expectFields(r, { status: SIG.SIGPIPE, write: -32 });
  });

  it('SIGCHLD of a child killed by a core signal: CLD_DUMPED, si_status the signal', () => {
    const r = run(`
        sigact  ${SIG.SIGCHLD}, act
        fork_child .child
        sys     ${NR.wait4}, -1, status, 0, 0
        show    "si_code", [code]
        show    "si_status", [st]
        sys     ${NR.exit}, 0
.child: mov     eax, [0]
${siginfoHandler({ code: SI_CODE, st: SI_STATUS })}
section .data
act:    dd handler, 4, 0, 0, 0
section .bss
status: resd 1
code:   resd 1
st:     resd 1
`);
    expectFields(r, { si_code: 3, si_status: SIG.SIGSEGV });
  });

  it('rt_sigqueueinfo: the caller-chosen si_code and si_value to itself; -EPERM posing as the kernel to another process', () => {
    const r = run(`
        sigact  ${SIG.SIGUSR1}, act
        call    getpid_
        mov     edi, eax
        sys     ${NR.rt_sigqueueinfo}, edi, ${SIG.SIGUSR1}, info
        show    "self"
        show    "si_code", [got_code]
        show    "si_value", [got_value]
        sys     ${NR.rt_sigqueueinfo}, 1, ${SIG.SIGUSR1}, info_kernel
        show    "to_init"
        sys     ${NR.exit}, 0
${siginfoHandler({ got_code: SI_CODE, got_value: SI_VALUE })}
section .data
act:         dd handler, 4, 0, 0, 0
info:        dd ${SIG.SIGUSR1}, 0, -1, 0, 0, 4242
             times 26 dd 0
info_kernel: dd ${SIG.SIGUSR1}, 0, 0x80, 0, 0, 0
             times 26 dd 0
section .bss
got_code:  resd 1
got_value: resd 1
`);
    expectFields(r, {
      self: 0, si_code: -1, // SI_QUEUE
      si_value: 4242, to_init: -1,
    });
  });

  it('restart_syscall without anything to restart: -EINTR', () => {
    const r = run(`
        mov     eax, ${NR.restart_syscall}
        int     0x80
        show    "ret"
        sys     ${NR.exit}, 0
`);
    expect(fields(r).get('ret')).toBe('-4');
  });

  it('a process signal reaches a live thread when the group leader has exited (a zombie)', () => {
    const r = run(`
        fork_parent .parent
        sigact  ${SIG.SIGUSR1}, act
        sys     ${NR.clone}, ${THREAD_FLAGS}, stack_top, 0, 0
        test    eax, eax
        jz      .thread
        sys     ${NR.exit}, 0                   ; the leader leaves; the thread lives on
.thread:
        sys     ${NR.pause}
        mov     eax, [lastsig]
        sys     ${NR.exit_group}, eax
.parent:
        mov     edi, eax
        sys     ${NR.nanosleep}, ts, 0
        sys     ${NR.kill}, edi, ${SIG.SIGUSR1}
        show    "kill"
        sys     ${NR.wait4}, edi, status, 0, 0
        movzx   eax, byte [status + 1]
        show    "exit"
        sys     ${NR.exit}, 0
section .data
act:    dd count_handler, 0, 0, 0, 0
ts:     dd 0, 20000000
section .bss
status: resd 1
stack:  resb 4096
stack_top:
`);
    expectFields(r, { kill: 0, exit: SIG.SIGUSR1 });
  });
});

describe('delivery', () => {
  it('to a process that is computing (preempted, never in a syscall): on its next return to user mode', () => {
    const r = run(`
        fork_child .child
        mov     edi, eax
        sys     ${NR.nanosleep}, ts, 0
        sys     ${NR.kill}, edi, ${SIG.SIGUSR1}
        sys     ${NR.wait4}, edi, status, 0, 0
        movzx   eax, byte [status + 1]
        show    "exit"
        sys     ${NR.exit}, 0
.child: sigact  ${SIG.SIGUSR1}, act
.spin:  inc     ecx
        jmp     .spin
handler:
        sys     ${NR.exit}, 42
section .data
act:    dd handler, 0, 0, 0, 0
ts:     dd 0, 30000000
section .bss
status: resd 1
`);
    expect(fields(r).get('exit')).toBe('42');
  });

  it('an unhandled exception leaves a line in the kernel log (Linux: show_signal)', () => {
    const r = run(`
        ud2
`);
    expect(r.status).toBe(SIG.SIGILL | CORE);
    expect(r.log.join('\n')).toMatch(/test\[\d+\] trap invalid opcode ip:80[0-9a-f]+ sp:[0-9a-f]+ error:0/);
  });
});
