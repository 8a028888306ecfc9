// Architectural constants of the i386, named as in the Intel SDM vol. 3A.

/*
 * EFLAGS (SDM vol. 1 §3.4.3)
 *
 *  31      22 21  20  19  18  17  16  15  14  13-12  11  10   9   8   7   6   5   4   3   2   1   0
 * +----------+---+---+---+---+---+---+---+---+------+---+---+---+---+---+---+---+---+---+---+---+---+
 * | reserved |ID |VIP|VIF|AC |VM |RF | 0 |NT | IOPL |OF |DF |IF |TF |SF |ZF | 0 |AF | 0 |PF | 1 |CF |
 * +----------+---+---+---+---+---+---+---+---+------+---+---+---+---+---+---+---+---+---+---+---+---+
 */
export const EFLAGS_CF = 1 << 0;
export const EFLAGS_FIXED = 1 << 1; // always reads as 1
export const EFLAGS_PF = 1 << 2;
export const EFLAGS_AF = 1 << 4;
export const EFLAGS_ZF = 1 << 6;
export const EFLAGS_SF = 1 << 7;
export const EFLAGS_TF = 1 << 8;
export const EFLAGS_IF = 1 << 9;
export const EFLAGS_DF = 1 << 10;
export const EFLAGS_OF = 1 << 11;
export const EFLAGS_IOPL = 3 << 12;
export const EFLAGS_IOPL_SHIFT = 12;
export const EFLAGS_NT = 1 << 14;
export const EFLAGS_RF = 1 << 16;
export const EFLAGS_VM = 1 << 17;
export const EFLAGS_AC = 1 << 18;
export const EFLAGS_ID = 1 << 21;

/** The six status flags that arithmetic computes (kept lazily, see flags.ts). */
export const EFLAGS_ARITH = EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_OF;
/**
 * Bits software can change at all on this CPU. VM is never settable (no virtual-8086
 * mode in forkbox); AC and ID are 486/Pentium bits that CPUID-era software probes, so
 * they are writable as on a Pentium (writable ID is how software detects CPUID).
 */
export const EFLAGS_WRITABLE =
  EFLAGS_ARITH | EFLAGS_TF | EFLAGS_IF | EFLAGS_DF | EFLAGS_IOPL | EFLAGS_NT | EFLAGS_RF | EFLAGS_AC | EFLAGS_ID;

/*
 * CR0 (SDM vol. 3A §2.5)
 *  31  30  29  28-19  18  17  16  15-6   5   4   3   2   1   0
 * +---+---+---+------+---+---+---+-----+---+---+---+---+---+---+
 * |PG |CD |NW |  0   |AM | 0 |WP |  0  |NE |ET |TS |EM |MP |PE |
 * +---+---+---+------+---+---+---+-----+---+---+---+---+---+---+
 */
export const CR0_PE = 1 << 0;
export const CR0_MP = 1 << 1;
export const CR0_EM = 1 << 2;
export const CR0_TS = 1 << 3;
export const CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5;
export const CR0_WP = 1 << 16;
export const CR0_AM = 1 << 18;
export const CR0_NW = 1 << 29;
export const CR0_CD = 1 << 30;
export const CR0_PG = 1 << 31;

/* CR4 (SDM vol. 3A §2.5): only the bits an i486/Pentium without FPU extensions has. */
export const CR4_VME = 1 << 0;
export const CR4_PVI = 1 << 1;
export const CR4_TSD = 1 << 2;
export const CR4_DE = 1 << 3;
export const CR4_PSE = 1 << 4;
export const CR4_PGE = 1 << 7;
export const CR4_SUPPORTED = CR4_TSD | CR4_DE | CR4_PSE | CR4_PGE;

/* Exception and interrupt vectors (SDM vol. 3A §6.3.1, table 6-1). */
export const VEC_DE = 0; // divide error
export const VEC_DB = 1; // debug
export const VEC_NMI = 2;
export const VEC_BP = 3; // int3
export const VEC_OF = 4; // into
export const VEC_BR = 5; // bound
export const VEC_UD = 6; // invalid opcode
export const VEC_NM = 7; // device not available (no FPU)
export const VEC_DF = 8; // double fault
export const VEC_TS = 10; // invalid TSS
export const VEC_NP = 11; // segment not present
export const VEC_SS = 12; // stack-segment fault
export const VEC_GP = 13; // general protection
export const VEC_PF = 14; // page fault
export const VEC_MF = 16; // x87 error
export const VEC_AC = 17; // alignment check

/** Exceptions that push an error code (SDM vol. 3A table 6-1). */
export function pushesErrorCode(vector: number): boolean {
  return vector === VEC_DF || (vector >= VEC_TS && vector <= VEC_PF) || vector === VEC_AC;
}

/* Segment register numbers, in the order the ModRM reg field encodes them. */
export const SEG_ES = 0;
export const SEG_CS = 1;
export const SEG_SS = 2;
export const SEG_DS = 3;
export const SEG_FS = 4;
export const SEG_GS = 5;
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/* General registers, in ModRM encoding order. Index 8 is an always-zero slot that
 * lets effective-address arithmetic treat "no base" / "no index" without a branch. */
export const EAX = 0;
export const ECX = 1;
export const EDX = 2;
export const EBX = 3;
export const ESP = 4;
export const EBP = 5;
export const ESI = 6;
export const EDI = 7;
export const REG_NONE = 8;
export const REG32_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
export const REG16_NAMES = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'] as const;
export const REG8_NAMES = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'] as const;
