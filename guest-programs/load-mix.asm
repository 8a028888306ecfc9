; load-mix.asm — determinism under load: 201 processes (this one, 20 workers, 9 children
; each) doing a mix of fork, pipe writes, nanosleep, copy-on-write writes and signals.
;
;  - The parent fills one dword in each of 16 pages of `buf`, installs a SIGUSR1 handler
;    (SA_RESTART), creates a pipe and forks 20 workers.
;  - Worker i writes to page i % 16 of buf (a COW copy), forks 9 children, reaps them and
;    sends one record through the pipe: 1000000 + the sum of their exit codes; it exits
;    with that sum.
;  - Child j of worker i sleeps 1 + (7i + 3j) % 5 ms (nanosleep), writes to page
;    (i + j) % 16 (another COW copy), sums the first dword of every page as it sees them,
;    sends 100i + j + that sum through the pipe, signals the parent (child 0 of each
;    worker: kill(parent, SIGUSR1)) and exits with (i + j) & 0x7f.
;  - The parent reads records until EOF, reaps the workers and prints the number of
;    records, their sum, the sum of the workers' exit codes and whether its handler ran.
;
; What is printed depends on no scheduling decision (each process sees its own copy of
; buf; records are summed; standard signals may merge, so only "handled" is printed): the
; same natively, under qemu-i386 and on forkbox. On forkbox the whole run — interleaving,
; cycle count, traces — is the same from one run to the next (tests/determinism-load.test.ts).
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

WORKERS  equ 20
CHILDREN equ 9
PAGES    equ 16

section .bss
buf:     resb    PAGES * 4096
fds:     resd    2
rootpid: resd    1
usr1:    resd    1                              ; SIGUSR1 handler runs
record:  resd    1
status:  resd    1
total:   resd    1                              ; sum of the records (mod 2^32)
nrec:    resd    1
statsum: resd    1

section .text
main:
        ccall   getpid
        mov     [rootpid], eax
        ccall   set_handler, SIGUSR1, on_usr1, SA_RESTART
        test    eax, eax
        jnz     fail
        ccall   pipe, fds
        test    eax, eax
        jnz     fail
        xor     ecx, ecx                        ; page p's first dword = 3p + 1
.fill:  mov     edx, ecx
        shl     edx, 12
        lea     eax, [ecx + ecx * 2 + 1]
        mov     [buf + edx], eax
        inc     ecx
        cmp     ecx, PAGES
        jb      .fill
        prints  "load-mix: "
        printu  WORKERS
        prints  " workers forking "
        printu  CHILDREN
        prints  " children each: fork, pipe, nanosleep, COW writes, SIGUSR1", 10
        xor     edi, edi
.fork_worker:
        ccall   fork
        test    eax, eax
        jz      worker
        js      fail
        inc     edi
        cmp     edi, WORKERS
        jb      .fork_worker
        ccall   close, dword [fds + 4]
.read:  ccall   read, dword [fds], record, 4
        cmp     eax, -EINTR
        je      .read
        cmp     eax, 4
        jne     .eof
        mov     eax, [record]
        add     [total], eax
        inc     dword [nrec]
        jmp     .read
.eof:   test    eax, eax
        jnz     fail
        mov     esi, WORKERS
.reap:  ccall   wait4, -1, status, 0, 0
        test    eax, eax
        js      fail
        movzx   eax, byte [status + 1]
        add     [statsum], eax
        dec     esi
        jnz     .reap
        prints  "records: "
        printu  dword [nrec]
        prints  ", their sum: "
        printu  dword [total]
        nl
        prints  "workers' exit codes sum to "
        printu  dword [statsum]
        nl
        cmp     dword [usr1], 0
        je      .nosig
        prints  "SIGUSR1 from the children: handled", 10
        xor     eax, eax
        ret
.nosig: prints  "SIGUSR1 from the children: never handled", 10
        mov     eax, 1
        ret

; worker edi
worker:
        ccall   close, dword [fds]
        mov     eax, edi
        and     eax, PAGES - 1
        shl     eax, 12
        add     dword [buf + eax], 1000         ; COW
        xor     esi, esi
.fork_child:
        ccall   fork
        test    eax, eax
        jz      child
        js      fail
        inc     esi
        cmp     esi, CHILDREN
        jb      .fork_child
        xor     ebx, ebx
        mov     esi, CHILDREN
.reap:  ccall   wait4, -1, status, 0, 0
        test    eax, eax
        js      fail
        movzx   eax, byte [status + 1]
        add     ebx, eax
        dec     esi
        jnz     .reap
        lea     eax, [ebx + 1000000]
        mov     [record], eax
        ccall   write, dword [fds + 4], record, 4
        cmp     eax, 4
        jne     fail
        ccall   _exit, ebx

; child esi of worker edi
child:
        imul    eax, edi, 7
        lea     eax, [eax + esi * 2]
        add     eax, esi
        xor     edx, edx
        mov     ecx, 5
        div     ecx
        inc     edx
        ccall   sleep_ms, edx
        test    eax, eax
        jnz     fail
        mov     eax, edi
        add     eax, esi
        and     eax, PAGES - 1
        shl     eax, 12
        lea     ecx, [esi + 1]
        add     [buf + eax], ecx                ; COW
        xor     eax, eax
        xor     ecx, ecx
.sum:   mov     edx, ecx
        shl     edx, 12
        add     eax, [buf + edx]
        inc     ecx
        cmp     ecx, PAGES
        jb      .sum
        imul    edx, edi, 100
        add     eax, edx
        add     eax, esi
        mov     [record], eax
        ccall   write, dword [fds + 4], record, 4
        cmp     eax, 4
        jne     fail
        test    esi, esi
        jnz     .exit
        ccall   kill, dword [rootpid], SIGUSR1
.exit:  lea     eax, [edi + esi]
        and     eax, 0x7f
        ccall   _exit, eax

on_usr1:
        inc     dword [usr1]
        ret

fail:
        prints  "FAIL", 10
        ccall   _exit, 1
