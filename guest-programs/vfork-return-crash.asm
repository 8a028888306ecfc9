; vfork-return-crash.asm — what the seeds warn about: a vfork child that returns from
; the function that called vfork (instead of calling _exit) returns on the PARENT's stack.
;
; Seed 1: "vfork的子进程如果return就意味着父进程return（共享内存、栈）… 接下来父进程再次
; return就崩了 … 有些直接就segmentation fault". Seed 2 shows the parent printing a garbage
; cnt (cnt=-134746042) and then crashing.
;
; Here the demo is vfork.asm's program without the _exit, run in a forked process (the
; "victim") so that this program survives to report how the victim ended. On the stack
; the two share (esp0 = the victim's esp before `call victim_main`):
;   1. victim_main's frame: [esp0-4] its return address, [esp0-8] the saved ebp,
;      [esp0-12] pid, [esp0-16] cnt.
;   2. The child does cnt++ (cnt=1), prints, and returns from victim_main into
;      victim_start, which calls exit(0) as C's start-up code does: `push eax` writes 0
;      over victim_main's return address at [esp0-4]; `call exit` writes at [esp0-8];
;      exit's `push ebp` at [esp0-12]; its `call __run_exit_handlers` puts a return
;      address at [esp0-16], over cnt. Then the child's exit_group wakes the parent.
;   3. The parent returns from vfork with its own registers but that trampled frame:
;      cnt++ makes the code address 1 larger (the garbage cnt of seed 2), and
;      `leave; ret` pops the 0 the child pushed as exit's argument: a jump to address 0,
;      a page fault outside every mapping, SIGSEGV.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

section .bss
status:     resd    1
victim:     resd    1

section .text
main:
        ccall   fork
        test    eax, eax
        js      .error
        jz      victim_start
        mov     [victim], eax
        ccall   wait4, eax, status, 0, 0
        mov     eax, [status]
        and     eax, 0x7f                       ; WTERMSIG
        jz      .exited
        prints  "the vfork parent (pid="
        printd  dword [victim]
        prints  ") was killed by signal "
        printd  eax
        cmp     eax, SIGSEGV
        jne     .other
        prints  " (SIGSEGV): the child's return had destroyed its stack frame", 10
        xor     eax, eax
        ret
.other:
        nl
        mov     eax, 1
        ret
.exited:
        prints  "FAIL: the vfork parent exited normally with status "
        movzx   eax, byte [status + 1]
        printd  eax
        nl
        mov     eax, 1
        ret
.error:
        prints  "error in fork: "
        printd  eax
        nl
        mov     eax, 1
        ret

; The victim: a process that runs victim_main as _start runs main.
victim_start:
        xor     ebp, ebp
        call    victim_main
        push    eax
        call    exit

; vfork.asm's main without the child's _exit
victim_main:
        push    ebp
        mov     ebp, esp
        sub     esp, 8                          ; pid_t pid at [ebp - 4]
        mov     dword [ebp - 8], 0              ; int cnt = 0 at [ebp - 8]
        call    vfork
        mov     [ebp - 4], eax                  ; pid = vfork()
        test    eax, eax
        js      .error
        jz      .child
        inc     dword [ebp - 8]                 ; parent: cnt++
        prints  "cnt="
        printd  dword [ebp - 8]
        nl
        prints  "I am the parent process, pid="
        ccall   getpid
        printd  eax
        nl
        xor     eax, eax
        leave
        ret                                     ; … to wherever the child left on the stack
.child:
        inc     dword [ebp - 8]                 ; child: cnt++
        prints  "cnt="
        printd  dword [ebp - 8]
        nl
        prints  "I am the child process, pid="
        ccall   getpid
        printd  eax
        nl
        xor     eax, eax
        leave                                   ; return 0 — instead of _exit(0)
        ret
.error:
        mov     eax, 1
        leave
        ret
