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

import {
  ESP, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, VEC_GP, VEC_NP, VEC_SS, VEC_TS,
} from './constants.js';
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

/*
 * Loads that succeeded, as a memo of the pure function (register, selector, CPL,
 * descriptor dwords) → cache contents, direct-mapped by register and descriptor index
 * (so that the kernel's and the user's selectors, alternating in DS and ES on every
 * kernel entry and exit, do not evict each other): when a load reads the same two dwords
 * for the same selector at the same CPL, every check of the SDM's pseudo-code gives the
 * same result as then (success), the accessed bit is already set in memory (the memo
 * holds the dwords as they were after it was set), and the cache gets the same base,
 * limit and attributes. The
 * descriptor is still read from the table on every load, so a changed GDT/LDT entry,
 * table base or limit is seen at once. No state of any one CPU is kept: the memo is
 * shared by every CPU and never needs invalidating. memoSel -1: empty.
 */
const MEMO_WAYS = 64;
const MEMO_SIZE = 6 * MEMO_WAYS;
const memoSel = new Int32Array(MEMO_SIZE).fill(-1);
const memoCpl = new Int32Array(MEMO_SIZE);
const memoLo = new Int32Array(MEMO_SIZE);
const memoHi = new Int32Array(MEMO_SIZE);
const memoBase = new Int32Array(MEMO_SIZE);
const memoLimit = new Float64Array(MEMO_SIZE);
const memoAttr = new Int32Array(MEMO_SIZE);

function memoSlot(seg: number, sel: number): number {
  return seg * MEMO_WAYS + ((sel >>> 3) & (MEMO_WAYS - 1));
}

/** Load from the memo if it holds this load (see above); false: do the full load. */
function loadMemo(cpu: CPU, seg: number, sel: number, d: Descriptor): boolean {
  const m = memoSlot(seg, sel);
  if (memoSel[m] !== sel || memoLo[m] !== d.lo || memoHi[m] !== d.hi || memoCpl[m] !== cpu.cpl) return false;
  cpu.setSegCache(seg, sel, memoBase[m], memoLimit[m], memoAttr[m]);
  return true;
}

/** A full load succeeded: set the accessed bit, fill the cache, remember it. */
function loadChecked(cpu: CPU, seg: number, sel: number, d: Descriptor): void {
  setAccessed(cpu, d);
  const base = descBase(d), limit = descLimit(d), attr = descAttr(d);
  cpu.setSegCache(seg, sel, base, limit, attr);
  const m = memoSlot(seg, sel);
  memoSel[m] = sel;
  memoCpl[m] = cpu.cpl;
  memoLo[m] = d.lo;
  memoHi[m] = d.hi;
  memoBase[m] = base;
  memoLimit[m] = limit;
  memoAttr[m] = attr;
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
    if (loadMemo(cpu, seg, sel, d)) return;
    const kind = descKind(d);
    // a writable data segment: S=1, code=0, W=1
    if ((kind & 0x1a) !== 0x12 || descDpl(d) !== cpu.cpl) raise(VEC_GP, err);
    if (!isPresent(d)) raise(VEC_SS, err);
    loadChecked(cpu, seg, sel, d);
    return;
  }
  if (err === 0) {
    loadNull(cpu, seg, sel);
    return;
  }
  const d = scratch;
  if (!readDescriptor(cpu, sel, d)) raise(VEC_GP, err);
  if (loadMemo(cpu, seg, sel, d)) return;
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
  loadChecked(cpu, seg, sel, d);
}

/**
 * After a return to an outer privilege level (iret, far ret): the data segment registers
 * ES, DS, FS and GS whose descriptor DPL is below the new CPL are loaded with null (SDM
 * vol. 2 RET/IRET).
 */
export function nullifyInaccessible(cpu: CPU): void {
  nullifyIfInaccessible(cpu, SEG_ES);
  nullifyIfInaccessible(cpu, SEG_DS);
  nullifyIfInaccessible(cpu, SEG_FS);
  nullifyIfInaccessible(cpu, SEG_GS);
}

function nullifyIfInaccessible(cpu: CPU, seg: number): void {
  const attr = cpu.segAttr[seg];
  if ((attr & SEGATTR_P) === 0) return;
  const dpl = (attr >> 5) & 3;
  const conformingCode = (attr & SEGATTR_S) !== 0 && (attr & 0x0c) === 0x0c;
  if (!conformingCode && dpl < cpu.cpl) loadNull(cpu, seg, 0);
}

/**
 * The checks of the code segment a far RET or IRET returns to (SDM vol. 2 RET and IRET,
 * protected mode), reading its descriptor into `cd`: #GP(0) for a null selector;
 * #GP(selector) outside its table, not code, RPL < CPL, DPL > RPL (conforming) or
 * DPL != RPL (non-conforming); #NP(selector) not present.
 */
export function checkReturnCs(cpu: CPU, sel: number, cd: Descriptor): void {
  const err = sel & 0xfffc;
  if (err === 0) raise(VEC_GP, 0);
  if (!readDescriptor(cpu, sel, cd)) raise(VEC_GP, err);
  const kind = descKind(cd);
  if ((kind & 0x18) !== 0x18) raise(VEC_GP, err);
  const rpl = sel & 3;
  if (rpl < cpu.cpl) raise(VEC_GP, err);
  if (kind & 0x04 ? descDpl(cd) > rpl : descDpl(cd) !== rpl) raise(VEC_GP, err);
  if (!isPresent(cd)) raise(VEC_NP, err);
}

/**
 * The checks of a selector that a privilege change loads into SS at privilege `cpl` (the
 * inner stack from the TSS, or the stack an outer return goes back to), reading its
 * descriptor into `sd`: `vec`(ext) for a null selector; `vec`(selector + ext) outside its
 * table, RPL or DPL != cpl, or not a writable data segment; #SS(selector + ext) not
 * present.
 */
export function checkStackSegment(cpu: CPU, sel: number, cpl: number, sd: Descriptor, vec: number, ext: number): void {
  const err = sel & 0xfffc;
  if (err === 0) raise(vec, ext);
  if (!readDescriptor(cpu, sel, sd)) raise(vec, err + ext);
  if ((sel & 3) !== cpl || descDpl(sd) !== cpl || (descKind(sd) & 0x1a) !== 0x12) raise(vec, err + ext);
  if (!isPresent(sd)) raise(VEC_SS, err + ext);
}

/** The stack a change to an inner privilege level switches to; see readInnerStack. */
export interface InnerStack {
  /** SS selector, and its descriptor. */
  ss: number;
  readonly desc: Descriptor;
  /** ESP from the TSS, and the new ESP once the frame is pushed. */
  esp: number;
  top: number;
}

const innerStack: InnerStack = { ss: 0, desc: { lo: 0, hi: 0, addr: 0 }, esp: 0, top: 0 };

/**
 * The stack for a change to the more privileged level `cpl` (interrupt delivery, CALL
 * through a call gate), from the current TSS: a 32-bit TSS has ESPn at 4+8n and SSn at
 * 8+8n, a 16-bit one SPn at 2+4n and SSn at 4+4n. #TS(TR + ext) when the TSS is too
 * short; SS is checked by checkStackSegment with #TS. `top` is ESP less a `frame` of
 * bytes, within the stack's size (SS.B). Reads and checks only: nothing is loaded, and
 * the caller still checks the frame against the stack's limit. The result is reused.
 */
export function readInnerStack(cpu: CPU, cpl: number, frame: number, ext: number): InnerStack {
  const mmu = cpu.mmu;
  const tss32 = (cpu.trAttr & 0x08) !== 0;
  const spOff = tss32 ? 4 + 8 * cpl : 2 + 4 * cpl;
  const ssOff = tss32 ? 8 + 8 * cpl : 4 + 4 * cpl;
  if (ssOff + 1 > cpu.trLimit) raise(VEC_TS, (cpu.trSel & 0xfffc) + ext);
  const s = innerStack;
  s.ss = mmu.readSys16((cpu.trBase + ssOff) | 0);
  s.esp = tss32 ? mmu.readSys32((cpu.trBase + spOff) | 0) : mmu.readSys16((cpu.trBase + spOff) | 0);
  checkStackSegment(cpu, s.ss, cpl, s.desc, VEC_TS, ext);
  s.top = (s.esp - frame) & (descAttr(s.desc) & SEGATTR_DB ? -1 : 0xffff);
  return s;
}

/** Commit the switch to a stack read by readInnerStack: load SS, and ESP = its `top`. */
export function switchToInnerStack(cpu: CPU, s: InnerStack): void {
  setAccessed(cpu, s.desc);
  loadCache(cpu, SEG_SS, s.ss, s.desc);
  cpu.regs[ESP] = descAttr(s.desc) & SEGATTR_DB ? s.top : (cpu.regs[ESP] & ~0xffff) | s.top;
}

export { SEGATTR_DB };
