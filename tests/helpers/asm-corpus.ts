// The generated instruction corpus: every NASM mnemonic of the opcode table (ALL_OPS via
// src/asm/mnemonics.ts) × its operand forms, with representative registers, memory
// forms (every ModRM/SIB shape, segment overrides, 16-bit addressing) and immediates at
// the edges of the short encodings. Assembled by forkbox and by nasm, compared per line.

import { formsByName, NOT_NASM_NAMES, type Form } from '../../src/asm/mnemonics.js';

const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const MEM = [
  '[eax]', '[esp]', '[ebp]', '[ebp-8]', '[esi+0x7f]', '[edi-0x80]', '[ecx+0x80]', '[edx-0x81]',
  '[ebx+ecx*4]', '[ebx+ecx*4+0x12345678]', '[esp+eax*2+4]', '[ebp+esi*8-4]', '[eax*8+0x100]', '[ecx*2]', '[edx*4]',
  '[0x12345678]', '[fs:eax+4]', '[es:edi]', '[ss:ebp+ecx]', '[gs:0x10]', '[eax+ebx]', '[esp+ebp]', '[ebp+eax]',
  '[bx+si]', '[bp+di+5]', '[bx]', '[bp]', '[si+0x1234]', '[byte eax+1]', '[dword ebx+1]',
];
const MEM_FEW = ['[eax]', '[ebp-8]', '[ebx+ecx*4+0x12345678]', '[0x12345678]', '[fs:esi]', '[bx+di]'];
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];
const SIZE: Record<number, string> = { 8: 'byte', 16: 'word', 32: 'dword', 64: 'qword', 80: 'tword' };

function imms(t: string, os: number): string[] {
  switch (t) {
    case 'Ib':
      return ['0', '1', '0x7f', '0xff', '-1', '-128'];
    case 'Ibs':
      return ['5', '-1', '127', '-128'];
    case 'Iw':
      return ['0x1234', '8', '0xffff'];
    case 'Id':
      return ['0x12345678'];
    case 'Iv':
      return os === 32
        ? ['0', '5', '-1', '127', '128', '-128', '-129', '0x1234', '0x12345678', '0xffffffff']
        : ['0', '5', '-1', '127', '128', '-129', '0x1234', '0xffff'];
    default:
      return [];
  }
}

function tplSize(t: string, os: number): number {
  const c = t[t.length - 1];
  return c === 'b' ? 8 : c === 'w' ? 16 : c === 'd' ? 32 : c === 'q' ? 64 : c === 't' ? 80 : os;
}

/** Sample operand texts for one template at operand size os. */
function samples(form: Form, t: string, os: number, k: number): string[] | null {
  const mn = form.def.mnemonic;
  const fixed: Record<string, string[]> = {
    AL: ['al'], CL: ['cl'], DX: ['dx'], AX: ['ax'], '1': ['1'],
    eAX: [os === 32 ? 'eax' : 'ax'], eCX: [os === 32 ? 'ecx' : 'cx'], eDX: [os === 32 ? 'edx' : 'dx'], eBX: [os === 32 ? 'ebx' : 'bx'],
    eSP: [os === 32 ? 'esp' : 'sp'], eBP: [os === 32 ? 'ebp' : 'bp'], eSI: [os === 32 ? 'esi' : 'si'], eDI: [os === 32 ? 'edi' : 'di'],
    ES: ['es'], CS: ['cs'], SS: ['ss'], DS: ['ds'], FS: ['fs'], GS: ['gs'],
  };
  if (fixed[t]) return fixed[t];
  // x87 stack registers (NASM's st0-st7)
  if (t === 'ST') return ['st0'];
  if (t === 'STi') return ['st1', 'st0', 'st7'];
  const size = tplSize(t, os);
  const regs = size === 8 ? R8 : size === 16 ? R16 : R32;
  const memWith = (list: string[]) => list.map((m) => `${SIZE[size] ?? ''} ${m}`.trim());
  switch (t[0]) {
    case 'E': {
      const rs = [...regs];
      if (t === 'Ew' && ['sldt', 'str', 'smsw', 'lar', 'lsl'].includes(mn)) rs.push('eax', 'edi');
      if (t === 'Ew' && mn === 'mov' && form.ops[0] === 'Sw') rs.push('eax');
      return [...rs, ...memWith(k === 0 ? MEM : MEM_FEW)];
    }
    case 'G':
    case 'Z':
      return regs;
    case 'R':
      return ['eax', 'edi'];
    case 'M': {
      const list = mn === 'lea' ? MEM : MEM_FEW;
      if (t === 'M' || t === 'Ms' || t === 'Ma') return list;
      if (t === 'Mp') return (mn === 'jmp' || mn === 'call') ? list.map((m) => `far ${m}`) : list;
      if (t === 'Mq') return list.map((m) => `qword ${m}`);
      return memWith(list);
    }
    case 'S':
      return form.ops[0] === t && mn === 'mov' ? SREG.filter((s) => s !== 'cs') : SREG;
    case 'C':
      return ['cr0', 'cr2', 'cr3', 'cr4'];
    case 'D':
      return ['dr0', 'dr3', 'dr6', 'dr7'];
    case 'I':
      return imms(t, os);
    case 'O':
      return [`${SIZE[size]} [0x12345678]`, '[fs:0x10]'];
    case 'A':
      return os === 32 ? ['0x10:0x12345678', '0x1b:0'] : ['word 0x10:0x1234'];
    default:
      return null;
  }
}

/** Forms NASM refuses (or spells differently), by name/templates/operand size. */
function skip(form: Form, os: number): boolean {
  const mn = form.def.mnemonic;
  const ops = form.ops.join(',');
  if (NOT_NASM_NAMES.has(form.name)) return true;
  if (os === 16 && (mn === 'bswap' || ((mn === 'movzx' || mn === 'movsx') && ops === 'Gv,Ew'))) return true;
  if (os === 16 && form.ops.includes('Mp') && (mn === 'jmp' || mn === 'call')) return true;
  if (form.ops.some((t) => t[0] === 'J')) return true; // branches: see branchLines()
  if (form.a16) return true;
  // NASM drops the 0x66 of `retw imm16` (it emits C2 iw): not a form worth copying.
  if (form.name === 'retw' && form.ops.length) return true;
  return false;
}

/** Lines for one form: every sample of each position with the first sample of the others. */
function formLines(form: Form): string[] {
  const out: string[] = [];
  const hasV = form.ops.some((t) => /v$|^e[A-Z]{2}$|^Ibs$/.test(t));
  const sizes = form.os ? [form.os] : hasV ? [32, 16] : [32];
  for (const os of sizes) {
    if (skip(form, os)) continue;
    if (form.ops.length === 0) {
      out.push(form.name);
      continue;
    }
    const per = form.ops.map((t, k) => samples(form, t, os, k));
    if (per.some((p) => !p || p.length === 0)) continue;
    const lists = per as string[][];
    const seen = new Set<string>();
    for (let k = 0; k < lists.length; k++) {
      for (const s of lists[k]) {
        const ops = lists.map((l, j) => (j === k ? s : l[0]));
        // A memory operand next to an immediate needs the size written (already done);
        // two memory operands never occur in one instruction.
        if (ops.filter((o) => o.includes('[')).length > 1) continue;
        // NASM: a 16-bit `Ew` register store form is written with the 16-bit name only.
        const line = `${form.name} ${ops.join(', ')}`;
        if (!seen.has(line)) {
          seen.add(line);
          out.push(line);
        }
      }
    }
  }
  return out;
}

/** Branches: short and near, forward and backward, for each condition and synonym. */
function branchLines(names: string[]): string[] {
  const out: string[] = ['.far_back:', 'times 130 nop'];
  names.forEach((n, i) => {
    const shortOnly = n.startsWith('loop') || n === 'jecxz' || n === 'jcxz';
    out.push(`.a${i}:`, `${n} .a${i}`, `${n} .c${i}`);
    if (!shortOnly && n !== 'call') out.push(`${n} short .c${i}`); // NASM takes no `short` on loop/jecxz/call
    if (!shortOnly) out.push(`${n} near .c${i}`, `${n} .far_back`, `${n} .far_fwd`, `${n} near .a${i}`);
    out.push(`.c${i}:`);
  });
  out.push('times 130 nop', '.far_fwd:', 'nop');
  return out;
}

export interface Corpus {
  /** Source text (NASM syntax; assembles as an executable with forkbox). */
  text: string;
  /** Number of instruction lines. */
  count: number;
  /** Table entries (by NASM name and operands) for which no line could be generated. */
  uncovered: string[];
}

export function generateCorpus(): Corpus {
  const body: string[] = [];
  const branchNames: string[] = [];
  const uncovered: string[] = [];
  const forms = formsByName();
  for (const [name, list] of [...forms].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    for (const f of list) {
      if (f.ops.some((t) => t[0] === 'J') && !NOT_NASM_NAMES.has(name) && f.ops.length === 1) {
        if (!branchNames.includes(name) && (f.ops[0] === 'Jb' || f.ops[0] === 'Jv') && f.os !== 16) branchNames.push(name);
        continue;
      }
      const lines = formLines(f);
      const deliberate = [32, 16].some((os) => skip(f, os));
      if (lines.length === 0 && !deliberate) uncovered.push(`${name} ${f.ops.join(',')}`);
      body.push(...lines);
    }
  }
  const extras = [
    'aam', 'aad', 'xchg eax, eax', 'xchg ax, ax', 'imul eax, 5', 'imul eax, 0x1234', 'imul cx, -3',
    'rep movsb', 'rep stosd', 'repe cmpsb', 'repne scasb', 'lock add [eax], ebx', 'lock xadd [ecx], edx',
    'fs mov eax, [eax]', 'mov eax, [fs:eax]', 'add dword [eax], byte 5', 'mov [eax], byte 5', 'mov [eax], word 5',
    'push byte 5', 'push dword 5', 'push word 5', 'push strict dword 5', 'add eax, strict dword 5',
    'jmp eax', 'call [eax]', 'jmp [ebx+4]', 'mov eax, [nosplit ebx*2]', 'lea eax, [ebx*3]', 'lea eax, [ebx*5+7]',
    'lea eax, [ebx*9]', 'mov eax, [eax*1]', 'mov al, [bx+si+0x100]', 'shl eax, 1', 'shl eax, byte 1', 'sal eax, 1',
    'test ecx, [edx]', 'test [edx], ecx', 'xchg [eax], ecx', 'xchg ecx, [eax]', 'xchg ecx, edx', 'xchg eax, ecx', 'xchg ecx, eax',
    'in al, 0x60', 'out 0x43, al', 'int 0x80', 'int 3', 'ret 0x10', 'retf 4', 'enter 0x10, 0', 'mov eax, cr0', 'mov cr3, ecx',
    'xlatb', 'movzx eax, byte [esi]', 'movsx edx, word [ebp-2]', 'cmpxchg8b [esi]',
    // syntax variants: operand order in addresses, spacing, overrides, character constants
    'mov eax, fs:[eax]', 'es movsb', 'mov eax, [ebx + ecx * 4 + 8]', 'mov eax, [8 + ecx*4 + ebx]', 'mov eax, [4*ecx + ebx + 8]',
    'mov eax, [ebx + 8 + ecx*4]', 'mov eax, [ebx - -8]', 'mov eax, [(ebx) + 8]', 'lea esi, [edi+(2+3)*2]', 'mov dword [esp+4], 0',
    'mov eax, dword [eax]', 'mov byte [eax], -1', 'mov word [eax], 0xffff', "add al, 'a'", 'cmp byte [esi], `\\n`', "mov eax, 'abcd'",
    'push dword -1', 'mov eax, [ebx+ecx]', 'mov eax, [ecx*1+ebx]', 'mov eax, [ebp*2]', 'mov eax, [esi*2+0x10]', 'mov eax, [-4+ebp]',
    'and esp, -16', 'sub esp, 0x100', 'mov al, [bp]', 'mov al, [di-1]', 'mov al, [bx+si+0x7f]', 'mov al, [bp+si-0x81]',
    // x87: NASM's implied operands and its waiting spellings; endbr32
    'fadd', 'fsub', 'fsubr', 'fmul', 'fdiv', 'fdivr', 'faddp', 'fsubrp st3', 'fdivp st2', 'fadd st2', 'fmul st7', 'fdivr st1',
    'fcom', 'fcomp', 'fucom', 'fucomp', 'fxch', 'fxch st2, st0', 'fxch st0, st2', 'fcom st0, st3', 'fcomi st2', 'fucomip st1',
    'fcmove st1', 'fcmovnbe st3', 'fadd st0, st0', 'fsub st0, st3', 'fsub st3, st0', 'finit', 'fclex', 'fstsw ax', 'fstsw [eax]',
    'fstcw [eax]', 'fnstcw [ebp-2]', 'fldcw [ebp-2]', 'fstenv [eax]', 'fsave [eax]', 'fld tword [esp]', 'fstp qword [ebp-8]', 'endbr32',
  ];
  body.push(...extras);
  const count = body.length;
  const bl = branchLines(branchNames);
  const branchLineCount = bl.filter((l) => !l.endsWith(':') && !l.startsWith('times')).length;
  body.push(...bl);
  const text = ['bits 32', 'section .text', 'global _start', '_start:', ...body.map((l) => (l.endsWith(':') ? l : '\t' + l))].join('\n') + '\n';
  return { text, count: count + branchLineCount, uncovered };
}
