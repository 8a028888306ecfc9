; signal-default-actions.asm — what each signal does to a process that has no handler
; for it (signal.ts get_signal), as its parent's waitpid sees it: terminate (WIFSIGNALED,
; WTERMSIG), terminate with a core dump (the same, and the status's core bit 0x80),
; ignore (the child goes on and exits 0), stop (WIFSTOPPED; the parent then kills it).
; Each child sends the signal to itself with kill(getpid(), sig).
;
; The core bit: Linux sets it only when a core file was written, which depends on
; RLIMIT_CORE (0 by default, so natively the bit is clear); forkbox reports core signals
; as a Linux whose core dumps succeed (writing no file). The bit is printed only when the
; program gets an argument (`signal-default-actions core`), so that the default run
; compares with Linux and qemu-i386. A child closes its stderr first: qemu-i386 reports a
; guest's core dump on the guest's stderr.
;
; SIGTSTP, SIGTTIN and SIGTTOU stop like SIGSTOP — except, on Linux, in an orphaned
; process group, which depends on how the program was started: they are left out here
; (tests/signal.test.ts has them).
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

section .data
sigs:   dd  SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL
        dd  SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD
        dd  SIGCONT, SIGSTOP, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH
        dd  SIGIO, SIGPWR, SIGSYS, SIGRTMIN + 2, 0

section .bss
status:     resd    1
show_core:  resd    1

section .text
main:
        cmp     dword [argc], 1
        seta    al
        movzx   eax, al
        mov     [show_core], eax
        mov     esi, sigs
.next:
        mov     ebx, [esi]
        test    ebx, ebx
        jz      .done
        ccall   fork
        test    eax, eax
        js      fail
        jz      .child
        mov     edi, eax                        ; the child's pid
        ccall   waitpid, edi, status, WUNTRACED
        prints  "signal "
        printd  ebx
        prints  ": "
        call    report
        add     esi, 4
        jmp     .next
.done:
        xor     eax, eax
        ret
.child:
        ccall   close, STDERR
        ccall   getpid
        ccall   kill, eax, ebx
        ccall   _exit, 0                        ; still here: the signal was ignored

fail:
        nl
        prints  "FAIL: unexpected result", 10
        mov     eax, 1
        ret

; report: decode [status] of child edi (a stopped one is killed and waited for)
report:
        mov     eax, [status]
        cmp     al, 0x7f
        je      .stopped
        and     eax, 0x7f
        jnz     .signaled
        prints  "exited "
        movzx   eax, byte [status + 1]
        printd  eax
        prints  " (ignored)", 10
        ret
.signaled:
        prints  "killed, WTERMSIG "
        printd  eax
        cmp     dword [show_core], 0
        je      .nl
        test    dword [status], 0x80
        jz      .nl
        prints  ", core dumped (0x80)"
.nl:
        nl
        ret
.stopped:
        prints  "stopped, WSTOPSIG "
        movzx   eax, byte [status + 1]
        printd  eax
        ccall   kill, edi, SIGKILL
        ccall   waitpid, edi, status, 0
        prints  "; then SIGKILL: WTERMSIG "
        mov     eax, [status]
        and     eax, 0x7f
        printd  eax
        nl
        ret
