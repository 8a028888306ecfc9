// struct file (include/linux/fs.h, fs/file_table.c): an open file — what a file
// descriptor refers to. As the seeds say, fork copies the descriptors but SHARES the
// struct file: parent and child then move one file position (f_pos) together, and a pipe
// stays open while either holds an end — which is what makes pipes between parent and
// child work. dup/dup2 share it the same way within one table.
//
// A struct file is reference counted (f_count): get_file for every descriptor (or other
// holder) that refers to it, fput when one goes away; the last fput calls the file's
// release (a pipe end: one reader or writer fewer) and drops the inode's open count.
//
// FILE OPERATIONS (struct file_operations): each file type supplies read/write through an
// IovIter (iov.ts) and may supply llseek, ioctl and release. read and write may sleep:
// they return BLOCKED after sleep_on (sched.ts), and their continuation finishes the call.

import { E } from '../abi.js';
import type { Kernel } from '../kernel.js';
import type { SyscallResult, Task } from '../task.js';
import type { Inode } from './inode.js';
import type { IovIter } from './iov.js';

/* open flags, i386 = asm-generic (include/uapi/asm-generic/fcntl.h) */
export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const FASYNC = 0o20000;
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const __O_SYNC = 0o4000000;
export const O_PATH = 0o10000000;
export const __O_TMPFILE = 0o20000000;

/* f_mode (include/linux/fs.h) */
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;
/** The file has a position: lseek works (not a pipe or a terminal). */
export const FMODE_LSEEK = 0x4;
/** pread64 / pwrite64 work. */
export const FMODE_PREAD = 0x8;
export const FMODE_PWRITE = 0x10;
/** O_PATH: a handle for *at() and fchdir, no I/O. */
export const FMODE_PATH = 0x4000;

/** Where a read or write happens: the file's own position (read/write) or an explicit
 *  one (pread64/pwrite64). */
export interface Ppos {
  pos: number;
}

export interface FileOperations {
  /** Read into `to` at *ppos: bytes read, 0 at end of file, -errno, or BLOCKED. */
  read?: (k: Kernel, f: File, to: IovIter, ppos: Ppos) => SyscallResult;
  /** Write `from` at *ppos: bytes written, -errno, or BLOCKED. */
  write?: (k: Kernel, f: File, from: IovIter, ppos: Ppos) => SyscallResult;
  /** The new position for lseek (0 = SEEK_SET, 1 = SEEK_CUR, 2 = SEEK_END …), or -errno. */
  llseek?: (k: Kernel, f: File, offset: number, whence: number) => number;
  ioctl?: (k: Kernel, f: File, cmd: number, arg: number) => number;
  /** The POLL* events the file is ready for now; with a poll table, also the wait queues
   *  a poller must sleep on to learn of a change (select.ts). Absent: always readable and
   *  writable (DEFAULT_POLLMASK: regular files, memory devices). */
  poll?: (k: Kernel, f: File, pt: PollTable | null) => number;
  /** The last reference is gone. */
  release?: (k: Kernel, f: File) => void;
}

/** A wait queue a poller can join (WaitQueue, or the console's input waiters). */
export interface PollQueue {
  add(t: Task): unknown;
  remove(t: Task): unknown;
}

/** poll_table: where a file's poll method registers its wait queues (poll_wait). */
export interface PollTable {
  wait(q: PollQueue): void;
}

export class File {
  /** f_count: descriptors (in any table) and other holders of this open file. */
  count = 1;
  /** f_flags: the open flags that stay (access mode, O_APPEND, O_NONBLOCK …). */
  flags: number;
  /** f_mode: FMODE_*. */
  mode: number;
  /** f_pos: the position read and write use. */
  pos = 0;
  readonly inode: Inode;
  readonly op: FileOperations;
  /** The file type's own state (a pipe end's pipe, a console's stream). */
  private_data: unknown = null;

  constructor(inode: Inode, flags: number, mode: number, op: FileOperations) {
    this.inode = inode;
    this.flags = flags;
    this.mode = mode;
    this.op = op;
  }
}

/** The FMODE_READ / FMODE_WRITE bits of an access mode (O_RDONLY, O_WRONLY, O_RDWR). */
export function acc_fmode(flags: number): number {
  const acc = flags & O_ACCMODE;
  return (acc === O_RDONLY ? FMODE_READ : acc === O_WRONLY ? FMODE_WRITE : acc === O_RDWR ? FMODE_READ | FMODE_WRITE : 0);
}

/** /proc/sys/fs/file-max: the most open files at once (bounded host memory). */
export const NR_FILE = 65536;

/** get_empty_filp's check: 0, or -ENFILE when NR_FILE files are open. */
export function file_table_full(k: Kernel): number {
  return k.vfs.nr_files >= NR_FILE ? -E.ENFILE : 0;
}

/**
 * alloc_file: a new open file of `inode` (count 1). The filesystem counts it (nr_files)
 * and the inode holds one open reference more until the last fput.
 */
export function alloc_file(k: Kernel, inode: Inode, flags: number, mode: number, op: FileOperations): File {
  const f = new File(inode, flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC), mode, op);
  inode.i_count++;
  k.vfs.nr_files++;
  return f;
}

/** get_file: one holder more. */
export function get_file(f: File): File {
  f.count++;
  return f;
}

/** fput: one holder fewer; the last one releases the file (__fput). */
export function fput(k: Kernel, f: File): void {
  if (f.count <= 0) {
    k.panic(`fput: file of inode ${f.inode.ino} released twice`);
    return;
  }
  if (--f.count > 0) return;
  f.op.release?.(k, f);
  f.inode.i_count--;
  k.vfs.nr_files--;
  k.vfs.iput(f.inode);
}

/** fget: the open file at descriptor `fd` of task t's table, or null (EBADF). Takes no
 *  reference: the caller uses it within the current kernel call (a read or write that
 *  sleeps re-checks f.count when it wakes: pipe.ts). */
export function fget(k: Kernel, t: Task, fd: number): File | null {
  void k;
  const files = t.files;
  if (!files || fd < 0 || fd >= files.fd.length) return null;
  return files.fd[fd];
}

/** fget for I/O: the file, or -EBADF; O_PATH files do no I/O. */
export function fget_io(k: Kernel, fd: number): File | number {
  const f = fget(k, k.current, fd);
  if (!f || f.mode & FMODE_PATH) return -E.EBADF;
  return f;
}

/** generic_file_llseek: SEEK_SET, SEEK_CUR, SEEK_END on a file with a size; SEEK_DATA
 *  and SEEK_HOLE see one data extent (no holes are stored). */
export function generic_file_llseek(f: File, offset: number, whence: number, size: number, max: number): number {
  let pos: number;
  switch (whence) {
    case SEEK_SET:
      pos = offset;
      break;
    case SEEK_CUR:
      pos = f.pos + offset;
      break;
    case SEEK_END:
      pos = size + offset;
      break;
    case SEEK_DATA:
      if (offset < 0 || offset >= size) return -E.ENXIO;
      pos = offset;
      break;
    case SEEK_HOLE:
      if (offset < 0 || offset >= size) return -E.ENXIO;
      pos = size;
      break;
    default:
      return -E.EINVAL;
  }
  if (pos < 0 || pos > max) return -E.EINVAL;
  f.pos = pos;
  return pos;
}

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;
