; forkbox bare-metal demo: a ring-0 program that brings up the machine by hand.
;
; Loaded at physical 0x00100000 and entered in the state a Multiboot loader leaves (see
; CPU.reset(): protected mode, paging off, flat segments, interrupts off). It
;   1. loads its own GDT and IDT (lgdt, lidt) and reloads every segment register;
;   2. programs the 16550 UART on COM1 and prints everything through it;
;   3. remaps the 8259A pair (ICW1-ICW4): IRQ0-7 -> vectors 0x20-0x27, IRQ8-15 -> 0x28-0x2F;
;   4. programs the 8254: channel 0, mode 2 (rate generator), divisor 11932 = 100 Hz;
;   5. builds a page directory and a page table identity-mapping 0-4 MiB (one page
;      read-only) and turns on paging with CR0.PG and CR0.WP;
;   6. writes to an unmapped address: the #PF handler prints CR2 and the error code, maps
;      a fresh frame, returns, and the write restarts and succeeds;
;   7. writes to the read-only page: a protection #PF; the handler makes it writable;
;   8. enables interrupts and sleeps with hlt until the timer has ticked five times,
;      printing the cycle counter (rdtsc) at each wake-up;
;   9. cli; hlt — halted for good, which ends the run.
;
; Build (forkbox's own assembler is not there yet):  nasm -f bin demo.asm -o demo.bin
; src/demo/run-demo.ts loads demo.bin at LOAD_ADDR and runs it.

bits 32
org 0x00100000

; Physical memory plan (all below 4 MiB, identity-mapped once paging is on)
STACK_TOP   equ 0x002ff000
PAGE_DIR    equ 0x00300000
PAGE_TABLE0 equ 0x00301000      ; maps 0-4 MiB
IDT         equ 0x00302000      ; 256 gates, built at run time
FRAMES      equ 0x00380000      ; free frames handed out by the #PF handler
RO_PAGE     equ 0x00003000      ; mapped read-only at first
HOLE        equ 0x40000000      ; nothing mapped here (page directory entry 256)

COM1        equ 0x3f8
PIT_DIVISOR equ 11932           ; 1193182 Hz / 11932 = 100.0 Hz
TICKS_WANTED equ 5

PTE_P       equ 1
PTE_W       equ 2

start:
    ; --- 1. GDT, IDT, segments ------------------------------------------------------
    lgdt [gdt_ptr]
    jmp CODE_SEL:.reload_cs
.reload_cs:
    mov ax, DATA_SEL
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, STACK_TOP

    call build_idt
    lidt [idt_ptr]

    ; --- 2. UART: 115200 8N1, FIFOs on, no interrupts -------------------------------
    mov dx, COM1 + 1
    xor al, al
    out dx, al                  ; IER = 0
    mov dx, COM1 + 3
    mov al, 0x80
    out dx, al                  ; LCR: DLAB
    mov dx, COM1
    mov al, 1
    out dx, al                  ; DLL = 1 (115200 baud)
    inc dx
    xor al, al
    out dx, al                  ; DLM = 0
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al                  ; LCR: 8 bits, no parity, 1 stop bit
    mov dx, COM1 + 2
    mov al, 0xc7
    out dx, al                  ; FCR: enable and clear the FIFOs
    mov dx, COM1 + 4
    mov al, 0x03
    out dx, al                  ; MCR: DTR, RTS

    mov esi, msg_hello
    call puts
    mov esi, msg_tables
    call puts

    ; --- 3. PIC ---------------------------------------------------------------------
    mov al, 0x11                ; ICW1: edge triggered, cascade, ICW4 follows
    out 0x20, al
    out 0xa0, al
    mov al, 0x20                ; ICW2: master vectors 0x20-0x27
    out 0x21, al
    mov al, 0x28                ; ICW2: slave vectors 0x28-0x2f
    out 0xa1, al
    mov al, 0x04                ; ICW3: the slave is on master IR2
    out 0x21, al
    mov al, 0x02                ; ICW3: slave ID 2
    out 0xa1, al
    mov al, 0x01                ; ICW4: 8086 mode, normal EOI
    out 0x21, al
    out 0xa1, al
    mov al, 0xfe                ; OCW1: only IRQ0 (the timer) unmasked
    out 0x21, al
    mov al, 0xff
    out 0xa1, al
    mov esi, msg_pic
    call puts

    ; --- 4. PIT ---------------------------------------------------------------------
    mov al, 0x34                ; channel 0, LSB then MSB, mode 2, binary
    out 0x43, al
    mov ax, PIT_DIVISOR
    out 0x40, al
    mov al, ah
    out 0x40, al
    mov esi, msg_pit
    call puts

    ; --- 5. paging ------------------------------------------------------------------
    cld
    mov edi, PAGE_DIR           ; clear the page directory
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov dword [PAGE_DIR], PAGE_TABLE0 | PTE_W | PTE_P
    mov edi, PAGE_TABLE0        ; identity-map 0-4 MiB
    mov eax, PTE_W | PTE_P
    mov ecx, 1024
.fill_pt:
    stosd
    add eax, 0x1000
    loop .fill_pt
    and dword [PAGE_TABLE0 + (RO_PAGE >> 12) * 4], ~PTE_W    ; one read-only page
    mov eax, PAGE_DIR
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80010000          ; CR0.PG | CR0.WP
    mov cr0, eax
    mov esi, msg_paging
    call puts
    mov eax, cr3
    call print_hex
    mov esi, msg_paging2
    call puts

    ; --- 6. a not-present page fault ------------------------------------------------
    mov esi, msg_touch_hole
    call puts
    mov dword [HOLE + 0x123], 0x600dc0de    ; faults, gets mapped, restarts
    mov esi, msg_restarted
    call puts
    mov eax, HOLE + 0x123
    call print_hex
    mov esi, msg_equals
    call puts
    mov eax, [HOLE + 0x123]
    call print_hex
    call newline

    ; --- 7. a protection page fault -------------------------------------------------
    mov esi, msg_touch_ro
    call puts
    mov dword [RO_PAGE], 0x0badf00d          ; faults (CR0.WP), made writable, restarts
    mov esi, msg_restarted
    call puts
    mov eax, RO_PAGE
    call print_hex
    mov esi, msg_equals
    call puts
    mov eax, [RO_PAGE]
    call print_hex
    call newline

    ; --- 8. timer interrupts --------------------------------------------------------
    mov esi, msg_sleep
    call puts
    rdtsc
    mov [last_tsc], eax
    sti
.sleep:
    hlt                          ; idle until the next interrupt
    inc dword [wakeups]
    mov eax, [ticks]
    cmp eax, [ticks_seen]
    je .sleep                    ; woken by something else: sleep again
    mov [ticks_seen], eax
    mov esi, msg_tick
    call puts
    call print_dec
    mov esi, msg_at_cycle
    call puts
    rdtsc
    mov ebx, eax
    call print_dec
    mov esi, msg_plus
    call puts
    mov eax, ebx
    sub eax, [last_tsc]
    mov [last_tsc], ebx
    call print_dec
    mov esi, msg_close
    call puts
    cmp dword [ticks], TICKS_WANTED
    jb .sleep

    ; --- 9. done --------------------------------------------------------------------
    cli
    mov esi, msg_done1
    call puts
    mov eax, [ticks]
    call print_dec
    mov esi, msg_done2
    call puts
    mov eax, [wakeups]
    call print_dec
    mov esi, msg_done3
    call puts
    mov eax, [faults]
    call print_dec
    mov esi, msg_done4
    call puts
.halt:
    hlt                          ; interrupts off: the machine stops here
    jmp .halt

; ----------------------------------------------------------------------------------
; The IDT: every exception goes to a stub that reports it and halts, except #PF; IRQ0
; counts ticks; the other IRQ vectors (including spurious IRQ7/IRQ15) return at once.

build_idt:
    mov edi, IDT
    xor ecx, ecx
.next:
    cmp ecx, 32
    jae .not_exception
    mov eax, [exc_stubs + ecx * 4]
    jmp .set
.not_exception:
    mov eax, ignore_irq
.set:
    mov [edi], ax                     ; offset 15:0
    mov word [edi + 2], CODE_SEL
    mov word [edi + 4], 0x8e00        ; present, DPL 0, 32-bit interrupt gate
    shr eax, 16
    mov [edi + 6], ax                 ; offset 31:16
    add edi, 8
    inc ecx
    cmp ecx, 256
    jb .next
    mov eax, page_fault
    mov [IDT + 14 * 8], ax
    shr eax, 16
    mov [IDT + 14 * 8 + 6], ax
    mov eax, timer
    mov [IDT + 0x20 * 8], ax
    shr eax, 16
    mov [IDT + 0x20 * 8 + 6], ax
    ret

; IRQ0: count the tick, end the interrupt at the PIC.
timer:
    push eax
    inc dword [ticks]
    mov al, 0x20                 ; OCW2: non-specific EOI
    out 0x20, al
    pop eax
    iretd

ignore_irq:
    iretd

; #PF: the CPU pushed an error code; CR2 holds the linear address.
;   error bit 0 (P): 0 = not present, 1 = protection;  bit 1: write;  bit 2: user
page_fault:
    pushad
    inc dword [faults]
    mov esi, msg_pf
    call puts
    mov eax, cr2
    mov ebp, eax                 ; ebp = faulting address
    call print_hex
    mov esi, msg_pf_err
    call puts
    mov ebx, [esp + 32]          ; the error code, above the eight pushad registers
    mov eax, ebx
    call print_hex
    mov esi, msg_not_present
    test bl, 1
    jz .p
    mov esi, msg_protection
.p: call puts
    mov esi, msg_read
    test bl, 2
    jz .w
    mov esi, msg_write
.w: call puts
    mov esi, msg_super
    test bl, 4
    jz .u
    mov esi, msg_user
.u: call puts

    ; the page directory entry for CR2 (page tables are identity-mapped)
    mov eax, ebp
    shr eax, 22
    lea esi, [PAGE_DIR + eax * 4]
    test bl, 1
    jnz .protection

    ; not present: give the page directory entry a page table if it has none, then map
    ; a fresh zeroed frame
    test dword [esi], PTE_P
    jnz .have_table
    call alloc_frame
    push esi
    mov esi, msg_new_table
    call puts
    call print_hex
    pop esi
    or eax, PTE_W | PTE_P
    mov [esi], eax
.have_table:
    mov esi, [esi]
    and esi, 0xfffff000
    mov eax, ebp
    shr eax, 12
    and eax, 0x3ff
    lea esi, [esi + eax * 4]     ; esi = the page table entry
    call alloc_frame
    mov edx, eax
    or eax, PTE_W | PTE_P
    mov [esi], eax
    push esi
    mov esi, msg_mapped
    call puts
    pop esi
    mov eax, edx
    call print_hex
    jmp .done

.protection:
    mov esi, [esi]
    and esi, 0xfffff000
    mov eax, ebp
    shr eax, 12
    and eax, 0x3ff
    or dword [esi + eax * 4], PTE_W
    mov esi, msg_made_writable
    call puts

.done:
    call newline
    invlpg [ebp]                 ; drop the stale translation
    popad
    add esp, 4                   ; the error code
    iretd                        ; back to the faulting instruction, which restarts

; A zeroed 4 KiB frame -> eax.
alloc_frame:
    push edi
    push ecx
    mov eax, [next_frame]
    add dword [next_frame], 0x1000
    push eax
    mov edi, eax
    xor eax, eax
    mov ecx, 1024
    rep stosd
    pop eax
    pop ecx
    pop edi
    ret

; Unexpected exceptions: report the vector and stop.
exception:
    mov esi, msg_exception
    call puts
    mov eax, [esp]               ; the vector the stub pushed
    call print_dec
    call newline
    cli
.stop:
    hlt
    jmp .stop

%assign v 0
%rep 32
exc_stub_ %+ v:
    push dword v
    jmp exception
%assign v v + 1
%endrep

exc_stubs:
%assign v 0
%rep 32
    dd exc_stub_ %+ v
%assign v v + 1
%endrep

; ----------------------------------------------------------------------------------
; Output through the UART: wait for THRE in LSR, then write THR.

putc:                            ; al = the byte
    push edx
    push eax
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop eax
    mov dx, COM1
    out dx, al
    pop edx
    ret

puts:                            ; esi = NUL-terminated string
    push eax
    push esi
.next:
    lodsb
    test al, al
    jz .end
    call putc
    jmp .next
.end:
    pop esi
    pop eax
    ret

newline:
    push eax
    mov al, 10
    call putc
    pop eax
    ret

print_hex:                       ; eax as 0x%08x
    push eax
    push ebx
    push ecx
    mov ebx, eax
    mov al, '0'
    call putc
    mov al, 'x'
    call putc
    mov ecx, 8
.digit:
    rol ebx, 4
    mov eax, ebx
    and eax, 15
    mov al, [hex_digits + eax]
    call putc
    loop .digit
    pop ecx
    pop ebx
    pop eax
    ret

print_dec:                       ; eax as an unsigned decimal
    push eax
    push ecx
    push edx
    push ebx
    mov ebx, 10
    xor ecx, ecx
.divide:
    xor edx, edx
    div ebx
    push edx
    inc ecx
    test eax, eax
    jnz .divide
.emit:
    pop eax
    add al, '0'
    call putc
    loop .emit
    pop ebx
    pop edx
    pop ecx
    pop eax
    ret

; ----------------------------------------------------------------------------------
; Data.

align 8
gdt:
    dq 0                         ; null
    dq 0x00cf9a000000ffff        ; 0x08: code, base 0, limit 4 GiB, 32-bit, DPL 0
    dq 0x00cf92000000ffff        ; 0x10: data, base 0, limit 4 GiB, writable, DPL 0
gdt_end:
CODE_SEL equ 0x08
DATA_SEL equ 0x10

gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw 256 * 8 - 1
    dd IDT

align 4
ticks:      dd 0
ticks_seen: dd 0
wakeups:    dd 0
faults:     dd 0
last_tsc:   dd 0
next_frame: dd FRAMES

hex_digits: db '0123456789abcdef'

msg_hello:      db 'forkbox bare-metal demo: ring 0, loaded at 0x00100000', 10, 0
msg_tables:     db 'gdt and idt loaded (lgdt, lidt); segments reloaded', 10, 0
msg_pic:        db 'pic remapped (ICW1-ICW4): irq 0-7 -> vectors 0x20-0x27, irq 8-15 -> 0x28-0x2f; only irq 0 unmasked', 10, 0
msg_pit:        db 'pit channel 0: mode 2, divisor 11932 -> 100 Hz', 10, 0
msg_paging:     db 'paging on (CR0.PG, CR0.WP): cr3=', 0
msg_paging2:    db ', 0-4 MiB identity-mapped, page 0x00003000 read-only', 10, 0
msg_touch_hole: db 'writing 0x600dc0de to 0x40000123, where nothing is mapped', 10, 0
msg_touch_ro:   db 'writing 0x0badf00d to 0x00003000, a read-only page', 10, 0
msg_pf:         db '  #PF: cr2=', 0
msg_pf_err:     db ' error=', 0
msg_not_present: db ' (not present, ', 0
msg_protection: db ' (protection, ', 0
msg_read:       db 'read, ', 0
msg_write:      db 'write, ', 0
msg_super:      db 'supervisor)', 0
msg_user:       db 'user)', 0
msg_new_table:  db ' -> new page table ', 0
msg_mapped:     db ' -> mapped frame ', 0
msg_made_writable: db ' -> made writable', 0
msg_restarted:  db '  the write restarted and completed: [', 0
msg_equals:     db '] = ', 0
msg_sleep:      db 'interrupts on; sleeping in hlt until 5 timer ticks', 10, 0
msg_tick:       db '  tick ', 0
msg_at_cycle:   db ': woke at cycle ', 0
msg_plus:       db ' (+', 0
msg_close:      db ')', 10, 0
msg_done1:      db 'done: ', 0
msg_done2:      db ' ticks, ', 0
msg_done3:      db ' wake-ups from hlt, ', 0
msg_done4:      db ' page faults; cli; hlt', 10, 0
msg_exception:  db 'unexpected exception, vector ', 0
