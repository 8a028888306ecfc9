; vfork.asm — the seeds' vfork example. The child runs first, in the parent's address
; space and on the parent's stack, while the parent sleeps (CLONE_VM | CLONE_VFORK): so
; the child's cnt++ is the parent's too, and the parent, woken when the child calls
; _exit, increments it again: cnt=1, then cnt=2.
;
; C original (seed 2):
;       int cnt = 0;
;       pid = vfork();
;       if (pid == 0) { cnt++; printf("cnt=%d\n", cnt);
;                       printf("I am the child process,ID is %d\n", getpid()); _exit(0); }
;       else { cnt++; printf("cnt=%d\n", cnt);
;              printf("I am the parent process,ID is %d\n", getpid()); }
;       return 0;
; (vfork-return-crash.asm is the same program without the _exit.)
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

section .text
main:
        push    ebp
        mov     ebp, esp
        push    0                               ; int cnt = 0, at [ebp - 4]: on the stack

        call    vfork
        test    eax, eax
        js      .error
        jz      .child

        inc     dword [ebp - 4]                 ; parent: cnt++ (the child's 1 → 2)
        prints  "cnt="
        printd  dword [ebp - 4]
        nl
        prints  "I am the parent process, pid="
        ccall   getpid
        printd  eax
        nl
        cmp     dword [ebp - 4], 2
        jne     .wrong
        prints  "the child ran first and its cnt++ was the parent's: one shared address space", 10
        xor     eax, eax
        leave
        ret

.child:
        inc     dword [ebp - 4]                 ; child: cnt++ in the parent's stack frame
        prints  "cnt="
        printd  dword [ebp - 4]
        nl
        prints  "I am the child process, pid="
        ccall   getpid
        printd  eax
        nl
        ccall   _exit, 0                        ; never return from here: see vfork-return-crash

.wrong:
        prints  "FAIL: the parent did not see the child's increment", 10
        mov     eax, 1
        leave
        ret
.error:
        prints  "error in vfork: "
        printd  eax
        nl
        mov     eax, 1
        leave
        ret
