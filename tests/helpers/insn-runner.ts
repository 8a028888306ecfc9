// A fluent runner for instruction tests: set state, run, assert registers, flags,
// memory, cycles and exceptions.
//
//   run('01 d8').set({ eax: 1, ebx: 2 }).go().expect({ eax: 3, cf: 0, zf: 0 }).cycles(1);
//
// The machine is bare: 2 MiB of RAM, paging off, CPL 0, flat segments; code is placed at
// CODE_BASE and executed until EIP leaves it or an exception is raised (with no IDT,
// the exception is recorded and the run stops instead of being delivered).

import { expect } from 'vitest';
import { CPU } from '../../src/cpu/cpu.js';
import { Mmu } from '../../src/mmu/mmu.js';
import {
  EFLAGS_AF, EFLAGS_CF, EFLAGS_DF, EFLAGS_IF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_TF, EFLAGS_ZF,
  REG32_NAMES, REG16_NAMES, REG8_NAMES,
} from '../../src/cpu/constants.js';
import { FAULT } from '../../src/cpu/fault.js';

export const CODE_BASE = 0x1000;
export const DATA_BASE = 0x10000;
export const STACK_TOP = 0x80000;

const FLAG_BITS: Record<string, number> = {
  cf: EFLAGS_CF, pf: EFLAGS_PF, af: EFLAGS_AF, zf: EFLAGS_ZF, sf: EFLAGS_SF,
  tf: EFLAGS_TF, if: EFLAGS_IF, df: EFLAGS_DF, of: EFLAGS_OF,
};

export function hex(code: string): Uint8Array {
  const clean = code.replace(/[^0-9a-fA-F]/g, '');
  if (clean.length % 2) throw new Error(`odd hex string: ${code}`);
  const out = new Uint8Array(clean.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(clean.slice(2 * k, 2 * k + 2), 16);
  return out;
}

export class InsnRunner {
  readonly mmu = new Mmu(2 << 20);
  readonly cpu = new CPU(this.mmu);
  private codeEnd: number;
  /** The exception that stopped the run, if any. */
  fault: { vector: number; error: number; eip: number } | null = null;
  private startCycles = 0;

  constructor(code: Uint8Array | string) {
    const bytes = typeof code === 'string' ? hex(code) : code;
    this.mmu.writePhysBytes(CODE_BASE, bytes);
    this.codeEnd = CODE_BASE + bytes.length;
    this.cpu.eip = CODE_BASE;
    this.cpu.regs[4] = STACK_TOP;
  }

  /** Set registers (eax.., ax.., al..) and flags (cf: 1 …), or `eflags`. */
  set(state: Record<string, number>): this {
    for (const [k, v] of Object.entries(state)) this.assign(k, v);
    return this;
  }

  private assign(name: string, v: number): void {
    const cpu = this.cpu;
    let r = REG32_NAMES.indexOf(name as never);
    if (r >= 0) return void (cpu.regs[r] = v);
    r = REG16_NAMES.indexOf(name as never);
    if (r >= 0) return cpu.set16(r, v);
    r = REG8_NAMES.indexOf(name as never);
    if (r >= 0) return cpu.set8(r, v);
    if (name === 'eflags') {
      cpu.flags = v | 2;
      cpu.lazy = 0;
      return;
    }
    if (name in FLAG_BITS) {
      const f = cpu.getFlags();
      cpu.flags = v ? f | FLAG_BITS[name] : f & ~FLAG_BITS[name];
      return;
    }
    throw new Error(`unknown register or flag ${name}`);
  }

  /** Write bytes/dwords into memory before running. */
  mem(addr: number, bytes: Uint8Array | string): this {
    this.mmu.writePhysBytes(addr, typeof bytes === 'string' ? hex(bytes) : bytes);
    return this;
  }

  mem32(addr: number, ...values: number[]): this {
    values.forEach((v, k) => this.mmu.writePhys32(addr + 4 * k, v));
    return this;
  }

  /** Execute until EIP leaves the code (or maxInsns instructions, or an exception). */
  go(maxInsns = 100000): this {
    const cpu = this.cpu;
    this.startCycles = cpu.cycles;
    const deliver = cpu.deliver.bind(cpu);
    cpu.deliver = (vector: number, error: number) => {
      this.fault = { vector, error, eip: cpu.eip };
      cpu.stopRequested = true;
    };
    try {
      for (let n = 0; n < maxInsns && !this.fault; n++) {
        if (cpu.eip < CODE_BASE || cpu.eip >= this.codeEnd) break;
        cpu.step(1);
        if (cpu.halted) break;
      }
    } finally {
      cpu.deliver = deliver;
    }
    void FAULT;
    return this;
  }

  reg(name: string): number {
    const cpu = this.cpu;
    let r = REG32_NAMES.indexOf(name as never);
    if (r >= 0) return cpu.regs[r] >>> 0;
    r = REG16_NAMES.indexOf(name as never);
    if (r >= 0) return cpu.regs[r] & 0xffff;
    r = REG8_NAMES.indexOf(name as never);
    if (r >= 0) return cpu.get8(r);
    if (name === 'eip') return cpu.eip;
    if (name === 'eflags') return cpu.getFlags() >>> 0;
    if (name in FLAG_BITS) return cpu.getFlags() & FLAG_BITS[name] ? 1 : 0;
    throw new Error(`unknown register or flag ${name}`);
  }

  /** Assert registers and flags. Values are compared as unsigned numbers. */
  expect(state: Record<string, number>): this {
    const actual: Record<string, number> = {};
    const wanted: Record<string, number> = {};
    for (const [k, v] of Object.entries(state)) {
      actual[k] = this.reg(k);
      wanted[k] = k in FLAG_BITS ? v : v >>> 0;
    }
    expect(actual).toEqual(wanted);
    return this;
  }

  read32(addr: number): number {
    return this.mmu.readPhys32(addr) >>> 0;
  }

  expectMem32(addr: number, value: number): this {
    expect(this.read32(addr).toString(16)).toBe((value >>> 0).toString(16));
    return this;
  }

  /** Assert the cycles taken by the run. */
  cycles(n: number): this {
    expect(this.cpu.cycles - this.startCycles).toBe(n);
    return this;
  }

  expectFault(vector: number, error?: number): this {
    expect(this.fault, 'expected an exception').not.toBeNull();
    expect(this.fault!.vector).toBe(vector);
    if (error !== undefined) expect(this.fault!.error).toBe(error);
    return this;
  }

  expectNoFault(): this {
    expect(this.fault).toBeNull();
    return this;
  }
}

export function run(code: Uint8Array | string): InsnRunner {
  return new InsnRunner(code);
}
