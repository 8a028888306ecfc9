; signal-sigchld.asm — SIGCHLD (exit_notify → do_notify_parent):
;  1. a SIGCHLD handler reaps: three children exit with 1, 2 and 3, 100 ms apart; the
;     parent waits in sigsuspend with SIGCHLD otherwise blocked, and the handler reaps
;     with waitpid(-1, WNOHANG) in a loop; its siginfo names the child (CLD_EXITED,
;     si_pid, si_status). Nothing is left for wait4 afterwards (ECHILD);
;  2. SIGCHLD ignored (SIG_IGN): children reap themselves — no zombies; a wait4 blocks
;     until the last child has gone, then fails with ECHILD.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

section .bss
status:     resd    1
reaped:     resd    1
sum:        resd    1
calls:      resd    1
first_pid:  resd    1           ; the first child forked
info_code:  resd    1           ; the first SIGCHLD's siginfo
info_pid:   resd    1
info_status: resd   1
chld:       resd    2           ; {SIGCHLD} as a sigset
empty:      resd    2

section .text
main:
        ccall   set_handler, SIGCHLD, on_chld, SA_SIGINFO | SA_RESTART
        test    eax, eax
        jnz     fail
        mov     dword [chld], 1 << (SIGCHLD - 1)
        ccall   sigprocmask, SIG_BLOCK, chld, 0

        ; ---- 1. three children, reaped by the handler ----
        xor     esi, esi
.fork:
        inc     esi
        ccall   fork
        test    eax, eax
        js      fail
        jz      child
        cmp     esi, 1
        jne     .next
        mov     [first_pid], eax
.next:
        cmp     esi, 3
        jb      .fork
.wait:
        cmp     dword [reaped], 3
        jae     .done
        ccall   sigsuspend, empty               ; SIGCHLD unblocked only in here
        jmp     .wait
.done:
        prints  "the SIGCHLD handler reaped "
        printd  dword [reaped]
        prints  " children, exit codes summing to "
        printd  dword [sum]
        nl
        prints  "first SIGCHLD: si_code "
        printd  dword [info_code]
        prints  " (CLD_EXITED), si_pid=child1 "
        mov     eax, [info_pid]
        cmp     eax, [first_pid]
        sete    al
        movzx   eax, al
        call    yesno
        prints  ", si_status "
        printd  dword [info_status]
        nl
        ccall   wait4, -1, 0, 0, 0
        prints  "then wait4: "
        printd  eax
        prints  " (ECHILD)", 10
        cmp     eax, -ECHILD
        jne     fail
        cmp     dword [sum], 6
        jne     fail

        ; ---- 2. SIGCHLD ignored: no zombies ----
        ccall   sigprocmask, SIG_UNBLOCK, chld, 0
        ccall   set_handler, SIGCHLD, SIG_IGN, 0
        mov     esi, 1
        ccall   fork
        test    eax, eax
        js      fail
        jz      child                           ; exits at once with 1
        mov     esi, 3
        ccall   fork
        test    eax, eax
        js      fail
        jz      child                           ; exits after 200 ms with 3
        ccall   wait4, -1, status, 0, 0
        prints  "SIGCHLD ignored: wait4 waited for both children to go, then: "
        printd  eax
        prints  " (ECHILD): they reaped themselves", 10
        cmp     eax, -ECHILD
        jne     fail
        xor     eax, eax
        ret

fail:
        nl
        prints  "FAIL: unexpected result", 10
        mov     eax, 1
        ret

; child number esi (1..3): sleep (esi - 1) * 100 ms, exit with esi.
child:
        lea     eax, [esi - 1]
        imul    eax, eax, 100
        ccall   sleep_ms, eax
        ccall   _exit, esi

; void on_chld(int sig, siginfo_t *info, void *uc): reap every child that has exited.
on_chld:
        inc     dword [calls]
        cmp     dword [calls], 1
        jne     .reap
        mov     edx, [esp + 8]
        mov     eax, [edx + SI_CODE]
        mov     [info_code], eax
        mov     eax, [edx + SI_PID]
        mov     [info_pid], eax
        mov     eax, [edx + SI_STATUS]
        mov     [info_status], eax
.reap:
        ccall   wait4, -1, status, WNOHANG, 0
        test    eax, eax
        jle     .done
        inc     dword [reaped]
        movzx   eax, byte [status + 1]
        add     [sum], eax
        jmp     .reap
.done:
        ret

; yesno: print "yes" if eax != 0, else "no"
yesno:
        test    eax, eax
        jz      .no
        prints  "yes"
        ret
.no:
        prints  "no"
        ret
