// System instructions: descriptor-table registers (lgdt lidt sgdt sidt lldt sldt ltr str),
// segment checks (verr verw lar lsl arpl), CR0 in its 286 form (smsw lmsw clts), control
// and debug registers (mov CRn/DRn), TLB and cache control (invlpg invd wbinvd), and the
// IOPL-sensitive flag instructions (cli sti pushf popf). SDM vol. 2 for each instruction,
// vol. 3A §2.4-2.7 for the registers.
//
// Cycles (Intel486 Microprocessor Programmer's Reference Manual, 1990, appendix "Instruction
// Format and Timing"; protected-mode figures): LGDT/LIDT 11, SGDT/SIDT 10, LLDT 11,
// SLDT 2 reg / 3 mem, LTR 20, STR 2/3, VERR/VERW 11, LAR 11, LSL 10, ARPL 9, SMSW 2/3,
// LMSW 13, CLTS 7, MOV CR0,r 17, MOV CR2/CR3,r 4, MOV r,CRn 4, MOV DRn,r 10, MOV r,DRn 9,
// INVLPG 12, INVD 4, WBINVD 5, CLI/STI 5, PUSHF 3, POPF 6. CR4 did not exist on the first
// i486; MOV to/from CR4 is charged like CR3 (4).

import type { OpDef } from '../optable.js';
import type { CPU } from '../cpu.js';
import type { Handler, Insn } from '../insn.js';
import {
  CR0_CD, CR0_ET, CR0_NW, CR0_PE, CR0_PG, CR0_TS, CR4_DE, CR4_SUPPORTED,
  EFLAGS_FIXED, EFLAGS_IF, EFLAGS_IOPL, EFLAGS_IOPL_SHIFT, EFLAGS_RF, EFLAGS_VM, EFLAGS_WRITABLE, EFLAGS_ZF,
  VEC_GP, VEC_NP, VEC_UD,
} from '../constants.js';
import { raise } from '../fault.js';
import {
  descAttr, descBase, descDpl, descKind, descLimit, isPresent, readDescriptor, type Descriptor,
} from '../segments.js';

const sysDesc: Descriptor = { lo: 0, hi: 0, addr: 0 };

/** CR0 bits that exist on this CPU (SDM vol. 3A §2.5); the rest read as 0. */
const CR0_DEFINED = (0xe005003f | 0) as number; // PG CD NW AM WP NE ET TS EM MP PE

/** DR6: bits 0-3 (B0-B3) and 13-15 (BD BS BT) are status; reserved bits read as 1. */
const DR6_WRITABLE = 0x0000e00f;
const DR6_FIXED = 0xffff0ff0 | 0;
/** DR7: L0-G3, LE, GE, GD and the R/W, LEN fields; bit 10 reads as 1. */
const DR7_WRITABLE = 0xffff23ff | 0;
const DR7_FIXED = 0x400;

// ---------------------------------------------------------------------------------
// Operand helpers.

/** A 16-bit selector operand (Ew) regardless of the operand size. */
function readSelector(cpu: CPU, i: Insn): number {
  return i.mod3 ? cpu.regs[i.rm] & 0xffff : cpu.mmu.read16(cpu.eaRead(i, 2));
}

/**
 * Store a 16-bit system value (sldt, str, smsw): 16 bits to memory whatever the operand
 * size; a 32-bit register receives it zero-extended, as P6 and later Intel CPUs do (the
 * SDM leaves the high half undefined on the i386/i486).
 */
function storeWord(cpu: CPU, i: Insn, v: number): void {
  if (!i.mod3) cpu.mmu.write16(cpu.eaWrite(i, 2), v);
  else if (i.os === 4) cpu.regs[i.rm] = v & 0xffff;
  else cpu.set16(i.rm, v);
}

// ---------------------------------------------------------------------------------
// GDTR / IDTR: a 6-byte pseudo-descriptor, limit (16 bits) then base (32 bits). With a
// 16-bit operand size only 24 bits of base are loaded, and stored with the high byte
// zero (SDM vol. 2 LGDT/SGDT, i386/i486 behaviour).

const lgdt = (idt: boolean): Handler => (cpu, i) => {
  const lin = cpu.eaRead(i, 6);
  const limit = cpu.mmu.read16(lin);
  let base = cpu.mmu.read32((lin + 2) | 0);
  if (i.os === 2) base &= 0x00ffffff;
  if (idt) {
    cpu.idtBase = base;
    cpu.idtLimit = limit;
  } else {
    cpu.gdtBase = base;
    cpu.gdtLimit = limit;
  }
};

const sgdt = (idt: boolean): Handler => (cpu, i) => {
  const lin = cpu.eaWrite(i, 6);
  cpu.mmu.probeWrite(lin, 6); // both writes or neither
  let base = idt ? cpu.idtBase : cpu.gdtBase;
  if (i.os === 2) base &= 0x00ffffff;
  cpu.mmu.write16(lin, idt ? cpu.idtLimit : cpu.gdtLimit);
  cpu.mmu.write32((lin + 2) | 0, base);
};

// ---------------------------------------------------------------------------------
// LDTR and TR (SDM vol. 2 LLDT, LTR; vol. 3A §7.2.4 for the busy bit).

const lldt: Handler = (cpu, i) => {
  const sel = readSelector(cpu, i);
  const err = sel & 0xfffc;
  if (err === 0) {
    // A null selector marks the LDT invalid: later references to it raise #GP.
    cpu.ldtSel = sel;
    cpu.ldtBase = 0;
    cpu.ldtLimit = 0;
    return;
  }
  if (sel & 4) raise(VEC_GP, err); // must be in the GDT
  const d = sysDesc;
  if (!readDescriptor(cpu, sel, d)) raise(VEC_GP, err);
  if (descKind(d) !== 0x02) raise(VEC_GP, err); // S=0, type 2: LDT
  if (!isPresent(d)) raise(VEC_NP, err);
  cpu.ldtSel = sel;
  cpu.ldtBase = descBase(d);
  cpu.ldtLimit = descLimit(d);
};

const ltr: Handler = (cpu, i) => {
  const sel = readSelector(cpu, i);
  const err = sel & 0xfffc;
  if (err === 0) raise(VEC_GP, 0);
  if (sel & 4) raise(VEC_GP, err);
  const d = sysDesc;
  if (!readDescriptor(cpu, sel, d)) raise(VEC_GP, err);
  const kind = descKind(d);
  if (kind !== 0x01 && kind !== 0x09) raise(VEC_GP, err); // available 16- or 32-bit TSS
  if (!isPresent(d)) raise(VEC_NP, err);
  d.hi |= 0x200; // busy
  cpu.mmu.writeSys32((d.addr + 4) | 0, d.hi);
  cpu.trSel = sel;
  cpu.trBase = descBase(d);
  cpu.trLimit = descLimit(d);
  cpu.trAttr = descAttr(d);
};

const sldt: Handler = (cpu, i) => storeWord(cpu, i, cpu.ldtSel);
const str: Handler = (cpu, i) => storeWord(cpu, i, cpu.trSel);

// ---------------------------------------------------------------------------------
// VERR, VERW, LAR, LSL: never fault on the selector; ZF says whether it passed.

/**
 * Read the descriptor of `sel` for LAR/LSL/VERR/VERW and apply the privilege check that
 * all four share: a data or non-conforming code segment (or a system descriptor) must
 * have DPL >= CPL and DPL >= RPL. Returns false when the selector is null, outside its
 * table, or fails the check.
 */
function visible(cpu: CPU, sel: number, d: Descriptor): boolean {
  if ((sel & 0xfffc) === 0 || !readDescriptor(cpu, sel, d)) return false;
  const kind = descKind(d);
  const conformingCode = (kind & 0x1c) === 0x1c;
  if (conformingCode) return true;
  const dpl = descDpl(d);
  return dpl >= cpu.cpl && dpl >= (sel & 3);
}

const verify = (write: boolean): Handler => (cpu, i) => {
  const sel = readSelector(cpu, i);
  const d = sysDesc;
  let ok = visible(cpu, sel, d);
  if (ok) {
    const kind = descKind(d);
    if ((kind & 0x10) === 0) ok = false; // system segments never verify
    else if (write) ok = (kind & 0x1a) === 0x12; // writable data
    else ok = (kind & 0x18) === 0x10 || (kind & 0x1a) === 0x1a; // data, or readable code
  }
  cpu.setSome(EFLAGS_ZF, ok ? EFLAGS_ZF : 0);
};

/** System descriptor types LAR accepts (SDM vol. 2 LAR, table 3-55 legacy mode). */
const LAR_SYSTEM = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 9) | (1 << 0xb) | (1 << 0xc);
/** …and LSL (no gates: they have no limit). */
const LSL_SYSTEM = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 9) | (1 << 0xb);

const larLsl = (lsl: boolean): Handler => (cpu, i) => {
  const sel = readSelector(cpu, i);
  const d = sysDesc;
  let ok = visible(cpu, sel, d);
  if (ok) {
    const kind = descKind(d);
    if ((kind & 0x10) === 0) ok = (((lsl ? LSL_SYSTEM : LAR_SYSTEM) >> kind) & 1) !== 0;
  }
  if (ok) {
    // LAR: access-rights bytes (descriptor dword 2, bits 8-23, masked to 0x00f0ff00);
    // LSL: the limit in bytes (scaled by G). A 16-bit destination gets the low word.
    const v = lsl ? descLimit(d) : d.hi & 0x00f0ff00;
    if (i.os === 4) cpu.regs[i.reg] = v;
    else cpu.set16(i.reg, v);
  }
  cpu.setSome(EFLAGS_ZF, ok ? EFLAGS_ZF : 0);
};

/** ARPL Ew,Gw: raise the RPL of the destination selector to that of the source. */
const arpl: Handler = (cpu, i) => {
  const src = cpu.regs[i.reg] & 3;
  if (i.mod3) {
    const dst = cpu.regs[i.rm] & 0xffff;
    if ((dst & 3) < src) {
      cpu.set16(i.rm, (dst & ~3) | src);
      cpu.setSome(EFLAGS_ZF, EFLAGS_ZF);
    } else cpu.setSome(EFLAGS_ZF, 0);
    return;
  }
  const lin = cpu.eaWrite(i, 2);
  const dst = cpu.mmu.read16(lin);
  if ((dst & 3) < src) {
    cpu.mmu.write16(lin, (dst & ~3) | src);
    cpu.setSome(EFLAGS_ZF, EFLAGS_ZF);
  } else cpu.setSome(EFLAGS_ZF, 0);
};

// ---------------------------------------------------------------------------------
// CR0 and the machine status word.

/**
 * Load CR0 (mov cr0, lmsw, clts). Paging needs protection (#GP(0) for PG without PE), NW
 * needs CD (#GP(0)). ET is hard-wired to 1 as on the i486. forkbox does not emulate real
 * mode, so clearing PE raises #GP(0) instead of leaving protected mode.
 */
function loadCr0(cpu: CPU, value: number): void {
  const v = (value & CR0_DEFINED) | CR0_ET;
  if ((v & CR0_PG && (v & CR0_PE) === 0) || (v & CR0_NW && (v & CR0_CD) === 0)) raise(VEC_GP, 0);
  if ((v & CR0_PE) === 0) raise(VEC_GP, 0);
  cpu.mmu.setCr0(v);
}

/** SMSW: the low 16 bits of CR0; a 32-bit register receives all of CR0 (P6 and later). */
const smsw: Handler = (cpu, i) => {
  const cr0 = cpu.mmu.cr0;
  if (i.mod3 && i.os === 4) cpu.regs[i.rm] = cr0;
  else storeWord(cpu, i, cr0);
};

/** LMSW: loads PE, MP, EM and TS; it cannot clear PE (SDM vol. 2 LMSW). */
const lmsw: Handler = (cpu, i) => {
  const v = readSelector(cpu, i);
  const cr0 = cpu.mmu.cr0;
  loadCr0(cpu, (cr0 & ~0x0e) | (v & 0x0f) | (cr0 & CR0_PE));
};

/** CLTS: TS does not affect translation, so no TLB flush is needed. */
const clts: Handler = (cpu) => {
  cpu.mmu.cr0 &= ~CR0_TS;
};

// ---------------------------------------------------------------------------------
// MOV to/from control and debug registers. The ModRM mod field is ignored (the decoder
// treats every form as a register form, SDM vol. 2 MOV—Move to/from Control Registers).

const movRdCd: Handler = (cpu, i) => {
  const mmu = cpu.mmu;
  let v: number;
  switch (i.reg) {
    case 0: v = mmu.cr0; break;
    case 2: v = mmu.cr2 | 0; break;
    case 3: v = mmu.cr3; break;
    case 4: v = mmu.cr4; break;
    default: return raise(VEC_UD, -1);
  }
  cpu.regs[i.rm] = v;
};

const movCdRd: Handler = (cpu, i) => {
  const v = cpu.regs[i.rm];
  const mmu = cpu.mmu;
  switch (i.reg) {
    case 0:
      loadCr0(cpu, v);
      cpu.cycles += 13; // 17 for CR0, 4 for the others
      return;
    case 2:
      mmu.cr2 = v >>> 0;
      return;
    case 3:
      mmu.setCr3(v);
      return;
    case 4:
      if (v & ~CR4_SUPPORTED) raise(VEC_GP, 0); // VME, PVI, PAE … are not implemented
      mmu.setCr4(v);
      return;
    default:
      raise(VEC_UD, -1);
  }
};

/** DR4/DR5 alias DR6/DR7 unless CR4.DE=1, when they are #UD (SDM vol. 3A §17.2.2). */
function debugReg(cpu: CPU, n: number): number {
  if (n === 4 || n === 5) {
    if (cpu.mmu.cr4 & CR4_DE) raise(VEC_UD, -1);
    return n + 2;
  }
  return n;
}

const movRdDd: Handler = (cpu, i) => {
  cpu.regs[i.rm] = cpu.dr[debugReg(cpu, i.reg)];
};

/**
 * MOV DRn, r32. DR0-DR3 hold breakpoint addresses; DR6/DR7 keep their fixed bits.
 * DR7.GD (general-detect #DB on a later MOV DR) is stored but not acted upon.
 */
const movDdRd: Handler = (cpu, i) => {
  const n = debugReg(cpu, i.reg);
  const v = cpu.regs[i.rm];
  if (n === 6) cpu.dr[6] = (v & DR6_WRITABLE) | DR6_FIXED;
  else if (n === 7) cpu.dr[7] = (v & DR7_WRITABLE) | DR7_FIXED;
  else cpu.dr[n] = v;
};

// ---------------------------------------------------------------------------------
// TLB and caches.

/** INVLPG m: drop the translation of the page holding the operand's linear address. No
 *  segment limit check and no fault: it names an address, it does not access it. */
const invlpg: Handler = (cpu, i) => {
  cpu.mmu.invlpg((cpu.segBase[i.seg] + cpu.offset(i)) | 0);
};

const nop: Handler = () => {};

// ---------------------------------------------------------------------------------
// The IOPL-sensitive flag instructions (SDM vol. 1 §18.2, vol. 2 CLI/STI/POPF). No
// virtual-8086 mode and no CR4.PVI: at CPL > IOPL, cli and sti raise #GP(0).

function iopl(cpu: CPU): number {
  return (cpu.flags & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT;
}

const cli: Handler = (cpu) => {
  if (cpu.cpl > iopl(cpu)) raise(VEC_GP, 0);
  cpu.flags &= ~EFLAGS_IF;
};

/** STI: when it sets IF, interrupts stay blocked until after the next instruction. */
const sti: Handler = (cpu) => {
  if (cpu.cpl > iopl(cpu)) raise(VEC_GP, 0);
  if ((cpu.flags & EFLAGS_IF) === 0) {
    cpu.flags |= EFLAGS_IF;
    cpu.setIntShadow();
  }
};

/** PUSHF: the image has VM and RF clear (SDM vol. 2 PUSHF). */
const pushf: Handler = (cpu, i) => {
  const f = cpu.getFlags() & ~(EFLAGS_VM | EFLAGS_RF);
  if (i.os === 4) cpu.push32(f);
  else cpu.push16(f);
};

/**
 * POPF. CPL 0: every flag but VM and RF (RF is cleared); 0 < CPL <= IOPL: IOPL is kept;
 * CPL > IOPL: IOPL and IF are kept. With a 16-bit operand only bits 0-15 change. No
 * fault for the silently ignored bits (SDM vol. 2 POPF, protected mode).
 */
const popf: Handler = (cpu, i) => {
  const v = i.os === 4 ? cpu.pop32() : cpu.pop16();
  let writable = EFLAGS_WRITABLE & ~(EFLAGS_VM | EFLAGS_RF);
  if (cpu.cpl > 0) writable &= ~EFLAGS_IOPL;
  if (cpu.cpl > iopl(cpu)) writable &= ~EFLAGS_IF;
  if (i.os === 2) writable &= 0xffff;
  cpu.flags = ((cpu.getFlags() & ~writable) | (v & writable) | EFLAGS_FIXED) & ~EFLAGS_RF;
  cpu.lazy = 0;
};

const P = { privileged: true } as const;

export const SYSTEM_OPS: OpDef[] = [
  // 0F 01: descriptor tables, MSW, invlpg
  { code: [0x0f, 0x01], ext: 0, modrm: 'mem', mnemonic: 'sgdt', operands: 'Ms', cycles: 10, exec: sgdt(false) },
  { code: [0x0f, 0x01], ext: 1, modrm: 'mem', mnemonic: 'sidt', operands: 'Ms', cycles: 10, exec: sgdt(true) },
  { code: [0x0f, 0x01], ext: 2, modrm: 'mem', mnemonic: 'lgdt', operands: 'Ms', cycles: 11, exec: lgdt(false), ...P },
  { code: [0x0f, 0x01], ext: 3, modrm: 'mem', mnemonic: 'lidt', operands: 'Ms', cycles: 11, exec: lgdt(true), ...P },
  { code: [0x0f, 0x01], ext: 4, mnemonic: 'smsw', operands: 'Ew', cycles: [2, 3], exec: smsw },
  { code: [0x0f, 0x01], ext: 6, mnemonic: 'lmsw', operands: 'Ew', cycles: 13, exec: lmsw, ends: true, ...P },
  { code: [0x0f, 0x01], ext: 7, modrm: 'mem', mnemonic: 'invlpg', operands: 'M', cycles: 12, exec: invlpg, ends: true, ...P },
  // 0F 00: LDTR, TR, verify
  { code: [0x0f, 0x00], ext: 0, mnemonic: 'sldt', operands: 'Ew', cycles: [2, 3], exec: sldt },
  { code: [0x0f, 0x00], ext: 1, mnemonic: 'str', operands: 'Ew', cycles: [2, 3], exec: str },
  { code: [0x0f, 0x00], ext: 2, mnemonic: 'lldt', operands: 'Ew', cycles: 11, exec: lldt, ...P },
  { code: [0x0f, 0x00], ext: 3, mnemonic: 'ltr', operands: 'Ew', cycles: 20, exec: ltr, ...P },
  { code: [0x0f, 0x00], ext: 4, mnemonic: 'verr', operands: 'Ew', cycles: 11, exec: verify(false), flagsWritten: 'z' },
  { code: [0x0f, 0x00], ext: 5, mnemonic: 'verw', operands: 'Ew', cycles: 11, exec: verify(true), flagsWritten: 'z' },
  { code: [0x0f, 0x02], mnemonic: 'lar', operands: 'Gv,Ew', cycles: 11, exec: larLsl(false), flagsWritten: 'z' },
  { code: [0x0f, 0x03], mnemonic: 'lsl', operands: 'Gv,Ew', cycles: 10, exec: larLsl(true), flagsWritten: 'z' },
  { code: [0x63], mnemonic: 'arpl', operands: 'Ew,Gw', cycles: 9, exec: arpl, flagsWritten: 'z' },
  { code: [0x0f, 0x06], mnemonic: 'clts', operands: '', cycles: 7, exec: clts, ...P },
  // Control and debug registers. Writes end the block: CR0/CR3/CR4 change translation,
  // and the next instruction must be fetched through the new mapping.
  { code: [0x0f, 0x20], mnemonic: 'mov', operands: 'Rd,Cd', cycles: 4, exec: movRdCd, flagsUndefined: 'oszapc', ...P },
  { code: [0x0f, 0x22], mnemonic: 'mov', operands: 'Cd,Rd', cycles: 4, exec: movCdRd, ends: true, flagsUndefined: 'oszapc', ...P },
  { code: [0x0f, 0x21], mnemonic: 'mov', operands: 'Rd,Dd', cycles: 9, exec: movRdDd, flagsUndefined: 'oszapc', ...P },
  { code: [0x0f, 0x23], mnemonic: 'mov', operands: 'Dd,Rd', cycles: 10, exec: movDdRd, ends: true, flagsUndefined: 'oszapc', ...P },
  { code: [0x0f, 0x08], mnemonic: 'invd', operands: '', cycles: 4, exec: nop, ...P },
  { code: [0x0f, 0x09], mnemonic: 'wbinvd', operands: '', cycles: 5, exec: nop, ...P },
  // Interrupt flag and EFLAGS
  { code: [0xfa], mnemonic: 'cli', operands: '', cycles: 5, exec: cli, flagsWritten: 'i' },
  { code: [0xfb], mnemonic: 'sti', operands: '', cycles: 5, exec: sti, ends: true, flagsWritten: 'i' },
  { code: [0x9c], mnemonic: 'pushf', mnemonic16: 'pushfw', operands: '', cycles: 3, exec: pushf, flagsRead: 'oszapcdit' },
  { code: [0x9d], mnemonic: 'popf', mnemonic16: 'popfw', operands: '', cycles: 6, exec: popf, ends: true, flagsWritten: 'oszapcdit' },
];
