// The 8259A programmable interrupt controller pair of the PC/AT: the master at ports
// 0x20/0x21 and the slave at 0xA0/0xA1, the slave's INT output wired to the master's IR2.
//
// References: Intel 8259A Programmable Interrupt Controller datasheet (order number
// 231468-003, December 1988), cited below as "8259A" with its section names.
//
// What the CPU sees: the master's INT output is the CPU's INTR line (cpu.intr, updated
// whenever it changes), and acknowledge() is the INTA cycle that returns the vector.
// What devices see: raiseIrq(n) / lowerIrq(n) / setIrq(n, level) drive IRQ lines 0-15
// (0-7 master, 8-15 slave).
//
// Modelling choices (each a documented departure or clarification):
// - Edge-triggered mode (the PC default, LTIM=0): a low-to-high transition of an IR input
//   sets its IRR bit, which then stays set until the INTA cycle (or ICW1) clears it, even
//   if the input falls again. This is how QEMU and Bochs model the part. The datasheet's
//   finer point — a request that falls before INTA yields a "default IR7" — cannot arise
//   from this model's devices; default (spurious) IR7 is still returned by acknowledge()
//   when nothing is pending, exactly as the datasheet specifies for that case: vector IR7
//   of the chip, with no ISR bit set (8259A, "Edge and Level Triggered Modes").
// - Level-triggered mode (LTIM=1): IRR follows the input level.
// - MCS-80/85 mode (ICW4 µPM=0, or ICW1 without IC4) is not emulated: vectors are always
//   formed the 8086 way, ICW2 T7-T3 | IR number. Poll mode, AEOI, rotation, special mask
//   and special fully nested modes are emulated. Buffered mode and the slave's ICW3 ID
//   are recorded but change nothing (there is one slave, on IR2).
// - ISA IRQ2 does not exist on an AT (the pin is the cascade); raiseIrq(2) is routed to
//   IRQ9 as the AT bus reroutes it.
//
// Nothing here allocates: IRQ delivery runs on every timer tick.

import type { InterruptController } from '../cpu/cpu.js';
import type { IoDevice } from './io.js';

/** What drives the CPU's INTR pin: an object with a writable `intr` (the CPU). */
export interface IntrPin {
  intr: boolean;
}

/*
 * Initialization command words (8259A, "Initialization Command Words"), 8086 mode.
 *
 * ICW1 — written to the even port (A0=0) with D4=1; starts the initialization sequence:
 *    D7  D6  D5  D4   D3    D2    D1     D0
 *  +---+---+---+---+------+-----+------+-----+
 *  |A7 |A6 |A5 | 1 | LTIM | ADI | SNGL | IC4 |     A7-A5, ADI: MCS-80/85 only
 *  +---+---+---+---+------+-----+------+-----+
 *    LTIM 1 = level triggered, 0 = edge      SNGL 1 = single 8259A, 0 = cascaded
 *    IC4  1 = ICW4 follows
 *
 * ICW2 — odd port: the vector base.     ICW3 — odd port, only when SNGL=0:
 *    D7  D6  D5  D4  D3  D2  D1  D0       master: bit n = a slave is on IRn
 *  +---+---+---+---+---+---+---+---+      slave:  D2-D0 = its ID (the master's IR number)
 *  |T7 |T6 |T5 |T4 |T3 | 0 | 0 | 0 |
 *  +---+---+---+---+---+---+---+---+      vector = T7-T3 | IR number
 *
 * ICW4 — odd port, only when IC4=1:
 *    D7  D6  D5   D4    D3   D2    D1    D0
 *  +---+---+---+------+-----+-----+------+-----+
 *  | 0 | 0 | 0 | SFNM | BUF | M/S | AEOI | µPM |
 *  +---+---+---+------+-----+-----+------+-----+
 *    SFNM special fully nested mode   AEOI automatic end of interrupt   µPM 1 = 8086
 *
 * Operation command words (8259A, "Operation Command Words"):
 *
 * OCW1 — odd port after initialization: the interrupt mask register (1 = masked).
 *
 * OCW2 — even port, D4=0 D3=0:            OCW3 — even port, D4=0 D3=1:
 *    D7  D6   D5   D4  D3  D2  D1  D0        D7   D6    D5   D4  D3  D2  D1   D0
 *  +---+----+-----+---+---+---+---+---+    +---+------+-----+---+---+---+----+-----+
 *  | R | SL | EOI | 0 | 0 |L2 |L1 |L0 |    | 0 | ESMM | SMM | 0 | 1 | P | RR | RIS |
 *  +---+----+-----+---+---+---+---+---+    +---+------+-----+---+---+---+----+-----+
 *   R SL EOI                                 ESMM=1: SMM sets (1) or resets (0) the
 *   0  0  1  non-specific EOI                        special mask mode
 *   0  1  1  specific EOI (L2-L0)            P=1:    poll command
 *   1  0  1  rotate on non-specific EOI      RR=1:   reads of the even port return the
 *   1  0  0  rotate in AEOI mode (set)               ISR (RIS=1) or the IRR (RIS=0)
 *   0  0  0  rotate in AEOI mode (clear)
 *   1  1  1  rotate on specific EOI (L2-L0)
 *   1  1  0  set priority (L2-L0 = lowest)
 *   0  1  0  no operation
 */

/** One 8259A. The pair below wires two of them together. */
export class I8259 {
  /** Interrupt request register: inputs requesting service. */
  irr = 0;
  /** In-service register: requests acknowledged and not yet ended. */
  isr = 0;
  /** Interrupt mask register (OCW1). */
  imr = 0;
  /** Current level of each IR input (bit n = IRn high), for edge detection. */
  lines = 0;
  /** ICW2 T7-T3. */
  vectorBase = 0;
  /** ICW3 as written. */
  icw3 = 0;
  /** The IR with the lowest priority; IR (lowest+1)&7 has the highest. 7 after ICW1. */
  lowest = 7;
  levelTriggered = false;
  single = false;
  autoEoi = false;
  rotateInAutoEoi = false;
  specialFullyNested = false;
  buffered = false;
  specialMask = false;
  /** OCW3 RR/RIS: the even port reads the ISR instead of the IRR. */
  readIsr = false;
  /** OCW3 P: the next read of the even port is a poll. */
  poll = false;
  /** 0: initialized; 2, 3, 4: waiting for that ICW on the odd port. */
  initStep = 0;
  private expectIcw4 = false;

  constructor(readonly name: string, readonly isMaster: boolean) {}

  /**
   * Power-on state: as after an ICW1, with vector base 0. The input pins keep their
   * levels (they belong to the devices) but, as after ICW1, an input that is high must
   * go low and high again to request.
   */
  reset(): void {
    this.irr = this.isr = this.imr = 0;
    this.vectorBase = 0;
    this.icw3 = 0;
    this.lowest = 7;
    this.levelTriggered = this.single = this.autoEoi = this.rotateInAutoEoi = false;
    this.specialFullyNested = this.buffered = this.specialMask = this.readIsr = this.poll = false;
    this.initStep = 0;
    this.expectIcw4 = false;
  }

  /** Priority rank of IR `irq`: 0 is the highest, 7 the lowest. */
  rank(irq: number): number {
    return (irq - this.lowest - 1) & 7;
  }

  /** The set bit of `mask` with the highest priority, or -1 when none. */
  highestOf(mask: number): number {
    if ((mask & 0xff) === 0) return -1;
    for (let k = 0; k < 8; k++) {
      const irq = (this.lowest + 1 + k) & 7;
      if (mask & (1 << irq)) return irq;
    }
    return -1;
  }

  /**
   * The IR this chip would present on INTA, or -1: the highest-priority unmasked request
   * that has strictly higher priority than every level in service (fully nested mode,
   * 8259A "Fully Nested Mode"). In special mask mode, masked levels in service do not
   * inhibit ("Special Mask Mode"). In special fully nested mode, a request on a cascade
   * input is recognized even while that same input is in service, so higher-priority
   * slave requests get through ("Special Fully Nested Mode").
   */
  pending(): number {
    const req = this.irr & ~this.imr & 0xff;
    if (req === 0) return -1;
    const irq = this.highestOf(req);
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    const svc = this.highestOf(inService);
    if (svc < 0) return irq;
    const rs = this.rank(svc);
    const rq = this.rank(irq);
    if (rq < rs) return irq;
    if (rq === rs && this.specialFullyNested && this.isMaster && this.icw3 & (1 << irq)) return irq;
    return -1;
  }

  /** Drive input IRn. Edge mode latches rising edges; level mode follows the level. */
  setLine(irq: number, level: boolean): void {
    const bit = 1 << irq;
    if (level) {
      if (this.levelTriggered || (this.lines & bit) === 0) this.irr |= bit;
      this.lines |= bit;
    } else {
      this.lines &= ~bit;
      if (this.levelTriggered) this.irr &= ~bit;
    }
  }

  /**
   * The INTA cycle for `irq` (8259A "Interrupt Sequence"): set its ISR bit (unless in
   * AEOI mode, where the second INTA pulse ends it at once, rotating if so programmed),
   * clear its edge-latched IRR bit.
   */
  inta(irq: number): void {
    const bit = 1 << irq;
    if (!this.levelTriggered) this.irr &= ~bit;
    if (this.autoEoi) {
      if (this.rotateInAutoEoi) this.lowest = irq;
    } else {
      this.isr |= bit;
    }
  }

  /** Write to the even port (A0=0): ICW1, OCW2 or OCW3. */
  writeCommand(v: number): void {
    if (v & 0x10) {
      // ICW1 (8259A "Initialization Command Words"): the edge sense circuit is reset —
      // after initialization an input must make a low-to-high transition to request —
      // the IMR is cleared, IR7 gets the lowest priority, special mask mode is cleared
      // and status read is set to the IRR. Without IC4, all ICW4 functions are zero.
      this.levelTriggered = (v & 0x08) !== 0;
      this.single = (v & 0x02) !== 0;
      this.expectIcw4 = (v & 0x01) !== 0;
      this.irr = this.levelTriggered ? this.lines : 0;
      this.isr = 0;
      this.imr = 0;
      this.lowest = 7;
      this.specialMask = false;
      this.readIsr = false;
      this.poll = false;
      this.icw3 = 0;
      this.autoEoi = this.rotateInAutoEoi = this.specialFullyNested = this.buffered = false;
      this.initStep = 2;
      return;
    }
    if (v & 0x08) {
      // OCW3
      if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
      if (v & 0x02) this.readIsr = (v & 0x01) !== 0;
      this.poll = (v & 0x04) !== 0;
      return;
    }
    // OCW2
    const level = v & 7;
    switch ((v >>> 5) & 7) {
      case 0b001: // non-specific EOI: reset the highest-priority ISR bit
        this.eoi(this.highestOf(this.isr), false);
        break;
      case 0b011: // specific EOI
        this.eoi(level, false);
        break;
      case 0b101: // rotate on non-specific EOI
        this.eoi(this.highestOf(this.isr), true);
        break;
      case 0b111: // rotate on specific EOI
        this.eoi(level, true);
        break;
      case 0b100:
        this.rotateInAutoEoi = true;
        break;
      case 0b000:
        this.rotateInAutoEoi = false;
        break;
      case 0b110: // set priority: L2-L0 becomes the lowest
        this.lowest = level;
        break;
      default: // 0b010: no operation
        break;
    }
  }

  private eoi(irq: number, rotate: boolean): void {
    if (irq < 0) return;
    this.isr &= ~(1 << irq);
    if (rotate) this.lowest = irq;
  }

  /** Write to the odd port (A0=1): ICW2-ICW4 during initialization, else OCW1. */
  writeData(v: number): void {
    switch (this.initStep) {
      case 2:
        this.vectorBase = v & 0xf8;
        this.initStep = !this.single ? 3 : this.expectIcw4 ? 4 : 0;
        return;
      case 3:
        this.icw3 = v & 0xff;
        this.initStep = this.expectIcw4 ? 4 : 0;
        return;
      case 4:
        this.specialFullyNested = (v & 0x10) !== 0;
        this.buffered = (v & 0x08) !== 0;
        this.autoEoi = (v & 0x02) !== 0;
        this.initStep = 0;
        return;
      default:
        this.imr = v & 0xff;
    }
  }

  /** Read the even port: a poll word, or the IRR / ISR as OCW3 selected. */
  readCommand(): number {
    if (this.poll) {
      // Poll command (8259A "The Poll Command"): the read acts as INTA; the word is
      // I (bit 7, a request is pending) and W2-W0 (its level).
      this.poll = false;
      const irq = this.pending();
      if (irq < 0) return 0;
      this.inta(irq);
      return 0x80 | irq;
    }
    return this.readIsr ? this.isr : this.irr;
  }

  /** Read the odd port: the IMR. */
  readData(): number {
    return this.imr;
  }

  /** The INT output. */
  get output(): boolean {
    return this.pending() >= 0;
  }
}

/** IRQ lines 0-15 as devices drive them. */
export interface IrqLines {
  raiseIrq(irq: number): void;
  lowerIrq(irq: number): void;
  setIrq(irq: number, level: boolean): void;
}

/** The cascade input of the master (PC/AT wiring). */
const CASCADE_IR = 2;

/** The master/slave pair, as the CPU and the I/O bus see it. */
export class PicPair implements InterruptController, IoDevice, IrqLines {
  readonly name = 'pic';
  readonly master = new I8259('pic-master', true);
  readonly slave = new I8259('pic-slave', false);
  /** Interrupts acknowledged per IRQ line (0-15). */
  readonly delivered = new Float64Array(16);
  /** Default IR7 / IR15 vectors returned because nothing was pending at INTA. */
  spurious = 0;

  constructor(private readonly cpu: IntrPin) {}

  /** Power-on reset of both chips (IRQ input levels are kept; see I8259.reset). */
  reset(): void {
    this.master.reset();
    this.slave.reset();
    this.delivered.fill(0);
    this.spurious = 0;
    this.update();
  }

  // ---------------------------------------------------------------------------------
  // IRQ lines.

  setIrq(irq: number, level: boolean): void {
    if (irq === CASCADE_IR) irq = 9;
    if (irq < 8) this.master.setLine(irq, level);
    else this.slave.setLine(irq & 7, level);
    this.update();
  }

  raiseIrq(irq: number): void {
    this.setIrq(irq, true);
  }

  lowerIrq(irq: number): void {
    this.setIrq(irq, false);
  }

  /** Recompute the slave's INT (into master IR2) and the master's INT (into the CPU). */
  private update(): void {
    this.master.setLine(CASCADE_IR, this.slave.output);
    this.cpu.intr = this.master.output;
  }

  /** Is IRQ `irq` masked in its chip's IMR (or, for 8-15, behind a masked cascade)? */
  isMasked(irq: number): boolean {
    if (irq < 8) return (this.master.imr & (1 << irq)) !== 0;
    return (this.slave.imr & (1 << (irq & 7))) !== 0 || (this.master.imr & (1 << CASCADE_IR)) !== 0;
  }

  // ---------------------------------------------------------------------------------
  // INTA.

  /**
   * The interrupt acknowledge sequence (8259A "Interrupt Sequence"): the master resolves
   * its highest-priority request; if that IR has a slave (ICW3), the slave supplies the
   * vector. With nothing pending, the chip answers default IR7 without setting an ISR
   * bit (for a slave, the master's IR2 is in service and the vector is the slave's IR7).
   */
  acknowledge(): number {
    const m = this.master;
    const irq = m.pending();
    let vector: number;
    if (irq < 0) {
      this.spurious++;
      vector = m.vectorBase | 7;
    } else {
      m.inta(irq);
      if (irq === CASCADE_IR && !m.single && m.icw3 & (1 << CASCADE_IR)) {
        const s = this.slave;
        const sirq = s.pending();
        if (sirq < 0) {
          this.spurious++;
          vector = s.vectorBase | 7;
        } else {
          s.inta(sirq);
          this.delivered[8 + sirq]++;
          vector = s.vectorBase | sirq;
        }
        // The INTA pulses reset the slave's INT; a still-pending slave request shows up
        // as a new rising edge on IR2 when update() recomputes it.
        m.setLine(CASCADE_IR, false);
      } else {
        this.delivered[irq]++;
        vector = m.vectorBase | irq;
      }
    }
    this.update();
    return vector;
  }

  // ---------------------------------------------------------------------------------
  // Ports 0x20, 0x21 (master) and 0xA0, 0xA1 (slave).

  in8(port: number): number {
    const chip = port & 0x80 ? this.slave : this.master;
    const v = port & 1 ? chip.readData() : chip.readCommand();
    this.update(); // a poll read acts as INTA
    return v;
  }

  out8(port: number, value: number): void {
    const chip = port & 0x80 ? this.slave : this.master;
    if (port & 1) chip.writeData(value);
    else chip.writeCommand(value);
    this.update();
  }
}
