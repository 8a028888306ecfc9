// The i386 CPU: registers, segment descriptor caches, operand and stack helpers for the
// instruction handlers, and the run loop over cached basic blocks.
//
// The CPU knows nothing of any kernel: it executes, and raises vectors through the IDT.

import {
  CR0_EM, CR0_PE, CR0_TS, EFLAGS_FIXED, EFLAGS_IF, EFLAGS_TF, ESP,
  SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, VEC_DB, VEC_GP, VEC_NM, VEC_PF, VEC_SS,
} from './constants.js';
import { LazyFlags } from './flags.js';
import { FAULT, raise } from './fault.js';
import { Mmu } from '../mmu/mmu.js';
import { BlockCache, type Block } from './blocks.js';
import { deliverException, deliverInterrupt } from './interrupts.js';
import type { Insn } from './insn.js';
import { compileBlock, JIT_DONE, JIT_FAULT, JIT_RESUME, JIT_THRESHOLD } from './jit.js';
import { PAGE_MASK, PAGE_SHIFT } from '../mmu/paging.js';
import { FPU } from './fpu.js';
import { faultPhases, faultRaised } from '../perf/fault-phases.js';

/** Port I/O as the CPU sees it; the machine's I/O bus implements it. */
export interface IoPorts {
  in8(port: number): number;
  in16(port: number): number;
  in32(port: number): number;
  out8(port: number, value: number): void;
  out16(port: number, value: number): void;
  out32(port: number, value: number): void;
}

/** The interrupt controller as the CPU sees it (the 8259A pair). */
export interface InterruptController {
  /** INTA cycle: the vector of the highest-priority pending request, marked in service. */
  acknowledge(): number;
}

const NO_IO: IoPorts = {
  in8: () => 0xff, in16: () => 0xffff, in32: () => -1,
  out8: () => {}, out16: () => {}, out32: () => {},
};

/* Segment attribute word kept in the descriptor cache: descriptor bytes 5 and 6.
 *
 *   15  14  13  12  11-8        7   6-5   4   3-0
 * +---+---+---+---+-----------+---+-----+---+------+
 * | G |D/B| 0 |AVL|limit 19:16| P | DPL | S | type |
 * +---+---+---+---+-----------+---+-----+---+------+
 */
export const SEGATTR_TYPE = 0x0f;
export const SEGATTR_S = 1 << 4;
export const SEGATTR_DPL_SHIFT = 5;
export const SEGATTR_P = 1 << 7;
export const SEGATTR_DB = 1 << 14;
export const SEGATTR_G = 1 << 15;

/** Why run() returned. */
export const STOP_LIMIT = 0; // reached the cycle limit
export const STOP_HLT = 1; // halted with interrupts unable to wake it before the limit
export const STOP_SHUTDOWN = 2; // triple fault
export const STOP_BREAK = 3; // a host-side request (debugger) asked to stop

export class CPU extends LazyFlags {
  /** eax ecx edx ebx esp ebp esi edi, then an always-zero slot for address arithmetic. */
  readonly regs = new Int32Array(9);
  /** Offset of the next instruction in CS, as an unsigned number. */
  eip = 0;

  /* Segment registers and their descriptor caches (SDM vol. 3A §3.4.3). */
  readonly segSel = new Uint16Array(6);
  readonly segBase = new Int32Array(6);
  readonly segLimit = new Uint32Array(6);
  readonly segAttr = new Uint16Array(6);
  /** 1 when a segment needs no limit or type check on access: limit 4 GiB, usable. */
  readonly segFlat = new Uint8Array(6);

  gdtBase = 0;
  gdtLimit = 0xffff;
  idtBase = 0;
  idtLimit = 0x3ff;
  ldtSel = 0;
  ldtBase = 0;
  ldtLimit = 0;
  trSel = 0;
  trBase = 0;
  trLimit = 0;
  trAttr = 0;

  cpl = 0;
  /** CS.D: default operand and address size is 32 bits. */
  code32 = true;
  /** SS.B: the stack pointer is ESP (else SP); stackMask is -1 or 0xffff. */
  stackMask = -1;

  readonly dr = new Int32Array(8);
  /** The x87 FPU (fpu.ts). */
  readonly fpu = new FPU();

  readonly mmu: Mmu;
  io: IoPorts = NO_IO;
  pic: InterruptController | null = null;
  /** The INTR line, driven by the PIC. */
  intr = false;

  /** Guest cycles since reset; exact to 2^53 (over two years at 100 MHz). */
  cycles = 0;
  /** Instructions retired. */
  instret = 0;
  halted = false;
  shutdown = false;
  /** Set by sti / mov ss / pop ss: no interrupt before the next instruction completes. */
  intShadow = false;
  /** Software interrupts (INT n, INT3, INTO) delivered: step() sees whether one ended the
   *  instruction it single-steps. */
  softInts = 0;
  /** Host request to leave run() at the next instruction boundary. */
  stopRequested = false;

  /** Run hot blocks compiled to JavaScript (jit.ts). Off: interpret everything. */
  jit = true;
  /** Executions of a block before it is compiled (1: compile at once, for tests). */
  jitThreshold = JIT_THRESHOLD;

  /** The instruction being executed (for fault rewinding and traces). */
  cur: Insn | null = null;
  readonly blocks: BlockCache;

  /** Called after every exception or interrupt is delivered (tracing, the debugger). */
  onVector: ((vector: number, error: number, eip: number) => void) | null = null;

  constructor(mmu: Mmu) {
    super();
    this.mmu = mmu;
    this.blocks = new BlockCache(this);
    mmu.onCodeWrite = (frame) => this.blocks.invalidateFrame(frame);
    this.reset();
  }

  /**
   * Reset to the state a boot loader leaves (as Multiboot specifies): protected mode,
   * paging off, CPL 0, flat 4 GiB code and data segments, interrupts disabled. Real mode
   * is not emulated.
   */
  reset(): void {
    this.regs.fill(0);
    this.eip = 0;
    this.flags = EFLAGS_FIXED;
    this.lazy = 0;
    this.mmu.setCr0(CR0_PE | CR0_EM | 0x10 /* ET */);
    this.mmu.setCr4(0);
    this.mmu.setCr3(0);
    this.mmu.cr2 = 0;
    for (let s = 0; s < 6; s++) {
      const code = s === SEG_CS;
      this.setSegCache(s, code ? 0x08 : 0x10, 0, 0xffffffff, (code ? 0x9b : 0x93) | SEGATTR_DB | SEGATTR_G);
    }
    this.cpl = 0;
    this.mmu.setUser(false);
    this.gdtBase = 0;
    this.gdtLimit = 0xffff;
    this.idtBase = 0;
    this.idtLimit = 0x3ff;
    this.halted = false;
    this.shutdown = false;
    this.intShadow = false;
    this.dr.fill(0);
    this.dr[6] = 0xffff0ff0 | 0;
    this.dr[7] = 0x400;
    this.fpu.reset();
  }

  // ---------------------------------------------------------------------------------
  // Segment descriptor caches.

  /** Load a descriptor cache directly (reset, the segment loader, iret/int delivery). */
  setSegCache(seg: number, sel: number, base: number, limit: number, attr: number): void {
    this.segSel[seg] = sel;
    this.segBase[seg] = base;
    this.segLimit[seg] = limit >>> 0;
    this.segAttr[seg] = attr;
    // Flat: base-independent limit of 4 GiB, present, and usable for every access the
    // segment register allows (a writable data segment, or CS).
    const writableData = (attr & SEGATTR_S) !== 0 && (attr & 0x0a) === 0x02;
    this.segFlat[seg] = limit >>> 0 === 0xffffffff && attr & SEGATTR_P && (seg === SEG_CS || writableData) ? 1 : 0;
    if (seg === SEG_CS) this.code32 = (attr & SEGATTR_DB) !== 0;
    else if (seg === SEG_SS) this.stackMask = attr & SEGATTR_DB ? -1 : 0xffff;
  }

  /** Change CPL (after CS was loaded). */
  setCpl(cpl: number): void {
    this.cpl = cpl;
    this.mmu.setUser(cpl === 3);
  }

  // ---------------------------------------------------------------------------------
  // Registers of 8 and 16 bits. 8-bit register numbers 0..3 are AL..BL, 4..7 AH..BH.

  get8(r: number): number {
    return r < 4 ? this.regs[r] & 0xff : (this.regs[r - 4] >> 8) & 0xff;
  }

  set8(r: number, v: number): void {
    const regs = this.regs;
    if (r < 4) regs[r] = (regs[r] & ~0xff) | (v & 0xff);
    else regs[r - 4] = (regs[r - 4] & ~0xff00) | ((v & 0xff) << 8);
  }

  set16(r: number, v: number): void {
    this.regs[r] = (this.regs[r] & ~0xffff) | (v & 0xffff);
  }

  // ---------------------------------------------------------------------------------
  // Memory operands.

  /** Offset (effective address) of the ModRM memory operand. */
  offset(i: Insn): number {
    const r = this.regs;
    return (r[i.base] + (r[i.index] << i.scale) + i.disp) & i.amask;
  }

  /** Linear address of a `len`-byte read of the memory operand (segment checks done). */
  eaRead(i: Insn, len: number): number {
    const off = (this.regs[i.base] + (this.regs[i.index] << i.scale) + i.disp) & i.amask;
    if (this.segFlat[i.seg]) return (this.segBase[i.seg] + off) | 0;
    return this.segCheck(i.seg, off, len, false);
  }

  /** Linear address of a `len`-byte write (or read-modify-write) of the memory operand. */
  eaWrite(i: Insn, len: number): number {
    const off = (this.regs[i.base] + (this.regs[i.index] << i.scale) + i.disp) & i.amask;
    if (this.segFlat[i.seg]) return (this.segBase[i.seg] + off) | 0;
    return this.segCheck(i.seg, off, len, true);
  }

  /**
   * Full segment check of an access at `off` (SDM vol. 3A §5.3): usable (non-null),
   * readable/writable by type, and within the limit (expand-down aware). Raises #GP(0),
   * or #SS(0) for SS. Returns the linear address.
   */
  segCheck(seg: number, off: number, len: number, write: boolean): number {
    const attr = this.segAttr[seg];
    const vec = seg === SEG_SS ? VEC_SS : VEC_GP;
    if ((attr & SEGATTR_P) === 0) raise(vec, 0); // null or unusable selector
    const type = attr & SEGATTR_TYPE;
    const code = (type & 0x8) !== 0;
    if (write ? code || (type & 0x2) === 0 : code && (type & 0x2) === 0) raise(vec, 0);
    const o = off >>> 0;
    const last = o + len - 1;
    const limit = this.segLimit[seg];
    if (!code && type & 0x4) {
      // expand-down: valid offsets are limit+1 .. 0xffff or 0xffffffff (by the B bit)
      const upper = attr & SEGATTR_DB ? 0xffffffff : 0xffff;
      if (o <= limit || last > upper) raise(vec, 0);
    } else if (last > limit) {
      raise(vec, 0);
    }
    return (this.segBase[seg] + off) | 0;
  }

  /** Linear address of `seg:off` for an access of `len` bytes (string instructions …). */
  linear(seg: number, off: number, len: number, write: boolean): number {
    if (this.segFlat[seg]) return (this.segBase[seg] + off) | 0;
    return this.segCheck(seg, off, len, write);
  }

  /** Read a v-sized ModRM operand (register or memory) of `os` bytes (2 or 4). */
  readEv(i: Insn): number {
    if (i.mod3) return i.os === 4 ? this.regs[i.rm] : this.regs[i.rm] & 0xffff;
    return i.os === 4 ? this.mmu.read32(this.eaRead(i, 4)) : this.mmu.read16(this.eaRead(i, 2));
  }

  readEb(i: Insn): number {
    if (i.mod3) return this.get8(i.rm);
    return this.mmu.read8(this.eaRead(i, 1));
  }

  writeEv(i: Insn, v: number): void {
    if (i.mod3) {
      if (i.os === 4) this.regs[i.rm] = v;
      else this.set16(i.rm, v);
    } else if (i.os === 4) this.mmu.write32(this.eaWrite(i, 4), v);
    else this.mmu.write16(this.eaWrite(i, 2), v);
  }

  writeEb(i: Insn, v: number): void {
    if (i.mod3) this.set8(i.rm, v);
    else this.mmu.write8(this.eaWrite(i, 1), v);
  }

  /** The v-sized ModRM reg operand. */
  readGv(i: Insn): number {
    return i.os === 4 ? this.regs[i.reg] : this.regs[i.reg] & 0xffff;
  }

  writeGv(i: Insn, v: number): void {
    if (i.os === 4) this.regs[i.reg] = v;
    else this.set16(i.reg, v);
  }

  // ---------------------------------------------------------------------------------
  // The stack. push/pop write ESP only after the memory access succeeded, so a fault
  // leaves ESP unchanged and the instruction restarts.

  push32(v: number): void {
    const sp = (this.regs[ESP] - 4) & this.stackMask;
    this.mmu.write32(this.linear(SEG_SS, sp, 4, true), v);
    this.regs[ESP] = this.stackMask === -1 ? sp : (this.regs[ESP] & ~0xffff) | sp;
  }

  push16(v: number): void {
    const sp = (this.regs[ESP] - 2) & this.stackMask;
    this.mmu.write16(this.linear(SEG_SS, sp, 2, true), v);
    this.regs[ESP] = this.stackMask === -1 ? sp : (this.regs[ESP] & ~0xffff) | sp;
  }

  /** Push a value of operand size `os` (2 or 4). */
  push(os: number, v: number): void {
    if (os === 4) this.push32(v);
    else this.push16(v);
  }

  pop32(): number {
    const sp = this.regs[ESP] & this.stackMask;
    const v = this.mmu.read32(this.linear(SEG_SS, sp, 4, false));
    this.regs[ESP] = this.stackMask === -1 ? sp + 4 : (this.regs[ESP] & ~0xffff) | ((sp + 4) & 0xffff);
    return v;
  }

  pop16(): number {
    const sp = this.regs[ESP] & this.stackMask;
    const v = this.mmu.read16(this.linear(SEG_SS, sp, 2, false));
    this.regs[ESP] = this.stackMask === -1 ? sp + 2 : (this.regs[ESP] & ~0xffff) | ((sp + 2) & 0xffff);
    return v;
  }

  pop(os: number): number {
    return os === 4 ? this.pop32() : this.pop16();
  }

  /** Read the stack at ESP+off without popping (for instructions that must not commit ESP
   *  before all their reads succeeded, e.g. ret imm, iret). */
  peek(os: number, off: number): number {
    const sp = (this.regs[ESP] + off) & this.stackMask;
    return os === 4 ? this.mmu.read32(this.linear(SEG_SS, sp, 4, false)) : this.mmu.read16(this.linear(SEG_SS, sp, 2, false));
  }

  // ---------------------------------------------------------------------------------
  // Checks shared by handlers.

  /** #GP(0) unless CPL is 0 (privileged instructions). */
  requireCpl0(): void {
    if (this.cpl !== 0) raise(VEC_GP, 0);
  }

  /** x87 ESC and WAIT without an FPU (SDM vol. 3A §2.5, CR0.EM/TS; table 12-8). */
  noFpu(): never {
    const cr0 = this.mmu.cr0;
    if (cr0 & (CR0_EM | CR0_TS)) raise(VEC_NM, -1);
    return raise(6 /* #UD */, -1);
  }

  /** Enforce the interrupt shadow after sti / mov ss / pop ss. */
  setIntShadow(): void {
    this.intShadow = true;
  }

  // ---------------------------------------------------------------------------------
  // The run loop.

  /**
   * Execute until `cycles` reaches `limit`, the CPU halts, shuts down or a stop is
   * requested. Interrupts are taken at block boundaries when IF=1 and INTR is raised.
   */
  run(limit: number): number {
    this.stopRequested = false;
    while (this.cycles < limit) {
      if (this.shutdown) return STOP_SHUTDOWN;
      if (this.intr && this.flags & EFLAGS_IF && !this.intShadow && this.pic) {
        this.halted = false;
        const vector = this.pic.acknowledge();
        if (vector >= 0) this.interrupt(vector);
      }
      if (this.halted) return STOP_HLT;
      if (this.stopRequested) return STOP_BREAK;
      this.step(this.intShadow || (this.flags & EFLAGS_TF) !== 0 ? 1 : 0x7fffffff);
    }
    return this.shutdown ? STOP_SHUTDOWN : STOP_LIMIT;
  }

  /**
   * Execute one basic block, or at most `maxInsns` instructions of it. Exceptions raised
   * by an instruction are delivered here, with EIP rewound to that instruction.
   */
  step(maxInsns: number): void {
    let block: Block;
    try {
      block = this.blocks.lookup();
    } catch (e) {
      if (e !== FAULT) throw e;
      this.exception(this.eip);
      return;
    }
    const insns = block.insns;
    const n = insns.length < maxInsns ? insns.length : maxInsns;
    const tf = this.flags & EFLAGS_TF;
    const softInts = this.softInts;
    this.intShadow = false;
    let start = 0;
    // Compiled code runs whole blocks and does not single-step: with TF set, interpret.
    if (n === insns.length && this.jit && tf === 0) {
      let compiled = block.compiled;
      if (compiled === null && ++block.hits === this.jitThreshold && !block.uncached) {
        compiled = block.compiled = compileBlock(block);
      }
      if (compiled !== null) {
        let status: number;
        try {
          status = compiled(this, insns);
        } catch (e) {
          if (e !== FAULT) throw e;
          status = JIT_FAULT;
        }
        if (status === JIT_DONE) return;
        if (status === JIT_FAULT) {
          // The instruction c faulted (thrown or returned): the block's instructions before
          // it are complete and charged, as when it runs interpreted.
          const c = this.cur!;
          this.cycles += c.cyclesBefore + c.cycles - c.jitFlushed;
          this.instret += c.pos;
          this.exception(c.eip);
          return;
        }
        // JIT_RESUME + k: interpret the rest of the block from instruction k
        if (status >= JIT_RESUME) start = status - JIT_RESUME;
      }
    }
    let k = start;
    try {
      for (; k < n; k++) {
        const i = insns[k];
        this.cur = i;
        this.eip = i.next;
        this.cycles += i.cycles;
        i.fn(this, i);
      }
    } catch (e) {
      if (e !== FAULT) throw e;
      this.instret += k;
      this.exception(this.cur!.eip);
      return;
    }
    this.instret += n;
    if (tf && maxInsns === 1 && softInts === this.softInts) {
      // Single-step trap after the instruction (SDM vol. 3A §17.3.1.4): DR6.BS. Not after
      // INT n/INT3/INTO, which entered their handler with TF cleared (the trap would hit
      // the handler's first instruction, in the kernel).
      this.dr[6] |= 1 << 14;
      this.deliver(VEC_DB, -1, false);
    }
  }

  /** Deliver the pending FAULT for the instruction at `faultEip`. */
  private exception(faultEip: number): void {
    this.eip = faultEip;
    if (faultPhases.enabled && FAULT.vector === VEC_PF) faultRaised(); // host-time counters (off: one branch)
    this.deliver(FAULT.vector, FAULT.error, false);
  }

  /**
   * Deliver an exception (error -1: none) with EIP already set to the return address
   * (the faulting instruction for faults, the next one for traps).
   */
  deliver(vector: number, error: number, software: boolean): void {
    if (software) this.softInts++;
    deliverException(this, vector, error, software);
    if (this.onVector) this.onVector(vector, error, this.eip);
  }

  /** An external interrupt (from the PIC) at an instruction boundary. */
  interrupt(vector: number): void {
    deliverInterrupt(this, vector);
    if (this.onVector) this.onVector(vector, -1, this.eip);
  }

  /** Linear address of CS:EIP. */
  get pc(): number {
    return (this.segBase[SEG_CS] + this.eip) | 0;
  }
}

// Re-exported for handlers that only need the segment numbers.
export { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, PAGE_MASK, PAGE_SHIFT };
