// struct files_struct (fs/file.c, include/linux/fdtable.h): a task's table of open file
// descriptors — each slot a reference to a shared struct file (file.ts) plus its
// close-on-exec bit.
//
// How clone flags treat it (the seeds' CLONE_FILES, "共享打开文件表"):
//   fork / clone without CLONE_FILES   dup_fd: a NEW table with the same descriptors; each
//                                      struct file gets one reference more, so parent
//                                      and child share positions and pipe ends;
//   CLONE_FILES (threads, clone-vm)    the SAME table (count++): a descriptor one task
//                                      opens or closes is opened or closed for both;
//   execve                             unshare_files (a table shared with CLONE_FILES is
//                                      copied first), then do_close_on_exec closes every
//                                      FD_CLOEXEC descriptor;
//   exit                               exit_files: one user fewer; the last closes all.
//
// RLIMIT_NOFILE is 1024 (soft = hard; setrlimit may lower it, resource.ts): descriptors
// are 0 … 1023, the table grows on demand up to that, and allocating past it is -EMFILE. The lowest free descriptor is always
// the one allocated (POSIX).

import { CLONE_FILES, E, RLIMIT_NOFILE } from '../abi.js';
import type { Kernel } from '../kernel.js';
import type { Task } from '../task.js';
import { rlimit } from '../resource.js';
import { fput, get_file, type File } from './file.js';

/** RLIMIT_NOFILE (soft and hard): the number of descriptors a table may have. */
export const NR_OPEN = 1024;

/** The current task's RLIMIT_NOFILE soft limit (resource.ts; setrlimit may lower it):
 *  descriptors must be below it. */
export function task_nofile(k: Kernel): number {
  return Math.min(rlimit(k, RLIMIT_NOFILE), NR_OPEN);
}

export class FilesStruct {
  /** count: tasks sharing this table (CLONE_FILES). */
  count = 1;
  /** The descriptors: fd[n] is the open file of descriptor n, or null. */
  readonly fd: Array<File | null> = [];
  /** close_on_exec bits, by descriptor. */
  readonly cloexec: boolean[] = [];
  /** Every descriptor below this one is in use (the search for a free one starts here). */
  next_fd = 0;
}

/**
 * alloc_fd: the lowest free descriptor >= start, or -EMFILE when none is free below
 * `limit` (the caller's RLIMIT_NOFILE: task_nofile). Nothing is reserved: the caller installs a file there (fd_install) before
 * the kernel call ends — no other task can take it meanwhile.
 */
export function alloc_fd(files: FilesStruct, start: number, limit = NR_OPEN): number {
  let fd = Math.max(start, files.next_fd);
  while (fd < files.fd.length && files.fd[fd] !== null) fd++;
  if (fd >= limit) return -E.EMFILE;
  return fd;
}

/** fd_install: descriptor `fd` (from alloc_fd, or one dup2 chose) now refers to `f`; the
 *  caller's reference to f passes to the table. */
export function fd_install(files: FilesStruct, fd: number, f: File, cloexec: boolean): void {
  while (files.fd.length <= fd) {
    files.fd.push(null);
    files.cloexec.push(false);
  }
  files.fd[fd] = f;
  files.cloexec[fd] = cloexec;
  if (fd === files.next_fd) {
    let n = fd + 1;
    while (n < files.fd.length && files.fd[n] !== null) n++;
    files.next_fd = n;
  }
}

/**
 * get_unused_fd_flags + fd_install: install `f` at the lowest free descriptor (>= start).
 * Returns the descriptor, or -EMFILE — then the caller still owns its reference to f.
 */
export function install_fd(k: Kernel, f: File, cloexec: boolean, start = 0): number {
  const files = k.current.files;
  if (!files) return -E.EMFILE;
  const fd = alloc_fd(files, start, task_nofile(k));
  if (fd < 0) return fd;
  fd_install(files, fd, f, cloexec);
  return fd;
}

/** Detach descriptor fd from the table without dropping the file: the file, or null. */
export function pick_file(files: FilesStruct, fd: number): File | null {
  if (fd < 0 || fd >= files.fd.length) return null;
  const f = files.fd[fd];
  if (!f) return null;
  files.fd[fd] = null;
  files.cloexec[fd] = false;
  if (fd < files.next_fd) files.next_fd = fd;
  // Keep the array short when its top empties (a table once grown to 1024 shrinks back).
  while (files.fd.length > 0 && files.fd[files.fd.length - 1] === null) {
    files.fd.pop();
    files.cloexec.pop();
  }
  return f;
}

/** close_fd: close descriptor fd of the current task's table: 0 or -EBADF. */
export function close_fd(k: Kernel, fd: number): number {
  const files = k.current.files;
  const f = files ? pick_file(files, fd) : null;
  if (!f) return -E.EBADF;
  fput(k, f);
  return 0;
}

/** dup_fd: a copy of `old` for a new task: the same files, one reference more each. */
export function dup_fd(old: FilesStruct): FilesStruct {
  const files = new FilesStruct();
  for (let fd = 0; fd < old.fd.length; fd++) {
    const f = old.fd[fd];
    files.fd.push(f ? get_file(f) : null);
    files.cloexec.push(f ? old.cloexec[fd] : false);
  }
  files.next_fd = old.next_fd;
  return files;
}

/** put_files_struct: one user fewer; the last one closes every descriptor (in order). */
export function put_files_struct(k: Kernel, files: FilesStruct): void {
  if (--files.count > 0) return;
  for (let fd = 0; fd < files.fd.length; fd++) {
    const f = files.fd[fd];
    if (!f) continue;
    files.fd[fd] = null;
    fput(k, f);
  }
  files.fd.length = 0;
  files.cloexec.length = 0;
  files.next_fd = 0;
}

/** copy_files (kernel/fork.c): share the parent's table with CLONE_FILES, else copy it. */
export function copy_files(flags: number, parent: Task, p: Task): void {
  const old = parent.files;
  if (!old) {
    p.files = null; // a kernel thread has none
    return;
  }
  if (flags & CLONE_FILES) {
    old.count++;
    p.files = old;
  } else {
    p.files = dup_fd(old);
  }
}

/** exit_files: task t gives up its table (do_exit, or a failed fork's unwinding). */
export function exit_files(k: Kernel, t: Task): void {
  const files = t.files;
  if (!files) return;
  t.files = null;
  put_files_struct(k, files);
}

/** unshare_files (execve): a table shared with other tasks (CLONE_FILES) is replaced by
 *  a private copy, so that closing the close-on-exec descriptors does not affect them. */
export function unshare_files(k: Kernel, t: Task): void {
  const files = t.files;
  if (!files || files.count === 1) return;
  t.files = dup_fd(files);
  put_files_struct(k, files);
}

/** do_close_on_exec: close every descriptor with FD_CLOEXEC (execve, after the point of
 *  no return). */
export function do_close_on_exec(k: Kernel, t: Task): void {
  const files = t.files;
  if (!files) return;
  for (let fd = 0; fd < files.fd.length; fd++) {
    if (!files.cloexec[fd]) continue;
    const f = pick_file(files, fd);
    if (f) fput(k, f);
  }
}

/** The execve part: a private table, then close-on-exec. */
export function exec_files(k: Kernel, t: Task): void {
  unshare_files(k, t);
  do_close_on_exec(k, t);
}
