; signal-segv-mprotect.asm — a SIGSEGV handler that repairs the mapping and returns: the
; faulting instruction runs again and succeeds (do_page_fault → bad_area →
; force_sig_fault; sigreturn restarts at the same eip).
;  1. a store into a PROT_READ page: SIGSEGV with si_code SEGV_ACCERR and si_addr the
;     address written (the sigcontext's cr2 agrees); the handler makes the
;     page writable with mprotect and returns; the store is done again, and sticks;
;  2. a load from an address nothing is mapped at (a page just munmapped): SEGV_MAPERR;
;     the handler maps a page there (mmap MAP_FIXED) and puts a value in it; the load
;     runs again and reads that value.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

section .bss
page:       resd    1           ; the page of part 1
hole:       resd    1           ; the unmapped page of part 2
faults:     resd    1
f_addr:     resd    1           ; what the handler saw
f_code:     resd    1
f_cr2:      resd    1
f_mprotect: resd    1

section .text
main:
        ccall   set_handler, SIGSEGV, on_segv, SA_SIGINFO
        test    eax, eax
        jnz     fail

        ; ---- 1. a store into a read-only page ----
        ccall   mmap, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0
        cmp     eax, -4096
        jae     fail
        mov     [page], eax
        mov     ebx, eax
        mov     dword [ebx + 0x10], 1234        ; faults once, then succeeds
        prints  "store into a PROT_READ page: "
        printd  dword [faults]
        prints  " SIGSEGV, si_code "
        printd  dword [f_code]
        prints  " (SEGV_ACCERR), si_addr = page + "
        mov     eax, [f_addr]
        sub     eax, [page]
        printx  eax
        prints  ", sigcontext cr2 "
        mov     eax, [f_cr2]
        cmp     eax, [f_addr]
        sete    al
        movzx   eax, al
        call    same
        nl
        prints  "the handler's mprotect returned "
        printd  dword [f_mprotect]
        prints  "; after it returned, the store was done again: "
        mov     ebx, [page]
        printd  dword [ebx + 0x10]
        nl
        cmp     dword [ebx + 0x10], 1234
        jne     fail
        cmp     dword [f_code], SEGV_ACCERR
        jne     fail

        ; ---- 2. a load from an unmapped page ----
        ccall   mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0
        cmp     eax, -4096
        jae     fail
        mov     [hole], eax
        ccall   munmap, eax, 4096
        mov     dword [faults], 0
        mov     ebx, [hole]
        mov     eax, [ebx + 0x20]               ; faults once, then reads the handler's 777
        mov     esi, eax
        prints  "load from an unmapped page: "
        printd  dword [faults]
        prints  " SIGSEGV, si_code "
        printd  dword [f_code]
        prints  " (SEGV_MAPERR), si_addr = hole + "
        mov     eax, [f_addr]
        sub     eax, [hole]
        printx  eax
        nl
        prints  "the handler mapped a page there; the load, done again, read "
        printd  esi
        nl
        cmp     esi, 777
        jne     fail
        cmp     dword [f_code], SEGV_MAPERR
        jne     fail
        xor     eax, eax
        ret

fail:
        nl
        prints  "FAIL: unexpected result", 10
        mov     eax, 1
        ret

; "same" / "differs" for eax != 0 / 0
same:
        test    eax, eax
        jz      .no
        prints  "= si_addr"
        ret
.no:
        prints  "differs"
        ret

; void on_segv(int sig, siginfo_t *info, ucontext_t *uc): record, then repair.
on_segv:
        inc     dword [faults]
        cmp     dword [faults], 3
        ja      .loop                           ; not repaired: give up (exit 3)
        mov     edx, [esp + 8]                  ; info
        mov     eax, [edx + SI_ADDR]
        mov     [f_addr], eax
        mov     eax, [edx + SI_CODE]
        mov     [f_code], eax
        mov     ecx, [esp + 12]                 ; uc
        mov     eax, [ecx + UC_MCONTEXT + SC_CR2]
        mov     [f_cr2], eax
        mov     eax, [f_addr]
        and     eax, -4096
        cmp     dword [f_code], SEGV_MAPERR
        je      .map
        ccall   mprotect, eax, 4096, PROT_READ | PROT_WRITE
        mov     [f_mprotect], eax
        ret
.map:
        ccall   mmap, eax, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0
        mov     dword [eax + 0x20], 777
        ret
.loop:
        ccall   _exit, 3
