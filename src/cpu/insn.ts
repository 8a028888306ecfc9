// A decoded instruction. Every decoded instruction is an object of this one class with
// the same fields in the same order, so that handlers reading them stay monomorphic.
// Blocks of them are cached by physical address (see blocks.ts) and executed by calling
// `fn(cpu, insn)`; a later tier may compile blocks of them into JavaScript.

import type { CPU } from './cpu.js';
import type { OpDef } from './optable.js';
import { REG_NONE, SEG_DS } from './constants.js';

export type Handler = (cpu: CPU, i: Insn) => void;

export const REP_NONE = 0;
export const REP_E = 1; // F3: rep / repe / repz
export const REP_NE = 2; // F2: repne / repnz

export class Insn {
  /** The handler that executes this instruction. */
  fn: Handler;
  /** The table entry this instruction was decoded from. */
  def: OpDef;
  /** EIP of the instruction, and EIP of the one after it. */
  eip = 0;
  next = 0;
  len = 0;
  /** Base cycle cost (i486 timings); handlers add the variable part. */
  cycles = 0;
  /** Operand size in bytes for v-sized operands: 2 or 4. */
  os = 4;
  /** ModRM: mod==3 (register operand), reg field, and r/m register when mod3. */
  mod3 = false;
  reg = 0;
  rm = 0;
  /** Memory operand: linear = segBase[seg] + ((regs[base] + (regs[index] << scale) + disp) & amask). */
  base = REG_NONE;
  index = REG_NONE;
  scale = 0;
  disp = 0;
  seg = SEG_DS;
  amask = -1;
  /** Immediates; for relative branches imm is the absolute target EIP. */
  imm = 0;
  imm2 = 0;
  rep = REP_NONE;
  lock = false;
  /** Address size in bytes (2 or 4), for string instructions and loops (ECX vs CX). */
  as = 4;
  /** Position in its block, cycles of the block before it, and cycles a compiled block
   *  has charged when it starts (jit.ts): to account exactly for a fault mid-block. */
  pos = 0;
  cyclesBefore = 0;
  jitFlushed = 0;
  /** Raw bytes start in the fetched code: for traces and the disassembler. */
  bytes: number[] = [];

  constructor(def: OpDef, fn: Handler) {
    this.def = def;
    this.fn = fn;
  }
}
