// `forkbox demo` (and `npm start` until the kernel exists): run the bare-metal demo
// (demo.asm, assembled into demo.bin and bundled into the CLI) on a fresh machine, pass
// its UART output through, and summarize what the machine counted.

import demo from './demo.bin';
import { Machine, type RunResult } from '../machine.js';

/** Where demo.asm is assembled to run (its `org`). */
export const DEMO_LOAD_ADDR = 0x00100000;

/** More than enough: the demo needs about 5 timer ticks, ~50 ms of guest time. */
const DEMO_MAX_SECONDS = 10;

export interface DemoOptions {
  cpuHz?: number;
  memSize?: number;
  /** Text output (the guest's console and the summary). */
  write: (text: string) => void;
}

export interface DemoResult {
  run: RunResult;
  /** What the guest printed. */
  console: string;
  exitCode: number;
}

/** Collects output bytes and passes them on a line at a time. */
class LineWriter {
  private bytes: number[] = [];
  text = '';

  constructor(private readonly write: (text: string) => void) {}

  byte(b: number): void {
    this.bytes.push(b);
    if (b === 10) this.flush();
  }

  flush(): void {
    if (this.bytes.length === 0) return;
    const s = Buffer.from(this.bytes).toString('latin1');
    this.bytes = [];
    this.text += s;
    this.write(s);
  }
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const out = new LineWriter(options.write);
  const m = new Machine({ cpuHz: options.cpuHz, memSize: options.memSize, output: (b) => out.byte(b) });
  m.load(DEMO_LOAD_ADDR, demo);
  m.cpu.eip = DEMO_LOAD_ADDR;
  const run = await m.runSliced(DEMO_MAX_SECONDS * m.cpuHz);
  out.flush();

  const s = m.stats();
  const n = (v: number) => v.toLocaleString('en-US');
  const ms = (s.guestSeconds * 1000).toFixed(3);
  const idle = s.cycles > 0 ? ((100 * s.idleCycles) / s.cycles).toFixed(1) : '0.0';
  const irqLines = s.irqs
    .map((count, irq) => (count ? `irq${irq} ×${n(count)}` : ''))
    .filter(Boolean)
    .join(', ');
  const irqTotal = s.irqs.reduce((a, b) => a + b, 0);
  const ok = run.reason === 'halted';
  options.write(
    [
      '',
      `machine stopped: ${run.message}`,
      `  cycles        ${n(s.cycles)}  (guest time ${ms} ms at ${n(m.cpuHz / 1e6)} MHz; ${idle}% of it idle in hlt, skipped)`,
      `  instructions  ${n(s.instructions)}`,
      `  page faults   ${n(s.pageFaults)}`,
      `  IRQs taken    ${n(irqTotal)}${irqLines ? ` (${irqLines})` : ''}; timer edges ${n(s.timerEdges)}; spurious ${n(s.spuriousIrqs)}`,
      '',
    ].join('\n'),
  );
  return { run, console: out.text, exitCode: ok ? 0 : 1 };
}
