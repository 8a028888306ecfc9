; dup2-redirect.asm — a shell's `program | reader`, by hand: the child makes the pipe's
; write end its stdout with dup2(), and execs a program (this one again, with the
; argument "child"), which prints as usual — into the pipe. The parent reads the pipe
; until end of file and shows what came through.
;
; Across execve, descriptors stay open (fd 1 is still the pipe) except those marked
; FD_CLOEXEC: the child also puts a copy of the pipe on fd 10 with dup3(O_CLOEXEC),
; which the exec'd program finds closed. Were fd 10 left open, the parent would never
; see end of file while the exec'd program ran — a classic pipe bug.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

S_IFIFO equ 0o010000

section .rodata
child_arg:  db "child", 0
arg0:       db "dup2-redirect", 0
child_argv: dd arg0, child_arg, 0

section .bss
fds:        resd 2
status:     resd 1
pid:        resd 1
buf:        resb 4096
st:         resb STAT64_SIZE

section .text
main:
        cmp     dword [argc], 2
        jb      .parent
        mov     eax, [argv]
        ccall   strequal, dword [eax + 4], child_arg
        test    eax, eax
        jnz     exec_child

.parent:
        ccall   pipe, fds
        test    eax, eax
        jnz     error
        call    flush
        ccall   fork
        test    eax, eax
        js      error
        jz      child
        mov     [pid], eax
        ccall   close, dword [fds + 4]          ; the parent only reads
        ; read everything up to end of file
        xor     esi, esi
.read:
        lea     eax, [buf + esi]
        mov     ecx, 4095
        sub     ecx, esi
        jz      .eof
        ccall   read, dword [fds], eax, ecx
        test    eax, eax
        js      error
        jz      .eof
        add     esi, eax
        jmp     .read
.eof:
        mov     byte [buf + esi], 0
        ccall   wait4, dword [pid], status, 0, 0
        prints  "parent: read "
        printd  esi
        prints  " bytes from the pipe until end of file; the child (pid="
        printd  dword [pid]
        prints  ") exited with status "
        movzx   eax, byte [status + 1]
        printd  eax
        prints  ". It wrote:", 10
        call    print_quoted
        xor     eax, eax
        ret

error:
        prints  "FAIL: error "
        printd  eax
        nl
        mov     eax, 1
        ret

; the forked child: stdout → the pipe, a close-on-exec copy on fd 10, exec
child:
        ccall   dup2, dword [fds + 4], STDOUT
        cmp     eax, STDOUT
        jne     .fail
        ccall   dup3, dword [fds + 4], 10, O_CLOEXEC
        cmp     eax, 10
        jne     .fail
        ccall   close, dword [fds]
        ccall   close, dword [fds + 4]
        mov     eax, [argv]
        ccall   execve, dword [eax], child_argv, dword [envp]
.fail:
        ccall   _exit, 127

; the exec'd program: everything it prints goes to fd 1 — the pipe
exec_child:
        prints  "exec'd child: my fd 1 is the pipe's write end: "
        ccall   fstat64, STDOUT, st
        mov     eax, [st + st_mode]
        and     eax, S_IFMT
        cmp     eax, S_IFIFO
        sete    al
        movzx   eax, al
        printd  eax
        nl
        prints  "exec'd child: fd 10 (FD_CLOEXEC) after execve: fcntl(F_GETFD) = "
        ccall   fcntl, 10, F_GETFD, 0
        printd  eax
        prints  " (EBADF: closed by execve)", 10
        prints  "exec'd child: fd 1 after execve: fcntl(F_GETFD) = "
        ccall   fcntl, STDOUT, F_GETFD, 0
        printd  eax
        prints  " (open, no FD_CLOEXEC)", 10
        xor     eax, eax
        ret

; print the text in buf with "  | " before each line
print_quoted:
        pushad
        mov     esi, buf
        mov     ebx, 1                          ; at the start of a line
.next:
        movzx   eax, byte [esi]
        test    eax, eax
        jz      .done
        test    ebx, ebx
        jz      .char
        prints  "  | "
.char:
        ccall   print_char, eax
        xor     ebx, ebx
        cmp     eax, 10
        jne     .adv
        mov     ebx, 1
.adv:
        inc     esi
        jmp     .next
.done:
        popad
        ret

; strequal(a, b) → 1 if the NUL-terminated strings are equal
strequal:
        push    esi
        push    edi
        mov     esi, [esp + 12]
        mov     edi, [esp + 16]
.cmp:
        mov     al, [esi]
        cmp     al, [edi]
        jne     .no
        test    al, al
        jz      .yes
        inc     esi
        inc     edi
        jmp     .cmp
.yes:
        mov     eax, 1
        jmp     .out
.no:
        xor     eax, eax
.out:
        pop     edi
        pop     esi
        ret
