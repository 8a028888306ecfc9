// Where the host time of a page fault goes inside forkbox, by the emulator's own counters
// (issue 7: "trap delivery, walk, frame allocation, copy, TLB flush, return").
//
// Off by default. When off, every mark is one load and one predictable branch
// (`if (faultPhases.pending)`); no clock is read. When on, a #PF raised by the CPU starts a
// fault (faultRaised), each later mark charges the host time since the previous mark to
// one phase, and the return to CPL 3 (iret) ends the fault and adds its phases to the
// totals of its kind (set by the kernel: COW copy, COW reuse, demand zero, other):
//
//   #PF raised in the CPU ──delivery──▶ kernel entry (IDT delivery, the entry stub's SAVE_ALL,
//   out KCALL) ──walk──▶ do_wp_page (do_page_fault, find_vma, pte walk) ──alloc──▶ frame
//   ──copy──▶ copy_page done ──flush──▶ set_pte_at + invlpg ──kernel──▶ kcall returns
//   (put_page, stats, exit_to_user_mode) ──return──▶ back at CPL 3 (restore_all + iret)
//
// The marks are contiguous, so a fault's phases add up to its total (end − start). Each
// mark costs a clock read (performance.now(), ~50 ns), measured when counting starts and
// subtracted per mark by phaseReport (copy is marked twice: do_wp_page says why). The clock is the wall clock: a fault
// during which the host preempted forkbox (other processes on a busy host) or V8 collected
// garbage takes milliseconds instead of microseconds, so phaseReport averages the faults
// whose total is at most OUTLIER × the median total, and says how many it kept. Host time
// only: nothing here is visible to the guest (cycles, instret and traces unchanged).

export const PH_DELIVERY = 0;
export const PH_WALK = 1;
export const PH_ALLOC = 2;
export const PH_COPY = 3;
export const PH_FLUSH = 4;
export const PH_KERNEL = 5;
export const PH_RETURN = 6;
export const PHASES = 7;
export const PHASE_NAMES = ['delivery', 'walk', 'alloc', 'copy', 'flush', 'kernel', 'return'] as const;

/** Faults longer than this many times the median of their kind are left out of phaseReport. */
export const OUTLIER = 4;
/** Faults logged one by one for phaseReport (the totals count every fault). */
const LOG_MAX = 1 << 20;
/** A logged fault: kind, ms per phase, the total ms, then the clock reads per phase (the
 *  reads are subtracted by phaseReport, with the clock's cost calibrated then). */
const LOG_STRIDE = 2 * PHASES + 2;

export const KIND_OTHER = 0;
export const KIND_COW_COPY = 1;
export const KIND_COW_REUSE = 2;
export const KIND_DEMAND_ZERO = 3;
export const KINDS = 4;
export const KIND_NAMES = ['other', 'cowCopy', 'cowReuse', 'demandZero'] as const;

export interface FaultPhases {
  /** Count faults (set by enableFaultPhases). */
  enabled: boolean;
  /** A fault is between faultRaised and its return to CPL 3 (only ever true when enabled). */
  pending: boolean;
  /** The pending fault's kind. */
  kind: number;
  /** performance.now() at the fault's start, and at the last mark. */
  start: number;
  last: number;
  /** The pending fault's ms and marks per phase. */
  readonly cur: Float64Array;
  readonly curMarks: Float64Array;
  /** ms of one clock read (calibrated by enableFaultPhases). */
  clockMs: number;
  /** Totals per kind: ms per phase (kind * PHASES + phase), total ms, faults. */
  readonly ms: Float64Array;
  readonly marks: Float64Array;
  readonly totalMs: Float64Array;
  readonly count: Float64Array;
  /** Logged faults (LOG_STRIDE numbers each) and their number. */
  log: Float64Array;
  logged: number;
}

export const faultPhases: FaultPhases = {
  enabled: false, pending: false, kind: KIND_OTHER, start: 0, last: 0,
  cur: new Float64Array(PHASES), curMarks: new Float64Array(PHASES), clockMs: 0,
  ms: new Float64Array(KINDS * PHASES), marks: new Float64Array(KINDS * PHASES),
  totalMs: new Float64Array(KINDS),
  count: new Float64Array(KINDS),
  log: new Float64Array(0), logged: 0,
};

const now = (): number => performance.now();

/** Start counting (totals cleared) or stop (a pending fault is dropped). */
export function enableFaultPhases(on: boolean): void {
  const f = faultPhases;
  f.enabled = on;
  f.pending = false;
  if (on) {
    f.ms.fill(0);
    f.marks.fill(0);
    f.totalMs.fill(0);
    f.count.fill(0);
    f.logged = 0;
    if (f.log.length === 0) f.log = new Float64Array(4096 * LOG_STRIDE);
    f.clockMs = clockCost();
  }
}

/** The cost of one clock read in ms: the cheapest of a few batches (noise only ever adds;
 *  a median taken before V8 has optimised the loop overestimated it several-fold, which
 *  made short phases come out negative). */
function clockCost(): number {
  let best = Infinity;
  for (let b = 0; b < 15; b++) {
    const t0 = now();
    let t = t0;
    for (let i = 0; i < 2000; i++) t = now();
    best = Math.min(best, (t - t0) / 2000);
  }
  return best;
}

/** The CPU raised a #PF (before its delivery). A fault still pending is dropped. */
export function faultRaised(): void {
  const f = faultPhases;
  f.pending = true;
  f.kind = KIND_OTHER;
  f.cur.fill(0);
  f.curMarks.fill(0);
  f.start = f.last = now();
}

/** Charge the time since the previous mark to `phase`. Call only when pending. */
export function faultMark(phase: number): void {
  const f = faultPhases;
  const t = now();
  f.cur[phase] += t - f.last;
  f.curMarks[phase]++;
  f.last = t;
}

/** The kernel's classification of the pending fault. */
export function faultKind(kind: number): void {
  faultPhases.kind = kind;
}

/** Drop the pending fault (the kernel was entered for something else). */
export function faultCancel(): void {
  faultPhases.pending = false;
}

/** Back at CPL 3: the `return` phase, and the fault is added to its kind's totals. */
export function faultReturned(): void {
  const f = faultPhases;
  faultMark(PH_RETURN);
  const base = f.kind * PHASES;
  for (let p = 0; p < PHASES; p++) {
    f.ms[base + p] += f.cur[p];
    f.marks[base + p] += f.curMarks[p];
  }
  f.totalMs[f.kind] += f.last - f.start;
  f.count[f.kind]++;
  f.pending = false;
  if (f.logged < LOG_MAX) {
    if ((f.logged + 1) * LOG_STRIDE > f.log.length) {
      const grown = new Float64Array(f.log.length * 2);
      grown.set(f.log);
      f.log = grown;
    }
    const o = f.logged++ * LOG_STRIDE;
    f.log[o] = f.kind;
    for (let p = 0; p < PHASES; p++) {
      f.log[o + 1 + p] = f.cur[p];
      f.log[o + 2 + PHASES + p] = f.curMarks[p];
    }
    f.log[o + 1 + PHASES] = f.last - f.start;
  }
}

export interface PhaseReport {
  faults: number;
  /** Faults averaged: those logged whose total is at most OUTLIER × the median. */
  kept: number;
  /** Host ns per fault, by phase name, and in all (start to return), less the clock reads
   *  of the marks (so a phase of a few ns may come out slightly negative). */
  nsPerFault: Record<(typeof PHASE_NAMES)[number], number>;
  totalNsPerFault: number;
}

/** Host ns per fault of one kind, by phase (zeros when no fault of that kind was seen). */
export function phaseReport(kind: number): PhaseReport {
  const f = faultPhases;
  // Calibrated again now that the clock has been read millions of times: the cheaper wins.
  const clock = f.logged > 0 ? Math.min(f.clockMs, clockCost()) : f.clockMs;
  const phaseMs = (o: number, p: number) => f.log[o + 1 + p] - f.log[o + 2 + PHASES + p] * clock;
  const totalMs = (o: number) => {
    let t = f.log[o + 1 + PHASES];
    for (let p = 0; p < PHASES; p++) t -= f.log[o + 2 + PHASES + p] * clock;
    return t;
  };
  const totals: number[] = [];
  for (let k = 0; k < f.logged; k++) if (f.log[k * LOG_STRIDE] === kind) totals.push(totalMs(k * LOG_STRIDE));
  totals.sort((a, b) => a - b);
  const cut = totals.length > 0 ? OUTLIER * Math.max(totals[totals.length >> 1], 0) : 0;
  const sum = new Float64Array(PHASES + 1);
  let kept = 0;
  for (let k = 0; k < f.logged; k++) {
    const o = k * LOG_STRIDE;
    if (f.log[o] !== kind || totalMs(o) > cut) continue;
    kept++;
    for (let p = 0; p < PHASES; p++) sum[p] += phaseMs(o, p);
    sum[PHASES] += totalMs(o);
  }
  const per = (ms: number) => (kept > 0 ? (ms * 1e6) / kept : 0);
  const nsPerFault = {} as PhaseReport['nsPerFault'];
  PHASE_NAMES.forEach((name, p) => { nsPerFault[name] = per(sum[p]); });
  return { faults: f.count[kind], kept, nsPerFault, totalNsPerFault: per(sum[PHASES]) };
}
