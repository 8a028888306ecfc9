// The Bochs / QEMU debug console: port 0xE9 ("port E9 hack").
//
// A byte written to the port goes straight to the output sink; a read returns 0xE9, which
// is how software detects that the port exists (Bochs documents the read value; QEMU's
// isa-debugcon returns it too). No buffering, no interrupts, no registers: the simplest
// way out of a bare-metal program.

import type { IoDevice } from './io.js';

export const DEBUGCON_PORT = 0xe9;

/** Receives output bytes (0..255), one call per byte. */
export type ByteSink = (byte: number) => void;

export class DebugCon implements IoDevice {
  readonly name = 'debugcon';
  /** Bytes written. */
  bytes = 0;

  constructor(private readonly sink: ByteSink) {}

  in8(_port: number): number {
    return DEBUGCON_PORT;
  }

  out8(_port: number, value: number): void {
    this.bytes++;
    this.sink(value & 0xff);
  }
}
