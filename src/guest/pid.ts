// PID allocation from a bitmap (kernel/pid.c, the pidmap of the seeds): the next free
// number after the last one handed out, wrapping around below pid_max, skipping the
// ones in use. Returns -1 when every pid is taken (fork then fails with -EAGAIN).

/** First pid handed out after a wrap-around (Linux's RESERVED_PIDS). */
export const RESERVED_PIDS = 300;

export class PidMap {
  readonly pidMax: number;
  private readonly bits: Uint32Array;
  private last = 0;
  private used = 0;

  constructor(pidMax: number) {
    if (!Number.isInteger(pidMax) || pidMax < 2 || pidMax > 4194304) {
      throw new RangeError(`pid_max must be an integer from 2 to 4194304, got ${pidMax}`);
    }
    this.pidMax = pidMax;
    this.bits = new Uint32Array(Math.ceil(pidMax / 32));
  }

  private test(pid: number): boolean {
    return (this.bits[pid >>> 5] & (1 << (pid & 31))) !== 0;
  }

  /** Mark a specific pid used (0 for idle, at boot). */
  reserve(pid: number): void {
    if (!this.test(pid)) {
      this.bits[pid >>> 5] |= 1 << (pid & 31);
      this.used++;
    }
  }

  /** alloc_pidmap(): the next free pid, or -1. */
  alloc(): number {
    if (this.used >= this.pidMax) return -1;
    let pid = this.last + 1;
    for (let n = 0; n < this.pidMax; n++, pid++) {
      if (pid >= this.pidMax) pid = this.pidMax > RESERVED_PIDS * 2 ? RESERVED_PIDS : 1;
      if (!this.test(pid)) {
        this.reserve(pid);
        this.last = pid;
        return pid;
      }
    }
    return -1;
  }

  /** free_pidmap(). */
  free(pid: number): void {
    if (this.test(pid)) {
      this.bits[pid >>> 5] &= ~(1 << (pid & 31));
      this.used--;
    }
  }

  get inUse(): number {
    return this.used;
  }
}
