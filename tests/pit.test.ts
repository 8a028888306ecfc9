// The 8254 PIT: programming through ports 0x40-0x43, waveforms of modes 0-5, latches,
// read-back, and exact clock arithmetic from the CPU cycle counter.

import { describe, expect, it } from 'vitest';
import { PIT_HZ, Pit, mulDivCeil, mulDivFloor } from '../src/devices/pit.js';
import { IrqRecorder } from './helpers/irq-recorder.js';
import { IoBus } from '../src/devices/io.js';
import { SystemPortB } from '../src/devices/sysport.js';

/** A PIT on a bus, with a settable cycle counter. 10 CPU cycles per PIT clock by default. */
function rig(cpuHz = PIT_HZ * 10) {
  const clock = { cycles: 0 };
  const irq = new IrqRecorder(0, clock);
  const pit = new Pit(cpuHz, clock, irq);
  irq.reset(); // forget the power-on level the PIT drove
  const bus = new IoBus();
  bus.register(0x40, 4, pit);
  const port61 = new SystemPortB(pit);
  bus.register(0x61, 1, port61);
  const at = (cycles: number) => {
    clock.cycles = cycles;
    pit.update(cycles);
  };
  /** Move to PIT clock t, stopping at every IRQ0 deadline on the way as the machine does. */
  const tick = (t: number) => {
    const target = pit.cycleOfTick(t);
    while (pit.nextDeadline() < target) at(pit.nextDeadline());
    at(target);
  };
  const program = (ch: number, mode: number, count: number, access = 3) => {
    bus.out8(0x43, (ch << 6) | (access << 4) | (mode << 1));
    if (access & 1) bus.out8(0x40 + ch, count & 0xff);
    if (access & 2) bus.out8(0x40 + ch, (count >> 8) & 0xff);
  };
  const read16 = (ch: number) => bus.in8(0x40 + ch) | (bus.in8(0x40 + ch) << 8);
  const latchRead = (ch: number) => {
    bus.out8(0x43, ch << 6);
    return read16(ch);
  };
  return { clock, irq, pit, bus, at, tick, program, read16, latchRead };
}

describe('exact clock arithmetic', () => {
  it('mulDivFloor / mulDivCeil agree with BigInt', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const hzs = [1_000_000, 33_000_000, 100_000_000, 1_193_182, 2_999_999_999, 2 ** 32];
    const samples = [0, 1, 2 ** 53 - 1, 2 ** 52 + 12345, 999_999_999_999];
    for (let k = 0; k < 2000; k++) samples.push(Math.floor(rand() * 2 ** (rand() * 53)));
    for (const hz of hzs) {
      for (const c of samples) {
        const exactFloor = (BigInt(c) * BigInt(PIT_HZ)) / BigInt(hz);
        expect(mulDivFloor(c, PIT_HZ, hz)).toBe(Number(exactFloor));
        const t = Number(exactFloor > 2n ** 52n ? exactFloor / 2n : exactFloor);
        const num = BigInt(t) * BigInt(hz);
        const exactCeil = (num + BigInt(PIT_HZ) - 1n) / BigInt(PIT_HZ);
        expect(mulDivCeil(t, hz, PIT_HZ)).toBe(Number(exactCeil));
      }
    }
  });

  it('ticks and cycleOfTick are inverse: tick T happens at the first cycle where ticks() reaches T', () => {
    const pit = new Pit(100_000_000, { cycles: 0 }, { setIrq() {}, raiseIrq() {}, lowerIrq() {} });
    for (const t of [1, 2, 11932, 1193182, 123456789, 2 ** 45 + 7]) {
      const c = pit.cycleOfTick(t);
      expect(pit.ticks(c)).toBe(t);
      expect(pit.ticks(c - 1)).toBe(t - 1);
    }
  });

  it('rejects CPU frequencies the arithmetic cannot keep exact', () => {
    const irqs = { setIrq() {}, raiseIrq() {}, lowerIrq() {} };
    expect(() => new Pit(999_999, { cycles: 0 }, irqs)).toThrow(RangeError);
    expect(() => new Pit(2 ** 32 + 1, { cycles: 0 }, irqs)).toThrow(RangeError);
    expect(() => new Pit(1.5e8 + 0.5, { cycles: 0 }, irqs)).toThrow(RangeError);
  });
});

describe('mode 2 (rate generator)', () => {
  it('raises IRQ0 every N clocks, the first N+1 clocks after the write', () => {
    const r = rig();
    r.program(0, 2, 100);
    expect(r.pit.nextDeadline()).toBe(r.pit.cycleOfTick(101));
    r.tick(100);
    expect(r.irq.rising).toBe(0);
    r.tick(101);
    expect(r.irq.rising).toBe(1);
    expect(r.irq.risingAt[0]).toBe(r.pit.cycleOfTick(101));
    expect(r.pit.nextDeadline()).toBe(r.pit.cycleOfTick(201));
    r.tick(1000);
    expect(r.irq.rising).toBe(9); // 101, 201, ... 901
  });

  it('OUT goes low for one clock when the count reaches 1', () => {
    const r = rig();
    r.program(2, 2, 4);
    r.bus.out8(0x61, 1); // gate 2 high
    const outs: number[] = [];
    const counts: number[] = [];
    const t0 = r.pit.ticks(r.clock.cycles);
    for (let t = t0 + 1; t <= t0 + 9; t++) {
      r.tick(t);
      outs.push((r.bus.in8(0x61) >> 5) & 1);
      counts.push(r.latchRead(2));
    }
    // Loaded on the first clock after the trigger: 4 3 2 1(low) 4 3 2 1(low) 4
    expect(counts).toEqual([4, 3, 2, 1, 4, 3, 2, 1, 4]);
    expect(outs).toEqual([1, 1, 1, 0, 1, 1, 1, 0, 1]);
  });

  it('a new count written while counting takes effect at the next reload', () => {
    const r = rig();
    r.program(0, 2, 100);
    r.tick(150); // mid second period (edges at 101, 201)
    r.bus.out8(0x40, 10); // LSB of the new count
    r.bus.out8(0x40, 0); // MSB: count 10
    expect(r.pit.nextDeadline()).toBe(r.pit.cycleOfTick(201));
    r.tick(201);
    expect(r.irq.rising).toBe(2);
    r.tick(241);
    expect(r.irq.rising).toBe(6); // 211, 221, 231, 241
  });

  it('a control word stops counting until a count is written', () => {
    const r = rig();
    r.program(0, 2, 100);
    r.tick(50);
    r.bus.out8(0x43, 0x34); // channel 0, LSB+MSB, mode 2
    expect(r.pit.nextDeadline()).toBe(Infinity);
    r.tick(500);
    expect(r.irq.rising).toBe(0);
    r.bus.out8(0x40, 20);
    r.bus.out8(0x40, 0);
    expect(r.pit.nextDeadline()).toBe(r.pit.cycleOfTick(521));
  });

  it('count 0 means 65536', () => {
    const r = rig();
    r.program(0, 2, 0);
    expect(r.pit.nextDeadline()).toBe(r.pit.cycleOfTick(65537));
    r.tick(2);
    expect(r.latchRead(0)).toBe(65535);
  });

  it('mode field 6 is mode 2', () => {
    const r = rig();
    r.program(0, 6, 100);
    expect(r.pit.nextDeadline()).toBe(r.pit.cycleOfTick(101));
  });
});

describe('mode 3 (square wave)', () => {
  const waveform = (count: number, clocks: number) => {
    const r = rig();
    r.bus.out8(0x61, 1);
    r.program(2, 3, count);
    const t0 = r.pit.ticks(r.clock.cycles);
    const outs: number[] = [];
    for (let t = t0 + 1; t <= t0 + clocks; t++) {
      r.tick(t);
      outs.push(r.pit.out(2) ? 1 : 0);
    }
    return outs;
  };

  it('even counts: high N/2, low N/2', () => {
    expect(waveform(6, 13).join('')).toBe('1110001110001');
  });

  it('odd counts: high (N+1)/2, low (N-1)/2', () => {
    expect(waveform(5, 11).join('')).toBe('11100111001');
  });

  it('counts down by two', () => {
    const r = rig();
    r.program(0, 3, 8);
    const vals: number[] = [];
    for (let t = 1; t <= 9; t++) {
      r.tick(t);
      vals.push(r.latchRead(0));
    }
    expect(vals).toEqual([8, 6, 4, 2, 8, 6, 4, 2, 8]);
  });

  it('rising edges every N clocks drive IRQ0', () => {
    const r = rig();
    r.program(0, 3, 1000);
    r.tick(10_000);
    expect(r.irq.rising).toBe(9); // 1001 ... 9001
    expect(r.pit.nextDeadline()).toBe(r.pit.cycleOfTick(10_001));
  });

  it('a new count written in the high half is loaded at the end of that half-cycle', () => {
    const r = rig();
    r.program(0, 3, 100); // load at 1; high 1..50, low 51..100, rising at 101
    r.tick(120); // high half of the second period (101..150)
    r.bus.out8(0x40, 20);
    r.bus.out8(0x40, 0);
    r.tick(150);
    expect(r.pit.out(0)).toBe(true);
    r.tick(151); // the half-cycle ends: the new count starts with its low half (10 clocks)
    expect(r.pit.out(0)).toBe(false);
    expect(r.pit.nextDeadline()).toBe(r.pit.cycleOfTick(161));
    r.tick(161);
    expect(r.pit.out(0)).toBe(true);
    r.tick(181);
    expect(r.irq.rising).toBe(3); // 101, 161, 181
  });

  it('a new count written in the low half is loaded at the rising edge', () => {
    const r = rig();
    r.program(0, 3, 100);
    r.tick(60); // low half of the first period
    r.bus.out8(0x40, 20);
    r.bus.out8(0x40, 0);
    expect(r.pit.nextDeadline()).toBe(r.pit.cycleOfTick(101));
    r.tick(121);
    expect(r.irq.rising).toBe(2); // 101, 121
  });
});

describe('mode 0 (interrupt on terminal count)', () => {
  it('OUT rises N+1 clocks after the write and stays high; the counter wraps', () => {
    const r = rig();
    r.program(0, 0, 10);
    expect(r.pit.out(0)).toBe(false);
    r.tick(10);
    expect(r.pit.out(0)).toBe(false);
    expect(r.latchRead(0)).toBe(1);
    r.tick(11);
    expect(r.pit.out(0)).toBe(true);
    expect(r.irq.rising).toBe(1);
    expect(r.latchRead(0)).toBe(0);
    r.tick(13);
    expect(r.latchRead(0)).toBe(0xfffe);
    expect(r.pit.out(0)).toBe(true);
    expect(r.pit.nextDeadline()).toBe(Infinity);
  });

  it('writing a new count restarts counting; the first byte of two sets OUT low at once', () => {
    const r = rig();
    r.program(0, 0, 10);
    r.tick(20);
    expect(r.pit.out(0)).toBe(true);
    r.bus.out8(0x40, 5);
    expect(r.pit.out(0)).toBe(false);
    expect(r.irq.level).toBe(false);
    r.tick(30);
    expect(r.pit.out(0)).toBe(false); // counting is disabled until the MSB
    r.bus.out8(0x40, 0);
    r.tick(35);
    expect(r.pit.out(0)).toBe(false);
    r.tick(36);
    expect(r.pit.out(0)).toBe(true);
    expect(r.irq.rising).toBe(2);
  });

  it('a control word sets OUT low', () => {
    const r = rig();
    r.program(0, 2, 10); // OUT high
    expect(r.irq.level).toBe(true);
    r.bus.out8(0x43, 0x30); // mode 0
    expect(r.pit.out(0)).toBe(false);
    expect(r.irq.level).toBe(false);
  });

  it('GATE low suspends counting (channel 2)', () => {
    const r = rig();
    r.bus.out8(0x61, 1);
    r.program(2, 0, 10);
    r.tick(5); // value 6
    r.bus.out8(0x61, 0);
    r.tick(100);
    expect(r.latchRead(2)).toBe(6);
    expect(r.pit.out(2)).toBe(false);
    r.bus.out8(0x61, 1);
    r.tick(105);
    expect(r.pit.out(2)).toBe(false);
    r.tick(106);
    expect(r.pit.out(2)).toBe(true);
    expect((r.bus.in8(0x61) >> 5) & 1).toBe(1);
  });
});

describe('modes 1, 4 and 5', () => {
  it('mode 4 strobes OUT low for one clock N+1 clocks after the write', () => {
    const r = rig();
    r.program(0, 4, 5);
    const outs: number[] = [];
    for (let t = 1; t <= 8; t++) {
      r.tick(t);
      outs.push(r.pit.out(0) ? 1 : 0);
    }
    expect(r.irq.risingAt).toEqual([r.pit.cycleOfTick(7)]);
    expect(outs.join('')).toBe('11111011'); // low on clock N+1 = 6 (8254 "Mode 4")
    expect(r.irq.rising).toBe(1);
  });

  it('mode 1 waits for a GATE trigger, then OUT is low for N clocks', () => {
    const r = rig();
    r.program(2, 1, 3);
    r.tick(10);
    expect(r.pit.out(2)).toBe(true);
    r.bus.out8(0x61, 1); // trigger at clock 10: load at 11
    const outs: number[] = [];
    for (let t = 11; t <= 15; t++) {
      r.tick(t);
      outs.push(r.pit.out(2) ? 1 : 0);
    }
    expect(outs.join('')).toBe('00011');
  });

  it('mode 5 strobes after a GATE trigger', () => {
    const r = rig();
    r.program(2, 5, 2);
    r.tick(4);
    r.bus.out8(0x61, 1); // load at 5, strobe at 7
    const outs: number[] = [];
    for (let t = 5; t <= 8; t++) {
      r.tick(t);
      outs.push(r.pit.out(2) ? 1 : 0);
    }
    expect(outs.join('')).toBe('1101');
  });
});

describe('reading counters', () => {
  it('LSB/MSB reads toggle; a latch freezes the value until read', () => {
    const r = rig();
    r.program(0, 2, 0x1234);
    r.tick(1);
    expect(r.read16(0)).toBe(0x1234);
    r.bus.out8(0x43, 0x00); // latch counter 0
    r.tick(0x100 + 1);
    r.bus.out8(0x43, 0x00); // ignored: already latched
    expect(r.read16(0)).toBe(0x1234);
    expect(r.read16(0)).toBe(0x1134); // unlatched: live value
  });

  it('LSB-only and MSB-only access', () => {
    const r = rig();
    r.program(0, 2, 0x50, 1); // LSB only: count 0x0050
    r.tick(1);
    expect(r.bus.in8(0x40)).toBe(0x50);
    expect(r.bus.in8(0x40)).toBe(0x50);
    r.program(1, 2, 0x0300, 2); // MSB only: count 0x0300
    r.tick(2);
    expect(r.bus.in8(0x41)).toBe(0x03);
  });

  it('read-back command latches status and count', () => {
    const r = rig();
    r.program(0, 3, 1000);
    // Status before the count is loaded: NULL COUNT set, OUT high, RW=11, mode 3.
    r.bus.out8(0x43, 0b1110_0010); // read-back, status only, counter 0
    expect(r.bus.in8(0x40)).toBe(0x80 | 0x40 | 0x30 | 0x06);
    r.tick(3);
    r.bus.out8(0x43, 0b1100_0010); // count and status
    r.tick(100);
    expect(r.bus.in8(0x40)).toBe(0x80 | 0x30 | 0x06); // status first; count now loaded
    expect(r.read16(0)).toBe(1000 - 4); // count latched at clock 3
  });

  it('the control port reads as all ones', () => {
    const r = rig();
    expect(r.bus.in8(0x43)).toBe(0xff);
  });
});

describe('BCD counting', () => {
  it('counts in four decimal digits', () => {
    const r = rig();
    r.bus.out8(0x43, 0x35); // channel 0, LSB+MSB, mode 2, BCD
    r.bus.out8(0x40, 0x00);
    r.bus.out8(0x40, 0x10); // 1000 decimal
    expect(r.pit.nextDeadline()).toBe(r.pit.cycleOfTick(1001));
    r.tick(2);
    expect(r.latchRead(0)).toBe(0x0999);
  });

  it('count 0 is 10000 in BCD', () => {
    const r = rig();
    r.bus.out8(0x43, 0x35);
    r.bus.out8(0x40, 0);
    r.bus.out8(0x40, 0);
    expect(r.pit.nextDeadline()).toBe(r.pit.cycleOfTick(10001));
  });
});

describe('port 0x61', () => {
  it('refresh detect toggles every 18 PIT clocks', () => {
    const r = rig();
    const bits: number[] = [];
    for (let t = 0; t < 72; t += 9) {
      r.tick(t);
      bits.push((r.bus.in8(0x61) >> 4) & 1);
    }
    expect(bits).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
  });

  it('bits 0-3 read back; bit 5 is channel 2 OUT', () => {
    const r = rig();
    r.program(2, 0, 3);
    r.bus.out8(0x61, 0x03);
    expect(r.bus.in8(0x61) & 0x2f).toBe(0x03);
    r.tick(4);
    expect(r.bus.in8(0x61) & 0x20).toBe(0x20);
  });
});

describe('IRQ0 at several CPU frequencies', () => {
  // Exact expectation from first principles: a count written at cycle 0 is loaded on
  // clock 1; rising edges at clocks 1 + kN; clock T happens at cycle ceil(T*hz/PIT_HZ).
  for (const hz of [1_000_000, 33_333_333, 100_000_000, 1_000_000_000]) {
    for (const n of [2, 1193, 11932, 0x10000]) {
      it(`${hz} Hz, count ${n}`, () => {
        const clock = { cycles: 0 };
        const irq = new IrqRecorder(0, clock);
        const pit = new Pit(hz, clock, irq);
        irq.reset();
        pit.out8(0x43, 0x34);
        pit.out8(0x40, n & 0xff);
        pit.out8(0x40, (n >> 8) & 0xff);
        // three seconds, or 5000 periods if that is shorter, and a bit
        const cycles = Math.min(3 * hz, Math.ceil((5000 * n * hz) / PIT_HZ)) + 12345;
        // step from deadline to deadline, as the machine does
        let steps = 0;
        while (pit.nextDeadline() <= cycles && steps < 2_000_000) {
          const d = pit.nextDeadline();
          clock.cycles = d;
          pit.update(d);
          steps++;
        }
        clock.cycles = cycles;
        pit.update(cycles);
        const ticks = (BigInt(cycles) * BigInt(PIT_HZ)) / BigInt(hz);
        const expected = ticks >= 1n ? Number((ticks - 1n) / BigInt(n)) : 0;
        expect(irq.rising).toBe(expected);
        expect(pit.stats.irq0Edges).toBe(expected);
        // each edge at exactly the cycle of its clock
        for (let k = 0; k < Math.min(5, irq.risingAt.length); k++) {
          const t = 1 + (k + 1) * n;
          expect(irq.risingAt[k]).toBe(Number((BigInt(t) * BigInt(hz) + BigInt(PIT_HZ) - 1n) / BigInt(PIT_HZ)));
        }
      });
    }
  }

  it('a single update over many periods produces one request (the PIC latch holds one)', () => {
    const clock = { cycles: 0 };
    const irq = new IrqRecorder(0, clock);
    const pit = new Pit(100_000_000, clock, irq);
    irq.reset();
    pit.out8(0x43, 0x34);
    pit.out8(0x40, 100);
    pit.out8(0x40, 0);
    clock.cycles = 100_000_000;
    pit.update(clock.cycles);
    expect(irq.rising).toBe(1);
    expect(pit.nextDeadline()).toBeGreaterThan(clock.cycles);
  });
});
