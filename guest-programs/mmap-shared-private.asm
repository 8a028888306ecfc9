; mmap-shared-private.asm — MAP_SHARED vs MAP_PRIVATE anonymous memory across fork, and
; how mprotect and MAP_FIXED interact with them.
;
; 1. A MAP_SHARED page and a MAP_PRIVATE page, both written before fork. After fork the
;    shared page is the same memory in both processes — never copied, even when written —
;    while the private page is copied on the first write (COW). Parent and child
;    synchronise through a futex in the shared page.
; 2. mprotect to read-only, fork, mprotect back to read-write in the child: its write
;    must still copy the page (the frame is shared with the parent, who must not see it).
; 3. MAP_FIXED over the middle page of a three-page mapping replaces just that page.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

section .bss
shared:         resd    1                       ; addresses of the mappings
private:        resd    1
ro:             resd    1
three:          resd    1
status:         resd    1

section .text
main:
        push    ebx
        push    esi
        ccall   mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0
        cmp     eax, -4096
        ja      .error
        mov     [shared], eax
        ccall   mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0
        cmp     eax, -4096
        ja      .error
        mov     [private], eax
        mov     ebx, [shared]
        mov     esi, [private]
        mov     dword [ebx], 1                  ; shared value
        mov     dword [ebx + 4], 0              ; the futex: 1 once the parent has written
        mov     dword [esi], 1                  ; private value

        ccall   fork
        test    eax, eax
        js      .error
        jz      .child1
        ; parent: write both after the fork, then let the child look
        mov     dword [ebx], 3
        mov     dword [esi], 5
        mov     dword [ebx + 4], 1
        lea     eax, [ebx + 4]
        ccall   futex, eax, FUTEX_WAKE, 1, 0, 0, 0
        ccall   wait4, -1, status, 0, 0
        prints  "parent: shared="
        printd  dword [ebx]
        prints  " (the child's write), private="
        printd  dword [esi]
        prints  " (its own)", 10
        cmp     dword [ebx], 2
        jne     .fail
        cmp     dword [esi], 5
        jne     .fail
        jmp     .part2

.child1:
.wait:  cmp     dword [ebx + 4], 0              ; wait for the parent's writes
        jne     .go
        lea     eax, [ebx + 4]
        ccall   futex, eax, FUTEX_WAIT, 0, 0, 0, 0
        jmp     .wait
.go:    prints  "child: shared="
        printd  dword [ebx]
        prints  " (the parent's write after fork), private="
        printd  dword [esi]
        prints  " (the value at fork)", 10
        mov     dword [ebx], 2
        mov     dword [esi], 2
        ccall   _exit, 0

.part2:
        ; 2. read-only, fork, writable again in the child: still copy-on-write
        ccall   mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0
        cmp     eax, -4096
        ja      .error
        mov     [ro], eax
        mov     ebx, eax
        mov     dword [ebx], 7
        ccall   mprotect, ebx, PAGE_SIZE, PROT_READ
        test    eax, eax
        jnz     .error
        ccall   fork
        test    eax, eax
        js      .error
        jz      .child2
        ccall   wait4, -1, status, 0, 0
        prints  "parent: after the child's mprotect(PROT_READ|PROT_WRITE) and write, the page still holds "
        printd  dword [ebx]
        nl
        cmp     dword [ebx], 7
        jne     .fail
        movzx   eax, byte [status + 1]
        cmp     eax, 8
        jne     .fail
        jmp     .part3
.child2:
        ccall   mprotect, ebx, PAGE_SIZE, PROT_READ | PROT_WRITE
        test    eax, eax
        jnz     .error
        mov     dword [ebx], 8
        mov     eax, [ebx]
        ccall   _exit, eax

.part3:
        ; 3. MAP_FIXED over the middle page of three
        ccall   mmap, 0, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0
        cmp     eax, -4096
        ja      .error
        mov     [three], eax
        mov     ebx, eax
        mov     dword [ebx], 'A'
        mov     dword [ebx + PAGE_SIZE], 'B'
        mov     dword [ebx + 2 * PAGE_SIZE], 'C'
        lea     eax, [ebx + PAGE_SIZE]
        ccall   mmap, eax, PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0
        lea     ecx, [ebx + PAGE_SIZE]
        cmp     eax, ecx
        jne     .error
        prints  "MAP_FIXED over the middle page: "
        printd  dword [ebx]
        prints  " "
        printd  dword [ebx + PAGE_SIZE]
        prints  " "
        printd  dword [ebx + 2 * PAGE_SIZE]
        prints  " (a fresh zero page between the old ones)", 10
        cmp     dword [ebx + PAGE_SIZE], 0
        jne     .fail
        ccall   munmap, ebx, 3 * PAGE_SIZE
        test    eax, eax
        jnz     .error
        xor     eax, eax
        jmp     .out
.error:
        prints  "FAIL: error "
        printd  eax
        nl
.fail:
        mov     eax, 1
.out:
        pop     esi
        pop     ebx
        ret
