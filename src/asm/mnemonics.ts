// NASM mnemonics for the entries of the CPU's opcode table (ALL_OPS).
//
// The table names instructions the way the decoder and disassembler want them; NASM
// spells some differently. This file maps every table entry to the NASM names that select
// it, with the operand size each name implies and the operand templates NASM's syntax
// shows (string instructions take no operands in NASM: `movsb`, `rep stosd`):
//   - string instructions (X/Y operands): base + b / w / d, operands dropped
//   - `mnemonic16` (e.g. cbw for cwde): the 16-bit name; `pushf`/`pushfd`/`pushfw` style
//     names where the 16-bit name is the 32-bit one plus `w`
//   - NASM's synonyms: condition codes (jz = je, jc = jb, setnae = setb …), sal = shl,
//     loopz = loope, wait = fwait, xlatb = xlat, retn = ret, iret = iretd (32-bit in
//     BITS 32), jcxz = jecxz with an address-size prefix.
// New table entries need nothing here unless NASM calls them something else.

import { ALL_OPS, type OpDef } from '../cpu/optable.js';

export interface Form {
  def: OpDef;
  /** The NASM name. */
  name: string;
  /** Operand size the name fixes (16 or 32), or 0 when the operands decide. */
  os: 0 | 16 | 32;
  /** Operand templates as NASM's syntax shows them (after dropping implicit ones). */
  ops: string[];
  /** Emit an address-size prefix (jcxz). */
  a16?: boolean;
}

/** Condition-code synonyms: table name → NASM's other spellings. */
const CC_SYNONYMS: Record<string, string[]> = {
  o: [], no: [], b: ['c', 'nae'], ae: ['nc', 'nb'], e: ['z'], ne: ['nz'], be: ['na'], a: ['nbe'],
  s: [], ns: [], p: ['pe'], np: ['po'], l: ['nge'], ge: ['nl'], le: ['ng'], g: ['nle'],
};

/** Other NASM synonyms: table name → extra names. */
const SYNONYMS: Record<string, string[]> = {
  shl: ['sal'],
  loope: ['loopz'],
  loopne: ['loopnz'],
  fwait: ['wait'],
  xlat: ['xlatb'],
  ret: ['retn'],
  int1: ['icebp'],
};

/** 16-bit names in the table that NASM does not know (the disassembler's spelling). */
export const NOT_NASM_NAMES = new Set(['enterw', 'leavew', 'jmpw', 'callw', 'pushw']);

export function templates(def: OpDef): string[] {
  return def.operands.split(',').map((s) => s.trim()).filter(Boolean);
}

export function isStringOp(def: OpDef): boolean {
  return templates(def).some((o) => o[0] === 'X' || o[0] === 'Y');
}

/** Does an operand template depend on the operand size? */
export function isV(op: string): boolean {
  return op.length === 2 && op[1] === 'v' || op === 'eAX' || /^e[A-Z]{2}$/.test(op) || op === 'Ibs';
}

function buildForms(ops: readonly OpDef[]): Map<string, Form[]> {
  const map = new Map<string, Form[]>();
  const add = (f: Form) => {
    const list = map.get(f.name) ?? [];
    list.push(f);
    map.set(f.name, list);
  };
  for (const def of ops) {
    if (def.noAsm) continue;
    const tpl = templates(def);
    const m = def.mnemonic.toLowerCase();
    if (isStringOp(def)) {
      const base = /^(ins|outs)[bwd]$/.test(m) ? m.slice(0, -1) : m.replace(/[bwd]$/, (x) => (m.endsWith('s' + x) ? '' : x));
      if (tpl.some((o) => o === 'Xb' || o === 'Yb')) add({ def, name: base + 'b', os: 0, ops: [] });
      else {
        add({ def, name: base + 'd', os: 32, ops: [] });
        add({ def, name: base + 'w', os: 16, ops: [] });
      }
      continue;
    }
    const hasV = tpl.some(isV);
    const names: Array<[string, 0 | 16 | 32]> = [];
    if (def.mnemonic16) {
      const m16 = def.mnemonic16.toLowerCase();
      if (hasV) names.push([m, 0]);
      else names.push([m, 32]);
      if (m === 'iretd') {
        names.push(['iret', 32], ['iretw', 16]);
      } else {
        names.push([m16, 16]);
        if (m16 === m + 'w' && !hasV && !NOT_NASM_NAMES.has(m16)) names.push([m + 'd', 32]);
      }
    } else names.push([m, 0]);
    for (const [name, os] of names) {
      add({ def, name, os, ops: tpl });
      const cc = /^(j|set|cmov)(.+)$/.exec(name);
      if (cc && CC_SYNONYMS[cc[2]] && name !== 'jmp') for (const s of CC_SYNONYMS[cc[2]]) add({ def, name: cc[1] + s, os, ops: tpl });
      for (const s of SYNONYMS[name] ?? []) add({ def, name: s, os, ops: tpl });
    }
    if (m === 'jecxz') add({ def, name: 'jcxz', os: 0, ops: tpl, a16: true });
  }
  return map;
}

let cache: { ops: readonly OpDef[]; map: Map<string, Form[]> } | undefined;

/** The NASM-name index of ALL_OPS (built once). */
export function formsByName(): Map<string, Form[]> {
  if (!cache || cache.ops !== ALL_OPS) cache = { ops: ALL_OPS, map: buildForms(ALL_OPS) };
  return cache.map;
}

/** Mnemonics the encoder spells itself (encoder.ts): NASM's waiting x87 forms, endbr32. */
const EXTRA_MNEMONICS = new Set(['finit', 'fclex', 'fstsw', 'fstcw', 'fstenv', 'fsave', 'endbr32']);

export function isMnemonic(name: string): boolean {
  const n = name.toLowerCase();
  return formsByName().has(n) || EXTRA_MNEMONICS.has(n);
}

export const PREFIXES: Record<string, number> = {
  lock: 0xf0,
  rep: 0xf3,
  repe: 0xf3,
  repz: 0xf3,
  repne: 0xf2,
  repnz: 0xf2,
  es: 0x26,
  cs: 0x2e,
  ss: 0x36,
  ds: 0x3e,
  fs: 0x64,
  gs: 0x65,
  o16: 0x66,
  o32: -1,
  a16: 0x67,
  a32: -1,
};
