// CONTRACT STUB — replaced by the memory-management implementation.
import type { Kernel } from './kernel.js';
import type { PtRegs } from './ptregs.js';
import type { Syscall } from './syscalls.js';
import type { MmStruct, Vma, VmaFile } from './mm.js';

export const VM_FAULT_SIGSEGV = 1;
export const VM_FAULT_OOM = 2;

/** #PF from user or kernel mode (arch/x86/mm/fault.c). */
export function do_page_fault(k: Kernel, regs: PtRegs, error: number, address: number): void {
  void regs; void error; void address;
  k.panic('do_page_fault not implemented');
}
/** A kernel access to user memory faulted (uaccess.ts); true if handle_mm_fault fixed it. */
export function fixup_user_fault(k: Kernel, address: number, write: boolean): boolean {
  void k; void address; void write;
  return false;
}
/** A new, empty address space (pgd with the kernel half), or null on ENOMEM. */
export function mm_alloc(k: Kernel): MmStruct | null { void k; return null; }
/** Map a VMA [start, end) into mm (no pages yet: they come on faults). */
export function map_vma(k: Kernel, mm: MmStruct, start: number, end: number, flags: number, name: string, file: VmaFile | null): Vma | null {
  void k; void mm; void start; void end; void flags; void name; void file; return null;
}
/** fork's copy of an address space (copy_page_range per VMA), or null on ENOMEM. */
export function dup_mmap(k: Kernel, oldmm: MmStruct): MmStruct | null { void k; void oldmm; return null; }
/** mmput: drop a user of mm; the last one frees pages, page tables and the pgd. */
export function mmput(k: Kernel, mm: MmStruct): void { void k; void mm; }
export const MEMORY_SYSCALLS: Record<string, Syscall> = {};
