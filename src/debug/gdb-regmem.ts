// The register and memory packets of the gdb stub (gdbstub.ts): g/G, p/P, m/M/X for one
// thread, given as its task (null: the thread is gone, and every packet gets E01).
//
// Contract: what gdb sees of a thread is its user state — the live CPU when it is the
// running task in user mode, else its saved pt_regs (see gdbstub.ts's header) — and its
// x87 state as Debugger.readFpu gives it. Writes go through the Debugger (writeRegister,
// writeFpu, writeMemory), except the user registers of the running task stopped in the
// kernel, which are its pt_regs and are written there. A write of an unchanged value is
// not made. Replies are the protocol's strings: malformed input gets E01, never a throw.

import { DebugError, type Debugger } from './debugger.js';
import { encodeRle, fromHex, le32, MAX_PACKET, parseHexNum, parseLe, toHex } from './rsp.js';
import type { Task } from '../guest/task.js';
import { PT_ORIG_EAX, PtRegs } from '../guest/ptregs.js';
import { fpuRegBytes, GPR_NAMES, GPR_PT, isFpuReg, NUM_REGS, ORIG_EAX, regSize, setFpuRegBytes } from './gdb-target.js';

/** Limits of what one reply may carry (bytes of data before hex encoding). */
export const MAX_MEM_READ = (MAX_PACKET - 16) >> 1;

// -------------------------------------------------------------------------------------
// Registers.

/**
 * The 16 general registers and orig_eax of thread tid as gdb sees them (see the header):
 * the live CPU for the running task in user mode, else its saved pt_regs.
 */
export function regsOf(dbg: Debugger, t: Task | null): number[] | null {
  if (!t) return null;
  const k = dbg.kernel;
  const live = t === k.current && dbg.machine.cpu.cpl === 3;
  if (live || t.kstackTop === 0) {
    const r = dbg.readRegisters(t.pid);
    return [...GPR_NAMES.map((n) => r[n as keyof typeof r] as number), r.orig_eax];
  }
  const p = new PtRegs(dbg.machine.mmu, t.ptRegsAddr);
  return [...GPR_PT.map((off, i) => (i >= 10 ? p.get(off) & 0xffff : p.get(off) >>> 0)), p.get(PT_ORIG_EAX)];
}

/** Thread tid's x87 state as an FNSAVE image (Debugger.readFpu), or null: no FPU. */
function fpuOf(dbg: Debugger, t: Task | null): Uint8Array | null {
  return t ? dbg.readFpu(t.pid) : null;
}

function encodeReg(n: number, regs: number[], fpu: Uint8Array | null): string {
  if (n < 16) return le32(regs[n]);
  if (n === ORIG_EAX) return le32(regs[16]);
  return fpu ? toHex(fpuRegBytes(fpu, n)) : 'xx'.repeat(regSize(n));
}

export function readAllRegisters(dbg: Debugger, t: Task | null): string {
  const regs = regsOf(dbg, t);
  if (!regs) return 'E01';
  const fpu = fpuOf(dbg, t);
  let out = '';
  for (let n = 0; n < NUM_REGS; n++) out += encodeReg(n, regs, fpu);
  return encodeRle(out);
}

export function readOneRegister(dbg: Debugger, t: Task | null, s: string): string {
  const n = parseHexNum(s);
  if (n === null || n >= NUM_REGS) return 'E01';
  const regs = regsOf(dbg, t);
  if (!regs) return 'E01';
  return encodeReg(n, regs, isFpuReg(n) ? fpuOf(dbg, t) : null);
}

/** Write register n of thread t; false when it cannot be written. */
export function setReg(dbg: Debugger, t: Task | null, n: number, value: number): boolean {
  if (!t) return false;
  const tid = t.pid;
  const live = t === dbg.kernel.current && dbg.machine.cpu.cpl === 3;
  const old = regsOf(dbg, t);
  if (old && (n < 16 ? old[n] : old[16]) >>> 0 === value >>> 0) return true; // unchanged: nothing to do
  try {
    if (n === ORIG_EAX) {
      if (live) return true; // in user mode orig_eax means nothing yet (gdb writes -1 with EIP)
      dbg.writeRegister(tid, 'orig_eax', value);
      return true;
    }
    if (!live && t === dbg.kernel.current) {
      // The running task, stopped in the kernel: its user state is the pt_regs.
      new PtRegs(dbg.machine.mmu, t.ptRegsAddr).set(GPR_PT[n], value | 0);
      return true;
    }
    dbg.writeRegister(tid, GPR_NAMES[n], value);
    return true;
  } catch (e) {
    if (e instanceof DebugError) return false;
    throw e;
  }
}

/**
 * Write x87 registers of thread t (register number → its bytes in gdb's order):
 * the thread's FNSAVE image is changed and loaded back (Debugger.writeFpu: journaled).
 * st0-st7 are 80-bit values held as doubles: one that is not a double reads back
 * rounded to nearest. ftag keeps only "empty" per register (the other tags follow the
 * contents, as FLDENV/FRSTOR do). false when there is no FPU.
 */
function setFpuRegs(dbg: Debugger, t: Task | null, fields: Map<number, Uint8Array>): boolean {
  const img = fpuOf(dbg, t);
  if (!img || !t) return false;
  const before = img.slice();
  for (const [n, b] of fields) setFpuRegBytes(img, n, b);
  if (img.every((v, i) => v === before[i])) return true; // unchanged: nothing to do
  try {
    dbg.writeFpu(t.pid, img);
    return true;
  } catch (e) {
    if (e instanceof DebugError) return false;
    throw e;
  }
}

export function writeOneRegister(dbg: Debugger, t: Task | null, s: string): string {
  const m = /^([0-9a-fA-F]+)=([0-9a-fA-Fx]+)$/.exec(s);
  if (!m) return 'E01';
  const n = parseHexNum(m[1]);
  if (n === null || n >= NUM_REGS) return 'E01';
  if (m[2].length !== regSize(n) * 2) return 'E01';
  if (isFpuReg(n)) {
    const b = fromHex(m[2]);
    return b && setFpuRegs(dbg, t, new Map([[n, b]])) ? 'OK' : 'E01';
  }
  const v = parseLe(m[2]);
  if (v === null) return 'E01';
  return setReg(dbg, t, n, v) ? 'OK' : 'E01';
}

export function writeAllRegisters(dbg: Debugger, t: Task | null, s: string): string {
  let pos = 0;
  const fpu = new Map<number, Uint8Array>();
  for (let n = 0; n < NUM_REGS && pos < s.length; n++) {
    const w = regSize(n) * 2;
    const field = s.slice(pos, pos + w);
    pos += w;
    if (field.length !== w) return 'E01';
    if (/x/i.test(field)) continue; // unavailable: leave it
    if (isFpuReg(n)) {
      const b = fromHex(field);
      if (!b) return 'E01';
      fpu.set(n, b);
      continue;
    }
    const v = parseLe(field);
    if (v === null) return 'E01';
    if (!setReg(dbg, t, n, v)) return 'E01';
  }
  if (fpu.size > 0 && !setFpuRegs(dbg, t, fpu)) return 'E01';
  return 'OK';
}

// -------------------------------------------------------------------------------------
// Memory.

/** m ADDR,LEN: as many bytes as are readable from ADDR (at least one, else E14). */
export function readMem(dbg: Debugger, t: Task | null, s: string): string {
  const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(s);
  if (!m) return 'E01';
  const addr = parseHexNum(m[1]);
  let len = parseHexNum(m[2]);
  if (addr === null || len === null) return 'E01';
  if (len === 0) return '';
  len = Math.min(len, MAX_MEM_READ, 0x100000000 - addr);
  if (!t) return 'E01';
  let out = '';
  let a = addr;
  let left = len;
  while (left > 0) {
    const n = Math.min(left, 4096 - (a & 0xfff));
    const b = dbg.tryReadMemory(t.pid, a, n);
    if (b === null) break;
    out += toHex(b);
    a += n;
    left -= n;
  }
  return out === '' ? 'E14' : out;
}

/** M ADDR,LEN:HEX or X ADDR,LEN:BINARY. */
export function writeMem(dbg: Debugger, t: Task | null, s: string, binary: boolean): string {
  const colon = s.indexOf(':');
  if (colon < 0) return 'E01';
  const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(s.slice(0, colon));
  if (!m) return 'E01';
  const addr = parseHexNum(m[1]);
  const len = parseHexNum(m[2]);
  if (addr === null || len === null || len > MAX_PACKET) return 'E01';
  const payload = s.slice(colon + 1);
  let bytes: Uint8Array | null;
  if (binary) {
    // The packet reader has already undone the escapes.
    bytes = Uint8Array.from(payload, (ch) => ch.charCodeAt(0) & 0xff);
  } else {
    bytes = fromHex(payload);
  }
  if (bytes === null || bytes.length !== len) return 'E01';
  if (len === 0) return 'OK'; // gdb probes X support with an empty write
  if (!t) return 'E01';
  try {
    dbg.writeMemory(t.pid, addr, bytes);
  } catch (e) {
    if (e instanceof DebugError) return 'E14';
    throw e;
  }
  return 'OK';
}
