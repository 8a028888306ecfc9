// The memory manager's invariants, checked from the outside (tests run them after every
// guest program; the debugger's `pt` command uses pageWalk):
//
//   1. Every frame's reference count equals the number of PTEs mapping it, over all live
//      address spaces, plus the kernel's holds: 1 for a page table or page directory of
//      a live mm, 1 for the kernel stack of a task that still exists, 1 for a reserved
//      frame (kernel image, GDT/IDT/TSS, swapper_pg_dir, idle stack), 1 for a page of a
//      shared file mapping's address_space (filemap.ts), whose mapcount is the number of
//      VMAs that map it.
//   2. No PTE is writable while its frame is shared (count > 1), unless the VMA is a
//      shared mapping (MAP_SHARED): otherwise a write would reach another process.
//   3. Nothing leaks: a used frame nobody holds is reported; when every task but idle has
//      exited (zombies hold only their kernel stacks), every frame allocated since boot is
//      free again except the kernel's own.
//   4. No zombie is left: once init has exited and the kernel halted (not a panic),
//      idle is the only task (init reaps every orphan before it exits).
//   5. Each mm is well formed: VMAs sorted, page-aligned, non-overlapping; PTEs only
//      inside VMAs and never writable in a VMA without VM_WRITE; rss equals the PTEs
//      mapped; mm_users equals the tasks using it.

import { PAGE_MASK, PAGE_SHIFT, PTE_A, PTE_D, PTE_FRAME, PTE_G, PTE_P, PTE_U, PTE_W } from '../mmu/paging.js';
import type { Kernel } from './kernel.js';
import { STATE_NAMES } from './task.js';
import { TASK_SIZE } from './layout.js';
import { VM_SHARED, VM_WRITE, type MmStruct, type Vma } from './mm.js';
import { PG_FREE, PG_KERNEL, PG_KSTACK, PG_PGTABLE, PG_RESERVED, PG_USER } from './page_alloc.js';
import { PTE_PROTNONE, PTRS_PER_PTE, USER_PTRS_PER_PGD, pte_present } from './pgtable.js';
import type { AddressSpace } from './filemap.js';

const KIND_NAMES = ['free', 'reserved', 'pgtable', 'kstack', 'user', 'kernel'];
const MAX_REPORTED = 50;

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/**
 * check_invariants: the violations found, as readable lines (empty when all is well).
 * `extraMms` adds address spaces no task holds (unit tests building an mm by hand).
 */
export function check_invariants(k: Kernel, extraMms: MmStruct[] = []): string[] {
  const out: string[] = [];
  const report = (line: string) => {
    if (out.length < MAX_REPORTED) out.push(line);
    else if (out.length === MAX_REPORTED) out.push('... (more violations not listed)');
  };
  const pages = k.pages;
  const nframes = pages.frames;
  const expected = new Int32Array(nframes);
  const i32 = k.mmu.i32;

  // The live address spaces, in task order (k.tasks iterates in creation order).
  const mms: MmStruct[] = [];
  const mmUsers = new Map<MmStruct, number>();
  const mmOwner = new Map<MmStruct, string>();
  let liveTasks = 0;
  const stopped = k.halted !== null && k.halted.panic === undefined;
  for (const t of k.tasks.values()) {
    if (t !== k.idle && !t.exit_state) liveTasks++;
    if (stopped && t !== k.idle) report(`pid ${t.pid} (${t.comm}) left in state ${STATE_NAMES[t.exit_state || t.state] ?? t.state} after the system stopped`);
    if (t.kstackFrame >= 0) {
      if (t.kstackFrame >= nframes) report(`pid ${t.pid}: kernel stack frame ${hex(t.kstackFrame)} beyond RAM`);
      else {
        expected[t.kstackFrame]++;
        if (pages.kind[t.kstackFrame] !== PG_KSTACK) report(`pid ${t.pid}: kernel stack frame ${hex(t.kstackFrame)} is ${KIND_NAMES[pages.kind[t.kstackFrame]]}`);
      }
    }
    const mm = t.mm;
    if (mm === null) continue;
    if (!mmUsers.has(mm)) {
      mms.push(mm);
      mmOwner.set(mm, `pid ${t.pid}`);
    }
    mmUsers.set(mm, (mmUsers.get(mm) ?? 0) + 1);
  }
  for (const mm of extraMms) {
    if (mmOwner.has(mm)) continue;
    mms.push(mm);
    mmOwner.set(mm, `mm #${mms.length}`);
  }

  // Writable private PTEs, checked against the final counts below.
  const writable: Array<{ frame: number; where: string }> = [];

  for (const mm of mms) {
    const who = mmOwner.get(mm) as string;
    const users = mmUsers.get(mm);
    if (users !== undefined && mm.users !== users) report(`${who}: mm_users ${mm.users} but ${users} task(s) use the mm`);
    if (mm.pgd <= 0 || mm.pgd & PAGE_MASK) {
      report(`${who}: mm without a page directory (pgd ${hex(mm.pgd)})`);
      continue;
    }
    const pgdFrame = mm.pgd >>> PAGE_SHIFT;
    expected[pgdFrame]++;
    if (pages.kind[pgdFrame] !== PG_PGTABLE) report(`${who}: pgd frame ${hex(pgdFrame)} is ${KIND_NAMES[pages.kind[pgdFrame]]}`);
    // VMAs
    let prevEnd = 0;
    for (const v of mm.vmas) {
      if ((v.start | v.end) & PAGE_MASK || v.start >= v.end || v.end > TASK_SIZE) report(`${who}: bad VMA ${hex(v.start)}-${hex(v.end)} ${v.name}`);
      if (v.start < prevEnd) report(`${who}: VMA ${hex(v.start)}-${hex(v.end)} overlaps or is out of order`);
      prevEnd = v.end;
    }
    // Page tables
    let rss = 0;
    const pgdw = mm.pgd >>> 2;
    for (let n = 0; n < USER_PTRS_PER_PGD; n++) {
      const pde = i32[pgdw + n];
      if ((pde & PTE_P) === 0) continue;
      const tf = (pde & PTE_FRAME) >>> PAGE_SHIFT;
      if (tf >= nframes) {
        report(`${who}: PDE ${n} points beyond RAM`);
        continue;
      }
      expected[tf]++;
      if (pages.kind[tf] !== PG_PGTABLE) report(`${who}: page table ${hex(tf)} (PDE ${n}) is ${KIND_NAMES[pages.kind[tf]]}`);
      const tw = (pde & PTE_FRAME) >>> 2;
      let vmaIdx = mm.findVmaIndex(n << 22 >>> 0);
      for (let e = 0; e < PTRS_PER_PTE; e++) {
        const pte = i32[tw + e];
        if (!pte_present(pte)) {
          if (pte !== 0) report(`${who}: junk in a not-present PTE at ${hex(((n << 22) | (e << 12)) >>> 0)}: ${hex(pte)}`);
          continue;
        }
        const addr = ((n << 22) | (e << 12)) >>> 0;
        rss++;
        const f = (pte & PTE_FRAME) >>> PAGE_SHIFT;
        if (f >= nframes) {
          report(`${who}: PTE at ${hex(addr)} points beyond RAM`);
          continue;
        }
        expected[f]++;
        if (pages.kind[f] !== PG_USER) report(`${who}: PTE at ${hex(addr)} maps a ${KIND_NAMES[pages.kind[f]]} frame ${hex(f)}`);
        if ((pte & PTE_U) === 0 || pte & PTE_G) report(`${who}: PTE at ${hex(addr)} has bad flags ${hex(pte & 0xfff)}`);
        while (vmaIdx < mm.vmas.length && mm.vmas[vmaIdx].end <= addr) vmaIdx++;
        const vma = vmaIdx < mm.vmas.length && mm.vmas[vmaIdx].start <= addr ? mm.vmas[vmaIdx] : null;
        if (vma === null) {
          report(`${who}: PTE at ${hex(addr)} outside every VMA`);
          continue;
        }
        if (pte & PTE_W) {
          if ((vma.flags & VM_WRITE) === 0) report(`${who}: writable PTE at ${hex(addr)} in read-only VMA ${vma.name || '[anon]'}`);
          else if ((vma.flags & VM_SHARED) === 0) writable.push({ frame: f, where: `${who} ${hex(addr)}` });
        }
      }
    }
    if (rss !== mm.rss) report(`${who}: rss ${mm.rss} but ${rss} PTEs mapped`);
  }

  // The shared file mappings reachable from live VMAs: their pages' holds, their counts.
  const spaces = new Map<AddressSpace, number>();
  for (const mm of mms) {
    for (const v of mm.vmas) {
      const m = v.file?.mapping;
      if (m) spaces.set(m, (spaces.get(m) ?? 0) + 1);
    }
  }
  for (const [m, vmas] of spaces) {
    if (m.mapcount !== vmas) report(`shared mapping of inode ${m.inode.ino}: mapcount ${m.mapcount} but ${vmas} VMA(s) map it`);
    for (const [pgoff, f] of m.pages) {
      if (f >= nframes) {
        report(`shared mapping of inode ${m.inode.ino}: page ${pgoff} beyond RAM`);
        continue;
      }
      expected[f]++;
      if (pages.kind[f] !== PG_USER) report(`shared mapping of inode ${m.inode.ino}: page ${pgoff} is a ${KIND_NAMES[pages.kind[f]]} frame`);
    }
  }

  for (const w of writable) {
    const c = pages.count[w.frame];
    if (c > 1) report(`writable PTE (${w.where}) maps frame ${hex(w.frame)} whose count is ${c}`);
  }

  // Every frame: count == expected holds; nothing leaked.
  for (let f = 0; f < nframes; f++) {
    const kind = pages.kind[f];
    const c = pages.count[f];
    const want = expected[f];
    if (kind === PG_RESERVED) {
      if (want !== 0) report(`reserved frame ${hex(f)} is mapped or used as a page table (${want})`);
      continue;
    }
    if (kind === PG_FREE) {
      if (c !== 0) report(`free frame ${hex(f)} has count ${c}`);
      if (want !== 0) report(`free frame ${hex(f)} is still referenced ${want} time(s)`);
      continue;
    }
    if (kind === PG_KERNEL) {
      if (c < 1) report(`kernel frame ${hex(f)} has count ${c}`);
      else if (liveTasks === 0) report(`leak: kernel frame ${hex(f)} still allocated after every task exited`);
      continue;
    }
    if (c !== want) {
      if (want === 0) report(`leak: ${KIND_NAMES[kind] ?? kind} frame ${hex(f)} has count ${c} but nothing holds it`);
      else report(`${KIND_NAMES[kind] ?? kind} frame ${hex(f)}: count ${c} but ${want} reference(s)`);
    }
  }
  return out;
}

/** What the page walk finds for one virtual address: the debugger's `pt` command. */
export interface PageWalk {
  vaddr: number;
  /** Physical address of the PDE, and its value. */
  pdeAddr: number;
  pde: number;
  /** Physical address of the PTE (-1 without a page table), and its value (0 then). */
  pteAddr: number;
  pte: number;
  /** The PTE maps a frame (present, or PROT_NONE). */
  mapped: boolean;
  /** Flag names of the PTE: P W U A D G PROTNONE. */
  flags: string;
  /** Frame number (-1 if not mapped), the physical address of vaddr, the frame's count and kind. */
  frame: number;
  phys: number;
  refcount: number;
  kind: string;
  /** Copy-on-write: mapped read-only inside a private writable VMA. */
  cow: boolean;
  /** The VMA that covers vaddr, if any. */
  vma: Vma | null;
}

function flagNames(pte: number): string {
  const names: string[] = [];
  if (pte & PTE_P) names.push('P');
  if (pte & PTE_W) names.push('W');
  if (pte & PTE_U) names.push('U');
  if (pte & PTE_A) names.push('A');
  if (pte & PTE_D) names.push('D');
  if (pte & PTE_G) names.push('G');
  if (pte & PTE_PROTNONE) names.push('PROTNONE');
  return names.join(' ');
}

/** pageWalk: the two-level walk for `vaddr` in mm, done by the kernel (no fault, no A/D). */
export function pageWalk(k: Kernel, mm: MmStruct, vaddr: number): PageWalk {
  vaddr >>>= 0;
  const i32 = k.mmu.i32;
  const pdeAddr = mm.pgd + ((vaddr >>> 22) << 2);
  const pde = i32[pdeAddr >>> 2];
  const v = mm.findVma(vaddr);
  const vma = v !== null && v.start <= vaddr ? v : null;
  const walk: PageWalk = {
    vaddr, pdeAddr, pde, pteAddr: -1, pte: 0, mapped: false, flags: '', frame: -1, phys: -1,
    refcount: 0, kind: '', cow: false, vma,
  };
  if ((pde & PTE_P) === 0) return walk;
  walk.pteAddr = (pde & PTE_FRAME) + (((vaddr >>> 12) & 0x3ff) << 2);
  walk.pte = i32[walk.pteAddr >>> 2];
  walk.flags = flagNames(walk.pte);
  walk.mapped = pte_present(walk.pte);
  if (!walk.mapped) return walk;
  walk.frame = (walk.pte & PTE_FRAME) >>> PAGE_SHIFT;
  walk.phys = ((walk.pte & PTE_FRAME) | (vaddr & PAGE_MASK)) >>> 0;
  if (walk.frame < k.pages.frames) {
    walk.refcount = k.pages.count[walk.frame];
    walk.kind = KIND_NAMES[k.pages.kind[walk.frame]] ?? String(k.pages.kind[walk.frame]);
  }
  walk.cow = (walk.pte & PTE_W) === 0 && vma !== null && (vma.flags & VM_WRITE) !== 0 && (vma.flags & VM_SHARED) === 0;
  return walk;
}
