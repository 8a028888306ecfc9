// How `forkbox run --strace` shows each syscall's arguments and return value: strace's
// formats (strace's own decoders, src/*.c, reduced), in one table.
//
// SYSCALL_FORMATS maps a syscall name (abi.ts NR) to its argument formats, in the order
// strace prints them, and the format of its return value. An argument format is a code,
// optionally:
//     >code     an output argument: decoded when the syscall returns (read's buffer,
//               wait4's status); the arguments before the first one are printed at entry
//               (what strace shows before `<unfinished ...>`)
//     code@N    takes raw argument N (ebx=0, ecx=1 …) instead of the next one in order
// The codes are the keys of ARG_FORMATS below; a formatter may return null to leave its
// argument out (open's mode without O_CREAT, clone's tid pointers without their flags).
//
// Memory is read with umem.ts (never faulting). Unreadable memory shows as its address,
// as strace does; strings are quoted and escaped as strace quotes them and cut at
// STRACE_STRLEN (32) bytes with `...` after the quote. Errors: `= -1 ENOENT (No such
// file or directory)`; the kernel's restart codes: `= ? ERESTARTSYS (To be restarted if
// SA_RESTART is set)`.

import type { Kernel } from '../guest/kernel.js';
import type { MmStruct } from '../guest/mm.js';
import type { Task } from '../guest/task.js';
import {
  CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, CLONE_PIDFD, CLONE_SETTLS, CSIGNAL, E, NR, SIGNAL_NAMES,
} from '../guest/abi.js';
import { peekString, peekU32, peekUser } from './umem.js';

/** strace's default -s: the longest string shown. */
export const STRACE_STRLEN = 32;
/** The longest path shown (strace prints paths whole, up to PATH_MAX). */
const PATH_MAX = 4096;

/** What a formatter sees. */
export interface DecodeCtx {
  k: Kernel;
  t: Task;
  mm: MmStruct | null;
  /** The six raw argument registers (ebx, ecx, edx, esi, edi, ebp), as int32. */
  args: number[];
  /** The user ESP at entry (sigreturn finds its frame there). */
  esp: number;
  /** The return value (exit only). */
  ret: number;
  exiting: boolean;
  /** Set by a formatter that could not read memory it wanted (shown as an address). */
  missed: boolean;
}

/** Formats raw argument `v` (argument number i). */
type ArgFormatter = (c: DecodeCtx, v: number, i: number) => string | null;

export interface SyscallFormat {
  args: string[];
  /** 'd' signed decimal (default), 'x' hex address, 'o' octal, 'none' (never returns: `= ?`). */
  ret?: 'd' | 'x' | 'o' | 'none';
  /** Do not decode the entry arguments again at exit (execve: the memory is gone). */
  noRedecode?: boolean;
}

// ---------------------------------------------------------------------------------
// Numbers, names, strings.

export function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

export function ptr(v: number): string {
  return v === 0 ? 'NULL' : hex(v);
}

/** strace's string_quote: printable ASCII as is, C escapes, octal for the rest. */
export function quoteBytes(b: Uint8Array, ellipsis: boolean): string {
  let s = '"';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    switch (c) {
      case 0x22: s += '\\"'; continue;
      case 0x5c: s += '\\\\'; continue;
      case 0x0c: s += '\\f'; continue;
      case 0x0a: s += '\\n'; continue;
      case 0x0d: s += '\\r'; continue;
      case 0x09: s += '\\t'; continue;
      case 0x0b: s += '\\v'; continue;
    }
    if (c >= 0x20 && c < 0x7f) {
      s += String.fromCharCode(c);
      continue;
    }
    s += '\\';
    const next = i + 1 < b.length ? b[i + 1] : -1;
    if (next >= 0x30 && next <= 0x37) {
      s += String(c >> 6) + String((c >> 3) & 7);
    } else if (c >> 3 !== 0) {
      if (c >> 6 !== 0) s += String(c >> 6);
      s += String((c >> 3) & 7);
    }
    s += String(c & 7);
  }
  return `${s}"${ellipsis ? '...' : ''}`;
}

/** A buffer of `len` bytes at addr: at most STRACE_STRLEN shown. */
function printBuf(c: DecodeCtx, addr: number, len: number): string {
  if (addr === 0) return 'NULL';
  if (len <= 0) return '""';
  const n = Math.min(len, STRACE_STRLEN);
  const b = peekUser(c.k, c.mm, addr, n);
  if (b === null) {
    c.missed = true;
    return hex(addr);
  }
  return quoteBytes(b, len > n);
}

/** A NUL-terminated string (cut at `max` bytes with `...`). */
function printStr(c: DecodeCtx, addr: number, max = STRACE_STRLEN): string {
  if (addr === 0) return 'NULL';
  const r = peekString(c.k, c.mm, addr, max);
  if (r === null) {
    c.missed = true;
    return hex(addr);
  }
  if (!r.terminated && r.bytes.length < max) c.missed = true; // ran into an unreadable page
  return quoteBytes(r.bytes, !r.terminated);
}

/** Signal names: SIGCHLD …, SIGRT_n above 32 (strace's names), plain numbers otherwise. */
export function signame(sig: number): string {
  if (SIGNAL_NAMES[sig]) return SIGNAL_NAMES[sig];
  if (sig >= 32 && sig <= 64) return `SIGRT_${sig - 32}`;
  return String(sig);
}

/** Flags: the names of the known bits joined by |, the rest in hex; 0 as `zero`. */
export function flagsStr(v: number, table: Array<[number, string]>, zero = '0'): string {
  v >>>= 0;
  if (v === 0) return zero;
  const out: string[] = [];
  for (const [bit, name] of table) {
    if (bit !== 0 && (v & bit) >>> 0 === bit >>> 0) {
      out.push(name);
      v = (v & ~bit) >>> 0;
    }
  }
  if (v !== 0) out.push(hex(v));
  return out.join('|');
}

function xlat(v: number, table: Record<number, string>, fallback = String(v)): string {
  return table[v] ?? fallback;
}

// ---------------------------------------------------------------------------------
// errno (glibc's strerror texts) and the return value.

export const ERRNO_TEXT: Record<number, [string, string]> = {
  [E.EPERM]: ['EPERM', 'Operation not permitted'],
  [E.ENOENT]: ['ENOENT', 'No such file or directory'],
  [E.ESRCH]: ['ESRCH', 'No such process'],
  [E.EINTR]: ['EINTR', 'Interrupted system call'],
  [E.EIO]: ['EIO', 'Input/output error'],
  [E.ENXIO]: ['ENXIO', 'No such device or address'],
  [E.E2BIG]: ['E2BIG', 'Argument list too long'],
  [E.ENOEXEC]: ['ENOEXEC', 'Exec format error'],
  [E.EBADF]: ['EBADF', 'Bad file descriptor'],
  [E.ECHILD]: ['ECHILD', 'No child processes'],
  [E.EAGAIN]: ['EAGAIN', 'Resource temporarily unavailable'],
  [E.ENOMEM]: ['ENOMEM', 'Cannot allocate memory'],
  [E.EACCES]: ['EACCES', 'Permission denied'],
  [E.EFAULT]: ['EFAULT', 'Bad address'],
  [E.ENOTBLK]: ['ENOTBLK', 'Block device required'],
  [E.EBUSY]: ['EBUSY', 'Device or resource busy'],
  [E.EEXIST]: ['EEXIST', 'File exists'],
  [E.EXDEV]: ['EXDEV', 'Invalid cross-device link'],
  [E.ENODEV]: ['ENODEV', 'No such device'],
  [E.ENOTDIR]: ['ENOTDIR', 'Not a directory'],
  [E.EISDIR]: ['EISDIR', 'Is a directory'],
  [E.EINVAL]: ['EINVAL', 'Invalid argument'],
  [E.ENFILE]: ['ENFILE', 'Too many open files in system'],
  [E.EMFILE]: ['EMFILE', 'Too many open files'],
  [E.ENOTTY]: ['ENOTTY', 'Inappropriate ioctl for device'],
  [E.ETXTBSY]: ['ETXTBSY', 'Text file busy'],
  [E.EFBIG]: ['EFBIG', 'File too large'],
  [E.ENOSPC]: ['ENOSPC', 'No space left on device'],
  [E.ESPIPE]: ['ESPIPE', 'Illegal seek'],
  [E.EROFS]: ['EROFS', 'Read-only file system'],
  [E.EMLINK]: ['EMLINK', 'Too many links'],
  [E.EPIPE]: ['EPIPE', 'Broken pipe'],
  [E.EDOM]: ['EDOM', 'Numerical argument out of domain'],
  [E.ERANGE]: ['ERANGE', 'Numerical result out of range'],
  [E.EDEADLK]: ['EDEADLK', 'Resource deadlock avoided'],
  [E.ENAMETOOLONG]: ['ENAMETOOLONG', 'File name too long'],
  [E.ENOLCK]: ['ENOLCK', 'No locks available'],
  [E.ENOSYS]: ['ENOSYS', 'Function not implemented'],
  [E.ENOTEMPTY]: ['ENOTEMPTY', 'Directory not empty'],
  [E.ELOOP]: ['ELOOP', 'Too many levels of symbolic links'],
  [E.EOVERFLOW]: ['EOVERFLOW', 'Value too large for defined data type'],
  [E.ENOTSUP]: ['EOPNOTSUPP', 'Operation not supported'],
  [E.ETIMEDOUT]: ['ETIMEDOUT', 'Connection timed out'],
};

/** The kernel's restart codes, which strace shows with `= ?` (user space never sees them). */
const RESTART_TEXT: Record<number, [string, string]> = {
  [E.ERESTARTSYS]: ['ERESTARTSYS', 'To be restarted if SA_RESTART is set'],
  [E.ERESTARTNOINTR]: ['ERESTARTNOINTR', 'To be restarted'],
  [E.ERESTARTNOHAND]: ['ERESTARTNOHAND', 'To be restarted if no handler'],
  [E.ERESTART_RESTARTBLOCK]: ['ERESTART_RESTARTBLOCK', 'Interrupted by signal'],
};

/** ` = 3`, ` = -1 ENOENT (No such file or directory)`, ` = 0x804c000` … */
export function formatReturn(ret: number, kind: SyscallFormat['ret'] = 'd'): string {
  if (kind === 'none') return ' = ?';
  ret |= 0;
  if (ret < 0 && ret >= -4095) {
    const restart = RESTART_TEXT[-ret];
    if (restart) return ` = ? ${restart[0]} (${restart[1]})`;
    const e = ERRNO_TEXT[-ret];
    return e ? ` = -1 ${e[0]} (${e[1]})` : ` = -1 ERRNO_${-ret} (Unknown error ${-ret})`;
  }
  if (kind === 'x') return ` = ${hex(ret)}`;
  if (kind === 'o') return ` = 0${(ret >>> 0).toString(8)}`;
  return ` = ${ret}`;
}

// ---------------------------------------------------------------------------------
// Flag tables.

const CLONE_FLAG_NAMES: Array<[number, string]> = [
  [0x00000100, 'CLONE_VM'], [0x00000200, 'CLONE_FS'], [0x00000400, 'CLONE_FILES'], [0x00000800, 'CLONE_SIGHAND'],
  [0x00001000, 'CLONE_PIDFD'], [0x00002000, 'CLONE_PTRACE'], [0x00004000, 'CLONE_VFORK'], [0x00008000, 'CLONE_PARENT'],
  [0x00010000, 'CLONE_THREAD'], [0x00020000, 'CLONE_NEWNS'], [0x00040000, 'CLONE_SYSVSEM'], [0x00080000, 'CLONE_SETTLS'],
  [0x00100000, 'CLONE_PARENT_SETTID'], [0x00200000, 'CLONE_CHILD_CLEARTID'], [0x00400000, 'CLONE_DETACHED'],
  [0x00800000, 'CLONE_UNTRACED'], [0x01000000, 'CLONE_CHILD_SETTID'], [0x02000000, 'CLONE_NEWCGROUP'],
  [0x04000000, 'CLONE_NEWUTS'], [0x08000000, 'CLONE_NEWIPC'], [0x10000000, 'CLONE_NEWUSER'], [0x20000000, 'CLONE_NEWPID'],
  [0x40000000, 'CLONE_NEWNET'], [0x80000000, 'CLONE_IO'],
];

/** clone flags as strace prints them: CLONE_VM|CLONE_VFORK|SIGCHLD. */
export function cloneFlagsStr(v: number): string {
  const sig = v & CSIGNAL;
  const flags = v & ~CSIGNAL;
  if (flags === 0) return sig ? signame(sig) : '0';
  return flagsStr(flags, CLONE_FLAG_NAMES) + (sig ? `|${signame(sig)}` : '');
}

const OPEN_FLAG_NAMES: Array<[number, string]> = [
  [0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o400, 'O_NOCTTY'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'], [0o4010000, 'O_SYNC'], [0o10000, 'O_DSYNC'], [0o20000, 'O_ASYNC'], [0o40000, 'O_DIRECT'],
  [0o100000, 'O_LARGEFILE'], [0o200000, 'O_DIRECTORY'], [0o400000, 'O_NOFOLLOW'], [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'], [0o10000000, 'O_PATH'], [0o20200000, 'O_TMPFILE'],
];

export function openFlagsStr(v: number): string {
  const acc = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][v & 3];
  const rest = v & ~3;
  return rest === 0 ? acc : `${acc}|${flagsStr(rest, OPEN_FLAG_NAMES)}`;
}

const PROT_NAMES: Array<[number, string]> = [
  [0x1, 'PROT_READ'], [0x2, 'PROT_WRITE'], [0x4, 'PROT_EXEC'], [0x8, 'PROT_SEM'],
  [0x01000000, 'PROT_GROWSDOWN'], [0x02000000, 'PROT_GROWSUP'],
];

export function protStr(v: number): string {
  return flagsStr(v, PROT_NAMES, 'PROT_NONE');
}

const MAP_FLAG_NAMES: Array<[number, string]> = [
  [0x10, 'MAP_FIXED'], [0x20, 'MAP_ANONYMOUS'], [0x40, 'MAP_32BIT'], [0x100, 'MAP_GROWSDOWN'],
  [0x800, 'MAP_DENYWRITE'], [0x1000, 'MAP_EXECUTABLE'], [0x2000, 'MAP_LOCKED'], [0x4000, 'MAP_NORESERVE'],
  [0x8000, 'MAP_POPULATE'], [0x10000, 'MAP_NONBLOCK'], [0x20000, 'MAP_STACK'], [0x40000, 'MAP_HUGETLB'],
  [0x80000, 'MAP_SYNC'], [0x100000, 'MAP_FIXED_NOREPLACE'],
];

export function mapFlagsStr(v: number): string {
  const type = ['0', 'MAP_SHARED', 'MAP_PRIVATE', 'MAP_SHARED_VALIDATE'][v & 0xf] ?? hex(v & 0xf);
  const rest = v & ~0xf;
  return rest === 0 ? type : `${type}|${flagsStr(rest, MAP_FLAG_NAMES)}`;
}

const WAIT_OPTION_NAMES: Array<[number, string]> = [
  [0x1, 'WNOHANG'], [0x2, 'WUNTRACED'], [0x4, 'WEXITED'], [0x8, 'WCONTINUED'], [0x01000000, 'WNOWAIT'],
  [0x20000000, '__WNOTHREAD'], [0x40000000, '__WALL'], [0x80000000, '__WCLONE'],
];

export function waitOptionsStr(v: number): string {
  return flagsStr(v, WAIT_OPTION_NAMES);
}

/** A wait status as strace shows it: {WIFEXITED(s) && WEXITSTATUS(s) == 0} … */
export function waitStatusStr(s: number): string {
  const sig = s & 0x7f;
  if (sig === 0) return `{WIFEXITED(s) && WEXITSTATUS(s) == ${(s >> 8) & 0xff}}`;
  if (sig === 0x7f) {
    if (((s >> 8) & 0xff) === 0xff || s === 0xffff) return '{WIFCONTINUED(s)}';
    return `{WIFSTOPPED(s) && WSTOPSIG(s) == ${signame((s >> 8) & 0xff)}}`;
  }
  if (s === 0xffff) return '{WIFCONTINUED(s)}';
  return `{WIFSIGNALED(s) && WTERMSIG(s) == ${signame(sig)}${s & 0x80 ? ' && WCOREDUMP(s)' : ''}}`;
}

const SA_FLAG_NAMES: Array<[number, string]> = [
  [0x04000000, 'SA_RESTORER'], [0x08000000, 'SA_ONSTACK'], [0x10000000, 'SA_RESTART'], [0x40000000, 'SA_NODEFER'],
  [0x80000000, 'SA_RESETHAND'], [0x00000004, 'SA_SIGINFO'], [0x00000001, 'SA_NOCLDSTOP'], [0x00000002, 'SA_NOCLDWAIT'],
];

/** A signal set as strace prints it: [CHLD USR1], or ~[…] when most are set. */
export function sigsetStr(lo: number, hi: number): string {
  const set: number[] = [];
  const unset: number[] = [];
  for (let sig = 1; sig <= 64; sig++) {
    const bit = sig <= 32 ? (lo >>> (sig - 1)) & 1 : (hi >>> (sig - 33)) & 1;
    (bit ? set : unset).push(sig);
  }
  const name = (sig: number) => (SIGNAL_NAMES[sig] ? SIGNAL_NAMES[sig].slice(3) : `RT_${sig - 32}`);
  if (set.length > 32) return `~[${unset.map(name).join(' ')}]`;
  return `[${set.map(name).join(' ')}]`;
}

const CLOCK_NAMES: Record<number, string> = {
  0: 'CLOCK_REALTIME', 1: 'CLOCK_MONOTONIC', 2: 'CLOCK_PROCESS_CPUTIME_ID', 3: 'CLOCK_THREAD_CPUTIME_ID',
  4: 'CLOCK_MONOTONIC_RAW', 5: 'CLOCK_REALTIME_COARSE', 6: 'CLOCK_MONOTONIC_COARSE', 7: 'CLOCK_BOOTTIME',
};

const FUTEX_OPS: Record<number, string> = {
  0: 'FUTEX_WAIT', 1: 'FUTEX_WAKE', 2: 'FUTEX_FD', 3: 'FUTEX_REQUEUE', 4: 'FUTEX_CMP_REQUEUE', 5: 'FUTEX_WAKE_OP',
  6: 'FUTEX_LOCK_PI', 7: 'FUTEX_UNLOCK_PI', 8: 'FUTEX_TRYLOCK_PI', 9: 'FUTEX_WAIT_BITSET', 10: 'FUTEX_WAKE_BITSET',
};

const FCNTL_CMDS: Record<number, string> = {
  0: 'F_DUPFD', 1: 'F_GETFD', 2: 'F_SETFD', 3: 'F_GETFL', 4: 'F_SETFL', 5: 'F_GETLK', 6: 'F_SETLK', 7: 'F_SETLKW',
  8: 'F_SETOWN', 9: 'F_GETOWN', 12: 'F_GETLK64', 13: 'F_SETLK64', 14: 'F_SETLKW64', 1030: 'F_DUPFD_CLOEXEC',
};

const IOCTL_NAMES: Record<number, string> = {
  0x5401: 'TCGETS', 0x5402: 'TCSETS', 0x5403: 'TCSETSW', 0x5404: 'TCSETSF', 0x540f: 'TIOCGPGRP', 0x5410: 'TIOCSPGRP',
  0x5413: 'TIOCGWINSZ', 0x5414: 'TIOCSWINSZ', 0x541b: 'FIONREAD', 0x5421: 'FIONBIO',
};

const SIGPROCMASK_HOW: Record<number, string> = { 0: 'SIG_BLOCK', 1: 'SIG_UNBLOCK', 2: 'SIG_SETMASK' };
const WHENCE: Record<number, string> = { 0: 'SEEK_SET', 1: 'SEEK_CUR', 2: 'SEEK_END', 3: 'SEEK_DATA', 4: 'SEEK_HOLE' };
const ITIMERS: Record<number, string> = { 0: 'ITIMER_REAL', 1: 'ITIMER_VIRTUAL', 2: 'ITIMER_PROF' };
const RUSAGE_WHO: Record<number, string> = { 0: 'RUSAGE_SELF', [-1]: 'RUSAGE_CHILDREN', 1: 'RUSAGE_THREAD' };
const RLIMITS: Record<number, string> = {
  0: 'RLIMIT_CPU', 1: 'RLIMIT_FSIZE', 2: 'RLIMIT_DATA', 3: 'RLIMIT_STACK', 4: 'RLIMIT_CORE', 5: 'RLIMIT_RSS',
  6: 'RLIMIT_NPROC', 7: 'RLIMIT_NOFILE', 8: 'RLIMIT_MEMLOCK', 9: 'RLIMIT_AS',
};
const ACCESS_MODES: Array<[number, string]> = [[4, 'R_OK'], [2, 'W_OK'], [1, 'X_OK']];
const MSYNC_FLAGS: Array<[number, string]> = [[1, 'MS_ASYNC'], [2, 'MS_INVALIDATE'], [4, 'MS_SYNC']];
const AT_FLAGS: Array<[number, string]> = [
  [0x100, 'AT_SYMLINK_NOFOLLOW'], [0x200, 'AT_REMOVEDIR'], [0x400, 'AT_SYMLINK_FOLLOW'], [0x800, 'AT_NO_AUTOMOUNT'],
  [0x1000, 'AT_EMPTY_PATH'],
];
const S_IFMT_NAMES: Record<number, string> = {
  0o140000: 'S_IFSOCK', 0o120000: 'S_IFLNK', 0o100000: 'S_IFREG', 0o60000: 'S_IFBLK', 0o40000: 'S_IFDIR',
  0o20000: 'S_IFCHR', 0o10000: 'S_IFIFO',
};

function octal(v: number): string {
  return `0${(v >>> 0).toString(8)}`;
}

// ---------------------------------------------------------------------------------
// Structures in user memory.

function u32s(c: DecodeCtx, addr: number, n: number): number[] | null {
  const b = peekUser(c.k, c.mm, addr, n * 4);
  if (b === null) {
    c.missed = true;
    return null;
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((b[i * 4] | (b[i * 4 + 1] << 8) | (b[i * 4 + 2] << 16) | (b[i * 4 + 3] << 24)) | 0);
  return out;
}

function timespec(c: DecodeCtx, addr: number): string {
  if (addr === 0) return 'NULL';
  const w = u32s(c, addr, 2);
  return w ? `{tv_sec=${w[0]}, tv_nsec=${w[1]}}` : hex(addr);
}

function timeval(c: DecodeCtx, addr: number): string {
  if (addr === 0) return 'NULL';
  const w = u32s(c, addr, 2);
  return w ? `{tv_sec=${w[0]}, tv_usec=${w[1]}}` : hex(addr);
}

function sigset(c: DecodeCtx, addr: number, words = 2): string {
  if (addr === 0) return 'NULL';
  const w = u32s(c, addr, words);
  return w ? sigsetStr(w[0], words > 1 ? w[1] : 0) : hex(addr);
}

function sigaction(c: DecodeCtx, addr: number, old: boolean): string {
  if (addr === 0) return 'NULL';
  const w = u32s(c, addr, old ? 4 : 5);
  if (!w) return hex(addr);
  // rt: handler, flags, restorer, mask[2]; old: handler, mask, flags, restorer.
  const [handler, flags, restorer, mlo, mhi] = old ? [w[0], w[2], w[3], w[1], 0] : w;
  const h = handler === 0 ? 'SIG_DFL' : handler === 1 ? 'SIG_IGN' : hex(handler);
  let s = `{sa_handler=${h}, sa_mask=${sigsetStr(mlo, mhi)}, sa_flags=${flagsStr(flags, SA_FLAG_NAMES)}`;
  if (flags & 0x04000000) s += `, sa_restorer=${hex(restorer)}`;
  return `${s}}`;
}

function stat64(c: DecodeCtx, addr: number): string {
  if (addr === 0) return 'NULL';
  const w = u32s(c, addr, 24);
  if (!w) return hex(addr);
  const mode = w[4] >>> 0;
  const type = S_IFMT_NAMES[mode & 0o170000] ?? octal(mode & 0o170000);
  return `{st_mode=${type}|${octal(mode & 0o7777)}, st_size=${w[11] >>> 0}, ...}`;
}

function argvStr(c: DecodeCtx, addr: number): string {
  if (addr === 0) return 'NULL';
  const parts: string[] = [];
  for (let i = 0; ; i++) {
    const p = peekU32(c.k, c.mm, addr + i * 4);
    if (p === null) {
      c.missed = true;
      return i === 0 ? hex(addr) : `[${parts.join(', ')}, ...]`;
    }
    if (p === 0) break;
    if (i >= STRACE_STRLEN) return `[${parts.join(', ')}, ...]`;
    parts.push(printStr(c, p));
  }
  return `[${parts.join(', ')}]`;
}

function envpStr(c: DecodeCtx, addr: number): string {
  if (addr === 0) return 'NULL';
  let n = 0;
  for (; n < 65536; n++) {
    const p = peekU32(c.k, c.mm, addr + n * 4);
    if (p === null) {
      c.missed = true;
      return hex(addr);
    }
    if (p === 0) break;
  }
  return `${hex(addr)} /* ${n} var${n === 1 ? '' : 's'} */`;
}

function iovec(c: DecodeCtx, addr: number, count: number, lenLimit: number | null): string {
  if (addr === 0) return 'NULL';
  const n = Math.min(count >>> 0, STRACE_STRLEN);
  const w = u32s(c, addr, n * 2);
  if (!w) return hex(addr);
  const parts: string[] = [];
  let left = lenLimit ?? Infinity;
  for (let i = 0; i < n; i++) {
    const base = w[i * 2] >>> 0;
    const len = w[i * 2 + 1] >>> 0;
    const show = Math.max(0, Math.min(len, left));
    left -= show;
    parts.push(`{iov_base=${lenLimit === null && show === 0 && len > 0 ? hex(base) : printBuf(c, base, show)}, iov_len=${len}}`);
  }
  return `[${parts.join(', ')}${(count >>> 0) > n ? ', ...' : ''}]`;
}

function userDesc(c: DecodeCtx, addr: number): string {
  if (addr === 0) return 'NULL';
  const w = u32s(c, addr, 4);
  if (!w) return hex(addr);
  const f = w[3];
  return `{entry_number=${w[0]}, base_addr=${hex(w[1])}, limit=${hex(w[2])}, seg_32bit=${f & 1}, contents=${(f >> 1) & 3}, read_exec_only=${(f >> 3) & 1}, limit_in_pages=${(f >> 4) & 1}, seg_not_present=${(f >> 5) & 1}, useable=${(f >> 6) & 1}}`;
}

// ---------------------------------------------------------------------------------
// The argument formatters.

const ok = (c: DecodeCtx): boolean => (c.ret | 0) >= 0 || (c.ret | 0) < -4095;

export const ARG_FORMATS: Record<string, ArgFormatter> = {
  d: (_c, v) => String(v | 0),
  u: (_c, v) => String(v >>> 0),
  x: (_c, v) => hex(v),
  o: (_c, v) => octal(v),
  p: (_c, v) => ptr(v),
  fd: (_c, v) => String(v | 0),
  atfd: (_c, v) => ((v | 0) === -100 ? 'AT_FDCWD' : String(v | 0)),
  path: (c, v) => printStr(c, v, PATH_MAX),
  str: (c, v) => printStr(c, v),
  /** write's buffer: length in the next raw argument. */
  buf: (c, v, i) => printBuf(c, v, c.args[i + 1] ?? 0),
  /** read's buffer, filled with `ret` bytes. */
  obuf: (c, v) => (ok(c) ? printBuf(c, v, c.ret) : hex(v)),
  /** getcwd / readlink: a string of ret bytes (getcwd's includes the NUL). */
  ocwd: (c, v) => (ok(c) ? printBuf(c, v, Math.max(0, c.ret - 1)) : hex(v)),
  ostr: (c, v) => (ok(c) ? printBuf(c, v, c.ret) : hex(v)),
  oflags: (_c, v) => openFlagsStr(v),
  /** open's mode: only with O_CREAT / O_TMPFILE in the flags argument before it. */
  omode: (c, v, i) => (c.args[i - 1] & 0o100 || (c.args[i - 1] & 0o20200000) === 0o20200000 ? octal(v) : null),
  mode: (_c, v) => octal(v),
  prot: (_c, v) => protStr(v),
  mapflags: (_c, v) => mapFlagsStr(v),
  pgoff: (_c, v) => hex((v >>> 0) * 4096),
  waitopts: (_c, v) => waitOptionsStr(v),
  ostatus: (c, v) => {
    if (v === 0) return 'NULL';
    if (!ok(c) || c.ret === 0) return hex(v);
    const w = u32s(c, v, 1);
    return w ? `[${waitStatusStr(w[0])}]` : hex(v);
  },
  sig: (_c, v) => signame(v),
  how: (_c, v) => xlat(v, SIGPROCMASK_HOW),
  sigset: (c, v) => sigset(c, v),
  osigset: (c, v) => (ok(c) ? sigset(c, v) : ptr(v)),
  oldsigset: (c, v) => sigset(c, v, 1),
  /** old sigsuspend's mask: the value itself. */
  sigmask: (_c, v) => sigsetStr(v, 0),
  sigaction: (c, v) => sigaction(c, v, false),
  osigaction: (c, v) => (ok(c) ? sigaction(c, v, false) : ptr(v)),
  oldsigaction: (c, v) => sigaction(c, v, true),
  ooldsigaction: (c, v) => (ok(c) ? sigaction(c, v, true) : ptr(v)),
  timespec: (c, v) => timespec(c, v),
  otimespec: (c, v) => (ok(c) ? timespec(c, v) : ptr(v)),
  /** nanosleep's remainder: written only when interrupted. */
  orem: (c, v) => ((c.ret | 0) < 0 && (c.ret | 0) !== -E.EFAULT && v !== 0 ? timespec(c, v) : ptr(v)),
  otimeval: (c, v) => (ok(c) ? timeval(c, v) : ptr(v)),
  itimerval: (c, v) => {
    if (v === 0) return 'NULL';
    const w = u32s(c, v, 4);
    return w ? `{it_interval={tv_sec=${w[0]}, tv_usec=${w[1]}}, it_value={tv_sec=${w[2]}, tv_usec=${w[3]}}}` : hex(v);
  },
  oitimerval: (c, v, i) => (ok(c) ? ARG_FORMATS.itimerval(c, v, i) : ptr(v)),
  clock: (_c, v) => xlat(v, CLOCK_NAMES),
  clockflags: (_c, v) => (v === 1 ? 'TIMER_ABSTIME' : String(v)),
  opipe: (c, v) => {
    if (!ok(c)) return ptr(v);
    const w = u32s(c, v, 2);
    return w ? `[${w[0]}, ${w[1]}]` : hex(v);
  },
  whence: (_c, v) => xlat(v, WHENCE),
  fcntlcmd: (_c, v) => xlat(v, FCNTL_CMDS),
  /** fcntl's third argument, by the command before it. */
  fcntlarg: (c, v) => {
    const cmd = c.args[1];
    if (cmd === 1 || cmd === 3 || cmd === 9) return null; // F_GETFD, F_GETFL, F_GETOWN
    if (cmd === 2) return v === 1 ? 'FD_CLOEXEC' : String(v);
    if (cmd === 4) return openFlagsStr(v);
    if (cmd >= 5 && cmd <= 7) return hex(v);
    return String(v | 0);
  },
  ioctl: (_c, v) => xlat(v, IOCTL_NAMES, hex(v)),
  access: (_c, v) => flagsStr(v, ACCESS_MODES, 'F_OK'),
  atflags: (_c, v) => flagsStr(v, AT_FLAGS),
  msync: (_c, v) => flagsStr(v, MSYNC_FLAGS),
  futexop: (_c, v) => {
    const base = FUTEX_OPS[v & 0x7f] ?? String(v & 0x7f);
    return base + (v & 128 ? '_PRIVATE' : '') + (v & 256 ? '|FUTEX_CLOCK_REALTIME' : '');
  },
  /** futex's timeout (WAIT: a timespec) or val2 (REQUEUE): by the op. */
  futexarg4: (c, v) => {
    const op = c.args[1] & 0x7f;
    if (op === 0 || op === 9) return timespec(c, v);
    if (op === 3 || op === 4) return String(v | 0);
    return null;
  },
  futexarg5: (c, v) => {
    const op = c.args[1] & 0x7f;
    return op === 3 || op === 4 || op === 5 ? ptr(v) : op === 9 ? 'NULL' : null;
  },
  futexarg6: (c, v) => {
    const op = c.args[1] & 0x7f;
    if (op === 4) return String(v | 0);
    if (op === 9 || op === 10) return v === -1 ? 'FUTEX_BITSET_MATCH_ANY' : hex(v);
    return null;
  },
  /** WAKE and friends stop after val. */
  futexval: (_c, v) => String(v | 0),
  itimer: (_c, v) => xlat(v, ITIMERS),
  rusagewho: (_c, v) => xlat(v | 0, RUSAGE_WHO),
  rlimit: (_c, v) => xlat(v, RLIMITS),
  ostat: (c, v) => (ok(c) ? stat64(c, v) : ptr(v)),
  argv: (c, v) => argvStr(c, v),
  envp: (c, v) => envpStr(c, v),
  iov: (c, v) => iovec(c, v, c.args[2], null),
  oiov: (c, v) => (ok(c) ? iovec(c, v, c.args[2], c.ret) : hex(v)),
  desc: (c, v) => userDesc(c, v),
  ouname: (c, v) => {
    if (!ok(c) || v === 0) return ptr(v);
    const sys = peekString(c.k, c.mm, v, 64);
    const node = peekString(c.k, c.mm, v + 65, 64);
    if (!sys || !node) return hex(v);
    return `{sysname=${quoteBytes(sys.bytes, false)}, nodename=${quoteBytes(node.bytes, false)}, ...}`;
  },
  /** clone(2) on i386: flags, newsp, parent_tidptr, tls, child_tidptr. */
  clonestack: (_c, v) => `child_stack=${ptr(v)}`,
  cloneflags: (_c, v) => `flags=${cloneFlagsStr(v)}`,
  cloneptid: (c, v) => (c.args[0] & (CLONE_PARENT_SETTID | CLONE_PIDFD) ? `parent_tid=${ptr(v)}` : null),
  clonetls: (c, v) => (c.args[0] & CLONE_SETTLS ? `tls=${ptr(v)}` : null),
  clonectid: (c, v) => (c.args[0] & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) ? `child_tidptr=${ptr(v)}` : null),
  /** old mmap(struct mmap_arg_struct *): the six values it points to. */
  oldmmap: (c, v) => {
    const w = u32s(c, v, 6);
    if (!w) return hex(v);
    return `${ptr(w[0])}, ${w[1] >>> 0}, ${protStr(w[2])}, ${mapFlagsStr(w[3])}, ${w[4] | 0}, ${hex(w[5])}`;
  },
  /** _llseek(fd, offset_high, offset_low, result, whence). */
  llseekoff: (c) => String(c.args[1] * 4294967296 + (c.args[2] >>> 0)),
  ollseek: (c, v) => {
    if (!ok(c)) return ptr(v);
    const w = u32s(c, v, 2);
    return w ? `[${(w[1] | 0) * 4294967296 + (w[0] >>> 0)}]` : hex(v);
  },
  /** sigreturn's frame: the mask it restores (sigcontext.oldmask at esp + 80, extramask at
   *  esp + 712 — sigframe.ts); rt_sigreturn's uc_sigmask at esp + 248. */
  sigreturn: (c) => {
    const w = u32s(c, c.esp + 80, 1);
    const x = u32s(c, c.esp + 712, 1);
    return w && x ? `{mask=${sigsetStr(w[0], x[0])}}` : `{mask=?}`;
  },
  rtsigreturn: (c) => {
    const w = u32s(c, c.esp + 248, 2);
    return w ? `{mask=${sigsetStr(w[0], w[1])}}` : `{mask=?}`;
  },
  /** restart_syscall: the interrupted call it resumes (filled by the tracer). */
  restart: () => null,
};

// ---------------------------------------------------------------------------------
// The table.

export const SYSCALL_FORMATS: Record<string, SyscallFormat> = {
  restart_syscall: { args: [] },
  exit: { args: ['d'], ret: 'none' },
  exit_group: { args: ['d'], ret: 'none' },
  fork: { args: [] },
  vfork: { args: [] },
  clone: { args: ['clonestack@1', 'cloneflags@0', 'cloneptid@2', 'clonetls@3', 'clonectid@4'] },
  execve: { args: ['path', 'argv', 'envp'], noRedecode: true },
  read: { args: ['fd', '>obuf', 'u'] },
  write: { args: ['fd', 'buf', 'u'] },
  pread64: { args: ['fd', '>obuf', 'u', 'd'] },
  pwrite64: { args: ['fd', 'buf', 'u', 'd'] },
  readv: { args: ['fd', '>oiov', 'd'] },
  writev: { args: ['fd', 'iov', 'd'] },
  open: { args: ['path', 'oflags', 'omode'] },
  openat: { args: ['atfd', 'path', 'oflags', 'omode'] },
  creat: { args: ['path', 'mode'] },
  close: { args: ['fd'] },
  lseek: { args: ['fd', 'd', 'whence'] },
  _llseek: { args: ['fd', 'llseekoff', '>ollseek@3', 'whence@4'] },
  dup: { args: ['fd'] },
  dup2: { args: ['fd', 'fd'] },
  dup3: { args: ['fd', 'fd', 'oflags'] },
  pipe: { args: ['>opipe'] },
  pipe2: { args: ['>opipe', 'oflags@1'] },
  fcntl: { args: ['fd', 'fcntlcmd', 'fcntlarg'] },
  fcntl64: { args: ['fd', 'fcntlcmd', 'fcntlarg'] },
  ioctl: { args: ['fd', 'ioctl', 'x'] },
  stat64: { args: ['path', '>ostat'] },
  lstat64: { args: ['path', '>ostat'] },
  fstat64: { args: ['fd', '>ostat'] },
  fstatat64: { args: ['atfd', 'path', '>ostat', 'atflags'] },
  stat: { args: ['path', 'p'] },
  lstat: { args: ['path', 'p'] },
  fstat: { args: ['fd', 'p'] },
  access: { args: ['path', 'access'] },
  faccessat: { args: ['atfd', 'path', 'access'] },
  faccessat2: { args: ['atfd', 'path', 'access', 'atflags'] },
  chdir: { args: ['path'] },
  fchdir: { args: ['fd'] },
  getcwd: { args: ['>ocwd', 'u'] },
  mkdir: { args: ['path', 'mode'] },
  mkdirat: { args: ['atfd', 'path', 'mode'] },
  rmdir: { args: ['path'] },
  unlink: { args: ['path'] },
  unlinkat: { args: ['atfd', 'path', 'atflags'] },
  rename: { args: ['path', 'path'] },
  renameat: { args: ['atfd', 'path', 'atfd', 'path'] },
  link: { args: ['path', 'path'] },
  symlink: { args: ['path', 'path'] },
  readlink: { args: ['path', '>ostr', 'u'] },
  readlinkat: { args: ['atfd', 'path', '>ostr', 'u'] },
  chmod: { args: ['path', 'mode'] },
  fchmod: { args: ['fd', 'mode'] },
  umask: { args: ['o'], ret: 'o' },
  truncate: { args: ['path', 'd'] },
  ftruncate: { args: ['fd', 'd'] },
  fsync: { args: ['fd'] },
  fdatasync: { args: ['fd'] },
  getdents: { args: ['fd', 'x', 'u'] },
  getdents64: { args: ['fd', 'x', 'u'] },
  brk: { args: ['p'], ret: 'x' },
  mmap: { args: ['oldmmap'], ret: 'x' },
  mmap2: { args: ['p', 'u', 'prot', 'mapflags', 'fd', 'pgoff'], ret: 'x' },
  munmap: { args: ['p', 'u'] },
  mprotect: { args: ['p', 'u', 'prot'] },
  mremap: { args: ['p', 'u', 'u', 'x', 'p'], ret: 'x' },
  msync: { args: ['p', 'u', 'msync'] },
  madvise: { args: ['p', 'u', 'd'] },
  wait4: { args: ['d', '>ostatus', 'waitopts', 'p'] },
  waitpid: { args: ['d', '>ostatus', 'waitopts'] },
  waitid: { args: ['d', 'd', '>p', 'waitopts', 'p'] },
  getpid: { args: [] },
  getppid: { args: [] },
  gettid: { args: [] },
  getuid: { args: [] },
  getgid: { args: [] },
  geteuid: { args: [] },
  getegid: { args: [] },
  getuid32: { args: [] },
  getgid32: { args: [] },
  geteuid32: { args: [] },
  getegid32: { args: [] },
  getpgrp: { args: [] },
  getpgid: { args: ['d'] },
  setpgid: { args: ['d', 'd'] },
  getsid: { args: ['d'] },
  setsid: { args: [] },
  set_tid_address: { args: ['p'] },
  set_thread_area: { args: ['>desc'] },
  get_thread_area: { args: ['>desc'] },
  set_robust_list: { args: ['p', 'u'] },
  futex: { args: ['p', 'futexop', 'futexval', 'futexarg4', 'futexarg5', 'futexarg6'] },
  sched_yield: { args: [] },
  pause: { args: [] },
  alarm: { args: ['u'] },
  nanosleep: { args: ['timespec', '>orem'] },
  clock_nanosleep: { args: ['clock', 'clockflags', 'timespec', '>orem'] },
  clock_gettime: { args: ['clock', '>otimespec'] },
  clock_getres: { args: ['clock', '>otimespec'] },
  gettimeofday: { args: ['>otimeval', 'p'] },
  time: { args: ['p'] },
  times: { args: ['p'] },
  getitimer: { args: ['itimer', '>oitimerval'] },
  setitimer: { args: ['itimer', 'itimerval', '>oitimerval'] },
  getrusage: { args: ['rusagewho', 'p'] },
  getrlimit: { args: ['rlimit', 'p'] },
  ugetrlimit: { args: ['rlimit', 'p'] },
  setrlimit: { args: ['rlimit', 'p'] },
  prlimit64: { args: ['d', 'rlimit', 'p', 'p'] },
  uname: { args: ['>ouname'] },
  getrandom: { args: ['>obuf', 'u', 'x'] },
  kill: { args: ['d', 'sig'] },
  tkill: { args: ['d', 'sig'] },
  tgkill: { args: ['d', 'd', 'sig'] },
  signal: { args: ['sig', 'x'], ret: 'x' },
  sigaction: { args: ['sig', 'oldsigaction', '>ooldsigaction'] },
  rt_sigaction: { args: ['sig', 'sigaction', '>osigaction', 'u'] },
  sigprocmask: { args: ['how', 'oldsigset', '>p'] },
  rt_sigprocmask: { args: ['how', 'sigset', '>osigset', 'u'] },
  rt_sigpending: { args: ['>osigset', 'u'] },
  sigsuspend: { args: ['sigmask@2'] },
  rt_sigsuspend: { args: ['sigset', 'u'] },
  rt_sigtimedwait: { args: ['sigset', '>p', 'timespec', 'u'] },
  sigaltstack: { args: ['p', 'p'] },
  sigreturn: { args: ['sigreturn'] },
  rt_sigreturn: { args: ['rtsigreturn'] },
};

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(NR).map(([n, v]) => [v, n]));

/** The syscall's name (syscall_N for a number abi.ts does not name). */
export function nameOf(nr: number): string {
  return NAMES[nr] ?? `syscall_${nr}`;
}

/** The format of syscall nr; unknown ones print three arguments in hex. */
export function formatOf(nr: number): SyscallFormat {
  return SYSCALL_FORMATS[nameOf(nr)] ?? { args: ['x', 'x', 'x'] };
}

/** One parsed argument spec. */
interface ArgSpec {
  code: string;
  out: boolean;
  index: number;
}

const specCache = new Map<number, ArgSpec[]>();

function specsOf(nr: number): ArgSpec[] {
  let s = specCache.get(nr);
  if (s) return s;
  let next = 0;
  s = formatOf(nr).args.map((a) => {
    const out = a.startsWith('>');
    const [code, at] = (out ? a.slice(1) : a).split('@');
    const index = at === undefined ? next : Number(at);
    next = index + 1;
    if (!ARG_FORMATS[code]) throw new Error(`strace table: no format ${code}`);
    return { code, out, index };
  });
  specCache.set(nr, s);
  return s;
}

/** The arguments printed at entry (up to the first output argument), and whether any
 *  remain for exit. */
export function formatEntryArgs(c: DecodeCtx, nr: number): { text: string[]; more: boolean } {
  const specs = specsOf(nr);
  const text: string[] = [];
  for (const s of specs) {
    if (s.out) return { text, more: true };
    const r = ARG_FORMATS[s.code](c, c.args[s.index], s.index);
    if (r !== null) text.push(r);
  }
  return { text, more: false };
}

/** The arguments printed at exit (from the first output argument on). */
export function formatExitArgs(c: DecodeCtx, nr: number): string[] {
  const specs = specsOf(nr);
  const text: string[] = [];
  let started = false;
  for (const s of specs) {
    if (s.out) started = true;
    if (!started) continue;
    const r = ARG_FORMATS[s.code](c, c.args[s.index], s.index);
    if (r !== null) text.push(r);
  }
  return text;
}
