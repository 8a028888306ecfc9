// The system calls glibc's static start-up and its pthreads need (issue 8), checked at the
// syscall level with assembly scripts (tests/helpers/syscall-script.ts): rseq and clone3
// (deliberate -ENOSYS, not logged), the "unimplemented syscall" line (once per number),
// resource limits (getrlimit, ugetrlimit, setrlimit, prlimit64 — and what the kernel
// enforces with them), getrandom, sched_getaffinity, sysinfo, mremap, madvise,
// readlink("/proc/self/exe"), futex_time64, the console's per-stream terminal answer,
// and the invalid-opcode message naming the instruction's bytes.

import { describe, expect, it } from 'vitest';
import { E, NR } from '../src/guest/abi.js';
import { TCGETS, TIOCGWINSZ } from '../src/guest/fs/devices.js';
import { RLIM_INFINITY, RLIMIT_AS, RLIMIT_CORE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_STACK } from '../src/guest/abi.js';
import { STK_LIM } from '../src/guest/resource.js';
import { STACK_RLIMIT } from '../src/guest/mm.js';
import { check_invariants } from '../src/guest/memory.js';
import { assembleProgram, program, runKernel } from './helpers/kernel-machine.js';
import { mainProgram } from './helpers/threads-lib.js';
import { buf, res, runScript, sc, show, u32, type Step } from './helpers/syscall-script.js';

/** Scratch data for scripts: files of little-endian dwords, and the steps that read one
 *  into a buffer (open → fd 3, read, close: three results). */
function dataFiles(data: Record<string, number[]>): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  for (const [path, words] of Object.entries(data)) {
    const b = new Uint8Array(words.length * 4);
    const dv = new DataView(b.buffer);
    words.forEach((w, n) => dv.setUint32(4 * n, w >>> 0, true));
    m.set(path, b);
  }
  return m;
}
function load(path: string, n: number, bytes: number): Step[] {
  return [sc('open', path, 0), sc('read', 3, buf(n), bytes), sc('close', 3)];
}

const PROT_RW = 3;
const MAP_PRIVATE_ANON = 0x22;
const MREMAP_MAYMOVE = 1;
const MREMAP_FIXED = 2;
const MADV_DONTNEED = 4;
const FUTEX_WAIT = 0;
const FUTEX_PRIVATE_FLAG = 128;

describe('deliberately absent system calls and the unimplemented-syscall line', () => {
  it('rseq and clone3 return -ENOSYS without a kernel message', () => {
    const r = runScript([sc('rseq', buf(0), 32, 0, 0), sc('clone3', buf(0), 88)]);
    expect(r.results).toEqual([-E.ENOSYS, -E.ENOSYS]);
    expect(r.log.join('\n')).not.toContain('unimplemented');
  });

  it('a syscall forkbox lacks is named once per number, with its name and pid', () => {
    const r = runScript([sc('mount', 0, 0, 0), sc('mount', 0, 0, 0), sc(480), sc(480)]);
    expect(r.results).toEqual([-E.ENOSYS, -E.ENOSYS, -E.ENOSYS, -E.ENOSYS]);
    const lines = r.log.filter((l) => l.includes('unimplemented'));
    expect(lines).toEqual([
      `forkbox: unimplemented syscall ${NR.mount} (mount) in pid 2`,
      'forkbox: unimplemented syscall 480 in pid 2',
    ]);
  });

  it('each run reports its own unimplemented syscalls (the set is per kernel)', () => {
    for (let n = 0; n < 2; n++) {
      const r = runScript([sc('mount', 0, 0, 0)]);
      expect(r.log.filter((l) => l.includes('unimplemented'))).toHaveLength(1);
    }
  });
});

describe('resource limits', () => {
  it('the defaults: stack 8 MiB (what expand_stack enforces), nofile 1024, nproc = --max-tasks', () => {
    expect(STK_LIM).toBe(STACK_RLIMIT);
    const r = runScript([
      sc('ugetrlimit', RLIMIT_STACK, buf(0)), u32(buf(0)), u32(buf(0, 4)),
      sc('ugetrlimit', RLIMIT_NOFILE, buf(0)), u32(buf(0)), u32(buf(0, 4)),
      sc('ugetrlimit', RLIMIT_NPROC, buf(0)), u32(buf(0)), u32(buf(0, 4)),
      sc('ugetrlimit', RLIMIT_CORE, buf(0)), u32(buf(0)), u32(buf(0, 4)),
      // the old getrlimit reports infinity as 0x7fffffff
      sc('getrlimit', RLIMIT_STACK, buf(0)), u32(buf(0)), u32(buf(0, 4)),
      sc('ugetrlimit', 16, buf(0)),
      sc('ugetrlimit', RLIMIT_STACK, 0xc0000000),
    ], { maxTasks: 77 });
    expect(r.results).toEqual([
      0, 8 << 20, RLIM_INFINITY,
      0, 1024, 1024,
      0, 77, 77,
      0, 0, RLIM_INFINITY,
      0, 8 << 20, 0x7fffffff,
      -E.EINVAL,
      -E.EFAULT,
    ]);
  });

  it('prlimit64 reads and writes 64-bit limits: u64 values at or above 2^32 - 1 are infinity', () => {
    const r = runScript([
      ...load('/lim', 1, 16),
      sc('prlimit64', 0, RLIMIT_CORE, buf(1), buf(4)), u32(buf(4)), u32(buf(4, 4)), u32(buf(4, 8)), u32(buf(4, 12)),
      sc('prlimit64', 0, RLIMIT_CORE, 0, buf(4)), u32(buf(4)), u32(buf(4, 4)), u32(buf(4, 8)), u32(buf(4, 12)),
      sc('prlimit64', 99, RLIMIT_STACK, 0, buf(4)),
      sc('prlimit64', 0, 16, 0, buf(4)),
    ], { files: dataFiles({ '/lim': [7, 0, 0, 1] }) }); // {7, 2^32}: cur 7, max infinity
    expect(r.results.slice(3)).toEqual([
      0, 0, 0, 0xffffffff, 0xffffffff, // the old value: {0, RLIM64_INFINITY}
      0, 7, 0, 0xffffffff, 0xffffffff, // the new one
      -E.ESRCH, -E.EINVAL,
    ]);
  });

  it('EPERM raising a hard limit, EINVAL for soft > hard, EPERM for nofile beyond nr_open', () => {
    const body = `
        mov     dword [lim], 5
        mov     dword [lim + 4], 10
        sys     75, 4, lim              ; setrlimit(RLIMIT_CORE, {5, 10})
        call    print_i32
        call    print_nl
        mov     dword [lim + 4], 20
        sys     75, 4, lim              ; hard 10 → 20
        call    print_i32
        call    print_nl
        mov     dword [lim], 11
        mov     dword [lim + 4], 10
        sys     75, 4, lim              ; soft 11 > hard 10
        call    print_i32
        call    print_nl
        mov     dword [lim], 2000
        mov     dword [lim + 4], 2000
        sys     75, 7, lim              ; RLIMIT_NOFILE 2000
        call    print_i32
        call    print_nl
        sys     191, 4, lim
        mov     eax, [lim]
        call    print_u32
        call    print_nl
        mov     eax, [lim + 4]
        call    print_u32
        call    print_nl
        ; the child of a fork inherits the limits
        fork_parent .parent
        sys     191, 4, lim
        mov     eax, [lim + 4]
        call    print_u32
        call    print_nl
        sys     1, 0
.parent:
        sys     114, -1, 0, 0, 0
        sys     1, 0
section .bss
lim:    resd 2
`;
    const r = runKernel(program(body));
    expect(r.stdout).toBe(`0\n${-E.EPERM}\n${-E.EINVAL}\n${-E.EPERM}\n5\n10\n10\n`);
  });

  it('RLIMIT_NOFILE lowered: new descriptors at or above it are EMFILE (dup2: EBADF)', () => {
    const r = runScript([
      ...load('/lim', 1, 16),
      sc('prlimit64', 0, RLIMIT_NOFILE, buf(1), 0), // {4, 4}
      sc('dup', 0), // 3
      sc('dup', 0), // 4 ≥ 4: EMFILE
      sc('dup2', 0, 5),
      sc('pipe', buf(2)),
      sc('open', '/lim', 0),
    ], { files: dataFiles({ '/lim': [4, 0, 4, 0] }) });
    expect(r.results.slice(3)).toEqual([0, 3, -E.EMFILE, -E.EBADF, -E.EMFILE, -E.EMFILE]);
  });

  it('RLIMIT_NPROC: fork fails with EAGAIN once the tasks reach it', () => {
    const r = runScript([
      ...load('/lim', 1, 16),
      sc('prlimit64', 0, RLIMIT_NPROC, buf(1), 0), // {2, 2}: init and this process
      sc('fork'),
    ], { files: dataFiles({ '/lim': [2, 0, 2, 0] }) });
    expect(r.results.slice(3)).toEqual([0, -E.EAGAIN]);
  });

  it('RLIMIT_STACK lowered: the stack stops growing at the new limit (SIGSEGV)', () => {
    const body = `
        mov     dword [lim], 256 * 1024
        mov     dword [lim + 4], 0xffffffff
        sys     75, 3, lim              ; setrlimit(RLIMIT_STACK, {256 KiB, inf})
        mov     ebp, 0
.touch: sub     esp, 4096
        mov     dword [esp], 1          ; grows the stack page by page
        inc     ebp
        mov     eax, ebp
        cmp     eax, 48
        jne     .touch
        puts    "192 KiB ok", 10
.more:  sub     esp, 4096
        mov     dword [esp], 1
        inc     ebp
        cmp     ebp, 1024
        jne     .more
        puts    "4 MiB: not reached", 10
        sys     1, 0
section .bss
lim:    resd 2
`;
    const r = runKernel(program(body));
    expect(r.stdout).toBe('192 KiB ok\n');
    expect(r.status & 0x7f).toBe(11); // killed by SIGSEGV
  });

  it('RLIMIT_DATA and RLIMIT_AS: brk keeps the old break, mmap fails with ENOMEM', () => {
    const r = runScript([
      ...load('/as', 1, 16),
      sc('prlimit64', 0, RLIMIT_AS, buf(1), 0), // 16 MiB of address space (the script has ~1 MiB)
      sc('mmap2', 0, 64 << 20, PROT_RW, MAP_PRIVATE_ANON, -1, 0),
      sc('mmap2', 0, 4096, PROT_RW, MAP_PRIVATE_ANON, -1, 0),
      sc('brk', 0),
    ], { files: dataFiles({ '/as': [16 << 20, 0, 16 << 20, 0] }) });
    expect(r.results[3]).toBe(0);
    expect(r.results[4]).toBe(-E.ENOMEM);
    expect((r.results[5] as number) >>> 0).toBeLessThan(0xc0000000);
    expect((r.results[5] as number) >>> 0).toBeGreaterThan(0xffff);
    // brk past RLIMIT_DATA keeps the old break
    const body = `
        sys     45, 0
        mov     esi, eax
        mov     dword [lim], 4096 * 4
        mov     dword [lim + 4], 4096 * 4
        sys     75, 2, lim              ; RLIMIT_DATA: 16 KiB
        lea     ebx, [esi + 4096]
        sys     45, ebx
        sub     eax, esi
        call    print_u32
        call    print_nl
        lea     ebx, [esi + 1024 * 1024]
        sys     45, ebx
        sub     eax, esi
        call    print_u32
        call    print_nl
        sys     1, 0
section .bss
lim:    resd 2
`;
    const p = runKernel(program(body));
    expect(p.stdout).toBe('4096\n4096\n');
  });
});

describe('getrandom', () => {
  it('deterministic bytes, the same in every run with the same seed; another seed, others', () => {
    const steps = [sc('getrandom', buf(0), 16, 0), ...[0, 4, 8, 12].map((o) => u32(buf(0, o)))];
    const a = runScript(steps);
    const b = runScript(steps);
    const c = runScript(steps, { randomSeed: 12345 });
    expect(a.results[0]).toBe(16);
    expect(a.results).toEqual(b.results);
    expect(a.results.slice(1)).not.toEqual(c.results.slice(1));
    expect(a.results.slice(1)).not.toEqual([0, 0, 0, 0]);
  });

  it('successive calls give different bytes; flags: NONBLOCK, RANDOM, INSECURE ok, others EINVAL', () => {
    const r = runScript([
      sc('getrandom', buf(0), 8, 0), sc('getrandom', buf(0, 8), 8, 1),
      u32(buf(0)), u32(buf(0, 8)),
      sc('getrandom', buf(1), 8, 2), sc('getrandom', buf(1), 8, 4),
      sc('getrandom', buf(1), 8, 6), sc('getrandom', buf(1), 8, 8),
      sc('getrandom', buf(1), 0, 0),
      sc('getrandom', 0, 8, 0),
      sc('getrandom', buf(2), 20000, 0),
    ]);
    expect(r.results.slice(0, 2)).toEqual([8, 8]);
    expect(r.results[2]).not.toBe(r.results[3]);
    expect(r.results.slice(4)).toEqual([8, 8, -E.EINVAL, -E.EINVAL, 0, -E.EFAULT, 20000]);
  });
});

describe('/dev/random and /dev/urandom', () => {
  it('read the same deterministic pool as getrandom; writes are accepted', () => {
    const words = (n: number) => [0, 4, 8, 12].map((o) => u32(buf(n, o)));
    const steps = [
      sc('open', '/dev/urandom', 2), sc('read', 3, buf(0), 16), ...words(0), sc('write', 3, 'x', 1),
      sc('open', '/dev/random', 0), sc('read', 4, buf(1), 16), ...words(1),
    ];
    const a = runScript(steps);
    const b = runScript(steps);
    expect(a.results.slice(0, 2)).toEqual([3, 16]);
    expect(a.results.slice(6, 9)).toEqual([1, 4, 16]);
    expect(a.results.slice(2, 6)).not.toEqual(a.results.slice(9, 13));
    expect(a.results).toEqual(b.results);
    // the same bytes as getrandom's first 32 in a run
    const g = runScript([sc('getrandom', buf(0), 32, 0), ...words(0), ...[16, 20, 24, 28].map((o) => u32(buf(0, o)))]);
    expect(g.results.slice(1)).toEqual([...a.results.slice(2, 6), ...a.results.slice(9, 13)]);
  });
});

describe('small process calls', () => {
  it('sched_getaffinity: CPU 0 only, 4 bytes; EINVAL for a short or odd length; ESRCH; setaffinity needs CPU 0', () => {
    const r = runScript([
      sc('sched_getaffinity', 0, 128, buf(0)), u32(buf(0)), u32(buf(0, 4)),
      sc('sched_getaffinity', 0, 2, buf(0)),
      sc('sched_getaffinity', 0, 6, buf(0)),
      sc('sched_getaffinity', 999, 8, buf(0)),
      sc('sched_setaffinity', 0, 4, buf(0)),
      sc('sched_setaffinity', 0, 4, buf(1)),
    ]);
    expect(r.results).toEqual([4, 1, 0, -E.EINVAL, -E.EINVAL, -E.ESRCH, 0, -E.EINVAL]);
  });

  it('one policy on one CPU: SCHED_OTHER at priority 0; real-time policies EPERM; priority ranges; getcpu 0', () => {
    const r = runScript([
      sc('sched_getscheduler', 0), sc('sched_getscheduler', 999), sc('sched_getscheduler', -1),
      sc('sched_getparam', 0, buf(0)), u32(buf(0)),
      sc('sched_setscheduler', 0, 0, buf(1)), // SCHED_OTHER, priority 0 (buf(1) zero)
      sc('sched_setscheduler', 0, 1, buf(1)), // SCHED_FIFO with priority 0: EINVAL
      sc('sched_setscheduler', 0, 9, buf(1)),
      sc('sched_setparam', 0, buf(1)),
      sc('sched_get_priority_max', 1), sc('sched_get_priority_min', 2), sc('sched_get_priority_max', 0),
      sc('sched_get_priority_min', 42),
      sc('getcpu', buf(2), buf(2, 4), 0), u32(buf(2)),
      sc('getgroups32', 0, 0), sc('getgroups32', -1, 0),
    ]);
    expect(r.results).toEqual([
      0, -E.ESRCH, -E.EINVAL, 0, 0, 0, -E.EINVAL, -E.EINVAL, 0, 99, 1, 0, -E.EINVAL, 0, 0, 0, -E.EINVAL,
    ]);
  });

  it('prctl names the thread (PR_SET_NAME, PR_GET_NAME: 15 bytes and a NUL); other options EINVAL', () => {
    const r = runScript([
      sc('prctl', 15, 'a-rather-long-thread-name'), sc('prctl', 16, buf(0)), show(buf(0), 16),
      sc('prctl', 9999, 0),
    ]);
    expect(r.results).toEqual([0, 0, 'a-rather-long-t\0', -E.EINVAL]);
  });

  it('process groups and sessions: setpgid on self and a child, setsid, getpgid/getsid, EPERM and ESRCH', () => {
    const body = `
        %macro show_ 0
        call    print_i32
        call    print_nl
        %endmacro
        sys     65                      ; getpgrp: init's group, 1
        show_
        sys     147, 0                  ; getsid(0): 1
        show_
        sys     57, 0, 0                ; setpgid(0, 0): a group of its own (2)
        show_
        sys     132, 0
        show_
        fork_child .child
        mov     [kid], eax
        sys     57, [kid], [kid]        ; the child in a group of its own
        show_
        sys     132, [kid]
        sub     eax, [kid]              ; 0: its own
        show_
        sys     57, [kid], 9999         ; no such group: EPERM
        show_
        sys     57, 1, 0                ; init is not our child: ESRCH
        show_
        sys     132, 4242               ; no such process
        show_
        sys     66                      ; setsid: we lead group 2, EPERM
        show_
        sys     37, [kid], 9            ; SIGKILL the child
        sys     114, -1, 0, 0, 0
        sys     1, 0
.child:
        sys     162, ts, 0              ; sleep until killed
        sys     1, 3
section .data
ts:     dd 10, 0
section .bss
kid:    resd 1
`;
    const r = runKernel(program(body));
    expect(r.stdout.split('\n').slice(0, -1).map(Number)).toEqual([1, 1, 0, 2, 0, 0, -E.EPERM, -E.ESRCH, -E.ESRCH, -E.EPERM]);
    // setsid in a child that leads no group: a new session and group, its pid
    const s2 = runKernel(program(`
        fork_child .child
        sys     114, -1, 0, 0, 0
        sys     1, 0
.child:
        sys     66
        mov     esi, eax
        sys     20
        sub     esi, eax                ; setsid returned its pid
        mov     eax, esi
        call    print_i32
        call    print_nl
        sys     147, 0
        mov     esi, eax
        sys     20
        sub     esi, eax
        mov     eax, esi
        call    print_i32
        call    print_nl
        sys     1, 0
`));
    expect(s2.stdout).toBe('0\n0\n');
  });

  it('nice: kept and inherited; raising allowed, lowering refused (EACCES, nice(): EPERM); sync; mlock', () => {
    const r = runScript([
      sc('getpriority', 0, 0),
      sc('setpriority', 0, 0, 5), sc('getpriority', 0, 0),
      sc('setpriority', 0, 0, 1), // lower: EACCES
      sc('nice', 3), sc('getpriority', 0, 0),
      sc('nice', -1),
      sc('setpriority', 0, 999, 0), sc('getpriority', 7, 0),
      sc('sync'),
      sc('mlock', buf(0), 4096), sc('munlock', buf(0, 100), 10), sc('mlock', 0x10000, 4096),
    ]);
    expect(r.results).toEqual([20, 0, 15, -E.EACCES, 0, 12, -E.EPERM, -E.ESRCH, -E.EINVAL, 0, 0, 0, -E.ENOMEM]);
  });

  it('sysinfo: RAM from the machine, free RAM from the page allocator, tasks, mem_unit 1', () => {
    const r = runScript([sc('sysinfo', buf(0)), u32(buf(0, 16)), u32(buf(0, 20)), u32(buf(0, 40)), u32(buf(0, 52))], { memSize: 16 << 20 });
    expect(r.results[0]).toBe(0);
    expect(r.results[1]).toBe(16 << 20);
    expect(r.results[2] as number).toBeGreaterThan(4 << 20);
    expect(r.results[2] as number).toBeLessThan(16 << 20);
    expect((r.results[3] as number) & 0xffff).toBe(2);
    expect(r.results[4]).toBe(1);
  });

  it('readlink("/proc/self/exe") is the program\'s absolute path; other pids and paths as usual', () => {
    const r = runScript([
      sc('readlink', '/proc/self/exe', buf(0), 100), show(buf(0), 5),
      sc('readlink', '/proc/2/exe', buf(1), 3), show(buf(1), 3),
      sc('readlink', '/proc/77/exe', buf(1), 100),
      sc('readlinkat', -100, '/proc/self/exe', buf(2), 100),
    ]);
    expect(r.results).toEqual([5, '/test', 3, '/te', -E.ENOENT, 5]);
  });
});

describe('mremap and madvise', () => {
  it('grows in place, shrinks, moves with MREMAP_MAYMOVE (data kept), refuses without it', () => {
    const r = runScript([
      sc('mmap2', 0, 8192, PROT_RW, MAP_PRIVATE_ANON, -1, 0), // 0: A
      sc('mmap2', 0, 4096, PROT_RW, MAP_PRIVATE_ANON, -1, 0), // 1: B, just below A
      sc('munmap', res(0), 4096), // a hole below? no: A's first page goes
      sc('mremap', res(1), 4096, 8192, 0, 0), // B grows into A's freed page
      sc('mremap', res(1), 8192, 16384, 0, 0), // runs into A's second page: ENOMEM
      sc('mremap', res(1), 8192, 4096, 0, 0), // shrink
      sc('mremap', 0x1001, 10, 20, 0, 0),
      sc('mremap', res(1), 4096, 0, 0, 0),
      sc('mremap', res(1), 4096, 8192, 8, 0), // unknown flag
      sc('mremap', res(1), 4096, 8192, MREMAP_FIXED, 0x10000000), // FIXED needs MAYMOVE
      sc('mremap', 0x20000000, 4096, 8192, 0, 0), // nothing there
    ]);
    const [a, b] = r.results as number[];
    expect(b).toBe(a - 4096);
    expect(r.results.slice(2)).toEqual([0, b, -E.ENOMEM, b, -E.EINVAL, -E.EINVAL, -E.EINVAL, -E.EINVAL, -E.EFAULT]);
  });

  it('a moved mapping keeps its pages (moved, not copied); MREMAP_FIXED replaces the target', () => {
    const body = `
        sys     192, 0, 8192, 3, 0x22   ; A = mmap2(8 KiB)
        mov     [a], eax
        mov     dword [eax], 0x11111111
        mov     dword [eax + 4096], 0x22222222
        ; a page right after A (MAP_FIXED): A cannot grow in place
        mov     ebx, [a]
        add     ebx, 8192
        sys     192, ebx, 4096, 3, 0x32
        ; mremap(A, 8 KiB, 16 KiB, MREMAP_MAYMOVE): moved
        sys     163, [a], 8192, 16384, 1
        mov     [a], eax
        mov     eax, [eax]
        call    print_u32
        call    print_nl
        mov     eax, [a]
        mov     eax, [eax + 4096]
        call    print_u32
        call    print_nl
        mov     eax, [a]
        mov     eax, [eax + 8192]       ; the grown part reads zero
        call    print_u32
        call    print_nl
        ; mremap(A, 16 KiB, 4 KiB, MREMAP_MAYMOVE | MREMAP_FIXED, 0x30000000)
        mov     edi, 0x30000000
        sys     163, [a], 16384, 4096, 3
        call    print_u32
        call    print_nl
        mov     eax, [0x30000000]
        call    print_u32
        call    print_nl
        sys     1, 0
section .bss
a:      resd 1
`;
    const r = runKernel(program(body));
    expect(r.stdout).toBe(`${0x11111111}\n${0x22222222}\n0\n${0x30000000}\n${0x11111111}\n`);
    expect(r.exitCode).toBe(0);
    expect(check_invariants(r.outcome.kernel)).toEqual([]); // every frame freed, no stray PTE
  });

  it('madvise(MADV_DONTNEED) zaps: private anonymous pages read zero again; holes ENOMEM; bad advice EINVAL', () => {
    const body = `
        sys     192, 0, 8192, 3, 0x22
        mov     esi, eax
        mov     dword [esi], 7
        mov     dword [esi + 4096], 8
        sys     219, esi, 8192, 4       ; MADV_DONTNEED
        call    print_i32
        call    print_nl
        mov     eax, [esi]
        add     eax, [esi + 4096]
        call    print_u32
        call    print_nl
        lea     ebx, [esi + 1]
        sys     219, ebx, 4096, 4
        call    print_i32
        call    print_nl
        sys     219, esi, 8192, 999
        call    print_i32
        call    print_nl
        sys     219, esi, 3 * 4096 * 1024, 0    ; runs past the mapping: ENOMEM
        call    print_i32
        call    print_nl
        sys     219, esi, 4096, 8       ; MADV_FREE on private anonymous: ok
        call    print_i32
        call    print_nl
        sys     1, 0
`;
    const r = runKernel(program(body));
    expect(r.stdout).toBe(`0\n0\n${-E.EINVAL}\n${-E.EINVAL}\n${-E.ENOMEM}\n0\n`);
    expect(check_invariants(r.outcome.kernel)).toEqual([]);
    void MADV_DONTNEED;
    void MREMAP_MAYMOVE;
  });
});

describe('read(2) and write(2) of a file mapped MAP_SHARED (one page cache, as Linux)', () => {
  it('a store through the mapping is read without msync; a write to a mapped page is seen by the mapping', () => {
    const body = `
        sys     5, path, 0o102, 0o644           ; open(O_CREAT | O_RDWR)
        mov     [fd], eax
        sys     4, [fd], zeros, 8192
        mov     edi, [fd]
        mov     ebp, 0
        sys     192, 0, 8192, 3, 1              ; mmap2(MAP_SHARED, fd, 0)
        mov     [a], eax
        mov     byte [eax + 10], 'M'            ; page 0 faults in, dirty
        xor     edi, edi
        sys     180, [fd], rbuf, 1, 10          ; pread(fd, rbuf, 1, 10)
        movzx   eax, byte [rbuf]
        call    print_u32
        call    print_nl
        xor     edi, edi
        sys     181, [fd], w, 1, 20             ; pwrite(fd, "W", 1, 20)
        mov     eax, [a]
        movzx   eax, byte [eax + 20]
        call    print_u32
        call    print_nl
        mov     eax, [a]
        movzx   eax, byte [eax + 10]            ; the store is still there
        call    print_u32
        call    print_nl
        sys     1, 0
section .data
path:   db '/tmp/f', 0
w:      db 'W'
section .bss
fd:     resd 1
a:      resd 1
rbuf:   resb 4
zeros:  resb 8192
`;
    const r = runKernel(program(body));
    expect(r.stdout).toBe(`${'M'.charCodeAt(0)}\n${'W'.charCodeAt(0)}\n${'M'.charCodeAt(0)}\n`);
  });
});

describe('the status of a process whose main thread left first', () => {
  it('main calls exit() (pthread_exit), another thread exit_group(5): the program\'s status is 5', () => {
    const r = runKernel(assembleProgram(mainProgram(`
        ccall   spawn, finisher, 0
        syscall SYS_exit, 0                     ; the leader alone: the group lives on
finisher:
        ccall   yield_n, 3
        prints  "finisher", 10
        ccall   exit, 5                         ; the runtime's exit: exit_group
`), 'group-exit.asm'));
    expect(r.stdout).toBe('finisher\n');
    expect(r.exitCode).toBe(5);
  });
});

describe('utimensat', () => {
  it('sets atime and mtime (UTIME_OMIT keeps one), by path or descriptor; EINVAL for a bad tv_nsec; ENOENT', () => {
    const r = runScript([
      ...load('/times', 1, 32), // {1000000000, 5}, {1500000000, 0x3ffffffe}; then {7, 1e9}
      sc('open', '/tmp/f', 0o102, 0o644), // 3
      sc('utimensat', -100, '/tmp/f', buf(1), 0),
      sc('stat64', '/tmp/f', buf(2)), u32(buf(2, 64)), u32(buf(2, 68)), u32(buf(2, 72)),
      sc('utimensat', 3, 0, buf(1, 16), 0), // futimens with a bad nsec
      sc('utimensat', -100, '/tmp/none', 0, 0),
      sc('utimensat', -100, '/tmp/f', 0, 0x8000),
    ], { files: dataFiles({ '/times': [1_000_000_000, 5, 1_500_000_000, 0x3ffffffe, 7, 1_000_000_000, 0, 0] }) });
    // the mtime was omitted: it is the file's creation time (the boot epoch, 2026)
    expect(r.results.slice(3, 8)).toEqual([3, 0, 0, 1_000_000_000, 5]);
    expect((r.results[8] as number) >>> 0).toBeGreaterThan(1_700_000_000);
    expect(r.results.slice(9)).toEqual([-E.EINVAL, -E.ENOENT, -E.EINVAL]);
  });
});

describe('waitid', () => {
  it('WNOWAIT reports and leaves the child; WEXITED reaps it; the siginfo; WNOHANG with nothing ready; EINVAL, ECHILD', () => {
    const body = `
        %macro show_ 1
        mov     eax, %1
        call    print_i32
        call    print_nl
        %endmacro
        fork_child .child
        mov     [kid], eax
        sys     284, 1, [kid], info, 0x01000004 ; waitid(P_PID, kid, WEXITED | WNOWAIT)
        show_   eax
        show_   [info]                  ; si_signo: SIGCHLD
        show_   [info + 8]              ; si_code: CLD_EXITED
        mov     eax, [info + 12]
        sub     eax, [kid]
        show_   eax                     ; si_pid
        show_   [info + 20]             ; si_status
        sys     284, 0, 0, info, 4      ; waitid(P_ALL, WEXITED): reaps it
        show_   eax
        sys     284, 0, 0, info, 4
        show_   eax                     ; no child left
        sys     284, 0, 0, info, 1      ; WNOHANG alone: EINVAL
        show_   eax
        sys     284, 3, 0, info, 4      ; P_PIDFD: EINVAL
        show_   eax
        sys     1, 0
.child:
        sys     1, 7
section .bss
kid:    resd 1
info:   resb 128
`;
    const r = runKernel(program(body));
    expect(r.stdout.split('\n').slice(0, -1).map(Number)).toEqual([0, 17, 1, 0, 7, 0, -E.ECHILD, -E.EINVAL, -E.EINVAL]);
  });
});

describe('futex_time64', () => {
  it('waits with a 64-bit timespec timeout: ETIMEDOUT; a changed value: EAGAIN; a bad timespec: EINVAL', () => {
    // buf(1): {tv_sec = 0 (64-bit), tv_nsec = 20 ms}; buf(2): tv_nsec = 2e9 (invalid);
    // buf(3): tv_sec = 2^32 (a 64-bit value the 32-bit futex could not express)
    const r = runScript([
      ...load('/ts', 1, 48),
      sc('clock_gettime', 1, buf(5)),
      sc('futex_time64', buf(0), FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, buf(1), 0, 0),
      sc('clock_gettime', 1, buf(6)),
      u32(buf(5, 4)), u32(buf(6, 4)), u32(buf(5)), u32(buf(6)),
      sc('futex_time64', buf(0), FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 5, buf(1), 0, 0),
      sc('futex_time64', buf(0), FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, buf(1, 16), 0, 0),
      sc('futex', buf(0), FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, buf(1, 32), 0, 0),
    ], { files: dataFiles({ '/ts': [0, 0, 20_000_000, 0, 0, 0, 2_000_000_000, 0, 0, 0, 20_000_000, 0] }) });
    expect(r.results[4]).toBe(-E.ETIMEDOUT);
    const [ns0, ns1, s0, s1] = r.results.slice(6, 10) as number[];
    const waited = (s1 - s0) * 1e9 + (ns1 - ns0);
    expect(waited).toBeGreaterThanOrEqual(20_000_000);
    expect(waited).toBeLessThan(60_000_000);
    // the 32-bit futex reads {0, 0} from buf(1, 32) as a 0-second timeout: immediate
    expect(r.results.slice(10)).toEqual([-E.EAGAIN, -E.EINVAL, -E.ETIMEDOUT]);
  });
});

describe('the console as a terminal, per stream', () => {
  it('TCGETS / TIOCGWINSZ succeed exactly on the streams that are terminals', () => {
    const steps = [
      sc('ioctl', 0, TCGETS, buf(0)), sc('ioctl', 1, TCGETS, buf(0)), sc('ioctl', 2, TCGETS, buf(0)),
      sc('ioctl', 1, TIOCGWINSZ, buf(0)),
    ];
    expect(runScript(steps, { tty: { stdin: true, stdout: false, stderr: false } }).results)
      .toEqual([0, -E.ENOTTY, -E.ENOTTY, -E.ENOTTY]);
    expect(runScript(steps, { tty: { stdin: false, stdout: true, stderr: true } }).results).toEqual([-E.ENOTTY, 0, 0, 0]);
    expect(runScript(steps, { tty: false }).results).toEqual([-E.ENOTTY, -E.ENOTTY, -E.ENOTTY, -E.ENOTTY]);
  });
});

describe('an invalid opcode', () => {
  it('SIGILL, and the kernel message names the instruction bytes (up to 15, read without faulting)', () => {
    const r = runKernel(program(`
        nop
        db      0x0f, 0x0b, 0x90, 0x90
`));
    expect(r.status & 0x7f).toBe(4); // SIGILL
    const line = r.log.find((l) => l.includes('invalid opcode'));
    expect(line).toMatch(/^forkbox: test\[2\] trap invalid opcode ip:[0-9a-f]+ sp:[0-9a-f]+ error:0 bytes: 0f 0b 90 90( [0-9a-f]{2}){11}$/);
  });

  it('stops at the end of the readable code', () => {
    // jump to the last two bytes of a page followed by nothing mapped
    const r = runKernel(program(`
        sys     192, 0, 4096, 7, 0x22
        mov     word [eax + 4094], 0x0b0f
        add     eax, 4094
        jmp     eax
`));
    expect(r.status & 0x7f).toBe(4);
    expect(r.log.find((l) => l.includes('invalid opcode'))).toMatch(/ bytes: 0f 0b$/);
  });
});
