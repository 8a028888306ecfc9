; fork.asm — fork a child that prints and exits with status 7; the parent waits for it
; with wait4, checks the exit status (WEXITSTATUS = bits 8..15) and reports it.
%include "lib/syscalls.inc"

CHILD_STATUS equ 7

section .rodata
child_msg:      db      "child: hello", 10
child_msg_len   equ     $ - child_msg
parent_msg:     db      "parent: child exited with 7", 10
parent_msg_len  equ     $ - parent_msg
fail_msg:       db      "parent: unexpected status", 10
fail_msg_len    equ     $ - fail_msg

section .bss
status:         resd    1

section .text
global _start
_start:
        syscall SYS_fork
        test    eax, eax
        js      .failed                 ; -errno
        jz      .child
        ; parent: wait4(pid, &status, 0, NULL)
        mov     ebx, eax
        mov     ecx, status
        xor     edx, edx
        xor     esi, esi
        mov     eax, SYS_wait4
        int     0x80
        mov     eax, [status]
        test    al, 0x7f                ; WIFEXITED: no terminating signal
        jnz     .failed
        movzx   eax, ah                 ; WEXITSTATUS
        cmp     eax, CHILD_STATUS
        jne     .failed
        print   parent_msg
        sys_exit 0
.failed:
        print   fail_msg
        sys_exit 1
.child:
        print   child_msg
        sys_exit CHILD_STATUS
