; cpu.asm — compute kernels. usage: cpu KERNEL ITERATIONS
; KERNEL 0: the ALU loop of bench/cpu.ts (7 register instructions per iteration)
; KERNEL 1: call/ret heavy (5 instructions per iteration)
; KERNEL 2: branchy code (about 8 instructions per iteration)
; KERNEL 3: memcpy — one dword copied per iteration by an explicit load/store loop (not
;           rep movs) from a 64 KiB source to a 64 KiB destination in .bss, wrapping
;           around (6 instructions per iteration)
; KERNEL 4: string — one character of a NUL-terminated text per iteration: byte load,
;           end-of-string test (strlen), byte histogram (inc byte [hist + eax]), to-upper
;           (compare, branch) and byte store of the result; at the NUL it starts over.
;           12 instructions per character, 13 for a lowercase letter, 6 more per wrap.
; Every kernel's set-up (filling and touching its buffers) runs before the ITERATIONS
; test, so a 0-iteration run executes the same set-up and a run's instructions minus the
; 0-iteration run's are the loop's alone.
; Prints nothing; exit status 0.
%include "common.inc"

COPY_BYTES      equ     65536           ; memcpy buffer size (a power of two)

section .data
text:   db      "The quick brown fox jumps over the lazy dog; PACK MY BOX WITH FIVE DOZEN "
        db      "liquor jugs! forkbox runs i386 Linux programs: fork(), COW faults, 4 KiB pages "
        db      "and 32-bit code, beside native Linux and qemu-i386 (v0.1, 2026).", 10, 0

section .bss
entry_esp:      resd 1
entry_esp_argc: resd 1
kernel:         resd 1
iters:          resd 1
hist:           resb 256
upper:          resb 256
alignb 4096
src:            resb COPY_BYTES
dst:            resb COPY_BYTES

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
        cmp     dword [kernel], 3
        je      .memcpy_setup
        cmp     dword [kernel], 4
        je      .string_setup
        test    ecx, ecx
        jz      .done
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
        jmp     .done

; memcpy: fill the source with a pattern and zero the destination (both resident before
; the loop), then copy dword by dword; ebx is the byte offset, wrapping at COPY_BYTES.
.memcpy_setup:
        mov     edi, src
        mov     ecx, COPY_BYTES / 4
        mov     eax, 0x9e3779b9
.fill:  mov     [edi], eax
        add     eax, 0x7f4a7c15
        add     edi, 4
        dec     ecx
        jnz     .fill
        mov     edi, dst
        mov     ecx, COPY_BYTES / 4
        xor     eax, eax
        rep     stosd
        mov     esi, src
        mov     edi, dst
        xor     ebx, ebx
        mov     ecx, [iters]
        test    ecx, ecx
        jz      .done
.memcpy:
        mov     eax, [esi + ebx]
        mov     [edi + ebx], eax
        add     ebx, 4
        and     ebx, COPY_BYTES - 4
        dec     ecx
        jnz     .memcpy
        jmp     .done

; string: strlen the text and clear the histogram and the output (all resident before the
; loop), then per character: load, NUL test, count, to-upper, store.
.string_setup:
        mov     esi, text
.strlen:
        cmp     byte [esi], 0
        je      .strlen_done
        inc     esi
        jmp     .strlen
.strlen_done:
        mov     ecx, esi
        sub     ecx, text
        cmp     ecx, 256
        jae     fail                    ; the output buffer holds 255 characters
        mov     edi, hist
        mov     ecx, 512 / 4            ; hist and upper
        xor     eax, eax
        rep     stosd
        mov     esi, text
        mov     edi, upper
        mov     ecx, [iters]
        test    ecx, ecx
        jz      .done
.str:   movzx   eax, byte [esi]
        test    al, al
        jz      .wrap
        inc     byte [hist + eax]
        lea     edx, [eax - 'a']
        cmp     edx, 'z' - 'a'
        ja      .keep
        sub     al, 'a' - 'A'
.keep:  mov     [edi], al
        inc     esi
        inc     edi
        dec     ecx
        jnz     .str
        jmp     .done
.wrap:  mov     esi, text
        mov     edi, upper
        jmp     .str

.done:  mov     eax, 1
        xor     ebx, ebx
        int     0x80

leaf:   add     eax, ecx
        ret
