; threads-futex.asm — threads as glibc's pthread_create makes them, sharing a counter
; under a futex lock, joined through CLONE_CHILD_CLEARTID.
;
; Each thread's stack is an mmap'd region with a PROT_NONE guard page at its low end
; (glibc's allocate_stack); each has its own TLS block, installed by CLONE_SETTLS in the
; GDT entry the main thread got from set_thread_area, and read through %gs. The clone
; flags are pthread_create's: CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
; CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID.
;
; The lock is Drepper's futex mutex ("Futexes Are Tricky", mutex 3): 0 free, 1 locked,
; 2 locked with waiters; lock cmpxchg / xchg in user space, FUTEX_WAIT_PRIVATE to sleep,
; FUTEX_WAKE_PRIVATE to wake one sleeper. The increment itself is a plain load, add,
; store — only the lock makes it safe — and every 1000th increment the holder yields
; the CPU inside the critical section, so that the other threads do find the lock taken
; and sleep in the kernel.
;
; The join is pthread_join's: the kernel stored the thread's tid in tids[n]
; (CLONE_PARENT_SETTID) and zeroes it when the thread exits, waking one FUTEX_WAIT-er on
; that word (CLONE_CHILD_CLEARTID): the main thread waits while tids[n] holds the tid.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

NTHREADS   equ 4
ITERATIONS equ 20000
STACK_SIZE equ 65536
FLAGS      equ CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID
TLS_FLAGS  equ 0x51                            ; seg_32bit | limit_in_pages | useable

section .data
lock_word:      dd      0
counter:        dd      0

section .bss
; struct user_desc: entry_number, base_addr, limit, flags
main_desc:      resd    4
thread_desc:    resd    4 * NTHREADS
; the TLS blocks: [0] the thread's index, [4] a pointer to the block itself (as glibc's tcb)
main_tls:       resd    2
thread_tls:     resd    2 * NTHREADS
stacks:         resd    NTHREADS
tids:           resd    NTHREADS                ; CLONE_PARENT_SETTID / CLONE_CHILD_CLEARTID
clone_ret:      resd    NTHREADS
seen_tid:       resd    NTHREADS                ; what each thread's gettid() said
seen_pid:       resd    NTHREADS                ; … getpid()
seen_tls:       resd    NTHREADS                ; … [gs:0]
main_pid:       resd    1
gs_sel:         resd    1

section .text
main:
        push    ebx
        push    esi
        push    edi
        ccall   getpid
        mov     [main_pid], eax
        prints  "main: pid="
        printd  eax
        prints  " tid="
        ccall   gettid
        printd  eax
        nl

        ; The main thread's TLS: set_thread_area picks a free GDT entry (-1) and says which.
        mov     dword [main_tls], -1
        mov     dword [main_tls + 4], main_tls
        mov     ebx, main_desc
        call    fill_desc_any
        mov     dword [ebx + 4], main_tls
        ccall   set_thread_area, main_desc
        test    eax, eax
        jnz     .tls_error
        mov     eax, [main_desc]                ; entry_number
        lea     eax, [eax * 8 + 3]              ; selector: GDT, RPL 3
        mov     [gs_sel], eax
        mov     gs, ax

        xor     esi, esi                        ; thread index
.create:
        ; the stack: mmap'd, with a PROT_NONE guard page below it
        ccall   mmap, 0, STACK_SIZE + PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0
        cmp     eax, -4096
        ja      .mmap_error
        mov     [stacks + esi * 4], eax
        mov     edi, eax
        ccall   mprotect, edi, PAGE_SIZE, PROT_NONE
        test    eax, eax
        jnz     .mprotect_error
        ; its TLS block and the user_desc for CLONE_SETTLS (the main thread's entry)
        lea     ebx, [thread_tls + esi * 8]
        mov     [ebx], esi
        mov     [ebx + 4], ebx
        mov     ecx, esi
        shl     ecx, 4                          ; 16 bytes per user_desc
        add     ecx, thread_desc
        mov     eax, [main_desc]
        mov     [ecx], eax
        mov     [ecx + 4], ebx
        mov     dword [ecx + 8], 0xfffff
        mov     dword [ecx + 12], TLS_FLAGS
        lea     edx, [tids + esi * 4]
        lea     eax, [edi + STACK_SIZE + PAGE_SIZE]
        ccall   clone, thread_fn, eax, FLAGS, esi, edx, ecx, edx
        test    eax, eax
        js      .clone_error
        mov     [clone_ret + esi * 4], eax
        inc     esi
        cmp     esi, NTHREADS
        jb      .create
        prints  "main: started 4 threads on mmap'd stacks with PROT_NONE guard pages", 10

        ; pthread_join: wait on each tid word until the kernel has cleared it
        xor     esi, esi
.join:
        lea     ebx, [tids + esi * 4]
.join_wait:
        mov     eax, [ebx]
        test    eax, eax
        jz      .joined
        ccall   futex, ebx, FUTEX_WAIT, eax, 0, 0, 0
        cmp     eax, 0
        je      .join_wait
        cmp     eax, -EAGAIN                    ; the word changed before we slept
        je      .join_wait
        cmp     eax, -EINTR
        je      .join_wait
        prints  "FAIL: futex wait on the tid word: "
        printd  eax
        nl
        jmp     .fail
.joined:
        inc     esi
        cmp     esi, NTHREADS
        jb      .join
        prints  "main: joined every thread (each tid word cleared by the kernel, futex woken)", 10

        ; what each thread saw
        xor     esi, esi
.report:
        prints  "thread "
        printd  esi
        prints  ": tid="
        printd  dword [seen_tid + esi * 4]
        mov     eax, [seen_tid + esi * 4]
        cmp     eax, [clone_ret + esi * 4]
        jne     .bad_tid
        mov     eax, [seen_pid + esi * 4]
        cmp     eax, [main_pid]
        jne     .bad_pid
        prints  " (clone's return value), getpid()=pid="
        printd  dword [seen_pid + esi * 4]
        prints  " (the process's), %gs:0="
        printd  dword [seen_tls + esi * 4]
        nl
        cmp     [seen_tls + esi * 4], esi
        jne     .bad_tls
        inc     esi
        cmp     esi, NTHREADS
        jb      .report

        ; the main thread's own TLS is untouched
        mov     eax, [gs:0]
        cmp     eax, -1
        jne     .bad_tls

        prints  "counter="
        printd  dword [counter]
        prints  " (4 threads x 20000 increments under the futex lock)", 10
        cmp     dword [counter], NTHREADS * ITERATIONS
        jne     .bad_count

        xor     esi, esi
.unmap:
        ccall   munmap, dword [stacks + esi * 4], STACK_SIZE + PAGE_SIZE
        inc     esi
        cmp     esi, NTHREADS
        jb      .unmap
        xor     eax, eax
        jmp     .out

.tls_error:
        prints  "FAIL: set_thread_area: "
        jmp     .print_error
.mmap_error:
        prints  "FAIL: mmap: "
        jmp     .print_error
.mprotect_error:
        prints  "FAIL: mprotect: "
        jmp     .print_error
.clone_error:
        prints  "FAIL: clone: "
.print_error:
        printd  eax
        nl
        jmp     .fail
.bad_tid:
        prints  " FAIL: clone returned another tid", 10
        jmp     .fail
.bad_pid:
        prints  " FAIL: getpid() is not the process's pid", 10
        jmp     .fail
.bad_tls:
        prints  "FAIL: wrong TLS block through %gs", 10
        jmp     .fail
.bad_count:
        prints  "FAIL: increments were lost", 10
.fail:
        mov     eax, 1
.out:
        pop     edi
        pop     esi
        pop     ebx
        ret

; fill_desc_any: the user_desc at ebx asks for any free entry: flat 4 GiB data segment.
fill_desc_any:
        mov     dword [ebx], -1
        mov     dword [ebx + 8], 0xfffff
        mov     dword [ebx + 12], TLS_FLAGS
        ret

; int thread_fn(int index) — runs on its own stack, with its own %gs segment
thread_fn:
        push    ebx
        push    esi
        mov     esi, [esp + 12]                 ; index
        ccall   gettid
        mov     [seen_tid + esi * 4], eax
        ccall   getpid
        mov     [seen_pid + esi * 4], eax
        mov     eax, [gs:0]
        mov     [seen_tls + esi * 4], eax
        mov     ebx, ITERATIONS
.again:
        call    mutex_lock
        mov     eax, [counter]                  ; not atomic: the lock protects it
        inc     eax
        mov     [counter], eax
        test    ebx, 1023
        jnz     .unlock
        ccall   sched_yield                     ; holding the lock: the others must wait
.unlock:
        call    mutex_unlock
        dec     ebx
        jnz     .again
        xor     eax, eax
        pop     esi
        pop     ebx
        ret                                     ; to __clone_exit: SYS_exit, this thread only

; mutex_lock: Drepper's mutex 3. 0 → 1 takes a free lock; otherwise mark it contended (2)
; and sleep in the kernel while it stays 2.
mutex_lock:
        push    eax
        push    ecx
        xor     eax, eax
        mov     ecx, 1
        lock cmpxchg [lock_word], ecx
        jz      .done                           ; was 0: ours
        cmp     eax, 2
        je      .wait
        mov     eax, 2
        xchg    [lock_word], eax
        test    eax, eax
        jz      .done
.wait:
        ccall   futex, lock_word, FUTEX_WAIT_PRIVATE, 2, 0, 0, 0
        mov     eax, 2
        xchg    [lock_word], eax
        test    eax, eax
        jnz     .wait
.done:
        pop     ecx
        pop     eax
        ret

; mutex_unlock: 1 → 0 needs no kernel; 2 → 0 and wake one sleeper.
mutex_unlock:
        push    eax
        lock dec dword [lock_word]
        jz      .done                           ; was 1: nobody waits
        mov     dword [lock_word], 0
        ccall   futex, lock_word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0
.done:
        pop     eax
        ret
