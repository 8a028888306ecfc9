// struct task_struct, reduced to what forkbox's kernel uses (include/linux/sched.h).
//
// A task's user registers live in its pt_regs at the top of its kernel stack (one page,
// see layout.ts); `thread.esp` is the kernel ESP saved by switch_to (sched.ts) — for a
// task that is not running, the address of that pt_regs, where restore_all resumes it.

import type { MmStruct } from './mm.js';
import type { FilesStruct } from './fs/fdtable.js';
import type { FsStruct } from './fs/fs_struct.js';
import { PT_REGS_SIZE } from './ptregs.js';
import { SigPending, SigSet, type SighandStruct, type SignalStruct } from './sigset.js';

/* task->state (include/linux/sched.h) */
export const TASK_RUNNING = 0;
export const TASK_INTERRUPTIBLE = 1;
export const TASK_UNINTERRUPTIBLE = 2;
export const TASK_STOPPED = 4;
/** With TASK_UNINTERRUPTIBLE: a fatal signal still wakes the task (TASK_KILLABLE). */
export const TASK_WAKEKILL = 128;
export const TASK_KILLABLE = TASK_WAKEKILL | TASK_UNINTERRUPTIBLE;
/* task->exit_state */
export const EXIT_ZOMBIE = 16;
export const EXIT_DEAD = 32;

export const STATE_NAMES: Record<number, string> = {
  [TASK_RUNNING]: 'R (running)',
  [TASK_INTERRUPTIBLE]: 'S (sleeping)',
  [TASK_UNINTERRUPTIBLE]: 'D (disk sleep)',
  [TASK_STOPPED]: 'T (stopped)',
  [TASK_KILLABLE]: 'D (disk sleep)',
  [EXIT_ZOMBIE]: 'Z (zombie)',
  [EXIT_DEAD]: 'X (dead)',
};

/* task->flags (include/linux/sched.h) */
export const PF_EXITING = 0x00000004;

/** Returned by a syscall that put its task to sleep: the result comes from `resume`. */
export const BLOCKED = Symbol('blocked');
export type SyscallResult = number | typeof BLOCKED;

/** struct completion (kernel/sched/completion.c): vfork_done. */
export class Completion {
  done = false;
  readonly waiters: Task[] = [];
}

/** Per-task saved CPU context (struct thread_struct). */
export interface ThreadStruct {
  /** Kernel ESP while switched out: the task's pt_regs. */
  esp: number;
  /** The three TLS descriptors (set_thread_area), two dwords each. */
  tls: Int32Array;
  /** The last exception's vector, error code and fault address: the sigcontext's
   *  trapno, err and cr2 (signal.ts, sigframe.ts). */
  trap_nr: number;
  error_code: number;
  cr2: number;
  /** The x87 state while switched out: a 108-byte FNSAVE image, or null for the FNINIT
   *  state (fpu.ts); fpbuf is the image buffer kept for reuse. */
  fpstate: Uint8Array | null;
  fpbuf: Uint8Array | null;
}

/** Open files, cwd, signal handlers: shared or copied by clone flags (part 2 fills them). */
export interface SharedRef {
  /** How many tasks share it (the refcount Linux keeps in files_struct, fs_struct …). */
  users: number;
}

export class Task {
  pid: number;
  tgid: number;
  comm: string;
  state = TASK_RUNNING;
  exit_state = 0;
  /** PF_* flags (PF_EXITING once do_exit has begun). */
  flags = 0;
  /** Process group and session (inherited at fork; init's are 1, see init_task.ts). */
  pgrp = 0;
  session = 0;
  /** Exit status as wait4 reports it (exitStatus/signalStatus in abi.ts). */
  exit_code = 0;
  /** Signal sent to the parent at exit (SIGCHLD for fork, 0 or other for clone). */
  exit_signal = 0;
  parent: Task | null = null;
  real_parent: Task | null = null;
  readonly children: Task[] = [];
  group_leader: Task;

  mm: MmStruct | null = null;
  /** The address space in use: mm, or the borrowed one of a kernel thread (idle). */
  active_mm: MmStruct | null = null;
  /** Open files (fs/fdtable.ts) and root/cwd/umask (fs/fs_struct.ts): shared or copied
   *  by CLONE_FILES / CLONE_FS. */
  files: FilesStruct | null = null;
  fs: FsStruct | null = null;
  /** Signal handlers (shared with CLONE_SIGHAND) and the thread group's signal state
   *  (shared with CLONE_THREAD): signal.ts. */
  sighand: SighandStruct | null = null;
  signal: SignalStruct | null = null;
  /** Signals sent to this thread only (tkill, faults); the group's are in signal. */
  readonly pending = new SigPending();
  /** Signals this thread blocks; real_blocked while rt_sigtimedwait unblocks its set;
   *  saved_sigmask, restored on the way out when restore_sigmask (sigsuspend). */
  readonly blocked = new SigSet();
  readonly real_blocked = new SigSet();
  readonly saved_sigmask = new SigSet();
  restore_sigmask = false;
  /** JOBCTL_* bits of group stop (sigset.ts). */
  jobctl = 0;
  /** The alternate signal stack (sigaltstack). */
  sas_ss_sp = 0;
  sas_ss_size = 0;
  sas_ss_flags = 0;
  /** What restart_syscall runs after -ERESTART_RESTARTBLOCK (nanosleep's rest). */
  restart_block: (() => SyscallResult) | null = null;

  /** Kernel stack: its frame, and the kernel virtual address just above it. */
  kstackFrame = -1;
  kstackTop = 0;
  readonly thread: ThreadStruct = { esp: 0, tls: new Int32Array(6), trap_nr: 0, error_code: 0, cr2: 0, fpstate: null, fpbuf: null };

  /** The nice value, -20 … 19 (sys_sched.ts; inherited at fork; the scheduler, round
   *  robin, does not weigh it). */
  nice = 0;
  /** Timeslice left, in timer ticks. */
  timeslice = 0;
  /** A blocked syscall's continuation: run when the task is switched in again. It
   *  returns the syscall's result, or BLOCKED to sleep again. */
  resume: (() => SyscallResult) | null = null;
  /** Set by a wake-up while the task sleeps interruptibly: why (signal, timer …). */
  wakeReason = '';
  /** vfork(): the parent waits on this until the child execs or exits (mm_release). */
  vfork_done: Completion | null = null;
  set_child_tid = 0;
  clear_child_tid = 0;
  /** Cycles spent in user and kernel mode (utime/stime), and when it last ran. */
  utime = 0;
  stime = 0;
  /** cpu.cycles and stats.kernelCycles when it was last switched in (sched.ts accounts
   *  the difference to utime/stime at the next switch; time.ts task_cputime). */
  exec_start = 0;
  kexec_start = 0;
  /** CPU cycles of reaped children (time.ts acct_reaped_child; times, getrusage). */
  cutime = 0;
  cstime = 0;
  /** The program's absolute path (mm->exe_file's: /proc/self/exe, fs/proc.ts); set by
   *  execve, inherited at fork. */
  exe_path = '';
  /** The syscall the task is in (for traces and `ps`), -1 when none. */
  syscall = -1;

  constructor(pid: number, comm: string) {
    this.pid = pid;
    this.tgid = pid;
    this.comm = comm;
    this.group_leader = this;
  }

  /** Kernel virtual address of this task's pt_regs (top of its kernel stack). */
  get ptRegsAddr(): number {
    return this.kstackTop - PT_REGS_SIZE;
  }
}
