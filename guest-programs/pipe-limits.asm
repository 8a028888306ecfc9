; pipe-limits.asm — the edges of a pipe, as Linux draws them:
;  1. O_NONBLOCK: reading an empty pipe gives EAGAIN instead of sleeping.
;  2. Capacity: 1000-byte writes until EAGAIN. A pipe is 16 page-sized slots; small
;     writes share the last page while they fit in it whole, so 4 writes fill a page and
;     the pipe takes 64 of them: 64000 bytes, not 65536.
;  3. Reading 1000 bytes frees no slot (the first page still holds 3000): a write still
;     gets EAGAIN. Reading the other 3000 frees the page: the next write succeeds.
;  4. End of file: with the write end closed, reads drain what is left, then return 0.
;  5. No reader: a write to a pipe whose read ends are all closed raises SIGPIPE, which
;     kills the writer (its status shows signal 13).
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

CHUNK   equ 1000
SIGPIPE_NR equ 13

section .bss
fds:        resd 2
buf:        resb 4096
status:     resd 1
pid:        resd 1
total:      resd 1

section .text
main:
        ccall   pipe2, fds, O_NONBLOCK
        test    eax, eax
        jnz     error

        ; ---- 1. empty + O_NONBLOCK ----
        ccall   read, dword [fds], buf, 100
        prints  "read from an empty O_NONBLOCK pipe: "
        printd  eax
        prints  " (EAGAIN)", 10
        cmp     eax, -EAGAIN
        jne     fail

        ; ---- 2. fill it ----
        xor     esi, esi                        ; writes that succeeded
.fill:
        ccall   write, dword [fds + 4], buf, CHUNK
        cmp     eax, CHUNK
        jne     .full
        inc     esi
        cmp     esi, 1000
        jb      .fill
.full:
        push    eax
        prints  "1000-byte writes until the pipe is full: "
        printd  esi
        prints  " writes ("
        imul    eax, esi, CHUNK
        printd  eax
        prints  " bytes), then "
        pop     eax
        printd  eax
        prints  " (EAGAIN)", 10
        cmp     esi, 64
        jne     fail

        ; ---- 3. partial read frees no slot ----
        ccall   read, dword [fds], buf, CHUNK
        ccall   write, dword [fds + 4], buf, CHUNK
        prints  "read 1000, write 1000: "
        printd  eax
        prints  " (EAGAIN: the first page still holds 3000 unread bytes)", 10
        cmp     eax, -EAGAIN
        jne     fail
        ccall   read, dword [fds], buf, 3 * CHUNK
        ccall   write, dword [fds + 4], buf, CHUNK
        prints  "read 3000 more, write 1000: "
        printd  eax
        prints  " (the page was freed)", 10
        cmp     eax, CHUNK
        jne     fail

        ; ---- 4. EOF ----
        ccall   close, dword [fds + 4]
        mov     dword [total], 0
.drain:
        ccall   read, dword [fds], buf, 4096
        test    eax, eax
        js      error
        jz      .eof
        add     [total], eax
        jmp     .drain
.eof:
        prints  "write end closed: read drained "
        printd  dword [total]
        prints  " bytes, then returned 0 (end of file)", 10
        cmp     dword [total], 61000
        jne     fail
        ccall   close, dword [fds]

        ; ---- 5. SIGPIPE ----
        ccall   pipe, fds
        test    eax, eax
        jnz     error
        ccall   close, dword [fds]              ; no reader left
        call    flush
        ccall   fork
        test    eax, eax
        js      error
        jz      .writer
        mov     [pid], eax
        ccall   close, dword [fds + 4]
        ccall   wait4, dword [pid], status, 0, 0
        prints  "a write with no reader: the writer (pid="
        printd  dword [pid]
        prints  ") was killed by signal "
        mov     eax, [status]
        and     eax, 0x7f
        printd  eax
        prints  " (SIGPIPE)", 10
        cmp     eax, SIGPIPE_NR
        jne     fail
        xor     eax, eax
        ret
.writer:
        ccall   write, dword [fds + 4], buf, 1
        prints  "FAIL: the writer survived: write returned "
        printd  eax
        nl
        ccall   exit, 1

fail:
        prints  "FAIL: unexpected result", 10
        mov     eax, 1
        ret
error:
        prints  "error: "
        printd  eax
        nl
        mov     eax, 1
        ret
