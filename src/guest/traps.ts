// CPU exceptions other than #PF (arch/x86/kernel/traps.c): from user mode they become
// signals for the current thread; in kernel mode they are kernel bugs (panic).
//
// As Linux does, the exception's vector and error code are recorded in the thread
// (thread.trap_nr, thread.error_code: a handler finds them in its sigcontext's trapno and
// err), and the signal is forced — it cannot be blocked or ignored (signal.ts
// force_sig_info): if it is, the default action kills the process. An exception the
// process does not handle is logged (show_signal), one line; for an invalid opcode the
// line ends with the instruction's bytes at EIP (up to 15, read through the page tables
// without faulting, as Linux's show_opcodes) — what forkbox's CPU could not execute:
//   forkbox: prog[2] trap invalid opcode ip:8049750 sp:bffff8cc error:0 bytes: 0f 0b 90 …
//
//   vector               signal    si_code       si_addr
//   #DE divide error     SIGFPE    FPE_INTDIV    the faulting instruction
//   #DB debug            SIGTRAP   TRAP_TRACE    the next instruction (TF single step)
//                                  (TRAP_BRKPT without TF: icebp)
//   #BP int3             SIGTRAP   SI_KERNEL     -
//   #OF into, #BR bound  SIGSEGV   SI_KERNEL     -
//   #UD invalid opcode   SIGILL    ILL_ILLOPN    the faulting instruction
//   #NM no FPU           SIGFPE    SI_KERNEL     - (no math emulation; fpu.ts keeps CR0.EM
//                                                  and TS clear, so with an FPU it never happens)
//   #TS, #GP             SIGSEGV   SI_KERNEL     -   (si_addr 0)
//   #NP, #SS             SIGBUS    SI_KERNEL     -
//   #MF x87 error        SIGFPE    FPE_FLT*      the faulting instruction (math_error: the
//                                                  code of the unmasked exception in FSW,
//                                                  fpu.ts; none set: spurious, ignored)
//   #AC alignment        SIGBUS    BUS_ADRALN    0
// Page faults are memory.ts's (do_page_fault: SIGSEGV with SEGV_MAPERR / SEGV_ACCERR and
// si_addr = CR2).

import {
  VEC_AC, VEC_BP, VEC_BR, VEC_DB, VEC_DE, VEC_GP, VEC_MF, VEC_NM, VEC_NP, VEC_OF, VEC_SS, VEC_TS, VEC_UD,
} from '../cpu/constants.js';
import { SIG } from './abi.js';
import type { Kernel } from './kernel.js';
import { TASK_SIZE } from './layout.js';
import { fpu__exception_code } from './fpu.js';
import type { Task } from './task.js';
import { PTE_FRAME, PTE_P, PTE_U } from '../mmu/paging.js';
import { PT_EFLAGS, PT_EIP, PT_ESP, PT_ORIG_EAX, type PtRegs } from './ptregs.js';
import {
  BUS_ADRALN, FPE_INTDIV, force_sig as signal_force_sig, force_sig_fault as signal_force_sig_fault, ILL_ILLOPN, TRAP_BRKPT,
  TRAP_TRACE, unhandled_signal,
} from './signal.js';

const X86_EFLAGS_TF = 0x100;

/** The signal of each exception (the table above). */
const TRAP_SIGNALS: Record<number, number> = {
  [VEC_DE]: SIG.SIGFPE, [VEC_DB]: SIG.SIGTRAP, [VEC_BP]: SIG.SIGTRAP, [VEC_OF]: SIG.SIGSEGV, [VEC_BR]: SIG.SIGSEGV,
  [VEC_UD]: SIG.SIGILL, [VEC_NM]: SIG.SIGFPE, [VEC_TS]: SIG.SIGSEGV, [VEC_NP]: SIG.SIGBUS, [VEC_SS]: SIG.SIGBUS,
  [VEC_GP]: SIG.SIGSEGV, [VEC_MF]: SIG.SIGFPE, [VEC_AC]: SIG.SIGBUS,
};

/** Linux's names of the exceptions in its log lines (arch/x86/kernel/traps.c). */
const TRAP_NAMES: Record<number, string> = {
  [VEC_DE]: 'divide error', [VEC_DB]: 'debug', [VEC_BP]: 'int3', [VEC_OF]: 'overflow', [VEC_BR]: 'bounds',
  [VEC_UD]: 'invalid opcode', [VEC_NM]: 'device not available', [VEC_TS]: 'invalid TSS', [VEC_NP]: 'segment not present',
  [VEC_SS]: 'stack segment', [VEC_GP]: 'general protection', [VEC_MF]: 'coprocessor error', [VEC_AC]: 'alignment check',
};

/**
 * The error code an exception stub left in pt_regs.orig_eax, which is then set to -1 —
 * "no syscall to restart", as Linux's common_exception does — so that signal delivery
 * never takes a fault's registers for an interrupted syscall.
 */
export function take_error_code(regs: PtRegs): number {
  const error = regs.get(PT_ORIG_EAX);
  regs.set(PT_ORIG_EAX, -1);
  return error;
}

/** The longest i386 instruction (SDM vol. 2, 2.1: 15 bytes). */
const MAX_INSN_LEN = 15;

/**
 * Up to `max` bytes of t's code at `eip`, read through its page tables in software
 * (copy_from_user_nmi in Linux's show_opcodes): nothing faults, no accessed bit is set;
 * the bytes stop at the first page that is not present and user-readable.
 */
function peek_code(k: Kernel, t: Task, eip: number, max: number): Uint8Array {
  const mm = t.mm;
  const out = new Uint8Array(max);
  if (!mm) return out.subarray(0, 0);
  const i32 = k.mmu.i32;
  let n = 0;
  for (; n < max; n++) {
    const a = (eip + n) >>> 0;
    if (a >= TASK_SIZE) break;
    const pde = i32[(mm.pgd >>> 2) + (a >>> 22)];
    if ((pde & PTE_P) === 0) break;
    const pte = i32[((pde & PTE_FRAME) >>> 2) + ((a >>> 12) & 0x3ff)];
    if ((pte & (PTE_P | PTE_U)) !== (PTE_P | PTE_U)) break;
    out[n] = k.mmu.u8[(pte & PTE_FRAME) + (a & 0xfff)];
  }
  return out.subarray(0, n);
}

/** do_trap / do_error_trap: exception `vector` with error code `error` in the current task. */
export function do_trap(k: Kernel, regs: PtRegs, vector: number, error: number): void {
  const eip = regs.get(PT_EIP) >>> 0;
  if (!regs.user) {
    k.panic(`exception ${vector} (error ${error}) in kernel mode at eip 0x${eip.toString(16)}`);
    return;
  }
  const t = k.current;
  // math_error: a spurious #MF (no unmasked exception pending) is ignored.
  const fpe = vector === VEC_MF ? fpu__exception_code(k) : 0;
  if (vector === VEC_MF && fpe === 0) return;
  t.thread.trap_nr = vector;
  t.thread.error_code = error === -1 ? 0 : error;
  const sig = TRAP_SIGNALS[vector] ?? SIG.SIGSEGV;
  // show_signal: an exception nobody handles gets a line in the kernel log.
  // An invalid opcode also names the instruction's bytes (what the CPU could not run).
  if (unhandled_signal(t, sig)) {
    const hex = (n: number) => (n >>> 0).toString(16);
    let code = '';
    if (vector === VEC_UD) {
      const bytes = peek_code(k, t, eip, MAX_INSN_LEN);
      code = bytes.length ? ` bytes: ${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')}` : ' bytes: (unreadable)';
    }
    k.log(`forkbox: ${t.comm}[${t.pid}] trap ${TRAP_NAMES[vector] ?? `vector ${vector}`} ip:${hex(eip)} sp:${hex(regs.get(PT_ESP))} error:${hex(t.thread.error_code)}${code}`);
  }
  switch (vector) {
    case VEC_DE:
      signal_force_sig_fault(k, SIG.SIGFPE, FPE_INTDIV, eip);
      return;
    case VEC_DB:
      signal_force_sig_fault(k, SIG.SIGTRAP, regs.get(PT_EFLAGS) & X86_EFLAGS_TF ? TRAP_TRACE : TRAP_BRKPT, eip);
      return;
    case VEC_UD:
      signal_force_sig_fault(k, SIG.SIGILL, ILL_ILLOPN, eip);
      return;
    case VEC_AC:
      signal_force_sig_fault(k, SIG.SIGBUS, BUS_ADRALN, 0);
      return;
    case VEC_BP:
      signal_force_sig(k, SIG.SIGTRAP);
      return;
    case VEC_MF:
      signal_force_sig_fault(k, SIG.SIGFPE, fpe, eip);
      return;
    case VEC_NM:
      signal_force_sig(k, SIG.SIGFPE);
      return;
    case VEC_NP:
    case VEC_SS:
      signal_force_sig(k, SIG.SIGBUS);
      return;
    case VEC_OF:
    case VEC_BR:
    case VEC_TS:
    case VEC_GP:
    default:
      signal_force_sig(k, SIG.SIGSEGV);
  }
}

/** force_sig: a synchronous signal (SI_KERNEL) to the current task (signal.ts). */
export function force_sig(k: Kernel, sig: number): void {
  signal_force_sig(k, sig);
}

/**
 * force_sig_fault: the current task's access faulted — sig with si_code and si_addr
 * (signal.ts). memory.ts's bad_area calls it with SIGSEGV and CR2, having recorded the
 * page fault in thread.trap_nr / error_code / cr2.
 */
export function force_sig_fault(k: Kernel, sig: number, code: number, addr: number): void {
  signal_force_sig_fault(k, sig, code, addr);
}
