// Opening files (fs/open.c, fs/namei.c do_filp_open/open_last_lookups) and the file
// operations of the in-memory filesystem's regular files and directories (mm/shmem.c,
// fs/libfs.c).
//
// do_filp_open(k, dfd, path, flags, mode) → a new struct file (count 1) or -errno:
//   O_CREAT         the last component is created as a regular file (mode & ~umask) if
//                   it does not exist — through a dangling symlink, its target;
//                   O_EXCL: it must not exist (a symlink there counts, unfollowed:
//                   -EEXIST); a trailing "/" → -EISDIR;
//   no O_CREAT      the path must exist; O_NOFOLLOW: a symlink as the last component is
//                   -ELOOP; O_DIRECTORY: it must be a directory (-ENOTDIR);
//   then            a directory opened for writing (or with O_CREAT/O_TRUNC) is -EISDIR;
//                   O_TRUNC empties a regular file opened for writing;
//                   a character device gets its driver's operations (devices.ts);
//                   O_PATH gives a handle for *at() and fchdir that does no I/O.
//
// Regular files: read/write at the file position (or pread/pwrite's), O_APPEND writes
// at the end, a write past the end fills the gap with zeros; size caps in inode.ts.
// Directories: read → -EISDIR; getdents64 (readdir.ts) walks them by cookie.

import { E } from '../abi.js';
import { CYC_FILE_ALLOC } from '../cost.js';
import type { Kernel } from '../kernel.js';
import { chrdev_open } from './devices.js';
import {
  acc_fmode, alloc_file, file_table_full, FMODE_LSEEK, FMODE_PATH, FMODE_PREAD, FMODE_PWRITE, FMODE_WRITE, generic_file_llseek,
  O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH, O_TRUNC, __O_TMPFILE, SEEK_CUR, SEEK_SET,
  type File, type FileOperations, type Ppos,
} from './file.js';
import { MAX_FILE_SIZE, S_IALLUGO, S_IFREG, S_ISCHR, type Inode } from './inode.js';
import type { IovIter } from './iov.js';
import { filemap_read_sync, filemap_write_sync } from '../filemap.js';
import { lookup_create, LOOKUP_DIRECTORY, LOOKUP_FOLLOW, path_lookupat, path_parentat } from './namei.js';

/** The largest file position (loff_t): forkbox positions are exact JS integers. */
export const MAX_LFS_FILESIZE = Number.MAX_SAFE_INTEGER;

// ---- regular files ------------------------------------------------------------------

function shmem_file_read(k: Kernel, f: File, to: IovIter, ppos: Ppos): number {
  const inode = f.inode;
  const pos = ppos.pos;
  if (pos >= inode.size || to.count === 0) return 0;
  const n = Math.min(to.count, inode.size - pos);
  filemap_read_sync(k, inode, pos, n); // pages written through a shared mapping (filemap.ts)
  const done = to.copy_to_iter(k, inode.data, pos, n);
  if (done === 0) return -E.EFAULT;
  ppos.pos = pos + done;
  return done;
}

function shmem_file_write(k: Kernel, f: File, from: IovIter, ppos: Ppos): number {
  const inode = f.inode;
  const vfs = k.vfs;
  if (from.count === 0) return 0;
  const pos = f.flags & O_APPEND ? inode.size : ppos.pos;
  // generic_write_check_limits: nothing at or past s_maxbytes; a write is cut to end there.
  if (pos >= MAX_FILE_SIZE) return -E.EFBIG;
  const n = Math.min(from.count, MAX_FILE_SIZE - pos);
  const err = vfs.reserve(inode, pos + n);
  if (err < 0) return err;
  // Bytes past the end of an owned buffer are always zero: a gap reads as zeros.
  const done = from.copy_from_iter(k, inode.data, pos, n);
  if (done === 0) return -E.EFAULT;
  if (pos + done > inode.size) inode.size = pos + done;
  filemap_write_sync(k, inode, pos, done); // shared mappings of these pages see it (filemap.ts)
  inode.mtime = inode.ctime = vfs.now();
  ppos.pos = pos + done;
  return done;
}

function shmem_file_llseek(_k: Kernel, f: File, offset: number, whence: number): number {
  return generic_file_llseek(f, offset, whence, f.inode.size, MAX_LFS_FILESIZE);
}

export const shmem_file_operations: FileOperations = {
  read: shmem_file_read,
  write: shmem_file_write,
  llseek: shmem_file_llseek,
};

// ---- directories --------------------------------------------------------------------

/** dcache_dir_lseek: the position is a readdir cookie; SEEK_SET and SEEK_CUR only. */
function dir_llseek(_k: Kernel, f: File, offset: number, whence: number): number {
  let pos: number;
  if (whence === SEEK_SET) pos = offset;
  else if (whence === SEEK_CUR) pos = f.pos + offset;
  else return -E.EINVAL;
  if (pos < 0) return -E.EINVAL;
  f.pos = pos;
  return pos;
}

export const dir_operations: FileOperations = {
  read: () => -E.EISDIR,
  llseek: dir_llseek,
};

/** O_PATH files: no I/O at all (fget_io refuses them before these are reached). */
const path_operations: FileOperations = {};

// ---- open ---------------------------------------------------------------------------

/** Flags open() understands; others are ignored as Linux ignores unknown bits. */
const O_TMPFILE = __O_TMPFILE | O_DIRECTORY;

/**
 * vfs_open: a struct file for `inode` with open flags `flags` (the path checks are the
 * caller's; the type-specific ones are here). The file (count 1), or -errno (-ENFILE
 * when NR_FILE files are open).
 */
export function vfs_open(k: Kernel, inode: Inode, flags: number): File | number {
  const full = file_table_full(k);
  if (full < 0) return full;
  if (flags & O_PATH) return alloc_file(k, inode, flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW), FMODE_PATH, path_operations);
  let fmode = acc_fmode(flags);
  if (inode.isLnk) return -E.ELOOP;
  if (inode.isDir) {
    if (fmode & FMODE_WRITE || flags & (O_CREAT | O_TRUNC)) return -E.EISDIR;
    return alloc_file(k, inode, flags, fmode | FMODE_LSEEK, dir_operations);
  }
  if (flags & O_DIRECTORY) return -E.ENOTDIR;
  if (inode.isReg) {
    if (flags & O_TRUNC && fmode & FMODE_WRITE && inode.size > 0) {
      const err = k.vfs.truncate(inode, 0);
      if (err < 0) return err;
    }
    fmode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
    return alloc_file(k, inode, flags, fmode, shmem_file_operations);
  }
  if (S_ISCHR(inode.mode)) {
    const dev = chrdev_open(k, inode.rdev);
    if (typeof dev === 'number') return dev;
    const f = alloc_file(k, inode, flags, fmode | FMODE_LSEEK, dev.op);
    f.private_data = dev.data;
    return f;
  }
  return -E.ENXIO; // a FIFO or socket node: forkbox makes none
}

/** do_filp_open: see the header. */
export function do_filp_open(k: Kernel, dfd: number, path: string, flags: number, mode: number): File | number {
  k.charge(CYC_FILE_ALLOC);
  if ((flags & O_TMPFILE) === O_TMPFILE) return -E.ENOTSUP;
  let inode: Inode;
  if (flags & O_CREAT && !(flags & O_PATH)) {
    const p = path_parentat(k, dfd, path);
    if (typeof p === 'number') return p;
    if (p.slash || p.last === '') return -E.EISDIR;
    const follow = !(flags & (O_EXCL | O_NOFOLLOW));
    const r = lookup_create(k, p, follow);
    if (typeof r === 'number') return r;
    if (r.inode) {
      if (flags & O_EXCL) return -E.EEXIST;
      inode = r.inode;
    } else {
      if (r.dir.dead) return -E.ENOENT;
      const created = k.vfs.new_inode(S_IFREG | (mode & ~(k.current.fs?.umask ?? 0) & S_IALLUGO));
      if (!created) return -E.ENOSPC;
      k.vfs.link(r.dir, r.name, created);
      created.nlink = 1;
      inode = created;
    }
  } else {
    const lf = (flags & O_NOFOLLOW ? 0 : LOOKUP_FOLLOW) | (flags & O_DIRECTORY ? LOOKUP_DIRECTORY : 0);
    const r = path_lookupat(k, dfd, path, lf);
    if (typeof r === 'number') return r;
    inode = r;
  }
  return vfs_open(k, inode, flags & ~O_CLOEXEC);
}
