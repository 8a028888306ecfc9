// Physical frames: the kernel's page allocator and the reference counts of Linux's
// struct page (mm/page_alloc.c, include/linux/mm.h: get_page/put_page).
//
// Every frame above FIRST_FREE_PHYS starts free. A frame's count is the number of users:
// page-table entries mapping it (fork shares them, do_wp_page copies or reuses on
// count == 1), plus the kernel's own holds (a page table, a kernel stack). put_page()
// frees it at zero. The free list is a LIFO stack, so the same run allocates the same
// frames in the same order: part of forkbox's determinism.

import { PAGE_SHIFT, PAGE_SIZE } from '../mmu/paging.js';
import type { Mmu } from '../mmu/mmu.js';
import { FIRST_FREE_PHYS } from './layout.js';

/** What a frame is used for (struct page flags, simplified), for `frames` and invariants. */
export const PG_FREE = 0;
export const PG_RESERVED = 1; // kernel image, GDT/IDT/TSS, swapper_pg_dir, idle stack
export const PG_PGTABLE = 2; // a page directory or page table
export const PG_KSTACK = 3; // a task's kernel stack
export const PG_USER = 4; // mapped into user space (anonymous or file data)
export const PG_KERNEL = 5; // other kernel data (pipe buffers …)

export interface PageStats {
  total: number;
  free: number;
  used: number;
  peakUsed: number;
  allocs: number;
  frees: number;
}

export class PageAllocator {
  readonly mmu: Mmu;
  readonly frames: number;
  /** struct page._refcount, one per frame. */
  readonly count: Int32Array;
  /** What each frame holds (PG_*). */
  readonly kind: Uint8Array;
  private readonly freeList: Int32Array;
  private nfree = 0;
  private readonly firstFree: number;
  readonly stats: PageStats;

  constructor(mmu: Mmu) {
    this.mmu = mmu;
    this.frames = mmu.frames;
    this.count = new Int32Array(this.frames);
    this.kind = new Uint8Array(this.frames);
    this.freeList = new Int32Array(this.frames);
    this.firstFree = FIRST_FREE_PHYS >>> PAGE_SHIFT;
    for (let f = 0; f < this.firstFree; f++) {
      this.kind[f] = PG_RESERVED;
      this.count[f] = 1;
    }
    // Push in reverse so that frames come out in ascending order.
    for (let f = this.frames - 1; f >= this.firstFree; f--) this.freeList[this.nfree++] = f;
    this.stats = { total: this.frames - this.firstFree, free: this.nfree, used: 0, peakUsed: 0, allocs: 0, frees: 0 };
  }

  /** Allocate one frame with count 1, or return -1 when memory is exhausted. The caller
   *  initializes its contents (clear_page / copy_page) and charges the cycles for it. */
  alloc(kind: number): number {
    if (this.nfree === 0) return -1;
    const f = this.freeList[--this.nfree];
    this.count[f] = 1;
    this.kind[f] = kind;
    const s = this.stats;
    s.allocs++;
    s.free = this.nfree;
    s.used = s.total - this.nfree;
    if (s.used > s.peakUsed) s.peakUsed = s.used;
    return f;
  }

  /** get_page(): one more user of the frame. */
  get(frame: number): void {
    this.count[frame]++;
  }

  /** put_page(): one user fewer; frees the frame at zero. */
  put(frame: number): void {
    const c = --this.count[frame];
    if (c > 0) return;
    if (c < 0 || this.kind[frame] === PG_RESERVED) {
      throw new Error(`put_page: frame 0x${frame.toString(16)} count ${c} kind ${this.kind[frame]}`);
    }
    this.kind[frame] = PG_FREE;
    this.freeList[this.nfree++] = frame;
    this.stats.frees++;
    this.stats.free = this.nfree;
    this.stats.used = this.stats.total - this.nfree;
  }

  get freeFrames(): number {
    return this.nfree;
  }

  /** Physical address of a frame. */
  static phys(frame: number): number {
    return frame * PAGE_SIZE;
  }
}
