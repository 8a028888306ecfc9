// Paging as instructions see it: enabling it with mov cr0, the walk's A/D bits, #PF
// error codes and CR2, CR0.WP, page-crossing accesses, the TLB and its invalidation
// (mov cr3, invlpg, global pages, 4 MiB pages).

import { describe, expect, it } from 'vitest';
import { run, CODE_BASE, STACK_TOP, type InsnRunner } from './helpers/insn-runner.js';
import { enterRing3, setupPM } from './helpers/pm.js';
import { CR0_PG, CR0_WP, CR4_PGE, CR4_PSE } from '../src/cpu/constants.js';
import { FAULT } from '../src/cpu/fault.js';
import { PTE_A, PTE_D, PTE_G, PTE_P, PTE_PS, PTE_U, PTE_W } from '../src/mmu/paging.js';

const PF = 14;
const GP = 13;
const UD = 6;
const PD = 0x90000;
const PT0 = 0x91000;
const PT1 = 0x92000;
const P = PTE_P;
const W = PTE_W;
const U = PTE_U;

/** Identity-map the 2 MiB of RAM with supervisor read/write pages, and enable paging. */
function paged(code: string, opts: { user?: boolean } = {}): InsnRunner {
  const r = run(code);
  setupPM(r);
  r.mmu.writePhys32(PD, PT0 | P | W | U);
  for (let p = 0; p < 512; p++) r.mmu.writePhys32(PT0 + 4 * p, (p << 12) | P | W);
  if (opts.user) {
    // code and stack pages for ring 3
    pte(r, CODE_BASE, CODE_BASE | P | W | U);
    pte(r, STACK_TOP - 0x1000, (STACK_TOP - 0x1000) | P | W | U);
    pte(r, STACK_TOP, STACK_TOP | P | W | U);
  }
  r.mmu.setCr3(PD);
  r.mmu.setCr0(r.mmu.cr0 | CR0_PG);
  if (opts.user) enterRing3(r.cpu);
  return r;
}

function pte(r: InsnRunner, lin: number, value: number): void {
  r.mmu.writePhys32(PT0 + ((lin >>> 12) & 0x3ff) * 4, value);
}

function readPte(r: InsnRunner, lin: number): number {
  return r.mmu.readPhys32(PT0 + ((lin >>> 12) & 0x3ff) * 4);
}

describe('enabling paging', () => {
  it('mov cr3 / mov cr0 with PG: later accesses are translated', () => {
    // mov cr3, eax; mov eax, cr0; or eax, 0x80000000; mov cr0, eax; mov ebx, [0x400000]
    const r = run('0f 22 d8 0f 20 c0 0d 00 00 00 80 0f 22 c0 8b 1d 00 00 40 00').set({ eax: PD });
    r.mmu.writePhys32(PD, PT0 | P | W);
    r.mmu.writePhys32(PD + 4, PT1 | P | W);
    for (let p = 0; p < 512; p++) r.mmu.writePhys32(PT0 + 4 * p, (p << 12) | P | W);
    r.mmu.writePhys32(PT1, 0x12000 | P | W);
    r.mem32(0x12000, 0xcafef00d);
    r.go().expectNoFault().expect({ ebx: 0xcafef00d });
    expect(r.mmu.paging).toBe(true);
    expect(r.mmu.cr3).toBe(PD);
  });
  it('mov cr0 ends the block, so the next fetch uses the new translation', () => {
    const r = run('0f 22 c0 90 90');
    expect(r.cpu.blocks.lookup().insns.length).toBe(1);
  });
});

describe('accessed and dirty bits', () => {
  it('a read sets A in the PDE and the PTE; a write sets D', () => {
    const r = paged('8b 1d 00 20 01 00 89 1d 00 30 01 00');
    r.go().expectNoFault();
    expect(readPte(r, 0x12000) & (PTE_A | PTE_D)).toBe(PTE_A);
    expect(readPte(r, 0x13000) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
    expect(r.mmu.readPhys32(PD) & PTE_A).toBe(PTE_A);
  });
  it('the first write to a page already in the TLB (clean) still sets D', () => {
    const r = paged('8b 1d 00 20 01 00 89 1d 00 20 01 00');
    r.go(1);
    expect(readPte(r, 0x12000) & PTE_D).toBe(0);
    r.go();
    expect(readPte(r, 0x12000) & PTE_D).toBe(PTE_D);
  });
});

describe('#PF error codes and CR2', () => {
  const READ = '8b 1d 00 00 05 00'; // mov ebx, [0x50000]
  const WRITE = '89 1d 00 00 05 00'; // mov [0x50000], ebx
  it('supervisor read / write of a not-present page: P=0, W/R', () => {
    const r = paged(READ);
    pte(r, 0x50000, 0);
    r.go().expectFault(PF, 0);
    expect(r.mmu.cr2).toBe(0x50000);
    expect(r.fault!.eip).toBe(CODE_BASE);
    const w = paged(WRITE);
    pte(w, 0x50000, 0x50000);
    w.go().expectFault(PF, 2);
  });
  it('a not-present page-directory entry', () => {
    const r = paged('8b 1d 00 00 40 00');
    r.go().expectFault(PF, 0);
    expect(r.mmu.cr2).toBe(0x400000);
  });
  it('user access to a supervisor page: P=1, U=1', () => {
    paged(READ, { user: true }).go().expectFault(PF, 5);
    paged(WRITE, { user: true }).go().expectFault(PF, 7);
  });
  it('user access to a not-present page: P=0, U=1', () => {
    const r = paged(READ, { user: true });
    pte(r, 0x50000, 0);
    r.go().expectFault(PF, 4);
  });
  it('user write to a read-only user page', () => {
    const r = paged(WRITE, { user: true });
    pte(r, 0x50000, 0x50000 | P | U);
    r.go().expectFault(PF, 7);
    const ok = paged(READ, { user: true });
    pte(ok, 0x50000, 0x50000 | P | U);
    ok.mem32(0x50000, 77).go().expectNoFault().expect({ ebx: 77 });
  });
  it('U and W must be set at both levels', () => {
    const r = paged(READ, { user: true });
    pte(r, 0x50000, 0x50000 | P | W | U);
    r.mmu.writePhys32(PD, PT0 | P | W); // directory entry without U
    r.mmu.flushTlb(false);
    r.go().expectFault(PF, 5);
  });
  it('CR0.WP: supervisor writes to read-only pages fault only when set', () => {
    const r = paged(WRITE).set({ ebx: 0x1234 });
    pte(r, 0x50000, 0x50000 | P);
    r.go().expectNoFault();
    expect(r.read32(0x50000)).toBe(0x1234);
    const wp = paged(WRITE);
    pte(wp, 0x50000, 0x50000 | P);
    wp.mmu.setCr0(wp.mmu.cr0 | CR0_WP);
    wp.go().expectFault(PF, 3);
  });
  it('setting CR0.WP with mov cr0 takes effect on pages already in the TLB', () => {
    // mov [0x50000], ebx; mov cr0, eax; mov [0x50000], ebx
    const r = paged('89 1d 00 00 05 00 0f 22 c0 89 1d 00 00 05 00');
    pte(r, 0x50000, 0x50000 | P);
    r.set({ eax: r.mmu.cr0 | CR0_WP });
    r.go().expectFault(PF, 3);
    expect(r.fault!.eip).toBe(CODE_BASE + 9);
  });
  it('instruction fetch from a not-present or supervisor page', () => {
    const r = paged('');
    pte(r, 0x3000, 0);
    r.cpu.eip = 0x3000;
    expect(() => r.cpu.blocks.lookup()).toThrow();
    expect([FAULT.vector, FAULT.error, r.mmu.cr2]).toEqual([PF, 0, 0x3000]);
    const u = paged('', { user: true });
    u.cpu.eip = 0x3000;
    expect(() => u.cpu.blocks.lookup()).toThrow();
    expect([FAULT.vector, FAULT.error, u.mmu.cr2]).toEqual([PF, 5, 0x3000]);
  });
});

describe('page-crossing accesses', () => {
  it('a write whose second page is not present faults and writes nothing', () => {
    // mov [0x50ffe], eax
    const r = paged('89 05 fe 0f 05 00').set({ eax: 0x44332211 });
    pte(r, 0x51000, 0x51000);
    r.mem(0x50ffc, 'aa bb cc dd');
    r.go().expectFault(PF, 2);
    expect(r.mmu.cr2).toBe(0x51000);
    expect(r.read32(0x50ffc)).toBe(0xddccbbaa);
    // map the page and restart the instruction
    pte(r, 0x51000, 0x51000 | P | W);
    r.fault = null;
    r.go().expectNoFault();
    expect(r.read32(0x50ffc)).toBe(0x2211bbaa);
    expect(r.mmu.readPhys16(0x51000)).toBe(0x4433);
  });
  it('a user read whose second page is supervisor-only reports that page', () => {
    const r = paged('8b 05 fd 0f 05 00', { user: true });
    pte(r, 0x50000, 0x50000 | P | W | U);
    r.go().expectFault(PF, 5);
    expect(r.mmu.cr2).toBe(0x51000);
  });
  it('a push to a not-present stack page leaves ESP unchanged', () => {
    const r = paged('1e').set({ esp: 0x60000 });
    pte(r, 0x5f000, 0);
    r.go().expectFault(PF, 2).expect({ esp: 0x60000 });
    expect(r.mmu.cr2).toBe(0x5fffc);
  });
});

describe('the TLB', () => {
  const READ = '8b 1d 00 20 01 00'; // mov ebx, [0x12000]
  const INVLPG = '0f 01 3d 00 20 01 00'; // invlpg [0x12000]
  function remapped(code: string, pte0 = 0) {
    const r = paged(code);
    r.mem32(0x12000, 1).mem32(0x13000, 2).mem32(0x14000, 3);
    if (pte0) pte(r, 0x12000, pte0);
    return r;
  }
  it('keeps a translation until it is invalidated', () => {
    const r = remapped(READ + READ);
    r.go(1).expect({ ebx: 1 });
    pte(r, 0x12000, 0x13000 | P | W);
    r.go().expect({ ebx: 1 });
  });
  it('invlpg drops it', () => {
    const r = remapped(READ + INVLPG + READ);
    r.go(1).expect({ ebx: 1 });
    pte(r, 0x12000, 0x13000 | P | W);
    r.go().expectNoFault().expect({ ebx: 2 });
  });
  it('invlpg costs 12 cycles and is privileged; a register operand is #UD', () => {
    paged(INVLPG).go().expectNoFault().cycles(12);
    paged(INVLPG, { user: true }).go().expectFault(GP, 0);
    paged('0f 01 f8').go().expectFault(UD);
  });
  it('a CR3 load drops non-global translations and keeps global ones (CR4.PGE)', () => {
    // mov ebx, [0x12000]; mov ecx, [0x13000]; mov cr3, eax; mov ebx, [0x12000]; mov ecx, [0x13000]
    const code = '8b 1d 00 20 01 00 8b 0d 00 30 01 00 0f 22 d8 8b 1d 00 20 01 00 8b 0d 00 30 01 00';
    const r = remapped(code, 0x12000 | P | W | PTE_G).set({ eax: PD });
    r.mmu.setCr4(CR4_PGE);
    r.go(2).expect({ ebx: 1, ecx: 2 });
    pte(r, 0x12000, 0x14000 | P | W | PTE_G);
    pte(r, 0x13000, 0x14000 | P | W);
    r.go().expectNoFault().expect({ ebx: 1, ecx: 3 });
  });
  it('invlpg drops a global translation too', () => {
    const r = remapped(READ + INVLPG + READ, 0x12000 | P | W | PTE_G);
    r.mmu.setCr4(CR4_PGE);
    r.go(1).expect({ ebx: 1 });
    pte(r, 0x12000, 0x13000 | P | W | PTE_G);
    r.go().expect({ ebx: 2 });
  });
});

describe('4 MiB pages (CR4.PSE)', () => {
  // PDE 2 maps linear 0x800000-0xbfffff to physical 0-0x3fffff.
  function large(code: string) {
    const r = paged(code);
    r.mmu.setCr4(CR4_PSE);
    r.mmu.writePhys32(PD + 8, 0 | P | W | PTE_PS);
    r.mem32(0x10000, 0x1111).mem32(0x11000, 0x2222);
    return r;
  }
  it('translate through the directory entry and set its A and D bits', () => {
    // mov ebx, [0x810000]; mov [0x811000], ebx
    const r = large('8b 1d 00 00 81 00 89 1d 00 10 81 00').go().expectNoFault().expect({ ebx: 0x1111 });
    expect(r.read32(0x11000)).toBe(0x1111);
    expect(r.mmu.readPhys32(PD + 8) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
  });
  it('invlpg of any address in the page drops every 4 KiB piece of it', () => {
    // mov ebx, [0x810000]; mov ecx, [0x811000]; (remap) invlpg [0x800000]; mov ebx, [0x810000]; mov ecx, [0x811000]
    const r = large('8b 1d 00 00 81 00 8b 0d 00 10 81 00 0f 01 3d 00 00 80 00 8b 1d 00 00 81 00 8b 0d 00 10 81 00');
    r.go(2).expect({ ebx: 0x1111, ecx: 0x2222 });
    // now map the large page 4 MiB higher in physical memory: beyond RAM, reads float high
    r.mmu.writePhys32(PD + 8, 0x400000 | P | W | PTE_PS);
    r.go().expectNoFault().expect({ ebx: 0xffffffff, ecx: 0xffffffff });
  });
  it('a reserved bit (21:13) set in the PDE faults with RSVD and P', () => {
    const r = large('8b 1d 00 00 81 00');
    r.mmu.writePhys32(PD + 8, 0x2000 | P | W | PTE_PS);
    r.go().expectFault(14, 0b1001);
    expect(r.mmu.cr2).toBe(0x810000);
  });
  it('without PSE the PS bit is ignored: the entry points to a page table', () => {
    const r = large('8b 1d 00 00 81 00');
    r.mmu.setCr4(0);
    // PDE 2 now names page table at physical 0: entry 0x10 of it is the dword at 0x40
    r.mem32(0x40, 0x12000 | P | W).mem32(0x12000, 0x5555);
    r.go().expectNoFault().expect({ ebx: 0x5555 });
  });
});
