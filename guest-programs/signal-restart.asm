; signal-restart.asm — a signal handler interrupting a blocking syscall (signal.ts
; handle_signal: -ERESTARTSYS, -ERESTART_RESTARTBLOCK):
;  1. nanosleep(3 s) interrupted by alarm(1)'s SIGALRM: -EINTR, and rem holds the time
;     left (about 2 s); alarm returns the seconds the previous alarm had left;
;  2. a read from an empty pipe interrupted by SIGALRM (setitimer, 100 ms): without
;     SA_RESTART it fails with -EINTR; with SA_RESTART it is restarted after the handler
;     and returns the bytes a child writes 300 ms after it started.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

ITIMER_REAL equ 0

section .data
req:        dd      3, 0                ; 3 s
itv:        dd      0, 0, 0, 100000     ; it_interval 0, it_value 100 ms
hello:      db      "hello"

section .bss
rem:        resd    2
alarms:     resd    1
fds:        resd    2
buf:        resb    16

section .text
main:
        ; ---- 1. nanosleep and alarm ----
        ccall   set_handler, SIGALRM, on_alrm, 0
        test    eax, eax
        jnz     fail
        ccall   alarm, 5
        ccall   alarm, 1
        prints  "alarm(1) after alarm(5) returned "
        printd  eax
        nl
        ccall   nanosleep, req, rem
        mov     esi, eax
        prints  "nanosleep(3 s) returned "
        printd  esi
        prints  " (EINTR) after "
        printd  dword [alarms]
        prints  " SIGALRM; time left about "
        mov     eax, [rem]
        cmp     dword [rem + 4], 500000000      ; rounded to whole seconds
        jb      .round
        inc     eax
.round:
        printd  eax
        prints  " s", 10
        cmp     esi, -EINTR
        jne     fail

        ; ---- 2. read from a pipe, without and with SA_RESTART ----
        ccall   pipe, fds
        test    eax, eax
        jnz     fail
        ccall   fork
        test    eax, eax
        js      fail
        jz      writer
        ccall   close, dword [fds + 4]
        mov     dword [alarms], 0
        ccall   setitimer, ITIMER_REAL, itv, 0
        ccall   read, dword [fds], buf, 16
        mov     esi, eax
        prints  "read without SA_RESTART: "
        printd  esi
        prints  " (EINTR) after "
        printd  dword [alarms]
        prints  " SIGALRM", 10
        cmp     esi, -EINTR
        jne     fail

        ccall   set_handler, SIGALRM, on_alrm, SA_RESTART
        mov     dword [alarms], 0
        ccall   setitimer, ITIMER_REAL, itv, 0
        ccall   read, dword [fds], buf, 16
        mov     esi, eax
        prints  "read with SA_RESTART: "
        printd  esi
        prints  " bytes '"
        mov     byte [buf + 5], 0
        ccall   print_str, buf
        prints  "' after "
        printd  dword [alarms]
        prints  " SIGALRM: restarted", 10
        cmp     esi, 5
        jne     fail
        ccall   wait4, -1, 0, 0, 0
        xor     eax, eax
        ret

fail:
        nl
        prints  "FAIL: unexpected result", 10
        mov     eax, 1
        ret

; the child: write "hello" 300 ms after the fork
writer:
        ccall   close, dword [fds]
        ccall   sleep_ms, 300
        ccall   write, dword [fds + 4], hello, 5
        ccall   _exit, 0

on_alrm:
        inc     dword [alarms]
        ret
