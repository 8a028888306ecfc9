// The compiled-block tier (src/cpu/jit.ts) against the interpreter: random blocks of the
// instructions it inlines, run once interpreted and once compiled from the same state,
// must end in the same registers, flags, memory, cycles and instruction count — also
// when an access in the middle of the block page-faults.

import { describe, expect, it } from 'vitest';
import { CPU } from '../src/cpu/cpu.js';
import { Mmu } from '../src/mmu/mmu.js';
import { CR0_PE, CR0_PG } from '../src/cpu/constants.js';
import { PTE_P, PTE_U, PTE_W } from '../src/mmu/paging.js';
import { mulberry32 } from './helpers/rng.js';
import { compileBlock, JIT_FAULT } from '../src/cpu/jit.js';
import { FAULT } from '../src/cpu/fault.js';

const CODE = 0x1000;
const DATA = 0x20000;
const PD = 0x3000;
const PT = 0x4000;

const DESTS = [0, 1, 2, 5, 7]; // eax ecx edx ebp edi; ebx and esi address memory
const EDGE = [0, 1, -1, 0x7fffffff, -0x80000000, 0x80, 0xff, 0xffff];

function le32(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
}

/** One random instruction from the inlined set (bytes). */
function randomInsn(r: () => number): number[] {
  const pick = <T>(a: T[]) => a[r() % a.length];
  const dst = pick(DESTS);
  const src = r() % 8 === 4 ? 0 : r() % 8; // never esp as a source of ALU ops
  const aluOp = pick([0, 1, 4, 5, 6, 7]); // add or and sub xor cmp
  const disp = (r() % 32) * 4 + pick([0, 0, 0, 1, 2]); // sometimes unaligned
  const mem = (reg: number) => [0x40 | (reg << 3) | 3, disp]; // [ebx+disp8]
  const sib = (reg: number) => [0x44 | (reg << 3), (2 << 6) | (6 << 3) | 3, disp]; // [ebx+esi*4+disp8]
  const r8 = () => pick([0, 1, 2, 4, 5, 6]); // al cl dl ah ch dh: never bl/bh (ebx addresses memory)
  switch (r() % 22) {
    case 0: return [aluOp * 8 + 1, 0xc0 | (src << 3) | dst]; // op r/m32, r32
    case 1: return [0x81, 0xc0 | (aluOp << 3) | dst, ...le32(pick(EDGE) ^ (r() & 0xff))];
    case 2: return [0x83, 0xc0 | (aluOp << 3) | dst, r() & 0xff];
    case 3: return [aluOp * 8 + 3, ...mem(dst)]; // op r32, [mem]
    case 4: return [aluOp * 8 + 1, ...sib(src === 3 || src === 6 ? 0 : src)]; // op [mem], r32
    case 5: return [0x89, 0xc0 | (src << 3) | dst]; // mov r, r
    case 6: return [0x8b, ...sib(dst)]; // mov r, [mem]
    case 7: return [0x89, ...mem(src)]; // mov [mem], r
    case 8: return [0xb8 + dst, ...le32(pick(EDGE) + (r() & 0xfff))];
    case 9: return [0x40 + dst];
    case 10: return [0x48 + dst];
    case 11: return [0x8d, 0x44 | (dst << 3), (r() % 4 << 6) | (src === 4 ? 0 : src) << 3 | 3, disp]; // lea
    case 12: return [0x85, 0xc0 | (src << 3) | dst]; // test
    case 14: return [0xc6, ...mem(0), r() & 0xff]; // mov byte [mem], imm8
    case 15: return [0x88, ...mem(r() % 8)]; // mov [mem], r8
    case 16: return [0x8a, ...mem(r8())]; // mov r8, [mem]
    case 17: return [0xc6, 0xc0 | r8(), r() & 0xff]; // mov r8, imm8
    case 18: return [0x88, 0xc0 | ((r() % 8) << 3) | r8()]; // mov r8, r8
    case 19: return [pick([0x06, 0x0e, 0x16, 0x1e])]; // push es/cs/ss/ds
    case 20: return [0xb0 + r8(), r() & 0xff]; // mov r8, imm8
    case 21: return [pick([0xfc, 0xfd])]; // cld / std
    default: return [0x50 + src, 0x58 + dst]; // push r; pop r
  }
}

interface Outcome {
  regs: number[];
  eip: number;
  flags: number;
  cycles: number;
  instret: number;
  data: number[];
  fault: number[] | null;
}

function runBlock(code: number[], init: number[], flags: number, jit: boolean, missingPage: number): Outcome {
  const mmu = new Mmu(2 << 20);
  const cpu = new CPU(mmu);
  cpu.jit = jit;
  cpu.jitThreshold = 1;
  mmu.writePhysBytes(CODE, Uint8Array.from([...code, 0xf4]));
  for (let k = 0; k < 64; k++) mmu.writePhys32(DATA + 4 * k, Math.imul(k + 1, 0x9e3779b1));
  // Identity-map the first 2 MiB; optionally leave one page (data or stack) out.
  mmu.writePhys32(PD, PT | PTE_P | PTE_W | PTE_U);
  for (let p = 0; p < 512; p++) {
    const present = p !== missingPage;
    mmu.writePhys32(PT + 4 * p, (p << 12) | (present ? PTE_P | PTE_W | PTE_U : 0));
  }
  mmu.setCr3(PD);
  mmu.setCr0(CR0_PE | CR0_PG);
  init.forEach((v, k) => (cpu.regs[k] = v));
  cpu.regs[3] = DATA;
  cpu.regs[4] = 0x80000;
  cpu.regs[6] = 4;
  cpu.flags = flags | 2;
  cpu.eip = CODE;
  let fault: number[] | null = null;
  cpu.deliver = (vector: number, error: number) => {
    fault = [vector, error, cpu.eip, mmu.cr2];
    cpu.stopRequested = true;
  };
  for (let n = 0; n < 4 && !fault && !cpu.halted; n++) cpu.step(0x7fffffff);
  const data: number[] = [];
  for (let k = 0; k < 64; k++) data.push(mmu.readPhys32(DATA + 4 * k));
  return {
    regs: Array.from(cpu.regs.subarray(0, 8)),
    eip: cpu.eip,
    flags: cpu.getFlags(),
    cycles: cpu.cycles,
    instret: cpu.instret,
    data,
    fault,
  };
}

describe('compiled blocks match the interpreter', () => {
  // no fault; a #PF on the data page; a #PF on the stack page (push, pop, call)
  for (const missingPage of [0, DATA >>> 12, (0x80000 >>> 12) - 1]) {
    it(`random blocks${missingPage === 0 ? '' : missingPage === DATA >>> 12 ? ' with a page fault' : ' with a fault on the stack'}`, () => {
      const r = mulberry32(missingPage === 0 ? 1 : missingPage === DATA >>> 12 ? 2 : 3);
      let compared = 0;
      let faulted = 0;
      for (let n = 0; n < 400; n++) {
        const code: number[] = [];
        const len = 1 + (r() % 12);
        for (let k = 0; k < len; k++) code.push(...randomInsn(r));
        code.push(0x70 + (r() % 16), 0x00); // jcc +0: taken or not shows in the cycles
        const init = Array.from({ length: 8 }, () => (r() % 3 === 0 ? EDGE[r() % EDGE.length] : r() | 0));
        const flags = r() & 0x8d5;
        const interp = runBlock(code, init, flags, false, missingPage);
        const compiled = runBlock(code, init, flags, true, missingPage);
        expect(compiled, `block ${code.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`).toEqual(interp);
        compared++;
        if (interp.fault) faulted++;
      }
      expect(compared).toBe(400);
      if (missingPage) expect(faulted).toBeGreaterThan(100);
    }, 30_000); // 1,200 compiled-vs-interpreted runs: ~2 s alone, more on a loaded machine
  }
});

describe('faults in compiled code', () => {
  it('a #PF of an inlined access is returned (JIT_FAULT), not thrown', () => {
    // mov eax, 7; mov byte [ebx], 1; hlt — ebx points into the missing data page
    const code = [0xb8, 7, 0, 0, 0, 0xc6, 0x03, 0x01, 0xf4];
    const mmu = new Mmu(2 << 20);
    const cpu = new CPU(mmu);
    cpu.jitThreshold = 1;
    mmu.writePhysBytes(CODE, Uint8Array.from(code));
    mmu.writePhys32(PD, PT | PTE_P | PTE_W | PTE_U);
    for (let p = 0; p < 512; p++) mmu.writePhys32(PT + 4 * p, (p << 12) | (p === DATA >>> 12 ? 0 : PTE_P | PTE_W | PTE_U));
    mmu.setCr3(PD);
    mmu.setCr0(CR0_PE | CR0_PG);
    cpu.regs[3] = DATA + 8;
    cpu.eip = CODE;
    const block = cpu.blocks.lookup();
    const compiled = compileBlock(block)!;
    expect(compiled(cpu, block.insns)).toBe(JIT_FAULT);
    expect(cpu.cur).toBe(block.insns[1]);
    expect(FAULT.vector).toBe(14);
    expect(FAULT.error).toBe(2); // write, not present, supervisor
    expect(mmu.cr2).toBe(DATA + 8);
    expect(cpu.regs[0]).toBe(7); // the instruction before it is complete
  });
});
