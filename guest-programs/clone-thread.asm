; clone-thread.asm — clone() with the flags of a thread (what pthread_create passes):
; CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, plus
; CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID on one tid word. The thread is in the
; same thread group: getpid() (the tgid) is the main thread's, gettid() its own. It is
; not a child one can wait for; instead the kernel clears the tid word when the thread
; exits (CLONE_CHILD_CLEARTID, and a futex wake) — the main thread polls it to join.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

STACK_SIZE equ 16384
FLAGS      equ CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID

section .data
shared:         dd      0

section .bss
thread_stack:   resb    STACK_SIZE
tid_word:       resd    1                       ; set by CLONE_PARENT_SETTID, cleared at exit
thread_tid:     resd    1
main_pid:       resd    1

section .text
main:
        ccall   getpid
        mov     [main_pid], eax
        prints  "main: pid="
        printd  eax
        prints  " tid="
        ccall   gettid
        printd  eax
        prints  ", starting a thread", 10
        ccall   clone, thread_fn, thread_stack + STACK_SIZE, FLAGS, 5, tid_word, 0, tid_word
        test    eax, eax
        js      .error
        mov     [thread_tid], eax
        mov     esi, 100000                     ; join: wait for the kernel to clear tid_word
.join:
        cmp     dword [tid_word], 0
        je      .joined
        ccall   sched_yield
        dec     esi
        jnz     .join
        prints  "FAIL: the tid word was never cleared", 10
        mov     eax, 1
        ret
.joined:
        prints  "main: clone returned tid="
        printd  dword [thread_tid]
        prints  "; the kernel cleared the tid word when the thread exited; shared="
        printd  dword [shared]
        nl
        cmp     dword [shared], 5
        jne     .wrong
        prints  "one process, two threads: same pid, own tids, one address space", 10
        xor     eax, eax
        ret
.wrong:
        prints  "FAIL: the thread's write is not visible", 10
        mov     eax, 1
        ret
.error:
        prints  "error in clone: "
        printd  eax
        nl
        mov     eax, 1
        ret

; int thread_fn(void *arg)
thread_fn:
        mov     ebx, [esp + 4]                  ; arg
        prints  "thread: pid="
        ccall   getpid
        printd  eax
        cmp     eax, [main_pid]
        jne     .not_same
        prints  " (the main thread's) tid="
        ccall   gettid
        printd  eax
        prints  ", writes shared="
        printd  ebx
        nl
        mov     [shared], ebx
        xor     eax, eax
        ret                                     ; to __clone_exit: SYS_exit, this thread only
.not_same:
        prints  ": FAIL: not the main thread's pid", 10
        mov     eax, 1
        ret
