// Hand tests of the x87 (src/cpu/fpu*.ts, src/cpu/ops/fpu-*.ts): the FNSTENV / FNSAVE
// layouts (SDM vol. 1 figs. 8-9, 8-10), the kernel's save()/restore(), CR0.EM / TS / MP
// (#NM) and NE (#MF) rules, unmasked exceptions, the stack fault rules, the masked
// responses, rounding control. tests/fpu-diff.test.ts compares results with the host.

import { describe, expect, it } from 'vitest';
import { run, CODE_BASE, DATA_BASE, type InsnRunner } from './helpers/insn-runner.js';
import { CR0_EM, CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR0_TS } from '../src/cpu/constants.js';
import { FPU, FNSAVE_SIZE } from '../src/cpu/fpu.js';
import { fromExtended, toExtended } from '../src/cpu/fpu-num.js';

const D = (off: number) => {
  const a = DATA_BASE + off;
  return [a & 0xff, (a >>> 8) & 0xff, (a >>> 16) & 0xff, a >>> 24].map((b) => b.toString(16).padStart(2, '0')).join(' ');
};

/** A runner with an FPU present: CR0.EM clear, MP and NE set (as Linux runs). */
function fpu(code: string, cr0 = CR0_PE | CR0_ET | CR0_MP | CR0_NE): InsnRunner {
  const r = run(code);
  r.cpu.mmu.setCr0(cr0);
  return r;
}

const f64 = (v: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return b;
};
const readF64 = (r: InsnRunner, addr: number) => new DataView(r.mmu.u8.buffer, addr, 8).getFloat64(0, true);
const u16 = (r: InsnRunner, addr: number) => r.mmu.readPhys16(addr);
const u32 = (r: InsnRunner, addr: number) => r.mmu.readPhys32(addr) >>> 0;

describe('FNSTENV / FNSAVE / FRSTOR images (32-bit protected mode)', () => {
  it('fnstenv stores FCW FSW FTW FIP FCS|FOP FDP FDS, reserved halves 0xFFFF, then masks all', () => {
    // fninit; fldcw [D+0x10]; fld qword [D]; fldz; fldpi? no: fld1; fnstenv [D+0x100]
    const code = `db e3  d9 2d ${D(0x10)}  dd 05 ${D(0)}  d9 ee  d9 e8  d9 35 ${D(0x100)}`;
    const r = fpu(code).mem(DATA_BASE, f64(Infinity)).mem(DATA_BASE + 0x10, '7a 02');
    r.cpu.setSegCache(3, 0x2b, 0, 0xffffffff, r.cpu.segAttr[3]); // DS selector
    r.go().expectNoFault();
    const env = DATA_BASE + 0x100;
    expect(u16(r, env)).toBe(0x027a);
    expect(u16(r, env + 2)).toBe(0xffff);
    // TOP = 5 after three pushes; no condition codes or flags
    expect(u16(r, env + 4)).toBe(5 << 11);
    expect(u16(r, env + 6)).toBe(0xffff);
    // R5 = 1 (valid 00), R6 = +0 (zero 01), R7 = +inf (special 10), R0-R4 empty (11)
    expect(u16(r, env + 8).toString(2)).toBe(((0b10 << 14) | (0b01 << 12) | (0b00 << 10) | 0x3ff).toString(2));
    expect(u16(r, env + 10)).toBe(0xffff);
    // the last non-control instruction is fld1 (d9 e8) at CODE_BASE + 16: FOP 0x1e8
    expect(u32(r, env + 12)).toBe(CODE_BASE + 2 + 6 + 6 + 2);
    expect(u16(r, env + 16)).toBe(r.cpu.segSel[1]);
    expect(u16(r, env + 18)).toBe(0x1e8);
    // FDP/FDS: the last memory operand of a non-control instruction (fld qword [D])
    expect(u32(r, env + 20)).toBe(DATA_BASE);
    expect(u16(r, env + 24)).toBe(0x2b);
    expect(u16(r, env + 26)).toBe(0xffff);
    expect(r.cpu.fpu.fcw).toBe(0x027f); // all exceptions masked afterwards
  });

  it('fnsave stores env + ST(0)..ST(7) as 80-bit values (108 bytes) and re-initializes; frstor restores', () => {
    const code = `db e3  dd 05 ${D(0)}  dd 05 ${D(8)}  dd 35 ${D(0x100)}  dd 25 ${D(0x100)}  dd 1d ${D(0x20)}  dd 1d ${D(0x28)}`;
    const r = fpu(code).mem(DATA_BASE, f64(-2.5)).mem(DATA_BASE + 8, f64(0.1));
    // stop after fnsave to check the reset
    const s = fpu(code.slice(0, code.indexOf('dd 25')).trim()).mem(DATA_BASE, f64(-2.5)).mem(DATA_BASE + 8, f64(0.1)).go();
    expect(s.cpu.fpu.status).toBe(0);
    expect(s.cpu.fpu.tagWord).toBe(0xffff);
    expect(s.cpu.fpu.fcw).toBe(0x037f);
    const img = s.mmu.u8.slice(DATA_BASE + 0x100, DATA_BASE + 0x100 + FNSAVE_SIZE);
    const st0 = img.subarray(28, 38);
    const st1 = img.subarray(38, 48);
    expect(Array.from(st0)).toEqual(Array.from(ext(0.1)));
    expect(Array.from(st1)).toEqual(Array.from(ext(-2.5)));
    expect(Array.from(st1)).toEqual([0, 0, 0, 0, 0, 0, 0, 0xa0, 0x00, 0xc0]); // -2.5 = -1.25 · 2^1
    r.go().expectNoFault();
    expect(readF64(r, DATA_BASE + 0x20)).toBe(0.1);
    expect(readF64(r, DATA_BASE + 0x28)).toBe(-2.5);
    expect(r.cpu.fpu.tagWord).toBe(0xffff);
  });

  it('fnstenv with a 16-bit operand size stores the 14-byte layout (fig. 8-11); fldenv loads it', () => {
    // fninit; fld1; o16 fnstenv [D+0x100]; fninit; o16 fldenv [D+0x100]
    const r = fpu(`db e3  d9 e8  66 d9 35 ${D(0x100)}  db e3  66 d9 25 ${D(0x100)}`).go().expectNoFault();
    const env = DATA_BASE + 0x100;
    expect([u16(r, env), u16(r, env + 2), u16(r, env + 4), u16(r, env + 6)]).toEqual([0x037f, 7 << 11, 0x3fff, CODE_BASE + 2]);
    expect(u16(r, env + 14)).toBe(0); // nothing beyond 14 bytes
    // R7 is not empty again; its tag follows its contents, which forkbox's FNINIT zeroed
    expect([r.cpu.fpu.fcw, r.cpu.fpu.status, r.cpu.fpu.tagWord]).toEqual([0x037f, 7 << 11, 0x7fff]);
  });

  it('FPU.save()/restore() (the kernel contract): the 108-byte image round-trips exactly', () => {
    const a = new FPU();
    a.push(Math.PI);
    a.push(-0);
    a.push(NaN);
    a.push(5e-324); // a double denormal: a normal 80-bit value
    a.fcw = 0x0e72;
    a.status = (4 << 11) | 0x4321 | 0x8080; // TOP 4, C3 C1 C0, PE IE; IE unmasked: ES, B
    a.fip = 0x08049123;
    a.fop = 0x5c1;
    const img = new Uint8Array(FNSAVE_SIZE);
    a.save(img);
    const b = new FPU();
    b.restore(img);
    for (let i = 0; i < 4; i++) expect(Object.is(b.st(i), a.st(i))).toBe(true);
    expect(b.isEmpty(4)).toBe(true);
    expect([b.fcw, b.status, b.tagWord, b.fip, b.fop]).toEqual([a.fcw, a.status, a.tagWord, a.fip, a.fop]);
    const again = new Uint8Array(FNSAVE_SIZE);
    b.save(again);
    expect(Array.from(again)).toEqual(Array.from(img));
  });

  it('80-bit conversion: exact for doubles (incl. denormals), NaN payloads kept', () => {
    for (const v of [1, -1, 0.1, Number.MAX_VALUE, 5e-324, 2.2250738585072014e-308, Infinity, -Infinity, -0]) {
      const b = ext(v);
      const dv = new DataView(b.buffer);
      expect(Object.is(fromExtended(dv.getUint32(0, true), dv.getUint32(4, true), dv.getUint16(8, true)), v)).toBe(true);
    }
    // 5e-324 = 2^-1074: exponent 16383 - 1074, integer bit set
    expect(Array.from(ext(5e-324))).toEqual([0, 0, 0, 0, 0, 0, 0, 0x80, (16383 - 1074) & 0xff, (16383 - 1074) >> 8]);
  });
});

function ext(v: number): Uint8Array {
  const b = new Uint8Array(10);
  toExtended(v, b, 0);
  return b;
}

describe('CR0.EM / TS / MP: #NM (SDM vol. 3A §2.5, table 2-2)', () => {
  const base = CR0_PE | CR0_ET;
  it('x87 instructions raise #NM with EM or TS set; wait only with MP and TS', () => {
    fpu('d9 e8', base | CR0_EM).go().expectFault(7);
    fpu('d9 e8', base | CR0_MP | CR0_TS).go().expectFault(7);
    fpu('d9 e8', base | CR0_TS).go().expectFault(7);
    fpu('db e3', base | CR0_EM).go().expectFault(7); // fninit too
    fpu('9b', base | CR0_EM).go().expectNoFault(); // wait ignores EM
    fpu('9b', base | CR0_TS).go().expectNoFault();
    fpu('9b', base | CR0_MP | CR0_TS).go().expectFault(7);
    fpu('d9 e8', base).go().expectNoFault();
  });
  it('an x87 encoding with no instruction is #UD (#NM first under EM)', () => {
    fpu('d9 d8').go().expectFault(6);
    fpu('d9 d8', base | CR0_EM).go().expectFault(7);
  });
  it('the reset state keeps CR0.EM set: x87 instructions raise #NM until a kernel clears it', () => {
    run('d9 e8').go().expectFault(7);
  });
});

describe('unmasked exceptions: ES/B and #MF on the next waiting instruction', () => {
  // fninit; fldcw [D] (ZE unmasked); fldz; fld1; fdiv st,st(1) — 1/0
  const divz = `db e3  d9 2d ${D(0)}  d9 ee  d9 e8  d8 f1`;
  it('the faulting instruction completes without a trap, sets ZE ES B, leaves ST(0)', () => {
    const r = fpu(divz).mem(DATA_BASE, '7b 03').go().expectNoFault();
    const f = r.cpu.fpu;
    expect(f.status & 0x80ff).toBe(0x8084); // B ES ZE
    expect(f.st(0)).toBe(1); // destination unchanged
  });
  it('the next waiting instruction raises #MF (CR0.NE = 1) at itself', () => {
    const r = fpu(`${divz}  d9 e8`).mem(DATA_BASE, '7b 03').go().expectFault(16);
    expect(r.cpu.eip).toBe(CODE_BASE + 14);
    fpu(`${divz}  9b`).mem(DATA_BASE, '7b 03').go().expectFault(16); // fwait
  });
  it('no-wait instructions do not: fnstsw ax, fnclex; after fnclex nothing is pending', () => {
    const r = fpu(`${divz}  df e0  db e2  d9 e8  9b`).mem(DATA_BASE, '7b 03').go().expectNoFault();
    expect(r.reg('ax') & 0x80ff).toBe(0x8084);
    expect(r.cpu.fpu.status & 0x80ff).toBe(0);
  });
  it('with CR0.NE = 0 (the PC\'s FERR#/IRQ 13 path, not emulated) no #MF is raised', () => {
    fpu(`${divz}  d9 e8`, CR0_PE | CR0_ET | CR0_MP).mem(DATA_BASE, '7b 03').go().expectNoFault();
  });
  it('fldcw unmasking an already-flagged exception makes it pending', () => {
    // masked 1/0 (ZE flagged), then fldcw with ZM clear, then fld1 → #MF
    fpu(`db e3  d9 ee  d9 e8  d8 f1  d9 2d ${D(0)}  d9 e8`).mem(DATA_BASE, '7b 03').go().expectFault(16);
  });
});

describe('stack faults, masked responses, rounding control', () => {
  it('push onto a full stack: IE SF C1=1, the indefinite is loaded (masked)', () => {
    const r = fpu('db e3 ' + 'd9 e8 '.repeat(9)).go().expectNoFault();
    const f = r.cpu.fpu;
    expect(f.status & 0x0241).toBe(0x0241);
    expect(Number.isNaN(f.st(0))).toBe(true);
  });
  it('reading an empty register: IE SF C1=0; fadd gives the indefinite', () => {
    const r = fpu('db e3  d9 e8  d8 c1').go().expectNoFault(); // fld1; fadd st,st(1) with st(1) empty
    const f = r.cpu.fpu;
    expect(f.status & 0x0241).toBe(0x0041);
    expect(Number.isNaN(f.st(0))).toBe(true);
  });
  it('fistp out of range stores the integer indefinite 0x80000000 (IE)', () => {
    const r = fpu(`db e3  dd 05 ${D(0)}  db 1d ${D(0x10)}`).mem(DATA_BASE, f64(3e9)).go();
    expect(u32(r, DATA_BASE + 0x10)).toBe(0x80000000);
    expect(r.cpu.fpu.status & 1).toBe(1);
  });
  it('fist and frndint honour RC: nearest-even, down, up, chop', () => {
    for (const [rc, want] of [[0, [2, -2, 4]], [1, [2, -3, 3]], [2, [3, -2, 4]], [3, [2, -2, 3]]] as Array<[number, number[]]>) {
      const cw = 0x037f | (rc << 10);
      const vals = [2.5, -2.5, 3.5];
      vals.forEach((v, k) => {
        const r = fpu(`db e3  d9 2d ${D(0)}  dd 05 ${D(8)}  db 1d ${D(0x10)}  dd 05 ${D(8)}  d9 fc  dd 1d ${D(0x18)}`)
          .mem(DATA_BASE, Uint8Array.of(cw & 0xff, cw >> 8)).mem(DATA_BASE + 8, f64(v)).go().expectNoFault();
        expect(u32(r, DATA_BASE + 0x10) | 0).toBe(want[k]);
        expect(readF64(r, DATA_BASE + 0x18)).toBe(want[k]);
        expect(r.cpu.fpu.status & 0x20).toBe(0x20); // PE
      });
    }
  });
  it('fcomi sets ZF PF CF; fnstsw ax + sahf gives the same branch conditions', () => {
    // fld1; fldz; fcomi st,st(1) → 0 < 1: CF
    fpu('db e3  d9 e8  d9 ee  db f1').go().expect({ cf: 1, zf: 0, pf: 0 });
    // fldz; fld1; fucomip; equal? no: 1 > 0 → all clear; one pop
    const r = fpu('db e3  d9 ee  d9 e8  df e9').go().expect({ cf: 0, zf: 0, pf: 0 });
    expect(r.cpu.fpu.top).toBe(7);
  });
  it('fcmovcc copies ST(i) by EFLAGS', () => {
    const r = fpu('db e3  d9 e8  d9 ee  da c1').set({ cf: 1 }).go(); // fcmovb st, st(1)
    expect(r.cpu.fpu.st(0)).toBe(1);
    const q = fpu('db e3  d9 e8  d9 ee  da c1').set({ cf: 0 }).go();
    expect(q.cpu.fpu.st(0)).toBe(0);
  });
  it('a memory fault leaves the FPU unchanged and the instruction restarts', () => {
    // fld qword [0x7ffffffc] is beyond the 2 MiB of RAM with paging off? use a #GP via a
    // segment limit instead: DS limit 0xff, fld qword [D] → #GP(0), stack untouched.
    const r = fpu(`db e3  d9 e8  dd 05 ${D(0)}`);
    r.cpu.setSegCache(3, 0x10, 0, 0xff, r.cpu.segAttr[3] & ~0x8000);
    r.go().expectFault(13, 0);
    expect(r.cpu.fpu.top).toBe(7);
    expect(r.cpu.fpu.st(0)).toBe(1);
  });
});
