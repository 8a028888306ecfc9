// The 8259A pair: initialization, remapping, masking, priorities and nesting, EOI forms,
// cascade, edge and level triggering, spurious IR7/IR15, OCW3 reads, poll, AEOI, rotation.

import { describe, expect, it } from 'vitest';
import { PicPair } from '../src/devices/pic.js';
import { IoBus } from '../src/devices/io.js';

function rig(opts: { icw1?: number; icw4?: number } = {}) {
  const cpu = { intr: false };
  const pic = new PicPair(cpu);
  const bus = new IoBus();
  bus.register(0x20, 2, pic);
  bus.register(0xa0, 2, pic);
  const icw1 = opts.icw1 ?? 0x11;
  const icw4 = opts.icw4 ?? 0x01;
  // The Linux/BIOS sequence: ICW1 edge+cascade+ICW4, ICW2 bases 0x20/0x28, ICW3 wiring, ICW4 8086.
  bus.out8(0x20, icw1);
  bus.out8(0xa0, icw1);
  bus.out8(0x21, 0x20);
  bus.out8(0xa1, 0x28);
  bus.out8(0x21, 0x04); // master: slave on IR2
  bus.out8(0xa1, 0x02); // slave: ID 2
  bus.out8(0x21, icw4);
  bus.out8(0xa1, icw4);
  const eoi = (irq: number) => {
    if (irq >= 8) bus.out8(0xa0, 0x20);
    bus.out8(0x20, 0x20);
  };
  const pulse = (irq: number) => {
    pic.raiseIrq(irq);
    pic.lowerIrq(irq);
  };
  return { cpu, pic, bus, eoi, pulse };
}

describe('initialization and remapping', () => {
  it('ICW2 sets the vector base; IRQ0 is delivered as vector 0x20', () => {
    const { cpu, pic } = rig();
    expect(cpu.intr).toBe(false);
    pic.raiseIrq(0);
    expect(cpu.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x20);
    expect(cpu.intr).toBe(false);
    expect(pic.master.isr).toBe(1);
    expect(pic.delivered[0]).toBe(1);
  });

  it('ICW1 clears IMR, ISR, IRR and resets the edge sense', () => {
    const { cpu, pic, bus } = rig();
    bus.out8(0x21, 0xff);
    pic.raiseIrq(3); // masked, latched
    expect(pic.master.irr).toBe(8);
    bus.out8(0x20, 0x11);
    expect(pic.master.initStep).toBe(2);
    expect(pic.master.irr).toBe(0);
    bus.out8(0x21, 0x40);
    bus.out8(0x21, 0x04);
    bus.out8(0x21, 0x01);
    expect(pic.master.imr).toBe(0);
    expect(pic.master.vectorBase).toBe(0x40);
    // IR3 is still high: no request until it goes low and high again.
    expect(cpu.intr).toBe(false);
    pic.lowerIrq(3);
    pic.raiseIrq(3);
    expect(pic.acknowledge()).toBe(0x43);
  });

  it('the low three bits of ICW2 are ignored in 8086 mode', () => {
    const { pic, bus } = rig();
    bus.out8(0x20, 0x11);
    bus.out8(0x21, 0x37);
    bus.out8(0x21, 0x04);
    bus.out8(0x21, 0x01);
    pic.raiseIrq(1);
    expect(pic.acknowledge()).toBe(0x31);
  });

  it('single mode without ICW4 skips ICW3 and ICW4', () => {
    const cpu = { intr: false };
    const pic = new PicPair(cpu);
    pic.out8(0x20, 0x12); // SNGL, no IC4
    pic.out8(0x21, 0x50);
    expect(pic.master.initStep).toBe(0);
    pic.out8(0x21, 0xfe); // now OCW1
    expect(pic.master.imr).toBe(0xfe);
    pic.raiseIrq(0);
    expect(pic.acknowledge()).toBe(0x50);
  });
});

describe('masking', () => {
  it('OCW1 masks; the request stays in IRR and is delivered on unmask', () => {
    const { cpu, pic, bus } = rig();
    bus.out8(0x21, 0x01);
    expect(bus.in8(0x21)).toBe(0x01);
    pic.raiseIrq(0);
    expect(cpu.intr).toBe(false);
    expect(pic.master.irr & 1).toBe(1);
    bus.out8(0x21, 0x00);
    expect(cpu.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x20);
  });

  it('isMasked covers slave lines behind a masked cascade', () => {
    const { pic, bus } = rig();
    expect(pic.isMasked(9)).toBe(false);
    bus.out8(0x21, 0x04);
    expect(pic.isMasked(9)).toBe(true);
    bus.out8(0x21, 0x00);
    bus.out8(0xa1, 0x02);
    expect(pic.isMasked(9)).toBe(true);
    expect(pic.isMasked(8)).toBe(false);
  });
});

describe('priorities and nesting (fully nested mode)', () => {
  it('IRQ0 has the highest priority', () => {
    const { pic } = rig();
    pic.raiseIrq(5);
    pic.raiseIrq(3);
    pic.raiseIrq(1);
    expect(pic.acknowledge()).toBe(0x21);
  });

  it('a lower-priority request waits for EOI; a higher one nests', () => {
    const { cpu, pic, eoi } = rig();
    pic.raiseIrq(3);
    expect(pic.acknowledge()).toBe(0x23);
    pic.raiseIrq(5);
    expect(cpu.intr).toBe(false); // IR3 in service blocks IR5
    pic.raiseIrq(1);
    expect(cpu.intr).toBe(true); // IR1 nests
    expect(pic.acknowledge()).toBe(0x21);
    expect(pic.master.isr).toBe(0b1010);
    eoi(1); // non-specific EOI ends the highest in service: IR1
    expect(pic.master.isr).toBe(0b1000);
    expect(cpu.intr).toBe(false);
    eoi(3);
    expect(cpu.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x25);
  });

  it('the same level does not nest on itself', () => {
    const { cpu, pic } = rig();
    pic.raiseIrq(0);
    pic.acknowledge();
    pic.lowerIrq(0);
    pic.raiseIrq(0);
    expect(pic.master.irr & 1).toBe(1);
    expect(cpu.intr).toBe(false);
  });

  it('specific EOI ends the named level', () => {
    const { pic, bus } = rig();
    pic.raiseIrq(4);
    pic.acknowledge();
    pic.raiseIrq(2 + 1);
    pic.acknowledge();
    expect(pic.master.isr).toBe(0b11000);
    bus.out8(0x20, 0x60 | 4); // specific EOI, IR4
    expect(pic.master.isr).toBe(0b01000);
  });
});

describe('cascade', () => {
  it('a slave request goes through master IR2 and the slave supplies the vector', () => {
    const { cpu, pic, eoi } = rig();
    pic.raiseIrq(12);
    expect(cpu.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x2c);
    expect(pic.master.isr).toBe(0b100);
    expect(pic.slave.isr).toBe(0b10000);
    expect(pic.delivered[12]).toBe(1);
    expect(cpu.intr).toBe(false);
    eoi(12);
    expect(pic.master.isr).toBe(0);
    expect(pic.slave.isr).toBe(0);
  });

  it('slave priorities sit at the master IR2 level: IRQ8-15 beat IRQ3-7', () => {
    const { pic } = rig();
    pic.raiseIrq(3);
    pic.raiseIrq(15);
    expect(pic.acknowledge()).toBe(0x2f);
  });

  it('a second slave request waits for the slave EOI and then re-raises IR2', () => {
    const { cpu, pic, bus } = rig();
    pic.raiseIrq(8);
    pic.raiseIrq(14);
    expect(pic.acknowledge()).toBe(0x28);
    expect(cpu.intr).toBe(false);
    bus.out8(0xa0, 0x20); // slave EOI: IRQ14 now requests, but master IR2 is in service
    expect(cpu.intr).toBe(false);
    bus.out8(0x20, 0x20); // master EOI
    expect(cpu.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x2e);
  });

  it('special fully nested mode lets a higher slave request through while IR2 is in service', () => {
    const { cpu, pic } = rig({ icw4: 0x11 }); // SFNM + 8086 (on both; it matters on the master)
    pic.raiseIrq(12);
    expect(pic.acknowledge()).toBe(0x2c);
    pic.raiseIrq(9);
    expect(cpu.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x29);
    pic.raiseIrq(5);
    pic.raiseIrq(13); // lower than IRQ9 in service on the slave
    expect(cpu.intr).toBe(false);
  });

  it('IRQ2 is routed to IRQ9 as on the AT bus', () => {
    const { pic } = rig();
    pic.raiseIrq(2);
    expect(pic.acknowledge()).toBe(0x29);
  });
});

describe('edge and level triggering', () => {
  it('edge mode: a held line requests once; low-high requests again', () => {
    const { cpu, pic, eoi } = rig();
    pic.raiseIrq(1);
    pic.acknowledge();
    eoi(1);
    pic.raiseIrq(1); // still high: no new edge
    expect(cpu.intr).toBe(false);
    pic.lowerIrq(1);
    pic.raiseIrq(1);
    expect(cpu.intr).toBe(true);
  });

  it('edge mode: the request stays latched when the line falls before INTA', () => {
    const { cpu, pic } = rig();
    pic.raiseIrq(1);
    pic.lowerIrq(1);
    expect(cpu.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x21);
  });

  it('level mode: IRR follows the line; a held line requests again after EOI', () => {
    const { cpu, pic, eoi } = rig({ icw1: 0x19 });
    pic.raiseIrq(1);
    pic.lowerIrq(1);
    expect(cpu.intr).toBe(false);
    pic.raiseIrq(1);
    expect(pic.acknowledge()).toBe(0x21);
    expect(cpu.intr).toBe(false);
    eoi(1);
    expect(cpu.intr).toBe(true);
  });
});

describe('spurious interrupts', () => {
  it('INTA with nothing pending returns IR7 of the master without setting ISR', () => {
    const { pic } = rig();
    expect(pic.acknowledge()).toBe(0x27);
    expect(pic.master.isr).toBe(0);
    expect(pic.spurious).toBe(1);
  });

  it('a slave request withdrawn before INTA gives IR15, with master IR2 in service', () => {
    const { pic, bus } = rig();
    pic.raiseIrq(9);
    expect(pic.master.irr & 4).toBe(4);
    bus.out8(0xa1, 0x02); // the slave masks IRQ9: the slave's INT falls, master IR2 stays latched
    expect(pic.acknowledge()).toBe(0x2f);
    expect(pic.master.isr).toBe(0b100);
    expect(pic.slave.isr).toBe(0);
    expect(pic.spurious).toBe(1);
  });
});

describe('OCW3, poll, AEOI and rotation', () => {
  it('OCW3 selects IRR or ISR for reads of the even port', () => {
    const { pic, bus } = rig();
    pic.raiseIrq(0);
    pic.raiseIrq(6);
    expect(bus.in8(0x20)).toBe(0x41); // IRR after ICW1
    pic.acknowledge();
    bus.out8(0x20, 0x0b); // read ISR
    expect(bus.in8(0x20)).toBe(0x01);
    bus.out8(0x20, 0x0a); // read IRR
    expect(bus.in8(0x20)).toBe(0x40);
  });

  it('poll command: the read acts as INTA', () => {
    const { cpu, pic, bus } = rig();
    pic.raiseIrq(5);
    bus.out8(0x20, 0x0c); // OCW3 poll
    expect(bus.in8(0x20)).toBe(0x85);
    expect(pic.master.isr).toBe(0x20);
    expect(cpu.intr).toBe(false);
    bus.out8(0x20, 0x0c);
    expect(bus.in8(0x20)).toBe(0x00);
  });

  it('AEOI: no ISR bit is set', () => {
    const { cpu, pic, pulse } = rig({ icw4: 0x03 });
    pulse(0);
    expect(pic.acknowledge()).toBe(0x20);
    expect(pic.master.isr).toBe(0);
    pulse(0);
    expect(cpu.intr).toBe(true);
  });

  it('rotate on non-specific EOI makes the serviced level the lowest', () => {
    const { pic, bus } = rig();
    pic.raiseIrq(0);
    pic.acknowledge();
    bus.out8(0x20, 0xa0); // rotate on non-specific EOI
    expect(pic.master.lowest).toBe(0);
    pic.lowerIrq(0);
    pic.raiseIrq(0);
    pic.raiseIrq(1);
    expect(pic.acknowledge()).toBe(0x21); // IR1 is now the highest
  });

  it('set priority command', () => {
    const { pic, bus } = rig();
    bus.out8(0x20, 0xc0 | 4); // IR4 lowest: IR5 highest
    pic.raiseIrq(0);
    pic.raiseIrq(6);
    expect(pic.acknowledge()).toBe(0x26);
  });

  it('rotate in AEOI mode', () => {
    const { pic, bus } = rig({ icw4: 0x03 });
    bus.out8(0x20, 0x80); // set rotate in AEOI
    pic.raiseIrq(3);
    pic.acknowledge();
    expect(pic.master.lowest).toBe(3);
    bus.out8(0x20, 0x00); // clear
    expect(pic.master.rotateInAutoEoi).toBe(false);
  });

  it('special mask mode: masking the level in service enables lower levels', () => {
    const { cpu, pic, bus } = rig();
    pic.raiseIrq(1);
    pic.acknowledge();
    pic.raiseIrq(4);
    expect(cpu.intr).toBe(false);
    bus.out8(0x20, 0x68); // OCW3: ESMM + SMM
    bus.out8(0x21, 0x02); // mask IR1 (in service)
    expect(cpu.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x24);
    bus.out8(0x20, 0x48); // reset special mask
    expect(pic.master.specialMask).toBe(false);
  });
});
