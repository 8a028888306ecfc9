; data.asm — data in every section: .rodata strings with escapes, .data tables with
; dw/dd/dq, times, align, equ arithmetic; .bss reserved space. Sums a table and prints
; "sum ok" when the result matches the expected constant computed by the assembler.
%include "lib/syscalls.inc"

TABLE_LEN   equ     8
EXPECTED    equ     (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8) * 3 - 4 / 2 + (1 << 4) % 5

section .rodata
ok_msg:     db      `sum ok\n`
ok_msg_len  equ     $ - ok_msg
bad_msg:    db      'sum wrong', 0x0a
bad_msg_len equ     $ - bad_msg
escapes:    db      `tab\there\x21\0`, "dq", 0
            align   8
qwords:     dq      0x0123456789abcdef, -1
words:      dw      1, 0xffff, 'ab'
            times   3 db 0xcc

section .data
            align   16
table:      dd      1, 2, 3, 4, 5, 6, 7, 8
table_end:
scale:      dd      3
counter:    dw      0
ptrs:       dd      table, table_end, ok_msg, $, $$
pad:        times   (16 - ($ - $$) % 16) % 16 db 0

section .bss
            alignb  4
total:      resd    1
scratch:    resb    64
big:        resq    4

section .text
global _start
_start:
        xor     eax, eax
        mov     esi, table
        mov     ecx, (table_end - table) / 4
.sum:
        add     eax, [esi]
        add     esi, 4
        inc     word [counter]
        loop    .sum
        imul    eax, [scale]
        sub     eax, 4 / 2
        add     eax, (1 << 4) % 5
        mov     [total], eax
        cmp     dword [total], EXPECTED
        jne     .bad
        print   ok_msg
        sys_exit 0
.bad:
        print   bad_msg
        sys_exit 1
