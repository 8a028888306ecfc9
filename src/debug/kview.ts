// The kernel's view, as the debugger shows it: tasks and what they share (ps), address
// spaces (maps), the page walk of one address (pt), physical memory by use (frames),
// counters (stats), pending timers (timers), registers (info registers) and the stack
// (bt). Each function returns text lines; nothing here changes the guest.

import type { Debugger } from './debugger.js';
import { hex8 } from './debugger.js';
import type { Task } from '../guest/task.js';
import type { MmStruct } from '../guest/mm.js';
import { VM_EXEC, VM_GROWSDOWN, VM_READ, VM_SHARED, VM_WRITE } from '../guest/mm.js';
import { pageWalk } from '../guest/memory.js';
import { PTE_FRAME, PTE_P } from '../mmu/paging.js';
import { PAGE_OFFSET } from '../guest/layout.js';
import { syscallName } from './debugger.js';
import {
  CR0_AM, CR0_CD, CR0_EM, CR0_ET, CR0_MP, CR0_NE, CR0_NW, CR0_PE, CR0_PG, CR0_TS, CR0_WP,
} from '../cpu/constants.js';

const hex = (v: number) => '0x' + (v >>> 0).toString(16);

// ---------------------------------------------------------------------------------------
// ps

/** Tasks sharing one object with t (by identity), other than t. */
function sharers<T>(tasks: Task[], t: Task, get: (t: Task) => T | null): number[] {
  const o = get(t);
  if (o === null || o === undefined) return [];
  return tasks.filter((u) => u !== t && get(u) === o).map((u) => u.pid);
}

export function ps(d: Debugger): string[] {
  const infos = d.tasks();
  const tasks = infos.map((i) => i.task);
  const rows: string[][] = [['', 'PID', 'PPID', 'TGID', 'STATE', 'COMM', 'SHARES / WAITS']];
  for (const i of infos) {
    const t = i.task;
    const notes: string[] = [];
    const share = (what: string, get: (t: Task) => unknown) => {
      const s = sharers(tasks, t, get as (t: Task) => object | null);
      if (s.length) notes.push(`${what} shared with ${s.join(',')}`);
    };
    if (t.pid !== 0) {
      share('mm', (u) => u.mm);
      share('files', (u) => u.files);
      share('sighand', (u) => u.sighand);
    }
    if (t.syscall >= 0 && !i.current) notes.push(`in ${syscallName(t.syscall)}()`);
    if (t.vfork_done && !t.vfork_done.done) notes.push('vfork child (parent waits)');
    const waiting = tasks.find((u) => u.vfork_done && !u.vfork_done.done && u.vfork_done.waiters.includes(t));
    if (waiting) notes.push(`waits for vfork child ${waiting.pid}`);
    if (t.mm === null && t.pid !== 0 && !t.exit_state) notes.push('no mm');
    rows.push([i.current ? '*' : d.viewPid === i.pid ? '>' : '', String(i.pid), String(i.ppid), String(i.tgid), i.state, t.comm, notes.join('; ')]);
  }
  return table(rows);
}

function table(rows: string[][]): string[] {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(w[c]))).join(' ').trimEnd());
}

// ---------------------------------------------------------------------------------------
// maps

function vmaFlags(f: number): string {
  return (f & VM_READ ? 'r' : '-') + (f & VM_WRITE ? 'w' : '-') + (f & VM_EXEC ? 'x' : '-') + (f & VM_SHARED ? 's' : 'p');
}

/** Present pages and COW pages of [start, end) in mm. */
function residency(d: Debugger, mm: MmStruct, start: number, end: number, writable: boolean): { present: number; cow: number } {
  const i32 = d.machine.mmu.i32;
  let present = 0;
  let cow = 0;
  for (let a = start; a < end; a += 4096) {
    const pde = i32[(mm.pgd >>> 2) + (a >>> 22)];
    if ((pde & PTE_P) === 0) {
      a = ((a >>> 22) + 1) * (4 << 20) - 4096;
      continue;
    }
    const pte = i32[((pde & PTE_FRAME) >>> 2) + ((a >>> 12) & 0x3ff)];
    if ((pte & PTE_P) === 0) continue;
    present++;
    if (writable && (pte & 2) === 0) cow++;
  }
  return { present, cow };
}

export function maps(d: Debugger, pid: number): string[] {
  const t = d.task(pid);
  if (!t) throw new Error(`no task with pid ${pid}`);
  const mm = t.mm;
  if (!mm) return [`pid ${pid} (${t.comm}) has no user address space`];
  const rows: string[][] = [['START', 'END', 'PERM', 'PAGES', 'PRESENT', 'COW', 'NAME']];
  for (const v of mm.vmas) {
    const pages = (v.end - v.start) / 4096;
    const priv = (v.flags & VM_SHARED) === 0 && (v.flags & VM_WRITE) !== 0;
    const r = residency(d, mm, v.start, v.end, priv);
    rows.push([hex8(v.start), hex8(v.end), vmaFlags(v.flags), String(pages), String(r.present), priv ? String(r.cow) : '-', v.name + (v.flags & VM_GROWSDOWN ? ' (grows down)' : '')]);
  }
  const shared = d.tasks().filter((i) => i.task !== t && i.task.mm === mm).map((i) => i.pid);
  const head = `pid ${pid} (${t.comm}): mm with ${mm.users} user${mm.users === 1 ? '' : 's'}${shared.length ? ` (shared with ${shared.join(',')})` : ''}, page directory at ${hex(mm.pgd)}, ${mm.rss} resident pages, brk ${hex(mm.brk)}`;
  return [head, ...table(rows)];
}

// ---------------------------------------------------------------------------------------
// pt

/** Every (pid, vaddr) whose PTE maps `frame`, over all live address spaces. */
export function mappersOf(d: Debugger, frame: number): Array<{ pids: number[]; vaddr: number }> {
  const i32 = d.machine.mmu.i32;
  const byMm = new Map<MmStruct, number[]>();
  for (const i of d.tasks()) {
    const mm = i.task.mm;
    if (!mm || i.task.exit_state) continue;
    const l = byMm.get(mm) ?? [];
    l.push(i.pid);
    byMm.set(mm, l);
  }
  const out: Array<{ pids: number[]; vaddr: number }> = [];
  for (const [mm, pids] of byMm) {
    for (let pd = 0; pd < PAGE_OFFSET >>> 22; pd++) {
      const pde = i32[(mm.pgd >>> 2) + pd];
      if ((pde & PTE_P) === 0) continue;
      const base = (pde & PTE_FRAME) >>> 2;
      for (let k = 0; k < 1024; k++) {
        const pte = i32[base + k];
        if (pte & PTE_P && (pte & PTE_FRAME) >>> 12 === frame) out.push({ pids, vaddr: ((pd << 22) | (k << 12)) >>> 0 });
      }
    }
  }
  return out;
}

export function pt(d: Debugger, vaddr: number, pid: number): string[] {
  const t = d.task(pid);
  if (!t) throw new Error(`no task with pid ${pid}`);
  const mm = t.mm ?? t.active_mm;
  if (!mm) return [`pid ${pid} has no address space`];
  const w = pageWalk(d.kernel, mm, vaddr);
  const out: string[] = [];
  out.push(`${hex8(w.vaddr)} in pid ${pid} (${t.comm}): page directory ${hex(mm.pgd)}`);
  const pdeIdx = w.vaddr >>> 22;
  out.push(`  PDE[${pdeIdx}] at ${hex(w.pdeAddr)} = ${hex8(w.pde)}${w.pde & PTE_P ? `  → page table at ${hex(w.pde & PTE_FRAME)}` : '  (not present)'}`);
  if (w.pteAddr >= 0) {
    out.push(`  PTE[${(w.vaddr >>> 12) & 0x3ff}] at ${hex(w.pteAddr)} = ${hex8(w.pte)}  [${w.flags || 'not present'}]`);
  }
  if (w.mapped) {
    out.push(`  frame ${hex(w.frame)} (physical ${hex(w.phys)}), ${w.kind}, reference count ${w.refcount}`);
    const m = mappersOf(d, w.frame);
    const desc = m.map((x) => `pid ${x.pids.join(',')} at ${hex8(x.vaddr)}`);
    out.push(`  mapped by: ${desc.join('; ') || '(no task)'}`);
    if (w.cow) out.push(`  COW: read-only in a private writable VMA — a write faults and ${w.refcount > 1 ? 'copies the frame (do_wp_page)' : 'makes it writable (reuse: no one else maps it)'}`);
    else if (w.vma && w.vma.flags & VM_WRITE && w.pte & 2) out.push('  writable: this task owns the frame' + (w.refcount > 1 ? ' (shared mapping)' : ''));
  } else if (w.vma) {
    out.push(`  not present: ${w.vma.file ? 'the first access reads the file page (demand-file)' : 'the first access maps a zeroed frame (demand-zero)'}`);
  }
  out.push(w.vma ? `  VMA ${hex8(w.vma.start)}-${hex8(w.vma.end)} ${vmaFlags(w.vma.flags)} ${w.vma.name}` : '  no VMA: an access is a segmentation fault');
  return out;
}

// ---------------------------------------------------------------------------------------
// frames, stats, timers

const KIND_NAMES = ['free', 'reserved', 'pgtable', 'kstack', 'user', 'kernel'];

export function frames(d: Debugger): string[] {
  const p = d.kernel.pages;
  const counts = new Array(KIND_NAMES.length).fill(0);
  let sharedUser = 0;
  let refs = 0;
  for (let f = 0; f < p.frames; f++) {
    counts[p.kind[f]]++;
    if (p.kind[f] === 4) {
      refs += p.count[f];
      if (p.count[f] > 1) sharedUser++;
    }
  }
  const out = [`${p.frames} frames of 4 KiB (${(p.frames * 4) / 1024} MiB); peak used ${p.stats.peakUsed}, ${p.stats.allocs} allocations, ${p.stats.frees} frees`];
  for (let k = 0; k < KIND_NAMES.length; k++) out.push(`  ${KIND_NAMES[k].padEnd(9)} ${String(counts[k]).padStart(7)}  (${((counts[k] * 4) / 1024).toFixed(2)} MiB)`);
  out.push(`  user frames mapped more than once (shared, COW): ${sharedUser}; user mappings in all: ${refs}`);
  return out;
}

export function stats(d: Debugger): string[] {
  const s = d.kernel.stats;
  const m = d.machine.stats();
  return [
    `position ${d.pos}: ${m.instructions} instructions, ${Math.floor(m.cycles)} cycles (${(m.guestSeconds * 1000).toFixed(3)} ms of guest time), idle ${Math.floor(m.idleCycles)} cycles`,
    `syscalls ${s.syscalls}, kernel calls ${s.kcalls}, context switches ${s.contextSwitches}, timer ticks ${s.timerTicks}`,
    `forks ${s.forks}, execs ${s.execs}, exits ${s.exits}`,
    `page faults ${s.pageFaults}: demand zero ${s.demandZero}, file ${s.demandFile}, COW copy ${s.cowCopies}, COW reuse ${s.cowReuses}, segv ${s.segvs}`,
    `kernel cycles ${Math.floor(s.kernelCycles)}; IRQs ${m.irqs.map((n, i) => (n ? `IRQ${i}: ${n}` : '')).filter(Boolean).join(', ') || 'none'}`,
  ];
}

export function timers(d: Debugger): string[] {
  const k = d.kernel;
  const list = k.timers.list();
  const out = [`jiffies ${k.jiffies} (HZ ${k.options.hz}); ${list.length} pending timer${list.length === 1 ? '' : 's'}`];
  for (const t of list) {
    const ms = ((t.expires - k.jiffies) * 1000) / k.options.hz;
    out.push(`  expires at jiffy ${t.expires} (in ${ms.toFixed(0)} ms)${t.task ? `: pid ${t.task.pid} (${t.task.comm})` : ''}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Registers

const EFLAGS_BITS: Array<[number, string]> = [
  [0, 'CF'], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF'], [14, 'NT'], [16, 'RF'], [17, 'VM'], [18, 'AC'], [21, 'ID'],
];

export function eflagsText(v: number): string {
  const names = EFLAGS_BITS.filter(([b]) => v & (1 << b)).map(([, n]) => n);
  const iopl = (v >>> 12) & 3;
  if (iopl) names.push(`IOPL=${iopl}`);
  return `[ ${names.join(' ')} ]`;
}

export function cr0Text(v: number): string {
  const bits: Array<[number, string]> = [[CR0_PE, 'PE'], [CR0_MP, 'MP'], [CR0_EM, 'EM'], [CR0_TS, 'TS'], [CR0_ET, 'ET'], [CR0_NE, 'NE'], [CR0_WP, 'WP'], [CR0_AM, 'AM'], [CR0_NW, 'NW'], [CR0_CD, 'CD'], [CR0_PG, 'PG']];
  return `[ ${bits.filter(([b]) => v & b).map(([, n]) => n).join(' ')} ]`;
}

export function registers(d: Debugger, pid: number, only: string[] = []): string[] {
  const r = d.readRegisters(pid) as unknown as Record<string, number> & { source: string };
  const names = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'orig_eax', 'cr0', 'cr2', 'cr3', 'cr4'];
  const want = only.length ? only.map((n) => n.replace(/^\$/, '').toLowerCase()) : names;
  const out: string[] = [];
  for (const n of want) {
    if (!(n in r) || n === 'source') throw new Error(`invalid register '${n}'`);
    const v = r[n];
    let natural: string;
    if (n === 'eflags') natural = eflagsText(v);
    else if (n === 'cr0') natural = cr0Text(v);
    else if (n === 'eip') natural = hex(v) + (d.symbolize(v, pid) ? ' ' + d.symbolize(v, pid) : '');
    else if (n === 'esp' || n === 'ebp') natural = hex(v);
    else if (n === 'cr4') natural = `[ ${[[1 << 4, 'PSE'], [1 << 7, 'PGE']].filter(([b]) => v & (b as number)).map(([, s]) => s).join(' ')} ]`;
    else if (n === 'cr2') natural = hex(v) + '  (last page-fault address)';
    else if (n === 'cr3') natural = hex(v) + '  (page directory)';
    else if (n === 'orig_eax') natural = v === -1 ? '-1' : `${v}${v >= 0 && v < 512 ? ` (${syscallName(v)})` : ''}`;
    else if (['cs', 'ss', 'ds', 'es', 'fs', 'gs'].includes(n)) natural = `${hex(v)}  (RPL ${v & 3})`;
    else natural = String(v | 0);
    out.push(`${n.padEnd(9)}${hex(v).padEnd(13)}${natural}`);
  }
  if (!only.length && r.source === 'pt_regs') out.push(`(pid ${pid} is not running: its user registers as saved in pt_regs on its kernel stack)`);
  return out;
}

// ---------------------------------------------------------------------------------------
// info float: the x87 state as gdb's i387_print_float_info prints it (i387-tdep.c).

/** An 80-bit value of an FNSAVE image's register as gdb's %-+27.19Lg would print it
 *  (the FPU holds doubles: the decimal expansion of a double is exact here). */
function ext80Value(v: number): string {
  if (v === 0) return (Object.is(v, -0) ? '-0' : '+0').padEnd(27);
  const [mant, e] = Math.abs(v).toExponential(18).split('e');
  const x = Number(e);
  let text: string;
  if (x < -4 || x >= 19) {
    const m = mant.replace(/\.?0+$/, '');
    text = `${m}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  } else text = Math.abs(v).toFixed(18 - x).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return ((v < 0 ? '-' : '+') + text).padEnd(27);
}

/** The value column of one register (gdb's print_i387_ext): its kind when not a normal
 *  or denormal number. */
function ext80Text(b: Uint8Array, o: number): string {
  const lo = (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  const hi = (b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24)) >>> 0;
  const se = b[o + 8] | (b[o + 9] << 8);
  const sign = se >> 15;
  const exp = se & 0x7fff;
  const integer = hi >>> 31;
  const frac1 = hi & 0x7fffffff;
  if (exp === 0x7fff && integer) {
    if (lo === 0 && frac1 === 0) return ` ${sign ? '-' : '+'}Inf`;
    if (sign && lo === 0 && frac1 === 0x40000000) return ' Real Indefinite (QNaN)';
    return frac1 & 0x40000000 ? ' QNaN' : ' SNaN';
  }
  const value = () => {
    const m = hi * 2 ** 32 + lo; // the 64-bit significand (doubles: its low 11 bits are 0)
    const v = (m / 2 ** 63) * 2 ** ((exp === 0 ? 1 : exp) - 16383); // in two steps: double denormals stay exact
    return ' ' + ext80Value(sign ? -v : v);
  };
  if (exp > 0 && exp < 0x7fff && integer) return value();
  if (exp === 0) return value() + (integer ? ' Pseudo-denormal' : lo || frac1 ? ' Denormal' : '');
  return ' Unsupported';
}

const hexN = (v: number, n: number) => '0x' + v.toString(16).padStart(n, '0');

/** `info float` for task pid: R7..R0 (=> at TOP) with tags, raw bits and values, then
 *  the status, control and tag words and the last instruction's pointers and opcode. */
export function infoFloat(d: Debugger, pid: number): string[] {
  const img = d.readFpu(pid);
  if (!img) return ['The CPU has no FPU (CR0.EM set).'];
  const w16 = (o: number) => img[o] | (img[o + 1] << 8);
  const w32 = (o: number) => (w16(o) | (w16(o + 2) << 16)) >>> 0;
  const fctrl = w16(0);
  const fstat = w16(4);
  const ftag = w16(8);
  const top = (fstat >> 11) & 7;
  const out: string[] = [];
  for (let r = 7; r >= 0; r--) {
    const tag = (ftag >> (2 * r)) & 3;
    const o = 28 + 10 * ((r - top) & 7); // R(r) is ST((r - TOP) mod 8)
    let raw = '0x';
    for (let k = 9; k >= 0; k--) raw += img[o + k].toString(16).padStart(2, '0');
    out.push(`${r === top ? '=>' : '  '}R${r}: ${['Valid   ', 'Zero    ', 'Special ', 'Empty   '][tag]}${raw}${tag !== 3 ? ext80Text(img, o) : ''}`);
  }
  const flags = (v: number, bits: Array<[number, string]>) => bits.map(([m, n]) => ' ' + (v & m ? n : '  ')).join('');
  out.push('');
  out.push(`Status Word:         ${hexN(fstat, 4)}  ` + flags(fstat, [[1, 'IE'], [2, 'DE'], [4, 'ZE'], [8, 'OE'], [0x10, 'UE'], [0x20, 'PE']]) +
    '  ' + flags(fstat, [[0x80, 'ES']]) + '  ' + flags(fstat, [[0x40, 'SF']]) + '  ' +
    flags(fstat, [[0x4000, 'C3'], [0x400, 'C2'], [0x200, 'C1'], [0x100, 'C0']]));
  out.push(`                       TOP: ${top}`);
  out.push(`Control Word:        ${hexN(fctrl, 4)}  ` + flags(fctrl, [[1, 'IM'], [2, 'DM'], [4, 'ZM'], [8, 'OM'], [0x10, 'UM'], [0x20, 'PM']]));
  out.push(`                       PC: ${['Single Precision (24-bits)', 'Reserved', 'Double Precision (53-bits)', 'Extended Precision (64-bits)'][(fctrl >> 8) & 3]}`);
  out.push(`                       RC: ${['Round to nearest', 'Round down', 'Round up', 'Round toward zero'][(fctrl >> 10) & 3]}`);
  out.push(`Tag Word:            ${hexN(ftag, 4)}`);
  out.push(`Instruction Pointer: ${hexN(w16(16), 2)}:${hexN(w32(12), 8)}`);
  out.push(`Operand Pointer:     ${hexN(w16(24), 2)}:${hexN(w32(20), 8)}`);
  const fop = w16(18) & 0x7ff;
  out.push(`Opcode:              ${hexN(fop ? fop | 0xd800 : 0, 4)}`);
  return out;
}

// ---------------------------------------------------------------------------------------
// Backtrace

/** Is addr inside an executable VMA of t (or kernel text)? */
function isCode(d: Debugger, t: Task, addr: number): boolean {
  if (addr >= PAGE_OFFSET) return addr < PAGE_OFFSET + 0x100000;
  const mm = t.mm;
  if (!mm) return false;
  const v = mm.findVma(addr);
  return v !== null && v.start <= addr && (v.flags & VM_EXEC) !== 0;
}

/** Is the instruction before ret a call (E8 rel32, or FF /2)? */
function afterCall(d: Debugger, pid: number, ret: number): boolean {
  const b = d.tryReadMemory(pid, ret - 7, 7);
  if (!b) return false;
  if (b[2] === 0xe8) return true; // call rel32 (5 bytes)
  for (let len = 2; len <= 7; len++) {
    const op = b[7 - len];
    const modrm = b[7 - len + 1];
    if (op === 0xff && ((modrm >> 3) & 7) === 2) return true;
  }
  return false;
}

/**
 * bt: frame 0 is EIP; outer frames follow the frame-pointer chain (saved EBP at [ebp],
 * return address at [ebp+4]). Hand-written assembly often keeps no frame pointer: when
 * the chain is not usable, the stack is scanned for return addresses (words just after a
 * call instruction in executable memory), which gdb calls a heuristic backtrace.
 */
export function backtrace(d: Debugger, pid: number, max = 32): string[] {
  const t = d.task(pid);
  if (!t) throw new Error(`no task with pid ${pid}`);
  const r = d.readRegisters(pid);
  const frame = (n: number, pc: number, how = '') => {
    const sym = d.symbolize(pc, pid);
    const line = d.lineAt(pc, pid);
    return `#${n}  ${hex8(pc)}${sym ? ' in ' + sym.slice(1, -1) : ''}${line ? ` at ${line.file.slice(line.file.lastIndexOf('/') + 1)}:${line.line}` : ''}${how}`;
  };
  const out = [frame(0, r.eip)];
  // The frame-pointer chain.
  let ebp = r.ebp >>> 0;
  const viaFp: number[] = [];
  for (let n = 0; n < max && ebp !== 0 && ebp >= (r.esp >>> 0); n++) {
    const saved = d.tryReadMemory(pid, ebp, 8);
    if (!saved) break;
    const next = (saved[0] | (saved[1] << 8) | (saved[2] << 16) | (saved[3] << 24)) >>> 0;
    const ret = (saved[4] | (saved[5] << 8) | (saved[6] << 16) | (saved[7] << 24)) >>> 0;
    if (!isCode(d, t, ret) || !afterCall(d, pid, ret)) break;
    viaFp.push(ret);
    if (next <= ebp) break;
    ebp = next;
  }
  if (viaFp.length) {
    viaFp.forEach((ret, i) => out.push(frame(i + 1, ret)));
    return out;
  }
  // No usable chain: scan the stack.
  let esp = r.esp >>> 0;
  const top = t.mm?.start_stack && esp < PAGE_OFFSET ? Math.min(esp + 64 * 1024, 0xc0000000) : esp + 4096;
  let n = 1;
  for (; esp + 4 <= top && n < max; esp += 4) {
    const b = d.tryReadMemory(pid, esp, 4);
    if (!b) break;
    const v = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
    if (isCode(d, t, v) && afterCall(d, pid, v)) out.push(frame(n++, v, `  (return address at ${hex8(esp)}, stack scan)`));
  }
  return out;
}
