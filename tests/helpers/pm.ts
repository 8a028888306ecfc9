// Protected-mode scaffolding for instruction tests: descriptor encoders, a standard GDT,
// IDT and TSS written into the runner's memory, and ring-3 entry.
//
// Layout (physical = linear, paging off):
//   GDT 0x20000, IDT 0x21000, TSS 0x22000 (I/O bitmap at +0x68), LDT 0x23000,
//   interrupt handlers at HANDLERS + 16*vector, ring-0 stack top 0x70000.

import { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS } from '../../src/cpu/constants.js';
import type { CPU } from '../../src/cpu/cpu.js';
import { loadDataSegment } from '../../src/cpu/segments.js';
import { run, type InsnRunner } from './insn-runner.js';

export const GDT = 0x20000;
export const IDT = 0x21000;
export const TSS = 0x22000;
export const LDT = 0x23000;
export const HANDLERS = 0x30000;
export const KSTACK_TOP = 0x70000;
export const IOMAP = 0x68;
/** The TSS limit: 0x68 bytes of TSS, a bitmap covering ports 0..0x3ff, and the 0xff byte. */
export const TSS_LIMIT = IOMAP + 0x80;

/* Selectors of the standard GDT. */
export const KCODE = 0x08;
export const KDATA = 0x10;
export const UCODE = 0x1b;
export const UDATA = 0x23;
export const TSS_SEL = 0x28;
export const CALLGATE = 0x33; // 32-bit call gate, DPL 3, to KCODE:GATE_TARGET, 2 params
export const CONFORMING = 0x38; // conforming code, DPL 0
export const LDT_SEL = 0x40;
export const SMALL_DATA = 0x48; // DPL 0 data, base 0x40000, limit 0xfff
export const RO_DATA = 0x53; // read-only data, DPL 3
export const XO_CODE = 0x58; // execute-only code, DPL 0
export const NP_DATA = 0x63; // not-present data, DPL 3
export const TASKGATE = 0x68; // a task gate (not supported as a jump target)
export const GATE16 = 0x73; // 16-bit call gate, DPL 3, to KCODE:GATE_TARGET, 0 params
export const GATE_DPL0 = 0x78; // 32-bit call gate, DPL 0
export const UCODE_CONF = 0x80; // conforming code, DPL 3
export const GATE_TARGET = 0x5000;

/** A code/data segment descriptor as [lo, hi]. `access`: P|DPL|S|type byte; `flags`: G,D nibble. */
export function segment(base: number, limit: number, access: number, flags = 0xc): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | ((flags & 0xf) << 20) | (limit & 0xf0000) | ((access & 0xff) << 8) | ((base >>> 16) & 0xff);
  return [lo | 0, hi | 0];
}

/** A gate descriptor (call/interrupt/trap/task): type 0xc call32, 0xe int32, 0xf trap32, 5 task. */
export function gate(sel: number, offset: number, type: number, dpl: number, params = 0, present = true): [number, number] {
  const lo = ((sel & 0xffff) << 16) | (offset & 0xffff);
  const hi = (offset & 0xffff0000) | (present ? 0x8000 : 0) | ((dpl & 3) << 13) | ((type & 0xf) << 8) | (params & 0x1f);
  return [lo | 0, hi | 0];
}

export function writeDesc(r: InsnRunner, table: number, sel: number, d: [number, number]): void {
  r.mem32(table + (sel & 0xfff8), d[0], d[1]);
}

/**
 * Write the standard GDT, an IDT of interrupt gates (DPL 0, except 0x80: DPL 3 trap
 * gate) whose handlers are `hlt` stubs, and a 32-bit TSS with ESP0/SS0 and an I/O bitmap
 * that allows ports 0x80..0x87 only. Loads GDTR, IDTR and TR directly.
 */
export function setupPM(r: InsnRunner): void {
  const cpu = r.cpu;
  writeDesc(r, GDT, KCODE, segment(0, 0xfffff, 0x9a));
  writeDesc(r, GDT, KDATA, segment(0, 0xfffff, 0x92));
  writeDesc(r, GDT, UCODE, segment(0, 0xfffff, 0xfa));
  writeDesc(r, GDT, UDATA, segment(0, 0xfffff, 0xf2));
  writeDesc(r, GDT, TSS_SEL, segment(TSS, TSS_LIMIT, 0x89, 0));
  writeDesc(r, GDT, CALLGATE, gate(KCODE, GATE_TARGET, 0xc, 3, 2));
  writeDesc(r, GDT, CONFORMING, segment(0, 0xfffff, 0x9e));
  writeDesc(r, GDT, LDT_SEL, segment(LDT, 0x17, 0x82, 0));
  writeDesc(r, GDT, SMALL_DATA, segment(0x40000, 0xfff, 0x92, 0x4));
  writeDesc(r, GDT, RO_DATA, segment(0, 0xfffff, 0xf0));
  writeDesc(r, GDT, XO_CODE, segment(0, 0xfffff, 0x98));
  writeDesc(r, GDT, NP_DATA, segment(0, 0xfffff, 0x72));
  writeDesc(r, GDT, TASKGATE, gate(TSS_SEL, 0, 0x5, 3));
  writeDesc(r, GDT, GATE16, gate(KCODE, GATE_TARGET, 0x4, 3, 0));
  writeDesc(r, GDT, GATE_DPL0, gate(KCODE, GATE_TARGET, 0xc, 0, 0));
  writeDesc(r, GDT, UCODE_CONF, segment(0, 0xfffff, 0xfe));
  cpu.gdtBase = GDT;
  cpu.gdtLimit = 0x100 - 1;
  // LDT: a DPL-3 data segment at selector 0x0f (index 1, TI=1, RPL 3)
  r.mem32(LDT + 8, ...segment(0x50000, 0xffff, 0xf2, 0x4));
  for (let v = 0; v < 256; v++) {
    const type = v === 0x80 ? 0xf : 0xe;
    const dpl = v === 0x80 || v === 3 || v === 4 ? 3 : 0;
    r.mem32(IDT + 8 * v, ...gate(KCODE, HANDLERS + 16 * v, type, dpl));
    r.mem(HANDLERS + 16 * v, 'f4'); // hlt
  }
  cpu.idtBase = IDT;
  cpu.idtLimit = 256 * 8 - 1;
  // TSS: ESP0/SS0, the I/O map base, and a bitmap denying everything but ports 0x80-0x87.
  r.mem32(TSS + 4, KSTACK_TOP, KDATA);
  r.mmu.writePhys16(TSS + 0x66, IOMAP);
  r.mmu.fillPhys(TSS + IOMAP, 0x81, 0xff);
  r.mmu.writePhys8(TSS + IOMAP + 0x10, 0x00);
  cpu.trSel = TSS_SEL;
  cpu.trBase = TSS;
  cpu.trLimit = TSS_LIMIT;
  cpu.trAttr = 0x8b; // busy 32-bit TSS
  cpu.ldtSel = LDT_SEL;
  cpu.ldtBase = LDT;
  cpu.ldtLimit = 0x17;
  loadKernelSegments(cpu);
}

/** A runner for `code` in protected mode with the standard tables (setupPM), at CPL 0. */
export function pm(code: string): InsnRunner {
  const r = run(code);
  setupPM(r);
  return r;
}

/** The same, running at CPL 3. */
export function user(code: string): InsnRunner {
  const r = pm(code);
  enterRing3(r.cpu);
  return r;
}

/** CS=KCODE, data segments KDATA, CPL 0. */
export function loadKernelSegments(cpu: CPU): void {
  cpu.setSegCache(SEG_CS, KCODE, 0, 0xffffffff, 0xc09b);
  cpu.setCpl(0);
  for (const s of [SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS]) loadDataSegment(cpu, s, KDATA);
}

/** Switch to ring 3 as if by iret: CS=UCODE, SS/DS/ES/FS/GS=UDATA. */
export function enterRing3(cpu: CPU): void {
  cpu.setSegCache(SEG_CS, UCODE, 0, 0xffffffff, 0xc0fb);
  cpu.setCpl(3);
  for (const s of [SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS]) loadDataSegment(cpu, s, UDATA);
}

/** Execute up to `n` instructions with real exception delivery through the IDT. */
export function stepReal(r: InsnRunner, n: number): void {
  const cpu = r.cpu;
  for (let k = 0; k < n && !cpu.halted && !cpu.shutdown; k++) cpu.step(1);
}

/** The dwords at the stack pointer (physical = linear), lowest first. */
export function stack(r: InsnRunner, count: number): number[] {
  const esp = r.cpu.regs[4] >>> 0;
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(r.mmu.readPhys32(esp + 4 * k) >>> 0);
  return out;
}
