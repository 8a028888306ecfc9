// Data movement: mov (moffs and specialized forms), movzx/movsx, lea, xchg, cbw/cwde,
// cwd/cdq, cmovcc, xlat, xadd, cmpxchg, cmpxchg8b — results, flags, 16-bit forms, and
// restart after a fault (nothing written before the faulting access).

import { describe, expect, it } from 'vitest';
import { DATA_BASE, run, type InsnRunner } from './helpers/insn-runner.js';
import { SEG_DS, SEG_FS } from '../src/cpu/constants.js';
import { identityPaging as paging } from './helpers/identity-paging.js';
import { SEGATTR_DB } from '../src/cpu/cpu.js';

const D = DATA_BASE; // 0x10000

/** Make DS end at `limit` (byte granular), so accesses beyond it raise #GP(0). */
function shortDs(r: InsnRunner, limit: number): InsnRunner {
  r.cpu.setSegCache(SEG_DS, 0x10, 0, limit, 0x93 | SEGATTR_DB);
  return r;
}

describe('mov moffs (A0-A3)', () => {
  it('loads AL and EAX from an absolute address', () => {
    run('a0 00 00 01 00').mem(D, '80 11 22 33').set({ eax: 0x12345678 }).go().expect({ eax: 0x12345680 }).cycles(1);
    run('a1 00 00 01 00').mem(D, '80 11 22 33').go().expect({ eax: 0x33221180 });
  });
  it('stores AL and EAX', () => {
    run('a2 04 00 01 00').mem32(D + 4, 0xffffffff).set({ eax: 0x12345678 }).go().expectMem32(D + 4, 0xffffff78);
    run('a3 04 00 01 00').set({ eax: 0x12345678 }).go().expectMem32(D + 4, 0x12345678);
  });
  it('16-bit operand size loads AX only', () => {
    run('66 a1 00 00 01 00').mem(D, '34 12 ff ff').set({ eax: 0xaaaaaaaa }).go().expect({ eax: 0xaaaa1234 });
  });
  it('honours a segment override', () => {
    const r = run('64 a1 00 00 01 00').mem(D + 0x100, '78 56 34 12');
    r.cpu.setSegCache(SEG_FS, 0x18, 0x100, 0xffffffff, 0x93 | SEGATTR_DB | 0x8000);
    r.go().expect({ eax: 0x12345678 });
  });
  it('16-bit address size takes a 16-bit offset', () => {
    run('67 a0 00 80').mem(0x8000, '5a').go().expect({ al: 0x5a, eip: 0x1004 });
  });
});

describe('mov r/m (specialized 32-bit forms)', () => {
  it('register to register, both directions', () => {
    run('89 c3').set({ eax: 7, ebx: 1 }).go().expect({ ebx: 7 });
    run('8b c3').set({ eax: 1, ebx: 9 }).go().expect({ eax: 9 });
  });
  it('store, load and immediate store', () => {
    run('89 43 04').set({ eax: 0xdeadbeef, ebx: D }).go().expectMem32(D + 4, 0xdeadbeef);
    run('8b 43 04').mem32(D + 4, 0xcafef00d).set({ ebx: D }).go().expect({ eax: 0xcafef00d });
    run('c7 03 78 56 34 12').set({ ebx: D }).go().expectMem32(D, 0x12345678);
  });
  it('16-bit forms keep the upper half', () => {
    run('66 89 c3').set({ eax: 0x1234, ebx: 0xffffffff }).go().expect({ ebx: 0xffff1234 });
    run('66 8b 43 04').mem(D + 4, '21 43').set({ eax: 0x99990000, ebx: D }).go().expect({ eax: 0x99994321 });
  });
  it('a store that faults leaves memory and registers alone', () => {
    const r = shortDs(run('89 43 04'), 0xffff).set({ eax: 1, ebx: D });
    r.go().expectFault(13, 0);
    expect(r.read32(D + 4)).toBe(0);
  });
});

describe('movzx / movsx', () => {
  it('zero-extends bytes and words', () => {
    run('0f b6 03').mem(D, 'f0').set({ eax: -1, ebx: D }).go().expect({ eax: 0xf0 }).cycles(3);
    run('0f b6 c7').set({ ebx: 0x8000 }).go().expect({ eax: 0x80 }); // movzx eax, bh
    run('0f b7 03').mem(D, 'ff ff').set({ ebx: D }).go().expect({ eax: 0xffff });
    run('66 0f b6 c3').set({ eax: 0x12345678, ebx: 0xff }).go().expect({ eax: 0x123400ff });
  });
  it('sign-extends bytes and words', () => {
    run('0f be c3').set({ ebx: 0x80 }).go().expect({ eax: 0xffffff80 });
    run('0f be c3').set({ ebx: 0x7f }).go().expect({ eax: 0x7f });
    run('0f bf 03').mem(D, '00 80').set({ ebx: D }).go().expect({ eax: 0xffff8000 });
    run('66 0f be c3').set({ eax: 0x12345678, ebx: 0xfe }).go().expect({ eax: 0x1234fffe });
  });
});

describe('lea', () => {
  it('computes base + index*scale + disp without touching memory', () => {
    run('8d 44 8b 08').set({ ebx: 0x1000, ecx: 3 }).go().expect({ eax: 0x1014 }).cycles(1);
    run('8d 44 8b 08').set({ ebx: 0xfffffff0, ecx: 1 }).go().expect({ eax: 0xfffffffc });
  });
  it('ignores segment bases', () => {
    const r = run('64 8d 44 8b 08').set({ ebx: 0x1000, ecx: 3 });
    r.cpu.setSegCache(SEG_FS, 0x18, 0x100000, 0xffffffff, 0x93 | SEGATTR_DB | 0x8000);
    r.go().expect({ eax: 0x1014 });
  });
  it('truncates to a 16-bit operand size, and uses 16-bit addressing with 0x67', () => {
    run('66 8d 44 8b 08').set({ eax: 0xaaaaaaaa, ebx: 0x1fff0, ecx: 4 }).go().expect({ eax: 0xaaaa0008 });
    run('67 8d 40 08').set({ ebx: 0x1fff0, esi: 0x20 }).go().expect({ eax: 0x18 }); // bx+si+8 wraps at 64K
  });
  it('register form is #UD', () => {
    run('8d c0').go().expectFault(6);
  });
});

describe('xchg', () => {
  it('swaps eAX with a register (91-97), 16-bit too', () => {
    run('93').set({ eax: 1, ebx: 2 }).go().expect({ eax: 2, ebx: 1 }).cycles(3);
    run('66 93').set({ eax: 0x11110001, ebx: 0x22220002 }).go().expect({ eax: 0x11110002, ebx: 0x22220001 });
    run('94').set({ eax: 0x1234 }).go().expect({ eax: 0x80000, esp: 0x1234 });
  });
  it('90 stays nop', () => {
    run('90').set({ eax: 5 }).go().expect({ eax: 5 }).cycles(1);
  });
  it('swaps registers and memory', () => {
    run('86 cd').set({ ecx: 0x1234 }).go().expect({ ecx: 0x3412 });
    run('87 1d 00 00 01 00').mem32(D, 0xaaaa).set({ ebx: 0xbbbb }).go().expect({ ebx: 0xaaaa }).expectMem32(D, 0xbbbb).cycles(5);
    run('86 0d 00 00 01 00').mem(D, '11').set({ ecx: 0x22 }).go().expect({ ecx: 0x11 }).expectMem32(D, 0x22);
  });
  it('a read-only page faults before the register changes', () => {
    const r = paging(run('87 1d 00 00 01 00'), { readOnly: [D], wp: true }).mem32(D, 0xaaaa).set({ ebx: 0xbbbb });
    r.go().expectFault(14, 3).expect({ ebx: 0xbbbb });
    expect(r.read32(D)).toBe(0xaaaa);
    expect(r.cpu.mmu.cr2).toBe(D);
  });
});

describe('read-modify-write forms fault as writes', () => {
  it('xchg, xadd, cmpxchg, cmpxchg8b on a not-present page: #PF with W=1, nothing changed', () => {
    for (const code of ['87 03', '86 03', '66 87 03', '0f c1 03', '0f c0 03', '0f b1 03', '0f b0 03', '0f c7 0b']) {
      const r = paging(run(code), { absent: [D] }).set({ eax: 1, ebx: D, ecx: 2, edx: 3 });
      r.go().expectFault(14, 2).expect({ eax: 1, ebx: D, ecx: 2, edx: 3 });
    }
  });
});

describe('cbw/cwde/cwd/cdq', () => {
  it('cwde and cbw sign-extend', () => {
    run('98').set({ eax: 0x12348000 }).go().expect({ eax: 0xffff8000 }).cycles(3);
    run('98').set({ eax: 0x12347fff }).go().expect({ eax: 0x7fff });
    run('66 98').set({ eax: 0x12345680 }).go().expect({ eax: 0x1234ff80 });
    run('66 98').set({ eax: 0x1234567f }).go().expect({ eax: 0x1234007f });
  });
  it('cdq and cwd fill EDX/DX with the sign', () => {
    run('99').set({ eax: 0x80000000, edx: 5 }).go().expect({ edx: 0xffffffff });
    run('99').set({ eax: 0x7fffffff, edx: 5 }).go().expect({ edx: 0 });
    run('66 99').set({ eax: 0x8000, edx: 0x12340000 }).go().expect({ edx: 0x1234ffff });
    run('66 99').set({ eax: 0xffff7fff, edx: 0x1234ffff }).go().expect({ edx: 0x12340000 });
  });
});

describe('cmovcc', () => {
  it('moves when the condition holds, not otherwise', () => {
    run('0f 44 c3').set({ eax: 1, ebx: 2, zf: 1 }).go().expect({ eax: 2 });
    run('0f 44 c3').set({ eax: 1, ebx: 2, zf: 0 }).go().expect({ eax: 1 });
    run('66 0f 4c c3').set({ eax: 0x11110001, ebx: 0x2222, sf: 1, of: 0 }).go().expect({ eax: 0x11112222 });
    run('66 0f 4c c3').set({ eax: 0x11110001, ebx: 0x2222, sf: 1, of: 1 }).go().expect({ eax: 0x11110001 });
  });
  it('reads a memory source even when the condition is false (and faults)', () => {
    run('0f 45 03').mem32(D, 7).set({ ebx: D, zf: 0 }).go().expect({ eax: 7 });
    shortDs(run('0f 45 03'), 0xffff).set({ eax: 3, ebx: D, zf: 1 }).go().expectFault(13, 0).expect({ eax: 3 });
  });
  it('covers every condition code after a compare', () => {
    // cmp eax, ebx then cmovCC ecx, edx for eax=1, ebx=2: b be l le ne np? (result -1)
    const taken = [0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]; // o no b ae e ne be a s ns p np l ge le g
    for (let cc = 0; cc < 16; cc++) {
      const code = `39 d8 0f ${(0x40 + cc).toString(16)} ca`;
      run(code).set({ eax: 1, ebx: 2, ecx: 0, edx: 9 }).go().expect({ ecx: taken[cc] ? 9 : 0 });
    }
  });
});

describe('xlat', () => {
  it('AL = [EBX + zero-extended AL]', () => {
    run('d7').mem(D + 0x80, '42').set({ eax: 0x12345680, ebx: D }).go().expect({ eax: 0x12345642 }).cycles(4);
  });
  it('uses BX with a 16-bit address size', () => {
    run('67 d7').mem(0x8010, '99').set({ eax: 0x10, ebx: 0x12348000 }).go().expect({ al: 0x99 });
  });
});

describe('xadd', () => {
  it('exchanges and adds, flags as add', () => {
    run('0f c1 c3').set({ eax: 1, ebx: 0xffffffff }).go().expect({ eax: 0xffffffff, ebx: 0, cf: 1, zf: 1 }).cycles(3);
    run('0f c1 03').mem32(D, 0x7fffffff).set({ eax: 1, ebx: D }).go()
      .expect({ eax: 0x7fffffff, of: 1, sf: 1 }).expectMem32(D, 0x80000000).cycles(4);
  });
  it('same register: ends with the sum', () => {
    run('0f c1 c0').set({ eax: 5 }).go().expect({ eax: 10 });
    run('0f c0 c0').set({ eax: 0x1290 }).go().expect({ eax: 0x1220, cf: 1 });
  });
  it('16-bit form', () => {
    run('66 0f c1 c3').set({ eax: 0xaaaa0001, ebx: 0xbbbbffff }).go().expect({ eax: 0xaaaaffff, ebx: 0xbbbb0000, cf: 1, zf: 1 });
  });
});

describe('cmpxchg', () => {
  it('stores the source when the accumulator matches', () => {
    run('0f b1 cb').set({ eax: 5, ebx: 5, ecx: 9 }).go().expect({ eax: 5, ebx: 9, zf: 1 }).cycles(6);
    run('0f b1 0b').mem32(D, 5).set({ eax: 5, ebx: D, ecx: 9 }).go().expect({ zf: 1 }).expectMem32(D, 9).cycles(7);
  });
  it('loads the accumulator when it does not, flags as cmp', () => {
    run('0f b1 cb').set({ eax: 1, ebx: 2, ecx: 9 }).go().expect({ eax: 2, ebx: 2, zf: 0, cf: 1, sf: 1 });
    run('0f b1 0b').mem32(D, 2).set({ eax: 1, ebx: D, ecx: 9 }).go().expect({ eax: 2, zf: 0, cf: 1 }).expectMem32(D, 2).cycles(10);
  });
  it('byte and word forms', () => {
    run('0f b0 cb').set({ eax: 0x1200 | 0x33, ebx: 0x33, ecx: 0x44 }).go().expect({ ebx: 0x44, zf: 1 });
    run('0f b0 cb').set({ eax: 0x1233, ebx: 0x34, ecx: 0x44 }).go().expect({ eax: 0x1234, ebx: 0x34, zf: 0 });
    run('66 0f b1 0b').mem(D, '34 12 ff ff').set({ eax: 0xffff1234, ebx: D, ecx: 0x5678 }).go()
      .expect({ zf: 1 }).expectMem32(D, 0xffff5678);
  });
  it('writes memory even when the comparison fails: a read-only page faults with W=1', () => {
    const r = paging(run('0f b1 0b'), { readOnly: [D], wp: true }).mem32(D, 2).set({ eax: 1, ebx: D, ecx: 9 });
    r.go().expectFault(14, 3).expect({ eax: 1 });
  });
});

describe('cmpxchg8b', () => {
  it('stores ECX:EBX when EDX:EAX matches, only ZF changes', () => {
    run('0f c7 0e').mem32(D, 1, 2).set({ esi: D, eax: 1, edx: 2, ebx: 3, ecx: 4, cf: 1, zf: 0 }).go()
      .expect({ zf: 1, cf: 1 }).expectMem32(D, 3).expectMem32(D + 4, 4).cycles(10);
  });
  it('loads EDX:EAX otherwise', () => {
    run('0f c7 0e').mem32(D, 1, 2).set({ esi: D, eax: 1, edx: 3, ebx: 3, ecx: 4, zf: 1 }).go()
      .expect({ zf: 0, eax: 1, edx: 2 }).expectMem32(D, 1).expectMem32(D + 4, 2);
  });
  it('register form is #UD', () => {
    run('0f c7 c8').go().expectFault(6);
  });
  it('a page-crossing operand whose second page is read-only writes nothing', () => {
    const page2 = D + 0x1000;
    const r = paging(run('0f c7 0e'), { readOnly: [page2], wp: true })
      .mem32(page2 - 4, 1, 2).set({ esi: page2 - 4, eax: 1, edx: 2, ebx: 3, ecx: 4 });
    r.go().expectFault(14, 3);
    expect(r.read32(page2 - 4)).toBe(1);
    expect(r.cpu.mmu.cr2).toBe(page2);
  });
});
