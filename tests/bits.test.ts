// Bit instructions (src/cpu/ops/bits.ts). Expected values, undefined flags included,
// are what the host Intel CPU produced for the same instruction and inputs (32-bit
// programs run natively). Memory operands live at 0x100010 within eight dwords at
// 0x100000, so bit-string offsets can reach before and after the operand.

import { describe, expect, it } from 'vitest';
import { run, type InsnRunner } from './helpers/insn-runner.js';
import { identityPaging } from './helpers/identity-paging.js';

/** Assert the eight dwords at 0x100000 (the bit string around the operand). */
function expectWords(r: InsnRunner, ...words: number[]): void {
  expect(words.map((_, k) => r.read32(0x100000 + 4 * k))).toEqual(words.map((w) => w >>> 0));
}

describe('bt/bts/btr/btc (register operand)', () => {
  it('bt copies the bit into CF and keeps the other flags', () => {
    // bt eax, ebx
    run('0f a3 d8').set({ eax: 0x80000000, ebx: 0x1f, eflags: 0x8d4 }).go()
      .expect({ eax: 0x80000000, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }).cycles(3);
  });
  it('bt register offset is taken mod 32', () => {
    // bt eax, ebx
    run('0f a3 d8').set({ eax: 0x80000000, ebx: 0x3f }).go()
      .expect({ eax: 0x80000000, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('bt word offset is taken mod 16', () => {
    // bt ax, bx
    run('66 0f a3 d8').set({ eax: 0x2, ebx: 0xffff0011 }).go()
      .expect({ eax: 0x2, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('bt imm8', () => {
    // bt eax, 5
    run('0f ba e0 05').set({ eax: 0x20, eflags: 0xc4 }).go()
      .expect({ eax: 0x20, cf: 1, pf: 1, af: 0, zf: 1, sf: 1, of: 0 }).cycles(3);
  });
  it('bts sets the bit', () => {
    // bts eax, ebx
    run('0f ab d8').set({ eax: 0x0, ebx: 0x1f, eflags: 0x801 }).go()
      .expect({ eax: 0x80000000, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).cycles(6);
  });
  it('btr clears the bit', () => {
    // btr eax, 0
    run('0f ba f0 00').set({ eax: 0xffffffff }).go()
      .expect({ eax: 0xfffffffe, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(6);
  });
  it('btc flips the bit', () => {
    // btc eax, ebx
    run('0f bb d8').set({ eax: 0x10000, ebx: 0x10 }).go()
      .expect({ eax: 0x0, cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('btc word with an imm8 taken mod 16', () => {
    // btc cx, 17
    run('66 0f ba f9 11').set({ ecx: 0xffff0000 }).go()
      .expect({ ecx: 0xffff0002, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
});

describe('bt/bts/btr/btc (memory bit string)', () => {
  it('bt inside the dword', () => {
    // bt dword [0x100010], ebx
    const r = run('0f a3 1d 10 00 10 00').set({ ebx: 0x4 }).mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(8);
    expectWords(r, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777);
  });
  it('bt with offset 35 reads the next dword', () => {
    // bt dword [0x100010], ebx
    const r = run('0f a3 1d 10 00 10 00').set({ ebx: 0x23 }).mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
    expectWords(r, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777);
  });
  it('bt with offset -1 reads bit 31 of the previous dword', () => {
    // bt dword [0x100010], ebx
    const r = run('0f a3 1d 10 00 10 00').set({ ebx: 0xffffffff }).mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
    expectWords(r, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777);
  });
  it('bts with offset -32 sets bit 0 of the previous dword', () => {
    // bts dword [0x100010], ebx
    const r = run('0f ab 1d 10 00 10 00').set({ ebx: 0xffffffe0 }).mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(13);
    expectWords(r, 0x11111111, 0x22222222, 0x33333333, 0x80000001, 0xf0f0, 0x8, 0x66666666, 0x77777777);
  });
  it('btr with offset 64 + 3 clears bit 3 two dwords on', () => {
    // btr dword [0x100010], ebx
    const r = run('0f b3 1d 10 00 10 00').set({ ebx: 0x43 }).mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
    expectWords(r, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777);
  });
  it('btc with offset -128 reaches 16 bytes back', () => {
    // btc dword [0x100010], ebx
    const r = run('0f bb 1d 10 00 10 00').set({ ebx: 0xffffff80 }).mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
    expectWords(r, 0x11111110, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777);
  });
  it('bts word with a negative 16-bit offset', () => {
    // bts word [0x100010], bx
    const r = run('66 0f ab 1d 10 00 10 00').set({ ebx: 0x1234ffef }).mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
    expectWords(r, 0x11111111, 0x22222222, 0x33333333, 0x80008000, 0xf0f0, 0x8, 0x66666666, 0x77777777);
  });
  it('btr word with offset 20 reads the next word', () => {
    // btr word [0x100010], bx
    const r = run('66 0f b3 1d 10 00 10 00').set({ ebx: 0x14 }).mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
    expectWords(r, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777);
  });
  it('bt imm8 is taken mod 32, never outside the dword', () => {
    // bt dword [0x100010], 35
    const r = run('0f ba 25 10 00 10 00 23').mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(3);
    expectWords(r, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777);
  });
  it('bts imm8 on memory', () => {
    // bts dword [0x100010], 31
    const r = run('0f ba 2d 10 00 10 00 1f').mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(8);
    expectWords(r, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0x8000f0f0, 0x8, 0x66666666, 0x77777777);
  });
  it('btc word imm8 is taken mod 16', () => {
    // btc word [0x100010], 20
    const r = run('66 0f ba 3d 10 00 10 00 14').mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ cf: 1, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
    expectWords(r, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0e0, 0x8, 0x66666666, 0x77777777);
  });
});

describe('bsf/bsr', () => {
  it('bsf finds the lowest set bit', () => {
    // bsf eax, ebx
    run('0f bc c3').set({ eax: 0x12345678, ebx: 0x10100, eflags: 0x8d5 }).go()
      .expect({ eax: 0x8, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(16);
  });
  it('bsf of bit 31', () => {
    // bsf eax, ebx
    run('0f bc c3').set({ ebx: 0x80000000 }).go()
      .expect({ eax: 0x1f, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(42);
  });
  it('bsf of 1 writes 0 (PF = parity of 0)', () => {
    // bsf eax, ebx
    run('0f bc c3').set({ eax: 0xffffffff, ebx: 0x1 }).go()
      .expect({ eax: 0x0, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }).cycles(7);
  });
  it('bsf of 0: ZF = 1, destination unchanged', () => {
    // bsf eax, ebx
    run('0f bc c3').set({ eax: 0x12345678, ebx: 0x0, eflags: 0x8d5 }).go()
      .expect({ eax: 0x12345678, cf: 0, pf: 1, af: 0, zf: 1, sf: 0, of: 0 }).cycles(6);
  });
  it('bsr finds the highest set bit', () => {
    // bsr eax, ebx
    run('0f bd c3').set({ ebx: 0x10100 }).go()
      .expect({ eax: 0x10, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).cycles(54);
  });
  it('bsr of 1 scans all 32 bits', () => {
    // bsr eax, ebx
    run('0f bd c3').set({ ebx: 0x1 }).go()
      .expect({ eax: 0x0, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }).cycles(103);
  });
  it('bsr of 0: ZF = 1, destination unchanged', () => {
    // bsr eax, ebx
    run('0f bd c3').set({ eax: 0xdeadbeef, ebx: 0x0 }).go()
      .expect({ eax: 0xdeadbeef, cf: 0, pf: 1, af: 0, zf: 1, sf: 0, of: 0 });
  });
  it('bsf word', () => {
    // bsf ax, bx
    run('66 0f bc c3').set({ eax: 0xaaaaaaaa, ebx: 0x55558000 }).go()
      .expect({ eax: 0xaaaa000f, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('bsr word of 0 keeps the whole register', () => {
    // bsr ax, bx
    run('66 0f bd c3').set({ eax: 0xaaaaaaaa, ebx: 0x55550000 }).go()
      .expect({ eax: 0xaaaaaaaa, cf: 0, pf: 1, af: 0, zf: 1, sf: 0, of: 0 });
  });
  it('bsr from memory', () => {
    // bsr ecx, dword [0x100010]
    run('0f bd 0d 10 00 10 00').set({ ecx: 0x0 }).mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ ecx: 0xf, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }).cycles(58);
  });
});

describe('setcc (each condition over flag states)', () => {
  const cases: Array<[string, string, Record<string, number>, Record<string, number>]> = [
    ['seto al, eflags 0x0', '0f 90 c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['seto al, eflags 0x8d5', '0f 90 c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff01, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['seto al, eflags 0x41', '0f 90 c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff00, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['seto al, eflags 0x880', '0f 90 c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['seto al, eflags 0x800', '0f 90 c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['seto al, eflags 0x4', '0f 90 c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff00, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setno al, eflags 0x0', '0f 91 c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setno al, eflags 0x8d5', '0f 91 c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff00, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['setno al, eflags 0x41', '0f 91 c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff01, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['setno al, eflags 0x880', '0f 91 c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['setno al, eflags 0x800', '0f 91 c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['setno al, eflags 0x4', '0f 91 c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff01, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setb al, eflags 0x0', '0f 92 c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setb al, eflags 0x8d5', '0f 92 c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff01, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['setb al, eflags 0x41', '0f 92 c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff01, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['setb al, eflags 0x880', '0f 92 c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['setb al, eflags 0x800', '0f 92 c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['setb al, eflags 0x4', '0f 92 c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff00, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setae al, eflags 0x0', '0f 93 c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setae al, eflags 0x8d5', '0f 93 c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff00, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['setae al, eflags 0x41', '0f 93 c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff00, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['setae al, eflags 0x880', '0f 93 c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['setae al, eflags 0x800', '0f 93 c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['setae al, eflags 0x4', '0f 93 c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff01, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['sete al, eflags 0x0', '0f 94 c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['sete al, eflags 0x8d5', '0f 94 c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff01, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['sete al, eflags 0x41', '0f 94 c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff01, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['sete al, eflags 0x880', '0f 94 c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['sete al, eflags 0x800', '0f 94 c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['sete al, eflags 0x4', '0f 94 c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff00, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setne al, eflags 0x0', '0f 95 c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setne al, eflags 0x8d5', '0f 95 c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff00, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['setne al, eflags 0x41', '0f 95 c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff00, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['setne al, eflags 0x880', '0f 95 c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['setne al, eflags 0x800', '0f 95 c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['setne al, eflags 0x4', '0f 95 c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff01, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setbe al, eflags 0x0', '0f 96 c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setbe al, eflags 0x8d5', '0f 96 c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff01, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['setbe al, eflags 0x41', '0f 96 c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff01, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['setbe al, eflags 0x880', '0f 96 c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['setbe al, eflags 0x800', '0f 96 c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['setbe al, eflags 0x4', '0f 96 c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff00, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['seta al, eflags 0x0', '0f 97 c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['seta al, eflags 0x8d5', '0f 97 c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff00, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['seta al, eflags 0x41', '0f 97 c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff00, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['seta al, eflags 0x880', '0f 97 c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['seta al, eflags 0x800', '0f 97 c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['seta al, eflags 0x4', '0f 97 c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff01, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['sets al, eflags 0x0', '0f 98 c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['sets al, eflags 0x8d5', '0f 98 c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff01, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['sets al, eflags 0x41', '0f 98 c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff00, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['sets al, eflags 0x880', '0f 98 c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['sets al, eflags 0x800', '0f 98 c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['sets al, eflags 0x4', '0f 98 c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff00, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setns al, eflags 0x0', '0f 99 c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setns al, eflags 0x8d5', '0f 99 c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff00, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['setns al, eflags 0x41', '0f 99 c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff01, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['setns al, eflags 0x880', '0f 99 c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['setns al, eflags 0x800', '0f 99 c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['setns al, eflags 0x4', '0f 99 c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff01, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setp al, eflags 0x0', '0f 9a c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setp al, eflags 0x8d5', '0f 9a c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff01, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['setp al, eflags 0x41', '0f 9a c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff00, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['setp al, eflags 0x880', '0f 9a c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['setp al, eflags 0x800', '0f 9a c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['setp al, eflags 0x4', '0f 9a c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff01, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setnp al, eflags 0x0', '0f 9b c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setnp al, eflags 0x8d5', '0f 9b c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff00, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['setnp al, eflags 0x41', '0f 9b c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff01, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['setnp al, eflags 0x880', '0f 9b c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['setnp al, eflags 0x800', '0f 9b c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['setnp al, eflags 0x4', '0f 9b c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff00, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setl al, eflags 0x0', '0f 9c c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setl al, eflags 0x8d5', '0f 9c c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff00, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['setl al, eflags 0x41', '0f 9c c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff00, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['setl al, eflags 0x880', '0f 9c c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['setl al, eflags 0x800', '0f 9c c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['setl al, eflags 0x4', '0f 9c c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff00, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setge al, eflags 0x0', '0f 9d c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setge al, eflags 0x8d5', '0f 9d c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff01, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['setge al, eflags 0x41', '0f 9d c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff01, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['setge al, eflags 0x880', '0f 9d c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['setge al, eflags 0x800', '0f 9d c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['setge al, eflags 0x4', '0f 9d c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff01, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setle al, eflags 0x0', '0f 9e c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setle al, eflags 0x8d5', '0f 9e c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff01, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['setle al, eflags 0x41', '0f 9e c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff01, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['setle al, eflags 0x880', '0f 9e c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['setle al, eflags 0x800', '0f 9e c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['setle al, eflags 0x4', '0f 9e c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff00, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setg al, eflags 0x0', '0f 9f c0', { eax: 0xffffffff, eflags: 0x0 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }],
    ['setg al, eflags 0x8d5', '0f 9f c0', { eax: 0xffffffff, eflags: 0x8d5 }, { eax: 0xffffff00, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }],
    ['setg al, eflags 0x41', '0f 9f c0', { eax: 0xffffffff, eflags: 0x41 }, { eax: 0xffffff00, cf: 1, pf: 0, af: 0, zf: 1, sf: 0, of: 0 }],
    ['setg al, eflags 0x880', '0f 9f c0', { eax: 0xffffffff, eflags: 0x880 }, { eax: 0xffffff01, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 1 }],
    ['setg al, eflags 0x800', '0f 9f c0', { eax: 0xffffffff, eflags: 0x800 }, { eax: 0xffffff00, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }],
    ['setg al, eflags 0x4', '0f 9f c0', { eax: 0xffffffff, eflags: 0x4 }, { eax: 0xffffff01, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }],
  ];
  it.each(cases)('%s', (_name, code, set, want) => {
    run(code).set(set).go().expect(want).cycles(3);
  });
});

describe('setcc', () => {
  it('setl with SF != OF in a high byte register', () => {
    // setl bh
    run('0f 9c c7').set({ ebx: 0x12345678, eflags: 0x800 }).go()
      .expect({ ebx: 0x12340178, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1 }).cycles(3);
  });
  it('setne to memory writes one byte', () => {
    // setne byte [0x100010]
    run('0f 95 05 10 00 10 00').set({ eflags: 0x0 }).mem32(0x100000, 0x11111111, 0x22222222, 0x33333333, 0x80000000, 0xf0f0, 0x8, 0x66666666, 0x77777777).go()
      .expect({ cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 }).expectMem32(0x100010, 0xf001).cycles(4);
  });
});

describe('bswap', () => {
  it('bswap eax', () => {
    // bswap eax
    run('0f c8').set({ eax: 0x12345678, eflags: 0x8d5 }).go()
      .expect({ eax: 0x78563412, cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }).cycles(1);
  });
  it('bswap edi', () => {
    // bswap edi
    run('0f cf').set({ edi: 0x80000001 }).go()
      .expect({ edi: 0x1000080, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('bswap with a 16-bit operand size clears the low word', () => {
    // db 0x66, 0x0f, 0xcb
    run('66 0f cb').set({ ebx: 0xabcdef01 }).go()
      .expect({ ebx: 0xabcd0000, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
});

describe('restart after a #PF on the write', () => {
  it('bts keeps CF and memory when the write faults', () => {
    // bts dword [0x100010], ebx: bit 0 of the dword before the operand
    // The page at 0x100000 is present but read-only, with CR0.WP on.
    const r = run('0f ab 1d 10 00 10 00').set({ ebx: 0xffffffe0, eflags: 0x0 }).mem32(0x10000c, 0x1);
    identityPaging(r, { readOnly: [0x100000], wp: true });
    r.go().expectFault(14, 3).expect({ eip: 0x1000, cf: 0 }).expectMem32(0x10000c, 0x1);
    expect(r.mmu.cr2).toBe(0x10000c);
  });
});
