// Helpers for guest test programs with threads (tests/futex.test.ts, threads.test.ts,
// mmap.test.ts): a NASM fragment to append to a program that includes lib/syscalls.inc
// and lib/runtime.inc.

/**
 * spawn(fn, arg) → tid: a thread (pthread_create's clone flags) on one of 8 static
 * stacks; its tid word is tids[n] (cleared at exit). join_all: wait for every spawned
 * thread through its tid word (FUTEX_WAIT until the kernel clears it). yield_n(n).
 */
export const THREAD_LIB = `
T_FLAGS equ CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID
section .bss
t_stacks:       resb    8 * 8192
tids:           resd    8
t_count:        resd    1
section .text
spawn:
        push    ebx
        push    edx
        push    esi
        push    edi
        mov     esi, [esp + 20]                 ; fn
        mov     edi, [esp + 24]                 ; arg
        mov     ebx, [t_count]
        inc     dword [t_count]
        lea     edx, [tids + ebx * 4]
        inc     ebx
        shl     ebx, 13
        add     ebx, t_stacks
        ccall   clone, esi, ebx, T_FLAGS, edi, edx, 0, edx
        pop     edi
        pop     esi
        pop     edx
        pop     ebx
        ret
join_all:
        push    ebx
        push    esi
        xor     esi, esi
.next:
        cmp     esi, [t_count]
        jae     .done
        lea     ebx, [tids + esi * 4]
.wait:
        mov     eax, [ebx]
        test    eax, eax
        jz      .joined
        ccall   futex, ebx, FUTEX_WAIT, eax, 0, 0, 0
        jmp     .wait
.joined:
        inc     esi
        jmp     .next
.done:
        pop     esi
        pop     ebx
        ret
yield_n:
        push    ecx
        mov     ecx, [esp + 8]
.y:     ccall   sched_yield
        loop    .y
        pop     ecx
        ret
`;

/** A program whose `main` is `body`, with the full runtime and THREAD_LIB. */
export function mainProgram(body: string): string {
  return `%include "lib/syscalls.inc"\n%include "lib/runtime.inc"\n${THREAD_LIB}\nsection .text\nmain:\n${body}\n`;
}
