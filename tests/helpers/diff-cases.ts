// Random instruction cases generated from the opcode table, for the differential test
// against the host CPU (tests/diff-host.test.ts).
//
// Contract of a case: executed once in ring 3 of a flat 32-bit Linux process, with all
// general registers but ESP and the arithmetic flags + DF loaded from the case, ESP at
// ESP0, and the 256-byte window at WIN holding `mem`, the instruction must not fault and
// must touch no memory outside the window. Everything it changes (registers, EFLAGS, the
// window) is then comparable between the host and forkbox.
//
// The window: bytes [0, DATA_END) are the data that memory operands and string pointers
// address; [DATA_END, 256) is the stack (ESP0 leaves room above for pops and below for
// pushes, enter and pusha).
//
// Which entries are tested (planEntries): user-mode, no control transfer, no port I/O,
// not privileged, deterministic on any CPU (no cpuid/rdtsc, no descriptor-table or
// selector queries whose answers are the host kernel's), no segment register loads.
// Cases that would fault natively (div overflow, bound, aam 0 …) are repaired by
// computing the outcome ("fixups" below) or regenerated.

import type { OpDef } from '../../src/cpu/optable.js';
import { BRANCH_OPS } from '../../src/cpu/ops/branch.js';
import { IO_OPS } from '../../src/cpu/ops/io.js';
import { FPU_OPS } from '../../src/cpu/ops/fpu-control.js';
import {
  NO_REG, describe, encode, parseOperands, sizeBytes, unsupportedForm,
  type Encoding, type FormOperand, type MemOperand,
} from './encode.js';
import { mulberry32 } from './rng.js';

export const WIN = 0x08050000;
export const WIN_SIZE = 256;
export const DATA_END = 160;
export const ESP0 = WIN + 224;

/** A tiny seedable PRNG (mulberry32): the same seed gives the same cases everywhere. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  u32(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
}

export const EDGES = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** A register value: edge values in all widths, small counts, random bits. */
export function randValue(rng: Rng): number {
  switch (rng.int(8)) {
    case 0: case 1: return rng.pick(EDGES) >>> 0;
    case 2: return ((rng.u32() & 0xffff0000) | (rng.pick(EDGES) & 0xffff)) >>> 0;
    case 3: return ((rng.u32() & 0xffff00ff) | ((rng.pick(EDGES) & 0xff) << 8)) >>> 0;
    case 4: return ((rng.u32() & 0xffffff00) | (rng.pick(EDGES) & 0xff)) >>> 0;
    case 5: return rng.int(41);
    default: return rng.u32();
  }
}

function randImm(rng: Rng, bytes: number): number {
  const v = rng.chance(0.35) ? rng.pick(EDGES) : rng.chance(0.2) ? rng.int(40) : rng.u32();
  return bytes === 4 ? v >>> 0 : v & ((1 << (8 * bytes)) - 1);
}

// ---------------------------------------------------------------------------------
// Entry selection.

export interface EntryPlan {
  def: OpDef;
  ops: FormOperand[];
  /** Operand size matters (v-sized operands, or 16/32-bit variants of the mnemonic). */
  osVariable: boolean;
  /** A 0x66 prefix is harmless to add to a fixed-size entry (byte ops, Ew …). */
  allow66: boolean;
  string: boolean;
  /** r/m kinds the entry accepts ([] when it has no ModRM r/m). */
  rmKinds: Array<'reg' | 'mem'>;
}

const EXCLUDED_GROUPS: Array<[string, readonly OpDef[]]> = [
  ['branch group (control transfer)', BRANCH_OPS],
  ['port I/O', IO_OPS],
  ['x87 (tests/fpu-diff.test.ts compares instruction sequences with FPU state)', FPU_OPS],
];

// Not comparable with a host in ring 3: traps, privileged or I/O-sensitive at IOPL 0,
// host-specific results, x87, segment loads.
const EXCLUDED_MNEMONICS = new RegExp(
  '^(cli|sti|hlt|cpuid|rdtsc|rdtscp|rdpmc|rdmsr|wrmsr|in|ins[bwd]?|out|outs[bwd]?|int|int1|int3|into|icebp' +
    '|iret[dw]?|ud[012]?|wait|fwait|lds|les|lfs|lgs|lss|lar|lsl|verr|verw|sgdt|sidt|sldt|str|smsw|lmsw' +
    '|lgdt|lidt|lldt|ltr|clts|invd|wbinvd|invlpg|sysenter|sysexit|syscall|sysret|rsm)$',
);
const SEG_NAMES = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'];

export function planEntries(all: readonly OpDef[]): { plans: EntryPlan[]; skipped: Array<{ def: OpDef; reason: string }> } {
  const plans: EntryPlan[] = [];
  const skipped: Array<{ def: OpDef; reason: string }> = [];
  for (const def of all) {
    const group = EXCLUDED_GROUPS.find(([, ops]) => ops.includes(def));
    const ops = parseOperands(def);
    const reason =
      (group && group[0]) ||
      (def.privileged && 'privileged') ||
      // String instructions and popf end blocks for forkbox's sake, but are plain user-mode
      // instructions: keep them.
      (def.ends && !ops.some((o) => o.kind === 'X' || o.kind === 'Y') && !/^popf/.test(def.mnemonic) &&
        'ends a block (control transfer or mode change)') ||
      (EXCLUDED_MNEMONICS.test(def.mnemonic) && 'not comparable in ring 3') ||
      unsupportedForm(def) ||
      (ops[0]?.kind === 'S' && 'loads a segment register') ||
      (/^pop/.test(def.mnemonic) && ops.some((o) => SEG_NAMES.includes(o.text)) && 'loads a segment register') ||
      (ops.some((o) => o.kind === 'M' && (o.size === 'p' || o.size === 's')) && 'far pointer / descriptor table operand') ||
      null;
    if (reason) {
      skipped.push({ def, reason });
      continue;
    }
    const text = def.operands;
    const osVariable =
      /(^|,)[A-Z][a-z]*v|eAX|eDX|Ibs/.test(text) || def.mnemonic16 !== undefined ||
      /^(push|pop|pusha|popa|pushf|popf|enter|leave)/.test(def.mnemonic);
    const hasRm = ops.some((o) => 'EMR'.includes(o.kind));
    const rmKinds: Array<'reg' | 'mem'> = !hasRm && def.ext === undefined
      ? []
      : ops.some((o) => o.kind === 'M') || def.modrm === 'mem'
        ? ['mem']
        : ops.some((o) => o.kind === 'R') || def.modrm === 'reg'
          ? ['reg']
          : ['reg', 'mem'];
    plans.push({
      def, ops, osVariable,
      allow66: !osVariable && !ops.some((o) => o.size === 'd'),
      string: ops.some((o) => o.kind === 'X' || o.kind === 'Y'),
      rmKinds,
    });
  }
  return { plans, skipped };
}

// ---------------------------------------------------------------------------------
// Cases.

export interface DiffCase {
  id: number;
  def: OpDef;
  enc: Encoding;
  bytes: Uint8Array;
  text: string;
  /** Inputs: eax ecx edx ebx esp ebp esi edi (esp is always ESP0), EFLAGS, the window. */
  regs: Uint32Array;
  eflags: number;
  mem: Uint8Array;
}

const FLAG_CHOICES = [0x001, 0x004, 0x010, 0x040, 0x080, 0x800, 0x400]; // C P A Z S O D

/** Registers an instruction uses implicitly: never base/index of its memory operand. */
function implicitRegs(p: EntryPlan): number[] {
  const m = p.def.mnemonic;
  if (p.string) return [0, 1, 6, 7];
  if (/^(div|idiv|mul|imul|cbw|cwde|cwd|cdq)$/.test(m)) return [0, 2];
  if (m === 'cmpxchg8b') return [0, 1, 2, 3];
  if (m === 'cmpxchg') return [0];
  if (/^xlat/.test(m)) return [0, 3];
  if (m === 'enter' || m === 'leave') return [5];
  return [];
}

/** Mnemonics whose explicit register operands get fixed-up values: keep them out of addresses. */
const SENSITIVE = /^(bound|bt|bts|btr|btc)$/;

interface Draft {
  p: EntryPlan;
  rng: Rng;
  enc: Encoding;
  regs: Uint32Array;
  eflags: number;
  mem: Uint8Array;
  /** Offset in the window of the r/m memory operand, or -1. */
  eaOff: number;
}

function get8(regs: Uint32Array, r: number): number {
  return r < 4 ? regs[r] & 0xff : (regs[r - 4] >>> 8) & 0xff;
}

function setReg(regs: Uint32Array, r: number, bytes: number, v: number): void {
  if (bytes === 4) regs[r] = v >>> 0;
  else if (bytes === 2) regs[r] = ((regs[r] & 0xffff0000) | (v & 0xffff)) >>> 0;
  else if (r < 4) regs[r] = ((regs[r] & ~0xff) | (v & 0xff)) >>> 0;
  else regs[r - 4] = ((regs[r - 4] & ~0xff00) | ((v & 0xff) << 8)) >>> 0;
}

function getReg(regs: Uint32Array, r: number, bytes: number): number {
  return bytes === 4 ? regs[r] : bytes === 2 ? regs[r] & 0xffff : get8(regs, r);
}

function memGet(mem: Uint8Array, off: number, bytes: number): number {
  let v = 0;
  for (let k = bytes - 1; k >= 0; k--) v = v * 256 + mem[off + k];
  return v;
}

function memSet(mem: Uint8Array, off: number, bytes: number, v: number): void {
  for (let k = 0; k < bytes; k++) mem[off + k] = Math.floor(v / 2 ** (8 * k)) & 0xff;
}

/** The r/m operand's value (unsigned, `bytes` wide). */
function getE(d: Draft, bytes: number): number {
  const rm = d.enc.rm!;
  return rm.kind === 'reg' ? getReg(d.regs, rm.reg, bytes) : memGet(d.mem, d.eaOff, bytes);
}

function setE(d: Draft, bytes: number, v: number): void {
  const rm = d.enc.rm!;
  if (rm.kind === 'reg') setReg(d.regs, rm.reg, bytes, v);
  else memSet(d.mem, d.eaOff, bytes, v);
}

const signed = (v: number, bits: number) => (bits === 32 ? v | 0 : (v << (32 - bits)) >> (32 - bits));

/** Does div/idiv fault (#DE) with these inputs? */
function divFaults(d: Draft, bytes: number, isSigned: boolean): boolean {
  const bits = 8 * bytes;
  const r = d.regs;
  const lo = bytes === 1 ? r[0] & 0xff : getReg(r, 0, bytes);
  const hi = bytes === 1 ? (r[0] >>> 8) & 0xff : getReg(r, 2, bytes);
  const divisor = getE(d, bytes);
  if (divisor === 0) return true;
  let dividend = (BigInt(hi) << BigInt(bits)) | BigInt(lo);
  let dv = BigInt(divisor);
  if (isSigned) {
    dividend = BigInt.asIntN(2 * bits, dividend);
    dv = BigInt(signed(divisor, bits));
    const q = dividend / dv;
    return q < -(1n << BigInt(bits - 1)) || q > (1n << BigInt(bits - 1)) - 1n;
  }
  return dividend / dv > (1n << BigInt(bits)) - 1n;
}

function fixDiv(d: Draft, isSigned: boolean): boolean {
  const bytes = d.p.ops[0].size === 'b' ? 1 : d.enc.os;
  const bits = 8 * bytes;
  if (getE(d, bytes) === 0) setE(d, bytes, 1 + d.rng.int(bits === 8 ? 255 : 0xfffe));
  if (!divFaults(d, bytes, isSigned)) return true;
  // Make the high half of the dividend small enough for the quotient to fit.
  const setHi = (v: number) => (bytes === 1 ? setReg(d.regs, 4 /* ah */, 1, v) : setReg(d.regs, 2, bytes, v));
  const lo = bytes === 1 ? d.regs[0] & 0xff : getReg(d.regs, 0, bytes);
  const hi = bytes === 1 ? (d.regs[0] >>> 8) & 0xff : getReg(d.regs, 2, bytes);
  if (isSigned) setHi((lo >>> (bits - 1)) & 1 ? 2 ** bits - 1 : 0);
  else setHi(hi % getE(d, bytes));
  return getE(d, bytes) !== 0 && !divFaults(d, bytes, isSigned);
}

/** Adjust inputs so the case neither faults natively nor leaves the window. */
function fixup(d: Draft): boolean {
  const { p, rng, regs, mem } = d;
  const m = p.def.mnemonic;
  const os = d.enc.os;
  if (m === 'div' || m === 'idiv') return fixDiv(d, m === 'idiv');
  if (m === 'aam' && (d.enc.imms[0] & 0xff) === 0) d.enc.imms[0] = rng.chance(0.5) ? 10 : 1 + rng.int(255);
  if (m === 'bound') {
    const bits = 8 * os;
    const g = signed(getReg(regs, d.enc.reg, os), bits);
    const lo = Math.min(g, signed(randValue(rng), bits));
    const hi = Math.max(g, signed(randValue(rng), bits));
    memSet(mem, d.eaOff, os, lo >>> 0);
    memSet(mem, d.eaOff + os, os, hi >>> 0);
  }
  if (SENSITIVE.test(m) && m !== 'bound' && d.enc.rm?.kind === 'mem' && p.ops[1]?.kind === 'G') {
    // Bit offsets address memory relative to the operand: keep them within ±8 bytes.
    setReg(regs, d.enc.reg, os, (rng.int(128) - 64) >>> 0);
  }
  if (/^popf/.test(m)) {
    // No TF (a trap) and no AC (alignment checks: Linux runs with CR0.AM set).
    memSet(mem, ESP0 - WIN, os, (memGet(mem, ESP0 - WIN, os) & ~0x40100) >>> 0);
  }
  if (m === 'enter' || m === 'leave') {
    regs[5] = WIN + DATA_END + 8 + 4 * rng.int(21);
    if (m === 'enter') {
      d.enc.imms[0] = rng.int(25);
      d.enc.imms[1] = rng.chance(0.8) ? rng.int(4) : 32 + rng.int(3);
    }
  }
  if (/^xlat/.test(m)) regs[3] = (WIN + rng.int(DATA_END) - (regs[0] & 0xff)) >>> 0;
  if (m === 'cmpxchg' && rng.chance(0.5)) {
    const bytes = p.ops[0].size === 'b' ? 1 : os;
    setReg(regs, 0, bytes, getE(d, bytes));
  }
  if (m === 'cmpxchg8b' && rng.chance(0.5)) {
    regs[0] = memGet(mem, d.eaOff, 4);
    regs[2] = memGet(mem, d.eaOff + 4, 4);
  }
  if (p.string) {
    regs[6] = WIN + 40 + rng.int(72);
    regs[7] = WIN + 40 + rng.int(72);
    const rep = d.enc.prefixes.length > 0;
    if (rep) regs[1] = rng.int(7);
    if (rng.chance(0.3)) mem.copyWithin(regs[7] - WIN - 8, regs[6] - WIN - 8, regs[6] - WIN + 24);
    const elem = sizeBytes(p.ops.find((o) => o.kind === 'X' || o.kind === 'Y')!.size, os);
    if (rng.chance(0.3)) setReg(regs, 0, elem, memGet(mem, regs[7] - WIN, elem));
  }
  return true;
}

function chooseReg(rng: Rng, bytes: number): number {
  // ESP is never an explicit register operand: the stack must stay where the case put it.
  for (;;) {
    const r = rng.int(8);
    if (bytes === 1 || r !== 4) return r;
  }
}

function chooseMem(d: Draft, accessBytes: number): MemOperand {
  const { rng, regs } = d;
  const implicit = implicitRegs(d.p);
  const explicit = SENSITIVE.test(d.p.def.mnemonic) ? [d.enc.reg] : [];
  const pool = [0, 1, 2, 3, 5, 6, 7].filter((r) => !implicit.includes(r) && !explicit.includes(r));
  const t = 8 + rng.int(DATA_END - 8 - 8 - Math.max(accessBytes, 1) + 1);
  d.eaOff = t;
  const target = (WIN + t) | 0;
  const shape = pool.length >= 2 ? rng.int(8) : pool.length === 1 ? rng.pick([0, 1, 2, 7]) : 7;
  const disp8 = () => rng.int(256) - 128;
  const disp32 = () => randValue(rng) | 0;
  const m: MemOperand = { base: NO_REG, index: NO_REG, scale: 0, disp: 0, dispSize: 0 };
  if (shape === 7) {
    m.disp = target;
    return m;
  }
  const base = rng.pick(pool);
  if (shape >= 3) {
    m.index = rng.pick(pool.filter((r) => r !== base));
    m.scale = rng.int(4);
    regs[m.index] = randValue(rng);
  }
  if (shape === 6) {
    m.disp = (target - (regs[m.index] << m.scale)) | 0;
    m.dispSize = 4;
    return m;
  }
  m.base = base;
  if (shape === 1 || shape === 4) { m.disp = disp8(); m.dispSize = 1; }
  if (shape === 2 || shape === 5) { m.disp = disp32(); m.dispSize = 4; }
  const idx = m.index === NO_REG ? 0 : regs[m.index] << m.scale;
  regs[base] = (target - idx - m.disp) >>> 0;
  return m;
}

/** One case for `p`, or null when the draft could not be made fault-free. */
export function makeCase(p: EntryPlan, rng: Rng, id: number, want: { os?: 2 | 4; rm?: 'reg' | 'mem' } = {}): DiffCase | null {
  for (let attempt = 0; attempt < 20; attempt++) {
    const regs = new Uint32Array(8);
    for (let r = 0; r < 8; r++) regs[r] = randValue(rng);
    const mem = new Uint8Array(WIN_SIZE);
    for (let k = 0; k < WIN_SIZE; k++) mem[k] = rng.int(256);
    let eflags = 0x202;
    for (const f of FLAG_CHOICES) if (rng.chance(0.5)) eflags |= f;
    const os: 2 | 4 = want.os ?? (p.osVariable ? (rng.chance(0.5) ? 2 : 4) : p.allow66 && rng.chance(0.15) ? 2 : 4);
    const enc: Encoding = { def: p.def, os, prefixes: [], reg: 0, rm: null, z: 0, imms: [], moffs: 0 };
    const d: Draft = { p, rng, enc, regs, eflags, mem, eaOff: -1 };
    if (p.string) {
      const cmp = /^(cmps|scas)/.test(p.def.mnemonic);
      const r = rng.int(10);
      if (r >= 4) enc.prefixes.push(r < 8 || !cmp ? 0xf3 : 0xf2);
    }
    let rmBytes = 0;
    for (const o of p.ops) {
      const n = sizeBytes(o.size, os);
      if (o.kind === 'G') enc.reg = chooseReg(rng, n);
      else if (o.kind === 'S') enc.reg = rng.int(6);
      else if (o.kind === 'Z') enc.z = chooseReg(rng, n);
      else if (o.kind === 'I') enc.imms.push(randImm(rng, o.size === 'v' ? os : o.size === 'w' ? 2 : o.size === 'd' ? 4 : 1));
      else if (o.kind === 'O') {
        d.eaOff = 8 + rng.int(DATA_END - 16 - n);
        enc.moffs = WIN + d.eaOff;
      }
      if ('EMR'.includes(o.kind)) rmBytes = n;
    }
    if (p.rmKinds.length) {
      const kind = want.rm && p.rmKinds.includes(want.rm) ? want.rm : rng.pick(p.rmKinds);
      enc.rm = kind === 'reg' ? { kind, reg: chooseReg(rng, rmBytes || 4) } : { kind, mem: chooseMem(d, rmBytes || 8) };
    }
    // Edge values in the memory operand itself, as for registers.
    if (d.eaOff >= 0 && rmBytes && rmBytes <= 4 && rng.chance(0.5)) memSet(mem, d.eaOff, rmBytes, randValue(rng) % 2 ** (8 * rmBytes));
    regs[4] = ESP0;
    if (!fixup(d)) continue;
    regs[4] = ESP0;
    return { id, def: p.def, enc, bytes: encode(enc), text: describe(enc), regs, eflags: d.eflags, mem };
  }
  return null;
}

/** `perEntry` cases for each plan, spread over operand sizes and r/m kinds. */
export function generateCases(plans: EntryPlan[], perEntry: number, rng: Rng): DiffCase[] {
  const cases: DiffCase[] = [];
  for (const p of plans) {
    for (let k = 0; k < perEntry; k++) {
      const want: { os?: 2 | 4; rm?: 'reg' | 'mem' } = {};
      if (p.osVariable) want.os = k & 1 ? 2 : 4;
      if (p.rmKinds.length === 2) want.rm = k & 2 ? 'mem' : 'reg';
      const c = makeCase(p, rng, cases.length, want);
      if (c) cases.push(c);
    }
  }
  return cases;
}
