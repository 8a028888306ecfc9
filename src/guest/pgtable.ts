// Page tables in guest RAM: i386's two levels (arch/x86/include/asm/pgtable_32.h,
// pgtable-2level.h, the walkers of mm/memory.c and mm/pgtable-generic.c, reduced).
//
// A user address space is a page directory (the pgd, one frame of kind PG_PGTABLE) whose
// entries 0..767 point to page tables (frames of kind PG_PGTABLE, count 1: the PDE's
// hold) and whose entries 768..1023 are the kernel's, copied from swapper_pg_dir by
// pgd_alloc (mm.ts) and never freed here. The MMU walks these tables itself; the kernel
// reads and writes them as plain 32-bit words of physical memory.
//
// PTE format: the hardware bits of src/mmu/paging.ts (P, W, U, A, D). forkbox uses ONE
// software bit, in the AVL field (bits 9-11, ignored by the MMU):
//   PTE_PROTNONE (bit 9) — Linux's _PAGE_PROTNONE: the page is mapped (the frame is held
//   and counted) but P is clear, so every access, user or kernel, faults; mprotect(
//   PROT_NONE) sets it and mprotect back to an accessible protection restores P. A PTE
//   is "mapped" (pte_present) when P or PROTNONE is set.
// Copy-on-write needs no software bit: as in Linux, a page is COW when its PTE is
// read-only inside a private VM_WRITE VMA (memory.ts do_wp_page).
//
// TLB. The CPU caches translations; changing a PTE of the address space the CPU is using
// (CR3 === mm.pgd) must drop the cached one (flush_tlb_page → invlpg). Other address
// spaces have nothing cached: every CR3 load flushes the non-global entries, and user
// PTEs are never global.

import { PAGE_SHIFT, PAGE_SIZE, PTE_A, PTE_AVL_SHIFT, PTE_FRAME, PTE_P, PTE_U, PTE_W } from '../mmu/paging.js';
import { CYC_PAGE_ALLOC, CYC_PAGE_CLEAR } from './cost.js';
import type { Kernel } from './kernel.js';
import { TASK_SIZE } from './layout.js';
import type { MmStruct } from './mm.js';
import { PG_PGTABLE, PageAllocator } from './page_alloc.js';

/** Software PTE bit (AVL bit 9): mapped but inaccessible (PROT_NONE), P clear. */
export const PTE_PROTNONE = 1 << PTE_AVL_SHIFT;

/** PDEs covering user space (TASK_SIZE / 4 MiB). */
export const USER_PTRS_PER_PGD = TASK_SIZE / (4 << 20);
export const PTRS_PER_PTE = 1024;
/** Bytes mapped by one page table. */
export const PGDIR_SIZE = 4 << 20;

/** A PDE pointing to a user page table (Linux _PAGE_TABLE): the PTEs decide the rights. */
export const _PAGE_TABLE = PTE_P | PTE_W | PTE_U | PTE_A;

export function pgd_index(addr: number): number {
  return addr >>> 22;
}

export function pte_index(addr: number): number {
  return (addr >>> PAGE_SHIFT) & 0x3ff;
}

/** The PTE maps a frame (present, or PROT_NONE). */
export function pte_present(pte: number): boolean {
  return (pte & (PTE_P | PTE_PROTNONE)) !== 0;
}

/** The frame number a mapped PTE or PDE points to. */
export function pte_pfn(pte: number): number {
  return (pte & PTE_FRAME) >>> PAGE_SHIFT;
}

/** Is mm the address space the CPU translates with now? */
export function mm_is_current(k: Kernel, mm: MmStruct): boolean {
  return (k.mmu.cr3 & PTE_FRAME) === mm.pgd;
}

/**
 * pte_offset: physical address of the PTE for `addr` in the page directory at `pgd`,
 * or -1 when no page table covers it. Never allocates.
 */
export function pte_offset(k: Kernel, pgd: number, addr: number): number {
  const pde = k.mmu.i32[(pgd >>> 2) + (addr >>> 22)];
  if ((pde & PTE_P) === 0) return -1;
  return (pde & PTE_FRAME) + (pte_index(addr) << 2);
}

/**
 * pte_alloc (pte_alloc_map): the PTE's physical address for `addr` in mm, allocating and
 * clearing the page table if there is none yet. Returns -1 when out of memory (nothing is
 * changed then). The page table's one reference is held by its PDE; free_pgtables drops it.
 */
export function pte_alloc(k: Kernel, mm: MmStruct, addr: number): number {
  const i32 = k.mmu.i32;
  const pdeIdx = (mm.pgd >>> 2) + (addr >>> 22);
  let pde = i32[pdeIdx];
  if ((pde & PTE_P) === 0) {
    const f = k.pages.alloc(PG_PGTABLE);
    if (f < 0) return -1;
    const table = PageAllocator.phys(f);
    // fillPhys, not a bare fill: the frame may have held decoded code (the CPU's block
    // cache must forget it before the frame holds PTEs).
    k.mmu.fillPhys(table, PAGE_SIZE, 0);
    k.charge(CYC_PAGE_ALLOC + CYC_PAGE_CLEAR);
    pde = table | _PAGE_TABLE;
    // A not-present PDE is never cached by the TLB: no flush is needed to add one.
    i32[pdeIdx] = pde;
  }
  return (pde & PTE_FRAME) + (pte_index(addr) << 2);
}

/** Read a PTE by its physical address. */
export function pte_read(k: Kernel, ptep: number): number {
  return k.mmu.i32[ptep >>> 2];
}

/**
 * set_pte_at + flush_tlb_page: write the PTE for `addr` of mm; if mm is the current
 * address space, drop the CPU's cached translation of `addr`.
 */
export function set_pte_at(k: Kernel, mm: MmStruct, addr: number, ptep: number, pte: number): void {
  k.mmu.i32[ptep >>> 2] = pte;
  if (mm_is_current(k, mm)) k.mmu.invlpg(addr);
}

/** mk_pte: a PTE mapping `frame` for user mode, writable or not. */
export function mk_pte(frame: number, writable: boolean): number {
  return (PageAllocator.phys(frame) | PTE_P | PTE_U | (writable ? PTE_W : 0)) | 0;
}

/**
 * free_pgtables: free every user page table of mm (PDEs 0..767) and clear the PDEs.
 * Caller: exit_mmap, after every VMA has been unmapped, so the tables hold no mapped
 * PTE. A PTE still mapped there is a kernel bug: its frame is put (nothing leaks) and
 * the fact logged, like Linux's "BUG: Bad page map". Returns the number of tables freed.
 */
export function free_pgtables(k: Kernel, mm: MmStruct): number {
  const i32 = k.mmu.i32;
  const pgdw = mm.pgd >>> 2;
  let freed = 0;
  for (let n = 0; n < USER_PTRS_PER_PGD; n++) {
    const pde = i32[pgdw + n];
    if ((pde & PTE_P) === 0) continue;
    const tw = (pde & PTE_FRAME) >>> 2;
    for (let e = 0; e < PTRS_PER_PTE; e++) {
      const pte = i32[tw + e];
      if (!pte_present(pte)) continue;
      k.log(`forkbox: BUG: bad page map: pte 0x${(pte >>> 0).toString(16)} at 0x${(((n << 22) | (e << 12)) >>> 0).toString(16)} left after unmap`);
      i32[tw + e] = 0;
      k.pages.put(pte_pfn(pte));
      mm.rss--;
    }
    i32[pgdw + n] = 0;
    k.pages.put(pde_pfn(pde));
    k.charge(CYC_PAGE_ALLOC);
    freed++;
  }
  return freed;
}

function pde_pfn(pde: number): number {
  return (pde & PTE_FRAME) >>> PAGE_SHIFT;
}

/** pgd_free: release the page directory itself (its kernel half needs no freeing). */
export function pgd_free(k: Kernel, pgd: number): void {
  k.pages.put(pgd >>> PAGE_SHIFT);
  k.charge(CYC_PAGE_ALLOC);
}
