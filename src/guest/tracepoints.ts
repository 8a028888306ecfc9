// Kernel tracepoints (include/trace/events/*.h, reduced): the points where the kernel
// tells observers what it does — syscall entry and exit, page faults with their kind,
// context switches, fork, exec, exit, signal delivery, wake-ups.
//
// An observer implements any subset of KernelTracer and is pushed on k.tracers. Every
// call site in the kernel is guarded by `if (k.tracers.length !== 0)`, so that with no
// observer a tracepoint costs one length check and allocates nothing (the argument
// arrays and fault records below are built only inside the guard). Observers run
// synchronously inside the kernel call: they must not change guest state, and what they
// read (k.cpu.cycles for the time, task fields, pt_regs through k.ptRegsOf) is the state
// at that point. Events arrive in the kernel's deterministic order, so a trace of the
// same run is the same, byte for byte.
//
// Users: src/debug/trace*.ts (--strace, --trace=faults, --trace-out), the debugger's
// catchpoints and the gdb stub's fork/exec stop events.

import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import { SIG } from './abi.js';
import { pte_offset, pte_pfn, pte_present } from './pgtable.js';
import { sigismember } from './sigset.js';

/** What a page fault turned out to be (memory.ts; the seeds' names in brackets):
 *  demand-zero   an anonymous page's first touch (do_anonymous_page)
 *  demand-file   a file-backed page's first touch (do_no_page / filemap_fault)
 *  cow-copy      a write to a shared COW page: copied to a new frame (do_wp_page)
 *  cow-reuse     a write to a COW page no one else maps: made writable (do_wp_page)
 *  stack-growth  below the stack VMA: the stack grew down (expand_stack) and the page
 *                arrived zeroed
 *  segv          no VMA, or the VMA forbids the access (bad_area)
 *  sigbus        a file mapping's page past the end of the file
 *  oom           no frame to resolve it with: the OOM killer (oom_kill.ts) killed this
 *                task (SIGKILL) or another one (the fault is retried)
 *  spurious      the page table already allowed the access (nothing to do) */
export type FaultKind =
  | 'demand-zero' | 'demand-file' | 'cow-copy' | 'cow-reuse' | 'stack-growth' | 'segv' | 'sigbus' | 'oom' | 'spurious';

export interface FaultInfo {
  /** The faulting instruction (user EIP; for a kernel access, the syscall's user EIP). */
  eip: number;
  /** CR2: the address. */
  addr: number;
  /** The CPU's error code: bit 0 P (protection, else not present), 1 W (write), 2 U (user mode). */
  error: number;
  kind: FaultKind;
  /** cow-copy: the shared frame and its private copy; other resolved kinds: frameTo is
   *  the frame now mapped. Frame numbers (physical address >> 12). */
  frameFrom?: number;
  frameTo?: number;
  /** A user-mode fault (the CPU's #PF), or a kernel access to user memory (uaccess.ts
   *  fixup_user_fault) made on the task's behalf inside a syscall. */
  user: boolean;
  /** 'resolved', or what happened instead: 'SIGSEGV', 'SIGBUS', 'SIGKILL' (out of
   *  memory), 'EFAULT' (a kernel access that failed). */
  outcome: string;
}

/** Signal tracepoint actions:
 *  handler         a handler's frame is set up (signal delivery)
 *  ignore          dequeued, SIG_IGN
 *  default-ignore  dequeued, the default action is to ignore it
 *  stop            dequeued, the group stops
 *  term / core     dequeued, the group dies of it (core: with a core dump)
 *  discard         dropped when sent: the target ignores it (SIGCHLD with SIG_DFL …) */
export type SignalAction = 'handler' | 'ignore' | 'default-ignore' | 'stop' | 'term' | 'core' | 'discard';

/** The siginfo fields a tracer may show. */
export interface SignalInfo {
  code: number;
  pid: number;
  uid: number;
  status: number;
  utime: number;
  stime: number;
  addr: number;
}

export interface KernelTracer {
  /** t entered syscall nr with args ebx, ecx, edx, esi, edi, ebp (t is current). */
  syscallEnter?(t: Task, nr: number, args: number[]): void;
  /** t's syscall nr returns ret (eax; sigreturn's is the restored eax). Not called for
   *  exit / exit_group, nor for a call the task dies in. A syscall that slept returns from
   *  schedule(), in t's context, when t is switched in again. */
  syscallExit?(t: Task, nr: number, ret: number): void;
  /** A page fault of t (current), after it was handled. */
  fault?(t: Task, info: FaultInfo): void;
  /** context_switch from prev to next (the idle task is pid 0). */
  sched?(prev: Task, next: Task): void;
  /** copy_process made child (not yet run) for parent; flags are the clone flags with
   *  the exit signal in the low byte (fork: SIGCHLD; vfork: CLONE_VM|CLONE_VFORK|SIGCHLD). */
  fork?(parent: Task, child: Task, flags: number): void;
  /** t's execve of path succeeded (t.comm is the new name). */
  exec?(t: Task, path: string): void;
  /** t is exiting with wait status `status` (do_exit). */
  exit?(t: Task, status: number): void;
  /** A signal for t: delivered (or its default action taken) or discarded. */
  signal?(t: Task, sig: number, action: SignalAction, info?: SignalInfo): void;
  /** t was woken from a sleep (why: 'signal', 'timer', 'input', a futex …). */
  wakeup?(t: Task, reason: string): void;
}

// ---------------------------------------------------------------------------------
// Emit helpers. Callers guard each with `k.tracers.length !== 0`.

export function trace_sys_enter(k: Kernel, t: Task, nr: number, args: number[]): void {
  for (const tr of k.tracers) tr.syscallEnter?.(t, nr, args);
}

export function trace_sys_exit(k: Kernel, t: Task, nr: number, ret: number): void {
  for (const tr of k.tracers) tr.syscallExit?.(t, nr, ret);
}

export function trace_sched_switch(k: Kernel, prev: Task, next: Task): void {
  for (const tr of k.tracers) tr.sched?.(prev, next);
}

export function trace_fork(k: Kernel, parent: Task, child: Task, flags: number): void {
  for (const tr of k.tracers) tr.fork?.(parent, child, flags);
}

export function trace_exec(k: Kernel, t: Task, path: string): void {
  for (const tr of k.tracers) tr.exec?.(t, path);
}

export function trace_exit(k: Kernel, t: Task, status: number): void {
  for (const tr of k.tracers) tr.exit?.(t, status);
}

export function trace_signal(k: Kernel, t: Task, sig: number, action: SignalAction, info?: SignalInfo): void {
  for (const tr of k.tracers) tr.signal?.(t, sig, action, info);
}

export function trace_wakeup(k: Kernel, t: Task, reason: string): void {
  for (const tr of k.tracers) tr.wakeup?.(t, reason);
}

/**
 * trace_page_fault: run a fault handler (`handle` returns whether the fault was
 * resolved) and report what it did. The kind is read from what changed — the stats
 * counters each path of handle_mm_fault increments, the stack VMA's start, the PTE
 * before and after, the signals queued — so the fault path itself carries no tracing
 * code. Only called with tracers present.
 */
export function trace_page_fault(k: Kernel, eip: number, error: number, address: number, user: boolean, handle: () => boolean): boolean {
  const t = k.current;
  const s = k.stats;
  const mm = t.mm;
  const dz = s.demandZero, df = s.demandFile, cc = s.cowCopies, cr = s.cowReuses, sv = s.segvs;
  const busBefore = sigismember(t.pending.signal, SIG.SIGBUS);
  const killBefore = sigismember(t.pending.signal, SIG.SIGKILL);
  const vma = mm !== null ? mm.findVma(address) : null;
  const vmaStart = vma !== null ? vma.start : 0;
  let ptep = mm !== null && address < 0xc0000000 ? pte_offset(k, mm.pgd, address) : -1;
  const pteBefore = ptep >= 0 ? k.mmu.i32[ptep >>> 2] : 0;

  const ok = handle();

  let kind: FaultKind;
  let outcome = 'resolved';
  if (s.cowCopies !== cc) kind = 'cow-copy';
  else if (s.cowReuses !== cr) kind = 'cow-reuse';
  else if (s.demandZero !== dz) kind = vma !== null && vma.start !== vmaStart ? 'stack-growth' : 'demand-zero';
  else if (s.demandFile !== df) kind = 'demand-file';
  else if (s.segvs !== sv) kind = 'segv';
  else if (!busBefore && sigismember(t.pending.signal, SIG.SIGBUS)) kind = 'sigbus';
  else if (!killBefore && sigismember(t.pending.signal, SIG.SIGKILL)) kind = 'oom';
  else if (user && k.pages.freeFrames === 0) kind = 'oom'; // another task OOM-killed: retried
  else if (ok && user) kind = 'spurious';
  else kind = k.pages.freeFrames === 0 ? 'oom' : 'segv';
  if (!user) outcome = ok ? 'resolved' : 'EFAULT';
  else if (kind === 'segv') outcome = 'SIGSEGV';
  else if (kind === 'sigbus') outcome = 'SIGBUS';
  else if (kind === 'oom') outcome = sigismember(t.pending.signal, SIG.SIGKILL) ? 'SIGKILL' : 'retried';

  const info: FaultInfo = { eip: eip >>> 0, addr: address >>> 0, error: user ? (error & 7) | 4 : (error & 2) | (pteBefore & 1), kind, user, outcome };
  if (ptep < 0 && mm !== null && address < 0xc0000000) ptep = pte_offset(k, mm.pgd, address); // a new page table
  if (ptep >= 0 && (kind === 'cow-copy' || kind === 'cow-reuse' || kind === 'demand-zero' || kind === 'demand-file' || kind === 'stack-growth')) {
    const pteAfter = k.mmu.i32[ptep >>> 2];
    if (pte_present(pteBefore)) info.frameFrom = pte_pfn(pteBefore);
    if (pte_present(pteAfter)) info.frameTo = pte_pfn(pteAfter);
  }
  for (const tr of k.tracers) tr.fault?.(t, info);
  return ok;
}
