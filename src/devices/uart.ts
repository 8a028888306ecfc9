// A 16550A-style UART (the PC's COM1 at 0x3F8, IRQ4).
//
// Reference: National Semiconductor PC16550D UART with FIFOs datasheet (June 1995),
// cited as "16550" with its table and section names.
//
// Transmission is instantaneous: a byte written to THR reaches the output sink at once,
// so LSR always reports THRE and TEMT. There is no baud-rate timing — the divisor latch
// is stored and read back, and nothing else depends on it — which keeps output from
// costing guest time the machine would have to schedule.
//
// Reception is a plus: receive() appends host bytes to an input queue; RBR returns them
// in order and LSR.DR says one is waiting. The queue stands for the host side of a
// flow-controlled line: it never overruns (LSR.OE stays 0), in FIFO mode or not.
//
// Interrupts (16550 table IV, "Interrupt Control Functions"), by priority:
//   IIR[3:0]  source                          enabled by   reset by
//   0110      receiver line status (errors)   IER.ELSI     reading LSR (never set here)
//   0100      received data available         IER.ERBFI    reading RBR until empty
//   0010      transmitter holding reg. empty  IER.ETBEI    reading IIR (if the source)
//                                                          or writing THR
//   0000      modem status                    IER.EDSSI    reading MSR
//   0001      none pending
// The IRQ pin is the interrupt output gated by MCR.OUT2, as on the PC (the OUT2 pin
// enables the board's IRQ driver), and forced inactive in loopback mode. A THR write
// drops the THRE interrupt and, the byte being sent at once, raises it again: the IRQ
// line pulses, so an edge-triggered PIC sees a new request per byte.
//
// Register map (16550 table II; DLAB = LCR bit 7):
//   offset  DLAB=0 read / write      DLAB=1
//   0       RBR / THR                DLL (divisor latch, low)
//   1       IER                      DLM (divisor latch, high)
//   2       IIR / FCR
//   3       LCR
//   4       MCR
//   5       LSR (writes ignored)
//   6       MSR (writes ignored)
//   7       SCR (scratch)
//
//   IER:  D3 EDSSI  D2 ELSI  D1 ETBEI  D0 ERBFI
//   IIR:  D7-D6 11 when FIFOs are enabled  D3-D1 interrupt ID  D0 0 = interrupt pending
//   FCR:  D7-D6 RX trigger level  D2 clear TX FIFO  D1 clear RX FIFO  D0 FIFO enable
//   LCR:  D7 DLAB  D6 break  D5 stick parity  D4 even parity  D3 parity enable
//         D2 stop bits  D1-D0 word length
//   MCR:  D4 LOOP  D3 OUT2  D2 OUT1  D1 RTS  D0 DTR
//   LSR:  D7 RX FIFO error  D6 TEMT  D5 THRE  D4 BI  D3 FE  D2 PE  D1 OE  D0 DR
//   MSR:  D7 DCD  D6 RI  D5 DSR  D4 CTS  D3 ΔDCD  D2 TERI  D1 ΔDSR  D0 ΔCTS
//
// Modem lines: with nothing attached but the host, CTS, DSR and DCD are asserted (a
// ready terminal). In loopback (MCR.LOOP), transmitted bytes come back to the receiver
// and MSR reflects MCR (CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2) with delta bits, as the
// 16550 "Loopback" section describes; drivers use this to probe for the chip.

import type { IoDevice } from './io.js';
import type { IrqLines } from './pic.js';
import type { ByteSink } from './debugcon.js';

export const COM1_BASE = 0x3f8;
export const COM1_IRQ = 4;

const IER_ERBFI = 0x01;
const IER_ETBEI = 0x02;
const IER_ELSI = 0x04;
const IER_EDSSI = 0x08;

const LCR_DLAB = 0x80;

const MCR_DTR = 0x01;
const MCR_RTS = 0x02;
const MCR_OUT1 = 0x04;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;

const LSR_DR = 0x01;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;
/** Modem input lines when not in loopback: a ready terminal. */
const MSR_LINES_IDLE = MSR_CTS | MSR_DSR | MSR_DCD;

const IIR_NONE = 0x01;
const IIR_MODEM = 0x00;
const IIR_THRE = 0x02;
const IIR_RDA = 0x04;

export interface UartStats {
  txBytes: number;
  rxBytes: number;
}

export class Uart16550 implements IoDevice {
  readonly name: string;
  ier = 0;
  lcr = 0;
  mcr = 0;
  scr = 0;
  fcr = 0;
  /** Divisor latch; 12 = 9600 baud from the PC's 1.8432 MHz crystal (as a BIOS leaves it). */
  divisor = 12;
  /** THRE interrupt condition (set when THR empties, reset by IIR read or THR write). */
  private threPending = false;
  /** MSR: the four line bits and the four delta bits. */
  private msr = MSR_LINES_IDLE;
  private irqLevel = false;

  /** Host input not yet read by the guest: rx[rxHead..rx.length). */
  private rx: number[] = [];
  private rxHead = 0;

  readonly stats: UartStats = { txBytes: 0, rxBytes: 0 };

  constructor(
    readonly base: number,
    readonly irq: number,
    private readonly irqs: IrqLines,
    private readonly sink: ByteSink,
    name = 'uart',
  ) {
    this.name = name;
  }

  /** Master reset (16550 table VII): registers cleared, THR empty, no interrupt. */
  reset(): void {
    this.ier = this.lcr = this.mcr = this.fcr = 0;
    this.scr = 0;
    this.threPending = false;
    this.msr = MSR_LINES_IDLE;
    this.rx.length = 0;
    this.rxHead = 0;
    this.updateIrq(false);
  }

  /** Bytes from the host waiting to be read. */
  get rxPending(): number {
    return this.rx.length - this.rxHead;
  }

  /** Host input: queue bytes for the guest to read from RBR. */
  receive(bytes: Uint8Array | string): void {
    for (let k = 0; k < bytes.length; k++) {
      this.rx.push(typeof bytes === 'string' ? bytes.charCodeAt(k) & 0xff : bytes[k]);
    }
    this.updateIrq(false);
  }

  // ---------------------------------------------------------------------------------

  /** The highest-priority pending interrupt's IIR ID, or IIR_NONE. */
  private interruptId(): number {
    if (this.ier & IER_ERBFI && this.rxHead < this.rx.length) return IIR_RDA;
    if (this.ier & IER_ETBEI && this.threPending) return IIR_THRE;
    if (this.ier & IER_EDSSI && this.msr & 0x0f) return IIR_MODEM;
    // IER_ELSI: line status errors never occur here.
    return IIR_NONE;
  }

  /** Drive the IRQ pin; `pulse` drops it first so that an edge-triggered PIC sees a new edge. */
  private updateIrq(pulse: boolean): void {
    const level = this.interruptId() !== IIR_NONE && (this.mcr & (MCR_OUT2 | MCR_LOOP)) === MCR_OUT2;
    if (pulse && this.irqLevel) {
      this.irqLevel = false;
      this.irqs.setIrq(this.irq, false);
    }
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irqs.setIrq(this.irq, level);
    }
  }

  private transmit(v: number): void {
    this.stats.txBytes++;
    if (this.mcr & MCR_LOOP) this.rx.push(v);
    else this.sink(v);
    // The byte leaves at once: THR (and the shift register) are empty again.
    this.threPending = true;
  }

  /** MSR line bits in loopback: the MCR outputs fed back (16550 "Loopback"). */
  private loopbackLines(): number {
    const m = this.mcr;
    return (m & MCR_RTS ? MSR_CTS : 0) | (m & MCR_DTR ? MSR_DSR : 0) | (m & MCR_OUT1 ? MSR_RI : 0) | (m & MCR_OUT2 ? MSR_DCD : 0);
  }

  /** New modem input lines: set the delta bits for the ones that changed. */
  private setModemLines(lines: number): void {
    const old = this.msr & 0xf0;
    const changed = old ^ lines;
    let delta = this.msr & 0x0f;
    if (changed & MSR_CTS) delta |= 0x01;
    if (changed & MSR_DSR) delta |= 0x02;
    if (old & MSR_RI && !(lines & MSR_RI)) delta |= 0x04; // TERI: trailing edge of RI
    if (changed & MSR_DCD) delta |= 0x08;
    this.msr = lines | delta;
  }

  // ---------------------------------------------------------------------------------
  // Ports base+0 .. base+7.

  in8(port: number): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch ((port - this.base) & 7) {
      case 0: {
        if (dlab) return this.divisor & 0xff;
        if (this.rxHead >= this.rx.length) return 0;
        const v = this.rx[this.rxHead++];
        this.stats.rxBytes++;
        if (this.rxHead === this.rx.length) {
          this.rx.length = 0;
          this.rxHead = 0;
        }
        this.updateIrq(false);
        return v;
      }
      case 1:
        return dlab ? (this.divisor >> 8) & 0xff : this.ier;
      case 2: {
        const id = this.interruptId();
        // Reading IIR while THRE is the reported source clears it (16550 table IV).
        if (id === IIR_THRE) {
          this.threPending = false;
          this.updateIrq(false);
        }
        return (this.fcr & 1 ? 0xc0 : 0) | id;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        return LSR_THRE | LSR_TEMT | (this.rxHead < this.rx.length ? LSR_DR : 0);
      case 6: {
        const v = this.msr;
        this.msr &= 0xf0; // reading MSR clears the delta bits
        this.updateIrq(false);
        return v;
      }
      default:
        return this.scr;
    }
  }

  out8(port: number, value: number): void {
    const v = value & 0xff;
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch ((port - this.base) & 7) {
      case 0:
        if (dlab) {
          this.divisor = (this.divisor & 0xff00) | v;
          return;
        }
        this.threPending = false;
        this.transmit(v);
        this.updateIrq(true);
        return;
      case 1: {
        if (dlab) {
          this.divisor = (this.divisor & 0xff) | (v << 8);
          return;
        }
        const enablingThre = (v & IER_ETBEI) !== 0 && (this.ier & IER_ETBEI) === 0;
        this.ier = v & (IER_ERBFI | IER_ETBEI | IER_ELSI | IER_EDSSI);
        // THR is always empty here, so enabling ETBEI raises the THRE interrupt at once,
        // as the 16550 does when THR is empty.
        if (enablingThre) this.threPending = true;
        this.updateIrq(false);
        return;
      }
      case 2:
        // FCR: enable/disable the FIFOs; "clear RX FIFO" drops queued host input.
        this.fcr = v & 0xc9;
        if (v & 0x02) {
          this.rx.length = 0;
          this.rxHead = 0;
        }
        this.updateIrq(false);
        return;
      case 3:
        this.lcr = v;
        return;
      case 4: {
        const wasLoop = (this.mcr & MCR_LOOP) !== 0;
        this.mcr = v & 0x1f;
        const loop = (this.mcr & MCR_LOOP) !== 0;
        if (loop) this.setModemLines(this.loopbackLines());
        else if (wasLoop) this.setModemLines(MSR_LINES_IDLE);
        this.updateIrq(false);
        return;
      }
      case 7:
        this.scr = v;
        return;
      default:
        return; // LSR, MSR: writes ignored
    }
  }
}
