// The first user process (init/main.c kernel_init → run_init_process): pid 1, running
// forkbox's built-in init program, which runs the user's program.
//
// start_init creates pid 1 with a kernel stack, switches to it from the idle task, and
// execs /sbin/init (guest-programs/init.asm, committed assembled as init.bin and
// installed in the in-memory filesystem at boot, with /dev and /tmp: fs/rootfs.ts) with
// argv = the user's program and its arguments and the user's environment. init's
// descriptors 0, 1, 2 are the console (fs/devices.ts); its cwd is "/". When the kernel
// call that booted returns, restore_all enters init in user mode. init forks the
// program, reaps every child until none is left (orphans are reparented to it,
// exit.ts), and exits.
//
// THE PROGRAM'S STATUS. The machine's result is the wait status of init's first child
// — the user's program — not init's own exit code, which could not carry "killed by
// signal N". The kernel records that child when init forks it (init_forked) and its
// status when it exits (init_child_exit); when init exits, do_exit calls
// k.shutdown(init_main_status(k) ?? init's own status).
//
// STATISTICS (k.stats) count everything the kernel does, init's part included: a program
// that never forks shows forks 1 (init's fork of it), execs 2 (/sbin/init and the
// program), exits 2.
//
// Process groups: init starts a session and process group of its own (pgrp = session
// = 1, as if it had called setsid()); every process inherits them.

import { SIG } from './abi.js';
import type { Kernel } from './kernel.js';
import { __va } from './layout.js';
import { PG_KSTACK, PageAllocator } from './page_alloc.js';
import { PT_REGS_SIZE, PtRegs } from './ptregs.js';
import { context_switch, DEF_TIMESLICE } from './sched.js';
import { Task } from './task.js';
import { PAGE_SIZE } from '../mmu/paging.js';
import { kernel_execve } from './exec.js';
import initElf from './init.bin';
import { init_task_signals } from './signal.js';
import { SIGNAL_GROUP_EXIT, type SignalStruct } from './sigset.js';
import { console_files } from './fs/devices.js';
import { FsStruct } from './fs/fs_struct.js';
import { populate_rootfs } from './fs/rootfs.js';

/** Where the built-in init lives in the guest's filesystem. */
export const INIT_PATH = '/sbin/init';
/** The built-in init program (guest-programs/init.asm, assembled). */
export const INIT_ELF: Uint8Array = initElf;

interface InitState {
  /** init's first child: the user's program. */
  main: Task | null;
  /** Its wait status, once it has exited. */
  mainStatus: number | null;
  /** Its thread group's signal_struct: a group exit after the leader's own exit (another
   *  thread's exit_group, a fatal signal) sets the process's status (wait.ts). */
  mainSignal: SignalStruct | null;
}

const initStates = new WeakMap<Kernel, InitState>();

/** copy_process: `child` was just forked by init; the first one is the user's program. */
export function init_forked(k: Kernel, child: Task): void {
  const st = initStates.get(k);
  if (st && st.main === null) st.main = child;
}

/** do_exit: task t is exiting with wait status `code`; remember it if t is the program. */
export function init_child_exit(k: Kernel, t: Task, code: number): void {
  const st = initStates.get(k);
  if (st && st.main === t) {
    st.mainStatus = code;
    st.mainSignal = t.signal;
  }
}

/** de_thread (thread.ts): `to`, a thread of the program, took over the pid of `from`,
 *  its old group leader, at execve; the program is `to` now, and has not exited. */
export function init_exchange_leader(k: Kernel, from: Task, to: Task): void {
  const st = initStates.get(k);
  if (st && st.main === from) {
    st.main = to;
    st.mainStatus = null;
    st.mainSignal = null;
  }
}

/** The user's program's wait status, or null if it has not exited (or never started). */
export function init_main_status(k: Kernel): number | null {
  const st = initStates.get(k);
  if (!st || st.mainStatus === null) return null;
  // As wait4 reports a leader that left with exit() before its group ended (wait.ts).
  const sig = st.mainSignal;
  return sig && sig.flags & SIGNAL_GROUP_EXIT ? sig.group_exit_code : st.mainStatus;
}

/** A host string as the guest's bytes (UTF-8), one char per byte. */
function guestString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** Create init (pid 1) running the built-in init program, which runs argv; switch to it. */
export function start_init(k: Kernel, argv: string[], envp: string[]): void {
  populate_rootfs(k);
  k.vfs.install(INIT_PATH, INIT_ELF, 0o755);
  initStates.set(k, { main: null, mainStatus: null, mainSignal: null });

  const pid = k.pidmap.alloc();
  const frame = pid === 1 ? k.pages.alloc(PG_KSTACK) : -1;
  if (frame < 0) {
    k.panic(pid === 1 ? 'start_init: out of memory for the kernel stack' : `start_init: got pid ${pid} for init`);
    return;
  }
  const init = new Task(pid, 'init');
  init.kstackFrame = frame;
  init.kstackTop = __va(PageAllocator.phys(frame) + PAGE_SIZE);
  const regs = new PtRegs(k.mmu, init.ptRegsAddr);
  for (let off = 0; off < PT_REGS_SIZE; off += 4) regs.set(off, 0);
  init.thread.esp = regs.addr;
  init.files = console_files(k); // fds 0, 1, 2: the console (fs/devices.ts)
  init.fs = new FsStruct(k.vfs.root);
  init_task_signals(init); // its handlers, its signal_struct (unkillable: SIGNAL_UNKILLABLE)
  init.pgrp = init.session = 1;
  init.exit_signal = SIG.SIGCHLD;
  init.real_parent = init.parent = k.idle;
  k.idle.children.push(init);
  init.timeslice = DEF_TIMESLICE;
  k.tasks.set(pid, init);
  k.init = init;

  // kernel_init runs as pid 1 and execs: switch first, so that execve works in init's
  // own context (its mm, its kernel stack).
  context_switch(k, k.idle, init);
  const err = kernel_execve(k, init, INIT_PATH, argv.map(guestString), envp.map(guestString));
  if (typeof err === 'number' && err < 0) k.panic(`No working init found: execve ${INIT_PATH} failed with error ${-err}`);
}
