// Fast user-space mutexes (kernel/futex/): futex (240) and futex_time64 (422) — FUTEX_WAIT, FUTEX_WAKE,
// FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET,
// each also with FUTEX_PRIVATE_FLAG — plus set_robust_list / get_robust_list, and the
// futex wake of CLONE_CHILD_CLEARTID that pthread_join relies on (exit.ts mm_release).
//
// A futex is a 32-bit word in user memory. User space does the uncontended work with
// atomic instructions (lock cmpxchg, lock xadd) and enters the kernel only to sleep until
// the word changes (FUTEX_WAIT) or to wake the sleepers (FUTEX_WAKE). The kernel keeps no
// state per futex word, only queues of waiters, found by a KEY (get_futex_key):
//   private  (FUTEX_PRIVATE_FLAG, or any futex in a MAP_PRIVATE mapping): the address
//            space and the virtual address — threads of one process share it; a forked
//            child has another mm, hence other futexes, as its memory is a COW copy;
//   shared   (a word in a MAP_SHARED mapping, without FUTEX_PRIVATE_FLAG): the physical
//            frame and the offset in it — the same word seen by two processes at two
//            virtual addresses is one futex. Shared frames are never copied (memory.ts:
//            MAP_SHARED anonymous memory is populated at mmap and shared by fork;
//            filemap.ts: shared file pages are one frame per file page), so the frame
//            is a stable name for the word while it is mapped. (Linux names it by inode
//            and page offset, which also survives unmapping; forkbox has no page cache.)
//
// FUTEX_WAIT(uaddr, val): "if *uaddr == val, sleep". The check and the queueing are
// atomic with respect to FUTEX_WAKE — trivially here, the kernel never runs two tasks at
// once — so a waker that changes the word and then wakes cannot be missed. A different
// value: -EAGAIN. Woken by FUTEX_WAKE: 0. The timeout ran out: -ETIMEDOUT. A signal
// arrived (signal.ts signal_pending): -ERESTARTSYS, which the signal code turns into a
// restart (SA_RESTART, or no handler ran) or -EINTR; with a timeout
// -ERESTART_RESTARTBLOCK and a restart block (Linux's futex_wait_restart) that waits
// again until the same absolute expiry — -EINTR if a handler ran. Any other wake-up is
// spurious and the task sleeps on (the waiter is still queued).
//
// Wake order is FIFO: the waiters of one key are woken in the order they went to sleep
// (Linux's hash-bucket plist with equal priorities), which makes runs deterministic.
//
// TIMEOUTS are guest time. FUTEX_WAIT's is relative (a struct timespec); the
// FUTEX_WAIT_BITSET one is absolute on CLOCK_MONOTONIC, or on CLOCK_REALTIME with
// FUTEX_CLOCK_REALTIME. The sleep lasts whole ticks, at least the time asked for (the
// rounding of nanosleep, time.ts).

import { clock_now_ns, ns_to_jiffies, schedule_timeout } from './time.js';
import { CLOCK_MONOTONIC, CLOCK_REALTIME, E } from './abi.js';
import { CYC_FUTEX } from './cost.js';
import type { Kernel } from './kernel.js';
import { VM_SHARED, type MmStruct } from './mm.js';
import { sleep_on, wake_up_process } from './sched.js';
import { signal_pending } from './signal.js';
import type { Syscall } from './syscalls.js';
import { TASK_INTERRUPTIBLE, type SyscallResult, type Task } from './task.js';
import { access_ok, copy_from_user, get_user32, put_user32, user_phys } from './uaccess.js';

/* futex operations (include/uapi/linux/futex.h) */
export const FUTEX_WAIT = 0;
export const FUTEX_WAKE = 1;
export const FUTEX_FD = 2;
export const FUTEX_REQUEUE = 3;
export const FUTEX_CMP_REQUEUE = 4;
export const FUTEX_WAKE_OP = 5;
export const FUTEX_LOCK_PI = 6;
export const FUTEX_UNLOCK_PI = 7;
export const FUTEX_TRYLOCK_PI = 8;
export const FUTEX_WAIT_BITSET = 9;
export const FUTEX_WAKE_BITSET = 10;
export const FUTEX_WAIT_REQUEUE_PI = 11;
export const FUTEX_CMP_REQUEUE_PI = 12;
export const FUTEX_LOCK_PI2 = 13;
export const FUTEX_PRIVATE_FLAG = 128;
export const FUTEX_CLOCK_REALTIME = 256;
export const FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
/** The bitset of FUTEX_WAIT / FUTEX_WAKE: every waiter matches. */
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff | 0;

/* FUTEX_WAKE_OP's encoded operation: op (bits 28-30, bit 31 = oparg is a shift count),
 * cmp (24-27), oparg (12-23), cmparg (0-11). */
const FUTEX_OP_SET = 0;
const FUTEX_OP_ADD = 1;
const FUTEX_OP_OR = 2;
const FUTEX_OP_ANDN = 3;
const FUTEX_OP_XOR = 4;
const FUTEX_OP_OPARG_SHIFT = 8;
const FUTEX_OP_CMP_EQ = 0;
const FUTEX_OP_CMP_NE = 1;
const FUTEX_OP_CMP_LT = 2;
const FUTEX_OP_CMP_LE = 3;
const FUTEX_OP_CMP_GT = 4;
const FUTEX_OP_CMP_GE = 5;

/* struct robust_list_head (include/uapi/linux/futex.h), i386: three words. */
const ROBUST_LIST_HEAD_SIZE = 12;
const FUTEX_WAITERS = 0x80000000 | 0;
const FUTEX_OWNER_DIED = 0x40000000;
const FUTEX_TID_MASK = 0x3fffffff;
/** ROBUST_LIST_LIMIT: how many entries exit walks at most (a cyclic list must end). */
const ROBUST_LIST_LIMIT = 2048;

/** struct futex_q: one sleeping waiter. */
interface FutexQ {
  task: Task;
  /** The key of the futex it waits on (a requeue changes it). */
  key: string;
  bitset: number;
  /** Set by the waker, which has already taken it off the queue. */
  woken: boolean;
}

interface FutexState {
  /** The hash table: key → waiters in the order they queued. */
  readonly queues: Map<string, FutexQ[]>;
  /** Names for address spaces in private keys (numbers, never reused). */
  readonly mmIds: WeakMap<MmStruct, number>;
  nextMmId: number;
  /** Where each task's robust list is (set_robust_list): head address. */
  readonly robust: WeakMap<Task, number>;
}

const states = new WeakMap<Kernel, FutexState>();

function futexState(k: Kernel): FutexState {
  let s = states.get(k);
  if (!s) {
    s = { queues: new Map(), mmIds: new WeakMap(), nextMmId: 1, robust: new WeakMap() };
    states.set(k, s);
  }
  return s;
}

// ---------------------------------------------------------------------------------------
// Keys and queues.

/**
 * get_futex_key: the key of the futex word at `uaddr` for the current task, or -errno
 * (-EINVAL unaligned, -EFAULT not mapped). A shared futex must be in a mapped page: the
 * page is faulted in (for a write when `write`) to learn its frame.
 */
export function get_futex_key(k: Kernel, uaddr: number, fshared: boolean, write = false): string | number {
  uaddr >>>= 0;
  if (uaddr & 3) return -E.EINVAL;
  if (!access_ok(uaddr, 4)) return -E.EFAULT;
  const mm = k.current.mm;
  if (mm === null) return -E.EFAULT;
  if (fshared) {
    const vma = mm.findVma(uaddr);
    if (vma === null || vma.start > uaddr) return -E.EFAULT;
    if (vma.flags & VM_SHARED) {
      const phys = user_phys(k, uaddr, write);
      if (phys < 0) return -E.EFAULT;
      return `s:${phys}`;
    }
  }
  const s = futexState(k);
  let id = s.mmIds.get(mm);
  if (id === undefined) s.mmIds.set(mm, (id = s.nextMmId++));
  return `p:${id}:${uaddr}`;
}

function queue(k: Kernel, q: FutexQ): void {
  const qs = futexState(k).queues;
  const list = qs.get(q.key);
  if (list) list.push(q);
  else qs.set(q.key, [q]);
}

/** unqueue_me: take q off its queue; false if it was not queued (already woken). */
function unqueue(k: Kernel, q: FutexQ): boolean {
  const qs = futexState(k).queues;
  const list = qs.get(q.key);
  if (!list) return false;
  const i = list.indexOf(q);
  if (i < 0) return false;
  list.splice(i, 1);
  if (list.length === 0) qs.delete(q.key);
  return true;
}

/** wake_futex: q's task may run; it returns 0 from its FUTEX_WAIT. */
function wake_futex(k: Kernel, q: FutexQ): void {
  unqueue(k, q);
  q.woken = true;
  wake_up_process(k, q.task, 'futex');
}

/** Wake up to nr waiters of key whose bitset matches (at least one if any: Linux's
 *  `if (++ret >= nr_wake) break`). Returns how many were woken. */
function wake_key(k: Kernel, key: string, nr: number, bitset: number): number {
  const list = futexState(k).queues.get(key);
  if (!list) return 0;
  let ret = 0;
  for (const q of [...list]) {
    if ((q.bitset & bitset) === 0) continue;
    wake_futex(k, q);
    if (++ret >= nr) break;
  }
  return ret;
}

/** How many tasks wait on futex key (tests, the debugger). */
export function futex_waiters(k: Kernel, key: string): Task[] {
  return (futexState(k).queues.get(key) ?? []).map((q) => q.task);
}

/** Every queued waiter, in key order of first use (the debugger's view). */
export function futex_queues(k: Kernel): Array<{ key: string; tasks: Task[] }> {
  return [...futexState(k).queues].map(([key, list]) => ({ key, tasks: list.map((q) => q.task) }));
}

/**
 * futex_exit (do_exit): the exiting task leaves every futex queue it is on. A task
 * killed while sleeping in FUTEX_WAIT never runs its continuation (zap_other_threads and
 * fatal signals replace it), so this is where its futex_q goes.
 */
export function futex_exit(k: Kernel, t: Task): void {
  const qs = futexState(k).queues;
  for (const [key, list] of [...qs]) {
    const kept = list.filter((q) => q.task !== t);
    if (kept.length === list.length) continue;
    if (kept.length === 0) qs.delete(key);
    else qs.set(key, kept);
  }
}

// ---------------------------------------------------------------------------------------
// The operations.

/**
 * futex_wait: sleep on the futex at uaddr while it holds `val`. `expire` is the absolute
 * jiffies of the timeout (null: none). Returns 0, -errno, or BLOCKED (the continuation
 * gives the result).
 */
export function futex_wait(k: Kernel, uaddr: number, fshared: boolean, val: number, expire: number | null, bitset: number): SyscallResult {
  if (bitset === 0) return -E.EINVAL;
  const key = get_futex_key(k, uaddr, fshared);
  if (typeof key === 'number') return key;
  // futex_wait_setup: read the word; the queueing below is atomic with this read.
  const uval = get_user32(k, uaddr >>> 0);
  if (uval === null) return -E.EFAULT;
  if (uval !== (val | 0)) return -E.EAGAIN;
  if (expire !== null && expire <= k.jiffies) return -E.ETIMEDOUT;
  const t = k.current;
  const q: FutexQ = { task: t, key, bitset, woken: false };
  queue(k, q);

  // After schedule(): woken, timed out, interrupted, or spurious (sleep on).
  const after = (timedOut: boolean): SyscallResult | null => {
    if (q.woken) return 0;
    if (timedOut) {
      unqueue(k, q);
      return -E.ETIMEDOUT;
    }
    if (signal_pending(t)) {
      unqueue(k, q);
      if (expire === null) return -E.ERESTARTSYS;
      // futex_wait_restart: a restart (no handler ran) waits until the same expiry.
      t.restart_block = () => futex_wait(k, uaddr, fshared, val, expire, bitset);
      return -E.ERESTART_RESTARTBLOCK;
    }
    return null;
  };
  if (expire === null) {
    const resume = (): SyscallResult => after(false) ?? sleep_on(k, TASK_INTERRUPTIBLE, resume);
    return sleep_on(k, TASK_INTERRUPTIBLE, resume);
  }
  const done = (remaining: number): SyscallResult => after(remaining === 0) ?? schedule_timeout(k, remaining, TASK_INTERRUPTIBLE, done);
  return schedule_timeout(k, expire - k.jiffies, TASK_INTERRUPTIBLE, done);
}

/** futex_wake: wake up to nr waiters of the futex at uaddr. Returns how many, or -errno. */
export function futex_wake(k: Kernel, uaddr: number, fshared: boolean, nr: number, bitset: number): number {
  if (bitset === 0) return -E.EINVAL;
  const key = get_futex_key(k, uaddr, fshared);
  if (typeof key === 'number') return key;
  return wake_key(k, key, nr, bitset);
}

/**
 * futex_requeue: wake nr_wake waiters of uaddr1 and move up to nr_requeue more to
 * uaddr2's queue (they are woken by a later wake of uaddr2): what a condition variable's
 * broadcast does to avoid a thundering herd on the mutex. With `cmpval` (CMP_REQUEUE),
 * only if *uaddr1 still holds it (-EAGAIN otherwise). Returns woken + requeued.
 */
export function futex_requeue(k: Kernel, uaddr1: number, fshared: boolean, uaddr2: number, nr_wake: number, nr_requeue: number, cmpval: number | null): number {
  if (nr_wake < 0 || nr_requeue < 0) return -E.EINVAL;
  const key1 = get_futex_key(k, uaddr1, fshared);
  if (typeof key1 === 'number') return key1;
  const key2 = get_futex_key(k, uaddr2, fshared);
  if (typeof key2 === 'number') return key2;
  if (cmpval !== null) {
    const cur = get_user32(k, uaddr1 >>> 0);
    if (cur === null) return -E.EFAULT;
    if (cur !== (cmpval | 0)) return -E.EAGAIN;
  }
  const list = futexState(k).queues.get(key1);
  if (!list) return 0;
  let count = 0;
  for (const q of [...list]) {
    if (++count <= nr_wake) {
      wake_futex(k, q);
    } else if (count <= nr_wake + nr_requeue) {
      if (key1 === key2) continue;
      unqueue(k, q);
      q.key = key2;
      queue(k, q);
    } else {
      count--;
      break;
    }
  }
  return count;
}

/** FUTEX_WAKE_OP's arithmetic on the old value; null for an unknown op. */
function futex_atomic_op(op: number, oparg: number, oldval: number): number | null {
  switch (op) {
    case FUTEX_OP_SET: return oparg;
    case FUTEX_OP_ADD: return (oldval + oparg) | 0;
    case FUTEX_OP_OR: return oldval | oparg;
    case FUTEX_OP_ANDN: return oldval & ~oparg;
    case FUTEX_OP_XOR: return oldval ^ oparg;
    default: return null;
  }
}

function futex_op_cmp(cmp: number, oldval: number, cmparg: number): boolean | null {
  switch (cmp) {
    case FUTEX_OP_CMP_EQ: return oldval === cmparg;
    case FUTEX_OP_CMP_NE: return oldval !== cmparg;
    case FUTEX_OP_CMP_LT: return oldval < cmparg;
    case FUTEX_OP_CMP_LE: return oldval <= cmparg;
    case FUTEX_OP_CMP_GT: return oldval > cmparg;
    case FUTEX_OP_CMP_GE: return oldval >= cmparg;
    default: return null;
  }
}

/**
 * futex_wake_op: atomically *uaddr2 = OP(*uaddr2, oparg); wake nr_wake waiters of uaddr1;
 * and if CMP(old *uaddr2, cmparg), nr_wake2 waiters of uaddr2 as well. Returns how many
 * were woken, -ENOSYS for an unknown op or comparison, -EFAULT.
 */
export function futex_wake_op(k: Kernel, uaddr1: number, fshared: boolean, uaddr2: number, nr_wake: number, nr_wake2: number, encoded: number): number {
  const key1 = get_futex_key(k, uaddr1, fshared);
  if (typeof key1 === 'number') return key1;
  const key2 = get_futex_key(k, uaddr2, fshared, true);
  if (typeof key2 === 'number') return key2;
  const op = (encoded >>> 28) & 7;
  const cmp = (encoded >>> 24) & 15;
  let oparg = ((encoded << 8) >> 20) | 0; // sign_extend32(bits 12-23, 11)
  const cmparg = ((encoded << 20) >> 20) | 0; // sign_extend32(bits 0-11, 11)
  if (encoded & (FUTEX_OP_OPARG_SHIFT << 28)) oparg = 1 << (oparg & 31);
  const oldval = get_user32(k, uaddr2 >>> 0);
  if (oldval === null) return -E.EFAULT;
  const newval = futex_atomic_op(op, oparg, oldval);
  const cond = futex_op_cmp(cmp, oldval, cmparg);
  if (newval === null || cond === null) return -E.ENOSYS;
  if (put_user32(k, uaddr2 >>> 0, newval) < 0) return -E.EFAULT;
  let ret = wake_key(k, key1, nr_wake, FUTEX_BITSET_MATCH_ANY);
  if (cond) ret += wake_key(k, key2, nr_wake2, FUTEX_BITSET_MATCH_ANY);
  return ret;
}

// ---------------------------------------------------------------------------------------
// Thread exit: CLONE_CHILD_CLEARTID and robust futexes.

/**
 * The futex half of mm_release for CLONE_CHILD_CLEARTID: the caller has written 0 to
 * t's clear_child_tid word; wake one waiter there — a thread in pthread_join, sleeping
 * in FUTEX_WAIT until the word becomes 0. As Linux, a shared (not private) wake: the word
 * may be in a MAP_SHARED mapping. Errors are ignored (the word may be gone).
 */
export function futex_wake_cleartid(k: Kernel, uaddr: number): void {
  futex_wake(k, uaddr, true, 1, FUTEX_BITSET_MATCH_ANY);
}

/**
 * exit_robust_list (mm_release, at exit and exec, while the mm is still there): for each futex the dying thread still
 * holds on its robust list (entries linked from the head set by set_robust_list; the
 * futex word at entry + futex_offset), mark it FUTEX_OWNER_DIED and, if it had waiters,
 * wake one, so that a robust mutex's next locker sees EOWNERDEAD instead of hanging.
 */
export function exit_robust_list(k: Kernel, t: Task): void {
  const s = futexState(k);
  const head = s.robust.get(t);
  if (head === undefined || head === 0) return;
  s.robust.delete(t);
  const hb = copy_from_user(k, head, ROBUST_LIST_HEAD_SIZE);
  if (!hb) return;
  const w = (n: number) => hb[n] | (hb[n + 1] << 8) | (hb[n + 2] << 16) | (hb[n + 3] << 24);
  const futex_offset = w(4);
  const pending = w(8) >>> 0;
  const handle = (entry: number) => {
    const uaddr = (entry + futex_offset) >>> 0;
    const uval = get_user32(k, uaddr);
    if (uval === null || (uval & FUTEX_TID_MASK) !== t.pid) return;
    const nval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    if (put_user32(k, uaddr, nval) < 0) return;
    if (uval & FUTEX_WAITERS) futex_wake(k, uaddr, true, 1, FUTEX_BITSET_MATCH_ANY);
  };
  let entry = w(0) >>> 0;
  for (let n = 0; entry !== head >>> 0 && entry !== 0 && n < ROBUST_LIST_LIMIT; n++) {
    const next = get_user32(k, entry);
    if (next === null) break;
    if (entry !== pending) handle(entry);
    entry = next >>> 0;
  }
  if (pending !== 0) handle(pending);
}

/** set_robust_list(head, len): remember the thread's robust list; -EINVAL for a wrong len. */
const sys_set_robust_list: Syscall = (k, head, len) => {
  if (len >>> 0 !== ROBUST_LIST_HEAD_SIZE) return -E.EINVAL;
  futexState(k).robust.set(k.current, head >>> 0);
  return 0;
};

/** get_robust_list(pid, &head, &len): the robust list head of thread pid (0: the caller);
 *  -ESRCH for no such thread. (Everyone is root: the ptrace check always passes.) */
const sys_get_robust_list: Syscall = (k, pid, head_ptr, len_ptr) => {
  const t = pid === 0 ? k.current : k.tasks.get(pid);
  if (!t || t.exit_state || t === k.idle) return -E.ESRCH;
  const head = futexState(k).robust.get(t) ?? 0;
  if (put_user32(k, len_ptr >>> 0, ROBUST_LIST_HEAD_SIZE) < 0) return -E.EFAULT;
  return put_user32(k, head_ptr >>> 0, head);
};

// ---------------------------------------------------------------------------------------
// The syscall.

/** A struct old_timespec32 (futex) or struct __kernel_timespec (futex_time64: a 64-bit
 *  tv_sec, and tv_nsec of which the kernel reads the low 32 bits) at addr as ns;
 *  -EFAULT, -EINVAL (invalid timespec). */
function get_timespec_ns(k: Kernel, addr: number, time64: boolean): bigint | number {
  const b = copy_from_user(k, addr, time64 ? 16 : 8);
  if (!b) return -E.EFAULT;
  const w = (o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
  const sec = time64 ? (BigInt(w(4)) << 32n) | BigInt(w(0) >>> 0) : BigInt(w(0));
  const nsec = w(time64 ? 8 : 4);
  if (sec < 0n || nsec < 0 || nsec >= 1e9) return -E.EINVAL;
  return sec * 1_000_000_000n + BigInt(nsec);
}

/** The jiffies at which a wait of `ns` from now ends: whole ticks covering it, plus one
 *  for the tick under way (as nanosleep rounds). */
function timeout_expire(k: Kernel, ns: bigint): number {
  if (ns <= 0n) return k.jiffies;
  return k.jiffies + ns_to_jiffies(k, ns) + 1;
}

/**
 * do_futex: dispatch on the command (op & FUTEX_CMD_MASK). `utime` is the timeout pointer
 * for the waits and the second count (val2) for REQUEUE, CMP_REQUEUE and WAKE_OP.
 */
export function do_futex(k: Kernel, uaddr: number, op: number, val: number, utime: number, uaddr2: number, val3: number, time64 = false): SyscallResult {
  k.charge(CYC_FUTEX);
  const cmd = op & FUTEX_CMD_MASK;
  const fshared = (op & FUTEX_PRIVATE_FLAG) === 0;
  if (op & FUTEX_CLOCK_REALTIME && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT_REQUEUE_PI && cmd !== FUTEX_LOCK_PI2) {
    return -E.ENOSYS;
  }
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      let expire: number | null = null;
      if (utime !== 0) {
        const ns = get_timespec_ns(k, utime >>> 0, time64);
        if (typeof ns === 'number') return ns;
        if (cmd === FUTEX_WAIT) {
          expire = timeout_expire(k, ns);
        } else {
          const now = clock_now_ns(k, op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC) as bigint;
          expire = timeout_expire(k, ns - now);
        }
      }
      return futex_wait(k, uaddr, fshared, val, expire, cmd === FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3);
    }
    case FUTEX_WAKE:
      return futex_wake(k, uaddr, fshared, val, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAKE_BITSET:
      return futex_wake(k, uaddr, fshared, val, val3);
    case FUTEX_REQUEUE:
      return futex_requeue(k, uaddr, fshared, uaddr2, val, utime, null);
    case FUTEX_CMP_REQUEUE:
      return futex_requeue(k, uaddr, fshared, uaddr2, val, utime, val3);
    case FUTEX_WAKE_OP:
      return futex_wake_op(k, uaddr, fshared, uaddr2, val, utime, val3);
    default:
      // FUTEX_FD (removed in 2.6.26) and the priority-inheritance operations.
      return -E.ENOSYS;
  }
}

/** futex(uaddr, op, val, utime, uaddr2, val3): ebx, ecx, edx, esi, edi, ebp. */
const sys_futex: Syscall = (k, uaddr, op, val, utime, uaddr2, val3) => do_futex(k, uaddr >>> 0, op, val, utime, uaddr2 >>> 0, val3);

/** futex_time64 (422): the same, with a struct __kernel_timespec timeout (y2038-safe). */
const sys_futex_time64: Syscall = (k, uaddr, op, val, utime, uaddr2, val3) => do_futex(k, uaddr >>> 0, op, val, utime, uaddr2 >>> 0, val3, true);

export const FUTEX_SYSCALLS: Record<string, Syscall> = {
  futex: sys_futex,
  futex_time64: sys_futex_time64,
  set_robust_list: sys_set_robust_list,
  get_robust_list: sys_get_robust_list,
};
