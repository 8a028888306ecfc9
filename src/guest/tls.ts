// Thread-local storage descriptors (arch/x86/kernel/tls.c): set_thread_area (243),
// get_thread_area (244), and clone's CLONE_SETTLS, which uses the same do_set_thread_area.
//
// Each task owns three GDT descriptors, entries 6-8 (GDT_ENTRY_TLS_MIN..MAX), kept in
// task.thread.tls as two dwords each. switch_to (sched.ts context_switch) copies the
// incoming task's three into the GDT; a change to the current task's is written to the
// GDT at once (load_TLS). User code then loads %gs (or %fs) with selector entry*8+3 and
// the CPU reads the descriptor from the GDT in guest memory, as on real hardware.
//
// struct user_desc (include/uapi/asm/ldt.h), 16 bytes:
//   +0 entry_number  +4 base_addr  +8 limit
//   +12 flags: seg_32bit:1 contents:2 read_exec_only:1 limit_in_pages:1
//              seg_not_present:1 useable:1

import { E } from './abi.js';
import type { Kernel } from './kernel.js';
import { GDT_ENTRY_TLS_ENTRIES, GDT_ENTRY_TLS_MIN, GDT_PHYS } from './layout.js';
import type { Syscall } from './syscalls.js';
import type { Task } from './task.js';
import { copy_from_user, copy_to_user, get_user32, put_user32 } from './uaccess.js';

export const GDT_ENTRY_TLS_MAX = GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES - 1;
const USER_DESC_SIZE = 16;

/** struct user_desc, decoded. */
export interface UserDesc {
  entry_number: number;
  base_addr: number;
  limit: number;
  seg_32bit: number;
  contents: number;
  read_exec_only: number;
  limit_in_pages: number;
  seg_not_present: number;
  useable: number;
}

function decode(b: Uint8Array): UserDesc {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const flags = dv.getUint32(12, true);
  return {
    entry_number: dv.getInt32(0, true),
    base_addr: dv.getUint32(4, true),
    limit: dv.getUint32(8, true),
    seg_32bit: flags & 1,
    contents: (flags >>> 1) & 3,
    read_exec_only: (flags >>> 3) & 1,
    limit_in_pages: (flags >>> 4) & 1,
    seg_not_present: (flags >>> 5) & 1,
    useable: (flags >>> 6) & 1,
  };
}

/** LDT_empty: the "clear this entry" encoding of old user space. */
function LDT_empty(i: UserDesc): boolean {
  return i.base_addr === 0 && i.limit === 0 && i.contents === 0 && i.read_exec_only === 1 && i.seg_32bit === 0 &&
    i.limit_in_pages === 0 && i.seg_not_present === 1 && i.useable === 0;
}

/** LDT_zero: every field zero, the other way to clear an entry. */
function LDT_zero(i: UserDesc): boolean {
  return i.base_addr === 0 && i.limit === 0 && i.contents === 0 && i.read_exec_only === 0 && i.seg_32bit === 0 &&
    i.limit_in_pages === 0 && i.seg_not_present === 0 && i.useable === 0;
}

/** tls_desc_okay: only present 32-bit data segments (or a clearing request). */
function tls_desc_okay(i: UserDesc): boolean {
  if (LDT_empty(i) || LDT_zero(i)) return true;
  if (!i.seg_32bit) return false;
  if (i.contents > 1) return false;
  if (i.seg_not_present) return false;
  return true;
}

/** fill_ldt: the descriptor's two dwords for a user_desc (DPL 3, S=1, accessed). */
export function fill_ldt(i: UserDesc): [number, number] {
  if (LDT_empty(i) || LDT_zero(i)) return [0, 0];
  const lo = ((i.base_addr & 0xffff) << 16) | (i.limit & 0xffff);
  const type = (((i.read_exec_only ^ 1) << 1) | (i.contents << 2) | 1) & 0xf;
  const hi =
    ((i.base_addr >>> 16) & 0xff) |
    (type << 8) |
    (1 << 12) | // S: code/data
    (3 << 13) | // DPL 3
    ((i.seg_not_present ^ 1) << 15) |
    (i.limit & 0xf0000) |
    (i.useable << 20) |
    (i.seg_32bit << 22) |
    (i.limit_in_pages << 23) |
    (i.base_addr & 0xff000000);
  return [lo | 0, hi | 0];
}

/** fill_user_desc: the user_desc that get_thread_area reports for a descriptor. */
function fill_user_desc(idx: number, lo: number, hi: number): Uint8Array {
  const b = new Uint8Array(USER_DESC_SIZE);
  const dv = new DataView(b.buffer);
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  const limit = (lo & 0xffff) | (hi & 0xf0000);
  const type = (hi >>> 8) & 0xf;
  const flags =
    ((hi >>> 22) & 1) | // seg_32bit = D
    ((type >>> 2) << 1) | // contents
    ((type & 2 ? 0 : 1) << 3) | // read_exec_only
    (((hi >>> 23) & 1) << 4) | // limit_in_pages = G
    (((hi >>> 15) & 1 ? 0 : 1) << 5) | // seg_not_present = !P
    (((hi >>> 20) & 1) << 6); // useable = AVL
  dv.setInt32(0, idx, true);
  dv.setUint32(4, base, true);
  dv.setUint32(8, limit, true);
  dv.setUint32(12, flags, true);
  return b;
}

/** load_TLS: the current task's three descriptors into the GDT. */
export function load_TLS(k: Kernel, t: Task): void {
  const gdt = (GDT_PHYS + GDT_ENTRY_TLS_MIN * 8) >>> 2;
  for (let w = 0; w < 2 * GDT_ENTRY_TLS_ENTRIES; w++) k.mmu.i32[gdt + w] = t.thread.tls[w];
}

/** get_free_idx: the first empty TLS slot, or -ESRCH. */
function get_free_idx(t: Task): number {
  for (let n = 0; n < GDT_ENTRY_TLS_ENTRIES; n++) {
    if (t.thread.tls[2 * n] === 0 && t.thread.tls[2 * n + 1] === 0) return GDT_ENTRY_TLS_MIN + n;
  }
  return -E.ESRCH;
}

/**
 * do_set_thread_area(p, idx, u_info, can_allocate): install the user_desc at u_info (in
 * the current task's memory) as TLS entry `idx` of task p; idx -1 takes the entry number
 * from u_info, and entry number -1 means "pick a free slot" — allowed for
 * set_thread_area (can_allocate), which writes the chosen number back, but not for
 * clone's CLONE_SETTLS (-EINVAL), exactly as Linux. Returns 0 or -errno.
 */
export function do_set_thread_area(k: Kernel, p: Task, idx: number, u_info: number, can_allocate: boolean): number {
  const raw = copy_from_user(k, u_info, USER_DESC_SIZE);
  if (!raw) return -E.EFAULT;
  const info = decode(raw);
  if (!tls_desc_okay(info)) return -E.EINVAL;
  if (idx === -1) idx = info.entry_number;
  if (idx === -1 && can_allocate) {
    idx = get_free_idx(p);
    if (idx < 0) return idx;
    if (put_user32(k, u_info, idx) < 0) return -E.EFAULT;
  }
  if (idx < GDT_ENTRY_TLS_MIN || idx > GDT_ENTRY_TLS_MAX) return -E.EINVAL;
  const [lo, hi] = fill_ldt(info);
  const n = idx - GDT_ENTRY_TLS_MIN;
  p.thread.tls[2 * n] = lo;
  p.thread.tls[2 * n + 1] = hi;
  if (p === k.current) load_TLS(k, p);
  return 0;
}

/** flush_thread's part for TLS (execve): the new program starts with no TLS entries. */
export function clear_tls(k: Kernel, t: Task): void {
  t.thread.tls.fill(0);
  if (t === k.current) load_TLS(k, t);
}

const sys_set_thread_area: Syscall = (k, u_info) => do_set_thread_area(k, k.current, -1, u_info, true);

const sys_get_thread_area: Syscall = (k, u_info) => {
  const idx = get_user32(k, u_info);
  if (idx === null) return -E.EFAULT;
  if (idx < GDT_ENTRY_TLS_MIN || idx > GDT_ENTRY_TLS_MAX) return -E.EINVAL;
  const n = idx - GDT_ENTRY_TLS_MIN;
  const t = k.current;
  return copy_to_user(k, u_info, fill_user_desc(idx, t.thread.tls[2 * n], t.thread.tls[2 * n + 1]));
};

export const TLS_SYSCALLS: Record<string, Syscall> = {
  set_thread_area: sys_set_thread_area,
  get_thread_area: sys_get_thread_area,
};
