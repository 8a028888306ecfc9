// mremap (163, mm/mremap.c), madvise (219, mm/madvise.c), mlock and munlock (150, 151).
//
// MREMAP(old_address, old_size, new_size, flags, new_address) resizes a mapping, moving
// it if allowed. glibc's realloc uses it for blocks it allocated with mmap (≥ 128 KiB by
// default: mremap_chunk with MREMAP_MAYMOVE), so a realloc of a big block runs here.
//   - old_address must be page-aligned (-EINVAL); sizes are rounded up to pages;
//     new_size 0 is -EINVAL; flags other than MREMAP_MAYMOVE | MREMAP_FIXED |
//     MREMAP_DONTUNMAP are -EINVAL, MREMAP_FIXED needs MREMAP_MAYMOVE;
//   - [old_address, +old_size) must lie in one VMA (-EFAULT otherwise; old_size 0, the
//     duplication of a shared mapping, is refused with -EINVAL);
//   - shrinking unmaps the tail and returns old_address;
//   - growing extends the VMA in place when the pages after it are free (and the VMA is
//     the whole end of the range; never to within STACK_GUARD_GAP, 1 MiB, of a stack), else, with MREMAP_MAYMOVE, moves it: a new place is
//     found top-down (get_unmapped_area) or given (MREMAP_FIXED: whatever is mapped
//     there is unmapped first; overlapping the old range is -EINVAL), the range becomes
//     a VMA of its own (split_vma) and its page-table entries are MOVED (move_ptes: the
//     frames, their reference counts, COW state and dirty bits go with them — no page is
//     copied), then the VMA is re-inserted at the new address; without it -ENOMEM;
//   - MREMAP_DONTUNMAP (private anonymous mappings, old_size == new_size, with MAYMOVE)
//     moves the pages and leaves the old range mapped and empty (it faults in zeroes);
//   - the growth counts against RLIMIT_AS (resource.ts); the map count, MAX_MAP_COUNT.
// Shared anonymous memory is populated when it grows (as mmap populates it, mmap.ts).
//
// MADVISE(start, len, advice): start page-aligned, len rounded up; a range with holes
// applies the advice to the mapped parts and returns -ENOMEM (Linux's unmapped_error).
//   MADV_DONTNEED   zap the pages: private mappings read zeroes (anonymous) or the file
//                   again at the next access; a shared mapping keeps its data (shared
//                   anonymous memory has no other copy: forkbox leaves it mapped, which
//                   reads the same as Linux's refault from shmem; a shared file mapping's
//                   written pages go to the file first);
//   MADV_FREE       private anonymous only (-EINVAL otherwise): the kernel may free the
//                   pages lazily — forkbox, never short of memory in that way, keeps them;
//   MADV_NORMAL, RANDOM, SEQUENTIAL, WILLNEED, COLD, PAGEOUT, DONTDUMP, DODUMP: hints,
//                   accepted;
//   anything else (DONTFORK, WIPEONFORK, MERGEABLE, HUGEPAGE, REMOVE, POPULATE_*,
//                   HWPOISON …): -EINVAL, as from a kernel built without them.
//
// MLOCK / MUNLOCK(start, len) (mm/mlock.c): forkbox never pages anything out, so every
// page is as good as locked; the calls check the range (rounded out to pages) and fail
// with -ENOMEM where it is not mapped, as Linux does.

import { PAGE_MASK, PAGE_SIZE } from '../mmu/paging.js';
import {
  E, MADV_COLD, MADV_DODUMP, MADV_DONTDUMP, MADV_DONTNEED, MADV_FREE, MADV_NORMAL, MADV_PAGEOUT, MADV_RANDOM,
  MADV_SEQUENTIAL, MADV_WILLNEED, MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE,
} from './abi.js';
import { CYC_PTE_COPY } from './cost.js';
import type { Kernel } from './kernel.js';
import { TASK_SIZE } from './layout.js';
import { do_munmap, find_vma_intersection, free_pgd_range, handle_mm_fault, split_vma, VM_FAULT_OOM, zap_page_range } from './memory.js';
import { MAX_MAP_COUNT, MMAP_MIN_ADDR, type MmStruct, VM_GROWSDOWN, VM_SHARED, type Vma } from './mm.js';
import { get_unmapped_area, mapped_bytes } from './mmap.js';
import { filemap_unmap_vma } from './filemap.js';
import { mm_is_current, PGDIR_SIZE, pte_alloc, pte_offset } from './pgtable.js';
import { may_expand_vm } from './resource.js';
import type { Syscall } from './syscalls.js';

function PAGE_ALIGN(n: number): number {
  return n + PAGE_MASK - ((n + PAGE_MASK) % PAGE_SIZE);
}

/**
 * move_ptes: move the page-table entries of [old, old + len) to [new, new + len) in mm.
 * Entries (present or PROT_NONE) go as they are; the old ones are cleared. -1 when a page
 * table for the destination cannot be allocated (what was moved stays moved; the caller
 * moves it back).
 */
function move_ptes(k: Kernel, mm: MmStruct, oldAddr: number, newAddr: number, len: number): number {
  const i32 = k.mmu.i32;
  const cur = mm_is_current(k, mm);
  let moved = 0;
  for (let off = 0; off < len; ) {
    const src = pte_offset(k, mm.pgd, oldAddr + off);
    if (src < 0) {
      // No page table here: nothing mapped up to the next 4 MiB boundary.
      off = (Math.floor((oldAddr + off) / PGDIR_SIZE) + 1) * PGDIR_SIZE - oldAddr;
      continue;
    }
    const pte = i32[src >>> 2];
    if (pte !== 0) {
      const dst = pte_alloc(k, mm, newAddr + off);
      if (dst < 0) return -1;
      i32[dst >>> 2] = pte;
      i32[src >>> 2] = 0;
      moved++;
      if (cur && moved <= 8) {
        k.mmu.invlpg(oldAddr + off);
        k.mmu.invlpg(newAddr + off);
      }
    }
    off += PAGE_SIZE;
  }
  if (cur && moved > 8) k.mmu.flushTlb(true);
  k.charge(CYC_PTE_COPY * moved);
  return moved;
}

/** Fault in every page of [start, end) of a shared anonymous vma (mmap.ts populate). */
function populate_range(k: Kernel, mm: MmStruct, vma: Vma, start: number, end: number): boolean {
  for (let a = start; a < end; a += PAGE_SIZE) if (handle_mm_fault(k, mm, vma, a, false) & VM_FAULT_OOM) return false;
  return true;
}

/** stack_guard_gap: a mapping may not grow to within this of a grows-down stack above it. */
export const STACK_GUARD_GAP = 256 * PAGE_SIZE;

/** Would a mapping ending at `end` come within STACK_GUARD_GAP of the stack above it? */
function below_stack_guard(mm: MmStruct, end: number): boolean {
  const next = mm.findVma(end);
  return next !== null && (next.flags & VM_GROWSDOWN) !== 0 && next.start - end < STACK_GUARD_GAP;
}

/** Is vma shared anonymous memory (populated eagerly, mmap.ts)? */
function shared_anon(vma: Vma): boolean {
  return (vma.flags & VM_SHARED) !== 0 && vma.file === null;
}

/**
 * move_vma: move [oldAddr, oldAddr + oldLen) (inside one VMA) to newAddr with size newLen.
 * The range is split off into its own VMA first. Returns newAddr or -errno.
 */
function move_vma(k: Kernel, mm: MmStruct, oldAddr: number, oldLen: number, newAddr: number, newLen: number, dontunmap: boolean): number {
  const vmas = mm.vmas;
  if (vmas.length + 3 > MAX_MAP_COUNT) return -E.ENOMEM;
  let idx = mm.findVmaIndex(oldAddr);
  if (vmas[idx].start < oldAddr) {
    split_vma(mm, idx, oldAddr);
    idx++;
  }
  if (vmas[idx].end > oldAddr + oldLen) split_vma(mm, idx, oldAddr + oldLen);
  const vma = vmas[idx];
  // The pages move with their entries; the shared file mapping's dirty bits with them.
  if (move_ptes(k, mm, oldAddr, newAddr, oldLen) < 0) {
    move_ptes(k, mm, newAddr, oldAddr, oldLen);
    return -E.ENOMEM;
  }
  vmas.splice(idx, 1);
  if (dontunmap) {
    // The old range stays mapped, empty (Linux: a private anonymous VMA without pages).
    mm.insertVma(vma.clone());
  }
  free_pgd_range(k, mm, oldAddr, oldAddr + oldLen);
  vma.start = newAddr;
  vma.end = newAddr + newLen;
  mm.insertVma(vma);
  if (newLen > oldLen && shared_anon(vma) && !populate_range(k, mm, vma, newAddr + oldLen, newAddr + newLen)) {
    do_munmap(k, mm, newAddr + oldLen, newLen - oldLen);
    return -E.ENOMEM;
  }
  return newAddr;
}

/** mremap(old_address, old_size, new_size, flags, new_address): see the header. */
export function do_mremap(k: Kernel, addr: number, oldLenIn: number, newLenIn: number, flags: number, newAddr: number): number {
  const mm = k.current.mm;
  if (mm === null) return -E.EINVAL;
  addr >>>= 0;
  newAddr >>>= 0;
  if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return -E.EINVAL;
  if (flags & MREMAP_FIXED && !(flags & MREMAP_MAYMOVE)) return -E.EINVAL;
  if (flags & MREMAP_DONTUNMAP && (!(flags & MREMAP_MAYMOVE) || oldLenIn >>> 0 !== newLenIn >>> 0)) return -E.EINVAL;
  if (addr & PAGE_MASK) return -E.EINVAL;
  const oldLen = PAGE_ALIGN(oldLenIn >>> 0);
  const newLen = PAGE_ALIGN(newLenIn >>> 0);
  if (newLen === 0 || newLen > TASK_SIZE || oldLen > TASK_SIZE) return -E.EINVAL;
  if (oldLen === 0) return -E.EINVAL; // duplicating a shared mapping: not supported
  if (addr + oldLen > TASK_SIZE) return -E.EFAULT;

  // The old range must be one VMA's.
  const vma = mm.findVma(addr);
  if (vma === null || vma.start > addr || vma.end < addr + oldLen) return -E.EFAULT;
  if (flags & MREMAP_DONTUNMAP && (vma.flags & VM_SHARED || vma.file !== null)) return -E.EINVAL;

  if (flags & MREMAP_FIXED) {
    if (newAddr & PAGE_MASK) return -E.EINVAL;
    if (newAddr > TASK_SIZE - newLen || newAddr < MMAP_MIN_ADDR) return -E.EINVAL;
    // The ranges may not overlap.
    if (newAddr < addr + oldLen && addr < newAddr + newLen) return -E.EINVAL;
    if (!may_expand_vm(k, Math.max(0, newLen - oldLen) - mapped_bytes(mm, newAddr, newAddr + newLen))) return -E.ENOMEM;
    const r = do_munmap(k, mm, newAddr, newLen);
    if (r < 0) return r;
    let len = oldLen;
    if (oldLen > newLen) {
      const u = do_munmap(k, mm, addr + newLen, oldLen - newLen);
      if (u < 0) return u;
      len = newLen;
    }
    const moved = move_vma(k, mm, addr, len, newAddr, newLen, (flags & MREMAP_DONTUNMAP) !== 0);
    return moved;
  }

  // Shrinking (or the same size): unmap the tail, in place.
  if (oldLen >= newLen) {
    if (oldLen > newLen) {
      const r = do_munmap(k, mm, addr + newLen, oldLen - newLen);
      if (r < 0) return r;
    }
    if (!(flags & MREMAP_DONTUNMAP)) return addr;
  }

  if (!may_expand_vm(k, newLen - oldLen)) return -E.ENOMEM;
  // Growing in place: the range ends the VMA and the pages after it are free.
  if (!(flags & MREMAP_DONTUNMAP) && vma.end === addr + oldLen && addr + newLen <= TASK_SIZE &&
      find_vma_intersection(mm, vma.end, addr + newLen) === null && !below_stack_guard(mm, addr + newLen)) {
    const oldEnd = vma.end;
    vma.end = addr + newLen;
    if (shared_anon(vma) && !populate_range(k, mm, vma, oldEnd, vma.end)) {
      do_munmap(k, mm, oldEnd, vma.end - oldEnd);
      return -E.ENOMEM;
    }
    return addr;
  }
  if (!(flags & MREMAP_MAYMOVE)) return -E.ENOMEM;
  const to = get_unmapped_area(mm, 0, newLen);
  if (to < 0) return to;
  return move_vma(k, mm, addr, oldLen, to, newLen, (flags & MREMAP_DONTUNMAP) !== 0);
}

const sys_mremap: Syscall = (k, addr, oldLen, newLen, flags, newAddr) => do_mremap(k, addr, oldLen, newLen, flags, newAddr);

/** madvise(start, len, advice): see the header. */
export function do_madvise(k: Kernel, start: number, lenIn: number, advice: number): number {
  const mm = k.current.mm;
  if (mm === null) return -E.ENOMEM;
  switch (advice) {
    case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED: case MADV_DONTNEED:
    case MADV_FREE: case MADV_DONTDUMP: case MADV_DODUMP: case MADV_COLD: case MADV_PAGEOUT:
      break;
    default:
      return -E.EINVAL;
  }
  start >>>= 0;
  lenIn >>>= 0;
  if (start & PAGE_MASK) return -E.EINVAL;
  const len = PAGE_ALIGN(lenIn);
  if (lenIn !== 0 && len === 0) return -E.EINVAL;
  const end = start + len;
  if (end > 0x100000000) return -E.EINVAL;
  if (end === start) return 0;
  if (end > TASK_SIZE) return -E.ENOMEM;
  let unmapped = false;
  let at = start;
  for (let i = mm.findVmaIndex(start); at < end; i++) {
    const vma = i < mm.vmas.length ? mm.vmas[i] : null;
    if (vma === null || vma.start >= end) {
      unmapped = true;
      break;
    }
    if (vma.start > at) unmapped = true;
    const s = Math.max(at, vma.start);
    const e = Math.min(end, vma.end);
    if (advice === MADV_FREE && (vma.flags & VM_SHARED || vma.file !== null)) return -E.EINVAL;
    if (advice === MADV_DONTNEED && !shared_anon(vma)) {
      filemap_unmap_vma(k, mm, vma, s, e); // a shared file mapping: keep what was written
      zap_page_range(k, mm, s, e);
    }
    at = e;
  }
  return unmapped ? -E.ENOMEM : 0;
}

const sys_madvise: Syscall = (k, start, len, advice) => do_madvise(k, start, len, advice);

/** mlock / munlock: -ENOMEM unless every page of the range is mapped. */
const sys_mlock: Syscall = (k, start, len) => {
  const mm = k.current.mm;
  if (mm === null) return -E.ENOMEM;
  const s = (start >>> 0) - ((start >>> 0) % PAGE_SIZE);
  const end = PAGE_ALIGN((start >>> 0) + (len >>> 0));
  if (end > TASK_SIZE) return -E.ENOMEM;
  let at = s;
  for (let i = mm.findVmaIndex(s); at < end; i++) {
    if (i >= mm.vmas.length || mm.vmas[i].start > at) return -E.ENOMEM;
    at = mm.vmas[i].end;
  }
  return 0;
};

export const MREMAP_SYSCALLS: Record<string, Syscall> = {
  mremap: sys_mremap,
  madvise: sys_madvise,
  mlock: sys_mlock,
  munlock: sys_mlock,
};
