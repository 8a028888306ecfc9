// A fake interrupt line for device tests: records the changes of one IRQ line and counts
// rising edges as an edge-triggered PIC would.

import { expect } from 'vitest';
import type { IrqLines } from '../../src/devices/pic.js';

export class IrqRecorder implements IrqLines {
  level = false;
  rising = 0;
  /** `clock.cycles` at each rising edge. */
  risingAt: number[] = [];
  /** `irq`: the only line the device may drive. */
  constructor(private readonly irq: number, private readonly clock: { cycles: number } = { cycles: 0 }) {}
  setIrq(irq: number, level: boolean): void {
    expect(irq).toBe(this.irq);
    if (level && !this.level) {
      this.rising++;
      this.risingAt.push(this.clock.cycles);
    }
    this.level = level;
  }
  raiseIrq(irq: number): void {
    this.setIrq(irq, true);
  }
  lowerIrq(irq: number): void {
    this.setIrq(irq, false);
  }
  /** Forget the edges seen so far. */
  reset(): void {
    this.rising = 0;
    this.risingAt.length = 0;
  }
}
