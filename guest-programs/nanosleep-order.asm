; nanosleep-order.asm — nanosleep between processes. Three children are forked in the
; order A, B, C and sleep 300, 100 and 200 ms: each is put to sleep by schedule_timeout
; with a timer, and process_timeout wakes it when its timer expires — so they wake, print
; and exit in the order B, C, A, whatever the order they were created in; the parent,
; reaping with wait4(-1), gets them in that order too.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

NCHILD equ 3

section .data
delays: dd      300, 100, 200                   ; ms, for children A, B, C
names:  db      "ABC"

section .bss
status: resd    1
start:  resd    1
last:   resd    1                               ; the previous child's delay (order check)

section .text
main:
        ccall   now_ms
        mov     [start], eax
        xor     esi, esi                        ; child index
.fork_next:
        ccall   fork
        test    eax, eax
        js      error
        jz      child
        prints  "parent: forked child "
        movzx   ebx, byte [names + esi]
        ccall   print_char, ebx
        prints  " pid="
        printd  eax
        prints  ", sleeping "
        printd  dword [delays + esi * 4]
        prints  " ms", 10
        inc     esi
        cmp     esi, NCHILD
        jb      .fork_next

        mov     esi, NCHILD
.reap_next:
        ccall   wait4, -1, status, 0, 0
        test    eax, eax
        js      error
        prints  "parent: reaped child "
        movzx   ebx, byte [status + 1]          ; the child's exit status: its index
        movzx   ecx, byte [names + ebx]
        ccall   print_char, ecx
        prints  " pid="
        printd  eax
        prints  ", which slept "
        mov     eax, [delays + ebx * 4]
        printd  eax
        prints  " ms", 10
        cmp     eax, [last]                     ; woken in order of their timeouts?
        jb      fail
        mov     [last], eax
        dec     esi
        jnz     .reap_next

        ccall   now_ms
        sub     eax, [start]
        cmp     eax, 300
        jb      fail
        prints  "woken in timeout order, not creation order; at least 300 ms passed", 10
        xor     eax, eax
        ret

; child number esi: sleep, report, exit with its number as status
child:
        mov     ebx, [delays + esi * 4]
        ccall   sleep_ms, ebx
        test    eax, eax
        jnz     error
        prints  "child "
        movzx   eax, byte [names + esi]
        ccall   print_char, eax
        prints  " pid="
        ccall   getpid
        printd  eax
        prints  " woke after "
        printd  ebx
        prints  " ms", 10
        ccall   _exit, esi

fail:
        prints  "FAIL: out of order, or too early", 10
        mov     eax, 1
        ret
error:
        prints  "error: "
        printd  eax
        nl
        mov     eax, 1
        ret
