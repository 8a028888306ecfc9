// Time: the clocks (clock_gettime, clock_getres, gettimeofday, time, times, getrusage),
// nanosleep / clock_nanosleep through schedule_timeout as the seeds show it, and their
// errors — all in guest time, so every value is exact and the same on every run.

import { describe, expect, it } from 'vitest';
import { Machine } from '../src/machine.js';
import { Kernel } from '../src/guest/kernel.js';
import {
  DEFAULT_EPOCH, jiffies_to_ns, LATCH, MAX_JIFFY_OFFSET, ns_to_jiffies, tick_nsec, TimerList,
} from '../src/guest/time.js';
import { send_signal } from '../src/guest/signal.js';
import { wake_up_process } from '../src/guest/sched.js';
import { NR, SIG } from '../src/guest/abi.js';
import { program, runKernel, type KernelRun } from './helpers/kernel-machine.js';
import { expectFields, outputFields } from './helpers/fields.js';

/** Lines `key value...` of a program's output, as a map key → rest of the line; the
 *  program must have ended normally. */
function fields(r: KernelRun): Map<string, string> {
  expect(r.outcome.end, `${r.outcome.message}\n${r.log.join('\n')}\nstdout:\n${r.stdout}`).toBe('exit');
  return outputFields(r);
}

/** A test program with three more macros, each printing a line "key value": `show
 *  "key"` eax (signed), `showu "key"` eax (unsigned), `showts "key", addr` the timespec
 *  at addr (sec.nnnnnnnnn). */
function timeProgram(body: string): string {
  return program(`
%macro show 1
        puts    %1, " "
        call    print_i32
        call    print_nl
%endmacro
%macro showu 1
        puts    %1, " "
        call    print_u32
        call    print_nl
%endmacro
%macro showts 2
        puts    %1, " "
        mov     ebx, %2
        call    print_ts
        call    print_nl
%endmacro
${body}`);
}

/** "sec.nnnnnnnnn" → ns. */
function ns(ts: string | undefined): bigint {
  expect(ts).toMatch(/^\d+\.\d{9}$/);
  const [s, n] = ts!.split('.');
  return BigInt(s) * 1_000_000_000n + BigInt(n);
}

function kernelFor(hz = 100, cpuHz = 100_000_000): Kernel {
  return new Kernel(new Machine({ memSize: 4 << 20, cpuHz }), { hz });
}

describe('tick arithmetic (LATCH, timespec_to_jiffies, jiffies_to_timespec)', () => {
  it('a tick is the PIT period LATCH / 1193182 s', () => {
    const k = kernelFor(100);
    expect(LATCH(k)).toBe(11932);
    expect(tick_nsec(k)).toBe(10000151); // 11932 / 1193182 s
    expect(LATCH(kernelFor(1000))).toBe(1193);
    expect(tick_nsec(kernelFor(1000))).toBe(999847);
  });

  it('timespec_to_jiffies rounds up; jiffies_to_timespec rounds down', () => {
    const k = kernelFor(100);
    expect(ns_to_jiffies(k, 0n)).toBe(0);
    expect(ns_to_jiffies(k, 1n)).toBe(1);
    expect(ns_to_jiffies(k, 10_000_150n)).toBe(1);
    expect(ns_to_jiffies(k, 10_000_151n)).toBe(2);
    expect(ns_to_jiffies(k, 50_000_000n)).toBe(5); // 4.9999 ticks
    expect(ns_to_jiffies(k, 1_000_000_000n)).toBe(100); // 99.998 ticks
    expect(ns_to_jiffies(k, 10n ** 30n)).toBe(MAX_JIFFY_OFFSET);
    expect(jiffies_to_ns(k, 1)).toBe(10_000_150n);
    expect(jiffies_to_ns(k, 98)).toBe(980_014_783n);
    for (const n of [1n, 999n, 10_000_150n, 10_000_151n, 123_456_789n, 3_000_000_000n]) {
      const j = ns_to_jiffies(k, n);
      expect(jiffies_to_ns(k, j)).toBeGreaterThanOrEqual(n - 1n);
      expect(jiffies_to_ns(k, j - 1)).toBeLessThan(n);
    }
  });

  it('timers with the same expiry fire in the order they were added; delTask removes a task\'s', () => {
    const tl = new TimerList();
    const fired: string[] = [];
    tl.add(5, () => fired.push('a5'));
    tl.add(3, () => fired.push('b3'));
    tl.add(5, () => fired.push('c5'));
    const h = tl.add(4, () => fired.push('d4'));
    expect(tl.del(h)).toBe(true);
    expect(tl.del(h)).toBe(false);
    tl.run(4);
    expect(fired).toEqual(['b3']);
    tl.run(5);
    expect(fired).toEqual(['b3', 'a5', 'c5']);
    expect(tl.list().length).toBe(0);
  });
});

// --------------------------------------------------------------------------------------
// Reading the clocks.

const CLOCKS = timeProgram(`
        sys     ${NR.clock_gettime}, 1, ts1
        show    "ret"
        showts  "mono1", ts1
        mov     ecx, 20000              ; burn some cycles
.spin:  dec     ecx
        jnz     .spin
        sys     ${NR.clock_gettime}, 1, ts2
        showts  "mono2", ts2
        sys     ${NR.clock_gettime}, 0, ts1
        showts  "real", ts1
        sys     ${NR.gettimeofday}, tv, 0
        puts    "tod "
        mov     eax, [tv]
        call    print_u32
        puts    " "
        mov     eax, [tv + 4]
        call    print_u32
        call    print_nl
        sys     ${NR.time}, tloc
        puts    "time "
        call    print_i32
        puts    " "
        mov     eax, [tloc]
        call    print_u32
        call    print_nl
%assign c 2
%rep 6
        sys     ${NR.clock_gettime}, c, ts1
        puts    "clock", c + '0', " "
        mov     ebx, ts1
        call    print_ts
        call    print_nl
%assign c c + 1
%endrep
        ; clock_gettime64: __kernel_timespec, 16 bytes
        sys     ${NR.clock_gettime64}, 1, ts64
        puts    "mono64 "
        mov     eax, [ts64]
        call    print_u32
        puts    " "
        mov     eax, [ts64 + 4]
        call    print_u32
        puts    " "
        mov     eax, [ts64 + 8]
        call    print_u32
        puts    " "
        mov     eax, [ts64 + 12]
        call    print_u32
        call    print_nl
        ; clock_getres
        sys     ${NR.clock_getres}, 1, ts1
        showts  "res1", ts1
        sys     ${NR.clock_getres}, 6, ts1
        showts  "res6", ts1
        sys     ${NR.clock_getres}, 1, 0
        show    "resnull"
        ; errors
        sys     ${NR.clock_gettime}, 99, ts1
        show    "e_badclock"
        sys     ${NR.clock_gettime}, -5, ts1
        show    "e_negclock"
        sys     ${NR.clock_gettime}, 1, 0
        show    "e_null"
        sys     ${NR.clock_gettime}, 1, 0xbffffffc
        show    "e_straddle"
        sys     ${NR.clock_gettime64}, 1, 0xc0000000
        show    "e_kernel"
        sys     ${NR.clock_getres}, 42, ts1
        show    "e_res"
        sys     ${NR.gettimeofday}, 1, 0
        show    "e_tod"
        sys     ${NR.gettimeofday}, 0, 0
        show    "tod_null"
        sys     ${NR.time}, 0xc0000000
        show    "e_time"
        sys     ${NR.exit}, 0

section .bss
ts1:    resd 2
ts2:    resd 2
ts64:   resd 4
tv:     resd 2
tloc:   resd 1
`);

describe('clock_gettime, clock_getres, gettimeofday, time', () => {
  it('read guest time: monotonic from cycles, realtime = epoch + monotonic, exact resolutions', () => {
    const r = runKernel(CLOCKS);
    const f = fields(r);
    expect(f.get('ret')).toBe('0');
    const mono1 = ns(f.get('mono1'));
    const mono2 = ns(f.get('mono2'));
    // Guest time since power-on: boot + exec take some cycles, the spin loop more.
    expect(mono1).toBeGreaterThan(0n);
    expect(mono2 - mono1).toBeGreaterThan(200_000n); // 20000 iterations of dec/jnz, >= 2 cycles each, 10 ns per cycle
    const finalNs = (BigInt(Math.floor(r.outcome.cycles)) * 1_000_000_000n) / 100_000_000n;
    expect(mono2).toBeLessThan(finalNs);
    // CLOCK_REALTIME: 2026-01-01T00:00:00Z + guest time (less than a second here).
    const real = ns(f.get('real'));
    expect(real / 1_000_000_000n).toBe(BigInt(DEFAULT_EPOCH));
    expect(real - BigInt(DEFAULT_EPOCH) * 1_000_000_000n).toBeGreaterThan(mono2);
    const [todSec, todUsec] = f.get('tod')!.split(' ').map(Number);
    expect(todSec).toBe(DEFAULT_EPOCH);
    expect(BigInt(todUsec) * 1000n).toBeGreaterThanOrEqual(real - BigInt(DEFAULT_EPOCH) * 1_000_000_000n - 999n);
    expect(f.get('time')).toBe(`${DEFAULT_EPOCH} ${DEFAULT_EPOCH}`);
    // CLOCK_MONOTONIC_RAW (4) and CLOCK_BOOTTIME (7) run with CLOCK_MONOTONIC; the coarse
    // clocks (5, 6) read the time of the last tick: none yet (the program runs in less
    // than one tick), so 0 after power-on.
    const c = (n: number) => ns(f.get(`clock${n}`));
    expect(c(4)).toBeGreaterThan(mono2);
    expect(c(7)).toBeGreaterThan(c(4));
    expect(c(6)).toBeLessThanOrEqual(c(4));
    expect(c(5) - c(6)).toBe(BigInt(DEFAULT_EPOCH) * 1_000_000_000n);
    // CPU-time clocks: the thread's (3) and the process's (2) are below the elapsed time.
    expect(c(2)).toBeGreaterThan(200_000n);
    expect(c(2)).toBeLessThan(c(4));
    expect(c(3)).toBeGreaterThan(c(2)); // read later, same single thread
    // clock_gettime64: s64 seconds, then tv_nsec as a 64-bit field.
    const [s0, s1, n0, n1] = f.get('mono64')!.split(' ').map(Number);
    expect(s0).toBe(0);
    expect(s1).toBe(0);
    expect(n1).toBe(0);
    expect(BigInt(n0)).toBeGreaterThan(c(7));
    expectFields(f, {
      res1: '0.000000010', // one cycle at 100 MHz
      res6: '0.010000151', // one tick at HZ=100
      resnull: 0, e_badclock: -22, e_negclock: -22, e_null: -14, e_straddle: -14, e_kernel: -14, e_res: -22, e_tod: -14,
      tod_null: 0, e_time: -14,
    });
  });

  it('is deterministic: two runs print the same times', () => {
    const a = runKernel(CLOCKS);
    const b = runKernel(CLOCKS);
    expect(a.stdout).toBe(b.stdout);
    expect(a.outcome.cycles).toBe(b.outcome.cycles);
  });

  it('follows --epoch and the CPU clock rate', () => {
    const a = fields(runKernel(CLOCKS, { epoch: 0 }));
    expect(f0(a.get('time'))).toBe('0');
    expect(a.get('tod')!.startsWith('0 ')).toBe(true);
    // At 50 MHz, the same cycles are twice the time.
    const fast = fields(runKernel(CLOCKS));
    const slow = fields(runKernel(CLOCKS, { cpuHz: 50_000_000 }));
    const d = ns(slow.get('mono1')) - 2n * ns(fast.get('mono1'));
    expect(d >= -20n && d <= 20n).toBe(true);
    expect(slow.get('res1')).toBe('0.000000020');
  });
});

function f0(s: string | undefined): string {
  return (s ?? '').split(' ')[0];
}

// --------------------------------------------------------------------------------------
// Sleeping.

const SLEEP50 = timeProgram(`
        sys     ${NR.clock_gettime}, 1, t0
        sys     ${NR.nanosleep}, req, rem
        show    "ret"
        sys     ${NR.clock_gettime}, 1, t1
        showts  "t0", t0
        showts  "t1", t1
        showts  "rem", rem
        sys     ${NR.exit}, 0
section .data
req:    dd 0, 50000000
rem:    dd 7, 7
section .bss
t0:     resd 2
t1:     resd 2
`);

describe('nanosleep: schedule_timeout as the seeds show it', () => {
  it('sleeps timespec_to_jiffies + 1 ticks: 50 ms at HZ=100 is 6 ticks, and costs no instructions', () => {
    const r = runKernel(SLEEP50);
    const f = fields(r);
    expectFields(f, {
      ret: 0, rem: '7.000000007', // not written when the sleep completes
    });
    const t0 = ns(f.get('t0'));
    const t1 = ns(f.get('t1'));
    // The call came during tick 0 (boot takes less than a tick): the timer expires at
    // jiffies 0 + 5 + 1 = 6, and the program exits right after, before tick 7.
    const k = r.outcome.kernel;
    expect(t0).toBeLessThan(10_000_000n);
    expect(k.jiffies).toBe(6);
    expect(t1 - t0).toBeGreaterThanOrEqual(50_000_000n);
    expect(t1).toBeGreaterThanOrEqual(6n * 10_000_150n);
    expect(t1).toBeLessThan(6n * 10_000_150n + 200_000n);
    // Idle: the machine jumped over the sleep; few instructions ran.
    expect(r.outcome.machine.idleCycles).toBeGreaterThan(4_500_000);
    expect(r.outcome.instructions).toBeLessThan(100_000);
  });

  it('at HZ=1000 the same sleep is 51 + 1 ticks of 0.999847 ms', () => {
    const r = runKernel(SLEEP50, { hz: 1000 });
    const f = fields(r);
    expect(f.get('ret')).toBe('0');
    const k = r.outcome.kernel;
    const j0 = Number(ns(f.get('t0')) / 999_847n);
    expect(k.jiffies).toBe(j0 + 52);
    expect(ns(f.get('t1')) - ns(f.get('t0'))).toBeGreaterThanOrEqual(50_000_000n);
  });

  it('returns -EINTR and the time left in rmtp when a signal wakes it early', () => {
    // A SIGUSR1 handler that returns: the interrupted sleep gives -EINTR (signal.ts turns
    // nanosleep's -ERESTART_RESTARTBLOCK into -EINTR when a handler runs).
    const prog = timeProgram(`
        sys     ${NR.rt_sigaction}, ${SIG.SIGUSR1}, act, 0, 8
        sys     ${NR.nanosleep}, req, rem
        show    "ret"
        showts  "rem", rem
        sys     ${NR.nanosleep}, req, 0xc0000000
        show    "badrem"
        sys     ${NR.exit}, 0
handler:
        ret
section .data
req:    dd 1, 0
rem:    dd 0, 0
act:    dd handler, 0, 0, 0, 0
`);
    // At ticks 3 and 10, SIGUSR1 to whoever sleeps in nanosleep.
    const r = runKernel(prog, {
      setup: ({ kernel }) => {
        for (const at of [3, 10]) {
          kernel.timers.add(at, () => {
            for (const t of kernel.tasks.values()) if (t.syscall === NR.nanosleep) send_signal(kernel, t, SIG.SIGUSR1);
          });
        }
      },
    });
    const f = fields(r);
    expectFields(f, {
      ret: -4,
      // 1 s = ceil(99.998) = 100 ticks, + 1: expires at jiffy 101; woken at 3 → 98 left.
      rem: '0.980014783', badrem: -14,
    });
    expect(r.outcome.kernel.jiffies).toBe(10);
  });

  it('sleeps on through a spurious wake-up (not a signal) to the same expiry', () => {
    const r = runKernel(SLEEP50, {
      setup: ({ kernel }) => {
        kernel.timers.add(2, () => {
          for (const t of kernel.tasks.values()) if (t.syscall === NR.nanosleep) wake_up_process(kernel, t, 'spurious');
        });
      },
    });
    const f = fields(r);
    expect(f.get('ret')).toBe('0');
    expect(r.outcome.kernel.jiffies).toBe(6);
  });

  it('validates the timespec (-EINVAL) and the pointers (-EFAULT)', () => {
    const cases: Array<[string, string]> = [
      ['nsec_1e9', `sys ${NR.nanosleep}, ts_big, 0`],
      ['nsec_neg', `sys ${NR.nanosleep}, ts_negn, 0`],
      ['sec_neg', `sys ${NR.nanosleep}, ts_negs, 0`],
      ['null', `sys ${NR.nanosleep}, 0, 0`],
      ['kernel', `sys ${NR.nanosleep}, 0xc0000000, 0`],
      ['straddle', `sys ${NR.nanosleep}, 0xbffffffc, 0`],
      ['cn_badclock', `sys ${NR.clock_nanosleep}, 99, 0, ts_ok, 0`],
      ['cn_thread', `sys ${NR.clock_nanosleep}, 3, 0, ts_ok, 0`],
      ['cn_raw', `sys ${NR.clock_nanosleep}, 4, 0, ts_ok, 0`],
      ['cn_big', `sys ${NR.clock_nanosleep}, 1, 0, ts_big, 0`],
      ['cn_null', `sys ${NR.clock_nanosleep}, 1, 0, 0, 0`],
      ['cn_abs_past', `sys ${NR.clock_nanosleep}, 1, 1, ts_zero, 0`],
      ['cn64_big', `sys ${NR.clock_nanosleep_time64}, 1, 0, ts64_big, 0`],
      ['cn64_negsec', `sys ${NR.clock_nanosleep_time64}, 1, 0, ts64_neg, 0`],
      ['cn64_abs_past', `sys ${NR.clock_nanosleep_time64}, 0, 1, ts64_past, 0`],
    ];
    const body = cases.map(([name, call]) => `        ${call}\n        show "${name}"`).join('\n');
    const f = fields(
      runKernel(
        timeProgram(`${body}
        sys ${NR.exit}, 0
section .data
ts_big:   dd 0, 1000000000
ts_negn:  dd 0, -1
ts_negs:  dd -1, 0
ts_ok:    dd 0, 1000
ts_zero:  dd 0, 0
ts64_big: dd 0, 0, 1000000000, 0
ts64_neg: dd 0, 0x80000000, 0, 0
ts64_past: dd 1000, 0, 0, 0
`),
      ),
    );
    expect(Object.fromEntries(f)).toEqual({
      nsec_1e9: '-22', nsec_neg: '-22', sec_neg: '-22', null: '-14', kernel: '-14', straddle: '-14',
      cn_badclock: '-22', cn_thread: '-22', cn_raw: '-95', cn_big: '-22', cn_null: '-14', cn_abs_past: '0',
      cn64_big: '-22', cn64_negsec: '-22', cn64_abs_past: '0',
    });
  });

  it('clock_nanosleep TIMER_ABSTIME wakes at or after the target; the time64 form takes s64 seconds', () => {
    const prog = timeProgram(`
        sys     ${NR.clock_gettime}, 1, target
        mov     eax, [target + 4]
        add     eax, 30000000               ; + 30 ms
        cmp     eax, 1000000000
        jb      .ok
        sub     eax, 1000000000
        inc     dword [target]
.ok:    mov     [target + 4], eax
        sys     ${NR.clock_nanosleep}, 1, 1, target, rem
        show    "abs"
        sys     ${NR.clock_gettime}, 1, now
        showts  "target", target
        showts  "now", now
        sys     ${NR.clock_nanosleep_time64}, 0, 0, rel64, 0
        show    "rel64"
        sys     ${NR.clock_gettime}, 1, now
        showts  "now2", now
        showts  "rem", rem
        sys     ${NR.exit}, 0
section .data
rel64:  dd 0, 0, 20000000, 0xdeadbeef       ; high half of tv_nsec is ignored on i386
rem:    dd 5, 5
section .bss
target: resd 2
now:    resd 2
`);
    const a = runKernel(prog);
    const f = fields(a);
    expect(f.get('abs')).toBe('0');
    expect(ns(f.get('now'))).toBeGreaterThanOrEqual(ns(f.get('target')));
    expect(ns(f.get('now')) - ns(f.get('target'))).toBeLessThan(2n * 10_000_151n);
    expect(f.get('rel64')).toBe('0');
    expect(ns(f.get('now2')) - ns(f.get('now'))).toBeGreaterThanOrEqual(20_000_000n);
    expect(f.get('rem')).toBe('5.000000005');
    expect(runKernel(prog).stdout).toBe(a.stdout);
  });

  it('clock_nanosleep TIMER_ABSTIME on CLOCK_REALTIME uses the wall clock', () => {
    const prog = timeProgram(`
        sys     ${NR.clock_nanosleep}, 0, 1, target, 0
        show    "abs"
        sys     ${NR.time}, 0
        showu   "time"
        sys     ${NR.exit}, 0
section .data
target: dd ${DEFAULT_EPOCH + 2}, 500000000
`);
    const r = runKernel(prog);
    const f = fields(r);
    expectFields(f, { abs: 0, time: `${DEFAULT_EPOCH + 2}` });
    // 2.5 s = 249.99 → 250 ticks + 1, from tick 0.
    expect(r.outcome.kernel.jiffies).toBe(251);
  });
});

describe('nanosleep between processes', () => {
  /** Three children sleeping 30, 10 and 20 ms (and a fourth 10 ms, after the second);
   *  each prints its number and wake-up time when it wakes; the parent reaps them. */
  const ORDER = timeProgram(`
        mov     edi, 1
        mov     esi, sleeps
.fork:  sys     ${NR.fork}
        test    eax, eax
        jz      .child
        add     esi, 8
        inc     edi
        cmp     edi, 5
        jbe     .fork
.reap:  sys     ${NR.wait4}, -1, 0, 0, 0
        test    eax, eax
        jg      .reap
        puts    "reaped all ", 10
        sys     ${NR.exit}, 0
.child: sys     ${NR.nanosleep}, esi, 0
        sys     ${NR.clock_gettime}, 1, now
        puts    "child "
        mov     eax, edi
        call    print_u32
        puts    " "
        mov     ebx, now
        call    print_ts
        call    print_nl
        sys     ${NR.exit}, 0
section .data
sleeps: dd 0, 30000000,  0, 10000000,  0, 20000000,  0, 10000000,  0, 0
section .bss
now:    resd 2
`);

  it('wake in expiry order; equal expiries in the order they slept; a zero sleep waits for the next tick', () => {
    const r = runKernel(ORDER);
    expect(r.outcome.end, r.outcome.message).toBe('exit');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['child 5', 'child 2', 'child 4', 'child 3', 'child 1', 'reaped all']);
    const at = (n: number) => ns(lines.find((l) => l.startsWith(`child ${n} `))!.split(' ')[2]);
    // Every child forks and sleeps within tick 0: the zero sleep ends at tick 1, 10 ms at
    // tick 2 (1 + 1), 20 ms at tick 3, 30 ms at tick 4 (2.9999 → 3, + 1).
    const tick = 10_000_150n;
    for (const [n, j] of [[5, 1n], [2, 2n], [4, 2n], [3, 3n], [1, 4n]] as const) {
      expect(at(n)).toBeGreaterThanOrEqual(j * tick);
      expect(at(n)).toBeLessThan(j * tick + 500_000n);
    }
    expect(at(4)).toBeGreaterThan(at(2));
    expect(r.outcome.kernel.jiffies).toBe(4);
    expect(runKernel(ORDER).stdout).toBe(r.stdout);
  });
});

describe('setting the wall clock: settimeofday, clock_settime', () => {
  it('moves CLOCK_REALTIME only; CLOCK_MONOTONIC goes on', () => {
    const f = fields(
      runKernel(
        timeProgram(`
        sys     ${NR.settimeofday}, tv, 0
        show    "stod"
        sys     ${NR.time}, 0
        showu   "time1"
        sys     ${NR.clock_settime}, 0, ts
        show    "cst"
        sys     ${NR.clock_gettime}, 0, out
        showts  "real", out
        sys     ${NR.clock_settime}, 1, ts
        show    "e_mono"
        sys     ${NR.settimeofday}, badtv, 0
        show    "e_usec"
        sys     ${NR.clock_settime64}, 0, 0
        show    "e_null"
        sys     ${NR.exit}, 0
section .data
tv:     dd 1000, 500000
ts:     dd 2000, 250000000
badtv:  dd 1, 1000000
section .bss
out:    resd 2
`),
      ),
    );
    expectFields(f, { stod: 0, time1: 1000, cst: 0 });
    const real = ns(f.get('real'));
    expect(real).toBeGreaterThan(2_000_250_000_000n);
    expect(real).toBeLessThan(2_000_260_000_000n);
    expectFields(f, { e_mono: -22, e_usec: -22, e_null: -14 });
  });
});

describe('CPU time: times, getrusage', () => {
  it('times() and getrusage(RUSAGE_SELF) report the cycles the process ran', () => {
    const prog = timeProgram(`
        mov     ecx, 3000000                 ; about 60 ms of guest CPU time
.spin:  dec     ecx
        jnz     .spin
        sys     ${NR.times}, tms
        showu   "ticks"
        puts    "tms "
        mov     eax, [tms]
        call    print_u32
        puts    " "
        mov     eax, [tms + 4]
        call    print_u32
        puts    " "
        mov     eax, [tms + 8]
        call    print_u32
        call    print_nl
        sys     ${NR.getrusage}, 0, ru
        puts    "ru "
        call    print_i32
        puts    " "
        mov     eax, [ru]
        call    print_u32
        puts    " "
        mov     eax, [ru + 4]
        call    print_u32
        call    print_nl
        sys     ${NR.getrusage}, 7, ru
        show    "e_who"
        sys     ${NR.getrusage}, 0, 0
        show    "e_null"
        sys     ${NR.times}, 0
        showu   "ticks_null"
        sys     ${NR.exit}, 0
section .bss
tms:    resd 4
ru:     resd 18
`);
    const r = runKernel(prog);
    const f = fields(r);
    const ticks = Number(f.get('ticks'));
    expect(ticks).toBeGreaterThanOrEqual(6);
    const [ut, st, cut] = f.get('tms')!.split(' ').map(Number);
    expect(ut).toBeGreaterThanOrEqual(5);
    expect(ut).toBeLessThanOrEqual(ticks);
    expect(st).toBeLessThanOrEqual(1);
    expect(cut).toBe(0);
    const [ret, sec, usec] = f.get('ru')!.split(' ').map(Number);
    expect(ret).toBe(0);
    expect(sec).toBe(0);
    expect(usec).toBeGreaterThan(50_000);
    expect(usec).toBeLessThan(ticks * 10_001 + 10_001);
    expectFields(f, { e_who: -22, e_null: -14 });
    expect(Number(f.get('ticks_null'))).toBeGreaterThanOrEqual(ticks);
  });
});
