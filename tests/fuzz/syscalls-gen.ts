// Syscall fuzzing, the generator: from a seed, a guest program (NASM source for forkbox's
// assembler) whose main process sets up a few fds and a hostile memory layout, then
// starts P workers — fork()ed processes, clone(CLONE_VM) processes and clone(CLONE_THREAD)
// threads — each making its own seeded random sequence of `int 0x80` calls with raw
// register values: numbers from the whole table (src/guest/syscalls.ts), unimplemented
// numbers, negative and huge eax; arguments from pools (below) chosen by a per-syscall
// signature. The main process waits for its workers and exits; syscalls-run.ts runs the
// program, records every call through the kernel's tracepoints and checks the kernel.
// A worker's calls are a table in .data (8 dwords each) that a small loop of the program
// runs with esp as its cursor (see fuzz_begin): the source stays small, so assembling
// it is quick.
//
// Memory the pools point into (all fixed, so results are reproducible):
//   0x50000000  RW page, then 0x50001000 unmapped: a buffer at 0x50000ffx runs into a hole
//   0x50002000  RW page, then 0x50003000 read-only: a buffer at 0x50002ffx runs into it
//   0x50010000  a MAP_SHARED anonymous page (shared with the forked workers)
//   bufs        4 pages of seeded random bytes (.data); zbuf 4 zero pages (.bss)
//   _start, ro_* the read-only .text and .rodata; 0xC0000000+ kernel; 0x1000, 0x10000000 … unmapped
//   iov, argv, pollfds  arrays for readv/writev, execve, poll whose entries point (or not)
//               at all of the above; mask_*: signal sets for the mask calls
// fds: 3 = /tmp/fz (O_RDWR|O_CREAT), 4/5 = a pipe, 6 = /dev/null.
//
// What a worker must not do, because it would end the fuzz legitimately rather than find a
// kernel bug: exit/exit_group before its sequence ends (never generated); kill(≤0 or the
// main process, SIGKILL/SIGSTOP) (those signals go only to single worker pids); execve
// of the program itself (the only program in the pool is /bin/true, which exits);
// munmap/mmap(MAP_FIXED)/mprotect/mremap over the program's code (memory-call ranges never reach .text). A fork-like call's child
// exits at once (exit(0)), so that the sequence is not run twice. Blocking calls are
// allowed: a SIGALRM every 20 ms (setitimer in each worker, a handler without SA_RESTART)
// interrupts most (calls that would block, ignore or stop it mostly spare it: keepAlarm),
// and the runner's cycle budget ends the rest.

import { NR } from '../../src/guest/abi.js';
import { sys_call_table } from '../../src/guest/syscalls.js';
import { mulberry32 } from '../helpers/rng.js';

export interface SyscallFuzzOptions {
  /** Calls per worker (default 200). */
  calls?: number;
  /** Workers (default: 2-8 from the seed). */
  procs?: number;
}

export type WorkerKind = 'fork' | 'clone-vm' | 'thread';

export interface FuzzCall {
  nr: number;
  args: number[];
}

export interface SyscallProgram {
  source: string;
  workers: Array<{ kind: WorkerKind; calls: FuzzCall[] }>;
}

const TEXT_END_LIMIT = 0x08048000; // memory-call ranges stay below the program's image …
const IMAGE_END = 0x09000000; // … or start above it

const REGION = 0x50000000;
const SHARED = 0x50010000;

/** Path strings (no executable program among them: see the header). */
const PATHS = [
  '/tmp/fz', '/tmp/fz2', '/tmp/fzdir', '/tmp', '/', '.', '..', '/dev/null', '/dev/zero', '/dev/tty',
  '/dev/urandom', '/nonexistent', '/tmp/fz/x', '', 'a'.repeat(300), '../../../../../etc/passwd', '/tmp/./fz/../fz2',
  '/tmp/' + 'b'.repeat(255), '/tmp/' + 'c'.repeat(256), '/bin/true',
];

/** /bin/true: the one program execve may start (exit(0) at once), for execve's paths that
 *  succeed — from a thread, de_thread kills the other threads first. */
export const TRUE_PROGRAM = 'BITS 32\nsection .text\nglobal _start\n_start:\n        mov     eax, 1\n        xor     ebx, ebx\n        int     0x80\n';

type Gen = () => number;

/** Arrays of structures with pointers inside, for readv/writev, execve and poll: good and
 *  hostile entries mixed (a run of them from a random start is one argument). */
const IOV: Array<[string | number, number]> = [
  ['bufs', 100], [0x50000ff0, 0x20], [0, 0], ['bufs + 4096', 4096], [0xc0000000, 16], ['zbuf', 1],
  [0x50002ff8, 16], ['bufs', 0x7fffffff], ['_start', 64], ['bufs', 0x80000000], ['zbuf + 8000', 0xffffffff], [0x1000, 8],
];
const ARGV: Array<string | number> = ['path1', 'path4', 'rpath14', 0, 'path3', 0x50000ffe, 'path0', 0xc0000000, 'path5', 0];

const pick = <T>(r: Gen, a: readonly T[]): T => a[r() % a.length];

// The argument pools.
const UNMAPPED = [0x1000, 0x00400000, 0x10000000, 0x60000000, 0x7fff0000, 0x50001000, 0x50001800];
const KERNEL = [0xc0000000, 0xc0001000, 0xc0100000, 0xfffff000, 0xfffffffc, 0xffffffff, 0xbffff000 + 4096];
const CROSS = [0x50000ffc, 0x50000ff0, 0x50000f00, 0x50000fff, 0x50002ffc, 0x50002ff0, 0x50002f00, 0x50002fff];
const LENS = [0, 1, 2, 4, 8, 16, 64, 100, 4095, 4096, 4097, 8192, 65536, 0x7fffffff, 0x80000000, 0xffffffff, -1, -4096, -2];
const FDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -100, 1023, 1024, 65535, 0x7fffffff, 0x80000000];
const PIDS = [0, -1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, -2, -3, 32768, 0x7fffffff, 0x80000000, 4194304];
const CLONE_BITS = [0x100, 0x200, 0x400, 0x800, 0x2000, 0x4000, 0x8000, 0x10000, 0x40000, 0x80000, 0x100000, 0x200000, 0x400000, 0x1000000, 0x20000, 0x1000, 0x80000000];

class ArgGen {
  constructor(private r: Gen, private bufsPages: number) {}

  /** A seeded random 32-bit value, often with few bits set. */
  bits(): number {
    const r = this.r;
    switch (r() % 5) {
      case 0: return 0;
      case 1: return 1 << (r() % 32);
      case 2: return (1 << (r() % 32)) | (1 << (r() % 32)) | (1 << (r() % 12));
      case 3: return r() & 0xfff;
      default: return r();
    }
  }

  valid(): string {
    const r = this.r;
    const off = pick(r, [0, 0, 4, 8, 16, 100, 2048, 4000]);
    return r() % 3 === 0 ? `zbuf + ${(r() % 4) * 4096 + off}` : `bufs + ${(r() % this.bufsPages) * 4096 + off}`;
  }

  ptr(mm = false): string | number {
    const r = this.r;
    switch (r() % 10) {
      case 0: return 0;
      case 1: return pick(r, UNMAPPED);
      case 2: return pick(r, KERNEL);
      case 3: return mm ? pick(r, UNMAPPED) : pick(r, ['_start', '_start + 100', 'ro_data', 'ro_data + 4090']);
      case 4: return pick(r, CROSS);
      case 5: return SHARED + pick(r, [0, 8, 4092]);
      case 6: return `path${r() % PATHS.length}`;
      default: return this.valid();
    }
  }

  buf(): string | number {
    return this.r() % 3 === 0 ? this.ptr() : this.valid();
  }

  path(): string | number {
    const r = this.r;
    if (r() % 5 === 0) return this.ptr();
    return `${r() % 3 === 0 ? 'rpath' : 'path'}${r() % PATHS.length}`;
  }

  len(): number {
    return this.r() % 6 === 0 ? this.r() : pick(this.r, LENS);
  }

  fd(): number {
    return this.r() % 10 === 0 ? this.r() : pick(this.r, FDS);
  }

  small(): number {
    const r = this.r;
    const v = r() % 8;
    return v < 5 ? r() % 11 : v === 5 ? -1 : v === 6 ? pick(r, [0x7fffffff, 0x80000000, 64, 1024, 4096]) : r();
  }

  sig(): number {
    return this.r() % 20 === 0 ? this.r() : this.r() % 66;
  }

  pid(): number {
    return this.r() % 12 === 0 ? this.r() : pick(this.r, PIDS);
  }

  cloneFlags(): number {
    const r = this.r;
    let f = r() % 3 === 0 ? r() & 0xff : 17;
    const n = r() % 5;
    for (let i = 0; i < n; i++) f |= pick(r, CLONE_BITS);
    return r() % 10 === 0 ? r() : f;
  }

  any(): string | number {
    switch (this.r() % 8) {
      case 0: return this.ptr();
      case 1: return this.len();
      case 2: return this.fd();
      case 3: return this.small();
      case 4: return this.pid();
      case 5: return this.sig();
      default: return this.bits();
    }
  }
}

/**
 * Signatures by syscall name, one letter an argument:
 *   p pointer (any pool)  b buffer (mostly valid)  S path string  l length  f fd  F flags
 *   s signal  P pid  n small int  x anything  m memory-call address  M memory-call length
 *   C clone flags  I iovec array  A argv/envp array  Q pollfd array
 * Syscalls not listed get x for all six.
 */
const SIGNATURES: Record<string, string> = {
  read: 'fbl', write: 'fbl', open: 'SFn', close: 'f', waitpid: 'PpF', creat: 'Sn', link: 'SS', unlink: 'S',
  execve: 'SAA', chdir: 'S', time: 'p', mknod: 'SFx', chmod: 'Sn', lseek: 'fxn', mount: 'SSSFp', setuid: 'x',
  alarm: 'n', access: 'Sn', nice: 'x', kill: 'Ps', rename: 'SS', mkdir: 'Sn', rmdir: 'S', dup: 'f', pipe: 'p',
  times: 'p', brk: 'm', setgid: 'x', signal: 'sp', ioctl: 'fxp', fcntl: 'fnx', setpgid: 'PP', umask: 'x', chroot: 'S',
  dup2: 'ff', sigaction: 'spp', ssetmask: 'x', sigsuspend: 'x', sigpending: 'p', setrlimit: 'np', getrlimit: 'np',
  getrusage: 'np', gettimeofday: 'pp', settimeofday: 'pp', getgroups: 'np', symlink: 'SS', readlink: 'Sbl', mmap: 'p',
  munmap: 'mM', truncate: 'Sx', ftruncate: 'fx', fchmod: 'fn', getpriority: 'nP', setpriority: 'nPx', statfs: 'Sp',
  fstatfs: 'fp', socketcall: 'np', setitimer: 'npp', getitimer: 'np', stat: 'Sp', lstat: 'Sp', fstat: 'fp',
  wait4: 'PpFp', sysinfo: 'p', fsync: 'f', clone: 'Cpppp', uname: 'p', mprotect: 'mMn', sigprocmask: 'npp', getpgid: 'P',
  fchdir: 'f', _llseek: 'fxxpn', getdents: 'fbl', _newselect: 'npppp', flock: 'fn', msync: 'mMF', readv: 'fIn',
  writev: 'fIn', getsid: 'P', fdatasync: 'f', mlock: 'mM', munlock: 'mM', sched_setparam: 'Pp', sched_getparam: 'Pp',
  sched_setscheduler: 'Pnp', sched_getscheduler: 'P', nanosleep: 'pp', mremap: 'mMMFm', poll: 'Qnx', prctl: 'nxxxx',
  rt_sigaction: 'sppn', rt_sigprocmask: 'nppn', rt_sigpending: 'pn', rt_sigtimedwait: 'pppn', rt_sigqueueinfo: 'Psp',
  rt_sigsuspend: 'pn', pread64: 'fblxx', pwrite64: 'fblxx', getcwd: 'bl', sigaltstack: 'pp', ugetrlimit: 'np',
  mmap2: 'mMnFfx', truncate64: 'Sxx', ftruncate64: 'fxx', stat64: 'Sp', lstat64: 'Sp', fstat64: 'fp',
  getgroups32: 'np', setuid32: 'x', setgid32: 'x', madvise: 'mMn', getdents64: 'fbl', fcntl64: 'fnx', tkill: 'Ps',
  futex: 'pnxppx', sched_setaffinity: 'Plp', sched_getaffinity: 'Plp', set_thread_area: 'p', get_thread_area: 'p',
  set_tid_address: 'p', clock_settime: 'np', clock_gettime: 'np', clock_getres: 'np', clock_nanosleep: 'nFpp',
  statfs64: 'Slp', fstatfs64: 'flp', tgkill: 'PPs', waitid: 'nPpFp', openat: 'fSFn', mkdirat: 'fSn', fstatat64: 'fSpF',
  unlinkat: 'fSF', renameat: 'fSfS', linkat: 'fSfSF', symlinkat: 'SfS', readlinkat: 'fSbl', fchmodat: 'fSn',
  faccessat: 'fSn', pselect6: 'npppppp', ppoll: 'Qnppn', set_robust_list: 'pl', get_robust_list: 'Ppp', getcpu: 'ppp',
  utimensat: 'fSpF', eventfd: 'xF', fallocate: 'fnxxxx', dup3: 'ffF', pipe2: 'pF', prlimit64: 'Pnpp', getrandom: 'blF',
  statx: 'fSFxp', clock_gettime64: 'np', clock_settime64: 'np', clock_getres_time64: 'np', clock_nanosleep_time64: 'nFpp',
  utimensat_time64: 'fSpF', pselect6_time64: 'npppppp', ppoll_time64: 'Qnppn', futex_time64: 'pnxppx', rseq: 'plnx',
  clone3: 'pl', faccessat2: 'fSnF', renameat2: 'fSfSF',
};

/** Calls never generated inside a sequence (they end it; see the header). */
const NEVER = new Set<number>([NR.exit, NR.exit_group]);
/** Calls whose child (eax = 0) must exit at once. */
export const FORK_LIKE = new Set<number>([NR.fork, NR.vfork, NR.clone, NR.clone3]);
/** Calls whose address arguments are kept off the program's image. */
const MM_CALLS = new Set<number>([NR.munmap, NR.mprotect, NR.mremap, NR.madvise, NR.mmap2, NR.brk, NR.mlock, NR.munlock, NR.msync]);
/** Signal-sending calls: SIGKILL/SIGSTOP only to single workers (pids 3 and up). */
const KILL_CALLS = new Set<number>([NR.kill, NR.tkill, NR.tgkill, NR.rt_sigqueueinfo]);

const IMPLEMENTED = sys_call_table.filter((d) => d !== undefined).map((d) => d!.nr).filter((nr) => !NEVER.has(nr));

/** Calls that nearly always kill the caller (a frame from a random stack), or end the
 *  20 ms SIGALRM (alarm replaces ITIMER_REAL): 1 pick in 20 kept. */
const RARE = new Set<number>([NR.sigreturn, NR.rt_sigreturn, NR.alarm]);

function syscallNumber(r: Gen): number {
  const v = r() % 100;
  if (v < 80) {
    for (;;) {
      const nr = pick(r, IMPLEMENTED);
      if (!RARE.has(nr) || r() % 20 === 0) return nr;
    }
  }
  if (v < 88) { // an unimplemented number of the table's range
    for (;;) {
      const nr = r() % 512;
      if (!sys_call_table[nr] && !NEVER.has(nr)) return nr;
    }
  }
  if (v < 92) return 512 + (r() % 100000);
  if (v < 96) return -1 - (r() % 1000);
  return pick(r, [0x7fffffff, 0x80000000, 0xffffffff, 511, 512, 0x100, 0x10000 + NR.getpid, 0x100000000 - NR.exit]);
}

function generateCall(r: Gen, a: ArgGen): FuzzCall & { text: Array<string | number> } {
  const nr = syscallNumber(r);
  const def = nr >= 0 && nr < 512 ? sys_call_table[nr] : undefined;
  const sig = def ? SIGNATURES[def.name] ?? 'xxxxxx' : 'xxxxxx';
  const mm = MM_CALLS.has(nr);
  const text: Array<string | number> = [];
  for (let i = 0; i < 6; i++) {
    const c = sig[i] ?? 'x';
    let v: string | number;
    if (r() % 12 === 0) v = a.any(); // now and then, anything at all
    else {
      switch (c) {
        case 'p': v = a.ptr(); break;
        case 'b': v = a.buf(); break;
        case 'S': v = a.path(); break;
        case 'l': case 'M': v = a.len(); break;
        case 'f': v = a.fd(); break;
        case 'F': v = a.bits(); break;
        case 's': v = a.sig(); break;
        case 'P': v = a.pid(); break;
        case 'n': v = a.small(); break;
        case 'C': v = a.cloneFlags(); break;
        case 'I': v = r() % 4 === 0 ? a.ptr() : `iov + ${8 * (r() % IOV.length)}`; break;
        case 'A': v = r() % 4 === 0 ? a.ptr() : `argv + ${4 * (r() % ARGV.length)}`; break;
        case 'Q': v = r() % 4 === 0 ? a.ptr() : `pollfds + ${8 * (r() % 8)}`; break;
        case 'm': v = r() % 4 === 0 ? a.ptr(true) : pick(r, [REGION, REGION + 0x2000, REGION + 0x3000, SHARED, 0x60000000, 0, 0x1000, 0xc0000000, 'bufs', 'zbuf', 'bufs + 4096']); break;
        default: v = a.any();
      }
    }
    text.push(v);
  }
  if (mm) keepOffImage(nr, text);
  keepAlarm(r, nr, text);
  if (KILL_CALLS.has(nr)) {
    const pidArg = nr === NR.tgkill ? 1 : 0;
    const sigArg = nr === NR.tgkill ? 2 : 1;
    const s = (Number(text[sigArg]) >>> 0);
    const p = Number(text[pidArg]) | 0;
    if ((s === 9 || s === 19) && (p <= 2 || (nr === NR.tgkill && (Number(text[0]) | 0) <= 2))) text[sigArg] = 15;
  }
  return { nr, args: text.map((v) => (typeof v === 'number' ? v | 0 : 0)), text };
}

/** The SIGALRM every 20 ms is what interrupts blocking calls: most of the time, leave it
 *  unblocked, handled and running (1 call in 10 may still block it, reset its handler or
 *  take over ITIMER_REAL). */
function keepAlarm(r: Gen, nr: number, text: Array<string | number>): void {
  if (r() % 10 === 0) return;
  switch (nr) {
    case NR.rt_sigprocmask: case NR.sigprocmask: case NR.rt_sigsuspend:
      if (r() % 4 !== 0) text[nr === NR.rt_sigsuspend ? 0 : 1] = pick(r, ['mask_none', 'mask_all', 'mask_rand']);
      break;
    case NR.sigsuspend: case NR.ssetmask:
      text[0] = (Number(text[0]) & ~(1 << 13)) | 0;
      break;
    case NR.rt_sigaction: case NR.sigaction: case NR.signal:
      if (Number(text[0]) === 14) text[0] = 15;
      break;
    case NR.setitimer:
      if (Number(text[0]) === 0) text[0] = 1;
      break;
  }
}

/** A memory call's ranges [addr, addr+len) must not reach the image (0x08048000-IMAGE_END):
 *  below it, the length is clamped; a symbolic address (bufs/zbuf) lies above .text. */
function keepOffImage(nr: number, text: Array<string | number>): void {
  const clamp = (ai: number, li: number) => {
    const addr = text[ai];
    if (typeof addr !== 'number') return;
    const a = addr >>> 0;
    const l = Number(text[li]) >>> 0;
    if (a < TEXT_END_LIMIT && a + l > TEXT_END_LIMIT) text[li] = Math.max(0, TEXT_END_LIMIT - a);
    else if (a >= TEXT_END_LIMIT && a < IMAGE_END) text[ai] = REGION; // .text itself (pool pointers)
  };
  if (nr === NR.brk) {
    const a = text[0];
    if (typeof a === 'number' && (a >>> 0) < IMAGE_END) text[0] = 0;
    return;
  }
  clamp(0, 1);
  if (nr === NR.mremap) {
    clamp(4, 2); // MREMAP_FIXED's new address and the new length
    const a = text[0];
    if (typeof a === 'number' && (a >>> 0) < TEXT_END_LIMIT && (a >>> 0) + (Number(text[2]) >>> 0) > TEXT_END_LIMIT) text[2] = 0;
  }
}

function quote(s: string): string {
  const bytes = [...Buffer.from(s, 'latin1'), 0];
  return bytes.join(', ');
}

const REGS = ['ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp'];

/** The program for a seed. */
export function generateSyscallProgram(seed: number, opts: SyscallFuzzOptions = {}): SyscallProgram {
  const r = mulberry32(seed);
  const procs = opts.procs ?? 2 + (r() % 7);
  const calls = opts.calls ?? 200;
  const bufsPages = 4;
  const a = new ArgGen(r, bufsPages);
  const lines: string[] = [];
  const emit = (...l: string[]) => lines.push(...l);
  const sys = (nr: number, ...args: Array<number | string>) => {
    args.forEach((v, i) => emit(`        mov     ${REGS[i]}, ${v}`));
    emit(`        mov     eax, ${nr}`, '        int     0x80');
  };

  emit('BITS 32', 'section .text', 'global _start', '_start:');
  // Handlers (inherited by every worker) for most signals, or only for SIGALRM.
  const catchAll = true;
  for (let s = 1; s <= 64; s++) {
    if (s === 9 || s === 19 || (!catchAll && s !== 14)) continue;
    sys(NR.rt_sigaction, s, 'fz_sa', 0, 8);
  }
  // The hostile layout.
  sys(NR.mmap2, REGION, 0x4000, 3, 0x32, -1, 0);
  sys(NR.munmap, REGION + 0x1000, 0x1000);
  sys(NR.mprotect, REGION + 0x3000, 0x1000, 1);
  sys(NR.mmap2, SHARED, 0x1000, 3, 0x31, -1, 0);
  sys(NR.open, 'path0', 0x42, 0o644); // fd 3
  sys(NR.pipe, 'pipefd'); // fds 4, 5
  sys(NR.open, 'path7', 2); // fd 6
  sys(NR.mkdir, 'path2', 0o755);

  const workers: SyscallProgram['workers'] = [];
  let threads = 0;
  for (let w = 0; w < procs; w++) {
    const v = r() % 10;
    const kind: WorkerKind = v < 6 ? 'fork' : v < 8 ? 'clone-vm' : 'thread';
    if (kind === 'thread') threads++;
    if (kind === 'fork') sys(NR.fork);
    else sys(NR.clone, kind === 'thread' ? 0x10f00 : 0x100 | 17, `table${w}`, 0, 0, 0);
    emit('        test    eax, eax', `        jz      worker${w}`);
    workers.push({ kind, calls: [] });
  }
  // The main process: reap every worker (__WALL), wait for the threads, exit.
  emit('reap:');
  sys(NR.wait4, -1, 0, 0x40000000, 0);
  emit('        cmp     eax, -10', '        jne     reap', 'threads_wait:',
    `        cmp     dword [thr_done], ${threads}`, '        jae     all_done');
  sys(NR.nanosleep, 'fz_ts', 0);
  emit('        jmp     threads_wait', 'all_done:');
  sys(NR.exit_group, 0);

  // The workers: each runs its table (in .data) with esp as the cursor — 8 dwords a call:
  // kind (0 a call, 1 a fork-like call, 2 the end of a process, 3 the end of a thread),
  // ebx, ecx, edx, esi, edi, ebp, eax. The stack is not needed otherwise, and signal frames
  // land below esp, on the table's spent part (or the padding before it). A fork-like
  // call's child, which may have another esp, exits without touching the stack.
  for (let w = 0; w < procs; w++) {
    emit(`worker${w}:`, `        mov     esp, table${w}`);
    sys(NR.setitimer, 0, 'fz_itv', 0);
    emit('        jmp     fuzz_begin');
  }
  emit('fuzz_begin:', '        pop     eax', '        test    eax, eax', '        jnz     fz_special',
    '        pop     ebx', '        pop     ecx', '        pop     edx', '        pop     esi', '        pop     edi',
    '        pop     ebp', '        pop     eax', '        int     0x80', '        jmp     fuzz_begin',
    'fz_special:', '        cmp     eax, 2', '        jae     fz_end',
    '        pop     ebx', '        pop     ecx', '        pop     edx', '        pop     esi', '        pop     edi',
    '        pop     ebp', '        pop     eax', '        int     0x80', '        test    eax, eax', '        jnz     fuzz_begin');
  sys(NR.exit, 0);
  emit('fz_end:', '        je      fz_end_process', '        lock inc dword [thr_done]');
  sys(NR.exit, 0);
  emit('fz_end_process:');
  sys(NR.exit_group, 0);
  const tables: string[] = [];
  for (let w = 0; w < procs; w++) {
    tables.push('align 4096', `        times 2048 db 0`, `table${w}:`);
    for (let i = 0; i < calls; i++) {
      const c = generateCall(r, a);
      workers[w].calls.push({ nr: c.nr, args: c.args });
      tables.push(`        dd ${FORK_LIKE.has(c.nr) ? 1 : 0}, ${c.text.join(', ')}, ${c.nr | 0}`);
    }
    tables.push(`        dd ${workers[w].kind === 'thread' ? 3 : 2}`);
  }
  emit('fuzz_end:', 'fz_handler:', '        ret', 'fz_restorer:');
  sys(NR.rt_sigreturn);

  emit('section .rodata', 'ro_data:', 'fz_sa:   dd fz_handler, 0x04000004, fz_restorer, 0, 0',
    'fz_itv:  dd 0, 20000, 0, 20000', 'fz_ts:   dd 0, 20000000');
  // Signal masks for the mask calls (all but SIGALRM, bit 13).
  emit(`mask_none: dd 0, 0`, `mask_all: dd ${~(1 << 13) | 0}, -1`, `mask_rand: dd ${(r() & ~(1 << 13)) | 0}, ${r() | 0}`);
  PATHS.forEach((p, i) => emit(`rpath${i}: db ${quote(p)}`));
  emit('section .data', ...tables, 'align 4096', 'bufs:');
  // Seeded contents: random dwords, with small values and zeros mixed in (sizes, counts).
  for (let i = 0; i < (bufsPages * 4096) / 4; i += 8) {
    const d: number[] = [];
    for (let j = 0; j < 8; j++) {
      const v = r() % 4;
      d.push(v === 0 ? 0 : v === 1 ? r() % 64 : v === 2 ? r() % 4096 : r());
    }
    emit(`        dd ${d.join(', ')}`);
  }
  PATHS.forEach((p, i) => emit(`path${i}: db ${quote(p)}`));
  emit('align 4', `iov: dd ${IOV.map(([b, l]) => `${b}, ${l | 0}`).join(', ')}`, `argv: dd ${ARGV.join(', ')}`);
  const pollfd = () => `${pick(r, [0, 1, 2, 3, 4, 5, 6, -1, 1024, 99])}, ${r() & 0xffff}`; // fd, events | revents << 16
  emit(`pollfds: dd ${Array.from({ length: 12 }, pollfd).join(', ')}`);
  emit('section .bss', 'alignb 4096', `zbuf: resb ${4 * 4096}`, 
    'pipefd: resd 2', 'thr_done: resd 1');
  return { source: lines.join('\n') + '\n', workers };
}
