// Taking a signal (kernel/signal.c get_signal); the signal state and sending it are
// signal.ts. get_signal runs for the current task, from signal_delivery.ts do_signal on
// the way back to user mode, and returns the signal whose handler must run (sigframe.ts
// builds its frame), or null once default actions are carried out (the task stopped or
// is exiting).
//
// TAKING A SIGNAL (get_signal, called by signal_delivery.ts do_signal): the next signal
// (synchronous faults first) and its action: ignore; stop — the whole group stops
// (TASK_STOPPED; the last thread to stop tells the parent: SIGCHLD CLD_STOPPED, and
// waitpid(WUNTRACED) sees it); terminate or core (do_group_exit — the wait status has the
// signal, and 0x80 for a core signal: see CORE DUMPS); or a handler, which get_signal
// returns for the frame to be built.
//
// CORE DUMPS. Linux sets the wait status's 0x80 bit when a core file was written. forkbox
// writes none but reports a core signal's death with the bit, as a Linux whose core dumps
// succeed would (the issue asks for "status shows the core bit"); natively the bit
// depends on RLIMIT_CORE (0 by default), so programs compared with native runs print
// WTERMSIG only.

import { SIG, signalStatus } from './abi.js';
import { do_group_exit } from './exit.js';
import type { Kernel } from './kernel.js';
import {
  CLD_CONTINUED, CLD_STOPPED, dequeue_signal, dequeue_synchronous_signal, do_notify_parent_cldstop, do_signal_stop,
  sig_kernel_only, SI_USER, type Dequeued,
} from './signal.js';
import {
  JOBCTL_STOP_PENDING, KSigaction, SA_RESETHAND, SIG_DFL, SIG_IGN, SIG_KERNEL_COREDUMP_MASK, SIG_KERNEL_IGNORE_MASK,
  SIG_KERNEL_STOP_MASK, SIGNAL_CLD_CONTINUED, SIGNAL_CLD_MASK, SIGNAL_GROUP_EXIT, SIGNAL_UNKILLABLE, siginfo, siginmask,
  sigdelset, type KernelSiginfo,
} from './sigset.js';
import { trace_signal } from './tracepoints.js';

/** struct ksignal: the signal get_signal chose, its siginfo and a copy of its action. */
export interface KSignal {
  sig: number;
  info: KernelSiginfo;
  ka: KSigaction;
}

/**
 * get_signal: the next signal with a handler for the current task, after carrying out
 * the default action of everything before it. Returns the signal, null (none, or the
 * task stopped or is exiting: check need_resched / PF_EXITING).
 */
export function get_signal(k: Kernel): KSignal | null {
  const current = k.current;
  const signal = current.signal!;
  const sighand = current.sighand!;
  // A thread of a continued (or no longer stopping) group reports it to the parent.
  if (signal.flags & SIGNAL_CLD_MASK) {
    const why = signal.flags & SIGNAL_CLD_CONTINUED ? CLD_CONTINUED : CLD_STOPPED;
    signal.flags &= ~SIGNAL_CLD_MASK;
    do_notify_parent_cldstop(k, current, why);
  }
  for (;;) {
    let d: Dequeued | null;
    // Has this task already been marked for death?
    if (signal.flags & SIGNAL_GROUP_EXIT) {
      sigdelset(current.pending.signal, SIG.SIGKILL);
      d = { sig: SIG.SIGKILL, info: siginfo(SIG.SIGKILL, SI_USER) };
    } else {
      if (current.jobctl & JOBCTL_STOP_PENDING && do_signal_stop(k, 0)) return null;
      d = dequeue_synchronous_signal(current) ?? dequeue_signal(current, current.blocked);
      if (!d) return null;
      const ka = sighand.action[d.sig - 1];
      if (ka.handler === SIG_IGN) {
        if (k.tracers.length !== 0) trace_signal(k, current, d.sig, 'ignore', d.info);
        continue;
      }
      if (ka.handler !== SIG_DFL) {
        if (k.tracers.length !== 0) trace_signal(k, current, d.sig, 'handler', d.info);
        // Run the handler (a copy of the action: SA_RESETHAND resets the table's).
        const copy = new KSigaction();
        copy.copyFrom(ka);
        if (ka.flags & SA_RESETHAND) ka.handler = SIG_DFL;
        return { sig: d.sig, info: d.info, ka: copy };
      }
      // The default action.
      if (siginmask(d.sig, SIG_KERNEL_IGNORE_MASK)) {
        if (k.tracers.length !== 0) trace_signal(k, current, d.sig, 'default-ignore', d.info);
        continue;
      }
      // init gets no signals it does not want (only SIGKILL/SIGSTOP the kernel forced).
      if (signal.flags & SIGNAL_UNKILLABLE && !sig_kernel_only(d.sig)) continue;
      if (siginmask(d.sig, SIG_KERNEL_STOP_MASK)) {
        if (k.tracers.length !== 0) trace_signal(k, current, d.sig, 'stop', d.info);
        // Stop every thread of the group. (Linux ignores SIGTSTP/SIGTTIN/SIGTTOU in an
        // orphaned process group; forkbox's groups are all init's, which would make
        // every group orphaned — so it does not, and they stop like SIGSTOP.)
        if (do_signal_stop(k, d.sig)) return null;
        continue;
      }
    }
    // Anything else is fatal, maybe with a core dump.
    const sig = d.sig;
    const core = signal.flags & SIGNAL_GROUP_EXIT ? false : siginmask(sig, SIG_KERNEL_COREDUMP_MASK);
    if (k.tracers.length !== 0 && !(signal.flags & SIGNAL_GROUP_EXIT)) trace_signal(k, current, sig, core ? 'core' : 'term', d.info);
    do_group_exit(k, signalStatus(sig, core));
    return null;
  }
}
