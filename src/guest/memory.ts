// Memory management: the page-fault handler and what it calls (arch/x86/mm/fault.c,
// mm/memory.c), address spaces and their VMAs (mm/mmap.c), and fork's copy of an address
// space (kernel/fork.c dup_mmap, mm/memory.c copy_page_range).
//
// The seeds' copy-on-write, step by step, as it happens here:
//   fork → copy_mm → dup_mmap → copy_page_range: the child gets copies of the page
//     tables; every private writable page is write-protected in BOTH parent and child and
//     its frame's count goes up (get_page): "fork()会让子进程以只读方式共享父进程的物理页面，
//     同时将父进程对这些物理页面的访问权限也设成只读".
//   either one writes → the MMU raises #PF (int 14) with P=1, W=1 → do_page_fault →
//     handle_mm_fault → do_wp_page: if the writer is the frame's only user (count 1) the
//     PTE is made writable again (reuse); otherwise a new frame is allocated, the page
//     copied into it, mapped writable, and the old frame put: "为写进程复制一个新的物理页面".
//   the CPU restarts the faulting write, which now succeeds.
// With k.options.forkMode === 'copy', copy_page_range copies every page at fork instead,
// as first-generation Unix did ("内核原样复制父进程的整个地址空间"), for comparison.
//
// Demand paging: VMAs say what may be at an address; pages arrive on the first touch
// (do_anonymous_page: a zeroed frame; do_no_page: the file's bytes), so bss, heap and
// stack cost nothing until used.
//
// Frames are reference counted (page_alloc.ts): a user frame's count is the number of
// PTEs mapping it; a page table's is 1 (its PDE). check_invariants (invariants.ts) checks
// exactly that, over every live address space.

// The syscalls (mmap.ts) and the checker (invariants.ts) live in their own files; they are
// re-exported here first, so that the syscall table finds them whatever the import order.
export { MEMORY_SYSCALLS } from './mmap.js';
export { check_invariants, pageWalk, type PageWalk } from './invariants.js';
import { PAGE_MASK, PAGE_SIZE, PF_PROT, PF_RSVD, PF_USER, PF_WRITE, PTE_A, PTE_D, PTE_FRAME, PTE_P, PTE_W } from '../mmu/paging.js';
import { E, RLIMIT_STACK, SIG } from './abi.js';
import { CYC_CR3, CYC_FAULT, CYC_PAGE_ALLOC, CYC_PAGE_CLEAR, CYC_PAGE_COPY, CYC_PTE_COPY, CYC_PTE_WALK, CYC_PTE_ZAP } from './cost.js';
import type { Kernel } from './kernel.js';
import { SWAPPER_PGD_PHYS, TASK_SIZE } from './layout.js';
import {
  MAX_MAP_COUNT, MMAP_MIN_ADDR, MmStruct, VM_EXEC, VM_GROWSDOWN, VM_READ, VM_SHARED, VM_WRITE, Vma,
  pgd_alloc, type VmaFile,
} from './mm.js';
import { PG_USER, PageAllocator } from './page_alloc.js';
import {
  PGDIR_SIZE, PTRS_PER_PTE, PTE_PROTNONE, free_pgtables, mk_pte, mm_is_current, pgd_free, pte_alloc, pte_index,
  pte_offset, pte_pfn, pte_present, set_pte_at,
} from './pgtable.js';
import { PT_EIP, PT_ESP, type PtRegs } from './ptregs.js';
import { force_sig_fault } from './traps.js';
import { out_of_memory } from './oom_kill.js';
import { BUS_ADRERR, SEGV_ACCERR, SEGV_MAPERR, unhandled_signal } from './signal.js';
import { VEC_PF } from '../cpu/constants.js';
import { filemap_fault, filemap_unmap_vma, vma_close, VM_FAULT_SIGBUS } from './filemap.js';
import { trace_page_fault } from './tracepoints.js';
import { rlimit } from './resource.js';
import {
  faultKind, faultMark, faultPhases, KIND_COW_COPY, KIND_COW_REUSE, KIND_DEMAND_ZERO, PH_ALLOC, PH_COPY, PH_FLUSH, PH_WALK,
} from '../perf/fault-phases.js';


/* handle_mm_fault results (include/linux/mm_types.h vm_fault_reason), 0 = resolved. */
export const VM_FAULT_SIGSEGV = 1;
export const VM_FAULT_OOM = 2;
/** A file mapping's page beyond the end of the file (filemap.ts). */
export { VM_FAULT_SIGBUS };

/**
 * The slack below ESP within which a user access may still grow the stack: 2.6-era
 * arch/x86/mm/fault.c allowed "address + 65536 + 32 * sizeof(unsigned long) < sp" to
 * fail, so that `enter` with a large frame and `pusha` (which touch memory below ESP
 * before moving it) still work. forkbox applies that check to user-mode faults, and
 * RLIMIT_STACK (resource.ts, 8 MiB by default) to every growth; kernel accesses
 * (copy_to_user into a buffer on the stack) are checked against the rlimit only, as
 * Linux did.
 */
export const STACK_ESP_SLACK = 65536 + 32 * 4;

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

// ---------------------------------------------------------------------------------
// The page-fault handler (arch/x86/mm/fault.c).

/**
 * do_page_fault: #PF (vector 14) from the entry stub. `error` is the CPU's error code
 * (PF_PROT/PF_WRITE/PF_USER/PF_RSVD), `address` is CR2. A user-mode fault is resolved by
 * handle_mm_fault (the faulting instruction restarts when the entry stub irets) or ends
 * in SIGSEGV / SIGKILL for the current task. A kernel-mode fault arriving here is a
 * kernel bug (the TypeScript kernel reaches user memory through uaccess.ts, whose faults
 * go to fixup_user_fault instead): panic.
 */
export function do_page_fault(k: Kernel, regs: PtRegs, error: number, address: number): void {
  if (k.tracers.length === 0) __do_page_fault(k, regs, error, address);
  else trace_page_fault(k, regs.get(PT_EIP), error, address >>> 0, true, () => (__do_page_fault(k, regs, error, address), true));
}

function __do_page_fault(k: Kernel, regs: PtRegs, error: number, address: number): void {
  address >>>= 0;
  k.stats.pageFaults++;
  k.charge(CYC_FAULT);
  if (!regs.user) {
    k.panic(`unable to handle kernel paging request at ${hex(address)} (error ${error & 0xf}, eip ${hex(regs.get(PT_EIP))})`);
    return;
  }
  if (error & PF_RSVD) {
    // A reserved bit in a user page-table entry: the kernel wrote a bad PTE.
    k.panic(`bad page table at ${hex(address)} (error ${error & 0xf}, pid ${k.current.pid})`);
    return;
  }
  const mm = k.current.mm;
  if (mm === null || address >= TASK_SIZE) {
    bad_area(k, regs, error, address);
    return;
  }
  const write = (error & PF_WRITE) !== 0;
  const vma = mm.findVma(address);
  if (vma === null) {
    bad_area(k, regs, error, address);
    return;
  }
  if (vma.start > address) {
    // Below a VMA: only a stack grows there.
    if ((vma.flags & VM_GROWSDOWN) === 0) {
      bad_area(k, regs, error, address);
      return;
    }
    const esp = regs.get(PT_ESP) >>> 0;
    if (address + STACK_ESP_SLACK < esp || !expand_stack(k, mm, vma, address)) {
      bad_area(k, regs, error, address);
      return;
    }
  }
  // good_area:
  if (access_error(vma, write, (error & PF_PROT) !== 0)) {
    bad_area(k, regs, error, address, SEGV_ACCERR);
    return;
  }
  const r = handle_mm_fault(k, mm, vma, address, write);
  if (r === 0) return;
  if (r & VM_FAULT_OOM) pagefault_out_of_memory(k);
  else if (r & VM_FAULT_SIGBUS) do_sigbus(k, error, address); // past the end of a mapped file
  else bad_area(k, regs, error, address);
}

/** access_error: may this access touch this VMA at all? (x86 has no read-only-but-not-
 *  readable pages: any of read, write or exec permits reading.) */
export function access_error(vma: Vma, write: boolean, protectionFault: boolean): boolean {
  if (write) return (vma.flags & VM_WRITE) === 0;
  // A read that faulted on a present page cannot be fixed by paging anything in.
  if (protectionFault) return true;
  return (vma.flags & (VM_READ | VM_WRITE | VM_EXEC)) === 0;
}

/** set_signal_archinfo: the page fault as the signal frame's sigcontext reports it
 *  (trapno 14, err, cr2); a kernel address counts as a protection fault. */
function set_signal_archinfo(k: Kernel, error: number, address: number): void {
  const th = k.current.thread;
  if (address >>> 0 >= TASK_SIZE) error |= PF_PROT;
  th.trap_nr = VEC_PF;
  th.error_code = error | PF_USER;
  th.cr2 = address >>> 0;
}

/**
 * bad_area: a user access outside every VMA (SEGV_MAPERR), or one the VMA forbids
 * (SEGV_ACCERR): SIGSEGV with si_addr = CR2 — a handler may fix the mapping and return,
 * and the instruction runs again. Unhandled, a line in the kernel log as Linux's
 * show_signal_msg prints it.
 */
function bad_area(k: Kernel, regs: PtRegs, error: number, address: number, code = SEGV_MAPERR): void {
  const t = k.current;
  if (unhandled_signal(t, SIG.SIGSEGV)) {
    k.log(`forkbox: ${t.comm}[${t.pid}]: segfault at ${(address >>> 0).toString(16)} ip ${hex(regs.get(PT_EIP))} sp ${hex(regs.get(PT_ESP))} error ${error & 0xf}`);
  }
  set_signal_archinfo(k, error, address);
  force_sig_fault(k, SIG.SIGSEGV, code, address); // counts k.stats.segvs
}

/** do_sigbus: an access to a mapped file's page beyond its end: SIGBUS (BUS_ADRERR). */
function do_sigbus(k: Kernel, error: number, address: number): void {
  set_signal_archinfo(k, error, address);
  force_sig_fault(k, SIG.SIGBUS, BUS_ADRERR, address);
}

/** pagefault_out_of_memory: no frame for a user fault. The OOM killer (oom_kill.ts)
 *  chooses a victim; unless it is the faulting task, the fault is retried. */
function pagefault_out_of_memory(k: Kernel): void {
  out_of_memory(k);
}

/**
 * find_extend_vma: the VMA that covers `addr`, growing a VM_GROWSDOWN stack down to it
 * if it lies just below one (within RLIMIT_STACK); null when no VMA can cover it.
 */
export function find_extend_vma(k: Kernel, mm: MmStruct, addr: number): Vma | null {
  const vma = mm.findVma(addr);
  if (vma === null) return null;
  if (vma.start <= addr) return vma;
  if ((vma.flags & VM_GROWSDOWN) === 0 || !expand_stack(k, mm, vma, addr)) return null;
  return vma;
}

/**
 * expand_stack: move the start of a grows-down VMA down to the page of `address`. Refused
 * when the stack would exceed RLIMIT_STACK, reach below mmap_min_addr, or run into the
 * VMA below it. The caller has checked that vma is the first VMA above `address`.
 */
export function expand_stack(k: Kernel, mm: MmStruct, vma: Vma, address: number): boolean {
  const start = (address & ~PAGE_MASK) >>> 0;
  if (vma.file !== null || start < MMAP_MIN_ADDR) return false;
  if (vma.end - start > rlimit(k, RLIMIT_STACK)) return false; // resource.ts
  const idx = mm.findVmaIndex(address);
  const prev = idx > 0 ? mm.vmas[idx - 1] : null;
  if (prev !== null && prev.end > start) return false;
  vma.start = start;
  return true;
}

/**
 * fixup_user_fault: a kernel access to user memory (uaccess.ts) faulted at `address`.
 * Resolve it as a user fault would be (find_vma, stack growth, access check,
 * handle_mm_fault) and return true, or return false: the access fails with -EFAULT (the
 * exception-table fixup). Out of memory also fails the access (the syscall returns
 * -EFAULT); the task is not killed from inside a syscall.
 */
export function fixup_user_fault(k: Kernel, address: number, write: boolean): boolean {
  if (k.tracers.length === 0 || !k.current) return __fixup_user_fault(k, address, write);
  const eip = k.ptRegsOf(k.current).get(PT_EIP);
  return trace_page_fault(k, eip, write ? PF_WRITE : 0, address >>> 0, false, () => __fixup_user_fault(k, address, write));
}

function __fixup_user_fault(k: Kernel, address: number, write: boolean): boolean {
  address >>>= 0;
  k.stats.pageFaults++;
  k.charge(CYC_FAULT);
  const mm = k.current?.mm ?? null;
  if (mm === null || address >= TASK_SIZE) return false;
  const vma = find_extend_vma(k, mm, address);
  if (vma === null || access_error(vma, write, false)) return false;
  const r = handle_mm_fault(k, mm, vma, address, write);
  if (r & VM_FAULT_OOM) k.log(`forkbox: out of memory in pid ${k.current.pid}: kernel access to ${hex(address)} fails with EFAULT`);
  return r === 0;
}

// ---------------------------------------------------------------------------------
// handle_mm_fault and the three ways a page arrives (mm/memory.c).

/**
 * handle_mm_fault: make `address` accessible in mm for a read or a write. The caller has
 * checked the access against vma (access_error). Returns 0, VM_FAULT_OOM (no frame for
 * the page or its page table; nothing is left half done) or VM_FAULT_SIGSEGV.
 */
export function handle_mm_fault(k: Kernel, mm: MmStruct, vma: Vma, address: number, write: boolean): number {
  k.charge(CYC_PTE_WALK);
  const ptep = pte_alloc(k, mm, address);
  if (ptep < 0) return VM_FAULT_OOM;
  const pte = k.mmu.i32[ptep >>> 2];
  if ((pte & PTE_P) === 0) {
    if (pte & PTE_PROTNONE) return VM_FAULT_SIGSEGV;
    return vma.file !== null ? do_no_page(k, mm, vma, address, ptep, write) : do_anonymous_page(k, mm, vma, address, ptep, write);
  }
  if (write && (pte & PTE_W) === 0) {
    if ((vma.flags & VM_WRITE) === 0) return VM_FAULT_SIGSEGV;
    return do_wp_page(k, mm, vma, address, ptep, pte);
  }
  // Already resolved (the PTE allows the access): nothing to do.
  return 0;
}

/**
 * do_anonymous_page: demand zero. A fresh frame, cleared, mapped writable if the VMA is.
 * The PTE was not present, so the TLB holds nothing to flush.
 */
export function do_anonymous_page(k: Kernel, mm: MmStruct, vma: Vma, address: number, ptep: number, write: boolean): number {
  if (faultPhases.pending) faultKind(KIND_DEMAND_ZERO); // host-time counters (fault-phases.ts)
  const f = k.pages.alloc(PG_USER);
  if (f < 0) return VM_FAULT_OOM;
  k.mmu.fillPhys(PageAllocator.phys(f), PAGE_SIZE, 0); // clear_page
  k.charge(CYC_PAGE_ALLOC + CYC_PAGE_CLEAR);
  let pte = mk_pte(f, (vma.flags & VM_WRITE) !== 0);
  if (write) pte |= PTE_A | PTE_D;
  k.mmu.i32[ptep >>> 2] = pte;
  void address;
  mm.rss++;
  k.stats.demandZero++;
  return 0;
}

/**
 * do_no_page (2.6's name; later __do_fault): first touch of a file-backed page. forkbox
 * has no page cache, so every process gets a private copy of the file's bytes at once
 * (a write later needs no COW of a cache page); beyond the file's size the page is zero
 * (the bss tail of a data segment).
 */
export function do_no_page(k: Kernel, mm: MmStruct, vma: Vma, address: number, ptep: number, write: boolean): number {
  const file = vma.file as VmaFile;
  if (file.vm_file) return filemap_fault(k, mm, vma, address, ptep, write); // mmap of an open file
  const f = k.pages.alloc(PG_USER);
  if (f < 0) return VM_FAULT_OOM;
  const phys = PageAllocator.phys(f);
  const pageStart = (address & ~PAGE_MASK) >>> 0;
  const inVma = pageStart - vma.start;
  const from = file.offset + inVma;
  const avail = Math.max(0, Math.min(PAGE_SIZE, file.size - inVma, file.data.length - from));
  if (avail > 0) k.mmu.writePhysBytes(phys, file.data.subarray(from, from + avail));
  if (avail < PAGE_SIZE) k.mmu.fillPhys(phys + avail, PAGE_SIZE - avail, 0);
  k.charge(CYC_PAGE_ALLOC + CYC_PAGE_COPY);
  let pte = mk_pte(f, (vma.flags & VM_WRITE) !== 0);
  if (write) pte |= PTE_A | PTE_D;
  k.mmu.i32[ptep >>> 2] = pte;
  mm.rss++;
  k.stats.demandFile++;
  return 0;
}

/**
 * do_wp_page: a write to a present, write-protected page of a writable VMA — the
 * copy-on-write fault of the seeds. If the frame has a single user (the other sharer
 * already copied it, or exited) the PTE is simply made writable (reuse); otherwise the
 * page is copied to a new frame (copy_page) which replaces it in this PTE, and this
 * mm's reference to the old frame is put. Allocation-free apart from the frame itself.
 */
export function do_wp_page(k: Kernel, mm: MmStruct, vma: Vma, address: number, ptep: number, pte: number): number {
  const old = pte_pfn(pte);
  if (vma.flags & VM_SHARED) {
    // A shared mapping made writable again by mprotect: everyone sees the same frame.
    set_pte_at(k, mm, address, ptep, pte | PTE_W | PTE_A | PTE_D);
    return 0;
  }
  if (k.pages.count[old] === 1) {
    if (faultPhases.pending) faultKind(KIND_COW_REUSE);
    set_pte_at(k, mm, address, ptep, pte | PTE_W | PTE_A | PTE_D);
    k.stats.cowReuses++;
    return 0;
  }
  // Host-time counters (src/perf/fault-phases.ts): one branch each when off.
  const timed = faultPhases.pending;
  if (timed) faultMark(PH_WALK);
  const f = k.pages.alloc(PG_USER);
  if (f < 0) return VM_FAULT_OOM;
  if (timed) { faultKind(KIND_COW_COPY); faultMark(PH_ALLOC); }
  k.mmu.copyPhys(PageAllocator.phys(f), PageAllocator.phys(old), PAGE_SIZE); // copy_page
  // Twice: the first clock read returns before the copy's stores have drained, the second
  // waits for them (~300 ns that would otherwise land in the next phase).
  if (timed) { faultMark(PH_COPY); faultMark(PH_COPY); }
  k.charge(CYC_PAGE_ALLOC + CYC_PAGE_COPY);
  set_pte_at(k, mm, address, ptep, mk_pte(f, true) | PTE_A | PTE_D);
  if (timed) faultMark(PH_FLUSH);
  k.pages.put(old);
  k.stats.cowCopies++;
  return 0;
}

// ---------------------------------------------------------------------------------
// Address spaces and VMAs (mm/mmap.c).

/** mm_alloc: a new, empty address space (pgd with the kernel half), or null on ENOMEM. */
export function mm_alloc(k: Kernel): MmStruct | null {
  const pgd = pgd_alloc(k);
  if (pgd < 0) return null;
  const mm = new MmStruct();
  mm.pgd = pgd;
  return mm;
}

/** find_vma: the VMA containing addr, or the first one above it; null if none. */
export function find_vma(mm: MmStruct, addr: number): Vma | null {
  return mm.findVma(addr >>> 0);
}

/** find_vma_intersection: a VMA overlapping [start, end), or null. */
export function find_vma_intersection(mm: MmStruct, start: number, end: number): Vma | null {
  const v = mm.findVma(start >>> 0);
  return v !== null && v.start < end >>> 0 ? v : null;
}

/**
 * map_vma: add the VMA [start, end) to mm — no pages: they come on faults. start and end
 * must be page-aligned, start < end <= TASK_SIZE, the range free. Returns the VMA, or
 * null if the range is invalid or taken or mm holds MAX_MAP_COUNT VMAs already.
 * (Adjacent VMAs are not merged.)
 */
export function map_vma(k: Kernel, mm: MmStruct, start: number, end: number, flags: number, name: string, file: VmaFile | null): Vma | null {
  void k;
  start >>>= 0;
  end >>>= 0;
  if ((start | end) & PAGE_MASK || start >= end || end > TASK_SIZE) return null;
  if (mm.vmas.length >= MAX_MAP_COUNT) return null;
  const idx = mm.findVmaIndex(start);
  if (idx < mm.vmas.length && mm.vmas[idx].start < end) return null;
  const v = new Vma(start, end, flags, name, file);
  mm.vmas.splice(idx, 0, v);
  return v;
}

/** split_vma: cut vmas[idx] at `addr` (strictly inside it); the upper part becomes a new
 *  VMA right after it, with the file offset moved along. The caller checked map count. */
export function split_vma(mm: MmStruct, idx: number, addr: number): void {
  const v = mm.vmas[idx];
  const tail = v.clone();
  tail.start = addr;
  if (tail.file !== null) {
    const delta = addr - v.start;
    tail.file.offset += delta;
    tail.file.size = Math.max(0, tail.file.size - delta);
  }
  v.end = addr;
  mm.vmas.splice(idx + 1, 0, tail);
}

/**
 * zap_page_range: unmap every page of mm in [start, end): clear the PTE, put the frame.
 * Page tables stay (free_pgd_range / free_pgtables release them). Flushes the TLB
 * entries when mm is current: invlpg for a few pages, a full flush for many.
 * Returns the number of pages unmapped.
 */
export function zap_page_range(k: Kernel, mm: MmStruct, start: number, end: number): number {
  const i32 = k.mmu.i32;
  const cur = mm_is_current(k, mm);
  const pgdw = mm.pgd >>> 2;
  let n = 0;
  let addr = start >>> 0;
  end >>>= 0;
  while (addr < end) {
    const next = Math.min((Math.floor(addr / PGDIR_SIZE) + 1) * PGDIR_SIZE, end);
    const pde = i32[pgdw + (addr >>> 22)];
    if ((pde & PTE_P) === 0) {
      addr = next;
      continue;
    }
    // The entries of this table in [addr, next), walked by index on the i32 view of RAM.
    const tw = (pde & PTE_FRAME) >>> 2;
    const e0 = pte_index(addr);
    const e1 = e0 + Math.ceil((next - addr) / PAGE_SIZE);
    for (let e = e0; e < e1; e++) {
      const pte = i32[tw + e];
      if (!pte_present(pte)) continue;
      i32[tw + e] = 0;
      k.pages.put(pte_pfn(pte));
      n++;
      if (cur && n <= 8) k.mmu.invlpg(addr + (e - e0) * PAGE_SIZE);
    }
    addr += (e1 - e0) * PAGE_SIZE;
  }
  // rss and CYC_PTE_ZAP per PTE zapped, once for the range (same totals).
  mm.rss -= n;
  k.charge(CYC_PTE_ZAP * n);
  if (cur && n > 8) k.mmu.flushTlb(true);
  return n;
}

/**
 * free_pgd_range: after an unmap of [start, end), free the page tables of that range
 * that no VMA uses any more (every PTE in them is then clear).
 */
export function free_pgd_range(k: Kernel, mm: MmStruct, start: number, end: number): void {
  const i32 = k.mmu.i32;
  const pgdw = mm.pgd >>> 2;
  for (let n = start >>> 22; n <= (end - 1) >>> 22 && n < TASK_SIZE / PGDIR_SIZE; n++) {
    const pde = i32[pgdw + n];
    if ((pde & PTE_P) === 0) continue;
    const lo = n * PGDIR_SIZE;
    if (find_vma_intersection(mm, lo, lo + PGDIR_SIZE) !== null) continue;
    const tw = (pde & PTE_FRAME) >>> 2;
    let empty = true;
    for (let e = 0; e < PTRS_PER_PTE && empty; e++) if (i32[tw + e] !== 0) empty = false;
    if (!empty) continue; // a stray PTE: keep the table; exit's free_pgtables reports it
    i32[pgdw + n] = 0;
    k.pages.put(pte_pfn(pde));
    k.charge(CYC_PAGE_ALLOC);
  }
}

/**
 * do_munmap (unmap_region): remove [start, start + len) from mm — splitting VMAs that
 * straddle its ends, unmapping their pages, freeing page tables left unused. start and
 * len are page-aligned. 0, or -ENOMEM when a split would exceed MAX_MAP_COUNT.
 */
export function do_munmap(k: Kernel, mm: MmStruct, start: number, len: number): number {
  start >>>= 0;
  const end = start + len;
  const vmas = mm.vmas;
  let idx = mm.findVmaIndex(start);
  if (idx >= vmas.length || vmas[idx].start >= end) return 0;
  const first = vmas[idx];
  if (first.start < start && first.end > end && vmas.length >= MAX_MAP_COUNT) return -E.ENOMEM;
  if (first.start < start) {
    split_vma(mm, idx, start);
    idx++;
  }
  let last = idx;
  while (last < vmas.length && vmas[last].start < end) last++;
  if (vmas[last - 1].end > end) split_vma(mm, last - 1, end);
  for (let n = idx; n < last; n++) {
    filemap_unmap_vma(k, mm, vmas[n], vmas[n].start, vmas[n].end); // keep what was written
    zap_page_range(k, mm, vmas[n].start, vmas[n].end);
  }
  for (const v of vmas.splice(idx, last - idx)) vma_close(k, v);
  free_pgd_range(k, mm, start, end);
  return 0;
}

/** unmap_region: alias of do_munmap for callers that think in regions (brk shrink). */
export const unmap_region = do_munmap;

// ---------------------------------------------------------------------------------
// fork's copy of an address space (kernel/fork.c, mm/memory.c).

/**
 * copy_page_range: copy the PTEs of one VMA from src to dst (whose VMA list already holds
 * the copy of vma). Private pages: with COW, write-protect the parent's PTE (if writable)
 * and map the same frame read-only in the child, get_page; with forkMode 'copy', copy the
 * page into a new frame for the child. Shared pages (VM_SHARED): map the same frame with
 * the same rights. Charges CYC_PTE_COPY per PTE. Returns how many parent PTEs were
 * write-protected, or -1 when out of memory — the child's PTEs set so far stay, each with
 * its reference taken, so that exit_mmap of the child undoes exactly them.
 */
export function copy_page_range(k: Kernel, dst: MmStruct, src: MmStruct, vma: Vma, cow: boolean): number {
  const i32 = k.mmu.i32;
  const count = k.pages.count; // page_dup_rmap: one more mapping of the frame
  const shared = (vma.flags & VM_SHARED) !== 0;
  const spgdw = src.pgd >>> 2;
  let wp = 0;
  // PTEs copied, charged and added to dst.rss once at the end (or before an ENOMEM
  // return): the same totals as per PTE, without two counter updates per entry.
  let copied = 0;
  let addr = vma.start;
  while (addr < vma.end) {
    const next = Math.min((Math.floor(addr / PGDIR_SIZE) + 1) * PGDIR_SIZE, vma.end);
    const spde = i32[spgdw + (addr >>> 22)];
    if ((spde & PTE_P) === 0) {
      addr = next;
      continue;
    }
    // The entries of this table in [addr, next), walked by index on the i32 view of RAM.
    const stw = (spde & PTE_FRAME) >>> 2;
    const e0 = pte_index(addr);
    const e1 = e0 + Math.ceil((next - addr) / PAGE_SIZE);
    const base = addr - e0 * PAGE_SIZE; // the address of entry 0 (when addr is page-aligned)
    let dtw = -1;
    for (let e = e0; e < e1; e++) {
      let pte = i32[stw + e];
      if (!pte_present(pte)) continue;
      if (dtw < 0) {
        const dptep = pte_alloc(k, dst, base + e * PAGE_SIZE);
        if (dptep < 0) return copy_page_range_end(k, dst, copied, -1);
        dtw = (dptep >>> 2) - e;
      }
      const frame = pte_pfn(pte);
      let child: number;
      if (shared) {
        count[frame]++;
        child = pte;
      } else if (cow) {
        if (pte & PTE_W) {
          pte &= ~PTE_W; // ptep_set_wrprotect: the parent loses write access too
          i32[stw + e] = pte;
          wp++;
        }
        count[frame]++;
        child = pte & ~PTE_A; // pte_mkold
      } else {
        const f = k.pages.alloc(PG_USER);
        if (f < 0) return copy_page_range_end(k, dst, copied, -1);
        k.mmu.copyPhys(PageAllocator.phys(f), PageAllocator.phys(frame), PAGE_SIZE);
        k.charge(CYC_PAGE_ALLOC + CYC_PAGE_COPY);
        child = (PageAllocator.phys(f) | (pte & ~PTE_FRAME & ~PTE_A)) | 0;
      }
      i32[dtw + e] = child;
      copied++;
    }
    addr += (e1 - e0) * PAGE_SIZE;
  }
  return copy_page_range_end(k, dst, copied, wp);
}

/** The batched accounting of copy_page_range: rss and CYC_PTE_COPY per PTE copied. */
function copy_page_range_end(k: Kernel, dst: MmStruct, copied: number, ret: number): number {
  dst.rss += copied;
  k.charge(CYC_PTE_COPY * copied);
  return ret;
}

/**
 * dup_mmap: the child's copy of oldmm for fork (copy_mm without CLONE_VM): a new pgd, a
 * copy of every VMA, copy_page_range for each. The parent's TLB is flushed when its PTEs
 * were write-protected (flush_tlb_mm). On ENOMEM everything done for the child is undone
 * (its frames put, page tables and pgd freed) and null is returned; the parent keeps its
 * write-protected PTEs, which is harmless — its next write finds the frame's count back
 * at 1 and reuses it.
 */
export function dup_mmap(k: Kernel, oldmm: MmStruct): MmStruct | null {
  const mm = mm_alloc(k);
  if (mm === null) return null;
  mm.start_code = oldmm.start_code;
  mm.end_code = oldmm.end_code;
  mm.start_data = oldmm.start_data;
  mm.end_data = oldmm.end_data;
  mm.start_brk = oldmm.start_brk;
  mm.brk = oldmm.brk;
  mm.start_stack = oldmm.start_stack;
  mm.arg_start = oldmm.arg_start;
  mm.arg_end = oldmm.arg_end;
  mm.env_start = oldmm.env_start;
  mm.env_end = oldmm.env_end;
  mm.mmap_base = oldmm.mmap_base;
  const cow = k.options.forkMode !== 'copy';
  let wp = 0;
  let failed = false;
  for (const v of oldmm.vmas) {
    const nv = v.clone();
    mm.vmas.push(nv);
    const r = copy_page_range(k, mm, oldmm, nv, cow);
    if (r < 0) {
      failed = true;
      break;
    }
    wp += r;
  }
  if ((wp > 0 || failed) && mm_is_current(k, oldmm)) k.mmu.flushTlb(true);
  if (failed) {
    exit_mmap(k, mm);
    return null;
  }
  return mm;
}

// ---------------------------------------------------------------------------------
// Tearing an address space down (kernel/fork.c mmput, mm/mmap.c exit_mmap).

/**
 * exit_mmap: unmap every VMA (put every frame mapped), free the page tables and the pgd.
 * If mm is the CPU's current address space (the exiting task's own), CR3 moves to
 * swapper_pg_dir first — the pgd is about to be freed and could be reused while still
 * loaded; the next context switch loads the next task's pgd as usual.
 */
export function exit_mmap(k: Kernel, mm: MmStruct): void {
  if (mm.pgd <= 0) return;
  if (mm_is_current(k, mm)) {
    k.mmu.setCr3(SWAPPER_PGD_PHYS);
    k.charge(CYC_CR3);
  }
  for (const v of mm.vmas) {
    filemap_unmap_vma(k, mm, v, v.start, v.end);
    zap_page_range(k, mm, v.start, v.end);
  }
  for (const v of mm.vmas.splice(0)) vma_close(k, v);
  free_pgtables(k, mm);
  pgd_free(k, mm.pgd);
  mm.pgd = 0;
}

/**
 * mmput: a task stops using mm (exit, exec, or the unwinding of a failed fork). The last
 * user tears the address space down (exit_mmap).
 */
export function mmput(k: Kernel, mm: MmStruct): void {
  if (mm.users <= 0) {
    k.panic(`mmput: address space with ${mm.users} users`);
    return;
  }
  if (--mm.users > 0) return;
  exit_mmap(k, mm);
}

// ---------------------------------------------------------------------------------
// Access to another address space's pages (mm/gup.c get_user_pages, mm/memory.c
// access_remote_vm): exec writes argv and envp onto the new stack before switching to
// it; a debugger reads a stopped task's memory. Faults are resolved as a user access
// would be (stack growth, demand paging, COW breaking for writes).

/**
 * get_user_page: the physical address of byte `addr` of mm, made accessible for a read or
 * a write (a write breaks COW first). Returns -EFAULT when no VMA allows the access,
 * -ENOMEM when out of memory.
 */
export function get_user_page(k: Kernel, mm: MmStruct, addr: number, write: boolean): number {
  addr >>>= 0;
  if (addr >= TASK_SIZE) return -E.EFAULT;
  for (let attempt = 0; attempt < 2; attempt++) {
    const ptep = pte_offset(k, mm.pgd, addr);
    if (ptep >= 0) {
      const pte = k.mmu.i32[ptep >>> 2];
      if (pte & PTE_P && (!write || pte & PTE_W)) return ((pte & PTE_FRAME) | (addr & PAGE_MASK)) >>> 0;
    }
    const vma = find_extend_vma(k, mm, addr);
    if (vma === null || access_error(vma, write, false)) return -E.EFAULT;
    const r = handle_mm_fault(k, mm, vma, addr, write);
    if (r & VM_FAULT_OOM) return -E.ENOMEM;
    if (r !== 0) return -E.EFAULT;
  }
  return -E.EFAULT;
}

/** Write `bytes` at `addr` of mm (not necessarily the current one): 0 or -errno. */
export function copy_to_mm(k: Kernel, mm: MmStruct, addr: number, bytes: Uint8Array): number {
  let done = 0;
  while (done < bytes.length) {
    const a = (addr + done) >>> 0;
    const p = get_user_page(k, mm, a, true);
    if (p < 0) return p;
    const n = Math.min(bytes.length - done, PAGE_SIZE - (a & PAGE_MASK));
    k.mmu.writePhysBytes(p, bytes.subarray(done, done + n));
    done += n;
  }
  return 0;
}

/** Read `len` bytes at `addr` of mm: the bytes, or -errno. */
export function copy_from_mm(k: Kernel, mm: MmStruct, addr: number, len: number): Uint8Array | number {
  const out = new Uint8Array(len);
  let done = 0;
  while (done < len) {
    const a = (addr + done) >>> 0;
    const p = get_user_page(k, mm, a, false);
    if (p < 0) return p;
    const n = Math.min(len - done, PAGE_SIZE - (a & PAGE_MASK));
    out.set(k.mmu.u8.subarray(p, p + n), done);
    done += n;
  }
  return out;
}

