// The data of signals (include/linux/signal_types.h, include/linux/sched/signal.h): the
// 64-signal set, a queue of pending signals with their siginfo, a handler (k_sigaction),
// and the two shared records — sighand_struct (the handler table, shared with
// CLONE_SIGHAND) and signal_struct (the thread group's: shared pending set, job control,
// group exit, the alarm timer). signal.ts does the work; this file only holds the data,
// so that task.ts can embed it without importing the rest of the kernel.
//
// A SIGSET is two 32-bit words, as sigset_t is on i386 (_NSIG_WORDS = 2): `lo` holds
// signals 1-32 (bit sig-1), `hi` signals 33-64. No BigInt on the delivery path.

/** _NSIG: signals are 1..64. */
export const _NSIG = 64;
/** The first real-time signal (SIGRTMIN as the kernel sees it): 32 and up queue. */
export const SIGRTMIN = 32;

/** sigset_t: two words (lo = signals 1-32, hi = 33-64). */
export class SigSet {
  constructor(
    public lo = 0,
    public hi = 0,
  ) {}

  static of(...sigs: number[]): SigSet {
    const s = new SigSet();
    for (const sig of sigs) sigaddset(s, sig);
    return s;
  }

  clone(): SigSet {
    return new SigSet(this.lo, this.hi);
  }

  /** Copy `o` into this set. */
  set(o: SigSet): void {
    this.lo = o.lo;
    this.hi = o.hi;
  }
}

export function sigaddset(s: SigSet, sig: number): void {
  const b = sig - 1;
  if (b < 32) s.lo |= 1 << b;
  else s.hi |= 1 << (b - 32);
}

export function sigdelset(s: SigSet, sig: number): void {
  const b = sig - 1;
  if (b < 32) s.lo &= ~(1 << b);
  else s.hi &= ~(1 << (b - 32));
}

export function sigismember(s: SigSet, sig: number): boolean {
  const b = sig - 1;
  return b < 32 ? (s.lo & (1 << b)) !== 0 : (s.hi & (1 << (b - 32))) !== 0;
}

export function sigisemptyset(s: SigSet): boolean {
  return (s.lo | s.hi) === 0;
}

export function sigemptyset(s: SigSet): void {
  s.lo = 0;
  s.hi = 0;
}

/** The lowest signal in `pending & ~blocked`, synchronous signals first (next_signal). */
export function next_signal(pending: SigSet, blocked: SigSet): number {
  let x = pending.lo & ~blocked.lo;
  if (x !== 0) {
    if (x & SYNCHRONOUS_MASK) x &= SYNCHRONOUS_MASK;
    return 32 - Math.clz32(x & -x);
  }
  x = pending.hi & ~blocked.hi;
  if (x !== 0) return 32 + 32 - Math.clz32(x & -x);
  return 0;
}

/** 1 << (sig - 1) for a signal of the first word. */
export function sigmask(sig: number): number {
  return 1 << (sig - 1);
}

/* Signal numbers used in the masks below (abi.ts SIG has them all). */
const SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9;
const SIGSEGV = 11, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22;
const SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGWINCH = 28, SIGSYS = 31;

/** Signals raised by the instruction that just ran: dequeued before any other. */
export const SYNCHRONOUS_MASK = sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGILL) | sigmask(SIGTRAP) | sigmask(SIGFPE) | sigmask(SIGSYS);
/** SIGKILL and SIGSTOP: never caught, blocked or ignored (sig_kernel_only). */
export const SIG_KERNEL_ONLY_MASK = sigmask(SIGKILL) | sigmask(SIGSTOP);
/** Default action "ignore" (sig_kernel_ignore). */
export const SIG_KERNEL_IGNORE_MASK = sigmask(SIGCONT) | sigmask(SIGCHLD) | sigmask(SIGWINCH) | sigmask(SIGURG);
/** Default action "stop" (sig_kernel_stop). */
export const SIG_KERNEL_STOP_MASK = sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU);
/** Default action "terminate with a core dump" (sig_kernel_coredump). */
export const SIG_KERNEL_COREDUMP_MASK = sigmask(SIGQUIT) | sigmask(SIGILL) | sigmask(SIGTRAP) | sigmask(SIGABRT) | sigmask(SIGFPE) |
  sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGSYS) | sigmask(SIGXCPU) | sigmask(SIGXFSZ);

/** Whether signal `sig` (of the first word: the classic signals) is in `mask`. Real-time
 *  signals are in none of the masks above (their default action is terminate). */
export function siginmask(sig: number, mask: number): boolean {
  return sig < SIGRTMIN && (mask & sigmask(sig)) !== 0;
}

// ---------------------------------------------------------------------------------------
// Pending signals.

/**
 * The kernel's siginfo (kernel_siginfo_t), the fields forkbox fills. Which union member
 * is meaningful depends on signo and code (sigframe.ts copy_siginfo_to_user lays it out):
 * kill/tkill/SIGPIPE: pid, uid; SIGCHLD: pid, uid, status, utime, stime; faults: addr.
 */
export interface KernelSiginfo {
  signo: number;
  errno: number;
  code: number;
  pid: number;
  uid: number;
  status: number;
  utime: number;
  stime: number;
  addr: number;
  /** si_value (sigqueue / timers): one int. */
  value: number;
}

export function siginfo(signo: number, code: number, fields: Partial<KernelSiginfo> = {}): KernelSiginfo {
  return { signo, errno: 0, code, pid: 0, uid: 0, status: 0, utime: 0, stime: 0, addr: 0, value: 0, ...fields };
}

/** struct sigqueue: one queued instance of a signal. */
export interface SigQueue {
  info: KernelSiginfo;
}

/** struct sigpending: the set of pending signals and the queue of their siginfo. */
export class SigPending {
  readonly signal = new SigSet();
  readonly list: SigQueue[] = [];
}

// ---------------------------------------------------------------------------------------
// Handlers.

/* sa_handler special values */
export const SIG_DFL = 0;
export const SIG_IGN = 1;
export const SIG_ERR = -1;

/* sa_flags (arch/x86/include/uapi/asm/signal.h, include/uapi/asm-generic/signal-defs.h) */
export const SA_NOCLDSTOP = 0x00000001;
export const SA_NOCLDWAIT = 0x00000002;
export const SA_SIGINFO = 0x00000004;
export const SA_UNSUPPORTED = 0x00000400;
export const SA_EXPOSE_TAGBITS = 0x00000800;
export const SA_RESTORER = 0x04000000;
export const SA_ONSTACK = 0x08000000;
export const SA_RESTART = 0x10000000;
export const SA_NODEFER = 0x40000000;
export const SA_RESETHAND = 0x80000000 | 0;
/** The flags sigaction keeps (UAPI_SA_FLAGS); unknown bits are cleared, so that a
 *  program can detect what the kernel supports. */
export const UAPI_SA_FLAGS = SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_EXPOSE_TAGBITS | SA_RESTORER;

/** struct k_sigaction: a handler (an address, SIG_DFL or SIG_IGN), its flags, restorer
 *  and the signals blocked while it runs. */
export class KSigaction {
  handler = SIG_DFL;
  flags = 0;
  restorer = 0;
  readonly mask = new SigSet();

  copyFrom(o: KSigaction): void {
    this.handler = o.handler;
    this.flags = o.flags;
    this.restorer = o.restorer;
    this.mask.set(o.mask);
  }
}

/** struct sighand_struct: the handler table, shared by CLONE_SIGHAND (count = users). */
export class SighandStruct {
  users = 1;
  readonly action: KSigaction[] = Array.from({ length: _NSIG }, () => new KSigaction());
}

/* signal_struct.flags (include/linux/sched/signal.h) */
export const SIGNAL_STOP_STOPPED = 0x00000001; /* job control stop in effect */
export const SIGNAL_STOP_CONTINUED = 0x00000002; /* SIGCONT since WCONTINUED reap */
export const SIGNAL_GROUP_EXIT = 0x00000004; /* group exit in progress */
export const SIGNAL_CLD_STOPPED = 0x00000010;
export const SIGNAL_CLD_CONTINUED = 0x00000020;
export const SIGNAL_CLD_MASK = SIGNAL_CLD_STOPPED | SIGNAL_CLD_CONTINUED;
export const SIGNAL_UNKILLABLE = 0x00000040; /* for init: ignore fatal signals */

/** struct signal_struct: what a thread group shares (CLONE_THREAD). */
export class SignalStruct {
  /** Threads that have not begun to exit (signal->live): the group is dead at 0. */
  live = 1;
  /** Signals sent to the whole group (kill), taken by whichever thread gets there first. */
  readonly shared_pending = new SigPending();
  /** SIGNAL_* flags. */
  flags = 0;
  /** The exit code of a group exit, or the stop signal of a group stop (wait reports it). */
  group_exit_code = 0;
  /** Threads that still have to stop for the group stop in progress. */
  group_stop_count = 0;
  /** The thread complete_signal tried last (round robin for group signals). */
  curr_target: number | null = null;
  /** ITIMER_REAL (alarm, setitimer): the kernel timer's handle, its expiry in guest ns,
   *  its interval in ns (0: one-shot). */
  real_timer = 0;
  it_real_expires = 0n;
  it_real_incr = 0n;
  /** The resource limits, [cur, max] per RLIMIT_* (resource.ts); null: the defaults. */
  rlim: Uint32Array | null = null;
}

/* task->jobctl (include/linux/sched/jobctl.h), the bits forkbox uses */
export const JOBCTL_STOP_SIGMASK = 0xffff; /* the stop signal of a pending group stop */
export const JOBCTL_STOP_DEQUEUED = 1 << 16; /* a stop signal was dequeued */
export const JOBCTL_STOP_PENDING = 1 << 17; /* task should stop for group stop */
export const JOBCTL_STOP_CONSUME = 1 << 18; /* consume group stop count */

/* sigaltstack ss_flags */
export const SS_ONSTACK = 1;
export const SS_DISABLE = 2;
export const SS_AUTODISARM = 1 << 31;
export const SS_FLAG_BITS = SS_AUTODISARM;
/** MINSIGSTKSZ of x86: the smallest alternate stack sigaltstack accepts. */
export const MINSIGSTKSZ = 2048;
