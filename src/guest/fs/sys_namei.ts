// The path system calls (fs/open.c, fs/namei.c, fs/d_path.c, fs/stat.c): open, openat,
// creat, mkdir, mkdirat, rmdir, unlink, unlinkat, rename, renameat, renameat2, link,
// linkat, symlink, symlinkat, readlink, readlinkat, access, faccessat, faccessat2,
// chdir, fchdir, getcwd, umask, chmod, fchmod, fchmodat.
//
// Every path is copied from user memory (at most PATH_MAX - 1 bytes: -ENAMETOOLONG) and
// resolved in the in-memory tree by namei.ts, relative to the cwd or a directory
// descriptor; nothing here can reach a host file. Errors are Linux's, in Linux's order
// where it matters (e.g. mkdir of an existing name is -EEXIST even when it is a file,
// rmdir of a non-empty directory -ENOTEMPTY, rename of a directory into itself -EINVAL).

import { E } from '../abi.js';
import type { Kernel } from '../kernel.js';
import type { Syscall } from '../syscalls.js';
import { copy_to_user, strncpy_from_user } from '../uaccess.js';
import { alloc_fd, fd_install, task_nofile } from './fdtable.js';
import { proc_readlink } from './proc.js';
import { fget, O_CLOEXEC, O_CREAT, O_TRUNC, O_WRONLY } from './file.js';
import { d_path } from './fs_struct.js';
import { S_IALLUGO, S_IFDIR, S_IFLNK, S_IFMT, S_ISVTX, S_IXUGO, type Inode } from './inode.js';
import {
  AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, LOOKUP_FOLLOW,
  path_lookupat, path_parentat, type ParentResult,
} from './namei.js';
import { do_filp_open } from './open.js';
import { PATH_MAX } from './stat.js';

/** A user path: the byte string, or -EFAULT / -ENAMETOOLONG. */
function getname(k: Kernel, p: number): string | number {
  return strncpy_from_user(k, p >>> 0, PATH_MAX - 1);
}

/** The umask of the current task. */
function umask(k: Kernel): number {
  return k.current.fs?.umask ?? 0o022;
}

/** An existing entry of a parent lookup (not following a symlink there). */
function child(p: ParentResult): Inode | null {
  return p.dir.entries?.get(p.last)?.inode ?? null;
}

/** A name a new entry may get: not "", "." or "..". */
function normal(p: ParentResult): boolean {
  return p.last !== '' && p.last !== '.' && p.last !== '..';
}

/** filename_create: the parent of a new entry at (dfd, path); -EEXIST when the name is
 *  taken (or is "", "." or ".."), -ENOENT when the parent directory was removed. */
function filename_create(k: Kernel, dfd: number, path: string): ParentResult | number {
  const p = path_parentat(k, dfd, path);
  if (typeof p === 'number') return p;
  if (!normal(p)) return -E.EEXIST;
  if (p.dir.dead) return -E.ENOENT;
  if (child(p)) return -E.EEXIST;
  return p;
}

// ---- open ---------------------------------------------------------------------------

/** do_sys_open: a descriptor for the opened file (O_CLOEXEC sets FD_CLOEXEC). */
function do_sys_open(k: Kernel, dfd: number, pathp: number, flags: number, mode: number): number {
  const path = getname(k, pathp);
  if (typeof path === 'number') return path;
  const files = k.current.files;
  if (!files) return -E.EMFILE;
  const fd = alloc_fd(files, 0, task_nofile(k)); // get_unused_fd_flags first: -EMFILE before any creation
  if (fd < 0) return fd;
  const f = do_filp_open(k, dfd, path, flags, mode);
  if (typeof f === 'number') return f;
  fd_install(files, fd, f, (flags & O_CLOEXEC) !== 0);
  return fd;
}

// ---- mkdir, rmdir, unlink -----------------------------------------------------------

function do_mkdirat(k: Kernel, dfd: number, pathp: number, mode: number): number {
  const path = getname(k, pathp);
  if (typeof path === 'number') return path;
  const p = filename_create(k, dfd, path);
  if (typeof p === 'number') return p;
  const inode = k.vfs.new_inode(S_IFDIR | (mode & (0o777 | S_ISVTX) & ~umask(k)));
  if (!inode) return -E.ENOSPC;
  inode.nlink = 2;
  k.vfs.link(p.dir, p.last, inode);
  return 0;
}

function do_rmdir(k: Kernel, dfd: number, path: string): number {
  const p = path_parentat(k, dfd, path);
  if (typeof p === 'number') return p;
  if (p.last === '.') return -E.EINVAL;
  if (p.last === '..') return -E.ENOTEMPTY;
  if (p.last === '') return -E.EBUSY;
  const inode = child(p);
  if (!inode) return -E.ENOENT;
  if (!inode.isDir) return -E.ENOTDIR;
  if (inode.entries && inode.entries.size > 0) return -E.ENOTEMPTY;
  k.vfs.unlink(p.dir, p.last);
  return 0;
}

function do_unlinkat(k: Kernel, dfd: number, path: string): number {
  const p = path_parentat(k, dfd, path);
  if (typeof p === 'number') return p;
  if (!normal(p)) return -E.EISDIR;
  const inode = child(p);
  if (!inode) return -E.ENOENT;
  if (inode.isDir) return -E.EISDIR;
  if (p.slash) return -E.ENOTDIR;
  k.vfs.unlink(p.dir, p.last);
  return 0;
}

const sys_unlinkat: Syscall = (k, dfd, pathp, flags) => {
  if (flags & ~AT_REMOVEDIR) return -E.EINVAL;
  const path = getname(k, pathp);
  if (typeof path === 'number') return path;
  return flags & AT_REMOVEDIR ? do_rmdir(k, dfd, path) : do_unlinkat(k, dfd, path);
};

// ---- rename, link, symlink, readlink ------------------------------------------------

const RENAME_NOREPLACE = 1;
const RENAME_EXCHANGE = 2;
const RENAME_WHITEOUT = 4;

function do_renameat2(k: Kernel, olddfd: number, oldp: number, newdfd: number, newp: number, flags: number): number {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return -E.EINVAL;
  if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)) return -E.EINVAL; // not supported here
  const oldpath = getname(k, oldp);
  if (typeof oldpath === 'number') return oldpath;
  const newpath = getname(k, newp);
  if (typeof newpath === 'number') return newpath;
  const op = path_parentat(k, olddfd, oldpath);
  if (typeof op === 'number') return op;
  const np = path_parentat(k, newdfd, newpath);
  if (typeof np === 'number') return np;
  if (!normal(op)) return -E.EBUSY;
  if (!normal(np)) return flags & RENAME_NOREPLACE ? -E.EEXIST : -E.EBUSY;
  const source = child(op);
  if (!source) return -E.ENOENT;
  if (!source.isDir && (op.slash || np.slash)) return -E.ENOTDIR;
  const target = child(np);
  if (target && flags & RENAME_NOREPLACE) return -E.EEXIST;
  if (np.dir.dead) return -E.ENOENT;
  if (source === target) return 0; // the same file (hard links, or the same name)
  if (source.isDir) {
    // The new parent must not lie inside the directory being moved.
    for (let d: Inode = np.dir; ; d = d.parent as Inode) {
      if (d === source) return -E.EINVAL;
      if (d.parent === d || !d.parent) break;
    }
    if (target) {
      if (!target.isDir) return -E.ENOTDIR;
      if (target.entries && target.entries.size > 0) return -E.ENOTEMPTY;
    }
  } else if (target?.isDir) {
    return -E.EISDIR;
  }
  if (target) k.vfs.unlink(np.dir, np.last);
  k.vfs.move(op.dir, op.last, np.dir, np.last);
  return 0;
}

function do_linkat(k: Kernel, olddfd: number, oldp: number, newdfd: number, newp: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return -E.EINVAL;
  const oldpath = getname(k, oldp);
  if (typeof oldpath === 'number') return oldpath;
  const newpath = getname(k, newp);
  if (typeof newpath === 'number') return newpath;
  let inode: Inode | number;
  if (oldpath === '' && flags & AT_EMPTY_PATH) {
    const f = fget(k, k.current, olddfd);
    inode = f ? f.inode : -E.EBADF;
  } else {
    inode = path_lookupat(k, olddfd, oldpath, flags & AT_SYMLINK_FOLLOW ? LOOKUP_FOLLOW : 0);
  }
  if (typeof inode === 'number') return inode;
  const np = filename_create(k, newdfd, newpath);
  if (typeof np === 'number') return np;
  if (inode.isDir) return -E.EPERM;
  if (inode.nlink === 0) return -E.ENOENT; // an unlinked file cannot get a name again
  if (np.slash) return -E.ENOENT;
  inode.nlink++;
  inode.ctime = k.vfs.now();
  k.vfs.link(np.dir, np.last, inode);
  return 0;
}

function do_symlinkat(k: Kernel, oldp: number, newdfd: number, newp: number): number {
  const target = getname(k, oldp);
  if (typeof target === 'number') return target;
  const newpath = getname(k, newp);
  if (typeof newpath === 'number') return newpath;
  if (target === '') return -E.ENOENT;
  const np = filename_create(k, newdfd, newpath);
  if (typeof np === 'number') return np;
  const inode = k.vfs.new_inode(S_IFLNK | 0o777);
  if (!inode) return -E.ENOSPC;
  inode.target = target;
  inode.size = target.length;
  k.vfs.link(np.dir, np.last, inode);
  return 0;
}

function do_readlinkat(k: Kernel, dfd: number, pathp: number, buf: number, bufsiz: number): number {
  const path = getname(k, pathp);
  if (typeof path === 'number') return path;
  if (bufsiz <= 0) return -E.EINVAL;
  const proc = proc_readlink(k, path); // /proc/self/exe (proc.ts)
  if (proc !== null) {
    const n = Math.min(proc.length, bufsiz);
    const err = copy_to_user(k, buf, Buffer.from(proc.slice(0, n), 'latin1'));
    return err < 0 ? err : n;
  }
  const inode = path === '' ? -E.ENOENT : path_lookupat(k, dfd, path, 0);
  if (typeof inode === 'number') return inode;
  if (!inode.isLnk) return -E.EINVAL;
  const n = Math.min(inode.target.length, bufsiz);
  const err = copy_to_user(k, buf, Buffer.from(inode.target.slice(0, n), 'latin1'));
  return err < 0 ? err : n;
}

// ---- access, chdir, getcwd, umask, chmod --------------------------------------------

const F_OK = 0;
const X_OK = 1;

/** faccessat2: root may read and write anything; executing needs an execute bit
 *  (directories are always searchable). */
function do_faccessat(k: Kernel, dfd: number, pathp: number, mode: number, flags: number): number {
  if (mode & ~7) return -E.EINVAL;
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -E.EINVAL;
  const path = getname(k, pathp);
  if (typeof path === 'number') return path;
  let inode: Inode | number;
  if (path === '' && flags & AT_EMPTY_PATH) {
    const f = dfd === AT_FDCWD ? null : fget(k, k.current, dfd);
    inode = dfd === AT_FDCWD ? (k.current.fs?.pwd ?? -E.ENOENT) : f ? f.inode : -E.EBADF;
  } else {
    inode = path_lookupat(k, dfd, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW);
  }
  if (typeof inode === 'number') return inode;
  if (mode === F_OK) return 0;
  if (mode & X_OK && !inode.isDir && !(inode.mode & S_IXUGO)) return -E.EACCES;
  return 0;
}

function set_pwd(k: Kernel, inode: Inode): number {
  if (!inode.isDir) return -E.ENOTDIR;
  const fs = k.current.fs;
  if (!fs) return -E.ENOENT;
  fs.pwd = inode;
  return 0;
}

const sys_chdir: Syscall = (k, pathp) => {
  const path = getname(k, pathp);
  if (typeof path === 'number') return path;
  const inode = path_lookupat(k, AT_FDCWD, path, LOOKUP_FOLLOW);
  return typeof inode === 'number' ? inode : set_pwd(k, inode);
};

const sys_fchdir: Syscall = (k, fd) => {
  const f = fget(k, k.current, fd);
  return f ? set_pwd(k, f.inode) : -E.EBADF;
};

/** getcwd(buf, size): the cwd's path with its NUL; returns its length including the NUL.
 *  -ERANGE if it does not fit, -ENOENT if the cwd was removed. */
const sys_getcwd: Syscall = (k, buf, size) => {
  const fs = k.current.fs;
  if (!fs) return -E.ENOENT;
  const path = d_path(fs.root, fs.pwd);
  if (path === null) return -E.ENOENT;
  const len = path.length + 1;
  if (len > PATH_MAX) return -E.ENAMETOOLONG;
  if (len > size >>> 0) return -E.ERANGE;
  const bytes = new Uint8Array(len);
  for (let n = 0; n < path.length; n++) bytes[n] = path.charCodeAt(n);
  const err = copy_to_user(k, buf, bytes);
  return err < 0 ? err : len;
};

const sys_umask: Syscall = (k, mask) => {
  const fs = k.current.fs;
  if (!fs) return 0o022;
  const old = fs.umask;
  fs.umask = mask & 0o777;
  return old;
};

function chmod_common(k: Kernel, inode: Inode, mode: number): number {
  inode.mode = (inode.mode & S_IFMT) | (mode & S_IALLUGO);
  inode.ctime = k.vfs.now();
  return 0;
}

function do_fchmodat(k: Kernel, dfd: number, pathp: number, mode: number): number {
  const path = getname(k, pathp);
  if (typeof path === 'number') return path;
  const inode = path_lookupat(k, dfd, path, LOOKUP_FOLLOW);
  return typeof inode === 'number' ? inode : chmod_common(k, inode, mode);
}

export const NAMEI_SYSCALLS: Record<string, Syscall> = {
  open: (k, path, flags, mode) => do_sys_open(k, AT_FDCWD, path, flags, mode),
  openat: (k, dfd, path, flags, mode) => do_sys_open(k, dfd, path, flags, mode),
  creat: (k, path, mode) => do_sys_open(k, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode),
  mkdir: (k, path, mode) => do_mkdirat(k, AT_FDCWD, path, mode),
  mkdirat: (k, dfd, path, mode) => do_mkdirat(k, dfd, path, mode),
  rmdir: (k, pathp) => {
    const path = getname(k, pathp);
    return typeof path === 'number' ? path : do_rmdir(k, AT_FDCWD, path);
  },
  unlink: (k, pathp) => {
    const path = getname(k, pathp);
    return typeof path === 'number' ? path : do_unlinkat(k, AT_FDCWD, path);
  },
  unlinkat: sys_unlinkat,
  rename: (k, oldp, newp) => do_renameat2(k, AT_FDCWD, oldp, AT_FDCWD, newp, 0),
  renameat: (k, olddfd, oldp, newdfd, newp) => do_renameat2(k, olddfd, oldp, newdfd, newp, 0),
  renameat2: (k, olddfd, oldp, newdfd, newp, flags) => do_renameat2(k, olddfd, oldp, newdfd, newp, flags),
  link: (k, oldp, newp) => do_linkat(k, AT_FDCWD, oldp, AT_FDCWD, newp, 0),
  linkat: (k, olddfd, oldp, newdfd, newp, flags) => do_linkat(k, olddfd, oldp, newdfd, newp, flags),
  symlink: (k, oldp, newp) => do_symlinkat(k, oldp, AT_FDCWD, newp),
  symlinkat: (k, oldp, newdfd, newp) => do_symlinkat(k, oldp, newdfd, newp),
  readlink: (k, path, buf, bufsiz) => do_readlinkat(k, AT_FDCWD, path, buf, bufsiz),
  readlinkat: (k, dfd, path, buf, bufsiz) => do_readlinkat(k, dfd, path, buf, bufsiz),
  access: (k, path, mode) => do_faccessat(k, AT_FDCWD, path, mode, 0),
  faccessat: (k, dfd, path, mode) => do_faccessat(k, dfd, path, mode, 0),
  faccessat2: (k, dfd, path, mode, flags) => do_faccessat(k, dfd, path, mode, flags),
  chdir: sys_chdir,
  fchdir: sys_fchdir,
  getcwd: sys_getcwd,
  umask: sys_umask,
  chmod: (k, path, mode) => do_fchmodat(k, AT_FDCWD, path, mode),
  fchmodat: (k, dfd, path, mode) => do_fchmodat(k, dfd, path, mode),
  fchmod: (k, fd, mode) => {
    const f = fget(k, k.current, fd);
    return f ? chmod_common(k, f.inode, mode) : -E.EBADF;
  },
};

