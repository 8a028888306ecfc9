; The kernel's machine-code side: boot (startup_32), the interrupt and exception entry
; stubs, the return to user mode, and the idle loop. Everything else of the kernel is
; TypeScript (kernel.ts), reached through the kernel-call port: after an entry stub has
; saved the user's registers as Linux i386's struct pt_regs on the task's kernel stack, it
; writes the vector number to KCALL_PORT; the TypeScript kernel runs with ESP pointing at
; that pt_regs, may switch to another task by changing ESP (and CR3), and the stub then
; returns through restore_all from whichever task's stack ESP now holds — as Linux's
; switch_to does. A new task (fork, clone) starts the same way, from a pt_regs built on
; its kernel stack: ret_from_fork is restore_all.
;
; Assemble: nasm -f bin -i src/guest/ -o src/guest/entry.bin src/guest/entry.asm
;
; struct pt_regs (arch/x86/include/asm/ptrace.h, i386), as SAVE_ALL leaves it:
;   +0 ebx  +4 ecx  +8 edx  +12 esi  +16 edi  +20 ebp  +24 eax
;   +28 ds  +32 es  +36 fs  +40 gs  +44 orig_eax (syscall number, error code or -1)
;   +48 eip  +52 cs  +56 eflags  +60 esp  +64 ss   (the last two only from user mode)

BITS 32
%include "layout.inc"
org PAGE_OFFSET + KTEXT_PHYS

; A table the TypeScript kernel reads to find the entry points (all virtual addresses,
; except startup_32 which runs before paging is on).
header:
        dd startup_32 - PAGE_OFFSET     ; +0  boot entry, physical
        dd stub_table                   ; +4  256 dwords: entry stub per vector, 0 = none
        dd restore_all                  ; +8  return path (ret_from_fork)
        dd idle_loop                    ; +12 the idle task's code
        dd kcall_insn                   ; +16 (unused marker)
        dd 0x6b726f66                   ; +20 magic "fork"

%macro SAVE_ALL 0
        cld
        push gs
        push fs
        push es
        push ds
        push eax
        push ebp
        push edi
        push esi
        push edx
        push ecx
        push ebx
        mov edx, KERNEL_DS
        mov ds, edx
        mov es, edx
%endmacro

; Exceptions without an error code push -1 in its place (pt_regs.orig_eax).
%macro STUB_NOERR 1
stub_%1:
        push dword -1
        SAVE_ALL
        mov al, %1
        jmp kcall
%endmacro

%macro STUB_ERR 1
stub_%1:
        SAVE_ALL
        mov al, %1
        jmp kcall
%endmacro

STUB_NOERR 0    ; #DE
STUB_NOERR 1    ; #DB
STUB_NOERR 2    ; NMI
STUB_NOERR 3    ; #BP (int3)
STUB_NOERR 4    ; #OF (into)
STUB_NOERR 5    ; #BR
STUB_NOERR 6    ; #UD
STUB_NOERR 7    ; #NM
STUB_ERR   8    ; #DF
STUB_NOERR 9
STUB_ERR   10   ; #TS
STUB_ERR   11   ; #NP
STUB_ERR   12   ; #SS
STUB_ERR   13   ; #GP
STUB_ERR   14   ; #PF
STUB_NOERR 16   ; #MF
STUB_ERR   17   ; #AC
STUB_NOERR 32   ; IRQ0
STUB_NOERR 33   ; IRQ1
STUB_NOERR 34   ; IRQ2
STUB_NOERR 35   ; IRQ3
STUB_NOERR 36   ; IRQ4
STUB_NOERR 37   ; IRQ5
STUB_NOERR 38   ; IRQ6
STUB_NOERR 39   ; IRQ7
STUB_NOERR 40   ; IRQ8
STUB_NOERR 41   ; IRQ9
STUB_NOERR 42   ; IRQ10
STUB_NOERR 43   ; IRQ11
STUB_NOERR 44   ; IRQ12
STUB_NOERR 45   ; IRQ13
STUB_NOERR 46   ; IRQ14
STUB_NOERR 47   ; IRQ15

; int 0x80: the syscall number is pt_regs.orig_eax.
system_call:
        push eax
        SAVE_ALL
        mov al, 0x80
kcall:
        out KCALL_PORT, al
kcall_insn:
restore_all:
        pop ebx
        pop ecx
        pop edx
        pop esi
        pop edi
        pop ebp
        pop eax
        pop ds
        pop es
        pop fs
        pop gs
        add esp, 4                      ; orig_eax
        iret

; The idle task (pid 0): wait for an interrupt with interrupts enabled. While every task
; sleeps, the machine skips the cycle counter to the next timer event (machine.ts).
idle_loop:
        sti
        hlt
        jmp idle_loop

; Boot: the loader leaves the CPU in flat protected mode, paging off, at this code's
; physical address. The TypeScript kernel has already written the GDT, IDT, TSS and
; swapper_pg_dir (with a temporary identity map of the first 4 MiB) into memory.
startup_32:
        mov eax, 0x90                   ; CR4.PSE | CR4.PGE
        mov cr4, eax
        mov eax, SWAPPER_PGD_PHYS
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80010000              ; CR0.PG | CR0.WP
        mov cr0, eax
        mov eax, .high
        jmp eax                         ; to the kernel's virtual addresses
.high:
        lgdt [gdt_desc]
        lidt [idt_desc]
        jmp KERNEL_CS:.reload
.reload:
        mov eax, KERNEL_DS
        mov ds, eax
        mov es, eax
        mov ss, eax
        mov fs, eax
        mov gs, eax
        mov esp, PAGE_OFFSET + IDLE_STACK_TOP
        mov ax, TSS_SEL
        ltr ax
        mov al, KCALL_BOOT              ; the kernel creates init and switches to it
        out KCALL_PORT, al
        jmp restore_all

gdt_desc:
        dw GDT_ENTRIES * 8 - 1
        dd PAGE_OFFSET + GDT_PHYS
idt_desc:
        dw 256 * 8 - 1
        dd PAGE_OFFSET + IDT_PHYS

align 4
stub_table:
%assign v 0
%rep 256
  %if v <= 8 || (v >= 10 && v <= 14) || v == 16 || v == 17
        dd stub_ %+ v
  %elif v >= 0x20 && v < 0x30
        dd stub_ %+ v
  %elif v == 0x80
        dd system_call
  %else
        dd 0
  %endif
%assign v v + 1
%endrep
