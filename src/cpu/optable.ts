// The one declarative opcode table: the source of truth for the decoder (this file builds
// its dispatch), the disassembler and the assembler.
//
// Each group of instructions lives in its own file under ops/ and exports a list of
// OpDefs; ALL_OPS is their union. Building the dispatch rejects duplicates: two entries
// that claim the same opcode bytes, ModRM extension and ModRM kind are an error at start-up.
//
// Operand forms use the notation of the Intel SDM vol. 2 appendix A.2:
//   E  ModRM r/m (register or memory)     G  ModRM reg, a general register
//   M  ModRM r/m, memory only             R  ModRM r/m, register only
//   S  ModRM reg, a segment register      C  ModRM reg, a control register   D  debug register
//   ST  the x87 stack top ST(0)          STi  ST(i), i from the ModRM r/m field (mod = 3)
//   I  immediate   J  relative branch target   O  moffs (address in the instruction)
//   A  far pointer immediate (ptr16:32)   X  DS:ESI string operand  Y  ES:EDI string operand
//   Z  register encoded in the low 3 bits of the opcode byte (SDM: "+rb/+rw/+rd")
// with sizes b (byte), w (word), d (dword), v (word or dword by operand size), p (far
// pointer 16:16 or 16:32), a (bound pair), q (qword), s (6-byte descriptor-table pointer),
// t (ten bytes: m80fp, m80bcd). A bare M of the x87 (fldenv, fnsave) is an environment
// image whose size follows the operand size.
// "Ibs" is an imm8 sign-extended to the operand size. Fixed operands are written by name:
//   AL, CL, DX, eAX (AX or EAX), 1, ES, CS, SS, DS, FS, GS; eCX eDX eBX eSP eBP eSI eDI
//   (by operand size, like eAX) name the register of xchg 91-97.

import type { Handler, Insn } from './insn.js';
import { ALU_OPS } from './ops/alu.js';
import { SHIFT_OPS } from './ops/shift.js';
import { MULDIV_OPS } from './ops/muldiv.js';
import { BIT_OPS } from './ops/bits.js';
import { MOVE_OPS } from './ops/move.js';
import { STACK_OPS } from './ops/stack.js';
import { STRING_OPS } from './ops/string.js';
import { BRANCH_OPS } from './ops/branch.js';
import { SYSTEM_OPS } from './ops/system.js';
import { MISC_OPS } from './ops/misc.js';
import { BCD_OPS } from './ops/bcd.js';
import { FAR_OPS } from './ops/far.js';
import { IO_OPS } from './ops/io.js';
import { FPU_OPS } from './ops/fpu-control.js';

export interface OpDef {
  /** Opcode bytes after the prefixes: [op] or [0x0f, op]. For Z forms, the first of eight. */
  code: number[];
  /** ModRM reg-field extension ("/digit" in the SDM), when the opcode is a group. */
  ext?: number;
  /** Restrict to a ModRM kind when the two mean different things (0F 01 /7 etc.). */
  modrm?: 'mem' | 'reg';
  /** A register form fixed by the whole ModRM byte (mod = 3, this r/m), as the x87's
   *  D9 E0 fchs: the SDM's "D9 E0" is ext 4, rm 0. Implies modrm 'reg'. */
  rm?: number;
  mnemonic: string;
  /** Mnemonic with a 16-bit operand size, when it differs (cwde/cbw, iretd/iret …). */
  mnemonic16?: string;
  /** Operands, comma separated, in SDM appendix A notation (see above); '' for none. */
  operands: string;
  /** EFLAGS read, written, and left undefined, as letters of "oszapcdit". */
  flagsRead?: string;
  flagsWritten?: string;
  flagsUndefined?: string;
  /**
   * Base clock count from the Intel486 Microprocessor Programmer's Reference Manual
   * (1990), appendix "Instruction Format and Timing": a number, or [register form,
   * memory form]. Variable parts (taken branches, rep iterations, mul/div by operand) are
   * added by the handler; see each ops/ file.
   */
  cycles: number | [number, number];
  /** The handler. */
  exec: Handler;
  /** Optional decode-time specialization: return a handler for this particular form. */
  select?: (i: Insn) => Handler;
  /** Ends a basic block: control transfers and anything that changes CPU mode/state the
   *  block executor relies on (CS, CPL, IF/TF, CR0/CR3/CR4, the TLB). */
  ends?: boolean;
  /**
   * A load of a data segment register that does not end the block (mov Sw,Ew and
   * pop DS/ES/FS/GS): the segment it loads, or 'reg' for the one the ModRM reg field names
   * (a load of SS, or of no valid register, ends the block). Compiled code re-checks the
   * flatness of that segment after the load (jit.ts).
   */
  loadsSeg?: number | 'reg';
  /** Decode only: the assembler never chooses this entry (hint NOPs, aliases). */
  noAsm?: boolean;
  /** Needs CPL 0 (else #GP(0)); the decoder wraps the handler with the check. */
  privileged?: boolean;
}

export const ALL_OPS: readonly OpDef[] = [
  ...ALU_OPS, ...SHIFT_OPS, ...MULDIV_OPS, ...BIT_OPS, ...MOVE_OPS,
  ...STACK_OPS, ...STRING_OPS, ...BRANCH_OPS, ...SYSTEM_OPS, ...MISC_OPS, ...BCD_OPS, ...FAR_OPS, ...IO_OPS,
  ...FPU_OPS,
];

/**
 * Does this operand list need a ModRM byte? An addressing method is an upper-case letter
 * followed by a lower-case size (Ev, Gb, Sw, Cd, Mp …) or a bare M (invlpg); fixed
 * operands are all upper case (ES, CS, SS, DS, DX …) and need none.
 */
export function needsModrm(def: OpDef): boolean {
  return def.ext !== undefined || /(^|,)([EGMRSCD][a-z]|M(,|$))/.test(def.operands);
}

/** Does the opcode carry a register in its low 3 bits (Z operand)? */
export function hasZ(def: OpDef): boolean {
  return /(^|,)Z/.test(def.operands);
}

/**
 * A dispatch slot: one entry, or a ModRM-reg group of up to 8 entries, each of which may
 * be split into a memory form and a register form.
 */
export interface Slot {
  single?: OpDef;
  group?: Array<{ mem?: OpDef; reg?: OpDef; rms?: Array<OpDef | undefined> } | undefined>;
}

/** Dispatch for one-byte opcodes (0..255) and 0F-prefixed ones (256..511). */
export const DISPATCH: Array<Slot | undefined> = buildDispatch(ALL_OPS);

export function buildDispatch(ops: readonly OpDef[]): Array<Slot | undefined> {
  const table: Array<Slot | undefined> = new Array(512).fill(undefined);
  const describe = (d: OpDef) => `${d.mnemonic} ${d.operands} [${d.code.map((b) => b.toString(16)).join(' ')}${d.ext !== undefined ? ' /' + d.ext : ''}]`;
  for (const def of ops) {
    const c = def.code;
    let base: number;
    if (c.length === 1) base = c[0];
    else if (c.length === 2 && c[0] === 0x0f) base = 256 + c[1];
    else throw new Error(`opcode table: unsupported opcode bytes for ${describe(def)}`);
    const count = hasZ(def) ? 8 : 1;
    for (let k = 0; k < count; k++) {
      const idx = base + k;
      let slot = table[idx];
      if (!slot) table[idx] = slot = {};
      if (def.ext === undefined) {
        if (slot.single || slot.group) throw new Error(`opcode table: duplicate entry ${describe(def)}`);
        slot.single = def;
        continue;
      }
      if (slot.single) throw new Error(`opcode table: duplicate entry ${describe(def)}`);
      slot.group ??= new Array(8).fill(undefined);
      const g = (slot.group[def.ext] ??= {});
      if (def.rm !== undefined) {
        if (g.reg) throw new Error(`opcode table: duplicate entry ${describe(def)} (also ${describe(g.reg)})`);
        g.rms ??= new Array(8).fill(undefined);
        if (g.rms[def.rm]) throw new Error(`opcode table: duplicate entry ${describe(def)} (also ${describe(g.rms[def.rm]!)})`);
        g.rms[def.rm] = def;
        continue;
      }
      if (g.rms && def.modrm !== 'mem') throw new Error(`opcode table: duplicate entry ${describe(def)}`);
      const kinds: Array<'mem' | 'reg'> = def.modrm ? [def.modrm] : ['mem', 'reg'];
      for (const kind of kinds) {
        if (g[kind]) throw new Error(`opcode table: duplicate entry ${describe(def)} (also ${describe(g[kind]!)})`);
        g[kind] = def;
      }
    }
  }
  return table;
}
