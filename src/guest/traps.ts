// CPU exceptions other than #PF (arch/x86/kernel/traps.c): from user mode they become
// signals for the current task; in kernel mode they are kernel bugs (panic).
//
// Until signal handling exists (part 2), a signal's default action is taken at once:
// terminate (the task's thread group exits with the signal as its status).

import { VEC_BP, VEC_BR, VEC_DB, VEC_DE, VEC_GP, VEC_NM, VEC_NP, VEC_OF, VEC_SS, VEC_TS, VEC_UD } from '../cpu/constants.js';
import { SIG, signalStatus } from './abi.js';
import { do_group_exit } from './exit.js';
import type { Kernel } from './kernel.js';
import { PT_EIP, type PtRegs } from './ptregs.js';

const TRAP_SIGNALS: Record<number, number> = {
  [VEC_DE]: SIG.SIGFPE,
  [VEC_DB]: SIG.SIGTRAP,
  [VEC_BP]: SIG.SIGTRAP,
  [VEC_OF]: SIG.SIGSEGV,
  [VEC_BR]: SIG.SIGSEGV,
  [VEC_UD]: SIG.SIGILL,
  [VEC_NM]: SIG.SIGFPE,
  [VEC_TS]: SIG.SIGSEGV,
  [VEC_NP]: SIG.SIGBUS,
  [VEC_SS]: SIG.SIGBUS,
  [VEC_GP]: SIG.SIGSEGV,
  16: SIG.SIGFPE,
  17: SIG.SIGBUS,
};

export function do_trap(k: Kernel, regs: PtRegs, vector: number, error: number): void {
  if (!regs.user) {
    k.panic(`exception ${vector} (error ${error}) in kernel mode at eip 0x${(regs.get(PT_EIP) >>> 0).toString(16)}`);
    return;
  }
  force_sig(k, TRAP_SIGNALS[vector] ?? SIG.SIGSEGV);
}

/** Signals whose default action dumps core (the status shows it; no core file is written). */
const CORE_SIGNALS = new Set<number>([SIG.SIGQUIT, SIG.SIGILL, SIG.SIGTRAP, SIG.SIGABRT, SIG.SIGBUS, SIG.SIGFPE, SIG.SIGSEGV, SIG.SIGSYS, SIG.SIGXCPU, SIG.SIGXFSZ]);

/**
 * force_sig: deliver `sig` to the current task. Without handlers (part 2) this is the
 * default action: terminate the thread group; core-dumping signals set the status's core
 * bit as Linux reports when a core is dumped — forkbox writes no core file, so it
 * reports them without the bit, as Linux does with RLIMIT_CORE = 0.
 */
export function force_sig(k: Kernel, sig: number): void {
  if (sig === SIG.SIGSEGV) k.stats.segvs++;
  void CORE_SIGNALS;
  do_group_exit(k, signalStatus(sig, false));
}
