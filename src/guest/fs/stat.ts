// stat and readdir (fs/stat.c, fs/readdir.c): stat / lstat / fstat (struct stat),
// stat64 / lstat64 / fstat64 / fstatat64 (struct stat64), statx (struct statx),
// getdents (struct linux_dirent) and getdents64 (struct linux_dirent64) — byte for byte
// the i386 layouts of arch/x86/include/uapi/asm/stat.h, include/uapi/linux/stat.h and
// fs/readdir.c — and utimensat (fs/utimes.c), which sets the times stat reports.
//
// struct stat64 (96 bytes; i386 aligns long long to 4, so no hidden padding):
//     0 st_dev (u64)      8 __pad0[4]        12 __st_ino (u32)   16 st_mode (u32)
//    20 st_nlink (u32)   24 st_uid          28 st_gid           32 st_rdev (u64)
//    40 __pad3[4]        44 st_size (s64)   52 st_blksize       56 st_blocks (u64)
//    64 st_atime, 68 st_atime_nsec, 72 st_mtime, 76 st_mtime_nsec, 80 st_ctime,
//    84 st_ctime_nsec    88 st_ino (u64)
//
// st_blocks counts 512-byte units of the 4 KiB pages a file's size needs (as tmpfs
// reports its pages); st_blksize is 4096.

import { E } from '../abi.js';
import type { Kernel } from '../kernel.js';
import type { Syscall } from '../syscalls.js';
import { copy_from_user, copy_to_user, strncpy_from_user } from '../uaccess.js';
import { fget } from './file.js';
import {
  DT_CHR, DT_DIR, DT_FIFO, DT_LNK, DT_REG, DT_UNKNOWN, S_IFMT, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG, type Inode,
} from './inode.js';
import { AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW, LOOKUP_FOLLOW, path_lookupat } from './namei.js';

/** PATH_MAX, including the NUL. */
export const PATH_MAX = 4096;

const AT_STATX_SYNC_TYPE = 0x6000;
/** STATX_BASIC_STATS: type, mode, nlink, uid, gid, atime, mtime, ctime, ino, size, blocks. */
const STATX_BASIC_STATS = 0x7ff;

const NSEC = 1_000_000_000n;

/** seconds and nanoseconds of a time in ns (the seconds wrap to 32 bits as i386's time_t). */
function split(ns: bigint): [number, number] {
  const s = ns >= 0n ? ns / NSEC : (ns - NSEC + 1n) / NSEC;
  return [Number(BigInt.asIntN(64, s)), Number(ns - s * NSEC)];
}

function blocks(inode: Inode): number {
  return inode.isReg ? Math.ceil(inode.size / 4096) * 8 : inode.isDir ? 0 : 0;
}

/** st_atime, st_mtime, st_ctime of struct stat and stat64: three {s32 seconds, u32 ns}
 *  in a row from `off`. */
function put_times32(dv: DataView, inode: Inode, off: number): void {
  for (const t of [inode.atime, inode.mtime, inode.ctime]) {
    const [s, ns] = split(t);
    dv.setUint32(off, s >>> 0, true);
    dv.setUint32(off + 4, ns, true);
    off += 8;
  }
}

/** cp_new_stat64: an inode as struct stat64. */
export function stat64_bytes(inode: Inode): Uint8Array {
  const b = new Uint8Array(96);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, inode.dev, true);
  dv.setUint32(12, inode.ino, true);
  dv.setUint32(16, inode.mode, true);
  dv.setUint32(20, inode.nlink, true);
  dv.setUint32(24, inode.uid, true);
  dv.setUint32(28, inode.gid, true);
  dv.setUint32(32, inode.rdev, true);
  dv.setBigInt64(44, BigInt(inode.size), true);
  dv.setUint32(52, 4096, true);
  dv.setBigUint64(56, BigInt(blocks(inode)), true);
  put_times32(dv, inode, 64);
  dv.setBigUint64(88, BigInt(inode.ino), true);
  return b;
}

/** cp_old_stat / cp_new_stat: struct stat of i386 (64 bytes), or -EOVERFLOW when the
 *  size does not fit its 32 bits. */
export function stat_bytes(inode: Inode): Uint8Array | number {
  if (inode.size > 0x7fffffff) return -E.EOVERFLOW;
  const b = new Uint8Array(64);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, inode.dev, true);
  dv.setUint32(4, inode.ino, true);
  dv.setUint16(8, inode.mode, true);
  dv.setUint16(10, Math.min(inode.nlink, 0xffff), true);
  dv.setUint16(12, inode.uid, true);
  dv.setUint16(14, inode.gid, true);
  dv.setUint32(16, inode.rdev, true);
  dv.setUint32(20, inode.size, true);
  dv.setUint32(24, 4096, true);
  dv.setUint32(28, blocks(inode), true);
  put_times32(dv, inode, 32);
  return b;
}

/** cp_statx: struct statx (256 bytes). */
export function statx_bytes(inode: Inode): Uint8Array {
  const b = new Uint8Array(256);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, STATX_BASIC_STATS, true); // stx_mask
  dv.setUint32(4, 4096, true); // stx_blksize
  dv.setUint32(16, inode.nlink, true);
  dv.setUint32(20, inode.uid, true);
  dv.setUint32(24, inode.gid, true);
  dv.setUint16(28, inode.mode, true);
  dv.setBigUint64(32, BigInt(inode.ino), true);
  dv.setBigUint64(40, BigInt(inode.size), true);
  dv.setBigUint64(48, BigInt(blocks(inode)), true);
  const times: Array<[number, bigint]> = [[64, inode.atime], [96, inode.ctime], [112, inode.mtime]];
  for (const [off, t] of times) {
    const [s, ns] = split(t);
    dv.setBigInt64(off, BigInt(s), true);
    dv.setUint32(off + 8, ns, true);
  }
  const major = (d: number) => (d & 0xfff00) >>> 8;
  const minor = (d: number) => (d & 0xff) | ((d >>> 12) & 0xfff00);
  dv.setUint32(128, major(inode.rdev), true);
  dv.setUint32(132, minor(inode.rdev), true);
  dv.setUint32(136, major(inode.dev), true);
  dv.setUint32(140, minor(inode.dev), true);
  return b;
}

/**
 * vfs_statx's lookup: the inode of (dfd, path) with the *at() flags: AT_SYMLINK_NOFOLLOW
 * (the link itself), AT_EMPTY_PATH (an empty path means dfd's own file; AT_FDCWD: the
 * cwd). Other flags: -EINVAL.
 */
function stat_lookup(k: Kernel, dfd: number, pathp: number, flags: number, allowed: number): Inode | number {
  if (flags & ~allowed) return -E.EINVAL;
  const path = strncpy_from_user(k, pathp, PATH_MAX - 1);
  if (typeof path === 'number') return path;
  if (path === '' && flags & AT_EMPTY_PATH) {
    if (dfd === AT_FDCWD) return k.current.fs?.pwd ?? -E.ENOENT;
    return fd_inode(k, dfd);
  }
  return path_lookupat(k, dfd, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW);
}

/** The inode of descriptor fd's file, or -EBADF. */
function fd_inode(k: Kernel, fd: number): Inode | number {
  const f = fget(k, k.current, fd);
  return f ? f.inode : -E.EBADF;
}

function put_stat64(k: Kernel, inode: Inode | number, buf: number): number {
  if (typeof inode === 'number') return inode;
  return copy_to_user(k, buf, stat64_bytes(inode));
}

function put_stat(k: Kernel, inode: Inode | number, buf: number): number {
  if (typeof inode === 'number') return inode;
  const b = stat_bytes(inode);
  return typeof b === 'number' ? b : copy_to_user(k, buf, b);
}

const STAT_AT_FLAGS = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT;

// ---- readdir ----------------------------------------------------------------------

function dtype(inode: Inode): number {
  switch (inode.mode & S_IFMT) {
    case S_IFREG:
      return DT_REG;
    case S_IFDIR:
      return DT_DIR;
    case S_IFLNK:
      return DT_LNK;
    case S_IFCHR:
      return DT_CHR;
    case S_IFIFO:
      return DT_FIFO;
    default:
      return DT_UNKNOWN;
  }
}

/**
 * iterate_dir (dcache_readdir): the entries of directory `dir` from cookie `pos` — "." at
 * 0, ".." at 1, then the children by their d_off — passed to `emit(ino, name, type,
 * nextPos)` until it returns false (the buffer is full). Returns the cookie to resume
 * from. A removed directory has no entries at all.
 */
function iterate_dir(dir: Inode, pos: number, emit: (ino: number, name: string, type: number, next: number) => boolean): number {
  if (dir.dead || !dir.entries) return pos;
  if (pos === 0) {
    if (!emit(dir.ino, '.', DT_DIR, 1)) return pos;
    pos = 1;
  }
  if (pos === 1) {
    const parent = dir.parent ?? dir;
    if (!emit(parent.ino, '..', DT_DIR, 2)) return pos;
    pos = 2;
  }
  for (const d of dir.entries.values()) {
    if (d.off < pos) continue;
    if (!emit(d.inode.ino, d.name, dtype(d.inode), d.off + 1)) return d.off;
    pos = d.off + 1;
  }
  return pos;
}

/**
 * What getdents and getdents64 share: the entries of directory fd from its position, as
 * records of `reclen(name)` bytes that `put(out, dv, at, reclen, ino, name, type, next)`
 * writes at `at`, while they fit in `count` bytes (at most 1 MiB); the position moves
 * past them. Returns the bytes written, -EINVAL when not even the first record fits.
 */
function fill_dirents(
  k: Kernel, fd: number, dirp: number, count: number, reclen: (name: string) => number,
  put: (out: Uint8Array, dv: DataView, at: number, reclen: number, ino: number, name: string, type: number, next: number) => void,
): number {
  const f = fget(k, k.current, fd);
  if (!f) return -E.EBADF;
  if (!f.inode.isDir) return -E.ENOTDIR;
  const size = Math.min(count >>> 0, 1 << 20);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let used = 0;
  let tooSmall = false;
  f.pos = iterate_dir(f.inode, f.pos, (ino, name, type, next) => {
    const len = reclen(name);
    if (used + len > size) {
      tooSmall = used === 0;
      return false;
    }
    put(out, dv, used, len, ino, name, type, next);
    used += len;
    return true;
  });
  if (tooSmall) return -E.EINVAL;
  const err = copy_to_user(k, dirp, out.subarray(0, used));
  return err < 0 ? err : used;
}

/** A name's bytes (no NUL: the record is zeroed) at out[at]. */
function put_name(out: Uint8Array, at: number, name: string): void {
  for (let n = 0; n < name.length; n++) out[at + n] = name.charCodeAt(n);
}

/** getdents64(fd, dirp, count): struct linux_dirent64 records
 *  {u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]} aligned to 8. */
const sys_getdents64: Syscall = (k, fd, dirp, count) =>
  fill_dirents(k, fd, dirp, count, (name) => (19 + name.length + 1 + 7) & ~7, (out, dv, at, reclen, ino, name, type, next) => {
    dv.setBigUint64(at, BigInt(ino), true);
    dv.setBigInt64(at + 8, BigInt(next), true);
    dv.setUint16(at + 16, reclen, true);
    out[at + 18] = type;
    put_name(out, at + 19, name);
  });

/** getdents(fd, dirp, count): struct linux_dirent records {u32 d_ino; u32 d_off; u16
 *  d_reclen; char d_name[]; … ; u8 d_type (the record's last byte)} aligned to 4. */
const sys_getdents: Syscall = (k, fd, dirp, count) =>
  fill_dirents(k, fd, dirp, count, (name) => (10 + name.length + 2 + 3) & ~3, (out, dv, at, reclen, ino, name, type, next) => {
    dv.setUint32(at, ino, true);
    dv.setUint32(at + 4, next, true);
    dv.setUint16(at + 8, reclen, true);
    put_name(out, at + 10, name);
    out[at + reclen - 1] = type;
  });

// ---- utimensat (fs/utimes.c) -------------------------------------------------------

const UTIME_NOW = 0x3fffffff;
const UTIME_OMIT = 0x3ffffffe;

/**
 * utimensat(dfd, path, times, flags): set the access and modification times of a file
 * (times[0], times[1]; NULL: both now; tv_nsec UTIME_NOW: now, UTIME_OMIT: unchanged);
 * the change time becomes now if anything changed. A NULL path means dfd itself
 * (futimens). The times are old_timespec32 (utimensat) or __kernel_timespec
 * (utimensat_time64); a bad tv_nsec is -EINVAL. Everyone is root: no permission check.
 */
function do_utimes(k: Kernel, dfd: number, pathp: number, times: number, flags: number, time64: boolean): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -E.EINVAL;
  const now = k.vfs.now();
  let atime: bigint | null = now;
  let mtime: bigint | null = now;
  if (times !== 0) {
    const size = time64 ? 16 : 8;
    const b = copy_from_user(k, times >>> 0, 2 * size);
    if (!b) return -E.EFAULT;
    const dv = new DataView(b.buffer);
    const one = (off: number): bigint | null | number => {
      const sec = time64 ? dv.getBigInt64(off, true) : BigInt(dv.getInt32(off, true));
      const nsec = dv.getInt32(off + (time64 ? 8 : 4), true);
      if (nsec === UTIME_NOW) return now;
      if (nsec === UTIME_OMIT) return null;
      if (nsec < 0 || nsec >= 1e9) return -E.EINVAL;
      return sec * 1_000_000_000n + BigInt(nsec);
    };
    const a = one(0);
    const m = one(size);
    if (typeof a === 'number') return a;
    if (typeof m === 'number') return m;
    atime = a;
    mtime = m;
  }
  let inode: Inode | number;
  if (pathp === 0) {
    if (dfd === AT_FDCWD) return -E.EFAULT;
    inode = fd_inode(k, dfd);
  } else {
    inode = stat_lookup(k, dfd, pathp, flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
  }
  if (typeof inode === 'number') return inode;
  if (atime === null && mtime === null) return 0;
  if (atime !== null) inode.atime = atime;
  if (mtime !== null) inode.mtime = mtime;
  inode.ctime = now;
  return 0;
}

export const STAT_SYSCALLS: Record<string, Syscall> = {
  utimensat: (k, dfd, path, times, flags) => do_utimes(k, dfd, path, times, flags, false),
  utimensat_time64: (k, dfd, path, times, flags) => do_utimes(k, dfd, path, times, flags, true),
  stat64: (k, path, buf) => put_stat64(k, stat_lookup(k, AT_FDCWD, path, 0, 0), buf),
  lstat64: (k, path, buf) => put_stat64(k, stat_lookup(k, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW), buf),
  fstat64: (k, fd, buf) => put_stat64(k, fd_inode(k, fd), buf),
  fstatat64: (k, dfd, path, buf, flags) => put_stat64(k, stat_lookup(k, dfd, path, flags, STAT_AT_FLAGS), buf),
  stat: (k, path, buf) => put_stat(k, stat_lookup(k, AT_FDCWD, path, 0, 0), buf),
  lstat: (k, path, buf) => put_stat(k, stat_lookup(k, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW), buf),
  fstat: (k, fd, buf) => put_stat(k, fd_inode(k, fd), buf),
  statx: (k, dfd, path, flags, mask, buf) => {
    void mask;
    if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -E.EINVAL;
    const inode = stat_lookup(k, dfd, path, flags & ~AT_STATX_SYNC_TYPE, STAT_AT_FLAGS);
    if (typeof inode === 'number') return inode;
    return copy_to_user(k, buf, statx_bytes(inode));
  },
  getdents: sys_getdents,
  getdents64: sys_getdents64,
};
