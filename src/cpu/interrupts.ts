// Interrupt and exception delivery through the IDT, and IRET, in protected mode
// (SDM vol. 3A §6.10-6.15 and the INT n / IRET pseudo-code of vol. 2).
//
// Delivery first reads and checks everything (gate, target code segment, the new stack
// from the TSS, the frame's memory) and only then commits, so a fault during delivery
// leaves the CPU as it was: the fault is delivered instead (or escalates to #DF, then to
// a shutdown, per SDM table 6-5).
//
// Gates supported: 32- and 16-bit interrupt and trap gates. Task gates and hardware task
// switching are not emulated: a task gate in the IDT raises #GP(vector*8+2).
//
// Frame pushed on the handler's stack (32-bit gate; a 16-bit gate pushes words):
//
//   privilege change (CPL3 → CPL0)        same privilege
//   +------------+ <- TSS.ESP0             +------------+ <- old ESP
//   | old SS     |                         | EFLAGS     |
//   | old ESP    |                         | CS         |
//   | EFLAGS     |                         | EIP        |
//   | CS         |                         | error code | (some exceptions)
//   | EIP        |                         +------------+ <- new ESP
//   | error code | (some exceptions)
//   +------------+ <- new ESP

import {
  EFLAGS_AC, EFLAGS_IF, EFLAGS_IOPL, EFLAGS_IOPL_SHIFT, EFLAGS_NT, EFLAGS_RF, EFLAGS_TF,
  EFLAGS_VM, EFLAGS_WRITABLE, EFLAGS_FIXED, ESP, SEG_CS, SEG_SS,
  VEC_DF, VEC_GP, VEC_NP, VEC_PF, VEC_SS, VEC_TS, pushesErrorCode,
} from './constants.js';
import type { CPU } from './cpu.js';
import { FAULT, raise } from './fault.js';
import {
  checkReturnCs, checkStackSegment, descBase, descDpl, descKind, descLimit, descAttr, isPresent,
  nullifyInaccessible, readDescriptor, readInnerStack, setAccessed, switchToInnerStack, type Descriptor,
} from './segments.js';
import type { Insn } from './insn.js';
import { faultPhases, faultReturned } from '../perf/fault-phases.js';

/** Cycle costs of delivery (i486 INT n: 44 same privilege, 71 through a privilege change). */
export const CYCLES_INT_SAME = 44;
export const CYCLES_INT_OUTER = 71;
export const CYCLES_IRET_SAME = 15;
export const CYCLES_IRET_OUTER = 36;

const codeDesc: Descriptor = { lo: 0, hi: 0, addr: 0 };
const stackDesc: Descriptor = { lo: 0, hi: 0, addr: 0 };

/** Vector being delivered while delivering, for double-fault detection; -1 when idle. */
let delivering = -1;

function isContributory(v: number): boolean {
  return v === 0 || (v >= VEC_TS && v <= VEC_GP);
}

/**
 * Deliver an exception (or a software interrupt when `software`). EIP is the return
 * address. Faults during a software interrupt's delivery propagate to the caller (the INT
 * instruction then faults); faults during an exception's delivery escalate per table 6-5.
 */
export function deliverException(cpu: CPU, vector: number, error: number, software: boolean): void {
  if (software) {
    deliverVector(cpu, vector, -1, true, false);
    return;
  }
  if (error < 0 && pushesErrorCode(vector)) error = 0;
  if (error >= 0 && !pushesErrorCode(vector)) error = -1;
  deliverNested(cpu, vector, error, true);
}

/** An external (hardware) interrupt: EXT=1 in error codes of faults during delivery. */
export function deliverInterrupt(cpu: CPU, vector: number): void {
  delivering = -1;
  try {
    deliverVector(cpu, vector, -1, false, true);
  } catch (e) {
    if (e !== FAULT) throw e;
    deliverNested(cpu, FAULT.vector, FAULT.error, true);
  }
}

function deliverNested(cpu: CPU, vector: number, error: number, ext: boolean): void {
  let v = vector;
  let err = error;
  for (;;) {
    const first = delivering;
    delivering = v;
    try {
      deliverVector(cpu, v, err, false, ext);
      delivering = -1;
      return;
    } catch (e) {
      if (e !== FAULT) {
        delivering = -1;
        throw e;
      }
      const second = FAULT.vector;
      const current = v;
      void first;
      if (current === VEC_DF) {
        // A fault while delivering #DF: shutdown (triple fault).
        delivering = -1;
        cpu.shutdown = true;
        return;
      }
      const df = (isContributory(current) && isContributory(second)) || (current === VEC_PF && (second === VEC_PF || isContributory(second)));
      if (df) {
        v = VEC_DF;
        err = 0;
      } else {
        v = second;
        err = pushesErrorCode(second) ? Math.max(FAULT.error, 0) : -1;
      }
    }
  }
}

/** Read the gate, check, switch stacks if needed, push the frame, and jump. */
function deliverVector(cpu: CPU, vector: number, error: number, software: boolean, external: boolean): void {
  const ext = software ? 0 : 1;
  const idtErr = vector * 8 + 2 + ext;
  if (vector * 8 + 7 > cpu.idtLimit) raise(VEC_GP, idtErr);
  const mmu = cpu.mmu;
  const gateLo = mmu.readSys32((cpu.idtBase + vector * 8) | 0);
  const gateHi = mmu.readSys32((cpu.idtBase + vector * 8 + 4) | 0);
  const gateType = (gateHi >>> 8) & 0x1f;
  if (gateType !== 0x0e && gateType !== 0x0f && gateType !== 0x06 && gateType !== 0x07) raise(VEC_GP, idtErr);
  if (software && ((gateHi >>> 13) & 3) < cpu.cpl) raise(VEC_GP, vector * 8 + 2);
  if ((gateHi & 0x8000) === 0) raise(VEC_NP, idtErr);
  const gate32 = (gateType & 0x08) !== 0;
  const trapGate = (gateType & 0x01) !== 0;
  const sel = gateLo >>> 16;
  let offset = ((gateHi & 0xffff0000) | (gateLo & 0xffff)) >>> 0;
  if (!gate32) offset &= 0xffff;

  // The target code segment.
  if ((sel & 0xfffc) === 0) raise(VEC_GP, ext);
  const cd = codeDesc;
  if (!readDescriptor(cpu, sel, cd)) raise(VEC_GP, (sel & 0xfffc) + ext);
  const kind = descKind(cd);
  if ((kind & 0x18) !== 0x18 || descDpl(cd) > cpu.cpl) raise(VEC_GP, (sel & 0xfffc) + ext);
  if (!isPresent(cd)) raise(VEC_NP, (sel & 0xfffc) + ext);
  const conforming = (kind & 0x04) !== 0;
  const newCpl = conforming ? cpu.cpl : descDpl(cd);
  if (offset > descLimit(cd)) raise(VEC_GP, ext);

  const w = gate32 ? 4 : 2;
  const nwords = (newCpl < cpu.cpl ? 5 : 3) + (error >= 0 ? 1 : 0);
  const oldFlags = cpu.getFlags();
  const oldCs = cpu.segSel[SEG_CS];
  const oldEip = cpu.eip;

  if (newCpl < cpu.cpl) {
    // Inter-privilege: the new stack comes from the TSS.
    const frame = nwords * w;
    const s = readInnerStack(cpu, newCpl, frame, ext);
    checkStackLimit(s.desc, s.ss, s.top, frame, ext);
    const lin = (descBase(s.desc) + s.top) | 0;
    probeSys(cpu, lin, frame);
    // Commit.
    const oldSs = cpu.segSel[SEG_SS];
    const oldEsp = cpu.regs[ESP];
    const q = w === 4 ? mmu.sysWriteIndex(lin, frame) : -1;
    if (q >= 0) {
      // the whole frame in one page with a TLB hit: writeSys32's fast path, word by word
      const i32 = mmu.i32;
      let k = q;
      if (error >= 0) i32[k++] = error;
      i32[k++] = oldEip;
      i32[k++] = oldCs;
      i32[k++] = oldFlags;
      i32[k++] = oldEsp;
      i32[k] = oldSs;
    } else {
      let p = lin;
      if (error >= 0) { writeSys(cpu, p, w, error); p += w; }
      writeSys(cpu, p, w, oldEip); p += w;
      writeSys(cpu, p, w, oldCs); p += w;
      writeSys(cpu, p, w, oldFlags); p += w;
      writeSys(cpu, p, w, oldEsp); p += w;
      writeSys(cpu, p, w, oldSs);
    }
    switchToInnerStack(cpu, s);
    cpu.cycles += CYCLES_INT_OUTER;
  } else {
    const sp = (cpu.regs[ESP] - nwords * w) & cpu.stackMask;
    const lin = cpu.linear(SEG_SS, sp, nwords * w, true);
    if (newCpl === 3) cpu.mmu.probeWrite(lin, nwords * w);
    else probeSys(cpu, lin, nwords * w);
    let p = lin;
    const put = newCpl === 3 ? write : writeSys;
    if (error >= 0) { put(cpu, p, w, error); p += w; }
    put(cpu, p, w, oldEip); p += w;
    put(cpu, p, w, oldCs); p += w;
    put(cpu, p, w, oldFlags);
    cpu.regs[ESP] = cpu.stackMask === -1 ? sp : (cpu.regs[ESP] & ~0xffff) | sp;
    cpu.cycles += CYCLES_INT_SAME;
  }
  setAccessed(cpu, cd);
  cpu.setSegCache(SEG_CS, (sel & 0xfffc) | newCpl, descBase(cd), descLimit(cd), descAttr(cd));
  cpu.setCpl(newCpl);
  cpu.eip = offset;
  let f = oldFlags & ~(EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM);
  if (!trapGate) f &= ~EFLAGS_IF;
  cpu.flags = f;
  cpu.lazy = 0;
  cpu.halted = false;
  void external;
}

/** The new stack must hold the frame (SDM vol. 2 INT n: "#SS(SS selector + EXT)"),
 *  expand-down stacks between limit+1 and their upper bound (64 KiB or 4 GiB by B). */
function checkStackLimit(sd: Descriptor, sel: number, top: number, len: number, ext: number): void {
  const limit = descLimit(sd);
  const expandDown = (descKind(sd) & 0x04) !== 0;
  const last = (top >>> 0) + len - 1;
  const upper = descAttr(sd) & 0x4000 ? 0xffffffff : 0xffff;
  if (expandDown ? top >>> 0 <= limit || last > upper : last > limit) raise(VEC_SS, (sel & 0xfffc) + ext);
}

/** Check that `len` bytes at `lin` can be written by a supervisor access (#PF if not). */
export function probeSys(cpu: CPU, lin: number, len: number): void {
  cpu.mmu.probeWriteSys(lin, len); // a TLB hit needs no walk
}

/** Write `w` bytes (2 or 4) as a supervisor access. */
export function writeSys(cpu: CPU, lin: number, w: number, v: number): void {
  if (w === 4) cpu.mmu.writeSys32(lin, v);
  else cpu.mmu.writeSys16(lin, v);
}

/** Write `w` bytes (2 or 4) at the current privilege. */
export function write(cpu: CPU, lin: number, w: number, v: number): void {
  if (w === 4) cpu.mmu.write32(lin, v);
  else cpu.mmu.write16(lin, v);
}

/**
 * IRET in protected mode (SDM vol. 2 IRET, "PROTECTED-MODE" and "RETURN-TO-OUTER-
 * PRIVILEGE-LEVEL"). Nested-task returns (EFLAGS.NT=1) and returns to virtual-8086 mode
 * are not emulated: NT=1 raises #GP(0); VM in the popped EFLAGS is ignored.
 */
export function iret(cpu: CPU, i: Insn): void {
  if (cpu.flags & EFLAGS_NT) raise(VEC_GP, 0);
  const os = i.os;
  // The frame (up to 5 dwords) in one page of a flat 32-bit stack with a TLB hit: read it
  // at once (what the peeks below do, without a walk, so without any side effect).
  const q = os === 4 && cpu.segFlat[SEG_SS] && cpu.stackMask === -1
    ? cpu.mmu.readIndex((cpu.segBase[SEG_SS] + cpu.regs[ESP]) | 0, 20) : -1;
  const i32 = cpu.mmu.i32;
  const newEip = (q >= 0 ? i32[q] : cpu.peek(os, 0)) >>> 0;
  const newCs = (q >= 0 ? i32[q + 1] : cpu.peek(os, os)) & 0xffff;
  let newFlags = q >= 0 ? i32[q + 2] : cpu.peek(os, 2 * os);
  if (os === 2) newFlags = (cpu.getFlags() & 0xffff0000) | (newFlags & 0xffff);
  const rpl = newCs & 3;
  const cd = codeDesc;
  checkReturnCs(cpu, newCs, cd);
  if (newEip > descLimit(cd)) raise(VEC_GP, 0);

  const oldCpl = cpu.cpl;
  // EFLAGS: IOPL only at CPL 0; IF only when CPL <= IOPL (SDM IRET "EFLAGS" rules).
  let writable = EFLAGS_WRITABLE & ~EFLAGS_VM;
  if (oldCpl > 0) writable &= ~EFLAGS_IOPL;
  if (oldCpl > ((cpu.flags & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT)) writable &= ~EFLAGS_IF;
  if (os === 2) writable &= 0xffff;
  const flags = (cpu.getFlags() & ~writable) | (newFlags & writable) | EFLAGS_FIXED;

  if (rpl > oldCpl) {
    const newEsp = q >= 0 ? i32[q + 3] : cpu.peek(os, 3 * os);
    const newSs = (q >= 0 ? i32[q + 4] : cpu.peek(os, 4 * os)) & 0xffff;
    const sd = stackDesc;
    checkStackSegment(cpu, newSs, rpl, sd, VEC_GP, 0);
    setAccessed(cpu, cd);
    setAccessed(cpu, sd);
    cpu.setSegCache(SEG_CS, newCs, descBase(cd), descLimit(cd), descAttr(cd));
    cpu.setCpl(rpl);
    cpu.setSegCache(SEG_SS, newSs, descBase(sd), descLimit(sd), descAttr(sd));
    cpu.regs[ESP] = os === 4 ? newEsp : (cpu.regs[ESP] & ~0xffff) | (newEsp & 0xffff);
    nullifyInaccessible(cpu);
    cpu.cycles += CYCLES_IRET_OUTER - CYCLES_IRET_SAME;
  } else {
    setAccessed(cpu, cd);
    cpu.setSegCache(SEG_CS, newCs, descBase(cd), descLimit(cd), descAttr(cd));
    const sp = (cpu.regs[ESP] + 3 * os) & cpu.stackMask;
    cpu.regs[ESP] = cpu.stackMask === -1 ? sp : (cpu.regs[ESP] & ~0xffff) | sp;
  }
  cpu.eip = os === 4 ? newEip : newEip & 0xffff;
  cpu.flags = flags;
  cpu.lazy = 0;
  void EFLAGS_AC;
  if (faultPhases.pending && cpu.cpl === 3) faultReturned(); // host-time counters: back at CPL 3
}
