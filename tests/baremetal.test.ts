// Bare-metal ring-0 programs (tests/fixtures/*.asm, assembled to .bin): they build their
// own GDT, IDT, TSS and page tables, enable paging, take page faults and resolve them,
// drop to ring 3 and come back. The programs write their results and a log of every
// exception's trap frame into memory (layout in tests/fixtures/pm.inc); the tests check
// them against the addresses of the faulting instructions, which each program lists at
// offset 16 of its binary.

import { describe, expect, it } from 'vitest';
import { BareMetal, fixture, type LogEntry } from './helpers/baremetal.js';

const LOAD = 0x10000;
const RESULTS = 0x8000;
const LOG = RESULTS + 0x400;
const DONE = 0x600d;
const KCODE = 0x08;
const UCODE = 0x1b;
const UDATA = 0x23;
const TSSSEL = 0x28;
const USTACK = 0x6f000;

const PF = 14;
const GP = 13;
const BP = 3;

/** The program's label table: dwords at binary offset 16. */
function labels(bin: Uint8Array, n: number): number[] {
  const v = new DataView(bin.buffer, bin.byteOffset);
  return Array.from({ length: n }, (_, k) => v.getUint32(16 + 4 * k, true));
}

function runFixture(name: string) {
  const bin = fixture(name);
  const m = new BareMetal().load(bin, LOAD).run();
  const r = (off: number) => m.u32(RESULTS + off);
  expect(r(0).toString(16), 'the program reports completion').toBe(DONE.toString(16));
  const count = r(4);
  return { m, bin, r, log: m.log(LOG, count) };
}

/** Only the fields that matter for a frame comparison. */
function frame(e: LogEntry, keys: Array<keyof LogEntry>): Partial<LogEntry> {
  const out: Partial<LogEntry> = {};
  for (const k of keys) out[k] = e[k];
  return out;
}

describe('paging.bin: page faults at ring 0', () => {
  const { m, bin, r, log } = runFixture('paging.bin');
  const [pfWrite, pfRead, pfCow, pfCross, wpFault, gpFault, afterInt3] = labels(bin, 7);

  it('takes exactly the expected exceptions, in order', () => {
    expect(log.map((e) => e.vector)).toEqual([PF, PF, PF, PF, PF, GP, BP]);
    expect(m.vectors).toEqual([PF, PF, PF, PF, PF, GP, BP]);
  });

  it('a write to a not-present page: CR2, error W, the frame of the faulting instruction', () => {
    expect(frame(log[0], ['error', 'cr2', 'eip', 'cs', 'eflags', 'esp', 'ss'])).toEqual({
      error: 0b010, cr2: 0x40000, eip: pfWrite, cs: KCODE, eflags: 0x8d7, esp: 0, ss: 0,
    });
  });

  it('the handler mapped the page and the write restarted; iret restored EFLAGS', () => {
    expect(r(12).toString(16)).toBe('11111111');
    expect(r(8).toString(16)).toBe('8d7');
  });

  it('a read of a not-present page: error 0', () => {
    expect(frame(log[1], ['error', 'cr2', 'eip'])).toEqual({ error: 0, cr2: 0x41000, eip: pfRead });
    expect(r(16)).toBe(0);
  });

  it('a write to the read-only page (CR0.WP=1): error P|W; made writable, the write restarted', () => {
    expect(frame(log[2], ['error', 'cr2', 'eip'])).toEqual({ error: 0b011, cr2: 0x41000, eip: pfCow });
    expect(r(20).toString(16)).toBe('22222222');
  });

  it('the walk set the accessed and dirty bits', () => {
    expect(r(24) & 0x60).toBe(0x60); // 0x40000: written
    expect(r(28) & 0x60).toBe(0x60); // 0x41000: read, then written
  });

  it('a page-crossing write faults on the second page before writing the first', () => {
    expect(frame(log[3], ['error', 'cr2', 'eip', 'snoop'])).toEqual({ error: 0b010, cr2: 0x51000, eip: pfCross, snoop: 0xaabbccdd });
    expect(r(32).toString(16)).toBe('2211ccdd');
    expect(r(36).toString(16)).toBe('4433');
  });

  it('CR0.WP: ring 0 wrote the read-only page with WP=0 and faulted with WP=1', () => {
    expect(frame(log[4], ['error', 'cr2', 'eip'])).toEqual({ error: 0b011, cr2: 0x42000, eip: wpFault });
    expect(r(40).toString(16)).toBe('33333333');
  });

  it('the TLB holds a translation until invlpg, then until a CR3 load', () => {
    expect([r(44), r(48), r(52)]).toEqual([0xa, 0xb, 0xc]);
  });

  it('mov ds with a TSS selector: #GP(selector), DS unchanged', () => {
    expect(frame(log[5], ['error', 'eip', 'cs'])).toEqual({ error: TSSSEL, eip: gpFault, cs: KCODE });
    expect(r(56)).toBe(0x10);
  });

  it('int3 is a trap: the frame points after it', () => {
    expect(log[6].eip).toBe(afterInt3);
  });

  it('counts the cycles of the whole program deterministically', () => {
    const again = new BareMetal().load(bin, LOAD).run();
    expect(again.cpu.cycles).toBe(m.cpu.cycles);
    expect(again.cpu.instret).toBe(m.cpu.instret);
    expect(m.mmu.stats.pageFaults).toBe(5);
  });
});

describe('rings.bin: ring 3 and back', () => {
  const { m, bin, r, log } = runFixture('rings.bin');
  const [
    afterSyscall, pfWrite, secret, hlt, movCr3, lgdt, int40, cli, port, afterGate, push, exit, userMain,
  ] = labels(bin, 13);
  const user = (e: LogEntry) => frame(e, ['vector', 'error', 'eip', 'cs', 'ss']);

  it('iret dropped to ring 3 and nulled the kernel segment left in GS', () => {
    expect(r(8)).toBe(UCODE);
    expect(r(12)).toBe(0);
    expect(userMain).toBeGreaterThan(LOAD);
  });

  it('int 0x80 through the DPL-3 trap gate: frame with the user SS:ESP, and back with the result', () => {
    expect(frame(log[0], ['vector', 'eip', 'cs', 'eflags', 'esp', 'ss'])).toEqual({
      vector: 0x80, eip: afterSyscall, cs: UCODE, eflags: 0x202, esp: USTACK, ss: UDATA,
    });
    expect(r(16)).toBe(7 + 5 * 256);
    expect(r(20)).toBe(USTACK);
  });

  it('a ring-3 write to a not-present page: #PF with W|U, restarted after the handler maps it', () => {
    expect(frame(log[1], ['vector', 'error', 'cr2', 'eip', 'cs', 'esp', 'ss'])).toEqual({
      vector: PF, error: 0b110, cr2: 0x45000, eip: pfWrite, cs: UCODE, esp: USTACK, ss: UDATA,
    });
    expect(r(24).toString(16)).toBe('55555555');
  });

  it('a supervisor page from ring 3: #PF with P|U', () => {
    expect(frame(log[2], ['vector', 'error', 'cr2', 'eip'])).toEqual({ vector: PF, error: 0b101, cr2: 0x30000, eip: secret });
  });

  it('privileged instructions at ring 3: #GP(0)', () => {
    expect(user(log[3])).toEqual({ vector: GP, error: 0, eip: hlt, cs: UCODE, ss: UDATA });
    expect(user(log[4])).toEqual({ vector: GP, error: 0, eip: movCr3, cs: UCODE, ss: UDATA });
    expect(user(log[5])).toEqual({ vector: GP, error: 0, eip: lgdt, cs: UCODE, ss: UDATA });
  });

  it('int 0x40 to a DPL-0 gate: #GP(0x40*8+2) at the int', () => {
    expect(user(log[6])).toEqual({ vector: GP, error: 0x40 * 8 + 2, eip: int40, cs: UCODE, ss: UDATA });
  });

  it('cli at CPL 3 with IOPL 0: #GP(0)', () => {
    expect(user(log[7])).toEqual({ vector: GP, error: 0, eip: cli, cs: UCODE, ss: UDATA });
  });

  it('popf at CPL 3 changed CF but neither IOPL nor IF', () => {
    expect(r(28) & 0x3200).toBe(0x200);
    expect(r(32)).toBe(0x203);
  });

  it('port 0xe9 is allowed by the TSS bitmap; 0xea is #GP(0)', () => {
    expect(m.ports.writes).toEqual([[0xe9, 'K'.charCodeAt(0)]]);
    expect(user(log[8])).toEqual({ vector: GP, error: 0, eip: port, cs: UCODE, ss: UDATA });
  });

  it('the call gate switched to the TSS stack and copied the parameter', () => {
    const espBefore = r(36);
    expect(r(0x300)).toBe(afterGate);
    expect(r(0x304)).toBe(UCODE);
    expect(r(0x308)).toBe(0x12345678);
    expect(r(0x30c)).toBe(espBefore - 4);
    expect(r(0x310)).toBe(UDATA);
    expect(r(0x314)).toBe(0x7e000 - 20);
    expect(r(0x318)).toBe(KCODE);
  });

  it('retf 4 returned to ring 3, released the parameter, and nulled ES', () => {
    expect(r(40)).toBe(r(36));
    expect(r(44)).toBe(0);
    expect(r(48)).toBe(UCODE);
  });

  it('a push into a not-present stack page: #PF with W|U, the frame has the old ESP; restarted', () => {
    expect(frame(log[9], ['vector', 'error', 'cr2', 'eip', 'esp', 'ss'])).toEqual({
      vector: PF, error: 0b110, cr2: 0x6dffc, eip: push, esp: 0x6e000, ss: UDATA,
    });
    expect(r(52)).toBe(0x6dffc);
    expect(r(56).toString(16)).toBe('5a5a5a5a');
  });

  it('came back to ring 0 through a #GP', () => {
    expect(user(log[10])).toEqual({ vector: GP, error: 0, eip: exit, cs: UCODE, ss: UDATA });
    expect(r(60)).toBe(KCODE);
    expect(m.cpu.cpl).toBe(0);
    expect(log.length).toBe(11);
  });
});
