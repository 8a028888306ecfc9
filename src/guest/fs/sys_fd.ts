// The descriptor system calls (fs/file.c, fs/fcntl.c, fs/pipe.c, fs/ioctl.c, fs/open.c):
// close, dup, dup2, dup3, fcntl / fcntl64, pipe, pipe2, ioctl, ftruncate / truncate and
// their 64-bit forms, fsync / fdatasync.
//
// dup-family semantics (POSIX, Linux):
//   dup(old)              the lowest free descriptor, sharing old's struct file, without
//                         FD_CLOEXEC;
//   dup2(old, new)        new is closed first if open (silently), then refers to old's
//                         file; old == new returns new if old is open (-EBADF if not);
//   dup3(old, new, flags) like dup2 but old == new is -EINVAL, flags only O_CLOEXEC;
//   fcntl F_DUPFD(arg)    the lowest free descriptor >= arg (-EINVAL past RLIMIT_NOFILE);
//   F_DUPFD_CLOEXEC       the same with FD_CLOEXEC.
// A new descriptor >= RLIMIT_NOFILE (1024, or lower after setrlimit): dup2/dup3 -EBADF,
// others -EMFILE.

import { E } from '../abi.js';
import type { Kernel } from '../kernel.js';
import type { Syscall } from '../syscalls.js';
import { copy_to_user, get_user32, put_user32, strncpy_from_user } from '../uaccess.js';
import { alloc_fd, close_fd, fd_install, install_fd, pick_file, task_nofile } from './fdtable.js';
import {
  FASYNC, fget, fput, get_file, FMODE_PATH, FMODE_WRITE, O_APPEND, O_CLOEXEC, O_DIRECT, O_NOATIME, O_NONBLOCK,
  type File,
} from './file.js';
import { LOOKUP_FOLLOW, path_lookupat, AT_FDCWD } from './namei.js';
import { create_pipe_files, destroy_pipe_files, F_GETPIPE_SZ, F_SETPIPE_SZ, FIONREAD, get_pipe_info, pipe_set_size } from './pipe.js';
import { PATH_MAX } from './stat.js';

/* fcntl commands (include/uapi/asm-generic/fcntl.h, linux/fcntl.h) */
export const F_DUPFD = 0;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_GETLK = 5;
export const F_SETLK = 6;
export const F_SETLKW = 7;
export const F_SETOWN = 8;
export const F_GETOWN = 9;
export const F_GETLK64 = 12;
export const F_SETLK64 = 13;
export const F_SETLKW64 = 14;
export const F_DUPFD_CLOEXEC = 1030;
export const FD_CLOEXEC = 1;

/* generic ioctls (include/uapi/asm-generic/ioctls.h) */
export const FIONBIO = 0x5421;
export const FIONCLEX = 0x5450;
export const FIOCLEX = 0x5451;
export const FIOASYNC = 0x5452;

/** Flags F_SETFL may change (SETFL_MASK). */
const SETFL_MASK = O_APPEND | O_NONBLOCK | FASYNC | O_DIRECT | O_NOATIME;

const sys_close: Syscall = (k, fd) => close_fd(k, fd);

/** do_dup2: make `newfd` refer to `f` (closing what was there). */
function do_dup2(k: Kernel, f: File, newfd: number, cloexec: boolean): number {
  const files = k.current.files;
  if (!files) return -E.EBADF;
  const old = pick_file(files, newfd);
  fd_install(files, newfd, get_file(f), cloexec);
  if (old) fput(k, old); // errors of the implicit close are ignored, as Linux does
  return newfd;
}

const sys_dup: Syscall = (k, oldfd) => {
  const f = fget(k, k.current, oldfd);
  if (!f) return -E.EBADF;
  const fd = install_fd(k, get_file(f), false);
  if (fd < 0) fput(k, f);
  return fd;
};

const sys_dup2: Syscall = (k, oldfd, newfd) => {
  const f = fget(k, k.current, oldfd);
  if (!f) return -E.EBADF;
  if (oldfd === newfd) return newfd;
  if (newfd < 0 || newfd >= task_nofile(k)) return -E.EBADF;
  return do_dup2(k, f, newfd, false);
};

const sys_dup3: Syscall = (k, oldfd, newfd, flags) => {
  if (flags & ~O_CLOEXEC) return -E.EINVAL;
  if (oldfd === newfd) return -E.EINVAL;
  if (newfd < 0 || newfd >= task_nofile(k)) return -E.EBADF;
  const f = fget(k, k.current, oldfd);
  if (!f) return -E.EBADF;
  return do_dup2(k, f, newfd, (flags & O_CLOEXEC) !== 0);
};

/** f_dupfd: the lowest free descriptor >= from, sharing f. */
function f_dupfd(k: Kernel, from: number, f: File, cloexec: boolean): number {
  if (from < 0 || from >= task_nofile(k)) return -E.EINVAL;
  const fd = install_fd(k, get_file(f), cloexec, from);
  if (fd < 0) fput(k, f);
  return fd;
}

/** do_fcntl: the commands forkbox implements; record locks are accepted as no-ops on
 *  files (one process tree, nothing to arbitrate) — -EINVAL otherwise. */
function do_fcntl(k: Kernel, fd: number, cmd: number, arg: number): number {
  const files = k.current.files;
  const f = fget(k, k.current, fd);
  if (!f || !files) return -E.EBADF;
  const isPath = (f.mode & FMODE_PATH) !== 0;
  switch (cmd) {
    case F_DUPFD:
      return f_dupfd(k, arg, f, false);
    case F_DUPFD_CLOEXEC:
      return f_dupfd(k, arg, f, true);
    case F_GETFD:
      return files.cloexec[fd] ? FD_CLOEXEC : 0;
    case F_SETFD:
      files.cloexec[fd] = (arg & FD_CLOEXEC) !== 0;
      return 0;
    case F_GETFL:
      return f.flags;
    case F_SETFL:
      if (isPath) return -E.EBADF;
      // O_APPEND cannot be cleared on an append-only inode (none here).
      f.flags = (f.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
      return 0;
    case F_GETOWN:
      return 0;
    case F_SETOWN:
      return isPath ? -E.EBADF : 0;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_GETLK64:
    case F_SETLK64:
    case F_SETLKW64:
      if (isPath) return -E.EBADF;
      if (cmd === F_GETLK || cmd === F_GETLK64) {
        // l_type = F_UNLCK: nothing would block the lock.
        return copy_to_user(k, arg, Uint8Array.of(2, 0));
      }
      return 0;
    case F_GETPIPE_SZ: {
      const pipe = get_pipe_info(f);
      return pipe ? pipe.size : -E.EBADF;
    }
    case F_SETPIPE_SZ:
      return get_pipe_info(f) ? pipe_set_size(k, f, arg) : -E.EBADF;
    default:
      return -E.EINVAL;
  }
}

const sys_fcntl: Syscall = (k, fd, cmd, arg) => do_fcntl(k, fd, cmd, arg);

/** do_pipe2: a pipe, its two descriptors stored at `fildes`. */
function do_pipe2(k: Kernel, fildes: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) return -E.EINVAL;
  const pf = create_pipe_files(k, flags);
  if (typeof pf === 'number') return pf;
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const files = k.current.files;
  if (!files) {
    destroy_pipe_files(k, pf);
    return -E.EMFILE;
  }
  const fd0 = alloc_fd(files, 0, task_nofile(k));
  if (fd0 < 0) {
    destroy_pipe_files(k, pf);
    return fd0;
  }
  fd_install(files, fd0, pf[0], cloexec);
  const fd1 = alloc_fd(files, 0, task_nofile(k));
  if (fd1 < 0) {
    pick_file(files, fd0);
    destroy_pipe_files(k, pf);
    return fd1;
  }
  fd_install(files, fd1, pf[1], cloexec);
  const err = copy_to_user(k, fildes, Uint8Array.of(fd0, fd0 >> 8, fd0 >> 16, fd0 >> 24, fd1, fd1 >> 8, fd1 >> 16, fd1 >> 24));
  if (err < 0) {
    pick_file(files, fd1);
    pick_file(files, fd0);
    destroy_pipe_files(k, pf);
    return err;
  }
  return 0;
}

const sys_pipe: Syscall = (k, fildes) => do_pipe2(k, fildes, 0);
const sys_pipe2: Syscall = (k, fildes, flags) => do_pipe2(k, fildes, flags);

/** ioctl(fd, cmd, arg): the generic commands, then the file type's. */
const sys_ioctl: Syscall = (k, fd, cmd, arg) => {
  const files = k.current.files;
  const f = fget(k, k.current, fd);
  if (!f || !files || f.mode & FMODE_PATH) return -E.EBADF;
  const c = cmd >>> 0;
  switch (c) {
    case FIOCLEX:
      files.cloexec[fd] = true;
      return 0;
    case FIONCLEX:
      files.cloexec[fd] = false;
      return 0;
    case FIONBIO: {
      const v = get_user32(k, arg);
      if (v === null) return -E.EFAULT;
      f.flags = v ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
      return 0;
    }
    case FIOASYNC:
      return 0;
    case FIONREAD:
      if (f.inode.isReg) return put_user32(k, arg, Math.max(0, Math.min(0x7fffffff, f.inode.size - f.pos)));
      break;
  }
  if (f.op.ioctl) return f.op.ioctl(k, f, c, arg);
  return -E.ENOTTY;
};

// ---- truncate, sync ---------------------------------------------------------------

/** do_truncate on an inode: regular files only (-EISDIR for directories, -EINVAL else). */
function do_truncate(k: Kernel, inode: File['inode'], length: number): number {
  if (length < 0) return -E.EINVAL;
  if (inode.isDir) return -E.EISDIR;
  if (!inode.isReg) return -E.EINVAL;
  return k.vfs.truncate(inode, length);
}

function ftruncate(k: Kernel, fd: number, length: number): number {
  const f = fget(k, k.current, fd);
  if (!f || f.mode & FMODE_PATH) return -E.EBADF;
  if (!f.inode.isReg || !(f.mode & FMODE_WRITE)) return -E.EINVAL;
  return do_truncate(k, f.inode, length);
}

function truncate(k: Kernel, pathp: number, length: number): number {
  const path = strncpy_from_user(k, pathp, PATH_MAX - 1);
  if (typeof path === 'number') return path;
  const inode = path_lookupat(k, AT_FDCWD, path, LOOKUP_FOLLOW);
  if (typeof inode === 'number') return inode;
  return do_truncate(k, inode, length);
}

const loff = (lo: number, hi: number) => hi * 0x100000000 + (lo >>> 0);

const sys_fsync: Syscall = (k, fd) => (fget(k, k.current, fd) ? 0 : -E.EBADF);

export const FD_SYSCALLS: Record<string, Syscall> = {
  close: sys_close,
  dup: sys_dup,
  dup2: sys_dup2,
  dup3: sys_dup3,
  fcntl: sys_fcntl,
  fcntl64: sys_fcntl,
  pipe: sys_pipe,
  pipe2: sys_pipe2,
  ioctl: sys_ioctl,
  ftruncate: (k, fd, length) => ftruncate(k, fd, length | 0),
  ftruncate64: (k, fd, lo, hi) => ftruncate(k, fd, loff(lo, hi | 0)),
  truncate: (k, path, length) => truncate(k, path, length | 0),
  truncate64: (k, path, lo, hi) => truncate(k, path, loff(lo, hi | 0)),
  fsync: sys_fsync,
  sync: () => 0, // everything is in memory already: nothing to write out
  fdatasync: sys_fsync,
};
