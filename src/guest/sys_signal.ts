// The signal syscalls (kernel/signal.c, kernel/time/itimer.c): kill, tkill, tgkill,
// rt_sigqueueinfo; rt_sigaction, sigaction, signal; rt_sigprocmask, sigprocmask,
// sgetmask, ssetmask; rt_sigpending, sigpending; rt_sigsuspend, sigsuspend, pause;
// rt_sigtimedwait; sigaltstack; alarm, setitimer/getitimer (ITIMER_REAL);
// restart_syscall. sigreturn and rt_sigreturn are in sigframe.ts.
//
// User structures (i386):
//   struct sigaction (rt_sigaction)    +0 handler +4 flags +8 restorer +12 mask (64 bits)
//   struct old_sigaction (sigaction)   +0 handler +4 mask (32 bits) +8 flags +12 restorer
//   sigset_t 8 bytes (rt_*: sigsetsize must be 8), old_sigset_t 4 bytes (signals 1-32)
//   stack_t                            +0 ss_sp +4 ss_flags +8 ss_size
//   struct itimerval                   it_interval, it_value: { tv_sec, tv_usec }

import { E, SIG } from './abi.js';
import type { Kernel } from './kernel.js';
import { PT_ESP } from './ptregs.js';
import { altstack_bytes, do_sigaltstack, SIGFRAME_SYSCALLS, siginfo_bytes, SIGINFO_SIZE } from './sigframe.js';
import {
  dequeue_signal, fatal_signal_pending, group_send_sig_info, send_signal, set_current_blocked, SI_KERNEL, SI_TKILL, SI_USER,
  signal_pending, sigsuspend,
} from './signal.js';
import {
  KSigaction, SIG_DFL, SIG_IGN, SIG_KERNEL_IGNORE_MASK, SIG_KERNEL_ONLY_MASK, SigSet, SA_NODEFER, SA_RESETHAND,
  UAPI_SA_FLAGS, siginfo, siginmask, sigdelset, sigismember, type KernelSiginfo,
} from './sigset.js';
import type { Syscall } from './syscalls.js';
import { TASK_INTERRUPTIBLE, type SyscallResult, type Task } from './task.js';
import { ktime_get_ns, ns_to_jiffies, schedule_timeout } from './time.js';
import { copy_from_user, copy_to_user } from './uaccess.js';
import { thread_group } from './exit.js';
import { sleep_on } from './sched.js';

const SIG_BLOCK = 0;
const SIG_UNBLOCK = 1;
const SIG_SETMASK = 2;
const INT_MIN = 0x80000000 | 0;
const SIGSET_SIZE = 8;

function get32(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24);
}

function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = v;
  b[off + 1] = v >>> 8;
  b[off + 2] = v >>> 16;
  b[off + 3] = v >>> 24;
}

/** A 64-bit sigset_t at user `addr`, or null (EFAULT). */
function get_sigset(k: Kernel, addr: number): SigSet | null {
  const b = copy_from_user(k, addr, SIGSET_SIZE);
  return b ? new SigSet(get32(b, 0), get32(b, 4)) : null;
}

function sigset_bytes(s: SigSet, size = SIGSET_SIZE): Uint8Array {
  const b = new Uint8Array(SIGSET_SIZE);
  put32(b, 0, s.lo);
  put32(b, 4, s.hi);
  return b.subarray(0, size);
}

// ---------------------------------------------------------------------------------------
// Sending: kill, tkill, tgkill, rt_sigqueueinfo.

/** The siginfo of kill(): SI_USER from the caller's process. */
function kill_info(k: Kernel, sig: number, code = SI_USER): KernelSiginfo {
  return siginfo(sig, code, { pid: k.current.tgid });
}

/** __kill_pgrp_info: to every process of group pgrp: 0 if one got it, else the last
 *  error, -ESRCH for an empty group. */
function kill_pgrp_info(k: Kernel, sig: number, info: KernelSiginfo, pgrp: number): number {
  let ret = -E.ESRCH;
  for (const p of k.tasks.values()) {
    if (p === k.idle || p.group_leader !== p || p.pgrp !== pgrp) continue;
    const err = group_send_sig_info(k, sig, info, p);
    if (ret) ret = err;
  }
  return ret;
}

/**
 * kill_something_info: pid > 0 that process (any thread's id names its group); 0 the
 * caller's process group; -1 every process but init and the caller's; < -1 group -pid.
 */
function kill_something_info(k: Kernel, sig: number, info: KernelSiginfo, pid: number): number {
  if (pid > 0) {
    const p = k.tasks.get(pid);
    if (!p || p === k.idle) return -E.ESRCH;
    return group_send_sig_info(k, sig, info, p);
  }
  if (pid === INT_MIN) return -E.ESRCH;
  const current = k.current;
  if (pid !== -1) return kill_pgrp_info(k, sig, info, pid ? -pid : current.pgrp);
  let retval = 0;
  let count = 0;
  for (const p of k.tasks.values()) {
    if (p.pid > 1 && p.group_leader === p && p.tgid !== current.tgid) {
      const err = group_send_sig_info(k, sig, info, p);
      count++;
      if (err !== -E.EPERM) retval = err;
    }
  }
  return count ? retval : -E.ESRCH;
}

/** kill(pid, sig). */
const sys_kill: Syscall = (k, pid, sig) => kill_something_info(k, sig, kill_info(k, sig), pid);

/** do_send_specific: sig to thread `pid` (of group tgid when tgid > 0). */
function do_tkill(k: Kernel, tgid: number, pid: number, sig: number): number {
  const p = k.tasks.get(pid);
  if (!p || p === k.idle || (tgid > 0 && p.tgid !== tgid)) return -E.ESRCH;
  if (sig < 0 || sig > 64) return -E.EINVAL;
  if (sig === 0) return 0;
  send_signal(k, p, sig, kill_info(k, sig, SI_TKILL));
  return 0;
}

/** tkill(tid, sig). */
const sys_tkill: Syscall = (k, pid, sig) => (pid <= 0 ? -E.EINVAL : do_tkill(k, 0, pid, sig));

/** tgkill(tgid, tid, sig). */
const sys_tgkill: Syscall = (k, tgid, pid, sig) => (pid <= 0 || tgid <= 0 ? -E.EINVAL : do_tkill(k, tgid, pid, sig));

/** rt_sigqueueinfo(tgid, sig, uinfo): kill with the caller's siginfo. A process may not
 *  pretend to be the kernel or kill() when signalling another one (si_code >= 0, or
 *  SI_TKILL): -EPERM. */
const sys_rt_sigqueueinfo: Syscall = (k, pid, sig, uinfo) => {
  const b = copy_from_user(k, uinfo, SIGINFO_SIZE);
  if (!b) return -E.EFAULT;
  const code = get32(b, 8);
  if ((code >= 0 || code === SI_TKILL) && pid !== k.current.tgid) return -E.EPERM;
  const info = siginfo(sig, code, { errno: get32(b, 4), pid: get32(b, 12), uid: get32(b, 16), value: get32(b, 20) });
  const p = k.tasks.get(pid);
  if (pid <= 0 || !p || p === k.idle) return -E.ESRCH;
  return group_send_sig_info(k, sig, info, p);
};

// ---------------------------------------------------------------------------------------
// Handlers: rt_sigaction, sigaction, signal.

/**
 * do_sigaction: read and/or set the action of sig for the current task's handler table.
 * -EINVAL for a bad signal or for setting SIGKILL's or SIGSTOP's. Setting an action that
 * ignores sig discards it where it is pending (POSIX), blocked or not.
 */
export function do_sigaction(k: Kernel, sig: number, act: KSigaction | null, oact: KSigaction | null): number {
  const p = k.current;
  if (sig < 1 || sig > 64 || (act && siginmask(sig, SIG_KERNEL_ONLY_MASK))) return -E.EINVAL;
  const ka = p.sighand!.action[sig - 1];
  if (oact) {
    oact.copyFrom(ka);
    oact.flags &= UAPI_SA_FLAGS;
  }
  if (act) {
    ka.copyFrom(act);
    ka.flags &= UAPI_SA_FLAGS;
    ka.mask.lo &= ~SIG_KERNEL_ONLY_MASK;
    if (ka.handler === SIG_IGN || (ka.handler === SIG_DFL && siginmask(sig, SIG_KERNEL_IGNORE_MASK))) {
      const sh = p.signal!.shared_pending;
      flush_pending(sh, sig);
      for (const t of thread_group(k, p)) flush_pending(t.pending, sig);
    }
  }
  return 0;
}

function flush_pending(p: { signal: SigSet; list: Array<{ info: KernelSiginfo }> }, sig: number): void {
  if (!sigismember(p.signal, sig)) return;
  sigdelset(p.signal, sig);
  for (let i = p.list.length - 1; i >= 0; i--) if (p.list[i].info.signo === sig) p.list.splice(i, 1);
}

/** rt_sigaction(sig, act, oact, sigsetsize): struct sigaction of the kernel. */
const sys_rt_sigaction: Syscall = (k, sig, act, oact, sigsetsize) => {
  if (sigsetsize !== SIGSET_SIZE) return -E.EINVAL;
  let nka: KSigaction | null = null;
  if (act) {
    const b = copy_from_user(k, act, 20);
    if (!b) return -E.EFAULT;
    nka = new KSigaction();
    nka.handler = get32(b, 0) >>> 0;
    nka.flags = get32(b, 4);
    nka.restorer = get32(b, 8) >>> 0;
    nka.mask.lo = get32(b, 12);
    nka.mask.hi = get32(b, 16);
  }
  const old = oact ? new KSigaction() : null;
  const ret = do_sigaction(k, sig, nka, old);
  if (ret === 0 && old) {
    const b = new Uint8Array(20);
    put32(b, 0, old.handler);
    put32(b, 4, old.flags);
    put32(b, 8, old.restorer);
    put32(b, 12, old.mask.lo);
    put32(b, 16, old.mask.hi);
    if (copy_to_user(k, oact, b) < 0) return -E.EFAULT;
  }
  return ret;
};

/** sigaction(sig, act, oact): struct old_sigaction (a 32-bit mask). */
const sys_sigaction: Syscall = (k, sig, act, oact) => {
  let nka: KSigaction | null = null;
  if (act) {
    const b = copy_from_user(k, act, 16);
    if (!b) return -E.EFAULT;
    nka = new KSigaction();
    nka.handler = get32(b, 0) >>> 0;
    nka.mask.lo = get32(b, 4);
    nka.flags = get32(b, 8);
    nka.restorer = get32(b, 12) >>> 0;
  }
  const old = oact ? new KSigaction() : null;
  const ret = do_sigaction(k, sig, nka, old);
  if (ret === 0 && old) {
    const b = new Uint8Array(16);
    put32(b, 0, old.handler);
    put32(b, 4, old.mask.lo);
    put32(b, 8, old.flags);
    put32(b, 12, old.restorer);
    if (copy_to_user(k, oact, b) < 0) return -E.EFAULT;
  }
  return ret;
};

/** signal(sig, handler): the System V call — the handler is reset to SIG_DFL when it
 *  runs and the signal is not blocked during it (SA_RESETHAND | SA_NODEFER). Returns the
 *  old handler. */
const sys_signal: Syscall = (k, sig, handler) => {
  const nka = new KSigaction();
  nka.handler = handler >>> 0;
  nka.flags = SA_RESETHAND | SA_NODEFER;
  const old = new KSigaction();
  const ret = do_sigaction(k, sig, nka, old);
  return ret ? ret : old.handler | 0;
};

// ---------------------------------------------------------------------------------------
// The blocked mask.

/** sigprocmask's work: the new blocked mask from how and set; 0 or -EINVAL. */
function do_sigprocmask(k: Kernel, how: number, set: SigSet): number {
  const t = k.current;
  const b = t.blocked;
  let n: SigSet;
  switch (how) {
    case SIG_BLOCK:
      n = new SigSet(b.lo | set.lo, b.hi | set.hi);
      break;
    case SIG_UNBLOCK:
      n = new SigSet(b.lo & ~set.lo, b.hi & ~set.hi);
      break;
    case SIG_SETMASK:
      n = set;
      break;
    default:
      return -E.EINVAL;
  }
  set_current_blocked(k, t, n);
  return 0;
}

/** rt_sigprocmask(how, nset, oset, sigsetsize). */
const sys_rt_sigprocmask: Syscall = (k, how, nset, oset, sigsetsize) => {
  if (sigsetsize !== SIGSET_SIZE) return -E.EINVAL;
  const old = k.current.blocked.clone();
  if (nset) {
    const set = get_sigset(k, nset);
    if (!set) return -E.EFAULT;
    const err = do_sigprocmask(k, how, set);
    if (err) return err;
  }
  if (oset && copy_to_user(k, oset, sigset_bytes(old)) < 0) return -E.EFAULT;
  return 0;
};

/** sigprocmask(how, nset, oset): old_sigset_t — signals 1-32; SIG_SETMASK keeps 33-64. */
const sys_sigprocmask: Syscall = (k, how, nset, oset) => {
  const t = k.current;
  const old = t.blocked.lo;
  if (nset) {
    const b = copy_from_user(k, nset, 4);
    if (!b) return -E.EFAULT;
    const m = get32(b, 0);
    let n: SigSet;
    switch (how) {
      case SIG_BLOCK:
        n = new SigSet(t.blocked.lo | m, t.blocked.hi);
        break;
      case SIG_UNBLOCK:
        n = new SigSet(t.blocked.lo & ~m, t.blocked.hi);
        break;
      case SIG_SETMASK:
        n = new SigSet(m, t.blocked.hi);
        break;
      default:
        return -E.EINVAL;
    }
    set_current_blocked(k, t, n);
  }
  if (oset) {
    const b = new Uint8Array(4);
    put32(b, 0, old);
    if (copy_to_user(k, oset, b) < 0) return -E.EFAULT;
  }
  return 0;
};

/** sgetmask(): the blocked signals 1-32. */
const sys_sgetmask: Syscall = (k) => k.current.blocked.lo;

/** ssetmask(mask): set signals 1-32 of the blocked mask; returns the old ones. */
const sys_ssetmask: Syscall = (k, mask) => {
  const t = k.current;
  const old = t.blocked.lo;
  set_current_blocked(k, t, new SigSet(mask, t.blocked.hi));
  return old;
};

// ---------------------------------------------------------------------------------------
// Pending signals, waiting for signals.

/** do_sigpending: blocked signals that are pending (the thread's and the group's). */
function do_sigpending(t: Task): SigSet {
  const p = t.pending.signal;
  const s = t.signal!.shared_pending.signal;
  return new SigSet((p.lo | s.lo) & t.blocked.lo, (p.hi | s.hi) & t.blocked.hi);
}

/** rt_sigpending(set, sigsetsize): sigsetsize bytes (at most 8). */
const sys_rt_sigpending: Syscall = (k, uset, sigsetsize) => {
  if (sigsetsize >>> 0 > SIGSET_SIZE) return -E.EINVAL;
  return copy_to_user(k, uset, sigset_bytes(do_sigpending(k.current), sigsetsize)) < 0 ? -E.EFAULT : 0;
};

/** sigpending(set): old_sigset_t. */
const sys_sigpending: Syscall = (k, uset) => (copy_to_user(k, uset, sigset_bytes(do_sigpending(k.current), 4)) < 0 ? -E.EFAULT : 0);

/** rt_sigsuspend(mask, sigsetsize). */
const sys_rt_sigsuspend: Syscall = (k, unewset, sigsetsize) => {
  if (sigsetsize !== SIGSET_SIZE) return -E.EINVAL;
  const set = get_sigset(k, unewset);
  if (!set) return -E.EFAULT;
  return sigsuspend(k, set);
};

/** sigsuspend(unused, unused, mask): i386's three-argument form; mask is signals 1-32. */
const sys_sigsuspend: Syscall = (k, _h0, _h1, mask) => sigsuspend(k, new SigSet(mask, 0));

/** pause(): sleep until a signal arrives: -ERESTARTNOHAND — -EINTR once a handler has
 *  run, restarted otherwise (an ignored signal, a stop and continue). */
const sys_pause: Syscall = (k) => {
  const t = k.current;
  const wait = (): SyscallResult => (signal_pending(t) ? -E.ERESTARTNOHAND : sleep_on(k, TASK_INTERRUPTIBLE, wait));
  return wait();
};

/**
 * rt_sigtimedwait(these, info, timeout, sigsetsize): take a pending signal of `these`
 * without running its handler; with none pending, wait for one (unblocked meanwhile) up
 * to the timeout. Returns the signal (its siginfo to `info`), -EAGAIN on timeout, -EINTR
 * when another signal interrupts.
 */
const sys_rt_sigtimedwait: Syscall = (k, uthese, uinfo, uts, sigsetsize) => {
  if (sigsetsize !== SIGSET_SIZE) return -E.EINVAL;
  const these = get_sigset(k, uthese);
  if (!these) return -E.EFAULT;
  let timeout: number | null = null; // jiffies, null = forever
  if (uts) {
    const b = copy_from_user(k, uts, 8);
    if (!b) return -E.EFAULT;
    const sec = get32(b, 0);
    const nsec = get32(b, 4);
    if (sec < 0 || nsec < 0 || nsec >= 1e9) return -E.EINVAL;
    const ns = BigInt(sec) * 1_000_000_000n + BigInt(nsec);
    timeout = ns === 0n ? 0 : ns_to_jiffies(k, ns) + 1;
  }
  const t = k.current;
  // Invert the set of allowed signals to get those we want to block.
  const mask = new SigSet(~(these.lo & ~SIG_KERNEL_ONLY_MASK), ~these.hi);
  const finish = (sig: { sig: number; info: KernelSiginfo }): number => {
    if (uinfo && copy_to_user(k, uinfo, siginfo_bytes(sig.info)) < 0) return -E.EFAULT;
    return sig.sig;
  };
  const got = dequeue_signal(t, mask);
  if (got) return finish(got);
  if (timeout === 0) return -E.EAGAIN;
  // None ready: unblock the wanted ones while sleeping, so their arrival wakes us.
  t.real_blocked.set(t.blocked);
  t.blocked.lo &= mask.lo;
  t.blocked.hi &= mask.hi;
  const after = (timedOut: boolean): SyscallResult => {
    t.blocked.set(t.real_blocked);
    t.real_blocked.lo = t.real_blocked.hi = 0;
    const d = dequeue_signal(t, mask);
    if (d) return finish(d);
    return timedOut ? -E.EAGAIN : -E.EINTR;
  };
  const still = (): boolean => !signal_pending(t) && !fatal_signal_pending(t);
  if (timeout === null) {
    const resume = (): SyscallResult => (still() ? sleep_on(k, TASK_INTERRUPTIBLE, resume) : after(false));
    return sleep_on(k, TASK_INTERRUPTIBLE, resume);
  }
  const done = (remaining: number): SyscallResult => {
    if (remaining === 0) return after(true);
    if (still()) return schedule_timeout(k, remaining, TASK_INTERRUPTIBLE, done);
    return after(false);
  };
  return schedule_timeout(k, timeout, TASK_INTERRUPTIBLE, done);
};

// ---------------------------------------------------------------------------------------
// The alternate stack.

/** sigaltstack(uss, uoss): the old stack_t is taken before the new one is set. */
const sys_sigaltstack: Syscall = (k, uss, uoss) => {
  const t = k.current;
  const sp = k.ptRegsOf(t).get(PT_ESP);
  let ss: Uint8Array | null = null;
  if (uss) {
    ss = copy_from_user(k, uss, 12);
    if (!ss) return -E.EFAULT;
  }
  const old = altstack_bytes(t, sp);
  const err = ss ? do_sigaltstack(t, ss, sp) : 0;
  if (!err && uoss && copy_to_user(k, uoss, old) < 0) return -E.EFAULT;
  return err;
};

// ---------------------------------------------------------------------------------------
// ITIMER_REAL: alarm, setitimer, getitimer.

const ITIMER_REAL = 0;
const NSEC_PER_SEC = 1_000_000_000n;
const NSEC_PER_USEC = 1000n;

/** What is left of the group's ITIMER_REAL in ns (0: not armed; an expired one that has
 *  not fired yet counts 1 µs, as Linux's hrtimer_get_remaining does). */
function it_real_remaining(k: Kernel, t: Task): bigint {
  const sig = t.signal!;
  if (!sig.real_timer) return 0n;
  const rem = sig.it_real_expires - ktime_get_ns(k);
  return rem > 0n ? rem : NSEC_PER_USEC;
}

/** Arm the timer list for the group's expiry: the first tick at or after it (a tick that
 *  comes early re-adds the timer for the next one). */
function arm_real_timer(k: Kernel, t: Task): void {
  const sig = t.signal!;
  const tgid = t.tgid;
  const rem = sig.it_real_expires - ktime_get_ns(k);
  const fire = (): void => {
    if (ktime_get_ns(k) < sig.it_real_expires) {
      sig.real_timer = k.timers.add(k.jiffies + 1, fire);
      return;
    }
    sig.real_timer = 0;
    // it_real_fn: SIGALRM to the process, from the kernel (SI_KERNEL).
    const leader = [...k.tasks.values()].find((u) => u.tgid === tgid && u.signal === sig);
    if (leader) group_send_sig_info(k, SIG.SIGALRM, siginfo(SIG.SIGALRM, SI_KERNEL), leader);
    if (sig.it_real_incr > 0n && sig.live > 0) {
      sig.it_real_expires += sig.it_real_incr;
      arm_real_timer(k, leader ?? t);
    }
  };
  sig.real_timer = k.timers.add(k.jiffies + Math.max(1, ns_to_jiffies(k, rem > 0n ? rem : 0n)), fire);
}

/** do_setitimer(ITIMER_REAL): cancel, report the old value, arm the new one. */
function set_itimer_real(k: Kernel, valueNs: bigint, intervalNs: bigint): { value: bigint; interval: bigint } {
  const t = k.current;
  const sig = t.signal!;
  const old = { value: it_real_remaining(k, t), interval: sig.it_real_incr };
  if (sig.real_timer) k.timers.del(sig.real_timer);
  sig.real_timer = 0;
  sig.it_real_incr = intervalNs;
  if (valueNs > 0n) {
    sig.it_real_expires = ktime_get_ns(k) + valueNs;
    arm_real_timer(k, t);
  }
  return old;
}

/** alarm(seconds): SIGALRM after that many seconds (0 cancels); returns the seconds the
 *  previous alarm had left, rounded to nearest — and at least 1 if one was pending. */
const sys_alarm: Syscall = (k, seconds) => {
  let s = seconds >>> 0;
  if (s > 0x7fffffff) s = 0x7fffffff;
  const old = set_itimer_real(k, BigInt(s) * NSEC_PER_SEC, 0n).value;
  let sec = Number(old / NSEC_PER_SEC);
  const nsec = old % NSEC_PER_SEC;
  if ((sec === 0 && nsec > 0n) || nsec >= NSEC_PER_SEC / 2n) sec++;
  return sec;
};

function itimerval_bytes(v: { value: bigint; interval: bigint }): Uint8Array {
  const b = new Uint8Array(16);
  const tv = (off: number, ns: bigint) => {
    put32(b, off, Number(ns / NSEC_PER_SEC));
    put32(b, off + 4, Number((ns % NSEC_PER_SEC) / NSEC_PER_USEC));
  };
  tv(0, v.interval);
  tv(8, v.value);
  return b;
}

/** getitimer(which, value): ITIMER_REAL only (forkbox does not count CPU-time timers:
 *  ITIMER_VIRTUAL and ITIMER_PROF give -EINVAL). */
const sys_getitimer: Syscall = (k, which, value) => {
  if (which !== ITIMER_REAL) return -E.EINVAL;
  const v = { value: it_real_remaining(k, k.current), interval: k.current.signal!.it_real_incr };
  return copy_to_user(k, value, itimerval_bytes(v)) < 0 ? -E.EFAULT : 0;
};

/** setitimer(which, new, old): ITIMER_REAL only. A timeval is rounded up to whole µs. */
const sys_setitimer: Syscall = (k, which, unew, uold) => {
  if (which !== ITIMER_REAL) return -E.EINVAL;
  let value = 0n;
  let interval = 0n;
  if (unew) {
    const b = copy_from_user(k, unew, 16);
    if (!b) return -E.EFAULT;
    const isec = get32(b, 0), iusec = get32(b, 4), vsec = get32(b, 8), vusec = get32(b, 12);
    if (isec < 0 || vsec < 0 || iusec < 0 || vusec < 0 || iusec >= 1e6 || vusec >= 1e6) return -E.EINVAL;
    interval = BigInt(isec) * NSEC_PER_SEC + BigInt(iusec) * NSEC_PER_USEC;
    value = BigInt(vsec) * NSEC_PER_SEC + BigInt(vusec) * NSEC_PER_USEC;
  }
  const old = set_itimer_real(k, value, interval);
  if (uold && copy_to_user(k, uold, itimerval_bytes(old)) < 0) return -E.EFAULT;
  return 0;
};

// ---------------------------------------------------------------------------------------

/** restart_syscall(): what a syscall interrupted with -ERESTART_RESTARTBLOCK left to do
 *  (nanosleep's rest); without one, -EINTR. */
const sys_restart_syscall: Syscall = (k) => {
  const t = k.current;
  const fn = t.restart_block;
  t.restart_block = null;
  return fn ? fn() : -E.EINTR;
};

export const SIGNAL_SYSCALLS: Record<string, Syscall> = {
  kill: sys_kill,
  tkill: sys_tkill,
  tgkill: sys_tgkill,
  rt_sigqueueinfo: sys_rt_sigqueueinfo,
  rt_sigaction: sys_rt_sigaction,
  sigaction: sys_sigaction,
  signal: sys_signal,
  rt_sigprocmask: sys_rt_sigprocmask,
  sigprocmask: sys_sigprocmask,
  sgetmask: sys_sgetmask,
  ssetmask: sys_ssetmask,
  rt_sigpending: sys_rt_sigpending,
  sigpending: sys_sigpending,
  rt_sigsuspend: sys_rt_sigsuspend,
  sigsuspend: sys_sigsuspend,
  pause: sys_pause,
  rt_sigtimedwait: sys_rt_sigtimedwait,
  sigaltstack: sys_sigaltstack,
  alarm: sys_alarm,
  getitimer: sys_getitimer,
  setitimer: sys_setitimer,
  restart_syscall: sys_restart_syscall,
  ...SIGFRAME_SYSCALLS,
};
