// The machine: the CPU clocked against the devices. Exact IRQ0 counts after N cycles,
// idle hlt that jumps the cycle counter, stop reasons, determinism, slicing.
//
// The guest is tests/fixtures/ticker.bin (source beside it: nasm -f bin ticker.asm).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CPU_HZ, DEFAULT_MEM_SIZE, Machine, type MachineOptions } from '../src/machine.js';
import { PIT_HZ } from '../src/devices/pit.js';
import { hex } from './helpers/insn-runner.js';

const TICKER = new Uint8Array(readFileSync(new URL('./fixtures/ticker.bin', import.meta.url)));
const LOAD = 0x10000;
const DIVISOR = 0x12000;
const TICKS = 0x12004;
const BUSY = 0x12008;

interface Ticker {
  m: Machine;
  out: number[];
  ticks: () => number;
}

/**
 * The ticker guest. `guestDivisor` makes the guest program the PIT itself; otherwise the
 * test programs channel 0 (mode 2, `divisor`) through the I/O bus at cycle 0.
 */
function ticker(opts: MachineOptions & { divisor?: number; guestDivisor?: number; busy?: boolean } = {}): Ticker {
  const out: number[] = [];
  const m = new Machine({ memSize: 4 << 20, output: (b) => out.push(b), ...opts });
  m.load(LOAD, TICKER);
  m.mmu.i32[DIVISOR >> 2] = opts.guestDivisor ?? 0;
  m.mmu.u8[BUSY] = opts.busy ? 1 : 0;
  m.cpu.eip = LOAD;
  if (opts.divisor !== undefined) {
    m.io.out8(0x43, 0x34);
    m.io.out8(0x40, opts.divisor & 0xff);
    m.io.out8(0x40, (opts.divisor >> 8) & 0xff);
  }
  return { m, out, ticks: () => m.mmu.i32[TICKS >> 2] };
}

/** Rising edges of a mode-2 counter loaded at cycle 0 by cycle `cycles` (8254 "Mode 2"). */
function expectedEdges(cycles: number, hz: number, divisor: number): number {
  const ticks = (BigInt(cycles) * BigInt(PIT_HZ)) / BigInt(hz);
  const n = BigInt(divisor === 0 ? 0x10000 : divisor);
  return ticks >= 1n ? Number((ticks - 1n) / n) : 0;
}

describe('exact IRQ0 counts after N cycles', () => {
  const cases: Array<[number, number, number]> = [
    // cpuHz, divisor, cycles
    [100_000_000, 11932, 1_000_000_000], // 100 Hz for 10 s
    [100_000_000, 1193, 123_456_789], // 1 kHz
    [33_000_000, 2000, 100_000_000],
    [1_000_000_000, 0xffff, 2_000_000_000],
    [25_175_000, 0, 77_777_777], // count 0 = 65536: 18.2 Hz
    [4_000_000, 5000, 40_000_001],
  ];
  // Spinning guests execute every cycle (`jmp $`), so they get shorter runs.
  const spinning: Array<[number, number, number]> = [
    [100_000_000, 1193, 12_345_678],
    [33_000_000, 200, 5_000_000],
    [1_000_000_000, 0xffff, 15_000_000],
    [4_000_000, 50, 4_000_001],
  ];
  const all = [...cases.map((c) => [...c, false] as const), ...spinning.map((c) => [...c, true] as const)];
  for (const [hz, divisor, cycles, busy] of all) {
    it(`${hz} Hz, divisor ${divisor}, ${cycles} cycles, ${busy ? 'spinning' : 'halting'}`, () => {
      const { m, out, ticks } = ticker({ cpuHz: hz, divisor, busy });
      const r = m.run(cycles);
      expect(r.reason).toBe('limit');
      const expected = expectedEdges(m.cpu.cycles, hz, divisor);
      expect(m.pit.stats.irq0Edges).toBe(expected);
      // Every edge was taken by the guest, except possibly the last one, still pending.
      const pending = m.pic.master.irr & 1;
      expect(ticks() + pending).toBe(expected);
      expect(m.stats().irqs[0]).toBe(ticks());
      expect(out.length).toBe(ticks());
      if (!busy) expect(m.cpu.cycles).toBe(cycles); // idle jumps land exactly on the limit
      else expect(m.cpu.cycles - cycles).toBeLessThan(200); // one block of overrun at most
    });
  }

  it('IRQ0 is taken within one basic block of its edge cycle', () => {
    const { m } = ticker({ divisor: 1193, busy: true });
    const taken: number[] = [];
    m.cpu.onVector = (v) => {
      if (v === 0x20) taken.push(m.cpu.cycles);
    };
    m.run(3_000_000);
    expect(taken.length).toBeGreaterThan(5);
    for (let k = 0; k < taken.length; k++) {
      const edge = m.pit.cycleOfTick(1 + (k + 1) * 1193);
      const delay = taken[k] - edge;
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(150); // a `jmp $` block, plus the delivery itself
    }
  });

  it('a guest that reprograms the PIT mid-stretch gets its first IRQ on time', () => {
    // The PIT starts unprogrammed (no deadline), so run() plans one stretch to the limit;
    // the guest's `out` to the PIT must cut it short, or no IRQ arrives while it spins.
    const { m, ticks } = ticker({ guestDivisor: 1193, busy: true });
    const taken: number[] = [];
    m.cpu.onVector = (v) => {
      if (v === 0x20) taken.push(m.cpu.cycles);
    };
    m.run(3_000_000);
    const load = m.pit.channels[0].loadTick; // the clock after the guest's write
    const first = m.pit.cycleOfTick(load + 1193);
    expect(taken[0] - first).toBeGreaterThanOrEqual(0);
    expect(taken[0] - first).toBeLessThan(150);
    const t = m.pit.ticks(m.cpu.cycles);
    expect(ticks() + (m.pic.master.irr & 1)).toBe(Math.floor((t - load) / 1193));
  });
});

describe('hlt', () => {
  it('idles without executing: 100 guest seconds in a few thousand instructions', () => {
    const { m, ticks } = ticker({ divisor: 11932 });
    const t0 = performance.now();
    const r = m.run(100 * DEFAULT_CPU_HZ);
    const ms = performance.now() - t0;
    expect(r.reason).toBe('limit');
    expect(r.cycles).toBe(100 * DEFAULT_CPU_HZ);
    expect(m.guestSeconds).toBe(100);
    expect(ticks()).toBe(expectedEdges(r.cycles, DEFAULT_CPU_HZ, 11932) - (m.pic.master.irr & 1));
    expect(m.idleCycles).toBeGreaterThan(0.999 * r.cycles);
    expect(r.instructions).toBeLessThan(20 * ticks() + 100);
    // ~10 000 ticks; spinning through 10^10 cycles would take minutes.
    expect(ms).toBeLessThan(5000);
  });

  it('hlt with interrupts disabled halts forever', () => {
    const m = new Machine({ memSize: 1 << 20 });
    m.load(LOAD, hex('faf4')); // cli; hlt
    m.cpu.eip = LOAD;
    const r = m.run(1_000_000);
    expect(r.reason).toBe('halted');
    expect(r.message).toMatch(/interrupts disabled/);
    expect(r.cycles).toBeLessThan(100);
  });

  it('hlt with interrupts enabled but no interrupt source halts forever', () => {
    const m = new Machine({ memSize: 1 << 20 });
    m.load(LOAD, hex('fbf4')); // sti; hlt — the PIT is not counting
    m.cpu.eip = LOAD;
    const r = m.run(1_000_000);
    expect(r.reason).toBe('halted');
    expect(r.message).toMatch(/no interrupt source/);
  });

  it('a masked timer cannot wake the CPU', () => {
    const { m } = ticker({ divisor: 1000 });
    m.run(1_000_000);
    m.io.out8(0x21, 0xff); // mask everything
    const r = m.run(1_000_000_000);
    expect(r.reason).toBe('halted');
    expect(r.cycles).toBeLessThan(2_000_000);
  });
});

describe('stops', () => {
  it('triple fault stops the machine with a reason', () => {
    const m = new Machine({ memSize: 1 << 20 });
    m.load(LOAD, hex('0f0b')); // ud2, with an IDT too small for any vector
    m.cpu.idtLimit = 0;
    m.cpu.eip = LOAD;
    const r = m.run(1_000_000);
    expect(r.reason).toBe('shutdown');
    expect(r.message).toMatch(/triple fault/);
  });

  it('requestStop() breaks a sliced run', async () => {
    const { m } = ticker({ divisor: 1193, busy: true });
    setImmediate(() => m.requestStop());
    const r = await m.runSliced(10_000_000_000, 100_000);
    expect(r.reason).toBe('break');
    expect(r.cycles).toBeLessThan(10_000_000_000);
  });

  it('a run continues where the last one stopped', () => {
    const a = ticker({ divisor: 11932 });
    a.m.run(50_000_000);
    a.m.run(50_000_000);
    const b = ticker({ divisor: 11932 });
    b.m.run(100_000_000);
    expect(a.m.cpu.cycles).toBe(b.m.cpu.cycles);
    expect(a.ticks()).toBe(b.ticks());
  });
});

describe('output', () => {
  it('the UART and the 0xE9 port write to the output sink', () => {
    const out: number[] = [];
    const m = new Machine({ memSize: 1 << 20, output: (b) => out.push(b) });
    // mov dx,0x3f8; mov al,'h'; out dx,al; mov al,'i'; out dx,al; mov al,'!'; out 0xe9,al; cli; hlt
    m.load(LOAD, hex('66baf803b068eeb069eeb021e6e9faf4'));
    m.cpu.eip = LOAD;
    expect(m.run(1000).reason).toBe('halted');
    expect(String.fromCharCode(...out)).toBe('hi!');
  });
});

describe('determinism', () => {
  it('two runs give identical cycles, instructions and output', () => {
    const runs = [0, 1].map(() => {
      const t = ticker({ guestDivisor: 2345, busy: true });
      const r = t.m.run(5_000_000);
      return { r, out: t.out.join(','), ticks: t.ticks() };
    });
    expect(runs[0]).toEqual(runs[1]);
  });

  it('runSliced gives exactly what run gives, whatever the slice', async () => {
    const ref = ticker({ guestDivisor: 2345, busy: true });
    const r0 = ref.m.run(5_000_000);
    for (const slice of [1_000, 77_777, 4_000_000]) {
      const t = ticker({ guestDivisor: 2345, busy: true });
      const r = await t.m.runSliced(5_000_000, slice);
      expect(r).toEqual(r0);
      expect(t.out).toEqual(ref.out);
      expect(t.m.pit.stats.irq0Edges).toBe(ref.m.pit.stats.irq0Edges);
    }
  });
});

describe('options', () => {
  it('defaults: 64 MiB, 100 MHz', () => {
    const m = new Machine();
    expect(m.mmu.ramSize).toBe(DEFAULT_MEM_SIZE);
    expect(DEFAULT_MEM_SIZE).toBe(64 << 20);
    expect(m.cpuHz).toBe(100_000_000);
  });

  it('rejects bad memory sizes and frequencies', () => {
    expect(() => new Machine({ memSize: 2 << 30 })).toThrow(RangeError);
    expect(() => new Machine({ memSize: 1 << 19 })).toThrow(RangeError);
    expect(() => new Machine({ memSize: 1 << 20, cpuHz: 12.5 })).toThrow(RangeError);
  });

  it('the devices answer on their PC ports', () => {
    const m = new Machine({ memSize: 1 << 20 });
    expect(m.io.in8(0xe9)).toBe(0xe9);
    expect(m.io.in8(0x3fd)).toBe(0x60);
    expect(m.io.in8(0x21)).toBe(0x00);
    expect(m.io.in8(0x80)).toBe(0xff);
  });
});
