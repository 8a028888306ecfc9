// A harness for bare-metal programs: load a flat binary at a physical address, start it
// in the CPU's reset state (CPL 0, flat segments, paging off), run it until hlt, then
// read what it reported in memory. No devices: port writes are recorded, reads float
// high. The programs are NASM sources in tests/fixtures/ assembled to .bin files.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CPU, STOP_HLT, type IoPorts } from '../../src/cpu/cpu.js';
import { Mmu } from '../../src/mmu/mmu.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + name));
}

/** Port I/O that records writes ("port value") and returns all ones on reads. */
export class RecordingPorts implements IoPorts {
  readonly writes: Array<[number, number]> = [];
  in8(): number { return 0xff; }
  in16(): number { return 0xffff; }
  in32(): number { return -1; }
  out8(port: number, value: number): void { this.writes.push([port, value & 0xff]); }
  out16(port: number, value: number): void { this.writes.push([port, value & 0xffff]); }
  out32(port: number, value: number): void { this.writes.push([port, value >>> 0]); }
}

/** One entry of the fault log that tests/fixtures/pm.inc keeps. */
export interface LogEntry {
  vector: number;
  error: number;
  eip: number;
  cs: number;
  eflags: number;
  esp: number;
  ss: number;
  cr2: number;
  snoop: number;
}

export class BareMetal {
  readonly mmu: Mmu;
  readonly cpu: CPU;
  readonly ports = new RecordingPorts();
  /** Vectors delivered, in order (from the CPU's onVector hook). */
  readonly vectors: number[] = [];
  stop = -1;

  constructor(ramSize = 4 << 20) {
    this.mmu = new Mmu(ramSize);
    this.cpu = new CPU(this.mmu);
    this.cpu.io = this.ports;
    this.cpu.onVector = (v) => this.vectors.push(v);
  }

  /** Load `image` at physical `addr` and point EIP at it. */
  load(image: Uint8Array, addr: number): this {
    this.mmu.writePhysBytes(addr, image);
    this.cpu.eip = addr;
    return this;
  }

  /** Run until the program halts; throws if it does not within `maxCycles`. */
  run(maxCycles = 10_000_000): this {
    this.stop = this.cpu.run(this.cpu.cycles + maxCycles);
    if (this.stop !== STOP_HLT) {
      throw new Error(`program did not halt (stop ${this.stop}, eip 0x${this.cpu.eip.toString(16)}, vectors ${this.vectors.join(',')})`);
    }
    return this;
  }

  u32(addr: number): number {
    return this.mmu.readPhys32(addr) >>> 0;
  }

  /** `n` entries of a log of 64-byte records at `addr` (see pm.inc). */
  log(addr: number, n: number): LogEntry[] {
    const out: LogEntry[] = [];
    for (let k = 0; k < n; k++) {
      const a = addr + 64 * k;
      const f = (o: number) => this.u32(a + o);
      out.push({ vector: f(0), error: f(4), eip: f(8), cs: f(12), eflags: f(16), esp: f(20), ss: f(24), cr2: f(28), snoop: f(32) });
    }
    return out;
  }
}
