; macros.asm — the preprocessor: %define with parameters, %assign, %rep, %if/%elif/%else,
; %ifdef, multi-line macros with %%local labels, default and greedy parameters.
%include "lib/syscalls.inc"

%define SQUARE(x)   ((x) * (x))
%define VERBOSE
%assign ROUNDS 4

; max dst, a, b — dst = max(a, b) with a macro-local label
%macro max 3
        mov     %1, %2
        cmp     %1, %3
        jge     %%done
        mov     %1, %3
%%done:
%endmacro

; emit bytes: greedy last parameter
%macro bytes 1+
        db      %1
%endmacro

; repeat an instruction n times (default 2)
%macro twice 1-2 2
%rep %2
        %1
%endrep
%endmacro

section .data
squares:
%assign i 0
%rep ROUNDS
        dd      SQUARE(i + 1)
%assign i i + 1
%endrep
line:   bytes   "max is ", 0
line_len equ    $ - line - 1
digit:  db      '?', 10

section .text
global _start
_start:
        max     eax, 3, 7
        max     ebx, eax, 5
        twice   {inc ebx}
        twice   {dec ebx}, 3
%ifdef VERBOSE
        add     bl, '0'
%else
        mov     bl, '?'
%endif
        mov     [digit], bl
%if ROUNDS > 10
        nop
%elif ROUNDS == 4
        mov     esi, [squares + 4 * (ROUNDS - 1)]   ; 16
%else
        int3
%endif
        sys_write STDOUT, line, line_len
        sys_write STDOUT, digit, 2
        sub     esi, SQUARE(4)              ; 0
        sys_exit esi
