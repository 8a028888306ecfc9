// String instructions: movs, cmps, scas, lods, stos in all sizes, with rep/repe/repne,
// DF=1, 16-bit address size, segment overrides; cycles; the fast page-run path; the
// interrupt window of long repetitions; restart after a page fault mid-string; and
// invalidation of decoded code written by rep stos.

import { describe, expect, it } from 'vitest';
import { CODE_BASE, DATA_BASE, run, type InsnRunner } from './helpers/insn-runner.js';
import { SEG_ES, SEG_FS } from '../src/cpu/constants.js';
import { identityPaging, mapPage } from './helpers/identity-paging.js';
import { SEGATTR_DB, SEGATTR_G } from '../src/cpu/cpu.js';
import { REP_BUDGET } from '../src/cpu/ops/string.js';

const D = DATA_BASE; // 0x10000
function bytes(n: number, f: (k: number) => number): Uint8Array {
  const b = new Uint8Array(n);
  for (let k = 0; k < n; k++) b[k] = f(k);
  return b;
}

function readBytes(r: InsnRunner, addr: number, n: number): number[] {
  return Array.from(r.mmu.u8.subarray(addr, addr + n));
}

const FLAT = 0x93 | SEGATTR_DB | SEGATTR_G;

describe('movs', () => {
  it('movsb / movsw / movsd copy one element and advance', () => {
    run('a4').mem(D, '5a').set({ esi: D, edi: D + 0x100 }).go()
      .expect({ esi: D + 1, edi: D + 0x101 }).expectMem32(D + 0x100, 0x5a).cycles(7);
    run('66 a5').mem(D, '34 12 ff ff').set({ esi: D, edi: D + 0x100 }).go()
      .expect({ esi: D + 2, edi: D + 0x102 }).expectMem32(D + 0x100, 0x1234);
    run('a5').mem32(D, 0xdeadbeef).set({ esi: D, edi: D + 0x100 }).go()
      .expect({ esi: D + 4, edi: D + 0x104 }).expectMem32(D + 0x100, 0xdeadbeef);
  });
  it('DF=1 moves down', () => {
    run('a5').mem32(D, 0x11).set({ esi: D, edi: D + 0x100, df: 1 }).go()
      .expect({ esi: D - 4, edi: D + 0xfc }).expectMem32(D + 0x100, 0x11);
  });
  it('the source takes a segment override, the destination is always ES', () => {
    const r = run('64 a4').mem(D + 0x200, '77').set({ esi: D, edi: D });
    r.cpu.setSegCache(SEG_FS, 0x18, 0x200, 0xffffffff, FLAT);
    r.cpu.setSegCache(SEG_ES, 0x20, 0x1000, 0xffffffff, FLAT);
    r.go();
    expect(r.mmu.readPhys8(D + 0x1000)).toBe(0x77);
  });
  it('16-bit address size uses SI/DI and wraps them at 64 KiB', () => {
    run('67 a4').mem(0x10, '99').set({ esi: 0xabcd0010, edi: 0xabcd0020 }).go()
      .expect({ esi: 0xabcd0011, edi: 0xabcd0021 }).expectMem32(0x20, 0x99);
    run('67 a4').set({ esi: 0x1234ffff, edi: 0x56780000, df: 0 }).go().expect({ esi: 0x12340000, edi: 0x56780001 });
  });
  it('rep movsd copies ECX dwords: 12+3n cycles', () => {
    const r = run('f3 a5').mem32(D, 1, 2, 3, 4, 5).set({ ecx: 5, esi: D, edi: D + 0x100 }).go()
      .expect({ ecx: 0, esi: D + 20, edi: D + 0x114 }).cycles(12 + 15);
    [1, 2, 3, 4, 5].forEach((v, k) => r.expectMem32(D + 0x100 + 4 * k, v));
  });
  it('rep with ECX=0 does nothing in 5 cycles; ECX=1 takes 13', () => {
    run('f3 a5').mem32(D, 7).set({ ecx: 0, esi: D, edi: D + 0x100 }).go()
      .expect({ ecx: 0, esi: D, edi: D + 0x100 }).expectMem32(D + 0x100, 0).cycles(5);
    run('f3 a5').mem32(D, 7).set({ ecx: 1, esi: D, edi: D + 0x100 }).go().expect({ ecx: 0 }).expectMem32(D + 0x100, 7).cycles(13);
  });
  it('F2 repeats movs like F3', () => {
    run('f2 a4').mem(D, '01 02 03').set({ ecx: 3, esi: D, edi: D + 0x100, zf: 0 }).go()
      .expect({ ecx: 0 }).expectMem32(D + 0x100, 0x030201);
  });
  it('rep movsb with the destination one ahead of the source replicates (element semantics)', () => {
    const r = run('f3 a4').mem(D, 'ab 00 00 00 00 00 00 00 00').set({ ecx: 8, esi: D, edi: D + 1 }).go();
    expect(readBytes(r, D, 9)).toEqual(Array(9).fill(0xab));
  });
  it('rep movsd with DF=1 copies downwards', () => {
    const r = run('f3 a5').mem32(D, 1, 2, 3).set({ ecx: 3, esi: D + 8, edi: D + 0x108, df: 1 }).go()
      .expect({ ecx: 0, esi: D - 4, edi: D + 0xfc });
    [1, 2, 3].forEach((v, k) => r.expectMem32(D + 0x100 + 4 * k, v));
  });
  it('rep movs across several pages, aligned and not, matches a byte-by-byte copy', () => {
    const n = 0x2345;
    const src = bytes(n + 8, (k) => (k * 7 + 3) & 0xff);
    for (const [code, size, off] of [['f3 a4', 1, 0x801], ['f3 a5', 4, 0xffe], ['66 f3 a5', 2, 0x3]] as const) {
      const count = Math.floor(n / size);
      const dst = 0x30000 + off;
      const r = run(code).mem(D + 0x10, src).set({ ecx: count, esi: D + 0x10, edi: dst }).go();
      r.expect({ ecx: 0, esi: D + 0x10 + count * size, edi: dst + count * size }).cycles(12 + 3 * count);
      expect(readBytes(r, dst, count * size)).toEqual(Array.from(src.subarray(0, count * size)));
      expect(r.mmu.readPhys8(dst + count * size)).toBe(0);
    }
  });
  it('a16 rep movsb counts CX', () => {
    run('67 f3 a4').mem(0x100, '01 02 03 04').set({ ecx: 0xffff0003, esi: 0x100, edi: 0x200 }).go()
      .expect({ ecx: 0xffff0000, esi: 0x103, edi: 0x203 }).expectMem32(0x200, 0x030201);
  });
});

describe('stos / lods', () => {
  it('stosb / stosw / stosd store the accumulator', () => {
    run('aa').set({ eax: 0x12345678, edi: D }).go().expect({ edi: D + 1 }).expectMem32(D, 0x78).cycles(5);
    run('66 ab').set({ eax: 0x12345678, edi: D }).go().expect({ edi: D + 2 }).expectMem32(D, 0x5678);
    run('ab').set({ eax: 0x12345678, edi: D, df: 1 }).go().expect({ edi: D - 4 }).expectMem32(D, 0x12345678);
  });
  it('rep stos fills: 7+4n cycles, all sizes, aligned or not, DF=0 or 1', () => {
    const r = run('f3 ab').set({ eax: 0xa5a5a5a5, ecx: 0x500, edi: 0x30ff8 }).go().expect({ ecx: 0, edi: 0x30ff8 + 0x1400 }).cycles(7 + 4 * 0x500);
    expect(readBytes(r, 0x30ff8, 0x1400).every((b) => b === 0xa5)).toBe(true);
    expect(r.mmu.readPhys8(0x30ff8 + 0x1400)).toBe(0);
    const u = run('f3 ab').set({ eax: 0x04030201, ecx: 3, edi: 0x30001 }).go();
    expect(readBytes(u, 0x30000, 14)).toEqual([0, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 0]);
    const w = run('66 f3 ab').set({ eax: 0xbeef, ecx: 3, edi: 0x30000 }).go().expect({ edi: 0x30006 });
    expect(readBytes(w, 0x30000, 8)).toEqual([0xef, 0xbe, 0xef, 0xbe, 0xef, 0xbe, 0, 0]);
    const b = run('f3 aa').set({ eax: 0x7f, ecx: 5, edi: 0x30004, df: 1 }).go().expect({ edi: 0x2ffff });
    expect(readBytes(b, 0x2ffff, 7)).toEqual([0, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]);
  });
  it('lodsb / lodsw / lodsd load the accumulator', () => {
    run('ac').mem(D, '99').set({ eax: 0x12345678, esi: D }).go().expect({ eax: 0x12345699, esi: D + 1 }).cycles(5);
    run('66 ad').mem(D, '34 12').set({ eax: 0xffffffff, esi: D }).go().expect({ eax: 0xffff1234, esi: D + 2 });
    run('ad').mem32(D, 0xcafe).set({ esi: D, df: 1 }).go().expect({ eax: 0xcafe, esi: D - 4 });
  });
  it('rep lodsb leaves the last element: 7+4n cycles', () => {
    run('f3 ac').mem(D, '01 02 03').set({ ecx: 3, esi: D }).go().expect({ al: 3, ecx: 0, esi: D + 3 }).cycles(7 + 12);
  });
});

describe('cmps / scas', () => {
  it('cmpsd compares [ESI] with [EDI] (source minus destination)', () => {
    run('a7').mem32(D, 1, 2).set({ esi: D, edi: D + 4 }).go().expect({ cf: 1, sf: 1, zf: 0, esi: D + 4, edi: D + 8 }).cycles(8);
    run('a6').mem(D, '05 05').set({ esi: D, edi: D + 1 }).go().expect({ zf: 1, cf: 0 });
  });
  it('scas compares the accumulator with [EDI]', () => {
    run('ae').mem(D, '10').set({ eax: 0x20, edi: D }).go().expect({ zf: 0, cf: 0, of: 0, sf: 0, edi: D + 1 }).cycles(6);
    run('66 af').mem(D, '00 80').set({ eax: 0x7fff, edi: D }).go().expect({ cf: 1, of: 1, sf: 1, edi: D + 2 });
  });
  it('repne scasb finds a byte (strlen)', () => {
    run('f2 ae').mem(D, '68 65 6c 6c 6f 00').set({ eax: 0, ecx: -1, edi: D }).go()
      .expect({ ecx: 0xfffffff9, edi: D + 6, zf: 1 }).cycles(7 + 5 * 6);
  });
  it('repe scasd stops at the first different dword', () => {
    run('f3 af').mem32(D, 7, 7, 8, 7).set({ eax: 7, ecx: 4, edi: D }).go().expect({ ecx: 1, edi: D + 12, zf: 0, cf: 1 });
  });
  it('repe cmpsb stops at the first mismatch', () => {
    run('f3 a6').mem(D, '61 62 63 64 65 66').mem(D + 0x10, '61 62 63 58 65 66').set({ ecx: 6, esi: D, edi: D + 0x10 }).go()
      .expect({ ecx: 2, esi: D + 4, edi: D + 0x14, zf: 0, cf: 0 }).cycles(7 + 7 * 4);
    run('f3 a6').mem(D, '61 62 63').mem(D + 0x10, '61 62 63').set({ ecx: 3, esi: D, edi: D + 0x10 }).go()
      .expect({ ecx: 0, zf: 1 });
  });
  it('repne cmpsb stops at the first match', () => {
    run('f2 a6').mem(D, '01 02 03').mem(D + 0x10, '09 09 03').set({ ecx: 3, esi: D, edi: D + 0x10 }).go()
      .expect({ ecx: 0, esi: D + 3, zf: 1 });
  });
  it('with ECX=0 nothing is compared and the flags stay', () => {
    run('f3 a6').set({ ecx: 0, esi: D, edi: D, zf: 0, cf: 1 }).go().expect({ zf: 0, cf: 1, esi: D }).cycles(5);
  });
});

describe('long repetitions yield to interrupts', () => {
  it('runs at most REP_BUDGET iterations per execution, then re-executes itself', () => {
    const r = run('f3 ab').set({ eax: 1, ecx: 5000, edi: 0x30000 });
    r.cpu.step(1);
    expect(r.reg('ecx')).toBe(5000 - REP_BUDGET);
    expect(r.cpu.eip).toBe(CODE_BASE);
    r.go().expect({ ecx: 0, edi: 0x30000 + 20000 });
    expect(r.cpu.cycles).toBe(7 + 4 * 5000); // charged as one instruction
  });
  it('single-steps one iteration at a time with TF=1', () => {
    const r = run('f3 aa').set({ ecx: 3, edi: 0x30000, tf: 1 }).go(1).expectFault(1);
    expect(r.reg('ecx')).toBe(2);
    expect(r.fault!.eip).toBe(CODE_BASE);
  });
  it('rep movsb of 10000 bytes completes exactly', () => {
    const src = bytes(10000, (k) => k & 0xff);
    const r = run('f3 a4').mem(D, src).set({ ecx: 10000, esi: D, edi: 0x40000 }).go().expect({ ecx: 0 }).cycles(12 + 30000);
    expect(readBytes(r, 0x40000, 10000)).toEqual(Array.from(src));
  });
});

describe('restart after a page fault mid-string', () => {
  it('rep movsd into a not-present page stops with ECX/ESI/EDI at the completed iterations', () => {
    const r = identityPaging(run('f3 a5'), { absent: [0x21000] });
    r.mem32(D, ...Array.from({ length: 16 }, (_, k) => k + 100));
    r.set({ ecx: 16, esi: D, edi: 0x20ff0 }).go();
    r.expectFault(14, 2).expect({ ecx: 12, esi: D + 16, edi: 0x21000 });
    expect(r.fault!.eip).toBe(CODE_BASE);
    expect(r.cpu.mmu.cr2).toBe(0x21000);
    [100, 101, 102, 103].forEach((v, k) => r.expectMem32(0x20ff0 + 4 * k, v));
    mapPage(r, 0x21000);
    r.go().expectNoFault().expect({ ecx: 0, esi: D + 64, edi: 0x21030 });
    for (let k = 4; k < 16; k++) r.expectMem32(0x20ff0 + 4 * k, 100 + k);
  });
  it('a not-present source page faults as a read', () => {
    const r = identityPaging(run('f3 a4'), { absent: [0x11000] }).set({ ecx: 0x20, esi: 0x10ff8, edi: 0x30000 }).go();
    r.expectFault(14, 0).expect({ ecx: 0x18, esi: 0x11000, edi: 0x30008 });
    expect(r.cpu.mmu.cr2).toBe(0x11000);
    mapPage(r, 0x11000);
    r.go().expectNoFault().expect({ ecx: 0 });
  });
  it('an element straddling into a not-present page faults before it is written', () => {
    const r = identityPaging(run('f3 a5'), { absent: [0x21000] }).mem32(D, 1, 2, 3).set({ ecx: 3, esi: D, edi: 0x20ffa }).go();
    r.expectFault(14, 2).expect({ ecx: 2, edi: 0x20ffe, esi: D + 4 });
    expect(r.mmu.readPhys16(0x20ffe)).toBe(0);
    expect(r.cpu.mmu.cr2).toBe(0x21000);
  });
  it('the element-by-element path (DF=1) restarts too', () => {
    const r = identityPaging(run('f3 a5'), { absent: [0x20000] }).mem32(D, 1, 2, 3, 4, 5, 6).set({ ecx: 6, esi: D + 20, edi: 0x2100c, df: 1 }).go();
    r.expectFault(14, 2).expect({ ecx: 2, esi: D + 4, edi: 0x20ffc });
    expect(r.cpu.mmu.cr2).toBe(0x20ffc);
    mapPage(r, 0x20000);
    r.go().expectNoFault().expect({ ecx: 0, edi: 0x20ff4 });
    [1, 2, 3, 4, 5, 6].forEach((v, k) => r.expectMem32(0x20ff8 + 4 * k, v));
  });
  it('rep stosd and repe cmpsb restart at the faulting iteration', () => {
    const s = identityPaging(run('f3 ab'), { absent: [0x21000] }).set({ eax: 9, ecx: 8, edi: 0x20ff8 }).go();
    s.expectFault(14, 2).expect({ ecx: 6, edi: 0x21000 });
    mapPage(s, 0x21000);
    s.go().expectNoFault().expect({ ecx: 0, edi: 0x21018 }).expectMem32(0x21014, 9);
    const c = identityPaging(run('f3 a6'), { absent: [0x21000] }).mem(0x20ffe, '41 42').mem(D, '41 42 43 44').set({ ecx: 4, esi: 0x20ffe, edi: D }).go();
    c.expectFault(14, 0).expect({ ecx: 2, esi: 0x21000, edi: D + 2, zf: 1 });
    mapPage(c, 0x21000);
    c.mem(0x21000, '43 45');
    c.go().expectNoFault().expect({ ecx: 0, zf: 0, esi: 0x21002 });
  });
});

describe('privilege checks on the fast path', () => {
  it('rep movsd at CPL 3 into a supervisor page faults with U=1 after the user part', () => {
    const r = identityPaging(run('f3 a5'), { supervisor: [0x21000] }).mem32(D, 1, 2, 3, 4).set({ ecx: 4, esi: D, edi: 0x20ff8 });
    r.cpu.setCpl(3);
    r.go().expectFault(14, 7).expect({ ecx: 2, edi: 0x21000 });
    expect(r.cpu.mmu.cr2).toBe(0x21000);
    r.expectMem32(0x20ffc, 2);
    expect(r.read32(0x21000)).toBe(0);
  });
  it('rep lods at CPL 3 from a supervisor page faults as a user read', () => {
    const r = identityPaging(run('f3 ad'), { supervisor: [D] }).set({ ecx: 2, esi: D });
    r.cpu.setCpl(3);
    r.go().expectFault(14, 5).expect({ ecx: 2, esi: D });
  });
});

describe('rep stos over decoded code', () => {
  it('drops the blocks of the frame it writes', () => {
    // 1000: inc edx; inc edx; cmp ebx,1; je done; mov ebx,1; mov edi,0x1000; mov al,0x90;
    //       mov ecx,2; rep stosb; jmp 1000; done:
    const code = '42 42 83 fb 01 74 15 bb 01 00 00 00 bf 00 10 00 00 b0 90 b9 02 00 00 00 f3 aa eb e4';
    run(code).set({ ebx: 0, edx: 0 }).go().expect({ edx: 2, ebx: 1, eip: 0x101c });
  });
});
