// The Linux i386 guest ABI: syscall numbers, errno values, signals, clone flags, wait
// options. These are the numbers guest programs use; they are never mixed with Node's
// constants (whose errno and signal numbers are the host's).

/** Syscall numbers (arch/x86/entry/syscalls/syscall_32.tbl). */
export const NR = {
  restart_syscall: 0, exit: 1, fork: 2, read: 3, write: 4, open: 5, close: 6, waitpid: 7, creat: 8, link: 9,
  unlink: 10, execve: 11, chdir: 12, time: 13, mknod: 14, chmod: 15, lseek: 19, getpid: 20,
  mount: 21, setuid: 23, getuid: 24, alarm: 27, pause: 29, access: 33, nice: 34, sync: 36,
  kill: 37, rename: 38, mkdir: 39, rmdir: 40, dup: 41, pipe: 42, times: 43, brk: 45,
  setgid: 46, getgid: 47, signal: 48, geteuid: 49, getegid: 50, ioctl: 54, fcntl: 55,
  setpgid: 57, umask: 60, chroot: 61, dup2: 63, getppid: 64, getpgrp: 65, setsid: 66,
  sigaction: 67, sgetmask: 68, ssetmask: 69, sigsuspend: 72, sigpending: 73,
  setrlimit: 75, getrlimit: 76, getrusage: 77, gettimeofday: 78, settimeofday: 79, getgroups: 80,
  symlink: 83, readlink: 85, mmap: 90, munmap: 91, truncate: 92, ftruncate: 93,
  fchmod: 94, getpriority: 96, setpriority: 97, statfs: 99, fstatfs: 100, socketcall: 102,
  setitimer: 104, getitimer: 105, stat: 106, lstat: 107, fstat: 108, wait4: 114,
  sysinfo: 116, ipc: 117, fsync: 118, sigreturn: 119, clone: 120, uname: 122,
  modify_ldt: 123, mprotect: 125, sigprocmask: 126, getpgid: 132, fchdir: 133,
  _llseek: 140, getdents: 141, _newselect: 142, flock: 143, msync: 144, readv: 145,
  writev: 146, getsid: 147, fdatasync: 148, mlock: 150, munlock: 151,
  sched_setparam: 154, sched_getparam: 155, sched_setscheduler: 156,
  sched_getscheduler: 157, sched_yield: 158, sched_get_priority_max: 159,
  sched_get_priority_min: 160, nanosleep: 162, mremap: 163, poll: 168, prctl: 172,
  rt_sigreturn: 173, rt_sigaction: 174, rt_sigprocmask: 175, rt_sigpending: 176,
  rt_sigtimedwait: 177, rt_sigqueueinfo: 178, rt_sigsuspend: 179, pread64: 180,
  pwrite64: 181, getcwd: 183, sigaltstack: 186, vfork: 190, ugetrlimit: 191, mmap2: 192,
  truncate64: 193, ftruncate64: 194, stat64: 195, lstat64: 196, fstat64: 197,
  getuid32: 199, getgid32: 200, geteuid32: 201, getegid32: 202, getgroups32: 205,
  setuid32: 213, setgid32: 214, madvise: 219, getdents64: 220, fcntl64: 221, gettid: 224,
  tkill: 238, futex: 240, sched_setaffinity: 241, sched_getaffinity: 242,
  set_thread_area: 243, get_thread_area: 244, exit_group: 252, set_tid_address: 258,
  clock_settime: 264, clock_gettime: 265, clock_getres: 266, clock_nanosleep: 267,
  statfs64: 268, fstatfs64: 269, tgkill: 270, waitid: 284, openat: 295, mkdirat: 296,
  fstatat64: 300, unlinkat: 301, renameat: 302, linkat: 303, symlinkat: 304,
  readlinkat: 305, fchmodat: 306, faccessat: 307, pselect6: 308, renameat2: 353,
  ppoll: 309, set_robust_list: 311, get_robust_list: 312, getcpu: 318, utimensat: 320, eventfd: 323,
  fallocate: 324, dup3: 330, pipe2: 331, prlimit64: 340, getrandom: 355, statx: 383,
  clock_gettime64: 403, clock_settime64: 404, clock_getres_time64: 406,
  clock_nanosleep_time64: 407, utimensat_time64: 412, pselect6_time64: 413, ppoll_time64: 414, futex_time64: 422, rseq: 386, clone3: 435, faccessat2: 439,
} as const;

/** errno values (include/uapi/asm-generic/errno-base.h, errno.h). */
export const E = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8,
  EBADF: 9, ECHILD: 10, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15,
  EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22,
  ENFILE: 23, EMFILE: 24, ENOTTY: 25, ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29,
  EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33, ERANGE: 34, EDEADLK: 35,
  ENAMETOOLONG: 36, ENOLCK: 37, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, EOVERFLOW: 75, ENOTSUP: 95,
  ETIMEDOUT: 110,
  /** Kernel-internal: restart the syscall (never seen by user space). */
  ERESTARTSYS: 512, ERESTARTNOINTR: 513, ERESTARTNOHAND: 514, ERESTART_RESTARTBLOCK: 516,
} as const;

/** Signal numbers (arch/x86/include/uapi/asm/signal.h). */
export const SIG = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7,
  SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14,
  SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20,
  SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26,
  SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
} as const;
export const NSIG = 64;

export const SIGNAL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(SIG).map(([name, n]) => [n, name]),
);

/** clone() flags (include/uapi/linux/sched.h); the low byte is the exit signal. */
export const CSIGNAL = 0x000000ff;
export const CLONE_VM = 0x00000100;
export const CLONE_FS = 0x00000200;
export const CLONE_FILES = 0x00000400;
export const CLONE_SIGHAND = 0x00000800;
export const CLONE_PIDFD = 0x00001000;
export const CLONE_PTRACE = 0x00002000;
export const CLONE_VFORK = 0x00004000;
export const CLONE_PARENT = 0x00008000;
export const CLONE_THREAD = 0x00010000;
export const CLONE_NEWNS = 0x00020000;
export const CLONE_SYSVSEM = 0x00040000;
export const CLONE_SETTLS = 0x00080000;
export const CLONE_PARENT_SETTID = 0x00100000;
export const CLONE_CHILD_CLEARTID = 0x00200000;
export const CLONE_DETACHED = 0x00400000;
export const CLONE_UNTRACED = 0x00800000;
export const CLONE_CHILD_SETTID = 0x01000000;

/** mmap/mprotect protections and mmap flags (include/uapi/asm-generic/mman-common.h). */
export const PROT_NONE = 0x0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;
export const PROT_GROWSDOWN = 0x01000000;
export const PROT_GROWSUP = 0x02000000;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_GROWSDOWN = 0x0100;
export const MAP_DENYWRITE = 0x0800;
export const MAP_EXECUTABLE = 0x1000;
export const MAP_LOCKED = 0x2000;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000;
export const MAP_NONBLOCK = 0x10000;
export const MAP_STACK = 0x20000;
export const MAP_HUGETLB = 0x40000;
export const MAP_FIXED_NOREPLACE = 0x100000;

/** wait4/waitpid options (include/uapi/linux/wait.h). */
export const WNOHANG = 0x00000001;
export const WUNTRACED = 0x00000002;
export const WEXITED = 0x00000004;
export const WCONTINUED = 0x00000008;
export const WNOWAIT = 0x01000000;
export const __WNOTHREAD = 0x20000000;
export const __WALL = 0x40000000;
export const __WCLONE = 0x80000000 | 0;

/** Clock ids (include/uapi/linux/time.h). */
export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
export const CLOCK_PROCESS_CPUTIME_ID = 2;
export const CLOCK_THREAD_CPUTIME_ID = 3;
export const CLOCK_MONOTONIC_RAW = 4;
export const CLOCK_REALTIME_COARSE = 5;
export const CLOCK_MONOTONIC_COARSE = 6;
export const CLOCK_BOOTTIME = 7;
export const TIMER_ABSTIME = 1;

/** Auxiliary vector types (include/uapi/linux/auxvec.h). */
export const AT = {
  AT_NULL: 0, AT_IGNORE: 1, AT_EXECFD: 2, AT_PHDR: 3, AT_PHENT: 4, AT_PHNUM: 5,
  AT_PAGESZ: 6, AT_BASE: 7, AT_FLAGS: 8, AT_ENTRY: 9, AT_NOTELF: 10, AT_UID: 11,
  AT_EUID: 12, AT_GID: 13, AT_EGID: 14, AT_PLATFORM: 15, AT_HWCAP: 16, AT_CLKTCK: 17,
  AT_SECURE: 23, AT_BASE_PLATFORM: 24, AT_RANDOM: 25, AT_HWCAP2: 26, AT_EXECFN: 31,
} as const;

/** poll events (include/uapi/asm-generic/poll.h). */
export const POLLIN = 0x0001;
export const POLLPRI = 0x0002;
export const POLLOUT = 0x0004;
export const POLLERR = 0x0008;
export const POLLHUP = 0x0010;
export const POLLNVAL = 0x0020;
export const POLLRDNORM = 0x0040;
export const POLLRDBAND = 0x0080;
export const POLLWRNORM = 0x0100;
export const POLLWRBAND = 0x0200;

/** Resource limits (include/uapi/asm-generic/resource.h); RLIM_INFINITY of the i386
 *  kernel, whose limits are unsigned longs (resource.ts). */
export const RLIMIT_CPU = 0;
export const RLIMIT_FSIZE = 1;
export const RLIMIT_DATA = 2;
export const RLIMIT_STACK = 3;
export const RLIMIT_CORE = 4;
export const RLIMIT_RSS = 5;
export const RLIMIT_NPROC = 6;
export const RLIMIT_NOFILE = 7;
export const RLIMIT_MEMLOCK = 8;
export const RLIMIT_AS = 9;
export const RLIMIT_LOCKS = 10;
export const RLIMIT_SIGPENDING = 11;
export const RLIMIT_MSGQUEUE = 12;
export const RLIMIT_NICE = 13;
export const RLIMIT_RTPRIO = 14;
export const RLIMIT_RTTIME = 15;
export const RLIM_NLIMITS = 16;
export const RLIM_INFINITY = 0xffffffff;

/** getrandom flags (include/uapi/linux/random.h). */
export const GRND_NONBLOCK = 0x0001;
export const GRND_RANDOM = 0x0002;
export const GRND_INSECURE = 0x0004;

/** mremap flags and madvise advice (include/uapi/linux/mman.h, asm-generic/mman-common.h). */
export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;
export const MREMAP_DONTUNMAP = 4;
export const MADV_NORMAL = 0;
export const MADV_RANDOM = 1;
export const MADV_SEQUENTIAL = 2;
export const MADV_WILLNEED = 3;
export const MADV_DONTNEED = 4;
export const MADV_FREE = 8;
export const MADV_DONTDUMP = 16;
export const MADV_DODUMP = 17;
export const MADV_COLD = 20;
export const MADV_PAGEOUT = 21;

/** Encode a wait status as Linux does (exit code in bits 8-15, signal in 0-6, core 0x80). */
export function exitStatus(code: number): number {
  return (code & 0xff) << 8;
}
export function signalStatus(sig: number, core: boolean): number {
  return (sig & 0x7f) | (core ? 0x80 : 0);
}
