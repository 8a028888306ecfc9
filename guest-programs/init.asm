; init.asm — forkbox's built-in init, pid 1, installed by the kernel at /sbin/init.
;
; The kernel (src/guest/init_task.ts) starts it with argv = the user's program and its
; arguments (argv[0] is the program's path) and the user's environment. Like a
; container's init it:
;   1. fork()s; the child execve()s argv[0] with argv and envp, or, if that fails,
;      writes "forkbox: cannot execute PATH: REASON" to fd 2 and _exit(127)s;
;   2. reaps children with wait4(-1, &status, 0, 0) until wait4 fails with ECHILD: the
;      program, and every orphan the kernel reparents to init along the way;
;   3. exit_group(0). The kernel then stops the machine and reports the wait status of
;      init's FIRST child — the program (a kernel convention, see init_task.ts): no exit
;      code of init could tell "exited with 137" from "killed by SIGKILL".
;
; Committed assembled as src/guest/init.bin, built by forkbox's own assembler:
;   npx tsx src/cli.ts asm guest-programs/init.asm -o src/guest/init.bin
; tests/init-program.test.ts checks that the two agree.

BITS 32

SYS_exit        equ 1
SYS_fork        equ 2
SYS_write       equ 4
SYS_execve      equ 11
SYS_wait4       equ 114
SYS_exit_group  equ 252
EINTR           equ 4
ECHILD          equ 10
STDERR          equ 2

section .rodata
cannot_exec:    db "forkbox: cannot execute ", 0
cannot_fork:    db "forkbox: cannot fork: ", 0
colon:          db ": ", 0
newline:        db 10, 0
errno_word:     db "error ", 0
e_noent:        db "No such file or directory", 0
e_2big:         db "Argument list too long", 0
e_noexec:       db "Exec format error", 0
e_again:        db "Resource temporarily unavailable", 0
e_nomem:        db "Cannot allocate memory", 0
e_acces:        db "Permission denied", 0
e_fault:        db "Bad address", 0
e_nametoolong:  db "File name too long", 0
; strerror for the errors execve and fork can give: (errno, message) pairs, 0-terminated.
errtab:         dd 2, e_noent, 7, e_2big, 8, e_noexec, 11, e_again, 12, e_nomem
                dd 13, e_acces, 14, e_fault, 36, e_nametoolong, 0

section .bss
status:         resd 1
digits:         resb 12

section .text
global _start
_start:
        mov     eax, [esp]              ; argc
        lea     esi, [esp + 4]          ; esi = argv
        lea     edi, [esi + eax*4 + 4]  ; edi = envp (past argv's NULL)
        mov     eax, SYS_fork
        int     0x80
        test    eax, eax
        jz      child
        js      fork_failed

; The parent: reap until there is nobody left.
reap:
        mov     eax, SYS_wait4
        mov     ebx, -1
        mov     ecx, status
        xor     edx, edx
        xor     esi, esi
        int     0x80
        test    eax, eax
        jns     reap                    ; a child reaped
        cmp     eax, -EINTR
        je      reap
        ; -ECHILD: every child is gone.
        mov     eax, SYS_exit_group
        xor     ebx, ebx
        int     0x80

fork_failed:
        neg     eax
        mov     ebp, eax
        mov     ecx, cannot_fork
        call    puts2
        call    put_reason
        mov     eax, SYS_exit_group
        mov     ebx, 1
        int     0x80

; The child: become the program.
child:
        mov     eax, SYS_execve
        mov     ebx, [esi]
        mov     ecx, esi
        mov     edx, edi
        int     0x80
        neg     eax                     ; execve returned: eax = -errno
        mov     ebp, eax
        mov     ecx, cannot_exec
        call    puts2
        mov     ecx, [esi]
        call    puts2
        mov     ecx, colon
        call    puts2
        call    put_reason
        mov     eax, SYS_exit
        mov     ebx, 127
        int     0x80

; put_reason: the message for errno ebp (or "error N"), and a newline, to fd 2.
put_reason:
        mov     ebx, errtab
.next:
        mov     eax, [ebx]
        test    eax, eax
        jz      .number
        cmp     eax, ebp
        je      .found
        add     ebx, 8
        jmp     .next
.found:
        mov     ecx, [ebx + 4]
        call    puts2
        jmp     .newline
.number:
        mov     ecx, errno_word
        call    puts2
        mov     eax, ebp                ; decimal digits, from the end of the buffer
        mov     ecx, digits + 11
        mov     byte [ecx], 0
        mov     ebx, 10
.digit:
        xor     edx, edx
        div     ebx
        add     dl, '0'
        dec     ecx
        mov     [ecx], dl
        test    eax, eax
        jnz     .digit
        call    puts2
.newline:
        mov     ecx, newline
        jmp     puts2

; puts2: write the NUL-terminated string at ecx to fd 2. Clobbers eax, ebx, edx.
puts2:
        xor     edx, edx
.len:
        cmp     byte [ecx + edx], 0
        je      .write
        inc     edx
        jmp     .len
.write:
        mov     eax, SYS_write
        mov     ebx, STDERR
        int     0x80
        ret
