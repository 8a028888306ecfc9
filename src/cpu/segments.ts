// Segment descriptors and segment-register loads in protected mode (SDM vol. 3A §3.4-3.5,
// §5.5-5.8, and the pseudo-code of MOV/POP Sreg and LDS in vol. 2).
//
// A segment descriptor, as two dwords (lo at +0, hi at +4):
//
//  hi: 31       24 23 22  21 20  19   16 15 14 13 12 11    8 7            0
//     +-----------+--+---+--+---+-------+--+-----+--+-------+--------------+
//     |base 31:24 |G |D/B|0 |AVL|lim19:16|P | DPL |S | type  | base 23:16   |
//     +-----------+--+---+--+---+-------+--+-----+--+-------+--------------+
//  lo: 31                         16 15                                   0
//     +-----------------------------+-------------------------------------+
//     |         base 15:0           |              limit 15:0             |
//     +-----------------------------+-------------------------------------+
//
// The CPU keeps bits 8..23 of `hi` as the cached attribute word (see cpu.ts SEGATTR_*).

import { SEG_SS, VEC_GP, VEC_NP, VEC_SS } from './constants.js';
import { SEGATTR_DB, SEGATTR_G, SEGATTR_P, SEGATTR_S, type CPU } from './cpu.js';
import { raise } from './fault.js';

/** A descriptor read from a table; reused, never allocated per load. */
export interface Descriptor {
  lo: number;
  hi: number;
  /** Linear address of the descriptor (to set its accessed bit). */
  addr: number;
}

export const scratch: Descriptor = { lo: 0, hi: 0, addr: 0 };

export function descBase(d: Descriptor): number {
  return ((d.lo >>> 16) | ((d.hi & 0xff) << 16) | (d.hi & 0xff000000)) | 0;
}

export function descLimit(d: Descriptor): number {
  const raw = (d.lo & 0xffff) | (d.hi & 0xf0000);
  return d.hi & (SEGATTR_G << 8) ? ((raw << 12) | 0xfff) >>> 0 : raw;
}

export function descAttr(d: Descriptor): number {
  return (d.hi >>> 8) & 0xffff;
}

export function descDpl(d: Descriptor): number {
  return (d.hi >>> 13) & 3;
}

/** Type nibble with the S bit: 0x10..0x17 data, 0x18..0x1f code, 0x00..0x0f system. */
export function descKind(d: Descriptor): number {
  return (d.hi >>> 8) & 0x1f;
}

export function isPresent(d: Descriptor): boolean {
  return (d.hi & 0x8000) !== 0;
}

/**
 * Read the descriptor for `sel` from the GDT or LDT into `out`. Returns false when the
 * selector lies outside its table (callers raise the fault their instruction defines).
 */
export function readDescriptor(cpu: CPU, sel: number, out: Descriptor = scratch): boolean {
  const index = sel & 0xfff8;
  let base: number;
  let limit: number;
  if (sel & 4) {
    if ((cpu.ldtSel & 0xfffc) === 0) return false;
    base = cpu.ldtBase;
    limit = cpu.ldtLimit;
  } else {
    base = cpu.gdtBase;
    limit = cpu.gdtLimit;
  }
  if (index + 7 > limit) return false;
  out.addr = (base + index) | 0;
  out.lo = cpu.mmu.readSys32(out.addr);
  out.hi = cpu.mmu.readSys32((out.addr + 4) | 0);
  return true;
}

/** Set the accessed bit of a code/data descriptor in memory, as the CPU does on load. */
export function setAccessed(cpu: CPU, d: Descriptor): void {
  if ((d.hi & 0x100) === 0 && d.hi & 0x1000) {
    d.hi |= 0x100;
    cpu.mmu.writeSys32((d.addr + 4) | 0, d.hi);
  }
}

/** Fill a segment register's cache from a descriptor. */
export function loadCache(cpu: CPU, seg: number, sel: number, d: Descriptor): void {
  cpu.setSegCache(seg, sel, descBase(d), descLimit(d), descAttr(d));
}

/** The null selector in DS/ES/FS/GS: unusable, any access through it is #GP(0). */
export function loadNull(cpu: CPU, seg: number, sel: number): void {
  cpu.setSegCache(seg, sel, 0, 0, 0);
}

/**
 * MOV/POP to SS, DS, ES, FS or GS in protected mode, with every check of the SDM's
 * pseudo-code. Raises #GP(sel), #SS(sel) or #NP(sel); loads nothing on a fault.
 */
export function loadDataSegment(cpu: CPU, seg: number, sel: number): void {
  sel &= 0xffff;
  const rpl = sel & 3;
  const err = sel & 0xfffc;
  if (seg === SEG_SS) {
    if (err === 0) raise(VEC_GP, 0);
    if (rpl !== cpu.cpl) raise(VEC_GP, err);
    const d = scratch;
    if (!readDescriptor(cpu, sel, d)) raise(VEC_GP, err);
    const kind = descKind(d);
    // a writable data segment: S=1, code=0, W=1
    if ((kind & 0x1a) !== 0x12 || descDpl(d) !== cpu.cpl) raise(VEC_GP, err);
    if (!isPresent(d)) raise(VEC_SS, err);
    setAccessed(cpu, d);
    loadCache(cpu, seg, sel, d);
    return;
  }
  if (err === 0) {
    loadNull(cpu, seg, sel);
    return;
  }
  const d = scratch;
  if (!readDescriptor(cpu, sel, d)) raise(VEC_GP, err);
  const kind = descKind(d);
  if ((kind & 0x10) === 0) raise(VEC_GP, err); // system segment
  const code = (kind & 0x8) !== 0;
  if (code && (kind & 0x2) === 0) raise(VEC_GP, err); // execute-only code
  const conforming = code && (kind & 0x4) !== 0;
  if (!conforming) {
    const dpl = descDpl(d);
    if (rpl > dpl || cpu.cpl > dpl) raise(VEC_GP, err);
  }
  if (!isPresent(d)) raise(VEC_NP, err);
  setAccessed(cpu, d);
  loadCache(cpu, seg, sel, d);
}

/**
 * After a return to an outer privilege level (iret, far ret): data segment registers
 * whose descriptor DPL is below the new CPL are loaded with null (SDM vol. 2 RET/IRET).
 */
export function nullifyInaccessible(cpu: CPU, seg: number): void {
  const attr = cpu.segAttr[seg];
  if ((attr & SEGATTR_P) === 0) return;
  const dpl = (attr >> 5) & 3;
  const conformingCode = (attr & SEGATTR_S) !== 0 && (attr & 0x0c) === 0x0c;
  if (!conformingCode && dpl < cpu.cpl) loadNull(cpu, seg, 0);
}

export { SEGATTR_DB };
