; cpu.asm — compute kernels. usage: cpu KERNEL ITERATIONS
; KERNEL 0: the ALU loop of bench/cpu.ts (7 register instructions per iteration)
; KERNEL 1: call/ret heavy (5 instructions per iteration)
; KERNEL 2: branchy code (about 8 instructions per iteration)
; Prints nothing; exit status 0.
%include "common.inc"

section .bss
entry_esp:      resd 1
entry_esp_argc: resd 1
kernel:         resd 1
iters:          resd 1

section .text
global _start
_start:
        mov     [entry_esp], esp
        mov     eax, [esp]
        mov     [entry_esp_argc], eax
        arg     [kernel], 1, 0
        arg     [iters], 2, 1000000
        mov     ecx, [iters]
        xor     eax, eax
        mov     ebx, 0x12345
        xor     edx, edx
        xor     esi, esi
        xor     edi, edi
        jecxz   .done
        cmp     dword [kernel], 1
        je      .calls
        cmp     dword [kernel], 2
        je      .branchy
.alu:   add     eax, ebx
        xor     edx, eax
        sub     ebx, edx
        and     esi, edx
        or      edi, eax
        dec     ecx
        jnz     .alu
        jmp     .done
.calls: call    leaf
        dec     ecx
        jnz     .calls
        jmp     .done
.branchy:
        test    ecx, 1
        jz      .even
        add     eax, 3
        jmp     .j
.even:  sub     eax, 1
.j:     test    ecx, 4
        jnz     .k
        inc     edx
.k:     dec     ecx
        jnz     .branchy
.done:  mov     eax, 1
        xor     ebx, ebx
        int     0x80

leaf:   add     eax, ecx
        ret
