// The disassembler (src/asm/disasm.ts) against GNU objdump -M intel.
//
//  1. Fixed cases whose expected text was taken from objdump (binutils 2.40): run always.
//  2. A corpus generated from the opcode table: every ALL_OPS entry in register and memory
//     forms (SIB, disp8/disp32, 16-bit addressing), with and without 0x66 / 0x67 /
//     segment / rep prefixes, with immediates. Each case sits in its own 32-byte slot
//     padded with nops, so a length disagreement cannot desynchronise the next case
//     (any decode starting inside a ≤15-byte instruction ends before the slot does).
//     Lengths and mnemonics must equal objdump's; full-text differences are reported.
//  3. guest-programs/*.asm assembled with nasm + ld, disassembled by both.
//  4. The `forkbox disasm` command.
// Where objdump (or nasm/ld) is missing a visible SKIP is printed.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_OPS, DISPATCH, type OpDef } from '../src/cpu/optable.js';
import { decodeAt } from '../src/cpu/decoder.js';
import { SymbolTable, addressSkip, disassemble, formatAddress, formatInsn, listing } from '../src/asm/disasm.js';
import { disasmCommand } from '../src/asm/cli-disasm.js';
import { parseElf } from '../src/guest/elf.js';
import { buildElf } from './helpers/elf-build.js';

function have(cmd: string, args = ['--version']): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const HAVE_OBJDUMP = have('objdump');
const hexBytes = (s: string) => s.trim().split(/\s+/).map((x) => parseInt(x, 16));
const text = (bytes: number[], addr = 0, symbols?: ConstructorParameters<typeof SymbolTable>[0]) =>
  disassemble(new Uint8Array(bytes), addr, symbols).map((l) => l.text);

// ---- 1. fixed cases -------------------------------------------------------------------

describe('formatInsn: objdump -M intel spelling', () => {
  // [bytes, objdump's text] — copied from objdump -D -b binary -m i386 -M intel output.
  const cases: Array<[string, string]> = [
    ['b8 01 00 00 00', 'mov    eax,0x1'],
    ['8b 44 b3 08', 'mov    eax,DWORD PTR [ebx+esi*4+0x8]'],
    ['8b 45 fc', 'mov    eax,DWORD PTR [ebp-0x4]'],
    ['a1 00 a0 04 08', 'mov    eax,ds:0x804a000'],
    ['a2 00 a0 04 08', 'mov    ds:0x804a000,al'],
    ['8b 05 00 a0 04 08', 'mov    eax,DWORD PTR ds:0x804a000'],
    ['8b 04 85 00 a0 04 08', 'mov    eax,DWORD PTR [eax*4+0x804a000]'],
    ['64 8b 00', 'mov    eax,DWORD PTR fs:[eax]'],
    ['64 a1 00 00 00 00', 'mov    eax,fs:0x0'],
    ['8b 04 25 00 10 00 00', 'mov    eax,DWORD PTR [eiz*1+0x1000]'],
    ['8b 80 00 00 00 80', 'mov    eax,DWORD PTR [eax-0x80000000]'],
    ['8b 04 8d fc ff ff ff', 'mov    eax,DWORD PTR [ecx*4-0x4]'],
    ['8b 40 00', 'mov    eax,DWORD PTR [eax+0x0]'],
    ['8b 04 24', 'mov    eax,DWORD PTR [esp]'],
    ['8b 44 24 04', 'mov    eax,DWORD PTR [esp+0x4]'],
    ['8b 04 20', 'mov    eax,DWORD PTR [eax+eiz*1]'],
    ['8b 04 64', 'mov    eax,DWORD PTR [esp+eiz*2]'],
    ['67 8b 07', 'mov    eax,DWORD PTR [bx]'],
    ['67 8b 47 04', 'mov    eax,DWORD PTR [bx+0x4]'],
    ['67 8b 06 00 10', 'mov    eax,DWORD PTR ds:0x1000'],
    ['c7 05 00 a0 04 08 01 00 00 00', 'mov    DWORD PTR ds:0x804a000,0x1'],
    ['f3 a5', 'rep movs DWORD PTR es:[edi],DWORD PTR ds:[esi]'],
    ['a5', 'movs   DWORD PTR es:[edi],DWORD PTR ds:[esi]'],
    ['66 a5', 'movs   WORD PTR es:[edi],WORD PTR ds:[esi]'],
    ['f3 66 a5', 'rep movs WORD PTR es:[edi],WORD PTR ds:[esi]'],
    ['f3 ab', 'rep stos DWORD PTR es:[edi],eax'],
    ['f3 a6', 'repz cmps BYTE PTR ds:[esi],BYTE PTR es:[edi]'],
    ['f2 ae', 'repnz scas al,BYTE PTR es:[edi]'],
    ['ac', 'lods   al,BYTE PTR ds:[esi]'],
    ['ad', 'lods   eax,DWORD PTR ds:[esi]'],
    ['2e a4', 'movs   BYTE PTR es:[edi],BYTE PTR cs:[esi]'],
    ['67 a4', 'movs   BYTE PTR es:[di],BYTE PTR ds:[si]'],
    ['d7', 'xlat   BYTE PTR ds:[ebx]'],
    ['67 d7', 'xlat   BYTE PTR ds:[bx]'],
    ['8d 43 04', 'lea    eax,[ebx+0x4]'],
    ['64 8d 00', 'lea    eax,fs:[eax]'],
    ['98', 'cwde'], ['66 98', 'cbw'], ['99', 'cdq'], ['66 99', 'cwd'],
    ['60', 'pusha'], ['66 60', 'pushaw'], ['9c', 'pushf'], ['66 9c', 'pushfw'],
    ['cf', 'iret'], ['66 cf', 'iretw'], ['c3', 'ret'], ['c2 04 00', 'ret    0x4'], ['cb', 'retf'], ['66 c3', 'retw'],
    ['66 c9', 'leavew'], ['66 c8 01 00 02', 'enterw 0x1,0x2'], ['c8 10 00 00', 'enter  0x10,0x0'],
    ['d1 e0', 'shl    eax,1'], ['d3 e0', 'shl    eax,cl'], ['c1 e0 04', 'shl    eax,0x4'], ['d1 f0', 'shl    eax,1'],
    ['d4 0a', 'aam    0xa'], ['d5 0a', 'aad    0xa'], ['9b', 'fwait'],
    ['0f 20 c0', 'mov    eax,cr0'], ['0f 22 d8', 'mov    cr3,eax'], ['0f 21 f8', 'mov    eax,dr7'], ['0f 20 00', 'mov    eax,cr0'],
    ['8e d8', 'mov    ds,eax'], ['8c d8', 'mov    eax,ds'], ['8c 18', 'mov    WORD PTR [eax],ds'],
    ['66 8c 18', 'data16 mov WORD PTR [eax],ds'],
    ['83 c0 ff', 'add    eax,0xffffffff'], ['66 83 c0 ff', 'add    ax,0xffff'],
    ['6a ff', 'push   0xffffffff'], ['66 6a ff', 'pushw  0xffff'], ['68 00 01 00 00', 'push   0x100'],
    ['87 c3', 'xchg   ebx,eax'], ['93', 'xchg   ebx,eax'], ['66 90', 'xchg   ax,ax'], ['66 66 90', 'data16 xchg ax,ax'],
    ['f3 90', 'pause'], ['90', 'nop'], ['0f 1f 00', 'nop    DWORD PTR [eax]'], ['66 0f 1f 00', 'nop    WORD PTR [eax]'],
    ['0f c7 08', 'cmpxchg8b QWORD PTR [eax]'], ['0f 01 3b', 'invlpg BYTE PTR [ebx]'],
    ['0f b6 c3', 'movzx  eax,bl'], ['0f be 03', 'movsx  eax,BYTE PTR [ebx]'], ['66 0f b6 c3', 'movzx  ax,bl'], ['0f b7 03', 'movzx  eax,WORD PTR [ebx]'],
    ['0f a4 d8 04', 'shld   eax,ebx,0x4'], ['0f a5 d8', 'shld   eax,ebx,cl'], ['0f ba e0 03', 'bt     eax,0x3'], ['0f a3 d8', 'bt     eax,ebx'],
    ['f0 01 03', 'lock add DWORD PTR [ebx],eax'], ['26 01 03', 'add    DWORD PTR es:[ebx],eax'], ['f3 c3', 'repz ret'],
    ['cd 80', 'int    0x80'], ['cc', 'int3'], ['ce', 'into'],
    ['e4 60', 'in     al,0x60'], ['e5 60', 'in     eax,0x60'], ['66 e5 60', 'in     ax,0x60'],
    ['e6 80', 'out    0x80,al'],
    ['0f 94 c0', 'sete   al'], ['0f 42 c3', 'cmovb  eax,ebx'], ['0f c8', 'bswap  eax'], ['0f 31', 'rdtsc'], ['0f a2', 'cpuid'], ['0f 0b', 'ud2'],
    ['ff 28', 'jmp    FWORD PTR [eax]'], ['ff 18', 'call   FWORD PTR [eax]'], ['c4 03', 'les    eax,FWORD PTR [ebx]'], ['0f b2 03', 'lss    eax,FWORD PTR [ebx]'],
    ['0f 01 10', 'lgdtd  [eax]'], ['66 0f 01 10', 'lgdtw  [eax]'], ['0f 01 18', 'lidtd  [eax]'], ['0f 01 00', 'sgdtd  [eax]'],
    ['0f 00 d0', 'lldt   ax'], ['0f 00 10', 'lldt   WORD PTR [eax]'], ['0f 00 c0', 'sldt   eax'], ['0f 01 e0', 'smsw   eax'], ['0f 00 00', 'sldt   WORD PTR [eax]'],
    ['62 03', 'bound  eax,QWORD PTR [ebx]'], ['63 c0', 'arpl   ax,ax'],
    ['3e ff e0', 'notrack jmp eax'], ['66 f4', 'data16 hlt'],
    // x87 (from the opcode table) and the hint NOPs
    ['d9 e8', 'fld1'], ['dd 45 f8', 'fld    QWORD PTR [ebp-0x8]'], ['db 2c 24', 'fld    TBYTE PTR [esp]'], ['de c9', 'fmulp  st(1),st'],
    ['dc e9', 'fsub   st(1),st'], ['d8 e1', 'fsub   st,st(1)'], ['df e9', 'fucomip st,st(1)'], ['df e0', 'fnstsw ax'],
    ['d9 7d fe', 'fnstcw WORD PTR [ebp-0x2]'], ['66 d9 30', 'fnstenvw [eax]'], ['da c1', 'fcmovb st,st(1)'], ['dd d8', 'fstp   st(0)'],
    ['df 7c 24 08', 'fistp  QWORD PTR [esp+0x8]'], ['df e8', 'fucomip st,st(0)'], ['db 0c 24', 'fisttp DWORD PTR [esp]'],
    ['f3 0f 1e fb', 'endbr32'], ['0f 18 00', 'prefetchnta BYTE PTR [eax]'], ['0f 19 c3', 'nop    ebx'],
  ];
  for (const [bytes, want] of cases) {
    it(`${bytes} → ${want}`, () => {
      const insn = decodeAt(new Uint8Array(hexBytes(bytes)), 0, 0);
      expect(insn.len).toBe(hexBytes(bytes).length);
      expect(formatInsn(insn)).toBe(want);
    });
  }

  it('fwait + a no-wait x87 control instruction is one line, as objdump shows it', () => {
    expect(text([0x9b, 0xdf, 0xe0, 0x9b, 0xdb, 0xe3, 0x9b, 0xd9, 0x38, 0x9b, 0x90], 0)).toEqual(['fstsw  ax', 'finit', 'fstcw  WORD PTR [eax]', 'fwait', 'nop']);
  });

  it('branch targets: 0x… without symbols, addr <sym+off> with them', () => {
    expect(text([0xeb, 0xfe], 0x3c)).toEqual(['jmp    0x3c']);
    expect(text([0xe8, 0, 0, 0, 0], 0x3e)).toEqual(['call   0x43']);
    expect(text([0x66, 0xe9, 0, 0], 0xb)).toEqual(['jmpw   0xf']);
    expect(text([0x67, 0xe3, 0xfe], 0xc1)).toEqual(['jcxz   0xc2']);
    expect(text([0x67, 0xe2, 0xfe], 0x13)).toEqual(['addr16 loop 0x14']);
    expect(text([0xea, 0x00, 0x90, 0x04, 0x08, 0x10, 0x00], 0)).toEqual(['jmp    0x10:0x8049000']);
    const syms = [{ name: '_start', value: 0x08049000, bind: 1 }, { name: 'loop', value: 0x08049010, bind: 0 }];
    expect(text([0xeb, 0x0e], 0x08049000, syms)).toEqual(['jmp    8049010 <loop>']);
    expect(text([0xeb, 0x12], 0x08049000, syms)).toEqual(['jmp    8049014 <loop+0x4>']);
    expect(text([0xe8, 0xfb, 0xff, 0xff, 0xff], 0x08049005, syms)).toEqual(['call   8049005 <_start+0x5>']);
    expect(text([0xeb, 0xfe], 0x1000, syms)).toEqual(['jmp    0x1000']); // below every symbol
  });

  it('a global beats a local at the same address', () => {
    const t = new SymbolTable([{ name: 'a.loop', value: 16, bind: 0 }, { name: 'a', value: 16, bind: 1 }, { name: 'sec', value: 16, type: 3 }]);
    expect(t.at(16)!.name).toBe('a');
    expect(t.lookup(20)).toEqual({ symbol: expect.objectContaining({ name: 'a' }), offset: 4 });
    expect(t.at(17)).toBeNull();
  });

  it('(bad) consumes prefixes and opcode bytes; a cut-off instruction becomes .byte lines', () => {
    // objdump: 0f 04 (bad) | fe (bad) | f8 clc | 66 0f 04 data16 (bad) | f8 clc | 66 fe data16 (bad)
    //          | f8 clc | f3 f0 0f 0a repz lock (bad) | c3 ret | 8b .byte 0x8b
    const lines = disassemble(new Uint8Array(hexBytes('0f 04 fe f8 66 0f 04 f8 66 fe f8 f3 f0 0f 0a c3 8b')), 0);
    expect(lines.map((l) => [l.address, l.length, l.text])).toEqual([
      [0, 2, '(bad)'], [2, 1, '(bad)'], [3, 1, 'clc'], [4, 3, 'data16 (bad)'], [7, 1, 'clc'],
      [8, 2, 'data16 (bad)'], [10, 1, 'clc'], [11, 4, 'repz lock (bad)'], [15, 1, 'ret'], [16, 1, '.byte 0x8b'],
    ]);
  });

  it('never throws on random bytes and accounts for every byte', () => {
    let seed = 99;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 255;
    for (let n = 0; n < 300; n++) {
      const bytes = new Uint8Array(1 + (n % 97) * 7);
      for (let k = 0; k < bytes.length; k++) bytes[k] = n % 3 === 0 ? [0x66, 0x67, 0xf3, 0x0f, 0x8b, 0xd9][rnd() % 6] : rnd();
      const lines = disassemble(bytes, 0x08049000 + n, [{ name: 'f', value: 0x08049000 }]);
      expect(lines.reduce((a, l) => a + l.length, 0)).toBe(bytes.length);
      for (const l of lines) {
        expect(l.text.length).toBeGreaterThan(0);
        expect(l.length).toBeGreaterThan(0);
      }
      expect(listing(lines).length).toBeGreaterThanOrEqual(lines.length);
    }
  });

  it('lays out lines like objdump: address width, 7 bytes per line, continuation', () => {
    expect(addressSkip(0x127)).toBe(4);
    expect(addressSkip(0x08049009)).toBe(0);
    expect(formatAddress(0, 4)).toBe('   0');
    expect(formatAddress(0x08049000, 0)).toBe(' 8049000');
    const lines = listing(disassemble(new Uint8Array(hexBytes('c3 c7 05 00 a0 04 08 01 00 00 00')), 0), 0x127);
    expect(lines).toEqual([
      '   0:\tc3                   \tret',
      '   1:\tc7 05 00 a0 04 08 01 \tmov    DWORD PTR ds:0x804a000,0x1',
      '   8:\t00 00 00 ',
    ]);
  });
});

// ---- 2. the generated corpus ------------------------------------------------------------

interface Case {
  bytes: number[];
  /** The table entry, or null for the raw x87 escape sweep (every ModRM of D8-DF). */
  def: OpDef | null;
}

/**
 * Encodings where objdump 2.40 and the table legitimately disagree, with the reason:
 *   d6 salc      — undocumented SALC; objdump prints (bad), the CPU (like real ones) runs it.
 *   66 0f 09     — objdump reads 0F 09 with a 66 prefix as an SSE-style mandatory-prefix
 *                  slot and prints (bad); i386-family CPUs ignore the 66 and run wbinvd.
 */
//   0f 1a, 0f 1b — hint NOPs on this CPU (no MPX); objdump names them bndldx/bndstx/bndmov.
const OBJDUMP_DIFFERS = new Set(['d6', '0f 1a', '0f 1b']);
const OBJDUMP_DIFFERS_A16 = new Set<string>();
// 66 0f 1c /0 — objdump: cldemote only without 0x66 (a hint NOP either way here).
const OBJDUMP_DIFFERS_66 = new Set(['0f 09', '0f 1c']);

/** Encodings of every table entry (deterministic). */
function generateCorpus(): Case[] {
  const out: Case[] = [];
  let rot = 0;
  const pick = <T>(xs: T[]): T => xs[rot++ % xs.length];
  for (const def of ALL_OPS) {
    const key = def.code.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    if (OBJDUMP_DIFFERS.has(key)) continue;
    const ops = def.operands ? def.operands.split(',').map((s) => s.trim()) : [];
    // ModRM when there is a /digit or an operand form that lives in ModRM. Fixed operands
    // (ES, DS, DX …) are upper case throughout, forms have a lower-case size letter or are M.
    const modrm = def.ext !== undefined || ops.some((o) => /^(M|[EGMRSCD][a-z]+)$/.test(o));
    const zForm = ops.some((o) => /^Z[a-z]/.test(o));
    const regOnly = ops.some((o) => /^[RCD][a-z]/.test(o)) || def.modrm === 'reg' || def.rm !== undefined;
    const memOnly = ops.some((o) => /^M/.test(o)) || def.modrm === 'mem';
    const stringOp = ops.some((o) => /^[XY][a-z]/.test(o));
    const regVals = def.ext !== undefined ? [def.ext]
      : ops.some((o) => o[0] === 'S' && o !== 'SS') ? [0, 3, 4]
      : ops.some((o) => o[0] === 'C' && o !== 'CS' && o !== 'CL') ? [0, 2, 3, 4]
      : ops.some((o) => o[0] === 'D' && o !== 'DX' && o !== 'DS') ? [0, 3, 7]
      : [0, 2, 5, 7];
    const opcodes = zForm ? [0, 1, 2, 3, 4, 5, 6, 7].map((r) => [...def.code.slice(0, -1), def.code[def.code.length - 1] + r]) : [def.code];

    const imms = (os: number, as: number): number[] => {
      const b: number[] = [];
      const le = (v: number, n: number) => { for (let k = 0; k < n; k++) b.push((v >>> (8 * k)) & 255); };
      for (const o of ops) {
        if (o === 'Ib') le(pick([0x7f, 0x80, 0x01, 0xff]), 1);
        else if (o === 'Ibs') le(pick([0xfe, 0x05, 0x80]), 1);
        else if (o === 'Iw') le(pick([0x1234, 0x8001]), 2);
        else if (o === 'Id') le(0x87654321, 4);
        else if (o === 'Iv') le(pick([0x87654321, 0x10]), os);
        else if (o === 'Jb') le(pick([0x10, 0xf0]), 1);
        else if (o === 'Jv') le(pick([0x100, 0xfffffff0]), os);
        else if (o[0] === 'O') le(as === 4 ? 0x0804a000 : 0x1234, as);
        else if (o === 'Ap') { le(os === 4 ? 0x08049000 : 0x9000, os); le(0x10, 2); }
      }
      return b;
    };

    const prefixSets: number[][] = OBJDUMP_DIFFERS_66.has(key) ? [[]] : [[], [0x66]];
    for (const op of opcodes) {
      for (const pre of prefixSets) {
        const os = pre.includes(0x66) ? 2 : 4;
        if (!modrm) {
          out.push({ def, bytes: [...pre, ...op, ...imms(os, 4)] });
          if (stringOp) {
            for (const p of [[0xf3], [0xf2], [0x67], [0x2e], [0x64, 0x67]]) out.push({ def, bytes: [...p, ...pre, ...op, ...imms(os, 4)] });
          }
          if (ops.some((o) => o[0] === 'O')) out.push({ def, bytes: [0x67, ...pre, ...op, ...imms(os, 2)] }, { def, bytes: [0x65, ...pre, ...op, ...imms(os, 4)] });
          continue;
        }
        if (!memOnly) {
          for (const reg of regVals) for (const rm of def.rm !== undefined ? [def.rm] : [0, 3, 6]) out.push({ def, bytes: [...pre, ...op, 0xc0 | (reg << 3) | rm, ...imms(os, 4)] });
        }
        if (regOnly) continue;
        const mem32: number[][] = [
          [0x00], [0x05, 0x00, 0xa0, 0x04, 0x08], [0x45, 0xfc], [0x83, 0x78, 0x56, 0x34, 0x12], [0x41, 0x00],
          [0x04, 0xb3], [0x04, 0xf5, 0x00, 0x10, 0x00, 0x00], [0x04, 0x24], [0x44, 0x24, 0x08], [0x04, 0x20],
          [0x04, 0x25, 0x00, 0x20, 0x00, 0x00], [0x84, 0x7a, 0x00, 0x00, 0x00, 0x80], [0x44, 0x8e, 0x80],
        ];
        for (const m of mem32) {
          const reg = pick(regVals);
          out.push({ def, bytes: [...pre, ...op, m[0] | (reg << 3), ...m.slice(1), ...imms(os, 4)] });
        }
        const mem16: number[][] = [[0x00], [0x46, 0x04], [0x06, 0x34, 0x12], [0x81, 0x34, 0x92]];
        for (const m of OBJDUMP_DIFFERS_A16.has(key) ? [] : mem16) {
          const reg = pick(regVals);
          out.push({ def, bytes: [0x67, ...pre, ...op, m[0] | (reg << 3), ...m.slice(1), ...imms(os, 2)] });
        }
        for (const seg of [0x64, 0x26, 0x36]) {
          const reg = pick(regVals);
          out.push({ def, bytes: [seg, ...pre, ...op, 0x43 | (reg << 3), 0x10, ...imms(os, 4)] });
        }
        if (pre.length === 0) out.push({ def, bytes: [0xf0, ...op, 0x03 | (pick(regVals) << 3), ...imms(os, 4)] });
      }
    }
  }
  // x87 escapes: every register form, every memory form with and without 66.
  for (let op = 0xd8; op <= 0xdf; op++) {
    for (let m = 0xc0; m <= 0xff; m++) out.push({ def: null, bytes: [op, m] });
    for (let reg = 0; reg < 8; reg++) {
      out.push({ def: null, bytes: [op, 0x43 | (reg << 3), 0x10] }, { def: null, bytes: [0x66, op, 0x04 | (reg << 3), 0x24] });
      out.push({ def: null, bytes: [0x64, op, 0x05 | (reg << 3), 0x00, 0xa0, 0x04, 0x08] });
    }
  }
  return out;
}

interface ObjLine {
  addr: number;
  len: number;
  text: string;
}

/** Parse `objdump -d/-D -M intel` output: instruction lines with their byte counts. */
function parseObjdump(out: string): ObjLine[] {
  const lines: ObjLine[] = [];
  for (const l of out.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*(?:\t(.*))?$/.exec(l);
    if (!m) continue;
    const n = m[2].trim().split(' ').length;
    if (m[3] === undefined) {
      if (lines.length) lines[lines.length - 1].len += n; // continuation line
    } else lines.push({ addr: parseInt(m[1], 16), len: n, text: m[3].trimEnd() });
  }
  return lines;
}

const PREFIX_WORDS = new Set(['rep', 'repz', 'repnz', 'repe', 'repne', 'lock', 'data16', 'addr16', 'cs', 'ds', 'es', 'fs', 'gs', 'ss', 'notrack', 'bnd']);
/** The mnemonic proper: the first word that is not a prefix, without branch hints. */
function baseMnemonic(t: string): string {
  for (const w of t.split(/\s+/)) if (!PREFIX_WORDS.has(w)) return w.replace(/,p[nt]$/, '');
  return '';
}
const norm = (t: string) => t.replace(/\s+/g, ' ').trim();

describe('disassembler vs objdump -d -M intel', () => {
  if (!HAVE_OBJDUMP) console.warn('SKIP disasm.test.ts objdump comparisons: objdump (binutils) not installed');

  it.skipIf(!HAVE_OBJDUMP)('generated corpus: every table entry, lengths and mnemonics equal', () => {
    const corpus = generateCorpus();
    const SLOT = 32;
    const BASE = 0x08049000;
    const buf = new Uint8Array(corpus.length * SLOT).fill(0x90);
    corpus.forEach((c, k) => buf.set(c.bytes, k * SLOT));
    const dir = mkdtempSync(join(tmpdir(), 'forkbox-disasm-'));
    writeFileSync(join(dir, 'corpus.bin'), buf);
    const out = execFileSync('objdump', ['-D', '-b', 'binary', '-m', 'i386', '-M', 'intel', `--adjust-vma=${BASE}`, join(dir, 'corpus.bin')], {
      encoding: 'utf8', maxBuffer: 1 << 30,
    });
    const theirs = new Map(parseObjdump(out).map((l) => [l.addr, l]));

    const lenBad: string[] = [];
    const mnemBad: string[] = [];
    const textBad: string[] = [];
    const defsSeen = new Set<OpDef>();
    const x87 = corpus.filter((c) => !c.def).length;
    corpus.forEach((c, k) => {
      const addr = BASE + k * SLOT;
      const ours = disassemble(buf.subarray(k * SLOT, (k + 1) * SLOT), addr)[0];
      const obj = theirs.get(addr);
      const hexs = c.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
      if (c.def) defsSeen.add(c.def);
      if (!obj) {
        lenBad.push(`${hexs}: objdump has no line at ${addr.toString(16)}`);
        return;
      }
      const where = `${hexs} [${c.def ? `${c.def.mnemonic} ${c.def.operands}` : 'x87'}]`;
      if (ours.length !== obj.len) lenBad.push(`${where}: length ${ours.length}, objdump ${obj.len} (${obj.text} | ours ${ours.text})`);
      else if (baseMnemonic(ours.text) !== baseMnemonic(obj.text)) mnemBad.push(`${where}: ${ours.text} | objdump ${obj.text}`);
      else if (norm(ours.text) !== norm(obj.text)) textBad.push(`${where}: ${ours.text} | objdump ${obj.text}`);
    });
    const n = corpus.length;
    const pct = (bad: number) => ((100 * (n - bad)) / n).toFixed(2) + '%';
    console.log(
      `disasm corpus: ${n} encodings (${n - x87} of ${defsSeen.size}/${ALL_OPS.length} table entries, ${x87} x87); ` +
        `lengths ${pct(lenBad.length)}, mnemonics ${pct(lenBad.length + mnemBad.length)}, ` +
        `full text ${pct(lenBad.length + mnemBad.length + textBad.length)} equal to objdump`,
    );
    const shown = process.env.DISASM_VERBOSE ? textBad : textBad.slice(0, 40);
    if (textBad.length) console.log(`operand-text differences (${textBad.length}, ${shown.length} shown; DISASM_VERBOSE=1 for all):\n  ` + shown.join('\n  '));
    const keyOf = (d: OpDef) => d.code.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    expect(defsSeen.size).toBe(ALL_OPS.filter((d) => !OBJDUMP_DIFFERS.has(keyOf(d))).length); // every entry exercised
    const cap = process.env.DISASM_VERBOSE ? Infinity : 40;
    expect(lenBad.slice(0, cap)).toEqual([]);
    expect(mnemBad.slice(0, cap)).toEqual([]);
  });

  it.skipIf(!HAVE_OBJDUMP)('undefined encodings: (bad) with objdump\'s length wherever objdump also says (bad)', () => {
    // Every hole of the dispatch table (unassigned opcodes and group /digits) with a ModRM
    // memory and register form. Later-ISA opcodes objdump knows (SSE, syscall …) raise
    // #UD on this CPU and are only counted; 0F 0F (3DNow!) objdump abandons after 1 byte.
    const cases: number[][] = [];
    for (let idx = 0; idx < 512; idx++) {
      // x87, the 0F escape, prefixes, 3DNow!
      if ((idx >= 0xd8 && idx <= 0xdf) || [0x0f, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x10f].includes(idx)) continue;
      const slot = DISPATCH[idx];
      const op = idx < 256 ? [idx] : [0x0f, idx - 256];
      if (!slot) cases.push([...op, 0x00, 0x00, 0x00, 0x00]);
      else if (slot.group) {
        for (let r = 0; r < 8; r++) {
          if (!slot.group[r]?.mem) cases.push([...op, (r << 3) | 0x03]);
          if (!slot.group[r]?.reg) cases.push([...op, 0xc0 | (r << 3) | 0x03]);
        }
      }
    }
    const SLOT = 32;
    const buf = new Uint8Array(cases.length * SLOT).fill(0x90);
    cases.forEach((c, k) => buf.set(c, k * SLOT));
    const dir = mkdtempSync(join(tmpdir(), 'forkbox-disasm-bad-'));
    writeFileSync(join(dir, 'bad.bin'), buf);
    const out = execFileSync('objdump', ['-D', '-b', 'binary', '-m', 'i386', '-M', 'intel', join(dir, 'bad.bin')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const theirs = new Map(parseObjdump(out).map((l) => [l.addr, l]));
    const bad: string[] = [];
    let laterIsa = 0;
    cases.forEach((c, k) => {
      const ours = disassemble(buf.subarray(k * SLOT, (k + 1) * SLOT), k * SLOT)[0];
      const obj = theirs.get(k * SLOT)!;
      const hexs = c.map((b) => b.toString(16).padStart(2, '0')).join(' ');
      if (obj.text !== '(bad)') {
        laterIsa++;
        expect(ours.text, hexs).toBe('(bad)');
      } else if (ours.text !== '(bad)' || ours.length !== obj.len) bad.push(`${hexs}: ours ${ours.length} ${ours.text}, objdump ${obj.len}`);
    });
    console.log(`disasm undefined encodings: ${cases.length}, ${cases.length - laterIsa} (bad) in both, ${laterIsa} decoded by objdump as later-ISA instructions`);
    expect(bad).toEqual([]);
  });

  const progDir = fileURLToPath(new URL('../guest-programs', import.meta.url));
  const programs = existsSync(progDir) ? readdirSync(progDir).filter((f) => f.endsWith('.asm')) : [];
  const haveNasm = have('nasm', ['-v']) && have('ld');
  if (HAVE_OBJDUMP && !haveNasm) console.warn('SKIP disasm.test.ts guest-programs comparison: nasm or ld not installed');
  if (programs.length === 0) console.warn('SKIP disasm.test.ts guest-programs comparison: no guest-programs/*.asm yet');

  it.skipIf(!HAVE_OBJDUMP || !haveNasm || programs.length === 0)('guest-programs/*.asm: every .text line equals objdump -d', () => {
    const dir = mkdtempSync(join(tmpdir(), 'forkbox-disasm-prog-'));
    let total = 0;
    const lenBad: string[] = [];
    const mnemBad: string[] = [];
    const textBad: string[] = [];
    for (const p of programs) {
      const obj = join(dir, p + '.o');
      const exe = join(dir, p.replace(/\.asm$/, ''));
      try {
        execFileSync('nasm', ['-f', 'elf32', '-I', progDir + '/', '-I', join(progDir, 'lib') + '/', join(progDir, p), '-o', obj], { stdio: 'pipe' });
        execFileSync('ld', ['-m', 'elf_i386', obj, '-o', exe], { stdio: 'pipe' });
      } catch (e) {
        console.warn(`guest-programs/${p}: nasm/ld failed, not compared: ${String((e as { stderr?: Buffer }).stderr ?? e).split('\n')[0]}`);
        continue;
      }
      const parsed = parseElf(readFileSync(exe));
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      const elf = parsed.elf;
      const bytes = readFileSync(exe);
      const theirs = parseObjdump(execFileSync('objdump', ['-d', '-M', 'intel', '-j', '.text', exe], { encoding: 'utf8' }));
      const text = elf.sections.find((s) => s.name === '.text')!;
      const ours = disassemble(new Uint8Array(bytes.subarray(text.offset, text.offset + text.size)), text.addr, elf.symbols);
      const byAddr = new Map(ours.map((l) => [l.address, l]));
      for (const t of theirs) {
        total++;
        const o = byAddr.get(t.addr);
        const where = `${p} ${t.addr.toString(16)}`;
        if (!o || o.length !== t.len) lenBad.push(`${where}: ${o ? o.text : 'no line'} | objdump ${t.text}`);
        else if (baseMnemonic(o.text) !== baseMnemonic(t.text)) mnemBad.push(`${where}: ${o.text} | objdump ${t.text}`);
        else if (norm(o.text) !== norm(t.text)) textBad.push(`${where}: ${o.text} | objdump ${t.text}`);
      }
    }
    console.log(`disasm guest-programs: ${total} instructions; ${lenBad.length} length, ${mnemBad.length} mnemonic, ${textBad.length} text differences`);
    if (textBad.length) console.log('operand-text differences:\n  ' + textBad.slice(0, 40).join('\n  '));
    expect(lenBad).toEqual([]);
    expect(mnemBad).toEqual([]);
  });
});

// ---- 4. forkbox disasm ------------------------------------------------------------------

function captureIO() {
  const io = { out: '', err: '', stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  return io;
}

describe('forkbox disasm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forkbox-disasm-cli-'));
  const prog = join(dir, 'prog');
  writeFileSync(prog, buildElf({
    entry: 0x08049000,
    segments: [
      { vaddr: 0x08049000, data: [0xb8, 1, 0, 0, 0, 0xeb, 0x02, 0x90, 0x90, 0xcd, 0x80, 0xeb, 0xf3], flags: 5 },
      { vaddr: 0x0804a000, data: [1, 2, 3, 4], flags: 6 },
    ],
    symbols: [{ name: '_start', value: 0x08049000 }, { name: 'done', value: 0x08049009, bind: 0, type: 0 }, { name: 'v', value: 0x0804a000 }],
  }));

  it('prints objdump-like sections, symbol headers and lines', async () => {
    const io = captureIO();
    expect(await disasmCommand([prog], io)).toBe(0);
    expect(io.err).toBe('');
    expect(io.out.split('\n')).toEqual([
      '',
      `${prog}:     file format elf32-i386`,
      '',
      '',
      'Disassembly of section .text:',
      '',
      '08049000 <_start>:',
      ' 8049000:\tb8 01 00 00 00       \tmov    eax,0x1',
      ' 8049005:\teb 02                \tjmp    8049009 <done>',
      ' 8049007:\t90                   \tnop',
      ' 8049008:\t90                   \tnop',
      '',
      '08049009 <done>:',
      ' 8049009:\tcd 80                \tint    0x80',
      ' 804900b:\teb f3                \tjmp    8049000 <_start>',
      '',
    ]);
  });

  it.skipIf(!HAVE_OBJDUMP)('matches objdump -d -M intel on the same file', () => {
    const io = captureIO();
    return disasmCommand([prog], io).then(() => {
      const theirs = execFileSync('objdump', ['-d', '-M', 'intel', prog], { encoding: 'utf8' });
      expect(io.out.split('\n').map((l) => l.trimEnd())).toEqual(theirs.split('\n').map((l) => l.trimEnd()));
    });
  });

  it('disassembles executable segments when there are no section headers', async () => {
    const bare = join(dir, 'bare');
    writeFileSync(bare, buildElf({ entry: 0x08049000, sections: false, segments: [{ vaddr: 0x08049000, data: [0x31, 0xc0, 0xc3], flags: 5 }] }));
    const io = captureIO();
    expect(await disasmCommand([bare], io)).toBe(0);
    expect(io.out).toContain('Disassembly of segment 0 (08049000, R-X):');
    expect(io.out).toContain(' 8049000:\t31 c0                \txor    eax,eax');
    expect(io.out).toContain(' 8049002:\tc3                   \tret');
  });

  it('errors: one line, exit 2', async () => {
    const elf64 = join(dir, 'elf64');
    const b = readFileSync(prog);
    b[4] = 2; // EI_CLASS = ELFCLASS64
    writeFileSync(elf64, b);
    for (const [argv, re] of [
      [[], /^forkbox disasm: usage: forkbox disasm PROGRAM\n$/],
      [[join(dir, 'missing')], /^forkbox disasm: .*missing: no such file\n$/],
      [[elf64], /^forkbox disasm: .*: e_ident\[EI_CLASS\] is 2 \(ELFCLASS64, a 64-bit program\), expected 1 \(ELFCLASS32\)\n$/],
    ] as Array<[string[], RegExp]>) {
      const io = captureIO();
      expect(await disasmCommand(argv, io)).toBe(2);
      expect(io.out).toBe('');
      expect(io.err).toMatch(re);
    }
  });
});
