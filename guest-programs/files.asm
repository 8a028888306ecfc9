; files.asm — files and directories: create, write, lseek, read back, stat, a hole,
; O_EXCL, a file position shared across fork, getdents64, rename, unlink of an open
; file, rmdir of a non-empty directory, and ".." at the root.
;
; Everything happens in a directory of its own, /tmp/forkbox-files-pid=N (N = this
; process's pid), which it removes at the end — the program also runs natively on the
; host, where it must not touch anything it did not create.
%include "lib/syscalls.inc"
%include "lib/runtime.inc"

section .rodata
tmpdir_prefix:  db "/tmp/forkbox-files-pid=", 0
notes:          db "notes.txt", 0
renamed:        db "renamed.txt", 0
shared:         db "shared.txt", 0
sub:            db "sub", 0
inner:          db "sub/inner", 0
dot:            db ".", 0
dotdot:         db "..", 0
up6:            db "../../../../../..", 0
hello:          db "hello, file", 10
hello_len       equ $ - hello
second:         db "second line", 10
second_len      equ $ - second
bang:           db "!"
from_child:     db "child;"
from_parent:    db "parent", 10

section .bss
dirpath:        resb 64
buf:            resb 256
st:             resb STAT64_SIZE
dents:          resb 1024
fd:             resd 1
fd2:            resd 1
status:         resd 1
found:          resd 1

section .text
main:
        ccall   umask, 0o022
        call    make_dirpath
        ccall   mkdir, dirpath, 0o755
        test    eax, eax
        jnz     error
        ccall   chdir, dirpath
        test    eax, eax
        jnz     error
        ccall   getcwd, buf, 256
        test    eax, eax
        js      error
        prints  "getcwd: "
        ccall   print_str, buf
        nl

        ; ---- create, write, seek, read back ----
        ccall   open, notes, O_CREAT | O_EXCL | O_RDWR, 0o640
        test    eax, eax
        js      error
        mov     [fd], eax
        ccall   write, eax, hello, hello_len
        ccall   write, dword [fd], second, second_len
        ccall   lseek, dword [fd], 0, SEEK_CUR
        prints  "wrote 2 lines: position "
        printd  eax
        nl
        ccall   lseek, dword [fd], 7, SEEK_SET
        ccall   read, dword [fd], buf, 4
        mov     byte [buf + 4], 0
        prints  "lseek(7) + read(4): '"
        ccall   print_str, buf
        prints  "'", 10

        ; ---- a hole: write one byte at 100 ----
        ccall   lseek, dword [fd], 100, SEEK_SET
        ccall   write, dword [fd], bang, 1
        ccall   lseek, dword [fd], 30, SEEK_SET
        mov     dword [buf], -1
        ccall   read, dword [fd], buf, 4
        prints  "write at 100, read 4 bytes at 30: got "
        printd  eax
        prints  ", all zero: "
        cmp     dword [buf], 0
        sete    al
        movzx   eax, al
        printd  eax
        nl

        ; ---- fstat ----
        ccall   fstat64, dword [fd], st
        test    eax, eax
        jnz     error
        prints  "fstat: size "
        printd  dword [st + st_size]
        prints  ", regular file: "
        mov     eax, [st + st_mode]
        and     eax, S_IFMT
        cmp     eax, S_IFREG
        sete    al
        movzx   eax, al
        printd  eax
        prints  ", permissions "
        mov     eax, [st + st_mode]
        and     eax, 0o777
        ccall   print_oct, eax
        prints  " (0640 & ~umask 022), links "
        printd  dword [st + st_nlink]
        nl

        ccall   open, notes, O_CREAT | O_EXCL | O_RDWR, 0o640
        prints  "open(O_CREAT|O_EXCL) again: "
        printd  eax
        prints  " (EEXIST)", 10

        ; ---- fork shares the file position ----
        ccall   open, shared, O_CREAT | O_WRONLY | O_TRUNC, 0o644
        test    eax, eax
        js      error
        mov     [fd2], eax
        call    flush
        ccall   fork
        test    eax, eax
        js      error
        jnz     .parent
        ccall   write, dword [fd2], from_child, 6
        ccall   _exit, 0
.parent:
        ccall   wait4, eax, status, 0, 0
        ccall   write, dword [fd2], from_parent, 7
        ccall   close, dword [fd2]
        ccall   open, shared, O_RDONLY, 0
        mov     ebx, eax
        ccall   read, ebx, buf, 100
        mov     byte [buf + eax], 0
        ccall   close, ebx
        prints  "after fork: the child wrote, then the parent (one shared position): "
        ccall   print_str, buf

        ; ---- directories ----
        ccall   mkdir, sub, 0o700
        ccall   open, inner, O_CREAT | O_WRONLY, 0o600
        ccall   close, eax
        ccall   rmdir, sub
        prints  "rmdir of a non-empty directory: "
        printd  eax
        prints  " (ENOTEMPTY)", 10
        ccall   stat64, sub, st
        prints  "stat sub: directory: "
        mov     eax, [st + st_mode]
        and     eax, S_IFMT
        cmp     eax, S_IFDIR
        sete    al
        movzx   eax, al
        printd  eax
        prints  ", links "
        printd  dword [st + st_nlink]
        nl
        call    list_dir

        ; ---- rename, unlink of an open file ----
        ccall   rename, notes, renamed
        prints  "rename: "
        printd  eax
        ccall   stat64, notes, st
        prints  ", stat of the old name: "
        printd  eax
        prints  " (ENOENT)", 10
        ccall   unlink, renamed
        prints  "unlink of the open file: "
        printd  eax
        ccall   fstat64, dword [fd], st
        prints  "; fstat through the open fd: links "
        printd  dword [st + st_nlink]
        prints  ", size "
        printd  dword [st + st_size]
        ccall   lseek, dword [fd], 0, SEEK_SET
        ccall   read, dword [fd], buf, 5
        mov     byte [buf + 5], 0
        prints  ", still readable: '"
        ccall   print_str, buf
        prints  "'", 10
        ccall   close, dword [fd]

        ; ---- clean up, and climb past the root ----
        ccall   unlink, shared
        mov     esi, eax
        ccall   unlink, inner
        or      esi, eax
        ccall   rmdir, sub
        or      esi, eax
        ccall   chdir, up6
        or      esi, eax
        ccall   rmdir, dirpath
        or      esi, eax
        prints  "cleaned up: "
        printd  esi
        nl
        ccall   getcwd, buf, 256
        prints  "chdir(../../../../../..) from the directory: getcwd = "
        ccall   print_str, buf
        prints  " (.. at the root stays at the root)", 10
        xor     eax, eax
        ret

error:
        prints  "FAIL: error "
        printd  eax
        nl
        mov     eax, 1
        ret

; list_dir: getdents64 on "."; print the names found, in a fixed order, with their types
section .rodata
expect_names:   dd dot, dotdot, notes, shared, sub, 0
section .text
list_dir:
        pushad
        ccall   open, dot, O_RDONLY | O_DIRECTORY, 0
        mov     ebx, eax
        xor     edi, edi                        ; entries seen
        mov     dword [found], 0
.batch:
        ccall   getdents64, ebx, dents, 1024
        test    eax, eax
        jle     .done
        mov     ebp, eax                        ; bytes in this batch
        xor     esi, esi
.entry:
        inc     edi
        lea     eax, [dents + esi + d_name]
        ; which expected name is it? set its bit in [found]
        xor     ecx, ecx
.name:
        mov     edx, [expect_names + ecx * 4]
        test    edx, edx
        jz      .next
        ccall   strequal, eax, edx
        test    eax, eax
        lea     eax, [dents + esi + d_name]
        jz      .other
        bts     dword [found], ecx
        jmp     .next
.other:
        inc     ecx
        jmp     .name
.next:
        movzx   eax, word [dents + esi + d_reclen]
        add     esi, eax
        cmp     esi, ebp
        jb      .entry
        jmp     .batch
.done:
        ccall   close, ebx
        prints  "getdents64: "
        printd  edi
        prints  " entries: . .. notes.txt shared.txt sub all found: "
        cmp     dword [found], 0x1f
        sete    al
        movzx   eax, al
        printd  eax
        nl
        popad
        ret

; strequal(a, b) → 1 if the NUL-terminated strings are equal
strequal:
        push    esi
        push    edi
        mov     esi, [esp + 12]
        mov     edi, [esp + 16]
.cmp:
        mov     al, [esi]
        cmp     al, [edi]
        jne     .no
        test    al, al
        jz      .yes
        inc     esi
        inc     edi
        jmp     .cmp
.yes:
        mov     eax, 1
        jmp     .out
.no:
        xor     eax, eax
.out:
        pop     edi
        pop     esi
        ret

; print_oct(n) — octal, at least 3 digits
print_oct:
        pushad
        mov     eax, [esp + 36]
        mov     ecx, 0
.div:
        mov     edx, eax
        and     edx, 7
        add     edx, '0'
        push    edx
        inc     ecx
        shr     eax, 3
        jnz     .div
.pad:
        cmp     ecx, 3
        jae     .emit
        push    '0'
        inc     ecx
        jmp     .pad
.emit:
        call    print_char
        add     esp, 4
        loop    .emit
        popad
        ret

; make_dirpath: dirpath = "/tmp/forkbox-files-pid=" + getpid() in decimal
make_dirpath:
        pushad
        mov     esi, tmpdir_prefix
        mov     edi, dirpath
.copy:
        lodsb
        test    al, al
        jz      .number
        stosb
        jmp     .copy
.number:
        ccall   getpid
        mov     ebx, 10
        xor     ecx, ecx
.digits:
        xor     edx, edx
        div     ebx
        add     dl, '0'
        push    edx
        inc     ecx
        test    eax, eax
        jnz     .digits
.store:
        pop     eax
        stosb
        loop    .store
        mov     byte [edi], 0
        popad
        ret
