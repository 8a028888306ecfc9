import { describe, it } from 'vitest';
import { run } from './helpers/insn-runner.js';
import { identityPaging } from './helpers/identity-paging.js';

describe('add', () => {
  it('adds registers and sets flags', () => {
    run('01 d8').set({ eax: 1, ebx: 2 }).go().expect({ eax: 3, cf: 0, zf: 0, sf: 0, of: 0, pf: 1, af: 0 }).cycles(1);
  });
  it('carries out of bit 31', () => {
    run('01 d8').set({ eax: 0xffffffff, ebx: 1 }).go().expect({ eax: 0, cf: 1, zf: 1, sf: 0, of: 0, af: 1, pf: 1 });
  });
  it('overflows at 0x7fffffff + 1', () => {
    run('01 d8').set({ eax: 0x7fffffff, ebx: 1 }).go().expect({ eax: 0x80000000, cf: 0, of: 1, sf: 1, zf: 0 });
  });
  it('carries out of bit 7 for byte adds', () => {
    run('00 d8').set({ eax: 0x12345680, ebx: 0x80 }).go().expect({ eax: 0x12345600, cf: 1, of: 1, zf: 1 });
  });
  it('carries out of bit 15 for word adds', () => {
    run('66 01 d8').set({ eax: 0x1234ffff, ebx: 1 }).go().expect({ eax: 0x12340000, cf: 1, zf: 1, af: 1 });
  });
});

describe('inc/dec', () => {
  it('dec keeps CF', () => {
    run('49').set({ ecx: 1, cf: 1 }).go().expect({ ecx: 0, cf: 1, zf: 1 });
  });
  it('inc overflows at 0x7fffffff', () => {
    run('40').set({ eax: 0x7fffffff }).go().expect({ eax: 0x80000000, of: 1, sf: 1, af: 1 });
  });
});

describe('adc/sbb', () => {
  it('adc adds the carry', () => {
    run('11 d8').set({ eax: 0xffffffff, ebx: 0, cf: 1 }).go().expect({ eax: 0, cf: 1, zf: 1 });
  });
  it('sbb subtracts the borrow', () => {
    run('19 d8').set({ eax: 0, ebx: 0, cf: 1 }).go().expect({ eax: 0xffffffff, cf: 1, sf: 1 });
  });
});

describe('loop', () => {
  it('counts down with dec/jnz', () => {
    // mov ecx, 10; xor eax, eax; l: add eax, ecx; dec ecx; jnz l
    run('b9 0a 00 00 00 31 c0 01 c8 49 75 fb').go().expect({ eax: 55, ecx: 0, zf: 1 });
  });
});

describe('dec overflow', () => {
  it('dec 0x80000000 sets OF (32-bit)', () => {
    run('48').set({ eax: 0x80000000 }).go().expect({ eax: 0x7fffffff, of: 1, sf: 0, af: 1 });
  });
  it('dec 0x80 sets OF (8-bit)', () => {
    run('fe c8').set({ eax: 0x80 }).go().expect({ al: 0x7f, of: 1 });
  });
});

describe('read-modify-write on a read-only page', () => {
  it('faults with W=1 before changing the flags (restartable)', () => {
    // Identity-map 2 MiB with the page at 0x20000 read-only; adc [0x20000], eax.
    const r = identityPaging(run('11 05 00 00 02 00'), { readOnly: [0x20000], wp: true });
    r.mem32(0x20000, 0x7fffffff);
    r.set({ eax: 0, cf: 1, sf: 0, of: 0 }).go();
    r.expectFault(14, 3).expect({ cf: 1, sf: 0, of: 0, eip: 0x1000 });
    r.expectMem32(0x20000, 0x7fffffff);
  });
});
