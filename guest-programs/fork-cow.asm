; fork-cow.asm — the seeds' fork example. After fork() parent and child both have `count`
; at the same virtual address; the child increments it and sees 1, the parent still sees
; 0: the first write of either side faults (int 14) and do_wp_page gives the writer its
; own copy of the page (copy-on-write). The parent waits for the child before printing,
; so the output order is the same on every system.
;
; C original (seed 2):
;       int count = 0;
;       pid = fork();
;       if (pid == 0) { ++count; printf("I am the child process,ID is %d,count is %d(%p)\n", …); }
;       else printf("I am the parent process,ID is %d,count is %d(%p)\n", …);
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

section .data
count:  dd      0

section .bss
status: resd    1

section .text
main:
        ccall   fork
        test    eax, eax
        js      .error
        jz      .child

        ; parent: let the child finish first, then look at our count
        ccall   wait4, eax, status, 0, 0
        prints  "I am the parent process, pid="
        ccall   getpid
        printd  eax
        prints  ", count is "
        printd  dword [count]
        prints  " ("
        printx  count
        prints  ")", 10
        cmp     dword [count], 0
        jne     .wrong
        cmp     dword [status], 1 << 8          ; the child exited with its count, 1
        jne     .wrong
        prints  "same virtual address, different values: the child wrote to its own copy", 10
        xor     eax, eax
        ret

.child:
        inc     dword [count]                   ; ++count: the copy-on-write fault
        prints  "I am the child process, pid="
        ccall   getpid
        printd  eax
        prints  ", count is "
        printd  dword [count]
        prints  " ("
        printx  count
        prints  ")", 10
        mov     eax, [count]                    ; exit status: the count the child saw
        ret

.wrong:
        prints  "FAIL: the parent's count changed, or the child did not see 1", 10
        mov     eax, 1
        ret
.error:
        prints  "error in fork: "
        printd  eax
        nl
        mov     eax, 1
        ret
