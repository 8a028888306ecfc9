// Port I/O: in, out, ins, outs (SDM vol. 2), through the machine's I/O bus (cpu.io).
//
// Protection (SDM vol. 1 §18.5): at CPL <= IOPL every port is accessible. At CPL > IOPL
// the I/O permission bitmap of the current 32-bit TSS decides: its offset is the word at
// TSS+0x66, one bit per port, and every bit covering the access (1, 2 or 4 ports) must be
// 0. Like the hardware, the check reads two bytes of the bitmap, and a bitmap byte beyond
// the TSS limit counts as all ones: #GP(0). A 16-bit TSS has no bitmap: #GP(0).
//
// OUT ends its basic block: a device write may change anything the block executor relies
// on (the kernel-call port switches tasks: ESP and CR3).
//
// Cycles (Intel486 PRM, protected mode, CPL <= IOPL / CPL > IOPL): IN imm or DX 8/28,
// OUT imm 11/31, OUT DX 10/30, INS 10/32, OUTS 10/32, REP INS 10+8n/30+8n,
// REP OUTS 11+5n/31+5n. The table holds the first figure; handlers add the rest.

import type { OpDef } from '../optable.js';
import type { CPU } from '../cpu.js';
import type { Handler, Insn } from '../insn.js';
import {
  EAX, ECX, EDI, EDX, EFLAGS_DF, EFLAGS_IOPL, EFLAGS_IOPL_SHIFT, ESI, SEG_ES, VEC_GP,
} from '../constants.js';
import { raise } from '../fault.js';

/** Cycles a permission-bitmap check adds to IN/OUT (28 - 8) and to INS/OUTS (32 - 10). */
const BITMAP_CYCLES = 20;
const BITMAP_CYCLES_STRING = 22;

/**
 * #GP(0) unless the current privilege may access `len` ports from `port`. Returns true
 * when the TSS bitmap had to be consulted (for the cycle count).
 */
export function checkIo(cpu: CPU, port: number, len: number): boolean {
  if (cpu.cpl <= (cpu.flags & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT) return false;
  // A 32-bit TSS (type 9/B) large enough to hold the bitmap offset.
  if ((cpu.trAttr & 0x1d) !== 0x09 || cpu.trLimit < 0x67) raise(VEC_GP, 0);
  const mapBase = cpu.mmu.readSys16((cpu.trBase + 0x66) | 0);
  const at = mapBase + (port >>> 3);
  if (at + 1 > cpu.trLimit) raise(VEC_GP, 0);
  const bits = cpu.mmu.readSys16((cpu.trBase + at) | 0) >>> (port & 7);
  if (bits & ((1 << len) - 1)) raise(VEC_GP, 0);
  return true;
}

function portIn(cpu: CPU, port: number, len: number): number {
  const io = cpu.io;
  return len === 1 ? io.in8(port) & 0xff : len === 2 ? io.in16(port) & 0xffff : io.in32(port) | 0;
}

function portOut(cpu: CPU, port: number, len: number, v: number): void {
  const io = cpu.io;
  if (len === 1) io.out8(port, v & 0xff);
  else if (len === 2) io.out16(port, v & 0xffff);
  else io.out32(port, v);
}

function setAcc(cpu: CPU, len: number, v: number): void {
  if (len === 4) cpu.regs[EAX] = v;
  else if (len === 2) cpu.set16(EAX, v);
  else cpu.set8(EAX, v);
}

// ---------------------------------------------------------------------------------
// IN / OUT. `byte` forms use AL; the others AX or EAX by operand size.

const inAcc = (byte: boolean, dx: boolean): Handler => (cpu, i) => {
  const len = byte ? 1 : i.os;
  const port = dx ? cpu.regs[EDX] & 0xffff : i.imm & 0xff;
  if (checkIo(cpu, port, len)) cpu.cycles += BITMAP_CYCLES;
  setAcc(cpu, len, portIn(cpu, port, len));
};

const outAcc = (byte: boolean, dx: boolean): Handler => (cpu, i) => {
  const len = byte ? 1 : i.os;
  const port = dx ? cpu.regs[EDX] & 0xffff : i.imm & 0xff;
  if (checkIo(cpu, port, len)) cpu.cycles += BITMAP_CYCLES;
  portOut(cpu, port, len, cpu.regs[EAX]);
};

// ---------------------------------------------------------------------------------
// INS / OUTS, with REP. Each iteration checks the memory operand before touching the
// port, then updates (E)DI/(E)SI and (E)CX, so a fault in iteration k leaves the
// registers describing the k completed iterations and the instruction restarts there.

/** Count register value for the address size. */
function count(cpu: CPU, i: Insn): number {
  return i.as === 4 ? cpu.regs[ECX] >>> 0 : cpu.regs[ECX] & 0xffff;
}

function setCount(cpu: CPU, i: Insn, n: number): void {
  if (i.as === 4) cpu.regs[ECX] = n;
  else cpu.set16(ECX, n);
}

/** Advance an index register by `delta` within the address size. */
function advance(cpu: CPU, i: Insn, r: number, delta: number): void {
  if (i.as === 4) cpu.regs[r] = (cpu.regs[r] + delta) | 0;
  else cpu.set16(r, (cpu.regs[r] + delta) & 0xffff);
}

/** One INS element: ES:(E)DI (no override) is checked writable before the port is read. */
function insOne(cpu: CPU, port: number, len: number, amask: number): void {
  const mmu = cpu.mmu;
  const lin = cpu.linear(SEG_ES, cpu.regs[EDI] & amask, len, true);
  mmu.probeWrite(lin, len);
  const v = portIn(cpu, port, len);
  if (len === 1) mmu.write8(lin, v);
  else if (len === 2) mmu.write16(lin, v);
  else mmu.write32(lin, v);
}

/** One OUTS element, from DS:(E)SI (overridable). */
function outsOne(cpu: CPU, i: Insn, port: number, len: number, amask: number): void {
  const mmu = cpu.mmu;
  const lin = cpu.linear(i.seg, cpu.regs[ESI] & amask, len, false);
  portOut(cpu, port, len, len === 1 ? mmu.read8(lin) : len === 2 ? mmu.read16(lin) : mmu.read32(lin));
}

/** INS, or OUTS when `out`, with or without REP. */
const insOuts = (byte: boolean, out: boolean): Handler => (cpu, i) => {
  const len = byte ? 1 : i.os;
  const port = cpu.regs[EDX] & 0xffff;
  const rep = i.rep !== 0;
  if (rep && count(cpu, i) === 0) return;
  if (checkIo(cpu, port, len)) cpu.cycles += rep ? BITMAP_CYCLES : BITMAP_CYCLES_STRING;
  const delta = cpu.flags & EFLAGS_DF ? -len : len;
  const amask = i.as === 4 ? -1 : 0xffff;
  let n = rep ? count(cpu, i) : 1;
  if (rep && out) cpu.cycles += 1; // REP OUTS 11+5n against REP INS 10+8n
  while (n > 0) {
    if (out) outsOne(cpu, i, port, len, amask);
    else insOne(cpu, port, len, amask);
    advance(cpu, i, out ? ESI : EDI, delta);
    n--;
    if (rep) {
      setCount(cpu, i, n);
      cpu.cycles += out ? 5 : 8;
    }
  }
};

export const IO_OPS: OpDef[] = [
  { code: [0xe4], mnemonic: 'in', operands: 'AL,Ib', cycles: 8, exec: inAcc(true, false) },
  { code: [0xe5], mnemonic: 'in', operands: 'eAX,Ib', cycles: 8, exec: inAcc(false, false) },
  { code: [0xec], mnemonic: 'in', operands: 'AL,DX', cycles: 8, exec: inAcc(true, true) },
  { code: [0xed], mnemonic: 'in', operands: 'eAX,DX', cycles: 8, exec: inAcc(false, true) },
  { code: [0xe6], mnemonic: 'out', operands: 'Ib,AL', cycles: 11, exec: outAcc(true, false), ends: true },
  { code: [0xe7], mnemonic: 'out', operands: 'Ib,eAX', cycles: 11, exec: outAcc(false, false), ends: true },
  { code: [0xee], mnemonic: 'out', operands: 'DX,AL', cycles: 10, exec: outAcc(true, true), ends: true },
  { code: [0xef], mnemonic: 'out', operands: 'DX,eAX', cycles: 10, exec: outAcc(false, true), ends: true },
  { code: [0x6c], mnemonic: 'insb', operands: 'Yb,DX', cycles: 10, exec: insOuts(true, false), flagsRead: 'd' },
  { code: [0x6d], mnemonic: 'insd', mnemonic16: 'insw', operands: 'Yv,DX', cycles: 10, exec: insOuts(false, false), flagsRead: 'd' },
  { code: [0x6e], mnemonic: 'outsb', operands: 'DX,Xb', cycles: 10, exec: insOuts(true, true), flagsRead: 'd' },
  { code: [0x6f], mnemonic: 'outsd', mnemonic16: 'outsw', operands: 'DX,Xv', cycles: 10, exec: insOuts(false, true), flagsRead: 'd' },
];
