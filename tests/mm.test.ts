// Unit tests of the memory manager (src/guest/memory.ts, pgtable.ts, mmap.ts,
// invariants.ts): address spaces built by hand with map_vma and driven through
// handle_mm_fault, do_wp_page, dup_mmap, mmput and the memory syscalls, asserting PTEs,
// reference counts, frame counts, TLB flushes, no leaks, and ENOMEM unwinding with an
// exhausted allocator. End-to-end copy-on-write through real guest programs is in
// tests/cow.test.ts.

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Machine } from '../src/machine.js';
import { Kernel, type KernelOptions } from '../src/guest/kernel.js';
import { Task } from '../src/guest/task.js';
import { CR0_PE, CR0_PG, CR0_WP, CR4_PSE } from '../src/cpu/constants.js';
import { FAULT } from '../src/cpu/fault.js';
import { PTE_D, PTE_P, PTE_U, PTE_W } from '../src/mmu/paging.js';
import {
  VM_FAULT_OOM, check_invariants, copy_from_mm, copy_to_mm, do_munmap, do_page_fault, dup_mmap, exit_mmap,
  find_vma, fixup_user_fault, handle_mm_fault, map_vma, mm_alloc, mmput, pageWalk, MEMORY_SYSCALLS,
} from '../src/guest/memory.js';
import { VM_EXEC, VM_GROWSDOWN, VM_READ, VM_SHARED, VM_WRITE, type MmStruct } from '../src/guest/mm.js';
import { PG_KERNEL, PG_USER, PageAllocator } from '../src/guest/page_alloc.js';
import { PTE_PROTNONE, pte_offset } from '../src/guest/pgtable.js';
import { PtRegs, PT_CS, PT_ESP, PT_EIP } from '../src/guest/ptregs.js';
import { copy_from_user, copy_to_user } from '../src/guest/uaccess.js';
import { __va } from '../src/guest/layout.js';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_SHARED, PROT_NONE, PROT_READ, PROT_WRITE, SIG, E,
} from '../src/guest/abi.js';

// force_sig / force_sig_fault would queue a signal for the hand-made task: record it instead.
const signals: number[] = [];
vi.mock('../src/guest/traps.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../src/guest/traps.js')>();
  return {
    ...orig,
    force_sig: (k: Kernel, sig: number) => {
      if (sig === 11) k.stats.segvs++;
      signals.push(sig);
    },
    force_sig_fault: (k: Kernel, sig: number) => {
      if (sig === 11) k.stats.segvs++;
      signals.push(sig);
    },
  };
});

const RW = VM_READ | VM_WRITE;
const PAGE = 4096;

function makeKernel(opts: KernelOptions = {}, memSize = 2 << 20): Kernel {
  const k = new Kernel(new Machine({ memSize }), opts);
  const t = new Task(1, 'mmtest');
  k.current = t;
  k.tasks.set(1, t);
  return k;
}

/** An mm with the given VMAs; it becomes the current task's. */
function makeMm(k: Kernel, vmas: Array<[number, number, number, string?]>): MmStruct {
  const mm = mm_alloc(k)!;
  expect(mm).not.toBeNull();
  for (const [s, e, f, name] of vmas) expect(map_vma(k, mm, s, e, f, name ?? '', null)).not.toBeNull();
  k.current.mm = mm;
  return mm;
}

function pte(k: Kernel, mm: MmStruct, addr: number): number {
  const p = pte_offset(k, mm.pgd, addr);
  return p < 0 ? 0 : k.mmu.i32[p >>> 2];
}
function frameOf(k: Kernel, mm: MmStruct, addr: number): number {
  return (pte(k, mm, addr) & 0xfffff000) >>> 12;
}
function physOf(k: Kernel, mm: MmStruct, addr: number): number {
  return ((pte(k, mm, addr) & 0xfffff000) | (addr & 0xfff)) >>> 0;
}
function poke(k: Kernel, mm: MmStruct, addr: number, v: number): void {
  k.mmu.i32[physOf(k, mm, addr) >>> 2] = v;
}
function peek(k: Kernel, mm: MmStruct, addr: number): number {
  return k.mmu.i32[physOf(k, mm, addr) >>> 2];
}
function fault(k: Kernel, mm: MmStruct, addr: number, write: boolean): number {
  const vma = find_vma(mm, addr)!;
  return handle_mm_fault(k, mm, vma, addr, write);
}
/** Turn on paging with mm current, as the booted kernel runs (CR0.WP set). */
function enablePaging(k: Kernel, mm: MmStruct): void {
  k.mmu.cr4 = CR4_PSE;
  k.mmu.setCr0(CR0_PE | CR0_PG | CR0_WP);
  k.mmu.setCr3(mm.pgd);
}
/** A fake pt_regs (user mode) in a kernel frame, for do_page_fault. */
function userRegs(k: Kernel, esp: number): PtRegs {
  const f = k.pages.alloc(PG_KERNEL);
  const regs = new PtRegs(k.mmu, __va(PageAllocator.phys(f)));
  regs.set(PT_CS, 0x73);
  regs.set(PT_EIP, 0x08048000);
  regs.set(PT_ESP, esp);
  return regs;
}
function clean(k: Kernel, ...mms: MmStruct[]): void {
  expect(check_invariants(k, mms)).toEqual([]);
}

beforeEach(() => {
  signals.length = 0;
});

describe('VMAs', () => {
  it('map_vma keeps VMAs sorted and refuses overlaps and bad ranges; find_vma finds the covering or next one', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x3000, 0x5000, RW], [0x1000, 0x2000, VM_READ], [0x8000, 0x9000, RW]]);
    expect(mm.vmas.map((v) => v.start)).toEqual([0x1000, 0x3000, 0x8000]);
    expect(map_vma(k, mm, 0x4000, 0x6000, RW, '', null)).toBeNull(); // overlaps
    expect(map_vma(k, mm, 0x1800, 0x2800, RW, '', null)).toBeNull(); // unaligned
    expect(map_vma(k, mm, 0x6000, 0x6000, RW, '', null)).toBeNull(); // empty
    expect(map_vma(k, mm, 0xbffff000, 0xc0001000, RW, '', null)).toBeNull(); // into the kernel
    expect(map_vma(k, mm, 0x5000, 0x8000, RW, 'gap', null)?.name).toBe('gap'); // exactly fills the gap
    expect(find_vma(mm, 0x0)?.start).toBe(0x1000);
    expect(find_vma(mm, 0x4fff)?.start).toBe(0x3000);
    expect(find_vma(mm, 0x5000)?.name).toBe('gap');
    expect(find_vma(mm, 0x9000)).toBeNull();
    clean(k, mm);
  });
});

describe('demand paging', () => {
  it('do_anonymous_page: a zeroed user frame, writable iff the VMA is, counted once', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x10000, 0x20000, RW], [0x20000, 0x30000, VM_READ]]);
    const before = k.pages.freeFrames;
    expect(fault(k, mm, 0x10abc, false)).toBe(0);
    const p = pte(k, mm, 0x10000);
    expect(p & (PTE_P | PTE_U | PTE_W)).toBe(PTE_P | PTE_U | PTE_W);
    const f = frameOf(k, mm, 0x10000);
    expect(k.pages.count[f]).toBe(1);
    expect(k.pages.kind[f]).toBe(PG_USER);
    expect(k.mmu.u8.subarray(f * PAGE, f * PAGE + PAGE).every((b) => b === 0)).toBe(true);
    expect(before - k.pages.freeFrames).toBe(2); // the page table and the page
    expect(fault(k, mm, 0x20000, false)).toBe(0);
    expect(pte(k, mm, 0x20000) & PTE_W).toBe(0);
    expect(k.stats.demandZero).toBe(2);
    expect(mm.rss).toBe(2);
    clean(k, mm);
  });

  it('a stale frame is cleared: frames are reused LIFO and must not leak old data', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x10000, 0x11000, RW]]);
    fault(k, mm, 0x10000, true);
    poke(k, mm, 0x10000, 0x12345678);
    expect(do_munmap(k, mm, 0x10000, PAGE)).toBe(0);
    map_vma(k, mm, 0x10000, 0x11000, RW, '', null);
    fault(k, mm, 0x10000, false);
    expect(peek(k, mm, 0x10000)).toBe(0);
    clean(k, mm);
  });

  it('do_no_page: file bytes at the VMA offset, zero beyond the file size', () => {
    const k = makeKernel();
    const mm = mm_alloc(k)!;
    const data = new Uint8Array(3 * PAGE).map((_, n) => (n * 7 + 1) & 0xff);
    // VMA of 3 pages from file offset 0x1000; 0x1800 bytes of it come from the file.
    map_vma(k, mm, 0x8048000, 0x804b000, RW, '/prog', { data, offset: 0x1000, size: 0x1800 });
    expect(fault(k, mm, 0x8048010, false)).toBe(0);
    expect(fault(k, mm, 0x8049000, true)).toBe(0);
    expect(fault(k, mm, 0x804a000, false)).toBe(0);
    const bytes = (addr: number, n: number) => Array.from(k.mmu.u8.subarray(physOf(k, mm, addr), physOf(k, mm, addr) + n));
    expect(bytes(0x8048000, 4)).toEqual(Array.from(data.subarray(0x1000, 0x1004)));
    expect(bytes(0x8049000, 4)).toEqual(Array.from(data.subarray(0x2000, 0x2004)));
    expect(bytes(0x80497fc, 4)).toEqual(Array.from(data.subarray(0x27fc, 0x2800)));
    expect(bytes(0x8049800, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]); // bss tail
    expect(bytes(0x804a000, 4)).toEqual([0, 0, 0, 0]);
    expect(k.stats.demandFile).toBe(3);
    expect(pte(k, mm, 0x8049000) & PTE_D).toBe(PTE_D);
    clean(k, mm);
  });

  it('out of memory: VM_FAULT_OOM and nothing changes', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x10000, 0x20000, RW]]);
    fault(k, mm, 0x10000, false); // page table exists now
    const held: number[] = [];
    for (let f; (f = k.pages.alloc(PG_KERNEL)) >= 0;) held.push(f);
    expect(fault(k, mm, 0x11000, true)).toBe(VM_FAULT_OOM);
    expect(pte(k, mm, 0x11000)).toBe(0);
    expect(fault(k, mm, 0x400000, true)).toBe(VM_FAULT_OOM); // no page table either
    for (const f of held) k.pages.put(f);
    clean(k, mm);
  });
});

describe('fork: dup_mmap and copy-on-write', () => {
  function parentWithPages(k: Kernel): MmStruct {
    const mm = makeMm(k, [
      [0x8048000, 0x8049000, VM_READ | VM_EXEC, 'text'],
      [0x8049000, 0x804c000, RW, 'data'],
      [0xbfffe000, 0xc0000000, RW | VM_GROWSDOWN, '[stack]'],
    ]);
    fault(k, mm, 0x8048000, false);
    for (const a of [0x8049000, 0x804a000, 0xbffff000]) {
      fault(k, mm, a, true);
      poke(k, mm, a, a ^ 0x5a5a5a5a);
    }
    mm.start_brk = mm.brk = 0x804c000;
    return mm;
  }

  it('shares every frame read-only in parent and child, counts 2, COW copy then reuse', () => {
    const k = makeKernel();
    const parent = parentWithPages(k);
    const used = k.pages.stats.used;
    const child = dup_mmap(k, parent)!;
    expect(child).not.toBeNull();
    expect(child.vmas.map((v) => [v.start, v.end, v.name])).toEqual(parent.vmas.map((v) => [v.start, v.end, v.name]));
    expect(child.brk).toBe(0x804c000);
    // New frames: the child's pgd and 2 page tables only.
    expect(k.pages.stats.used - used).toBe(3);
    for (const a of [0x8048000, 0x8049000, 0x804a000, 0xbffff000]) {
      expect(frameOf(k, child, a)).toBe(frameOf(k, parent, a));
      expect(k.pages.count[frameOf(k, parent, a)]).toBe(2);
      expect(pte(k, parent, a) & PTE_W).toBe(0);
      expect(pte(k, child, a) & PTE_W).toBe(0);
      expect(pageWalk(k, child, a).cow).toBe(a !== 0x8048000);
    }
    expect(child.rss).toBe(4);
    clean(k, parent, child);

    // The child writes: do_wp_page copies.
    const old = frameOf(k, parent, 0x8049000);
    expect(fault(k, child, 0x8049004, true)).toBe(0);
    const copy = frameOf(k, child, 0x8049000);
    expect(copy).not.toBe(old);
    expect(pte(k, child, 0x8049000) & PTE_W).toBe(PTE_W);
    expect(peek(k, child, 0x8049000)).toBe(0x8049000 ^ 0x5a5a5a5a); // the page was copied
    expect(k.pages.count[old]).toBe(1);
    expect(k.pages.count[copy]).toBe(1);
    expect(k.stats.cowCopies).toBe(1);
    poke(k, child, 0x8049000, 1234);
    expect(peek(k, parent, 0x8049000)).toBe(0x8049000 ^ 0x5a5a5a5a);
    clean(k, parent, child);

    // Then the parent writes the same page: it is the only user now — reuse.
    expect(fault(k, parent, 0x8049000, true)).toBe(0);
    expect(frameOf(k, parent, 0x8049000)).toBe(old);
    expect(pte(k, parent, 0x8049000) & PTE_W).toBe(PTE_W);
    expect(k.stats.cowReuses).toBe(1);
    expect(k.stats.cowCopies).toBe(1);
    clean(k, parent, child);

    // Exit of the child gives back exactly its frames.
    mmput(k, child);
    expect(k.pages.stats.used).toBe(used);
    expect(k.pages.count[frameOf(k, parent, 0x804a000)]).toBe(1);
    clean(k, parent);
    mmput(k, parent);
    k.current.mm = null; // exit_mm
    expect(k.pages.stats.used).toBe(0);
    clean(k);
  });

  it('three generations: each writer gets its own frame at the same virtual address', () => {
    const k = makeKernel();
    const a = parentWithPages(k);
    const b = dup_mmap(k, a)!;
    const c = dup_mmap(k, b)!;
    const f0 = frameOf(k, a, 0x804a000);
    expect(k.pages.count[f0]).toBe(3);
    clean(k, a, b, c);
    for (const [mm, v] of [[c, 3], [b, 2], [a, 1]] as const) {
      expect(fault(k, mm, 0x804a000, true)).toBe(0);
      poke(k, mm, 0x804a000, v);
    }
    expect(k.stats.cowCopies).toBe(2); // c and b copied
    expect(k.stats.cowReuses).toBe(1); // a was the last user of f0
    expect(frameOf(k, a, 0x804a000)).toBe(f0);
    expect(new Set([a, b, c].map((m) => frameOf(k, m, 0x804a000))).size).toBe(3);
    expect([a, b, c].map((m) => peek(k, m, 0x804a000))).toEqual([1, 2, 3]);
    clean(k, a, b, c);
    for (const mm of [b, a, c]) mmput(k, mm);
    expect(k.pages.stats.used).toBe(0);
  });

  it("forkMode 'copy' copies every private page at fork; the parent keeps write access", () => {
    const k = makeKernel({ forkMode: 'copy' });
    const parent = parentWithPages(k);
    const used = k.pages.stats.used;
    const cyc = k.stats.kernelCycles;
    const child = dup_mmap(k, parent)!;
    expect(k.pages.stats.used - used).toBe(3 + 4);
    expect(k.stats.kernelCycles - cyc).toBeGreaterThan(4 * 1024);
    for (const a of [0x8048000, 0x8049000, 0x804a000, 0xbffff000]) {
      expect(frameOf(k, child, a)).not.toBe(frameOf(k, parent, a));
      expect(peek(k, child, a)).toBe(peek(k, parent, a));
      expect(pte(k, child, a) & PTE_W).toBe(pte(k, parent, a) & PTE_W);
    }
    expect(pte(k, parent, 0x8049000) & PTE_W).toBe(PTE_W);
    clean(k, parent, child);
    mmput(k, child);
    mmput(k, parent);
    expect(k.pages.stats.used).toBe(0);
  });

  it('shared mappings stay shared and writable after fork', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x40000000, 0x40002000, RW | VM_SHARED, 'shm']]);
    fault(k, mm, 0x40000000, true);
    const child = dup_mmap(k, mm)!;
    expect(frameOf(k, child, 0x40000000)).toBe(frameOf(k, mm, 0x40000000));
    expect(pte(k, child, 0x40000000) & PTE_W).toBe(PTE_W);
    expect(pte(k, mm, 0x40000000) & PTE_W).toBe(PTE_W);
    poke(k, child, 0x40000000, 77);
    expect(peek(k, mm, 0x40000000)).toBe(77);
    clean(k, mm, child);
    mmput(k, child);
    mmput(k, mm);
    expect(k.pages.stats.used).toBe(0);
  });

  it('charges CYC_PTE_COPY per PTE and flushes the parent TLB: a cached writable translation must not survive fork', () => {
    const k = makeKernel();
    const parent = parentWithPages(k);
    enablePaging(k, parent);
    k.mmu.setUser(true);
    k.mmu.write32(0x8049000, 1); // fills the TLB with a writable entry
    expect(k.mmu.read32(0x8049000)).toBe(1);
    const child = dup_mmap(k, parent)!;
    let faulted = false;
    try {
      k.mmu.write32(0x8049000, 2);
    } catch (e) {
      expect(e).toBe(FAULT);
      faulted = true;
    }
    expect(faulted).toBe(true);
    expect(peek(k, child, 0x8049000)).toBe(1);
    k.mmu.setUser(false);
    clean(k, parent, child);
  });

  it('ENOMEM at every possible point unwinds completely (COW and copy modes)', () => {
    for (const forkMode of ['cow', 'copy'] as const) {
      const k = makeKernel({ forkMode });
      const parent = parentWithPages(k);
      // Spread the VMAs over several page tables.
      map_vma(k, parent, 0x10000000, 0x10002000, RW, 'far', null);
      fault(k, parent, 0x10001000, true);
      const snapshot = () => Array.from(k.pages.count);
      let failures = 0;
      for (let leave = 0; ; leave++) {
        const held: number[] = [];
        while (k.pages.freeFrames > leave) held.push(k.pages.alloc(PG_KERNEL));
        const counts = snapshot();
        const child = dup_mmap(k, parent);
        if (child === null) {
          failures++;
          expect(k.pages.freeFrames).toBe(leave);
          expect(snapshot()).toEqual(counts);
          for (const f of held) k.pages.put(f);
          expect(check_invariants(k, [parent])).toEqual([]);
          continue;
        }
        for (const f of held) k.pages.put(f);
        clean(k, parent, child);
        mmput(k, child);
        break;
      }
      expect(failures).toBe(forkMode === 'cow' ? 4 : 4 + 5); // pgd + 3 page tables (+ 5 pages)
      mmput(k, parent);
      expect(k.pages.stats.used).toBe(0);
    }
  });
});

describe('the page-fault handler', () => {
  it('demand-faults from user mode; SIGSEGV outside every VMA and for writes to read-only VMAs', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x8048000, 0x8049000, VM_READ | VM_EXEC], [0x8049000, 0x804a000, RW]]);
    const regs = userRegs(k, 0xbffff000);
    do_page_fault(k, regs, 4 | 2, 0x8049123); // user write, not present
    expect(pte(k, mm, 0x8049000) & PTE_W).toBe(PTE_W);
    expect(signals).toEqual([]);
    do_page_fault(k, regs, 4 | 2, 0x8048000); // user write to text
    do_page_fault(k, regs, 4, 0x1000); // user read below everything
    do_page_fault(k, regs, 4, 0x9000000); // above everything
    do_page_fault(k, regs, 4 | 1, 0xc0001000); // the kernel's half
    expect(signals).toEqual([SIG.SIGSEGV, SIG.SIGSEGV, SIG.SIGSEGV, SIG.SIGSEGV]);
    expect(k.stats.segvs).toBe(4);
    expect(k.stats.pageFaults).toBe(5);
  });

  it('grows the stack within 64 KiB + 128 below ESP and RLIMIT_STACK; refuses beyond', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x8048000, 0x8049000, RW], [0xbfffe000, 0xc0000000, RW | VM_GROWSDOWN, '[stack]']]);
    const stack = mm.vmas[1];
    let regs = userRegs(k, 0xbfffe010);
    do_page_fault(k, regs, 4 | 2, 0xbfffdffc); // push just below the VMA
    expect(stack.start).toBe(0xbfffd000);
    do_page_fault(k, regs, 4 | 2, 0xbfffe010 - 65536 - 128); // enter/pusha slack: allowed
    expect(stack.start).toBe(0xbffed000);
    expect(signals).toEqual([]);
    regs = userRegs(k, 0xbffed010);
    do_page_fault(k, regs, 4 | 2, 0xbffed010 - 65536 - 132); // further below ESP: SIGSEGV
    expect(stack.start).toBe(0xbffed000);
    expect(signals).toEqual([SIG.SIGSEGV]);
    // RLIMIT_STACK: 8 MiB from the top.
    regs = userRegs(k, 0xbf800100);
    do_page_fault(k, regs, 4 | 2, 0xbf800000);
    expect(stack.start).toBe(0xbf800000);
    do_page_fault(k, regs, 4 | 2, 0xbf7fffff);
    expect(stack.start).toBe(0xbf800000);
    expect(signals).toEqual([SIG.SIGSEGV, SIG.SIGSEGV]);
    clean(k, mm);
  });

  it('a kernel-mode #PF through the IDT is a kernel bug: panic', () => {
    const k = makeKernel();
    makeMm(k, []);
    const regs = userRegs(k, 0);
    regs.set(PT_CS, 0x60);
    do_page_fault(k, regs, 2, 0x1234);
    expect(k.halted?.panic).toMatch(/unable to handle kernel paging request at 0x00001234/);
  });

  it('kills the task on out of memory with SIGKILL and a log line', () => {
    const lines: string[] = [];
    const k = makeKernel({ log: (l) => lines.push(l) });
    makeMm(k, [[0x10000, 0x20000, RW]]);
    const regs = userRegs(k, 0);
    while (k.pages.alloc(PG_KERNEL) >= 0);
    do_page_fault(k, regs, 4 | 2, 0x10000);
    expect(signals).toEqual([SIG.SIGKILL]);
    // Only init uses memory (oom_kill.ts never chooses it): the faulting task itself dies.
    expect(lines).toEqual([expect.stringMatching(/^forkbox: Out of memory: Killed process 1 \(.*\): no other process to choose$/)]);
  });
});

describe('kernel access to user memory (uaccess → fixup_user_fault)', () => {
  it('copy_to_user breaks COW, demand-faults, grows the stack; EFAULT where no VMA allows', () => {
    const k = makeKernel();
    const mm = makeMm(k, [
      [0x8048000, 0x8049000, VM_READ | VM_EXEC], [0x8049000, 0x804b000, RW],
      [0xbfffe000, 0xc0000000, RW | VM_GROWSDOWN, '[stack]'],
    ]);
    fault(k, mm, 0x8049000, true);
    poke(k, mm, 0x8049000, 42);
    const child = dup_mmap(k, mm)!;
    enablePaging(k, mm);
    expect(copy_to_user(k, 0x8049ffe, Uint8Array.of(1, 2, 3, 4))).toBe(0); // spans a COW page and an absent one
    expect(k.stats.cowReuses + k.stats.cowCopies).toBe(1);
    expect(peek(k, child, 0x8049000)).toBe(42);
    expect(Array.from(copy_from_user(k, 0x8049ffe, 4)!)).toEqual([1, 2, 3, 4]);
    expect(copy_to_user(k, 0x8048000, Uint8Array.of(1))).toBe(-E.EFAULT); // read-only text
    expect(copy_from_user(k, 0x8048000, 4)).not.toBeNull();
    expect(copy_to_user(k, 0x9000000, Uint8Array.of(1))).toBe(-E.EFAULT);
    expect(copy_to_user(k, 0xbfff0000, Uint8Array.of(9))).toBe(0); // stack growth, no ESP check
    expect(mm.vmas[2].start).toBe(0xbfff0000);
    expect(fixup_user_fault(k, 0xbf000000, true)).toBe(false); // beyond RLIMIT_STACK
    expect(signals).toEqual([]);
    clean(k, mm, child);
  });

  it('copy_to_mm writes another address space (what exec does for the new stack)', () => {
    const k = makeKernel();
    const cur = makeMm(k, [[0x1000000, 0x1001000, RW]]);
    enablePaging(k, cur);
    const other = mm_alloc(k)!;
    map_vma(k, other, 0xbffff000, 0xc0000000, RW | VM_GROWSDOWN, '[stack]', null);
    expect(copy_to_mm(k, other, 0xbfffeff0, new Uint8Array(32).fill(7))).toBe(0);
    expect(other.vmas[0].start).toBe(0xbfffe000);
    expect(Array.from(copy_from_mm(k, other, 0xbffff000, 4) as Uint8Array)).toEqual([7, 7, 7, 7]);
    expect(copy_to_mm(k, other, 0x2000000, Uint8Array.of(1))).toBe(-E.EFAULT);
    expect(pte(k, cur, 0xbffff000)).toBe(0);
    clean(k, cur, other);
  });
});

describe('teardown', () => {
  it('mmput frees only at the last user; exit_mmap of the current mm leaves CR3 on swapper_pg_dir', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x10000, 0x20000, RW], [0x40000000, 0x40001000, RW]]);
    fault(k, mm, 0x10000, true);
    fault(k, mm, 0x40000000, true);
    enablePaging(k, mm);
    mm.users = 2;
    mmput(k, mm);
    expect(k.pages.stats.used).toBe(5);
    mmput(k, mm);
    expect(k.pages.stats.used).toBe(0);
    expect(k.mmu.cr3).toBe(0x5000);
    expect(mm.pgd).toBe(0);
    mmput(k, mm);
    expect(k.halted?.panic).toMatch(/mmput/);
  });

  it('exit_mmap of a half-built mm is safe', () => {
    const k = makeKernel();
    const mm = mm_alloc(k)!;
    exit_mmap(k, mm);
    expect(k.pages.stats.used).toBe(0);
  });
});

describe('memory syscalls', () => {
  const sys = (k: Kernel, name: string, ...a: number[]) => MEMORY_SYSCALLS[name](k, a[0] ?? 0, a[1] ?? 0, a[2] ?? 0, a[3] ?? 0, a[4] ?? 0, a[5] ?? 0) as number;

  it('brk grows and shrinks the [heap] VMA and returns the old break on failure', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x8048000, 0x804a000, RW, 'data'], [0x8100000, 0x8101000, RW, 'wall']]);
    mm.start_brk = mm.brk = 0x8049f00;
    expect(sys(k, 'brk', 0)).toBe(0x8049f00);
    expect(sys(k, 'brk', 0x8049f80)).toBe(0x8049f80); // inside the data page: no VMA
    expect(mm.vmas.length).toBe(2);
    expect(sys(k, 'brk', 0x804c001) >>> 0).toBe(0x804c001);
    expect(mm.vmas[1]).toMatchObject({ start: 0x804a000, end: 0x804d000, name: '[heap]' });
    fault(k, mm, 0x804c000, true);
    expect(sys(k, 'brk', 0x8060000)).toBe(0x8060000);
    expect(mm.vmas[1].end).toBe(0x8060000);
    expect(mm.vmas.length).toBe(3);
    expect(sys(k, 'brk', 0x8100000)).toBe(0x8060000); // would touch 'wall'
    expect(sys(k, 'brk', 0x8000000)).toBe(0x8060000); // below start_brk
    const used = k.pages.stats.used;
    expect(sys(k, 'brk', 0x804b000)).toBe(0x804b000);
    expect(mm.vmas[1]).toMatchObject({ start: 0x804a000, end: 0x804b000 });
    expect(k.pages.stats.used).toBe(used - 1); // the page at 0x804c000
    expect(sys(k, 'brk', 0x8049f00)).toBe(0x8049f00);
    expect(mm.vmas.map((v) => v.name)).toEqual(['data', 'wall']);
    clean(k, mm);
  });

  it('mmap2 anonymous private: top-down addresses, demand zero, munmap splits and frees', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x8048000, 0x8049000, RW]]);
    const a = sys(k, 'mmap2', 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) >>> 0;
    expect(a).toBe(0xb8000000 - 3 * PAGE);
    const b = sys(k, 'mmap2', 0, 100, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) >>> 0;
    expect(b).toBe(a - PAGE);
    for (let n = 0; n < 3; n++) fault(k, mm, a + n * PAGE, true);
    const used = k.pages.stats.used;
    expect(sys(k, 'munmap', a + PAGE, PAGE)).toBe(0);
    expect(k.pages.stats.used).toBe(used - 1);
    expect(mm.vmas.map((v) => [v.start >>> 0, v.end >>> 0])).toEqual([[0x8048000, 0x8049000], [b, b + PAGE], [a, a + PAGE], [a + 2 * PAGE, a + 3 * PAGE]]);
    // The hole is reused by the next mapping that fits.
    expect(sys(k, 'mmap2', 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) >>> 0).toBe(a + PAGE);
    expect(sys(k, 'munmap', a + 1, PAGE)).toBe(-E.EINVAL);
    expect(sys(k, 'munmap', a, 0)).toBe(-E.EINVAL);
    expect(sys(k, 'mmap2', 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)).toBe(-E.EINVAL);
    expect(sys(k, 'mmap2', 0, PAGE, PROT_READ, MAP_PRIVATE, 3, 0)).toBe(-E.EBADF);
    expect(sys(k, 'mmap2', 0, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0)).toBe(-E.EINVAL);
    expect(sys(k, 'munmap', 0x1000, 0x7fff0000)).toBe(0); // unmapping everything below is fine
    expect(mm.vmas.length).toBe(4);
    clean(k, mm);
  });

  it('MAP_FIXED replaces what was there; MAP_FIXED_NOREPLACE refuses', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x10000000, 0x10004000, RW, 'old']]);
    for (let n = 0; n < 4; n++) fault(k, mm, 0x10000000 + n * PAGE, true);
    const used = k.pages.stats.used;
    expect(sys(k, 'mmap2', 0x10001000, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)).toBe(0x10001000);
    expect(k.pages.stats.used).toBe(used - 2);
    expect(mm.vmas.map((v) => [v.start, v.end, v.name])).toEqual([
      [0x10000000, 0x10001000, 'old'], [0x10001000, 0x10003000, ''], [0x10003000, 0x10004000, 'old'],
    ]);
    expect(sys(k, 'mmap2', 0x10000000, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0)).toBe(-E.EEXIST);
    expect(sys(k, 'mmap2', 0x10000800, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)).toBe(-E.EINVAL);
    expect(sys(k, 'mmap2', 0x1000, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)).toBe(-E.EPERM);
    clean(k, mm);
  });

  it('old mmap reads its arguments from a struct in user memory', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x8049000, 0x804a000, RW]]);
    enablePaging(k, mm);
    const args = new Int32Array([0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0]);
    expect(copy_to_user(k, 0x8049000, new Uint8Array(args.buffer))).toBe(0);
    expect(sys(k, 'mmap', 0x8049000) >>> 0).toBe(0xb8000000 - 2 * PAGE);
    args[5] = 100;
    copy_to_user(k, 0x8049000, new Uint8Array(args.buffer));
    expect(sys(k, 'mmap', 0x8049000)).toBe(-E.EINVAL);
    expect(sys(k, 'mmap', 0x7000)).toBe(-E.EFAULT);
  });

  it('shared anonymous memory is populated at mmap and shared by a forked child', () => {
    const k = makeKernel();
    const mm = makeMm(k, []);
    const a = sys(k, 'mmap2', 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0) >>> 0;
    expect(mm.rss).toBe(2);
    const child = dup_mmap(k, mm)!;
    poke(k, child, a + PAGE, 99);
    expect(peek(k, mm, a + PAGE)).toBe(99);
    clean(k, mm, child);
  });

  it('mprotect: splits, write-protects, PROT_NONE keeps the frame, restoring RW leaves the PTE for do_wp_page to reuse', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x20000000, 0x20004000, RW]]);
    for (let n = 0; n < 4; n++) fault(k, mm, 0x20000000 + n * PAGE, true);
    poke(k, mm, 0x20002000, 5);
    const frame = frameOf(k, mm, 0x20002000);
    expect(sys(k, 'mprotect', 0x20001000, 2 * PAGE, PROT_READ)).toBe(0);
    expect(mm.vmas.map((v) => [v.start, v.flags])).toEqual([[0x20000000, RW], [0x20001000, VM_READ], [0x20003000, RW]]);
    expect(pte(k, mm, 0x20001000) & PTE_W).toBe(0);
    expect(pte(k, mm, 0x20000000) & PTE_W).toBe(PTE_W);
    expect(sys(k, 'mprotect', 0x20002000, PAGE, PROT_NONE)).toBe(0);
    const p = pte(k, mm, 0x20002000);
    expect(p & PTE_P).toBe(0);
    expect(p & PTE_PROTNONE).toBe(PTE_PROTNONE);
    expect(pageWalk(k, mm, 0x20002000)).toMatchObject({ mapped: true, frame, flags: 'U A D PROTNONE' });
    clean(k, mm);
    enablePaging(k, mm);
    expect(copy_from_user(k, 0x20002000, 4)).toBeNull(); // the kernel cannot read it either
    expect(sys(k, 'mprotect', 0x20002000, PAGE, PROT_READ | PROT_WRITE)).toBe(0);
    expect(pte(k, mm, 0x20002000) & (PTE_P | PTE_W)).toBe(PTE_P);
    expect(peek(k, mm, 0x20002000)).toBe(5);
    expect(fault(k, mm, 0x20002000, true)).toBe(0);
    expect(frameOf(k, mm, 0x20002000)).toBe(frame);
    expect(k.stats.cowReuses).toBe(1);
    expect(sys(k, 'mprotect', 0x20003000, 2 * PAGE, PROT_READ)).toBe(-E.ENOMEM); // hole after
    expect(sys(k, 'mprotect', 0x20000001, PAGE, PROT_READ)).toBe(-E.EINVAL);
    clean(k, mm);
  });
});

describe('check_invariants', () => {
  it('reports leaks, wrong counts, writable shared frames and PTEs outside VMAs', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x10000, 0x12000, RW]]);
    fault(k, mm, 0x10000, true);
    fault(k, mm, 0x11000, true);
    const child = dup_mmap(k, mm)!;
    clean(k, mm, child);
    const f = frameOf(k, mm, 0x10000);
    // A COW PTE made writable behind the kernel's back.
    const ptep = pte_offset(k, mm.pgd, 0x10000);
    k.mmu.i32[ptep >>> 2] |= PTE_W;
    expect(check_invariants(k, [mm, child]).join('\n')).toMatch(/writable PTE .* 0x10000\) maps frame .* count is 2/);
    k.mmu.i32[ptep >>> 2] &= ~PTE_W;
    // A missing put.
    k.pages.get(f);
    expect(check_invariants(k, [mm, child]).join('\n')).toMatch(/user frame 0x[0-9a-f]+: count 3 but 2 reference/);
    k.pages.put(f);
    // A leaked frame.
    const leaked = k.pages.alloc(PG_USER);
    expect(check_invariants(k, [mm, child]).join('\n')).toMatch(new RegExp(`leak: user frame 0x${leaked.toString(16)}`));
    k.pages.put(leaked);
    // A VMA shrunk without unmapping its pages.
    mm.vmas[0].end = 0x11000;
    expect(check_invariants(k, [mm, child]).join('\n')).toMatch(/PTE at 0x11000 outside every VMA/);
    mm.vmas[0].end = 0x12000;
    clean(k, mm, child);
    // After everything exits, nothing is left.
    mmput(k, child);
    mmput(k, mm);
    k.current.mm = null;
    clean(k);
    expect(k.pages.stats.used).toBe(0);
  });

  it('reports a task left behind once the system has stopped (no zombie may remain)', () => {
    const k = makeKernel();
    k.current.exit_state = 16; // EXIT_ZOMBIE
    expect(check_invariants(k)).toEqual([]);
    k.halted = { status: 0 };
    expect(check_invariants(k)).toEqual(['pid 1 (mmtest) left in state Z (zombie) after the system stopped']);
  });

  it('pageWalk shows the PDE, PTE, flags, frame, count and COW state', () => {
    const k = makeKernel();
    const mm = makeMm(k, [[0x10000, 0x12000, RW]]);
    fault(k, mm, 0x10000, true);
    const child = dup_mmap(k, mm)!;
    const w = pageWalk(k, child, 0x10123);
    expect(w).toMatchObject({ vaddr: 0x10123, mapped: true, refcount: 2, kind: 'user', cow: true, flags: 'P U D' });
    expect(w.phys).toBe(physOf(k, mm, 0x10123));
    expect(pageWalk(k, child, 0x11000)).toMatchObject({ mapped: false, frame: -1, cow: false });
    expect(pageWalk(k, child, 0x50000000)).toMatchObject({ pteAddr: -1, vma: null });
  });
});
