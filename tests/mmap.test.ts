// mmap of files and shared memory end to end (src/guest/filemap.ts, mmap.ts, memory.ts):
// guest programs map files of the in-memory filesystem MAP_PRIVATE and MAP_SHARED, fork,
// msync, munmap, mprotect, and the tests check what the guest sees, what the file holds
// afterwards (the host's buffer of a boot file is never written), SIGBUS past the end of
// a file, and — mid-run, from a probe syscall — the memory invariants with shared file
// mappings live: every shared page held once by its address_space, mapcount = VMAs.
// Anonymous MAP_SHARED/MAP_PRIVATE semantics are in tests/mm.test.ts and the guest
// program mmap-shared-private.asm.

import { afterEach, describe, expect, it } from 'vitest';
import { assembleProgram, runKernel, type KernelRun, type KernelRunOptions } from './helpers/kernel-machine.js';
import { mainProgram } from './helpers/threads-lib.js';
import { check_invariants } from '../src/guest/memory.js';
import { futex_queues } from '../src/guest/futex.js';
import { inode_mapping } from '../src/guest/filemap.js';
import { sys_call_table } from '../src/guest/syscalls.js';
import type { Kernel } from '../src/guest/kernel.js';

/** Syscall 17 (the obsolete `break`) as a probe: the test's function runs mid-program. */
const PROBE_NR = 17;
let probeSaved: (typeof sys_call_table)[number] | undefined;
function probe(fn: (k: Kernel, arg: number) => number): void {
  probeSaved = sys_call_table[PROBE_NR];
  sys_call_table[PROBE_NR] = { nr: PROBE_NR, name: 'probe', fn: (k, arg) => fn(k, arg) };
}
afterEach(() => {
  sys_call_table[PROBE_NR] = probeSaved;
  probeSaved = undefined;
});

/** File syscalls by number, and small helpers (all preserve every register but eax). */
const FILE_LIB = `
F_O_RDONLY equ 0
F_O_WRONLY equ 1
F_O_RDWR   equ 2
F_O_CREAT  equ 0o100
section .text
; open_(path, flags, mode) / close_(fd) / unlink_(path) / ftruncate_(fd, len)
open_:
        mov     eax, 5
        jmp     __syscall3
close_:
        mov     eax, 6
        jmp     __syscall1
unlink_:
        mov     eax, 10
        jmp     __syscall1
ftruncate_:
        mov     eax, 93
        jmp     __syscall2
probe:
        mov     eax, ${PROBE_NR}
        jmp     __syscall1
; pread_(fd, buf, n, off) / pwrite_(fd, buf, n, off)
pread_:
        mov     eax, 180
        jmp     __pio
pwrite_:
        mov     eax, 181
__pio:
        push    ebx
        push    ecx
        push    edx
        push    esi
        push    edi
        mov     ebx, [esp + 24]
        mov     ecx, [esp + 28]
        mov     edx, [esp + 32]
        mov     esi, [esp + 36]
        xor     edi, edi
        int     0x80
        pop     edi
        pop     esi
        pop     edx
        pop     ecx
        pop     ebx
        ret
`;

const DATA = new Uint8Array(3 * 4096 + 100);
for (let i = 0; i < DATA.length; i++) DATA[i] = (i * 7 + 3) & 0xff;

function run(body: string, opts: KernelRunOptions = {}, clean = true): KernelRun {
  const files = new Map(opts.files ?? []);
  if (!files.has('/data')) files.set('/data', DATA);
  const r = runKernel(assembleProgram(mainProgram(body) + FILE_LIB, 'mmap-test.asm'), { ...opts, files });
  const k = r.outcome.kernel;
  expect(r.outcome.end, `${r.outcome.message}\n${r.log.join('\n')}\n${r.stdout}`).toBe('exit');
  expect(check_invariants(k)).toEqual([]);
  expect([...k.tasks.keys()]).toEqual([0]);
  expect(futex_queues(k)).toEqual([]);
  if (clean) {
    expect(k.pages.stats.used).toBe(0);
    expect(k.vfs.nr_files).toBe(0);
  }
  return r;
}

const fileBytes = (r: KernelRun, path: string): Uint8Array => {
  const inode = r.outcome.kernel.vfs.lookup(path);
  expect(inode).not.toBeNull();
  return inode!.data.subarray(0, inode!.size);
};

describe('MAP_PRIVATE file mappings', () => {
  it('read the file at fault time, zero past its end in the last page, SIGBUS beyond; writes stay private', () => {
    const host = DATA.slice();
    const r = run(`
        ccall   open_, path, F_O_RDONLY, 0
        mov     ebx, eax
        ccall   mmap, 0, 5 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ebx, 0
        mov     esi, eax
        ccall   close_, ebx                             ; the mapping keeps the file
        printd  dword [esi + 3 * PAGE_SIZE + 96]        ; the last 4 bytes of the file
        prints  " "
        printd  dword [esi + 3 * PAGE_SIZE + 100]       ; past the end: 0
        prints  " "
        mov     dword [esi], -1                         ; private: the file is unchanged
        ; the kernel reading a page past the end of the file: EFAULT, no signal
        lea     eax, [esi + 4 * PAGE_SIZE]
        ccall   write, 1, eax, 4
        printd  eax
        nl
        ccall   fork
        test    eax, eax
        jz      .child
        ccall   wait4, eax, status, 0, 0
        prints  "child: signal "
        mov     eax, [status]
        and     eax, 0x7f
        printd  eax
        nl
        xor     eax, eax
        ret
.child: mov     eax, [esi + 4 * PAGE_SIZE]             ; SIGBUS
        ccall   _exit, 0
section .data
path:   db      "/data", 0
section .bss
status: resd    1
section .text
`);
    const dv = new DataView(DATA.buffer);
    expect(r.stdout).toBe(`${dv.getInt32(3 * 4096 + 96, true)} 0 -14\nchild: signal 7\n`);
    expect(fileBytes(r, '/data')).toEqual(host);
    expect(DATA).toEqual(host); // the host's buffer
  });

  it('a MAP_PRIVATE page is copied on write after fork, also after mprotect to read-only and back', () => {
    const r = run(`
        ccall   open_, path, F_O_RDONLY, 0
        mov     ebx, eax
        ccall   mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ebx, 0
        mov     esi, eax
        mov     dword [esi], 1111
        ccall   mprotect, esi, PAGE_SIZE, PROT_READ
        ccall   fork
        test    eax, eax
        jz      .child
        ccall   wait4, eax, 0, 0, 0
        prints  "parent sees "
        printd  dword [esi]
        ccall   mprotect, esi, PAGE_SIZE, PROT_READ | PROT_WRITE
        mov     dword [esi], 3333
        prints  ", then "
        printd  dword [esi]
        nl
        xor     eax, eax
        ret
.child: ccall   mprotect, esi, PAGE_SIZE, PROT_READ | PROT_WRITE
        mov     dword [esi], 2222
        ccall   _exit, 0
section .data
path:   db      "/data", 0
section .text
`);
    expect(r.stdout).toBe('parent sees 1111, then 3333\n');
    expect(r.outcome.kernel.stats.cowCopies).toBeGreaterThanOrEqual(1);
  });
});

describe('MAP_SHARED file mappings', () => {
  it('one frame per file page for every mapper; written back at munmap and exit, only dirty pages, never past the end', () => {
    const host = DATA.slice();
    const seen: Array<{ pages: number; mapcount: number; violations: string[] }> = [];
    probe((k) => {
      const m = inode_mapping(k.vfs.lookup('/data')!);
      seen.push({ pages: m?.pages.size ?? -1, mapcount: m?.mapcount ?? 0, violations: check_invariants(k) });
      return 0;
    });
    const r = run(`
        ccall   open_, path, F_O_RDWR, 0
        mov     ebx, eax
        ccall   mmap, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ebx, 0
        mov     esi, eax
        ccall   mmap, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ebx, PAGE_SIZE
        mov     edi, eax
        mov     dword [esi + PAGE_SIZE + 8], 0x11223344  ; page 1 through the first mapping
        prints  "second mapping: "
        printx  dword [edi + 8]
        mov     eax, [edi + PAGE_SIZE]                  ; page 2: read, stays clean
        mov     dword [esi + 3 * PAGE_SIZE + 200], 0x55667788   ; past the file's end (page 3 has 100 bytes)
        ccall   probe, 0
        ; page 2 changes in the file by pwrite; the mapping's clean copy must not undo it
        ccall   pwrite_, ebx, newbytes, 4, 2 * PAGE_SIZE
        ccall   fork
        test    eax, eax
        jz      .child
        ccall   wait4, eax, 0, 0, 0
        prints  ", child wrote "
        printx  dword [esi + PAGE_SIZE + 12]
        ccall   probe, 0
        ccall   munmap, edi, 2 * PAGE_SIZE
        ccall   probe, 0
        ccall   close_, ebx
        nl
        xor     eax, eax                                ; exit: the last mapping goes
        ret
.child: mov     dword [edi + 12], 0x99aabbcc            ; through the inherited mapping
        ccall   _exit, 0
section .data
path:   db      "/data", 0
newbytes: db    "new!"
section .text
`);
    expect(r.stdout).toBe('second mapping: 0x11223344, child wrote 0x99aabbcc\n');
    // Pages 1, 2 and 3 faulted in (pages 1 and 2 from both mappings: one frame each).
    expect(seen.map((s) => [s.pages, s.mapcount])).toEqual([[3, 2], [3, 2], [3, 1]]);
    for (const s of seen) expect(s.violations).toEqual([]);
    const file = fileBytes(r, '/data');
    expect(file.length).toBe(DATA.length); // a mapping never grows the file
    const dv = new DataView(file.buffer, file.byteOffset);
    expect(dv.getUint32(4096 + 8, true)).toBe(0x11223344);
    expect(dv.getUint32(4096 + 12, true)).toBe(0x99aabbcc);
    expect(Buffer.from(file.subarray(2 * 4096, 2 * 4096 + 4)).toString()).toBe('new!');
    const expected = host.slice();
    const edv = new DataView(expected.buffer);
    edv.setUint32(4096 + 8, 0x11223344, true);
    edv.setUint32(4096 + 12, 0x99aabbcc, true);
    expected.set(Buffer.from('new!'), 2 * 4096); // page 2 was mapped but clean: not written back
    expect(file).toEqual(expected);
    expect(DATA).toEqual(host); // the host's buffer is untouched: the file got its own copy
  });

  it('pread sees a store through the mapping before msync too (one page cache); msync\'s errors', () => {
    const r = run(`
        ccall   open_, path, F_O_RDWR, 0
        mov     ebx, eax
        ccall   mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ebx, 0
        mov     esi, eax
        mov     dword [esi], 'abcd'
        ccall   pread_, ebx, buf, 4, 0
        prints  "before msync: "
        printx  dword [buf]
        ccall   msync, esi, PAGE_SIZE, MS_SYNC
        prints  ", msync "
        printd  eax
        ccall   pread_, ebx, buf, 4, 0
        prints  " after: "
        printx  dword [buf]
        lea     eax, [esi + 1]
        ccall   msync, eax, PAGE_SIZE, MS_SYNC
        prints  " unaligned: "
        printd  eax
        ccall   msync, esi, PAGE_SIZE, MS_SYNC | MS_ASYNC
        prints  " both: "
        printd  eax
        ccall   msync, esi, 2 * PAGE_SIZE, MS_ASYNC
        prints  " hole: "
        printd  eax
        nl
        ccall   munmap, esi, PAGE_SIZE
        ccall   close_, ebx
        xor     eax, eax
        ret
section .data
path:   db      "/data", 0
section .bss
buf:    resd    1
section .text
`);
    expect(r.stdout).toBe('before msync: 0x64636261, msync 0 after: 0x64636261 unaligned: -22 both: -22 hole: -12\n');
  });

  it('a MAP_SHARED file page is one futex for two processes; the mapping outlives close and unlink', () => {
    const r = run(`
        ccall   open_, path, F_O_RDWR | F_O_CREAT, 0o600
        mov     ebx, eax
        ccall   ftruncate_, ebx, PAGE_SIZE
        ccall   unlink_, path
        ccall   fork
        test    eax, eax
        jz      .child
        mov     edi, eax
        ccall   mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ebx, 0
        mov     esi, eax
        ccall   close_, ebx
        ccall   yield_n, 3                      ; the child sleeps on the word
        mov     dword [esi + 64], 1
        lea     eax, [esi + 64]
        ccall   futex, eax, FUTEX_WAKE, 1, 0, 0, 0
        prints  "woke "
        printd  eax
        ccall   wait4, edi, status, 0, 0
        prints  ", child saw "
        movzx   eax, byte [status + 1]
        printd  eax
        nl
        xor     eax, eax
        ret
.child: ; its own mapping of the (unlinked) file, at another address
        ccall   mmap, 0, 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0
        ccall   mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ebx, 0
        mov     esi, eax
        ccall   close_, ebx
        lea     eax, [esi + 64]
        ccall   futex, eax, FUTEX_WAIT, 0, 0, 0, 0
        mov     eax, [esi + 64]
        add     eax, 40
        ccall   _exit, eax
section .data
path:   db      "/tmp/shared-futex", 0
section .bss
status: resd    1
section .text
`);
    expect(r.stdout).toBe('woke 1, child saw 41\n');
    expect(r.outcome.kernel.vfs.lookup('/tmp/shared-futex')).toBeNull();
  });

  it('MAP_FIXED and munmap in the middle of a shared file mapping: splits keep their own references', () => {
    const seen: string[][] = [];
    probe((k) => {
      seen.push(check_invariants(k));
      const m = inode_mapping(k.vfs.lookup('/data')!);
      return m ? m.mapcount : 0;
    });
    const r = run(`
        ccall   open_, path, F_O_RDWR, 0
        mov     ebx, eax
        ccall   mmap, 0, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ebx, 0
        mov     esi, eax
        mov     dword [esi], 1
        mov     dword [esi + PAGE_SIZE], 2
        mov     dword [esi + 2 * PAGE_SIZE], 3
        lea     eax, [esi + PAGE_SIZE]
        ccall   munmap, eax, PAGE_SIZE                  ; two VMAs now
        ccall   probe, 0
        printd  eax
        ccall   mmap, esi, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0
        ccall   probe, 0                                ; one left
        prints  " "
        printd  eax
        prints  " "
        printd  dword [esi]
        prints  " "
        printd  dword [esi + 2 * PAGE_SIZE]
        ccall   close_, ebx
        nl
        xor     eax, eax
        ret
section .data
path:   db      "/data", 0
section .text
`);
    expect(r.stdout).toBe('2 1 0 3\n');
    for (const v of seen) expect(v).toEqual([]);
    const dv = new DataView(fileBytes(r, '/data').buffer, fileBytes(r, '/data').byteOffset);
    expect([dv.getUint32(0, true), dv.getUint32(4096, true), dv.getUint32(8192, true)]).toEqual([1, 2, 3]);
  });
});

describe('mmap of file descriptors: errors and /dev/zero', () => {
  it('EBADF, EACCES, ENODEV; /dev/zero maps anonymous memory, shared across fork with MAP_SHARED', () => {
    const r = run(`
%macro show 1
        printd  eax
        prints  %1
%endmacro
        ccall   mmap, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, 99, 0
        show    " "                                     ; EBADF
        ccall   open_, path, F_O_WRONLY, 0
        mov     ebx, eax
        ccall   mmap, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, ebx, 0
        show    " "                                     ; EACCES: not readable
        ccall   close_, ebx
        ccall   open_, root, F_O_RDONLY, 0
        mov     ebx, eax
        ccall   mmap, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, ebx, 0
        show    " "                                     ; ENODEV: a directory
        ccall   close_, ebx
        ccall   open_, zero, F_O_RDWR, 0
        mov     ebx, eax
        ccall   mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ebx, 0
        mov     esi, eax
        ccall   close_, ebx
        ccall   fork
        test    eax, eax
        jz      .child
        ccall   wait4, eax, 0, 0, 0
        printd  dword [esi]
        nl
        xor     eax, eax
        ret
.child: mov     dword [esi], 77
        ccall   _exit, 0
section .data
path:   db      "/data", 0
root:   db      "/", 0
zero:   db      "/dev/zero", 0
section .text
`);
    expect(r.stdout).toBe('-9 -13 -19 77\n');
  });
});
