// Miscellaneous instructions: flag instructions, lahf/sahf, salc, cpuid, rdtsc, ud2,
// fwait, nop forms.

import { describe, expect, it } from 'vitest';
import { CODE_BASE, run } from './helpers/insn-runner.js';
import { CR0_EM, CR0_ET, CR0_MP, CR0_PE, CR0_TS, CR4_TSD } from '../src/cpu/constants.js';
import { CPUID_FEATURES_EDX, CPUID_SIGNATURE } from '../src/cpu/ops/misc.js';

describe('flag instructions', () => {
  it('clc / stc / cmc change CF only (2 cycles)', () => {
    run('f9').set({ cf: 0, zf: 1 }).go().expect({ cf: 1, zf: 1 }).cycles(2);
    run('f8').set({ cf: 1, sf: 1 }).go().expect({ cf: 0, sf: 1 }).cycles(2);
    run('f5').set({ cf: 1 }).go().expect({ cf: 0 }).cycles(2);
    run('f5').set({ cf: 0 }).go().expect({ cf: 1 });
  });
  it('cmc after a lazily-flagged add keeps the other flags', () => {
    // add eax, ebx (CF=1, ZF=1, AF=1); cmc
    run('01 d8 f5').set({ eax: 0xffffffff, ebx: 1 }).go().expect({ cf: 0, zf: 1, af: 1, sf: 0, of: 0, pf: 1 });
    // add; stc; then adc uses the new CF
    run('01 d8 f9 11 c8').set({ eax: 1, ebx: 1, ecx: 0 }).go().expect({ eax: 3 });
  });
  it('cld / std', () => {
    run('fd').set({ df: 0 }).go().expect({ df: 1 }).cycles(2);
    run('fc').set({ df: 1 }).go().expect({ df: 0 }).cycles(2);
  });
});

describe('lahf / sahf', () => {
  it('lahf loads SF ZF AF PF CF with bit 1 set', () => {
    run('9f').set({ eflags: 0xd5 | 0x800, eax: 0x12340000 }).go().expect({ eax: 0x1234d700 }).cycles(3);
    run('9f').set({ eflags: 0, eax: 0 }).go().expect({ ah: 0x02 });
  });
  it('lahf materializes lazy flags', () => {
    run('31 c0 9f').go().expect({ ah: 0x46 }); // xor eax,eax: ZF PF
  });
  it('sahf stores them, leaving OF and ignoring bits 1, 3, 5', () => {
    run('9e').set({ eax: 0xff00, of: 1 }).go().expect({ cf: 1, pf: 1, af: 1, zf: 1, sf: 1, of: 1 }).cycles(2);
    run('9e').set({ eax: 0x2a00, eflags: 0xed5 }).go().expectNoFault().expect({ cf: 0, pf: 0, af: 0, zf: 0, sf: 0, of: 1, eflags: 0xe02 });
  });
});

describe('salc', () => {
  it('sets AL from CF', () => {
    run('d6').set({ eax: 0x12345600, cf: 1 }).go().expect({ eax: 0x123456ff, cf: 1 });
    run('d6').set({ eax: 0x123456aa, cf: 0 }).go().expect({ eax: 0x12345600 });
  });
});

describe('cpuid', () => {
  it('leaf 0: max leaf 1, GenuineIntel', () => {
    const r = run('0f a2').set({ eax: 0 }).go().cycles(14);
    expect(r.reg('eax')).toBe(1);
    const vendor = [r.reg('ebx'), r.reg('edx'), r.reg('ecx')]
      .map((v) => String.fromCharCode(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24)).join('');
    expect(vendor).toBe('GenuineIntel');
  });
  it('leaf 1: family 6 (i686), FPU, no MMX/SSE/FXSR; TSC, CX8, CMOV, PSE, PGE', () => {
    const r = run('0f a2').set({ eax: 1, ebx: 9, ecx: 9 }).go().expect({ eax: CPUID_SIGNATURE, ebx: 0, ecx: 0 });
    const edx = r.reg('edx');
    expect(edx).toBe(CPUID_FEATURES_EDX);
    expect((r.reg('eax') >> 8) & 0xf).toBe(6);
    const bit = (n: number) => (edx >>> n) & 1;
    expect(bit(0)).toBe(1); // FPU
    expect([bit(1), bit(23), bit(24), bit(25), bit(26)]).toEqual([0, 0, 0, 0, 0]); // VME MMX FXSR SSE SSE2
    expect([bit(3), bit(4), bit(8), bit(13), bit(15)]).toEqual([1, 1, 1, 1, 1]); // PSE TSC CX8 PGE CMOV
  });
  it('leaves beyond the maximum (basic or extended) return leaf 1', () => {
    run('0f a2').set({ eax: 2 }).go().expect({ eax: CPUID_SIGNATURE, edx: CPUID_FEATURES_EDX });
    run('0f a2').set({ eax: 0x80000000 }).go().expect({ eax: CPUID_SIGNATURE });
  });
});

describe('rdtsc', () => {
  it('EDX:EAX = the cycle counter, this instruction included', () => {
    const r = run('0f 31');
    r.cpu.cycles = 2 ** 32 * 3 + 100;
    r.go().expect({ eax: 120, edx: 3 }).cycles(20);
  });
  it('#GP(0) at CPL 3 with CR4.TSD, allowed at CPL 0', () => {
    const r = run('0f 31');
    r.cpu.mmu.setCr4(CR4_TSD);
    r.cpu.setCpl(3);
    r.go().expectFault(13, 0);
    const k = run('0f 31');
    k.cpu.mmu.setCr4(CR4_TSD);
    k.go().expectNoFault();
  });
});

describe('ud2 / fwait / nop', () => {
  it('ud2 raises #UD at itself', () => {
    const r = run('0f 0b').go().expectFault(6);
    expect(r.fault!.eip).toBe(CODE_BASE);
  });
  it('fwait: #NM only with CR0.MP and CR0.TS', () => {
    const r = run('9b');
    r.cpu.mmu.setCr0(CR0_PE | CR0_ET | CR0_MP | CR0_TS);
    r.go().expectFault(7);
    const q = run('9b');
    q.cpu.mmu.setCr0(CR0_PE | CR0_ET | CR0_EM | CR0_TS);
    q.go().expectNoFault().expect({ eip: CODE_BASE + 1 }).cycles(1);
  });
  it('nop, pause and the multi-byte nop do nothing, and touch no memory', () => {
    run('90').go().expect({ eip: CODE_BASE + 1 }).cycles(1);
    run('f3 90').go().expect({ eip: CODE_BASE + 2 }).cycles(1);
    run('0f 1f 80 78 56 34 12').set({ eax: 0x7ff00000 }).go().expectNoFault().expect({ eip: CODE_BASE + 7 }).cycles(1);
    run('66 0f 1f 44 00 00').go().expect({ eip: CODE_BASE + 6 });
    run('0f 1f c0').go().expect({ eip: CODE_BASE + 3 });
  });
  it('the hint-NOP space 0f 18-0f 1f /r and endbr32 (f3 0f 1e fb) do nothing and touch no memory', () => {
    run('0f 1f 08').set({ eax: 0x7ff00000 }).go().expectNoFault().expect({ eip: CODE_BASE + 3 }).cycles(1);
    run('f3 0f 1e fb').go().expectNoFault().expect({ eip: CODE_BASE + 4 });
    for (let op = 0x18; op <= 0x1f; op++) {
      run(`0f ${op.toString(16)} 80 78 56 34 12`).set({ eax: 0x7ff00000 }).go().expectNoFault().expect({ eip: CODE_BASE + 7 });
    }
  });
  it('0f 0d (not a hint NOP on this CPU) is #UD', () => {
    run('0f 0d 08').go().expectFault(6);
  });
});
