// The port I/O bus: the machine's implementation of the CPU's IoPorts (src/cpu/cpu.ts).
//
// Devices claim ranges of the 64 KiB I/O space with register(). Dispatch is one array
// load per access: `devices[port]` holds the device that decodes that port, or null.
//
// Contracts, as on an ISA bus:
// - A port nobody decodes floats high: reads return all ones (0xff, 0xffff, 0xffffffff)
//   and writes are dropped.
// - Devices are byte devices unless they implement the wider handlers. A 16-bit access
//   to a byte device is two byte accesses (port, then port+1) and a 32-bit access four,
//   low byte first, as an 8-bit ISA bus splits them; each byte goes to whichever device
//   decodes its own port (or floats). Port numbers wrap at 0xffff.
// - A device that implements in16/out16 (or in32/out32) gets the whole access when the
//   first port is its own, as a 16-bit ISA device asserting IOCS16# does.
//
// Values: in8 returns 0..0xff, in16 0..0xffff, in32 an int32 (the CPU's register format).
// Nothing here allocates; device handlers must not allocate either.

import type { IoPorts } from '../cpu/cpu.js';

/** A device on the bus. Ports passed to the handlers are absolute port numbers. */
export interface IoDevice {
  /** A name for diagnostics ("pit", "pic-master", "uart0" …). */
  readonly name: string;
  in8(port: number): number;
  out8(port: number, value: number): void;
  /** Optional word-wide handlers (the access is not split when present). */
  in16?(port: number): number;
  out16?(port: number, value: number): void;
  /** Optional dword-wide handlers. */
  in32?(port: number): number;
  out32?(port: number, value: number): void;
}

export const IO_PORTS = 0x10000;

export interface IoStats {
  /** Accesses by width, counting a split access once. */
  reads: number;
  writes: number;
  /** Byte accesses that reached no device. */
  unclaimed: number;
}

export class IoBus implements IoPorts {
  private readonly devices: Array<IoDevice | null> = new Array<IoDevice | null>(IO_PORTS).fill(null);
  readonly stats: IoStats = { reads: 0, writes: 0, unclaimed: 0 };

  /**
   * Claim `count` ports starting at `first` for `dev`. Claiming a port that another
   * device already decodes is a wiring error and throws (two devices driving the data
   * bus on the same read is not something a machine should do silently).
   */
  register(first: number, count: number, dev: IoDevice): void {
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 1 || first + count > IO_PORTS) {
      throw new RangeError(`io: bad port range 0x${first.toString(16)}+${count} for ${dev.name}`);
    }
    for (let p = first; p < first + count; p++) {
      const other = this.devices[p];
      if (other) throw new Error(`io: port 0x${p.toString(16)} of ${dev.name} is already claimed by ${other.name}`);
    }
    for (let p = first; p < first + count; p++) this.devices[p] = dev;
  }

  /** Release ports (hot-unplug, tests). */
  unregister(first: number, count: number): void {
    for (let p = first; p < first + count && p < IO_PORTS; p++) this.devices[p] = null;
  }

  /** The device decoding `port`, or null. */
  deviceAt(port: number): IoDevice | null {
    return this.devices[port & 0xffff];
  }

  // ---------------------------------------------------------------------------------
  // IoPorts, as the CPU's in/out/ins/outs call them.

  in8(port: number): number {
    this.stats.reads++;
    return this.byteIn(port & 0xffff);
  }

  in16(port: number): number {
    this.stats.reads++;
    const p = port & 0xffff;
    const dev = this.devices[p];
    if (dev !== null && dev.in16 !== undefined) return dev.in16(p) & 0xffff;
    return this.byteIn(p) | (this.byteIn((p + 1) & 0xffff) << 8);
  }

  in32(port: number): number {
    this.stats.reads++;
    const p = port & 0xffff;
    const dev = this.devices[p];
    if (dev !== null && dev.in32 !== undefined) return dev.in32(p) | 0;
    return (
      this.byteIn(p) |
      (this.byteIn((p + 1) & 0xffff) << 8) |
      (this.byteIn((p + 2) & 0xffff) << 16) |
      (this.byteIn((p + 3) & 0xffff) << 24)
    );
  }

  out8(port: number, value: number): void {
    this.stats.writes++;
    this.byteOut(port & 0xffff, value & 0xff);
  }

  out16(port: number, value: number): void {
    this.stats.writes++;
    const p = port & 0xffff;
    const dev = this.devices[p];
    if (dev !== null && dev.out16 !== undefined) {
      dev.out16(p, value & 0xffff);
      return;
    }
    this.byteOut(p, value & 0xff);
    this.byteOut((p + 1) & 0xffff, (value >>> 8) & 0xff);
  }

  out32(port: number, value: number): void {
    this.stats.writes++;
    const p = port & 0xffff;
    const dev = this.devices[p];
    if (dev !== null && dev.out32 !== undefined) {
      dev.out32(p, value | 0);
      return;
    }
    this.byteOut(p, value & 0xff);
    this.byteOut((p + 1) & 0xffff, (value >>> 8) & 0xff);
    this.byteOut((p + 2) & 0xffff, (value >>> 16) & 0xff);
    this.byteOut((p + 3) & 0xffff, (value >>> 24) & 0xff);
  }

  private byteIn(p: number): number {
    const dev = this.devices[p];
    if (dev === null) {
      this.stats.unclaimed++;
      return 0xff;
    }
    return dev.in8(p) & 0xff;
  }

  private byteOut(p: number, v: number): void {
    const dev = this.devices[p];
    if (dev === null) {
      this.stats.unclaimed++;
      return;
    }
    dev.out8(p, v);
  }
}
