// The instruction encoder: chooses an encoding from the CPU's opcode table (ALL_OPS, via
// the NASM names of mnemonics.ts) and produces its bytes.
//
// Selection follows NASM's -Ox behaviour: every table entry that accepts the operands is
// encoded, and the shortest wins — so `add eax, 1` is `83 /0 ib`, `add eax, 1000` is
// `05 id`, `mov eax, [abs]` is `A1`, `inc eax` is `40+r`, `shl eax, 1` is `D1 /4`, and a
// jump is short when its target is known to be within reach. Ties go to the entry NASM
// lists first: the lower ModRM extension (test F6 /0, not /1; shl /4, not /6), then the
// lower opcode (ADD r/m,reg 00 rather than reg,r/m 02; 80 rather than its alias 82).
// Relocatable values (labels) never use a sign-extended imm8 or a disp8, as in NASM,
// which cannot know a label's final address when it assembles an object file. Values
// not known yet in an early pass (forward references) are assumed small and jumps
// short; the passes of assembler.ts grow what does not fit until nothing changes.
//
// Prefix order as NASM emits it: lock/rep, segment override, 66 (operand size), 67
// (address size). 0x66 is emitted for 16-bit operands; 0x67 only for 16-bit addressing
// written in the source (and jcxz).

import { AsmError } from './diagnostics.js';
import type { Expr, Value } from './expr.js';
import { formsByName, isV, type Form } from './mnemonics.js';
import type { ImmOperand, MemOperand, Operand, RegInfo } from './operands.js';
import { sizeName } from './operands.js';

export interface EncodeEnv {
  /** Evaluate; null when not yet known (forward reference before the final pass). */
  eval(e: Expr): Value | null;
  /** The absolute address of a value (final pass; earlier passes may return anything). */
  address(v: Value): bigint;
  /** Current location: section and offset of the instruction's first byte. */
  here: Value;
  /** The last pass: report range errors. */
  final: boolean;
}

export interface InstrStmt {
  mnemonic: string;
  mnemonicCol: number;
  prefixes: number[];
  operands: Operand[];
}

interface Candidate {
  form: Form;
  os: 16 | 32;
  bytes: number[];
  /** Size of the memory operand this entry implies (bits), when the operand was unsized. */
  memSize?: number;
  /** The memory operand is unsized and nothing else fixes the operand size. */
  unpinned: boolean;
  /** Reg-reg xchg written in the other order than the table's (NASM prefers it). */
  swapped: boolean;
  pref: number;
}

/** Mnemonics whose unsized memory operand defaults to the 32-bit form (NASM). */
const DEFAULT_OS32 = new Set(['jmp', 'call']);
/** Commutative for operand order in NASM syntax. */
const COMMUTATIVE = new Set(['xchg', 'test']);
/** `Ew` entries that accept a 32-bit register, and those where a 16-bit register gets 0x66. */
const EW_STORES = new Set(['sldt', 'str', 'smsw']);
const EW_R32 = new Set(['sldt', 'str', 'smsw', 'lar', 'lsl']);

const FIXED_REGS: Record<string, { num: number; size: number | 'v'; kind: 'gpr' | 'sreg' }> = {
  AL: { num: 0, size: 8, kind: 'gpr' },
  CL: { num: 1, size: 8, kind: 'gpr' },
  DX: { num: 2, size: 16, kind: 'gpr' },
  AX: { num: 0, size: 16, kind: 'gpr' },
  eAX: { num: 0, size: 'v', kind: 'gpr' },
  eCX: { num: 1, size: 'v', kind: 'gpr' },
  eDX: { num: 2, size: 'v', kind: 'gpr' },
  eBX: { num: 3, size: 'v', kind: 'gpr' },
  eSP: { num: 4, size: 'v', kind: 'gpr' },
  eBP: { num: 5, size: 'v', kind: 'gpr' },
  eSI: { num: 6, size: 'v', kind: 'gpr' },
  eDI: { num: 7, size: 'v', kind: 'gpr' },
  ES: { num: 0, size: 16, kind: 'sreg' },
  CS: { num: 1, size: 16, kind: 'sreg' },
  SS: { num: 2, size: 16, kind: 'sreg' },
  DS: { num: 3, size: 16, kind: 'sreg' },
  FS: { num: 4, size: 16, kind: 'sreg' },
  GS: { num: 5, size: 16, kind: 'sreg' },
};

function tplSize(t: string, os: number): number | undefined {
  switch (t[t.length - 1]) {
    case 'b': return 8;
    case 'w': return 16;
    case 'd': return 32;
    case 'v': return os;
    case 'q': return 64;
    case 't': return 80;
    case 'p': return os === 32 ? 48 : 32;
    case 's': return 48;
    case 'a': return os * 2;
    default: return undefined;
  }
}

/** Encode one instruction. Throws AsmError when no entry accepts the operands. */
export function encodeInstruction(ins: InstrStmt, env: EncodeEnv): number[] {
  const name = ins.mnemonic.toLowerCase();
  let operands = ins.operands;
  // NASM's two-operand imul: imul r, imm = imul r, r, imm
  if (name === 'imul' && operands.length === 2 && operands[0].k === 'reg' && operands[1].k === 'imm') operands = [operands[0], operands[0], operands[1]];
  // aam/aad default to base 10
  if ((name === 'aam' || name === 'aad') && operands.length === 0) operands = [{ k: 'imm', e: { k: 'num', n: 10n, col: ins.mnemonicCol }, strict: false, col: ins.mnemonicCol }];
  // xchg eax, eax is 90 in NASM (66 90 for ax)
  if (name === 'xchg' && operands.length === 2 && operands.every((o) => o.k === 'reg' && o.reg.kind === 'gpr' && o.reg.num === 0 && o.reg.size !== 8)) {
    const r = operands[0] as Extract<Operand, { k: 'reg' }>;
    const r2 = operands[1] as Extract<Operand, { k: 'reg' }>;
    if (r.reg.size !== r2.reg.size) throw new AsmError('mismatch in operand sizes', r2.col);
    return [...orderPrefixes(ins.prefixes, undefined, r.reg.size === 16, false), 0x90];
  }

  // endbr32 (CET): a hint NOP on this CPU (ops/misc.ts), F3 0F 1E FB.
  if (name === 'endbr32' && operands.length === 0) return [0xf3, 0x0f, 0x1e, 0xfb];
  // NASM's waiting x87 spellings: fwait, then the no-wait instruction (finit = 9B DB E3).
  const nowait = X87_WAIT_FORMS[name];
  if (nowait) return [0x9b, ...encodeInstruction({ ...ins, mnemonic: nowait }, env)];
  if (X87_ARITH.has(name) && operands.length === 0) return encodeInstruction({ ...ins, mnemonic: name + 'p' }, env);
  operands = x87Operands(name, operands);

  const forms = formsByName().get(name);
  if (!forms) throw new AsmError(`unknown instruction '${ins.mnemonic}'`, ins.mnemonicCol);

  const cands: Candidate[] = [];
  let firstErr: AsmError | undefined;
  const seen = new Set<string>();
  for (const form of forms) {
    if (form.ops.length !== operands.length) continue;
    const orders: Array<[Operand[], boolean]> = [[operands, false]];
    if (COMMUTATIVE.has(form.def.mnemonic) && operands.length === 2) orders.push([[operands[1], operands[0]], true]);
    for (const [ops, swapped] of orders) {
      for (const os of [32, 16] as const) {
        const key = `${form.def.code}/${form.def.ext}/${form.def.modrm}/${os}/${swapped}`;
        if (seen.has(key)) continue;
        try {
          const c = tryForm(form, ops, os, ins, env, swapped);
          if (c) {
            seen.add(key);
            cands.push(c);
          }
        } catch (e) {
          if (!(e instanceof AsmError)) throw e;
          firstErr ??= e;
        }
      }
    }
  }
  if (cands.length === 0) {
    if (firstErr) throw firstErr;
    throw new AsmError(`invalid combination of opcode and operands for '${name}'`, ins.mnemonicCol);
  }
  // An unsized memory operand must be sized by the other operands or by the only entry.
  const mem = operands.find((o): o is MemOperand => o.k === 'mem');
  let pool = cands;
  if (mem && mem.size === undefined) {
    const imm = operands.find((o): o is ImmOperand => o.k === 'imm');
    if (imm?.size !== undefined) {
      const match = pool.filter((c) => c.memSize === imm.size);
      if (match.length) pool = match;
    }
    const sizes = new Set(pool.map((c) => c.memSize).filter((s) => s !== undefined));
    if (sizes.size > 1) {
      if (DEFAULT_OS32.has(name) && sizes.has(32)) pool = pool.filter((c) => c.memSize === 32 || c.memSize === undefined);
      else throw new AsmError('operation size not specified', mem.col);
    }
    if (pool.some((c) => c.unpinned) && !DEFAULT_OS32.has(name)) throw new AsmError('operation size not specified', mem.col);
  }
  pool.sort((a, b) => a.bytes.length - b.bytes.length || a.pref - b.pref);
  return pool[0].bytes;
}

/** NASM's waiting forms of the no-wait x87 control instructions. */
const X87_WAIT_FORMS: Record<string, string> = {
  finit: 'fninit', fclex: 'fnclex', fstsw: 'fnstsw', fstcw: 'fnstcw', fstenv: 'fnstenv', fsave: 'fnsave',
};
/** x87 arithmetic whose operand-less / one-operand forms NASM completes. */
const X87_ARITH = new Set(['fadd', 'fmul', 'fsub', 'fsubr', 'fdiv', 'fdivr']);
const X87_ST0_FIRST = /^(fcomi|fcomip|fucomi|fucomip|fcmov[a-z]+)$/;

/**
 * NASM's implied x87 operands (its insns.dat): `fadd` = `faddp st1, st0`; `faddp` =
 * `faddp st1, st0`, `faddp st2` = `faddp st2, st0`; `fadd st2` = `fadd st0, st2`;
 * `fcom` = `fcom st1` (fcomp, fucom, fucomp, fxch alike); `fcom st0, st2` = `fcom st2`;
 * `fxch st2, st0` = `fxch st2`; `fcomi st2` = `fcomi st0, st2` (fcmovcc alike).
 */
function x87Operands(name: string, ops: Operand[]): Operand[] {
  if (name[0] !== 'f') return ops;
  const st = (n: number, col: number): Operand => ({ k: 'reg', reg: { kind: 'fpureg', num: n, size: 80 }, name: 'st' + n, col } as Operand);
  const isSt = (o: Operand | undefined, n?: number) => o !== undefined && o.k === 'reg' && o.reg.kind === 'fpureg' && (n === undefined || o.reg.num === n);
  const col = ops[0]?.col ?? 0;
  const base = name.endsWith('p') ? name.slice(0, -1) : name;
  if (X87_ARITH.has(base)) {
    if (name !== base) {
      if (ops.length === 0) return [st(1, col), st(0, col)];
      if (ops.length === 1 && isSt(ops[0])) return [ops[0], st(0, col)];
    } else if (ops.length === 1 && isSt(ops[0])) return [st(0, col), ops[0]];
    return ops;
  }
  if (/^(fcom|fcomp|fucom|fucomp|fxch)$/.test(name)) {
    if (ops.length === 0) return [st(1, col)];
    if (ops.length === 2 && isSt(ops[0], 0) && isSt(ops[1])) return [ops[1]];
    if (ops.length === 2 && name === 'fxch' && isSt(ops[1], 0) && isSt(ops[0])) return [ops[0]];
  }
  if (X87_ST0_FIRST.test(name) && ops.length === 1 && isSt(ops[0])) return [st(0, col), ops[0]];
  return ops;
}

function orderPrefixes(explicit: number[], seg: number | undefined, o16: boolean, a16: boolean): number[] {
  const out: number[] = [];
  for (const p of explicit) if (p === 0xf0 || p === 0xf2 || p === 0xf3) out.push(p);
  for (const p of explicit) if (p !== 0xf0 && p !== 0xf2 && p !== 0xf3 && p !== 0x66 && p !== 0x67) out.push(p);
  if (seg !== undefined) out.push([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65][seg]);
  if (o16 || explicit.includes(0x66)) out.push(0x66);
  if (a16 || explicit.includes(0x67)) out.push(0x67);
  return out;
}

/**
 * Try to encode `ops` with `form` at operand size `os`. Returns null when the operands do
 * not fit the entry's templates; throws AsmError for a definite error in a fitting entry.
 */
function tryForm(form: Form, ops: Operand[], os: 16 | 32, ins: InstrStmt, env: EncodeEnv, swapped: boolean): Candidate | null {
  const def = form.def;
  const tpl = form.ops;
  const hasVTpl = tpl.some(isV) || form.os !== 0;
  const mn = def.mnemonic.toLowerCase();
  if (form.os && form.os !== os) return null;
  if (!hasVTpl && os === 16 && !tpl.some((t) => t === 'Ew')) return null; // no size dependence: one encoding
  let pinned16 = form.os === 16;
  let pinnedAny = form.os !== 0;
  let memSize: number | undefined;
  let memIsV = false;
  let autoShort = false;
  let prefix66 = false;

  let reg: number | undefined; // ModRM.reg
  let rmOp: Operand | undefined; // ModRM.rm operand
  let zreg: number | undefined;
  const imms: Array<{ t: string; o: Operand }> = [];

  for (let k = 0; k < tpl.length; k++) {
    const t = tpl[k];
    const o = ops[k];
    const kind = t[0];
    if (t === 'ST' || t === 'STi') {
      // x87 stack registers: ST is st0; STi goes in ModRM.rm with mod = 3.
      if (o.k !== 'reg' || o.reg.kind !== 'fpureg') return null;
      if (t === 'ST') {
        if (o.reg.num !== 0) return null;
      } else rmOp = o;
      continue;
    }
    const fixed = FIXED_REGS[t];
    if (fixed) {
      if (o.k !== 'reg' || o.reg.kind !== fixed.kind || o.reg.num !== fixed.num) return null;
      const want = fixed.size === 'v' ? os : fixed.size;
      if (o.reg.size !== want) return null;
      if (fixed.size === 'v') {
        pinnedAny = true;
        if (os === 16) pinned16 = true;
      }
      continue;
    }
    if (t === '1') {
      if (o.k !== 'imm' || o.size !== undefined) return null; // `shl eax, byte 1` is C1 /4 ib in NASM
      const v = env.eval(o.e);
      if (!v || v.sect >= 0 || v.n !== 1n) return null;
      continue;
    }
    const size = tplSize(t, os);
    switch (kind) {
      case 'E':
      case 'M':
      case 'R':
      case 'G':
      case 'Z': {
        if (o.k === 'reg') {
          if (kind === 'M') return null;
          if (o.reg.kind !== 'gpr') return null;
          if (o.reg.size !== size) {
            // Ew also takes a 32-bit register for some instructions (no prefix).
            if (!(t === 'Ew' && o.reg.size === 32 && (EW_R32.has(mn) || (mn === 'mov' && (tpl[0] === 'Sw' || tpl[1] === 'Sw'))))) return null;
          } else if (t === 'Ew' && o.reg.size === 16 && (EW_STORES.has(mn) || (mn === 'mov' && tpl[1] === 'Sw'))) prefix66 = true;
          if (t[1] === 'v') {
            pinnedAny = true;
            if (os === 16) pinned16 = true;
          }
        } else if (o.k === 'mem') {
          if (kind === 'G' || kind === 'R' || kind === 'Z') return null;
          const isJmpCall = mn === 'jmp' || mn === 'call';
          if (t === 'Mp' && isJmpCall && !o.far) return null;
          if (t !== 'Mp' && o.far) return null;
          if (t === 'M') {
            // any size
          } else if (o.size !== undefined) {
            if (o.size !== size) return null;
            if (t[1] === 'v' || t === 'Mp' || t === 'Ma') {
              pinnedAny = true;
              if (os === 16) pinned16 = true;
            }
          } else {
            memSize = size;
            memIsV = t[1] === 'v' || t === 'Mp' || t === 'Ma';
          }
        } else return null;
        if (kind === 'G') reg = o.k === 'reg' ? o.reg.num : 0;
        else if (kind === 'Z') zreg = o.k === 'reg' ? o.reg.num : 0;
        else rmOp = o;
        break;
      }
      case 'S':
      case 'C':
      case 'D': {
        const want = kind === 'S' ? 'sreg' : kind === 'C' ? 'creg' : 'dreg';
        if (o.k !== 'reg' || o.reg.kind !== want) return null;
        reg = o.reg.num;
        break;
      }
      case 'O': {
        if (o.k !== 'mem' || o.base || o.index || o.far) return null;
        if (o.asize !== 32) return null;
        if (o.size !== undefined && o.size !== size) return null;
        if (o.size === undefined) memSize = size;
        if (o.dispSize !== undefined && o.dispSize !== 32) return null;
        imms.push({ t, o });
        break;
      }
      case 'I': {
        if (o.k !== 'imm' || o.jmp) return null;
        if (o.size !== undefined) {
          if (t === 'Ibs') {
            if (o.size === 8) {
              /* forced short form */
            } else if (o.size === os && !o.strict) {
              pinnedAny = true;
              if (os === 16) pinned16 = true;
            } else return null;
          } else if (t === 'Iv') {
            if (o.size !== os) return null;
            pinnedAny = true;
            if (os === 16) pinned16 = true;
          } else if (o.size !== size) {
            // `mov [eax], word 5`: the immediate's keyword sizes the operation instead
            if (!(t === 'Ib' && o.size === 8)) return null;
          }
        }
        if (t === 'Ibs' && o.size !== 8) {
          // Only when the value is absolute and fits a sign-extended byte. A value not
          // known yet (forward reference, early pass) is assumed to fit, as NASM does;
          // later passes correct the guess.
          const v = env.eval(o.e);
          if (!v) {
            imms.push({ t, o });
            break;
          }
          if (v.sect >= 0) return null;
          const x = BigInt.asIntN(os, v.n);
          if (x < -128n || x > 127n) return null;
        }
        imms.push({ t, o });
        break;
      }
      case 'J': {
        if (o.k !== 'imm') return null;
        if (o.jmp === 'far') return null;
        if (t === 'Jb') {
          if (o.jmp === 'near') return null;
          if (o.size !== undefined && o.size !== 8 && hasJv(form)) return null;
          autoShort = o.jmp !== 'short' && o.size !== 8 && hasJv(form);
          if (autoShort) {
            // NASM (ELF) never shortens a jump to an absolute address or to another
            // section: the target is only known at link time.
            const v = env.eval(o.e);
            if (v && v.sect !== env.here.sect) return null;
          }
        } else {
          if (o.jmp === 'short' || o.size === 8) return null;
          if (o.size === 16 || o.size === 32) {
            if (o.size !== os) return null;
            pinnedAny = true;
            if (os === 16) pinned16 = true;
          }
        }
        imms.push({ t, o });
        break;
      }
      case 'A': {
        if (o.k !== 'far') return null;
        if (o.size !== undefined) {
          if (o.size !== os) return null;
          pinnedAny = true;
          if (os === 16) pinned16 = true;
        }
        imms.push({ t, o });
        break;
      }
      default:
        return null;
    }
  }
  if (hasVTpl && os === 16 && !pinned16) return null;
  if (!hasVTpl && os === 16 && !prefix66) return null;
  const memOp = ops.find((o): o is MemOperand => o.k === 'mem');
  // An unsized memory operand in a v-sized slot with nothing else giving the size.
  const unpinned = memIsV && !pinnedAny;

  // ---- bytes ----
  const seg = memOp?.seg;
  const a16 = (memOp !== undefined && memOp.asize === 16) || !!form.a16;
  const o16 = (hasVTpl && os === 16) || prefix66;
  const out = orderPrefixes(ins.prefixes, seg, o16, a16);
  const code = def.code.slice();
  if (zreg !== undefined) code[code.length - 1] += zreg;
  out.push(...code);
  if (def.rm !== undefined) out.push(0xc0 | (def.ext! << 3) | def.rm); // a whole-ModRM x87 form (d9 e8)
  else if (def.ext !== undefined || reg !== undefined || rmOp !== undefined) {
    const r = def.ext ?? reg ?? 0;
    if (!rmOp) throw new AsmError(`internal: no r/m operand for ${def.mnemonic} ${def.operands}`, ins.mnemonicCol);
    if (rmOp.k === 'reg') out.push(0xc0 | (r << 3) | rmOp.reg.num);
    else if (rmOp.k === 'mem') out.push(...encodeMem(rmOp, r, env));
  }
  for (const { t, o } of imms) {
    const fits = emitImm(out, t, o, os, env);
    if (autoShort && !fits) return null;
    if (!fits && env.final) throw new AsmError('short jump is out of range', o.col);
  }
  // Tie-breaks (equal lengths): the sign-extended imm8 form over the accumulator form
  // (`add ax, 5` is 66 83 C0 05, not 66 05 05 00), then the lower ModRM extension, then
  // the lower opcode; reg-reg xchg puts the first operand in ModRM.reg, test in r/m.
  const wantSwap = def.mnemonic === 'xchg' && ops.every((x) => x.k === 'reg');
  // x87 `fadd st0, st0`: NASM takes the "fpureg, st0" form (DC C0), listed first.
  const pref = (tpl.includes('Ibs') ? 0 : 1_000_000) - (tpl[0] === 'STi' && tpl[1] === 'ST' ? 500_000 : 0) + (swapped === wantSwap ? 0 : 100_000) + (def.ext ?? 0) * 1000 + (def.code.length - 1) * 256 + def.code[def.code.length - 1];
  return { form, os, bytes: out, memSize, unpinned, swapped, pref };
}

function hasJv(form: Form): boolean {
  const list = formsByName().get(form.name) ?? [];
  return list.some((f) => f.ops.length === 1 && f.ops[0] === 'Jv');
}

const valueOf = (e: Expr, env: EncodeEnv): Value | null => env.eval(e);

function le(out: number[], v: bigint, bytes: number): void {
  let x = BigInt.asUintN(bytes * 8, v);
  for (let i = 0; i < bytes; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
}

function checkRange(v: bigint, bits: number, what: string, col: number, signedOnly = false): void {
  const lo = signedOnly ? -(1n << BigInt(bits - 1)) : -(1n << BigInt(bits));
  const hi = signedOnly ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  if (v < lo || v > hi) throw new AsmError(`${what} ${v} is out of range for a ${sizeName(bits)}`, col);
}

/** Append an immediate / displacement / target; returns false for a short jump that does not reach. */
function emitImm(out: number[], t: string, o: Operand, os: number, env: EncodeEnv): boolean {
  if (t[0] === 'J') {
    const imm = o as ImmOperand;
    const width = t === 'Jb' ? 1 : os / 8;
    const end = out.length + width;
    const v = valueOf(imm.e, env);
    const here = env.here;
    let rel = 0n;
    if (v) {
      if (v.sect >= 0 && v.sect === here.sect) rel = v.n - (here.n + BigInt(end));
      else rel = env.address(v) - (env.address(here) + BigInt(end));
    }
    if (t === 'Jb') {
      // Optimistic for a target not known yet (early pass): short until proven far.
      const reach = v === null ? !env.final : rel >= -128n && rel <= 127n;
      le(out, rel, 1);
      return reach;
    }
    le(out, rel, width);
    return true;
  }
  if (t[0] === 'A') {
    const f = o as Extract<Operand, { k: 'far' }>;
    const off = valueOf(f.off, env);
    const seg = valueOf(f.seg, env);
    const offA = off ? env.address(off) : 0n;
    const segA = seg ? env.address(seg) : 0n;
    if (env.final) {
      checkRange(offA, os, 'offset', f.col);
      checkRange(segA, 16, 'segment', f.col);
    }
    le(out, offA, os / 8);
    le(out, segA, 2);
    return true;
  }
  if (t[0] === 'O') {
    const m = o as MemOperand;
    const v = m.disp ? valueOf(m.disp, env) : { n: 0n, sect: -1 };
    le(out, v ? env.address(v) : 0n, 4);
    return true;
  }
  const imm = o as ImmOperand;
  const v = valueOf(imm.e, env);
  const a = v ? env.address(v) : 0n;
  let bits: number;
  if (t === 'Ib' || t === 'Ibs') bits = 8;
  else if (t === 'Iw') bits = 16;
  else if (t === 'Id') bits = 32;
  else bits = os;
  if (env.final) {
    if (!v) throw new AsmError('undefined value', imm.col);
    if (t === 'Ibs') {
      const x = BigInt.asIntN(os, a);
      if (x < -128n || x > 127n) throw new AsmError(`signed byte value ${a} is out of range`, imm.col);
    } else checkRange(a, bits, 'value', imm.col);
  }
  le(out, a, bits / 8);
  return true;
}

/** ModRM (+SIB, +displacement) for a memory operand. */
function encodeMem(m: MemOperand, r: number, env: EncodeEnv): number[] {
  const dv = m.disp ? env.eval(m.disp) : { n: 0n, sect: -1 };
  const unknown = dv === null;
  const reloc = !!dv && dv.sect >= 0;
  const val = dv ? (reloc ? env.address(dv) : dv.n) : 0n;
  const out: number[] = [];
  if (m.asize === 16) return encodeMem16(m, r, dv, env);
  const base = m.base?.num;
  const index = m.index?.num;
  if (base === undefined && index === undefined) {
    out.push((r << 3) | 5);
    le(out, val, 4);
    return out;
  }
  const small = BigInt.asIntN(32, val);
  let disp: 0 | 8 | 32;
  if (m.dispSize === 8) {
    disp = 8;
    if (env.final && !unknown && (reloc || small < -128n || small > 127n)) throw new AsmError(`displacement ${small} does not fit a byte`, m.col);
  } else if (m.dispSize === 32 || m.dispSize === 16) disp = 32;
  else if (reloc) disp = 32;
  else if (unknown) disp = 8; // optimistic guess in an early pass
  else if (small === 0n && base !== 5) disp = 0;
  else if (small >= -128n && small <= 127n) disp = 8;
  else disp = 32;
  if (base === undefined) {
    // index only: SIB with no base, always disp32
    out.push((r << 3) | 4, (scaleBits(m.scale) << 6) | (index! << 3) | 5);
    le(out, val, 4);
    return out;
  }
  if (disp === 0 && base === 5) disp = 8;
  const mod = disp === 0 ? 0 : disp === 8 ? 1 : 2;
  if (index === undefined && base !== 4) out.push((mod << 6) | (r << 3) | base);
  else out.push((mod << 6) | (r << 3) | 4, (scaleBits(m.scale) << 6) | ((index ?? 4) << 3) | base);
  if (disp === 8) le(out, val, 1);
  else if (disp === 32) le(out, val, 4);
  return out;
}

function encodeMem16(m: MemOperand, r: number, dv: Value | null, env: EncodeEnv): number[] {
  const out: number[] = [];
  const reloc = !!dv && dv.sect >= 0;
  const val = dv ? (reloc ? env.address(dv) : dv.n) : 0n;
  const b = m.base?.num; // 3 bx, 5 bp
  const i = m.index?.num; // 6 si, 7 di
  if (b === undefined && i === undefined) {
    out.push((r << 3) | 6);
    if (env.final && (val < -32768n || val > 65535n)) throw new AsmError(`16-bit address ${val} out of range`, m.col);
    le(out, val, 2);
    return out;
  }
  let rm: number;
  if (b === 3 && i === 6) rm = 0;
  else if (b === 3 && i === 7) rm = 1;
  else if (b === 5 && i === 6) rm = 2;
  else if (b === 5 && i === 7) rm = 3;
  else if (i === 6) rm = 4;
  else if (i === 7) rm = 5;
  else if (b === 5) rm = 6;
  else rm = 7;
  const small = BigInt.asIntN(16, val);
  let disp: 0 | 8 | 16;
  if (m.dispSize === 8) disp = 8;
  else if (m.dispSize) disp = 16;
  else if (reloc) disp = 16;
  else if (dv === null) disp = 8;
  else if (small === 0n && rm !== 6) disp = 0;
  else if (small >= -128n && small <= 127n) disp = 8;
  else disp = 16;
  if (disp === 0 && rm === 6) disp = 8;
  out.push(((disp === 0 ? 0 : disp === 8 ? 1 : 2) << 6) | (r << 3) | rm);
  if (disp === 8) le(out, val, 1);
  else if (disp === 16) le(out, val, 2);
  return out;
}

function scaleBits(s: number): number {
  return s === 1 ? 0 : s === 2 ? 1 : s === 4 ? 2 : 3;
}

export type { RegInfo };
