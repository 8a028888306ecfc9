// poll, ppoll, select, pselect6 (fs/select.c): wait until some of a set of descriptors
// is ready, a timeout runs out, or a signal arrives.
//
//   poll(fds, nfds, timeout_ms)                 168  timeout < 0: none
//   ppoll(fds, nfds, tsp, sigmask, sigsetsize)  309  (ppoll_time64 414: 64-bit timespec)
//   _newselect(n, inp, outp, exp, tvp)          142  struct timeval, updated to the rest
//   pselect6(n, inp, outp, exp, tsp, sig)       308  (pselect6_time64 413); sig points to
//                                                    { const sigset_t *ss; size_t ss_len }
//
// THE SCAN (do_poll / do_select): each file's poll method (FileOperations.poll) says which
// POLL* events it is ready for, and names the wait queues that change it (poll_wait): a
// pipe end its pipe's two queues, the console its input waiters. A file without one is
// always readable and writable (DEFAULT_POLLMASK: regular files, /dev/null …). poll
// reports events & (asked | POLLERR | POLLHUP), POLLNVAL for a descriptor that is not
// open, nothing for a negative one; select maps readable to POLLIN | POLLRDNORM |
// POLLHUP | POLLERR ("a read would not block"), writable to POLLOUT | POLLWRNORM |
// POLLERR, exceptional to POLLPRI, and a descriptor in a set that is not open is -EBADF.
//
// THE WAIT: nothing ready and time left → the task joins every queue the scan named and
// sleeps (schedule_timeout: whole ticks covering the timeout, plus the tick under way,
// as nanosleep), then leaves them all and scans again. A timeout of zero scans once. A
// signal ends the wait with -ERESTARTNOHAND (poll: -ERESTART_RESTARTBLOCK, restarted to
// the same expiry when no handler runs, as Linux's do_restart_poll; -EINTR when one
// does). select and pselect6 write the time left back; ppoll and pselect6 run the wait
// with the given signal mask, restored afterwards (after the handler, if a signal
// interrupted the wait: restore_sigmask).

import {
  E, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDNORM, POLLWRBAND, POLLWRNORM,
} from '../abi.js';
import type { Kernel } from '../kernel.js';
import { sleep_on } from '../sched.js';
import { set_current_blocked, signal_pending } from '../signal.js';
import { SigSet } from '../sigset.js';
import type { Syscall } from '../syscalls.js';
import { TASK_INTERRUPTIBLE, type SyscallResult, type Task } from '../task.js';
import {
  get_timespec, jiffies_to_ns, ns_to_jiffies, put_timespec, schedule_timeout, timespec_to_ns, timespec_valid,
} from '../time.js';
import { copy_from_user, copy_to_user } from '../uaccess.js';
import { fget, type File, type PollQueue, type PollTable } from './file.js';
import { task_nofile } from './fdtable.js';

/** What a file without a poll method is ready for. */
export const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
const POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const POLLEX_SET = POLLPRI;
/** sizeof(struct pollfd). */
const POLLFD_SIZE = 8;
/** The sigset_t size ppoll and pselect6 accept. */
const SIGSET_SIZE = 8;

/** vfs_poll: the events `f` is ready for; the queues it names go into `queues`. */
function vfs_poll(k: Kernel, f: File, queues: Set<PollQueue> | null): number {
  if (!f.op.poll) return DEFAULT_POLLMASK;
  const pt: PollTable | null = queues ? { wait: (q) => void queues.add(q) } : null;
  return f.op.poll(k, f, pt);
}

/**
 * The wait of poll and select: `scan` (with the queues to collect) returns how many
 * descriptors are ready; 0 with time left → sleep on the queues and scan again. `expire`
 * is the jiffies at which the wait ends (null: never). Returns `scan`'s count, 0 at the
 * timeout, or -ERESTARTNOHAND for a signal.
 */
function poll_wait_loop(k: Kernel, scan: (queues: Set<PollQueue>) => number, expire: number | null): SyscallResult {
  const t = k.current;
  const queues = new Set<PollQueue>();
  const leave = () => {
    for (const q of queues) q.remove(t);
    queues.clear();
  };
  const attempt = (): SyscallResult => {
    leave();
    const n = scan(queues);
    if (n !== 0 || (expire !== null && k.jiffies >= expire)) {
      leave();
      return n;
    }
    if (signal_pending(t)) {
      leave();
      return -E.ERESTARTNOHAND;
    }
    for (const q of queues) q.add(t);
    if (expire === null) return sleep_on(k, TASK_INTERRUPTIBLE, attempt);
    return schedule_timeout(k, expire - k.jiffies, TASK_INTERRUPTIBLE, attempt);
  };
  return attempt();
}

/** The jiffies a wait of `ns` from now ends at (ticks covering it + the tick under way). */
function expire_after(k: Kernel, ns: bigint): number {
  return ns <= 0n ? k.jiffies : k.jiffies + ns_to_jiffies(k, ns) + 1;
}

// ---------------------------------------------------------------------------------------
// poll, ppoll.

interface PollFd {
  fd: number;
  events: number;
  revents: number;
}

/** do_sys_poll: read the pollfds, wait, write every revents back. */
function do_sys_poll(k: Kernel, ufds: number, nfds: number, expire: number | null): SyscallResult {
  nfds >>>= 0;
  if (nfds > task_nofile(k)) return -E.EINVAL;
  const raw = nfds ? copy_from_user(k, ufds, nfds * POLLFD_SIZE) : new Uint8Array(0);
  if (!raw) return -E.EFAULT;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const fds: PollFd[] = [];
  for (let n = 0; n < nfds; n++) fds.push({ fd: dv.getInt32(n * 8, true), events: dv.getUint16(n * 8 + 4, true), revents: 0 });
  const t = k.current;
  const scan = (queues: Set<PollQueue>): number => {
    let count = 0;
    for (const p of fds) {
      p.revents = 0;
      if (p.fd < 0) continue;
      const f = fget(k, t, p.fd);
      if (!f) p.revents = POLLNVAL;
      else p.revents = vfs_poll(k, f, queues) & (p.events | POLLERR | POLLHUP);
      if (p.revents) count++;
    }
    return count;
  };
  return after(k, poll_wait_loop(k, scan, expire), (r) => finish_poll(k, r, ufds, fds));
}

/** Write the revents back (also when the wait was interrupted, as Linux does). */
function finish_poll(k: Kernel, r: number, ufds: number, fds: PollFd[]): number {
  for (let n = 0; n < fds.length; n++) {
    const b = Uint8Array.of(fds[n].revents & 0xff, fds[n].revents >> 8);
    if (copy_to_user(k, ufds + n * POLLFD_SIZE + 6, b) < 0) return -E.EFAULT;
  }
  return r;
}

/** A sleeping wait's result continues through `then` once it is known (BLOCKED waits
 *  finish in the task's continuation; see poll_wait_loop). */
function after(k: Kernel, r: SyscallResult, then: (r: number) => SyscallResult): SyscallResult {
  if (typeof r === 'number') return then(r);
  // The wait slept: chain `then` onto the continuation that will produce the result.
  const t = k.current;
  const resume = t.resume;
  if (resume) t.resume = () => after(k, resume(), then);
  return r;
}

/** poll(fds, nfds, timeout_ms): see the header. */
const sys_poll: Syscall = (k, ufds, nfds, timeout) => {
  const expire = timeout < 0 ? null : expire_after(k, BigInt(timeout) * 1_000_000n);
  return poll_restartable(k, ufds >>> 0, nfds, expire);
};

/** poll's wait, restarted to the same expiry after a signal without a handler. */
function poll_restartable(k: Kernel, ufds: number, nfds: number, expire: number | null): SyscallResult {
  return after(k, do_sys_poll(k, ufds, nfds, expire), (r) => {
    if (r !== -E.ERESTARTNOHAND) return r;
    k.current.restart_block = () => poll_restartable(k, ufds, nfds, expire);
    return -E.ERESTART_RESTARTBLOCK;
  });
}

/**
 * The signal mask of ppoll and pselect6 (set_user_sigmask): installed for the wait;
 * `restore` puts the old one back — at once, or after the handler when the wait was
 * interrupted by a signal (restore_saved_sigmask_unless). null: bad size (-EINVAL) or
 * address (-EFAULT) in `err`.
 */
function set_user_sigmask(k: Kernel, umask: number, size: number): { restore: (r: number) => void } | number {
  const t: Task = k.current;
  if (umask === 0) return { restore: () => {} };
  if (size !== SIGSET_SIZE) return -E.EINVAL;
  const b = copy_from_user(k, umask, SIGSET_SIZE);
  if (!b) return -E.EFAULT;
  const dv = new DataView(b.buffer);
  t.saved_sigmask.set(t.blocked);
  set_current_blocked(k, t, new SigSet(dv.getUint32(0, true), dv.getUint32(4, true)));
  return {
    restore: (r) => {
      if (r === -E.ERESTARTNOHAND) t.restore_sigmask = true;
      else set_current_blocked(k, t, t.saved_sigmask);
    },
  };
}

/** A relative timeout (timespec) as an expiry; null: none; -errno. */
function timeout_expire(k: Kernel, tsp: number, time64: boolean): number | null {
  if (tsp === 0) return null;
  const ts = get_timespec(k, tsp, time64);
  if (typeof ts === 'number') return ts;
  if (!timespec_valid(ts)) return -E.EINVAL;
  return expire_after(k, timespec_to_ns(ts));
}

/** The time left until `expire`, in ns (poll_select_finish). */
function time_left_ns(k: Kernel, expire: number): bigint {
  return expire > k.jiffies ? jiffies_to_ns(k, expire - k.jiffies) : 0n;
}

function ppoll(k: Kernel, ufds: number, nfds: number, tsp: number, umask: number, size: number, time64: boolean): SyscallResult {
  const expire = timeout_expire(k, tsp >>> 0, time64);
  if (typeof expire === 'number' && expire < 0) return expire;
  const mask = set_user_sigmask(k, umask >>> 0, size);
  if (typeof mask === 'number') return mask;
  return after(k, do_sys_poll(k, ufds >>> 0, nfds, expire), (r) => {
    mask.restore(r);
    if (expire !== null && tsp !== 0) put_timespec(k, tsp >>> 0, time_left_ns(k, expire), time64); // errors ignored
    return r;
  });
}

// ---------------------------------------------------------------------------------------
// select, pselect6.

/** core_sys_select: the three fd_sets of `n` descriptors, the wait, the sets written back. */
function core_sys_select(k: Kernel, n: number, inp: number, outp: number, exp: number, expire: number | null): SyscallResult {
  if (n < 0) return -E.EINVAL;
  n = Math.min(n, task_nofile(k));
  const words = (n + 31) >>> 5;
  const read = (addr: number): Uint32Array | number => {
    if (addr === 0 || words === 0) return new Uint32Array(words);
    const b = copy_from_user(k, addr, words * 4);
    if (!b) return -E.EFAULT;
    return new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + words * 4));
  };
  const sets = [read(inp >>> 0), read(outp >>> 0), read(exp >>> 0)];
  for (const s of sets) if (typeof s === 'number') return s;
  const [ins, outs, exs] = sets as Uint32Array[];
  const t = k.current;
  // max_select_fd: every descriptor named must be open.
  for (let fd = 0; fd < n; fd++) {
    const bit = 1 << (fd & 31);
    if ((ins[fd >>> 5] | outs[fd >>> 5] | exs[fd >>> 5]) & bit && !fget(k, t, fd)) return -E.EBADF;
  }
  const rin = new Uint32Array(words);
  const rout = new Uint32Array(words);
  const rex = new Uint32Array(words);
  const scan = (queues: Set<PollQueue>): number => {
    rin.fill(0);
    rout.fill(0);
    rex.fill(0);
    let count = 0;
    for (let fd = 0; fd < n; fd++) {
      const w = fd >>> 5;
      const bit = 1 << (fd & 31);
      if (((ins[w] | outs[w] | exs[w]) & bit) === 0) continue;
      const f = fget(k, t, fd);
      if (!f) continue; // closed meanwhile by another thread
      const mask = vfs_poll(k, f, queues);
      if (ins[w] & bit && mask & POLLIN_SET) {
        rin[w] |= bit;
        count++;
      }
      if (outs[w] & bit && mask & POLLOUT_SET) {
        rout[w] |= bit;
        count++;
      }
      if (exs[w] & bit && mask & POLLEX_SET) {
        rex[w] |= bit;
        count++;
      }
    }
    return count;
  };
  return after(k, poll_wait_loop(k, scan, expire), (r) => {
    if (r < 0) return r;
    const put = (addr: number, s: Uint32Array) =>
      addr === 0 || words === 0 ? 0 : copy_to_user(k, addr >>> 0, new Uint8Array(s.buffer, 0, words * 4));
    if (put(inp, rin) < 0 || put(outp, rout) < 0 || put(exp, rex) < 0) return -E.EFAULT;
    return r;
  });
}

/** _newselect(n, inp, outp, exp, tvp): struct timeval (old_timeval32), updated. */
const sys_select: Syscall = (k, n, inp, outp, exp, tvp) => {
  let expire: number | null = null;
  if (tvp !== 0) {
    const b = copy_from_user(k, tvp >>> 0, 8);
    if (!b) return -E.EFAULT;
    const dv = new DataView(b.buffer);
    const sec = dv.getInt32(0, true);
    const usec = dv.getInt32(4, true);
    if (sec < 0 || usec < 0) return -E.EINVAL;
    // poll_select_set_timeout: microseconds past a second carry into the seconds.
    expire = expire_after(k, BigInt(sec) * 1_000_000_000n + BigInt(usec) * 1000n);
  }
  return after(k, core_sys_select(k, n, inp, outp, exp, expire), (r) => {
    if (expire !== null) {
      const left = time_left_ns(k, expire);
      const b = new Uint8Array(8);
      const dv = new DataView(b.buffer);
      dv.setInt32(0, Number(left / 1_000_000_000n), true);
      dv.setInt32(4, Number((left % 1_000_000_000n) / 1000n), true);
      copy_to_user(k, tvp >>> 0, b); // errors ignored (poll_select_finish)
    }
    return r;
  });
};

/** pselect6(n, inp, outp, exp, tsp, sig): sig points to { sigset_t *ss; size_t ss_len }. */
function pselect6(k: Kernel, n: number, inp: number, outp: number, exp: number, tsp: number, sig: number, time64: boolean): SyscallResult {
  const expire = timeout_expire(k, tsp >>> 0, time64);
  if (typeof expire === 'number' && expire < 0) return expire;
  let umask = 0;
  let size = 0;
  if (sig !== 0) {
    const b = copy_from_user(k, sig >>> 0, 8);
    if (!b) return -E.EFAULT;
    const dv = new DataView(b.buffer);
    umask = dv.getUint32(0, true);
    size = dv.getUint32(4, true);
  }
  const mask = set_user_sigmask(k, umask, size);
  if (typeof mask === 'number') return mask;
  return after(k, core_sys_select(k, n, inp, outp, exp, expire), (r) => {
    mask.restore(r);
    if (expire !== null && tsp !== 0) put_timespec(k, tsp >>> 0, time_left_ns(k, expire), time64);
    return r;
  });
}

export const SELECT_SYSCALLS: Record<string, Syscall> = {
  poll: sys_poll,
  ppoll: (k, ufds, nfds, tsp, sigmask, size) => ppoll(k, ufds, nfds, tsp, sigmask, size, false),
  ppoll_time64: (k, ufds, nfds, tsp, sigmask, size) => ppoll(k, ufds, nfds, tsp, sigmask, size, true),
  _newselect: sys_select,
  pselect6: (k, n, inp, outp, exp, tsp, sig) => pselect6(k, n, inp, outp, exp, tsp, sig, false),
  pselect6_time64: (k, n, inp, outp, exp, tsp, sig) => pselect6(k, n, inp, outp, exp, tsp, sig, true),
};
