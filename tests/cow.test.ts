// Copy-on-write and demand paging end to end: real guest programs (assembled with
// forkbox's assembler, run under init by the kernel) fork, write, grow their stacks, move
// their break, map and unmap memory, and crash — and the kernel's statistics and
// invariants (memory.ts check_invariants) are checked after each run.

import { describe, expect, it } from 'vitest';
import { program, runKernel, type KernelRun } from './helpers/kernel-machine.js';
import { check_invariants } from '../src/guest/memory.js';

/** Run, then require a clean exit and clean memory invariants. */
function run(body: string, opts: Parameters<typeof runKernel>[1] = {}): KernelRun {
  const r = runKernel(program(body), opts);
  expect(r.outcome.end, `${r.outcome.message}\n${r.log.join('\n')}\n${r.stdout}`).toBe('exit');
  expect(check_invariants(r.outcome.kernel)).toEqual([]);
  return r;
}

const stats = (r: KernelRun) => r.outcome.kernel.stats;

/** Forks counted for a program that forks nothing (init's own launching of it, if the
 *  statistics count it): measured, so that the tests count only the program's forks. */
const FORKS_BY_INIT = runKernel(program('        sys 1, 0')).outcome.kernel.stats.forks;

/** A program that forks: the parent waits for the child and prints its wait status; the
 *  child runs `child` (which ends it). `bss` declares more variables before `status`. */
const childStatus = (child: string, bss = '') => `
        fork_child .child
        sys     114, -1, status, 0, 0
        mov     eax, [status]
        call    print_u32
        call    print_nl
        sys     1, 0
.child:
${child}
section .bss
${bss}status: resd    1
`;

// The seeds' fork example (001: "I am the child process … count is 1 (0x7ffd5e311580)"):
// the same virtual address holds different values in parent and child.
const SEED_FORK = `
        mov     dword [count], 0
        sys     2                       ; fork
        test    eax, eax
        js      .fail
        jz      .child
        sys     114, -1, status, 0, 0   ; wait4(-1, &status, 0, NULL)
        puts    "parent: count="
        mov     eax, [count]
        call    print_u32
        puts    " at "
        mov     eax, count
        call    print_u32
        puts    ", child status "
        movzx   eax, byte [status + 1]
        call    print_u32
        call    print_nl
        sys     1, 0
.child:
        inc     dword [count]
        puts    "child: count="
        mov     eax, [count]
        call    print_u32
        puts    " at "
        mov     eax, count
        call    print_u32
        call    print_nl
        sys     1, 3
.fail:
        sys     1, 99
section .bss
count:  resd    1
status: resd    1
`;

describe('copy-on-write through fork', () => {
  it("the seeds' example: same address, different values; the child's write copies the page", () => {
    const r = run(SEED_FORK);
    const m = /^child: count=1 at (\d+)\nparent: count=0 at (\d+), child status 3\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(m![1]).toBe(m![2]);
    expect(stats(r).cowCopies).toBeGreaterThanOrEqual(1);
    expect(stats(r).forks).toBe(FORKS_BY_INIT + 1);
  });

  it("--fork-mode=copy gives the same output with no COW faults, and costs more at fork", () => {
    const cow = run(SEED_FORK);
    const copy = run(SEED_FORK, { forkMode: 'copy' });
    expect(copy.stdout.replace(/\d+/g, 'N')).toBe(cow.stdout.replace(/\d+/g, 'N'));
    expect(copy.stdout).toBe(cow.stdout);
    expect(stats(copy).cowCopies).toBe(0);
    expect(stats(copy).cowReuses).toBe(0);
    expect(stats(cow).cowCopies + stats(cow).cowReuses).toBeGreaterThan(0);
  });

  // N pages touched before fork; the child writes them all (copies), exits; the parent,
  // now the only user of each frame, writes them all (reuses).
  const N = 16;
  const PAGES = `
        mov     ecx, 0
.touch: mov     [buf + ecx*4], ecx
        add     ecx, 1024
        cmp     ecx, ${N} * 1024
        jb      .touch
        fork_child .child
        sys     114, -1, 0, 0, 0
        mov     ecx, 0
.pw:    add     dword [buf + ecx*4], 1000
        add     ecx, 1024
        cmp     ecx, ${N} * 1024
        jb      .pw
        ; print the sum of the first word of every page: parent's values
        xor     eax, eax
        mov     ecx, 0
.sum:   add     eax, [buf + ecx*4]
        add     ecx, 1024
        cmp     ecx, ${N} * 1024
        jb      .sum
        call    print_u32
        call    print_nl
        sys     1, 0
.child: mov     ecx, 0
.cw:    mov     dword [buf + ecx*4], 7
        add     ecx, 1024
        cmp     ecx, ${N} * 1024
        jb      .cw
        sys     1, 0
section .bss
alignb 4096
buf:    resb    ${N} * 4096
`;

  it(`the child copies the ${N} pages it writes; the parent then reuses them (count back to 1)`, () => {
    const r = run(PAGES);
    // sum of (1024*k + 1000) for k < N: the child's writes did not reach the parent
    expect(r.stdout).toBe(`${1024 * ((N * (N - 1)) / 2) + 1000 * N}\n`);
    // The child writes only the N pages (no stack use before exit).
    expect(stats(r).cowCopies).toBe(N);
    // The parent reuses the N pages and its stack page (the first call after wait4).
    expect(stats(r).cowReuses).toBe(N + 1);
  });

  it(`with --fork-mode=copy the ${N} pages are copied at fork instead`, () => {
    const cow = run(PAGES);
    const copy = run(PAGES, { forkMode: 'copy' });
    expect(copy.stdout).toBe(cow.stdout);
    expect(stats(copy).cowCopies + stats(copy).cowReuses).toBe(0);
    // Every present private page is copied at fork: at least the N buffer pages more
    // page-copy work than COW did in faults.
    expect(copy.outcome.kernel.pages.stats.allocs).toBeGreaterThan(cow.outcome.kernel.pages.stats.allocs);
  });

  it('three generations: each has its own value at the same address', () => {
    const r = run(`
        mov     dword [value], 1
        fork_child .gen2
        sys     114, -1, 0, 0, 0
        puts    "gen1 "
        jmp     .report
.gen2:  mov     dword [value], 2
        fork_child .gen3
        sys     114, -1, 0, 0, 0
        puts    "gen2 "
        jmp     .report
.gen3:  mov     dword [value], 3
        puts    "gen3 "
.report:
        mov     eax, [value]
        call    print_u32
        puts    " at "
        mov     eax, value
        call    print_u32
        call    print_nl
        sys     1, 0
section .bss
value:  resd    1
`);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' at ')[0])).toEqual(['gen3 3', 'gen2 2', 'gen1 1']);
    expect(new Set(lines.map((l) => l.split(' at ')[1])).size).toBe(1);
    expect(stats(r).forks).toBe(FORKS_BY_INIT + 2);
    expect(stats(r).cowCopies).toBeGreaterThanOrEqual(2);
  });
});

describe('faults that kill', () => {
  // A child does something fatal; the parent prints the wait status.
  const crash = (what: string) => childStatus(`${what}
        sys     1, 0`);

  it('a write to the text segment: SIGSEGV', () => {
    const r = run(crash('        mov     dword [_start], 0'));
    expect(r.stdout).toBe('139\n'); // SIGSEGV | core (0x80)
    expect(stats(r).segvs).toBe(1);
    expect(r.log.join('\n')).toMatch(/test\[\d+\]: segfault at 80(4|5)[0-9a-f]{4} ip 0x080[0-9a-f]{5} sp 0x[0-9a-f]{8} error 7/);
  });

  it('a read of address 0 and a read of kernel memory: SIGSEGV', () => {
    expect(run(crash('        mov     eax, [0]')).stdout).toBe('139\n');
    expect(run(crash('        mov     eax, [0xc0001000]')).stdout).toBe('139\n');
  });

  it('the program itself crashing: exit code 139 and clean memory', () => {
    const r = runKernel(program('        mov dword [0x10], 1\n        sys 1, 0'));
    expect(r.exitCode).toBe(139);
    expect(check_invariants(r.outcome.kernel)).toEqual([]);
  });
});

describe('stack growth', () => {
  it('grows down on faults: a 1 MiB frame touched page by page', () => {
    const r = run(`
        sub     esp, 0x100000
        mov     ecx, 0x100000
.t:     sub     ecx, 4096
        mov     [esp + ecx], ecx
        jnz     .t
        add     esp, 0x100000
        puts    "ok", 10
        sys     1, 0
`);
    expect(r.stdout).toBe('ok\n');
    expect(stats(r).demandZero).toBeGreaterThanOrEqual(256);
  });

  it('an access more than 64 KiB + 128 below ESP is a SIGSEGV; within it, growth', () => {
    const below = (off: number) => childStatus(`
        sub     esp, 0x200000           ; far below the initial stack VMA
        mov     dword [esp], 0          ; grows it down to ESP's page
        mov     dword [esp - ${off}], 1
        sys     1, 5`);
    expect(run(below(65536 + 128)).stdout).toBe(`${5 << 8}\n`);
    expect(run(below(65536 + 132 + 4096)).stdout).toBe('139\n');
  });

  it('RLIMIT_STACK: 8 MiB is the limit', () => {
    const r = run(childStatus(`
        sub     esp, 9 << 20
.t:     mov     dword [esp], 1          ; one page below the other, each within ESP's reach
        add     esp, 4096
        jmp     .t`));
    // The first touch is 9 MiB down: far beyond the rlimit at once.
    expect(r.stdout).toBe('139\n'); // SIGSEGV | core (0x80)
  });
});

describe('brk and mmap from programs', () => {
  it('brk grows the heap (demand zero), shrinks it, and a later access to the freed part is a SIGSEGV', () => {
    const r = run(`
        sys     45, 0                   ; brk(0)
        mov     [base], eax
        lea     ebx, [eax + 3*4096]
        sys     45, ebx
        sub     eax, [base]
        call    print_u32               ; 12288
        call    print_nl
        mov     esi, [base]
        mov     dword [esi], 1
        mov     dword [esi + 2*4096], 3
        mov     eax, [esi + 4096]       ; untouched heap reads 0
        call    print_u32
        call    print_nl
        sys     45, [base]              ; shrink back
${childStatus(`
        mov     esi, [base]
        mov     eax, [esi + 2*4096]
        sys     1, 0`, 'base:   resd    1\n')}`);
    expect(r.stdout).toBe('12288\n0\n139\n');
  });

  it('anonymous private mmap is copy-on-write; MAP_SHARED is shared; munmap removes it', () => {
    const r = run(`
        ; mmap2(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
        mov     ebx, 0
        mov     ecx, 8192
        mov     edx, 3
        mov     esi, 0x22
        mov     edi, -1
        mov     ebp, 0
        mov     eax, 192
        int     0x80
        mov     [priv], eax
        mov     esi, 0x21               ; MAP_SHARED|MAP_ANONYMOUS
        mov     eax, 192
        int     0x80
        mov     [shared], eax
        mov     ebx, [priv]
        mov     dword [ebx], 10
        mov     ebx, [shared]
        mov     dword [ebx], 20
        fork_child .child
        sys     114, -1, 0, 0, 0
        mov     ebx, [priv]
        mov     eax, [ebx]
        call    print_u32               ; 10: the child's write was private
        call    print_nl
        mov     ebx, [shared]
        mov     eax, [ebx]
        call    print_u32               ; 21: the child's write is seen
        call    print_nl
        sys     91, [priv], 8192        ; munmap
        call    print_u32
        call    print_nl
        fork_child .child2
        sys     114, -1, status, 0, 0
        mov     eax, [status]
        call    print_u32               ; 11
        call    print_nl
        sys     1, 0
.child:
        mov     ebx, [priv]
        add     dword [ebx], 1
        mov     ebx, [shared]
        add     dword [ebx], 1
        sys     1, 0
.child2:
        mov     ebx, [priv]
        mov     eax, [ebx]
        sys     1, 0
section .bss
priv:   resd    1
shared: resd    1
status: resd    1
`);
    expect(r.stdout).toBe('10\n21\n0\n139\n');
  });
});
