// Peeking at a task's user memory without touching it: the two-level page walk done in
// software over the task's page tables, reading only pages that are present. Unlike
// uaccess.ts (copy_from_user), nothing faults, nothing is paged in, no accessed/dirty
// bit is set — so a tracer that decodes syscall arguments leaves the run exactly as it
// would have been without it. A page that is not present reads as unavailable (null):
// the caller shows the address instead, as strace does for memory it cannot read.

import type { Kernel } from '../guest/kernel.js';
import type { MmStruct } from '../guest/mm.js';
import { TASK_SIZE } from '../guest/layout.js';
import { PTE_FRAME, PTE_P, PTE_U } from '../mmu/paging.js';

/** Physical address of user `vaddr` in mm, or -1 (not present / not a user page). */
export function userPhys(k: Kernel, mm: MmStruct, vaddr: number): number {
  vaddr >>>= 0;
  if (vaddr >= TASK_SIZE) return -1;
  const i32 = k.mmu.i32;
  const pde = i32[(mm.pgd >>> 2) + (vaddr >>> 22)];
  if ((pde & PTE_P) === 0) return -1;
  const pte = i32[((pde & PTE_FRAME) >>> 2) + ((vaddr >>> 12) & 0x3ff)];
  if ((pte & (PTE_P | PTE_U)) !== (PTE_P | PTE_U)) return -1;
  return ((pte & PTE_FRAME) | (vaddr & 0xfff)) >>> 0;
}

/** `len` bytes at user `addr` of mm, or null if any of them is not readable now. */
export function peekUser(k: Kernel, mm: MmStruct | null, addr: number, len: number): Uint8Array | null {
  if (mm === null) return null;
  const out = new Uint8Array(len);
  const u8 = k.mmu.u8;
  let a = addr >>> 0;
  for (let i = 0; i < len; ) {
    const p = userPhys(k, mm, a);
    if (p < 0) return null;
    const n = Math.min(len - i, 4096 - (a & 0xfff));
    out.set(u8.subarray(p, p + n), i);
    i += n;
    a = (a + n) >>> 0;
  }
  return out;
}

/** A 32-bit word at user `addr`, or null. */
export function peekU32(k: Kernel, mm: MmStruct | null, addr: number): number | null {
  const b = peekUser(k, mm, addr, 4);
  return b === null ? null : (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
}

/**
 * A NUL-terminated string at user `addr`: up to `max` bytes (without the NUL). Returns
 * the bytes read and whether the NUL was found within `max`; null if the first byte is
 * unreadable. A string running into an unreadable page ends there (terminated: false).
 */
export function peekString(k: Kernel, mm: MmStruct | null, addr: number, max: number): { bytes: Uint8Array; terminated: boolean } | null {
  if (mm === null) return null;
  const u8 = k.mmu.u8;
  const out: number[] = [];
  let a = addr >>> 0;
  for (;;) {
    const p = userPhys(k, mm, a);
    if (p < 0) return out.length === 0 ? null : { bytes: Uint8Array.from(out), terminated: false };
    const pageEnd = p + (4096 - (a & 0xfff));
    for (let q = p; q < pageEnd; q++) {
      const c = u8[q];
      if (c === 0) return { bytes: Uint8Array.from(out), terminated: true };
      if (out.length >= max) return { bytes: Uint8Array.from(out), terminated: false };
      out.push(c);
    }
    a = (a + (pageEnd - p)) >>> 0;
  }
}
