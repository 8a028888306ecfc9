; signal-sigframe.asm — the signal frame of Linux i386 (sigframe.ts) as a handler sees
; it, for CPU exceptions turned into signals (traps.ts):
;  1. ud2 (#UD) → SIGILL, SA_SIGINFO: the rt_sigframe — handler(sig, &info, &uc) with
;     info and uc in the frame (at +16 and +144); si_code ILL_ILLOPN, si_addr = the ud2;
;     uc_mcontext holds every register as it was (set to known values first), eip = the
;     ud2, the interrupted cs/ds/ss and eflags (DF set), uc_sigmask the mask then.
;     The handler changes eip (past the ud2), eax and ebx in uc_mcontext and returns:
;     rt_sigreturn restores the changed registers, the others as they were, and DF;
;  2. div by zero (#DE) → SIGFPE, classic frame: handler(sig) with struct sigcontext at
;     esp + 8 — the same checks, and oldmask/extramask; it skips the div in the same way;
;  3. int3 (#BP) → SIGTRAP (SI_KERNEL), eip after the int3; hlt in user mode (#GP) →
;     SIGSEGV (SI_KERNEL, si_addr 0).
; (Linux also aligns the frame so that esp + 4 is a multiple of 16 and clears DF for the
; handler; qemu-i386 does neither, so tests/signal.test.ts checks those on forkbox.)
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

; check LABEL, actual, expected — compare; print "LABEL ok" or the values; count failures
%macro check 3
        push    eax
        push    ebx
        mov     eax, %2
        mov     ebx, %3
        cmp     eax, ebx
        je      %%ok
        inc     dword [failures]
        prints  " ", %1, " "
        printx  eax
        prints  " (expected "
        printx  ebx
        prints  ")"
        jmp     %%end
%%ok:
        prints  " ", %1
%%end:
        pop     ebx
        pop     eax
%endmacro

section .bss
failures:   resd    1
saved_esp:  resd    1           ; esp at the faulting instruction
saved_cs:   resd    1
saved_ds:   resd    1
saved_ss:   resd    1
mask:       resd    2
after_eax:  resd    1
after_ebx:  resd    1
after_esi:  resd    1
after_ebp:  resd    1
after_df:   resd    1
code:       resd    1
addr:       resd    1

section .text
main:
        xor     eax, eax
        mov     ax, cs
        mov     [saved_cs], eax
        mov     ax, ds
        mov     [saved_ds], eax
        mov     ax, ss
        mov     [saved_ss], eax
        ; SIGUSR2 blocked during the faults: the frames must record it
        mov     dword [mask], 1 << (SIGUSR2 - 1)
        mov     dword [mask + 4], 1 << (SIGRTMIN + 3 - 33)
        ccall   sigprocmask, SIG_BLOCK, mask, 0

        ; ---- 1. ud2: SIGILL, rt frame ----
        ccall   set_handler, SIGILL, on_ill, SA_SIGINFO
        prints  "SIGILL from ud2, rt_sigframe:"
        call    load_registers
        std
ud2_at: ud2
        pushfd
        cld
        pop     dword [after_df]
        call    after_fault
        nl

        ; ---- 2. div by zero: SIGFPE, classic frame ----
        ccall   set_handler, SIGFPE, on_fpe, 0
        prints  "SIGFPE from div, sigframe:"
        call    load_registers
        mov     ecx, 0
        mov     edx, 0x33333333
        std
div_at: div     ecx
        pushfd
        cld
        pop     dword [after_df]
        call    after_fault
        nl

        ; ---- 3. int3 and hlt ----
        ccall   set_handler, SIGTRAP, on_info, SA_SIGINFO
        ccall   set_handler, SIGSEGV, on_info, SA_SIGINFO
        mov     dword [code], -1
        int3
int3_end:
        prints  "SIGTRAP from int3:"
        check   "si_code=SI_KERNEL", [code], SI_KERNEL
        nl
        mov     dword [code], -1
        hlt
        prints  "SIGSEGV from hlt (#GP):"
        check   "si_code=SI_KERNEL", [code], SI_KERNEL
        check   "si_addr=0", [addr], 0
        nl

        cmp     dword [failures], 0
        jne     fail
        xor     eax, eax
        ret

fail:
        prints  "FAIL: unexpected frame contents", 10
        mov     eax, 1
        ret

; Known values in every register (esp as it will be at the fault: after the ret).
load_registers:
        lea     eax, [esp + 4]
        mov     [saved_esp], eax
        mov     eax, 0x77777777
        mov     ebx, 0x11111111
        mov     ecx, 0x22222222
        mov     edx, 0x33333333
        mov     esi, 0x44444444
        mov     edi, 0x55555555
        mov     ebp, 0x66666666
        ret

; After the handler returned: eax and ebx as it set them, the others as before, DF set.
after_fault:
        shr     dword [after_df], 10
        and     dword [after_df], 1
        mov     [after_eax], eax
        mov     [after_ebx], ebx
        mov     [after_esi], esi
        mov     [after_ebp], ebp
        prints  " | back in main:"
        check   "eax=handler's", [after_eax], 0xabcdef
        check   "ebx=handler's", [after_ebx], 0x12345
        check   "esi", [after_esi], 0x44444444
        check   "ebp", [after_ebp], 0x66666666
        check   "DF=1", [after_df], 1
        ret

; Check a struct sigcontext at edi against what load_registers set; eip expected in edx.
check_sigcontext:
        check   "ebx", [edi + SC_EBX], 0x11111111
        check   "esi", [edi + SC_ESI], 0x44444444
        check   "ebp", [edi + SC_EBP], 0x66666666
        check   "esp", [edi + SC_ESP], [saved_esp]
        check   "eip", [edi + SC_EIP], edx
        mov     eax, [edi + 60]                 ; cs
        and     eax, 0xffff
        check   "cs", eax, [saved_cs]
        mov     eax, [edi + 12]                 ; ds
        and     eax, 0xffff
        check   "ds", eax, [saved_ds]
        mov     eax, [edi + 72]                 ; ss
        and     eax, 0xffff
        check   "ss", eax, [saved_ss]
        mov     eax, [edi + SC_EFLAGS]
        shr     eax, 10
        and     eax, 1
        check   "eflags.DF", eax, 1
        check   "oldmask", [edi + SC_OLDMASK], [mask]
        ; the changes sigreturn will make
        add     dword [edi + SC_EIP], 2         ; past ud2 / div ecx (2 bytes each)
        mov     dword [edi + SC_EAX], 0xabcdef
        mov     dword [edi + SC_EBX], 0x12345
        ret

; void on_ill(int sig, siginfo_t *info, ucontext_t *uc) — the rt frame
on_ill:
        mov     ebp, esp                        ; the frame (ebp is restored by rt_sigreturn)
        check   "sig", [ebp + 4], SIGILL
        lea     eax, [ebp + 16]
        check   "info=frame+16", [ebp + 8], eax
        lea     eax, [ebp + 144]
        check   "uc=frame+144", [ebp + 12], eax
        mov     esi, [ebp + 8]
        check   "si_signo", [esi + SI_SIGNO], SIGILL
        check   "si_code=ILL_ILLOPN", [esi + SI_CODE], ILL_ILLOPN
        check   "si_addr", [esi + SI_ADDR], ud2_at
        mov     esi, [ebp + 12]
        check   "uc_sigmask", [esi + UC_SIGMASK], [mask]
        check   "uc_sigmask.hi", [esi + UC_SIGMASK + 4], [mask + 4]
        check   "eax", [esi + UC_MCONTEXT + SC_EAX], 0x77777777
        check   "ecx", [esi + UC_MCONTEXT + SC_ECX], 0x22222222
        check   "edx", [esi + UC_MCONTEXT + SC_EDX], 0x33333333
        check   "edi", [esi + UC_MCONTEXT + SC_EDI], 0x55555555
        lea     edi, [esi + UC_MCONTEXT]
        mov     edx, ud2_at
        call    check_sigcontext
        ret

; void on_fpe(int sig) — the classic frame: sigcontext at esp + 8, extramask at esp + 720
on_fpe:
        mov     ebp, esp                        ; the frame (ebp is restored by sigreturn)
        check   "sig", [ebp + 4], SIGFPE
        check   "eax", [ebp + 8 + SC_EAX], 0x77777777
        check   "ecx", [ebp + 8 + SC_ECX], 0
        check   "edx", [ebp + 8 + SC_EDX], 0x33333333
        check   "edi", [ebp + 8 + SC_EDI], 0x55555555
        check   "extramask", [ebp + 720], [mask + 4]
        lea     edi, [ebp + 8]
        mov     edx, div_at
        call    check_sigcontext
        ret

; void on_info(int sig, siginfo_t *info, ucontext_t *uc): record si_code and si_addr; a
; SIGSEGV from hlt resumes after the hlt (1 byte).
on_info:
        mov     esi, [esp + 8]
        mov     eax, [esi + SI_CODE]
        mov     [code], eax
        mov     eax, [esi + SI_ADDR]
        mov     [addr], eax
        cmp     dword [esp + 4], SIGSEGV
        jne     .done
        mov     esi, [esp + 12]
        inc     dword [esi + UC_MCONTEXT + SC_EIP]
.done:
        ret
