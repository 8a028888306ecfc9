// System control port B of the PC/AT (port 0x61): the PIT channel 2 GATE and OUT, the
// speaker enable, and the DRAM refresh toggle that old delay loops poll.
//
// Reference: IBM Personal Computer AT Technical Reference (1984), "System Board",
// port 061h; the same bits survive in every PC chipset since.
//
//    D7     D6     D5     D4     D3      D2      D1      D0
//  +------+------+------+------+-------+-------+-------+-------+
//  | PCK  | IOCK | OUT2 | REFD | ENIOCK| ENPCK | SPKR  | GATE2 |
//  +------+------+------+------+-------+-------+-------+-------+
//    read-only:  PCK  RAM parity error (always 0 here)
//                IOCK I/O channel check (always 0 here)
//                OUT2 PIT channel 2 output
//                REFD refresh detect: toggles on every DRAM refresh request
//    read/write: ENIOCK, ENPCK (0 = checks enabled; remembered, no effect),
//                SPKR speaker data enable (remembered; there is no speaker),
//                GATE2 PIT channel 2 GATE
//
// REFD is derived from the PIT clock, not from PIT channel 1's programming: on the AT the
// BIOS programs channel 1 in mode 2 with a count of 18 (one refresh every 15.08 µs), so
// REFD toggles every 18 PIT clocks. That keeps it deterministic guest time, as everything.

import type { IoDevice } from './io.js';
import type { Pit } from './pit.js';

const REFRESH_CLOCKS = 18;

export class SystemPortB implements IoDevice {
  readonly name = 'sysport-b';
  /** The writable low nibble as last written. */
  private control = 0;

  constructor(private readonly pit: Pit) {}

  reset(): void {
    this.control = 0;
    this.pit.setGate2(false);
  }

  in8(_port: number): number {
    const clock = this.pit.clockNow();
    const refresh = Math.floor(clock / REFRESH_CLOCKS) % 2;
    return (this.pit.out(2) ? 0x20 : 0) | (refresh ? 0x10 : 0) | this.control;
  }

  out8(_port: number, value: number): void {
    this.control = value & 0x0f;
    this.pit.setGate2((value & 1) !== 0);
  }
}
