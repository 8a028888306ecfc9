; loop.asm — count from 1 to 10, printing each number in decimal: loops, local labels,
; division, a .bss buffer, and jumps both short and near.
%include "lib/syscalls.inc"

%define COUNT 10

section .bss
buf:        resb    16                  ; digits are built backwards here
buf_end:

section .text
global _start
_start:
        mov     esi, 1                  ; the counter
.next:
        mov     eax, esi
        call    print_number
        inc     esi
        cmp     esi, COUNT
        jbe     .next
        sys_exit 0

; print_number: eax = value; prints it and a newline. Clobbers eax, ebx, ecx, edx, edi.
print_number:
        lea     edi, [buf_end - 1]
        mov     byte [edi], 10          ; trailing newline
        mov     ebx, 10
.digit:
        xor     edx, edx
        div     ebx                     ; eax = eax / 10, edx = eax % 10
        add     dl, '0'
        dec     edi
        mov     [edi], dl
        test    eax, eax
        jnz     .digit
        mov     edx, buf_end
        sub     edx, edi                ; length
        sys_write STDOUT, edi, edx
        ret
