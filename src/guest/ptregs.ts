// struct pt_regs of Linux i386 (arch/x86/include/asm/ptrace.h): the user's registers as
// the entry stubs (entry.asm SAVE_ALL) leave them on the task's kernel stack. The
// kernel reads syscall arguments from it and writes the return value into it; a fork
// copies it to the child's kernel stack.
//
//   +0 ebx  +4 ecx  +8 edx  +12 esi  +16 edi  +20 ebp  +24 eax
//   +28 ds  +32 es  +36 fs  +40 gs  +44 orig_eax
//   +48 eip +52 cs  +56 eflags  +60 esp  +64 ss

import type { Mmu } from '../mmu/mmu.js';
import { __pa } from './layout.js';

export const PT_EBX = 0;
export const PT_ECX = 4;
export const PT_EDX = 8;
export const PT_ESI = 12;
export const PT_EDI = 16;
export const PT_EBP = 20;
export const PT_EAX = 24;
export const PT_DS = 28;
export const PT_ES = 32;
export const PT_FS = 36;
export const PT_GS = 40;
export const PT_ORIG_EAX = 44;
export const PT_EIP = 48;
export const PT_CS = 52;
export const PT_EFLAGS = 56;
export const PT_ESP = 60;
export const PT_SS = 64;
export const PT_REGS_SIZE = 68;

/** A pt_regs in guest memory, addressed by its kernel virtual address. */
export class PtRegs {
  constructor(
    private readonly mmu: Mmu,
    /** Kernel virtual address of the structure (ESP at kernel entry). */
    public addr: number,
  ) {}

  get(off: number): number {
    return this.mmu.i32[(__pa(this.addr) + off) >>> 2];
  }

  set(off: number, value: number): void {
    this.mmu.i32[(__pa(this.addr) + off) >>> 2] = value;
  }

  /** Whether the trap came from user mode (CPL 3 in the saved CS). */
  get user(): boolean {
    return (this.get(PT_CS) & 3) === 3;
  }

  /** Copy all 17 fields to another pt_regs (fork). */
  copyTo(dst: PtRegs): void {
    const s = __pa(this.addr);
    const d = __pa(dst.addr);
    this.mmu.i32.copyWithin(d >>> 2, s >>> 2, (s + PT_REGS_SIZE) >>> 2);
  }
}
