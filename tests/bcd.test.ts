// Decimal adjusts (src/cpu/ops/bcd.ts). Expected values, undefined flags included, are
// what the host Intel CPU produced for the same instruction and inputs (32-bit programs
// run natively).

import { describe, it } from 'vitest';
import { run } from './helpers/insn-runner.js';

describe('daa', () => {
  it('after 0x79 + 0x35 = 0xae: 0x14 with carry', () => {
    // daa
    run('27').set({ eax: 0xae }).go()
      .expect({ eax: 0x14, cf: 1, pf: 1, af: 1, zf: 0, sf: 0, of: 0 }).cycles(2);
  });
  it('low digit adjust from AF', () => {
    // daa
    run('27').set({ eax: 0x12, eflags: 0x10 }).go()
      .expect({ eax: 0x18, cf: 0, pf: 1, af: 1, zf: 0, sf: 0, of: 0 });
  });
  it('high digit adjust from CF', () => {
    // daa
    run('27').set({ eax: 0x12, eflags: 0x1 }).go()
      .expect({ eax: 0x72, cf: 1, pf: 1, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('0x9a becomes 0x00 with carry', () => {
    // daa
    run('27').set({ eax: 0x1234569a }).go()
      .expect({ eax: 0x12345600, cf: 1, pf: 1, af: 1, zf: 1, sf: 0, of: 0 });
  });
  it('valid BCD is unchanged (flags from AL)', () => {
    // daa
    run('27').set({ eax: 0x99, eflags: 0x800 }).go()
      .expect({ eax: 0x99, cf: 0, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('sign and overflow', () => {
    // daa
    run('27').set({ eax: 0x7a }).go()
      .expect({ eax: 0x80, cf: 0, pf: 0, af: 1, zf: 0, sf: 1, of: 0 });
  });
});

describe('das', () => {
  it('after 0x35 - 0x47 = 0xee (borrow): 0x88', () => {
    // das
    run('2f').set({ eax: 0xee, eflags: 0x11 }).go()
      .expect({ eax: 0x88, cf: 1, pf: 1, af: 1, zf: 0, sf: 1, of: 0 }).cycles(2);
  });
  it('low digit adjust', () => {
    // das
    run('2f').set({ eax: 0xb }).go()
      .expect({ eax: 0x5, cf: 0, pf: 1, af: 1, zf: 0, sf: 0, of: 0 });
  });
  it('AF with AL < 6 borrows into CF', () => {
    // das
    run('2f').set({ eax: 0x3, eflags: 0x10 }).go()
      .expect({ eax: 0xfd, cf: 1, pf: 0, af: 1, zf: 0, sf: 1, of: 0 });
  });
  it('high digit adjust from CF', () => {
    // das
    run('2f').set({ eax: 0x50, eflags: 0x1 }).go()
      .expect({ eax: 0xf0, cf: 1, pf: 1, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('valid BCD is unchanged', () => {
    // das
    run('2f').set({ eax: 0x42, eflags: 0x8d4 }).go()
      .expect({ eax: 0x3c, cf: 0, pf: 1, af: 1, zf: 0, sf: 0, of: 0 });
  });
});

describe('aaa', () => {
  it('adjusts AL > 9 and carries into AH', () => {
    // aaa
    run('37').set({ eax: 0x50c }).go()
      .expect({ eax: 0x602, cf: 1, pf: 0, af: 1, zf: 0, sf: 0, of: 0 }).cycles(3);
  });
  it('AX + 0x106 carries from AL into AH', () => {
    // aaa
    run('37').set({ eax: 0xfa }).go()
      .expect({ eax: 0x200, cf: 1, pf: 1, af: 1, zf: 1, sf: 0, of: 0 });
  });
  it('AF forces the adjust', () => {
    // aaa
    run('37').set({ eax: 0x103, eflags: 0x10 }).go()
      .expect({ eax: 0x209, cf: 1, pf: 1, af: 1, zf: 0, sf: 0, of: 0 });
  });
  it('no adjust clears AF and CF, masks AL', () => {
    // aaa
    run('37').set({ eax: 0x2f9, eflags: 0x8d5 }).go()
      .expect({ eax: 0x30f, cf: 1, pf: 1, af: 1, zf: 0, sf: 0, of: 0 });
  });
  it('AH wraps', () => {
    // aaa
    run('37').set({ eax: 0xabcdff0b }).go()
      .expect({ eax: 0xabcd0001, cf: 1, pf: 0, af: 1, zf: 0, sf: 0, of: 0 });
  });
});

describe('aas', () => {
  it('adjusts AL > 9 and borrows from AH', () => {
    // aas
    run('3f').set({ eax: 0x50c }).go()
      .expect({ eax: 0x406, cf: 1, pf: 1, af: 1, zf: 0, sf: 0, of: 0 }).cycles(3);
  });
  it('AX - 6 borrows from AL into AH as well', () => {
    // aas
    run('3f').set({ eax: 0x203, eflags: 0x10 }).go()
      .expect({ eax: 0xd, cf: 1, pf: 0, af: 1, zf: 0, sf: 0, of: 0 });
  });
  it('no adjust masks AL', () => {
    // aas
    run('3f').set({ eax: 0x2f9, eflags: 0x8d5 }).go()
      .expect({ eax: 0x103, cf: 1, pf: 1, af: 1, zf: 0, sf: 0, of: 0 });
  });
  it('AH wraps', () => {
    // aas
    run('3f').set({ eax: 0x1234000f }).go()
      .expect({ eax: 0x1234ff09, cf: 1, pf: 1, af: 1, zf: 0, sf: 0, of: 0 });
  });
});

describe('aam', () => {
  it('splits AL into decimal digits', () => {
    // aam
    run('d4 0a').set({ eax: 0x1234003f }).go()
      .expect({ eax: 0x12340603, cf: 0, pf: 1, af: 0, zf: 0, sf: 0, of: 0 }).cycles(15);
  });
  it('base 16 splits nibbles', () => {
    // aam 16
    run('d4 10').set({ eax: 0xa7, eflags: 0x8d5 }).go()
      .expect({ eax: 0xa07, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('zero result', () => {
    // aam
    run('d4 0a').set({ eax: 0xff00 }).go()
      .expect({ eax: 0x0, cf: 0, pf: 1, af: 0, zf: 1, sf: 0, of: 0 });
  });
  it('sign from AL', () => {
    // aam 200
    run('d4 c8').set({ eax: 0xff }).go()
      .expect({ eax: 0x137, cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 0 });
  });
  it('base 0 raises #DE', () => {
    // aam 0
    run('d4 00').set({ eax: 0x1234 }).go()
      .expectFault(0).expect({ eax: 0x1234, eip: 0x1000 });
  });
});

describe('aad', () => {
  it('joins AH:AL decimal digits', () => {
    // aad
    run('d5 0a').set({ eax: 0x12340605 }).go()
      .expect({ eax: 0x12340041, cf: 0, pf: 1, af: 1, zf: 0, sf: 0, of: 0 }).cycles(14);
  });
  it('flags as an add of AL and AH * base (carry)', () => {
    // aad
    run('d5 0a').set({ eax: 0x1919 }).go()
      .expect({ eax: 0x13, cf: 1, pf: 0, af: 1, zf: 0, sf: 0, of: 0 });
  });
  it('flags as an add (overflow)', () => {
    // aad
    run('d5 0a').set({ eax: 0xc0f }).go()
      .expect({ eax: 0x87, cf: 0, pf: 1, af: 1, zf: 0, sf: 1, of: 1 });
  });
  it('base 0 gives AL', () => {
    // aad 0
    run('d5 00').set({ eax: 0xff80, eflags: 0x8d5 }).go()
      .expect({ eax: 0x80, cf: 0, pf: 0, af: 0, zf: 0, sf: 1, of: 0 });
  });
  it('base 0xff', () => {
    // aad 0xff
    run('d5 ff').set({ eax: 0x2ff }).go()
      .expect({ eax: 0xfd, cf: 1, pf: 0, af: 1, zf: 0, sf: 1, of: 0 });
  });
});
