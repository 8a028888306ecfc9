; signal-stop-cont.asm — job control (signal.ts do_signal_stop, prepare_signal(SIGCONT);
; wait.ts wait_task_stopped / wait_task_continued):
;  1. SIGSTOP stops a child (it sleeps in pause): waitpid(WUNTRACED) reports it once,
;     status 0x137f (WIFSTOPPED, WSTOPSIG 19);
;  2. SIGCONT continues it: waitpid(WCONTINUED) reports 0xffff (WIFCONTINUED); the
;     child's pause() goes on (SIGCONT has no handler: the syscall is restarted);
;  3. stopped again, it is killed by SIGKILL, which ends a stop: WIFSIGNALED, WTERMSIG 9.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

section .bss
status:     resd    1
child:      resd    1

section .text
main:
        ccall   fork
        test    eax, eax
        js      fail
        jz      sleeper
        mov     [child], eax
        prints  "child pid="
        printd  dword [child]
        prints  " sleeps in pause()", 10

        ; ---- 1. stop ----
        ccall   kill, dword [child], SIGSTOP
        ccall   waitpid, dword [child], status, WUNTRACED
        call    report
        mov     eax, [status]
        cmp     eax, (SIGSTOP << 8) | 0x7f
        jne     fail
        ccall   waitpid, dword [child], status, WUNTRACED | WNOHANG
        prints  "waitpid(WUNTRACED | WNOHANG) again: "
        printd  eax
        prints  " (the stop was reported once)", 10
        test    eax, eax
        jnz     fail

        ; ---- 2. continue ----
        ccall   kill, dword [child], SIGCONT
        ccall   waitpid, dword [child], status, WCONTINUED
        call    report
        cmp     dword [status], 0xffff
        jne     fail

        ; ---- 3. stop again, then SIGKILL ----
        ccall   kill, dword [child], SIGSTOP
        ccall   waitpid, dword [child], status, WUNTRACED
        call    report
        ccall   kill, dword [child], SIGKILL
        ccall   waitpid, dword [child], status, WUNTRACED | WCONTINUED
        call    report
        cmp     dword [status], SIGKILL
        jne     fail
        xor     eax, eax
        ret

fail:
        nl
        prints  "FAIL: unexpected result", 10
        mov     eax, 1
        ret

sleeper:
        ccall   pause
        jmp     sleeper

; report: "waitpid: pid=N status 0xS: <decoded>" for the pid in eax and [status]
report:
        prints  "waitpid: pid="
        printd  eax
        mov     ebx, [status]
        prints  " status "
        printx  ebx
        prints  ": "
        cmp     ebx, 0xffff
        je      .continued
        mov     eax, ebx
        and     eax, 0xff
        cmp     eax, 0x7f
        je      .stopped
        and     eax, 0x7f
        jnz     .signaled
        prints  "WIFEXITED, WEXITSTATUS "
        movzx   eax, bh
        printd  eax
        nl
        ret
.continued:
        prints  "WIFCONTINUED", 10
        ret
.stopped:
        prints  "WIFSTOPPED, WSTOPSIG "
        movzx   eax, bh
        printd  eax
        nl
        ret
.signaled:
        prints  "WIFSIGNALED, WTERMSIG "
        printd  eax
        nl
        ret
