// Isolation (issue 9): whatever ring-3 code does, it stays in its box.
//  - kernel pages (0xC0000000 and up) and the kernel's low-memory structures (kernel
//    text, GDT, IDT, TSS, swapper_pg_dir: layout.ts) can be neither read, written nor
//    executed → SIGSEGV, SEGV_MAPERR, si_addr = the address (as Linux: a user fault on a
//    kernel address is bad_area_nosemaphore);
//  - privileged instructions, port I/O, far transfers and iret to ring 0, int n through a
//    DPL-0 gate, kernel selectors in segment registers → #GP → SIGSEGV, SI_KERNEL,
//    trapno 13 and the #GP error code in the sigcontext;
//  - popf, iret and sigreturn cannot change IOPL or IF (pushf afterwards tells);
//  - system calls given kernel pointers answer -EFAULT, and the kernel's memory is
//    byte-for-byte what it was.
// One guest program runs many cases: its signal handler records what it got and resumes
// at the next case (it rewrites the sigcontext's eip and esp).

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { res, buf, runScript, sc, scriptProgram, show, type Step } from './helpers/syscall-script.js';
import { assembleProgram, runKernel } from './helpers/kernel-machine.js';
import { check_invariants } from '../src/guest/memory.js';
import { E, NR, SIG } from '../src/guest/abi.js';
import { O_CREAT, O_NONBLOCK, O_RDWR } from '../src/guest/fs/file.js';
import { SEGV_MAPERR, SI_KERNEL } from '../src/guest/signal.js';
import { NR_OPEN } from '../src/guest/fs/fdtable.js';
import { MAX_FILE_SIZE, MAX_FS_BYTES } from '../src/guest/fs/inode.js';
import { F_SETPIPE_SZ, PIPE_MAX_SIZE } from '../src/guest/fs/pipe.js';
import { DEFAULT_MEM_SIZE } from '../src/machine.js';
import { GDT_PHYS, GDT_ENTRIES, GDT_ENTRY_TLS_MIN, GDT_ENTRY_TLS_ENTRIES, IDT_PHYS, KTEXT_PHYS, SWAPPER_PGD_PHYS, TSS_SEL } from '../src/guest/layout.js';

interface Case {
  name: string;
  code: string;
  /** Expected: a signal line's fields, or 'none' (the code runs and prints its own line). */
  expect: { sig: number; code: number; addr?: number; trapno?: number; err?: number } | 'none' | { ret: number };
}

const { SIGILL, SIGTRAP, SIGSEGV } = SIG;
const GP = (err = 0) => ({ sig: SIGSEGV, code: SI_KERNEL, addr: 0, trapno: 13, err });
const PF = (addr: number, err: number) => ({ sig: SIGSEGV, code: SEGV_MAPERR, addr, trapno: 14, err });

const cases: Case[] = [];
const add = (name: string, code: string, expect: Case['expect']) => void cases.push({ name, code, expect });

// ---- kernel memory ----
for (const [name, addr] of [
  ['PAGE_OFFSET', 0xc0000000], ['kernel text', 0xc0000000 + KTEXT_PHYS], ['GDT', 0xc0000000 + GDT_PHYS],
  ['IDT', 0xc0000000 + IDT_PHYS], ['swapper_pg_dir', 0xc0000000 + SWAPPER_PGD_PHYS], ['top of memory', 0xfffff000],
] as const) {
  const a = `0x${addr.toString(16)}`;
  add(`read ${name}`, `mov eax, [${a}]`, PF(addr, 0x5));
  add(`write ${name}`, `mov dword [${a}], 0x41414141`, PF(addr, 0x7));
  add(`execute ${name}`, `mov eax, ${a}\n        jmp eax`, PF(addr, 0x5));
  add(`rep movsd into ${name}`, `mov edi, ${a}\n        mov esi, esp\n        mov ecx, 4\n        cld\n        rep movsd`, PF(addr, 0x7));
  add(`rep movsb from ${name}`, `mov esi, ${a}\n        mov edi, scratch\n        mov ecx, 4\n        cld\n        rep movsb`, PF(addr, 0x5));
}
add('a dword crossing into kernel space', 'mov eax, [0xbffffffe]', PF(0xc0000000, 0x5));
add('a dword write crossing into kernel space', 'mov dword [0xbffffffd], 0', PF(0xc0000000, 0x7));
add('the last byte of the address space', 'mov al, [0xffffffff]', PF(0xffffffff, 0x5));
add('a dword wrapping past 4 GiB', 'mov eax, [0xfffffffe]', PF(0xfffffffe, 0x5));
for (const [name, phys] of [['null page', 0], ['kernel text (physical)', KTEXT_PHYS], ['GDT (physical)', GDT_PHYS],
  ['IDT (physical)', IDT_PHYS], ['swapper_pg_dir (physical)', SWAPPER_PGD_PHYS]] as const) {
  add(`read ${name} at its physical address`, `mov eax, [0x${phys.toString(16)}]`, PF(phys, 0x4));
  add(`write ${name} at its physical address`, `mov dword [0x${phys.toString(16)}], 0`, PF(phys, 0x6));
}

// ---- privileged instructions ----
for (const [name, code, err] of [
  ['hlt', 'hlt', 0], ['cli', 'cli', 0], ['sti', 'sti', 0],
  ['lgdt', 'lgdt [esp]', 0], ['lidt', 'lidt [esp]', 0], ['lldt', 'xor eax, eax\n        lldt ax', 0],
  ['ltr', `mov eax, ${TSS_SEL}\n        ltr ax`, 0], ['lmsw', 'xor eax, eax\n        lmsw ax', 0], ['clts', 'clts', 0],
  ['mov cr0, eax', 'xor eax, eax\n        mov cr0, eax', 0], ['mov eax, cr0', 'mov eax, cr0', 0],
  ['mov eax, cr2', 'mov eax, cr2', 0], ['mov eax, cr3', 'mov eax, cr3', 0], ['mov cr3, eax', 'xor eax, eax\n        mov cr3, eax', 0],
  ['mov eax, dr7', 'mov eax, dr7', 0], ['mov dr0, eax', 'mov dr0, eax', 0],
  ['invlpg', 'invlpg [0xc0000000]', 0], ['wbinvd', 'wbinvd', 0], ['invd', 'invd', 0],
  ['in al, 0x60', 'in al, 0x60', 0], ['out 0x80, al', 'out 0x80, al', 0],
  ['out to the debug console 0xe9', 'mov al, 0x41\n        out 0xe9, al', 0],
  ['out to the kernel-call doorbell 0xb2', 'mov al, 0xff\n        out 0xb2, al', 0],
  ['out to the PIC', 'mov al, 0xff\n        out 0x21, al', 0],
  ['out to the PIT', 'mov al, 0x30\n        out 0x43, al', 0],
  ['in ax, dx (UART)', 'mov dx, 0x3f8\n        in ax, dx', 0], ['out dx, eax', 'mov dx, 0x40\n        out dx, eax', 0],
  ['insb', 'mov dx, 0x3f8\n        mov edi, scratch\n        insb', 0], ['outsd', 'mov dx, 0x3f8\n        mov esi, scratch\n        outsd', 0],
  ['rep outsb', 'mov dx, 0xe9\n        mov esi, scratch\n        mov ecx, 8\n        rep outsb', 0],
  ['iret to ring 0', 'push 0x68\n        push esp\n        pushfd\n        push 0x60\n        push 0xc0001000\n        iretd', 0x60],
  ['iret to a kernel CS with RPL 3', 'push 0x7b\n        push esp\n        pushfd\n        push 0x63\n        push 0xc0001000\n        iretd', 0x60],
  ['retf to ring 0', 'push 0x60\n        push 0xc0001000\n        retf', 0x60],
  ['far call to the kernel code segment', 'call 0x60:0xc0001000', 0x60],
  ['far jmp to the kernel code segment', 'jmp 0x60:0xc0001000', 0x60],
  ['far call to the TSS', `call ${TSS_SEL}:0`, TSS_SEL],
  ['mov ds, kernel data', 'mov eax, 0x68\n        mov ds, ax', 0x68],
  ['mov es, kernel data with RPL 3', 'mov eax, 0x6b\n        mov es, ax', 0x68],
  ['mov ss, kernel data', 'mov eax, 0x68\n        mov ss, ax', 0x68],
  ['mov fs, kernel code', 'mov eax, 0x60\n        mov fs, ax', 0x60],
  ['mov gs, the TSS', `mov eax, ${TSS_SEL}\n        mov gs, ax`, TSS_SEL],
  ['pop ds, kernel data', 'push 0x68\n        pop ds', 0x68],
  ['lss, kernel data', 'mov dword [scratch], 0\n        mov word [scratch + 4], 0x68\n        lss esp, [scratch]', 0x68],
] as const) add(name, code, GP(err));
// int n: every vector but the three whose gates have DPL 3 (int3, into, int 0x80)
for (let v = 0; v < 256; v++) {
  if (v === 3) add('int 3', 'int3', { sig: SIGTRAP, code: SI_KERNEL, trapno: 3 });
  else if (v === 4) add('int 4', 'int 4', { sig: SIGSEGV, code: SI_KERNEL, trapno: 4 });
  else if (v !== 0x80) add(`int 0x${v.toString(16)}`, `int 0x${v.toString(16)}`, GP(v * 8 + 2));
}
add('rdmsr (no MSRs in CPUID: #UD)', 'db 0x0f, 0x32', { sig: SIGILL, code: 2, trapno: 6 });
add('wrmsr (no MSRs in CPUID: #UD)', 'db 0x0f, 0x30', { sig: SIGILL, code: 2, trapno: 6 });

// ---- IOPL and IF: flags user code cannot change (pushf tells what stuck) ----
const FLAGS_REPORT = `pushfd
        pop     eax
        and     eax, 0x3200
        ccall   report_flags, eax`;
add('popfd with IOPL 3 and IF 0', `push 0x3002\n        popfd\n        ${FLAGS_REPORT}\n        jmp case_${cases.length}_end`, 'none');
add('popfw with IOPL 3 and IF 0', `push word 0x3002\n        popfw\n        ${FLAGS_REPORT}\n        jmp case_${cases.length}_end`, 'none');
add('iret (same ring) with IOPL 3 and IF 0', `push 0x3002\n        push cs\n        push .back\n        iretd\n.back:\n        ${FLAGS_REPORT}\n        jmp case_${cases.length}_end`, 'none');
// sigreturn: the handler rewrites the sigcontext (evil = what), then the kernel restores it
for (const [what, name, expect] of [
  [1, 'sigreturn with IOPL 3 and IF 0 in the sigcontext', 'none'],
  [2, 'sigreturn to the kernel code segment', 'none'],
  [3, 'sigreturn with the kernel data segment in ss', 'none'],
  [4, 'sigreturn with the kernel data segment in ds', 'none'],
] as const) {
  add(name, `mov dword [evil], ${what}\n        mov dword [resume], .after\n        hlt\n.after:\n        ${FLAGS_REPORT}\n        call report_segs\n        jmp case_${cases.length}_end`, expect);
}

// ---- system calls given kernel addresses: -EFAULT, and nothing written there ----
const sysret = (name: string, code: string) => add(name, `${code}\n        ccall   report_ret, eax\n        jmp     case_${cases.length}_end`, { ret: -E.EFAULT });
for (const [what, addr] of [['kernel text', 0xc0000000 + KTEXT_PHYS], ['the GDT', 0xc0000000 + GDT_PHYS],
  ['the IDT', 0xc0000000 + IDT_PHYS], ['swapper_pg_dir', 0xc0000000 + SWAPPER_PGD_PHYS]] as const) {
  const a = `0x${addr.toString(16)}`;
  sysret(`read() into ${what}`, `mov ebx, 0\n        mov ecx, ${a}\n        mov edx, 64\n        push ebx\n        mov eax, ${NR.open}\n        mov ebx, self_path\n        xor ecx, ecx\n        int 0x80\n        pop ebx\n        mov ebx, eax\n        mov ecx, ${a}\n        mov edx, 64\n        mov eax, ${NR.read}\n        int 0x80`);
  sysret(`write() from ${what}`, `mov ebx, 1\n        mov ecx, ${a}\n        mov edx, 16\n        mov eax, ${NR.write}\n        int 0x80`);
  sysret(`uname() into ${what}`, `mov ebx, ${a}\n        mov eax, ${NR.uname}\n        int 0x80`);
  sysret(`stat() into ${what}`, `mov ebx, self_path\n        mov ecx, ${a}\n        mov eax, ${NR.stat}\n        int 0x80`);
  sysret(`gettimeofday() into ${what}`, `mov ebx, ${a}\n        xor ecx, ecx\n        mov eax, ${NR.gettimeofday}\n        int 0x80`);
  sysret(`pipe() into ${what}`, `mov ebx, ${a}\n        mov eax, ${NR.pipe}\n        int 0x80`);
  sysret(`rt_sigaction() old action into ${what}`, `mov ebx, 10\n        xor ecx, ecx\n        mov edx, ${a}\n        mov esi, 8\n        mov eax, ${NR.rt_sigaction}\n        int 0x80`);
  sysret(`getcwd() into ${what}`, `mov ebx, ${a}\n        mov ecx, 64\n        mov eax, ${NR.getcwd}\n        int 0x80`);
}

function program(): string {
  const body = cases.map((c, i) => `
        mov     dword [resume], case_${i}_end
        mov     dword [saved_esp], esp
        mov     dword [cur], ${i}
        ${c.code}
        ccall   no_fault
case_${i}_end:
        mov     esp, [saved_esp]
        mov     eax, 0x7b
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax`).join('\n');
  return `%include "lib/syscalls.inc"
%include "lib/runtime.inc"
SC_CS_ equ 60
SC_SS_ equ 72
SC_DS_ equ 12
section .bss
resume:    resd 1
saved_esp: resd 1
cur:       resd 1
info:      resd 1
ucx:       resd 1
scratch:   resb 64
evil:      resd 1
section .rodata
self_path: db "/test", 0
section .text
main:
        ccall   set_handler, SIGSEGV, on_sig, SA_SIGINFO
        ccall   set_handler, SIGILL, on_sig, SA_SIGINFO
        ccall   set_handler, SIGBUS, on_sig, SA_SIGINFO
        ccall   set_handler, SIGTRAP, on_sig, SA_SIGINFO
${body}
        prints  "done", 10
        xor     eax, eax
        ret

no_fault:
        prints  "case "
        printd  dword [cur]
        prints  " nofault", 10
        ret

; report_flags(masked eflags)
report_flags:
        prints  "case "
        printd  dword [cur]
        prints  " flags "
        printx  dword [esp + 4]
        nl
        ret

report_ret:
        prints  "case "
        printd  dword [cur]
        prints  " ret "
        printd  dword [esp + 4]
        nl
        ret

report_segs:
        push    eax
        prints  "case "
        printd  dword [cur]
        prints  " segs "
        mov     eax, cs
        printx  eax
        prints  " "
        mov     eax, ss
        printx  eax
        prints  " "
        mov     eax, ds
        printx  eax
        nl
        pop     eax
        ret

on_sig:
        mov     eax, [esp + 8]
        mov     [info], eax
        mov     eax, [esp + 12]
        mov     [ucx], eax
        mov     edx, [info]
        mov     ecx, [ucx]
        prints  "case "
        printd  dword [cur]
        prints  " sig "
        printd  dword [edx + SI_SIGNO]
        prints  " code "
        printd  dword [edx + SI_CODE]
        prints  " addr "
        printx  dword [edx + SI_ADDR]
        prints  " trapno "
        printd  dword [ecx + UC_MCONTEXT + SC_TRAPNO]
        prints  " err "
        printx  dword [ecx + UC_MCONTEXT + SC_ERR]
        prints  " cr2 "
        printx  dword [ecx + UC_MCONTEXT + SC_CR2]
        nl
        mov     eax, [resume]
        mov     [ecx + UC_MCONTEXT + SC_EIP], eax
        mov     eax, [evil]
        mov     dword [evil], 0
        cmp     eax, 1
        jne     .not1
        or      dword [ecx + UC_MCONTEXT + SC_EFLAGS], 0x3000
        and     dword [ecx + UC_MCONTEXT + SC_EFLAGS], ~0x200
        jmp     .out
.not1:  cmp     eax, 2
        jne     .not2
        mov     dword [ecx + UC_MCONTEXT + SC_CS_], 0x60
        jmp     .out
.not2:  cmp     eax, 3
        jne     .not3
        mov     dword [ecx + UC_MCONTEXT + SC_SS_], 0x68
        jmp     .out
.not3:  cmp     eax, 4
        jne     .out
        mov     dword [ecx + UC_MCONTEXT + SC_DS_], 0x68
.out:
        mov     eax, [saved_esp]
        mov     [ecx + UC_MCONTEXT + SC_ESP], eax
        ret
`;
}

/** Kernel structures ring 3 must not change: text, IDT, GDT (but the TLS entries and
 *  the bits the CPU sets), swapper_pg_dir (but its accessed and dirty bits). */
function kernelImage(u8: Uint8Array): Uint8Array {
  const gdt = u8.slice(GDT_PHYS, GDT_PHYS + GDT_ENTRIES * 8);
  gdt.fill(0, GDT_ENTRY_TLS_MIN * 8, (GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES) * 8);
  // the accessed bits (the CPU sets them when it loads a descriptor) and the TSS's busy bit
  for (let e = 0; e < GDT_ENTRIES; e++) gdt[e * 8 + 5] &= e === TSS_SEL >> 3 ? ~2 : ~1;
  // swapper_pg_dir's kernel half (the user half holds the boot-time identity mapping,
  // removed after boot), without the accessed and dirty bits
  const pgd = u8.slice(SWAPPER_PGD_PHYS + 768 * 4, SWAPPER_PGD_PHYS + 4096);
  for (let e = 0; e < 256; e++) pgd[e * 4] &= ~0x60;
  const out = new Uint8Array(GDT_PHYS - KTEXT_PHYS + gdt.length + 256 * 8 + pgd.length);
  out.set(u8.subarray(KTEXT_PHYS, GDT_PHYS), 0);
  out.set(gdt, GDT_PHYS - KTEXT_PHYS);
  out.set(u8.subarray(IDT_PHYS, IDT_PHYS + 256 * 8), GDT_PHYS - KTEXT_PHYS + gdt.length);
  out.set(pgd, GDT_PHYS - KTEXT_PHYS + gdt.length + 256 * 8);
  return out;
}

describe('ring 3 stays in ring 3', () => {
  let before: Uint8Array | undefined;
  const run = runKernel(assembleProgram(program(), 'isolation.asm'), { maxCycles: 2_000_000_000, setup: (b) => void (before = kernelImage(b.machine.mmu.u8)) });
  const all = new Map<number, string[]>();
  for (const l of run.stdout.split('\n')) {
    const m = /^case (\d+) (.*)$/.exec(l);
    if (m) all.set(Number(m[1]), [...(all.get(Number(m[1])) ?? []), m[2]]);
  }
  /** The first line a case printed (a signal, or its flags). */
  const lines = new Map([...all].map(([k, v]) => [k, v[0]]));

  it('the program runs every case and exits normally; the kernel image is unchanged; no invariant broken', () => {
    expect(run.stderr).toBe('');
    expect(run.stdout.endsWith('done\n'), run.stdout.slice(-500)).toBe(true);
    expect(run.exitCode).toBe(0);
    expect(lines.size).toBe(cases.length);
    const after = kernelImage(run.outcome.machine.mmu.u8);
    const changed = [...after.keys()].filter((k) => after[k] !== before![k]);
    expect(changed, 'bytes of the kernel image that changed').toEqual([]);
    expect(check_invariants(run.outcome.kernel)).toEqual([]);
  });

  it.each(cases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = cases[i];
    const got = lines.get(i);
    if (c.expect !== 'none' && 'ret' in c.expect) {
      expect(got).toBe(`ret ${c.expect.ret}`);
      return;
    }
    if (c.expect === 'none') {
      // IOPL stays 0 and IF stays 1 whatever the program popped or sigreturn restored,
      // and the code goes on in ring 3 with the user's selectors
      const seen = all.get(i)!.filter((l) => !l.startsWith('sig 11 code 128 addr 0x0 trapno 13'));
      expect(seen[0]).toBe('flags 0x200');
      if (c.code.includes('report_segs')) expect(seen.slice(1)).toEqual(['segs 0x73 0x7b 0x7b']);
      else expect(seen.length).toBe(1);
      return;
    }
    const m = /^sig (-?\d+) code (-?\d+) addr (0x[0-9a-f]+) trapno (\d+) err (0x[0-9a-f]+) cr2 (0x[0-9a-f]+)$/.exec(got ?? '');
    expect(m, `case ${c.name}: ${got}`).not.toBeNull();
    const [sig, code, addr, trapno, err] = [Number(m![1]), Number(m![2]), Number(m![3]), Number(m![4]), Number(m![5])];
    expect({ sig, code }).toEqual({ sig: c.expect.sig, code: c.expect.code });
    if (c.expect.addr !== undefined) expect(addr >>> 0).toBe(c.expect.addr >>> 0);
    if (c.expect.trapno !== undefined) expect(trapno).toBe(c.expect.trapno);
    if (c.expect.err !== undefined) expect(err).toBe(c.expect.err);
  });
});

// ---- host memory: every way to make the kernel hold host memory has a limit ----


/** A guest program: `body` between the runtime's main and ret; `report "label", reg`
 *  prints "label <signed reg>". */
function limitsProgram(body: string): string {
  return `%include "lib/syscalls.inc"
%include "lib/runtime.inc"
%macro report 2
        push    %2
        prints  %1, " "
        pop     eax
        printd  eax
        nl
%endmacro
%macro sys 1-4
%if %0 > 1
        mov     ebx, %2
%endif
%if %0 > 2
        mov     ecx, %3
%endif
%if %0 > 3
        mov     edx, %4
%endif
        mov     eax, %1
        int     0x80
%endmacro
section .bss
alignb 4096
buf:    resb 65536
fds:    resd 2
path:   resb 16
argvp:  resd 100001
section .text
main:
${body}
        xor     eax, eax
        ret
`;
}

function results(stdout: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of stdout.split('\n')) {
    const r = /^(\S+) (-?\d+)$/.exec(l);
    if (r) m.set(r[1], Number(r[2]));
  }
  return m;
}

describe('bounded host memory', () => {
  it('a pipe holds at most 64 KiB (then EAGAIN), and F_SETPIPE_SZ cannot grow it past the kernel\'s cap', () => {
    const run = runKernel(limitsProgram(`
        sys     ${NR.pipe2}, fds, ${O_NONBLOCK}
        xor     esi, esi
.fill:  sys     ${NR.write}, [fds + 4], buf, 65536
        test    eax, eax
        jle     .full
        add     esi, eax
        jmp     .fill
.full:  report  "pipe_err", eax
        report  "pipe_bytes", esi
        sys     ${NR.fcntl}, [fds + 4], ${F_SETPIPE_SZ}, 0x40000000
        report  "setpipe_huge", eax
        sys     ${NR.fcntl}, [fds + 4], ${F_SETPIPE_SZ}, 0x7fffffff
        report  "setpipe_max", eax
        sys     ${NR.fcntl}, [fds + 4], ${F_SETPIPE_SZ}, -1
        report  "setpipe_neg", eax
        xor     esi, esi
.fill2: sys     ${NR.write}, [fds + 4], buf, 65536
        test    eax, eax
        jle     .full2
        add     esi, eax
        jmp     .fill2
.full2: report  "pipe_bytes2", esi
`));
    const r = results(run.stdout);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(r.get('pipe_err')).toBe(-E.EAGAIN);
    expect(r.get('pipe_bytes')).toBe(65536);
    for (const k of ['setpipe_huge', 'setpipe_max', 'setpipe_neg']) {
      const v = r.get(k)!;
      expect(v < 0 ? [-E.EPERM, -E.EINVAL, -E.ENOMEM] : [], k).toEqual(v < 0 ? expect.arrayContaining([v]) : []);
      expect(v, k).toBeLessThanOrEqual(PIPE_MAX_SIZE);
    }
    expect(r.get('pipe_bytes2')).toBeLessThanOrEqual(PIPE_MAX_SIZE);
  });

  it('files: EFBIG past the largest file, ENOSPC past the filesystem\'s bytes, EMFILE past 1024 fds; host memory stays bounded', () => {
    const mem0 = process.memoryUsage();
    const run = runKernel(limitsProgram(`
        sys     ${NR.open}, bigname, ${O_CREAT | O_RDWR}, 0o644
        mov     edi, eax
        report  "open", eax
        sys     ${NR.lseek}, edi, ${MAX_FILE_SIZE}, 0
        sys     ${NR.write}, edi, buf, 1
        report  "write_past_max", eax
        sys     ${NR.lseek}, edi, ${MAX_FILE_SIZE - 1}, 0
        sys     ${NR.write}, edi, buf, 16
        report  "write_at_max", eax
        sys     ${NR.ftruncate}, edi, ${MAX_FILE_SIZE + 1}
        report  "ftruncate_past_max", eax
        sys     ${NR.ftruncate}, edi, -1
        report  "ftruncate_neg", eax
        sys     ${NR.close}, edi
        ; many files of MAX_FILE_SIZE: ENOSPC at the filesystem's limit
        mov     dword [path], '/tmp'
        mov     dword [path + 4], '/f00'
        xor     esi, esi
.more:  sys     ${NR.open}, path, ${O_CREAT | O_RDWR}, 0o644
        test    eax, eax
        js      .stop
        mov     edi, eax
        sys     ${NR.ftruncate}, edi, ${MAX_FILE_SIZE}
        push    eax
        sys     ${NR.close}, edi
        pop     eax
        test    eax, eax
        js      .stop
        inc     esi
        inc     byte [path + 7]
        cmp     esi, 64
        jb      .more
.stop:  report  "fs_full_err", eax
        report  "fs_full_files", esi
        ; a write, too
        sys     ${NR.open}, path, ${O_CREAT | O_RDWR}, 0o644
        mov     edi, eax
        sys     ${NR.write}, edi, buf, 65536
        report  "write_when_full", eax
        ; unlink one: room again
        mov     byte [path + 7], '0'
        sys     ${NR.unlink}, path
        sys     ${NR.write}, edi, buf, 65536
        report  "write_after_unlink", eax
        ; descriptors
        xor     esi, esi
.dup:   sys     ${NR.dup}, 1
        test    eax, eax
        js      .nofd
        inc     esi
        jmp     .dup
.nofd:  report  "dup_err", eax
        report  "dup_count", esi
        jmp     body_end
section .rodata
bigname: db "/tmp/big", 0
section .text
body_end:
`));
    const r = results(run.stdout);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(r.get('open')).toBeGreaterThanOrEqual(3);
    expect(r.get('write_past_max')).toBe(-E.EFBIG);
    expect(r.get('write_at_max')).toBe(1); // short write up to the limit, as Linux
    expect(r.get('ftruncate_past_max')).toBe(-E.EFBIG);
    expect(r.get('ftruncate_neg')).toBe(-E.EINVAL);
    expect(r.get('fs_full_err')).toBe(-E.ENOSPC);
    expect(r.get('fs_full_files')).toBeLessThanOrEqual(MAX_FS_BYTES / MAX_FILE_SIZE);
    expect(r.get('write_when_full')).toBe(-E.ENOSPC);
    expect(r.get('write_after_unlink')).toBe(65536);
    expect(r.get('dup_err')).toBe(-E.EMFILE);
    expect(r.get('dup_count')).toBe(NR_OPEN - 4); // 0, 1, 2 and the open file
    // what the run holds on the host: RAM, the filesystem's bytes, and a little more
    const held = process.memoryUsage().arrayBuffers - mem0.arrayBuffers;
    expect(held).toBeLessThan(DEFAULT_MEM_SIZE + MAX_FS_BYTES + (32 << 20));
  });

  it('execve: argv/envp past the argument limit is E2BIG; mmap and brk of huge sizes fail cleanly', () => {
    const run = runKernel(limitsProgram(`
        ; 100000 pointers to one short string: E2BIG, however many
        mov     ecx, 100000
        xor     eax, eax
.fill:  mov     dword [argvp + eax * 4], argstr
        inc     eax
        loop    .fill
        mov     dword [argvp + 400000], 0
        sys     ${NR.execve}, self, argvp, envp0
        report  "execve_many_args", eax
        sys     ${NR.execve}, self, argv0, argvp
        report  "execve_many_env", eax
        ; one string of 200 KiB (buf is 64 KiB: use a mapped 256 KiB region)
        push    ebp
        xor     ebp, ebp
        mov     esi, 0x22
        mov     edi, -1
        sys     ${NR.mmap2}, 0, 0x40000, 3
        pop     ebp
        mov     edi, eax
        push    edi
        mov     ecx, 0x32000
        mov     al, 'x'
        cld
        rep     stosb
        mov     byte [edi], 0
        pop     edi
        mov     [argv1 + 4], edi
        sys     ${NR.execve}, self, argv1, envp0
        report  "execve_long_arg", eax
        ; a pointer to kernel memory in argv
        mov     dword [argv1 + 4], 0xc0000000
        sys     ${NR.execve}, self, argv1, envp0
        report  "execve_kernel_arg", eax
        ; mmap: huge, past TASK_SIZE, in kernel space
        push    ebp
        xor     ebp, ebp
        mov     esi, 0x22
        mov     edi, -1
        sys     ${NR.mmap2}, 0, 0xf0000000, 3
        report  "mmap_huge", eax
        sys     ${NR.mmap2}, 0, 0xfffff000, 3
        report  "mmap_4g", eax
        mov     esi, 0x32
        sys     ${NR.mmap2}, 0xc0000000, 0x1000, 3
        report  "mmap_fixed_kernel", eax
        sys     ${NR.mmap2}, 0xbffff000, 0x2000, 3
        report  "mmap_fixed_crossing", eax
        pop     ebp
        ; brk far away: the break does not move
        sys     ${NR.brk}, 0
        mov     esi, eax
        sys     ${NR.brk}, 0xbf000000
        sub     eax, esi
        report  "brk_huge_moved", eax
        sys     ${NR.brk}, 0xffffffff
        sub     eax, esi
        report  "brk_top_moved", eax
        jmp     body_end
section .rodata
self:   db "/test", 0
argstr: db "a", 0
argv0:  dd self, 0
envp0:  dd 0
section .data
argv1:  dd self, 0, 0
section .text
body_end:
`));
    const r = results(run.stdout);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(r.get('execve_many_args')).toBe(-E.E2BIG);
    expect(r.get('execve_many_env')).toBe(-E.E2BIG);
    expect(r.get('execve_long_arg')).toBe(-E.E2BIG);
    expect(r.get('execve_kernel_arg')).toBe(-E.EFAULT);
    expect(r.get('mmap_huge')).toBe(-E.ENOMEM);
    expect(r.get('mmap_4g')).toBe(-E.ENOMEM);
    expect([-E.ENOMEM, -E.EINVAL, -E.EPERM]).toContain(r.get('mmap_fixed_kernel'));
    expect([-E.ENOMEM, -E.EINVAL]).toContain(r.get('mmap_fixed_crossing'));
    expect(r.get('brk_huge_moved')).toBe(0);
    expect(r.get('brk_top_moved')).toBe(0);
    expect(check_invariants(run.outcome.kernel)).toEqual([]);
  });
});

// ---- the filesystem: the guest sees the in-memory filesystem and nothing of the host ----

describe('no way out of the in-memory filesystem', () => {
  const hostDir = mkdtempSync(join(tmpdir(), 'forkbox-iso-'));
  const secret = join(hostDir, 'secret');
  writeFileSync(secret, 'HOST SECRET\n');
  afterAll(() => rmSync(hostDir, { recursive: true, force: true }));
  const inside = new Map([['/etc/secret', new TextEncoder().encode('guest file\n')]]);
  const up = '../'.repeat(40);

  it('path traversal, host paths, symlinks pointing out, long names: ENOENT / ENAMETOOLONG / EFAULT, or the guest\'s own file', () => {
    const steps: Step[] = [
      sc('open', secret, 0),                                   // 0 the host's absolute path
      sc('open', `${up}${secret.slice(1)}`, 0),               // 1 ../../.. to it
      sc('open', '/etc/../../../../etc/secret', 0),            // 2 .. stops at / → the guest's file
      sc('read', res(2), buf(0), 64),                          // 3
      show(buf(0), 11),                                        // 4
      sc('symlink', secret, '/tmp/out'),                       // 5 a link to the host path
      sc('open', '/tmp/out', 0),                               // 6
      sc('symlink', `${up}${hostDir.slice(1)}`, '/tmp/outdir'), // 7 a relative link climbing out
      sc('open', '/tmp/outdir/secret', 0),                     // 8
      sc('chdir', up),                                         // 9 cd ../../..
      sc('getcwd', buf(1), 4096),                              // 10 → "/" (2 bytes with the NUL)
      show(buf(1), 1),                                         // 11
      sc('open', 'a'.repeat(300), 0),                          // 12 a component over NAME_MAX
      sc('open', `/${'d/'.repeat(2100)}x`, 0),                 // 13 a path over PATH_MAX
      sc('open', 0xc0000000, 0),                               // 14 a path in kernel memory
      sc('open', '/proc/self/exe', 0),                         // 15 the program: the guest's /test
      sc('readlink', '/proc/self/exe', buf(2), 4096),          // 16
      show(buf(2), 5),                                         // 17
      sc('stat', hostDir, buf(3)),                             // 18 the host's directory
      sc('open', '/proc/self/root/../../etc/secret', 0),       // 19
      sc('open', `/etc/secret\0/../../..${secret}`, 0),        // 20 a NUL ends the path
    ];
    const r = runScript(steps, { files: inside });
    const v = r.results;
    expect(r.stdout).not.toContain('HOST SECRET');
    expect(v[0]).toBe(-E.ENOENT);
    expect(v[1]).toBe(-E.ENOENT);
    expect(v[2]).toBeGreaterThanOrEqual(3);
    expect(v[4]).toBe('guest file\n');
    expect(v[5]).toBe(0);
    expect(v[6]).toBe(-E.ENOENT);
    expect(v[7]).toBe(0);
    expect(v[8]).toBe(-E.ENOENT);
    expect(v[9]).toBe(0);
    expect(v[10]).toBe(2);
    expect(v[11]).toBe('/');
    expect(v[12]).toBe(-E.ENAMETOOLONG);
    expect(v[13]).toBe(-E.ENAMETOOLONG);
    expect(v[14]).toBe(-E.EFAULT);
    // (forkbox does not open /proc/self/exe yet: ENOENT; Linux opens the program)
    expect(v[15] === -E.ENOENT || (v[15] as number) >= 3).toBe(true);
    expect(v[16]).toBe(5);
    expect(v[17]).toBe('/test');
    expect(v[18]).toBe(-E.ENOENT);
    expect([-E.ENOENT, 3, 4, 5, 6]).toContain(v[19]);
    expect(v[20]).toBeGreaterThanOrEqual(3); // /etc/secret, the guest's
    expect(check_invariants(r.outcome.kernel)).toEqual([]);
  });

  it('forkbox run --fs DIR: links out of DIR are not followed on the host; links inside it are', async () => {
    const fsDir = join(hostDir, 'root');
    mkdirSync(join(fsDir, 'etc'), { recursive: true });
    writeFileSync(join(fsDir, 'etc', 'motd'), 'guest motd\n');
    symlinkSync('motd', join(fsDir, 'etc', 'hello'));            // inside: followed
    symlinkSync(secret, join(fsDir, 'etc', 'abs-out'));          // absolute, out of DIR
    symlinkSync('../../secret', join(fsDir, 'etc', 'rel-out'));  // relative, out of DIR
    symlinkSync(hostDir, join(fsDir, 'hostdir'));                // a directory out of DIR
    const steps: Step[] = [
      sc('open', '/etc/hello', 0), sc('read', res(0), buf(0), 64), show(buf(0), 11),
      sc('open', '/etc/abs-out', 0), sc('open', '/etc/rel-out', 0), sc('open', '/hostdir/secret', 0),
    ];
    const prog = join(hostDir, 'prog');
    writeFileSync(prog, assembleProgram(scriptProgram(steps), 'script.asm'));
    let stdout = '';
    let stderr = '';
    const code = await main(['run', '--fs', fsDir, prog], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).not.toContain('HOST SECRET');
    const lines = stdout.split('\n');
    expect(Number(lines[0])).toBeGreaterThanOrEqual(3);
    expect(lines[2]).toBe('guest motd');
    expect(lines.slice(4, 7).map(Number)).toEqual([-E.ENOENT, -E.ENOENT, -E.ENOENT]);
  });
});
