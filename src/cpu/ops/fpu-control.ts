// x87 control instructions (SDM vol. 2; vol. 1 §8.3.11): fninit fnclex fldcw fnstcw
// fnstsw (m16 and AX) fldenv fnstenv frstor fnsave ffree fdecstp fincstp fnop, and the
// opcode list of every x87 group (FPU_OPS) for the opcode table.
//
// The "no-wait" forms (fninit fnclex fnstcw fnstsw fnstenv fnsave) do not raise a pending
// #MF; NASM's fwait-prefixed spellings (finit, fstsw …) are wait + these. Control
// instructions do not change FIP/FCS/FOP/FDP/FDS (§8.1.8).
//
// Cycles (Intel486 PRM): FNINIT 17; FNCLEX 7; FLDCW 4; FNSTCW 3; FNSTSW 3; FLDENV 44;
// FNSTENV 67; FRSTOR 131; FNSAVE 154; FFREE 3; FDECSTP 3; FINCSTP 3; FNOP 3.

import type { OpDef } from '../optable.js';
import type { CPU } from '../cpu.js';
import type { Handler, Insn } from '../insn.js';
import { EAX } from '../constants.js';
import { FNSAVE_SIZE, FSW_B, FSW_C1, FSW_ES, FSW_SF, FPU_EXC, type FPU } from '../fpu.js';
import { FPU_LOAD_OPS } from './fpu-load.js';
import { FPU_ARITH_OPS } from './fpu-arith.js';
import { FPU_COMPARE_OPS } from './fpu-compare.js';
import { FPU_TRANS_OPS } from './fpu-trans.js';
import { readM16, writeM16 } from './fpu-common.js';

/** A control instruction begins: #NM; #MF too if it is a waiting one. */
function control(cpu: CPU, i: Insn, waiting: boolean): FPU {
  const f = cpu.fpu;
  f.enter(cpu, i, waiting, true);
  return f;
}

const fninit: Handler = (cpu, i) => control(cpu, i, false).reset();

const fnclex: Handler = (cpu, i) => {
  const f = control(cpu, i, false);
  f.fsw &= ~(FPU_EXC | FSW_SF | FSW_ES | FSW_B);
};

/** The control word's reserved bits: 6 reads as 1, 13-15 as 0 (fig. 8-6). */
const fldcw: Handler = (cpu, i) => {
  const f = control(cpu, i, true);
  const v = readM16(cpu, i);
  f.fcw = (v & 0x1f3f) | 0x40;
  f.updateES();
};

const fnstcw: Handler = (cpu, i) => writeM16(cpu, i, control(cpu, i, false).fcw);
const fnstswM: Handler = (cpu, i) => writeM16(cpu, i, control(cpu, i, false).status);
const fnstswAX: Handler = (cpu, i) => cpu.set16(EAX, control(cpu, i, false).status);

const IMG = new Uint8Array(FNSAVE_SIZE);

/** Write `n` bytes of IMG to the memory operand (segment-checked as one access). */
function writeImage(cpu: CPU, i: Insn, n: number): void {
  const lin = cpu.eaWrite(i, n);
  for (let k = n - 2; k >= 0; k -= 2) cpu.mmu.write16((lin + k) | 0, IMG[k] | (IMG[k + 1] << 8));
}

function readImage(cpu: CPU, i: Insn, n: number): void {
  const lin = cpu.eaRead(i, n);
  for (let k = 0; k < n; k += 2) {
    const w = cpu.mmu.read16((lin + k) | 0);
    IMG[k] = w & 0xff;
    IMG[k + 1] = w >>> 8;
  }
}

/** fnstenv: store the environment, then mask every exception (SDM vol. 2 FSTENV). */
const fnstenv: Handler = (cpu, i) => {
  const f = control(cpu, i, false);
  const n = f.storeEnv(IMG, 0, i.os === 2);
  writeImage(cpu, i, n);
  f.fcw |= FPU_EXC;
};

const fldenv: Handler = (cpu, i) => {
  const f = control(cpu, i, true);
  const o16 = i.os === 2;
  readImage(cpu, i, o16 ? 14 : 28);
  f.loadEnv(IMG, 0, o16);
};

/** fnsave: store the environment and the registers, then FNINIT. */
const fnsave: Handler = (cpu, i) => {
  const f = control(cpu, i, false);
  const o16 = i.os === 2;
  f.save(IMG, o16);
  writeImage(cpu, i, o16 ? 94 : FNSAVE_SIZE);
  f.reset();
};

const frstor: Handler = (cpu, i) => {
  const f = control(cpu, i, true);
  const o16 = i.os === 2;
  readImage(cpu, i, o16 ? 94 : FNSAVE_SIZE);
  f.restore(IMG, o16);
};

// ffree, fdecstp, fincstp and fnop are not control instructions: they set FIP/FOP.
const ffree: Handler = (cpu, i) => {
  const f = cpu.fpu;
  f.enter(cpu, i, true, false);
  f.free(i.rm);
};

const fdecstp: Handler = (cpu, i) => {
  const f = cpu.fpu;
  f.enter(cpu, i, true, false);
  f.top = (f.top - 1) & 7;
  f.fsw &= ~FSW_C1;
};

const fincstp: Handler = (cpu, i) => {
  const f = cpu.fpu;
  f.enter(cpu, i, true, false);
  f.top = (f.top + 1) & 7;
  f.fsw &= ~FSW_C1;
};

const fnop: Handler = (cpu, i) => cpu.fpu.enter(cpu, i, true, false);

const FPU_CONTROL_OPS: OpDef[] = [
  { code: [0xdb], ext: 4, rm: 3, mnemonic: 'fninit', operands: '', cycles: 17, exec: fninit },
  { code: [0xdb], ext: 4, rm: 2, mnemonic: 'fnclex', operands: '', cycles: 7, exec: fnclex },
  { code: [0xd9], ext: 5, modrm: 'mem', mnemonic: 'fldcw', operands: 'Mw', cycles: 4, exec: fldcw },
  { code: [0xd9], ext: 7, modrm: 'mem', mnemonic: 'fnstcw', operands: 'Mw', cycles: 3, exec: fnstcw },
  { code: [0xdd], ext: 7, modrm: 'mem', mnemonic: 'fnstsw', operands: 'Mw', cycles: 3, exec: fnstswM },
  { code: [0xdf], ext: 4, rm: 0, mnemonic: 'fnstsw', operands: 'AX', cycles: 3, exec: fnstswAX },
  { code: [0xd9], ext: 4, modrm: 'mem', mnemonic: 'fldenv', operands: 'M', cycles: 44, exec: fldenv },
  { code: [0xd9], ext: 6, modrm: 'mem', mnemonic: 'fnstenv', operands: 'M', cycles: 67, exec: fnstenv },
  { code: [0xdd], ext: 4, modrm: 'mem', mnemonic: 'frstor', operands: 'M', cycles: 131, exec: frstor },
  { code: [0xdd], ext: 6, modrm: 'mem', mnemonic: 'fnsave', operands: 'M', cycles: 154, exec: fnsave },
  { code: [0xdd], ext: 0, modrm: 'reg', mnemonic: 'ffree', operands: 'STi', cycles: 3, exec: ffree },
  { code: [0xd9], ext: 6, rm: 6, mnemonic: 'fdecstp', operands: '', cycles: 3, exec: fdecstp },
  { code: [0xd9], ext: 6, rm: 7, mnemonic: 'fincstp', operands: '', cycles: 3, exec: fincstp },
  { code: [0xd9], ext: 2, rm: 0, mnemonic: 'fnop', operands: '', cycles: 3, exec: fnop },
];

/** Every x87 instruction (escape opcodes D8-DF). */
export const FPU_OPS: OpDef[] = [
  ...FPU_LOAD_OPS, ...FPU_ARITH_OPS, ...FPU_COMPARE_OPS, ...FPU_TRANS_OPS, ...FPU_CONTROL_OPS,
];
