; wait-zombie-orphan.asm — what happens to a process after it exits, and to its children
; (the seeds' do_exit / exit_notify / release_task):
;  1. A zombie: a child that has exited stays in the process table, holding its exit
;     status, until its parent waits for it. wait4(WNOHANG) sees it running (0), then —
;     after it exited — returns its pid and status 42 (the zombie's), then -ECHILD:
;     the wait released it.
;  2. An orphan: when a parent exits before its child, exit_notify gives the child to
;     init: the child's getppid() becomes 1, and init reaps it when it exits.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

section .bss
status:     resd    1
zombie:     resd    1
middle:     resd    1
orphan:     resd    1

section .text
main:
        ; ---- 1. a zombie ----
        ccall   fork
        test    eax, eax
        js      error
        jz      zombie_child
        mov     [zombie], eax
        ccall   wait4, eax, status, WNOHANG, 0
        prints  "wait4(pid="
        printd  dword [zombie]
        prints  ", WNOHANG) = "
        printd  eax
        prints  ": the child is still running", 10
        test    eax, eax
        jnz     fail

        ccall   sleep_ms, 300                   ; the child exits meanwhile: a zombie
        ccall   wait4, dword [zombie], status, WNOHANG, 0
        cmp     eax, [zombie]
        jne     fail
        prints  "wait4(pid="
        printd  dword [zombie]
        prints  ", WNOHANG) = pid="
        printd  eax
        prints  ", exit status "
        movzx   eax, byte [status + 1]
        printd  eax
        prints  ": the zombie kept its status until waited for", 10
        cmp     dword [status], 42 << 8
        jne     fail

        ccall   wait4, dword [zombie], status, WNOHANG, 0
        prints  "wait4(pid="
        printd  dword [zombie]
        prints  ", WNOHANG) again = "
        printd  eax
        cmp     eax, -ECHILD
        jne     fail
        prints  " (ECHILD): the wait released it", 10

        ; ---- 2. an orphan ----
        ccall   fork
        test    eax, eax
        js      error
        jz      middle_process
        mov     [middle], eax
        ccall   wait4, eax, status, 0, 0
        cmp     eax, [middle]
        jne     fail
        ccall   sleep_ms, 300                   ; let the orphan notice and report
        prints  "main: reaped the middle process pid="
        printd  dword [middle]
        prints  "; its orphan was init's to reap", 10
        xor     eax, eax
        ret

fail:
        nl
        prints  "FAIL: unexpected result", 10
        mov     eax, 1
        ret
error:
        prints  "error in fork: "
        printd  eax
        nl
        mov     eax, 1
        ret

zombie_child:
        ccall   sleep_ms, 50
        ccall   _exit, 42

; The middle process: fork the orphan-to-be, report, exit without waiting for it.
middle_process:
        ccall   getpid
        mov     [middle], eax
        ccall   fork
        test    eax, eax
        js      error
        jz      orphan_child
        prints  "middle: pid="
        printd  dword [middle]
        prints  " forked pid="
        printd  eax
        prints  " and exits without waiting for it", 10
        ccall   _exit, 0

; The orphan: wait (up to 2 s) until the parent is gone, then report the new parent.
orphan_child:
        mov     esi, 2000
.poll:
        ccall   getppid
        cmp     eax, [middle]
        jne     .adopted
        ccall   sleep_ms, 1
        dec     esi
        jnz     .poll
        prints  "orphan: FAIL: the parent never went away", 10
        ccall   _exit, 1
.adopted:
        mov     ebx, eax
        prints  "orphan: pid="
        ccall   getpid
        printd  eax
        prints  ", its parent pid="
        printd  dword [middle]
        prints  " exited; now getppid() = "
        printd  ebx
        cmp     ebx, 1
        jne     .not_init
        prints  ": adopted by init", 10
        ccall   _exit, 0
.not_init:
        prints  ": adopted by a subreaper, not init", 10
        ccall   _exit, 0
