// execve (fs/exec.c, fs/binfmt_elf.c load_elf_binary): replace the current program with
// an ELF file from the in-memory filesystem (fs/: looked up by path like open).
//
// kernel_execve(k, t, path, argv, envp), for the current task t:
//   1. bprm: the argument strings (argv + envp ≤ MAX_ARG_BYTES, else -E2BIG), the file
//      (-ENOENT if absent, -EACCES for a directory or without an x bit), its ELF headers (not a valid static
//      i386 executable: -ENOEXEC);
//   2. a NEW mm (mm_alloc) with the PT_LOAD segments as file-backed VMAs (pages come on
//      demand from the file: memory.ts), each segment's bss as anonymous zero memory past
//      p_filesz, brk right after the highest segment, and the stack VMA below TASK_SIZE;
//   3. the initial stack written into the new mm (create_elf_tables, below; copy_to_mm);
//   — until here any failure leaves the caller's old program intact and returns -errno —
//   4. the point of no return: mm_release(old) (a vfork parent wakes up), the task moves
//      to the new mm (CR3), mmput(old); TLS cleared; a descriptor table shared with
//      CLONE_FILES is unshared and the FD_CLOEXEC descriptors closed (fs/fdtable.ts
//      exec_files); pt_regs set so that the return to
//      user mode enters the program at e_entry with the SysV i386 stack; comm = basename.
//
// THE INITIAL STACK (SysV i386 ABI; byte-for-byte what Linux builds without address
// randomization), from TASK_SIZE down:
//       0xBFFFFFFC  a NULL word
//                   the file name (AT_EXECFN), then envp strings, argv strings — argv[0]
//                   lowest: arg_start … arg_end = env_start … env_end
//                   (aligned down to 16)  "i686\0" (AT_PLATFORM)
//                   16 bytes for AT_RANDOM
//                   (padding so that esp is 16-byte aligned)
//       esp →       argc, argv[0..argc-1], NULL, envp[0..envc-1], NULL,
//                   auxv: (type, value) pairs ending with AT_NULL
// The AT_RANDOM bytes are derived from the pid and the path (a hash), never from a host
// random source: runs are deterministic.

import { CPUID_FEATURES_EDX } from '../cpu/ops/misc.js';
import { PAGE_SIZE } from '../mmu/paging.js';
import { AT, E } from './abi.js';
import { CYC_CR3, CYC_EXEC } from './cost.js';
import { parseElf, type Elf } from './elf.js';
import type { Kernel } from './kernel.js';
import { SWAPPER_PGD_PHYS, TASK_SIZE, USER_CS, USER_DS } from './layout.js';
import { type MmStruct, VM_EXEC, VM_GROWSDOWN, VM_READ, VM_WRITE, type VmaFile } from './mm.js';
import { copy_to_mm, map_vma, mm_alloc, mmput } from './memory.js';
import {
  PT_CS, PT_DS, PT_EAX, PT_EBP, PT_EBX, PT_ECX, PT_EDI, PT_EDX, PT_EFLAGS, PT_EIP, PT_ES, PT_ESI, PT_ESP, PT_FS, PT_GS, PT_SS,
} from './ptregs.js';
import type { Syscall } from './syscalls.js';
import type { SyscallResult, Task } from './task.js';
import { clear_tls } from './tls.js';
import { get_user32, strncpy_from_user } from './uaccess.js';
import { mm_release } from './exit.js';
import { flush_signal_handlers } from './signal.js';
import { exec_files } from './fs/fdtable.js';
import { S_IXUGO } from './fs/inode.js';
import { AT_FDCWD, LOOKUP_FOLLOW, path_lookupat } from './fs/namei.js';
import { de_thread, exchange_leader } from './thread.js';
import { trace_exec } from './tracepoints.js';
import { absolute_path } from './fs/proc.js';
import { fpu__clear_user_states } from './fpu.js';

/** Most bytes of argument and environment strings (NULs included): Linux's classic
 *  MAX_ARG_PAGES (32 pages). More gives -E2BIG. */
export const MAX_ARG_BYTES = 32 * PAGE_SIZE;
/** PATH_MAX, including the NUL. */
export const PATH_MAX = 4096;
/** The top of the user stack (no randomization). */
export const STACK_TOP = TASK_SIZE;
/** How much stack the initial VMA covers below the arguments (setup_arg_pages's
 *  stack_expand); it grows further on faults (VM_GROWSDOWN, memory.ts). */
export const STACK_EXPAND = 128 * 1024;
/** AT_CLKTCK: the unit of times() (USER_HZ), whatever the kernel's HZ. */
export const CLOCKS_PER_SEC = 100;
/** AT_PLATFORM on i386 (the CPU's family, as uname -m reports it). */
export const ELF_PLATFORM = 'i686';
const TASK_COMM_LEN = 16;

const PAGE_ALIGN = (a: number) => ((a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)) >>> 0;
const PAGE_DOWN = (a: number) => (a & ~(PAGE_SIZE - 1)) >>> 0;

/** A byte string (one char per byte, as strncpy_from_user returns) to bytes. */
function bytesOf(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

/**
 * open_exec: the bytes of the executable at `path`, looked up in the in-memory
 * filesystem (fs/namei.ts: relative to the cwd, symlinks followed) — or -ENOENT,
 * -ENOTDIR, -ELOOP … from the lookup, -EACCES for anything but a regular file or a file
 * without an execute bit. The bytes are a view of the file's buffer: a private mapping
 * sees later writes to pages it has not touched yet, as Linux's MAP_PRIVATE does.
 */
function open_exec(k: Kernel, path: string): Uint8Array | number {
  const inode = path_lookupat(k, AT_FDCWD, path, LOOKUP_FOLLOW);
  if (typeof inode === 'number') return inode;
  if (!inode.isReg || !(inode.mode & S_IXUGO)) return -E.EACCES;
  return inode.data.subarray(0, inode.size);
}

/** One VMA of the new image, planned before anything is mapped. */
interface VmaPlan {
  start: number;
  end: number;
  flags: number;
  name: string;
  file: VmaFile | null;
}

/**
 * The PT_LOAD segments as VMAs: the file part of each segment file-backed (bytes past
 * p_filesz in its last page read as zero), its bss anonymous. Segments may share a page
 * (elf.ts allows it): as with Linux's successive mmaps, the later segment's mapping of
 * that page replaces the earlier one's — both map the same file page, so the bytes of
 * both are there; the later segment's permissions apply to the page.
 */
function plan_segments(elf: Elf, data: Uint8Array, name: string): VmaPlan[] | number {
  const plans: VmaPlan[] = [];
  const push = (p: VmaPlan) => {
    while (plans.length > 0 && plans[plans.length - 1].end > p.start) {
      const last = plans[plans.length - 1];
      if (last.start >= p.start) plans.pop();
      else last.end = p.start;
    }
    plans.push(p);
  };
  const segs = [...elf.segments].filter((s) => s.memsz > 0).sort((a, b) => a.vaddr - b.vaddr);
  for (const s of segs) {
    const flags = (s.r ? VM_READ : 0) | (s.w ? VM_WRITE : 0) | (s.x ? VM_EXEC : 0);
    const start = PAGE_DOWN(s.vaddr);
    const pageoff = s.vaddr - start;
    const fileEnd = s.vaddr + s.filesz;
    const memEnd = s.vaddr + s.memsz;
    let anonStart = start;
    if (s.filesz > 0) {
      if (s.offset < pageoff) return -E.ENOEXEC; // the page would begin before the file
      anonStart = PAGE_ALIGN(fileEnd);
      push({ start, end: anonStart, flags, name, file: { data, offset: s.offset - pageoff, size: fileEnd - start } });
    }
    if (PAGE_ALIGN(memEnd) > anonStart) push({ start: anonStart, end: PAGE_ALIGN(memEnd), flags, name: '', file: null });
  }
  return plans;
}

/** 16 deterministic "random" bytes for AT_RANDOM: FNV-1a of the pid and path, stretched
 *  with xorshift32. Not secret — forkbox runs must be reproducible. */
function at_random_bytes(pid: number, path: string): Uint8Array {
  let h = 0x811c9dc5;
  const mix = (b: number) => {
    h ^= b & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (let n = 0; n < 4; n++) mix(pid >>> (8 * n));
  for (let n = 0; n < path.length; n++) mix(path.charCodeAt(n));
  const out = new Uint8Array(16);
  let x = h || 0x9e3779b9;
  for (let n = 0; n < 16; n += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[n] = x;
    out[n + 1] = x >>> 8;
    out[n + 2] = x >>> 16;
    out[n + 3] = x >>> 24;
  }
  return out;
}

/** What create_elf_tables produces: the stack image and where its parts are. */
interface StackImage {
  sp: number;
  bytes: Uint8Array;
  arg_start: number;
  arg_end: number;
  env_start: number;
  env_end: number;
}

/**
 * copy_strings + create_elf_tables: the initial stack as one byte image from `sp` up to
 * STACK_TOP (layout in the header comment).
 */
function create_elf_tables(elf: Elf, path: string, argv: string[], envp: string[], random: Uint8Array): StackImage {
  // The strings, from the top down: NULL word, filename, envp (last first), argv (last first).
  let p = STACK_TOP - 4;
  const strings: Array<{ at: number; bytes: Uint8Array }> = [];
  const put = (s: string): number => {
    const b = bytesOf(s);
    p -= b.length + 1;
    strings.push({ at: p, bytes: b });
    return p;
  };
  const execfn = put(path);
  const env_end = p;
  const envAt: number[] = new Array(envp.length);
  for (let n = envp.length - 1; n >= 0; n--) envAt[n] = put(envp[n]);
  const env_start = p;
  const argAt: number[] = new Array(argv.length);
  for (let n = argv.length - 1; n >= 0; n--) argAt[n] = put(argv[n]);
  const arg_start = p;

  p = (p & ~0xf) >>> 0; // arch_align_stack, without randomization
  const u_platform = put(ELF_PLATFORM);
  p -= random.length;
  const u_rand_bytes = p;

  const auxv: number[] = [
    AT.AT_HWCAP, CPUID_FEATURES_EDX,
    AT.AT_PAGESZ, PAGE_SIZE,
    AT.AT_CLKTCK, CLOCKS_PER_SEC,
    AT.AT_PHDR, elf.phdr ?? 0,
    AT.AT_PHENT, elf.phentsize,
    AT.AT_PHNUM, elf.phnum,
    AT.AT_BASE, 0,
    AT.AT_FLAGS, 0,
    AT.AT_ENTRY, elf.entry,
    AT.AT_UID, 0,
    AT.AT_EUID, 0,
    AT.AT_GID, 0,
    AT.AT_EGID, 0,
    AT.AT_SECURE, 0,
    AT.AT_RANDOM, u_rand_bytes,
    AT.AT_HWCAP2, 0,
    AT.AT_EXECFN, execfn,
    AT.AT_PLATFORM, u_platform,
    AT.AT_NULL, 0,
  ];
  const items = argv.length + 1 + (envp.length + 1) + 1;
  const sp = ((p - auxv.length * 4 - items * 4) & ~0xf) >>> 0; // STACK_ADD + STACK_ROUND

  const bytes = new Uint8Array(STACK_TOP - sp);
  const dv = new DataView(bytes.buffer);
  let w = 0;
  const word = (v: number) => {
    dv.setUint32(w, v >>> 0, true);
    w += 4;
  };
  word(argv.length);
  for (const a of argAt) word(a);
  word(0);
  for (const e of envAt) word(e);
  word(0);
  for (const v of auxv) word(v);
  bytes.set(random, u_rand_bytes - sp);
  for (const s of strings) bytes.set(s.bytes, s.at - sp); // the NULs are already zero
  return { sp, bytes, arg_start, arg_end: env_start, env_start, env_end };
}

/** Load the image into `mm` (not yet in use): VMAs, brk, stack VMA. 0 or -ENOMEM. */
function load_elf_binary(k: Kernel, mm: MmStruct, elf: Elf, plans: VmaPlan[], stack: StackImage): number {
  for (const v of plans) {
    if (!map_vma(k, mm, v.start, v.end, v.flags, v.name, v.file)) return -E.ENOMEM;
  }
  let start_code = 0xffffffff;
  let end_code = 0;
  let start_data = 0;
  let end_data = 0;
  let elf_brk = 0;
  for (const s of elf.segments) {
    if (s.x && s.vaddr < start_code) start_code = s.vaddr;
    if (start_data < s.vaddr) start_data = s.vaddr;
    const fend = s.vaddr + s.filesz;
    if (s.x && end_code < fend) end_code = fend;
    if (end_data < fend) end_data = fend;
    if (s.vaddr + s.memsz > elf_brk) elf_brk = s.vaddr + s.memsz;
  }
  mm.start_code = start_code === 0xffffffff ? 0 : start_code;
  mm.end_code = end_code;
  mm.start_data = start_data;
  mm.end_data = end_data;
  mm.start_brk = mm.brk = PAGE_ALIGN(elf_brk);

  const stackFlags = VM_READ | VM_WRITE | VM_GROWSDOWN | (elf.execStack ? VM_EXEC : 0);
  const stackStart = Math.max(PAGE_DOWN(stack.sp) - STACK_EXPAND, mm.brk, PAGE_SIZE);
  if (!map_vma(k, mm, stackStart, STACK_TOP, stackFlags, '[stack]', null)) return -E.ENOMEM;
  mm.start_stack = stack.sp;
  mm.arg_start = stack.arg_start;
  mm.arg_end = stack.arg_end;
  mm.env_start = stack.env_start;
  mm.env_end = stack.env_end;
  return 0;
}

/** Switch the CPU (and t) to address space `mm` — or to swapper_pg_dir for none. */
function use_mm(k: Kernel, t: Task, mm: MmStruct | null): void {
  t.mm = mm;
  t.active_mm = mm;
  const pgd = mm ? mm.pgd : SWAPPER_PGD_PHYS;
  if (k.mmu.cr3 !== pgd) {
    k.mmu.setCr3(pgd);
    k.charge(CYC_CR3);
  }
}

/** start_thread + ELF_PLAT_INIT: user segments, entry and stack, eflags IF, every
 *  general register 0. */
function start_thread(k: Kernel, t: Task, eip: number, esp: number): void {
  const regs = k.ptRegsOf(t);
  for (const r of [PT_EBX, PT_ECX, PT_EDX, PT_ESI, PT_EDI, PT_EBP, PT_EAX]) regs.set(r, 0);
  regs.set(PT_DS, USER_DS);
  regs.set(PT_ES, USER_DS);
  regs.set(PT_FS, 0);
  regs.set(PT_GS, 0);
  regs.set(PT_EIP, eip);
  regs.set(PT_CS, USER_CS);
  regs.set(PT_EFLAGS, 0x202);
  regs.set(PT_ESP, esp);
  regs.set(PT_SS, USER_DS);
}

/**
 * Replace t's program with the ELF at `path` (fs/namei.ts lookup): 0 or -errno. t must be the
 * current task (execve runs in the caller's context; start_init switches to init
 * first). Strings are byte strings (one char per byte). On success t's pt_regs return
 * to the new program's entry with the SysV i386 stack; on failure nothing has changed.
 * A thread of a multi-threaded process first ends the other threads (thread.ts
 * de_thread): BLOCKED then, and the execve starts over once they are gone.
 */
export function kernel_execve(k: Kernel, t: Task, path: string, argv: string[], envp: string[]): SyscallResult {
  if (t !== k.current) return -E.EINVAL;
  k.charge(CYC_EXEC);
  // An empty argv gets "" as argv[0], as Linux does since 5.18.
  if (argv.length === 0) argv = [''];
  let argBytes = 0;
  for (const s of argv) argBytes += s.length + 1;
  for (const s of envp) argBytes += s.length + 1;
  if (argBytes > MAX_ARG_BYTES) return -E.E2BIG;

  const data = open_exec(k, path);
  if (typeof data === 'number') return data;
  const parsed = parseElf(data);
  if (!parsed.ok) {
    k.log(`forkbox: execve ${path}: ${parsed.error}`);
    return -E.ENOEXEC;
  }
  const elf = parsed.elf;
  const plans = plan_segments(elf, data, path);
  if (typeof plans === 'number') return plans;
  // de_thread: the program is loadable; the group's other threads must go first.
  const dt = de_thread(k, t, () => kernel_execve(k, t, path, argv, envp));
  if (dt !== 0) return dt;
  const stack = create_elf_tables(elf, path, argv, envp, at_random_bytes(t.group_leader.pid, path));
  const exe_path = absolute_path(t, path); // before the point of no return: the cwd of now

  // The new address space, built beside the old one.
  const mm = mm_alloc(k);
  if (!mm) return -E.ENOMEM;
  let err = load_elf_binary(k, mm, elf, plans, stack);
  // The stack's strings and tables go into the new mm before anyone uses it (the pages
  // fault in there: get_user_pages on bprm->mm, as Linux's copy_strings does).
  if (err === 0) err = copy_to_mm(k, mm, stack.sp, stack.bytes) < 0 ? -E.ENOMEM : 0;
  if (err < 0) {
    mmput(k, mm);
    return err;
  }

  // ---- the point of no return (begin_new_exec / exec_mmap) ----
  exchange_leader(k, t); // de_thread's end: a non-leader caller becomes the leader
  const oldmm = t.mm;
  if (oldmm) mm_release(k, t, oldmm);
  use_mm(k, t, mm);
  if (oldmm) mmput(k, oldmm);
  clear_tls(k, t);
  fpu__clear_user_states(k, t); // FNINIT: FCW 0x037F, every register empty (fpu.ts)
  exec_files(k, t); // unshare_files + do_close_on_exec (FD_CLOEXEC descriptors)
  flush_signal_handlers(k, t); // caught signals back to SIG_DFL, no alternate stack (signal.ts)
  t.exe_path = exe_path;
  const base = path.slice(path.lastIndexOf('/') + 1);
  t.comm = Buffer.from(base, 'latin1').subarray(0, TASK_COMM_LEN - 1).toString('latin1');
  start_thread(k, t, elf.entry, stack.sp);
  k.stats.execs++;
  if (k.tracers.length !== 0) trace_exec(k, t, path);
  return 0;
}

/**
 * Read a user array of string pointers (argv or envp) up to its NULL; `budget` bounds
 * the strings' total size (-E2BIG past it). A NULL array is empty.
 */
function copy_strings_from_user(k: Kernel, arr: number, budget: { left: number }): string[] | number {
  const out: string[] = [];
  if (arr === 0) return out;
  for (let n = 0; ; n++) {
    const ptr = get_user32(k, (arr + 4 * n) >>> 0);
    if (ptr === null) return -E.EFAULT;
    if (ptr === 0) return out;
    if (budget.left <= 0) return -E.E2BIG;
    const s = strncpy_from_user(k, ptr >>> 0, budget.left - 1, -E.E2BIG);
    if (typeof s === 'number') return s;
    budget.left -= s.length + 1;
    out.push(s);
  }
}

/** execve(filename, argv, envp). Returns only on failure (the new program sees eax 0). */
const sys_execve: Syscall = (k, filename, argvp, envpp) => {
  const path = strncpy_from_user(k, filename >>> 0, PATH_MAX - 1);
  if (typeof path === 'number') return path;
  const budget = { left: MAX_ARG_BYTES };
  const argv = copy_strings_from_user(k, argvp >>> 0, budget);
  if (typeof argv === 'number') return argv;
  const envp = copy_strings_from_user(k, envpp >>> 0, budget);
  if (typeof envp === 'number') return envp;
  return kernel_execve(k, k.current, path, argv, envp);
};

export const EXEC_SYSCALLS: Record<string, Syscall> = {
  execve: sys_execve,
};
