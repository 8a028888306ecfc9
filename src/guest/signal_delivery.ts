// Delivery of signals on the way back to user mode (kernel/entry/common.c
// exit_to_user_mode_loop, arch/x86/kernel/signal.c arch_do_signal_or_restart and
// handle_signal): the end of every kernel call (kernel.ts kcall) runs exit_to_user_mode.
//
// While the task about to return to user mode has work — an unblocked pending signal, a
// group stop to join, a stop/continue to report, a syscall restart to finish —
// do_signal runs: get_signal (get_signal.ts) carries out default actions until it finds a
// signal with a handler; handle_signal then settles the interrupted syscall
//     -ERESTARTSYS            restarted with SA_RESTART, else -EINTR
//     -ERESTARTNOINTR         always restarted
//     -ERESTARTNOHAND,
//     -ERESTART_RESTARTBLOCK  -EINTR (a handler ran)
// (restarting = eip -= 2 and eax = orig_eax: the `int 0x80` runs again), builds the
// frame (sigframe.ts) and blocks the handler's mask until sigreturn. With no handler,
// every -ERESTART* code restarts — -ERESTART_RESTARTBLOCK through restart_syscall, which
// runs the task's restart_block — and sigsuspend's saved mask is put back.
//
// forkbox cannot hold a host stack across a sleep: a task that stops in get_signal simply
// stays TASK_STOPPED with JOBCTL_STOPPED set; when SIGCONT (or SIGKILL) wakes it, the
// exit_to_user_mode of the kernel call that switches it in finds that work and finishes
// do_signal — what Linux's `goto relock` after do_signal_stop does. An interrupted
// syscall's -ERESTART* code waits in pt_regs.eax meanwhile.

import { E, NR } from './abi.js';
import type { Kernel } from './kernel.js';
import { PT_EAX, PT_EFLAGS, PT_EIP, PT_ORIG_EAX, type PtRegs } from './ptregs.js';
import { schedule } from './sched.js';
import { setup_frame, setup_rt_frame } from './sigframe.js';
import { force_sigsegv, JOBCTL_STOPPED, set_current_blocked, signal_pending } from './signal.js';
import { get_signal, type KSignal } from './get_signal.js';
import { SA_NODEFER, SA_RESTART, SA_SIGINFO, SIGNAL_CLD_MASK, SigSet, sigaddset } from './sigset.js';
import { PF_EXITING, TASK_STOPPED, type Task } from './task.js';

/** sigmask_to_save: the mask a frame records (sigsuspend's saved one if any). */
function sigmask_to_save(t: Task): SigSet {
  return t.restore_sigmask ? t.saved_sigmask : t.blocked;
}

/** restore_saved_sigmask: no handler ran after sigsuspend: put its caller's mask back. */
function restore_saved_sigmask(k: Kernel, t: Task): void {
  if (!t.restore_sigmask) return;
  t.restore_sigmask = false;
  set_current_blocked(k, t, t.saved_sigmask);
}

/** signal_delivered: the frame is up — block the handler's mask (and the signal itself,
 *  unless SA_NODEFER) until it returns through sigreturn. */
function signal_delivered(k: Kernel, t: Task, ksig: KSignal): void {
  t.restore_sigmask = false;
  const blocked = new SigSet(t.blocked.lo | ksig.ka.mask.lo, t.blocked.hi | ksig.ka.mask.hi);
  if (!(ksig.ka.flags & SA_NODEFER)) sigaddset(blocked, ksig.sig);
  set_current_blocked(k, t, blocked);
}

const X86_EFLAGS_TF = 0x100;
const X86_EFLAGS_DF = 0x400;
const X86_EFLAGS_RF = 0x10000;

/** handle_signal: settle the interrupted syscall, build the frame, block the mask. */
function handle_signal(k: Kernel, t: Task, ksig: KSignal): void {
  const regs = k.ptRegsOf(t);
  // Are we from a system call?
  if (regs.get(PT_ORIG_EAX) !== -1) {
    switch (regs.get(PT_EAX)) {
      case -E.ERESTART_RESTARTBLOCK:
      case -E.ERESTARTNOHAND:
        regs.set(PT_EAX, -E.EINTR);
        break;
      case -E.ERESTARTSYS:
        if (!(ksig.ka.flags & SA_RESTART)) regs.set(PT_EAX, -E.EINTR);
        else restart_syscall_regs(regs);
        break;
      case -E.ERESTARTNOINTR:
        restart_syscall_regs(regs);
        break;
    }
  }
  const set = sigmask_to_save(t);
  const failed = (ksig.ka.flags & SA_SIGINFO ? setup_rt_frame(k, t, ksig, set, regs) : setup_frame(k, t, ksig, set, regs)) < 0;
  if (failed) {
    force_sigsegv(k, ksig.sig);
    return;
  }
  // Clear the direction flag as per the ABI for function entry, and TF.
  regs.set(PT_EFLAGS, regs.get(PT_EFLAGS) & ~(X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF));
  signal_delivered(k, t, ksig);
}

/** Make the return to user mode execute the `int 0x80` again, with the same number. */
function restart_syscall_regs(regs: PtRegs): void {
  regs.set(PT_EAX, regs.get(PT_ORIG_EAX));
  regs.set(PT_EIP, regs.get(PT_EIP) - 2);
}

/** Is a -ERESTART* code waiting in the current task's eax for do_signal? */
function restart_pending(eax: number): boolean {
  return eax <= -E.ERESTARTSYS && eax >= -E.ERESTART_RESTARTBLOCK;
}

/**
 * do_signal (arch_do_signal_or_restart): deliver one signal to the current task, or
 * finish an interrupted syscall's restart and put sigsuspend's mask back.
 */
export function do_signal(k: Kernel): void {
  const t = k.current;
  t.jobctl &= ~JOBCTL_STOPPED;
  const ksig = get_signal(k);
  if (ksig) {
    handle_signal(k, t, ksig);
    return;
  }
  if (t.flags & PF_EXITING || t.state === TASK_STOPPED) return; // finished later, if ever
  const regs = k.ptRegsOf(t);
  // Did we come from a system call? Restart it.
  if (regs.get(PT_ORIG_EAX) !== -1) {
    const eax = regs.get(PT_EAX);
    if (eax === -E.ERESTARTNOHAND || eax === -E.ERESTARTSYS || eax === -E.ERESTARTNOINTR) {
      restart_syscall_regs(regs);
    } else if (eax === -E.ERESTART_RESTARTBLOCK) {
      regs.set(PT_EAX, NR.restart_syscall);
      regs.set(PT_EIP, regs.get(PT_EIP) - 2);
    }
  }
  // If there's no signal to deliver, we just put the saved sigmask back.
  restore_saved_sigmask(k, t);
}

/** Does the current task have signal work before it returns to user mode? */
function exit_work(k: Kernel, t: Task): boolean {
  if (signal_pending(t) || t.jobctl & JOBCTL_STOPPED || t.restore_sigmask) return true;
  const sig = t.signal;
  if (sig && sig.flags & SIGNAL_CLD_MASK) return true;
  const regs = k.ptRegsOf(t);
  return regs.get(PT_ORIG_EAX) !== -1 && restart_pending(regs.get(PT_EAX));
}

/** Most signal deliveries in one return to user mode before the kernel gives up (a
 *  guard against a kernel bug looping forever; never reached by a correct kernel). */
const MAX_EXIT_LOOPS = 10000;

/**
 * exit_to_user_mode (kernel/entry/common.c exit_to_user_mode_loop): the end of every
 * kernel call. While there is work: reschedule if asked, then, for a current task that
 * goes back to user mode, deliver its signals. Each round either delivers a signal,
 * carries out a default action (the task may stop or exit: the next round schedules),
 * or finishes a restart — so the loop ends.
 */
export function exit_to_user_mode(k: Kernel): void {
  for (let n = 0; n < MAX_EXIT_LOOPS; n++) {
    if (k.halted) return;
    if (k.need_resched) {
      schedule(k);
      continue;
    }
    const t = k.current;
    if (t === k.idle || t.exit_state || t.flags & PF_EXITING || !t.sighand || !t.signal) return;
    if (!exit_work(k, t)) return;
    if (!k.ptRegsOf(t).user) return;
    do_signal(k);
  }
  k.panic('exit_to_user_mode: signal delivery does not end');
}

