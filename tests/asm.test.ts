// The assembler (src/asm): diagnostics, the preprocessor, expressions, labels, data
// directives, encoding choices, jump sizing, the ELF file and the CLI. Expected bytes are
// what NASM 2.16 (-Ox, the default) produces for the same source.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble } from '../src/asm/assembler.js';
import { asmCommand } from '../src/asm/cli-asm.js';
import { parseElf } from '../src/guest/elf.js';
import { asm, code, errorsOf, h, section, TEXT_BASE } from './helpers/asm-util.js';
import { elfProgramHeaders, elfSections } from './helpers/asm-nasm.js';

const prog = (body: string, data = '') => `section .text\nglobal _start\n_start:\n${body}\n${data}`;

describe('diagnostics', () => {
  it('prints file:line:col, the source line and a caret', () => {
    const out = errorsOf(prog('    mov eax, [ebx+'));
    expect(out).toBe('/src/test.asm:4:19: error: expected an expression\n    mov eax, [ebx+\n                  ^\n');
  });

  it('reports an undefined label at its use', () => {
    expect(errorsOf(prog('  jmp nowhere'))).toMatch(/^\/src\/test\.asm:4:7: error: symbol 'nowhere' is not defined\n {2}jmp nowhere\n {6}\^\n$/);
  });

  it('reports a bad operand combination', () => {
    expect(errorsOf(prog('  add eax, bl'))).toContain("4:3: error: invalid combination of opcode and operands for 'add'");
    expect(errorsOf(prog('  lea eax, 5'))).toContain("error: invalid combination of opcode and operands for 'lea'");
    expect(errorsOf(prog('  mov [eax], 5'))).toContain('4:7: error: operation size not specified');
    expect(errorsOf(prog('  mov eax, [esp*2]'))).toContain('esp cannot be used as an index register');
  });

  it('reports values out of range', () => {
    expect(errorsOf(prog('  mov al, 0x1234'))).toContain('4:11: error: value 4660 is out of range for a byte');
    expect(errorsOf(prog('', 'db 300'))).toContain('error: value 300 does not fit in a byte');
    expect(errorsOf(prog('  jmp short .far\n  times 200 nop\n.far:'))).toContain('4:7: error: short jump is out of range');
    expect(errorsOf(prog('  loop .far\n  times 200 nop\n.far:'))).toContain('short jump is out of range');
  });

  it('reports a missing %include file at the file name', () => {
    expect(errorsOf('%include "nope.inc"\n' + prog('nop'))).toContain("/src/test.asm:1:10: error: unable to open include file 'nope.inc'");
  });

  it('reports a syntax error and an unknown instruction', () => {
    expect(errorsOf(prog('  mov eax, 1 +'))).toContain('error: expected an expression');
    expect(errorsOf(prog('  frobnicate eax'))).toContain("error: unknown instruction or directive 'frobnicate'");
    expect(errorsOf(prog('  mov eax, [eax'))).toContain("error: missing ']'");
    expect(errorsOf(prog("  db 'abc"))).toContain('error: unterminated string');
  });

  it('collects all errors of a file in one run, in source order', () => {
    const r = asm(prog(['  mov eax, [ebx+', '  jmp nowhere', '  add eax, bl', 'x: nop', 'x: nop', '  mov al, 300'].join('\n')));
    expect(r.ok).toBe(false);
    expect(r.elf).toBeUndefined();
    expect(r.errors.map((e) => e.loc.line)).toEqual([4, 5, 6, 8, 9]);
    expect(r.errors[3].message).toBe("label 'x' is already defined (at /src/test.asm:7)");
  });

  it('reports errors inside an included file and a macro at their places', () => {
    const r = asm('%include "lib.inc"\n' + prog('  bad_macro'), {
      'lib.inc': '%macro bad_macro 0\n  mov eax, ebx, ecx\n%endmacro\n  db 1,\n',
    });
    const text = r.errors.map((e) => `${e.loc.file}:${e.loc.line}: ${e.message}`);
    expect(text).toContain("/src/lib.inc:4: expected a value after ','");
    expect(text.some((t) => t.startsWith('/src/test.asm:5:') && t.includes("in macro 'bad_macro'"))).toBe(true);
  });

  it('requires _start', () => {
    expect(errorsOf('section .text\nfoo: nop\n')).toContain("error: no '_start' label");
  });

  it('never throws, whatever the input', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const words = ['mov', 'eax', ',', '[', ']', '+', '*', '4', 'byte', 'db', '"x"', '%macro', '%endmacro', '%if', '%endif', '%rep', 'times',
      '$', '$$', ':', 'jmp', 'short', 'fs', 'equ', '.l', 'a', '(', ')', '%1', '%%x', 'section', '.data', 'align', '-', '~', '<<', '//', 'lock', '`\\'];
    for (let k = 0; k < 300; k++) {
      const lines: string[] = ['section .text', '_start:'];
      for (let l = 0; l < 8; l++) lines.push(Array.from({ length: 1 + rnd(7) }, () => words[rnd(words.length)]).join(' '));
      const r = assemble(lines.join('\n'), 'fuzz.asm');
      for (const e of r.errors) {
        expect(e.message).not.toMatch(/internal assembler error/);
        expect(e.loc.line).toBeGreaterThan(0);
      }
    }
  });
});

describe('preprocessor', () => {
  it('expands %define, with and without parameters, and %assign', () => {
    expect(code('%define N 5\n%define SQ(x) ((x)*(x))\n%assign M N+1\n  mov eax, SQ(N+1) + M')).toEqual(h('b8 2a 00 00 00'));
  });

  it('expands %macro with parameters, %0, defaults, greedy parameters and %%locals', () => {
    const src = [
      '%macro mx 3', '  mov %1, %2', '  cmp %1, %3', '  jge %%done', '  mov %1, %3', '%%done:', '%endmacro',
      '%macro cnt 1-3 7, 8', '  db %0, %3', '%endmacro',
      '%macro bytes 1+', '  db %1', '%endmacro',
      '  mx eax, 3, ebx', '  mx ecx, 1, edx', '  cnt 1', '  cnt 1, 2, 3', '  bytes 1, 2, 3',
    ].join('\n');
    expect(code(src)).toEqual(h('b8 03 00 00 00 39 d8 7d 02 89 d8 b9 01 00 00 00 39 d1 7d 02 89 d1 03 08 03 03 01 02 03'));
  });

  it('pastes a parameter into a name (%1_len) and nests macros', () => {
    const src = ['%macro out 1', '  mov edx, %1_len', '%endmacro', '%macro twice 1', '  out %1', '  out %1', '%endmacro', 'msg_len equ 9', '  twice msg'].join('\n');
    expect(code(src)).toEqual(h('ba 09 00 00 00 ba 09 00 00 00'));
  });

  it('evaluates %if / %elif / %else / %ifdef / %ifndef / %ifidn, nested', () => {
    const src = [
      '%define A', '%assign V 3',
      '%ifdef A', '  db 1', '%else', '  db 2', '%endif',
      '%ifndef A', '  db 3', '%endif',
      '%if V > 5', '  db 4', '%elif V == 3', '  %if 1', '  db 5', '  %endif', '%else', '  db 6', '%endif',
      '%ifidn V, 3', '  db 7', '%endif',
    ].join('\n');
    expect(code(src)).toEqual([1, 5, 7]);
  });

  it('repeats with %rep and stops at %exitrep', () => {
    expect(code('%assign i 0\n%rep 10\n%if i == 4\n%exitrep\n%endif\n  db i\n%assign i i+1\n%endrep')).toEqual([0, 1, 2, 3]);
  });

  it('includes files relative to the including file', () => {
    const r = asm('%include "lib/a.inc"\n' + prog('  mov eax, VAL'), { 'lib/a.inc': '%include "b.inc"\n', 'lib/b.inc': 'VAL equ 0x42\n' });
    expect(r.errors).toEqual([]);
    expect(section(r, '.text')).toEqual(h('b8 42 00 00 00'));
  });

  it('reports %error and an unterminated %if', () => {
    expect(errorsOf('%error "stop here"\n' + prog('nop'))).toContain('1:1: error: stop here');
    expect(errorsOf('%if 1\n' + prog('nop'))).toContain('unterminated %if');
  });
});

describe('expressions', () => {
  it('has NASM precedence and operators', () => {
    expect(code('  dd 1 + 2 * 3, (1 + 2) * 3, 1 << 4 | 1, 0xf0 & ~0x30, -7 // 2, -7 %% 3, 17 % 5, 6 ^ 3, 256 >> 4, -(2 + 3), 7 / 2')).toEqual(
      h('07 00 00 00 09 00 00 00 11 00 00 00 c0 00 00 00 fd ff ff ff ff ff ff ff 02 00 00 00 05 00 00 00 10 00 00 00 fb ff ff ff 03 00 00 00'),
    );
    // `/` is unsigned on 64-bit values: -8 / 2 is huge (NASM), `//` is signed.
    expect(errorsOf(prog('  dd -8 / 2'))).toContain('does not fit in a dword');
  });

  it('evaluates $, $$, label arithmetic and character constants', () => {
    const r = asm(prog('  nop\nhere: dd $, $$, here - _start, end - here\nend:', "section .data\nv: dd 'ab', v"));
    expect(r.errors).toEqual([]);
    const t = section(r, '.text');
    const u32 = (o: number) => (t[o] | (t[o + 1] << 8) | (t[o + 2] << 16) | (t[o + 3] << 24)) >>> 0;
    expect(u32(1)).toBe(TEXT_BASE + 1);
    expect(u32(5)).toBe(TEXT_BASE);
    expect(u32(9)).toBe(1);
    expect(u32(13)).toBe(16);
    const d = section(r, '.data');
    expect(d.slice(0, 4)).toEqual([0x61, 0x62, 0, 0]);
  });

  it('rejects operations NASM cannot relocate', () => {
    expect(errorsOf(prog('  mov eax, _start * 2'))).toContain("operator '*' may only be applied to scalar (absolute) values");
    expect(errorsOf(prog('  mov eax, 1 / 0'))).toContain('division by zero');
  });
});

describe('labels, data and layout directives', () => {
  it('attaches local labels to the previous non-local label', () => {
    const r = asm(prog('a:\n.l: nop\n  jmp .l\nb:\n.l: nop\n  jmp .l\n  jmp a.l'));
    expect(r.errors).toEqual([]);
    expect(section(r, '.text')).toEqual(h('90 eb fd 90 eb fd eb f8'));
    expect(r.symbols.map((s) => s.name)).toEqual(expect.arrayContaining(['a', 'a.l', 'b', 'b.l']));
  });

  it('emits db/dw/dd/dq with strings and escapes, times, equ and res*', () => {
    const r = asm(prog('nop', "section .data\nd: db 'ab', `\\n\\t\\x41\\0`, \"q\"\n dw 'abc', 0x1234\n dq -2\n times 3 db 7\nN equ $ - d\n dd N\nsection .bss\nb: resb 3\n resd 2"));
    expect(r.errors).toEqual([]);
    expect(section(r, '.data')).toEqual(h('61 62 0a 09 41 00 71 61 62 63 00 34 12 fe ff ff ff ff ff ff ff 07 07 07 18 00 00 00'));
    const bss = r.sections.find((s) => s.name === '.bss')!;
    expect(bss.size).toBe(12); // 11 reserved bytes; ld's script ends a non-empty .bss on a 4-byte boundary
  });

  it('emits floating-point constants in dd and dq', () => {
    expect(code('  dd 1.5, -2.0\n  dq 0.1')).toEqual(h('00 00 c0 3f 00 00 00 c0 9a 99 99 99 99 99 b9 3f'));
  });

  it('aligns with NOPs (0x90, as NASM) and raises the section alignment', () => {
    expect(code('  inc eax\n  align 8\n  db 1')).toEqual(h('40 90 90 90 90 90 90 90 01'));
    const r = asm(prog('nop', 'section .data\n db 1\n align 16\nx: db 2\n align 4, db 0\n db 3'));
    expect(section(r, '.data')).toEqual([1, ...Array(15).fill(0x90), 2, 0, 0, 0, 3]);
    expect(r.sections.find((s) => s.name === '.data')!.address % 16).toBe(0);
  });

  it('defines structures with struc/endstruc and instances with istruc/at/iend', () => {
    const src = [
      'struc pt', '  .x: resw 1', '  .y: resb 3', '  .z: resd 1', 'endstruc',
      prog('  mov eax, [p + pt.z]\n  mov ebx, pt_size', 'section .data\np: istruc pt\n  at pt.y, db 1, 2\n  at pt.z, dd -1\niend\nafter: db 9'),
    ].join('\n');
    const r = asm(src);
    expect(r.errors).toEqual([]);
    expect(section(r, '.data')).toEqual(h('00 00 01 02 00 ff ff ff ff 09'));
    expect(section(r, '.text').slice(5)).toEqual(h('bb 09 00 00 00'));
    expect(r.symbols.find((x) => x.name === 'pt.z')).toMatchObject({ value: 5, section: null });
  });

  it('raises the .bss alignment with alignb', () => {
    const r = asm(prog('nop', 'section .data\n db 1\nsection .bss\n resb 1\n alignb 32\nx: resb 4'));
    const bss = r.sections.find((x) => x.name === '.bss')!;
    expect(bss.align).toBe(32);
    expect(bss.address % 32).toBe(0);
    expect(r.symbols.find((x) => x.name === 'x')!.value - bss.address).toBe(32);
  });

  it('repeats instructions with times, updating $ each time', () => {
    expect(code('  times 3 dd $ - _start')).toEqual(h('00 00 00 00 04 00 00 00 08 00 00 00'));
  });
});

describe('encoding choices (NASM -Ox)', () => {
  const cases: Array<[string, string]> = [
    ['add eax, 1', '83 c0 01'],
    ['add eax, 1000', '05 e8 03 00 00'],
    ['add ax, 5', '66 83 c0 05'],
    ['add ebx, 1000', '81 c3 e8 03 00 00'],
    ['add eax, ebx', '01 d8'],
    ['mov ebx, 5', 'bb 05 00 00 00'],
    ['mov eax, [0x1234]', 'a1 34 12 00 00'],
    ['mov eax, [ebp]', '8b 45 00'],
    ['mov eax, [esp]', '8b 04 24'],
    ['mov eax, [eax+0]', '8b 00'],
    ['lea eax, [ebx*2]', '8d 04 1b'],
    ['lea eax, [ebx*4]', '8d 04 9d 00 00 00 00'],
    ['lea eax, [eax+esp]', '8d 04 04'],
    ['mov eax, [fs:eax]', '64 8b 00'],
    ['fs mov eax, [eax]', '64 8b 00'],
    ['mov ax, [fs:bx]', '64 66 67 8b 07'],
    ['lock add word [fs:eax], 1', 'f0 64 66 83 00 01'],
    ['rep movsb', 'f3 a4'],
    ['repne scasb', 'f2 ae'],
    ['push 5', '6a 05'],
    ['push 0x80', '68 80 00 00 00'],
    ['push word 5', '66 6a 05'],
    ['push strict dword 5', '68 05 00 00 00'],
    ['shl eax, 1', 'd1 e0'],
    ['sal eax, 1', 'd1 e0'],
    ['imul eax, 5', '6b c0 05'],
    ['xchg eax, ebx', '93'],
    ['xchg ecx, edx', '87 ca'],
    ['xchg eax, eax', '90'],
    ['test eax, 5', 'a9 05 00 00 00'],
    ['mov ds, ax', '8e d8'],
    ['mov ax, ds', '66 8c d8'],
    ['mov [eax], byte 5', 'c6 00 05'],
    ['add dword [eax], byte 5', '83 00 05'],
    ['int 3', 'cd 03'],
    ['int3', 'cc'],
    ['aam', 'd4 0a'],
    ['iret', 'cf'],
    ['iretw', '66 cf'],
    ['pushaw', '66 60'],
    ['cbw', '66 98'],
    ['cwde', '98'],
    ['movsw', '66 a5'],
    ['jmp far [eax]', 'ff 28'],
    ['jmp 0x10:0x1234', 'ea 34 12 00 00 10 00'],
    ['jecxz $', 'e3 fe'],
    ['jcxz $', '67 e3 fd'],
    ['movzx eax, byte [eax]', '0f b6 00'],
    ['mov cr0, eax', '0f 22 c0'],
    ['setz al', '0f 94 c0'],
    ['cmovnae eax, ebx', '0f 42 c3'],
  ];
  for (const [src, bytes] of cases) {
    it(src, () => {
      expect(code('  ' + src)).toEqual(h(bytes));
    });
  }

  it('uses the full immediate for labels (relocatable values)', () => {
    const r = asm(prog('  push lbl\n  add eax, lbl\n  cmp byte [eax], lbl - lbl\nlbl:'));
    expect(section(r, '.text')).toEqual(h('68 0d 90 04 08 05 0d 90 04 08 80 38 00'));
  });
});

describe('jump sizing', () => {
  it('picks short jumps when the target is in reach, near otherwise, both directions', () => {
    const t = code('top:\n  jmp fwd\n  jz top\n  times 125 nop\nfwd:\n  jmp top\n  jnz distant\n  times 130 nop\ndistant:\n  call top');
    expect(t.slice(0, 4)).toEqual(h('eb 7f 74 fc'));
    expect(t.slice(129, 129 + 5 + 6)).toEqual(h('e9 7a ff ff ff 0f 85 82 00 00 00'));
    expect(t.slice(t.length - 5)).toEqual(h('e8 ed fe ff ff'));
  });

  it('finds the all-short solution when every jump fits only if the others are short (as NASM)', () => {
    const body = ['  jmp l1', '  jmp l2', '  jmp l3', '  times 120 nop', 'l1:', '  times 3 nop', 'l2:', '  times 3 nop', 'l3:'];
    expect(code(body.join('\n')).slice(0, 6)).toEqual(h('eb 7c eb 7d eb 7e'));
  });

  it('sizes immediates and displacements of forward-referenced constants like NASM', () => {
    const t = code('  add eax, S\n  add eax, B\n  mov eax, [ebx+S]\n  mov eax, [ebx+B]\n  push S\nS equ 5\nB equ 1000');
    expect(t).toEqual(h('83 c0 05 05 e8 03 00 00 8b 43 05 8b 83 e8 03 00 00 6a 05'));
  });

  it('honours short and near keywords', () => {
    expect(code('x:\n  jmp near x\n  jmp short x')).toEqual(h('e9 fb ff ff ff eb f9'));
  });
});

describe('ELF output', () => {
  const src = prog('  mov eax, msg\n  mov ebx, [var]\n  mov ecx, buf\n  jmp _start', 'section .rodata\nmsg: db "hi", 10\nsection .data\nvar: dd 5\nsection .bss\nbuf: resb 100');

  it('is an i386 ET_EXEC laid out like ld -m elf_i386', () => {
    const r = asm(src);
    expect(r.ok).toBe(true);
    const elf = r.elf!;
    expect(Array.from(elf.subarray(0, 4))).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(elf[4]).toBe(1); // ELFCLASS32
    expect(elf[16] | (elf[17] << 8)).toBe(2); // ET_EXEC
    expect(elf[18] | (elf[19] << 8)).toBe(3); // EM_386
    const { entry, phdrs } = elfProgramHeaders(elf);
    expect(entry).toBe(0x08049000);
    expect(phdrs.map((p) => [p.type, p.vaddr.toString(16), p.flags, p.align])).toEqual([
      [1, '8048000', 4, 0x1000],
      [1, '8049000', 5, 0x1000],
      [1, '804a000', 4, 0x1000],
      [1, '804b004', 6, 0x1000],
    ]);
    for (const p of phdrs) expect((p.offset - p.vaddr) & 0xfff).toBe(0);
    const data = phdrs[3];
    expect(data.filesz).toBe(4);
    expect(data.memsz).toBe(4 + 100);
    const secs = elfSections(elf);
    expect(secs.map((s) => s.name)).toEqual(['.text', '.rodata', '.data', '.bss', '.debug_line', '.debug_info', '.debug_abbrev', '.symtab', '.strtab', '.shstrtab']);
    expect(Array.from(secs[0].data)).toEqual(h('b8 00 a0 04 08 8b 1d 04 b0 04 08 b9 08 b0 04 08 eb ee'));
  });

  it('is accepted by the guest ELF loader, whichever sections a program has', () => {
    const variants = [
      src,
      prog('nop'),
      prog('nop', 'section .bss\nb: resb 5000'),
      prog('nop', 'section .rodata\nr: db 1'),
      prog('times 10000 nop', 'section .data\nd: times 5000 db 1\nsection .bss\nb: resb 100000'),
    ];
    for (const v of variants) {
      const parsed = parseElf(asm(v).elf!);
      expect(parsed.ok ? 'ok' : parsed.error).toBe('ok');
    }
  });

  it('has a symbol table and a line table mapping addresses to source lines', () => {
    const r = asm(src);
    const sym = (n: string) => r.symbols.find((s) => s.name === n)!;
    expect(sym('_start')).toMatchObject({ value: 0x08049000, section: '.text', global: true, size: 18 });
    expect(sym('var')).toMatchObject({ value: 0x0804b004, section: '.data', global: false });
    expect(sym('buf')).toMatchObject({ value: 0x0804b008, section: '.bss' });
    const text = r.lines.filter((l) => l.section === '.text');
    expect(text.map((l) => [l.line, l.address - 0x08049000, l.size])).toEqual([[4, 0, 5], [5, 5, 6], [6, 11, 5], [7, 16, 2]]);
    // The .debug_line program encodes the same rows (DWARF 3, standard opcodes).
    const dl = elfSections(r.elf!).find((s) => s.name === '.debug_line')!;
    expect(dl.data[4] | (dl.data[5] << 8)).toBe(3);
  });

  it('maps lines of macro expansions to the invocation line', () => {
    const r = asm('%macro two 0\n  nop\n  nop\n%endmacro\n' + prog('  two\n  two'));
    expect(r.lines.filter((l) => l.section === '.text').map((l) => [l.line, l.size])).toEqual([[8, 2], [9, 2]]);
  });
});

describe('forkbox asm (CLI)', () => {
  const io = () => {
    let out = '';
    let err = '';
    return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }, out: () => out, err: () => err };
  };

  it('writes an executable (mode 0755) next to the source by default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbasm-'));
    const file = join(dir, 'p.asm');
    writeFileSync(file, prog('  mov eax, 1\n  int 0x80'));
    const c = io();
    expect(await asmCommand([file], c.io)).toBe(0);
    expect(c.err()).toBe('');
    const st = statSync(join(dir, 'p'));
    expect(st.mode & 0o777).toBe(0o755);
    expect(Array.from(readFileSync(join(dir, 'p')).subarray(0, 4))).toEqual([0x7f, 0x45, 0x4c, 0x46]);
  });

  it('honours -o and exits 2 with diagnostics on errors, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbasm-'));
    const file = join(dir, 'bad.asm');
    writeFileSync(file, prog('  mov eax, [ebx+\n  jmp nowhere'));
    const c = io();
    expect(await asmCommand([file, '-o', join(dir, 'out')], c.io)).toBe(2);
    expect(c.err()).toContain(`${file}:4:17: error: expected an expression\n  mov eax, [ebx+\n                ^\n`);
    expect(c.err()).toContain(`${file}:5:7: error: symbol 'nowhere' is not defined`);
    expect(c.err()).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('prints the symbol and line tables on request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbasm-'));
    const file = join(dir, 'p.asm');
    writeFileSync(file, prog('  nop\n.l: jmp .l', 'section .data\nv: dd 1'));
    const c = io();
    expect(await asmCommand([file, '-o', join(dir, 'x'), '--symbols', '--lines'], c.io)).toBe(0);
    expect(c.out()).toContain('08049000 g .text    _start\n08049001 l .text    _start.l\n0804a000 l .data    v\n');
    expect(c.out()).toContain(`08049000    1 ${file}:4\n08049001    2 ${file}:5\n`);
  });

  it('exits 2 for an unreadable input and for bad usage', async () => {
    const c = io();
    expect(await asmCommand(['/nonexistent/x.asm'], c.io)).toBe(2);
    expect(c.err()).toBe('forkbox asm: /nonexistent/x.asm: no such file\n');
    expect(await asmCommand([], io().io)).toBe(2);
    expect(await asmCommand(['a.asm', '--bogus'], io().io)).toBe(2);
  });
});

describe('section layout follows ld -m elf_i386', () => {
  // Expected addresses were established with GNU ld 2.40 on the same section sizes.
  it('DATA_SEGMENT_ALIGN starts the data segment on a page boundary when that saves a page', async () => {
    const { layoutSections } = await import('../src/asm/layout.js');
    const sec = (size: number, align: number) => ({ size, align, used: size > 0 });
    const saved = layoutSections([sec(0x544, 16), sec(0x17f, 4), sec(4, 4096), sec(0x138, 4)]);
    expect(saved.addr.map((a) => a.toString(16))).toEqual(['8049000', '804a000', '804b000', '804b004']);
    const kept = layoutSections([sec(5, 16), sec(1, 4), sec(4, 4096), sec(0, 4)]);
    expect(kept.addr[2].toString(16)).toBe('804c000');
  });
});

describe('.bss size as ld makes it', () => {
  it('a non-empty .bss ends on a 4-byte boundary (ld: . = ALIGN(. != 0 ? 32 / 8 : 1))', async () => {
    const { layoutSections } = await import('../src/asm/layout.js');
    const l = layoutSections([{ size: 5, align: 16, used: true }, { size: 0, align: 4, used: false }, { size: 0, align: 4, used: false }, { size: 9, align: 4, used: true }]);
    expect(l.size[3]).toBe(12);
    const empty = layoutSections([{ size: 5, align: 16, used: true }, { size: 0, align: 4, used: false }, { size: 0, align: 4, used: false }, { size: 0, align: 4, used: false }]);
    expect(empty.size[3]).toBe(0);
  });
});

describe('segment-register moves with 32-bit registers', () => {
  // Bytes established with nasm 2.16: `mov eax, cs` has no 0x66; `mov ax, cs` has it.
  it('encodes as nasm does', () => {
    const r = asm(prog('mov eax, cs\nmov ds, eax\nmov ax, cs\nmov ds, ax\nmov [ebx], cs\nmov ebx, ss'));
    expect(r.errors).toEqual([]);
    expect(section(r, '.text')).toEqual(h('8c c8 8e d8 66 8c c8 8e d8 8c 0b 8c d3'));
  });
});
