// What gdb is told about the target: the register layout of the g packet and the target
// description (target.xml) that declares it, and gdb's signal numbers.
//
// gdb's i386 architecture requires the org.gnu.gdb.i386.core feature with the x87
// registers (st0-st7, fctrl … fop) as well as eax … gs: a description without them is
// rejected. Their values come from the thread's FNSAVE image (Debugger.readFpu: the FPU
// registers of their owner, else the task's saved image, else the FNINIT state), in the
// layout of gdb's i387_supply_fsave: st0-st7 are ST(0)-ST(7) (stack order) as 80-bit
// values, fctrl/fstat/ftag the control, status and full 16-bit tag words, fiseg:fioff the
// last instruction's CS:EIP, foseg:fooff its operand's DS:offset, fop its 11-bit opcode.
// A CPU without an FPU sends them as unavailable ('x' bytes). org.gnu.gdb.i386.linux
// adds orig_eax, which gdb's Linux support sets to -1 when it changes EIP (so that no
// system call is restarted).

import type { RegisterName } from './debugger.js';
import { PT_CS, PT_DS, PT_EAX, PT_EBP, PT_EBX, PT_ECX, PT_EDI, PT_EDX, PT_EFLAGS, PT_EIP, PT_ES, PT_ESI, PT_ESP, PT_FS, PT_GS, PT_SS } from '../guest/ptregs.js';

// ---------------------------------------------------------------------------------------
// Registers as gdb numbers them with our target description.

/** Registers 0-15: eax … gs (4 bytes each). */
export const GPR_NAMES: RegisterName[] = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs'];
/** pt_regs offsets of registers 0-15. */
export const GPR_PT = [PT_EAX, PT_ECX, PT_EDX, PT_EBX, PT_ESP, PT_EBP, PT_ESI, PT_EDI, PT_EIP, PT_EFLAGS, PT_CS, PT_SS, PT_DS, PT_ES, PT_FS, PT_GS];
/** Registers 16-23: st0-st7 (10 bytes); 24-31: fctrl … fop (4 bytes). */
export const FIRST_ST = 16;
export const FIRST_FCTRL = 24;
/** Register 32: orig_eax. */
export const ORIG_EAX = 32;
export const NUM_REGS = 33;

export function regSize(n: number): number {
  return n >= FIRST_ST && n < FIRST_FCTRL ? 10 : 4;
}

/** Is register n one of the x87 registers (16-31)? */
export function isFpuReg(n: number): boolean {
  return n >= FIRST_ST && n < ORIG_EAX;
}

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0;
const put16 = (b: Uint8Array, o: number, v: number) => {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
};

/** fctrl … fop in a 32-bit FNSAVE image: [offset, kind] with kind 16 (a word), 32 (a
 *  dword) or 11 (the opcode: bits 16-26 of the FCS dword). */
const FPU_CTRL_FIELDS: Array<[number, number]> = [[0, 16], [4, 16], [8, 16], [16, 16], [12, 32], [24, 16], [20, 32], [18, 11]];

/** The bytes of x87 register n (16-31) in gdb's order, from an FNSAVE image. */
export function fpuRegBytes(img: Uint8Array, n: number): Uint8Array {
  if (n < FIRST_FCTRL) {
    const o = 28 + 10 * (n - FIRST_ST);
    return img.slice(o, o + 10);
  }
  const [o, kind] = FPU_CTRL_FIELDS[n - FIRST_FCTRL];
  const v = kind === 32 ? u32(img, o) : kind === 16 ? u16(img, o) : u16(img, o) & 0x7ff;
  return new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]);
}

/** Store x87 register n's bytes (gdb's order) into an FNSAVE image. */
export function setFpuRegBytes(img: Uint8Array, n: number, bytes: Uint8Array): void {
  if (n < FIRST_FCTRL) {
    img.set(bytes.subarray(0, 10), 28 + 10 * (n - FIRST_ST));
    return;
  }
  const [o, kind] = FPU_CTRL_FIELDS[n - FIRST_FCTRL];
  const v = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
  if (kind === 32) {
    put16(img, o, v);
    put16(img, o + 2, v >>> 16);
  } else put16(img, o, kind === 16 ? v & 0xffff : v & 0x7ff);
}

const EFLAGS_FIELDS: Array<[string, number]> = [
  ['CF', 0], ['', 1], ['PF', 2], ['AF', 4], ['ZF', 6], ['SF', 7], ['TF', 8], ['IF', 9], ['DF', 10], ['OF', 11],
  ['NT', 14], ['RF', 16], ['VM', 17], ['AC', 18], ['VIF', 19], ['VIP', 20], ['ID', 21],
];

/** target.xml: the registers the g packet carries, in order (see the header). */
export const TARGET_XML = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
  '<target version="1.0">',
  '  <architecture>i386</architecture>',
  '  <osabi>GNU/Linux</osabi>',
  '  <feature name="org.gnu.gdb.i386.core">',
  '    <flags id="i386_eflags" size="4">',
  ...EFLAGS_FIELDS.map(([n, b]) => `      <field name="${n}" start="${b}" end="${b}"/>`),
  '    </flags>',
  ...GPR_NAMES.map((n, i) => {
    const type = n === 'esp' || n === 'ebp' ? 'data_ptr' : n === 'eip' ? 'code_ptr' : n === 'eflags' ? 'i386_eflags' : 'int32';
    return `    <reg name="${n}" bitsize="32" type="${type}" regnum="${i}"/>`;
  }),
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `    <reg name="st${i}" bitsize="80" type="i387_ext"/>`),
  ...['fctrl', 'fstat', 'ftag', 'fiseg', 'fioff', 'foseg', 'fooff', 'fop'].map((n) => `    <reg name="${n}" bitsize="32" type="int" group="float"/>`),
  '  </feature>',
  '  <feature name="org.gnu.gdb.i386.linux">',
  `    <reg name="orig_eax" bitsize="32" type="int" regnum="${ORIG_EAX}"/>`,
  '  </feature>',
  '</target>',
  '',
].join('\n');

// ---------------------------------------------------------------------------------------
// Signals: Linux i386 numbers → gdb's (include/gdb/signals.def), for stop and exit replies.

const GDB_SIGNAL_UNKNOWN = 143;
const LINUX_TO_GDB: Record<number, number> = {
  1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 10 /* BUS */, 8: 8, 9: 9, 10: 30 /* USR1 */, 11: 11, 12: 31 /* USR2 */,
  13: 13, 14: 14, 15: 15, 17: 20 /* CHLD */, 18: 19 /* CONT */, 19: 17 /* STOP */, 20: 18 /* TSTP */, 21: 21, 22: 22,
  23: 16 /* URG */, 24: 24, 25: 25, 26: 26, 27: 27, 28: 28, 29: 23 /* IO */, 30: 32 /* PWR */, 31: 12 /* SYS */,
};

export function gdbSignal(linuxSig: number): number {
  return LINUX_TO_GDB[linuxSig] ?? GDB_SIGNAL_UNKNOWN;
}

export const GDB_SIGTRAP = 5;
export const GDB_SIGINT = 2;
export const GDB_SIGKILL = 9;
