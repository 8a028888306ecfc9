// Pipes (fs/pipe.c): pipe (42) and pipe2 (331) make an anonymous FIFO with two open
// files, a read end and a write end, sharing one ring buffer of PIPE_DEF_SIZE (64 KiB).
// fork shares both struct files with the child (the seeds: "这也是父子进程进行pipe互相通信
// 的基础" — the basis of parent-child communication through a pipe).
//
// pipe_read:  data buffered → copy what is there (up to the request) and wake the
//             writers; empty and no writer left → 0 (end of file); empty with O_NONBLOCK
//             → -EAGAIN; else sleep on rd_wait until a write or the last writer's close
//             (a signal ends the sleep with -ERESTARTSYS).
// pipe_write: no reader left → SIGPIPE to the writer and -EPIPE (or the bytes already
//             written); a write of at most PIPE_BUF (4096) bytes is atomic — it lands
//             whole in the last page or in one new page, waiting for a free slot if
//             need be, so it is never interleaved with another writer's bytes; a larger
//             write fills pages as slots free up, waking the readers, until done; with
//             O_NONBLOCK it returns what fitted (-EAGAIN when nothing did). O_DIRECT
//             (pipe2): packet mode, each write one packet, each read at most one.
// release:    the last close of an end counts a reader or writer fewer and wakes the
//             other side (EOF for readers, EPIPE for writers).
//
// A sleeper holds no reference to the struct file: if another thread (CLONE_FILES)
// closes the last descriptor meanwhile, the sleeper wakes with -EBADF.
//
// THE BUFFER is Linux's ring of page-sized slots (see Pipe below), so the number of bytes
// that fit before a writer blocks (or gets -EAGAIN) is what it is on Linux for the same
// sequence of writes.
//
// BOUNDED HOST MEMORY: pages are allocated as writes need them and freed as they are
// read. The capacity of all pipes together is capped like Linux's pipe-user-pages-soft/
// -hard: past PIPE_PAGES_SOFT pages a new pipe gets PIPE_MIN_DEF_BUFFERS slots only, past
// PIPE_PAGES_HARD pipe() fails with -ENFILE.

import { E, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, SIG } from '../abi.js';
import { CYC_FILE_ALLOC } from '../cost.js';
import type { Kernel } from '../kernel.js';
import { send_signal } from '../signal.js';
import type { SyscallResult, Task } from '../task.js';
import { put_user32 } from '../uaccess.js';
import {
  alloc_file, FMODE_READ, FMODE_WRITE, fput, NR_FILE, O_DIRECT, O_NONBLOCK, O_RDONLY, O_WRONLY, type File,
  type FileOperations, type PollTable, type Ppos,
} from './file.js';
import { mkdev, S_IFIFO, type Inode } from './inode.js';
import type { IovIter } from './iov.js';
import { wait_event_interruptible, WaitQueue, WOULD_BLOCK } from './wait_queue.js';

/** Writes of at most this many bytes are atomic. */
export const PIPE_BUF = 4096;
/** A pipe buffer slot holds one page. */
const PAGE = 4096;
/** A pipe's capacity: PIPE_DEF_BUFFERS (16) slots of a page. */
export const PIPE_DEF_SIZE = 16 * PAGE;
/** Capacity of pipes made beyond the soft limit (PIPE_MIN_DEF_BUFFERS slots). */
export const PIPE_MIN_SIZE = 2 * PAGE;
/** The largest capacity F_SETPIPE_SZ may set (/proc/sys/fs/pipe-max-size). */
export const PIPE_MAX_SIZE = 1 << 20;
/** Total pipe capacity, in pages: past the soft limit new pipes are small, past the hard
 *  one they fail. */
export const PIPE_PAGES_SOFT = 16384;
export const PIPE_PAGES_HARD = 32768;
/** st_dev of pipes (pipefs, an anonymous device). */
export const PIPEFS_DEV = mkdev(0, 12);

/** FIONREAD and F_GETPIPE_SZ / F_SETPIPE_SZ. */
export const FIONREAD = 0x541b;
export const F_SETPIPE_SZ = 1031;
export const F_GETPIPE_SZ = 1032;

/** pipe_buffer flags. */
const PIPE_BUF_FLAG_PACKET = 0x08;
const PIPE_BUF_FLAG_CAN_MERGE = 0x10;

/** struct pipe_buffer: a page of the ring and the unread bytes in it. */
interface PipeBuffer {
  page: Uint8Array;
  offset: number;
  len: number;
  flags: number;
}

/**
 * struct pipe_inode_info: a ring of at most max_usage page-sized buffers (16: 64 KiB).
 * As in Linux, a write first tops up the last page when the part of it that is not a
 * whole number of pages fits there ("merge"), then fills new pages; a page is freed when
 * it has been read. "Full" means every slot is in use — so how many bytes fit depends on
 * the sizes of the writes exactly as on Linux (1000-byte writes: 64 000 bytes).
 */
export class Pipe {
  readonly bufs: PipeBuffer[] = [];
  /** The slots (pages) the ring may use. */
  max_usage: number;
  /** A freed page kept for the next write (tmp_page). */
  tmp_page: Uint8Array | null = null;
  readers = 0;
  writers = 0;
  readonly rd_wait = new WaitQueue();
  readonly wr_wait = new WaitQueue();

  constructor(size: number) {
    this.max_usage = size / PAGE;
  }

  /** Capacity in bytes (F_GETPIPE_SZ). */
  get size(): number {
    return this.max_usage * PAGE;
  }

  /** Unread bytes (FIONREAD). */
  get len(): number {
    let n = 0;
    for (const b of this.bufs) n += b.len;
    return n;
  }

  get full(): boolean {
    return this.bufs.length >= this.max_usage;
  }
}

/** Pipe capacity in use, per kernel (pages), for the soft and hard limits. */
const pipePages = new WeakMap<Kernel, { pages: number }>();
function pipe_accounting(k: Kernel): { pages: number } {
  let a = pipePages.get(k);
  if (!a) pipePages.set(k, (a = { pages: 0 }));
  return a;
}

/** Pages of capacity held by live pipes (tests, invariants). */
export function pipe_pages(k: Kernel): number {
  return pipe_accounting(k).pages;
}

function pipe_read(k: Kernel, f: File, to: IovIter, _ppos: Ppos): SyscallResult {
  const pipe = f.private_data as Pipe;
  const t = k.current;
  if (to.count === 0) return 0;
  const attempt = (): number => {
    if (f.count === 0) return -E.EBADF;
    let ret = 0;
    let total = to.count;
    let freed = false;
    for (;;) {
      const buf = pipe.bufs[0];
      if (buf) {
        const chars = Math.min(buf.len, total);
        const written = to.copy_to_iter(k, buf.page, buf.offset, chars);
        if (written < chars) {
          if (ret === 0) ret = -E.EFAULT;
          break;
        }
        ret += chars;
        buf.offset += chars;
        buf.len -= chars;
        if (buf.flags & PIPE_BUF_FLAG_PACKET) {
          // A packet is read whole or its rest is dropped.
          total = chars;
          buf.len = 0;
        }
        if (buf.len === 0) {
          pipe.bufs.shift();
          pipe.tmp_page ??= buf.page;
          freed = true;
        }
        total -= chars;
        if (total === 0) break;
        if (pipe.bufs.length > 0) continue;
      }
      if (pipe.writers === 0) break; // end of file (or the bytes read so far)
      if (ret) break;
      if (f.flags & O_NONBLOCK) return -E.EAGAIN;
      return WOULD_BLOCK;
    }
    if (freed) pipe.wr_wait.wake_up(k);
    return ret;
  };
  return wait_event_interruptible(k, t, pipe.rd_wait, attempt);
}

function pipe_write(k: Kernel, f: File, from: IovIter, _ppos: Ppos): SyscallResult {
  const pipe = f.private_data as Pipe;
  const t = k.current;
  const total = from.count;
  if (total === 0) return 0;
  if (pipe.readers === 0) {
    send_signal(k, t, SIG.SIGPIPE);
    return -E.EPIPE;
  }
  let ret = 0;
  // Merge the part that is not a whole number of pages into the last page, if it fits.
  const chars = total & (PAGE - 1);
  const last = pipe.bufs[pipe.bufs.length - 1];
  if (chars && last && last.flags & PIPE_BUF_FLAG_CAN_MERGE && last.offset + last.len + chars <= PAGE) {
    const copied = from.copy_from_iter(k, last.page, last.offset + last.len, chars);
    if (copied < chars) return -E.EFAULT;
    last.len += copied;
    ret = copied;
    pipe.rd_wait.wake_up(k);
    if (from.count === 0) return ret;
  }
  const packet = (f.flags & O_DIRECT) !== 0;
  const attempt = (): number => {
    for (;;) {
      if (f.count === 0) return ret || -E.EBADF;
      if (pipe.readers === 0) {
        send_signal(k, t, SIG.SIGPIPE);
        return ret || -E.EPIPE;
      }
      if (!pipe.full) {
        // A new page: a write of at most PIPE_BUF bytes lands in one page whole (atomic).
        const page = pipe.tmp_page ?? new Uint8Array(PAGE);
        pipe.tmp_page = null;
        const buf: PipeBuffer = { page, offset: 0, len: 0, flags: packet ? PIPE_BUF_FLAG_PACKET : PIPE_BUF_FLAG_CAN_MERGE };
        const copied = from.copy_from_iter(k, page, 0, Math.min(PAGE, from.count));
        if (copied === 0) {
          pipe.tmp_page = page;
          return ret || -E.EFAULT;
        }
        buf.len = copied;
        pipe.bufs.push(buf);
        ret += copied;
        pipe.rd_wait.wake_up(k);
        if (from.faulted) return ret;
        if (from.count === 0) return ret;
        if (!pipe.full) continue;
      }
      if (f.flags & O_NONBLOCK) return ret || -E.EAGAIN;
      return WOULD_BLOCK;
    }
  };
  return wait_event_interruptible(k, t, pipe.wr_wait, attempt, () => ret || -E.ERESTARTSYS);
}

function pipe_ioctl(k: Kernel, f: File, cmd: number, arg: number): number {
  const pipe = f.private_data as Pipe;
  if (cmd === FIONREAD) return put_user32(k, arg, pipe.len);
  return -E.ENOTTY;
}

/**
 * pipe_poll: the read end is readable (POLLIN | POLLRDNORM) with data buffered and hung
 * up (POLLHUP) once no writer is left; the write end is writable (POLLOUT | POLLWRNORM)
 * while a slot is free, in error (POLLERR) once no reader is left. A poller sleeps on
 * both wait queues (a read frees room, a write brings data, a close changes either).
 */
function pipe_poll(_k: Kernel, f: File, pt: PollTable | null): number {
  const pipe = f.private_data as Pipe;
  if (pt) {
    pt.wait(pipe.rd_wait);
    pt.wait(pipe.wr_wait);
  }
  let mask = 0;
  if (f.mode & FMODE_READ) {
    if (pipe.bufs.length !== 0) mask |= POLLIN | POLLRDNORM;
    if (pipe.writers === 0) mask |= POLLHUP;
  }
  if (f.mode & FMODE_WRITE) {
    if (!pipe.full) mask |= POLLOUT | POLLWRNORM;
    if (pipe.readers === 0) mask |= POLLERR;
  }
  return mask;
}

/** The last close of one end. */
function pipe_release(k: Kernel, f: File): void {
  const pipe = f.private_data as Pipe;
  if (f.mode & FMODE_READ) pipe.readers--;
  if (f.mode & FMODE_WRITE) pipe.writers--;
  pipe.rd_wait.wake_up(k);
  pipe.wr_wait.wake_up(k);
  if (pipe.readers === 0 && pipe.writers === 0) {
    // free_pipe_info: the pages and the pipe's share of the limit go back.
    pipe_accounting(k).pages -= pipe.max_usage;
    pipe.bufs.length = 0;
    pipe.tmp_page = null;
    f.inode.nlink = 0; // the inode goes when its last file does (fput → iput)
  }
}

export const pipefifo_fops: FileOperations = {
  read: pipe_read,
  write: pipe_write,
  ioctl: pipe_ioctl,
  poll: pipe_poll,
  release: pipe_release,
};

/**
 * F_SETPIPE_SZ: a new capacity (rounded up to a power-of-two number of pages, at most
 * PIPE_MAX_SIZE: -EINVAL beyond), not below the pages in use (-EBUSY). Returns the
 * capacity set.
 */
export function pipe_set_size(k: Kernel, f: File, arg: number): number {
  const pipe = f.private_data as Pipe;
  if (arg < 0 || arg > PIPE_MAX_SIZE) return -E.EINVAL;
  let slots = 1;
  while (slots * PAGE < arg) slots *= 2;
  if (slots < pipe.bufs.length) return -E.EBUSY;
  const acct = pipe_accounting(k);
  const delta = slots - pipe.max_usage;
  if (delta > 0 && acct.pages + delta > PIPE_PAGES_HARD) return -E.EPERM;
  acct.pages += delta;
  pipe.max_usage = slots;
  pipe.wr_wait.wake_up(k);
  return pipe.size;
}

/** The Pipe of an open file, or null if it is not a pipe. */
export function get_pipe_info(f: File): Pipe | null {
  return f.op === pipefifo_fops ? (f.private_data as Pipe) : null;
}

/**
 * create_pipe_files: a new pipe's inode and its two open files (read end, write end),
 * each with count 1 and `flags` (O_NONBLOCK) — or -ENFILE past the limits.
 */
export function create_pipe_files(k: Kernel, flags: number): [File, File] | number {
  const acct = pipe_accounting(k);
  if (acct.pages >= PIPE_PAGES_HARD || k.vfs.nr_files + 2 > NR_FILE) return -E.ENFILE;
  const size = acct.pages + (PIPE_DEF_SIZE >> 12) > PIPE_PAGES_SOFT ? PIPE_MIN_SIZE : PIPE_DEF_SIZE;
  const inode: Inode | null = k.vfs.new_inode(S_IFIFO | 0o600);
  if (!inode) return -E.ENFILE;
  k.charge(2 * CYC_FILE_ALLOC);
  inode.nlink = 1; // pipefs shows one link; pipe_release drops it
  inode.dev = PIPEFS_DEV;
  const pipe = new Pipe(size);
  acct.pages += pipe.max_usage;
  pipe.readers = 1;
  pipe.writers = 1;
  const r = alloc_file(k, inode, O_RDONLY | (flags & (O_NONBLOCK | O_DIRECT)), FMODE_READ, pipefifo_fops);
  const w = alloc_file(k, inode, O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT)), FMODE_WRITE, pipefifo_fops);
  r.private_data = pipe;
  w.private_data = pipe;
  return [r, w];
}

/** Undo create_pipe_files (pipe() could not install or copy out the descriptors). */
export function destroy_pipe_files(k: Kernel, files: [File, File]): void {
  fput(k, files[0]);
  fput(k, files[1]);
}

/** Is t asleep on a pipe (tests)? */
export function pipe_has_sleeper(f: File, t: Task): boolean {
  const pipe = get_pipe_info(f);
  return !!pipe && (pipe.rd_wait.has(t) || pipe.wr_wait.has(t));
}
