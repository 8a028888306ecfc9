// The Intel 8254 programmable interval timer: three 16-bit down counters clocked at
// 1.193182 MHz. Channel 0's OUT drives IRQ0; channel 2's GATE and OUT are wired to
// system control port B (0x61, see sysport.ts); channel 1 (DRAM refresh on a PC) has
// nothing attached.
//
// Reference: Intel 8254 Programmable Interval Timer datasheet (order number 231164-005,
// September 1993), cited as "8254" with its section names.
//
// TIME. The counters' CLK input is derived from the CPU cycle counter, never from the
// host clock: after `cycles` CPU cycles exactly
//
//     ticks(cycles) = floor(cycles * 1193182 / cpuHz)
//
// PIT clock pulses have happened, and pulse number T happens at CPU cycle
// ceil(T * cpuHz / 1193182). Both are computed exactly with split integer arithmetic
// (mulDivFloor / mulDivCeil below) for cycle counts up to 2^53.
//
// The counters are not stepped clock by clock. Each channel keeps the clock number at
// which its counting element (CE) was last loaded with count N; its value and OUT at any
// later clock follow in closed form from the mode's waveform. So advancing time costs
// O(1) however far it goes (an idle guest jumps seconds at once), and the machine asks
// nextDeadline() for the CPU cycle of channel 0's next rising OUT edge — the next IRQ0 —
// and runs the CPU exactly up to it.
//
// Modes (8254 "Mode Definitions"), N = the count (0 means 65536, or 10000 in BCD):
//   0  interrupt on terminal count: OUT low, high N+1 clocks after the count is written
//      (the first clock only loads the CE), and stays high. Writing a new count restarts;
//      with a two-byte count, the first byte stops counting and sets OUT low at once.
//   1  hardware-retriggerable one-shot: a GATE rising edge loads N on the next clock;
//      OUT is low for N clocks. Only channel 2 has a GATE that software can move.
//   2  rate generator: period N; OUT goes low for one clock when the CE reaches 1, then
//      rises as N is reloaded — one rising edge (one IRQ0) every N clocks, the first
//      N+1 clocks after the count is written. A count of 1 is illegal (8254); here OUT
//      then simply stays high.
//   3  square wave: period N; OUT high for ceil(N/2) clocks and low for floor(N/2)
//      (odd counts: high (N+1)/2, low (N-1)/2, 8254 "Mode 3"); rising edges as in mode 2.
//      A count of 1 leaves OUT high.
//   4  software-triggered strobe: OUT low for one clock N+1 clocks after the write.
//   5  hardware-triggered strobe: as mode 4, started by a GATE rising edge.
//   Mode field values 6 and 7 are modes 2 and 3 (the M2 bit is a don't-care there).
//   A new count written in modes 2 and 3 while counting does not disturb the current
//   period (mode 2) or half-cycle (mode 3): it is loaded at the next reload (8254,
//   "Mode 2" and "Mode 3"). In modes 1 and 5 it is used at the next trigger.
//   GATE (channel 2 only; channels 0 and 1 have GATE tied high as on a PC): low suspends
//   counting in modes 0, 2, 3 and 4, and forces OUT high in modes 2 and 3; a rising edge
//   reloads the count in modes 1, 2, 3 and 5. GATE is treated as sampled at the moment
//   it is written rather than at the next CLK rising edge — a difference of at most one
//   clock, irrelevant to software that cannot time a single 838 ns clock anyway.
// BCD counting (control word bit 0) is emulated: the count is four decimal digits and
// reads back in BCD. Digit values above 9 written in BCD mode are taken at face value.
//
// Values read from an unlatched counter are the CE as the datasheet describes it at that
// clock (8254 "Read Operations": reading while counting is allowed; a latch makes it
// stable). Before the CE is first loaded, reads return what it held before.

import type { IoDevice } from './io.js';
import type { IrqLines } from './pic.js';

/** The PIT input clock of the PC, in Hz (14.31818 MHz / 12). */
export const PIT_HZ = 1193182;

/** The largest CPU frequency for which the tick arithmetic below stays exact. */
export const MAX_CPU_HZ = 2 ** 32;

/**
 * floor(a * b / c) exactly, for non-negative integers a < 2^53 and b, c with b * c <= 2^53
 * and a result below 2^53. Splits a = q*c + r so that every product is an exact double.
 */
export function mulDivFloor(a: number, b: number, c: number): number {
  return mulDiv(a, b, c, false);
}

/** ceil(a * b / c) exactly, under the same conditions as mulDivFloor. */
export function mulDivCeil(a: number, b: number, c: number): number {
  return mulDiv(a, b, c, true);
}

function mulDiv(a: number, b: number, c: number, ceil: boolean): number {
  let q = Math.floor(a / c); // may be off by one: corrected below
  let r = a - q * c;
  if (r < 0) {
    q--;
    r += c;
  } else if (r >= c) {
    q++;
    r -= c;
  }
  const x = r * b; // < c * b <= 2^53: exact
  let k = Math.floor(x / c);
  if (k * c > x) k--;
  else if ((k + 1) * c <= x) k++;
  // a*b/c = q*b + x/c, and x/c = k exactly iff k*c == x.
  return q * b + k + (ceil && k * c !== x ? 1 : 0);
}

/** Where the PIT reads the CPU cycle counter (the CPU itself). */
export interface CycleClock {
  readonly cycles: number;
}

/*
 * The control word, written to port 0x43 (8254 "Control Word Format"):
 *
 *    D7    D6    D5    D4    D3   D2   D1   D0
 *  +-----+-----+-----+-----+----+----+----+-----+
 *  | SC1 | SC0 | RW1 | RW0 | M2 | M1 | M0 | BCD |
 *  +-----+-----+-----+-----+----+----+----+-----+
 *    SC   00/01/10 select counter 0/1/2; 11 = read-back command (below)
 *    RW   00 counter latch command; 01 LSB only; 10 MSB only; 11 LSB then MSB
 *    M    000..101 modes 0..5; 110 = mode 2, 111 = mode 3
 *    BCD  0 = 16-bit binary, 1 = four-decade BCD
 *
 * The read-back command (8254 "Read-Back Command"):
 *
 *    D7  D6    D5      D4     D3     D2     D1    D0
 *  +---+---+-------+--------+------+------+------+---+
 *  | 1 | 1 | COUNT#| STATUS#| CNT2 | CNT1 | CNT0 | 0 |
 *  +---+---+-------+--------+------+------+------+---+
 *    COUNT#=0 latches the count and STATUS#=0 the status of each selected counter; a
 *    status latched with a count is read first.
 *
 * The status byte:
 *
 *    D7     D6        D5    D4    D3   D2   D1   D0
 *  +-----+-------+-----+-----+----+----+----+-----+
 *  | OUT | NULL  | RW1 | RW0 | M2 | M1 | M0 | BCD |
 *  |     | COUNT |     |     |    |    |    |     |
 *  +-----+-------+-----+-----+----+----+----+-----+
 *    NULL COUNT = 1 from a control word or count write until the count is loaded
 *    into the CE.
 */
export const RW_LATCH = 0;
export const RW_LSB = 1;
export const RW_MSB = 2;
export const RW_WORD = 3;

/** One counter. Times are PIT clock numbers (see ticks()). */
export class PitChannel {
  // Power-on state (the datasheet leaves it undefined): as after control word 0x36 — mode
  // 3, LSB then MSB, binary — with no count written: OUT high and not counting, so that
  // the first mode 2 or 3 programming does not make a stray IRQ0 edge.
  /** The control word's low 6 bits as written (RW, M, BCD), for the status byte. */
  controlBits = 0x36;
  mode = 3;
  access = RW_WORD;
  bcd = false;

  /** Count register: the last count written, as a number of clocks (1..65536/10000). */
  cr = 0x10000;
  /** A count has been written since the control word. */
  hasCount = false;
  /** Counting is under way with count `count` loaded into the CE at clock `loadTick`. */
  armed = false;
  count = 0x10000;
  loadTick = 0;
  /** The CE value before the pending load (what reads return before it happens). */
  ceBefore = 0;
  /** OUT of mode 0 while nothing is counting: low after the control word. */
  outIdle = false;
  /** Modes 2 and 3: a new count waiting for the end of the period / half-cycle. */
  pendingCount = 0;
  pendingTick = Infinity;
  /** The pending load happens on a rising OUT edge (mode 2, mode 3 low half). */
  pendingRising = false;
  /** Clock at which the count register reaches the CE (NULL COUNT until then). */
  crLoadTick = Infinity;

  gate = true;
  /** Clock at which GATE last went low (counting is frozen there while it stays low). */
  gateLowAt = 0;

  /** Write byte pointer: the next byte of a word count is the MSB. */
  writeMsb = false;
  lsb = 0;
  /** Read byte pointer. */
  readMsb = false;
  latched = false;
  latchValue = 0;
  statusLatched = false;
  status = 0;

  constructor(readonly index: number) {}

  /** The count modulus: CE values wrap at 65536 (binary) or 10000 (BCD). */
  get modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  /** Clocks counted since the CE load by clock `t` (negative before it), GATE aware. */
  elapsed(t: number): number {
    const end = this.gate || this.mode === 1 || this.mode === 5 ? t : Math.min(t, this.gateLowAt);
    return end - this.loadTick;
  }

  /** Apply a pending load whose time has come (modes 2, 3). */
  sync(t: number): void {
    if (this.pendingTick <= t) {
      const m = this.pendingCount;
      this.count = m;
      // A load at a falling edge (end of a mode-3 high half) starts the new count in its
      // low half: place the virtual load time so that the waveform formula agrees.
      this.loadTick = this.pendingRising ? this.pendingTick : this.pendingTick - ((m + 1) >> 1);
      this.pendingTick = Infinity;
    }
  }

  /** The CE value at clock t, as a number of clocks (not yet BCD-encoded). */
  value(t: number): number {
    if (!this.armed) return this.ceBefore;
    const e = this.elapsed(t);
    if (e < 0) return this.ceBefore;
    const n = this.count;
    switch (this.mode) {
      case 2:
        return n - (e % n);
      case 3: {
        const ph = e % n;
        if ((n & 1) === 0) return n - 2 * (ph % (n >> 1));
        // Odd counts (8254 "Mode 3"): N-1 is loaded and decremented by two; OUT changes
        // one clock after the count expires.
        const high = (n + 1) >> 1;
        return ph < high ? n - 1 - 2 * ph : n - 1 - 2 * (ph - high);
      }
      default: {
        // Modes 0, 1, 4, 5: count down through zero and keep wrapping.
        const m = this.modulus;
        return (((n - e) % m) + m) % m;
      }
    }
  }

  /** OUT at clock t. */
  out(t: number): boolean {
    switch (this.mode) {
      case 0: {
        if (!this.armed) return this.outIdle;
        const e = this.elapsed(t);
        return e >= this.count;
      }
      case 1: {
        if (!this.armed) return true;
        const e = t - this.loadTick;
        return e < 0 || e >= this.count;
      }
      case 2: {
        if (!this.armed || !this.gate || this.count === 1) return true;
        const e = t - this.loadTick;
        return e < 0 || e % this.count !== this.count - 1;
      }
      case 3: {
        if (!this.armed || !this.gate) return true;
        const e = t - this.loadTick;
        return e < 0 || e % this.count < (this.count + 1) >> 1;
      }
      default: {
        // Modes 4 and 5: a one-clock low strobe when the count expires.
        if (!this.armed) return true;
        return this.elapsed(t) !== this.count;
      }
    }
  }

  /**
   * The first clock after `t` at which OUT rises, assuming no further writes or GATE
   * changes; Infinity when none. Call sync(t) first.
   */
  nextRise(t: number): number {
    if (!this.armed) return Infinity;
    const n = this.count;
    switch (this.mode) {
      case 2:
      case 3: {
        if (this.pendingTick !== Infinity) {
          if (this.pendingRising) return this.pendingTick;
          const m = this.pendingCount;
          return m === 1 ? Infinity : this.pendingTick + (m >> 1); // after the low half
        }
        if (!this.gate || n === 1) return Infinity;
        const e = t - this.loadTick;
        const k = e < 0 ? 1 : Math.floor(e / n) + 1;
        return this.loadTick + k * n;
      }
      case 0:
      case 1: {
        if (this.mode === 0 && !this.gate) return Infinity;
        const r = this.loadTick + n;
        return r > t ? r : Infinity;
      }
      default: {
        if (this.mode === 4 && !this.gate) return Infinity;
        const r = this.loadTick + n + 1;
        return r > t ? r : Infinity;
      }
    }
  }

  /** Convert a written count to clocks: 0 is the maximum; BCD digits in BCD mode. */
  countFromRaw(raw: number): number {
    if (this.bcd) {
      const d = ((raw >> 12) & 15) * 1000 + ((raw >> 8) & 15) * 100 + ((raw >> 4) & 15) * 10 + (raw & 15);
      return d === 0 ? 10000 : d;
    }
    return raw === 0 ? 0x10000 : raw;
  }

  /** Encode a CE value for reading: 16 bits, or four BCD digits. */
  encode(v: number): number {
    if (!this.bcd) return v & 0xffff;
    const d = v % 10000;
    return ((Math.floor(d / 1000) % 10) << 12) | ((Math.floor(d / 100) % 10) << 8) | ((Math.floor(d / 10) % 10) << 4) | d % 10;
  }

  /** A control word selecting this counter, written at clock t (RW != 0). */
  control(v: number, t: number): void {
    this.ceBefore = this.value(t);
    this.controlBits = v & 0x3f;
    this.access = (v >> 4) & 3;
    let mode = (v >> 1) & 7;
    if (mode >= 6) mode -= 4;
    this.mode = mode;
    this.bcd = (v & 1) !== 0;
    // "When a Control Word is written to a Counter, all Control Logic is immediately
    // reset and OUT goes to a known initial state" (8254 "Mode Definitions"): low in
    // mode 0, high in the others. Counting waits for a count.
    this.armed = false;
    this.hasCount = false;
    this.outIdle = false;
    this.pendingTick = Infinity;
    this.crLoadTick = Infinity;
    this.writeMsb = false;
    this.readMsb = false;
    this.latched = false;
    this.statusLatched = false;
  }

  /** A data byte written to this counter's port at clock t. */
  writeByte(v: number, t: number): void {
    switch (this.access) {
      case RW_LSB:
        this.loadCount(v, t);
        return;
      case RW_MSB:
        this.loadCount(v << 8, t);
        return;
      default:
        if (!this.writeMsb) {
          this.lsb = v;
          this.writeMsb = true;
          if (this.mode === 0 && this.armed) {
            // Mode 0: "writing the first byte disables counting. OUT is set low
            // immediately (no clock pulse required)" (8254 "Mode 0").
            this.ceBefore = this.value(t);
            this.armed = false;
            this.outIdle = false;
          }
          return;
        }
        this.writeMsb = false;
        this.loadCount(this.lsb | (v << 8), t);
    }
  }

  /** A complete count has been written at clock t. */
  private loadCount(raw: number, t: number): void {
    const n = this.countFromRaw(raw);
    this.cr = n;
    this.hasCount = true;
    switch (this.mode) {
      case 1:
      case 5:
        // Loaded into the CE by the next trigger (8254 "Mode 1", "Mode 5").
        this.crLoadTick = Infinity;
        return;
      case 2:
      case 3:
        if (this.armed && this.gate && t >= this.loadTick) {
          // Counting: the current period / half-cycle is not disturbed (8254 "Mode 2",
          // "Mode 3"); the new count is loaded at its end.
          if (this.pendingTick === Infinity) {
            const e = t - this.loadTick;
            const cur = this.count;
            const ph = e % cur;
            const periodStart = this.loadTick + (e - ph);
            if (this.mode === 2) {
              this.pendingTick = periodStart + cur;
              this.pendingRising = true;
            } else {
              const high = (cur + 1) >> 1;
              this.pendingTick = periodStart + (ph < high ? high : cur);
              this.pendingRising = ph >= high;
            }
          }
          this.pendingCount = n;
          this.crLoadTick = this.pendingTick;
          return;
        }
        break;
      default:
        break;
    }
    // Modes 0, 2, 3, 4 not yet counting, and modes 0 and 4 always: the count is loaded
    // on the next clock, which does not decrement it (8254 "Mode 0": OUT goes high N+1
    // clocks after the write).
    this.ceBefore = this.value(t);
    this.count = n;
    this.loadTick = t + 1;
    this.armed = true;
    this.pendingTick = Infinity;
    this.crLoadTick = t + 1;
    if (!this.gate) this.gateLowAt = t; // counting stays frozen until GATE rises
  }

  /** GATE changes level at clock t (channel 2 only). */
  setGate(level: boolean, t: number): void {
    if (level === this.gate) return;
    this.sync(t);
    if (!level) {
      // Falling: counting stops in modes 0, 2, 3, 4 (its state is frozen at t). In modes 2
      // and 3 a count waiting for the end of the period stays in the count register: the
      // next trigger loads it.
      if (this.mode !== 1 && this.mode !== 5) this.ceBefore = this.value(t);
      if ((this.mode === 2 || this.mode === 3) && this.pendingTick !== Infinity) {
        this.pendingTick = Infinity;
        this.crLoadTick = Infinity;
      }
      this.gate = false;
      this.gateLowAt = t;
      return;
    }
    this.gate = true;
    switch (this.mode) {
      case 0:
      case 4:
        // Resume where counting stopped: shift the load time by the frozen interval.
        if (this.armed) {
          if (this.loadTick <= this.gateLowAt) this.loadTick += t - this.gateLowAt;
          else if (this.loadTick < t) this.loadTick = t;
        }
        return;
      default:
        // Modes 1, 2, 3, 5: a trigger loads the count register on the next clock.
        if (!this.hasCount) return;
        this.ceBefore = this.value(t);
        this.count = this.cr;
        this.loadTick = t + 1;
        this.crLoadTick = t + 1;
        this.pendingTick = Infinity;
        this.armed = true;
    }
  }

  /** Counter latch command at clock t (ignored while a latched count is unread). */
  latch(t: number): void {
    if (this.latched) return;
    this.latchValue = this.encode(this.value(t));
    this.latched = true;
  }

  /** Read-back status latch at clock t. */
  latchStatus(t: number): void {
    if (this.statusLatched) return;
    this.status = (this.out(t) ? 0x80 : 0) | (t < this.crLoadTick ? 0x40 : 0) | this.controlBits;
    this.statusLatched = true;
  }

  /** A read of this counter's port at clock t. */
  readByte(t: number): number {
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.status;
    }
    let v: number;
    if (this.latched) {
      v = this.latchValue;
      if (this.access !== RW_WORD || this.readMsb) this.latched = false;
    } else {
      v = this.encode(this.value(t));
    }
    switch (this.access) {
      case RW_LSB:
        return v & 0xff;
      case RW_MSB:
        return (v >> 8) & 0xff;
      default:
        this.readMsb = !this.readMsb;
        return this.readMsb ? v & 0xff : (v >> 8) & 0xff;
    }
  }
}

export interface PitStats {
  /** Rising edges of channel 0's OUT, i.e. IRQ0 requests. */
  irq0Edges: number;
}

/** The 8254 with its PC wiring: ports 0x40-0x43, channel 0 OUT to IRQ0. */
export class Pit implements IoDevice {
  readonly name = 'pit';
  readonly cpuHz: number;
  readonly channels = [new PitChannel(0), new PitChannel(1), new PitChannel(2)];
  readonly stats: PitStats = { irq0Edges: 0 };
  /** Called when a write moves nextDeadline() (the machine cuts the CPU's slice short). */
  onDeadlineChange: (() => void) | null = null;

  /** The PIT clock number the channels have been brought up to. */
  private now = 0;
  /** The IRQ0 line level last driven into the PIC. */
  private irq0Level = false;
  /** CPU cycle of channel 0's next rising edge, or Infinity. */
  private deadline = Infinity;

  constructor(cpuHz: number, private readonly clock: CycleClock, private readonly irqs: IrqLines) {
    if (!Number.isInteger(cpuHz) || cpuHz < 1_000_000 || cpuHz > MAX_CPU_HZ) {
      throw new RangeError(`CPU frequency must be an integer number of Hz from 1 MHz to 4.29 GHz, got ${cpuHz}`);
    }
    this.cpuHz = cpuHz;
    this.now = this.ticks(clock.cycles);
    // Channel 2's GATE is port 0x61 bit 0, which is 0 at power-on.
    this.channels[2].gate = false;
    // Drive IRQ0 to channel 0's power-on OUT level (high).
    this.irq0Level = this.channels[0].out(this.now);
    irqs.setIrq(0, this.irq0Level);
  }

  /** PIT clocks that have happened by CPU cycle `cycles`. */
  ticks(cycles: number): number {
    return mulDivFloor(cycles, PIT_HZ, this.cpuHz);
  }

  /** The CPU cycle at which PIT clock `tick` happens. */
  cycleOfTick(tick: number): number {
    return mulDivCeil(tick, this.cpuHz, PIT_HZ);
  }

  /** The CPU cycle of the next IRQ0 edge (Infinity if none is coming). */
  nextDeadline(): number {
    return this.deadline;
  }

  /**
   * Advance the counters to CPU cycle `cycles`: if channel 0's OUT rose at least once
   * since the last update, the PIC sees a rising edge on IRQ0 (several edges within one
   * update collapse into one request, as the PIC's edge latch would hold them).
   */
  update(cycles: number): void {
    const now = this.ticks(cycles);
    if (now <= this.now) return;
    const ch = this.channels[0];
    const rose = ch.nextRise(this.now) <= now;
    for (let k = 0; k < 3; k++) this.channels[k].sync(now);
    this.now = now;
    const level = ch.out(now);
    if (rose) {
      this.stats.irq0Edges++;
      if (this.irq0Level) this.irqs.lowerIrq(0);
      this.irqs.raiseIrq(0);
      if (!level) this.irqs.lowerIrq(0);
      this.irq0Level = level;
    } else if (level !== this.irq0Level) {
      this.irq0Level = level;
      this.irqs.setIrq(0, level);
    }
    this.computeDeadline();
  }

  /** Bring everything to the CPU's current cycle (port accesses happen mid-slice). */
  private catchUp(): number {
    this.update(this.clock.cycles);
    return this.now;
  }

  private computeDeadline(): void {
    const r = this.channels[0].nextRise(this.now);
    this.deadline = r === Infinity ? Infinity : this.cycleOfTick(r);
  }

  /** After a write: drive IRQ0 to OUT's new level (a control word can raise it). */
  private afterWrite(): void {
    const level = this.channels[0].out(this.now);
    if (level !== this.irq0Level) {
      if (level) this.stats.irq0Edges++;
      this.irq0Level = level;
      this.irqs.setIrq(0, level);
    }
    const before = this.deadline;
    this.computeDeadline();
    if (this.deadline !== before && this.onDeadlineChange) this.onDeadlineChange();
  }

  /** OUT of a channel now (port 0x61 bit 5 reads channel 2's). */
  out(channel: number): boolean {
    return this.channels[channel].out(this.catchUp());
  }

  /** GATE of channel 2 (port 0x61 bit 0). */
  setGate2(level: boolean): void {
    this.channels[2].setGate(level, this.catchUp());
    this.afterWrite();
  }

  /** The PIT clock now, for devices derived from it (port 0x61's refresh toggle). */
  clockNow(): number {
    return this.catchUp();
  }

  // ---------------------------------------------------------------------------------
  // Ports 0x40-0x42 (counters) and 0x43 (control word, write only).

  in8(port: number): number {
    const t = this.catchUp();
    const n = port & 3;
    if (n === 3) return 0xff; // the control register cannot be read (8254 table 1)
    return this.channels[n].readByte(t);
  }

  out8(port: number, value: number): void {
    const t = this.catchUp();
    const n = port & 3;
    if (n !== 3) {
      this.channels[n].writeByte(value & 0xff, t);
    } else if ((value & 0xc0) === 0xc0) {
      // Read-back command.
      for (let k = 0; k < 3; k++) {
        if ((value & (2 << k)) === 0) continue;
        const ch = this.channels[k];
        ch.sync(t);
        if ((value & 0x10) === 0) ch.latchStatus(t);
        if ((value & 0x20) === 0) ch.latch(t);
      }
      return;
    } else {
      const ch = this.channels[value >> 6];
      ch.sync(t);
      if ((value & 0x30) === 0) {
        ch.latch(t);
        return;
      }
      ch.control(value, t);
    }
    this.afterWrite();
  }
}
