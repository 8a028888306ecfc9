// What gdb is told about the target: the register layout of the g packet and the target
// description (target.xml) that declares it, and gdb's signal numbers.
//
// gdb's i386 architecture requires the org.gnu.gdb.i386.core feature with the x87
// registers (st0-st7, fctrl … fop) as well as eax … gs: a description without them is
// rejected. The emulated CPU has no FPU (CR0.EM), so they are described and always sent
// as unavailable ('x' bytes). org.gnu.gdb.i386.linux adds orig_eax, which gdb's Linux
// support sets to -1 when it changes EIP (so that no system call is restarted).

import type { RegisterName } from './debugger.js';
import { PT_CS, PT_DS, PT_EAX, PT_EBP, PT_EBX, PT_ECX, PT_EDI, PT_EDX, PT_EFLAGS, PT_EIP, PT_ES, PT_ESI, PT_ESP, PT_FS, PT_GS, PT_SS } from '../guest/ptregs.js';

// ---------------------------------------------------------------------------------------
// Registers as gdb numbers them with our target description.

/** Registers 0-15: eax … gs (4 bytes each). */
export const GPR_NAMES: RegisterName[] = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs'];
/** pt_regs offsets of registers 0-15. */
export const GPR_PT = [PT_EAX, PT_ECX, PT_EDX, PT_EBX, PT_ESP, PT_EBP, PT_ESI, PT_EDI, PT_EIP, PT_EFLAGS, PT_CS, PT_SS, PT_DS, PT_ES, PT_FS, PT_GS];
/** Registers 16-23: st0-st7 (10 bytes); 24-31: fctrl … fop (4 bytes): unavailable. */
export const FIRST_ST = 16;
export const FIRST_FCTRL = 24;
/** Register 32: orig_eax. */
export const ORIG_EAX = 32;
export const NUM_REGS = 33;

export function regSize(n: number): number {
  return n >= FIRST_ST && n < FIRST_FCTRL ? 10 : 4;
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
