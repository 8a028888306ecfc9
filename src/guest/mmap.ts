// The memory syscalls: brk (mm/mmap.c sys_brk), mmap2 and old mmap (do_mmap for anonymous
// mappings), munmap, mprotect (mm/mprotect.c).
//
// What is supported: anonymous mappings, private (MAP_PRIVATE|MAP_ANONYMOUS: demand-zero,
// copy-on-write after fork) and shared (MAP_SHARED|MAP_ANONYMOUS: every page is allocated
// at mmap time, so that parent and children of a later fork share the very frames —
// Linux backs them with shmem; forkbox has no page cache, hence the eager population),
// MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_POPULATE, MAP_GROWSDOWN; mappings of open files of
// the in-memory filesystem, private and shared, and of /dev/zero (filemap.ts, which also
// does msync).
// Addresses without MAP_FIXED come top-down from mm.mmap_base (Linux's default layout,
// without randomisation). Adjacent VMAs are not merged.

import { PAGE_MASK, PAGE_SIZE, PTE_FRAME, PTE_P, PTE_W } from '../mmu/paging.js';
import {
  E, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_HUGETLB, MAP_NORESERVE, MAP_POPULATE, MAP_PRIVATE,
  MAP_SHARED, MAP_SHARED_VALIDATE, MAP_TYPE, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, PROT_READ, PROT_WRITE, RLIM_INFINITY,
  RLIMIT_DATA,
} from './abi.js';
import type { Kernel } from './kernel.js';
import { TASK_SIZE } from './layout.js';
import { do_munmap, find_vma_intersection, handle_mm_fault, map_vma, split_vma, VM_FAULT_OOM } from './memory.js';
import { MAX_MAP_COUNT, MMAP_MIN_ADDR, type MmStruct, VM_EXEC, VM_GROWSDOWN, VM_READ, VM_SHARED, VM_WRITE, type Vma, type VmaFile } from './mm.js';
import { filemap_msync, mmap_file, vma_close, vma_denies_write, VM_FAULT_SIGBUS } from './filemap.js';
import { fget } from './fs/file.js';
import { PGDIR_SIZE, PTE_PROTNONE, mm_is_current, pte_index, pte_present } from './pgtable.js';
import type { Syscall } from './syscalls.js';
import { copy_from_user } from './uaccess.js';
import { may_expand_vm, rlimit } from './resource.js';

const VM_ACCESS = VM_READ | VM_WRITE | VM_EXEC;

function PAGE_ALIGN(n: number): number {
  return (n + PAGE_MASK) - ((n + PAGE_MASK) % PAGE_SIZE);
}

/** How many bytes of [start, end) are mapped in mm (the part a MAP_FIXED replaces). */
export function mapped_bytes(mm: MmStruct, start: number, end: number): number {
  let n = 0;
  for (let i = mm.findVmaIndex(start); i < mm.vmas.length && mm.vmas[i].start < end; i++) {
    n += Math.min(end, mm.vmas[i].end) - Math.max(start, mm.vmas[i].start);
  }
  return n;
}

/** calc_vm_prot_bits: PROT_* → VM_READ/VM_WRITE/VM_EXEC. */
function calc_vm_prot_bits(prot: number): number {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

// ---------------------------------------------------------------------------------
// brk

/**
 * sys_brk: move the program break. The heap is the VMA named [heap] from
 * PAGE_ALIGN(start_brk); it grows (new pages come zeroed on demand) and shrinks (pages
 * past the new break are unmapped). Returns the new break, or the current one when the
 * request is below start_brk or cannot be met (it would run into another mapping, or
 * memory for the VMA is exhausted) — what Linux returns, and what brk(0) relies on.
 */
export function sys_brk(k: Kernel, brk: number): number {
  const mm = k.current.mm;
  if (mm === null) return 0;
  brk >>>= 0;
  if (brk < mm.start_brk || brk > TASK_SIZE) return mm.brk;
  const newbrk = PAGE_ALIGN(brk);
  const oldbrk = PAGE_ALIGN(mm.brk);
  if (newbrk === oldbrk) {
    mm.brk = brk;
    return brk;
  }
  if (brk <= mm.brk) {
    // Shrinking: unmap [newbrk, oldbrk).
    if (do_munmap(k, mm, newbrk, oldbrk - newbrk) < 0) return mm.brk;
    mm.brk = brk;
    return brk;
  }
  // Growing: within RLIMIT_DATA (check_data_rlimit: the heap plus the initialised data)
  // and RLIMIT_AS (resource.ts), and the new pages must not touch the next mapping (one
  // guard page, as Linux).
  const data = rlimit(k, RLIMIT_DATA);
  if (data !== RLIM_INFINITY && brk - mm.start_brk + (mm.end_data - mm.start_data) > data) return mm.brk;
  if (!may_expand_vm(k, newbrk - oldbrk) || !vm_enough_memory(k, newbrk - oldbrk)) return mm.brk;
  if (find_vma_intersection(mm, oldbrk, Math.min(newbrk + PAGE_SIZE, TASK_SIZE)) !== null) return mm.brk;
  if (!do_brk(k, mm, oldbrk, newbrk)) return mm.brk;
  mm.brk = brk;
  return brk;
}

/**
 * __vm_enough_memory with the default overcommit heuristic (OVERCOMMIT_GUESS): a request
 * for more pages than the machine has RAM (there is no swap) fails with ENOMEM at once;
 * anything smaller is granted, and frames come on first touch — when they run out, the
 * OOM killer (oom_kill.ts) picks a process to kill.
 */
export function vm_enough_memory(k: Kernel, bytes: number): boolean {
  return Math.ceil(bytes / PAGE_SIZE) <= k.pages.stats.total;
}

/** do_brk: extend the [heap] VMA ending at oldbrk to newbrk, or create it. */
function do_brk(k: Kernel, mm: MmStruct, oldbrk: number, newbrk: number): boolean {
  const idx = mm.findVmaIndex(oldbrk - 1);
  const prev = idx < mm.vmas.length ? mm.vmas[idx] : null;
  if (prev !== null && prev.end === oldbrk && prev.name === '[heap]' && prev.file === null) {
    prev.end = newbrk;
    return true;
  }
  return map_vma(k, mm, oldbrk, newbrk, VM_READ | VM_WRITE, '[heap]', null) !== null;
}

// ---------------------------------------------------------------------------------
// mmap

/**
 * get_unmapped_area: where a mapping of `len` bytes goes. The hint `addr` if it is free,
 * else the highest free gap below mm.mmap_base (top-down, as Linux's default layout).
 * Returns the address or -ENOMEM.
 */
export function get_unmapped_area(mm: MmStruct, addr: number, len: number): number {
  if (len > TASK_SIZE - MMAP_MIN_ADDR) return -E.ENOMEM;
  if (addr !== 0) {
    addr = PAGE_ALIGN(addr);
    if (addr >= MMAP_MIN_ADDR && addr <= TASK_SIZE - len && find_vma_intersection(mm, addr, addr + len) === null) return addr;
  }
  let high = mm.mmap_base;
  const vmas = mm.vmas;
  for (let n = vmas.length - 1; n >= 0; n--) {
    const v = vmas[n];
    if (v.start >= high) continue;
    if (high >= len && v.end <= high - len) break;
    high = v.start;
  }
  if (high >= len && high - len >= MMAP_MIN_ADDR) return high - len;
  return -E.ENOMEM;
}

/**
 * do_mmap: map `len` bytes at (or near) `addr`. Returns the address or -errno.
 * The caller has validated nothing: this is the whole of mmap's argument checking.
 */
export function do_mmap(k: Kernel, addr: number, len: number, prot: number, flags: number, fd: number, pgoff: number): number {
  const mm = k.current.mm;
  if (mm === null) return -E.ENOMEM;
  addr >>>= 0;
  len >>>= 0;
  if (len === 0) return -E.EINVAL;
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP)) return -E.EINVAL;
  const alen = PAGE_ALIGN(len);
  if (alen > TASK_SIZE) return -E.ENOMEM;
  const type = flags & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return -E.EINVAL;
  if (flags & MAP_HUGETLB) return -E.EINVAL;
  const shared = type !== MAP_PRIVATE;
  // A file: checked now, mapped below (the VmaFile holds a reference to it, given back
  // with vma_close if the mapping fails). /dev/zero maps anonymous memory.
  let vmaFile: VmaFile | null = null;
  if ((flags & MAP_ANONYMOUS) === 0) {
    const file = fget(k, k.current, fd);
    if (file === null) return -E.EBADF;
    const m = mmap_file(file, prot, shared, pgoff * PAGE_SIZE, alen);
    if (typeof m === 'number') return m;
    if (!m.anonymous) vmaFile = m.vmaFile;
  }
  const r = do_mmap_region(k, mm, addr, alen, prot, flags, shared, vmaFile);
  if (r < 0 && vmaFile) vma_close(k, { file: vmaFile } as Vma);
  return r;
}

/** mmap_region: the checked mapping of `alen` bytes (anonymous, or vmaFile's file). */
function do_mmap_region(k: Kernel, mm: MmStruct, addr: number, alen: number, prot: number, flags: number, shared: boolean, vmaFile: VmaFile | null): number {
  const fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0;
  if (fixed) {
    if (addr & PAGE_MASK) return -E.EINVAL;
    if (addr > TASK_SIZE - alen) return -E.ENOMEM;
    if (addr < MMAP_MIN_ADDR) return -E.EPERM;
    if (flags & MAP_FIXED) {
      const r = do_munmap(k, mm, addr, alen);
      if (r < 0) return r;
    } else if (find_vma_intersection(mm, addr, addr + alen) !== null) {
      return -E.EEXIST;
    }
  } else {
    addr = get_unmapped_area(mm, addr, alen);
    if (addr < 0) return addr;
  }
  // may_expand_vm: RLIMIT_AS (resource.ts); what MAP_FIXED replaces is not counted twice.
  if (!may_expand_vm(k, alen - (fixed ? mapped_bytes(mm, addr, addr + alen) : 0))) return -E.ENOMEM;
  // accountable_mapping (private writable, or shared anonymous): the overcommit heuristic.
  const accountable = (prot & PROT_WRITE) !== 0 && (shared ? vmaFile === null : (flags & MAP_NORESERVE) === 0);
  if (accountable && !vm_enough_memory(k, alen)) return -E.ENOMEM;
  const vmflags = calc_vm_prot_bits(prot) | (shared ? VM_SHARED : 0) | (flags & MAP_GROWSDOWN && !vmaFile ? VM_GROWSDOWN : 0);
  const vma = map_vma(k, mm, addr, addr + alen, vmflags, vmaFile ? '' : shared ? '/dev/zero (deleted)' : '', vmaFile);
  if (vma === null) return -E.ENOMEM;
  if (vmaFile) {
    // File pages come on demand (or now, for MAP_POPULATE); a page past the end of the
    // file is not an error here.
    if (flags & MAP_POPULATE) populate(k, mm, vma);
    return addr;
  }
  if (shared || flags & MAP_POPULATE) {
    if (!populate(k, mm, vma) && shared) {
      do_munmap(k, mm, addr, alen);
      return -E.ENOMEM;
    }
  }
  return addr;
}

/** Fault in every page of vma now (shared anonymous memory, MAP_POPULATE). A PROT_NONE
 *  mapping gets its frames too, held by PROT_NONE PTEs. False when out of memory. */
function populate(k: Kernel, mm: MmStruct, vma: Vma): boolean {
  for (let a = vma.start; a < vma.end; a += PAGE_SIZE) {
    const r = handle_mm_fault(k, mm, vma, a, false);
    if (r & VM_FAULT_OOM) return false;
    if (r & VM_FAULT_SIGBUS) break; // the end of a mapped file
  }
  if ((vma.flags & VM_ACCESS) === 0) change_protection(k, mm, vma, vma.flags);
  return true;
}

const sys_mmap2: Syscall = (k, addr, len, prot, flags, fd, pgoff) => do_mmap(k, addr, len, prot, flags, fd, pgoff >>> 0);

/** old_mmap (90): the six arguments in a struct mmap_arg_struct at `arg`; a byte offset. */
const sys_old_mmap: Syscall = (k, arg) => {
  const b = copy_from_user(k, arg, 24);
  if (b === null) return -E.EFAULT;
  const w = (n: number) => b[n] | (b[n + 1] << 8) | (b[n + 2] << 16) | (b[n + 3] << 24);
  const offset = w(20) >>> 0;
  if (offset & PAGE_MASK) return -E.EINVAL;
  return do_mmap(k, w(0), w(4), w(8), w(12), w(16), offset >>> 12);
};

const sys_munmap: Syscall = (k, addr, len) => {
  const mm = k.current.mm;
  if (mm === null) return -E.EINVAL;
  addr >>>= 0;
  len >>>= 0;
  if (addr & PAGE_MASK || len === 0) return -E.EINVAL;
  const alen = PAGE_ALIGN(len);
  if (alen > TASK_SIZE || addr > TASK_SIZE - alen) return -E.EINVAL;
  return do_munmap(k, mm, addr, alen);
};

// ---------------------------------------------------------------------------------
// mprotect

/**
 * change_protection: rewrite the PTEs of vma for its (new) flags. No access → PROT_NONE
 * PTEs (P cleared, the frame kept). Otherwise present; writable only if it was already
 * (a private page made writable again stays write-protected until a write fault, which
 * reuses or copies it — so a frame shared after fork is never made writable here), or
 * if the mapping is shared.
 */
export function change_protection(k: Kernel, mm: MmStruct, vma: Vma, newflags: number): void {
  const i32 = k.mmu.i32;
  const cur = mm_is_current(k, mm);
  const pgdw = mm.pgd >>> 2;
  let changed = 0;
  let addr = vma.start;
  while (addr < vma.end) {
    const next = Math.min((Math.floor(addr / PGDIR_SIZE) + 1) * PGDIR_SIZE, vma.end);
    const pde = i32[pgdw + (addr >>> 22)];
    if ((pde & PTE_P) === 0) {
      addr = next;
      continue;
    }
    const tw = (pde & PTE_FRAME) >>> 2;
    for (; addr < next; addr += PAGE_SIZE) {
      const idx = tw + pte_index(addr);
      const pte = i32[idx];
      if (!pte_present(pte)) continue;
      let npte: number;
      if ((newflags & VM_ACCESS) === 0) {
        npte = (pte & ~(PTE_P | PTE_W)) | PTE_PROTNONE;
      } else {
        npte = (pte & ~PTE_PROTNONE) | PTE_P;
        const keepW = (pte & PTE_W) !== 0 && (pte & PTE_P) !== 0;
        if ((newflags & VM_WRITE) === 0) npte &= ~PTE_W;
        else if (newflags & VM_SHARED || keepW) npte |= PTE_W;
        else npte &= ~PTE_W;
      }
      if (npte === pte) continue;
      i32[idx] = npte;
      changed++;
      if (cur && changed <= 8) k.mmu.invlpg(addr);
    }
  }
  if (cur && changed > 8) k.mmu.flushTlb(true);
}

const sys_mprotect: Syscall = (k, start, len, prot) => {
  const mm = k.current.mm;
  if (mm === null) return -E.ENOMEM;
  start >>>= 0;
  len >>>= 0;
  if (start & PAGE_MASK) return -E.EINVAL;
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP)) return -E.EINVAL;
  if ((prot & (PROT_GROWSDOWN | PROT_GROWSUP)) === (PROT_GROWSDOWN | PROT_GROWSUP)) return -E.EINVAL;
  if (len === 0) return 0;
  const alen = PAGE_ALIGN(len);
  const end = start + alen;
  if (alen > TASK_SIZE || end > TASK_SIZE) return -E.ENOMEM;
  // Every page of the range must be mapped.
  const vmas = mm.vmas;
  let idx = mm.findVmaIndex(start);
  let at = start;
  for (let n = idx; at < end; n++) {
    if (n >= vmas.length || vmas[n].start > at) return -E.ENOMEM;
    at = vmas[n].end;
  }
  if (vmas.length + 2 > MAX_MAP_COUNT) return -E.ENOMEM;
  // A shared mapping of a file opened read-only can never become writable.
  if (prot & PROT_WRITE) {
    for (let n = idx; n < vmas.length && vmas[n].start < end; n++) if (vma_denies_write(vmas[n])) return -E.EACCES;
  }
  if (vmas[idx].start < start) {
    split_vma(mm, idx, start);
    idx++;
  }
  let last = idx;
  while (last < vmas.length && vmas[last].start < end) last++;
  if (vmas[last - 1].end > end) split_vma(mm, last - 1, end);
  const protFlags = calc_vm_prot_bits(prot);
  for (let n = idx; n < last; n++) {
    const v = vmas[n];
    const newflags = (v.flags & ~VM_ACCESS) | protFlags;
    change_protection(k, mm, v, newflags);
    v.flags = newflags;
  }
  return 0;
};

// ---------------------------------------------------------------------------------
// msync

const MS_ASYNC = 1;
const MS_INVALIDATE = 2;
const MS_SYNC = 4;

/**
 * sys_msync (mm/msync.c): write the dirty pages of shared file mappings in [start,
 * start + len) back to their files (filemap.ts). MS_ASYNC writes back at once too (the
 * in-memory filesystem has nothing slower to schedule); MS_INVALIDATE has nothing to
 * drop. -EINVAL for a bad start or flags, -ENOMEM if part of the range is unmapped (the
 * rest is still synced, as Linux does).
 */
const sys_msync: Syscall = (k, start, len, flags) => {
  const mm = k.current.mm;
  if (mm === null) return -E.ENOMEM;
  start >>>= 0;
  len >>>= 0;
  if (start & PAGE_MASK) return -E.EINVAL;
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return -E.EINVAL;
  if (flags & MS_ASYNC && flags & MS_SYNC) return -E.EINVAL;
  const end = start + PAGE_ALIGN(len);
  if (end > TASK_SIZE) return -E.ENOMEM;
  let err = 0;
  let unmapped = false;
  let at = start;
  for (let n = mm.findVmaIndex(start); at < end; n++) {
    const v = n < mm.vmas.length ? mm.vmas[n] : null;
    if (v === null || v.start >= end) {
      unmapped = true;
      break;
    }
    if (v.start > at) unmapped = true;
    const r = filemap_msync(k, mm, v, Math.max(at, v.start), Math.min(end, v.end));
    if (r < 0 && err === 0) err = r;
    at = v.end;
  }
  if (err < 0) return -E.EIO;
  return unmapped ? -E.ENOMEM : 0;
};

export const MEMORY_SYSCALLS: Record<string, Syscall> = {
  brk: (k, brk) => sys_brk(k, brk),
  mmap: sys_old_mmap,
  mmap2: sys_mmap2,
  munmap: sys_munmap,
  mprotect: sys_mprotect,
  msync: sys_msync,
};
