; hello.asm — the smallest guest program: write(1, msg, len); exit(0).
%include "lib/syscalls.inc"

section .rodata
msg:        db      "Hello from forkbox!", 10
msg_len     equ     $ - msg

section .text
global _start
_start:
        print   msg
        sys_exit 0
