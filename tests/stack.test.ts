// The stack: push/pop of registers, immediates and memory, pusha/popa, enter/leave —
// values, ESP, 16-bit operand size, a 16-bit stack segment, and restart after a fault.

import { describe, expect, it } from 'vitest';
import { DATA_BASE, STACK_TOP, run, type InsnRunner } from './helpers/insn-runner.js';
import { SEG_SS } from '../src/cpu/constants.js';
import { identityPaging } from './helpers/identity-paging.js';

const D = DATA_BASE;
const S = STACK_TOP; // 0x80000

/** A 16-bit stack segment (B=0) with base `base`. */
function stack16(r: InsnRunner, base: number, sp: number): InsnRunner {
  r.cpu.setSegCache(SEG_SS, 0x10, base, 0xffff, 0x93);
  r.cpu.regs[4] = 0x12340000 | sp;
  return r;
}

describe('push/pop register', () => {
  it('push r32 then pop r32', () => {
    run('50').set({ eax: 0xdeadbeef }).go().expect({ esp: S - 4 }).expectMem32(S - 4, 0xdeadbeef).cycles(1);
    run('5b').mem32(S, 0x1234).go().expect({ ebx: 0x1234, esp: S + 4 }).cycles(4);
  });
  it('push esp pushes the old value; pop esp loads the popped value', () => {
    run('54').go().expect({ esp: S - 4 }).expectMem32(S - 4, S);
    run('5c').mem32(S, 0x5000).go().expect({ esp: 0x5000 });
  });
  it('16-bit operand size moves ESP by 2 and keeps the upper half of the register', () => {
    const r = run('66 50').set({ eax: 0x11112222 }).go().expect({ esp: S - 2 });
    expect(r.mmu.readPhys16(S - 2)).toBe(0x2222);
    run('66 5b').mem(S, '34 12').set({ ebx: 0xffff0000 }).go().expect({ ebx: 0xffff1234, esp: S + 2 });
  });
  it('on a 16-bit stack SP wraps and the upper half of ESP is kept', () => {
    const r = stack16(run('50'), 0x20000, 0).set({ eax: 0xcafe });
    r.go().expect({ esp: 0x1234fffc }).expectMem32(0x20000 + 0xfffc, 0xcafe);
  });
  it('pop on a 16-bit stack reads at SS:SP and wraps SP', () => {
    const r = stack16(run('5b'), 0x20000, 0xfffc).mem32(0x2fffc, 0x600d);
    r.go().expect({ ebx: 0x600d, esp: 0x12340000 });
  });
  it('a push that faults leaves ESP unchanged', () => {
    const r = identityPaging(run('50'), { absent: [S - 0x1000] }).set({ eax: 1 });
    r.go().expectFault(14, 2).expect({ esp: S });
    expect(r.cpu.mmu.cr2).toBe(S - 4);
  });
  it('a pop that faults leaves ESP unchanged', () => {
    const r = identityPaging(run('5b'), { absent: [S] }).set({ ebx: 7 });
    r.go().expectFault(14, 0).expect({ esp: S, ebx: 7 });
  });
});

describe('push immediate', () => {
  it('push imm32 and sign-extended imm8', () => {
    run('68 78 56 34 12').go().expect({ esp: S - 4 }).expectMem32(S - 4, 0x12345678).cycles(1);
    run('6a fe').go().expect({ esp: S - 4 }).expectMem32(S - 4, 0xfffffffe);
  });
  it('16-bit operand size pushes a word', () => {
    const r = run('66 6a fe').go().expect({ esp: S - 2 });
    expect(r.mmu.readPhys16(S - 2)).toBe(0xfffe);
    const q = run('66 68 34 12').go().expect({ esp: S - 2 });
    expect(q.mmu.readPhys16(S - 2)).toBe(0x1234);
  });
});

describe('push/pop memory', () => {
  it('push [mem] and push [esp] (address with ESP before the push)', () => {
    run('ff 33').mem32(D, 0xabcd).set({ ebx: D }).go().expect({ esp: S - 4 }).expectMem32(S - 4, 0xabcd).cycles(4);
    run('ff 34 24').mem32(S, 0x7777).go().expect({ esp: S - 4 }).expectMem32(S - 4, 0x7777);
  });
  it('pop [mem]', () => {
    run('8f 03').mem32(S, 0x4242).set({ ebx: D }).go().expect({ esp: S + 4 }).expectMem32(D, 0x4242).cycles(6);
  });
  it('pop [esp+4] computes the address with ESP after the pop', () => {
    // value at S is written to (S+4)+4 = S+8
    run('8f 44 24 04').mem32(S, 0x99, 0x11, 0x22).go().expect({ esp: S + 4 }).expectMem32(S + 8, 0x99).expectMem32(S + 4, 0x11);
  });
  it('pop r/m with a register operand', () => {
    run('8f c1').mem32(S, 0x55).go().expect({ ecx: 0x55, esp: S + 4 });
  });
  it('pop [mem] whose write faults leaves ESP and memory unchanged', () => {
    const r = identityPaging(run('8f 03'), { readOnly: [D], wp: true }).mem32(S, 0x4242).set({ ebx: D });
    r.go().expectFault(14, 3).expect({ esp: S });
    expect(r.read32(D)).toBe(0);
  });
  it('pop [esp] whose write faults restores ESP', () => {
    const r = identityPaging(run('8f 04 24'), { readOnly: [S], wp: true }).mem32(S, 0x4242);
    r.go().expectFault(14, 3).expect({ esp: S });
  });
  it('16-bit pop [mem]', () => {
    run('66 8f 03').mem(S, '34 12').mem32(D, 0xffffffff).set({ ebx: D }).go().expect({ esp: S + 2 }).expectMem32(D, 0xffff1234);
  });
});

describe('pusha/popa', () => {
  it('pusha pushes EAX..EDI with the original ESP', () => {
    const r = run('60').set({ eax: 1, ecx: 2, edx: 3, ebx: 4, ebp: 6, esi: 7, edi: 8 }).go().expect({ esp: S - 32 }).cycles(11);
    const want = [8, 7, 6, S, 4, 3, 2, 1];
    want.forEach((v, k) => r.expectMem32(S - 32 + 4 * k, v));
  });
  it('popa pops them back and skips ESP', () => {
    run('61').mem32(S, 8, 7, 6, 0xdead, 4, 3, 2, 1).go()
      .expect({ eax: 1, ecx: 2, edx: 3, ebx: 4, ebp: 6, esi: 7, edi: 8, esp: S + 32 }).cycles(9);
  });
  it('pushaw/popaw move words', () => {
    const r = run('66 60').set({ eax: 0xaaaa0001, edi: 0xbbbb0008 }).go().expect({ esp: S - 16 });
    expect(r.mmu.readPhys16(S - 2)).toBe(1);
    expect(r.mmu.readPhys16(S - 10)).toBe(S & 0xffff);
    expect(r.mmu.readPhys16(S - 16)).toBe(8);
    run('66 61').mem(S, '08 00 07 00 06 00 ad de 04 00 03 00 02 00 01 00').set({ eax: 0xffff0000, esi: 0xffff0000 }).go()
      .expect({ eax: 0xffff0001, esi: 0xffff0007, esp: S + 16 });
  });
  it('popa that faults half-way changes nothing', () => {
    const r = identityPaging(run('61'), { absent: [S + 0x1000] }).set({ esp: S + 0x1000 - 16, eax: 5 });
    r.go().expectFault(14, 0).expect({ esp: S + 0x1000 - 16, eax: 5 });
  });
  it('pusha that faults half-way leaves ESP unchanged', () => {
    const r = identityPaging(run('60'), { absent: [S - 0x2000] }).set({ esp: S - 0x1000 + 16 });
    r.go().expectFault(14, 2).expect({ esp: S - 0x1000 + 16 });
    expect(r.cpu.mmu.cr2).toBe(S - 0x1000 - 4);
  });
});

describe('enter/leave', () => {
  it('enter n, 0: push ebp; ebp = esp; esp -= n', () => {
    run('c8 08 00 00').set({ ebp: 0x1111 }).go().expect({ ebp: S - 4, esp: S - 12 }).expectMem32(S - 4, 0x1111).cycles(14);
  });
  it('enter n, 1 pushes the frame pointer too', () => {
    run('c8 08 00 01').set({ ebp: 0x1111 }).go().expect({ ebp: S - 4, esp: S - 16 })
      .expectMem32(S - 4, 0x1111).expectMem32(S - 8, S - 4).cycles(17);
  });
  it('enter n, 3 copies two enclosing frame pointers', () => {
    const bp = 0x70000;
    run('c8 08 00 03').mem32(bp - 8, 0xa2, 0xa1).set({ ebp: bp }).go()
      .expect({ ebp: S - 4, esp: S - 4 - 12 - 8 })
      .expectMem32(S - 4, bp).expectMem32(S - 8, 0xa1).expectMem32(S - 12, 0xa2).expectMem32(S - 16, S - 4)
      .cycles(17 + 9);
  });
  it('leave: esp = ebp; pop ebp', () => {
    run('c9').mem32(0x70000, 0x6666).set({ ebp: 0x70000 }).go().expect({ esp: 0x70004, ebp: 0x6666 }).cycles(5);
  });
  it('leave that faults changes nothing', () => {
    const r = identityPaging(run('c9'), { absent: [0x70000] }).set({ ebp: 0x70000 });
    r.go().expectFault(14, 0).expect({ esp: S, ebp: 0x70000 });
  });
  it('16-bit enter/leave', () => {
    run('66 c8 08 00 00').set({ ebp: 0xaaaa1111 }).go().expect({ ebp: 0xaaaa0000 | ((S - 2) & 0xffff), esp: S - 10 });
    run('66 c9').mem(0x70000, '34 12').set({ ebp: 0x70000 }).go()
      .expect({ esp: 0x70002, ebp: 0x71234 });
  });
  it('enter then leave round-trips', () => {
    run('c8 10 00 00 c9').set({ ebp: 0x4321 }).go().expect({ ebp: 0x4321, esp: S });
  });
});
