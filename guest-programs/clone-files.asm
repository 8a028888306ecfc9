; clone-files.asm — what CLONE_FILES and CLONE_FS share (the seeds: "CLONE_FILES 共享打开
; 文件表", "CLONE_FS 共享根目录和当前工作目录所在的表"). Four children made with clone()
; WITHOUT CLONE_VM (each has its own copy of memory, as after fork); each does the same
; thing, and the parent looks at its own tables afterwards:
;
;  1. clone(SIGCHLD): the child closes the parent's fd A and dup()s stdout to a new fd B.
;     Its descriptor table is a COPY: in the parent, A is still open and B does not exist.
;  2. clone(CLONE_FILES | SIGCHLD): the same — and the table is SHARED: in the parent, A
;     is closed and B is open; the parent writes a line through the B its child made.
;  3. clone(SIGCHLD): the child chdir()s to /tmp — the parent's cwd is still /.
;  4. clone(CLONE_FS | SIGCHLD): the child chdir()s to /tmp — so has the parent.
;
; The child's fd B is the lowest free descriptor; it exits with B as its status, so the
; parent learns B without shared memory.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

STACK_SIZE equ 16384

section .rodata
devnull:    db "/dev/null", 0
root:       db "/", 0
tmp:        db "/tmp", 0
via_b:      db "parent: this line was written through fd B, which the CLONE_FILES child opened", 10
via_b_len   equ $ - via_b

section .bss
fd_a:       resd 1
fd_b:       resd 1
child:      resd 1
status:     resd 1
cwd:        resb 256
            alignb 16
stack:      resb STACK_SIZE
stack_top:

section .text
main:
        ccall   chdir, root                     ; a known cwd, natively too
        ccall   open, devnull, O_RDONLY, 0
        test    eax, eax
        js      error
        mov     [fd_a], eax

        ; ---- 1. a copy of the table ----
        ccall   run_child, files_child, SIGCHLD
        prints  "clone(SIGCHLD): the child closed fd A and made fd B; in the parent: "
        call    report_fds
        cmp     dword [a_state], 0
        jl      fail                            ; A must still be open
        cmp     dword [b_state], -EBADF
        jne     fail                            ; B must not exist

        ; ---- 2. the same table ----
        ccall   run_child, files_child, CLONE_FILES | SIGCHLD
        prints  "clone(CLONE_FILES|SIGCHLD): the same; in the parent: "
        call    report_fds
        cmp     dword [a_state], -EBADF
        jne     fail                            ; A was closed for both
        cmp     dword [b_state], 0
        jl      fail                            ; B was opened for both
        call    flush
        ccall   write, dword [fd_b], via_b, via_b_len
        cmp     eax, via_b_len
        jne     fail
        ccall   close, dword [fd_b]

        ; ---- 3. a copy of the fs_struct ----
        ccall   run_child, fs_child, SIGCHLD
        prints  "clone(SIGCHLD): the child did chdir(/tmp); the parent's cwd: "
        call    report_cwd
        cmp     word [cwd], '/'                 ; "/" and its NUL
        jne     fail

        ; ---- 4. the same fs_struct ----
        ccall   run_child, fs_child, CLONE_FS | SIGCHLD
        prints  "clone(CLONE_FS|SIGCHLD): the child did chdir(/tmp); the parent's cwd: "
        call    report_cwd
        cmp     dword [cwd], '/tmp'
        jne     fail
        xor     eax, eax
        ret

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

; run_child(fn, flags): clone a child running fn, wait for it; [fd_b] = its exit status
run_child:
        push    ebp
        mov     ebp, esp
        call    flush                           ; nothing pending for the child to copy
        ccall   clone, dword [ebp + 8], stack_top, dword [ebp + 12], 0, 0, 0, 0
        test    eax, eax
        js      .error
        mov     [child], eax
        ccall   wait4, eax, status, 0, 0
        cmp     eax, [child]
        jne     .error
        movzx   eax, byte [status + 1]
        mov     [fd_b], eax
        pop     ebp
        ret
.error:
        prints  "clone/wait failed: "
        printd  eax
        nl
        ccall   exit, 1

section .bss
a_state:    resd 1
b_state:    resd 1
section .text

; report_fds: print whether fds A and B are open in the parent (fcntl F_GETFD)
report_fds:
        ccall   fcntl, dword [fd_a], F_GETFD, 0
        mov     [a_state], eax
        prints  "fd A "
        call    open_or_not
        ccall   fcntl, dword [fd_b], F_GETFD, 0
        mov     [b_state], eax
        prints  ", fd B "
        call    open_or_not
        nl
        ret

; open_or_not: eax = an fcntl result
open_or_not:
        test    eax, eax
        js      .closed
        prints  "is open"
        ret
.closed:
        prints  "is not open ("
        printd  eax
        prints  ")"
        ret

report_cwd:
        ccall   getcwd, cwd, 256
        test    eax, eax
        js      error
        ccall   print_str, cwd
        nl
        ret

; ---- the children (fn(arg) of clone; the return value is the exit status) ----------

files_child:
        ccall   dup, STDOUT                     ; B: the lowest free descriptor
        push    eax
        ccall   close, dword [fd_a]             ; the parent's A
        pop     eax
        ret

fs_child:
        ccall   chdir, tmp
        ret
