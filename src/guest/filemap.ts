// File-backed memory mappings (mm/filemap.c, mm/mmap.c's file half, mm/msync.c): mmap of
// an open file of the in-memory filesystem (fs/), MAP_PRIVATE or MAP_SHARED.
//
// A file VMA holds its struct file (vm_file: get_file at mmap, at every copy of the VMA
// — fork, split — and fput when the VMA goes), so the file stays open, and readable
// after an unlink or a close of the descriptor, for as long as it is mapped. Its pages
// come on demand (memory.ts handle_mm_fault → do_no_page → filemap_fault), from the
// inode's bytes AT FAULT TIME (the file may have changed since mmap):
//
//   MAP_PRIVATE   each fault copies the file's page into a frame of the faulting address
//                 space (forkbox has no page cache to map read-only first): a write to it
//                 is private, and fork shares it copy-on-write like anonymous memory.
//                 Bytes past the end of the file in its last page read as zero.
//   MAP_SHARED    every mapper of the file — threads, forked children, unrelated
//                 processes that mmap the same file — maps the SAME frame for a page:
//                 the pages live in the file's address_space (struct AddressSpace below,
//                 one per inode while some shared VMA maps it), which holds one reference
//                 on each of its frames; PTEs hold the others. A write through one
//                 mapping is seen at once by every other. The frames are never copied on
//                 write (memory.ts do_wp_page, copy_page_range for VM_SHARED).
//   Past the end of the file, a page that holds no byte of the file raises SIGBUS
//   (VM_FAULT_SIGBUS), as on Linux; the kernel's own accesses there fail with EFAULT.
//
// WRITE-BACK. A shared mapping's changes reach the file's bytes (what read() sees) when
// they are written back: by msync(MS_SYNC or MS_ASYNC) over the range, by munmap, and
// when the last mapping goes (exit, exec). Only dirty pages are written (the PTEs' D
// bit, which the MMU sets on a write, is gathered into the address_space before the
// PTEs go or at msync), and never past the file's size — a mapping cannot grow a file.
// Linux's page cache IS the file; forkbox keeps the file's bytes and a shared mapping's
// pages as two copies, kept coherent for read(2) and write(2) as the page cache would
// be: a write() to a page some shared mapping has faulted in is copied into that frame
// too (filemap_write_sync: every mapper sees it at once), and a read() of such a page
// first takes the frame's bytes into the file (filemap_read_sync: stores through a
// mapping are seen without msync). (Private mappings keep the page they read at their
// fault, as they may on Linux once written; an untouched private page reads the file
// at its first fault.)
//
// /dev/zero: mmap of it is anonymous memory (private or shared), as in Linux.

import { PAGE_MASK, PAGE_SIZE, PTE_A, PTE_D, PTE_FRAME, PTE_P } from '../mmu/paging.js';
import { E, PROT_WRITE } from './abi.js';
import { CYC_PAGE_ALLOC, CYC_PAGE_CLEAR, CYC_PAGE_COPY, CYC_PTE_WALK } from './cost.js';
import { fput, FMODE_READ, FMODE_WRITE, O_APPEND, type File } from './fs/file.js';
import { DEV_ZERO } from './fs/devices.js';
import { S_ISCHR, S_ISREG, type Inode } from './fs/inode.js';
import type { Kernel } from './kernel.js';
import { VM_SHARED, VM_WRITE, type MmStruct, type Vma, type VmaFile } from './mm.js';
import { PG_USER, PageAllocator } from './page_alloc.js';
import { PGDIR_SIZE, mk_pte, mm_is_current, pte_index } from './pgtable.js';

/** handle_mm_fault results shared with memory.ts (its VM_FAULT_* values). */
const VM_FAULT_OOM = 2;
export const VM_FAULT_SIGBUS = 4;

/** An empty byte array for VmaFile.data of mmap'd files (the inode has the bytes). */
const NO_DATA = new Uint8Array(0);

/**
 * struct address_space of a file mapped MAP_SHARED: its pages, each one frame for every
 * mapper. Lives while some VMA maps it (mapcount); then its dirty pages are written back
 * and its frames put.
 */
export class AddressSpace {
  /** pgoff → frame. The address_space holds one reference on each frame. */
  readonly pages = new Map<number, number>();
  /** Pages written through some mapping since their last write-back. */
  readonly dirty = new Set<number>();
  /** VMAs that map this file MAP_SHARED (i_mmap). */
  mapcount = 0;
  constructor(readonly inode: Inode) {}
}

const mappings = new WeakMap<Inode, AddressSpace>();

/** The shared pages of inode, if some VMA maps it MAP_SHARED now. */
export function inode_mapping(inode: Inode): AddressSpace | null {
  return mappings.get(inode) ?? null;
}

// ---------------------------------------------------------------------------------------
// VMA lifetime: vm_file and the address_space are reference counted per VMA.

/** vm_area_dup's part for the file: a copy of the VMA's VmaFile, taking references. */
export function vma_file_dup(f: VmaFile): VmaFile {
  if (f.vm_file) f.vm_file.count++; // get_file
  if (f.mapping) f.mapping.mapcount++;
  return { ...f };
}

/**
 * remove_vma's part for the file: the VMA is gone (unmapped, its mm torn down). The last
 * VMA of a shared mapping writes its dirty pages back and frees them; the file is put.
 * The caller has unmapped the VMA's pages and gathered their dirty bits
 * (filemap_unmap_vma).
 */
export function vma_close(k: Kernel, vma: Vma): void {
  const f = vma.file;
  if (f === null) return;
  const m = f.mapping;
  if (m) {
    f.mapping = undefined;
    if (--m.mapcount === 0) {
      writeback(k, m, m.dirty);
      for (const frame of m.pages.values()) k.pages.put(frame);
      m.pages.clear();
      if (mappings.get(m.inode) === m) mappings.delete(m.inode);
    }
  }
  if (f.vm_file) {
    const file = f.vm_file;
    f.vm_file = undefined;
    fput(k, file);
  }
}

// ---------------------------------------------------------------------------------------
// Dirty pages and write-back.

/**
 * Gather the dirty bits of mm's PTEs in [start, end) of a shared file VMA into its
 * address_space, clearing them (flush_tlb_page when mm is the current address space, so
 * the next write sets D again). Nothing to do for other VMAs.
 */
export function filemap_gather_dirty(k: Kernel, mm: MmStruct, vma: Vma, start: number, end: number): void {
  const m = vma.file?.mapping;
  if (!m) return;
  const i32 = k.mmu.i32;
  const cur = mm_is_current(k, mm);
  const pgdw = mm.pgd >>> 2;
  const base = (vma.file as VmaFile).offset / PAGE_SIZE;
  let addr = Math.max(start, vma.start);
  end = Math.min(end, vma.end);
  while (addr < end) {
    const next = Math.min((Math.floor(addr / PGDIR_SIZE) + 1) * PGDIR_SIZE, end);
    const pde = i32[pgdw + (addr >>> 22)];
    if ((pde & PTE_P) === 0) {
      addr = next;
      continue;
    }
    const tw = (pde & PTE_FRAME) >>> 2;
    for (; addr < next; addr += PAGE_SIZE) {
      const idx = tw + pte_index(addr);
      const pte = i32[idx];
      if ((pte & PTE_D) === 0) continue;
      i32[idx] = pte & ~PTE_D;
      if (cur) k.mmu.invlpg(addr);
      m.dirty.add(base + (addr - vma.start) / PAGE_SIZE);
    }
  }
}

/** filemap_unmap_vma: before [start, end) of vma is unmapped, keep what was written. */
export const filemap_unmap_vma = filemap_gather_dirty;

/**
 * Write the pages `which` (page offsets, dirty ones) of a shared mapping back into its
 * file's bytes, never past the file's size, and mark them clean. A boot file's buffer
 * (the host's, inode.shared) is copied first (Vfs.reserve); if the filesystem has no
 * room for that copy, the data is lost and the fact logged (Linux would report -ENOSPC
 * or -EIO at msync).
 */
function writeback(k: Kernel, m: AddressSpace, which: Iterable<number>): number {
  const inode = m.inode;
  let err = 0;
  for (const pgoff of [...which].sort((a, b) => a - b)) {
    m.dirty.delete(pgoff);
    const frame = m.pages.get(pgoff);
    const off = pgoff * PAGE_SIZE;
    if (frame === undefined || off >= inode.size || inode.ino === 0) continue;
    if (inode.shared) {
      const r = k.vfs.reserve(inode, inode.size);
      if (r < 0) {
        k.log(`forkbox: write-back of a shared mapping of inode ${inode.ino} failed: error ${-r}`);
        err = r;
        continue;
      }
    }
    const n = Math.min(PAGE_SIZE, inode.size - off);
    const phys = PageAllocator.phys(frame);
    inode.data.set(k.mmu.u8.subarray(phys, phys + n), off);
    k.charge(CYC_PAGE_COPY);
  }
  if (err === 0) inode.mtime = inode.ctime = k.vfs.now();
  return err;
}

// ---------------------------------------------------------------------------------------
// Coherence with read(2) and write(2) (the header).

/** The pages of [pos, pos + n) of m that are mapped, with the byte range of each. */
function* mapped_pages(m: AddressSpace, pos: number, n: number): Generator<[number, number, number]> {
  if (m.pages.size === 0 || n <= 0) return;
  for (let pgoff = Math.floor(pos / PAGE_SIZE); pgoff * PAGE_SIZE < pos + n; pgoff++) {
    const frame = m.pages.get(pgoff);
    if (frame === undefined) continue;
    const start = Math.max(pos, pgoff * PAGE_SIZE);
    const end = Math.min(pos + n, (pgoff + 1) * PAGE_SIZE);
    yield [frame, start, end];
  }
}

/**
 * Before read() of [pos, pos + n) of inode: the bytes of pages a shared mapping holds
 * (possibly written through it) into the file's bytes, never past its size.
 */
export function filemap_read_sync(k: Kernel, inode: Inode, pos: number, n: number): void {
  const m = mappings.get(inode);
  if (!m) return;
  n = Math.min(n, inode.size - pos);
  for (const [frame, start, end] of mapped_pages(m, pos, n)) {
    if (inode.shared && k.vfs.reserve(inode, inode.size) < 0) return; // the old bytes, then
    const phys = PageAllocator.phys(frame) + (start % PAGE_SIZE);
    inode.data.set(k.mmu.u8.subarray(phys, phys + (end - start)), start);
    k.charge(CYC_PAGE_COPY);
  }
}

/** After write() put [pos, pos + n) into inode's bytes: the same bytes into the frames a
 *  shared mapping holds for those pages. */
export function filemap_write_sync(k: Kernel, inode: Inode, pos: number, n: number): void {
  const m = mappings.get(inode);
  if (!m) return;
  for (const [frame, start, end] of mapped_pages(m, pos, n)) {
    k.mmu.writePhysBytes(PageAllocator.phys(frame) + (start % PAGE_SIZE), inode.data.subarray(start, end));
    k.charge(CYC_PAGE_COPY);
  }
}

// ---------------------------------------------------------------------------------------
// The fault.

/**
 * filemap_fault: the first touch of a page of an mmap'd file (do_no_page for a VMA with
 * vm_file). Maps the shared frame (MAP_SHARED) or a private copy (MAP_PRIVATE) at the
 * PTE `ptep` of `address`. Returns 0, VM_FAULT_OOM or VM_FAULT_SIGBUS (no byte of the
 * file in that page).
 */
export function filemap_fault(k: Kernel, mm: MmStruct, vma: Vma, address: number, ptep: number, write: boolean): number {
  const f = vma.file as VmaFile;
  const inode = (f.vm_file as File).inode;
  const pageStart = (address & ~PAGE_MASK) >>> 0;
  const off = f.offset + (pageStart - vma.start);
  if (off >= inode.size) return VM_FAULT_SIGBUS;
  const pgoff = off / PAGE_SIZE;
  const m = f.mapping ?? inode_mapping(inode);
  let frame: number;
  if (f.mapping) {
    // MAP_SHARED: the address_space's frame, read from the file on first use.
    const have = f.mapping.pages.get(pgoff);
    if (have === undefined) {
      frame = read_page(k, inode, off, -1);
      if (frame < 0) return VM_FAULT_OOM;
      f.mapping.pages.set(pgoff, frame);
    } else {
      frame = have;
    }
    k.pages.get(frame); // the PTE's reference
  } else {
    // MAP_PRIVATE: a copy of the page — of a shared mapping's newer bytes if it has them.
    frame = read_page(k, inode, off, m?.pages.get(pgoff) ?? -1);
    if (frame < 0) return VM_FAULT_OOM;
  }
  let pte = mk_pte(frame, (vma.flags & VM_WRITE) !== 0);
  if (write) pte |= PTE_A | PTE_D;
  k.mmu.i32[ptep >>> 2] = pte;
  mm.rss++;
  k.stats.demandFile++;
  return 0;
}

/** A new frame holding the file's page at byte `off` (or a copy of frame `from`), zero
 *  past the end of the file; -1 when out of memory. */
function read_page(k: Kernel, inode: Inode, off: number, from: number): number {
  const f = k.pages.alloc(PG_USER);
  if (f < 0) return -1;
  const phys = PageAllocator.phys(f);
  if (from >= 0) {
    k.mmu.copyPhys(phys, PageAllocator.phys(from), PAGE_SIZE);
  } else {
    const avail = Math.max(0, Math.min(PAGE_SIZE, inode.size - off, inode.data.length - off));
    if (avail > 0) k.mmu.writePhysBytes(phys, inode.data.subarray(off, off + avail));
    if (avail < PAGE_SIZE) k.mmu.fillPhys(phys + avail, PAGE_SIZE - avail, 0);
  }
  k.charge(CYC_PAGE_ALLOC + (from >= 0 || inode.size - off >= PAGE_SIZE ? CYC_PAGE_COPY : CYC_PAGE_CLEAR));
  return f;
}

// ---------------------------------------------------------------------------------------
// mmap and msync.

/** What do_mmap makes of a file descriptor: anonymous memory (/dev/zero) or a file. */
export type MmapFile = { anonymous: true } | { anonymous: false; vmaFile: VmaFile };

/**
 * The file half of do_mmap's checks (mm/mmap.c): may `file` be mapped with `prot` as a
 * shared or private mapping at byte offset `offset` for `len` bytes? Returns what to map,
 * or -errno: -EACCES (not open for reading; a shared writable mapping of a file not open
 * for writing, or open O_APPEND), -ENODEV (not a regular file or /dev/zero: a pipe, a
 * directory, the console), -EOVERFLOW (the offset range wraps). On success the VmaFile
 * holds a reference to the file (and to the shared address_space): the caller either
 * installs it in a VMA or gives it back with vma_close.
 */
export function mmap_file(file: File, prot: number, shared: boolean, offset: number, len: number): MmapFile | number {
  const inode = file.inode;
  if (S_ISCHR(inode.mode) && inode.rdev === DEV_ZERO) return { anonymous: true };
  if (!S_ISREG(inode.mode)) return -E.ENODEV;
  if (offset + len > 2 ** 44) return -E.EOVERFLOW; // pgoff + pages wraps a 32-bit page count
  if ((file.mode & FMODE_READ) === 0) return -E.EACCES;
  const writable = (file.mode & FMODE_WRITE) !== 0;
  if (shared) {
    if (prot & PROT_WRITE && !writable) return -E.EACCES;
    if (prot & PROT_WRITE && file.flags & O_APPEND) return -E.EACCES;
  }
  const maywrite = !shared || (writable && (file.flags & O_APPEND) === 0);
  const vmaFile: VmaFile = { data: NO_DATA, offset, size: 0, vm_file: file, maywrite };
  file.count++; // get_file
  if (shared) {
    let m = mappings.get(inode);
    if (!m) mappings.set(inode, (m = new AddressSpace(inode)));
    m.mapcount++;
    vmaFile.mapping = m;
  }
  return { anonymous: false, vmaFile };
}

/**
 * msync's work for one VMA over [start, end): a shared file mapping's dirty pages there
 * (the current mm's PTEs' D bits and those gathered before) are written back to the
 * file. Other VMAs have nothing to write. Returns 0 or -errno from the write-back.
 */
export function filemap_msync(k: Kernel, mm: MmStruct, vma: Vma, start: number, end: number): number {
  const m = vma.file?.mapping;
  if (!m) return 0;
  filemap_gather_dirty(k, mm, vma, start, end);
  k.charge(CYC_PTE_WALK);
  const base = (vma.file as VmaFile).offset / PAGE_SIZE;
  const lo = base + (Math.max(start, vma.start) - vma.start) / PAGE_SIZE;
  const hi = base + (Math.min(end, vma.end) - vma.start) / PAGE_SIZE;
  const which = [...m.dirty].filter((p) => p >= lo && p < hi);
  return writeback(k, m, which);
}

/** Is this VMA a shared mapping of a file opened without write access (VM_MAYWRITE
 *  clear)? mprotect may not make it writable. */
export function vma_denies_write(vma: Vma): boolean {
  return (vma.flags & VM_SHARED) !== 0 && vma.file?.maywrite === false;
}

