; sleep.asm — nanosleep for 50 ms (a timespec built with struc/istruc), then print.
%include "lib/syscalls.inc"

struc timespec
    .tv_sec:    resd    1
    .tv_nsec:   resd    1
endstruc

section .data
delay:  istruc timespec
            at timespec.tv_sec,  dd 0
            at timespec.tv_nsec, dd 50 * 1000 * 1000
        iend

section .bss
remain: resb    timespec_size

section .rodata
msg:        db      "slept 50 ms", 10
msg_len     equ     $ - msg

section .text
global _start
_start:
        syscall SYS_nanosleep, delay, remain
        test    eax, eax
        jnz     .fail
        print   msg
        sys_exit 0
.fail:
        neg     eax                     ; errno
        sys_exit eax
