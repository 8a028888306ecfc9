// Shifts and rotates (src/cpu/ops/shift.ts). Expected values, undefined flags included,
// are what the host Intel CPU produced for the same instruction and inputs (32-bit
// programs run natively); eflags inputs use only the six arithmetic flags.

import { describe, expect, it } from 'vitest';
import { run, type InsnRunner } from './helpers/insn-runner.js';
import { identityPaging } from './helpers/identity-paging.js';

describe('shl/sal', () => {
  it('carries out of bit 31 by 1 (OF = CF ^ MSB)', () => {
    // shl eax, 1
    run('d1 e0').set({ eax: 0x80000001 }).go()
      .expect({ eax: 0x2, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).cycles(3);
  });
  it('by 1 into the sign bit sets OF', () => {
    // shl eax, 1
    run('d1 e0').set({ eax: 0x40000000, eflags: 0x801 }).go()
      .expect({ eax: 0x80000000, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 1 });
  });
  it('by CL = 0 changes neither value nor flags', () => {
    // shl eax, cl
    run('d3 e0').set({ eax: 0x12345678, ecx: 0x100, eflags: 0x8d5 }).go()
      .expect({ eax: 0x12345678, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }).cycles(3);
  });
  it('by CL = 31', () => {
    // shl eax, cl
    run('d3 e0').set({ eax: 0x3, ecx: 0x1f }).go()
      .expect({ eax: 0x80000000, cf: 1, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('by CL = 32 is masked to 0', () => {
    // shl eax, cl
    run('d3 e0').set({ eax: 0x80000001, ecx: 0x20, eflags: 0xd4 }).go()
      .expect({ eax: 0x80000001, cf: 0, pf: 1, af: 1, zf: 1, sf: 1, of: 0 });
  });
  it('by CL = 33 is masked to 1', () => {
    // shl eax, cl
    run('d3 e0').set({ eax: 0xc0000001, ecx: 0x21 }).go()
      .expect({ eax: 0x80000002, cf: 1, pf: 0, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('count > 1: OF from the two top bits of the original operand', () => {
    // shl eax, 4
    run('c1 e0 04').set({ eax: 0x80000001 }).go()
      .expect({ eax: 0x10, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).cycles(2);
  });
  it('count > 1: OF clear when the two top bits agree', () => {
    // shl eax, 4
    run('c1 e0 04').set({ eax: 0xc8000000, eflags: 0x800 }).go()
      .expect({ eax: 0x80000000, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('byte: carry out of bit 7', () => {
    // shl bl, 1
    run('d0 e3').set({ ebx: 0x12345680 }).go()
      .expect({ ebx: 0x12345600, cf: 1, pf: 1, af: 0, zf: 1, sf: 0, of: 1 });
  });
  it('byte by 8 shifts out bit 0 last', () => {
    // shl al, cl
    run('d2 e0').set({ eax: 0xaaaaaa81, ecx: 0x8 }).go()
      .expect({ eax: 0xaaaaaa00, cf: 1, pf: 1, af: 0, zf: 1, sf: 0, of: 1 });
  });
  it('byte by 9 gives 0 with CF = 0', () => {
    // shl al, cl
    run('d2 e0').set({ eax: 0xaaaaaaff, ecx: 0x9, eflags: 0x1 }).go()
      .expect({ eax: 0xaaaaaa00, cf: 0, pf: 1, af: 0, zf: 1, sf: 0, of: 0 });
  });
  it('word: carry out of bit 15', () => {
    // shl ax, 1
    run('66 d1 e0').set({ eax: 0x12348000 }).go()
      .expect({ eax: 0x12340000, cf: 1, pf: 1, af: 0, zf: 1, sf: 0, of: 1 });
  });
  it('word by 16 shifts out bit 0 last', () => {
    // shl ax, 16
    run('66 c1 e0 10').set({ eax: 0x5555ffff }).go()
      .expect({ eax: 0x55550000, cf: 1, pf: 1, af: 0, zf: 1, sf: 0, of: 0 });
  });
  it('word by 17 gives 0', () => {
    // shl ax, cl
    run('66 d3 e0').set({ eax: 0x5555ffff, ecx: 0x11 }).go()
      .expect({ eax: 0x55550000, cf: 0, pf: 1, af: 0, zf: 1, sf: 0, of: 0 });
  });
  it('sets SF, PF and clears AF', () => {
    // shl eax, 3
    run('c1 e0 03').set({ eax: 0x10000011, eflags: 0x10 }).go()
      .expect({ eax: 0x80000088, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('memory operand', () => {
    // shl dword [0x100010], cl
    run('d3 25 10 00 10 00').set({ ecx: 0x4 }).mem32(0x100000, 0x0, 0x0, 0x0, 0x0, 0x87654321, 0x11223344, 0x0, 0x0).go()
      .expect({ cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).expectMem32(0x100010, 0x76543210).expectMem32(0x100014, 0x11223344).cycles(4);
  });
  it('memory operand by imm8', () => {
    // shl word [0x100010], 3
    run('66 c1 25 10 00 10 00 03').mem32(0x100000, 0x0, 0x0, 0x0, 0x0, 0x87654321, 0x11223344, 0x0, 0x0).go()
      .expect({ cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).expectMem32(0x100010, 0x87651908).cycles(4);
  });
  it('D1 /6 is SHL (undocumented alias)', () => {
    // db 0xd1, 0xf0
    run('d1 f0').set({ eax: 0x80000001 }).go()
      .expect({ eax: 0x2, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('C0 /6 is SHL (undocumented alias)', () => {
    // db 0xc0, 0xf3, 0x03
    run('c0 f3 03').set({ ebx: 0xf1 }).go()
      .expect({ ebx: 0x88, cf: 1, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
});

describe('shr', () => {
  it('by 1: OF = the original MSB', () => {
    // shr eax, 1
    run('d1 e8').set({ eax: 0x80000000 }).go()
      .expect({ eax: 0x40000000, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('by 1 shifts bit 0 into CF', () => {
    // shr eax, 1
    run('d1 e8').set({ eax: 0x3 }).go()
      .expect({ eax: 0x1, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('by CL = 31', () => {
    // shr eax, cl
    run('d3 e8').set({ eax: 0xc0000000, ecx: 0x1f }).go()
      .expect({ eax: 0x1, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('count > 1: OF = the original MSB', () => {
    // shr eax, 5
    run('c1 e8 05').set({ eax: 0x80000010 }).go()
      .expect({ eax: 0x4000000, cf: 1, pf: 1, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('byte by 8: CF = bit 7', () => {
    // shr al, cl
    run('d2 e8').set({ eax: 0x12345680, ecx: 0x8 }).go()
      .expect({ eax: 0x12345600, cf: 1, pf: 1, af: 0, zf: 1, sf: 0, of: 1 });
  });
  it('byte by 9 gives 0 with CF = 0', () => {
    // shr al, cl
    run('d2 e8').set({ eax: 0x123456ff, ecx: 0x9, eflags: 0x1 }).go()
      .expect({ eax: 0x12345600, cf: 0, pf: 1, af: 0, zf: 1, sf: 0, of: 1 });
  });
  it('word by 17 gives 0', () => {
    // shr ax, 17
    run('66 c1 e8 11').set({ eax: 0x1234ffff }).go()
      .expect({ eax: 0x12340000, cf: 0, pf: 1, af: 0, zf: 1, sf: 0, of: 1 });
  });
  it('by 0 changes nothing', () => {
    // shr eax, 0
    run('c1 e8 00').set({ eax: 0xdeadbeef, eflags: 0x8d5 }).go()
      .expect({ eax: 0xdeadbeef, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 });
  });
  it('byte in AH', () => {
    // shr ah, 4
    run('c0 ec 04').set({ eax: 0xf000 }).go()
      .expect({ eax: 0xf00, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 1 });
  });
});

describe('sar', () => {
  it('by 1 keeps the sign, OF = 0', () => {
    // sar eax, 1
    run('d1 f8').set({ eax: 0x80000000, eflags: 0x800 }).go()
      .expect({ eax: 0xc0000000, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('by 31 of a negative value', () => {
    // sar eax, 31
    run('c1 f8 1f').set({ eax: 0x80000000 }).go()
      .expect({ eax: 0xffffffff, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('by CL = 31 of a positive value', () => {
    // sar eax, cl
    run('d3 f8').set({ eax: 0x7fffffff, ecx: 0x1f }).go()
      .expect({ eax: 0x0, cf: 1, pf: 1, af: 0, zf: 1, sf: 0, of: 0 });
  });
  it('by CL = 32 is masked to 0', () => {
    // sar eax, cl
    run('d3 f8').set({ eax: 0x80000000, ecx: 0x20, eflags: 0x8d5 }).go()
      .expect({ eax: 0x80000000, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 });
  });
  it('byte by 9 fills with the sign, CF = sign', () => {
    // sar al, cl
    run('d2 f8').set({ eax: 0x80, ecx: 0x9 }).go()
      .expect({ eax: 0xff, cf: 1, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('word by 20 of a negative value', () => {
    // sar ax, 20
    run('66 c1 f8 14').set({ eax: 0x8001 }).go()
      .expect({ eax: 0xffff, cf: 1, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('word by 20 of a positive value', () => {
    // sar ax, 20
    run('66 c1 f8 14').set({ eax: 0xffff7fff, eflags: 0x1 }).go()
      .expect({ eax: 0xffff0000, cf: 0, pf: 1, af: 0, zf: 1, sf: 0, of: 0 });
  });
  it('memory byte', () => {
    // sar byte [0x100010], 2
    run('c0 3d 10 00 10 00 02').mem32(0x100000, 0x0, 0x0, 0x0, 0x0, 0xf3, 0x11223344, 0x0, 0x0).go()
      .expect({ cf: 1, pf: 1, af: 0, zf: 0, sf: 1, of: 0 }).expectMem32(0x100010, 0xfc);
  });
});

describe('rol/ror', () => {
  it('rol by 1 through bit 31', () => {
    // rol eax, 1
    run('d1 c0').set({ eax: 0x80000000 }).go()
      .expect({ eax: 0x1, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).cycles(3);
  });
  it('rol by 1: OF = CF ^ MSB', () => {
    // rol eax, 1
    run('d1 c0').set({ eax: 0x40000000 }).go()
      .expect({ eax: 0x80000000, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('rol keeps SF ZF AF PF', () => {
    // rol eax, cl
    run('d3 c0').set({ eax: 0x1, ecx: 0x4, eflags: 0xd4 }).go()
      .expect({ eax: 0x10, cf: 0, pf: 1, af: 1, zf: 1, sf: 1, of: 0 });
  });
  it('rol by CL > 1: OF from the two top bits of the original operand', () => {
    // rol eax, cl
    run('d3 c0').set({ eax: 0x80000000, ecx: 0x4 }).go()
      .expect({ eax: 0x8, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('rol byte by CL = 8: value unchanged, CF = bit 0, OF written', () => {
    // rol al, cl
    run('d2 c0').set({ eax: 0x41, ecx: 0x8, eflags: 0x800 }).go()
      .expect({ eax: 0x41, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('rol r32 by imm8 > 1 keeps OF (set)', () => {
    // rol eax, 8
    run('c1 c0 08').set({ eax: 0x12345678, eflags: 0x800 }).go()
      .expect({ eax: 0x34567812, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).cycles(2);
  });
  it('rol r32 by imm8 > 1 keeps OF (clear)', () => {
    // rol eax, 8
    run('c1 c0 08').set({ eax: 0x40000080, eflags: 0x0 }).go()
      .expect({ eax: 0x8040, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('rol r32 by imm8 = 33 (masked 1) writes OF', () => {
    // rol eax, 33
    run('c1 c0 21').set({ eax: 0x40000000 }).go()
      .expect({ eax: 0x80000000, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('rol memory by imm8 > 1 writes OF', () => {
    // rol dword [0x100010], 8
    run('c1 05 10 00 10 00 08').set({ eflags: 0x800 }).mem32(0x100000, 0x0, 0x0, 0x0, 0x0, 0x3fffffff, 0x11223344, 0x0, 0x0).go()
      .expect({ cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).expectMem32(0x100010, 0xffffff3f).cycles(4);
  });
  it('rol word by 16 (imm): value unchanged, CF = bit 0', () => {
    // rol ax, 16
    run('66 c1 c0 10').set({ eax: 0x12348001, eflags: 0x800 }).go()
      .expect({ eax: 0x12348001, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('ror by 1 through bit 0', () => {
    // ror eax, 1
    run('d1 c8').set({ eax: 0x1 }).go()
      .expect({ eax: 0x80000000, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('ror by 1: OF = top two bits of the result differ', () => {
    // ror eax, 1
    run('d1 c8').set({ eax: 0x2, eflags: 0x800 }).go()
      .expect({ eax: 0x1, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('ror by CL > 1: OF = bit 0 ^ MSB of the original', () => {
    // ror eax, cl
    run('d3 c8').set({ eax: 0x1, ecx: 0x4 }).go()
      .expect({ eax: 0x10000000, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('ror byte by CL = 16', () => {
    // ror bl, cl
    run('d2 cb').set({ ebx: 0x81, ecx: 0x10 }).go()
      .expect({ ebx: 0x81, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('ror r16 by imm8 > 1 keeps OF', () => {
    // ror ax, 4
    run('66 c1 c8 04').set({ eax: 0xf, eflags: 0x800 }).go()
      .expect({ eax: 0xf000, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('ror by 0 changes nothing', () => {
    // ror eax, cl
    run('d3 c8').set({ eax: 0x12345678, ecx: 0x0, eflags: 0x8d5 }).go()
      .expect({ eax: 0x12345678, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 });
  });
});

describe('rcl/rcr', () => {
  it('rcl by 1 takes CF into bit 0', () => {
    // rcl eax, 1
    run('d1 d0').set({ eax: 0x80000000, eflags: 0x1 }).go()
      .expect({ eax: 0x1, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('rcl by 1 without carry in', () => {
    // rcl eax, 1
    run('d1 d0').set({ eax: 0x40000000 }).go()
      .expect({ eax: 0x80000000, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('rcl by CL = 31', () => {
    // rcl eax, cl
    run('d3 d0').set({ eax: 0x6, ecx: 0x1f, eflags: 0x1 }).go()
      .expect({ eax: 0x40000001, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(8);
  });
  it('rcl byte by 9 changes nothing (flags included)', () => {
    // rcl al, cl
    run('d2 d0').set({ eax: 0xa5, ecx: 0x9, eflags: 0x8d5 }).go()
      .expect({ eax: 0xa5, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 });
  });
  it('rcl byte by 10 is rcl by 1', () => {
    // rcl al, cl
    run('d2 d0').set({ eax: 0x80, ecx: 0xa }).go()
      .expect({ eax: 0x0, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('rcl byte by 8 (9-bit rotate)', () => {
    // rcl al, 8
    run('c0 d0 08').set({ eax: 0x3, eflags: 0x1 }).go()
      .expect({ eax: 0x81, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(8);
  });
  it('rcl word by 17 changes nothing', () => {
    // rcl ax, 17
    run('66 c1 d0 11').set({ eax: 0xffff, eflags: 0x8c4 }).go()
      .expect({ eax: 0xffff, cf: 0, pf: 1, af: 0, zf: 1, sf: 1, of: 1 });
  });
  it('rcl word by 16', () => {
    // rcl ax, cl
    run('66 d3 d0').set({ eax: 0x8001, ecx: 0x10 }).go()
      .expect({ eax: 0x4000, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('rcr by 1 takes CF into bit 31', () => {
    // rcr eax, 1
    run('d1 d8').set({ eax: 0x1, eflags: 0x1 }).go()
      .expect({ eax: 0x80000000, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).cycles(3);
  });
  it('rcr by CL > 1: OF = MSB ^ CF in', () => {
    // rcr eax, cl
    run('d3 d8').set({ eax: 0x0, ecx: 0x3, eflags: 0x1 }).go()
      .expect({ eax: 0x20000000, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('rcr byte by 8', () => {
    // rcr al, cl
    run('d2 d8').set({ eax: 0x80, ecx: 0x8, eflags: 0x1 }).go()
      .expect({ eax: 0x1, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('rcr word by 16', () => {
    // rcr ax, 16
    run('66 c1 d8 10').set({ eax: 0x1 }).go()
      .expect({ eax: 0x2, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('rcr memory byte', () => {
    // rcr byte [0x100010], cl
    run('d2 1d 10 00 10 00').set({ ecx: 0x3, eflags: 0x1 }).mem32(0x100000, 0x0, 0x0, 0x0, 0x0, 0x12345605, 0x11223344, 0x0, 0x0).go()
      .expect({ cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).expectMem32(0x100010, 0x12345660).cycles(9);
  });
  it('rcl keeps SF ZF AF PF', () => {
    // rcl eax, 5
    run('c1 d0 05').set({ eax: 0xffffffff, eflags: 0xc4 }).go()
      .expect({ eax: 0xffffffef, cf: 1, pf: 1, af: 0, zf: 1, sf: 1, of: 0 });
  });
});

describe('shld/shrd', () => {
  it('shld by imm8', () => {
    // shld eax, ebx, 4
    run('0f a4 d8 04').set({ eax: 0x12345678, ebx: 0x9abcdef0 }).go()
      .expect({ eax: 0x23456789, ebx: 0x9abcdef0, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(2);
  });
  it('shld by CL = 0 changes nothing', () => {
    // shld eax, ebx, cl
    run('0f a5 d8').set({ eax: 0x12345678, ebx: 0x9abcdef0, ecx: 0x20, eflags: 0x8d5 }).go()
      .expect({ eax: 0x12345678, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }).cycles(3);
  });
  it('shld by 1: OF when the sign changes', () => {
    // shld eax, ebx, 1
    run('0f a4 d8 01').set({ eax: 0x40000000, ebx: 0x80000000 }).go()
      .expect({ eax: 0x80000001, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 });
  });
  it('shld by 31', () => {
    // shld eax, ebx, cl
    run('0f a5 d8').set({ eax: 0x3, ebx: 0xfffffffe, ecx: 0x1f }).go()
      .expect({ eax: 0xffffffff, cf: 1, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('shld word by 16 gives the source', () => {
    // shld ax, bx, 16
    run('66 0f a4 d8 10').set({ eax: 0x1111abcd, ebx: 0x22221234 }).go()
      .expect({ eax: 0x11111234, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('shld word by 20 (48-bit dst:src:dst)', () => {
    // shld ax, bx, cl
    run('66 0f a5 d8').set({ eax: 0x1111abcd, ebx: 0x22221234, ecx: 0x14 }).go()
      .expect({ eax: 0x1111234a, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('shld word by 31', () => {
    // shld ax, bx, 31
    run('66 0f a4 d8 1f').set({ eax: 0xabcd, ebx: 0x1234 }).go()
      .expect({ eax: 0x55e6, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 });
  });
  it('shld memory by CL', () => {
    // shld dword [0x100010], ebx, cl
    run('0f a5 1d 10 00 10 00').set({ ebx: 0xffffffff, ecx: 0xc }).mem32(0x100000, 0x0, 0x0, 0x0, 0x0, 0x12345, 0x11223344, 0x0, 0x0).go()
      .expect({ cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }).expectMem32(0x100010, 0x12345fff).cycles(4);
  });
  it('shrd by imm8', () => {
    // shrd eax, ebx, 8
    run('0f ac d8 08').set({ eax: 0x12345678, ebx: 0x9abcdef0 }).go()
      .expect({ eax: 0xf0123456, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 }).cycles(2);
  });
  it('shrd by 1: OF = MSB of dst ^ bit 0 of src', () => {
    // shrd eax, ebx, 1
    run('0f ac d8 01').set({ eax: 0x1, ebx: 0x1 }).go()
      .expect({ eax: 0x80000000, cf: 1, pf: 1, af: 0, zf: 0, sf: 1, of: 1 });
  });
  it('shrd by 31', () => {
    // shrd eax, ebx, cl
    run('0f ad d8').set({ eax: 0x80000000, ebx: 0x1, ecx: 0x1f }).go()
      .expect({ eax: 0x3, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('shrd word by 20 (48-bit dst:src:dst)', () => {
    // shrd ax, bx, 20
    run('66 0f ac d8 14').set({ eax: 0xabcd, ebx: 0x1234 }).go()
      .expect({ eax: 0xd123, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 });
  });
  it('shrd word by 16 gives the source', () => {
    // shrd ax, bx, cl
    run('66 0f ad d8').set({ eax: 0xabcd, ebx: 0x8234, ecx: 0x10 }).go()
      .expect({ eax: 0x8234, cf: 1, pf: 0, af: 0, zf: 0, sf: 1, of: 1 });
  });
  it('shrd memory word by imm8', () => {
    // shrd word [0x100010], bx, 4
    run('66 0f ac 1d 10 00 10 00 04').set({ ebx: 0xf }).mem32(0x100000, 0x0, 0x0, 0x0, 0x0, 0x12345678, 0x11223344, 0x0, 0x0).go()
      .expect({ cf: 1, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }).expectMem32(0x100010, 0x1234f567).cycles(3);
  });
});

// A read-modify-write whose write faults must leave EFLAGS as they were: rcl/rcr consume
// CF, and the instruction restarts after the page-fault handler fixes the mapping (COW).
describe('restart after a #PF on the write', () => {
  /** Paging and CR0.WP on; the page at 0x100000 is present but read-only. */
  const readOnlyPage = (r: InsnRunner): InsnRunner => identityPaging(r, { readOnly: [0x100000], wp: true });

  it('rcl keeps CF, memory and EIP when the write faults', () => {
    // rcl dword [0x100010], 1
    // Unfaulted it would give CF = 0, OF = 1.
    const r = readOnlyPage(run('d1 15 10 00 10 00').set({ eflags: 0x0d5 }).mem32(0x100010, 0x40000000)).go();
    r.expectFault(14, 3).expect({ eip: 0x1000, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 0 }).expectMem32(0x100010, 0x40000000);
    expect(r.mmu.cr2).toBe(0x100010);
  });
  it('shld keeps every flag when the write faults', () => {
    // shld dword [0x100010], ebx, cl
    // Unfaulted it would give 0x0000000f with CF = 1, PF = 1.
    const r = readOnlyPage(run('0f a5 1d 10 00 10 00').set({ ebx: 0xffffffff, ecx: 4, eflags: 0x0 }).mem32(0x100010, 0xf0000000)).go();
    r.expectFault(14, 3).expect({ cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).expectMem32(0x100010, 0xf0000000);
  });
  it('a shift by 0 still writes its memory operand (the host faults too)', () => {
    // shl dword [0x100010], cl
    readOnlyPage(run('d3 25 10 00 10 00').set({ ecx: 0 })).go().expectFault(14, 3);
  });
});
