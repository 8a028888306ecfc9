// The machine: RAM and MMU, the CPU, the port I/O bus and the PC devices on it, and the
// loop that clocks them together.
//
//   port          device                                   IRQ
//   0x20-0x21     8259A master (pic.ts)                    INTR of the CPU
//   0xA0-0xA1     8259A slave, cascaded on master IR2
//   0x40-0x43     8254 PIT (pit.ts)                        channel 0 -> IRQ0
//   0x61          system control port B (sysport.ts)       (PIT channel 2 gate/out)
//   0x3F8-0x3FF   16550 UART, COM1 (uart.ts)               IRQ4
//   0xE9          Bochs/QEMU debug console (debugcon.ts)
// Every other port floats (reads all ones, writes ignored).
//
// TIME. The only clock is the CPU's cycle counter; guest time is cycles / cpuHz seconds,
// and the devices derive their time from it. run() executes the CPU in stretches that end
// at the next device deadline (the cycle of the PIT's next IRQ0 edge) or at the limit,
// whichever is first; at each end it brings the devices up to the CPU's cycle count, so
// IRQ0 is raised at its exact edge cycle and the CPU takes it at its next block boundary
// (the CPU checks INTR between basic blocks, see cpu.ts run()). A stretch can overrun its
// deadline by the rest of one basic block — at most 64 instructions.
//
// IDLE. When the CPU halts with interrupts enabled, nothing can happen until the next
// device event, so run() moves the cycle counter straight to it: `hlt` costs no host time
// however long the guest sleeps. Halted with interrupts disabled (there is no NMI source),
// or with no device able to interrupt, the machine can never wake: run() stops and says
// so. A triple fault (CPU shutdown) stops it too.
//
// DETERMINISM. Nothing reads the host clock or depends on how run() is sliced: the same
// program, options and input give the same output and the same cycle count.

import { CPU, STOP_BREAK, STOP_HLT, STOP_SHUTDOWN } from './cpu/cpu.js';
import { EFLAGS_IF } from './cpu/constants.js';
import { Mmu } from './mmu/mmu.js';
import { IoBus } from './devices/io.js';
import { PicPair } from './devices/pic.js';
import { Pit } from './devices/pit.js';
import { SystemPortB } from './devices/sysport.js';
import { COM1_BASE, COM1_IRQ, Uart16550 } from './devices/uart.js';
import { DEBUGCON_PORT, DebugCon, type ByteSink } from './devices/debugcon.js';

export const DEFAULT_MEM_SIZE = 64 << 20;
export const DEFAULT_CPU_HZ = 100_000_000;

/**
 * Cycles per slice of runSliced(): 4 M cycles are 40 ms of guest time at 100 MHz and
 * take about 20-40 ms of host time at 100-200 MIPS, so the event loop (host input, gdb
 * packets, ctrl-C) is served 25+ times a second, while the cost of returning to it —
 * a setImmediate round trip of a few microseconds — stays below 0.1%.
 */
export const SLICE_CYCLES = 4_000_000;

export interface MachineOptions {
  /** RAM size in bytes: a multiple of 4 KiB from 1 MiB to 1 GiB (default 64 MiB). */
  memSize?: number;
  /** CPU frequency in Hz, an integer from 1 MHz to 4.29 GHz (default 100 MHz). */
  cpuHz?: number;
  /** Touch every page of RAM at creation (QEMU's -mem-prealloc; Mmu.preallocate). */
  memPrealloc?: boolean;
  /** Where the UART and the 0xE9 debug console write, one byte per call (default: dropped). */
  output?: ByteSink;
}

/**
 * Why run() returned:
 *   limit     the cycle budget is spent (the machine can be run further)
 *   halted    hlt with no way to wake up (interrupts disabled, or no interrupt source)
 *   shutdown  triple fault: the CPU shut down
 *   break     a host-side stop request (requestStop(), the debugger)
 */
export type StopReason = 'limit' | 'halted' | 'shutdown' | 'break';

export interface RunResult {
  reason: StopReason;
  /** One line saying what happened, for people. */
  message: string;
  /** CPU cycles since the machine was created (not only this run). */
  cycles: number;
  /** Instructions retired since the machine was created. */
  instructions: number;
}

export interface MachineStats {
  cycles: number;
  instructions: number;
  /** Guest seconds: cycles / cpuHz. */
  guestSeconds: number;
  /** Cycles skipped while halted (idle, costing no host time). */
  idleCycles: number;
  /** #PF raised by the MMU. */
  pageFaults: number;
  /** Hardware interrupts acknowledged per IRQ line 0-15. */
  irqs: number[];
  spuriousIrqs: number;
  /** IRQ0 requests the PIT made (rising edges of channel 0's OUT). */
  timerEdges: number;
}

export class Machine {
  readonly cpuHz: number;
  readonly mmu: Mmu;
  readonly cpu: CPU;
  readonly io: IoBus;
  readonly pic: PicPair;
  readonly pit: Pit;
  readonly sysport: SystemPortB;
  readonly uart: Uart16550;
  readonly debugcon: DebugCon;

  /** Cycles the CPU spent halted (jumped over, not executed). */
  idleCycles = 0;
  /** A device deadline moved while the CPU was running: its stretch was cut short. */
  private resliced = false;
  /** requestStop() was called. */
  private stopRequested = false;

  constructor(options: MachineOptions = {}) {
    const memSize = options.memSize ?? DEFAULT_MEM_SIZE;
    this.cpuHz = options.cpuHz ?? DEFAULT_CPU_HZ;
    const output = options.output ?? (() => {});
    this.mmu = new Mmu(memSize);
    if (options.memPrealloc) this.mmu.preallocate();
    this.cpu = new CPU(this.mmu);
    this.io = new IoBus();
    this.pic = new PicPair(this.cpu);
    this.pit = new Pit(this.cpuHz, this.cpu, this.pic);
    this.sysport = new SystemPortB(this.pit);
    this.uart = new Uart16550(COM1_BASE, COM1_IRQ, this.pic, output, 'uart-com1');
    this.debugcon = new DebugCon(output);

    this.io.register(0x20, 2, this.pic);
    this.io.register(0xa0, 2, this.pic);
    this.io.register(0x40, 4, this.pit);
    this.io.register(0x61, 1, this.sysport);
    this.io.register(COM1_BASE, 8, this.uart);
    this.io.register(DEBUGCON_PORT, 1, this.debugcon);

    this.cpu.io = this.io;
    this.cpu.pic = this.pic;
    // A guest write that moves the next IRQ0 edge (reprogramming the PIT) must end the
    // CPU's current stretch, which was planned for the old deadline.
    this.pit.onDeadlineChange = () => {
      this.resliced = true;
      this.cpu.stopRequested = true;
    };
    this.sysport.reset();
    // Power-on: the devices have driven their IRQ lines to their initial levels; no
    // request is pending.
    this.pic.reset();
  }

  /** Copy bytes into physical memory. */
  load(phys: number, bytes: Uint8Array): void {
    this.mmu.writePhysBytes(phys, bytes);
  }

  /** Guest time in seconds. */
  get guestSeconds(): number {
    return this.cpu.cycles / this.cpuHz;
  }

  /** The next cycle at which a device changes an interrupt line (Infinity: none). */
  nextDeadline(): number {
    return this.pit.nextDeadline();
  }

  /** Ask run()/runSliced() to return 'break' at the next opportunity (host side). */
  requestStop(): void {
    this.stopRequested = true;
    this.cpu.stopRequested = true;
  }

  /**
   * Run for at most `maxCycles` more cycles (Infinity: until something stops it). The
   * CPU may overrun the budget by the rest of a basic block.
   */
  run(maxCycles: number): RunResult {
    const cpu = this.cpu;
    const pit = this.pit;
    const end = cpu.cycles + maxCycles;
    for (;;) {
      pit.update(cpu.cycles);
      if (this.stopRequested) {
        this.stopRequested = false;
        return this.result('break', 'stopped on request');
      }
      if (cpu.shutdown) return this.shutdownResult();
      if (cpu.cycles >= end) return this.result('limit', `ran ${maxCycles} cycles`);
      let deadline = pit.nextDeadline();
      if (deadline > end) deadline = end;

      this.resliced = false;
      const stop = cpu.run(deadline);
      if (stop === STOP_HLT) {
        if ((cpu.flags & EFLAGS_IF) === 0) {
          return this.result('halted', `halted forever: hlt with interrupts disabled at eip 0x${hex(cpu.eip)}`);
        }
        const wake = this.wakeDeadline();
        if (wake === Infinity) {
          return this.result('halted', `halted forever: hlt at eip 0x${hex(cpu.eip)} with no interrupt source that can wake it`);
        }
        // Idle: jump to the event (or the end of the budget) without executing anything.
        const to = wake < end ? wake : end;
        if (to > cpu.cycles) {
          this.idleCycles += to - cpu.cycles;
          cpu.cycles = to;
        }
      } else if (stop === STOP_SHUTDOWN) {
        return this.shutdownResult();
      } else if (stop === STOP_BREAK && !this.resliced) {
        // Someone other than the devices asked the CPU to stop (a debugger hook).
        return this.result('break', 'stopped on request');
      }
      // STOP_LIMIT, or a stretch cut short by a new deadline: update devices and go on.
    }
  }

  /**
   * run(), in slices of `sliceCycles`, returning to Node's event loop (setImmediate)
   * between them so that host I/O and signals are served while the guest runs. Produces
   * exactly the same guest behaviour as run(maxCycles).
   */
  async runSliced(maxCycles: number, sliceCycles = SLICE_CYCLES): Promise<RunResult> {
    const end = this.cpu.cycles + maxCycles;
    for (;;) {
      const left = end - this.cpu.cycles;
      const r = this.run(left < sliceCycles ? left : sliceCycles);
      if (r.reason !== 'limit' || this.cpu.cycles >= end) {
        return r.reason === 'limit' ? this.result('limit', `ran ${maxCycles} cycles`) : r;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The cycle of the next event that can wake a halted CPU, or Infinity. */
  private wakeDeadline(): number {
    // IRQ0 is the only timed interrupt source; masked at the PIC, it cannot wake the CPU.
    if (this.pic.isMasked(0)) return Infinity;
    return this.pit.nextDeadline();
  }

  private shutdownResult(): RunResult {
    return this.result('shutdown', `triple fault: the CPU shut down (a fault while delivering a double fault) at eip 0x${hex(this.cpu.eip)}`);
  }

  private result(reason: StopReason, message: string): RunResult {
    return { reason, message, cycles: this.cpu.cycles, instructions: this.cpu.instret };
  }

  stats(): MachineStats {
    return {
      cycles: this.cpu.cycles,
      instructions: this.cpu.instret,
      guestSeconds: this.guestSeconds,
      idleCycles: this.idleCycles,
      pageFaults: this.mmu.stats.pageFaults,
      irqs: Array.from(this.pic.delivered),
      spuriousIrqs: this.pic.spurious,
      timerEdges: this.pit.stats.irq0Edges,
    };
  }
}

function hex(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}
