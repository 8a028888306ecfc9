// System instructions: descriptor-table registers, LDTR/TR, verr/verw/lar/lsl/arpl,
// CR0/MSW, control and debug registers, invd/wbinvd, cli/sti, pushf/popf.

import { describe, expect, it } from 'vitest';
import { run, CODE_BASE, STACK_TOP } from './helpers/insn-runner.js';
import {
  CALLGATE, CONFORMING, GDT, KCODE, KDATA, LDT, LDT_SEL, NP_DATA, RO_DATA, SMALL_DATA, TSS, TSS_LIMIT, TSS_SEL,
  UDATA, XO_CODE, pm, segment, user, writeDesc,
} from './helpers/pm.js';
import {
  CR0_CD, CR0_EM, CR0_ET, CR0_MP, CR0_NW, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR4_DE, CR4_PGE, CR4_PSE,
  EFLAGS_AC, EFLAGS_IF, EFLAGS_IOPL, EFLAGS_RF, SEG_DS,
} from '../src/cpu/constants.js';
import { STOP_HLT } from '../src/cpu/cpu.js';
import { decodeAt } from '../src/cpu/decoder.js';
import { hex } from './helpers/insn-runner.js';

const GP = 13;
const NP = 11;
const UD = 6;
const DATA = 0x10000;

describe('lgdt / lidt / sgdt / sidt', () => {
  it('lgdt loads a 16-bit limit and a 32-bit base', () => {
    const r = run('0f 01 15 00 00 01 00').mem(DATA, '34 12 ef cd ab 89').go().expectNoFault().cycles(11);
    expect(r.cpu.gdtLimit).toBe(0x1234);
    expect(r.cpu.gdtBase >>> 0).toBe(0x89abcdef);
  });
  it('lidt loads the IDTR', () => {
    const r = run('0f 01 1d 00 00 01 00').mem(DATA, 'ff 07 00 30 02 00').go().expectNoFault();
    expect(r.cpu.idtLimit).toBe(0x7ff);
    expect(r.cpu.idtBase).toBe(0x23000);
  });
  it('with a 16-bit operand size only 24 bits of base are loaded', () => {
    const r = run('66 0f 01 15 00 00 01 00').mem(DATA, '34 12 ef cd ab 89').go().expectNoFault();
    expect(r.cpu.gdtBase).toBe(0xabcdef);
  });
  it('sgdt and sidt store limit then base', () => {
    const r = run('0f 01 05 00 00 01 00 0f 01 0d 08 00 01 00');
    r.cpu.gdtBase = 0x89abcdef | 0;
    r.cpu.gdtLimit = 0x1234;
    r.cpu.idtBase = 0x00102030;
    r.cpu.idtLimit = 0x7ff;
    r.go().expectNoFault().cycles(20);
    expect([...r.mmu.u8.slice(DATA, DATA + 6)]).toEqual([0x34, 0x12, 0xef, 0xcd, 0xab, 0x89]);
    expect([...r.mmu.u8.slice(DATA + 8, DATA + 14)]).toEqual([0xff, 0x07, 0x30, 0x20, 0x10, 0x00]);
  });
  it('a 16-bit sgdt stores the high base byte as zero (i386/i486)', () => {
    const r = run('66 0f 01 05 00 00 01 00').mem(DATA, 'aa aa aa aa aa aa');
    r.cpu.gdtBase = 0x89abcdef | 0;
    r.cpu.gdtLimit = 0x1234;
    r.go().expectNoFault();
    expect([...r.mmu.u8.slice(DATA, DATA + 6)]).toEqual([0x34, 0x12, 0xef, 0xcd, 0xab, 0x00]);
  });
  it('a register operand is #UD', () => {
    run('0f 01 d0').go().expectFault(UD);
    run('0f 01 c8').go().expectFault(UD); // sidt eax
  });
  it('lgdt and lidt are privileged; sgdt and sidt are not', () => {
    user('0f 01 15 00 00 01 00').go().expectFault(GP, 0);
    user('0f 01 1d 00 00 01 00').go().expectFault(GP, 0);
    const r = user('0f 01 05 00 00 01 00').go().expectNoFault();
    expect(r.mmu.readPhys32(DATA + 2)).toBe(GDT);
  });
  it('a store beyond the segment limit faults before writing anything', () => {
    // mov ds, cx (limit 0xfff); sgdt [0xffc]
    const r = pm('8e d9 0f 01 05 fc 0f 00 00').set({ ecx: SMALL_DATA }).mem(0x40ffc, '11 22 33 44').go();
    r.expectFault(GP, 0);
    expect(r.read32(0x40ffc)).toBe(0x44332211);
  });
});

describe('lldt / sldt', () => {
  it('lldt loads LDTR; LDT selectors then resolve through it', () => {
    const r = pm('0f 00 d0 8e d9').set({ eax: LDT_SEL, ecx: 0x0f }).go().expectNoFault().cycles(11 + 9);
    expect(r.cpu.ldtSel).toBe(LDT_SEL);
    expect(r.cpu.ldtBase).toBe(LDT);
    expect(r.cpu.ldtLimit).toBe(0x17);
    expect(r.cpu.segBase[SEG_DS]).toBe(0x50000);
  });
  it('a null selector invalidates the LDT', () => {
    const r = pm('0f 00 d0 8e d9').set({ eax: 0, ecx: 0x0f }).go();
    expect(r.cpu.ldtSel).toBe(0);
    r.expectFault(GP, 0x0c);
  });
  it('checks type, table and presence', () => {
    pm('0f 00 d0').set({ eax: KDATA }).go().expectFault(GP, KDATA);
    pm('0f 00 d0').set({ eax: LDT_SEL | 4 }).go().expectFault(GP, LDT_SEL | 4);
    pm('0f 00 d0').set({ eax: 0x1f8 }).go().expectFault(GP, 0x1f8); // beyond the GDT limit
    const r = pm('0f 00 d0').set({ eax: 0x88 });
    writeDesc(r, GDT, 0x88, segment(LDT, 0x17, 0x02, 0)); // not present
    r.go().expectFault(NP, 0x88);
  });
  it('is privileged', () => {
    user('0f 00 d0').set({ eax: LDT_SEL }).go().expectFault(GP, 0);
  });
  it('sldt stores 16 bits to memory and zero-extends into a 32-bit register', () => {
    const r = pm('0f 00 c0 0f 00 05 00 00 01 00 66 0f 00 c3').set({ eax: -1, ebx: -1 }).mem(DATA, 'aa aa aa aa');
    r.go().expectNoFault().expect({ eax: LDT_SEL, ebx: 0xffff0000 | LDT_SEL }).cycles(2 + 3 + 2);
    expect(r.read32(DATA)).toBe((0xaaaa0000 | LDT_SEL) >>> 0);
  });
});

describe('ltr / str', () => {
  const NEW_TSS = 0x90;
  function withTss(code: string) {
    const r = pm(code);
    writeDesc(r, GDT, NEW_TSS, segment(TSS, TSS_LIMIT, 0x89, 0));
    r.cpu.trSel = 0;
    return r;
  }
  it('loads TR from an available TSS and marks it busy', () => {
    const r = withTss('0f 00 d8 0f 00 c9').set({ eax: NEW_TSS }).go().expectNoFault().expect({ ecx: NEW_TSS }).cycles(20 + 2);
    expect(r.cpu.trSel).toBe(NEW_TSS);
    expect(r.cpu.trBase).toBe(TSS);
    expect(r.cpu.trLimit).toBe(TSS_LIMIT);
    expect(r.cpu.trAttr & 0x9f).toBe(0x8b); // present, busy 32-bit TSS
    expect((r.mmu.readPhys32(GDT + NEW_TSS + 4) >>> 8) & 0xf).toBe(0xb);
  });
  it('a busy TSS cannot be loaded again', () => {
    withTss('0f 00 d8 0f 00 d8').set({ eax: NEW_TSS }).go().expectFault(GP, NEW_TSS);
  });
  it('rejects null, LDT selectors and non-TSS descriptors', () => {
    withTss('0f 00 d8').set({ eax: 0 }).go().expectFault(GP, 0);
    withTss('0f 00 d8').set({ eax: NEW_TSS | 4 }).go().expectFault(GP, NEW_TSS | 4);
    withTss('0f 00 d8').set({ eax: KDATA }).go().expectFault(GP, KDATA);
    withTss('0f 00 d8').set({ eax: LDT_SEL }).go().expectFault(GP, LDT_SEL);
  });
  it('a not-present TSS is #NP', () => {
    const r = withTss('0f 00 d8').set({ eax: NEW_TSS });
    writeDesc(r, GDT, NEW_TSS, segment(TSS, TSS_LIMIT, 0x09, 0));
    r.go().expectFault(NP, NEW_TSS);
  });
  it('is privileged; str is not', () => {
    user('0f 00 d8').set({ eax: TSS_SEL }).go().expectFault(GP, 0);
    user('0f 00 c8').set({ eax: -1 }).go().expectNoFault().expect({ eax: TSS_SEL });
  });
});

describe('verr / verw', () => {
  const VERR = '0f 00 e0';
  const VERW = '0f 00 e8';
  const zf = (code: string, sel: number, ring3 = true) => {
    const r = (ring3 ? user(code) : pm(code)).set({ eax: sel, zf: sel & 1 ? 0 : 1 }).go().expectNoFault();
    return r.reg('zf');
  };
  it('user data is readable and writable from ring 3', () => {
    expect(zf(VERR, UDATA)).toBe(1);
    expect(zf(VERW, UDATA)).toBe(1);
  });
  it('kernel data is neither from ring 3, both from ring 0', () => {
    expect(zf(VERR, KDATA)).toBe(0);
    expect(zf(VERW, KDATA)).toBe(0);
    expect(zf(VERR, KDATA, false)).toBe(1);
    expect(zf(VERW, KDATA, false)).toBe(1);
  });
  it('RPL counts like CPL', () => {
    expect(zf(VERR, KDATA | 3, false)).toBe(0);
  });
  it('read-only data verifies for reading only', () => {
    expect(zf(VERR, RO_DATA)).toBe(1);
    expect(zf(VERW, RO_DATA)).toBe(0);
  });
  it('readable conforming code verifies for reading at any privilege; code is never writable', () => {
    expect(zf(VERR, CONFORMING)).toBe(1);
    expect(zf(VERW, CONFORMING)).toBe(0);
    expect(zf(VERR, XO_CODE, false)).toBe(0); // execute-only
  });
  it('null, out-of-table and system selectors fail; presence is not checked', () => {
    expect(zf(VERR, 0)).toBe(0);
    expect(zf(VERR, 0x1f8)).toBe(0);
    expect(zf(VERR, TSS_SEL, false)).toBe(0);
    expect(zf(VERR, NP_DATA)).toBe(1);
  });
  it('costs 11 cycles', () => {
    user(VERR).set({ eax: UDATA }).go().cycles(11);
  });
});

describe('lar / lsl', () => {
  it('lar loads the access rights of a visible descriptor', () => {
    user('0f 02 c3').set({ ebx: RO_DATA, eax: 0 }).go().expectNoFault().expect({ eax: 0x00c0f000, zf: 1 }).cycles(11);
  });
  it('a 16-bit lar writes only the low word', () => {
    user('66 0f 02 c3').set({ ebx: RO_DATA, eax: 0x12345678 }).go().expect({ eax: 0x1234f000, zf: 1 });
  });
  it('lar accepts TSS and call-gate descriptors', () => {
    pm('0f 02 c3').set({ ebx: TSS_SEL }).go().expect({ zf: 1, eax: 0x00008900 });
    user('0f 02 c3').set({ ebx: CALLGATE }).go().expect({ zf: 1, eax: 0x0000ec00 });
  });
  it('an invisible descriptor clears ZF and leaves the destination', () => {
    user('0f 02 c3').set({ ebx: KDATA, eax: 0x55, zf: 1 }).go().expect({ eax: 0x55, zf: 0 });
    user('0f 02 c3').set({ ebx: 0, eax: 0x55, zf: 1 }).go().expect({ eax: 0x55, zf: 0 });
  });
  it('lsl loads the byte limit, scaled by G', () => {
    user('0f 03 c3').set({ ebx: UDATA }).go().expect({ eax: 0xffffffff, zf: 1 }).cycles(10);
    pm('0f 03 c3').set({ ebx: SMALL_DATA }).go().expect({ eax: 0xfff, zf: 1 });
    pm('0f 03 c3').set({ ebx: TSS_SEL }).go().expect({ eax: TSS_LIMIT, zf: 1 });
  });
  it('lsl rejects gates', () => {
    user('0f 03 c3').set({ ebx: CALLGATE, eax: 7, zf: 1 }).go().expect({ eax: 7, zf: 0 });
  });
  it('read the selector from memory', () => {
    user('0f 03 1d 00 00 01 00').mem(DATA, '53 00').go().expect({ ebx: 0xffffffff, zf: 1 });
  });
});

describe('arpl', () => {
  it('raises the destination RPL', () => {
    run('63 d8').set({ eax: 0x10, ebx: 0x1b }).go().expect({ eax: 0x13, zf: 1 }).cycles(9);
  });
  it('leaves a higher RPL alone', () => {
    run('63 d8').set({ eax: 0xabcd0013, ebx: 0x08, zf: 1 }).go().expect({ eax: 0xabcd0013, zf: 0 });
  });
  it('works on memory', () => {
    const r = run('63 1d 00 00 01 00').set({ ebx: 2 }).mem(DATA, '10 00 77').go().expect({ zf: 1 });
    expect(r.read32(DATA) & 0xffffff).toBe(0x770012);
  });
});

describe('smsw / lmsw / clts', () => {
  const RESET_CR0 = CR0_PE | CR0_EM | CR0_ET;
  it('smsw stores CR0', () => {
    run('0f 01 e0').set({ eax: -1 }).go().expect({ eax: RESET_CR0 }).cycles(2);
    run('66 0f 01 e0').set({ eax: -1 }).go().expect({ eax: 0xffff0000 | RESET_CR0 });
    const r = run('0f 01 25 00 00 01 00').mem(DATA, 'aa aa aa aa').go().cycles(3);
    expect(r.read32(DATA)).toBe((0xaaaa0000 | RESET_CR0) >>> 0);
  });
  it('smsw is not privileged', () => {
    user('0f 01 e0').go().expectNoFault().expect({ eax: RESET_CR0 });
  });
  it('lmsw loads MP, EM and TS', () => {
    const r = run('0f 01 f0').set({ eax: CR0_MP | CR0_TS | CR0_PE }).go().expectNoFault().cycles(13);
    expect(r.mmu.cr0).toBe(CR0_PE | CR0_MP | CR0_TS | CR0_ET);
  });
  it('lmsw cannot clear PE', () => {
    const r = run('0f 01 f0').set({ eax: 0 }).go().expectNoFault();
    expect(r.mmu.cr0).toBe(CR0_PE | CR0_ET);
  });
  it('clts clears TS', () => {
    const r = run('0f 06');
    r.mmu.setCr0(r.mmu.cr0 | CR0_TS);
    r.go().expectNoFault().cycles(7);
    expect(r.mmu.cr0 & CR0_TS).toBe(0);
  });
  it('lmsw and clts are privileged', () => {
    user('0f 01 f0').go().expectFault(GP, 0);
    user('0f 06').go().expectFault(GP, 0);
  });
});

describe('mov to/from control registers', () => {
  it('CR0 round trip; 17 cycles to load, 4 to store', () => {
    const r = run('0f 20 c0 0d 00 00 01 00 0f 22 c0 0f 20 c3');
    r.go(1).expectNoFault().cycles(4);
    r.go().expectNoFault();
    expect(r.mmu.cr0).toBe(CR0_PE | CR0_EM | CR0_ET | CR0_WP);
    r.expect({ ebx: CR0_PE | CR0_EM | CR0_ET | CR0_WP });
  });
  it('loading CR0 costs 17 cycles', () => {
    run('0f 22 c0').set({ eax: CR0_PE | CR0_ET }).go().expectNoFault().cycles(17);
  });
  it('ET is hard-wired to 1 and undefined bits read as 0', () => {
    const r = run('0f 22 c0').set({ eax: CR0_PE | 0x0ff00 }).go().expectNoFault();
    expect(r.mmu.cr0).toBe(CR0_PE | CR0_ET);
  });
  it('PG without PE, NW without CD, and clearing PE are #GP(0)', () => {
    run('0f 22 c0').set({ eax: CR0_PG | CR0_ET }).go().expectFault(GP, 0);
    run('0f 22 c0').set({ eax: CR0_PE | CR0_NW }).go().expectFault(GP, 0);
    run('0f 22 c0').set({ eax: CR0_ET }).go().expectFault(GP, 0);
    const r = run('0f 22 c0').set({ eax: CR0_PE | CR0_NW | CR0_CD }).go().expectNoFault();
    expect(r.mmu.cr0).toBe(CR0_PE | CR0_NW | CR0_CD | CR0_ET);
  });
  it('CR2 and CR3 round trip', () => {
    const r = run('0f 22 d0 0f 20 d1 0f 22 db 0f 20 da').set({ eax: 0xdeadbeef, ebx: 0x9000 }).go().expectNoFault();
    r.expect({ ecx: 0xdeadbeef, edx: 0x9000 }).cycles(16);
    expect(r.mmu.cr2).toBe(0xdeadbeef);
    expect(r.mmu.cr3).toBe(0x9000);
  });
  it('CR4 accepts PSE, PGE, DE, TSD and rejects the rest', () => {
    const r = run('0f 22 e0 0f 20 e3').set({ eax: CR4_PSE | CR4_PGE }).go().expectNoFault().expect({ ebx: CR4_PSE | CR4_PGE });
    expect(r.mmu.cr4).toBe(CR4_PSE | CR4_PGE);
    run('0f 22 e0').set({ eax: 1 }).go().expectFault(GP, 0); // VME
    run('0f 22 e0').set({ eax: 1 << 5 }).go().expectFault(GP, 0); // PAE
  });
  it('CR1 and CR5-CR7 are #UD', () => {
    run('0f 20 c8').go().expectFault(UD);
    run('0f 22 c8').go().expectFault(UD);
    run('0f 20 f8').go().expectFault(UD);
  });
  it('the mod field is ignored: every encoding names a register', () => {
    // 0f 20 83 would take a disp32 as a memory form; it is `mov ebx, cr0`, then `inc ecx`.
    const r = run('0f 20 83 41').go().expectNoFault().expect({ ebx: CR0_PE | CR0_EM | CR0_ET, ecx: 1 });
    expect(r.cpu.eip).toBe(CODE_BASE + 4);
  });
  it('is privileged', () => {
    user('0f 20 c0').go().expectFault(GP, 0);
    user('0f 22 d8').go().expectFault(GP, 0);
  });
});

describe('mov to/from debug registers', () => {
  it('DR0-DR3 hold addresses', () => {
    const r = run('0f 23 c0 0f 23 cb 0f 21 c1 0f 21 ca').set({ eax: 0x12345678, ebx: 0x9abc }).go().expectNoFault();
    r.expect({ ecx: 0x12345678, edx: 0x9abc }).cycles(10 + 10 + 9 + 9);
  });
  it('DR6 and DR7 keep their fixed bits', () => {
    run('0f 23 f0 0f 21 f3').set({ eax: 0 }).go().expect({ ebx: 0xffff0ff0 });
    run('0f 23 f8 0f 21 fb').set({ eax: -1 }).go().expect({ ebx: 0xffff27ff });
    run('0f 23 f8 0f 21 fb').set({ eax: 0 }).go().expect({ ebx: 0x400 });
  });
  it('DR4/DR5 alias DR6/DR7 unless CR4.DE is set', () => {
    run('0f 21 e0 0f 21 e9').go().expectNoFault().expect({ eax: 0xffff0ff0, ecx: 0x400 });
    const r = run('0f 21 e0');
    r.mmu.setCr4(CR4_DE);
    r.go().expectFault(UD);
  });
  it('is privileged', () => {
    user('0f 21 c0').go().expectFault(GP, 0);
    user('0f 23 c0').go().expectFault(GP, 0);
  });
});

describe('invd / wbinvd', () => {
  it('do nothing at CPL 0 and are privileged', () => {
    run('0f 08 0f 09').go().expectNoFault().cycles(9);
    user('0f 08').go().expectFault(GP, 0);
    user('0f 09').go().expectFault(GP, 0);
  });
});

describe('cli / sti', () => {
  it('clear and set IF at CPL 0', () => {
    run('fb').go().expect({ if: 1 }).cycles(5);
    run('fa').set({ if: 1 }).go().expect({ if: 0 }).cycles(5);
  });
  it('#GP(0) at CPL 3 with IOPL 0', () => {
    user('fa').set({ if: 1 }).go().expectFault(GP, 0).expect({ if: 1 });
    user('fb').go().expectFault(GP, 0).expect({ if: 0 });
  });
  it('allowed at CPL 3 with IOPL 3', () => {
    const r = user('fa fb');
    r.cpu.flags |= EFLAGS_IOPL | EFLAGS_IF;
    r.go(1).expectNoFault().expect({ if: 0 });
    r.go().expectNoFault().expect({ if: 1 });
  });
  it('sti opens the interrupt shadow only when IF was clear', () => {
    const r = run('fb');
    r.go();
    expect(r.cpu.intShadow).toBe(true);
    const r2 = run('fb').set({ if: 1 });
    r2.go();
    expect(r2.cpu.intShadow).toBe(false);
  });
  it('an interrupt pending at sti is taken after the next instruction', () => {
    // sti; nop; jmp $  — the frame's return EIP is after the nop.
    const r = pm('fb 90 eb fe');
    const cpu = r.cpu;
    cpu.regs[4] = 0x60000;
    cpu.intr = true;
    cpu.pic = { acknowledge: () => { cpu.intr = false; return 0x20; } };
    expect(cpu.run(cpu.cycles + 1000)).toBe(STOP_HLT);
    expect(r.mmu.readPhys32(0x60000 - 12)).toBe(CODE_BASE + 2);
  });
  it('mov ss also delays interrupts by one instruction', () => {
    // mov ss, ax; nop; jmp $ — the interrupt becomes pending as mov ss completes.
    const r = pm('8e d0 90 eb fe').set({ eax: KDATA });
    const cpu = r.cpu;
    cpu.regs[4] = 0x60000;
    cpu.flags |= EFLAGS_IF;
    cpu.pic = { acknowledge: () => { cpu.intr = false; return 0x20; } };
    cpu.step(1);
    expect(cpu.eip).toBe(CODE_BASE + 2);
    expect(cpu.intShadow).toBe(true);
    cpu.intr = true;
    expect(cpu.run(cpu.cycles + 1000)).toBe(STOP_HLT);
    expect(r.mmu.readPhys32(0x60000 - 12)).toBe(CODE_BASE + 3);
  });
});

describe('pushf / popf', () => {
  it('pushf clears VM and RF in the image', () => {
    const r = run('9c');
    r.cpu.flags |= EFLAGS_RF | EFLAGS_AC;
    r.go().cycles(3);
    expect(r.read32(STACK_TOP - 4)).toBe(0x2 | EFLAGS_AC);
  });
  it('16-bit pushf pushes a word', () => {
    const r = run('66 9c').set({ cf: 1 });
    r.go();
    expect(r.cpu.regs[4]).toBe(STACK_TOP - 2);
    expect(r.mmu.readPhys16(STACK_TOP - 2)).toBe(0x3);
  });
  it('popf at CPL 0 sets IOPL and IF but never VM, RF or reserved bits', () => {
    const r = run('9d').mem32(STACK_TOP, 0x00033acb);
    r.go().cycles(6);
    expect(r.cpu.getFlags()).toBe(0x00003ac3); // bit 3 is reserved (0), bit 1 is fixed (1)
    expect(r.cpu.regs[4]).toBe(STACK_TOP + 4);
  });
  it('popf at CPL 3 cannot change IOPL or IF (IOPL 0), but changes the rest', () => {
    const r = user('9d').mem32(STACK_TOP, 0x3000 | EFLAGS_IF | 0x401);
    r.go().expectNoFault();
    expect(r.cpu.getFlags()).toBe(0x403);
  });
  it('popf at CPL 3 with IOPL 3 changes IF but not IOPL', () => {
    const r = user('9d').mem32(STACK_TOP, 0);
    r.cpu.flags |= EFLAGS_IOPL | EFLAGS_IF;
    r.go().expectNoFault();
    expect(r.cpu.getFlags()).toBe(0x3002);
  });
  it('16-bit popf leaves bits 16-31 alone', () => {
    const r = run('66 9d').mem32(STACK_TOP, 0xffff0001);
    r.cpu.flags |= EFLAGS_AC;
    r.go();
    expect(r.cpu.getFlags()).toBe(EFLAGS_AC | 0x3);
    expect(r.cpu.regs[4]).toBe(STACK_TOP + 2);
  });
  it('popf ends the block (TF/IF take effect at once)', () => {
    const r = run('9d 90 90');
    const block = r.cpu.blocks.lookup();
    expect(block.insns.length).toBe(1);
  });
});

describe('privilege of the whole group at CPL 3', () => {
  it('every privileged instruction raises #GP(0)', () => {
    for (const code of ['0f 01 15 00 00 01 00', '0f 01 1d 00 00 01 00', '0f 00 d0', '0f 00 d8', '0f 01 f0', '0f 01 38',
      '0f 06', '0f 20 c0', '0f 22 c0', '0f 21 c0', '0f 23 c0', '0f 08', '0f 09', 'f4']) {
      user(code).go().expectFault(GP, 0);
    }
  });
  it('cpu stays in ring 3 afterwards', () => {
    const r = user('f4').go();
    expect(r.cpu.cpl).toBe(3);
    expect(r.cpu.segSel[1]).toBe(0x1b);
    expect(KCODE).toBe(8);
  });
});

describe('decoding of system and segment forms', () => {
  const len = (code: string) => decodeAt(hex(code), 0, 0).len;
  it('fixed segment-register and DX operands take no ModRM byte', () => {
    for (const op of ['06', '07', '0e', '16', '17', '1e', '1f', 'ec', 'ed', 'ee', 'ef', '6c', '6d', '6e', '6f']) {
      expect(len(op + ' 83 00 00 00 00'), op).toBe(1);
    }
    for (const op of ['0f a0', '0f a1', '0f a8', '0f a9']) expect(len(op + ' 83 00 00 00 00'), op).toBe(2);
  });
  it('mov to/from CRn and DRn ignore the mod field', () => {
    for (const op of ['0f 20', '0f 22', '0f 21', '0f 23']) {
      expect(len(op + ' 83 00 00 00 00'), op).toBe(3);
      expect(len(op + ' 05 00 00 00 00'), op).toBe(3);
    }
  });
  it('memory-only forms keep their ModRM and displacement', () => {
    expect(len('0f 01 3d 00 00 01 00')).toBe(7); // invlpg [disp32]
    expect(len('0f 01 15 00 00 01 00')).toBe(7); // lgdt [disp32]
    expect(len('c5 05 00 00 01 00')).toBe(6); // lds
    expect(len('ea 00 00 00 00 08 00')).toBe(7); // jmp ptr16:32
    expect(len('66 ea 00 00 08 00')).toBe(6); // jmp ptr16:16
    expect(len('ca 08 00')).toBe(3);
  });
});
