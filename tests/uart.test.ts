// The 16550 UART at 0x3F8, the 0xE9 debug console, and the I/O bus they sit on.

import { describe, expect, it } from 'vitest';
import { Uart16550 } from '../src/devices/uart.js';
import { DebugCon } from '../src/devices/debugcon.js';
import { IoBus, type IoDevice } from '../src/devices/io.js';
import { IrqRecorder } from './helpers/irq-recorder.js';

function rig() {
  const out: number[] = [];
  const irq = new IrqRecorder(4);
  const uart = new Uart16550(0x3f8, 4, irq, (b) => out.push(b));
  const bus = new IoBus();
  bus.register(0x3f8, 8, uart);
  const text = () => String.fromCharCode(...out);
  return { out, irq, uart, bus, text };
}

describe('16550 UART', () => {
  it('THR writes go to the sink; LSR reports THRE and TEMT', () => {
    const { bus, text } = rig();
    for (const c of 'hi\n') bus.out8(0x3f8, c.charCodeAt(0));
    expect(text()).toBe('hi\n');
    expect(bus.in8(0x3fd)).toBe(0x60);
  });

  it('reset values: IER 0, IIR 1 (none pending), LCR 0, MCR 0, MSR lines CTS DSR DCD', () => {
    const { bus } = rig();
    expect(bus.in8(0x3f9)).toBe(0);
    expect(bus.in8(0x3fa)).toBe(0x01);
    expect(bus.in8(0x3fb)).toBe(0);
    expect(bus.in8(0x3fc)).toBe(0);
    expect(bus.in8(0x3fe)).toBe(0xb0);
  });

  it('the divisor latch is reached with DLAB and does not disturb THR/IER', () => {
    const { bus, out } = rig();
    bus.out8(0x3fb, 0x83); // DLAB, 8N1
    bus.out8(0x3f8, 0x01); // DLL: 115200 baud
    bus.out8(0x3f9, 0x00); // DLM
    expect(bus.in8(0x3f8)).toBe(0x01);
    expect(bus.in8(0x3f9)).toBe(0x00);
    expect(out.length).toBe(0);
    bus.out8(0x3fb, 0x03);
    expect(bus.in8(0x3fb)).toBe(0x03);
    expect(bus.in8(0x3f9)).toBe(0); // IER again
  });

  it('scratch register', () => {
    const { bus } = rig();
    bus.out8(0x3ff, 0x5a);
    expect(bus.in8(0x3ff)).toBe(0x5a);
  });

  it('FCR enables the FIFOs: IIR bits 7-6 set', () => {
    const { bus } = rig();
    bus.out8(0x3fa, 0xc7);
    expect(bus.in8(0x3fa)).toBe(0xc1);
  });

  it('THRE interrupt: raised when enabled with OUT2, cleared by reading IIR, re-raised per byte', () => {
    const { bus, irq } = rig();
    bus.out8(0x3f9, 0x02); // ETBEI
    expect(bus.in8(0x3fa)).toBe(0x02); // THRE pending; this read clears it
    expect(bus.in8(0x3fa)).toBe(0x01);
    expect(irq.level).toBe(false); // OUT2 was off: the pin never rose
    bus.out8(0x3fc, 0x08); // OUT2
    bus.out8(0x3f8, 0x41);
    expect(irq.level).toBe(true);
    expect(irq.rising).toBe(1);
    bus.out8(0x3f8, 0x42); // a new edge per byte sent
    expect(irq.rising).toBe(2);
    expect(bus.in8(0x3fa)).toBe(0x02);
    expect(irq.level).toBe(false);
  });

  it('received data: LSR.DR, RBR in order, IRQ4 with ERBFI', () => {
    const { bus, irq, uart } = rig();
    bus.out8(0x3fc, 0x08);
    bus.out8(0x3f9, 0x01);
    expect(bus.in8(0x3fd) & 1).toBe(0);
    uart.receive('ok');
    expect(irq.level).toBe(true);
    expect(bus.in8(0x3fa)).toBe(0x04);
    expect(bus.in8(0x3fd) & 1).toBe(1);
    expect(bus.in8(0x3f8)).toBe(0x6f);
    expect(irq.level).toBe(true);
    expect(bus.in8(0x3f8)).toBe(0x6b);
    expect(irq.level).toBe(false);
    expect(bus.in8(0x3fd) & 1).toBe(0);
    expect(bus.in8(0x3fa)).toBe(0x01);
  });

  it('received data has priority over THRE', () => {
    const { bus, uart } = rig();
    bus.out8(0x3f9, 0x03);
    uart.receive('x');
    expect(bus.in8(0x3fa)).toBe(0x04);
    bus.in8(0x3f8);
    expect(bus.in8(0x3fa)).toBe(0x02);
  });

  it('loopback: transmitted bytes come back, MSR mirrors MCR, the IRQ pin is off', () => {
    const { bus, out, irq } = rig();
    bus.out8(0x3fc, 0x1f); // LOOP + OUT2 + OUT1 + RTS + DTR
    expect(bus.in8(0x3fe) & 0xf0).toBe(0xf0);
    bus.out8(0x3f9, 0x01);
    bus.out8(0x3f8, 0xae);
    expect(out.length).toBe(0);
    expect(irq.level).toBe(false);
    expect(bus.in8(0x3fd) & 1).toBe(1);
    expect(bus.in8(0x3f8)).toBe(0xae);
    bus.out8(0x3fc, 0x10); // LOOP only: CTS DSR RI DCD drop
    expect(bus.in8(0x3fe)).toBe(0x0f); // ΔCTS ΔDSR TERI ΔDCD
    expect(bus.in8(0x3fe)).toBe(0x00); // deltas cleared by the read
  });
});

describe('0xE9 debug console', () => {
  it('writes bytes to the sink and reads back 0xE9', () => {
    const out: number[] = [];
    const con = new DebugCon((b) => out.push(b));
    const bus = new IoBus();
    bus.register(0xe9, 1, con);
    bus.out8(0xe9, 0x41);
    bus.out16(0xe9, 0x4342); // low byte to 0xE9, high byte to 0xEA (nothing there)
    expect(out).toEqual([0x41, 0x42]);
    expect(bus.in8(0xe9)).toBe(0xe9);
    expect(con.bytes).toBe(2);
  });
});

describe('I/O bus', () => {
  it('unclaimed ports read all ones and ignore writes', () => {
    const bus = new IoBus();
    expect(bus.in8(0x80)).toBe(0xff);
    expect(bus.in16(0x80)).toBe(0xffff);
    expect(bus.in32(0x80)).toBe(-1);
    bus.out32(0x80, 0x12345678);
    expect(bus.stats.unclaimed).toBe(4 + 4 + 1 + 2);
  });

  it('16- and 32-bit accesses to byte devices split into byte accesses, low byte first', () => {
    const log: string[] = [];
    const regs = new Uint8Array(4).fill(0);
    const dev: IoDevice = {
      name: 'bytes',
      in8: (p) => {
        log.push(`in ${p.toString(16)}`);
        return regs[p - 0x300];
      },
      out8: (p, v) => {
        log.push(`out ${p.toString(16)}=${v.toString(16)}`);
        regs[p - 0x300] = v;
      },
    };
    const bus = new IoBus();
    bus.register(0x300, 4, dev);
    bus.out32(0x300, 0x44332211);
    expect(log).toEqual(['out 300=11', 'out 301=22', 'out 302=33', 'out 303=44']);
    expect(bus.in16(0x302)).toBe(0x4433);
    expect(bus.in32(0x300)).toBe(0x44332211);
    expect(bus.in16(0x303)).toBe(0xff44); // 0x304 floats
  });

  it('wide handlers get the whole access', () => {
    const dev: IoDevice = {
      name: 'wide',
      in8: () => 0x12,
      out8: () => {},
      in16: () => 0xbeef,
      in32: () => 0xcafebabe | 0,
    };
    const bus = new IoBus();
    bus.register(0x1f0, 1, dev);
    expect(bus.in16(0x1f0)).toBe(0xbeef);
    expect(bus.in32(0x1f0)).toBe(0xcafebabe | 0);
  });

  it('port numbers wrap at 0xffff', () => {
    const seen: number[] = [];
    const bus = new IoBus();
    bus.register(0, 1, { name: 'zero', in8: () => 0x77, out8: (p) => void seen.push(p) });
    expect(bus.in16(0xffff)).toBe(0x77ff);
    bus.out16(0xffff, 0);
    expect(seen).toEqual([0]);
  });

  it('overlapping claims are an error', () => {
    const bus = new IoBus();
    const dev: IoDevice = { name: 'a', in8: () => 0, out8: () => {} };
    bus.register(0x60, 1, dev);
    expect(() => bus.register(0x5f, 2, { ...dev, name: 'b' })).toThrow(/already claimed by a/);
    expect(() => bus.register(0xffff, 2, dev)).toThrow(RangeError);
  });
});
