// Differential test of the x87 against the host's FPU (issue 8): short instruction
// sequences run natively in a 32-bit Linux process (tests/helpers/diff-native.ts) and on
// forkbox's CPU, and the FPU state after them is compared.
//
// Each case is
//     fninit; fldcw [W+0]; fld tword [W+8] / [W+24] (0, 1, 2 or 8 values);
//     <the instruction under test, memory operand at W+40>;
//     fnstsw [W+72]; fnsave [W+96]
// with the 80-bit loads carrying doubles exactly (and SNaNs, which fld m80 loads without
// an exception). What is compared:
//   - the memory operand area (stores) and the status word right after the instruction;
//   - from the FNSAVE image: FCW, FSW, the tag word (with the reserved upper halves of
//     their dwords), and every non-empty register, as 80-bit values, bit for bit;
//   - EAX (fnstsw ax) and the arithmetic flags (fcomi, fcmovcc inputs);
//   - a case that raises SIGFPE natively (an unmasked exception that a later waiting
//     instruction reports) must raise #MF on forkbox, and the other way round.
// NOT compared: FIP/FCS/FOP/FDP/FDS (the host's differ by address and by CPU generation:
// recent Intel CPUs store FCS/FDS as 0 and update FDP/FOP only on exceptions).
//
// Where forkbox's double registers cannot match (fpu.ts): arithmetic is tested with
// precision control = double or single (with PC = extended the host keeps 11 more bits),
// and a case whose native results leave double's normal range (the host keeps them in
// its wider exponent range) is counted but not compared. Transcendental instructions
// (the host computes them to 64 bits whatever PC says) are compared to within 2 ulps of
// the double, and their PE and C1 are not compared.
//
//   FORKBOX_FPU_SEED=0x1234 npx vitest run tests/fpu-diff.test.ts      another seed
//   FORKBOX_FPU_VERBOSE=1 …                                             every mismatch

import { expect, it } from 'vitest';
import { probeHost, runNative } from './helpers/diff-native.js';
import { ESP0, WIN, WIN_SIZE, type DiffCase } from './helpers/diff-cases.js';
import { mulberry32 } from './helpers/rng.js';
import { CPU, SEGATTR_DB, SEGATTR_G } from '../src/cpu/cpu.js';
import { Mmu } from '../src/mmu/mmu.js';
import { CR0_EM, CR0_MP, CR0_NE, CR0_PG, CR0_WP, SEG_CS, SEG_SS } from '../src/cpu/constants.js';
import { PTE_P, PTE_U, PTE_W } from '../src/mmu/paging.js';
import { toExtended } from '../src/cpu/fpu-num.js';

const SEED = process.env.FORKBOX_FPU_SEED ? Number(process.env.FORKBOX_FPU_SEED) >>> 0 : 0x87f0f0a1;
const VERBOSE = !!process.env.FORKBOX_FPU_VERBOSE;

const A_OFF = 8;
const B_OFF = 24;
const M_OFF = 40;
const SW_OFF = 72;
const SAVE_OFF = 96;

// ---------------------------------------------------------------------------------
// Operands.

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const bitsToDouble = (lo: number, hi: number) => ((U32[0] = lo), (U32[1] = hi), F64[0]);

const SPECIALS: number[] = [
  0, -0, Infinity, -Infinity, 1, -1, 0.5, -2, 3, 10, 0.1, 1e10, -1e-10, 2 ** 52, 2 ** 63, -(2 ** 63), 2 ** 31,
  Number.MAX_VALUE, -Number.MAX_VALUE, 2.2250738585072014e-308, -2.2250738585072014e-308, 5e-324, -5e-324,
  bitsToDouble(0xffffffff, 0x000fffff), // largest denormal
  bitsToDouble(0, 0x7ff80000), bitsToDouble(0, 0xfff80000), bitsToDouble(0x1234, 0x7ff81234), // QNaNs
  bitsToDouble(1, 0x7ff00000), bitsToDouble(0, 0xfff40000), bitsToDouble(0x55, 0x7ff00055), // SNaNs
  Math.PI, -Math.E, 1.5, 2.5, -2.5, 0.49999999999999994, 4503599627370497, 65535.5, -32768.5, 2147483647.5,
];

class Gen {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  u32(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  /** A double: special values, short significands (exact results), random ones. */
  value(): number {
    const k = this.int(10);
    if (k < 3) return this.pick(SPECIALS);
    const sign = this.int(2) ? -1 : 1;
    if (k < 5) return sign * (this.int(2000) - 1000) / (1 << this.int(8)); // small, short
    if (k < 6) return sign * this.int(1 << 30) * 2 ** (this.int(40) - 20);
    const e = this.int(10) < 8 ? this.int(80) - 40 : this.int(2000) - 1000;
    const hi = (this.u32() & 0xfffff) | ((e + 1023) << 20) | (sign < 0 ? 0x80000000 : 0);
    return bitsToDouble(this.u32(), hi >>> 0);
  }
  /** b related to a: equal, negated, nearly equal, or independent. */
  partner(a: number): number {
    switch (this.int(6)) {
      case 0: return a;
      case 1: return -a;
      case 2: return a * (1 + 2 ** -(this.int(52) + 1));
      default: return this.value();
    }
  }
}

// ---------------------------------------------------------------------------------
// The instruction forms.

interface Form {
  name: string;
  /** Bytes; a memory form's ModRM is mod 00 r/m 101 with disp32 = W+40 appended. */
  op: number[];
  mem?: 'm16i' | 'm32i' | 'm64i' | 'm32' | 'm64' | 'm80' | 'bcd' | 'cw';
  depth: number; // values loaded before it
  approx?: boolean;
  /** Precision control choices (fcw bits 8-9): arithmetic is tested with single/double only. */
  pcs?: number[];
  flags?: boolean; // give random EFLAGS inputs (fcmovcc)
  noC1?: boolean; // C1 not comparable
}

const mod = (reg: number) => 0x05 | (reg << 3);
const ARITH = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'];
const PC_ARITH = [0, 2];
const PC_ANY = [0, 2, 3];

function forms(): Form[] {
  const f: Form[] = [];
  for (let r = 0; r < 8; r++) {
    f.push({ name: `${ARITH[r]} st,st(1)`, op: [0xd8, 0xc1 | (r << 3)], depth: 2, pcs: PC_ARITH });
    f.push({ name: `${ARITH[r]} dword`, op: [0xd8, mod(r)], mem: 'm32', depth: 1, pcs: PC_ARITH });
    f.push({ name: `${ARITH[r]} qword`, op: [0xdc, mod(r)], mem: 'm64', depth: 1, pcs: PC_ARITH });
    f.push({ name: `fi${ARITH[r].slice(1)} dword`, op: [0xda, mod(r)], mem: 'm32i', depth: 1, pcs: PC_ARITH });
    f.push({ name: `fi${ARITH[r].slice(1)} word`, op: [0xde, mod(r)], mem: 'm16i', depth: 1, pcs: PC_ARITH });
    if (r !== 2 && r !== 3) {
      f.push({ name: `dc /${r} st(1),st`, op: [0xdc, 0xc1 | (r << 3)], depth: 2, pcs: PC_ARITH });
      f.push({ name: `de /${r} st(1),st (pop)`, op: [0xde, 0xc1 | (r << 3)], depth: 2, pcs: PC_ARITH });
    }
  }
  // With PE already set (fldl2e; fldpi; fdivp; fstp st0 before): forkbox then settles C1
  // lazily (fpu.ts), so these check that path.
  const PE_FIRST = [0xd9, 0xea, 0xd9, 0xeb, 0xde, 0xf9, 0xdd, 0xd8];
  for (const r of [0, 1, 4, 5, 6, 7]) {
    f.push({ name: `${ARITH[r]} st,st(1) (PE set)`, op: [...PE_FIRST, 0xd8, 0xc1 | (r << 3)], depth: 2, pcs: [2] });
    f.push({ name: `${ARITH[r]} qword (PE set)`, op: [...PE_FIRST, 0xdc, mod(r)], mem: 'm64', depth: 1, pcs: [2] });
  }
  f.push({ name: 'fadd st,st(1) (empty st(1))', op: [0xd8, 0xc1], depth: 1, pcs: PC_ARITH });
  f.push({ name: 'fmul st(3),st (empty)', op: [0xdc, 0xcb], depth: 2, pcs: PC_ARITH });
  f.push({ name: 'fcompp', op: [0xde, 0xd9], depth: 2 });
  f.push({ name: 'fucom st(1)', op: [0xdd, 0xe1], depth: 2 });
  f.push({ name: 'fucomp st(1)', op: [0xdd, 0xe9], depth: 2 });
  f.push({ name: 'fucompp', op: [0xda, 0xe9], depth: 2 });
  f.push({ name: 'fcomi st,st(1)', op: [0xdb, 0xf1], depth: 2 });
  f.push({ name: 'fcomip st,st(1)', op: [0xdf, 0xf1], depth: 2 });
  f.push({ name: 'fucomi st,st(1)', op: [0xdb, 0xe9], depth: 2 });
  f.push({ name: 'fucomip st,st(1)', op: [0xdf, 0xe9], depth: 2 });
  f.push({ name: 'fcomi (empty)', op: [0xdb, 0xf1], depth: 1 });
  f.push({ name: 'fxch st(1)', op: [0xd9, 0xc9], depth: 2 });
  f.push({ name: 'fxch st(1) (empty)', op: [0xd9, 0xc9], depth: 1 });
  f.push({ name: 'fld st(1)', op: [0xd9, 0xc1], depth: 2 });
  f.push({ name: 'fst st(3)', op: [0xdd, 0xd3], depth: 2 });
  f.push({ name: 'fstp st(1)', op: [0xdd, 0xd9], depth: 2 });
  f.push({ name: 'ffree st(1)', op: [0xdd, 0xc1], depth: 2 });
  f.push({ name: 'fdecstp', op: [0xd9, 0xf6], depth: 2 });
  f.push({ name: 'fincstp', op: [0xd9, 0xf7], depth: 2 });
  f.push({ name: 'fld qword (overflow)', op: [0xdd, mod(0)], mem: 'm64', depth: 8 });
  f.push({ name: 'fld1 (overflow)', op: [0xd9, 0xe8], depth: 8 });
  f.push({ name: 'fprem', op: [0xd9, 0xf8], depth: 2 });
  f.push({ name: 'fprem1', op: [0xd9, 0xf5], depth: 2 });
  f.push({ name: 'fscale', op: [0xd9, 0xfd], depth: 2, pcs: PC_ANY });
  f.push({ name: 'fxtract', op: [0xd9, 0xf4], depth: 1 });
  for (const [name, b] of [['fchs', 0xe0], ['fabs', 0xe1], ['ftst', 0xe4], ['fxam', 0xe5], ['fsqrt', 0xfa], ['frndint', 0xfc]] as Array<[string, number]>) {
    f.push({ name, op: [0xd9, b], depth: 1, pcs: name === 'fsqrt' ? PC_ARITH : PC_ANY });
  }
  // fxam of an empty register: C1 is the sign of the register's stale contents.
  f.push({ name: 'fxam (empty)', op: [0xd9, 0xe5], depth: 0, noC1: true });
  // Stack underflow in every shape of instruction.
  for (const [name, op, depth] of [
    ['fsincos (empty)', [0xd9, 0xfb], 0], ['fptan (empty)', [0xd9, 0xf2], 0], ['fxtract (empty)', [0xd9, 0xf4], 0],
    ['fsqrt (empty)', [0xd9, 0xfa], 0], ['fprem (empty st1)', [0xd9, 0xf8], 1], ['fscale (empty st1)', [0xd9, 0xfd], 1],
    ['fpatan (empty st1)', [0xd9, 0xf3], 1], ['fyl2x (empty st1)', [0xd9, 0xf1], 1], ['fcompp (empty st1)', [0xde, 0xd9], 1],
    ['fucomip (empty st1)', [0xdf, 0xe9], 1], ['fsin (empty)', [0xd9, 0xfe], 0], ['f2xm1 (empty)', [0xd9, 0xf0], 0],
    ['frndint (empty)', [0xd9, 0xfc], 0], ['ftst (empty)', [0xd9, 0xe4], 0], ['fcmove (empty st1)', [0xda, 0xc9], 1],
    ['fld st(3) (empty)', [0xd9, 0xc3], 1], ['fst st(2) (empty)', [0xdd, 0xd2], 0], ['faddp (empty st1)', [0xde, 0xc1], 1],
  ] as Array<[string, number[], number]>) f.push({ name, op, depth, flags: name.startsWith('fcmov') });
  f.push({ name: 'fchs (empty)', op: [0xd9, 0xe0], depth: 0 });
  for (const [name, b] of [['fsin', 0xfe], ['fcos', 0xff], ['fsincos', 0xfb], ['fptan', 0xf2], ['f2xm1', 0xf0]] as Array<[string, number]>) {
    f.push({ name, op: [0xd9, b], depth: 1, approx: true });
  }
  for (const [name, b] of [['fpatan', 0xf3], ['fyl2x', 0xf1], ['fyl2xp1', 0xf9]] as Array<[string, number]>) {
    f.push({ name, op: [0xd9, b], depth: 2, approx: true });
  }
  for (const [name, b] of [['fld1', 0xe8], ['fldz', 0xee], ['fldpi', 0xeb], ['fldl2e', 0xea], ['fldl2t', 0xe9], ['fldlg2', 0xec], ['fldln2', 0xed]] as Array<[string, number]>) {
    f.push({ name, op: [0xd9, b], depth: 0, pcs: [3] });
  }
  f.push({ name: 'fld dword', op: [0xd9, mod(0)], mem: 'm32', depth: 0 });
  f.push({ name: 'fld qword', op: [0xdd, mod(0)], mem: 'm64', depth: 0 });
  f.push({ name: 'fld tword', op: [0xdb, mod(5)], mem: 'm80', depth: 0 });
  f.push({ name: 'fild word', op: [0xdf, mod(0)], mem: 'm16i', depth: 0 });
  f.push({ name: 'fild dword', op: [0xdb, mod(0)], mem: 'm32i', depth: 0 });
  f.push({ name: 'fild qword', op: [0xdf, mod(5)], mem: 'm64i', depth: 0, pcs: PC_ANY });
  f.push({ name: 'fbld', op: [0xdf, mod(4)], mem: 'bcd', depth: 0 });
  f.push({ name: 'fst dword', op: [0xd9, mod(2)], mem: 'm32', depth: 1 });
  f.push({ name: 'fstp dword', op: [0xd9, mod(3)], mem: 'm32', depth: 1 });
  f.push({ name: 'fst qword', op: [0xdd, mod(2)], mem: 'm64', depth: 1 });
  f.push({ name: 'fstp qword', op: [0xdd, mod(3)], mem: 'm64', depth: 1 });
  f.push({ name: 'fstp qword (empty)', op: [0xdd, mod(3)], mem: 'm64', depth: 0 });
  f.push({ name: 'fstp tword', op: [0xdb, mod(7)], mem: 'm80', depth: 1 });
  f.push({ name: 'fist word', op: [0xdf, mod(2)], mem: 'm16i', depth: 1 });
  f.push({ name: 'fistp word', op: [0xdf, mod(3)], mem: 'm16i', depth: 1 });
  f.push({ name: 'fist dword', op: [0xdb, mod(2)], mem: 'm32i', depth: 1 });
  f.push({ name: 'fistp dword', op: [0xdb, mod(3)], mem: 'm32i', depth: 1 });
  f.push({ name: 'fistp qword', op: [0xdf, mod(7)], mem: 'm64i', depth: 1 });
  f.push({ name: 'fistp dword (empty)', op: [0xdb, mod(3)], mem: 'm32i', depth: 0 });
  f.push({ name: 'fbstp', op: [0xdf, mod(6)], mem: 'bcd', depth: 1 });
  f.push({ name: 'fnstsw ax', op: [0xdf, 0xe0], depth: 2 });
  f.push({ name: 'fnstcw', op: [0xd9, mod(7)], mem: 'cw', depth: 0 });
  f.push({ name: 'fldcw', op: [0xd9, mod(5)], mem: 'cw', depth: 1 });
  f.push({ name: 'fnclex (after an exception)', op: [0xd8, 0xf1, 0xdb, 0xe2], depth: 2 });
  // An unmasked exception is reported by the next waiting instruction: SIGFPE / #MF.
  f.push({ name: 'fdiv st,st(1); fwait', op: [0xd8, 0xf1, 0x9b], depth: 2, pcs: PC_ARITH });
  f.push({ name: 'fsqrt; fld1', op: [0xd9, 0xfa, 0xd9, 0xe8], depth: 1, pcs: PC_ARITH });
  f.push({ name: 'fnstenv', op: [0xd9, mod(6)], mem: 'cw', depth: 2 });
  for (const [k, cc] of ['fcmovb', 'fcmove', 'fcmovbe', 'fcmovu'].entries()) {
    f.push({ name: cc, op: [0xda, 0xc1 | (k << 3)], depth: 2, flags: true });
    f.push({ name: cc.replace('fcmov', 'fcmovn'), op: [0xdb, 0xc1 | (k << 3)], depth: 2, flags: true });
  }
  return f;
}

// ---------------------------------------------------------------------------------
// Cases.

interface FCase extends DiffCase {
  form: Form;
  a: number;
  b: number;
}

const le = (buf: Uint8Array, off: number, v: number, n: number) => {
  for (let k = 0; k < n; k++) buf[off + k] = (v >>> (8 * k)) & 0xff;
};
const addr = (off: number) => [0, 8, 16, 24].map((s) => ((WIN + off) >>> s) & 0xff);

function makeCase(id: number, form: Form, g: Gen): FCase {
  const mem = new Uint8Array(WIN_SIZE);
  let a = g.value();
  let b = g.partner(a);
  // Transcendentals within the domain where the SDM defines them and the host's argument
  // reduction (a 66-bit π) is accurate: |x| ≤ 64 for the trig functions.
  const dom = DOMAIN[form.name];
  if (dom !== undefined) {
    if (Number.isFinite(a) && Math.abs(a) > dom) a = ((g.u32() / 4294967296) * 2 - 1) * dom;
    if (Number.isFinite(b) && Math.abs(b) > dom && form.depth === 2) b = ((g.u32() / 4294967296) * 2 - 1) * dom;
  }
  const rc = g.int(4);
  const pc = g.pick(form.pcs ?? [2]);
  // Exception masks: mostly all masked (Linux's default); sometimes IE/ZE or all unmasked.
  const masks = g.int(10) < 8 ? 0x3f : g.pick([0x3a, 0x20, 0x00, 0x3e]);
  const fcw = (rc << 10) | (pc << 8) | 0x40 | masks;
  le(mem, 0, fcw, 2);
  toExtended(a, mem, A_OFF);
  toExtended(b, mem, B_OFF);
  // The memory operand.
  const v = g.partner(a);
  switch (form.mem) {
    case 'm32': F32[0] = v; le(mem, M_OFF, U32F[0], 4); if (g.int(8) === 0) le(mem, M_OFF, g.pick([0x7f800001, 0xffa00000, 0x00000001, 0x807fffff]), 4); break;
    case 'm64': F64[0] = v; le(mem, M_OFF, U32[0], 4); le(mem, M_OFF + 4, U32[1], 4); break;
    case 'm80': toExtended(v, mem, M_OFF); break;
    case 'm16i': le(mem, M_OFF, g.int(3) ? g.int(65536) : g.pick([0, 0x8000, 0x7fff, 0xffff]), 2); break;
    case 'm32i': le(mem, M_OFF, g.int(3) ? g.u32() : g.pick([0, 0x80000000, 0x7fffffff, 1]), 4); break;
    case 'm64i': le(mem, M_OFF, g.u32(), 4); le(mem, M_OFF + 4, g.int(3) ? g.u32() : g.pick([0, 0xffffffff, 0x80000000, 0x001fffff]), 4); break;
    case 'bcd': for (let k = 0; k < 9; k++) mem[M_OFF + k] = (g.int(10) << 4) | g.int(10); mem[M_OFF + 9] = g.int(2) << 7; break;
    case 'cw': le(mem, M_OFF, g.int(2) ? g.u32() & 0xffff : fcw, 2); break;
  }
  const bytes: number[] = [0xdb, 0xe3, 0xd9, 0x2d, ...addr(0)];
  const loads = form.depth === 8 ? [A_OFF, A_OFF, A_OFF, A_OFF, A_OFF, A_OFF, A_OFF, B_OFF] : [A_OFF, B_OFF].slice(0, form.depth);
  for (const off of loads) bytes.push(0xdb, 0x2d, ...addr(off));
  bytes.push(...form.op);
  if (form.mem) bytes.push(...addr(M_OFF));
  bytes.push(0xdd, 0x3d, ...addr(SW_OFF), 0xdd, 0x35, ...addr(SAVE_OFF));
  const eflags = form.flags ? g.pick([0, 1, 4, 0x40, 0x41, 0x45, 0x44, 0x05]) : 0;
  const regs = new Uint32Array(8);
  regs[0] = 0x12345678;
  regs[4] = ESP0;
  return {
    id, form, a, b, bytes: Uint8Array.from(bytes), regs, eflags, mem,
    def: undefined as never, enc: undefined as never, text: form.name,
  };
}

/** Argument bound per transcendental form (ST(0), and for fyl2xp1 the x in ST(0)). */
const DOMAIN: Record<string, number> = { fsin: 64, fcos: 64, fsincos: 64, fptan: 64, f2xm1: 1, fyl2xp1: 0.29 };

const F32 = new Float32Array(1);
const U32F = new Uint32Array(F32.buffer);

// ---------------------------------------------------------------------------------
// forkbox's side: the CPU in a Linux process's state (as diff-forkbox.ts), running the
// whole sequence.

const PD = 0x1000;
const PT = 0x2000;
const WIN_PHYS = 0x3000;
const CODE_PHYS = 0x4000;
const CODE_LIN = 0x08070000;
const USER = PTE_U | PTE_W | PTE_P;

class Runner {
  readonly mmu = new Mmu(1 << 20);
  readonly cpu = new CPU(this.mmu);
  fault: number | null = null;

  constructor(selectors: number[]) {
    const { mmu, cpu } = this;
    mmu.writePhys32(PD + 4 * (WIN >>> 22), PT | USER);
    mmu.writePhys32(PT + 4 * ((WIN >>> 12) & 0x3ff), WIN_PHYS | USER);
    mmu.writePhys32(PT + 4 * ((CODE_LIN >>> 12) & 0x3ff), CODE_PHYS | USER);
    mmu.setCr3(PD);
    mmu.setCr0(((mmu.cr0 | CR0_PG | CR0_WP | CR0_NE | CR0_MP) & ~CR0_EM) | 0);
    cpu.deliver = (vector: number) => {
      this.fault = vector;
    };
    for (let s = 0; s < 6; s++) {
      const sel = selectors[s];
      if (sel < 4 && s !== SEG_CS && s !== SEG_SS) cpu.setSegCache(s, sel, 0, 0, 0);
      else cpu.setSegCache(s, sel, 0, 0xffffffff, (s === SEG_CS ? 0xfb : 0xf3) | SEGATTR_DB | SEGATTR_G);
    }
    cpu.setCpl(3);
  }

  run(c: FCase): { mem: Uint8Array; eax: number; eflags: number; fault: number | null } {
    const { cpu, mmu } = this;
    mmu.writePhysBytes(WIN_PHYS, c.mem);
    mmu.fillPhys(CODE_PHYS, 4096, 0xf4);
    mmu.writePhysBytes(CODE_PHYS, c.bytes);
    for (let r = 0; r < 8; r++) cpu.regs[r] = c.regs[r];
    cpu.flags = c.eflags | 0x202;
    cpu.lazy = 0;
    cpu.eip = CODE_LIN;
    this.fault = null;
    const end = CODE_LIN + c.bytes.length;
    for (let n = 0; n < 40 && cpu.eip !== end && this.fault === null; n++) cpu.step(1);
    return { mem: mmu.u8.slice(WIN_PHYS, WIN_PHYS + WIN_SIZE), eax: cpu.regs[0] >>> 0, eflags: cpu.getFlags(), fault: this.fault };
  }
}

// ---------------------------------------------------------------------------------
// Comparison.

const hexs = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

function ext(mem: Uint8Array, off: number): { exp: number; lo: number; hi: number } {
  const dv = new DataView(mem.buffer, mem.byteOffset + off, 10);
  return { lo: dv.getUint32(0, true), hi: dv.getUint32(4, true), exp: dv.getUint16(8, true) };
}

/** The 80-bit value as a double, when it is one exactly; NaN for NaNs; null otherwise. */
function extToDouble(mem: Uint8Array, off: number): number | null {
  const { lo, hi, exp } = ext(mem, off);
  const e = exp & 0x7fff;
  const neg = exp & 0x8000 ? -1 : 1;
  if (e === 0x7fff) return (hi & 0x7fffffff) === 0 && lo === 0 ? neg * Infinity : NaN;
  if (e === 0) return hi === 0 && lo === 0 ? neg * 0 : null;
  if (e - 16383 < -1022 || e - 16383 > 1023) return null; // outside double's normal range
  if (lo & 0x7ff) return null; // more than 53 significant bits
  return neg * (hi * 4294967296 + lo) * 2 ** (e - 16383 - 63);
}

function ulps(x: number, y: number): number {
  if (x === y) return 0;
  if (x !== x || y !== y) return x !== x && y !== y ? 0 : Infinity;
  const ux = Math.abs(x) < 1e-300 ? 1e-300 : Math.abs(x) * 2 ** -52;
  return Math.abs(x - y) / ux;
}

interface Result {
  c: FCase;
  diffs: string[];
  beyond: boolean;
}

const PE = 0x20;
const C1 = 0x200;

function compare(c: FCase, n: { mem: Uint8Array; regs: Uint32Array; eflags: number } | null, nSig: number | null, f: ReturnType<Runner['run']>): Result {
  const diffs: string[] = [];
  const res: Result = { c, diffs, beyond: false };
  if (nSig !== null) {
    if (f.fault !== 16 || nSig !== 8) diffs.push(`host signal ${nSig}, forkbox vector ${f.fault ?? '-'}`);
    return res;
  }
  const nm = n!.mem;
  const fm = f.mem;
  const fsw = nm[SAVE_OFF + 4] | (nm[SAVE_OFF + 5] << 8);
  const top = (fsw >> 11) & 7;
  const ftw = nm[SAVE_OFF + 8] | (nm[SAVE_OFF + 9] << 8);
  // Registers beyond double's range on the host: not comparable.
  for (let i = 0; i < 8; i++) {
    if (((ftw >> (2 * ((top + i) & 7))) & 3) === 3) continue;
    const o = SAVE_OFF + 28 + 10 * i;
    const v = extToDouble(nm, o);
    if (c.form.approx) {
      const e = nm[o + 9] << 8 & 0x7f00 | nm[o + 8];
      if (e !== 0x7fff && (e - 16383 < -1022 || e - 16383 > 1023) && !(e === 0 && roundExt(nm, o) === 0)) res.beyond = true;
    } else if (v === null) res.beyond = true;
  }
  if (c.form.mem === 'm80' && c.form.depth === 1 && extToDouble(nm, M_OFF) === null) res.beyond = true;
  if (res.beyond) return res;
  if (f.fault !== null) {
    diffs.push(`host completed the case, forkbox raised vector ${f.fault}`);
    return res;
  }
  // Unmasked overflow/underflow with a register result: the hardware re-biases the
  // exponent (not emulated, fpu.ts).
  const swAfter = nm[SW_OFF] | (nm[SW_OFF + 1] << 8);
  const fcwIn = c.mem[0] | (c.mem[1] << 8);
  if (swAfter & 0x18 & ~fcwIn && !/^f(ist|st|bstp)/.test(c.form.name)) {
    res.beyond = true;
    return res;
  }
  const swMask = c.form.approx ? ~(PE | C1) & 0xffff : c.form.noC1 ? ~C1 & 0xffff : 0xffff;
  const w = (m: Uint8Array, o: number) => m[o] | (m[o + 1] << 8);
  const cmpWord = (what: string, o: number, mask = 0xffff) => {
    if ((w(nm, o) & mask) !== (w(fm, o) & mask)) diffs.push(`${what}: host ${w(nm, o).toString(16)} forkbox ${w(fm, o).toString(16)}`);
  };
  cmpWord('fsw after', SW_OFF, swMask);
  cmpWord('fnsave fcw', SAVE_OFF);
  cmpWord('fnsave fsw', SAVE_OFF + 4, swMask);
  cmpWord('fnsave ftw', SAVE_OFF + 8);
  for (const o of [2, 6, 10]) cmpWord(`fnsave reserved +${o}`, SAVE_OFF + o);
  const nsub = (o: number, k: number) => nm.subarray(o, o + k);
  const fsub = (o: number, k: number) => fm.subarray(o, o + k);
  if (hexs(nsub(M_OFF, 28)) !== hexs(fsub(M_OFF, 28))) {
    if (c.form.name === 'fnstenv') {
      // compare FCW FSW FTW and reserved words only
      for (const o of [0, 2, 4, 6, 8, 10]) cmpWord(`fnstenv +${o}`, M_OFF + o);
    } else diffs.push(`memory operand: input ${hexs(c.mem.subarray(M_OFF, M_OFF + 10))} host ${hexs(nsub(M_OFF, 10))} forkbox ${hexs(fsub(M_OFF, 10))}`);
  }
  for (let i = 0; i < 8; i++) {
    if (((ftw >> (2 * ((top + i) & 7))) & 3) === 3) continue;
    const o = SAVE_OFF + 28 + 10 * i;
    if (c.form.approx) {
      // Within 2 ulps, plus the host's argument-reduction error (its π has 66 bits),
      // times the derivative (1 + tan² for fptan near a pole).
      const nv = roundExt(nm, o);
      const fv = roundExt(fm, o);
      const slack = Number.isFinite(c.a) ? Math.abs(c.a) * 2 ** -62 * (1 + nv * nv) : 0;
      if (ulps(nv, fv) > 2 && !(Math.abs(nv - fv) <= slack)) diffs.push(`st(${i}): host ${nv} forkbox ${fv}`);
    } else if (hexs(nsub(o, 10)) !== hexs(fsub(o, 10))) {
      diffs.push(`st(${i}): host ${hexs(nsub(o, 10))} (${extToDouble(nm, o)}) forkbox ${hexs(fsub(o, 10))} (${extToDouble(fm, o)})`);
    }
  }
  if (n!.regs[0] !== f.eax) diffs.push(`eax: host ${n!.regs[0].toString(16)} forkbox ${f.eax.toString(16)}`);
  if ((n!.eflags ^ f.eflags) & 0x8d5) diffs.push(`eflags: host ${n!.eflags.toString(16)} forkbox ${f.eflags.toString(16)}`);
  return res;
}

/** An 80-bit value rounded to a double (for approximate comparisons). */
function roundExt(mem: Uint8Array, o: number): number {
  const { lo, hi, exp } = ext(mem, o);
  const e = exp & 0x7fff;
  if (e === 0x7fff) return (hi & 0x7fffffff) === 0 && lo === 0 ? (exp & 0x8000 ? -Infinity : Infinity) : NaN;
  return (exp & 0x8000 ? -1 : 1) * (hi * 4294967296 + lo) * 2 ** (e - 16383 - 63);
}

// ---------------------------------------------------------------------------------

it('x87 instruction sequences give the host FPU\'s results, flags, tags and stores', (ctx) => {
  const why = probeHost();
  if (why) {
    console.warn(`SKIP: host cannot run i386 binaries (${why})`);
    ctx.skip();
    return;
  }
  const g = new Gen(SEED);
  const cases: FCase[] = [];
  const PER_FORM = 60;
  for (const form of forms()) for (let k = 0; k < PER_FORM; k++) cases.push(makeCase(cases.length, form, g));
  const native = runNative(cases);
  const faulted = new Map(native.faulted.map((x) => [x.c.id, x.signal]));
  const runner = new Runner(native.selectors);
  const byForm = new Map<string, { n: number; bad: number; beyond: number; ex: Result[] }>();
  let compared = 0;
  let beyond = 0;
  for (const c of cases) {
    const n = native.results.get(c.id) ?? null;
    const r = compare(c, n, faulted.get(c.id) ?? null, runner.run(c));
    let row = byForm.get(c.form.name);
    if (!row) byForm.set(c.form.name, (row = { n: 0, bad: 0, beyond: 0, ex: [] }));
    row.n++;
    if (r.beyond) {
      row.beyond++;
      beyond++;
      continue;
    }
    compared++;
    if (r.diffs.length) {
      row.bad++;
      if (VERBOSE || row.ex.length < 2) row.ex.push(r);
    }
  }
  const lines = [`fpu-diff: seed 0x${SEED.toString(16)} (FORKBOX_FPU_SEED), ${cases.length} cases of ${byForm.size} forms; ` +
    `${compared} compared, ${beyond} beyond double's range (not compared), ${native.faulted.length} raised SIGFPE natively`];
  const bad: string[] = [];
  for (const [name, row] of byForm) {
    if (!row.bad) continue;
    bad.push(`${name} ${row.bad}/${row.n}`);
    for (const r of row.ex) {
      const c = r.c;
      lines.push(`  ✗ ${name} [${hexs(c.bytes.subarray(c.bytes.length - 12 - c.form.op.length - (c.form.mem ? 4 : 0), c.bytes.length - 12))}] ` +
        `a=${c.a} b=${c.b} fcw=${(c.mem[0] | (c.mem[1] << 8)).toString(16)} eflags=${c.eflags.toString(16)} mem=${hexs(c.mem.subarray(M_OFF, M_OFF + 10))}`);
      for (const d of r.diffs) lines.push(`      ${d}`);
    }
  }
  console.log(lines.join('\n'));
  expect(compared).toBeGreaterThan(cases.length / 2);
  expect(bad, 'forms whose cases differ from the host (details above)').toEqual([]);
}, 300_000);
