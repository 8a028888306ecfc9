// The segment-load memo of src/cpu/segments.ts (loadDataSegment skips re-checking when a
// selector's descriptor dwords, selector and CPL are those of the last load into that
// register): differential against a reference written from the SDM's MOV/POP Sreg
// pseudo-code, over random sequences of loads mixed with GDT edits (presence, DPL, type,
// base, limit, the accessed bit cleared), GDT limit changes and CPL changes. Every load
// must give the reference's fault or cache contents, set the accessed bit in memory when
// it was clear, and leave everything as it was when it faults.

import { describe, expect, it } from 'vitest';
import { SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, VEC_GP, VEC_NP, VEC_SS } from '../src/cpu/constants.js';
import { FAULT } from '../src/cpu/fault.js';
import { loadDataSegment } from '../src/cpu/segments.js';
import { GDT, pm, segment } from './helpers/pm.js';
import { mulberry32 } from './helpers/rng.js';

const SEED = Number(process.env.FORKBOX_SEED ?? Date.now() % 1e9);
const SEGS = [SEG_ES, SEG_SS, SEG_DS, SEG_FS, SEG_GS];
/** GDT entries the test edits: indexes 17..24 (selectors 0x88..0xc0). */
const FIRST = 17, COUNT = 8;

type Expect = { fault: [number, number] } | { base: number; limit: number; attr: number; hi: number };

/** MOV Sreg / POP Sreg in protected mode (SDM vol. 2), from the GDT bytes in memory. */
function reference(read32: (a: number) => number, gdtLimit: number, cpl: number, seg: number, sel: number): Expect | 'null' {
  const err = sel & 0xfffc, rpl = sel & 3, index = sel & 0xfff8;
  const inTable = (sel & 4) === 0 && index + 7 <= gdtLimit;
  if (seg === SEG_SS) {
    if (err === 0) return { fault: [VEC_GP, 0] };
    if (rpl !== cpl) return { fault: [VEC_GP, err] };
  } else if (err === 0) return 'null';
  if (!inTable) return { fault: [VEC_GP, err] };
  const lo = read32(GDT + index), hi = read32(GDT + index + 4);
  const s = (hi >>> 12) & 1, type = (hi >>> 8) & 0xf, dpl = (hi >>> 13) & 3, p = (hi >>> 15) & 1;
  const code = (type & 8) !== 0, writable = !code && (type & 2) !== 0, readable = !code || (type & 2) !== 0;
  if (seg === SEG_SS) {
    if (s === 0 || !writable || dpl !== cpl) return { fault: [VEC_GP, err] };
    if (!p) return { fault: [VEC_SS, err] };
  } else {
    if (s === 0 || !readable) return { fault: [VEC_GP, err] };
    const conforming = code && (type & 4) !== 0;
    if (!conforming && (rpl > dpl || cpl > dpl)) return { fault: [VEC_GP, err] };
    if (!p) return { fault: [VEC_NP, err] };
  }
  const h = (hi | 0x100) >>> 0; // accessed
  const base = ((lo >>> 16) | ((h & 0xff) << 16) | (h & 0xff000000)) >>> 0;
  const raw = (lo & 0xffff) | (h & 0xf0000);
  const limit = h & 0x800000 ? ((raw * 4096) + 0xfff) >>> 0 : raw;
  return { base, limit, attr: (h >>> 8) & 0xffff, hi: h };
}

describe(`segment-load memo vs the SDM (seed ${SEED}: FORKBOX_SEED=${SEED} to reproduce)`, () => {
  it('random loads, GDT edits and CPL changes: same faults, caches and accessed bits', () => {
    const rnd = mulberry32(SEED);
    const pick = <T>(xs: T[]) => xs[rnd() % xs.length];
    let loads = 0, faults = 0, repeats = 0, accessedSet = 0;
    for (let round = 0; round < 20; round++) {
      const r = pm('f4');
      const cpu = r.cpu;
      const read32 = (a: number) => r.read32(a);
      const randomDesc = (): [number, number] => {
        const p = rnd() % 8 !== 0 ? 0x80 : 0, dpl = pick([0, 3, 3, 0, 1, 2]), sbit = rnd() % 10 !== 0 ? 0x10 : 0;
        const type = pick([0x2, 0x3, 0x0, 0x1, 0x6, 0xa, 0xb, 0x8, 0xe, 0xf, 0x2, 0x3]) | (rnd() & 1);
        return segment(rnd() & (rnd() % 2 ? 0 : 0xfffff000), rnd() % 3 ? 0xfffff : rnd() & 0xfffff, p | (dpl << 5) | sbit | type, pick([0xc, 0x4, 0x8, 0x0]));
      };
      for (let e = 0; e < COUNT; e++) r.mem32(GDT + (FIRST + e) * 8, ...randomDesc());
      const last = new Map<number, number>();
      for (let step = 0; step < 400; step++) {
        const op = rnd() % 100;
        if (op < 12) {
          const at = GDT + (FIRST + (rnd() % COUNT)) * 8;
          const what = rnd() % 3;
          if (what === 0) r.mem32(at, ...randomDesc());
          else if (what === 1) r.mem32(at + 4, r.read32(at + 4) & ~0x100); // accessed bit cleared
          else r.mem32(at, (r.read32(at) ^ (1 << (16 + (rnd() % 16)))) | 0); // base bits only
          continue;
        }
        if (op < 18) { cpu.setCpl(pick([0, 3])); continue; }
        if (op < 21) { cpu.gdtLimit = pick([0xff, 0xff, (FIRST + (rnd() % COUNT)) * 8 + 7, (FIRST + (rnd() % COUNT)) * 8 + 3]); continue; }
        const seg = pick(SEGS);
        let sel: number;
        if (last.has(seg) && rnd() % 2) { sel = last.get(seg)!; repeats++; }
        else sel = rnd() % 25 === 0 ? rnd() & 3 : rnd() % 30 === 0 ? (rnd() & 0xffff) : ((FIRST + (rnd() % COUNT)) << 3) | (rnd() & 3);
        last.set(seg, sel);
        const want = reference(read32, cpu.gdtLimit, cpu.cpl, seg, sel);
        const before = { sel: cpu.segSel[seg], base: cpu.segBase[seg], limit: cpu.segLimit[seg], attr: cpu.segAttr[seg] };
        const index = sel & 0xfff8;
        const hiBefore = r.read32(GDT + index + 4);
        let got: [number, number] | null = null;
        try {
          loadDataSegment(cpu, seg, sel);
        } catch (x) {
          if (x !== FAULT) throw x;
          got = [FAULT.vector, FAULT.error];
        }
        loads++;
        const where = `round ${round} step ${step}: seg ${seg} sel ${sel.toString(16)} cpl ${cpu.cpl}`;
        if (want === 'null') {
          expect(got, where).toBe(null);
          expect([cpu.segSel[seg], cpu.segAttr[seg]], where).toEqual([sel, 0]);
        } else if ('fault' in want) {
          faults++;
          expect(got, where).toEqual(want.fault);
          expect({ sel: cpu.segSel[seg], base: cpu.segBase[seg], limit: cpu.segLimit[seg], attr: cpu.segAttr[seg] }, where).toEqual(before);
          expect(r.read32(GDT + index + 4), where).toBe(hiBefore);
        } else {
          expect(got, where).toBe(null);
          expect([cpu.segSel[seg], cpu.segBase[seg] >>> 0, cpu.segLimit[seg], cpu.segAttr[seg]], where).toEqual([sel, want.base, want.limit, want.attr]);
          if ((hiBefore & 0x100) === 0) accessedSet++;
          expect(r.read32(GDT + index + 4), where).toBe(want.hi);
          expect(cpu.segFlat[seg], where).toBe(want.limit === 0xffffffff && (want.attr & 0x1a) === 0x12 ? 1 : 0);
        }
      }
    }
    // The run exercised what it claims to: repeated loads (memo hits), faults, accessed bits set again.
    expect(loads).toBeGreaterThan(5000);
    expect(repeats).toBeGreaterThan(1500);
    expect(faults).toBeGreaterThan(300);
    expect(accessedSet).toBeGreaterThan(50);
  });

  it('an edited GDT entry is seen by the next load of the same selector', () => {
    const r = pm('f4');
    const cpu = r.cpu;
    const sel = FIRST << 3;
    r.mem32(GDT + sel, ...segment(0x10000, 0xfffff, 0x92));
    loadDataSegment(cpu, SEG_DS, sel);
    loadDataSegment(cpu, SEG_DS, sel); // memoized now
    expect(cpu.segBase[SEG_DS]).toBe(0x10000);
    r.mem32(GDT + sel, ...segment(0x20000, 0xfffff, 0x92));
    loadDataSegment(cpu, SEG_DS, sel);
    expect(cpu.segBase[SEG_DS]).toBe(0x20000);
    expect(r.read32(GDT + sel + 4) & 0x100).toBe(0x100); // accessed set again in memory
    r.mem32(GDT + sel, ...segment(0x20000, 0xfffff, 0x12)); // not present
    expect(() => loadDataSegment(cpu, SEG_DS, sel)).toThrow();
    expect([FAULT.vector, FAULT.error]).toEqual([VEC_NP, sel]);
    r.mem32(GDT + sel, ...segment(0x20000, 0xfffff, 0x92));
    loadDataSegment(cpu, SEG_DS, sel);
    cpu.setCpl(3); // same selector and bytes, another CPL: DPL 0 < CPL 3
    expect(() => loadDataSegment(cpu, SEG_DS, sel)).toThrow();
    expect([FAULT.vector, FAULT.error]).toEqual([VEC_GP, sel]);
    cpu.gdtLimit = sel + 3; // the table shrank under the entry
    cpu.setCpl(0);
    expect(() => loadDataSegment(cpu, SEG_DS, sel)).toThrow();
    expect([FAULT.vector, FAULT.error]).toEqual([VEC_GP, sel]);
  });
});
