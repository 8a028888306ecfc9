; clone-vm.asm — clone() with CLONE_VM: the child runs fn(arg) on its own stack but in
; the parent's address space, so what it writes the parent reads. The flags are the
; seeds' "thread" (a lightweight process): CLONE_VM | CLONE_FS | CLONE_FILES |
; CLONE_SIGHAND and exit signal 0 — so the parent waits for it with __WCLONE.
;
; The clone wrapper (lib/runtime.inc) does what the seeds say glibc's does: sys_clone has
; no fn and arg, so it writes fn where the child's return address will be, arg below it,
; and the child "returns" into fn(arg); fn's return value becomes the exit status.
;
; C equivalent:
;       int shared = 0;
;       int fn(void *arg) { shared = (int)arg; return 7; }
;       pid = clone(fn, stack + sizeof stack, CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND, (void *)42);
;       waitpid(pid, &status, __WCLONE);   /* shared == 42, WEXITSTATUS(status) == 7 */
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

STACK_SIZE equ 16384
FLAGS      equ CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND

section .data
shared:         dd      0

section .bss
child_stack:    resb    STACK_SIZE
status:         resd    1
child_pid:      resd    1

section .text
main:
        prints  "parent: shared="
        printd  dword [shared]
        prints  " at "
        printx  shared
        prints  ", calling clone(fn, stack, CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND, 42)", 10
        ccall   clone, fn, child_stack + STACK_SIZE, FLAGS, 42, 0, 0, 0
        test    eax, eax
        js      .error
        mov     [child_pid], eax
        ccall   waitpid, eax, status, __WCLONE
        cmp     eax, [child_pid]
        jne     .error
        prints  "parent: the child exited with status "
        movzx   eax, byte [status + 1]          ; WEXITSTATUS
        printd  eax
        prints  "; shared="
        printd  dword [shared]
        nl
        cmp     dword [shared], 42
        jne     .wrong
        cmp     dword [status], 7 << 8
        jne     .wrong
        prints  "the child's write is the parent's: CLONE_VM shares the address space", 10
        xor     eax, eax
        ret
.wrong:
        prints  "FAIL: the parent does not see the child's write", 10
        mov     eax, 1
        ret
.error:
        prints  "error in clone or waitpid: "
        printd  eax
        nl
        mov     eax, 1
        ret

; int fn(void *arg) — runs in the child, on child_stack
fn:
        mov     eax, [esp + 4]                  ; arg
        prints  "child: pid="
        push    eax
        ccall   getpid
        printd  eax
        pop     eax
        prints  ", fn(arg="
        printd  eax
        prints  ") writes shared="
        printd  eax
        nl
        mov     [shared], eax
        mov     eax, 7
        ret
