// The stack (SDM vol. 2): PUSH/POP of general registers, immediates and memory, PUSHA/
// POPA, ENTER, LEAVE. (Segment registers and flags are pushed and popped elsewhere.)
//
// Cycles (Intel486 PRM; HelpPC's 486 column): PUSH reg 1, imm 1, mem 4; POP reg 4,
// mem 6; PUSHA 11; POPA 9; ENTER imm16,0 14, imm16,1 17, imm16,L 17+3L; LEAVE 5.
//
// The stack pointer is ESP or SP by the B bit of SS (cpu.stackMask); the operand size
// (i.os) decides how much is pushed. Every handler does its memory accesses before it
// commits ESP or any other register, so a #PF/#SS leaves the instruction restartable:
// cpu.push*/pop* write ESP only after their access succeeded; multi-slot instructions
// below work on a local copy of the stack pointer and commit it at the end.

import type { OpDef } from '../optable.js';
import type { CPU } from '../cpu.js';
import type { Handler } from '../insn.js';
import { EBP, ESP, SEG_SS } from '../constants.js';

/** ESP after moving the stack pointer to `sp` (masked): the upper half is kept for a
 *  16-bit stack. */
function newEsp(cpu: CPU, sp: number): number {
  return cpu.stackMask === -1 ? sp : (cpu.regs[ESP] & ~0xffff) | (sp & 0xffff);
}

function writeStack(cpu: CPU, os: number, sp: number, v: number): void {
  if (os === 4) cpu.mmu.write32(cpu.linear(SEG_SS, sp, 4, true), v);
  else cpu.mmu.write16(cpu.linear(SEG_SS, sp, 2, true), v);
}

function readStack(cpu: CPU, os: number, sp: number): number {
  return os === 4 ? cpu.mmu.read32(cpu.linear(SEG_SS, sp, 4, false)) : cpu.mmu.read16(cpu.linear(SEG_SS, sp, 2, false));
}

// ---------------------------------------------------------------------------------
// PUSH / POP

/** push r (50+r). push esp pushes the value ESP had before the push. */
const pushZv: Handler = (cpu, i) => {
  if (i.os === 4) cpu.push32(cpu.regs[i.reg]);
  else cpu.push16(cpu.regs[i.reg]);
};
const pushZ32: Handler = (cpu, i) => {
  cpu.push32(cpu.regs[i.reg]);
};

/** pop r (58+r). pop esp loads the popped value (the increment is overwritten). */
const popZv: Handler = (cpu, i) => {
  if (i.os === 4) {
    const v = cpu.pop32();
    cpu.regs[i.reg] = v;
  } else cpu.set16(i.reg, cpu.pop16());
};
const popZ32: Handler = (cpu, i) => {
  const v = cpu.pop32();
  cpu.regs[i.reg] = v;
};

const pushImm: Handler = (cpu, i) => {
  if (i.os === 4) cpu.push32(i.imm);
  else cpu.push16(i.imm);
};

/** push r/m (FF /6): the operand is read first, so push [esp+n] uses ESP before the push. */
const pushEv: Handler = (cpu, i) => {
  const v = cpu.readEv(i);
  if (i.os === 4) cpu.push32(v);
  else cpu.push16(v);
};

/**
 * pop r/m (8F /0). The SDM: with ESP as a base register, the address is computed with
 * ESP after the pop. So ESP is incremented before the address is computed, and put back
 * if the write to memory faults.
 */
const popEv: Handler = (cpu, i) => {
  const regs = cpu.regs;
  const os = i.os;
  if (i.mod3) {
    const v = cpu.pop(os);
    if (os === 4) regs[i.rm] = v;
    else cpu.set16(i.rm, v);
    return;
  }
  const oldEsp = regs[ESP];
  const sp = oldEsp & cpu.stackMask;
  const v = readStack(cpu, os, sp);
  regs[ESP] = newEsp(cpu, (sp + os) & cpu.stackMask);
  try {
    if (os === 4) cpu.mmu.write32(cpu.eaWrite(i, 4), v);
    else cpu.mmu.write16(cpu.eaWrite(i, 2), v);
  } catch (e) {
    regs[ESP] = oldEsp;
    throw e;
  }
};

// ---------------------------------------------------------------------------------
// PUSHA / POPA

/** pusha: EAX ECX EDX EBX (original ESP) EBP ESI EDI, EAX at the highest address. */
const pusha: Handler = (cpu, i) => {
  const regs = cpu.regs;
  const os = i.os;
  const mask = cpu.stackMask;
  let sp = regs[ESP] & mask;
  // A fault part-way leaves some slots below ESP written: harmless, ESP is unchanged and
  // the restart writes them again.
  for (let r = 0; r < 8; r++) {
    sp = (sp - os) & mask;
    writeStack(cpu, os, sp, regs[r]); // regs[ESP] still holds the original ESP
  }
  regs[ESP] = newEsp(cpu, sp);
};

const popaScratch = new Int32Array(8);

/** popa: EDI ESI EBP (skipped) EBX EDX ECX EAX, from the lowest address up. */
const popa: Handler = (cpu, i) => {
  const regs = cpu.regs;
  const os = i.os;
  const mask = cpu.stackMask;
  let sp = regs[ESP] & mask;
  const vals = popaScratch;
  for (let r = 7; r >= 0; r--) {
    vals[r] = readStack(cpu, os, sp);
    sp = (sp + os) & mask;
  }
  for (let r = 0; r < 8; r++) {
    if (r === ESP) continue;
    if (os === 4) regs[r] = vals[r];
    else cpu.set16(r, vals[r]);
  }
  regs[ESP] = newEsp(cpu, sp);
};

// ---------------------------------------------------------------------------------
// ENTER / LEAVE

/**
 * enter size, level (SDM vol. 2 "ENTER" operation): push EBP; frame = ESP; for nesting
 * levels > 0 copy level-1 frame pointers from the enclosing frame ([EBP-os], [EBP-2os] …)
 * and push frame; then EBP = frame and ESP = frame - size. The level is taken mod 32.
 */
const enter: Handler = (cpu, i) => {
  const regs = cpu.regs;
  const os = i.os;
  const mask = cpu.stackMask;
  const size = i.imm & 0xffff;
  const level = i.imm2 & 31;
  let sp = (regs[ESP] - os) & mask;
  writeStack(cpu, os, sp, regs[EBP]);
  const frame = sp;
  if (level > 0) {
    let bp = regs[EBP];
    for (let k = 1; k < level; k++) {
      bp = (bp - os) & mask;
      const v = readStack(cpu, os, bp);
      sp = (sp - os) & mask;
      writeStack(cpu, os, sp, v);
    }
    sp = (sp - os) & mask;
    writeStack(cpu, os, sp, frame);
    cpu.cycles += level === 1 ? 3 : 3 + 3 * level;
  }
  if (os === 4) regs[EBP] = frame;
  else cpu.set16(EBP, frame);
  regs[ESP] = newEsp(cpu, (sp - size) & mask);
};

/** leave: ESP = EBP (SP = BP on a 16-bit stack), then pop EBP (or BP). */
const leave: Handler = (cpu, i) => {
  const regs = cpu.regs;
  const os = i.os;
  const mask = cpu.stackMask;
  const sp = regs[EBP] & mask;
  const v = readStack(cpu, os, sp);
  regs[ESP] = newEsp(cpu, (sp + os) & mask);
  if (os === 4) regs[EBP] = v;
  else cpu.set16(EBP, v);
};

export const STACK_OPS: OpDef[] = [
  {
    code: [0x50], mnemonic: 'push', operands: 'Zv', cycles: 1, exec: pushZv,
    select: (i) => (i.os === 4 ? pushZ32 : pushZv),
  },
  {
    code: [0x58], mnemonic: 'pop', operands: 'Zv', cycles: 4, exec: popZv,
    select: (i) => (i.os === 4 ? popZ32 : popZv),
  },
  { code: [0x68], mnemonic: 'push', mnemonic16: 'pushw', operands: 'Iv', cycles: 1, exec: pushImm },
  { code: [0x6a], mnemonic: 'push', mnemonic16: 'pushw', operands: 'Ibs', cycles: 1, exec: pushImm },
  { code: [0xff], ext: 6, mnemonic: 'push', operands: 'Ev', cycles: [1, 4], exec: pushEv },
  { code: [0x8f], ext: 0, mnemonic: 'pop', operands: 'Ev', cycles: [4, 6], exec: popEv },
  { code: [0x60], mnemonic: 'pusha', mnemonic16: 'pushaw', operands: '', cycles: 11, exec: pusha },
  { code: [0x61], mnemonic: 'popa', mnemonic16: 'popaw', operands: '', cycles: 9, exec: popa },
  { code: [0xc8], mnemonic: 'enter', mnemonic16: 'enterw', operands: 'Iw,Ib', cycles: 14, exec: enter },
  { code: [0xc9], mnemonic: 'leave', mnemonic16: 'leavew', operands: '', cycles: 5, exec: leave },
];
