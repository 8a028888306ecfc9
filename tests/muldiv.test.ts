// Multiply and divide (src/cpu/ops/muldiv.ts). Expected values, undefined flags
// included, are what the host Intel CPU produced for the same instruction and inputs
// (32-bit programs run natively); #DE cases assert the fault, a restartable EIP and
// unchanged registers.

import { describe, it } from 'vitest';
import { run } from './helpers/insn-runner.js';

describe('mul', () => {
  it('byte: AX = AL * r/m8, carry into AH', () => {
    // mul bl
    run('f6 e3').set({ eax: 0xffff0080, ebx: 0x2 }).go()
      .expect({ eax: 0xffff0100, cf: 1, pf: 1, af: 0, zf: 0, sf: 0, of: 1 }).cycles(13);
  });
  it('byte: no carry when AH = 0', () => {
    // mul bl
    run('f6 e3').set({ eax: 0x12340010, ebx: 0xf, eflags: 0x8d5 }).go()
      .expect({ eax: 0x123400f0, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 }).cycles(14);
  });
  it('byte: 0xff * 0xff', () => {
    // mul bl
    run('f6 e3').set({ eax: 0xff, ebx: 0xff }).go()
      .expect({ eax: 0xfe01, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).cycles(18);
  });
  it('word: DX:AX = AX * r/m16', () => {
    // mul bx
    run('66 f7 e3').set({ eax: 0x1111ffff, ebx: 0xffff, edx: 0x22220000 }).go()
      .expect({ eax: 0x11110001, edx: 0x2222fffe, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).cycles(26);
  });
  it('dword: 0xffffffff squared', () => {
    // mul ebx
    run('f7 e3').set({ eax: 0xffffffff, ebx: 0xffffffff }).go()
      .expect({ eax: 0x1, edx: 0xfffffffe, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).cycles(42);
  });
  it('dword: carry out of bit 31 into EDX', () => {
    // mul ebx
    run('f7 e3').set({ eax: 0x80000000, ebx: 0x2 }).go()
      .expect({ eax: 0x0, edx: 0x1, cf: 1, pf: 1, af: 0, zf: 0, sf: 0, of: 1 }).cycles(13);
  });
  it('dword: product 0 still clears ZF', () => {
    // mul ebx
    run('f7 e3').set({ eax: 0x12345678, ebx: 0x0, edx: 0x5, eflags: 0x8d5 }).go()
      .expect({ eax: 0x0, edx: 0x0, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }).cycles(13);
  });
  it('dword: SF and PF from EAX', () => {
    // mul ebx
    run('f7 e3').set({ eax: 0x40000001, ebx: 0x3 }).go()
      .expect({ eax: 0xc0000003, edx: 0x0, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('memory dword', () => {
    // mul dword [0x100010]
    run('f7 25 10 00 10 00').set({ eax: 0x10000 }).mem32(0x100000, 0x0, 0x0, 0x0, 0x0, 0x10001, 0x0, 0x0, 0x0).go()
      .expect({ eax: 0x10000, edx: 0x1, cf: 1, pf: 1, af: 0, zf: 0, sf: 0, of: 1 }).cycles(27);
  });
});

describe('imul (one operand)', () => {
  it('byte: -1 * -128 overflows AL', () => {
    // imul bl
    run('f6 eb').set({ eax: 0xff, ebx: 0x80 }).go()
      .expect({ eax: 0x80, cf: 1, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }).cycles(18);
  });
  it('byte: -2 * 3 fits', () => {
    // imul bl
    run('f6 eb').set({ eax: 0xfe, ebx: 0x3 }).go()
      .expect({ eax: 0xfffa, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 }).cycles(13);
  });
  it('word: -32768 * -1', () => {
    // imul bx
    run('66 f7 eb').set({ eax: 0x8000, ebx: 0xffff }).go()
      .expect({ eax: 0x8000, edx: 0x0, cf: 1, pf: 1, af: 0, zf: 0, sf: 1, of: 1 }).cycles(13);
  });
  it('dword: 0x80000000 * -1 = +2^31 overflows', () => {
    // imul ebx
    run('f7 eb').set({ eax: 0x80000000, ebx: 0xffffffff }).go()
      .expect({ eax: 0x80000000, edx: 0x0, cf: 1, pf: 1, af: 0, zf: 0, sf: 1, of: 1 }).cycles(13);
  });
  it('dword: -2 * 3 sign-extends into EDX', () => {
    // imul ebx
    run('f7 eb').set({ eax: 0xfffffffe, ebx: 0x3 }).go()
      .expect({ eax: 0xfffffffa, edx: 0xffffffff, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('dword: multiplier 0x80000000 takes 42 clocks', () => {
    // imul ebx
    run('f7 eb').set({ eax: 0x1, ebx: 0x80000000 }).go()
      .expect({ eax: 0x80000000, edx: 0xffffffff, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 }).cycles(42);
  });
});

describe('imul (two and three operands)', () => {
  it('r32, r32 without overflow', () => {
    // imul eax, ebx
    run('0f af c3').set({ eax: 0xfffffff9, ebx: 0x6, edx: 0x5555 }).go()
      .expect({ eax: 0xffffffd6, edx: 0x5555, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 0 }).cycles(13);
  });
  it('r32, r32 with overflow', () => {
    // imul eax, ebx
    run('0f af c3').set({ eax: 0x10000, ebx: 0x10000 }).go()
      .expect({ eax: 0x0, cf: 1, pf: 1, af: 0, zf: 0, sf: 0, of: 1 }).cycles(27);
  });
  it('r32, r32: 0x80000000 * 1 fits', () => {
    // imul ecx, ebx
    run('0f af cb').set({ ecx: 0x80000000, ebx: 0x1 }).go()
      .expect({ ecx: 0x80000000, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('r16, r16 overflow', () => {
    // imul ax, bx
    run('66 0f af c3').set({ eax: 0x12344000, ebx: 0x2 }).go()
      .expect({ eax: 0x12348000, cf: 1, pf: 1, af: 0, zf: 0, sf: 1, of: 1 });
  });
  it('r16, m16', () => {
    // imul ax, word [0x100010]
    run('66 0f af 05 10 00 10 00').set({ eax: 0xfff0 }).mem32(0x100000, 0x0, 0x0, 0x0, 0x0, 0xffff0010, 0x0, 0x0, 0x0).go()
      .expect({ eax: 0xff00, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('r32, r/m32, imm32', () => {
    // imul eax, ebx, 0x10000
    run('69 c3 00 00 01 00').set({ ebx: 0x8000 }).go()
      .expect({ eax: 0x80000000, cf: 1, pf: 1, af: 0, zf: 0, sf: 1, of: 1 }).cycles(27);
  });
  it('r32, r/m32, imm32 overflow', () => {
    // imul eax, ebx, 0x10000
    run('69 c3 00 00 01 00').set({ ebx: 0x80000001 }).go()
      .expect({ eax: 0x10000, cf: 1, pf: 1, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('r32, r/m32, imm8 sign-extended', () => {
    // imul edx, ebx, -3
    run('6b d3 fd').set({ ebx: 0x7 }).go()
      .expect({ edx: 0xffffffeb, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 }).cycles(13);
  });
  it('r16, r/m16, imm8', () => {
    // imul cx, bx, byte -128
    run('66 6b cb 80').set({ ecx: 0xaaaa0000, ebx: 0x100 }).go()
      .expect({ ecx: 0xaaaa8000, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('r16, m16, imm16', () => {
    // imul si, word [0x100010], 0x7fff
    run('66 69 35 10 00 10 00 ff 7f').set({ esi: 0x12340000 }).mem32(0x100000, 0x0, 0x0, 0x0, 0x0, 0x2, 0x0, 0x0, 0x0).go()
      .expect({ esi: 0x1234fffe, cf: 1, pf: 0, af: 0, zf: 0, sf: 1, of: 1 });
  });
});

describe('div', () => {
  it('byte: AL = AX / r/m8, AH = remainder', () => {
    // div bl
    run('f6 f3').set({ eax: 0x3e8, ebx: 0x7, eflags: 0x8d5 }).go()
      .expect({ eax: 0x68e, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }).cycles(16);
  });
  it('word: DX:AX / r/m16', () => {
    // div bx
    run('66 f7 f3').set({ eax: 0x0, edx: 0x1, ebx: 0x10 }).go()
      .expect({ eax: 0x1000, edx: 0x0, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(24);
  });
  it('dword: 64-bit dividend', () => {
    // div ebx
    run('f7 f3').set({ eax: 0x0, edx: 0x1, ebx: 0x2 }).go()
      .expect({ eax: 0x80000000, edx: 0x0, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(40);
  });
  it('dword: largest quotient', () => {
    // div ebx
    run('f7 f3').set({ eax: 0xffffffff, edx: 0xfffffffe, ebx: 0xffffffff }).go()
      .expect({ eax: 0xffffffff, edx: 0xfffffffe, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('dword: keeps every flag', () => {
    // div ecx
    run('f7 f1').set({ eax: 0x64, edx: 0x0, ecx: 0x7, eflags: 0xd4 }).go()
      .expect({ eax: 0xe, edx: 0x2, cf: 0, pf: 1, af: 1, zf: 1, sf: 1, of: 0 });
  });
  it('memory dword', () => {
    // div dword [0x100010]
    run('f7 35 10 00 10 00').set({ eax: 0x9abcdef0, edx: 0x12345678 }).mem32(0x100000, 0x0, 0x0, 0x0, 0x0, 0x87654321, 0x0, 0x0, 0x0).go()
      .expect({ eax: 0x226b9022, edx: 0x38bc648e, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(40);
  });
  it('byte: quotient > 0xff raises #DE', () => {
    // div bl
    run('f6 f3').set({ eax: 0x1000, ebx: 0x10 }).go()
      .expectFault(0).expect({ eax: 0x1000, ebx: 0x10, eip: 0x1000 });
  });
  it('dword: EDX >= divisor raises #DE', () => {
    // div ebx
    run('f7 f3').set({ eax: 0x0, edx: 0x5, ebx: 0x5 }).go()
      .expectFault(0).expect({ eax: 0x0, edx: 0x5, ebx: 0x5, eip: 0x1000 });
  });
  it('dword: divide by zero raises #DE', () => {
    // div ebx
    run('f7 f3').set({ eax: 0x1, edx: 0x0, ebx: 0x0 }).go()
      .expectFault(0).expect({ eax: 0x1, edx: 0x0, ebx: 0x0, eip: 0x1000 });
  });
  it('word: divide by zero raises #DE', () => {
    // div cx
    run('66 f7 f1').set({ eax: 0x1, edx: 0x0, ecx: 0xffff0000 }).go()
      .expectFault(0).expect({ eax: 0x1, edx: 0x0, ecx: 0xffff0000, eip: 0x1000 });
  });
});

describe('idiv', () => {
  it('byte: -100 / 7 truncates toward zero', () => {
    // idiv bl
    run('f6 fb').set({ eax: 0xff9c, ebx: 0x7 }).go()
      .expect({ eax: 0xfef2, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(19);
  });
  it('byte: -256 / 2 = -128 fits', () => {
    // idiv bl
    run('f6 fb').set({ eax: 0xff00, ebx: 0x2 }).go()
      .expect({ eax: 0x80, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('word: -7 / 2', () => {
    // idiv bx
    run('66 f7 fb').set({ eax: 0xfff9, edx: 0xffff, ebx: 0x2 }).go()
      .expect({ eax: 0xfffd, edx: 0xffff, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(27);
  });
  it('dword: -7 / 2', () => {
    // idiv ebx
    run('f7 fb').set({ eax: 0xfffffff9, edx: 0xffffffff, ebx: 0x2 }).go()
      .expect({ eax: 0xfffffffd, edx: 0xffffffff, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(43);
  });
  it('dword: 7 / -2', () => {
    // idiv ebx
    run('f7 fb').set({ eax: 0x7, edx: 0x0, ebx: 0xfffffffe }).go()
      .expect({ eax: 0xfffffffd, edx: 0x1, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('dword: -2^31 / 1 fits', () => {
    // idiv ebx
    run('f7 fb').set({ eax: 0x80000000, edx: 0xffffffff, ebx: 0x1 }).go()
      .expect({ eax: 0x80000000, edx: 0x0, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('dword: 64-bit dividend', () => {
    // idiv ecx
    run('f7 f9').set({ eax: 0x0, edx: 0xe0000000, ecx: 0x80000000 }).go()
      .expect({ eax: 0x40000000, edx: 0x0, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('dword: keeps every flag', () => {
    // idiv ebx
    run('f7 fb').set({ eax: 0x64, edx: 0x0, ebx: 0xfffffff9, eflags: 0x8d5 }).go()
      .expect({ eax: 0xfffffff2, edx: 0x2, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 });
  });
  it('memory dword', () => {
    // idiv dword [0x100010]
    run('f7 3d 10 00 10 00').set({ eax: 0xfffffc18, edx: 0xffffffff }).mem32(0x100000, 0x0, 0x0, 0x0, 0x0, 0x10, 0x0, 0x0, 0x0).go()
      .expect({ eax: 0xffffffc2, edx: 0xfffffff8, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(44);
  });
  it('dword: -2^31 / -1 raises #DE', () => {
    // idiv ebx
    run('f7 fb').set({ eax: 0x80000000, edx: 0xffffffff, ebx: 0xffffffff }).go()
      .expectFault(0).expect({ eax: 0x80000000, edx: 0xffffffff, ebx: 0xffffffff, eip: 0x1000 });
  });
  it('dword: 0x80000000:00000000 / -1 raises #DE', () => {
    // idiv ebx
    run('f7 fb').set({ eax: 0x0, edx: 0x80000000, ebx: 0xffffffff }).go()
      .expectFault(0).expect({ eax: 0x0, edx: 0x80000000, ebx: 0xffffffff, eip: 0x1000 });
  });
  it('dword: quotient 2^31 raises #DE', () => {
    // idiv ebx
    run('f7 fb').set({ eax: 0x80000000, edx: 0x0, ebx: 0x1 }).go()
      .expectFault(0).expect({ eax: 0x80000000, edx: 0x0, ebx: 0x1, eip: 0x1000 });
  });
  it('byte: 256 / 2 = 128 raises #DE', () => {
    // idiv bl
    run('f6 fb').set({ eax: 0x100, ebx: 0x2 }).go()
      .expectFault(0).expect({ eax: 0x100, ebx: 0x2, eip: 0x1000 });
  });
  it('word: -32768 * 2 / -1 raises #DE', () => {
    // idiv bx
    run('66 f7 fb').set({ eax: 0x0, edx: 0xffff, ebx: 0xffff }).go()
      .expectFault(0).expect({ eax: 0x0, edx: 0xffff, ebx: 0xffff, eip: 0x1000 });
  });
  it('byte: divide by zero raises #DE', () => {
    // idiv bl
    run('f6 fb').set({ eax: 0x10, ebx: 0x100 }).go()
      .expectFault(0).expect({ eax: 0x10, ebx: 0x100, eip: 0x1000 });
  });
});
