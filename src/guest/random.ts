// getrandom (355, drivers/char/random.c): bytes from the kernel's random pool — here a
// deterministic one.
//
// forkbox runs must be reproducible (same binary, arguments and options → same output,
// same cycle count), so the pool is a pseudo-random generator seeded once per boot with
// a fixed value (KernelOptions.randomSeed, default RANDOM_SEED), never from the host's
// randomness or clock: two runs see the same bytes, in the same order; fork does not
// copy the generator (it is the kernel's), so parent and child draw different bytes.
// The generator is xoshiro128** (Blackman and Vigna): good statistics, not secret.
//
// getrandom(buf, count, flags):
//   flags  GRND_NONBLOCK (the pool is always "initialised": never blocks), GRND_RANDOM
//          (the same pool, as Linux ≥ 5.6), GRND_INSECURE (likewise; not with
//          GRND_RANDOM); any other bit, or GRND_INSECURE|GRND_RANDOM: -EINVAL;
//   count  clamped to MAX_RW_COUNT; the bytes are written a page at a time; a bad
//          buffer gives -EFAULT if nothing was written, else the count written so far.
//
// /dev/random (1:8) and /dev/urandom (1:9) read from the same pool (random_fops, opened
// through fs/devices.ts chrdev_open); writes are accepted and, as in Linux without
// crediting, change nothing that matters here — forkbox does not mix them in, so that
// what a program reads never depends on what another wrote.

import { E, GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM } from './abi.js';
import type { Kernel } from './kernel.js';
import type { Syscall } from './syscalls.js';
import { copy_to_user } from './uaccess.js';
import type { File, FileOperations } from './fs/file.js';
import type { IovIter } from './fs/iov.js';

/** The seed every boot starts from unless KernelOptions.randomSeed says otherwise. */
export const RANDOM_SEED = 0x666f726b; // "fork"
/** The most bytes one read-like call moves (MAX_RW_COUNT: INT_MAX & PAGE_MASK). */
const MAX_RW_COUNT = 0x7ffff000;
const CHUNK = 4096;

/** xoshiro128** state (four 32-bit words, never all zero). */
class Pool {
  private readonly s = new Uint32Array(4);

  constructor(seed: number) {
    // splitmix32 spreads the seed over the state.
    let x = seed >>> 0;
    for (let n = 0; n < 4; n++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[n] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  next(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }

  fill(out: Uint8Array): void {
    for (let n = 0; n < out.length; n += 4) {
      const v = this.next();
      out[n] = v;
      if (n + 1 < out.length) out[n + 1] = v >>> 8;
      if (n + 2 < out.length) out[n + 2] = v >>> 16;
      if (n + 3 < out.length) out[n + 3] = v >>> 24;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const pools = new WeakMap<Kernel, Pool>();

/** The kernel's pool, seeded at first use from the boot's seed. */
function pool(k: Kernel): Pool {
  let p = pools.get(k);
  if (!p) pools.set(k, (p = new Pool(k.randomSeed)));
  return p;
}

/** get_random_bytes: `n` bytes from the kernel's pool. */
export function get_random_bytes(k: Kernel, n: number): Uint8Array {
  const b = new Uint8Array(n);
  pool(k).fill(b);
  return b;
}

/** getrandom(buf, count, flags): see the header. */
const sys_getrandom: Syscall = (k, buf, count, flags) => {
  if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return -E.EINVAL;
  if ((flags & (GRND_INSECURE | GRND_RANDOM)) === (GRND_INSECURE | GRND_RANDOM)) return -E.EINVAL;
  let left = Math.min(count >>> 0, MAX_RW_COUNT);
  let done = 0;
  const chunk = new Uint8Array(Math.min(left, CHUNK));
  while (left > 0) {
    const n = Math.min(left, CHUNK);
    const b = n === chunk.length ? chunk : chunk.subarray(0, n);
    pool(k).fill(b);
    if (copy_to_user(k, (buf + done) >>> 0, b) < 0) return done > 0 ? done : -E.EFAULT;
    done += n;
    left -= n;
  }
  return done;
};

/** Most bytes one read of /dev/[u]random returns (a bound on host memory per call). */
const RANDOM_MAX_READ = 1 << 20;

function random_read(k: Kernel, _f: File, to: IovIter): number {
  const want = Math.min(to.count, RANDOM_MAX_READ);
  let done = 0;
  while (done < want) {
    const n = Math.min(want - done, CHUNK);
    const got = to.copy_to_iter(k, get_random_bytes(k, n), 0, n);
    done += got;
    if (got < n) break;
  }
  return done > 0 || want === 0 ? done : -E.EFAULT;
}

const random_write = (_k: Kernel, _f: File, from: IovIter): number => from.advance(from.count);

/** The file operations of /dev/random and /dev/urandom. */
export const random_fops: FileOperations = { read: random_read, write: random_write, llseek: () => 0 };

export const RANDOM_SYSCALLS: Record<string, Syscall> = {
  getrandom: sys_getrandom,
};
