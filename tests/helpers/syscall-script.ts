// Syscall scripts: a test lists system calls with their arguments; scriptProgram() turns
// the list into a guest program (NASM source) that makes them one after the other in a
// single process and prints each result on its own line; runScript() runs it on the
// kernel and returns the results.
//
//   const r = runScript([
//     sc('open', '/tmp/a', O_CREAT | O_RDWR, 0o644),   // → an fd
//     sc('write', res(0), 'hello', 5),                 // res(0): step 0's result
//     sc('lseek', res(0), 0, 0),
//     sc('read', res(0), buf(0), 5),
//     show(buf(0), 5),                                 // prints the 5 bytes
//   ]);
//   r.results → [3, 5, 0, 5, 'hello']
//
// Arguments: a number; a string — a NUL-terminated C string in .rodata (its address);
// buf(n, off) — the address of scratch buffer n (32 of 4 KiB each) plus off; res(n) —
// the value step n returned. Steps other than syscalls: show(addr, len) prints len
// bytes at addr; u32(addr) prints the dword at addr. The script's own output must be the
// only output on stdout (write elsewhere, e.g. stderr, in between).

import { NR } from '../../src/guest/abi.js';
import { GUEST_LIB, GUEST_MACROS, runKernel, type KernelRun, type KernelRunOptions } from './kernel-machine.js';

export type Arg = number | string | { buf: number; off: number } | { res: number };
export type Step =
  | { kind: 'sys'; nr: number; args: Arg[] }
  | { kind: 'show'; addr: Arg; len: number }
  | { kind: 'u32'; addr: Arg };

export const buf = (n: number, off = 0): Arg => ({ buf: n, off });
export const res = (n: number): Arg => ({ res: n });
export function sc(name: keyof typeof NR | number, ...args: Arg[]): Step {
  return { kind: 'sys', nr: typeof name === 'number' ? name : NR[name], args };
}
export const show = (addr: Arg, len: number): Step => ({ kind: 'show', addr, len });
export const u32 = (addr: Arg): Step => ({ kind: 'u32', addr });

/** NASM source of the script. */
export function scriptProgram(steps: Step[], buffers = 32): string {
  const strings: string[] = [];
  const operand = (a: Arg): string => {
    if (typeof a === 'number') return String(a | 0);
    if (typeof a === 'string') {
      strings.push(a);
      return `__s${strings.length - 1}`;
    }
    if ('buf' in a) return `__bufs + ${a.buf * 4096 + a.off}`;
    return `[__res + ${a.res * 4}]`;
  };
  const regs = ['ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp'];
  const body: string[] = [];
  steps.forEach((s, i) => {
    body.push(`; step ${i}`);
    if (s.kind === 'sys') {
      s.args.forEach((a, n) => body.push(`        mov     ${regs[n]}, ${operand(a)}`));
      body.push(`        mov     eax, ${s.nr}`, '        int     0x80');
      body.push(`        mov     [__res + ${i * 4}], eax`, '        call    print_i32', '        call    print_nl');
    } else if (s.kind === 'show') {
      body.push(`        mov     ecx, ${operand(s.addr)}`, `        mov     edx, ${s.len}`, '        call    write_out', '        call    print_nl');
    } else {
      body.push(`        mov     eax, ${operand(s.addr)}`, '        mov     eax, [eax]', `        mov     [__res + ${i * 4}], eax`);
      body.push('        call    print_u32', '        call    print_nl');
    }
  });
  const rodata = strings.map((s, n) => `__s${n}: db ${[...Buffer.from(s, 'latin1'), 0].join(', ')}`);
  return [
    GUEST_MACROS,
    'section .text',
    'global _start',
    '_start:',
    ...body,
    '        mov     ebx, 0',
    '        mov     eax, 1',
    '        int     0x80',
    'section .rodata',
    ...rodata,
    'section .bss',
    `__res: resd ${Math.max(1, steps.length)}`,
    'alignb 4096',
    `__bufs: resb ${buffers * 4096}`,
    GUEST_LIB,
  ].join('\n');
}

export interface ScriptRun extends KernelRun {
  /** One entry per step: a syscall's result, u32's value, or show's text. */
  results: Array<number | string>;
}

/** Run a script on the kernel (as /test under init); the results by step. */
export function runScript(steps: Step[], opts: KernelRunOptions = {}): ScriptRun {
  const run = runKernel(scriptProgram(steps), { maxCycles: 200_000_000, ...opts });
  const out = run.stdout;
  const results: Array<number | string> = [];
  let at = 0;
  for (const s of steps) {
    if (s.kind === 'show') {
      results.push(out.slice(at, at + s.len));
      at += s.len + 1; // the bytes, then the script's newline
      continue;
    }
    const nl = out.indexOf('\n', at);
    results.push(Number(out.slice(at, nl < 0 ? undefined : nl)));
    at = nl < 0 ? out.length : nl + 1;
  }
  return { ...run, results };
}
