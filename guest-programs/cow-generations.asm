; cow-generations.asm — copy-on-write across three generations. The grandparent writes 1
; to a page and forks; the parent (sharing the page read-only) writes 2 — a write fault,
; do_wp_page copies the page for it — and forks in turn; the child writes 3 into its own
; copy. Each generation, after its descendants wrote, still reads its own value at the
; same virtual address: 3, 2, 1.
;
; The grandparent also fills a 64 KiB buffer before forking, which nobody writes again:
; with copy-on-write its 16 pages are shared by all three and never copied, while
; `--fork-mode=copy` (first-generation Unix) copies them at each fork (compare --stats).
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

section .data
value:  dd      0

BUFFER_PAGES equ 16

section .bss
status: resd    1
alignb  4096
buffer: resb    BUFFER_PAGES * 4096

section .text
main:
        mov     ecx, BUFFER_PAGES               ; touch every page of the buffer
        mov     edi, buffer
.fill:
        mov     dword [edi], ecx
        add     edi, 4096
        loop    .fill
        mov     dword [value], 1
        prints  "grandparent pid="
        ccall   getpid
        printd  eax
        prints  " fills a 64 KiB buffer, writes value=1 at "
        printx  value
        nl
        ccall   fork
        test    eax, eax
        js      error
        jz      parent
        ccall   wait4, eax, status, 0, 0
        prints  "grandparent: after its parent and child wrote, value="
        printd  dword [value]
        nl
        cmp     dword [value], 1
        jne     fail
        cmp     dword [status], 2 << 8          ; the parent's verdict (2: all good)
        jne     fail
        prints  "three generations, one virtual address, three values: copy-on-write", 10
        xor     eax, eax
        ret

parent:
        prints  "parent pid="
        ccall   getpid
        printd  eax
        prints  " inherits value="
        printd  dword [value]
        prints  ", writes value=2", 10
        mov     dword [value], 2                ; a COW fault: the page is shared
        ccall   fork
        test    eax, eax
        js      error
        jz      child
        ccall   wait4, eax, status, 0, 0
        prints  "parent: after its child wrote, value="
        printd  dword [value]
        nl
        cmp     dword [value], 2
        jne     fail
        cmp     dword [status], 3 << 8          ; the child's verdict
        jne     fail
        mov     eax, 2
        ret

child:
        prints  "child pid="
        ccall   getpid
        printd  eax
        prints  " inherits value="
        printd  dword [value]
        prints  ", writes value=3", 10
        mov     dword [value], 3                ; a COW fault again
        prints  "child: value="
        printd  dword [value]
        nl
        mov     eax, 3
        ret

fail:
        prints  "FAIL: a write leaked into another generation", 10
        mov     eax, 1
        ret
error:
        prints  "error in fork: "
        printd  eax
        nl
        mov     eax, 1
        ret
