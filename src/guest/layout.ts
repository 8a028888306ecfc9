// The kernel's memory layout and GDT, as seen from TypeScript. layout.inc holds the same
// numbers for entry.asm (tests/kernel-layout.test.ts checks they agree).
//
// Physical memory:
//   0x00000000  null page (never mapped)
//   0x00001000  kernel text: entry.asm (boot, entry stubs, restore_all, idle loop)
//   0x00004000  GDT (32 entries)        0x00004400  IDT (256 gates)
//   0x00004C00  TSS                     0x00005000  swapper_pg_dir
//   0x00006000  idle task's kernel stack (8 KiB, also the boot stack)
//   0x00008000  ... free frames, managed by page_alloc.ts (page tables, kernel stacks,
//               user pages)
//
// Virtual memory (every address space):
//   0x00000000 - 0xBFFFFFFF  user space (TASK_SIZE)
//   0xC0000000 - 0xFFFFFFFF  the kernel: all of RAM mapped linearly (PAGE_OFFSET), with
//                            4 MiB global pages, supervisor-only
//
// GDT, as Linux i386 lays it out (arch/x86/include/asm/segment.h):
//   6-8 TLS (set_thread_area)   12 kernel code 0x60   13 kernel data 0x68
//   14 user code 0x73           15 user data 0x7b      16 TSS 0x80

export const PAGE_OFFSET = 0xc0000000;
export const TASK_SIZE = 0xc0000000;
export const KTEXT_PHYS = 0x1000;
export const GDT_PHYS = 0x4000;
export const GDT_ENTRIES = 32;
export const IDT_PHYS = 0x4400;
export const TSS_PHYS = 0x4c00;
export const TSS_SIZE = 0x68;
export const SWAPPER_PGD_PHYS = 0x5000;
export const IDLE_STACK_PHYS = 0x6000;
export const IDLE_STACK_TOP = 0x8000;
export const FIRST_FREE_PHYS = 0x8000;

export const GDT_ENTRY_TLS_MIN = 6;
export const GDT_ENTRY_TLS_ENTRIES = 3;
export const KERNEL_CS = 0x60;
export const KERNEL_DS = 0x68;
export const USER_CS = 0x73;
export const USER_DS = 0x7b;
export const TSS_SEL = 0x80;

/** The kernel-call doorbell: entry stubs write the vector number here (kernel.ts). */
export const KCALL_PORT = 0xb2;
export const KCALL_BOOT = 0xff;

/** Kernel stacks are one page: the kernel's work is done in TypeScript, the stack only
 *  holds pt_regs and nested interrupt frames. */
export const THREAD_SIZE = 4096;

/** Kernel virtual address of a physical address, and back. */
export function __va(phys: number): number {
  return (phys + PAGE_OFFSET) >>> 0;
}
export function __pa(virt: number): number {
  return (virt - PAGE_OFFSET) >>> 0;
}
