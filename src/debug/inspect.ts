// Looking at a task without disturbing it: its registers (the live CPU for the running
// task, its saved pt_regs for the others) and its memory, read through its own page
// tables in software — no fault, no accessed or dirty bit, nothing paged in. A page not
// yet present in a VMA reads as what a fault would bring in (zeros for anonymous memory,
// the file's bytes for a file mapping), as a debugger on Linux would see it through
// /proc/PID/mem after the fault.

import type { Kernel } from '../guest/kernel.js';
import type { Task } from '../guest/task.js';
import type { MmStruct } from '../guest/mm.js';
import type { Mmu } from '../mmu/mmu.js';
import { PAGE_OFFSET } from '../guest/layout.js';
import {
  PT_CS, PT_DS, PT_EAX, PT_EBP, PT_EBX, PT_ECX, PT_EDI, PT_EDX, PT_EFLAGS, PT_EIP, PT_ES, PT_ESI, PT_ESP,
  PT_FS, PT_GS, PT_ORIG_EAX, PT_SS, PtRegs,
} from '../guest/ptregs.js';
import { PTE_FRAME, PTE_P } from '../mmu/paging.js';
import { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS } from '../cpu/constants.js';
import type { Registers } from './types.js';

/** A task's registers: the CPU's for the running task, else its saved pt_regs. */
export function taskRegisters(k: Kernel, t: Task): Registers {
  const cpu = k.cpu;
  const mmu = k.mmu;
  const ctl = { cr0: mmu.cr0 >>> 0, cr2: mmu.cr2 >>> 0, cr3: mmu.cr3 >>> 0, cr4: mmu.cr4 >>> 0 };
  if (t === k.current) {
    const r = cpu.regs;
    // orig_eax exists once the entry stub has saved the pt_regs (ESP at or below them).
    const inKernel = cpu.cpl === 0 && t.kstackTop !== 0 && r[4] >>> 0 <= t.ptRegsAddr >>> 0;
    return {
      eax: r[0] >>> 0, ecx: r[1] >>> 0, edx: r[2] >>> 0, ebx: r[3] >>> 0, esp: r[4] >>> 0, ebp: r[5] >>> 0, esi: r[6] >>> 0, edi: r[7] >>> 0,
      eip: cpu.eip >>> 0, eflags: cpu.getFlags() >>> 0,
      cs: cpu.segSel[SEG_CS], ss: cpu.segSel[SEG_SS], ds: cpu.segSel[SEG_DS], es: cpu.segSel[SEG_ES], fs: cpu.segSel[SEG_FS], gs: cpu.segSel[SEG_GS],
      orig_eax: inKernel && t.pid !== 0 ? new PtRegs(mmu, t.ptRegsAddr).get(PT_ORIG_EAX) : -1,
      ...ctl,
      source: 'cpu',
    };
  }
  const p = new PtRegs(mmu, t.ptRegsAddr);
  const user = (p.get(PT_CS) & 3) === 3;
  return {
    eax: p.get(PT_EAX) >>> 0, ecx: p.get(PT_ECX) >>> 0, edx: p.get(PT_EDX) >>> 0, ebx: p.get(PT_EBX) >>> 0,
    // A frame saved from kernel mode (the idle task) has no esp/ss: the stack went on above it.
    esp: user ? p.get(PT_ESP) >>> 0 : (t.ptRegsAddr + 60) >>> 0,
    ebp: p.get(PT_EBP) >>> 0, esi: p.get(PT_ESI) >>> 0, edi: p.get(PT_EDI) >>> 0,
    eip: p.get(PT_EIP) >>> 0, eflags: p.get(PT_EFLAGS) >>> 0,
    cs: p.get(PT_CS) & 0xffff, ss: user ? p.get(PT_SS) & 0xffff : cpu.segSel[SEG_SS],
    ds: p.get(PT_DS) & 0xffff, es: p.get(PT_ES) & 0xffff, fs: p.get(PT_FS) & 0xffff, gs: p.get(PT_GS) & 0xffff,
    orig_eax: p.get(PT_ORIG_EAX),
    ...ctl,
    cr3: t.mm ? t.mm.pgd >>> 0 : ctl.cr3,
    source: 'pt_regs',
  };
}

/** The address space a task uses (its mm, or the borrowed one of a kernel thread). */
export function mmOf(t: Task): MmStruct | null {
  return t.mm ?? t.active_mm ?? null;
}

/** Physical address of user vaddr in mm (a present PTE), or -1. */
export function userPhys(mmu: Mmu, mm: MmStruct, vaddr: number): number {
  const i32 = mmu.i32;
  const pde = i32[(mm.pgd >>> 2) + (vaddr >>> 22)];
  if ((pde & PTE_P) === 0) return -1;
  const pte = i32[((pde & PTE_FRAME) >>> 2) + ((vaddr >>> 12) & 0x3ff)];
  if ((pte & PTE_P) === 0) return -1;
  return ((pte & PTE_FRAME) | (vaddr & 0xfff)) >>> 0;
}

/** n bytes at a (within one page) as task t sees them, or null when unreadable. */
function peekPage(k: Kernel, t: Task, a: number, n: number): Uint8Array | null {
  const mmu = k.mmu;
  if (a >= PAGE_OFFSET) {
    const p = a - PAGE_OFFSET;
    return p + n <= mmu.ramSize ? mmu.u8.slice(p, p + n) : null;
  }
  const mm = mmOf(t);
  if (!mm) return null;
  const phys = userPhys(mmu, mm, a);
  if (phys >= 0) return mmu.u8.slice(phys, phys + n);
  // Not present: what a fault would map.
  const v = mm.findVma(a);
  if (v === null || v.start > a) return null;
  const out = new Uint8Array(n);
  const f = v.file;
  if (f && !f.vm_file && !f.mapping) {
    for (let i = 0; i < n; i++) {
      const off = a + i - v.start;
      if (off < f.size && f.offset + off < f.data.length) out[i] = f.data[f.offset + off];
    }
  } else if (f) {
    return null; // a page of an open file's mapping not read in yet
  }
  return out;
}

/** `len` bytes at vaddr as task t sees them; null with the first unreadable address. */
export function readVirtual(k: Kernel, t: Task, vaddr: number, len: number): { bytes: Uint8Array } | { bad: number } {
  const out = new Uint8Array(len);
  let a = vaddr >>> 0;
  for (let i = 0; i < len; ) {
    const n = Math.min(len - i, 4096 - (a & 0xfff));
    const page = peekPage(k, t, a, n);
    if (page === null) return { bad: a };
    out.set(page, i);
    i += n;
    a = (a + n) >>> 0;
  }
  return { bytes: out };
}
