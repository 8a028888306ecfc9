// The cycle cost model of the kernel's TypeScript work (DESIGN.md: "guest time includes
// the kernel"). The entry stubs, restore_all and iret run on the emulated CPU and are
// counted by it instruction by instruction; what the TypeScript kernel does between the
// `out` to the kernel-call port and the return is charged here, so that "cycles per COW
// fault" or "cycles per fork" mean something and are the same on every run.
//
// The figures are estimates of what Linux's C code costs on an i486-class CPU at one
// instruction per 1-2 cycles (the copy and clear loops at 4 bytes per cycle, as
// `rep movsd` / `rep stosd` on the i486 roughly manage); they are documented so that a
// reader can scale them.

/** Dispatch of a kernel call: reading pt_regs, the syscall table lookup. */
export const CYC_KCALL = 40;
/** A syscall's own bookkeeping beyond dispatch (the cheap ones: getpid …). */
export const CYC_SYSCALL = 20;
/** The page-fault handler up to handle_mm_fault: find_vma, checks. */
export const CYC_FAULT = 60;
/** A page-table walk in the kernel (pte lookup). */
export const CYC_PTE_WALK = 10;
/** Copying one PTE at fork (copy_pte_range), including the refcount. */
export const CYC_PTE_COPY = 6;
/** Copying a 4 KiB page (copy_page) at 4 bytes per cycle. */
export const CYC_PAGE_COPY = 1024;
/** Zeroing a 4 KiB page (clear_page). */
export const CYC_PAGE_CLEAR = 1024;
/** Clearing one PTE at munmap/exit (zap_pte_range), including the put_page. */
export const CYC_PTE_ZAP = 4;
/** Allocating or freeing a frame. */
export const CYC_PAGE_ALLOC = 30;
/** A context switch: switch_to, TSS.esp0, TLS; the CR3 load is separate. */
export const CYC_SWITCH = 150;
/** Loading CR3 (and the TLB refill it causes, roughly). */
export const CYC_CR3 = 200;
/** Creating a task in copy_process (task_struct, pid, kernel stack), before copy_mm. */
export const CYC_COPY_PROCESS = 800;
/** Tearing down a task in do_exit, before exit_mm. */
export const CYC_EXIT = 400;
/** Per byte copied between user and kernel (copy_to_user/copy_from_user). */
export const CYC_PER_USER_BYTE = 0.25;
/** execve before the address space work: finding the file, checking the ELF headers,
 *  building the new mm_struct and the initial stack's tables (load_elf_binary). */
export const CYC_EXEC = 1500;
/** A futex operation: the key (hash of mm and address, or the frame), the bucket walk. */
export const CYC_FUTEX = 100;
// ---- files (src/guest/fs/) ----
/** Walking one path component (dcache lookup, symlink check). */
export const CYC_LOOKUP_COMPONENT = 50;
/** Allocating or releasing a struct file, a descriptor table slot, an inode. */
export const CYC_FILE_ALLOC = 100;
/** A read or write's own work beyond the byte copies (fdget, rw_verify_area, f_op). */
export const CYC_RW = 60;
// ---- signals (signal.ts, sigframe.ts) ----
/** Sending a signal: prepare_signal, the queue, choosing and waking a thread. */
export const CYC_SIGNAL = 80;
/** Setting up a signal frame or taking one down (sigreturn), beyond the byte copies. */
export const CYC_SIGFRAME = 200;
// ---- the FPU (fpu.ts) ----
/** Saving or restoring a task's x87 state (FNSAVE / FRSTOR of 108 bytes: ~50-100 cycles
 *  each on an i486/Pentium), charged only for tasks whose FPU state is not FNINIT's. */
export const CYC_FPU_SAVE = 80;
