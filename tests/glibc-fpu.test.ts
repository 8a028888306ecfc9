// The kernel's x87 FPU support (src/guest/fpu.ts): per-task FPU state across context
// switches, fork's copy of it, execve's reset, the math frame of signal frames (saved
// at delivery, a fresh FPU in the handler, restored from the frame by sigreturn), and
// #MF → SIGFPE with the FPE_* code of the unmasked exception.
//
// The x87 instructions are written as bytes (macros below), independent of the
// assembler's x87 support.

import { describe, expect, it } from 'vitest';
import { program, runKernel } from './helpers/kernel-machine.js';

const X87 = `
%macro FNINIT 0
        db      0xdb, 0xe3
%endmacro
%macro FWAIT 0
        db      0x9b
%endmacro
%macro FLD1 0
        db      0xd9, 0xe8
%endmacro
%macro FLDZ 0
        db      0xd9, 0xee
%endmacro
%macro FDIVP 0
        db      0xde, 0xf9              ; fdivp st1, st0
%endmacro
%macro FSTP_ST0 0
        db      0xdd, 0xd8              ; fstp st0: pop
%endmacro
%macro FNSTSW_AX 0
        db      0xdf, 0xe0
%endmacro
%macro FLDCW 1                          ; fldcw [abs]
        db      0xd9, 0x2d
        dd      %1
%endmacro
%macro FNSTCW 1                         ; fnstcw [abs]
        db      0xd9, 0x3d
        dd      %1
%endmacro
%macro FILD 1                           ; fild dword [abs]
        db      0xdb, 0x05
        dd      %1
%endmacro
%macro FIST 1                           ; fist dword [abs]
        db      0xdb, 0x15
        dd      %1
%endmacro
%macro FISTP 1                          ; fistp dword [abs]
        db      0xdb, 0x1d
        dd      %1
%endmacro
; print_w: the word at %1, unsigned, and a newline
%macro print_w 1
        movzx   eax, word [%1]
        call    print_u32
        call    print_nl
%endmacro
%macro print_d 1
        mov     eax, [%1]
        call    print_i32
        call    print_nl
%endmacro
`;

/** rt_sigaction(sig, {handler, SA_SIGINFO}) as instructions. */
function sigaction(sig: number, handler: string): string {
  return `
        mov     dword [__act], ${handler}
        mov     dword [__act + 4], 4    ; SA_SIGINFO
        sys     174, ${sig}, __act, 0, 8
section .bss
__act:  resd 5
section .text
`;
}

function fpuProgram(body: string): string {
  return program(`${body}\n`).replace('section .text\nglobal _start', `${X87}\nsection .text\nglobal _start`);
}

describe('the FPU state of tasks', () => {
  it('survives context switches: two processes with different control words and registers', () => {
    const r = runKernel(fpuProgram(`
        FNINIT
        FLDCW   cw_parent
        FILD    one                     ; ST0 = 1
        fork_child .child
        mov     ebp, 0                  ; errors
        mov     ecx, 60
.ploop: push    ecx
        sys     158                     ; sched_yield
        pop     ecx
        FNSTCW  tmpw
        cmp     word [tmpw], 0x27f
        je      .p1
        inc     ebp
.p1:    FIST    tmpd
        cmp     dword [tmpd], 1
        je      .p2
        inc     ebp
.p2:    loop    .ploop
        sys     114, -1, status, 0, 0
        mov     eax, ebp
        call    print_u32
        call    print_nl
        movzx   eax, byte [status + 1]
        call    print_u32
        call    print_nl
        sys     1, 0
.child:
        ; fork copied the parent's FPU: FCW 0x27f and ST0 = 1
        FNSTCW  tmpw
        print_w tmpw
        FIST    tmpd
        print_d tmpd
        FLDCW   cw_child
        FILD    two                     ; ST0 = 2
        mov     ebp, 0
        mov     ecx, 60
.cloop: push    ecx
        sys     158
        pop     ecx
        FNSTCW  tmpw
        cmp     word [tmpw], 0xf7f
        je      .c1
        inc     ebp
.c1:    FIST    tmpd
        cmp     dword [tmpd], 2
        je      .c2
        inc     ebp
.c2:    loop    .cloop
        sys     1, ebp
section .data
cw_parent: dw 0x27f
cw_child:  dw 0xf7f
one:    dd 1
two:    dd 2
section .bss
tmpw:   resw 1
tmpd:   resd 1
status: resd 1
`));
    // the child's view after fork (FCW, ST0), then the parent's error count and the
    // child's (its exit status)
    expect(r.stdout).toBe(`${0x27f}\n1\n0\n0\n`);
  });

  it('execve starts the program with an initialized FPU (FCW 0x37F, empty stack)', () => {
    const r = runKernel(fpuProgram(`
        cmp     dword [esp], 2
        je      .second
        FLDCW   cw
        FLD1
        sys     11, path, argv, 0
        sys     1, 9
.second:
        FNSTCW  tmpw
        print_w tmpw
        FNSTSW_AX
        shr     eax, 11
        and     eax, 7                  ; TOP
        call    print_u32
        call    print_nl
        sys     1, 0
section .data
cw:     dw 0x07f
path:   db '/test', 0
arg1:   db 'x', 0
argv:   dd path, arg1, 0
section .bss
tmpw:   resw 1
`));
    expect(r.stdout).toBe(`${0x37f}\n0\n`);
  });
});

describe('signal frames carry the FPU state', () => {
  it('saved in a math frame sigcontext.fpstate points to; the handler starts clean; sigreturn restores from the frame', () => {
    const r = runKernel(fpuProgram(`
        ${sigaction(10, 'handler')}
        FNINIT
        FLDCW   cw_main
        FILD    seven                   ; ST0 = 7
        sys     20
        sys     37, eax, 10             ; kill(getpid(), SIGUSR1)
        ; back from the handler: FCW as the handler rewrote it in the frame; ST0 = 7
        FNSTCW  tmpw
        print_w tmpw
        FISTP   tmpd
        print_d tmpd
        ; what the handler saw
        print_w h_cw
        print_d h_fp_ok
        print_w h_frame_cw
        print_w h_magic
        print_w h_status_match
        print_d h_st0_exp
        sys     1, 0
handler:
        FNSTCW  h_cw                    ; the handler's own FPU: FNINIT
        FLD1                            ; dirty it: sigreturn must not keep this
        FLD1
        mov     eax, [esp + 12]         ; uc
        mov     ebx, [eax + 20 + 76]    ; uc_mcontext.fpstate
        mov     ecx, esp
        cmp     ebx, ecx                ; above the handler's frame
        seta    cl
        movzx   ecx, cl
        test    ebx, 63                 ; 64-byte aligned
        jnz     .bad
        mov     [h_fp_ok], ecx
.bad:   mov     ax, [ebx]               ; cw
        mov     [h_frame_cw], ax
        mov     ax, [ebx + 110]         ; magic
        mov     [h_magic], ax
        mov     ax, [ebx + 4]           ; sw
        cmp     ax, [ebx + 108]         ; status: a copy of it
        sete    al
        movzx   ax, al
        mov     [h_status_match], ax
        movzx   eax, word [ebx + 28 + 8] ; ST0's sign and exponent
        mov     [h_st0_exp], eax
        mov     word [ebx], 0x0c7f      ; sigreturn loads this FCW (RC = toward zero)
        ret
section .data
cw_main: dw 0x27f
seven:  dd 7
section .bss
tmpw:   resw 1
tmpd:   resd 1
h_cw:   resw 1
h_frame_cw: resw 1
h_magic: resw 1
h_status_match: resw 1
h_fp_ok: resd 1
h_st0_exp: resd 1
`));
    expect(r.stdout).toBe([0xc7f, 7, 0x37f, 1, 0x27f, 0xffff, 1, 0x4001].join('\n') + '\n');
  });

  it('sigreturn with fpstate NULL resets the FPU; with an unreadable fpstate it is a bad frame (SIGSEGV)', () => {
    const prog = (fp: number) => fpuProgram(`
        ${sigaction(10, 'handler')}
        FNINIT
        FLDCW   cw_main
        FLD1
        sys     20
        sys     37, eax, 10
        FNSTCW  tmpw
        print_w tmpw
        FNSTSW_AX
        shr     eax, 11
        and     eax, 7                  ; TOP: 0 after FNINIT, 7 with the 1 still pushed
        call    print_u32
        call    print_nl
        sys     1, 0
handler:
        mov     eax, [esp + 12]
        mov     dword [eax + 20 + 76], ${fp}
        ret
section .data
cw_main: dw 0x27f
section .bss
tmpw:   resw 1
`);
    expect(runKernel(prog(0)).stdout).toBe(`${0x37f}
0
`);
    const bad = runKernel(prog(0x10));
    expect(bad.stdout).toBe('');
    expect(bad.status & 0x7f).toBe(11);
    expect(bad.log.join('\n')).toContain('bad frame in rt_sigreturn');
  });

  it('#MF: an unmasked divide-by-zero is SIGFPE with FPE_FLTDIV at the waiting instruction', () => {
    const r = runKernel(fpuProgram(`
        ${sigaction(8, 'handler')}
        FNINIT
        FLDCW   cw                      ; ZM clear: divide-by-zero unmasked
        FLD1
        FLDZ
        FDIVP
fault:  FWAIT                           ; #MF is raised here
        sys     1, 9
handler:
        mov     eax, [esp + 8]          ; info
        mov     eax, [eax + 8]          ; si_code
        call    print_u32
        call    print_nl
        mov     eax, [esp + 8]
        mov     eax, [eax + 12]         ; si_addr
        cmp     eax, fault
        sete    al
        movzx   eax, al
        call    print_u32
        call    print_nl
        sys     1, 0
section .data
cw:     dw 0x37b
`));
    expect(r.stdout).toBe('3\n1\n');
    expect(r.exitCode).toBe(0);
  });

  it('#MF unhandled kills with SIGFPE; an invalid operation is FPE_FLTINV', () => {
    const killed = runKernel(fpuProgram(`
        FNINIT
        FLDCW   cw
        FLD1
        FLDZ
        FDIVP
        FWAIT
        sys     1, 9
section .data
cw:     dw 0x37b
`));
    expect(killed.status & 0x7f).toBe(8);
    const inv = runKernel(fpuProgram(`
        ${sigaction(8, 'handler')}
        FNINIT
        FLDCW   cw                      ; IM clear
        FSTP_ST0                        ; pop an empty stack: invalid operation (stack fault)
        FWAIT
        sys     1, 9
handler:
        mov     eax, [esp + 8]
        mov     eax, [eax + 8]
        call    print_u32
        call    print_nl
        sys     1, 0
section .data
cw:     dw 0x37e
`));
    expect(inv.stdout).toBe('7\n');
  });
});
