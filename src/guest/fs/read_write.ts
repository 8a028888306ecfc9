// read, write, readv, writev, pread64, pwrite64, lseek, _llseek (fs/read_write.c).
//
// Each call finds the open file of the descriptor (-EBADF if none, or if the file was not
// opened for that direction), builds the iov_iter of the user's buffers (iov.ts: -EFAULT
// for a range outside user space, -EINVAL for a bad iovec) and calls the file type's
// read or write (file.ts FileOperations) at the file's position — shared with every
// descriptor of the same struct file, in this task or another (dup, fork) — or at
// pread/pwrite's explicit one (-ESPIPE on pipes and terminals). Reads and writes may sleep
// (pipes, the console): the file type's continuation finishes the call.

import { E } from '../abi.js';
import { CYC_RW } from '../cost.js';
import type { Kernel } from '../kernel.js';
import type { Syscall } from '../syscalls.js';
import type { SyscallResult } from '../task.js';
import { put_user32 } from '../uaccess.js';
import { fget_io, FMODE_LSEEK, FMODE_PREAD, FMODE_PWRITE, FMODE_READ, FMODE_WRITE, type File, type Ppos } from './file.js';
import { import_iovec, import_single_range, type IovIter } from './iov.js';

/** vfs_read: the checks every read makes, then the file type's read. */
function vfs_read(k: Kernel, f: File, iter: IovIter | number, ppos: Ppos): SyscallResult {
  if (!(f.mode & FMODE_READ)) return -E.EBADF;
  if (!f.op.read) return -E.EINVAL;
  if (typeof iter === 'number') return iter;
  if (ppos.pos < 0) return -E.EINVAL;
  k.charge(CYC_RW);
  return f.op.read(k, f, iter, ppos);
}

/** vfs_write: the checks every write makes, then the file type's write. */
function vfs_write(k: Kernel, f: File, iter: IovIter | number, ppos: Ppos): SyscallResult {
  if (!(f.mode & FMODE_WRITE)) return -E.EBADF;
  if (!f.op.write) return -E.EINVAL;
  if (typeof iter === 'number') return iter;
  if (ppos.pos < 0) return -E.EINVAL;
  k.charge(CYC_RW);
  return f.op.write(k, f, iter, ppos);
}

const sys_read: Syscall = (k, fd, buf, count) => {
  const f = fget_io(k, fd);
  if (typeof f === 'number') return f;
  if (!(f.mode & FMODE_READ)) return -E.EBADF;
  return vfs_read(k, f, import_single_range(buf, count), f);
};

const sys_write: Syscall = (k, fd, buf, count) => {
  const f = fget_io(k, fd);
  if (typeof f === 'number') return f;
  if (!(f.mode & FMODE_WRITE)) return -E.EBADF;
  return vfs_write(k, f, import_single_range(buf, count), f);
};

const sys_readv: Syscall = (k, fd, vec, vlen) => {
  const f = fget_io(k, fd);
  if (typeof f === 'number') return f;
  if (!(f.mode & FMODE_READ)) return -E.EBADF;
  return vfs_read(k, f, import_iovec(k, vec, vlen), f);
};

const sys_writev: Syscall = (k, fd, vec, vlen) => {
  const f = fget_io(k, fd);
  if (typeof f === 'number') return f;
  if (!(f.mode & FMODE_WRITE)) return -E.EBADF;
  return vfs_write(k, f, import_iovec(k, vec, vlen), f);
};

/** A 64-bit offset from two 32-bit halves; null if it is not an exact JS integer. */
function loff(lo: number, hi: number): number | null {
  const v = hi * 0x100000000 + (lo >>> 0);
  return Number.isSafeInteger(v) ? v : null;
}

/** pread64(fd, buf, count, pos_lo, pos_hi): i386 passes the 64-bit position in esi:edi. */
const sys_pread64: Syscall = (k, fd, buf, count, lo, hi) => {
  const f = fget_io(k, fd);
  if (typeof f === 'number') return f;
  if (!(f.mode & FMODE_READ)) return -E.EBADF;
  const pos = loff(lo, hi);
  if (pos === null || pos < 0) return -E.EINVAL;
  if (!(f.mode & FMODE_PREAD)) return -E.ESPIPE;
  return vfs_read(k, f, import_single_range(buf, count), { pos });
};

const sys_pwrite64: Syscall = (k, fd, buf, count, lo, hi) => {
  const f = fget_io(k, fd);
  if (typeof f === 'number') return f;
  if (!(f.mode & FMODE_WRITE)) return -E.EBADF;
  const pos = loff(lo, hi);
  if (pos === null || pos < 0) return -E.EINVAL;
  if (!(f.mode & FMODE_PWRITE)) return -E.ESPIPE;
  return vfs_write(k, f, import_single_range(buf, count), { pos });
};

/** vfs_llseek: the file type's llseek, or -ESPIPE for files without a position. */
function vfs_llseek(k: Kernel, f: File, offset: number, whence: number): number {
  if (!(f.mode & FMODE_LSEEK) || !f.op.llseek) return -E.ESPIPE;
  return f.op.llseek(k, f, offset, whence);
}

/** lseek(fd, offset, whence): a 32-bit offset; a result beyond 2^31-1 is -EOVERFLOW (the
 *  position stays moved, as Linux leaves it). */
const sys_lseek: Syscall = (k, fd, offset, whence) => {
  const f = fget_io(k, fd);
  if (typeof f === 'number') return f;
  if (whence >>> 0 > 4) return -E.EINVAL;
  const r = vfs_llseek(k, f, offset | 0, whence);
  if (r < 0) return r;
  return r > 0x7fffffff ? -E.EOVERFLOW : r;
};

/** _llseek(fd, offset_high, offset_low, &result, whence): the 64-bit lseek of i386. */
const sys_llseek: Syscall = (k, fd, hi, lo, result, whence) => {
  const f = fget_io(k, fd);
  if (typeof f === 'number') return f;
  if (whence >>> 0 > 4) return -E.EINVAL;
  const offset = loff(lo, hi | 0);
  if (offset === null) return -E.EINVAL;
  const r = vfs_llseek(k, f, offset, whence);
  if (r < 0) return r;
  const err = put_user32(k, result, r % 0x100000000);
  if (err < 0) return err;
  return put_user32(k, (result + 4) >>> 0, Math.floor(r / 0x100000000));
};

export const READ_WRITE_SYSCALLS: Record<string, Syscall> = {
  read: sys_read,
  write: sys_write,
  readv: sys_readv,
  writev: sys_writev,
  pread64: sys_pread64,
  pwrite64: sys_pwrite64,
  lseek: sys_lseek,
  _llseek: sys_llseek,
};
