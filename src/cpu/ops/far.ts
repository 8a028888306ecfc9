// Segment registers and far control transfers in protected mode (SDM vol. 2 MOV, PUSH,
// POP, LDS/LES/LFS/LGS/LSS, JMP, CALL, RET, IRET, INT n/INTO/INT3, BOUND; vol. 3A §5.8
// for privilege-level changes through call gates).
//
// Far JMP and CALL go to code segments at the current privilege (conforming or not) and
// through 32- or 16-bit call gates; a CALL through a gate to a more privileged
// non-conforming segment switches to the stack named in the TSS and copies the gate's
// parameter count of words/dwords from the caller's stack. Task gates and TSS
// descriptors (hardware task switching) are not emulated: #GP(selector).
//
// Every handler reads and checks everything that can fault (descriptors, the TSS, the
// return frame, the stack it will write) before it changes any register, so a fault
// restarts the instruction.
//
// Cycles (Intel486 PRM, protected mode): MOV Sreg,r/m 9; MOV r/m,Sreg 3; PUSH Sreg 3;
// POP Sreg 9; LDS/LES/LFS/LGS/LSS 12; JMP ptr16:32 18, m16:32 18, through a call gate 32
// (ptr) / 31 (mem); CALL ptr16:32 or m16:32 20, through a gate to the same privilege 35,
// to more privilege 69 without parameters, 77+4x with x parameters; RET far 18 (RET imm
// 17), to an outer privilege 33; IRET 15 (36 to an outer privilege, see interrupts.ts);
// INT n and INT3 44 at the same privilege, 71 through a privilege change (charged by the
// delivery in interrupts.ts, so their table cost is 0); INTO 3 not taken, 46/73 taken;
// BOUND 7 in range (out of range: the #BR delivery).

import type { OpDef } from '../optable.js';
import { SEGATTR_DB, type CPU } from '../cpu.js';
import type { Handler, Insn } from '../insn.js';
import {
  ESP, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS,
  VEC_BP, VEC_BR, VEC_GP, VEC_NP, VEC_OF, VEC_SS, VEC_UD,
} from '../constants.js';
import { raise } from '../fault.js';
import {
  checkReturnCs, checkStackSegment, descAttr, descBase, descDpl, descKind, descLimit, isPresent,
  loadDataSegment, nullifyInaccessible, readDescriptor, readInnerStack, setAccessed, switchToInnerStack,
  type Descriptor,
} from '../segments.js';
import { iret, probeSys, write, writeSys } from '../interrupts.js';

/** The descriptor the selector operand names (a code segment or a call gate). */
const selDesc: Descriptor = { lo: 0, hi: 0, addr: 0 };
/** The code segment a call gate leads to, or that a far RET returns to. */
const codeDesc: Descriptor = { lo: 0, hi: 0, addr: 0 };
const stackDesc: Descriptor = { lo: 0, hi: 0, addr: 0 };

/* Cycles added to the table's base figure. */
const CYC_JMP_GATE_PTR = 32 - 18;
const CYC_JMP_GATE_MEM = 31 - 18;
const CYC_CALL_GATE_SAME = 35 - 20;
const CYC_CALL_GATE_INNER = 69 - 20;
const CYC_CALL_GATE_PARAMS = 77 - 69;
const CYC_RETF_OUTER = 33;

const KIND_CALL_GATE16 = 0x04;
const KIND_CALL_GATE32 = 0x0c;

// ---------------------------------------------------------------------------------
// MOV, PUSH, POP of segment registers; LDS and friends.

/** MOV r/m16, Sreg. A 32-bit register receives the selector zero-extended (P6 and
 *  later; the SDM leaves the high half undefined on earlier CPUs). */
const movEwSw: Handler = (cpu, i) => {
  if (i.reg > 5) raise(VEC_UD, -1);
  const sel = cpu.segSel[i.reg];
  if (!i.mod3) cpu.mmu.write16(cpu.eaWrite(i, 2), sel);
  else if (i.os === 4) cpu.regs[i.rm] = sel;
  else cpu.set16(i.rm, sel);
};

/** MOV Sreg, r/m16. CS cannot be loaded this way (#UD); loading SS blocks interrupts
 *  until the next instruction completes (SDM vol. 3A §6.8.3). */
const movSwEw: Handler = (cpu, i) => {
  const seg = i.reg;
  if (seg === SEG_CS || seg > 5) raise(VEC_UD, -1);
  const sel = i.mod3 ? cpu.regs[i.rm] & 0xffff : cpu.mmu.read16(cpu.eaRead(i, 2));
  loadDataSegment(cpu, seg, sel);
  if (seg === SEG_SS) cpu.setIntShadow();
};

/**
 * PUSH Sreg. With a 32-bit operand size ESP moves by 4 but only the low word is written,
 * as current Intel CPUs do (SDM vol. 2 PUSH: "a 16-bit move, leaving the upper portion
 * of the stack location unmodified").
 */
const pushSeg = (seg: number): Handler => (cpu, i) => {
  const sel = cpu.segSel[seg];
  if (i.os === 2) {
    cpu.push16(sel);
    return;
  }
  const sp = (cpu.regs[ESP] - 4) & cpu.stackMask;
  cpu.mmu.write16(cpu.linear(SEG_SS, sp, 4, true), sel);
  cpu.regs[ESP] = cpu.stackMask === -1 ? sp : (cpu.regs[ESP] & ~0xffff) | sp;
};

/** POP Sreg: the segment is loaded (and checked) before ESP moves. */
const popSeg = (seg: number): Handler => (cpu, i) => {
  const sel = cpu.peek(i.os, 0) & 0xffff;
  const mask = cpu.stackMask;
  const sp = (cpu.regs[ESP] + i.os) & mask;
  loadDataSegment(cpu, seg, sel);
  cpu.regs[ESP] = mask === -1 ? sp : (cpu.regs[ESP] & ~0xffff) | sp;
  if (seg === SEG_SS) cpu.setIntShadow();
};

/** LDS/LES/LFS/LGS/LSS r, m16:16 or m16:32. A register operand is #UD. */
const loadFar = (seg: number): Handler => (cpu, i) => {
  if (i.mod3) raise(VEC_UD, -1);
  const os = i.os;
  const lin = cpu.eaRead(i, os + 2);
  const off = os === 4 ? cpu.mmu.read32(lin) : cpu.mmu.read16(lin);
  const sel = cpu.mmu.read16((lin + os) | 0);
  loadDataSegment(cpu, seg, sel);
  cpu.writeGv(i, off);
};

// ---------------------------------------------------------------------------------
// Far JMP / CALL.

/** Offset and selector of an m16:16 / m16:32 operand (set by readFarPointer). */
let farOff = 0;
let farSel = 0;

function readFarPointer(cpu: CPU, i: Insn): void {
  const os = i.os;
  const lin = cpu.eaRead(i, os + 2);
  farOff = os === 4 ? cpu.mmu.read32(lin) >>> 0 : cpu.mmu.read16(lin);
  farSel = cpu.mmu.read16((lin + os) | 0);
}

/**
 * Checks for a direct far JMP/CALL to a code segment (SDM vol. 2 JMP/CALL,
 * CONFORMING-CODE-SEGMENT and NONCONFORMING-CODE-SEGMENT): conforming needs DPL <= CPL,
 * non-conforming needs RPL <= CPL and DPL = CPL. CPL does not change either way.
 */
function checkDirectCode(cpu: CPU, sel: number, d: Descriptor): void {
  const err = sel & 0xfffc;
  if (descKind(d) & 0x04) {
    if (descDpl(d) > cpu.cpl) raise(VEC_GP, err);
  } else if ((sel & 3) > cpu.cpl || descDpl(d) !== cpu.cpl) raise(VEC_GP, err);
  if (!isPresent(d)) raise(VEC_NP, err);
}

/**
 * Checks common to JMP and CALL through the call gate `g` named by `sel` (SDM CALL-GATE):
 * gate DPL >= CPL and >= RPL, gate present, target selector non-null and in its table,
 * target a code segment with DPL <= CPL. Reads the target into codeDesc; returns its
 * selector.
 */
function enterGate(cpu: CPU, sel: number, g: Descriptor): number {
  const err = sel & 0xfffc;
  const dpl = descDpl(g);
  if (dpl < cpu.cpl || dpl < (sel & 3)) raise(VEC_GP, err);
  if (!isPresent(g)) raise(VEC_NP, err);
  const target = g.lo >>> 16;
  const terr = target & 0xfffc;
  if (terr === 0) raise(VEC_GP, 0);
  const cd = codeDesc;
  if (!readDescriptor(cpu, target, cd)) raise(VEC_GP, terr);
  if ((descKind(cd) & 0x18) !== 0x18 || descDpl(cd) > cpu.cpl) raise(VEC_GP, terr);
  return target;
}

/** Entry offset of a call gate (16 bits for a 16-bit gate). */
function gateOffset(g: Descriptor): number {
  const off = ((g.hi & 0xffff0000) | (g.lo & 0xffff)) >>> 0;
  return descKind(g) === KIND_CALL_GATE32 ? off : off & 0xffff;
}

/** Load CS from a checked descriptor with RPL = `cpl` and jump to `eip`. */
function loadCs(cpu: CPU, sel: number, d: Descriptor, cpl: number, eip: number): void {
  setAccessed(cpu, d);
  cpu.setSegCache(SEG_CS, (sel & 0xfffc) | cpl, descBase(d), descLimit(d), descAttr(d));
  cpu.eip = eip;
}

/**
 * Read the descriptor a far JMP/CALL names into selDesc and return its kind: #GP(0) for
 * a null selector, #GP(selector) outside its table.
 */
function readFarTarget(cpu: CPU, sel: number): number {
  const err = sel & 0xfffc;
  if (err === 0) raise(VEC_GP, 0);
  if (!readDescriptor(cpu, sel, selDesc)) raise(VEC_GP, err);
  return descKind(selDesc);
}

function farJmp(cpu: CPU, sel: number, off: number, gateCycles: number): void {
  sel &= 0xffff;
  const kind = readFarTarget(cpu, sel);
  const d = selDesc;
  if ((kind & 0x18) === 0x18) {
    checkDirectCode(cpu, sel, d);
    if (off > descLimit(d)) raise(VEC_GP, 0);
    loadCs(cpu, sel, d, cpu.cpl, off);
    return;
  }
  if (kind === KIND_CALL_GATE32 || kind === KIND_CALL_GATE16) {
    const target = enterGate(cpu, sel, d);
    const cd = codeDesc;
    // A JMP through a call gate never changes privilege: non-conforming needs DPL = CPL.
    if ((descKind(cd) & 0x04) === 0 && descDpl(cd) !== cpu.cpl) raise(VEC_GP, target & 0xfffc);
    if (!isPresent(cd)) raise(VEC_NP, target & 0xfffc);
    const goff = gateOffset(d);
    if (goff > descLimit(cd)) raise(VEC_GP, 0);
    loadCs(cpu, target, cd, cpu.cpl, goff);
    cpu.cycles += gateCycles;
    return;
  }
  // Data segments, LDT and interrupt/trap gates are not jump targets; task gates and TSS
  // descriptors would switch tasks, which forkbox does not emulate.
  raise(VEC_GP, sel & 0xfffc);
}

/**
 * Check that the return address (2 words of `w` bytes) can be pushed on the current
 * stack: #SS(0) beyond the limit, #PF if not writable. Returns the new stack pointer.
 */
function reserveReturn(cpu: CPU, w: number): number {
  const sp = (cpu.regs[ESP] - 2 * w) & cpu.stackMask;
  cpu.mmu.probeWrite(cpu.linear(SEG_SS, sp, 2 * w, true), 2 * w);
  return sp;
}

/** Push the return address at `sp` (reserved by reserveReturn) and set ESP. */
function pushReturn(cpu: CPU, sp: number, w: number, cs: number, eip: number): void {
  const lin = cpu.linear(SEG_SS, sp, 2 * w, true);
  write(cpu, lin, w, eip);
  write(cpu, (lin + w) | 0, w, cs);
  cpu.regs[ESP] = cpu.stackMask === -1 ? sp : (cpu.regs[ESP] & ~0xffff) | sp;
}

function farCall(cpu: CPU, sel: number, off: number, os: number): void {
  sel &= 0xffff;
  const kind = readFarTarget(cpu, sel);
  const d = selDesc;
  const retCs = cpu.segSel[SEG_CS];
  const retEip = cpu.eip;
  if ((kind & 0x18) === 0x18) {
    checkDirectCode(cpu, sel, d);
    const sp = reserveReturn(cpu, os);
    if (off > descLimit(d)) raise(VEC_GP, 0);
    pushReturn(cpu, sp, os, retCs, retEip);
    loadCs(cpu, sel, d, cpu.cpl, off);
    return;
  }
  if (kind === KIND_CALL_GATE32 || kind === KIND_CALL_GATE16) {
    const target = enterGate(cpu, sel, d);
    const cd = codeDesc;
    if (!isPresent(cd)) raise(VEC_NP, target & 0xfffc);
    const w = kind === KIND_CALL_GATE32 ? 4 : 2; // the gate's size sets the frame's
    const goff = gateOffset(d);
    if ((descKind(cd) & 0x04) === 0 && descDpl(cd) < cpu.cpl) {
      callInner(cpu, d, target, w, goff, retCs, retEip);
      return;
    }
    const sp = reserveReturn(cpu, w);
    if (goff > descLimit(cd)) raise(VEC_GP, 0);
    pushReturn(cpu, sp, w, retCs, retEip);
    loadCs(cpu, target, cd, cpu.cpl, goff);
    cpu.cycles += CYC_CALL_GATE_SAME;
    return;
  }
  raise(VEC_GP, sel & 0xfffc);
}

/**
 * CALL through gate `g` to the more privileged code segment in codeDesc (SDM vol. 2 CALL,
 * MORE-PRIVILEGE; vol. 3A §5.8.5, figure 5-13). The new SS:ESP comes from the TSS for the
 * target's DPL; the frame on the new stack, from the new ESP upwards:
 *   return EIP, return CS, parameter 0 (caller's ESP+0) … parameter n-1, old ESP, old SS.
 */
function callInner(cpu: CPU, g: Descriptor, target: number, w: number, goff: number, retCs: number, retEip: number): void {
  const cd = codeDesc;
  const newCpl = descDpl(cd);
  const params = g.hi & 0x1f;
  const mmu = cpu.mmu;

  // The inner stack from the TSS; the whole frame must lie within its limit.
  const total = (4 + params) * w;
  const s = readInnerStack(cpu, newCpl, total, 0);
  const sd = s.desc;
  const top = s.top;
  const big = (descAttr(sd) & SEGATTR_DB) !== 0;
  const limit = descLimit(sd);
  const last = (top >>> 0) + total - 1;
  const expandDown = (descKind(sd) & 0x04) !== 0;
  if (expandDown ? top >>> 0 <= limit || last > (big ? 0xffffffff : 0xffff) : last > limit) raise(VEC_SS, s.ss & 0xfffc);
  if (goff > descLimit(cd)) raise(VEC_GP, 0);
  const lin = (descBase(sd) + top) | 0;
  probeSys(cpu, lin, total);

  // The caller's parameters must be readable (#SS(0) beyond its limit, #PF) before
  // anything is committed.
  const oldEsp = cpu.regs[ESP];
  const oldSs = cpu.segSel[SEG_SS];
  const oldMask = cpu.stackMask;
  if (params > 0) {
    const src = cpu.linear(SEG_SS, oldEsp & oldMask, params * w, false);
    mmu.probeRead(src, params * w);
  }

  // Commit: copy the parameters, then the rest of the frame.
  for (let k = 0; k < params; k++) {
    const src = cpu.linear(SEG_SS, (oldEsp + k * w) & oldMask, w, false);
    const v = w === 4 ? mmu.read32(src) : mmu.read16(src);
    writeSys(cpu, (lin + (2 + k) * w) | 0, w, v);
  }
  writeSys(cpu, lin, w, retEip);
  writeSys(cpu, (lin + w) | 0, w, retCs);
  writeSys(cpu, (lin + (2 + params) * w) | 0, w, oldEsp);
  writeSys(cpu, (lin + (3 + params) * w) | 0, w, oldSs);
  switchToInnerStack(cpu, s);
  loadCs(cpu, target, cd, newCpl, goff);
  cpu.setCpl(newCpl);
  cpu.cycles += CYC_CALL_GATE_INNER + (params > 0 ? CYC_CALL_GATE_PARAMS + 4 * params : 0);
}

const jmpAp: Handler = (cpu, i) => farJmp(cpu, i.imm2, i.imm, CYC_JMP_GATE_PTR);
const jmpMp: Handler = (cpu, i) => {
  readFarPointer(cpu, i);
  farJmp(cpu, farSel, farOff, CYC_JMP_GATE_MEM);
};
const callAp: Handler = (cpu, i) => farCall(cpu, i.imm2, i.imm, i.os);
const callMp: Handler = (cpu, i) => {
  readFarPointer(cpu, i);
  farCall(cpu, farSel, farOff, i.os);
};

// ---------------------------------------------------------------------------------
// Far RET (SDM vol. 2 RET, protected mode: RETURN-TO-SAME-PRIVILEGE-LEVEL and
// RETURN-TO-OUTER-PRIVILEGE-LEVEL). `imm` bytes of parameters are released on both the
// inner and the outer stack.

const retFar = (withImm: boolean): Handler => (cpu, i) => {
  const os = i.os;
  const n = withImm ? i.imm & 0xffff : 0;
  const newEip = os === 4 ? cpu.peek(4, 0) >>> 0 : cpu.peek(2, 0);
  const newCs = cpu.peek(os, os) & 0xffff;
  const cd = codeDesc;
  checkReturnCs(cpu, newCs, cd);
  const rpl = newCs & 3;

  if (rpl === cpu.cpl) {
    if (newEip > descLimit(cd)) raise(VEC_GP, 0);
    loadCs(cpu, newCs, cd, rpl, newEip);
    const sp = (cpu.regs[ESP] + 2 * os + n) & cpu.stackMask;
    cpu.regs[ESP] = cpu.stackMask === -1 ? sp : (cpu.regs[ESP] & ~0xffff) | sp;
    return;
  }

  // Return to an outer privilege level: the caller's SS:ESP follow the parameters.
  const newEsp = cpu.peek(os, 2 * os + n);
  const newSs = cpu.peek(os, 3 * os + n) & 0xffff;
  const sd = stackDesc;
  checkStackSegment(cpu, newSs, rpl, sd, VEC_GP, 0);
  if (newEip > descLimit(cd)) raise(VEC_GP, 0);

  loadCs(cpu, newCs, cd, rpl, newEip);
  cpu.setCpl(rpl);
  setAccessed(cpu, sd);
  cpu.setSegCache(SEG_SS, newSs, descBase(sd), descLimit(sd), descAttr(sd));
  const esp = (newEsp + n) | 0;
  cpu.regs[ESP] = cpu.stackMask === -1 ? esp : (cpu.regs[ESP] & ~0xffff) | (esp & 0xffff);
  nullifyInaccessible(cpu);
  cpu.cycles += CYC_RETF_OUTER - i.cycles;
};

// ---------------------------------------------------------------------------------
// Software interrupts. EIP already points at the next instruction (the return address);
// the delivery checks the gate's DPL against CPL, and a fault during it propagates, so
// the INT instruction itself faults (SDM vol. 3A §6.12.1.1).

const intN: Handler = (cpu, i) => cpu.deliver(i.imm & 0xff, -1, true);
const int3: Handler = (cpu) => cpu.deliver(VEC_BP, -1, true);
const into: Handler = (cpu) => {
  if (cpu.getOF()) {
    cpu.cycles -= 1; // 46 = 3 - 1 + 44
    cpu.deliver(VEC_OF, -1, true);
  }
};

const iretHandler: Handler = (cpu, i) => iret(cpu, i);

/** BOUND r, m: #BR (a fault) unless lower <= r <= upper, signed, of the operand size. */
const bound: Handler = (cpu, i) => {
  if (i.mod3) raise(VEC_UD, -1);
  const mmu = cpu.mmu;
  let idx: number;
  let lo: number;
  let hi: number;
  if (i.os === 4) {
    const lin = cpu.eaRead(i, 8);
    lo = mmu.read32(lin);
    hi = mmu.read32((lin + 4) | 0);
    idx = cpu.regs[i.reg];
  } else {
    const lin = cpu.eaRead(i, 4);
    lo = (mmu.read16(lin) << 16) >> 16;
    hi = (mmu.read16((lin + 2) | 0) << 16) >> 16;
    idx = (cpu.regs[i.reg] << 16) >> 16;
  }
  if (idx < lo || idx > hi) raise(VEC_BR, -1);
};

const E = { ends: true } as const;

export const FAR_OPS: OpDef[] = [
  { code: [0x8c], mnemonic: 'mov', operands: 'Ew,Sw', cycles: 3, exec: movEwSw },
  // Loads of DS/ES/FS/GS by mov and pop do not end the block (compiled code re-checks the
  // segment after them, see jit.ts); the other segment loads do: `mov ss`/`pop ss` must
  // leave exactly one instruction in their interrupt shadow, and the far loads are rare.
  { code: [0x8e], mnemonic: 'mov', operands: 'Sw,Ew', cycles: 9, exec: movSwEw, loadsSeg: 'reg' },
  { code: [0x06], mnemonic: 'push', operands: 'ES', cycles: 3, exec: pushSeg(SEG_ES) },
  { code: [0x0e], mnemonic: 'push', operands: 'CS', cycles: 3, exec: pushSeg(SEG_CS) },
  { code: [0x16], mnemonic: 'push', operands: 'SS', cycles: 3, exec: pushSeg(SEG_SS) },
  { code: [0x1e], mnemonic: 'push', operands: 'DS', cycles: 3, exec: pushSeg(SEG_DS) },
  { code: [0x0f, 0xa0], mnemonic: 'push', operands: 'FS', cycles: 3, exec: pushSeg(SEG_FS) },
  { code: [0x0f, 0xa8], mnemonic: 'push', operands: 'GS', cycles: 3, exec: pushSeg(SEG_GS) },
  { code: [0x07], mnemonic: 'pop', operands: 'ES', cycles: 9, exec: popSeg(SEG_ES), loadsSeg: SEG_ES },
  { code: [0x17], mnemonic: 'pop', operands: 'SS', cycles: 9, exec: popSeg(SEG_SS), ...E },
  { code: [0x1f], mnemonic: 'pop', operands: 'DS', cycles: 9, exec: popSeg(SEG_DS), loadsSeg: SEG_DS },
  { code: [0x0f, 0xa1], mnemonic: 'pop', operands: 'FS', cycles: 9, exec: popSeg(SEG_FS), loadsSeg: SEG_FS },
  { code: [0x0f, 0xa9], mnemonic: 'pop', operands: 'GS', cycles: 9, exec: popSeg(SEG_GS), loadsSeg: SEG_GS },
  { code: [0xc4], mnemonic: 'les', operands: 'Gv,Mp', cycles: 12, exec: loadFar(SEG_ES), ...E },
  { code: [0xc5], mnemonic: 'lds', operands: 'Gv,Mp', cycles: 12, exec: loadFar(SEG_DS), ...E },
  { code: [0x0f, 0xb2], mnemonic: 'lss', operands: 'Gv,Mp', cycles: 12, exec: loadFar(SEG_SS), ...E },
  { code: [0x0f, 0xb4], mnemonic: 'lfs', operands: 'Gv,Mp', cycles: 12, exec: loadFar(SEG_FS), ...E },
  { code: [0x0f, 0xb5], mnemonic: 'lgs', operands: 'Gv,Mp', cycles: 12, exec: loadFar(SEG_GS), ...E },
  { code: [0xea], mnemonic: 'jmp', operands: 'Ap', cycles: 18, exec: jmpAp, ...E },
  { code: [0xff], ext: 5, modrm: 'mem', mnemonic: 'jmp', operands: 'Mp', cycles: 18, exec: jmpMp, ...E },
  { code: [0x9a], mnemonic: 'call', operands: 'Ap', cycles: 20, exec: callAp, ...E },
  { code: [0xff], ext: 3, modrm: 'mem', mnemonic: 'call', operands: 'Mp', cycles: 20, exec: callMp, ...E },
  { code: [0xcb], mnemonic: 'retf', operands: '', cycles: 18, exec: retFar(false), ...E },
  { code: [0xca], mnemonic: 'retf', operands: 'Iw', cycles: 17, exec: retFar(true), ...E },
  { code: [0xcf], mnemonic: 'iretd', mnemonic16: 'iret', operands: '', cycles: 15, exec: iretHandler, flagsWritten: 'oszapcdit', ...E },
  { code: [0xcd], mnemonic: 'int', operands: 'Ib', cycles: 0, exec: intN, flagsWritten: 'it', ...E },
  { code: [0xcc], mnemonic: 'int3', operands: '', cycles: 0, exec: int3, flagsWritten: 'it', ...E },
  { code: [0xce], mnemonic: 'into', operands: '', cycles: 3, exec: into, flagsRead: 'o', flagsWritten: 'it', ...E },
  { code: [0x62], mnemonic: 'bound', operands: 'Gv,Ma', cycles: 7, exec: bound },
];
