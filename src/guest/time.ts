// Time: jiffies from the PIT's IRQ0, kernel timers, schedule_timeout (kernel/time/timer.c
// as the seeds quote it), the timer interrupt's scheduler tick, and the time syscalls:
// nanosleep, clock_nanosleep, clock_gettime, clock_getres, clock_settime, gettimeofday,
// settimeofday, time, times, getrusage.
//
// All time is guest time. The only clock is the CPU's cycle counter: guest nanoseconds
// since power-on are floor(cycles * 1e9 / cpuHz), computed exactly; jiffies count timer
// interrupts, which the PIT raises from the same counter. Nothing reads the host clock,
// so two runs of the same program see the same times.
//
// THE CLOCKS.
//   CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME   guest time since power-on
//     (the machine never suspends and nothing slews the clock, so the three agree).
//   CLOCK_REALTIME   the wall clock: a fixed epoch + guest time. The epoch is the time
//     at power-on, DEFAULT_EPOCH (2026-01-01T00:00:00Z) unless timekeeping_init() is given
//     another (forkbox run --epoch); settimeofday/clock_settime move it.
//   *_COARSE   the clock's value at the last timer interrupt (Linux's tick-granular
//     xtime), resolution one tick.
//   CLOCK_PROCESS_CPUTIME_ID / CLOCK_THREAD_CPUTIME_ID   the cycles the thread group /
//     the thread ran (utime + stime, accounted at every context switch in sched.ts),
//     converted to nanoseconds at cpuHz.
//
// A TICK is the PIT's actual period, LATCH / PIT_HZ seconds with LATCH =
// round(PIT_HZ / HZ) as kernel.ts programs it (10.000235 ms at HZ=100), the way older
// Linux derived TICK_NSEC from LATCH; timespec_to_jiffies rounds up to whole ticks.
//
// SLEEPING is sys_nanosleep as the seeds show it:
//     expire = timespec_to_jiffies(&t) + (t.tv_sec || t.tv_nsec);
//     current->state = TASK_INTERRUPTIBLE;
//     expire = schedule_timeout(expire);
// so a sleep lasts at least the time asked for: the whole ticks it covers, plus one for the
// partial tick already under way. A sleep of zero sleeps until the next tick (the timer is
// due at once and runs at the next tick, as in the 2.6 timer wheel). The sleeper is woken
// by process_timeout, or early by a signal (signal_pending): then nanosleep writes the
// time left to rmtp and returns -ERESTART_RESTARTBLOCK, which a signal handler turns into
// -EINTR and which otherwise restarts the rest of the sleep (restart_syscall). Any other
// early wake-up is spurious and the sleep goes on to the same expiry.

import { PIT_HZ } from '../devices/pit.js';
import {
  CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW, CLOCK_PROCESS_CPUTIME_ID,
  CLOCK_REALTIME, CLOCK_REALTIME_COARSE, CLOCK_THREAD_CPUTIME_ID, E, TIMER_ABSTIME,
} from './abi.js';
import type { Kernel } from './kernel.js';
import { sleep_on, wake_up_process } from './sched.js';
import type { Syscall } from './syscalls.js';
import { TASK_INTERRUPTIBLE, type SyscallResult, type Task } from './task.js';
import { copy_from_user, copy_to_user } from './uaccess.js';
import { signal_pending } from './signal.js';

/** struct timer_list: fires `fn` at the first tick where jiffies >= expires. */
export class TimerList {
  private readonly timers: Array<{ expires: number; seq: number; fn: () => void; task: Task | null }> = [];
  private seq = 0;

  /** add_timer(); returns a handle for del_timer(). Timers with the same expiry fire in
   *  the order they were added. */
  add(expires: number, fn: () => void, task: Task | null = null): number {
    const t = { expires, seq: ++this.seq, fn, task };
    let k = this.timers.length;
    while (k > 0 && this.timers[k - 1].expires > expires) k--;
    this.timers.splice(k, 0, t);
    return t.seq;
  }

  /** del_timer(): true if it was pending. */
  del(handle: number): boolean {
    const k = this.timers.findIndex((t) => t.seq === handle);
    if (k < 0) return false;
    this.timers.splice(k, 1);
    return true;
  }

  /** Delete every pending timer of task `t` (do_exit's del_timer_sync); returns how many. */
  delTask(t: Task): number {
    let n = 0;
    for (let k = this.timers.length - 1; k >= 0; k--) {
      if (this.timers[k].task === t) {
        this.timers.splice(k, 1);
        n++;
      }
    }
    return n;
  }

  /** run_timers(): fire every timer due at `jiffies`. */
  run(jiffies: number): void {
    while (this.timers.length > 0 && this.timers[0].expires <= jiffies) this.timers.shift()!.fn();
  }

  /** Pending timers, earliest first (for the debugger's `timers`). */
  list(): ReadonlyArray<{ expires: number; task: Task | null }> {
    return this.timers;
  }
}

// ---------------------------------------------------------------------------------------
// Timekeeping (kernel/time/timekeeping.c, reduced).

/** The wall-clock time at power-on unless told otherwise: 2026-01-01T00:00:00Z. */
export const DEFAULT_EPOCH = 1767225600;

const NSEC_PER_SEC = 1_000_000_000n;
const NSEC_PER_USEC = 1000n;
/** USER_HZ: the unit of clock_t in times() (and AT_CLKTCK). */
export const USER_HZ = 100;
/** MAX_JIFFY_OFFSET of a 32-bit kernel: the longest timeout, about 124 days at HZ=100. */
export const MAX_JIFFY_OFFSET = 0x3ffffffe;

/** The wake reason signal.ts gives a sleeper it wakes for a signal (a hint for traces:
 *  sleepers test signal_pending, not the reason). */
export const WAKE_SIGNAL = 'signal';

interface Timekeeper {
  /** CLOCK_REALTIME at power-on (cycle 0), in ns. */
  wallAtBootNs: bigint;
  /** The cycle count of the last timer interrupt (the *_COARSE clocks). */
  lastTickCycles: number;
}

const timekeepers = new WeakMap<Kernel, Timekeeper>();

function tk(k: Kernel): Timekeeper {
  let t = timekeepers.get(k);
  if (!t) {
    t = { wallAtBootNs: BigInt(DEFAULT_EPOCH) * NSEC_PER_SEC, lastTickCycles: 0 };
    timekeepers.set(k, t);
  }
  return t;
}

/** timekeeping_init: set the wall clock at power-on (read_persistent_clock), in seconds
 *  since 1970. Call before the kernel runs (run.ts does, from RunOptions.epoch). */
export function timekeeping_init(k: Kernel, epochSeconds: number): void {
  if (!Number.isSafeInteger(epochSeconds) || epochSeconds < 0) throw new RangeError(`epoch must be a whole number of seconds >= 0, got ${epochSeconds}`);
  tk(k).wallAtBootNs = BigInt(epochSeconds) * NSEC_PER_SEC;
}

/** Guest nanoseconds at a cycle count: floor(cycles * 1e9 / cpuHz), exactly. */
export function cycles_to_ns(k: Kernel, cycles: number): bigint {
  return (BigInt(Math.floor(cycles)) * NSEC_PER_SEC) / BigInt(k.machine.cpuHz);
}

/** ktime_get: CLOCK_MONOTONIC now, in ns since power-on. */
export function ktime_get_ns(k: Kernel): bigint {
  return cycles_to_ns(k, k.cpu.cycles);
}

/** ktime_get_real: CLOCK_REALTIME now, in ns since 1970. */
export function ktime_get_real_ns(k: Kernel): bigint {
  return tk(k).wallAtBootNs + ktime_get_ns(k);
}

/** The PIT's reload value for HZ, as kernel.ts initHardware programs it. */
export function LATCH(k: Kernel): number {
  return Math.round(PIT_HZ / k.options.hz);
}

/** timespec_to_jiffies: ceil(ns / TICK_NSEC), capped at MAX_JIFFY_OFFSET. */
export function ns_to_jiffies(k: Kernel, ns: bigint): number {
  if (ns <= 0n) return 0;
  const num = ns * BigInt(PIT_HZ);
  const den = BigInt(LATCH(k)) * NSEC_PER_SEC;
  const j = (num + den - 1n) / den;
  return j > BigInt(MAX_JIFFY_OFFSET) ? MAX_JIFFY_OFFSET : Number(j);
}

/** jiffies_to_timespec: the length of `j` ticks in ns (rounded down). */
export function jiffies_to_ns(k: Kernel, j: number): bigint {
  return (BigInt(j) * BigInt(LATCH(k)) * NSEC_PER_SEC) / BigInt(PIT_HZ);
}

/** TICK_NSEC: one tick in ns (rounded to nearest), the resolution of the coarse clocks. */
export function tick_nsec(k: Kernel): number {
  return Math.round((LATCH(k) * 1e9) / PIT_HZ);
}

/** CPU time of a task in cycles: what it accumulated at context switches, plus the
 *  current stretch if it is running now. */
export function task_cputime(k: Kernel, t: Task): { utime: number; stime: number } {
  let utime = t.utime;
  let stime = t.stime;
  if (t === k.current) {
    const ran = k.cpu.cycles - t.exec_start;
    const kran = k.stats.kernelCycles - t.kexec_start;
    stime += kran;
    utime += ran - kran;
  }
  return { utime, stime };
}

/** thread_group_cputime: the sum over the live threads of t's thread group. */
export function thread_group_cputime(k: Kernel, t: Task): { utime: number; stime: number } {
  let utime = 0;
  let stime = 0;
  for (const u of k.tasks.values()) {
    if (u.tgid !== t.tgid || u.pid === 0) continue;
    const c = task_cputime(k, u);
    utime += c.utime;
    stime += c.stime;
  }
  return { utime, stime };
}

/**
 * Account a reaped child's CPU time (its own and its reaped children's) to its parent's
 * cutime/cstime, as wait_task_zombie does. wait.ts calls it when it releases a zombie.
 */
export function acct_reaped_child(k: Kernel, parent: Task, child: Task): void {
  const c = task_cputime(k, child);
  parent.cutime += c.utime + child.cutime;
  parent.cstime += c.stime + child.cstime;
}

/** The current value of clock `which` in ns, or null for a clock that does not exist. */
export function clock_now_ns(k: Kernel, which: number): bigint | null {
  switch (which) {
    case CLOCK_REALTIME:
      return ktime_get_real_ns(k);
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_BOOTTIME:
      return ktime_get_ns(k);
    case CLOCK_REALTIME_COARSE:
      return tk(k).wallAtBootNs + cycles_to_ns(k, tk(k).lastTickCycles);
    case CLOCK_MONOTONIC_COARSE:
      return cycles_to_ns(k, tk(k).lastTickCycles);
    case CLOCK_PROCESS_CPUTIME_ID: {
      const c = thread_group_cputime(k, k.current);
      return cycles_to_ns(k, c.utime + c.stime);
    }
    case CLOCK_THREAD_CPUTIME_ID: {
      const c = task_cputime(k, k.current);
      return cycles_to_ns(k, c.utime + c.stime);
    }
    default:
      return null;
  }
}

/** clock_getres: the clock's resolution in ns, or null for a clock that does not exist. */
function clock_res_ns(k: Kernel, which: number): number | null {
  switch (which) {
    case CLOCK_REALTIME_COARSE:
    case CLOCK_MONOTONIC_COARSE:
      return tick_nsec(k);
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_BOOTTIME:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
      // One CPU cycle, rounded up to whole ns (10 ns at 100 MHz).
      return Math.ceil(1e9 / k.machine.cpuHz);
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------
// The tick, timers and schedule_timeout.

/** IRQ0: the tick (kernel/time/tick-common.c + scheduler_tick). */
export function timer_interrupt(k: Kernel): void {
  k.eoi(0);
  k.jiffies++;
  k.stats.timerTicks++;
  tk(k).lastTickCycles = k.cpu.cycles;
  k.timers.run(k.jiffies);
  const cur = k.current;
  if (cur !== k.idle && --cur.timeslice <= 0) k.need_resched = true;
}

/**
 * schedule_timeout(timeout) as the seeds show it, for the current task, whose state the
 * caller chooses (`state`, the seeds' `current->state = TASK_INTERRUPTIBLE`):
 *
 *     expire = timeout + jiffies;
 *     init_timer(&timer); timer.expires = expire; timer.data = current;
 *     timer.function = process_timeout; add_timer(&timer);
 *     schedule();
 *     del_singleshot_timer_sync(&timer);
 *     timeout = expire - jiffies;
 *     return timeout < 0 ? 0 : timeout;
 *
 * forkbox's syscalls cannot block a host stack in schedule(), so the part after it is the
 * continuation `done(remaining)`, run in the task's context when it is switched in again;
 * it returns the syscall's result (or BLOCKED to sleep again). Returns BLOCKED.
 */
export function schedule_timeout(k: Kernel, timeout: number, state: number, done: (remaining: number) => SyscallResult): SyscallResult {
  const t = k.current;
  const expire = timeout + k.jiffies;
  const timer = k.timers.add(expire, () => process_timeout(k, t), t);
  return sleep_on(k, state, () => {
    k.timers.del(timer);
    const left = expire - k.jiffies;
    return done(left < 0 ? 0 : left);
  });
}

/** The timer callback of schedule_timeout: wake the sleeper. */
export function process_timeout(k: Kernel, t: Task): void {
  wake_up_process(k, t, 'timeout');
}

/** What a schedule_timeout sleep has left: expire - jiffies, never negative. */
export function timeout_remaining(k: Kernel, expire: number): number {
  return Math.max(0, expire - k.jiffies);
}

/** do_exit's del_timer_sync: no timer of an exiting task may fire after it is gone. */
export function del_timer_sync(k: Kernel, t: Task): void {
  k.timers.delTask(t);
}

// ---------------------------------------------------------------------------------------
// struct timespec / timeval in user memory.
//
//   old_timespec32      { s32 tv_sec; s32 tv_nsec; }        nanosleep, clock_gettime …
//   __kernel_timespec   { s64 tv_sec; s64 tv_nsec; }        the *_time64 calls; on i386
//                       the kernel reads only the low 32 bits of tv_nsec (get_timespec64)
//   old_timeval32       { s32 tv_sec; s32 tv_usec; }        gettimeofday, getrusage

export interface Timespec {
  sec: bigint;
  nsec: number;
}

function le32(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24);
}

function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = v;
  b[off + 1] = v >> 8;
  b[off + 2] = v >> 16;
  b[off + 3] = v >>> 24;
}

/** get_old_timespec32 / get_timespec64: the timespec at `addr`, or -EFAULT. */
export function get_timespec(k: Kernel, addr: number, time64: boolean): Timespec | number {
  const b = copy_from_user(k, addr, time64 ? 16 : 8);
  if (!b) return -E.EFAULT;
  if (!time64) return { sec: BigInt(le32(b, 0)), nsec: le32(b, 4) };
  const sec = (BigInt(le32(b, 4)) << 32n) | BigInt(le32(b, 0) >>> 0);
  return { sec, nsec: le32(b, 8) };
}

/** timespec64_valid: seconds >= 0 and 0 <= nanoseconds < 1e9. */
export function timespec_valid(t: Timespec): boolean {
  return t.sec >= 0n && t.nsec >= 0 && t.nsec < 1e9;
}

/** put_old_timespec32 / put_timespec64 of `ns` at `addr`: 0 or -EFAULT. A 32-bit tv_sec
 *  is truncated, as Linux's put_old_timespec32 does. */
export function put_timespec(k: Kernel, addr: number, ns: bigint, time64: boolean): number {
  const sec = ns / NSEC_PER_SEC;
  const nsec = Number(ns % NSEC_PER_SEC);
  const b = new Uint8Array(time64 ? 16 : 8);
  put32(b, 0, Number(BigInt.asIntN(32, sec)));
  if (time64) {
    put32(b, 4, Number(BigInt.asIntN(32, sec >> 32n)));
    put32(b, 8, nsec);
  } else {
    put32(b, 4, nsec);
  }
  return copy_to_user(k, addr, b);
}

export function timespec_to_ns(t: Timespec): bigint {
  return t.sec * NSEC_PER_SEC + BigInt(t.nsec);
}

/** An old_timeval32 of `ns` into `b` at `off`. */
function fill_timeval(b: Uint8Array, off: number, ns: bigint): void {
  put32(b, off, Number(BigInt.asIntN(32, ns / NSEC_PER_SEC)));
  put32(b, off + 4, Number((ns % NSEC_PER_SEC) / NSEC_PER_USEC));
}

// ---------------------------------------------------------------------------------------
// Sleeping: nanosleep, clock_nanosleep.

/**
 * The sleep of sys_nanosleep, `jiffies` ticks long (the seeds' expire): TASK_INTERRUPTIBLE
 * in schedule_timeout. Woken by the timer: 0. Woken with a signal pending and time left:
 * the time left to rmtp (when not 0) and -ERESTART_RESTARTBLOCK (-EINTR to the program
 * if a handler runs). Woken for any other reason: sleeps on until the same expiry.
 */
function do_nanosleep(k: Kernel, jiffies: number, rmtp: number, time64: boolean): SyscallResult {
  const t = k.current;
  const done = (remaining: number): SyscallResult => {
    if (remaining === 0) return 0;
    if (!signal_pending(t)) return schedule_timeout(k, remaining, TASK_INTERRUPTIBLE, done);
    if (rmtp !== 0) {
      const r = put_timespec(k, rmtp, jiffies_to_ns(k, remaining), time64);
      if (r < 0) return r;
    }
    // -ERESTART_RESTARTBLOCK: a handler makes it -EINTR (the time left is in rmtp);
    // without one (the signal was ignored, or stopped and continued the task)
    // restart_syscall sleeps on to the same expiry (signal_delivery.ts do_signal).
    const expire = k.jiffies + remaining;
    t.restart_block = () => (expire <= k.jiffies ? 0 : do_nanosleep(k, expire - k.jiffies, rmtp, time64));
    return -E.ERESTART_RESTARTBLOCK;
  };
  return schedule_timeout(k, jiffies, TASK_INTERRUPTIBLE, done);
}

/** The seeds' expire: the ticks the time covers, plus one for the tick under way. */
function nanosleep_jiffies(k: Kernel, ns: bigint): number {
  const j = ns_to_jiffies(k, ns) + (ns !== 0n ? 1 : 0);
  return Math.min(j, MAX_JIFFY_OFFSET);
}

/** nanosleep(rqtp, rmtp): old_timespec32. */
const sys_nanosleep: Syscall = (k, rqtp, rmtp) => {
  const t = get_timespec(k, rqtp, false);
  if (typeof t === 'number') return t;
  if (!timespec_valid(t)) return -E.EINVAL;
  return do_nanosleep(k, nanosleep_jiffies(k, timespec_to_ns(t)), rmtp, false);
};

/** Clocks clock_nanosleep can sleep on; -EINVAL / -EOPNOTSUPP otherwise (posix-timers.c). */
function nsleep_check(which: number): number {
  switch (which) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
      return 0;
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_MONOTONIC_COARSE:
      return -E.ENOTSUP; // these k_clocks have no nsleep
    case CLOCK_PROCESS_CPUTIME_ID:
      // Linux sleeps until the process's CPU time reaches the target; forkbox does not
      // (documented deviation).
      return -E.ENOTSUP;
    default:
      return -E.EINVAL; // CLOCK_THREAD_CPUTIME_ID included, as in Linux
  }
}

function clock_nanosleep(k: Kernel, which: number, flags: number, rqtp: number, rmtp: number, time64: boolean): SyscallResult {
  const bad = nsleep_check(which);
  if (bad) return bad;
  const t = get_timespec(k, rqtp, time64);
  if (typeof t === 'number') return t;
  if (!timespec_valid(t)) return -E.EINVAL;
  let ns = timespec_to_ns(t);
  if (flags & TIMER_ABSTIME) {
    // Until the clock reads `t`: the rest from now, rounded up to ticks, + the tick under
    // way; nothing if it is already past. An absolute sleep never writes rmtp.
    ns -= clock_now_ns(k, which)!;
    if (ns <= 0n) return 0;
    return do_nanosleep(k, nanosleep_jiffies(k, ns), 0, time64);
  }
  return do_nanosleep(k, nanosleep_jiffies(k, ns), rmtp, time64);
}

const sys_clock_nanosleep: Syscall = (k, which, flags, rqtp, rmtp) => clock_nanosleep(k, which, flags, rqtp, rmtp, false);
const sys_clock_nanosleep_time64: Syscall = (k, which, flags, rqtp, rmtp) => clock_nanosleep(k, which, flags, rqtp, rmtp, true);

// ---------------------------------------------------------------------------------------
// Reading and setting the clocks.

function clock_gettime(k: Kernel, which: number, tp: number, time64: boolean): number {
  const ns = clock_now_ns(k, which);
  if (ns === null) return -E.EINVAL;
  return put_timespec(k, tp, ns, time64);
}

function clock_getres(k: Kernel, which: number, tp: number, time64: boolean): number {
  const res = clock_res_ns(k, which);
  if (res === null) return -E.EINVAL;
  return tp === 0 ? 0 : put_timespec(k, tp, BigInt(res), time64);
}

/** do_settimeofday64: move the wall clock so that it reads `ns` now. */
function set_realtime(k: Kernel, ns: bigint): void {
  tk(k).wallAtBootNs = ns - ktime_get_ns(k);
}

function clock_settime(k: Kernel, which: number, tp: number, time64: boolean): number {
  if (which !== CLOCK_REALTIME) return -E.EINVAL;
  const t = get_timespec(k, tp, time64);
  if (typeof t === 'number') return t;
  if (!timespec_valid(t)) return -E.EINVAL;
  set_realtime(k, timespec_to_ns(t));
  return 0;
}

/** gettimeofday(tv, tz): old_timeval32 of CLOCK_REALTIME; the timezone is UTC. */
const sys_gettimeofday: Syscall = (k, tv, tz) => {
  if (tv !== 0) {
    const b = new Uint8Array(8);
    fill_timeval(b, 0, ktime_get_real_ns(k));
    if (copy_to_user(k, tv, b) < 0) return -E.EFAULT;
  }
  if (tz !== 0 && copy_to_user(k, tz, new Uint8Array(8)) < 0) return -E.EFAULT;
  return 0;
};

/** settimeofday(tv, tz): tv may be NULL; the timezone is accepted and ignored. */
const sys_settimeofday: Syscall = (k, tv, tz) => {
  if (tz !== 0 && !copy_from_user(k, tz, 8)) return -E.EFAULT;
  if (tv === 0) return 0;
  const b = copy_from_user(k, tv, 8);
  if (!b) return -E.EFAULT;
  const sec = le32(b, 0);
  const usec = le32(b, 4);
  if (sec < 0 || usec < 0 || usec >= 1_000_000) return -E.EINVAL;
  set_realtime(k, BigInt(sec) * NSEC_PER_SEC + BigInt(usec) * NSEC_PER_USEC);
  return 0;
};

/** time(tloc): seconds of CLOCK_REALTIME, also stored at tloc when not NULL. */
const sys_time: Syscall = (k, tloc) => {
  const sec = Number(BigInt.asIntN(32, ktime_get_real_ns(k) / NSEC_PER_SEC));
  if (tloc !== 0) {
    const b = new Uint8Array(4);
    put32(b, 0, sec);
    if (copy_to_user(k, tloc, b) < 0) return -E.EFAULT;
  }
  return sec;
};

/** Cycles as clock_t (USER_HZ ticks). */
function cycles_to_clock_t(k: Kernel, cycles: number): number {
  return Number(BigInt.asIntN(32, cycles_to_ns(k, cycles) / (NSEC_PER_SEC / BigInt(USER_HZ))));
}

/** times(buf): struct tms { clock_t utime, stime, cutime, cstime } of the process; returns
 *  clock_t ticks since power-on (Linux counts from an arbitrary point; ours is boot). */
const sys_times: Syscall = (k, buf) => {
  if (buf !== 0) {
    const t = k.current;
    const c = thread_group_cputime(k, t);
    const b = new Uint8Array(16);
    put32(b, 0, cycles_to_clock_t(k, c.utime));
    put32(b, 4, cycles_to_clock_t(k, c.stime));
    put32(b, 8, cycles_to_clock_t(k, t.group_leader.cutime));
    put32(b, 12, cycles_to_clock_t(k, t.group_leader.cstime));
    if (copy_to_user(k, buf, b) < 0) return -E.EFAULT;
  }
  return Number(BigInt.asIntN(32, ktime_get_ns(k) / (NSEC_PER_SEC / BigInt(USER_HZ))));
};

const RUSAGE_SELF = 0;
const RUSAGE_CHILDREN = -1;
const RUSAGE_THREAD = 1;

/**
 * getrusage(who, ru): struct rusage of i386 (two old_timeval32 then 14 longs, 72 bytes).
 * ru_utime/ru_stime come from cycle accounting; ru_maxrss is the current resident size in
 * KiB (forkbox keeps no high-water mark) for RUSAGE_SELF/THREAD and 0 for children; the
 * other counters are 0.
 */
const sys_getrusage: Syscall = (k, who, ru) => {
  const t = k.current;
  let c: { utime: number; stime: number };
  if (who === RUSAGE_SELF) c = thread_group_cputime(k, t);
  else if (who === RUSAGE_THREAD) c = task_cputime(k, t);
  else if (who === RUSAGE_CHILDREN) c = { utime: t.group_leader.cutime, stime: t.group_leader.cstime };
  else return -E.EINVAL;
  const b = new Uint8Array(72);
  fill_timeval(b, 0, cycles_to_ns(k, c.utime));
  fill_timeval(b, 8, cycles_to_ns(k, c.stime));
  if (who !== RUSAGE_CHILDREN && t.mm) put32(b, 16, t.mm.rss * 4);
  return copy_to_user(k, ru, b);
};

export const TIME_SYSCALLS: Record<string, Syscall> = {
  nanosleep: sys_nanosleep,
  clock_nanosleep: sys_clock_nanosleep,
  clock_nanosleep_time64: sys_clock_nanosleep_time64,
  clock_gettime: (k, which, tp) => clock_gettime(k, which, tp, false),
  clock_gettime64: (k, which, tp) => clock_gettime(k, which, tp, true),
  clock_getres: (k, which, tp) => clock_getres(k, which, tp, false),
  clock_getres_time64: (k, which, tp) => clock_getres(k, which, tp, true),
  clock_settime: (k, which, tp) => clock_settime(k, which, tp, false),
  clock_settime64: (k, which, tp) => clock_settime(k, which, tp, true),
  gettimeofday: sys_gettimeofday,
  settimeofday: sys_settimeofday,
  time: sys_time,
  times: sys_times,
  getrusage: sys_getrusage,
};
