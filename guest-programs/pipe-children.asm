; pipe-children.asm — a pipe between two children. The seeds: fork copies the file
; descriptors but SHARES the open files (struct file) they refer to — which is what lets
; a parent set up a pipe that its children then use to talk to each other.
;
;  - the parent makes the pipe, forks a writer and a reader, and closes both of its own
;    ends (else the reader would never see end of file: a write end would stay open);
;  - the writer closes its read end, writes three lines (each write below PIPE_BUF bytes
;    is atomic), then 100 000 bytes in ONE write — more than the pipe's 64 KiB, so the
;    writer sleeps until the reader has made room — and exits;
;  - the reader closes its write end and reads until read() returns 0: end of file,
;    which comes only once every write end is closed (the writer exited, the parent
;    closed its copy); it checks every byte and prints what it got;
;  - the parent waits for both, then reports.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

BULK    equ 100000
CHUNK   equ 8192

section .rodata
lines:      db "line 1: hello through the pipe", 10
            db "line 2: fork shared the pipe's struct files", 10
            db "line 3: written by the writer, read by the reader", 10
lines_len   equ $ - lines

section .bss
fds:        resd 2
status_w:   resd 1
status_r:   resd 1
writer:     resd 1
reader:     resd 1
bulk:       resb BULK
buf:        resb CHUNK
text:       resb lines_len
            alignb 4
got:        resd 1              ; bytes received so far
bad:        resd 1              ; bulk bytes that were not what the writer sent

section .text
main:
        ccall   pipe, fds
        test    eax, eax
        jnz     error
        ccall   fork
        test    eax, eax
        js      error
        jz      writer_main
        mov     [writer], eax
        ccall   fork
        test    eax, eax
        js      error
        jz      reader_main
        mov     [reader], eax
        ; the parent keeps no end open: the reader's EOF depends on it
        ccall   close, dword [fds]
        ccall   close, dword [fds + 4]
        ccall   wait4, dword [writer], status_w, 0, 0
        ccall   wait4, dword [reader], status_r, 0, 0
        prints  "parent: writer pid="
        printd  dword [writer]
        prints  " exited with status "
        movzx   eax, byte [status_w + 1]
        printd  eax
        prints  ", reader pid="
        printd  dword [reader]
        prints  " with status "
        movzx   eax, byte [status_r + 1]
        printd  eax
        nl
        mov     eax, [status_w]
        or      eax, [status_r]
        jnz     fail
        xor     eax, eax
        ret

fail:
        prints  "FAIL: unexpected result", 10
        mov     eax, 1
        ret

error:
        prints  "error: "
        printd  eax
        nl
        mov     eax, 1
        ret

; ---- the writer ---------------------------------------------------------------------
writer_main:
        ccall   close, dword [fds]              ; not a reader
        ccall   write, dword [fds + 4], lines, lines_len
        cmp     eax, lines_len
        jne     .bad
        ; the bulk data: byte i is (i * 7) mod 251
        xor     ecx, ecx
        xor     edx, edx
.fill:
        mov     [bulk + ecx], dl
        add     edx, 7
        cmp     edx, 251
        jb      .next
        sub     edx, 251
.next:
        inc     ecx
        cmp     ecx, BULK
        jb      .fill
        ccall   write, dword [fds + 4], bulk, BULK
        cmp     eax, BULK
        jne     .bad
        prints  "writer: wrote 3 lines, then 100000 bytes in one write (more than the pipe holds: it slept until the reader made room)", 10
        ccall   exit, 0
.bad:
        prints  "writer: FAIL: write returned "
        printd  eax
        nl
        ccall   exit, 1

; ---- the reader ---------------------------------------------------------------------
reader_main:
        ccall   close, dword [fds + 4]          ; not a writer: else no EOF, ever
        xor     edi, edi                        ; expected bulk byte
.read:
        ccall   read, dword [fds], buf, CHUNK
        test    eax, eax
        js      .error
        jz      .eof
        ; each byte: the text first, then the bulk data
        xor     ecx, ecx
.byte:
        mov     edx, [got]
        mov     bl, [buf + ecx]
        cmp     edx, lines_len
        jae     .bulk
        mov     [text + edx], bl
        jmp     .counted
.bulk:
        mov     edx, edi
        cmp     bl, dl
        je      .ok
        inc     dword [bad]
.ok:
        add     edi, 7
        cmp     edi, 251
        jb      .counted
        sub     edi, 251
.counted:
        inc     dword [got]
        inc     ecx
        cmp     ecx, eax
        jb      .byte
        jmp     .read
.eof:
        prints  "reader: got the 3 lines:", 10
        ccall   write, STDOUT, text, lines_len
        mov     eax, [got]
        sub     eax, lines_len
        prints  "reader: then "
        printd  eax
        prints  " bytes, "
        printd  dword [bad]
        prints  " of them wrong", 10
        prints  "reader: read() returned 0: end of file, every write end is closed", 10
        cmp     dword [got], lines_len + BULK
        jne     .fail
        cmp     dword [bad], 0
        jne     .fail
        ccall   exit, 0
.fail:
        ccall   exit, 1
.error:
        prints  "reader: read failed: "
        printd  eax
        nl
        ccall   exit, 1
