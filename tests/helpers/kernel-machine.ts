// A kernel test machine: assemble a NASM-syntax program with forkbox's assembler, boot
// the kernel with it as init's program, run it to its end (synchronously, run.ts
// runProgram), and return what it printed, its status and the kernel for inspection.
//
// GUEST_LIB is a small runtime to append to test programs (the `puts` / `print_*`
// helpers below); guest-programs/lib/ holds the full runtime.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../../src/asm/assembler.js';
import { formatDiagnostics } from '../../src/asm/diagnostics.js';
import { bootProgram, runProgram, type RunOptions, type RunOutcome } from '../../src/run.js';

export const GUEST_PROGRAMS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'guest-programs');

/** Assemble NASM source (includes resolved from guest-programs/); throws with the
 *  assembler's diagnostics on errors. */
export function assembleProgram(source: string, name = 'test.asm'): Uint8Array {
  const r = assemble(source, join(GUEST_PROGRAMS, name), (p) => readFileSync(p, 'utf8'));
  if (!r.ok || !r.elf) throw new Error(`assembly of ${name} failed:\n${formatDiagnostics(r.errors)}`);
  return r.elf;
}

export interface KernelRun {
  stdout: string;
  stderr: string;
  log: string[];
  outcome: RunOutcome;
  /** Shorthands of outcome. */
  status: number;
  exitCode: number;
}

export interface KernelRunOptions extends Partial<Omit<RunOptions, 'files' | 'argv'>> {
  /** argv after argv[0] (the program's path, /test). */
  args?: string[];
  /** More files for the in-memory filesystem. */
  files?: Map<string, Uint8Array>;
  /** Input for fd 0 (EOF after it). */
  input?: string;
  /** Called after boot, before running (e.g. to set up host-side timers). */
  setup?: (booted: ReturnType<typeof bootProgram>) => void;
}

/** Run an ELF (or NASM source, assembled first) as /test under init. */
export function runKernel(program: Uint8Array | string, opts: KernelRunOptions = {}): KernelRun {
  const elf = typeof program === 'string' ? assembleProgram(program) : program;
  let stdout = '';
  let stderr = '';
  const log: string[] = [];
  const dec = new TextDecoder();
  let input = new TextEncoder().encode(opts.input ?? '');
  const files = new Map(opts.files ?? []);
  files.set('/test', elf);
  const runOpts: RunOptions = {
    ...opts,
    files,
    argv: ['/test', ...(opts.args ?? [])],
    envp: opts.envp ?? [],
    stdout: (b) => void (stdout += dec.decode(b)),
    stderr: (b) => void (stderr += dec.decode(b)),
    stdin: (max) => {
      const out = input.slice(0, max);
      input = input.subarray(out.length);
      return out;
    },
    log: (line) => void log.push(line),
  };
  const booted = bootProgram(runOpts);
  opts.setup?.(booted);
  const outcome = runProgram(runOpts, booted);
  return { stdout, stderr, log, outcome, status: outcome.status, exitCode: outcome.exitCode };
}

/**
 * A small runtime for test programs, appended after their code. All routines preserve
 * every register but eax (and flags):
 *   write_out      ecx = buffer, edx = length → fd 1
 *   print_u32      eax, unsigned decimal       print_i32   eax, signed decimal
 *   print_nl       a newline
 *   puts "text", 10     (macro) a string literal
 *   print_ts       ebx = address of a timespec (32-bit): "sec.nnnnnnnnn"
 */
export const GUEST_LIB = `
section .text
write_out:
        push    ebx
        mov     ebx, 1
        mov     eax, 4
        int     0x80
        pop     ebx
        ret

print_u32:
        pushad
        mov     edi, __numbuf_end
        mov     ebx, 10
.loop:
        xor     edx, edx
        div     ebx
        add     dl, '0'
        dec     edi
        mov     [edi], dl
        test    eax, eax
        jnz     .loop
        mov     ecx, edi
        mov     edx, __numbuf_end
        sub     edx, edi
        call    write_out
        popad
        ret

print_i32:
        test    eax, eax
        jns     print_u32
        push    eax
        push    ecx
        push    edx
        mov     ecx, __minus
        mov     edx, 1
        call    write_out
        pop     edx
        pop     ecx
        pop     eax
        push    eax
        neg     eax
        call    print_u32
        pop     eax
        ret

print_nl:
        push    eax
        push    ecx
        push    edx
        mov     ecx, __nl
        mov     edx, 1
        call    write_out
        pop     edx
        pop     ecx
        pop     eax
        ret

; "sec.nnnnnnnnn" of the timespec at ebx
print_ts:
        pushad
        mov     eax, [ebx]
        call    print_u32
        mov     ecx, __dot
        mov     edx, 1
        call    write_out
        mov     eax, [ebx + 4]
        mov     esi, 100000000
.pad:
        cmp     esi, 1
        jbe     .last
        cmp     eax, esi
        jae     .last
        push    eax
        mov     ecx, __zero
        mov     edx, 1
        call    write_out
        pop     eax
        push    eax
        mov     eax, esi
        xor     edx, edx
        mov     ecx, 10
        div     ecx
        mov     esi, eax
        pop     eax
        jmp     .pad
.last:
        call    print_u32
        popad
        ret

section .rodata
__minus: db '-'
__nl:    db 10
__dot:   db '.'
__zero:  db '0'

section .bss
__numbuf: resb 16
__numbuf_end:
`;

/** The puts, sys, fork_child and fork_parent macros (they must come before their first
 *  use: put them at the top of a program). */
export const GUEST_MACROS = `
%macro puts 1+
section .rodata
%%s: db %1
%%len equ $ - %%s
section .text
        push    eax
        push    ecx
        push    edx
        mov     ecx, %%s
        mov     edx, %%len
        call    write_out
        pop     edx
        pop     ecx
        pop     eax
%endmacro

; sys NR, ebx, ecx, edx, esi — an int 0x80 with up to four arguments
%macro sys 1-5
%if %0 >= 5
        mov     esi, %5
%endif
%if %0 >= 4
        mov     edx, %4
%endif
%if %0 >= 3
        mov     ecx, %3
%endif
%if %0 >= 2
        mov     ebx, %2
%endif
        mov     eax, %1
        int     0x80
%endmacro

; fork_child label: fork; the child jumps to label, the parent goes on (eax = the
; child's pid). fork_parent label: the parent jumps (eax = the child's pid), the child
; goes on. (fork_jcc cc, label: fork, then jcc label.)
%macro fork_jcc 2
        sys     2
        test    eax, eax
        j%1     %2
%endmacro
%macro fork_child 1
        fork_jcc z, %1
%endmacro
%macro fork_parent 1
        fork_jcc nz, %1
%endmacro
`;

/** A whole test program: macros, `body` (starting in .text at _start), the runtime. */
export function program(body: string): string {
  return `${GUEST_MACROS}\nsection .text\nglobal _start\n_start:\n${body}\n${GUEST_LIB}`;
}
