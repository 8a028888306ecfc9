// struct iov_iter (lib/iov_iter.c, reduced): the user buffers of one read/write/readv/
// writev/pread64/pwrite64, as a list of (address, length) segments consumed from the
// front. Every file type reads and writes through it, so a writev to a pipe is one write
// (PIPE_BUF atomicity covers the whole of it) and a short copy is reported as Linux does:
// the bytes moved before a bad address count; only a fault before the first byte gives
// -EFAULT.
//
// The copies go straight between guest physical memory and the kernel's buffers (a file's
// bytes, a pipe's ring), one page at a time through uaccess.ts user_phys — with its
// demand-fault and copy-on-write fixups — and allocate nothing.

import { PAGE_MASK, PAGE_SIZE } from '../../mmu/paging.js';
import { E } from '../abi.js';
import { CYC_PER_USER_BYTE } from '../cost.js';
import type { Kernel } from '../kernel.js';
import { access_ok, get_user32, user_phys } from '../uaccess.js';

/** UIO_MAXIOV: the most segments a readv/writev may pass. */
export const UIO_MAXIOV = 1024;
/** MAX_RW_COUNT: the most bytes one read or write moves (INT_MAX rounded down to a page). */
export const MAX_RW_COUNT = 0x7ffff000;

export class IovIter {
  /** Segment addresses and lengths. */
  private readonly base: number[];
  private readonly len: number[];
  private seg = 0;
  private off = 0;
  /** Bytes left to move. */
  count: number;
  /** Set when a copy stopped at a bad address: the operation ends there. */
  faulted = false;

  constructor(base: number[], len: number[]) {
    this.base = base;
    this.len = len;
    let n = 0;
    for (const l of len) n += l;
    this.count = n;
  }

  /** One buffer (read, write, pread64, pwrite64). */
  static single(addr: number, len: number): IovIter {
    return new IovIter([addr >>> 0], [len]);
  }

  /** Skip empty segments; the current one's next user address and bytes left in it. */
  private cur(): [number, number] {
    while (this.seg < this.len.length && this.off >= this.len[this.seg]) {
      this.seg++;
      this.off = 0;
    }
    if (this.seg >= this.len.length) return [0, 0];
    return [(this.base[this.seg] + this.off) >>> 0, this.len[this.seg] - this.off];
  }

  /**
   * The walk every copy makes: up to `n` bytes of the user's buffers, one piece per page
   * and segment, each handed to `move(phys, done, chunk)` (its guest physical address,
   * the bytes before it, its length) with write access when `write`. Stops at the end of
   * the buffers or at a bad address (setting `faulted`); charges and returns the bytes.
   */
  private walk(k: Kernel, n: number, write: boolean, move: (p: number, done: number, chunk: number) => void): number {
    let done = 0;
    while (done < n && this.count > 0) {
      const [addr, left] = this.cur();
      const p = user_phys(k, addr, write);
      if (p < 0) {
        this.faulted = true;
        break;
      }
      const chunk = Math.min(n - done, left, PAGE_SIZE - (addr & PAGE_MASK));
      move(p, done, chunk);
      done += chunk;
      this.off += chunk;
      this.count -= chunk;
    }
    k.charge(done * CYC_PER_USER_BYTE);
    return done;
  }

  /**
   * copy_to_iter: up to `n` bytes of `src` from `from` to the user's buffers. Returns the
   * bytes copied; fewer than asked only at the end of the buffers or at a bad address
   * (then `faulted` is set).
   */
  copy_to_iter(k: Kernel, src: Uint8Array, from: number, n: number): number {
    return this.walk(k, n, true, (p, done, chunk) => k.mmu.writePhysBytes(p, src.subarray(from + done, from + done + chunk)));
  }

  /** Zeroes to the user's buffers (/dev/zero, holes): like copy_to_iter. */
  zero_to_iter(k: Kernel, n: number): number {
    return this.walk(k, n, true, (p, _done, chunk) => k.mmu.fillPhys(p, chunk, 0));
  }

  /**
   * copy_from_iter: up to `n` bytes from the user's buffers into `dst` at `at`. Returns
   * the bytes copied (fewer only at the end of the buffers or at a bad address).
   */
  copy_from_iter(k: Kernel, dst: Uint8Array, at: number, n: number): number {
    const u8 = k.mmu.u8;
    return this.walk(k, n, false, (p, done, chunk) => dst.set(u8.subarray(p, p + chunk), at + done));
  }

  /** Skip `n` bytes without copying them (writes to /dev/null). */
  advance(n: number): number {
    let done = 0;
    while (done < n && this.count > 0) {
      const [, left] = this.cur();
      const chunk = Math.min(n - done, left);
      done += chunk;
      this.off += chunk;
      this.count -= chunk;
    }
    return done;
  }
}

/**
 * import_single_range / rw_copy_check_uvector: the iterator of a read or write of
 * `count` bytes at `buf`. -EFAULT when the range is not in user space; the count is cut
 * to MAX_RW_COUNT.
 */
export function import_single_range(buf: number, count: number): IovIter | number {
  const n = Math.min(count >>> 0, MAX_RW_COUNT);
  if (!access_ok(buf >>> 0, n)) return -E.EFAULT;
  return IovIter.single(buf, n);
}

/**
 * import_iovec: the struct iovec array of readv/writev ({void *iov_base; size_t iov_len},
 * 8 bytes each). -EINVAL for more than UIO_MAXIOV segments or a length that is negative
 * as ssize_t; -EFAULT for an unreadable array or a segment outside user space. The total
 * is cut to MAX_RW_COUNT (later segments shortened), as Linux does.
 */
export function import_iovec(k: Kernel, vec: number, vlen: number): IovIter | number {
  if (vlen < 0 || vlen > UIO_MAXIOV) return -E.EINVAL;
  const base: number[] = [];
  const len: number[] = [];
  let total = 0;
  for (let n = 0; n < vlen; n++) {
    const b = get_user32(k, (vec + 8 * n) >>> 0);
    const l = get_user32(k, (vec + 8 * n + 4) >>> 0);
    if (b === null || l === null) return -E.EFAULT;
    if (l < 0) return -E.EINVAL;
    let seglen = l >>> 0;
    if (seglen === 0) continue;
    if (!access_ok(b >>> 0, seglen)) return -E.EFAULT;
    if (total + seglen > MAX_RW_COUNT) seglen = MAX_RW_COUNT - total;
    base.push(b >>> 0);
    len.push(seglen);
    total += seglen;
  }
  return new IovIter(base, len);
}
