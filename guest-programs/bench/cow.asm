; cow.asm — COW fault throughput. usage: cow N [R]
; The parent maps and touches N pages (one write per page), then R times: fork; the
; child writes one byte per page (N copy-on-write faults) and _exits; the parent waits.
; Prints nothing; exit status 0 (99 on a failed syscall).
%include "common.inc"

section .bss
entry_esp:      resd 1
entry_esp_argc: resd 1
npages:         resd 1
reps:           resd 1
buf:            resd 1

section .text
global _start
_start:
        mov     [entry_esp], esp
        mov     eax, [esp]
        mov     [entry_esp_argc], eax
        arg     [npages], 1, 1024
        arg     [reps], 2, 1
        mov     ebx, [npages]
        shl     ebx, 12
        call    map_anon
        mov     [buf], eax
        ; the parent touches every page
        mov     edi, eax
        mov     ecx, [npages]
        call    touch_pages
.loop:  cmp     dword [reps], 0
        je      .done
        mov     eax, 2                  ; fork
        int     0x80
        test    eax, eax
        js      fail
        jz      .child
        call    wait_child
        dec     dword [reps]
        jmp     .loop
.child: mov     edi, [buf]
        mov     ecx, [npages]
        jecxz   .cexit
.write: mov     byte [edi], 2           ; one COW fault per page
        add     edi, 4096
        dec     ecx
        jnz     .write
.cexit: mov     eax, 1                  ; _exit(0)
        xor     ebx, ebx
        int     0x80
.done:  mov     eax, 1
        xor     ebx, ebx
        int     0x80
