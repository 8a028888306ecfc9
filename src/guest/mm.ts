// struct mm_struct and struct vm_area_struct (include/linux/mm_types.h): an address
// space. Its page tables live in guest RAM (the MMU walks them); the VMAs, here, say what
// each range of user addresses may hold and how to fill it on a fault (memory.ts).

import { PAGE_SIZE } from '../mmu/paging.js';
import type { Kernel } from './kernel.js';
import { PG_PGTABLE, PageAllocator } from './page_alloc.js';
import { SWAPPER_PGD_PHYS } from './layout.js';
import { CYC_PAGE_ALLOC, CYC_PAGE_CLEAR } from './cost.js';
import { vma_file_dup, type AddressSpace } from './filemap.js';
import type { File } from './fs/file.js';

/* vm_flags (include/linux/mm.h) */
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_GROWSDOWN = 0x100;

/** RLIMIT_STACK's default (8 MiB): how far a VM_GROWSDOWN stack may grow on faults. */
export const STACK_RLIMIT = 8 << 20;
/** vm.max_map_count: most VMAs one address space may hold (mmap/mprotect → ENOMEM). */
export const MAX_MAP_COUNT = 65530;
/** mmap_min_addr: the lowest address mmap hands out or accepts with MAP_FIXED. */
export const MMAP_MIN_ADDR = 0x10000;
/** Where top-down mmap starts when nothing says otherwise: TASK_SIZE less a 128 MiB gap
 *  for the stack (mm/util.c mmap_base() with the minimum gap, no randomisation). */
export const DEFAULT_MMAP_BASE = 0xb8000000;

/** What backs a VMA's pages before they are written (file-backed or anonymous zero). */
export interface VmaFile {
  /** The file's bytes (an in-memory file: the ELF being executed). */
  data: Uint8Array;
  /** File offset that maps to vm_start. */
  offset: number;
  /** Bytes of the file that map into the VMA from vm_start; beyond: zero (bss tail). */
  size: number;
  /** mmap of an open file (filemap.ts): the struct file the VMA holds (vm_file); pages
   *  are read from its inode at fault time (data and size above are then unused). */
  vm_file?: File;
  /** MAP_SHARED of a file: the file's shared pages (filemap.ts AddressSpace). */
  mapping?: AddressSpace;
  /** VM_MAYWRITE: false for a shared mapping of a file not open for writing (mprotect
   *  cannot make it writable). */
  maywrite?: boolean;
}

export class Vma {
  constructor(
    public start: number,
    public end: number,
    public flags: number,
    /** For `maps`: [heap], [stack], the ELF path … */
    public name: string,
    public file: VmaFile | null = null,
  ) {}

  contains(addr: number): boolean {
    return addr >= this.start && addr < this.end;
  }

  /** A copy of the VMA (fork's dup_mmap, split_vma): a file VMA's copy takes its own
   *  references to the file and the shared pages (filemap.ts vma_file_dup). */
  clone(): Vma {
    return new Vma(this.start, this.end, this.flags, this.name, this.file && vma_file_dup(this.file));
  }
}

export class MmStruct {
  /** Physical address of the page directory. */
  pgd = 0;
  /** mm_users: tasks using this address space (CLONE_VM threads, a vfork child). */
  users = 1;
  /** VMAs, sorted by start, non-overlapping. */
  vmas: Vma[] = [];
  start_code = 0;
  end_code = 0;
  start_data = 0;
  end_data = 0;
  start_brk = 0;
  brk = 0;
  start_stack = 0;
  arg_start = 0;
  arg_end = 0;
  env_start = 0;
  env_end = 0;
  /** Top of the top-down mmap area (get_unmapped_area searches below it). */
  mmap_base = DEFAULT_MMAP_BASE;
  /** Resident user pages mapped (rss): present PTEs in user space. */
  rss = 0;

  /** find_vma: the VMA containing addr, or the first one above it; null if none.
   *  Binary search over the sorted list: the page-fault path calls it on every fault. */
  findVma(addr: number): Vma | null {
    const k = this.findVmaIndex(addr);
    return k < this.vmas.length ? this.vmas[k] : null;
  }

  /** Index of the first VMA whose end is above addr (vmas.length if none). */
  findVmaIndex(addr: number): number {
    const vmas = this.vmas;
    let lo = 0;
    let hi = vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (vmas[mid].end > addr) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Insert a VMA keeping the list sorted; the caller ensures it does not overlap. */
  insertVma(v: Vma): void {
    let k = 0;
    while (k < this.vmas.length && this.vmas[k].start < v.start) k++;
    this.vmas.splice(k, 0, v);
  }
}

/**
 * pgd_alloc: a page directory whose kernel half (PDEs 768..1023) is copied from
 * swapper_pg_dir, so every address space maps the kernel identically. Returns the
 * physical address, or -1 when out of memory.
 */
export function pgd_alloc(k: Kernel): number {
  const f = k.pages.alloc(PG_PGTABLE);
  if (f < 0) return -1;
  const pgd = PageAllocator.phys(f);
  const i32 = k.mmu.i32;
  i32.fill(0, pgd >>> 2, (pgd + 768 * 4) >>> 2);
  i32.copyWithin((pgd + 768 * 4) >>> 2, (SWAPPER_PGD_PHYS + 768 * 4) >>> 2, (SWAPPER_PGD_PHYS + PAGE_SIZE) >>> 2);
  k.charge(CYC_PAGE_ALLOC + CYC_PAGE_CLEAR);
  return pgd;
}
