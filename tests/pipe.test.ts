// Pipes (src/guest/fs/pipe.ts): end of file, EPIPE and SIGPIPE, O_NONBLOCK, sleeping
// readers and writers and who wakes them, PIPE_BUF atomicity, Linux's page-slot
// capacity, pipe2 flags, F_GETPIPE_SZ/F_SETPIPE_SZ, FIONREAD, packet mode, signals
// interrupting a sleeping read, and a file position shared across fork.

import { describe, expect, it } from 'vitest';
import { E } from '../src/guest/abi.js';
import { O_CLOEXEC, O_CREAT, O_DIRECT, O_NONBLOCK, O_RDWR } from '../src/guest/fs/file.js';
import { check_fs_invariants } from '../src/guest/fs/invariants.js';
import { pipe_pages } from '../src/guest/fs/pipe.js';
import { program, runKernel } from './helpers/kernel-machine.js';
import { buf, res, runScript, sc, u32 } from './helpers/syscall-script.js';

const F_GETFD = 1;
const F_GETFL = 3;
const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;
const FIONREAD = 0x541b;
const SIGPIPE = 13;

/** A program from `body` plus helpers: `sleep_ms` (eax = ms) and `now_ms` (→ eax). */
function prog(body: string): string {
  return program(`${body}
sleep_ms:
        pushad
        xor     edx, edx
        mov     ecx, 1000
        div     ecx
        mov     [__ts], eax
        imul    edx, edx, 1000000
        mov     [__ts + 4], edx
        sys     162, __ts, 0
        popad
        ret
now_ms:
        push    ebx
        push    ecx
        push    edx
        sys     265, 1, __ts
        mov     eax, [__ts]
        imul    eax, eax, 1000
        mov     ecx, eax
        mov     eax, [__ts + 4]
        xor     edx, edx
        mov     ebx, 1000000
        div     ebx
        add     eax, ecx
        pop     edx
        pop     ecx
        pop     ebx
        ret
section .bss
__ts:   resd 2
fds:    resd 2
data:   resb 262144
status: resd 1
t0:     resd 1
section .text`);
}

describe('pipe basics', () => {
  it('EOF: with every write end closed, read drains the data, then returns 0', () => {
    const r = runScript([
      sc('pipe', buf(0)),
      u32(buf(0)),
      u32(buf(0, 4)),
      sc('write', res(2), 'abc', 3),
      sc('close', res(2)),
      sc('read', res(1), buf(1), 100),
      sc('read', res(1), buf(1), 100),
      sc('write', res(1), 'x', 1), // the read end: EBADF
    ]);
    expect(r.results).toEqual([0, 3, 4, 3, 0, 3, 0, -E.EBADF]);
  });

  it('no reader: write raises SIGPIPE (the default kills) …', () => {
    const r = runScript([sc('pipe', buf(0)), sc('close', 3), sc('write', 4, 'x', 1), sc('getpid')]);
    expect(r.results.slice(0, 2)).toEqual([0, 0]);
    expect(r.status & 0x7f).toBe(SIGPIPE);
    expect(r.exitCode).toBe(128 + SIGPIPE);
  });

  it('… and with SIGPIPE ignored, write fails with EPIPE', () => {
    // struct sigaction: handler SIG_IGN (1), flags, restorer, mask
    const src = prog(`
        mov     dword [act], 1
        sys     174, ${SIGPIPE}, act, 0, 8
        sys     42, fds
        sys     6, [fds]
        sys     4, [fds + 4], act, 1
        call    print_i32
        call    print_nl
        sys     1, 0
section .bss
act:    resd 5
section .text`);
    expect(runKernel(src).stdout).toBe(`${-E.EPIPE}\n`);
  });

  it('O_NONBLOCK: EAGAIN for reading empty and writing full; pipe2 flags', () => {
    const r = runScript([
      sc('pipe2', buf(0), O_NONBLOCK | O_CLOEXEC),
      sc('read', 3, buf(1), 10),
      sc('fcntl64', 3, F_GETFL),
      sc('fcntl64', 4, F_GETFD),
      sc('fcntl64', 4, F_GETPIPE_SZ),
      sc('write', 4, buf(2), 4096 * 16), // fits exactly
      sc('write', 4, buf(2), 1),
      sc('ioctl', 3, FIONREAD, buf(3)),
      u32(buf(3)),
      sc('pipe2', buf(0), 0x40), // O_CREAT is no pipe2 flag
      sc('pipe', 0xc0000000), // EFAULT: nothing leaks, the next fd is 5
      sc('open', '/dev/null', 0),
    ]);
    expect(r.results).toEqual([0, -E.EAGAIN, O_NONBLOCK, 1, 65536, 65536, -E.EAGAIN, 0, 65536, -E.EINVAL, -E.EFAULT, 5]);
    expect(check_fs_invariants(r.outcome.kernel)).toEqual([]);
    expect(pipe_pages(r.outcome.kernel)).toBe(0);
  });

  it('capacity counts page slots, as on Linux: 1000-byte writes fill 64000 bytes; F_SETPIPE_SZ', () => {
    const src = prog(`
        sys     331, fds, ${O_NONBLOCK}
        xor     esi, esi
.fill:  sys     4, [fds + 4], data, 1000
        cmp     eax, 1000
        jne     .full
        inc     esi
        jmp     .fill
.full:  mov     eax, esi
        call    print_u32
        call    print_nl
        sys     3, [fds], data, 65536           ; drain
        sys     55, [fds], ${F_SETPIPE_SZ}, 5000 ; rounded up to 2 pages
        call    print_i32
        call    print_nl
        sys     4, [fds + 4], data, 10000       ; takes what fits: 8192
        call    print_i32
        call    print_nl
        sys     55, [fds], ${F_SETPIPE_SZ}, 4096 ; 2 pages in use: EBUSY
        call    print_i32
        call    print_nl
        sys     1, 0`);
    expect(runKernel(src).stdout).toBe(`64\n8192\n8192\n${-E.EBUSY}\n`);
  });

  it('packet mode (O_DIRECT): each read returns at most one write', () => {
    const r = runScript([
      sc('pipe2', buf(0), O_DIRECT),
      sc('write', 4, 'abc', 3),
      sc('write', 4, 'defg', 4),
      sc('read', 3, buf(1), 100),
      sc('read', 3, buf(1), 2), // the rest of the packet is dropped
      sc('write', 4, 'xyz', 3),
      sc('read', 3, buf(1), 100),
    ]);
    expect(r.results).toEqual([0, 3, 4, 3, 2, 3, 3]);
  });
});

describe('sleeping and waking', () => {
  it('a reader sleeps on an empty pipe until a writer writes', () => {
    const src = prog(`
        sys     42, fds
        call    now_ms
        mov     [t0], eax
        fork_parent .parent
        mov     eax, 30
        call    sleep_ms
        sys     4, [fds + 4], msg, 4
        sys     1, 0
.parent:
        sys     3, [fds], data, 100     ; sleeps ~30 ms
        call    print_i32
        call    print_nl
        call    now_ms
        sub     eax, [t0]
        cmp     eax, 30
        setae   al
        movzx   eax, al
        call    print_u32
        call    print_nl
        mov     ecx, data
        mov     edx, 4
        call    write_out
        call    print_nl
        sys     114, -1, status, 0
        sys     1, 0
section .rodata
msg:    db "wake"
section .text`);
    expect(runKernel(src).stdout).toBe('4\n1\nwake\n');
  });

  it('a reader sleeping on an empty pipe gets EOF when the last writer exits', () => {
    const src = prog(`
        sys     42, fds
        fork_parent .parent
        mov     eax, 20
        call    sleep_ms
        sys     1, 0                    ; exits holding the only other write end
.parent:
        sys     6, [fds + 4]
        sys     3, [fds], data, 100
        call    print_i32
        call    print_nl
        sys     114, -1, status, 0
        sys     1, 0`);
    expect(runKernel(src).stdout).toBe('0\n');
  });

  it('a writer sleeps on a full pipe; reads wake it until all 200000 bytes are through', () => {
    const src = prog(`
        sys     42, fds
        fork_parent .parent
        sys     6, [fds + 4]
        mov     eax, 20
        call    sleep_ms
        xor     esi, esi
.rd:    sys     3, [fds], data, 7000
        test    eax, eax
        jle     .done
        add     esi, eax
        jmp     .rd
.done:  mov     eax, esi
        call    print_u32
        call    print_nl
        sys     1, 0
.parent:
        sys     6, [fds]
        sys     4, [fds + 4], data, 200000
        push    eax
        sys     6, [fds + 4]
        sys     114, -1, status, 0
        pop     eax
        call    print_i32
        call    print_nl
        sys     1, 0`);
    expect(runKernel(src).stdout).toBe('200000\n200000\n');
  });

  it('a writer sleeping on a full pipe gets EPIPE when the last reader goes (SIGPIPE ignored)', () => {
    const src = prog(`
        mov     dword [act], 1
        sys     174, ${SIGPIPE}, act, 0, 8
        sys     42, fds
        fork_parent .parent
        mov     eax, 20
        call    sleep_ms
        sys     1, 0                    ; exits holding the other read end
.parent:
        sys     6, [fds]
        sys     4, [fds + 4], data, 100000      ; 65536 go in, then it sleeps
        call    print_i32
        call    print_nl
        sys     4, [fds + 4], data, 1
        call    print_i32
        call    print_nl
        sys     114, -1, status, 0
        sys     1, 0
section .bss
act:    resd 5
section .text`);
    // the bytes written before the reader left are reported; the next write fails
    expect(runKernel(src).stdout).toBe(`65536\n${-E.EPIPE}\n`);
  });

  it('writes of PIPE_BUF bytes are atomic: two writers, every 4096-byte chunk is whole', () => {
    const src = prog(`
        sys     42, fds
        mov     ebx, 'A'
        call    writer
        mov     ebx, 'B'
        call    writer
        sys     6, [fds + 4]
        mov     eax, 20
        call    sleep_ms
        xor     esi, esi                ; whole chunks
        xor     edi, edi                ; chunks
.rd:    sys     3, [fds], data, 4096
        test    eax, eax
        jz      .done
        inc     edi
        cmp     eax, 4096
        jne     .rd
        mov     al, [data]
        xor     ecx, ecx
.cmp:   cmp     [data + ecx], al
        jne     .rd
        inc     ecx
        cmp     ecx, 4096
        jb      .cmp
        inc     esi
        jmp     .rd
.done:  mov     eax, esi
        call    print_u32
        call    print_nl
        mov     eax, edi
        call    print_u32
        call    print_nl
        sys     114, -1, status, 0
        sys     114, -1, status, 0
        sys     1, 0
; writer: fork a child writing 40 chunks of 4096 bytes of bl
writer:
        fork_child .child
        ret
.child: sys     6, [fds]
        mov     al, bl
        mov     edi, data
        mov     ecx, 4096
        rep stosb
        mov     esi, 40
.w:     sys     4, [fds + 4], data, 4096
        sys     158                     ; sched_yield: interleave with the other
        dec     esi
        jnz     .w
        sys     1, 0`);
    expect(runKernel(src).stdout).toBe('80\n80\n');
  });

  it('a signal interrupts a sleeping read: EINTR without SA_RESTART, restarted with it', () => {
    const SA_SIGINFO = 4;
    const SA_RESTORER = 0x04000000;
    const SA_RESTART = 0x10000000;
    const body = (flags: number) => prog(`
        mov     dword [act], handler
        mov     dword [act + 4], ${flags | SA_SIGINFO | SA_RESTORER}
        mov     dword [act + 8], restorer
        sys     174, 10, act, 0, 8      ; SIGUSR1
        sys     42, fds
        sys     20
        mov     ebp, eax                ; the parent's pid
        fork_parent .parent
        mov     eax, 20
        call    sleep_ms
        sys     37, ebp, 10             ; kill(parent, SIGUSR1)
        mov     eax, 20
        call    sleep_ms
        sys     4, [fds + 4], msg, 2
        sys     1, 0
.parent:
        sys     3, [fds], data, 100
        call    print_i32
        call    print_nl
        mov     eax, [hits]
        call    print_u32
        call    print_nl
        sys     114, -1, status, 0
        sys     1, 0
handler:
        inc     dword [hits]
        ret
restorer:
        mov     eax, 173                ; rt_sigreturn
        int     0x80
section .rodata
msg:    db "ok"
section .bss
act:    resd 5
hits:   resd 1
section .text`);
    expect(runKernel(body(0)).stdout).toBe(`${-E.EINTR}\n1\n`);
    expect(runKernel(body(SA_RESTART)).stdout).toBe('2\n1\n');
  });
});

describe('fork shares struct file', () => {
  it('parent and child move one file position', () => {
    const src = prog(`
        sys     5, path, ${O_CREAT | O_RDWR}, 0o644
        mov     ebp, eax
        sys     4, ebp, text, 6         ; "abcdef", position 6
        sys     19, ebp, 0, 0           ; back to 0
        fork_parent .parent
        sys     3, ebp, data, 2         ; the child reads "ab": position 2 for both
        sys     1, 0
.parent:
        sys     114, -1, status, 0
        sys     3, ebp, data, 2         ; "cd"
        mov     ecx, data
        mov     edx, 2
        call    write_out
        call    print_nl
        sys     1, 0
section .rodata
path:   db "/tmp/shared", 0
text:   db "abcdef"
section .text`);
    expect(runKernel(src).stdout).toBe('cd\n');
  });
});
