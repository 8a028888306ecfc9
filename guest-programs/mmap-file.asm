; mmap-file.asm — memory-mapped files: MAP_PRIVATE of the program's own file, MAP_SHARED
; of a new file between two mappings and two processes, msync, and the errors.
;
; 1. MAP_PRIVATE of argv[0] (this program's ELF file): the mapping holds the file's
;    bytes (the same as read() returns); past the end of the file the last page reads as
;    zero; a write to the mapping stays private (the file is unchanged); the mapping
;    outlives close(fd). (A page wholly past the end of the file raises SIGBUS:
;    tests/mmap.test.ts — qemu-i386 reports a child's SIGBUS on stderr.)
; 2. MAP_SHARED of a new (already unlinked) two-page file: two mappings of it in one
;    process are the same memory; a forked child maps its second page on its own and
;    writes there — the parent's mapping sees it; msync(MS_SYNC) writes the pages to the
;    file, where pread() finds them; a MAP_PRIVATE mapping made afterwards starts from
;    that content.
; 3. Errors: EACCES for a writable MAP_SHARED mapping of a file opened read-only, and for
;    mprotect(PROT_WRITE) of a read-only shared mapping of it; ENODEV for a pipe.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

; local names for the file syscalls and flags (include/uapi/asm-generic/fcntl.h)
MF_SYS_OPEN      equ 5
MF_SYS_CLOSE     equ 6
MF_SYS_UNLINK    equ 10
MF_SYS_LSEEK     equ 19
MF_SYS_MKDIR     equ 39
MF_SYS_PIPE      equ 42
MF_SYS_FTRUNCATE equ 93
MF_SYS_PREAD64   equ 180
MF_O_RDONLY      equ 0
MF_O_RDWR        equ 2
MF_O_CREAT       equ 0o100
MF_O_EXCL        equ 0o200
MF_SEEK_END      equ 2

section .data
tmpdir:         db      "/tmp", 0
prefix:         db      "/tmp/forkbox-mmap-file-", 0

section .bss
size:           resd    1
map:            resd    1
fd:             resd    1
a:              resd    1
b:              resd    1
status:         resd    1
pipefd:         resd    2
path:           resb    64
buf:            resb    65536

section .text
main:
        push    ebx
        push    esi
        push    edi
        ; ---- 1. MAP_PRIVATE of this program's file ---------------------------------------
        mov     eax, [argv]
        mov     ebx, [eax]
        syscall MF_SYS_OPEN, ebx, MF_O_RDONLY, 0
        test    eax, eax
        js      .error
        mov     [fd], eax
        syscall MF_SYS_LSEEK, [fd], 0, MF_SEEK_END
        test    eax, eax
        js      .error
        mov     [size], eax
        cmp     eax, 65536
        ja      .error
        ; map the file and two pages more (past its end: SIGBUS if touched)
        add     eax, 2 * PAGE_SIZE
        ccall   mmap, 0, eax, PROT_READ | PROT_WRITE, MAP_PRIVATE, dword [fd], 0
        cmp     eax, -4096
        ja      .error
        mov     [map], eax
        mov     esi, eax
        prints  "MAP_PRIVATE of the program: starts with "
        printx  dword [esi]
        prints  " (7f 'E' 'L' 'F')", 10
        cmp     dword [esi], 0x464c457f
        jne     .fail
        ; the mapping and read() agree on every byte
        mov     edx, [size]
        call    pread_buf_0
        cmp     eax, [size]
        jne     .error
        mov     ecx, [size]
        mov     edi, buf
        repe cmpsb
        jne     .differ
        prints  "mmap and read() agree on every byte of the file", 10
        ; past the end of the file, the rest of the last page is zero
        mov     esi, [map]
        mov     ecx, [size]
        add     ecx, PAGE_SIZE - 1
        and     ecx, -PAGE_SIZE
        sub     ecx, [size]                     ; bytes after the end in the last page
        mov     edi, esi
        add     edi, [size]
        xor     eax, eax                        ; (ZF set: no bytes to check is a match)
        repe scasb
        jne     .differ
        prints  "the last page is zero past the end of the file", 10
        ; a write to the private mapping stays private
        mov     dword [esi], 'XXXX'
        mov     edx, 4
        call    pread_buf_0
        prints  "after writing to the mapping, the file still starts with "
        printx  dword [buf]
        nl
        cmp     dword [buf], 0x464c457f
        jne     .fail
        ; the mapping outlives the descriptor
        syscall MF_SYS_CLOSE, [fd]
        prints  "after close(fd), the mapping still reads e_ident[EI_CLASS] = "
        movzx   eax, byte [esi + 4]
        printd  eax
        prints  " (ELFCLASS32)", 10
        mov     eax, [size]
        add     eax, 2 * PAGE_SIZE
        ccall   munmap, dword [map], eax
        test    eax, eax
        jnz     .error

        ; ---- 2. MAP_SHARED of a new file -----------------------------------------------
        syscall MF_SYS_MKDIR, tmpdir, 0o777     ; may exist already
        call    make_path
        syscall MF_SYS_OPEN, path, MF_O_RDWR | MF_O_CREAT | MF_O_EXCL, 0o600
        test    eax, eax
        js      .error
        mov     [fd], eax
        syscall MF_SYS_UNLINK, path             ; the open descriptor keeps it
        test    eax, eax
        jnz     .error
        syscall MF_SYS_FTRUNCATE, [fd], 2 * PAGE_SIZE
        test    eax, eax
        jnz     .error
        ccall   mmap, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dword [fd], 0
        cmp     eax, -4096
        ja      .error
        mov     [a], eax
        ccall   mmap, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dword [fd], 0
        cmp     eax, -4096
        ja      .error
        mov     [b], eax
        mov     esi, [a]
        mov     edi, [b]
        mov     dword [esi], 'hell'
        mov     byte [esi + 4], 'o'
        prints  "two MAP_SHARED mappings of one file: written through the first, the second reads '"
        lea     eax, [edi]
        ccall   print_str, eax
        prints  "'", 10
        cmp     dword [edi], 'hell'
        jne     .fail
        ; a child maps the second page by itself and writes there
        ccall   fork
        test    eax, eax
        js      .error
        jz      .child_writes
        ccall   wait4, eax, status, 0, 0
        prints  "the child's write through its own mapping of page 2, seen by the parent: '"
        lea     eax, [esi + PAGE_SIZE]
        ccall   print_str, eax
        prints  "'", 10
        cmp     dword [esi + PAGE_SIZE], 'worl'
        jne     .fail
        ; msync, then read() sees the pages
        ccall   msync, esi, 2 * PAGE_SIZE, MS_SYNC
        test    eax, eax
        jnz     .error
        mov     edx, 2 * PAGE_SIZE
        call    pread_buf_0
        prints  "after msync, pread() reads '"
        ccall   print_str, buf
        prints  "' and '"
        ccall   print_str, buf + PAGE_SIZE
        prints  "'", 10
        cmp     dword [buf + PAGE_SIZE], 'worl'
        jne     .fail
        ; a private mapping made now starts from the file's content
        ccall   mmap, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, dword [fd], PAGE_SIZE
        cmp     eax, -4096
        ja      .error
        mov     ebx, eax
        prints  "a MAP_PRIVATE mapping of page 2 reads '"
        ccall   print_str, ebx
        prints  "'", 10
        ccall   munmap, ebx, PAGE_SIZE
        ccall   munmap, esi, 2 * PAGE_SIZE
        ccall   munmap, edi, 2 * PAGE_SIZE
        syscall MF_SYS_CLOSE, [fd]
        jmp     .part3

.child_writes:
        ccall   mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dword [fd], PAGE_SIZE
        cmp     eax, -4096
        ja      .child_error
        mov     dword [eax], 'worl'
        mov     byte [eax + 4], 'd'
        ccall   _exit, 0
.child_error:
        ccall   _exit, 1

        ; ---- 3. errors -------------------------------------------------------------------
.part3:
        mov     eax, [argv]
        mov     ebx, [eax]
        syscall MF_SYS_OPEN, ebx, MF_O_RDONLY, 0
        test    eax, eax
        js      .error
        mov     [fd], eax
        ccall   mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dword [fd], 0
        prints  "MAP_SHARED|PROT_WRITE of a read-only descriptor: "
        printd  eax
        prints  " (EACCES); "
        ccall   mmap, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, dword [fd], 0
        cmp     eax, -4096
        ja      .error
        mov     ebx, eax
        ccall   mprotect, ebx, PAGE_SIZE, PROT_READ | PROT_WRITE
        prints  "mprotect to writable: "
        printd  eax
        nl
        ccall   munmap, ebx, PAGE_SIZE
        syscall MF_SYS_CLOSE, [fd]
        syscall MF_SYS_PIPE, pipefd
        test    eax, eax
        jnz     .error
        ccall   mmap, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, dword [pipefd], 0
        prints  "mmap of a pipe: "
        printd  eax
        prints  " (ENODEV)", 10
        xor     eax, eax
        jmp     .out

.differ:
        prints  "FAIL: the bytes differ", 10
        jmp     .fail
.error:
        prints  "FAIL: error "
        printd  eax
        nl
.fail:
        mov     eax, 1
.out:
        pop     edi
        pop     esi
        pop     ebx
        ret

; pread_buf_0: pread64(fd, buf, edx, 0) → eax
pread_buf_0:
        push    ebx
        push    ecx
        push    esi
        push    edi
        mov     ebx, [fd]
        mov     ecx, buf
        xor     esi, esi
        xor     edi, edi
        mov     eax, MF_SYS_PREAD64
        int     0x80
        pop     edi
        pop     esi
        pop     ecx
        pop     ebx
        ret

; make_path: path = prefix + decimal pid (a name no other run uses at the same time)
make_path:
        pushad
        mov     esi, prefix
        mov     edi, path
.copy:  lodsb
        test    al, al
        jz      .pid
        stosb
        jmp     .copy
.pid:   ccall   getpid
        mov     ebx, 10
        xor     ecx, ecx
.div:   xor     edx, edx
        div     ebx
        add     dl, '0'
        push    edx
        inc     ecx
        test    eax, eax
        jnz     .div
.emit:  pop     eax
        stosb
        loop    .emit
        mov     byte [edi], 0
        popad
        ret
