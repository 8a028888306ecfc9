; thread-exec.asm — execve from a thread of a multi-threaded process (fs/exec.c de_thread).
;
; A child process starts two threads: one sleeps in FUTEX_WAIT on a word nobody will
; ever change, the other calls execve (this same program, with the argument "exec'd").
; As in Linux, the exec kills every other thread of the process — the sleeping thread
; and the main thread, which waits for the exec'ing one — and the exec'ing thread takes
; over the process's pid: the new program's getpid() and gettid() are both the pid the
; parent knows, and the parent's wait4 for that pid gets the new program's exit status.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

STACK_SIZE equ 16384
FLAGS      equ CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID

section .data
never:          dd      0                       ; nobody ever wakes this futex
exec_arg:       db      "exec'd", 0

section .bss
stack_a:        resb    STACK_SIZE
stack_b:        resb    STACK_SIZE
tid_a:          resd    1
tid_b:          resd    1
child_pid:      resd    1
status:         resd    1
new_argv:       resd    3

section .text
main:
        cmp     dword [argc], 2
        jb      .first
        ; ---- the new program, exec'd by a thread -------------------------------------
        prints  "after execve from a thread: pid="
        ccall   getpid
        printd  eax
        mov     ebx, eax
        prints  " tid="
        ccall   gettid
        printd  eax
        nl
        cmp     eax, ebx
        jne     .not_leader
        prints  "the exec'ing thread took over the process's pid; the other threads are gone", 10
        mov     eax, 7
        ret
.not_leader:
        prints  "FAIL: the exec'ing thread kept its own tid", 10
        mov     eax, 1
        ret

.first:
        ccall   fork
        test    eax, eax
        jz      .child
        js      .error
        mov     [child_pid], eax
        ccall   wait4, eax, status, 0, 0
        cmp     eax, [child_pid]
        jne     .error
        prints  "parent: wait4 returned pid="
        printd  eax
        prints  ", exit status "
        mov     eax, [status]
        shr     eax, 8
        and     eax, 0xff
        printd  eax
        prints  " (the new program's)", 10
        xor     eax, eax
        ret

.child:
        prints  "child: pid="
        ccall   getpid
        printd  eax
        prints  " starts a sleeping thread and an exec'ing thread", 10
        ccall   clone, sleeper, stack_a + STACK_SIZE, FLAGS, 0, tid_a, 0, tid_a
        test    eax, eax
        js      .error
        ccall   clone, execer, stack_b + STACK_SIZE, FLAGS, 0, tid_b, 0, tid_b
        test    eax, eax
        js      .error
        ; join the exec'ing thread: never returns, the exec kills this thread
.join:
        mov     eax, [tid_b]
        test    eax, eax
        jz      .joined
        ccall   futex, tid_b, FUTEX_WAIT, eax, 0, 0, 0
        jmp     .join
.joined:
        prints  "FAIL: the main thread survived the exec", 10
        mov     eax, 1
        ret
.error:
        prints  "FAIL: error "
        printd  eax
        nl
        mov     eax, 1
        ret

; the sleeping thread: FUTEX_WAIT forever
sleeper:
        ccall   futex, never, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0
        jmp     sleeper

; the exec'ing thread: execve(argv[0], {argv[0], "exec'd", NULL}, envp)
execer:
        ; let the others reach their sleep first
        ccall   sched_yield
        ccall   sched_yield
        mov     eax, [argv]
        mov     eax, [eax]
        mov     [new_argv], eax
        mov     dword [new_argv + 4], exec_arg
        mov     dword [new_argv + 8], 0
        ccall   execve, eax, new_argv, dword [envp]
        prints  "FAIL: execve returned "
        printd  eax
        nl
        mov     eax, 1
        ret
