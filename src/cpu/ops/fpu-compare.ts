// x87 comparison and classification (SDM vol. 2; vol. 1 §8.3.6, tables 8-6 and 8-7):
// fcom fcomp fcompp (m32fp, m64fp, ST(i)), fucom fucomp fucompp, ficom ficomp (m16int,
// m32int), fcomi fcomip fucomi fucomip (P6: the result in ZF PF CF), ftst, fxam.
//
// Condition codes:       C3 C2 C0            ZF PF CF (fcomi)
//   ST(0) > source        0  0  0              0  0  0
//   ST(0) < source        0  0  1              0  0  1
//   ST(0) = source        1  0  0              1  0  0
//   unordered             1  1  1              1  1  1
// fcom raises IE for any NaN operand, fucom only for an SNaN (§8.1.4). With IE unmasked
// the condition codes / flags are not written. C1 is cleared (0 on stack underflow).
//
// Cycles (Intel486 PRM): FCOM 4 (m32 4, m64 4); FICOM 16-20; FTST 4; FXAM 8; FUCOM 4;
// FCOMI (not on the i486) costed as FCOM.

import type { OpDef } from '../optable.js';
import type { Handler } from '../insn.js';
import { EFLAGS_AF, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF } from '../constants.js';
import { FPU_PRE, FSW_C0, FSW_C1, FSW_C2, FSW_C3, FSW_DE, FSW_IE, type FPU } from '../fpu.js';
import { isSNaN, signBit } from '../fpu-num.js';
import { enter, m32Value, m64hi, m64lo, m64Value, readM16, readM32, readM64 } from './fpu-common.js';

const GT = 0;
const LT = 1;
const EQ = 2;
const UN = 3;

/** Compare a with b; NaN operands raise IE (always for fcom, for SNaNs for fucom). */
function compare(f: FPU, a: number, b: number, unordered: boolean): number {
  if (a !== a || b !== b) {
    f.exc &= ~FSW_DE; // a NaN operand takes precedence over a denormal one
    if (!unordered || isSNaN(a) || isSNaN(b)) f.exc |= FSW_IE;
    return UN;
  }
  return a > b ? GT : a < b ? LT : EQ;
}

const CC = [0, FSW_C0, FSW_C3, FSW_C3 | FSW_C2 | FSW_C0];
const CC_MASK = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3;

/**
 * fcom-family with a memory or ST(i) source; `pops` = 0, 1 or 2. The condition codes
 * are set even when the invalid-operation exception is unmasked (as Intel processors
 * do); the stack is then not popped.
 */
function fcomWith(f: FPU, b: number, empty: boolean, unordered: boolean, pops: number): void {
  let abort: boolean;
  if (f.isEmpty(0) || empty) abort = f.underflow();
  else {
    const res = compare(f, f.st(0), b, unordered);
    abort = (f.commit() & FPU_PRE) !== 0;
    f.setCC(CC_MASK, CC[res]);
    return finish(f, abort, pops);
  }
  f.setCC(CC_MASK, CC[UN]);
  finish(f, abort, pops);
}

function finish(f: FPU, abort: boolean, pops: number): void {
  if (abort) return;
  for (let k = 0; k < pops; k++) f.pop();
}

function fcomM32(pops: number): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    fcomWith(f, m32Value(f, readM32(cpu, i)), false, false, pops);
  };
}

function fcomM64(pops: number): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    readM64(cpu, i);
    fcomWith(f, m64Value(f, m64lo, m64hi), false, false, pops);
  };
}

function ficomM32(pops: number): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    fcomWith(f, readM32(cpu, i) | 0, false, false, pops);
  };
}

function ficomM16(pops: number): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    fcomWith(f, (readM16(cpu, i) << 16) >> 16, false, false, pops);
  };
}

/** fcom / fucom ST(i) (fcompp, fucompp: ST(1) and two pops). */
function fcomReg(unordered: boolean, pops: number): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    const r = pops === 2 ? 1 : i.rm;
    fcomWith(f, f.st(r), f.isEmpty(r), unordered, pops);
  };
}

const ZPC = EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF;
const ALL = ZPC | EFLAGS_OF | EFLAGS_SF | EFLAGS_AF;
const EFL = [0, EFLAGS_CF, EFLAGS_ZF, ZPC];

/** fcomi / fucomi (+p): ZF PF CF from the comparison; OF SF AF cleared. */
function fcomi(unordered: boolean, pop: boolean): Handler {
  return (cpu, i) => {
    const f = enter(cpu, i);
    let res = UN;
    let abort: boolean;
    if (f.isEmpty(0) || f.isEmpty(i.rm)) abort = f.underflow();
    else {
      res = compare(f, f.st(0), f.st(i.rm), unordered);
      abort = (f.commit() & FPU_PRE) !== 0;
    }
    f.fsw &= ~FSW_C1;
    cpu.setSome(ALL, EFL[res]); // set even when IE is unmasked, as Intel processors do
    if (pop && !abort) f.pop();
  };
}

/** ftst: compare ST(0) with +0.0. */
const ftst: Handler = (cpu, i) => {
  const f = enter(cpu, i);
  fcomWith(f, 0, false, false, 0);
};

/**
 * fxam: classify ST(0) (SDM vol. 2 FXAM): C1 = sign; C3 C2 C0 = 000 unsupported,
 * 001 NaN, 010 normal, 011 infinity, 100 zero, 101 empty, 110 denormal. A double
 * denormal is a normal double extended number, so it classifies as normal.
 */
const fxam: Handler = (cpu, i) => {
  const f = cpu.fpu;
  f.enter(cpu, i, true, false);
  const x = f.st(0);
  let cc: number;
  if (f.isEmpty(0)) cc = FSW_C3 | FSW_C0;
  else if (x !== x) cc = FSW_C0;
  else if (x === Infinity || x === -Infinity) cc = FSW_C2 | FSW_C0;
  else if (x === 0) cc = FSW_C3;
  else cc = FSW_C2;
  if (signBit(x)) cc |= FSW_C1;
  f.setCC(CC_MASK, cc);
};

export const FPU_COMPARE_OPS: OpDef[] = [
  { code: [0xd8], ext: 2, modrm: 'mem', mnemonic: 'fcom', operands: 'Md', cycles: 4, exec: fcomM32(0) },
  { code: [0xd8], ext: 3, modrm: 'mem', mnemonic: 'fcomp', operands: 'Md', cycles: 4, exec: fcomM32(1) },
  { code: [0xdc], ext: 2, modrm: 'mem', mnemonic: 'fcom', operands: 'Mq', cycles: 4, exec: fcomM64(0) },
  { code: [0xdc], ext: 3, modrm: 'mem', mnemonic: 'fcomp', operands: 'Mq', cycles: 4, exec: fcomM64(1) },
  { code: [0xda], ext: 2, modrm: 'mem', mnemonic: 'ficom', operands: 'Md', cycles: 16, exec: ficomM32(0) },
  { code: [0xda], ext: 3, modrm: 'mem', mnemonic: 'ficomp', operands: 'Md', cycles: 16, exec: ficomM32(1) },
  { code: [0xde], ext: 2, modrm: 'mem', mnemonic: 'ficom', operands: 'Mw', cycles: 16, exec: ficomM16(0) },
  { code: [0xde], ext: 3, modrm: 'mem', mnemonic: 'ficomp', operands: 'Mw', cycles: 16, exec: ficomM16(1) },
  { code: [0xd8], ext: 2, modrm: 'reg', mnemonic: 'fcom', operands: 'STi', cycles: 4, exec: fcomReg(false, 0) },
  { code: [0xd8], ext: 3, modrm: 'reg', mnemonic: 'fcomp', operands: 'STi', cycles: 4, exec: fcomReg(false, 1) },
  { code: [0xde], ext: 3, rm: 1, mnemonic: 'fcompp', operands: '', cycles: 5, exec: fcomReg(false, 2) },
  { code: [0xdd], ext: 4, modrm: 'reg', mnemonic: 'fucom', operands: 'STi', cycles: 4, exec: fcomReg(true, 0) },
  { code: [0xdd], ext: 5, modrm: 'reg', mnemonic: 'fucomp', operands: 'STi', cycles: 4, exec: fcomReg(true, 1) },
  { code: [0xda], ext: 5, rm: 1, mnemonic: 'fucompp', operands: '', cycles: 5, exec: fcomReg(true, 2) },
  { code: [0xdb], ext: 6, modrm: 'reg', mnemonic: 'fcomi', operands: 'ST,STi', cycles: 4, exec: fcomi(false, false) },
  { code: [0xdf], ext: 6, modrm: 'reg', mnemonic: 'fcomip', operands: 'ST,STi', cycles: 4, exec: fcomi(false, true) },
  { code: [0xdb], ext: 5, modrm: 'reg', mnemonic: 'fucomi', operands: 'ST,STi', cycles: 4, exec: fcomi(true, false) },
  { code: [0xdf], ext: 5, modrm: 'reg', mnemonic: 'fucomip', operands: 'ST,STi', cycles: 4, exec: fcomi(true, true) },
  { code: [0xd9], ext: 4, rm: 4, mnemonic: 'ftst', operands: '', cycles: 4, exec: ftst },
  { code: [0xd9], ext: 4, rm: 5, mnemonic: 'fxam', operands: '', cycles: 8, exec: fxam },
];
