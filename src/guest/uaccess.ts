// Access to user memory from the kernel (arch/x86/lib/usercopy_32.c, mm/maccess.c):
// copy_from_user, copy_to_user, strncpy_from_user, get_user, put_user.
//
// Every access goes through the MMU's page walk with supervisor rights and CR0.WP set,
// exactly as the CPU would do it: a write into a copy-on-write page, or a read of a page
// not yet faulted in, raises a real #PF (CR2 set, error code without U) which is handled
// here like Linux's exception-table fixup: handle_mm_fault() resolves it, or the access
// fails with -EFAULT. Addresses at or above TASK_SIZE are refused up front (access_ok).
// A bad user pointer never becomes a host exception.

import { FAULT } from '../cpu/fault.js';
import { PAGE_MASK, PAGE_SIZE, PF_WRITE } from '../mmu/paging.js';
import { E } from './abi.js';
import { CYC_PER_USER_BYTE } from './cost.js';
import type { Kernel } from './kernel.js';
import { TASK_SIZE } from './layout.js';
import { fixup_user_fault } from './memory.js';

/** access_ok(): the range lies entirely in user space. */
export function access_ok(addr: number, len: number): boolean {
  return len >= 0 && addr >>> 0 < TASK_SIZE && (addr >>> 0) + len <= TASK_SIZE;
}

/**
 * The physical address of user byte `addr` for a read or write, faulting the page in as
 * the CPU would. Returns -1 if the access is invalid (EFAULT).
 */
export function user_phys(k: Kernel, addr: number, write: boolean): number {
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      return k.mmu.translate(addr, write, false);
    } catch (e) {
      if (e !== FAULT) throw e;
      // A kernel-mode #PF on a user address: let the fault handler fix it up.
      if (!fixup_user_fault(k, addr >>> 0, (FAULT.error & PF_WRITE) !== 0)) return -1;
    }
  }
  return -1;
}

/** copy_from_user: `len` bytes at user `addr`, or null on EFAULT. */
export function copy_from_user(k: Kernel, addr: number, len: number): Uint8Array | null {
  if (!access_ok(addr, len)) return null;
  const out = new Uint8Array(len);
  let done = 0;
  while (done < len) {
    const a = (addr + done) >>> 0;
    const p = user_phys(k, a, false);
    if (p < 0) return null;
    const n = Math.min(len - done, PAGE_SIZE - (a & PAGE_MASK));
    out.set(k.mmu.u8.subarray(p, p + n), done);
    done += n;
  }
  k.charge(len * CYC_PER_USER_BYTE);
  return out;
}

/** copy_to_user: write `bytes` at user `addr`; 0 or -EFAULT. */
export function copy_to_user(k: Kernel, addr: number, bytes: Uint8Array): number {
  if (!access_ok(addr, bytes.length)) return -E.EFAULT;
  let done = 0;
  while (done < bytes.length) {
    const a = (addr + done) >>> 0;
    const p = user_phys(k, a, true);
    if (p < 0) return -E.EFAULT;
    const n = Math.min(bytes.length - done, PAGE_SIZE - (a & PAGE_MASK));
    k.mmu.writePhysBytes(p, bytes.subarray(done, done + n));
    done += n;
  }
  k.charge(bytes.length * CYC_PER_USER_BYTE);
  return 0;
}

/** get_user of a 32-bit value; null on EFAULT. */
export function get_user32(k: Kernel, addr: number): number | null {
  const b = copy_from_user(k, addr, 4);
  if (!b) return null;
  return b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
}

/** put_user of a 32-bit value; 0 or -EFAULT. */
export function put_user32(k: Kernel, addr: number, value: number): number {
  return copy_to_user(k, addr, Uint8Array.of(value, value >> 8, value >> 16, value >>> 24));
}

/**
 * strncpy_from_user: a NUL-terminated string of at most `max` bytes (without the NUL).
 * Returns the string, -EFAULT, or -ENAMETOOLONG / -E2BIG (as `tooLong`) when no NUL is
 * found within `max` bytes.
 */
export function strncpy_from_user(k: Kernel, addr: number, max: number, tooLong: number = -E.ENAMETOOLONG): string | number {
  const bytes: number[] = [];
  let a = addr >>> 0;
  while (bytes.length <= max) {
    if (!access_ok(a, 1)) return -E.EFAULT;
    const p = user_phys(k, a, false);
    if (p < 0) return -E.EFAULT;
    const end = Math.min(PAGE_SIZE - (a & PAGE_MASK), max + 1 - bytes.length);
    for (let n = 0; n < end; n++) {
      const c = k.mmu.u8[p + n];
      if (c === 0) {
        k.charge(bytes.length * CYC_PER_USER_BYTE);
        return Buffer.from(bytes).toString('latin1');
      }
      bytes.push(c);
    }
    a = (a + end) >>> 0;
  }
  return tooLong;
}
