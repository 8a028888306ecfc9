; signal-handler.asm — a signal handler that returns (kernel/signal.c, the sigframe):
;  1. SIGUSR1 sent to itself with kill(getpid(), SIGUSR1): the handler runs on the way
;     back from kill, with SIGUSR1 blocked while it runs; it returns (through sigreturn)
;     and main continues where it was, the mask as before;
;  2. SA_SIGINFO: the handler's siginfo says who sent the signal (SI_USER, our pid);
;  3. SA_NODEFER: the signal is not blocked while its handler runs;
;  4. a blocked signal stays pending (sigpending shows it) and its handler runs the
;     moment sigprocmask unblocks it — before sigprocmask returns.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

section .bss
count:      resd    1           ; handler invocations
blocked_in: resd    1           ; SIGUSR1 blocked inside the handler (1/0)
mask:       resd    2
oldmask:    resd    2
pend:       resd    2
info_code:  resd    1
info_pid:   resd    1
info_signo: resd    1
mypid:      resd    1

section .text
main:
        ccall   getpid
        mov     [mypid], eax

        ; ---- 1. a handler that returns ----
        ccall   set_handler, SIGUSR1, on_usr1, 0
        test    eax, eax
        jnz     fail
        prints  "main: pid="
        printd  dword [mypid]
        prints  " sends itself SIGUSR1", 10
        ccall   kill, dword [mypid], SIGUSR1
        prints  "main: kill returned "
        printd  eax
        prints  ", the handler ran "
        printd  dword [count]
        prints  " time(s) and saw SIGUSR1 blocked: "
        call    print_blocked_in
        ccall   sigprocmask, SIG_BLOCK, 0, oldmask
        prints  "; blocked now: "
        mov     eax, [oldmask]
        shr     eax, SIGUSR1 - 1
        and     eax, 1
        call    yesno
        nl
        cmp     dword [count], 1
        jne     fail

        ; ---- 2. SA_SIGINFO ----
        ccall   set_handler, SIGUSR2, on_usr2_info, SA_SIGINFO
        ccall   kill, dword [mypid], SIGUSR2
        prints  "SA_SIGINFO: signal "
        printd  dword [info_signo]
        prints  ", si_code "
        printd  dword [info_code]
        prints  " (SI_USER), from pid="
        printd  dword [info_pid]
        nl
        mov     eax, [info_pid]
        cmp     eax, [mypid]
        jne     fail
        cmp     dword [info_code], SI_USER
        jne     fail

        ; ---- 3. SA_NODEFER ----
        ccall   set_handler, SIGUSR1, on_usr1, SA_NODEFER
        ccall   kill, dword [mypid], SIGUSR1
        prints  "SA_NODEFER: SIGUSR1 blocked in its handler: "
        call    print_blocked_in
        nl
        cmp     dword [blocked_in], 0
        jne     fail

        ; ---- 4. blocked, then unblocked ----
        ccall   set_handler, SIGUSR1, on_usr1, 0
        mov     dword [count], 0
        mov     dword [mask], 1 << (SIGUSR1 - 1)
        mov     dword [mask + 4], 0
        ccall   sigprocmask, SIG_BLOCK, mask, 0
        ccall   kill, dword [mypid], SIGUSR1
        mov     esi, eax
        ccall   sigpending, pend
        prints  "blocked: kill returned "
        printd  esi
        prints  ", pending: "
        mov     eax, [pend]
        shr     eax, SIGUSR1 - 1
        and     eax, 1
        call    yesno
        prints  ", the handler ran: "
        mov     eax, [count]
        call    yesno
        nl
        ccall   sigprocmask, SIG_UNBLOCK, mask, 0
        mov     ebx, [count]                    ; read before anything else runs
        prints  "unblocked: the handler had run when sigprocmask returned: "
        mov     eax, ebx
        call    yesno
        nl
        cmp     ebx, 1
        jne     fail
        xor     eax, eax
        ret

fail:
        nl
        prints  "FAIL: unexpected result", 10
        mov     eax, 1
        ret

; void on_usr1(int sig): count, and record whether SIGUSR1 is blocked now.
on_usr1:
        inc     dword [count]
        sub     esp, 8
        mov     eax, esp
        ccall   sigprocmask, SIG_BLOCK, 0, eax
        mov     eax, [esp]
        shr     eax, SIGUSR1 - 1
        and     eax, 1
        mov     [blocked_in], eax
        add     esp, 8
        ret

; void on_usr2_info(int sig, siginfo_t *info, void *uc)
on_usr2_info:
        mov     eax, [esp + 4]
        mov     [info_signo], eax
        mov     edx, [esp + 8]
        mov     eax, [edx + SI_CODE]
        mov     [info_code], eax
        mov     eax, [edx + SI_PID]
        mov     [info_pid], eax
        ret

print_blocked_in:
        mov     eax, [blocked_in]
        ; fall through
; yesno: print "yes" if eax != 0, else "no"
yesno:
        test    eax, eax
        jz      .no
        prints  "yes"
        ret
.no:
        prints  "no"
        ret
