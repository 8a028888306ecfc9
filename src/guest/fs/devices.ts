// Character devices (drivers/char/mem.c, drivers/tty/): the console behind descriptors
// 0, 1 and 2, and /dev/null, /dev/zero, /dev/full, /dev/tty (/dev/random, /dev/urandom:
// random.ts).
//
// THE CONSOLE. Every process starts with three open files on the console (init_task.ts
// console_files): fd 0 reads the host's input (KernelOptions.stdin; a reader sleeps
// until Kernel.inputArrived() when there is none yet), fd 1 writes to the host's stdout,
// fd 2 to its stderr. They are ordinary struct files in the table: dup2 can move them,
// close closes them, fork shares them.
//
// IS THE CONSOLE A TERMINAL? Each of its three streams is one exactly when the host's
// corresponding descriptor is (isatty(0), isatty(1), isatty(2): set_console_tty, from
// RunOptions.tty; `forkbox run` asks the host). A stream that is not a terminal fails
// TCGETS, TCSETS* and TIOCGWINSZ with -ENOTTY, so isatty() is false there and glibc
// buffers it as it would natively — stdout into a pipe fully, so that a program which
// printf()s before fork() prints the buffered text twice, as on Linux. A stream that is
// a terminal answers TCGETS with a cooked-mode termios and TIOCGWINSZ with 80x24, so
// interactive programs line-buffer; input is still the host's bytes as they come (no
// line discipline, no echo: the host's terminal does those). /dev/tty opens (the
// controlling terminal) when any of the three is a terminal, else -ENXIO.

import { E, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from '../abi.js';
import type { Kernel } from '../kernel.js';
import type { SyscallResult, Task } from '../task.js';
import { copy_to_user } from '../uaccess.js';
import {
  alloc_file, FMODE_READ, FMODE_WRITE, O_NONBLOCK, O_RDONLY, O_WRONLY, type File, type FileOperations, type PollQueue,
  type PollTable, type Ppos,
} from './file.js';
import { fd_install, FilesStruct } from './fdtable.js';
import { mkdev, S_IFCHR, type Inode } from './inode.js';
import type { IovIter } from './iov.js';
import { wait_event_interruptible, WOULD_BLOCK } from './wait_queue.js';
import { random_fops } from '../random.js';

/** The most bytes one console read or write moves (bounded host memory). */
export const CONSOLE_MAX_IO = 1 << 20;

export const MEM_MAJOR = 1;
export const TTY_MAJOR = 5;
export const DEV_NULL = mkdev(MEM_MAJOR, 3);
export const DEV_ZERO = mkdev(MEM_MAJOR, 5);
export const DEV_FULL = mkdev(MEM_MAJOR, 7);
export const DEV_RANDOM = mkdev(MEM_MAJOR, 8);
export const DEV_URANDOM = mkdev(MEM_MAJOR, 9);
export const DEV_TTY = mkdev(TTY_MAJOR, 0);
export const DEV_CONSOLE = mkdev(TTY_MAJOR, 1);

/* terminal ioctls (include/uapi/asm-generic/ioctls.h) */
export const TCGETS = 0x5401;
export const TCSETS = 0x5402;
export const TCSETSW = 0x5403;
export const TCSETSF = 0x5404;
export const TIOCGPGRP = 0x540f;
export const TIOCSPGRP = 0x5410;
export const TIOCGWINSZ = 0x5413;
export const TIOCSWINSZ = 0x5414;

/** Which host stream a console file uses. */
export type ConsoleStream = 'stdin' | 'stdout' | 'stderr';

/** Which of the host's streams are terminals (a boolean: all three or none). */
export type ConsoleTty = boolean | { stdin: boolean; stdout: boolean; stderr: boolean };

const ttyKernels = new WeakMap<Kernel, { stdin: boolean; stdout: boolean; stderr: boolean }>();

/** The host's console streams are (or are not) terminals: see the header. */
export function set_console_tty(k: Kernel, tty: ConsoleTty): void {
  ttyKernels.set(k, typeof tty === 'boolean' ? { stdin: tty, stdout: tty, stderr: tty } : { ...tty });
}

/** Is the console's `stream` a terminal — or, without one, any of them (/dev/tty)? */
export function console_is_tty(k: Kernel, stream?: ConsoleStream): boolean {
  const t = ttyKernels.get(k);
  if (!t) return false;
  return stream ? t[stream] : t.stdin || t.stdout || t.stderr;
}

/** Host input poll() has taken to learn whether there is any, not yet read (or an
 *  empty array: end of file), per kernel. */
const stdinAhead = new WeakMap<Kernel, Uint8Array>();

/** The next host input: what poll() took ahead first, else k.stdin (null: none yet). */
function stdin_take(k: Kernel, max: number): Uint8Array | null {
  const ahead = stdinAhead.get(k);
  if (!ahead) return k.stdin(max);
  if (ahead.length <= max) {
    stdinAhead.delete(k);
    return ahead;
  }
  stdinAhead.set(k, ahead.subarray(max));
  return ahead.subarray(0, max);
}

function console_read(k: Kernel, f: File, to: IovIter, _ppos: Ppos): SyscallResult {
  const t = k.current;
  if (to.count === 0) return 0;
  const attempt = (): number => {
    if (f.count === 0) return -E.EBADF;
    const data = stdin_take(k, Math.min(to.count, CONSOLE_MAX_IO));
    if (data === null) return f.flags & O_NONBLOCK ? -E.EAGAIN : WOULD_BLOCK;
    if (data.length === 0) return 0;
    const n = to.copy_to_iter(k, data, 0, data.length);
    if (n < data.length) stdinAhead.set(k, concat(data.subarray(Math.max(n, 0)), stdinAhead.get(k)));
    return n > 0 ? n : -E.EFAULT;
  };
  return wait_event_interruptible(k, t, stdin_waiters(k), attempt);
}

function concat(a: Uint8Array, b: Uint8Array | undefined): Uint8Array {
  if (!b || b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The readers of fd 0 waiting for host input, as a wait queue (Kernel.inputArrived). */
function stdin_waiters(k: Kernel): PollQueue {
  return { add: (w: Task) => k.stdinWaiters.add(w), remove: (w: Task) => k.stdinWaiters.delete(w) };
}

/**
 * console_poll: the input side is readable when the host has input (taken ahead, kept for
 * the next read) or is at end of file (a read returns 0 at once); the output side is
 * always writable.
 */
function console_poll(k: Kernel, f: File, pt: PollTable | null): number {
  let mask = 0;
  if (f.mode & FMODE_READ) {
    if (pt) pt.wait(stdin_waiters(k));
    if (!stdinAhead.has(k)) {
      const data = k.stdin(CONSOLE_MAX_IO);
      if (data !== null) stdinAhead.set(k, data);
    }
    if (stdinAhead.has(k)) mask |= POLLIN | POLLRDNORM;
  }
  if (f.mode & FMODE_WRITE) mask |= POLLOUT | POLLWRNORM;
  return mask;
}

function console_write(k: Kernel, f: File, from: IovIter, _ppos: Ppos): SyscallResult {
  const n = Math.min(from.count, CONSOLE_MAX_IO);
  if (n === 0) return 0;
  const bytes = new Uint8Array(n);
  const done = from.copy_from_iter(k, bytes, 0, n);
  if (done === 0) return -E.EFAULT;
  const out = done === n ? bytes : bytes.subarray(0, done);
  if (f.private_data === 'stderr') k.stderr(out);
  else k.stdout(out);
  return done;
}

/** struct termios of a cooked terminal at 38400 baud (36 bytes: 4 flag words, c_line,
 *  c_cc[19]). */
function default_termios(): Uint8Array {
  const b = new Uint8Array(36);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x0500, true); // c_iflag: ICRNL | IXON
  dv.setUint32(4, 0x0005, true); // c_oflag: OPOST | ONLCR
  dv.setUint32(8, 0x00bf, true); // c_cflag: B38400 | CS8 | CREAD
  dv.setUint32(12, 0x8a3b, true); // c_lflag: ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
  b.set([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0], 17); // INTR QUIT ERASE KILL EOF …
  return b;
}

function console_ioctl(k: Kernel, f: File, cmd: number, arg: number): number {
  const stream = f.private_data;
  if (!console_is_tty(k, stream === 'stdin' || stream === 'stdout' || stream === 'stderr' ? stream : undefined)) return -E.ENOTTY;
  switch (cmd) {
    case TCGETS:
      return copy_to_user(k, arg, default_termios());
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
      return 0; // accepted; the host's terminal keeps its own modes
    case TIOCGWINSZ:
      return copy_to_user(k, arg, Uint8Array.of(24, 0, 80, 0, 0, 0, 0, 0));
    case TIOCSWINSZ:
      return 0;
    case TIOCGPGRP: {
      const pgrp = k.current.pgrp;
      return copy_to_user(k, arg, Uint8Array.of(pgrp, pgrp >> 8, pgrp >> 16, pgrp >>> 24));
    }
    default:
      return -E.ENOTTY;
  }
}

export const console_fops: FileOperations = {
  read: console_read,
  write: console_write,
  ioctl: console_ioctl,
  poll: console_poll,
};

// ---- /dev/null, /dev/zero, /dev/full (drivers/char/mem.c) -----------------------------

const read_null = (): number => 0;
const write_null = (_k: Kernel, _f: File, from: IovIter): number => from.advance(from.count);

function read_zero(k: Kernel, _f: File, to: IovIter): number {
  const want = to.count;
  if (want === 0) return 0;
  const n = to.zero_to_iter(k, want);
  return n > 0 ? n : -E.EFAULT;
}

const write_full = (): number => -E.ENOSPC;
/** Seeking a memory device always succeeds and keeps the position at 0 (null_lseek). */
const seek_null = (_k: Kernel, f: File): number => {
  f.pos = 0;
  return 0;
};

export const null_fops: FileOperations = { read: read_null, write: write_null, llseek: seek_null };
export const zero_fops: FileOperations = { read: read_zero, write: write_null, llseek: seek_null };
export const full_fops: FileOperations = { read: read_zero, write: write_full, llseek: seek_null };

/**
 * chrdev_open: the file operations of character device `rdev` and the private data of
 * the open file, or -ENXIO (no such device; /dev/tty when the console is no terminal).
 */
export function chrdev_open(k: Kernel, rdev: number): { op: FileOperations; data: unknown } | number {
  switch (rdev) {
    case DEV_NULL:
      return { op: null_fops, data: null };
    case DEV_ZERO:
      return { op: zero_fops, data: null };
    case DEV_FULL:
      return { op: full_fops, data: null };
    case DEV_RANDOM:
    case DEV_URANDOM:
      return { op: random_fops, data: null }; // the kernel's deterministic pool (random.ts)
    case DEV_TTY:
    case DEV_CONSOLE:
      if (!console_is_tty(k)) return -E.ENXIO;
      // The controlling terminal: writes go to stdout; a terminal if any stream is one.
      return { op: console_fops, data: 'tty' };
    default:
      return -E.ENXIO;
  }
}

/** The FMODE bits console stream `s` allows. */
export function console_fmode(s: ConsoleStream): number {
  return s === 'stdin' ? FMODE_READ : FMODE_WRITE;
}

// ---- the console files of init (fds 0, 1, 2) ------------------------------------------

const consoleInodes = new WeakMap<Kernel, Inode>();

/** The console's inode (a character device 5:1 outside the tree, like a devpts node). */
function console_inode(k: Kernel): Inode {
  let inode = consoleInodes.get(k);
  if (!inode) {
    inode = k.vfs.new_inode(S_IFCHR | 0o620) as Inode;
    inode.rdev = DEV_CONSOLE;
    consoleInodes.set(k, inode);
  }
  return inode;
}

/** A new open file on the console for stream `s`. */
export function open_console(k: Kernel, s: ConsoleStream): File {
  const f = alloc_file(k, console_inode(k), s === 'stdin' ? O_RDONLY : O_WRONLY, console_fmode(s), console_fops);
  f.private_data = s;
  return f;
}

/** init's descriptor table: 0 = the host's stdin, 1 = stdout, 2 = stderr. */
export function console_files(k: Kernel): FilesStruct {
  const files = new FilesStruct();
  fd_install(files, 0, open_console(k, 'stdin'), false);
  fd_install(files, 1, open_console(k, 'stdout'), false);
  fd_install(files, 2, open_console(k, 'stderr'), false);
  return files;
}
