; fork.asm — fork + _exit + wait4 latency. usage: fork MIB K [VFORK]
; The parent maps and touches MIB MiB (one write per page), then K times: fork (vfork
; when VFORK is 1); the child _exits at once; the parent waits for it. Prints nothing.
%include "common.inc"

section .bss
entry_esp:      resd 1
entry_esp_argc: resd 1
mib:            resd 1
iters:          resd 1
use_vfork:      resd 1

section .text
global _start
_start:
        mov     [entry_esp], esp
        mov     eax, [esp]
        mov     [entry_esp_argc], eax
        arg     [mib], 1, 1
        arg     [iters], 2, 100
        arg     [use_vfork], 3, 0
        mov     ebx, [mib]
        shl     ebx, 20
        call    map_anon
        mov     edi, eax
        mov     ecx, [mib]
        shl     ecx, 8                  ; pages
        call    touch_pages
.loop:  cmp     dword [iters], 0
        je      .done
        mov     eax, 2                  ; fork
        cmp     dword [use_vfork], 0
        je      .call
        mov     eax, 190                ; vfork
.call:  int     0x80
        test    eax, eax
        js      fail
        jz      .child
        call    wait_child
        dec     dword [iters]
        jmp     .loop
.child: mov     eax, 1                  ; _exit(0): touches no memory (vfork-safe)
        xor     ebx, ebx
        int     0x80
.done:  mov     eax, 1
        xor     ebx, ebx
        int     0x80
