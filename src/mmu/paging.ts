// Page-table entry formats of 32-bit paging (SDM vol. 3A §4.3, figures 4-4 and table 4-5/4-6).
//
// Page-directory entry referencing a page table, and page-table entry mapping a 4 KiB page:
//
//  31                                  12 11  9  8   7   6   5   4   3   2   1   0
// +--------------------------------------+-----+---+---+---+---+---+---+---+---+---+
// |  page frame address (bits 31..12)    | AVL | G |PS | D | A |PCD|PWT| U | W | P |
// +--------------------------------------+-----+---+---+---+---+---+---+---+---+---+
//   PS is in PDEs only (1 = 4 MiB page when CR4.PSE=1); G (global) in PTEs and 4 MiB PDEs.
//   D is meaningful in PTEs and 4 MiB PDEs. AVL (bits 9..11) is ignored by the MMU and free
//   for the operating system: forkbox's kernel keeps its software bits there (see
//   src/guest), the MMU never reads or writes them.

export const PTE_P = 1 << 0; // present
export const PTE_W = 1 << 1; // writable
export const PTE_U = 1 << 2; // user-accessible
export const PTE_PWT = 1 << 3;
export const PTE_PCD = 1 << 4;
export const PTE_A = 1 << 5; // accessed, set by the walk
export const PTE_D = 1 << 6; // dirty, set by the walk on a write
export const PTE_PS = 1 << 7; // 4 MiB page (PDE only, needs CR4.PSE)
export const PTE_G = 1 << 8; // global (kept across CR3 loads when CR4.PGE=1)
export const PTE_AVL_SHIFT = 9; // software bits 9..11
export const PTE_AVL = 7 << PTE_AVL_SHIFT;
export const PTE_FRAME = 0xfffff000 | 0; // frame address mask, as an int32

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

/*
 * Page-fault error code pushed with #PF (SDM vol. 3A §4.7, figure 4-12):
 *
 *  31            4    3     2     1     0
 * +-------------+----+-----+-----+-----+-----+
 * |  reserved   |I/D |RSVD | U/S | W/R |  P  |
 * +-------------+----+-----+-----+-----+-----+
 *   P=0: the page was not present; P=1: a protection violation.
 *   W/R: the access was a write.  U/S: the access was made at CPL 3.
 *   RSVD: a reserved bit was set in a paging-structure entry.
 *   I/D (instruction fetch) exists only with NX, which the i386 does not have.
 */
export const PF_PROT = 1 << 0;
export const PF_WRITE = 1 << 1;
export const PF_USER = 1 << 2;
export const PF_RSVD = 1 << 3;
