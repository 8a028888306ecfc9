// The system call table (arch/x86/entry/syscalls/syscall_32.tbl) and its dispatcher.
//
// Handlers take the six argument registers of pt_regs (ebx, ecx, edx, esi, edi, ebp) and
// return the value for eax (a negative errno on failure), or BLOCKED when the task went to
// sleep (sched.ts sleep_on) — its continuation produces the value later.

import { E, NR } from './abi.js';
import { CYC_SYSCALL } from './cost.js';
import type { Kernel } from './kernel.js';
import { PT_EAX, PT_EBP, PT_EBX, PT_ECX, PT_EDI, PT_EDX, PT_ESI, PT_ORIG_EAX, type PtRegs } from './ptregs.js';
import { BLOCKED, PF_EXITING, type SyscallResult } from './task.js';
import { PROCESS_SYSCALLS } from './sys_process.js';
import { FORK_SYSCALLS } from './fork.js';
import { EXIT_SYSCALLS } from './exit.js';
import { WAIT_SYSCALLS } from './wait.js';
import { EXEC_SYSCALLS } from './exec.js';
import { MEMORY_SYSCALLS } from './memory.js';
import { TIME_SYSCALLS } from './time.js';
import { FS_SYSCALLS } from './fs/syscalls.js';
import { FUTEX_SYSCALLS } from './futex.js';
import { SIGNAL_SYSCALLS } from './sys_signal.js';
import { RESOURCE_SYSCALLS } from './resource.js';
import { RANDOM_SYSCALLS } from './random.js';
import { MREMAP_SYSCALLS } from './mremap.js';
import { NI_SYSCALLS } from './sys_ni.js';
import { SCHED_SYSCALLS } from './sys_sched.js';
import { PGRP_SYSCALLS } from './pgrp.js';
import { trace_sys_enter, trace_sys_exit } from './tracepoints.js';

export type Syscall = (k: Kernel, ebx: number, ecx: number, edx: number, esi: number, edi: number, ebp: number) => SyscallResult;

/** One table entry: the handler and its name (for traces and the "unimplemented" note). */
export interface SyscallDef {
  nr: number;
  name: string;
  fn: Syscall;
}

export const SYSCALL_NAMES: Record<number, string> = Object.fromEntries(Object.entries(NR).map(([n, v]) => [v, n]));

export const sys_call_table: Array<SyscallDef | undefined> = new Array(512).fill(undefined);

for (const group of [PROCESS_SYSCALLS, FORK_SYSCALLS, EXIT_SYSCALLS, WAIT_SYSCALLS, EXEC_SYSCALLS, MEMORY_SYSCALLS, TIME_SYSCALLS, FS_SYSCALLS, FUTEX_SYSCALLS, SIGNAL_SYSCALLS,
  RESOURCE_SYSCALLS, RANDOM_SYSCALLS, MREMAP_SYSCALLS, NI_SYSCALLS, SCHED_SYSCALLS, PGRP_SYSCALLS]) {
  for (const [name, fn] of Object.entries(group)) {
    const nr = (NR as Record<string, number>)[name];
    if (nr === undefined) throw new Error(`syscall table: no number for ${name}`);
    if (sys_call_table[nr]) throw new Error(`syscall table: ${name} defined twice`);
    sys_call_table[nr] = { nr, name, fn };
  }
}

/** Dispatch the syscall in pt_regs.orig_eax; the result goes to pt_regs.eax. */
export function do_syscall(k: Kernel, regs: PtRegs): void {
  const nr = regs.get(PT_ORIG_EAX);
  const t = k.current;
  k.stats.syscalls++;
  k.charge(CYC_SYSCALL);
  const def = nr >= 0 && nr < sys_call_table.length ? sys_call_table[nr] : undefined;
  const traced = k.tracers.length !== 0;
  if (traced) trace_sys_enter(k, t, nr, [regs.get(PT_EBX), regs.get(PT_ECX), regs.get(PT_EDX), regs.get(PT_ESI), regs.get(PT_EDI), regs.get(PT_EBP)]);
  if (!def) {
    if (traced) trace_sys_exit(k, t, nr, -E.ENOSYS);
    // Named once per syscall number per run (per kernel), on the kernel log (stderr).
    if (!k.unimplementedReported.has(nr)) {
      k.unimplementedReported.add(nr);
      const name = SYSCALL_NAMES[nr];
      k.log(`forkbox: unimplemented syscall ${nr}${name ? ` (${name})` : ''} in pid ${t.pid}`);
    }
    regs.set(PT_EAX, -E.ENOSYS);
    return;
  }
  t.syscall = nr;
  const r = def.fn(k, regs.get(PT_EBX), regs.get(PT_ECX), regs.get(PT_EDX), regs.get(PT_ESI), regs.get(PT_EDI), regs.get(PT_EBP));
  if (r === BLOCKED) return;
  // The handler may have switched tasks (exit) or rewritten pt_regs (execve): write the
  // result to the caller's frame only if it is still the one being returned to.
  if (k.current === t && !k.halted) regs.set(PT_EAX, r);
  t.syscall = -1;
  if (traced && !(t.flags & PF_EXITING)) trace_sys_exit(k, t, nr, r);
}
