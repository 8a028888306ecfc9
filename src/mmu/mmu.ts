// The paging MMU: physical RAM, CR0/CR2/CR3/CR4, the two-level page walk with A/D bits
// and U/S, R/W checks (CR0.WP), the software TLB, and #PF (SDM vol. 3A chapter 4).
//
// Every guest memory access goes through the read/write methods below. Their fast path is
// one Int32Array load from the TLB, one AND and one compare, then one typed-array access
// to RAM. Everything else (misses, page-crossing or unaligned accesses, A/D updates, writes
// to frames holding decoded code, faults) is on the slow path.

import { CR0_PG, CR0_WP, CR4_PGE, CR4_PSE, VEC_PF } from '../cpu/constants.js';
import { FAULT } from '../cpu/fault.js';
import {
  PAGE_MASK, PAGE_SHIFT, PF_PROT, PF_RSVD, PF_USER, PF_WRITE,
  PTE_A, PTE_D, PTE_G, PTE_P, PTE_PS, PTE_U, PTE_W,
} from './paging.js';

/*
 * A software TLB entry: one Int32 per 4 KiB linear page, indexed by (linear >>> 12).
 * Zero means "not cached". The flag bits say what an access may NOT do without a walk,
 * so that a hit is `(entry & mask) === TLB_V` for a mask chosen by access kind and CPL.
 *
 *  31                        12 11   9   8     7     6     5     4     3     2     1    0
 * +----------------------------+-------+-----+-----+-----+-----+-----+-----+-----+-----+----+
 * | physical frame address     |   0   |KEPT |LARGE|  G  |CODE |CLEAN| NSW | NUW | NU  | V  |
 * +----------------------------+-------+-----+-----+-----+-----+-----+-----+-----+-----+----+
 *   V     valid
 *   NU    no user access        (U/S=0 in the PDE or the PTE)
 *   NUW   no user write         (R/W=0 in the PDE or the PTE)
 *   NSW   no supervisor write   (R/W=0 somewhere and CR0.WP=1)
 *   CLEAN the PTE's D bit is clear: the first write must walk to set it
 *   CODE  the frame holds decoded basic blocks: writes must invalidate them
 *   G     global page (survives CR3 loads when CR4.PGE=1)
 *   LARGE filled from a 4 MiB page (invlpg of any address in it must drop all 1024)
 *   KEPT  a global entry kept across a CR3 load: filled by a walk of another page
 *         directory, whose A/D bits the current one may not have. Supervisor ("implicit")
 *         accesses walk once more for it (readSys/writeSys), so that they set A/D in the
 *         current directory exactly as when they walked on every access.
 */
export const TLB_V = 1 << 0;
export const TLB_NU = 1 << 1;
export const TLB_NUW = 1 << 2;
export const TLB_NSW = 1 << 3;
export const TLB_CLEAN = 1 << 4;
export const TLB_CODE = 1 << 5;
export const TLB_G = 1 << 6;
export const TLB_LARGE = 1 << 7;
export const TLB_KEPT = 1 << 8;

const MASK_USER_READ = TLB_V | TLB_NU;
const MASK_USER_WRITE = TLB_V | TLB_NU | TLB_NUW | TLB_CLEAN | TLB_CODE;
const MASK_SUP_READ = TLB_V;
const MASK_SUP_WRITE = TLB_V | TLB_NSW | TLB_CLEAN | TLB_CODE;
/** Implicit supervisor accesses (descriptor tables, TSS, IDT): see TLB_KEPT. */
const MASK_SYS_READ = MASK_SUP_READ | TLB_KEPT;
const MASK_SYS_WRITE = MASK_SUP_WRITE | TLB_KEPT;

const TLB_ENTRIES = 1 << 20;
/** How many filled entries are remembered for a cheap flush; past it a flush clears all. */
const TLB_LIST_CAPACITY = 1 << 15;

export interface MmuStats {
  walks: number;
  pageFaults: number;
  tlbFlushes: number;
}

export class Mmu {
  readonly ramSize: number;
  readonly ram: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  readonly frames: number;

  cr0 = 0;
  /** Linear address of the last page fault, as an unsigned number. */
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;

  readonly tlb = new Int32Array(TLB_ENTRIES);
  private readonly tlbList = new Int32Array(TLB_LIST_CAPACITY);
  private tlbCount = 0;
  /**
   * Which 4 MiB regions (linear >>> 22) may hold TLB_LARGE entries, so that invlpg scans
   * the 1024 entries of a region only when a 4 MiB page was cached there: without it every
   * invlpg (one per COW fault) would cost a 1024-entry scan whenever CR4.PSE is set.
   * A set flag may be stale (the entries already dropped); that only costs a scan.
   */
  private readonly largeRegions = new Uint8Array(1024);

  /** Masks for the current privilege level (see setUser). */
  rmask = MASK_SUP_READ;
  wmask = MASK_SUP_WRITE;
  user = false;

  /** Frames that hold decoded code; a write to one calls onCodeWrite first. */
  readonly codeFrames: Uint8Array;
  onCodeWrite: (frame: number) => void = () => {};

  readonly stats: MmuStats = { walks: 0, pageFaults: 0, tlbFlushes: 0 };

  constructor(ramSize: number) {
    if (!Number.isInteger(ramSize) || ramSize < 1 << 20 || ramSize > 1 << 30 || ramSize & PAGE_MASK) {
      throw new RangeError(`RAM size must be a multiple of 4 KiB between 1 MiB and 1 GiB, got ${ramSize}`);
    }
    this.ramSize = ramSize;
    this.ram = new ArrayBuffer(ramSize);
    this.u8 = new Uint8Array(this.ram);
    this.u16 = new Uint16Array(this.ram);
    this.i32 = new Int32Array(this.ram);
    this.frames = ramSize >>> PAGE_SHIFT;
    this.codeFrames = new Uint8Array(this.frames);
  }

  /**
   * Touch every page of RAM now (QEMU's -mem-prealloc), so that the host commits it here
   * rather than at the first guest write to each page (a host page fault each, in the
   * middle of a copy_page or clear_page). Writes zeros over zeros: nothing the guest sees.
   */
  preallocate(): void {
    const u8 = this.u8;
    for (let p = 0; p < this.ramSize; p += 4096) u8[p] = 0;
  }

  /** Called by the CPU whenever CPL changes between 3 and 0..2. */
  setUser(user: boolean): void {
    this.user = user;
    this.rmask = user ? MASK_USER_READ : MASK_SUP_READ;
    this.wmask = user ? MASK_USER_WRITE : MASK_SUP_WRITE;
  }

  get paging(): boolean {
    return (this.cr0 & CR0_PG) !== 0;
  }

  // ---------------------------------------------------------------------------------
  // Control registers. Loads that change translation flush the TLB (SDM vol. 3A §4.10.4).

  setCr0(value: number): void {
    this.cr0 = value | 0;
    this.flushTlb(false);
  }

  setCr3(value: number): void {
    this.cr3 = value | 0; // PCD/PWT (bits 3, 4) are kept but have no effect: there is no cache
    this.flushTlb((this.cr4 & CR4_PGE) !== 0);
  }

  setCr4(value: number): void {
    this.cr4 = value | 0;
    this.flushTlb(false);
  }

  // ---------------------------------------------------------------------------------
  // The TLB.

  /** Drop every cached translation, keeping global ones when keepGlobal. */
  flushTlb(keepGlobal: boolean): void {
    this.stats.tlbFlushes++;
    const tlb = this.tlb;
    if (!keepGlobal) this.largeRegions.fill(0); // every large entry is dropped below
    if (this.tlbCount >= TLB_LIST_CAPACITY) {
      tlb.fill(0);
      this.tlbCount = 0;
      return;
    }
    const list = this.tlbList;
    let kept = 0;
    for (let k = 0; k < this.tlbCount; k++) {
      const vpn = list[k];
      const e = tlb[vpn];
      if (keepGlobal && e & TLB_G) {
        list[kept++] = vpn;
        tlb[vpn] = e | TLB_KEPT;
      } else tlb[vpn] = 0;
    }
    this.tlbCount = kept;
  }

  /**
   * invlpg: drop the translation of the page holding `linear`, global or not. A 4 MiB
   * page is cached as 4 KiB entries, so every entry filled from the 4 MiB page around
   * `linear` is dropped (SDM vol. 3A §4.10.4.1: INVLPG invalidates the whole page).
   */
  invlpg(linear: number): void {
    const tlb = this.tlb;
    const vpn = linear >>> PAGE_SHIFT;
    tlb[vpn] = 0;
    if (this.cr4 & CR4_PSE && this.largeRegions[vpn >>> 10]) {
      const first = vpn & ~0x3ff;
      for (let k = first; k < first + 1024; k++) if (tlb[k] & TLB_LARGE) tlb[k] = 0;
    }
  }

  private fillTlb(vpn: number, entry: number): void {
    const tlb = this.tlb;
    if (tlb[vpn] === 0) {
      if (this.tlbCount >= TLB_LIST_CAPACITY) {
        tlb.fill(0);
        this.tlbCount = 0;
      }
      this.tlbList[this.tlbCount++] = vpn;
    }
    tlb[vpn] = entry;
  }

  /** Mark a frame as holding decoded code: later writes to it call onCodeWrite. */
  markCode(frame: number): void {
    if (this.codeFrames[frame]) return;
    this.codeFrames[frame] = 1;
    const tlb = this.tlb;
    if (this.tlbCount >= TLB_LIST_CAPACITY) {
      this.flushTlb(false);
      return;
    }
    const list = this.tlbList;
    for (let k = 0; k < this.tlbCount; k++) {
      const e = tlb[list[k]];
      if (e !== 0 && e >>> PAGE_SHIFT === frame) tlb[list[k]] = e | TLB_CODE;
    }
  }

  /** The frame holds no decoded code any more. Entries keep TLB_CODE until refilled. */
  clearCode(frame: number): void {
    this.codeFrames[frame] = 0;
  }

  // ---------------------------------------------------------------------------------
  // The page walk (SDM vol. 3A §4.3). Returns the physical address of `linear` for the
  // given access, setting A (and D on writes), and fills the TLB. Raises #PF with CR2
  // and the error code on a not-present entry or a protection violation.

  translate(linear: number, write: boolean, user: boolean): number {
    const p = this.walk(linear, write, user);
    if (p < 0) throw FAULT;
    return p;
  }

  /**
   * translate() without the throw: a fault sets CR2 and the pending FAULT (#PF and its
   * error code) and returns -1 (a physical address is never negative). The compiled
   * code's memory accesses (jit.ts, through the *NF / try* methods below) report a
   * #PF this way, as a return value, so that the common faults (COW, demand paging) cost
   * no JavaScript exception.
   */
  walk(linear: number, write: boolean, user: boolean): number {
    const vpn = linear >>> PAGE_SHIFT;
    if ((this.cr0 & CR0_PG) === 0) {
      if (vpn < this.frames) this.fillTlb(vpn, (vpn << PAGE_SHIFT) | TLB_V | (this.codeFrames[vpn] ? TLB_CODE : 0));
      return linear >>> 0;
    }
    this.stats.walks++;
    const i32 = this.i32;
    const pdeAddr = (this.cr3 & ~PAGE_MASK) + ((linear >>> 22) << 2);
    const pde = this.readPhysEntry(pdeAddr);
    const errUser = user ? PF_USER : 0;
    const errWrite = write ? PF_WRITE : 0;
    if ((pde & PTE_P) === 0) return this.pageFault(linear, errUser | errWrite);

    let entry: number; // the entry that maps the page: a PTE, or the PDE of a 4 MiB page
    let entryAddr: number;
    let combined: number; // U and W as the AND of both levels
    let frameAddr: number;
    const large = (pde & PTE_PS) !== 0 && (this.cr4 & CR4_PSE) !== 0;
    if (large) {
      // Bits 21:13 of a 4 MiB PDE are reserved on a CPU without PSE-36 (SDM vol. 3A
      // table 4-5): a set one is a reserved-bit violation, reported with P=1 and RSVD=1.
      if (pde & 0x003fe000) return this.pageFault(linear, PF_PROT | PF_RSVD | errUser | errWrite);
      entry = pde;
      entryAddr = pdeAddr;
      combined = pde;
      frameAddr = ((pde & 0xffc00000) | (linear & 0x003ff000)) >>> 0;
    } else {
      const pteAddr = (pde & ~PAGE_MASK) + (((linear >>> 12) & 0x3ff) << 2);
      entry = this.readPhysEntry(pteAddr);
      entryAddr = pteAddr;
      if ((entry & PTE_P) === 0) return this.pageFault(linear, errUser | errWrite);
      combined = pde & entry;
      frameAddr = (entry & ~PAGE_MASK) >>> 0;
      if ((pde & PTE_A) === 0 && pdeAddr < this.ramSize) i32[pdeAddr >>> 2] = pde | PTE_A;
    }

    // Access rights (SDM vol. 3A §4.6): user accesses need U and (for writes) W at both
    // levels; supervisor writes need W only when CR0.WP=1.
    if (user) {
      if ((combined & PTE_U) === 0 || (write && (combined & PTE_W) === 0)) {
        return this.pageFault(linear, PF_PROT | errUser | errWrite);
      }
    } else if (write && (combined & PTE_W) === 0 && this.cr0 & CR0_WP) {
      return this.pageFault(linear, PF_PROT | errWrite);
    }

    const updated = entry | PTE_A | (write ? PTE_D : 0);
    if (updated !== entry && entryAddr < this.ramSize) i32[entryAddr >>> 2] = updated;

    const frame = frameAddr >>> PAGE_SHIFT;
    if (frame < this.frames) {
      let e = (frameAddr | TLB_V) | 0;
      if ((combined & PTE_U) === 0) e |= TLB_NU;
      if ((combined & PTE_W) === 0) {
        e |= TLB_NUW;
        if (this.cr0 & CR0_WP) e |= TLB_NSW;
      }
      if ((updated & PTE_D) === 0) e |= TLB_CLEAN;
      if (this.codeFrames[frame]) e |= TLB_CODE;
      if (entry & PTE_G && this.cr4 & CR4_PGE) e |= TLB_G;
      if (large) {
        e |= TLB_LARGE;
        this.largeRegions[vpn >>> 10] = 1;
      }
      this.fillTlb(vpn, e);
    }
    return (frameAddr | (linear & PAGE_MASK)) >>> 0;
  }

  private readPhysEntry(addr: number): number {
    return addr < this.ramSize ? this.i32[addr >>> 2] : -1;
  }

  private pageFault(linear: number, error: number): number {
    this.cr2 = linear >>> 0;
    this.stats.pageFaults++;
    FAULT.vector = VEC_PF;
    FAULT.error = error;
    return -1;
  }

  /**
   * The Int32Array index of `len` bytes at `linear` when all of them can be read (at the
   * current privilege) without a walk: a TLB hit, 4-byte aligned, within one page. Else
   * -1. Reading through the index is then exactly what read32 does on its fast path.
   */
  readIndex(linear: number, len: number): number {
    return this.tlbIndex(linear, len, this.rmask);
  }

  /** readIndex for an implicit supervisor write (writeSys32's fast path), or -1. */
  sysWriteIndex(linear: number, len: number): number {
    return this.tlbIndex(linear, len, MASK_SYS_WRITE);
  }

  private tlbIndex(linear: number, len: number, mask: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & mask) === TLB_V && (linear & 3) === 0 && (linear & PAGE_MASK) + len <= 4096) {
      return ((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 2;
    }
    return -1;
  }

  /** walk(), or the translate() a debugger hooked in (which then throws on a fault). */
  private walkNF(linear: number, write: boolean, user: boolean): number {
    return this.translate === TRANSLATE ? this.walk(linear, write, user) : this.translate(linear, write, user);
  }

  // ---------------------------------------------------------------------------------
  // Non-throwing accesses for compiled code (jit.ts): the same as read32/write32/…, but a
  // #PF on a page-local access is reported by setting `nf` (reads) or returning false
  // (writes) with FAULT pending, instead of throwing. Page-crossing accesses take the
  // throwing slow paths (the run loop catches those as before).

  /** Set to 1 by a faulting *NF read; the caller clears it. */
  nf = 0;

  read8NF(linear: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.rmask) === TLB_V) return this.u8[(e & ~PAGE_MASK) | (linear & PAGE_MASK)];
    const p = this.walkNF(linear, false, this.user);
    if (p < 0) {
      this.nf = 1;
      return 0;
    }
    return this.readPhys8(p);
  }

  read32NF(linear: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.rmask) === TLB_V && (linear & 3) === 0) {
      return this.i32[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 2];
    }
    if ((linear & PAGE_MASK) > PAGE_MASK - 3) return this.read32Slow(linear, this.user);
    const p = this.walkNF(linear, false, this.user);
    if (p < 0) {
      this.nf = 1;
      return 0;
    }
    return this.readPhys32(p);
  }

  /** rmw32 (write access checked, then read) without the throw. */
  rmw32NF(linear: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.wmask) === TLB_V && (linear & 3) === 0) {
      return this.i32[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 2];
    }
    if ((linear & PAGE_MASK) > PAGE_MASK - 3) return this.rmw32(linear);
    const p = this.walkNF(linear, true, this.user);
    if (p < 0) {
      this.nf = 1;
      return 0;
    }
    return this.readPhys32(p);
  }

  tryWrite8(linear: number, value: number): boolean {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.wmask) === TLB_V) {
      this.u8[(e & ~PAGE_MASK) | (linear & PAGE_MASK)] = value;
      return true;
    }
    const p = this.walkNF(linear, true, this.user);
    if (p < 0) return false;
    this.writePhys8(p, value);
    return true;
  }

  tryWrite32(linear: number, value: number): boolean {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.wmask) === TLB_V && (linear & 3) === 0) {
      this.i32[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 2] = value;
      return true;
    }
    if ((linear & PAGE_MASK) > PAGE_MASK - 3) {
      this.write32Slow(linear, value, this.user);
      return true;
    }
    const p = this.walkNF(linear, true, this.user);
    if (p < 0) return false;
    this.writePhys32(p, value);
    return true;
  }

  // ---------------------------------------------------------------------------------
  // Linear-address accesses at the current privilege level. `linear` may be signed or
  // unsigned; values are returned as int32 (reads of 8/16 bits are zero-extended).

  read8(linear: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.rmask) === TLB_V) return this.u8[(e & ~PAGE_MASK) | (linear & PAGE_MASK)];
    return this.readPhys8(this.translate(linear, false, this.user));
  }

  read16(linear: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.rmask) === TLB_V && (linear & 1) === 0) {
      return this.u16[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 1];
    }
    return this.read16Slow(linear, this.user);
  }

  read32(linear: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.rmask) === TLB_V && (linear & 3) === 0) {
      return this.i32[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 2];
    }
    return this.read32Slow(linear, this.user);
  }

  write8(linear: number, value: number): void {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.wmask) === TLB_V) {
      this.u8[(e & ~PAGE_MASK) | (linear & PAGE_MASK)] = value;
      return;
    }
    this.writePhys8(this.translate(linear, true, this.user), value);
  }

  write16(linear: number, value: number): void {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.wmask) === TLB_V && (linear & 1) === 0) {
      this.u16[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 1] = value;
      return;
    }
    this.write16Slow(linear, value, this.user);
  }

  write32(linear: number, value: number): void {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.wmask) === TLB_V && (linear & 3) === 0) {
      this.i32[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 2] = value;
      return;
    }
    this.write32Slow(linear, value, this.user);
  }

  /**
   * Reads for a read-modify-write instruction: write access is checked (and the page
   * walked for a write, setting D) before the read, as the CPU does, so a fault leaves
   * the instruction unexecuted and the write that follows cannot fault. The error code of
   * such a fault has W=1.
   */
  rmw8(linear: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.wmask) === TLB_V) return this.u8[(e & ~PAGE_MASK) | (linear & PAGE_MASK)];
    return this.readPhys8(this.translate(linear, true, this.user));
  }

  rmw16(linear: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.wmask) === TLB_V && (linear & 1) === 0) {
      return this.u16[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 1];
    }
    this.probeWrite(linear, 2);
    return this.read16Slow(linear, this.user);
  }

  rmw32(linear: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.wmask) === TLB_V && (linear & 3) === 0) {
      return this.i32[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 2];
    }
    this.probeWrite(linear, 4);
    return this.read32Slow(linear, this.user);
  }

  /**
   * Check that `len` bytes at `linear` are writable (faulting now if not) without writing.
   * Used by instructions that must fault before changing any state (push frames, movs).
   */
  probeWrite(linear: number, len: number): void {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.wmask) !== TLB_V || (linear & PAGE_MASK) + len > 4096) {
      this.translate(linear, true, this.user);
      // A fault on the second page reports its first byte in CR2, as the CPU does.
      const last = (linear + len - 1) | 0;
      if ((last ^ linear) >>> PAGE_SHIFT) this.translate((linear | PAGE_MASK) + 1, true, this.user);
    }
  }

  probeRead(linear: number, len: number): void {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & this.rmask) !== TLB_V || (linear & PAGE_MASK) + len > 4096) {
      this.translate(linear, false, this.user);
      // A fault on the second page reports its first byte in CR2, as the CPU does.
      const last = (linear + len - 1) | 0;
      if ((last ^ linear) >>> PAGE_SHIFT) this.translate((linear | PAGE_MASK) + 1, false, this.user);
    }
  }

  // Supervisor ("implicit") accesses: descriptor tables, the TSS, the IDT. They ignore
  // CPL (SDM vol. 3A §4.6.1), so they test the TLB with the supervisor masks whatever the
  // current privilege level. Every segment load of the entry stubs (SAVE_ALL's DS/ES,
  // restore_all's pops) and every interrupt delivery reads descriptors this way: a hit
  // must not walk the page tables.

  readSys8(linear: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & MASK_SYS_READ) === TLB_V) return this.u8[(e & ~PAGE_MASK) | (linear & PAGE_MASK)];
    return this.readPhys8(this.translate(linear, false, false));
  }
  readSys16(linear: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & MASK_SYS_READ) === TLB_V && (linear & 1) === 0) {
      return this.u16[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 1];
    }
    return this.read16Slow(linear, false);
  }
  readSys32(linear: number): number {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & MASK_SYS_READ) === TLB_V && (linear & 3) === 0) {
      return this.i32[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 2];
    }
    return this.read32Slow(linear, false);
  }
  /** probeWrite for an implicit supervisor access (an interrupt frame on the kernel
   *  stack): walks only on a TLB miss, a page crossing, or a TLB_KEPT entry. */
  probeWriteSys(linear: number, len: number): void {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & MASK_SYS_WRITE) !== TLB_V || (linear & PAGE_MASK) + len > 4096) {
      this.translate(linear, true, false);
      const last = (linear + len - 1) | 0;
      if ((last ^ linear) >>> PAGE_SHIFT) this.translate(last, true, false);
    }
  }
  writeSys8(linear: number, value: number): void {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & MASK_SYS_WRITE) === TLB_V) {
      this.u8[(e & ~PAGE_MASK) | (linear & PAGE_MASK)] = value;
      return;
    }
    this.writePhys8(this.translate(linear, true, false), value);
  }
  writeSys16(linear: number, value: number): void {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & MASK_SYS_WRITE) === TLB_V && (linear & 1) === 0) {
      this.u16[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 1] = value;
      return;
    }
    this.write16Slow(linear, value, false);
  }
  writeSys32(linear: number, value: number): void {
    const e = this.tlb[linear >>> PAGE_SHIFT];
    if ((e & MASK_SYS_WRITE) === TLB_V && (linear & 3) === 0) {
      this.i32[((e & ~PAGE_MASK) | (linear & PAGE_MASK)) >>> 2] = value;
      return;
    }
    this.write32Slow(linear, value, false);
  }

  // ---------------------------------------------------------------------------------
  // Slow paths. Page-crossing accesses translate both pages before touching memory, so
  // a fault on the second page leaves the first untouched (the instruction restarts).

  private read16Slow(linear: number, user: boolean): number {
    if ((linear & PAGE_MASK) === PAGE_MASK) {
      const p0 = this.translate(linear, false, user);
      const p1 = this.translate((linear + 1) | 0, false, user);
      return this.readPhys8(p0) | (this.readPhys8(p1) << 8);
    }
    return this.readPhys16(this.translate(linear, false, user));
  }

  private read32Slow(linear: number, user: boolean): number {
    if ((linear & PAGE_MASK) > PAGE_MASK - 3) {
      const p0 = this.translate(linear, false, user);
      const p1 = this.translate((linear | PAGE_MASK) + 1, false, user);
      const n0 = 4096 - (linear & PAGE_MASK);
      let v = 0;
      for (let k = 0; k < 4; k++) v |= this.readPhys8(k < n0 ? p0 + k : p1 + k - n0) << (8 * k);
      return v;
    }
    return this.readPhys32(this.translate(linear, false, user));
  }

  private write16Slow(linear: number, value: number, user: boolean): void {
    if ((linear & PAGE_MASK) === PAGE_MASK) {
      const p0 = this.translate(linear, true, user);
      const p1 = this.translate((linear + 1) | 0, true, user);
      this.writePhys8(p0, value);
      this.writePhys8(p1, value >> 8);
      return;
    }
    this.writePhys16(this.translate(linear, true, user), value);
  }

  private write32Slow(linear: number, value: number, user: boolean): void {
    if ((linear & PAGE_MASK) > PAGE_MASK - 3) {
      const p0 = this.translate(linear, true, user);
      const p1 = this.translate((linear | PAGE_MASK) + 1, true, user);
      const n0 = 4096 - (linear & PAGE_MASK);
      for (let k = 0; k < 4; k++) this.writePhys8(k < n0 ? p0 + k : p1 + k - n0, value >> (8 * k));
      return;
    }
    this.writePhys32(this.translate(linear, true, user), value);
  }

  // ---------------------------------------------------------------------------------
  // Physical accesses. Beyond the end of RAM reads float high (all ones) and writes are
  // dropped, as on a PC bus with nothing there. Writes invalidate decoded code first.

  readPhys8(p: number): number {
    return p < this.ramSize ? this.u8[p] : 0xff;
  }

  readPhys16(p: number): number {
    if (p + 1 < this.ramSize) return p & 1 ? this.u8[p] | (this.u8[p + 1] << 8) : this.u16[p >>> 1];
    return this.readPhys8(p) | (this.readPhys8(p + 1) << 8);
  }

  readPhys32(p: number): number {
    if (p + 3 < this.ramSize) {
      if ((p & 3) === 0) return this.i32[p >>> 2];
      const u8 = this.u8;
      return u8[p] | (u8[p + 1] << 8) | (u8[p + 2] << 16) | (u8[p + 3] << 24);
    }
    return this.readPhys8(p) | (this.readPhys8(p + 1) << 8) | (this.readPhys8(p + 2) << 16) | (this.readPhys8(p + 3) << 24);
  }

  writePhys8(p: number, value: number): void {
    if (p >= this.ramSize) return;
    if (this.codeFrames[p >>> PAGE_SHIFT]) this.onCodeWrite(p >>> PAGE_SHIFT);
    this.u8[p] = value;
  }

  writePhys16(p: number, value: number): void {
    if (p + 1 >= this.ramSize || p & 1) {
      this.writePhys8(p, value);
      this.writePhys8(p + 1, value >> 8);
      return;
    }
    if (this.codeFrames[p >>> PAGE_SHIFT]) this.onCodeWrite(p >>> PAGE_SHIFT);
    this.u16[p >>> 1] = value;
  }

  writePhys32(p: number, value: number): void {
    if (p + 3 >= this.ramSize || p & 3) {
      for (let k = 0; k < 4; k++) this.writePhys8(p + k, value >> (8 * k));
      return;
    }
    if (this.codeFrames[p >>> PAGE_SHIFT]) this.onCodeWrite(p >>> PAGE_SHIFT);
    this.i32[p >>> 2] = value;
  }

  /** Copy host bytes into physical memory (loaders, the kernel), invalidating code. */
  writePhysBytes(p: number, bytes: Uint8Array): void {
    if (p < 0 || p + bytes.length > this.ramSize) throw new RangeError(`physical write 0x${p.toString(16)}+${bytes.length} outside RAM`);
    for (let f = p >>> PAGE_SHIFT; f <= (p + bytes.length - 1) >>> PAGE_SHIFT; f++) {
      if (this.codeFrames[f]) this.onCodeWrite(f);
    }
    this.u8.set(bytes, p);
  }

  /** Zero or fill a physical range (the kernel's clear_page), invalidating code. */
  fillPhys(p: number, len: number, value: number): void {
    if (p < 0 || p + len > this.ramSize) throw new RangeError(`physical fill 0x${p.toString(16)}+${len} outside RAM`);
    for (let f = p >>> PAGE_SHIFT; f <= (p + len - 1) >>> PAGE_SHIFT; f++) {
      if (this.codeFrames[f]) this.onCodeWrite(f);
    }
    if (((p | len) & 3) === 0 && value === 0) this.i32.fill(0, p >>> 2, (p + len) >>> 2);
    else this.u8.fill(value, p, p + len);
  }

  /** Copy a physical range (the kernel's copy_page), invalidating code at the target. */
  copyPhys(dst: number, src: number, len: number): void {
    for (let f = dst >>> PAGE_SHIFT; f <= (dst + len - 1) >>> PAGE_SHIFT; f++) {
      if (this.codeFrames[f]) this.onCodeWrite(f);
    }
    // whole words when aligned (copy_page): faster than a byte copy in V8
    if (((dst | src | len) & 3) === 0) this.i32.copyWithin(dst >>> 2, src >>> 2, (src + len) >>> 2);
    else this.u8.copyWithin(dst, src, src + len);
  }
}

/** The MMU's own translate(), to tell when a debugger has wrapped an instance's. */
const TRANSLATE = Mmu.prototype.translate;
