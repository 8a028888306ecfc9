// Near control transfers: jcc, jmp, call, ret, loop/loope/loopne, jecxz/jcxz — targets,
// pushed return addresses, 16-bit operand and address sizes, cycles, the CS limit, and
// restart after a fault.

import { describe, expect, it } from 'vitest';
import { DATA_BASE, STACK_TOP, run, type InsnRunner } from './helpers/insn-runner.js';
import { SEG_CS } from '../src/cpu/constants.js';
import { identityPaging } from './helpers/identity-paging.js';
import { SEGATTR_DB } from '../src/cpu/cpu.js';

const D = DATA_BASE;
const S = STACK_TOP;

/** A 64 KiB code segment (limit 0xffff). */
function smallCs(r: InsnRunner): InsnRunner {
  r.cpu.setSegCache(SEG_CS, 0x08, 0, 0xffff, 0x9b | SEGATTR_DB);
  return r;
}

describe('jcc / jmp', () => {
  it('jcc taken 3 cycles, not taken 1', () => {
    run('74 10').set({ zf: 1 }).go().expect({ eip: 0x1012 }).cycles(3);
    run('74 10').set({ zf: 0 }).go().expect({ eip: 0x1002 }).cycles(1);
    run('0f 8c 00 01 00 00').set({ sf: 1, of: 0 }).go().expect({ eip: 0x1106 });
  });
  it('jmp rel8 / rel32', () => {
    run('eb 10').go().expect({ eip: 0x1012 }).cycles(3);
    run('e9 00 01 00 00').go().expect({ eip: 0x1105 });
    run('eb fe').go(3).expect({ eip: 0x1000 }); // jmp $
  });
  it('jmp r/m32 and r/m16', () => {
    run('ff e0').set({ eax: 0x3000 }).go().expect({ eip: 0x3000 }).cycles(5);
    run('ff 23').mem32(D, 0x4000).set({ ebx: D }).go().expect({ eip: 0x4000 });
    run('66 ff e0').set({ eax: 0x12343000 }).go().expect({ eip: 0x3000 });
  });
  it('a target beyond the CS limit is #GP(0) at the branch', () => {
    const r = smallCs(run('ff e0')).set({ eax: 0x10000 });
    r.go().expectFault(13, 0);
    expect(r.fault!.eip).toBe(0x1000);
    smallCs(run('74 10')).set({ zf: 0 }).go().expectNoFault().expect({ eip: 0x1002 });
  });
});

describe('call', () => {
  it('call rel32 pushes the next EIP', () => {
    run('e8 00 01 00 00').go().expect({ eip: 0x1105, esp: S - 4 }).expectMem32(S - 4, 0x1005).cycles(3);
  });
  it('call rel16 pushes a word and truncates EIP', () => {
    const r = run('66 e8 00 01').go().expect({ eip: 0x1104, esp: S - 2 });
    expect(r.mmu.readPhys16(S - 2)).toBe(0x1004);
  });
  it('call r/m32, with the operand read before the push', () => {
    run('ff d0').set({ eax: 0x2000 }).go().expect({ eip: 0x2000, esp: S - 4 }).expectMem32(S - 4, 0x1002).cycles(5);
    run('ff 14 24').mem32(S, 0x3000).go().expect({ eip: 0x3000 }).expectMem32(S - 4, 0x1003);
  });
  it('call r/m16', () => {
    const r = run('66 ff d0').set({ eax: 0x12345678 }).go().expect({ eip: 0x5678, esp: S - 2 });
    expect(r.mmu.readPhys16(S - 2)).toBe(0x1003);
  });
  it('a call whose push faults leaves ESP and EIP', () => {
    const r = identityPaging(run('e8 00 01 00 00'), { absent: [S - 0x1000] });
    r.go().expectFault(14, 2).expect({ esp: S });
    expect(r.fault!.eip).toBe(0x1000);
    expect(r.cpu.mmu.cr2).toBe(S - 4);
  });
  it('a call through a faulting pointer pushes nothing', () => {
    const r = identityPaging(run('ff 13'), { absent: [D] }).set({ ebx: D });
    r.go().expectFault(14, 0).expect({ esp: S });
  });
});

describe('ret', () => {
  it('ret pops EIP', () => {
    run('c3').mem32(S, 0x2000).go().expect({ eip: 0x2000, esp: S + 4 }).cycles(5);
  });
  it('ret imm16 releases the arguments', () => {
    run('c2 08 00').mem32(S, 0x2000).go().expect({ eip: 0x2000, esp: S + 12 }).cycles(5);
  });
  it('16-bit ret pops a word', () => {
    run('66 c3').mem(S, '00 30 ff ff').go().expect({ eip: 0x3000, esp: S + 2 });
    run('66 c2 04 00').mem(S, '00 30').go().expect({ eip: 0x3000, esp: S + 6 });
  });
  it('a ret whose read faults leaves ESP', () => {
    identityPaging(run('c3'), { absent: [S] }).go().expectFault(14, 0).expect({ esp: S });
  });
  it('a ret beyond the CS limit is #GP(0) with ESP unchanged', () => {
    const r = smallCs(run('c3')).mem32(S, 0x20000);
    r.go().expectFault(13, 0).expect({ esp: S });
  });
  it('call and ret round-trip', () => {
    // call f; inc eax; jmp out; f: inc eax; ret
    run('e8 03 00 00 00 40 eb 10 40 c3').set({ eax: 0 }).go().expect({ eax: 2, esp: S, eip: 0x1018 }).cycles(3 + 1 + 5 + 1 + 3);
  });
});

describe('loop / loope / loopne', () => {
  it('loop counts ECX down to zero', () => {
    // mov ecx, 5; xor eax, eax; l: inc eax; loop l
    run('b9 05 00 00 00 31 c0 40 e2 fd').go().expect({ eax: 5, ecx: 0 }).cycles(1 + 1 + 5 + 4 * 7 + 6);
  });
  it('loop with ECX=0 wraps and jumps', () => {
    run('e2 10').set({ ecx: 0 }).go().expect({ ecx: 0xffffffff, eip: 0x1012 });
  });
  it('loop leaves the flags alone', () => {
    run('e2 10').set({ ecx: 1, zf: 0, cf: 1 }).go().expect({ ecx: 0, zf: 0, cf: 1, eip: 0x1002 }).cycles(6);
  });
  it('with 0x67 it counts CX', () => {
    run('67 e2 10').set({ ecx: 0x00010001 }).go().expect({ ecx: 0x00010000, eip: 0x1003 });
    run('67 e2 10').set({ ecx: 0x00010000 }).go().expect({ ecx: 0x0001ffff, eip: 0x1013 });
  });
  it('loope / loopne also test ZF', () => {
    run('e1 10').set({ ecx: 5, zf: 1 }).go().expect({ ecx: 4, eip: 0x1012 }).cycles(9);
    run('e1 10').set({ ecx: 5, zf: 0 }).go().expect({ ecx: 4, eip: 0x1002 }).cycles(6);
    run('e0 10').set({ ecx: 5, zf: 0 }).go().expect({ ecx: 4, eip: 0x1012 }).cycles(9);
    run('e0 10').set({ ecx: 5, zf: 1 }).go().expect({ ecx: 4, eip: 0x1002 });
    run('e0 10').set({ ecx: 1, zf: 0 }).go().expect({ ecx: 0, eip: 0x1002 });
  });
  it('a loop to a target beyond the CS limit faults before ECX changes', () => {
    const r = run('e2 10').set({ ecx: 3 });
    r.cpu.setSegCache(SEG_CS, 0x08, 0, 0x1005, 0x9b | SEGATTR_DB);
    r.go().expectFault(13, 0).expect({ ecx: 3 });
  });
});

describe('jecxz / jcxz', () => {
  it('jumps when ECX is zero', () => {
    run('e3 10').set({ ecx: 0 }).go().expect({ eip: 0x1012 }).cycles(8);
    run('e3 10').set({ ecx: 0x10000 }).go().expect({ eip: 0x1002 }).cycles(5);
  });
  it('jcxz (0x67) tests CX only', () => {
    run('67 e3 10').set({ ecx: 0x10000 }).go().expect({ eip: 0x1013 });
    run('67 e3 10').set({ ecx: 1 }).go().expect({ eip: 0x1003 });
  });
});
