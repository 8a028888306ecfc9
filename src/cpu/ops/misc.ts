// Miscellaneous (SDM vol. 2): nop (and the multi-byte 0F 1F /0 nop, the hint NOPs), hlt, the flag
// instructions clc stc cmc cld std, lahf/sahf, salc, cpuid, rdtsc, ud2, wait/fwait.
//
// Cycles (Intel486 PRM; HelpPC's 486 column): NOP 1; HLT 4; CLC/STC/CMC/CLD/STD 2;
// LAHF 3; SAHF 2; WAIT 1 (1-3). Not on the original i486, costed as on the Pentium:
// CPUID 14, RDTSC 20 (approximate). SALC (undocumented) 2, UD2 1.

import type { OpDef } from '../optable.js';
import type { Handler } from '../insn.js';
import {
  CR4_TSD, EAX, EBX, ECX, EDX,
  EFLAGS_AF, EFLAGS_CF, EFLAGS_DF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF, VEC_GP, VEC_UD,
} from '../constants.js';
import { raise } from '../fault.js';

// ---------------------------------------------------------------------------------
// Flags

const clc: Handler = (cpu) => cpu.setSome(EFLAGS_CF, 0);
const stc: Handler = (cpu) => cpu.setSome(EFLAGS_CF, EFLAGS_CF);
const cmc: Handler = (cpu) => cpu.setSome(EFLAGS_CF, cpu.getCF() ? 0 : EFLAGS_CF);
// DF is never lazy (flags.ts keeps only the six arithmetic flags lazily).
const cld: Handler = (cpu) => {
  cpu.flags &= ~EFLAGS_DF;
};
const std: Handler = (cpu) => {
  cpu.flags |= EFLAGS_DF;
};

/** lahf: AH = SF:ZF:0:AF:0:PF:1:CF (the low byte of EFLAGS). */
const lahf: Handler = (cpu) => cpu.set8(4 /* AH */, (cpu.getFlags() & 0xd5) | 0x02);

const SAHF_MASK = EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF | EFLAGS_CF;
/** sahf: SF ZF AF PF CF from AH; bits 1, 3, 5 of AH are ignored. */
const sahf: Handler = (cpu) => cpu.setSome(SAHF_MASK, (cpu.regs[EAX] >> 8) & SAHF_MASK);

/** salc (D6, undocumented but present on every Intel IA-32 CPU): AL = CF ? FF : 00. */
const salc: Handler = (cpu) => cpu.set8(EAX, cpu.getCF() ? 0xff : 0);

// ---------------------------------------------------------------------------------
// CPUID

/*
 * forkbox reports a plain i686 (P6 family) with an x87 FPU (SDM vol. 2 "CPUID"):
 *
 *   leaf 0   EAX = 1 (highest basic leaf), EBX:EDX:ECX = "Genu" "ineI" "ntel"
 *   leaf 1   EAX = 0x0000_0611: family 6, model 1, stepping 1 (the Pentium Pro's
 *            encoding); EBX = ECX = 0
 *            EDX feature bits, only for what forkbox implements:
 *              bit 0  FPU   the x87 (fpu.ts, ops/fpu-*.ts)
 *              bit 3  PSE   4 MiB pages with CR4.PSE (mmu.ts)
 *              bit 4  TSC   rdtsc, CR4.TSD
 *              bit 8  CX8   cmpxchg8b
 *              bit 13 PGE   global pages with CR4.PGE (mmu.ts)
 *              bit 15 CMOV  cmovcc, and with FPU fcmovcc and fcomi/fucomi
 *            and clear: VME (1), DE (2: debug extensions are not advertised,
 *            whatever CR4.DE accepts), MSR (5: no rdmsr/wrmsr), PAE, MCE, APIC, SEP, MTRR,
 *            MCA, MMX (23), FXSR (24), SSE, SSE2 … (so no fisttp, which is SSE3)
 *   any other leaf (including 0x8000_0000): the data of the highest basic leaf, leaf 1,
 *            as Intel CPUs do for out-of-range inputs. Its EAX (0x611) is below
 *            0x8000_0000, so software finds no extended leaves.
 */
export const CPUID_SIGNATURE = 0x00000611;
export const CPUID_FEATURES_EDX = (1 << 0) | (1 << 3) | (1 << 4) | (1 << 8) | (1 << 13) | (1 << 15);
const GENU = 0x756e6547; // "Genu"
const INEI = 0x49656e69; // "ineI"
const NTEL = 0x6c65746e; // "ntel"

const cpuid: Handler = (cpu) => {
  const regs = cpu.regs;
  if (regs[EAX] === 0) {
    regs[EAX] = 1;
    regs[EBX] = GENU;
    regs[EDX] = INEI;
    regs[ECX] = NTEL;
  } else {
    regs[EAX] = CPUID_SIGNATURE;
    regs[EBX] = 0;
    regs[ECX] = 0;
    regs[EDX] = CPUID_FEATURES_EDX;
  }
};

// ---------------------------------------------------------------------------------
// RDTSC: EDX:EAX = the cycle counter (this instruction's own cycles included).
// #GP(0) at CPL > 0 when CR4.TSD is set.

const rdtsc: Handler = (cpu) => {
  if (cpu.mmu.cr4 & CR4_TSD && cpu.cpl !== 0) raise(VEC_GP, 0);
  const c = cpu.cycles;
  cpu.regs[EAX] = c % 4294967296;
  cpu.regs[EDX] = Math.floor(c / 4294967296);
};

// ---------------------------------------------------------------------------------
// WAIT/FWAIT (SDM vol. 2, vol. 3A table 2-2): #NM when CR0.MP and CR0.TS are both set
// (CR0.EM does not matter), then a pending unmasked x87 exception raises #MF (vector
// 16) when CR0.NE = 1 (fpu.ts).

const fwait: Handler = (cpu) => cpu.fpu.wait(cpu);

const nop: Handler = () => {};

/** Hint NOPs are decode-only (noAsm): NASM's `nop r/m` is 0F 1F /0. */
const HINT_NOPS: OpDef[] = [
  ...['prefetchnta', 'prefetcht0', 'prefetcht1', 'prefetcht2'].flatMap((name, ext): OpDef[] => [
    { code: [0x0f, 0x18], ext, modrm: 'mem', mnemonic: name, operands: 'Mb', cycles: 1, exec: nop, noAsm: true },
    { code: [0x0f, 0x18], ext, modrm: 'reg', mnemonic: 'nop', operands: 'Ev', cycles: 1, exec: nop, noAsm: true },
  ]),
  ...[4, 5, 6, 7].map((ext): OpDef => ({ code: [0x0f, 0x18], ext, mnemonic: 'nop', operands: 'Ev', cycles: 1, exec: nop, noAsm: true })),
  ...[0x19, 0x1a, 0x1b, 0x1d, 0x1e].map((op): OpDef => ({ code: [0x0f, op], mnemonic: 'nop', operands: 'Ev', cycles: 1, exec: nop, noAsm: true })),
  // 0F 1C /0 with a memory operand is cldemote on later CPUs (a hint too): objdump's name
  { code: [0x0f, 0x1c], ext: 0, modrm: 'mem', mnemonic: 'cldemote', operands: 'Mb', cycles: 1, exec: nop, noAsm: true },
  { code: [0x0f, 0x1c], ext: 0, modrm: 'reg', mnemonic: 'nop', operands: 'Ev', cycles: 1, exec: nop, noAsm: true },
  ...[1, 2, 3, 4, 5, 6, 7].map((ext): OpDef => ({ code: [0x0f, 0x1c], ext, mnemonic: 'nop', operands: 'Ev', cycles: 1, exec: nop, noAsm: true })),
  ...[1, 2, 3, 4, 5, 6, 7].map((ext): OpDef => ({ code: [0x0f, 0x1f], ext, mnemonic: 'nop', operands: 'Ev', cycles: 1, exec: nop, noAsm: true })),
];

export const MISC_OPS: OpDef[] = [
  // 90 is xchg eax,eax, which is nop; F3 90 (pause) is the same with a rep prefix.
  { code: [0x90], mnemonic: 'nop', operands: '', cycles: 1, exec: nop },
  // The multi-byte nop compilers pad with; the operand is decoded but never accessed.
  { code: [0x0f, 0x1f], ext: 0, mnemonic: 'nop', operands: 'Ev', cycles: 1, exec: nop },
  // The hint-NOP space 0F 18-0F 1F /r (SDM vol. 2 "NOP", opcode map table A-3: "Hint
  // NOP"; 0F 18 /0-3 are prefetches on SSE processors, also no-ops architecturally).
  // endbr32 (F3 0F 1E FB, CET) is one of them on a CPU without CET, as glibc's crt
  // uses it.
  ...HINT_NOPS,
  {
    code: [0xf4], mnemonic: 'hlt', operands: '', cycles: 4, privileged: true, ends: true,
    exec: (cpu) => {
      cpu.halted = true;
    },
  },
  { code: [0xf8], mnemonic: 'clc', operands: '', cycles: 2, exec: clc, flagsWritten: 'c' },
  { code: [0xf9], mnemonic: 'stc', operands: '', cycles: 2, exec: stc, flagsWritten: 'c' },
  { code: [0xf5], mnemonic: 'cmc', operands: '', cycles: 2, exec: cmc, flagsRead: 'c', flagsWritten: 'c' },
  { code: [0xfc], mnemonic: 'cld', operands: '', cycles: 2, exec: cld, flagsWritten: 'd' },
  { code: [0xfd], mnemonic: 'std', operands: '', cycles: 2, exec: std, flagsWritten: 'd' },
  { code: [0x9f], mnemonic: 'lahf', operands: '', cycles: 3, exec: lahf, flagsRead: 'szapc' },
  { code: [0x9e], mnemonic: 'sahf', operands: '', cycles: 2, exec: sahf, flagsWritten: 'szapc' },
  // objdump prints D6 as "(bad)"; NASM and the SDM's opcode map call it SALC.
  { code: [0xd6], mnemonic: 'salc', operands: '', cycles: 2, exec: salc, flagsRead: 'c' },
  { code: [0x0f, 0xa2], mnemonic: 'cpuid', operands: '', cycles: 14, exec: cpuid },
  { code: [0x0f, 0x31], mnemonic: 'rdtsc', operands: '', cycles: 20, exec: rdtsc },
  { code: [0x0f, 0x0b], mnemonic: 'ud2', operands: '', cycles: 1, exec: () => raise(VEC_UD, -1), ends: true },
  { code: [0x9b], mnemonic: 'fwait', operands: '', cycles: 1, exec: fwait },
];
