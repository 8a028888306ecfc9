; forkbomb-eagain.asm — a bounded fork bomb. Every process forks once per remaining
; generation (the child carries on forking from the next one), so GENERATIONS = 6 makes
; at most 2^6 = 64 processes, all alive at once: a process waits for its children only
; after forking all of them, and a child that exited stays a zombie until then.
; When the kernel's task limit (or pid space) is exhausted, do_fork fails with EAGAIN
; (-11): each process reports its failed forks and carries on. The processes are
; counted back up the tree through the exit statuses.
;
; Natively (and under qemu-i386), as root, RLIMIT_NPROC does not apply and 64 processes
; never exhaust pid_max, so all 64 are created. forkbox with the default limits does the
; same; the end-to-end test also runs it with a task limit (maxTasks) so that forks fail.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

GENERATIONS equ 6
MAX_PROCS   equ 1 << GENERATIONS
ODD_ERROR   equ 0x80                            ; exit-status bit: a fork failed otherwise

section .bss
status:     resd    1
level:      resd    1                           ; this process's generation
children:   resd    1                           ; forked successfully
count:      resd    1                           ; processes in this subtree, this one included
odd:        resd    1                           ; ODD_ERROR if any fork failed but with EAGAIN

section .text
main:
        prints  "fork bomb: every process forks until generation "
        printd  GENERATIONS
        prints  ": at most "
        printd  MAX_PROCS
        prints  " processes", 10
        mov     dword [count], 1
        mov     ebx, 0                          ; the generation of the next fork
.fork_next:
        cmp     ebx, GENERATIONS
        jae     .reap
        inc     ebx
        ccall   fork
        test    eax, eax
        jz      .child
        js      .failed
        inc     dword [children]
        jmp     .fork_next
.child:
        mov     [level], ebx                    ; a fresh process one generation down
        mov     dword [children], 0
        mov     dword [count], 1
        mov     dword [odd], 0
        jmp     .fork_next
.failed:
        cmp     eax, -EAGAIN
        je      .eagain
        mov     dword [odd], ODD_ERROR
.eagain:
        prints  "pid="
        mov     esi, eax
        ccall   getpid
        printd  eax
        prints  ": fork failed with "
        printd  esi
        cmp     esi, -EAGAIN
        jne     .errno_printed
        prints  " (EAGAIN)"
.errno_printed:
        nl
        jmp     .fork_next

.reap:                                          ; count the subtrees of the children
        cmp     dword [children], 0
        je      .reaped
        ccall   wait4, -1, status, 0, 0
        test    eax, eax
        js      .wait_failed
        dec     dword [children]
        movzx   eax, byte [status + 1]          ; the child's exit status
        mov     ecx, eax
        and     ecx, ODD_ERROR
        or      [odd], ecx
        and     eax, ~ODD_ERROR
        add     [count], eax
        jmp     .reap
.wait_failed:
        mov     dword [odd], ODD_ERROR
.reaped:
        cmp     dword [level], 0
        je      .report
        mov     eax, [count]
        or      eax, [odd]
        ccall   _exit, eax

.report:                                        ; the first process
        prints  "processes created: "
        printd  dword [count]
        prints  " of "
        printd  MAX_PROCS
        prints  " (the first included)", 10
        cmp     dword [odd], 0
        jne     .fail
        cmp     dword [count], MAX_PROCS
        jne     .limited
        prints  "no fork failed: the task limit was not reached", 10
        xor     eax, eax
        ret
.limited:
        prints  "the other forks failed with EAGAIN: the task limit held", 10
        xor     eax, eax
        ret
.fail:
        prints  "FAIL: a fork or a wait failed with another error", 10
        mov     eax, 1
        ret
