// Protection: segment-register loads, far jmp/call/ret through code segments and call
// gates, iret, software interrupts and their gate DPL check, bound, and port I/O with the
// IOPL and the TSS I/O permission bitmap.

import { describe, expect, it } from 'vitest';
import { run, CODE_BASE, STACK_TOP, type InsnRunner } from './helpers/insn-runner.js';
import {
  CONFORMING, GATE16, GATE_DPL0, GATE_TARGET, GDT, HANDLERS, IDT, KCODE, KDATA, KSTACK_TOP,
  NP_DATA, RO_DATA, SMALL_DATA, TASKGATE, TSS, TSS_SEL, UCODE, UCODE_CONF, UDATA, XO_CODE,
  gate, pm, segment, stack, stepReal, user, writeDesc,
} from './helpers/pm.js';
import {
  EFLAGS_IF, EFLAGS_IOPL, EFLAGS_NT, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS,
} from '../src/cpu/constants.js';
import { STOP_HLT, type IoPorts } from '../src/cpu/cpu.js';
import { JIT_RESUME } from '../src/cpu/jit.js';

const GP = 13;
const NP = 11;
const SS = 12;
const TS = 10;
const UD = 6;
const BR = 5;
const DATA = 0x10000;

const sel = (r: InsnRunner, seg: number) => r.cpu.segSel[seg];

describe('mov Sreg, r/m16', () => {
  it('loads a data segment and its descriptor cache; sets the accessed bit', () => {
    const r = pm('8e d8').set({ eax: RO_DATA }).go().expectNoFault().cycles(9);
    expect(sel(r, SEG_DS)).toBe(RO_DATA);
    expect(r.cpu.segLimit[SEG_DS]).toBe(0xffffffff);
    expect((r.mmu.readPhys32(GDT + 0x50 + 4) >>> 8) & 1).toBe(1);
  });
  it('loads from memory', () => {
    const r = pm('8e 1d 00 00 01 00').mem(DATA, '48 00').go().expectNoFault();
    expect(r.cpu.segBase[SEG_DS]).toBe(0x40000);
  });
  it('kernel data from ring 3 is #GP(selector); nothing changes', () => {
    const r = user('8e d8').set({ eax: KDATA }).go().expectFault(GP, KDATA);
    expect(sel(r, SEG_DS)).toBe(UDATA);
  });
  it('RPL above DPL is #GP(selector)', () => {
    pm('8e d8').set({ eax: KDATA | 3 }).go().expectFault(GP, KDATA);
  });
  it('a null selector loads, and using it is #GP(0)', () => {
    const r = pm('8e d8 8b 05 00 00 01 00').set({ eax: 3 }).go().expectFault(GP, 0);
    expect(sel(r, SEG_DS)).toBe(3);
    expect(r.fault!.eip).toBe(CODE_BASE + 2);
  });
  it('not present is #NP(selector)', () => {
    user('8e d8').set({ eax: NP_DATA }).go().expectFault(NP, NP_DATA & ~3);
  });
  it('execute-only code and system descriptors are #GP; readable conforming code loads at any CPL', () => {
    pm('8e d8').set({ eax: XO_CODE }).go().expectFault(GP, XO_CODE);
    pm('8e d8').set({ eax: TSS_SEL }).go().expectFault(GP, TSS_SEL);
    const r = user('8e d8').set({ eax: CONFORMING }).go().expectNoFault();
    expect(sel(r, SEG_DS)).toBe(CONFORMING);
  });
  it('SS needs RPL = DPL = CPL and a writable data segment', () => {
    pm('8e d0').set({ eax: UDATA }).go().expectFault(GP, UDATA & ~3);
    pm('8e d0').set({ eax: 0 }).go().expectFault(GP, 0);
    user('8e d0').set({ eax: RO_DATA }).go().expectFault(GP, RO_DATA & ~3);
    user('8e d0').set({ eax: NP_DATA }).go().expectFault(SS, NP_DATA & ~3);
    const r = pm('8e d0').set({ eax: SMALL_DATA }).go().expectNoFault();
    expect(r.cpu.stackMask).toBe(-1);
    expect(r.cpu.intShadow).toBe(true);
  });
  it('CS and the non-existent segment registers are #UD', () => {
    pm('8e c8').set({ eax: KCODE }).go().expectFault(UD);
    pm('8e f0').set({ eax: KDATA }).go().expectFault(UD);
    pm('8c f8').go().expectFault(UD);
  });
});

describe('mov r/m16, Sreg', () => {
  it('a 32-bit register receives the selector zero-extended', () => {
    pm('8c d8').set({ eax: -1 }).go().expect({ eax: KDATA }).cycles(3);
  });
  it('a 16-bit register keeps its high half', () => {
    pm('66 8c c8').set({ eax: -1 }).go().expect({ eax: 0xffff0000 | KCODE });
  });
  it('memory receives 16 bits', () => {
    const r = pm('8c 1d 00 00 01 00').mem(DATA, 'aa aa aa aa').go();
    expect(r.read32(DATA)).toBe(0xaaaa0010);
  });
});

describe('push / pop Sreg', () => {
  it('a 32-bit push moves ESP by 4 and writes the low word only', () => {
    const r = pm('1e').mem32(STACK_TOP - 4, 0xaaaaaaaa | 0).go().cycles(3);
    expect(r.cpu.regs[4]).toBe(STACK_TOP - 4);
    expect(r.read32(STACK_TOP - 4)).toBe(0xaaaa0010);
  });
  it('a 16-bit push moves ESP by 2', () => {
    const r = pm('66 0e').go();
    expect(r.cpu.regs[4]).toBe(STACK_TOP - 2);
    expect(r.mmu.readPhys16(STACK_TOP - 2)).toBe(KCODE);
  });
  it('pushes every segment register', () => {
    const r = user('06 0e 16 1e 0f a0 0f a8').go().expectNoFault();
    expect(stack(r, 6).map((v) => v & 0xffff)).toEqual([UDATA, UDATA, UDATA, UDATA, UCODE, UDATA]);
  });
  it('pop loads the segment and then moves ESP', () => {
    const r = pm('1f 07 0f a1 0f a9').mem32(STACK_TOP, RO_DATA, UDATA, 0, SMALL_DATA).go().expectNoFault().cycles(36);
    expect([sel(r, SEG_DS), sel(r, SEG_ES), sel(r, SEG_FS), sel(r, SEG_GS)]).toEqual([RO_DATA, UDATA, 0, SMALL_DATA]);
    expect(r.cpu.regs[4]).toBe(STACK_TOP + 16);
  });
  it('a pop that faults leaves ESP and the register alone', () => {
    const r = user('1f').mem32(STACK_TOP, KDATA).go().expectFault(GP, KDATA);
    expect(r.cpu.regs[4]).toBe(STACK_TOP);
    expect(sel(r, SEG_DS)).toBe(UDATA);
  });
  it('pop ss sets the interrupt shadow and ends the block', () => {
    const r = pm('17 90').mem32(STACK_TOP, KDATA);
    expect(r.cpu.blocks.lookup().insns.length).toBe(1);
    r.go(1).expectNoFault();
    expect(r.cpu.intShadow).toBe(true);
    expect(r.cpu.regs[4]).toBe(STACK_TOP + 4);
  });
  it('loads of SS and far loads end the block; mov/pop of DS, ES, FS, GS do not', () => {
    for (const code of ['8e d0', '17', 'c5 05 00 00 01 00', 'c4 05 00 00 01 00',
      '0f b2 05 00 00 01 00', '0f b4 05 00 00 01 00', '0f b5 05 00 00 01 00']) {
      expect(pm(code + ' 90 90').cpu.blocks.lookup().insns.length, code).toBe(1);
    }
    for (const code of ['8e d8', '8e c0', '8e e0', '8e e8', '1f', '07', '0f a1', '0f a9']) {
      expect(pm(code + ' 90 90 f4').cpu.blocks.lookup().insns.length, code).toBe(4);
    }
  });
  it('a segment made non-flat inside a hot loop is honoured by compiled code', () => {
    // l: push ebx; pop ds; mov eax, [0x1000]; inc esi; dec edx; jnz l; mov ebx, ecx; jmp l
    // 40 flat iterations make the loop hot (compiled); then DS gets SMALL_DATA, whose
    // limit is 0xfff: that very iteration's load must raise #GP(0).
    const r = pm('53 1f 8b 05 00 10 00 00 46 4a 75 f4 89 cb eb f0').set({ ebx: KDATA, ecx: SMALL_DATA, edx: 40, esi: 0, esp: 0x60000 });
    r.cpu.jitThreshold = 2;
    expect(r.cpu.run(r.cpu.cycles + 100000)).toBe(STOP_HLT);
    expect(r.cpu.eip).toBe(HANDLERS + 16 * GP + 1);
    expect(stack(r, 2)).toEqual([0, CODE_BASE + 2]);
    expect(r.cpu.regs[6]).toBe(40);
  });
  it('a segment load inside a compiled block: the rest of the block runs interpreted when it leaves the segment non-flat, with the same cycles', () => {
    // l: push ebx; pop ds; mov eax, [0x10]; mov ds, ecx; mov eax, [0x10]; mov ds, ebx; dec edx; jnz l; hlt
    // DS is flat KDATA at the top of the block and SMALL_DATA (base 0x40000, limit 0xfff)
    // in its middle; compiled and interpreted runs must agree on everything.
    const code = '53 1f 8b 05 10 00 00 00 8e d9 8b 05 10 00 00 00 8e db 4a 75 eb f4';
    const outcome = (jit: boolean) => {
      const r = pm(code).set({ ebx: KDATA, ecx: SMALL_DATA, edx: 50, esp: 0x60000 });
      r.mem32(0x10, 0x1111).mem32(0x40010, 0x2222);
      r.cpu.jit = jit;
      r.cpu.jitThreshold = 2;
      const block = r.cpu.blocks.lookup();
      expect(block.insns.length).toBe(8);
      const statuses: number[] = [];
      expect(r.cpu.run(r.cpu.cycles + 100000)).toBe(STOP_HLT);
      const result = { regs: Array.from(r.cpu.regs).slice(0, 4), cycles: r.cpu.cycles, instret: r.cpu.instret, ds: sel(r, SEG_DS), statuses };
      if (jit) {
        // the compiled form stops after `mov ds, ecx` (instruction 3) and resumes at 4
        r.set({ edx: 1 });
        r.cpu.eip = block.eip;
        statuses.push(block.compiled!(r.cpu, block.insns));
      }
      return result;
    };
    const interp = outcome(false);
    expect(interp.ds).toBe(KDATA);
    expect(interp.regs[0]).toBe(0x2222);
    expect(interp.regs[2]).toBe(0);
    const compiled = outcome(true);
    expect(compiled.statuses).toEqual([JIT_RESUME + 4]);
    expect({ ...compiled, statuses: [] }).toEqual(interp);
  });
  it('16-bit pop moves ESP by 2', () => {
    const r = pm('66 1f').mem32(STACK_TOP, UDATA).go().expectNoFault();
    expect(r.cpu.regs[4]).toBe(STACK_TOP + 2);
  });
});

describe('lds / les / lfs / lgs / lss', () => {
  it('load a far pointer: offset then selector', () => {
    const r = pm('c5 05 00 00 01 00').mem32(DATA, 0x12345678, RO_DATA).go().expectNoFault().expect({ eax: 0x12345678 }).cycles(12);
    expect(sel(r, SEG_DS)).toBe(RO_DATA);
  });
  it('every segment register', () => {
    const r = pm('c4 1d 00 00 01 00 0f b4 0d 00 00 01 00 0f b5 15 00 00 01 00 0f b2 25 00 00 01 00')
      .mem32(DATA, 0x7000, SMALL_DATA).go().expectNoFault().expect({ ebx: 0x7000, ecx: 0x7000, edx: 0x7000, esp: 0x7000 });
    expect([sel(r, SEG_ES), sel(r, SEG_FS), sel(r, SEG_GS), sel(r, SEG_SS)]).toEqual([SMALL_DATA, SMALL_DATA, SMALL_DATA, SMALL_DATA]);
  });
  it('16-bit operand size: a 16-bit offset and the selector at +2', () => {
    const r = pm('66 c5 05 00 00 01 00').set({ eax: -1 }).mem(DATA, '34 12 53 00').go().expect({ eax: 0xffff1234 });
    expect(sel(r, SEG_DS)).toBe(RO_DATA);
  });
  it('a bad selector faults before the register is written', () => {
    user('c5 05 00 00 01 00').set({ eax: 5 }).mem32(DATA, 0x1234, KDATA).go().expectFault(GP, KDATA).expect({ eax: 5 });
  });
  it('a register operand is #UD', () => {
    pm('c5 c0').go().expectFault(UD);
  });
});

describe('far jmp', () => {
  it('to a code segment at CPL', () => {
    const r = pm('ea 00 20 00 00 08 00').go().expectNoFault().cycles(18);
    expect(r.cpu.eip).toBe(0x2000);
    expect(sel(r, SEG_CS)).toBe(KCODE);
  });
  it('to a conforming segment keeps CPL, and RPL becomes CPL', () => {
    const r = user('ea 00 20 00 00 38 00').go().expectNoFault();
    expect(sel(r, SEG_CS)).toBe(CONFORMING | 3);
    expect(r.cpu.cpl).toBe(3);
  });
  it('to a non-conforming segment needs DPL = CPL and RPL <= CPL', () => {
    user('ea 00 20 00 00 08 00').go().expectFault(GP, KCODE);
    pm('ea 00 20 00 00 1b 00').go().expectFault(GP, UCODE & ~3);
    pm('ea 00 20 00 00 0b 00').go().expectFault(GP, KCODE); // RPL 3 > CPL 0
    const r = user('ea 00 20 00 00 18 00').go().expectNoFault(); // RPL 0 is fine
    expect(sel(r, SEG_CS)).toBe(UCODE);
  });
  it('null, data, task gates and out-of-table selectors are #GP', () => {
    pm('ea 00 20 00 00 00 00').go().expectFault(GP, 0);
    pm('ea 00 20 00 00 10 00').go().expectFault(GP, KDATA);
    user('ea 00 00 00 00 6b 00').go().expectFault(GP, TASKGATE & ~3);
    pm('ea 00 20 00 00 28 00').go().expectFault(GP, TSS_SEL);
    pm('ea 00 20 00 00 f8 01').go().expectFault(GP, 0x1f8);
  });
  it('not present is #NP; beyond the limit is #GP(0)', () => {
    const r = pm('ea 00 20 00 00 88 00');
    writeDesc(r, GDT, 0x88, segment(0, 0xfffff, 0x1a));
    r.go().expectFault(NP, 0x88);
    const r2 = pm('ea 00 10 00 00 90 00');
    writeDesc(r2, GDT, 0x90, segment(0, 0xfff, 0x9a, 0x4));
    r2.go().expectFault(GP, 0);
    expect(sel(r2, SEG_CS)).toBe(KCODE);
  });
  it('through a call gate to the same privilege', () => {
    const r = pm('ea 00 00 00 00 30 00').go().expectNoFault().cycles(32);
    expect(r.cpu.eip).toBe(GATE_TARGET);
    expect(sel(r, SEG_CS)).toBe(KCODE);
  });
  it('never raises privilege through a call gate', () => {
    user('ea 00 00 00 00 33 00').go().expectFault(GP, KCODE);
  });
  it('indirect, from memory; a register operand is #UD', () => {
    const r = pm('ff 2d 00 00 01 00').mem32(DATA, 0x3000, KCODE).go().expectNoFault().cycles(18);
    expect(r.cpu.eip).toBe(0x3000);
    pm('ff e8').go().expectFault(UD);
  });
  it('16-bit operand size takes a 16-bit offset', () => {
    const r = pm('66 ea 00 20 08 00').go().expectNoFault();
    expect(r.cpu.eip).toBe(0x2000);
  });
});

describe('far call', () => {
  it('pushes CS and EIP and jumps', () => {
    const r = pm('9a 00 20 00 00 08 00').go().expectNoFault().cycles(20);
    expect(r.cpu.eip).toBe(0x2000);
    expect(stack(r, 2)).toEqual([CODE_BASE + 7, KCODE]);
  });
  it('16-bit: pushes words', () => {
    const r = pm('66 9a 00 20 08 00').go().expectNoFault();
    expect(r.cpu.regs[4]).toBe(STACK_TOP - 4);
    expect(r.read32(STACK_TOP - 4)).toBe((KCODE << 16) | (CODE_BASE + 6));
  });
  it('indirect, from memory', () => {
    const r = pm('ff 1d 00 00 01 00').mem32(DATA, 0x3000, KCODE).go().expectNoFault();
    expect(r.cpu.eip).toBe(0x3000);
    expect(stack(r, 2)).toEqual([CODE_BASE + 6, KCODE]);
  });
  it('to a conforming segment from ring 3 stays in ring 3', () => {
    const r = user('9a 00 20 00 00 80 00').go().expectNoFault();
    expect(r.cpu.cpl).toBe(3);
    expect(sel(r, SEG_CS)).toBe(UCODE_CONF | 3);
    expect(stack(r, 2)).toEqual([CODE_BASE + 7, UCODE]);
  });
  it('a stack fault leaves everything as it was (#SS(0))', () => {
    const r = pm('8e d0 9a 00 20 00 00 08 00').set({ eax: SMALL_DATA, esp: 4 }).go().expectFault(SS, 0);
    expect(sel(r, SEG_CS)).toBe(KCODE);
    expect(r.cpu.eip).toBe(CODE_BASE + 2);
    expect(r.cpu.regs[4]).toBe(4);
  });
  it('through a call gate from ring 3 to ring 0: stack switch, parameters copied', () => {
    const r = user('9a 00 00 00 00 33 00').set({ esp: 0x7ff8 }).mem32(0x7ff8, 0x11111111, 0x22222222);
    r.go().expectNoFault().cycles(77 + 4 * 2);
    const cpu = r.cpu;
    expect(cpu.cpl).toBe(0);
    expect(sel(r, SEG_CS)).toBe(KCODE);
    expect(sel(r, SEG_SS)).toBe(KDATA);
    expect(cpu.eip).toBe(GATE_TARGET);
    expect(cpu.regs[4]).toBe(KSTACK_TOP - 24);
    expect(stack(r, 6)).toEqual([CODE_BASE + 7, UCODE, 0x11111111, 0x22222222, 0x7ff8, UDATA]);
    expect(sel(r, SEG_DS)).toBe(UDATA); // data segments are untouched by the call
  });
  it('through a 16-bit call gate: a frame of words', () => {
    const r = user('9a 00 00 00 00 73 00').set({ esp: 0x7ff8 }).go().expectNoFault().cycles(69);
    expect(r.cpu.regs[4]).toBe(KSTACK_TOP - 8);
    expect([0, 2, 4, 6].map((k) => r.mmu.readPhys16(KSTACK_TOP - 8 + k))).toEqual([CODE_BASE + 7, UCODE, 0x7ff8, UDATA]);
    expect(r.cpu.eip).toBe(GATE_TARGET);
    expect(GATE16).toBe(0x73);
  });
  it('through a call gate at the same privilege: no stack switch', () => {
    const r = pm('9a 00 00 00 00 30 00').go().expectNoFault().cycles(35);
    expect(r.cpu.regs[4]).toBe(STACK_TOP - 8);
    expect(stack(r, 2)).toEqual([CODE_BASE + 7, KCODE]);
  });
  it('a gate with DPL < CPL is #GP(gate)', () => {
    user('9a 00 00 00 00 7b 00').go().expectFault(GP, GATE_DPL0);
  });
  it('a gate whose RPL exceeds its DPL is #GP(gate)', () => {
    const r = pm('9a 00 00 00 00 7b 00').go();
    r.expectFault(GP, GATE_DPL0);
  });
  it('a not-present gate is #NP(gate)', () => {
    const r = user('9a 00 00 00 00 8b 00');
    writeDesc(r, GDT, 0x88, gate(KCODE, GATE_TARGET, 0xc, 3, 0, false));
    r.go().expectFault(NP, 0x88);
  });
  it('a bad inner stack in the TSS is #TS and nothing changes', () => {
    const r = user('9a 00 00 00 00 33 00').set({ esp: 0x7ff8 });
    r.mem32(TSS + 8, UDATA); // SS0 with RPL 3
    r.go().expectFault(TS, UDATA & ~3);
    expect(r.cpu.cpl).toBe(3);
    expect(r.cpu.regs[4]).toBe(0x7ff8);
    const r2 = user('9a 00 00 00 00 33 00');
    r2.mem32(TSS + 8, 0);
    r2.go().expectFault(TS, 0);
  });
});

describe('far ret', () => {
  it('to the same privilege', () => {
    const r = pm('cb').mem32(STACK_TOP, 0x2000, KCODE).go().expectNoFault().cycles(18);
    expect(r.cpu.eip).toBe(0x2000);
    expect(r.cpu.regs[4]).toBe(STACK_TOP + 8);
  });
  it('retf imm releases parameters', () => {
    const r = pm('ca 08 00').mem32(STACK_TOP, 0x2000, KCODE).go().expectNoFault().cycles(17);
    expect(r.cpu.regs[4]).toBe(STACK_TOP + 16);
  });
  it('16-bit retf pops words', () => {
    const r = pm('66 cb').mem32(STACK_TOP, (KCODE << 16) | 0x2000).go().expectNoFault();
    expect(r.cpu.eip).toBe(0x2000);
    expect(r.cpu.regs[4]).toBe(STACK_TOP + 4);
  });
  it('to an outer privilege: pops SS:ESP and nulls inaccessible data segments', () => {
    const r = pm('ca 08 00').mem32(STACK_TOP, 0x2000, UCODE, 0xaaaa, 0xbbbb, 0x7000, UDATA);
    r.cpu.setSegCache(SEG_FS, UDATA, 0, 0xffffffff, 0xc0f3);
    r.go().expectNoFault().cycles(33);
    const cpu = r.cpu;
    expect(cpu.cpl).toBe(3);
    expect(cpu.eip).toBe(0x2000);
    expect(sel(r, SEG_CS)).toBe(UCODE);
    expect(sel(r, SEG_SS)).toBe(UDATA);
    expect(cpu.regs[4]).toBe(0x7008);
    expect([sel(r, SEG_DS), sel(r, SEG_ES), sel(r, SEG_FS), sel(r, SEG_GS)]).toEqual([0, 0, UDATA, 0]);
    expect(r.mmu.user).toBe(true);
  });
  it('never to an inner privilege', () => {
    user('cb').mem32(STACK_TOP, 0x2000, KCODE).go().expectFault(GP, KCODE);
  });
  it('checks the return CS and SS', () => {
    pm('cb').mem32(STACK_TOP, 0x2000, 0).go().expectFault(GP, 0);
    pm('cb').mem32(STACK_TOP, 0x2000, KDATA).go().expectFault(GP, KDATA);
    pm('cb').mem32(STACK_TOP, 0x2000, KCODE | 3).go().expectFault(GP, KCODE); // DPL 0 != RPL 3
    const r = pm('cb').mem32(STACK_TOP, 0x2000, UCODE, 0x7000, KDATA);
    r.go().expectFault(GP, KDATA); // SS RPL 0 != 3
    expect(r.cpu.cpl).toBe(0);
    expect(r.cpu.regs[4]).toBe(STACK_TOP);
    pm('cb').mem32(STACK_TOP, 0x2000, UCODE, 0x7000, NP_DATA).go().expectFault(SS, NP_DATA & ~3);
  });
  it('round trip: call gate in, retf out', () => {
    // ring 3: push 2 params, call the gate; the gate target does `retf 8`.
    const r = user('68 22 22 22 22 68 11 11 11 11 9a 00 00 00 00 33 00 90').set({ esp: 0x7000 });
    r.mem(GATE_TARGET, 'ca 08 00');
    stepReal(r, 4);
    expect(r.cpu.cpl).toBe(3);
    expect(r.cpu.eip).toBe(CODE_BASE + 17);
    expect(r.cpu.regs[4]).toBe(0x7000);
    expect(sel(r, SEG_SS)).toBe(UDATA);
  });
});

describe('iret', () => {
  it('to the same privilege', () => {
    const r = pm('cf').mem32(STACK_TOP, 0x2000, KCODE, 0x202 | 0x800).go().expectNoFault().cycles(15);
    expect(r.cpu.eip).toBe(0x2000);
    expect(r.cpu.getFlags()).toBe(0xa02);
    expect(r.cpu.regs[4]).toBe(STACK_TOP + 12);
  });
  it('to ring 3', () => {
    const r = pm('cf').mem32(STACK_TOP, 0x2000, UCODE, 0x3202, 0x7000, UDATA).go().expectNoFault().cycles(36);
    expect(r.cpu.cpl).toBe(3);
    expect(r.cpu.regs[4]).toBe(0x7000);
    expect(r.cpu.getFlags()).toBe(0x3202);
    expect(sel(r, SEG_DS)).toBe(0);
  });
  it('at CPL 3 cannot raise IOPL or change IF', () => {
    const r = user('cf').mem32(STACK_TOP, 0x2000, UCODE, 0x3001);
    r.cpu.flags |= EFLAGS_IF;
    r.go().expectNoFault();
    expect(r.cpu.getFlags()).toBe(0x203);
  });
  it('with NT set is #GP(0) (no task switches)', () => {
    const r = pm('cf').mem32(STACK_TOP, 0x2000, KCODE, 2);
    r.cpu.flags |= EFLAGS_NT;
    r.go().expectFault(GP, 0);
  });
});

describe('int n / int3 / into', () => {
  it('int 0x80 from ring 3 through a DPL-3 trap gate', () => {
    const r = user('cd 80').set({ esp: 0x7000 });
    r.cpu.flags |= EFLAGS_IF;
    const c0 = r.cpu.cycles;
    stepReal(r, 1);
    const cpu = r.cpu;
    expect(cpu.cycles - c0).toBe(71);
    expect(cpu.cpl).toBe(0);
    expect(cpu.eip).toBe(HANDLERS + 16 * 0x80);
    expect(cpu.regs[4]).toBe(KSTACK_TOP - 20);
    expect(stack(r, 5)).toEqual([CODE_BASE + 2, UCODE, 0x202, 0x7000, UDATA]);
    expect(cpu.getFlags() & EFLAGS_IF).toBe(EFLAGS_IF); // a trap gate keeps IF
  });
  it('int n to a DPL-0 gate from ring 3 is #GP(vector*8+2), reported at the int', () => {
    const r = user('cd 30').set({ esp: 0x7000 });
    stepReal(r, 1);
    expect(r.cpu.eip).toBe(HANDLERS + 16 * GP);
    expect(stack(r, 6)).toEqual([0x30 * 8 + 2, CODE_BASE, UCODE, 0x2, 0x7000, UDATA]);
  });
  it('int n at ring 0: a three-word frame, interrupt gate clears IF, 44 cycles', () => {
    const r = pm('cd 30');
    r.cpu.flags |= EFLAGS_IF;
    const c0 = r.cpu.cycles;
    stepReal(r, 1);
    expect(r.cpu.cycles - c0).toBe(44);
    expect(stack(r, 3)).toEqual([CODE_BASE + 2, KCODE, 0x202]);
    expect(r.cpu.getFlags() & EFLAGS_IF).toBe(0);
  });
  it('beyond the IDT limit is #GP(vector*8+2); a not-present gate is #NP', () => {
    const r = pm('cd 40');
    r.cpu.idtLimit = 0x40 * 8 - 1;
    stepReal(r, 1);
    expect(r.cpu.eip).toBe(HANDLERS + 16 * GP);
    expect(stack(r, 2)).toEqual([0x40 * 8 + 2, CODE_BASE]);
    const r2 = pm('cd 41');
    r2.mem32(IDT + 8 * 0x41, ...gate(KCODE, 0, 0xe, 0, 0, false));
    stepReal(r2, 1);
    expect(r2.cpu.eip).toBe(HANDLERS + 16 * NP);
    expect(stack(r2, 2)).toEqual([0x41 * 8 + 2, CODE_BASE]);
  });
  it('int3 is vector 3, a trap (EIP after it)', () => {
    const r = user('cc').set({ esp: 0x7000 });
    stepReal(r, 1);
    expect(r.cpu.eip).toBe(HANDLERS + 16 * 3);
    expect(stack(r, 2)).toEqual([CODE_BASE + 1, UCODE]);
  });
  it('into traps only when OF=1', () => {
    pm('ce').set({ of: 0 }).go().expectNoFault().cycles(3);
    const r = pm('ce').set({ of: 1 });
    const c0 = r.cpu.cycles;
    stepReal(r, 1);
    expect(r.cpu.cycles - c0).toBe(46);
    expect(r.cpu.eip).toBe(HANDLERS + 16 * 4);
    expect(stack(r, 1)).toEqual([CODE_BASE + 1]);
  });
});

describe('bound', () => {
  it('in range: nothing happens', () => {
    run('62 05 00 00 01 00').set({ eax: 5 }).mem32(DATA, -5, 5).go().expectNoFault().cycles(7);
  });
  it('out of range: #BR, a fault at the instruction', () => {
    const r = run('62 05 00 00 01 00').set({ eax: 6 }).mem32(DATA, -5, 5).go().expectFault(BR);
    expect(r.fault!.eip).toBe(CODE_BASE);
    run('62 05 00 00 01 00').set({ eax: -6 }).mem32(DATA, -5, 5).go().expectFault(BR);
  });
  it('16-bit bounds are signed words', () => {
    run('66 62 05 00 00 01 00').set({ eax: 0x0000fffb }).mem(DATA, 'fb ff 05 00').go().expectNoFault();
    run('66 62 05 00 00 01 00').set({ eax: 0x0000fffa }).mem(DATA, 'fb ff 05 00').go().expectFault(BR);
  });
  it('a register operand is #UD', () => {
    run('62 c0').go().expectFault(UD);
  });
});

class Ports implements IoPorts {
  readonly log: string[] = [];
  value = 0x12345678;
  in8(p: number) { this.log.push(`in8 ${p.toString(16)}`); return this.value & 0xff; }
  in16(p: number) { this.log.push(`in16 ${p.toString(16)}`); return this.value & 0xffff; }
  in32(p: number) { this.log.push(`in32 ${p.toString(16)}`); return this.value; }
  out8(p: number, v: number) { this.log.push(`out8 ${p.toString(16)} ${v.toString(16)}`); }
  out16(p: number, v: number) { this.log.push(`out16 ${p.toString(16)} ${v.toString(16)}`); }
  out32(p: number, v: number) { this.log.push(`out32 ${p.toString(16)} ${(v >>> 0).toString(16)}`); }
}

function io(r: InsnRunner): Ports {
  const p = new Ports();
  r.cpu.io = p;
  return p;
}

describe('in / out', () => {
  it('all sizes, immediate and DX ports, at CPL 0', () => {
    const r = pm('e4 80 66 e5 81 ed e6 82 66 e7 83 ef').set({ edx: 0x3f8 });
    const p = io(r);
    r.go().expectNoFault().cycles(8 + 8 + 8 + 11 + 11 + 10).expect({ eax: 0x12345678 });
    expect(p.log).toEqual(['in8 80', 'in16 81', 'in32 3f8', 'out8 82 78', 'out16 83 5678', 'out32 3f8 12345678']);
  });
  it('at CPL 3 with IOPL 0 the TSS bitmap decides', () => {
    const r = user('e6 80 e6 87 66 ef').set({ edx: 0x84, eax: 0x12345678 });
    const p = io(r);
    r.go().expectNoFault().cycles(31 + 31 + 30);
    expect(p.log).toEqual(['out8 80 78', 'out8 87 78', 'out16 84 5678']);
  });
  it('a denied port is #GP(0) and the port is not touched', () => {
    const r = user('e4 88');
    const p = io(r);
    r.go().expectFault(GP, 0);
    expect(p.log).toEqual([]);
  });
  it('every port of a multi-byte access must be allowed', () => {
    user('ef').set({ edx: 0x86 }).go().expectFault(GP, 0); // 0x86..0x89: 0x88 is denied
    const r = user('ef').set({ edx: 0x84 });
    const p = io(r);
    r.go().expectNoFault();
    expect(p.log).toEqual(['out32 84 0']);
  });
  it('a bitmap byte beyond the TSS limit is #GP(0)', () => {
    const r = user('ec').set({ edx: 0x3ff });
    r.mmu.writePhys8(TSS + 0x68 + 0x7f, 0); // allow 0x3f8..0x3ff
    io(r);
    r.go().expectNoFault();
    user('ec').set({ edx: 0x400 }).go().expectFault(GP, 0);
  });
  it('IOPL 3 allows every port without the bitmap', () => {
    const r = user('ec').set({ edx: 0x3f8 });
    r.cpu.flags |= EFLAGS_IOPL;
    const p = io(r);
    r.go().expectNoFault().cycles(8);
    expect(p.log).toEqual(['in8 3f8']);
  });
  it('a 16-bit TSS has no bitmap', () => {
    const r = user('e4 80');
    r.cpu.trAttr = 0x83;
    r.go().expectFault(GP, 0);
  });
});

describe('ins / outs', () => {
  it('outsb sends DS:[ESI] and advances ESI', () => {
    const r = pm('6e').set({ edx: 0x80, esi: DATA }).mem(DATA, '41');
    const p = io(r);
    r.go().expectNoFault().cycles(10).expect({ esi: DATA + 1 });
    expect(p.log).toEqual(['out8 80 41']);
  });
  it('rep outsd, with a segment override', () => {
    const r = pm('f3 64 6f').set({ edx: 0x80, esi: 0, ecx: 2 }).mem32(0x40000, 0x11223344, 0x55667788);
    r.cpu.setSegCache(SEG_FS, SMALL_DATA, 0x40000, 0xfff, 0x4093);
    const p = io(r);
    r.go().expectNoFault().cycles(11 + 5 * 2).expect({ esi: 8, ecx: 0 });
    expect(p.log).toEqual(['out32 80 11223344', 'out32 80 55667788']);
  });
  it('rep insw with DF=1 stores downwards through ES:EDI', () => {
    const r = pm('f3 66 6d').set({ edx: 0x81, edi: DATA + 2, ecx: 2, df: 1 });
    const p = io(r);
    p.value = 0xbeef;
    r.go().expectNoFault().cycles(10 + 8 * 2).expect({ edi: DATA - 2, ecx: 0 });
    expect(r.read32(DATA)).toBe(0xbeefbeef);
    expect(p.log).toEqual(['in16 81', 'in16 81']);
  });
  it('rep with ECX=0 does nothing', () => {
    const r = user('f3 6c').set({ edx: 0x3f8, ecx: 0 });
    const p = io(r);
    r.go().expectNoFault();
    expect(p.log).toEqual([]);
  });
  it('a fault in the middle leaves the registers at the completed iterations; no port read is lost', () => {
    const r = pm('f3 6c').set({ edx: 0x80, edi: 0xffe, ecx: 4 });
    r.cpu.setSegCache(SEG_ES, SMALL_DATA, 0x40000, 0xfff, 0x4093);
    const p = io(r);
    r.go().expectFault(GP, 0).expect({ ecx: 2, edi: 0x1000 });
    expect(p.log).toEqual(['in8 80', 'in8 80']);
    expect(r.mmu.readPhys16(0x40ffe)).toBe(0x7878);
  });
  it('16-bit addressing uses CX and DI', () => {
    const r = pm('f3 67 6c').set({ edx: 0x80, edi: 0xabcd0000 | 0x2000, ecx: 0xffff0001 });
    io(r);
    r.go().expectNoFault().expect({ edi: 0xabcd2001, ecx: 0xffff0000 });
    expect(r.mmu.readPhys8(0x2000)).toBe(0x78);
  });
  it('the permission check applies to ins/outs at CPL 3', () => {
    user('6e').set({ edx: 0x90, esi: DATA }).go().expectFault(GP, 0);
    const r = user('6e').set({ edx: 0x80, esi: DATA });
    io(r);
    r.go().expectNoFault().cycles(32);
  });
});

describe('unsupported task switching', () => {
  it('call to a TSS descriptor is #GP(selector)', () => {
    pm('9a 00 00 00 00 28 00').go().expectFault(GP, TSS_SEL);
    user('9a 00 00 00 00 6b 00').go().expectFault(GP, TASKGATE & ~3);
  });
  it('data and xo segments are untouched in these failures', () => {
    const r = pm('9a 00 00 00 00 28 00').go();
    expect(sel(r, SEG_CS)).toBe(KCODE);
    expect(XO_CODE).toBe(0x58);
  });
});
