// Signals (kernel/signal.c): the state, sending, the pending sets, job control (stop and
// continue) and the parent's SIGCHLD. What a signal does when its task takes it is
// get_signal.ts; delivery on the way back to user mode (the frames, syscall restarts) is
// signal_delivery.ts and sigframe.ts; the syscalls are sys_signal.ts.
//
// THE STATE. Each task has its own pending set (t.pending: tkill, faults) and blocked
// mask (t.blocked); a thread group shares a signal_struct (t.signal: the shared pending
// set kill() fills, job-control flags, the group exit code, the alarm timer) and, with
// CLONE_SIGHAND, a sighand_struct (t.sighand: the 64 handlers). sigset.ts has the data.
//
// SENDING (send_signal_locked, as Linux's __send_signal_locked):
//   1. prepare_signal: a group that is exiting takes nothing more; a stop signal removes a
//      pending SIGCONT, and SIGCONT removes pending stop signals and continues a stopped
//      group at once (whatever SIGCONT's handler); then a signal whose action is "ignore"
//      (SIG_IGN, or SIG_DFL with an ignoring default) and is not blocked is dropped here;
//   2. a classic signal (< 32) already pending is not queued twice; real-time ones queue;
//   3. complete_signal picks the thread that will take it — the target if it can, else
//      (group signals) the next thread that does not block it — and wakes it (signal_wake_up:
//      an interruptible sleep ends, its syscall sees signal_pending and returns -EINTR or a
//      -ERESTART* code). A fatal signal (SIG_DFL, terminate, not a core dump) starts the
//      group exit right there: SIGKILL to every thread.
//
// FAULTS. A CPU exception in user mode (traps.ts, memory.ts) is force_sig_fault: a
// signal to the current thread that cannot be blocked or ignored — if it is, its action
// is reset to SIG_DFL and it kills (force_sig_info_to_task).

import { CLONE_SIGHAND, CLONE_THREAD, CLONE_VFORK, CLONE_VM, E, SIG } from './abi.js';
import { CYC_SIGNAL } from './cost.js';
import { thread_group } from './exit.js';
import type { Kernel } from './kernel.js';
import { sleep_on, wake_up_state } from './sched.js';
import {
  JOBCTL_STOP_CONSUME, JOBCTL_STOP_DEQUEUED, JOBCTL_STOP_PENDING, JOBCTL_STOP_SIGMASK, SA_NOCLDSTOP, SA_NOCLDWAIT,
  SIG_DFL, SIG_IGN, SIG_KERNEL_COREDUMP_MASK, SIG_KERNEL_IGNORE_MASK,
  SIG_KERNEL_ONLY_MASK, SIG_KERNEL_STOP_MASK, SIGNAL_CLD_CONTINUED, SIGNAL_CLD_MASK, SIGNAL_CLD_STOPPED, SIGNAL_GROUP_EXIT,
  SIGNAL_STOP_CONTINUED, SIGNAL_STOP_STOPPED, SIGNAL_UNKILLABLE, SIGRTMIN, SS_DISABLE, SYNCHRONOUS_MASK, SighandStruct,
  SignalStruct, SigPending, SigSet, next_signal, sigaddset, sigdelset, siginfo, siginmask, sigismember, sigmask,
  type KernelSiginfo,
} from './sigset.js';
import {
  PF_EXITING, TASK_INTERRUPTIBLE, TASK_STOPPED, TASK_WAKEKILL, type SyscallResult, type Task,
} from './task.js';
import { cycles_to_ns, task_cputime, WAKE_SIGNAL } from './time.js';
import { __wake_up_parent } from './wait.js';
import { trace_signal } from './tracepoints.js';

export { WAKE_SIGNAL };

/* si_code values (include/uapi/asm-generic/siginfo.h) */
export const SI_USER = 0;
export const SI_KERNEL = 0x80;
export const SI_QUEUE = -1;
export const SI_TIMER = -2;
export const SI_TKILL = -6;
export const ILL_ILLOPN = 2;
export const FPE_INTDIV = 1;
export const FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6, FPE_FLTINV = 7; // x87 (fpu.ts)
export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
export const BUS_ADRALN = 1;
export const BUS_ADRERR = 2;
export const TRAP_BRKPT = 1;
export const TRAP_TRACE = 2;
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;
export const CLD_STOPPED = 5;
export const CLD_CONTINUED = 6;

/** A JOBCTL bit of forkbox's: the task stopped inside get_signal and, once continued,
 *  must finish do_signal (Linux is still inside get_signal then; signal_delivery.ts). */
export const JOBCTL_STOPPED = 1 << 26;

/** What a sender may say about a signal (the rest is filled in: SI_USER from the
 *  current process by default, as Linux's send_sig(sig, t, 0)). */
export type SigInfo = Partial<KernelSiginfo>;

/** Longest queue of one pending set: further instances set the bit without a siginfo
 *  (Linux's RLIMIT_SIGPENDING overflow behaviour). Bounds host memory. */
const MAX_QUEUED = 1024;

// ---------------------------------------------------------------------------------------
// Setting up: init, fork, exec, exit.

/** The signal state of init (pid 1): fresh handlers, and init is unkillable by signals
 *  whose action is the default (SIGNAL_UNKILLABLE). */
export function init_task_signals(t: Task): void {
  t.sighand = new SighandStruct();
  t.signal = new SignalStruct();
  t.signal.flags |= SIGNAL_UNKILLABLE;
  t.sas_ss_flags = SS_DISABLE;
}

/** copy_sighand: CLONE_SIGHAND shares the handler table, otherwise the child gets a copy. */
export function copy_sighand(flags: number, parent: Task, p: Task): void {
  if (flags & CLONE_SIGHAND && parent.sighand) {
    parent.sighand.users++;
    p.sighand = parent.sighand;
    return;
  }
  const sh = new SighandStruct();
  if (parent.sighand) for (let i = 0; i < sh.action.length; i++) sh.action[i].copyFrom(parent.sighand.action[i]);
  p.sighand = sh;
}

/**
 * copy_signal and the per-task part of copy_process: CLONE_THREAD joins the caller's
 * signal_struct, anything else starts a new one (nothing pending, no alarm). The blocked
 * mask is inherited; the pending set starts empty; a CLONE_VM child (not vfork) does not
 * inherit the alternate stack, which is the parent's memory.
 */
export function copy_signal(flags: number, parent: Task, p: Task): void {
  if (flags & CLONE_THREAD && parent.signal) {
    p.signal = parent.signal;
    p.signal.live++;
  } else {
    p.signal = new SignalStruct();
    // The limits are inherited (resource.ts); null until someone reads or sets them.
    p.signal.rlim = parent.signal?.rlim ? parent.signal.rlim.slice() : null;
  }
  p.blocked.set(parent.blocked);
  if ((flags & (CLONE_VM | CLONE_VFORK)) === CLONE_VM) {
    p.sas_ss_sp = p.sas_ss_size = 0;
    p.sas_ss_flags = SS_DISABLE;
  } else {
    p.sas_ss_sp = parent.sas_ss_sp;
    p.sas_ss_size = parent.sas_ss_size;
    p.sas_ss_flags = parent.sas_ss_flags;
  }
}

/**
 * flush_signal_handlers (execve, setup_new_exec): caught signals go back to SIG_DFL —
 * the handlers' code is gone with the old program — ignored ones stay ignored; flags,
 * masks and restorers are cleared. A handler table shared with another process
 * (CLONE_SIGHAND) is unshared first. The alternate stack is forgotten. Pending signals
 * and the blocked mask are kept, as Linux keeps them.
 */
export function flush_signal_handlers(k: Kernel, t: Task): void {
  void k;
  const old = t.sighand;
  if (!old) return;
  if (old.users > 1) {
    const sh = new SighandStruct();
    for (let i = 0; i < sh.action.length; i++) sh.action[i].copyFrom(old.action[i]);
    old.users--;
    t.sighand = sh;
  }
  for (const ka of t.sighand!.action) {
    if (ka.handler !== SIG_IGN) ka.handler = SIG_DFL;
    ka.flags = 0;
    ka.restorer = 0;
    ka.mask.lo = ka.mask.hi = 0;
  }
  t.sas_ss_sp = t.sas_ss_size = 0;
  t.restart_block = null;
}

/**
 * exit_signals (do_exit, after PF_EXITING is set): one live thread fewer; the last one
 * cancels the group's alarm. A thread leaving a live group hands the group signals it
 * could have taken to another thread, and counts as stopped for a group stop in progress.
 */
export function exit_signals(k: Kernel, tsk: Task): void {
  const sig = tsk.signal;
  if (!sig) return;
  sig.live--;
  if (sig.live <= 0 && sig.real_timer) {
    k.timers.del(sig.real_timer);
    sig.real_timer = 0;
  }
  tsk.restart_block = null;
  if (sig.live <= 0 || sig.flags & SIGNAL_GROUP_EXIT) return;
  retarget_shared_pending(k, tsk);
  if (tsk.jobctl & JOBCTL_STOP_PENDING && task_participate_group_stop(tsk)) do_notify_parent_cldstop(k, tsk, CLD_STOPPED);
}

// ---------------------------------------------------------------------------------------
// Tests on the state.

function sig_handler(t: Task, sig: number): number {
  return t.sighand!.action[sig - 1].handler;
}

function sig_handler_ignored(handler: number, sig: number): boolean {
  return handler === SIG_IGN || (handler === SIG_DFL && siginmask(sig, SIG_KERNEL_IGNORE_MASK));
}

export function sig_kernel_only(sig: number): boolean {
  return siginmask(sig, SIG_KERNEL_ONLY_MASK);
}

function sig_task_ignored(t: Task, sig: number, force: boolean): boolean {
  const handler = sig_handler(t, sig);
  // SIGKILL and SIGSTOP may not be sent to the global init.
  if (t.tgid === 1 && sig_kernel_only(sig)) return true;
  if (t.signal!.flags & SIGNAL_UNKILLABLE && handler === SIG_DFL && !(force && sig_kernel_only(sig))) return true;
  return sig_handler_ignored(handler, sig);
}

/** sig_ignored: dropped at send time. Blocked signals never are — the handler may have
 *  changed by the time they are unblocked. */
function sig_ignored(t: Task, sig: number, force: boolean): boolean {
  if (sigismember(t.blocked, sig) || sigismember(t.real_blocked, sig)) return false;
  return sig_task_ignored(t, sig, force);
}

/** sig_fatal: the default action, and it terminates. */
function sig_fatal(t: Task, sig: number): boolean {
  return !siginmask(sig, SIG_KERNEL_IGNORE_MASK | SIG_KERNEL_STOP_MASK) && sig_handler(t, sig) === SIG_DFL;
}

/**
 * signal_pending: an unblocked signal waits for t (in its own or its group's pending set),
 * or it has a group stop to join. Blocking syscalls test it after every wake-up and
 * return -EINTR or a -ERESTART* code (signal delivery turns those into EINTR or a restart).
 */
export function signal_pending(t: Task): boolean {
  const sig = t.signal;
  const p = t.pending.signal;
  const b = t.blocked;
  if (((p.lo & ~b.lo) | (p.hi & ~b.hi)) !== 0) return true;
  if (sig) {
    const s = sig.shared_pending.signal;
    if (((s.lo & ~b.lo) | (s.hi & ~b.hi)) !== 0) return true;
  }
  return (t.jobctl & JOBCTL_STOP_PENDING) !== 0;
}

/** fatal_signal_pending: SIGKILL is pending (the task is being killed). */
export function fatal_signal_pending(t: Task): boolean {
  return sigismember(t.pending.signal, SIG.SIGKILL);
}

/** The live threads of t's group (task-table order: deterministic). */
function live_threads(k: Kernel, t: Task): Task[] {
  return thread_group(k, t).filter((u) => !u.exit_state);
}

// ---------------------------------------------------------------------------------------
// Queues.

/** Remove the signals of `mask` (classic signals: a first-word mask) from a pending set. */
function flush_sigqueue_mask(mask: number, p: SigPending): void {
  if ((p.signal.lo & mask) === 0) return;
  p.signal.lo &= ~mask;
  for (let i = p.list.length - 1; i >= 0; i--) {
    const sig = p.list[i].info.signo;
    if (sig < SIGRTMIN && mask & sigmask(sig)) p.list.splice(i, 1);
  }
}

/** flush_signals for a set of signals in t's group: its shared set and every thread's. */
function flush_group_mask(k: Kernel, t: Task, mask: number): void {
  flush_sigqueue_mask(mask, t.signal!.shared_pending);
  for (const u of live_threads(k, t)) flush_sigqueue_mask(mask, u.pending);
}

/** collect_signal: take the first queued instance of sig (its siginfo); the bit stays
 *  set while more are queued. Without a queue entry (SIGKILL, overflow) the siginfo is
 *  SI_USER from pid 0, as Linux fills it. */
function collect_signal(sig: number, p: SigPending): KernelSiginfo {
  let first = -1;
  let more = false;
  for (let i = 0; i < p.list.length; i++) {
    if (p.list[i].info.signo !== sig) continue;
    if (first < 0) first = i;
    else {
      more = true;
      break;
    }
  }
  if (!more) sigdelset(p.signal, sig);
  if (first < 0) return siginfo(sig, SI_USER);
  return p.list.splice(first, 1)[0].info;
}

export interface Dequeued {
  sig: number;
  info: KernelSiginfo;
}

/**
 * dequeue_signal: the next signal of tsk not in `mask` — its own pending set first, then
 * the group's; the lowest number, synchronous signals first. A stop signal taken out
 * marks JOBCTL_STOP_DEQUEUED (a group stop may begin).
 */
export function dequeue_signal(tsk: Task, mask: SigSet): Dequeued | null {
  let sig = next_signal(tsk.pending.signal, mask);
  let info: KernelSiginfo;
  if (sig) {
    info = collect_signal(sig, tsk.pending);
  } else {
    const shared = tsk.signal!.shared_pending;
    sig = next_signal(shared.signal, mask);
    if (!sig) return null;
    info = collect_signal(sig, shared);
  }
  if (siginmask(sig, SIG_KERNEL_STOP_MASK)) tsk.jobctl |= JOBCTL_STOP_DEQUEUED;
  return { sig, info };
}

/** dequeue_synchronous_signal: a fault signal the kernel raised (si_code > 0) in the
 *  thread's own queue comes before anything else, so the frame's eip is the faulting
 *  instruction's. */
export function dequeue_synchronous_signal(tsk: Task): Dequeued | null {
  const p = tsk.pending;
  if (((p.signal.lo & ~tsk.blocked.lo) & SYNCHRONOUS_MASK) === 0) return null;
  const i = p.list.findIndex((q) => q.info.signo < 32 && (sigmask(q.info.signo) & SYNCHRONOUS_MASK) !== 0 && q.info.code > 0);
  if (i < 0) return null;
  const info = p.list.splice(i, 1)[0].info;
  if (!p.list.some((q) => q.info.signo === info.signo)) sigdelset(p.signal, info.signo);
  return { sig: info.signo, info };
}

// ---------------------------------------------------------------------------------------
// Sending.

/**
 * signal_wake_up: t has a signal to look at. An interruptible sleep ends (wake reason
 * WAKE_SIGNAL); a fatal one also ends a stop or a killable sleep.
 */
export function signal_wake_up(k: Kernel, t: Task, fatal: boolean): void {
  wake_up_state(k, t, TASK_INTERRUPTIBLE | (fatal ? TASK_WAKEKILL | TASK_STOPPED : 0), WAKE_SIGNAL);
}

function signal_set_stop_flags(sig: SignalStruct, flags: number): void {
  sig.flags = (sig.flags & ~(SIGNAL_CLD_MASK | SIGNAL_STOP_STOPPED | SIGNAL_STOP_CONTINUED)) | flags;
}

/**
 * prepare_signal: the job-control side effects of sending sig to p's group, and whether
 * the signal is to be queued at all (false: the group is exiting, or it is ignored).
 */
function prepare_signal(k: Kernel, sig: number, p: Task, force: boolean): boolean {
  const signal = p.signal!;
  if (signal.flags & SIGNAL_GROUP_EXIT) return false; // the group is dying: nothing more
  if (siginmask(sig, SIG_KERNEL_STOP_MASK)) {
    // This is a stop signal. Remove SIGCONT from all queues.
    flush_group_mask(k, p, sigmask(SIG.SIGCONT));
  } else if (sig === SIG.SIGCONT) {
    // Remove all stop signals from all queues, wake all threads.
    flush_group_mask(k, p, SIG_KERNEL_STOP_MASK);
    for (const t of live_threads(k, p)) {
      t.jobctl &= ~(JOBCTL_STOP_PENDING | JOBCTL_STOP_CONSUME | JOBCTL_STOP_DEQUEUED);
      wake_up_state(k, t, TASK_STOPPED, WAKE_SIGNAL);
    }
    // Tell the parent (get_signal of a continued thread does it): CLD_CONTINUED if the
    // group was stopped, CLD_STOPPED if a group stop was under way and is now cancelled.
    let why = 0;
    if (signal.flags & SIGNAL_STOP_STOPPED) why |= SIGNAL_CLD_CONTINUED;
    else if (signal.group_stop_count) why |= SIGNAL_CLD_STOPPED;
    if (why) {
      signal_set_stop_flags(signal, why | SIGNAL_STOP_CONTINUED);
      signal.group_stop_count = 0;
      signal.group_exit_code = 0;
    }
  }
  return !sig_ignored(p, sig, force);
}

/** wants_signal: could t take sig now? */
function wants_signal(k: Kernel, sig: number, t: Task): boolean {
  if (sigismember(t.blocked, sig)) return false;
  if (t.flags & PF_EXITING || t.exit_state) return false;
  if (sig === SIG.SIGKILL) return true;
  if (t.state === TASK_STOPPED) return false;
  // A thread that already has a signal to handle will get to this one too: prefer
  // another (Linux tests TIF_SIGPENDING, set by an earlier wake-up; sig itself is queued
  // already, so it does not count).
  return t === k.current || !signal_pending_except(t, sig);
}

/** signal_pending, not counting sig. */
function signal_pending_except(t: Task, sig: number): boolean {
  const b = t.blocked;
  const p = t.pending.signal;
  const s = t.signal!.shared_pending.signal;
  const mlo = sig <= 32 ? ~sigmask(sig) : -1;
  const mhi = sig > 32 ? ~(1 << (sig - 33)) : -1;
  if (((p.lo | s.lo) & ~b.lo & mlo) !== 0 || ((p.hi | s.hi) & ~b.hi & mhi) !== 0) return true;
  return (t.jobctl & JOBCTL_STOP_PENDING) !== 0;
}

/**
 * complete_signal: sig is queued for p (group: in the shared set); find a thread to take
 * it and wake it. A fatal signal takes the whole group down at once: every thread gets
 * SIGKILL, the group exit code is the signal.
 */
function complete_signal(k: Kernel, sig: number, p: Task, group: boolean): void {
  const signal = p.signal!;
  let t: Task | null = null;
  if (wants_signal(k, sig, p)) t = p;
  else if (!group) return;
  else {
    // Round robin from the thread tried last, as signal->curr_target.
    const threads = live_threads(k, p);
    if (threads.length <= 1) return;
    let start = threads.findIndex((u) => u.pid === signal.curr_target);
    if (start < 0) start = 0;
    for (let n = 0; n < threads.length; n++) {
      const u = threads[(start + n) % threads.length];
      if (wants_signal(k, sig, u)) {
        t = u;
        break;
      }
    }
    if (!t) return; // any eligible thread will see it in the queue soon
    signal.curr_target = t.pid;
  }
  if (sig_fatal(p, sig) && !(signal.flags & SIGNAL_GROUP_EXIT) && !sigismember(t.real_blocked, sig)) {
    if (!siginmask(sig, SIG_KERNEL_COREDUMP_MASK)) {
      // This signal will be fatal to the whole group.
      signal.flags = SIGNAL_GROUP_EXIT;
      signal.group_exit_code = sig;
      signal.group_stop_count = 0;
      for (const u of live_threads(k, p)) {
        u.jobctl &= ~(JOBCTL_STOP_PENDING | JOBCTL_STOP_CONSUME);
        sigaddset(u.pending.signal, SIG.SIGKILL);
        signal_wake_up(k, u, true);
      }
      return;
    }
  }
  signal_wake_up(k, t, sig === SIG.SIGKILL);
}

/** The siginfo of a signal sent without details: SI_USER from the current process. */
function default_info(k: Kernel, sig: number, info: SigInfo | undefined): KernelSiginfo {
  const cur = k.current;
  return siginfo(sig, info?.code ?? SI_USER, { pid: cur && cur !== k.idle ? cur.tgid : 0, ...info, signo: sig });
}

/**
 * __send_signal_locked: queue sig for t (group: in its group's shared set) and find a
 * thread to take it. Returns whether it was queued. force: a fault signal the kernel
 * raises (init may not ignore it).
 */
function send_signal_locked(k: Kernel, sig: number, info: KernelSiginfo, t: Task, group: boolean, force = false): boolean {
  if (!t.sighand || !t.signal || t.exit_state) return false;
  k.charge(CYC_SIGNAL);
  if (!prepare_signal(k, sig, t, force)) {
    if (k.tracers.length !== 0 && !(t.signal.flags & SIGNAL_GROUP_EXIT)) trace_signal(k, t, sig, 'discard', info);
    return false;
  }
  const pending = group ? t.signal.shared_pending : t.pending;
  // Classic signals do not queue: a second one while the first is pending is lost.
  if (sig < SIGRTMIN && sigismember(pending.signal, sig)) return false;
  if (sig !== SIG.SIGKILL && pending.list.length < MAX_QUEUED) pending.list.push({ info });
  sigaddset(pending.signal, sig);
  const exiting = t.signal.flags & SIGNAL_GROUP_EXIT;
  complete_signal(k, sig, t, group);
  // complete_signal's fatal shortcut: the group dies of sig without dequeuing it.
  if (k.tracers.length !== 0 && !exiting && t.signal.flags & SIGNAL_GROUP_EXIT) trace_signal(k, t, sig, 'term', info);
  return true;
}

/**
 * send_signal: send sig to one thread (tkill, SIGPIPE, SIGALRM of a thread …): queue it
 * and wake the thread if it sleeps interruptibly. `info` fills the siginfo (default:
 * SI_USER from the current process).
 */
export function send_signal(k: Kernel, t: Task, sig: number, info?: SigInfo): void {
  if (sig < 1 || sig > 64) return;
  send_signal_locked(k, sig, default_info(k, sig, info), t, false);
}

/** The task that receives a group signal for p's group: p, or a live thread when p is a
 *  zombie leader whose threads go on. Null when the group has exited. */
function group_target(k: Kernel, p: Task): Task | null {
  if (!p.exit_state && p.sighand) return p;
  for (const u of thread_group(k, p)) if (!u.exit_state && u.sighand && !(u.flags & PF_EXITING)) return u;
  return null;
}

/** group_send_sig_info to the group of task p: 0 or -EINVAL. Signal 0 only checks. */
export function group_send_sig_info(k: Kernel, sig: number, info: KernelSiginfo, p: Task): number {
  if (sig < 0 || sig > 64) return -E.EINVAL;
  if (sig === 0) return 0;
  const t = group_target(k, p);
  if (t) send_signal_locked(k, sig, info, t, true);
  return 0;
}

/**
 * send_group_signal: kill(tgid, sig) semantics — to the whole thread group whose leader
 * (or any thread) has pid `tgid`. Returns 0, -ESRCH (no such process) or -EINVAL.
 */
export function send_group_signal(k: Kernel, tgid: number, sig: number, info?: SigInfo): number {
  const p = k.tasks.get(tgid);
  if (!p || p === k.idle) return -E.ESRCH;
  return group_send_sig_info(k, sig, default_info(k, sig, info), p);
}

/**
 * force_sig_info_to_task: a signal the current instruction caused. If t blocks or
 * ignores it, the action becomes SIG_DFL and it is unblocked — a fault cannot be
 * ignored away (it would only fault again). Then it is queued for t alone.
 */
function force_sig_info(k: Kernel, t: Task, info: KernelSiginfo): void {
  const sig = info.signo;
  if (!t.sighand || !t.signal) return;
  const action = t.sighand.action[sig - 1];
  const blocked = sigismember(t.blocked, sig);
  if (blocked || action.handler === SIG_IGN) {
    action.handler = SIG_DFL;
    if (blocked) sigdelset(t.blocked, sig);
  }
  if (action.handler === SIG_DFL) t.signal.flags &= ~SIGNAL_UNKILLABLE;
  send_signal_locked(k, sig, info, t, false, true);
}

/** force_sig: a synchronous signal to the current task with SI_KERNEL (#GP, #BP …). */
export function force_sig(k: Kernel, sig: number): void {
  if (sig === SIG.SIGSEGV) k.stats.segvs++;
  force_sig_info(k, k.current, siginfo(sig, SI_KERNEL));
}

/**
 * force_sig_fault: the current task's instruction faulted — sig with si_code `code` and
 * si_addr `addr` (CR2 for a page fault, the instruction for #DE/#UD). Cannot be blocked
 * or ignored: default action then.
 */
export function force_sig_fault(k: Kernel, sig: number, code: number, addr: number): void {
  if (sig === SIG.SIGSEGV) k.stats.segvs++;
  force_sig_info(k, k.current, siginfo(sig, code, { addr: addr >>> 0 }));
}

/** force_fatal_sig / force_sigsegv: the handler could not be set up — die of it. */
export function force_sigsegv(k: Kernel, sig: number): void {
  const t = k.current;
  if (sig === SIG.SIGSEGV && t.sighand) {
    t.sighand.action[SIG.SIGSEGV - 1].handler = SIG_DFL;
    sigdelset(t.blocked, SIG.SIGSEGV);
  }
  force_sig(k, SIG.SIGSEGV);
}

/** unhandled_signal: would sig kill t (no handler)? (Linux logs such segfaults.) */
export function unhandled_signal(t: Task, sig: number): boolean {
  if (!t.sighand) return true;
  const h = t.sighand.action[sig - 1].handler;
  return h === SIG_DFL || h === SIG_IGN;
}

/** retarget_shared_pending (exit_signals): t, exiting, will not take the group signals
 *  it has not blocked: wake other threads that can. */
function retarget_shared_pending(k: Kernel, t: Task): void {
  const s = t.signal!.shared_pending.signal;
  let lo = s.lo & ~t.blocked.lo;
  let hi = s.hi & ~t.blocked.hi;
  if ((lo | hi) === 0) return;
  for (const u of live_threads(k, t)) {
    if (u === t || u.flags & PF_EXITING) continue;
    if (((lo & ~u.blocked.lo) | (hi & ~u.blocked.hi)) === 0) continue;
    lo &= u.blocked.lo; // what u cannot take is left for the next thread
    hi &= u.blocked.hi;
    signal_wake_up(k, u, false);
    if ((lo | hi) === 0) break;
  }
}

/** set_current_blocked: the new blocked mask of t, never with SIGKILL/SIGSTOP. Group
 *  signals pending that t now blocks go to another thread that can take them. */
export function set_current_blocked(k: Kernel, t: Task, set: SigSet): void {
  const lo = set.lo & ~SIG_KERNEL_ONLY_MASK;
  const newLo = lo & ~t.blocked.lo;
  const newHi = set.hi & ~t.blocked.hi;
  t.blocked.lo = lo;
  t.blocked.hi = set.hi;
  if (!t.signal || (newLo | newHi) === 0) return;
  const s = t.signal.shared_pending.signal;
  const plo = s.lo & newLo;
  const phi = s.hi & newHi;
  if ((plo | phi) === 0) return;
  for (const u of live_threads(k, t)) {
    if (u === t || u.flags & PF_EXITING) continue;
    if (((plo & ~u.blocked.lo) | (phi & ~u.blocked.hi)) !== 0) {
      signal_wake_up(k, u, false);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Telling the parent.

/** Cycles as clock_t (USER_HZ = 100 ticks a second) for si_utime / si_stime. */
function cycles_to_clock_t(k: Kernel, cycles: number): number {
  return Number(BigInt.asIntN(32, cycles_to_ns(k, cycles) / 10_000_000n));
}

/**
 * do_notify_parent (exit_notify): tsk died with its exit_code; send its parent `sig`
 * (its exit_signal) with a CLD_* siginfo and wake the parent's wait4. Returns whether tsk
 * reaps itself: the parent ignores SIGCHLD (SIG_IGN) or set SA_NOCLDWAIT — then no
 * zombie is left and a parent in wait4 gets ECHILD once all its children are gone.
 */
export function do_notify_parent(k: Kernel, tsk: Task, sig: number): boolean {
  const parent = tsk.parent;
  if (!parent) return false;
  const c = task_cputime(k, tsk);
  const info = siginfo(sig, CLD_EXITED, {
    pid: tsk.pid,
    utime: cycles_to_clock_t(k, c.utime + tsk.cutime),
    stime: cycles_to_clock_t(k, c.stime + tsk.cstime),
    status: tsk.exit_code & 0x7f,
  });
  if (tsk.exit_code & 0x80) info.code = CLD_DUMPED;
  else if (tsk.exit_code & 0x7f) info.code = CLD_KILLED;
  else info.status = (tsk.exit_code >> 8) & 0xff;
  let autoreap = false;
  const psig = parent.sighand;
  if (psig && sig === SIG.SIGCHLD) {
    const ka = psig.action[SIG.SIGCHLD - 1];
    if (ka.handler === SIG_IGN || ka.flags & SA_NOCLDWAIT) {
      autoreap = true;
      if (ka.handler === SIG_IGN) sig = 0;
    }
  }
  if (sig > 0 && sig <= 64) {
    const t = group_target(k, parent);
    if (t) send_signal_locked(k, sig, info, t, true);
  }
  __wake_up_parent(k, parent);
  return autoreap;
}

/**
 * do_notify_parent_cldstop: tsk's group stopped (CLD_STOPPED) or continued
 * (CLD_CONTINUED): SIGCHLD to the group leader's parent unless it ignores SIGCHLD or set
 * SA_NOCLDSTOP; its wait4 (WUNTRACED / WCONTINUED) is woken in any case.
 */
export function do_notify_parent_cldstop(k: Kernel, tsk: Task, why: number): void {
  const leader = tsk.group_leader;
  const parent = leader.real_parent;
  if (!parent || parent === k.idle) return;
  const c = task_cputime(k, leader);
  const info = siginfo(SIG.SIGCHLD, why, {
    pid: leader.pid,
    utime: cycles_to_clock_t(k, c.utime),
    stime: cycles_to_clock_t(k, c.stime),
    status: why === CLD_CONTINUED ? SIG.SIGCONT : tsk.signal!.group_exit_code & 0x7f,
  });
  const psig = parent.sighand;
  if (psig) {
    const ka = psig.action[SIG.SIGCHLD - 1];
    if (ka.handler !== SIG_IGN && !(ka.flags & SA_NOCLDSTOP)) {
      const t = group_target(k, parent);
      if (t) send_signal_locked(k, SIG.SIGCHLD, info, t, true);
    }
  }
  __wake_up_parent(k, parent);
}

// ---------------------------------------------------------------------------------------
// Group stop.

/** task_participate_group_stop: t stops for the group stop; true when it is the last one
 *  of a fresh stop — the caller tells the parent. */
function task_participate_group_stop(t: Task): boolean {
  const sig = t.signal!;
  const consume = (t.jobctl & JOBCTL_STOP_CONSUME) !== 0;
  t.jobctl &= ~(JOBCTL_STOP_PENDING | JOBCTL_STOP_CONSUME | JOBCTL_STOP_DEQUEUED);
  if (!consume) return false;
  if (sig.group_stop_count > 0) sig.group_stop_count--;
  if (sig.group_stop_count === 0 && !(sig.flags & SIGNAL_STOP_STOPPED)) {
    signal_set_stop_flags(sig, SIGNAL_STOP_STOPPED);
    return true;
  }
  return false;
}

/**
 * do_signal_stop: the current thread takes part in a group stop (starting one for
 * signr if none is under way): every other thread is told to stop, this one enters
 * TASK_STOPPED, and the last to stop notifies the parent. Returns whether it stopped.
 */
export function do_signal_stop(k: Kernel, signr: number): boolean {
  const current = k.current;
  const sig = current.signal!;
  if (!(current.jobctl & JOBCTL_STOP_PENDING)) {
    if (!(current.jobctl & JOBCTL_STOP_DEQUEUED) || sig.flags & SIGNAL_GROUP_EXIT) return false;
    // No group stop under way: start one.
    if (!(sig.flags & SIGNAL_STOP_STOPPED)) sig.group_exit_code = signr;
    sig.group_stop_count = 0;
    const gstop = JOBCTL_STOP_PENDING | JOBCTL_STOP_CONSUME | (signr & JOBCTL_STOP_SIGMASK);
    current.jobctl = (current.jobctl & ~JOBCTL_STOP_SIGMASK) | gstop;
    sig.group_stop_count++;
    for (const t of live_threads(k, current)) {
      if (t === current || t.state === TASK_STOPPED || t.flags & PF_EXITING) continue;
      t.jobctl = (t.jobctl & ~JOBCTL_STOP_SIGMASK) | gstop;
      sig.group_stop_count++;
      signal_wake_up(k, t, false);
    }
  }
  const notify = task_participate_group_stop(current);
  current.state = TASK_STOPPED;
  current.jobctl |= JOBCTL_STOPPED;
  k.need_resched = true;
  if (notify) do_notify_parent_cldstop(k, current, CLD_STOPPED);
  return true;
}

/** The group exit code when a group exit is already under way (do_group_exit uses it:
 *  every thread exits with the status of the first fatal event), or `code` after
 *  starting one. Called by exit.ts do_group_exit. */
export function start_group_exit(t: Task, code: number): number {
  const sig = t.signal;
  if (!sig) return code;
  if (sig.flags & SIGNAL_GROUP_EXIT) {
    // A group exit begun by a fatal signal recorded the bare signal number.
    return sig.group_exit_code;
  }
  sig.group_exit_code = code;
  sig.flags = SIGNAL_GROUP_EXIT;
  sig.group_stop_count = 0;
  return code;
}

// ---------------------------------------------------------------------------------------
// Waiting for signals: sigsuspend (pause is sys_signal.ts's).

/**
 * sigsuspend(set): block `set` instead of the current mask and sleep until a signal
 * arrives; its handler runs with the old mask saved in the frame (restore_sigmask), and
 * the call returns -EINTR (-ERESTARTNOHAND: restarted if no handler runs).
 */
export function sigsuspend(k: Kernel, set: SigSet): SyscallResult {
  const t = k.current;
  t.saved_sigmask.set(t.blocked);
  set_current_blocked(k, t, set);
  const wait = (): SyscallResult => {
    if (!signal_pending(t)) return sleep_interruptible(k, wait);
    t.restore_sigmask = true;
    return -E.ERESTARTNOHAND;
  };
  return wait();
}

function sleep_interruptible(k: Kernel, resume: () => SyscallResult): SyscallResult {
  return sleep_on(k, TASK_INTERRUPTIBLE, resume);
}
