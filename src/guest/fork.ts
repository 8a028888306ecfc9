// Process creation (kernel/fork.c): fork (2), vfork (190) and clone (120) all enter
// do_fork with different flags, as the seeds describe:
//
//   sys_fork   → do_fork(SIGCHLD)                               copy everything (COW)
//   sys_vfork  → do_fork(CLONE_VFORK | CLONE_VM | SIGCHLD)      lend the mm, parent waits
//   sys_clone  → do_fork(flags from the caller)                 choose what to share
//
// Each wrapper only fills one struct kernel_clone_args. do_fork then:
//   1. copy_process(): checks the flags (Linux's EINVAL rules), allocates a pid from the
//      pidmap, a task_struct and a kernel stack, copies the parent's pt_regs to the child
//      (eax = 0: the child's fork() returns 0), copy_files / copy_fs / copy_sighand,
//      copy_mm (share with CLONE_VM, else dup_mmap: copy_page_range write-protects both
//      sides for copy-on-write), copy_thread (child stack, CLONE_SETTLS), and links the
//      child into its parent's children and the task table;
//   2. CLONE_PARENT_SETTID: the child's tid into the parent's memory;
//   3. wake_up_new_task(): a child that does not share the mm runs first (sched.ts);
//   4. CLONE_VFORK: the parent sleeps on the child's vfork_done until the child's execve
//      or exit releases the mm (mm_release in exit.ts);
//   5. returns the child's pid.
// A failure anywhere in copy_process unwinds what was done, in reverse order, and leaks
// nothing: no pid, no frame, no mm reference, no task.

import {
  CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_FS, CLONE_NEWNS, CLONE_PARENT,
  CLONE_PARENT_SETTID, CLONE_PIDFD, CLONE_SETTLS, CLONE_SIGHAND, CLONE_THREAD, CLONE_VFORK, CLONE_VM, CSIGNAL, E, RLIMIT_NPROC, SIG,
} from './abi.js';
import { CYC_COPY_PROCESS } from './cost.js';
import type { Kernel } from './kernel.js';
import { __va } from './layout.js';
import { dup_mmap, mmput } from './memory.js';
import { PG_KSTACK, PageAllocator } from './page_alloc.js';
import { PT_EAX, PT_ESP, PtRegs } from './ptregs.js';
import { sleep_on, wake_up_new_task } from './sched.js';
import { trace_fork } from './tracepoints.js';
import type { Syscall } from './syscalls.js';
import { Completion, Task, TASK_KILLABLE, type SharedRef, type SyscallResult } from './task.js';
import { PAGE_SIZE } from '../mmu/paging.js';
import { put_user32 } from './uaccess.js';
import { do_set_thread_area, TLS_SYSCALLS } from './tls.js';
import { init_forked } from './init_task.js';
import { rlimit } from './resource.js';
import { fpu_clone } from './fpu.js';
import { copy_files, exit_files } from './fs/fdtable.js';
import { copy_fs, exit_fs } from './fs/fs_struct.js';
import { copy_sighand, copy_signal, fatal_signal_pending } from './signal.js';

/* Namespace flags (include/uapi/linux/sched.h) that forkbox does not implement. */
const CLONE_NEWCGROUP = 0x02000000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWPID = 0x20000000;
const CLONE_NEWNET = 0x40000000 | 0;
const CLONE_NEW_UNSUPPORTED = CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

/** struct kernel_clone_args (include/linux/sched/task.h), the one record every entry fills. */
export interface KernelCloneArgs {
  /** CLONE_* flags, without the exit signal. */
  flags: number;
  /** Signal the parent gets when the child exits (SIGCHLD for fork/vfork). */
  exit_signal: number;
  /** The child's user stack pointer; 0 = the parent's (fork, vfork). */
  stack: number;
  /** CLONE_PARENT_SETTID: where to store the child's tid in the parent's memory. */
  parent_tid: number;
  /** CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID: the tid word in the child's memory. */
  child_tid: number;
  /** CLONE_SETTLS: pointer to a struct user_desc (i386). */
  tls: number;
}

// ---------------------------------------------------------------------------------------
// The resources shared or copied by clone flags. copy_files (fs/fdtable.ts): CLONE_FILES
// shares the descriptor table, else dup_fd copies it — the same struct files, one
// reference more each. copy_fs (fs/fs_struct.ts): CLONE_FS shares root, cwd and umask,
// else a copy. sighand_struct: sharing takes a reference, copying makes a new one.

// copy_sighand and copy_signal (signal.ts): CLONE_SIGHAND shares the handler table, else
// a copy; CLONE_THREAD joins the caller's signal_struct, else a new one; the blocked
// mask is inherited, nothing pending.

/** Drop a task's reference to a shared record (exit_files, exit_fs, exit_sighand). */
export function put_ref(ref: SharedRef | null): void {
  if (ref) ref.users--;
}

/**
 * copy_mm: CLONE_VM shares the parent's address space (a thread, a vfork child: one
 * more mm_users); otherwise dup_mmap copies it — copy_page_range per VMA, COW or, with
 * --fork-mode=copy, page by page. Returns 0 or -ENOMEM.
 */
function copy_mm(k: Kernel, flags: number, parent: Task, p: Task): number {
  const oldmm = parent.mm;
  if (!oldmm) return 0; // a kernel thread has none
  if (flags & CLONE_VM) {
    oldmm.users++;
    p.mm = oldmm;
  } else {
    const mm = dup_mmap(k, oldmm);
    if (!mm) return -E.ENOMEM;
    p.mm = mm;
  }
  p.active_mm = p.mm;
  return 0;
}

/**
 * copy_thread: the child's kernel stack holds a copy of the parent's pt_regs with
 * eax = 0 (fork returns 0 in the child) and, when clone gave one, the new user stack.
 * thread.esp points at that pt_regs: the child's first switch-in "returns" through
 * restore_all (ret_from_fork) straight to user mode. CLONE_SETTLS installs the TLS
 * descriptor described by the user_desc at args.tls. Returns 0 or -errno.
 */
function copy_thread(k: Kernel, args: KernelCloneArgs, parent: Task, p: Task): number {
  const childregs = new PtRegs(k.mmu, p.ptRegsAddr);
  k.ptRegsOf(parent).copyTo(childregs);
  childregs.set(PT_EAX, 0);
  if (args.stack) childregs.set(PT_ESP, args.stack);
  p.thread.esp = childregs.addr;
  p.thread.tls.set(parent.thread.tls);
  fpu_clone(k, p); // the x87 state: a copy of the parent's (fpu.ts)
  if (args.flags & CLONE_SETTLS) {
    const err = do_set_thread_area(k, p, -1, args.tls, false);
    if (err < 0) return err;
  }
  return 0;
}

/** Linux's flag checks at the top of copy_process; 0 or -EINVAL. */
function check_clone_flags(k: Kernel, flags: number): number {
  const current = k.current;
  // A new mount namespace cannot share the fs_struct (its root and cwd).
  if ((flags & (CLONE_NEWNS | CLONE_FS)) === (CLONE_NEWNS | CLONE_FS)) return -E.EINVAL;
  if ((flags & (CLONE_NEWUSER | CLONE_FS)) === (CLONE_NEWUSER | CLONE_FS)) return -E.EINVAL;
  // Thread groups must share signals as well; detached threads can only be started
  // from within the group.
  if (flags & CLONE_THREAD && !(flags & CLONE_SIGHAND)) return -E.EINVAL;
  // Shared signal handlers imply shared VM.
  if (flags & CLONE_SIGHAND && !(flags & CLONE_VM)) return -E.EINVAL;
  // Siblings of global init remain as zombies on exit since they are not reaped by
  // their parent (swapper): refuse CLONE_PARENT / CLONE_THREAD from init.
  if (flags & (CLONE_PARENT | CLONE_THREAD) && current.tgid === 1) return -E.EINVAL;
  // forkbox has one mount namespace and no mounts, so a new one (CLONE_NEWNS alone) is
  // indistinguishable from a copy and is accepted; the other namespaces would change
  // what getpid, uname … report, and pidfds need part 2's file table: refused.
  if (flags & CLONE_NEW_UNSUPPORTED) return -E.EINVAL;
  if (flags & CLONE_PIDFD) return -E.EINVAL;
  return 0;
}

/**
 * copy_process: create the child task for do_fork, not yet runnable. Returns the task or
 * -errno (-EINVAL for bad flags, -EAGAIN at the task limit or with no free pid, -ENOMEM,
 * -EFAULT for a bad user_desc); on failure nothing is left allocated.
 */
export function copy_process(k: Kernel, args: KernelCloneArgs): Task | number {
  const current = k.current;
  const flags = args.flags;
  let err = check_clone_flags(k, flags);
  if (err < 0) return err;

  // nr_threads >= max_threads: the task limit (idle and zombies included, as in Linux).
  if (k.tasks.size >= k.options.maxTasks) return -E.EAGAIN;
  // RLIMIT_NPROC (resource.ts): the tasks of the (one) user, idle not counted.
  if (k.tasks.size - 1 >= rlimit(k, RLIMIT_NPROC)) return -E.EAGAIN;
  // alloc_pidmap(): the seeds' first step.
  const pid = k.pidmap.alloc();
  if (pid < 0) return -E.EAGAIN;

  // dup_task_struct: the task_struct and its kernel stack (one frame, pt_regs on top).
  const p = new Task(pid, current.comm);
  p.exe_path = current.exe_path;
  p.nice = current.nice;
  const frame = k.pages.alloc(PG_KSTACK);
  if (frame < 0) {
    k.pidmap.free(pid);
    return -E.ENOMEM;
  }
  p.kstackFrame = frame;
  p.kstackTop = __va(PageAllocator.phys(frame) + PAGE_SIZE);
  k.charge(CYC_COPY_PROCESS);

  copy_files(flags, current, p);
  copy_fs(flags, current, p);
  copy_sighand(flags, current, p);
  err = copy_mm(k, flags, current, p);
  if (err === 0) err = copy_thread(k, args, current, p);
  if (err < 0) {
    // bad_fork_cleanup_*: in reverse order.
    if (p.mm) mmput(k, p.mm);
    p.mm = p.active_mm = null;
    put_ref(p.sighand);
    exit_fs(p);
    exit_files(k, p);
    p.sighand = p.fs = p.files = null;
    k.pages.put(frame);
    p.kstackFrame = -1;
    k.pidmap.free(pid);
    return err;
  }

  copy_signal(flags, current, p);
  p.set_child_tid = flags & CLONE_CHILD_SETTID ? args.child_tid >>> 0 : 0;
  p.clear_child_tid = flags & CLONE_CHILD_CLEARTID ? args.child_tid >>> 0 : 0;

  // The thread group: a CLONE_THREAD child joins the caller's, others lead their own.
  if (flags & CLONE_THREAD) {
    p.tgid = current.tgid;
    p.group_leader = current.group_leader;
  }
  p.pgrp = current.pgrp;
  p.session = current.session;

  // CLONE_PARENT and CLONE_THREAD make the child a sibling of the caller. A thread sends
  // no signal when it exits (-1: it is reaped at once); CLONE_PARENT inherits the
  // group leader's exit signal, as Linux does.
  if (flags & (CLONE_PARENT | CLONE_THREAD)) {
    p.real_parent = current.real_parent;
    p.exit_signal = flags & CLONE_THREAD ? -1 : current.group_leader.exit_signal;
  } else {
    p.real_parent = current;
    p.exit_signal = args.exit_signal;
  }
  p.parent = p.real_parent;
  // Threads are found through their tgid; only group leaders are anyone's children.
  if (!(flags & CLONE_THREAD) && p.real_parent) p.real_parent.children.push(p);
  k.tasks.set(pid, p);
  if (current === k.init) init_forked(k, p);
  k.stats.forks++;
  return p;
}

/**
 * do_fork (kernel_clone in today's Linux): the common path of fork, vfork and clone.
 * Returns the child's pid to the parent, -errno, or BLOCKED when a vfork parent sleeps
 * (its continuation returns the pid once the child has released the mm).
 */
export function do_fork(k: Kernel, args: KernelCloneArgs): SyscallResult {
  const p = copy_process(k, args);
  if (typeof p === 'number') return p;
  const nr = p.pid;
  if (args.flags & CLONE_PARENT_SETTID) put_user32(k, args.parent_tid, nr); // errors ignored, as Linux

  // CLONE_CHILD_SETTID is written by schedule_tail, at the child's first run, in its
  // own address space: the child's first switch-in runs this continuation, whose
  // result (0) is the child's return value of fork.
  if (p.set_child_tid) {
    p.resume = () => {
      put_user32(k, p.set_child_tid, p.pid);
      return 0;
    };
  }

  let vfork: Completion | null = null;
  if (args.flags & CLONE_VFORK) {
    vfork = new Completion();
    p.vfork_done = vfork;
  }
  if (k.tracers.length !== 0) trace_fork(k, k.current, p, args.flags | args.exit_signal);
  wake_up_new_task(k, p, !(args.flags & CLONE_VM));

  if (vfork) {
    // wait_for_vfork_done: sleep until mm_release() completes vfork_done — killable: a
    // fatal signal ends the wait (the parent dies on its way out; the child runs on).
    const parent = k.current;
    const done = vfork;
    const wait = (): SyscallResult => {
      if (done.done) return nr;
      if (fatal_signal_pending(parent)) {
        const i = done.waiters.indexOf(parent);
        if (i >= 0) done.waiters.splice(i, 1);
        if (p.vfork_done === done) p.vfork_done = null;
        return nr;
      }
      if (!done.waiters.includes(parent)) done.waiters.push(parent);
      return sleep_on(k, TASK_KILLABLE, wait);
    };
    return wait();
  }
  return nr;
}

const noArgs = { stack: 0, parent_tid: 0, child_tid: 0, tls: 0 };

/** fork(): copy the caller; SIGCHLD to the parent at exit. */
const sys_fork: Syscall = (k) => do_fork(k, { flags: 0, exit_signal: SIG.SIGCHLD, ...noArgs });

/** vfork(): share the mm and suspend the parent until the child execs or exits. */
const sys_vfork: Syscall = (k) => do_fork(k, { flags: CLONE_VFORK | CLONE_VM, exit_signal: SIG.SIGCHLD, ...noArgs });

/**
 * clone(flags, newsp, parent_tidptr, tls, child_tidptr) — i386's argument order
 * (CONFIG_CLONE_BACKWARDS): ebx, ecx, edx, esi, edi. The low byte of flags is the exit
 * signal.
 */
const sys_clone: Syscall = (k, clone_flags, newsp, parent_tidptr, tls, child_tidptr) =>
  do_fork(k, {
    flags: clone_flags & ~CSIGNAL,
    exit_signal: clone_flags & CSIGNAL,
    stack: newsp >>> 0,
    parent_tid: parent_tidptr >>> 0,
    child_tid: child_tidptr >>> 0,
    tls: tls >>> 0,
  });

export const FORK_SYSCALLS: Record<string, Syscall> = {
  fork: sys_fork,
  vfork: sys_vfork,
  clone: sys_clone,
  ...TLS_SYSCALLS,
};
