// The kernel: boot, the kernel-call entry from the machine-code stubs, trap dispatch, and
// the state every part of the kernel shares (tasks, the run queue, the page allocator,
// jiffies, statistics).
//
// HOW THE KERNEL RUNS. The kernel's code is TypeScript, but it is entered the way Linux
// i386 is: the CPU delivers int 0x80, an exception or an IRQ through the IDT (privilege
// switch to the task's kernel stack from TSS.esp0, frame pushed); the stub in entry.asm
// saves the registers as struct pt_regs and writes the vector to the kernel-call port;
// that port write calls kcall() below, synchronously, in the middle of the `out`
// instruction, with ESP pointing at the pt_regs. kcall() does the work, possibly
// switching tasks (sched.ts changes ESP and CR3), and returns; the stub's restore_all
// then pops the pt_regs found at ESP and irets. The kernel touches the CPU only through
// pt_regs, the control registers (CR3, via the MMU), the GDT/IDT/TSS in memory, and
// port I/O to the PIC and PIT — as a kernel on real hardware would.

import type { Machine } from '../machine.js';
import type { CPU } from '../cpu/cpu.js';
import type { Mmu } from '../mmu/mmu.js';
import { ESP, VEC_PF } from '../cpu/constants.js';
import { PTE_G, PTE_P, PTE_PS, PTE_W } from '../mmu/paging.js';
import entryBin from './entry.bin';
import {
  GDT_ENTRIES, GDT_PHYS, IDLE_STACK_TOP, IDT_PHYS, KCALL_BOOT, KCALL_PORT, KERNEL_CS, KERNEL_DS,
  KTEXT_PHYS, PAGE_OFFSET, SWAPPER_PGD_PHYS, TSS_PHYS, TSS_SIZE, USER_CS, USER_DS, __pa, __va,
} from './layout.js';
import { PageAllocator } from './page_alloc.js';
import { PT_CS, PT_EFLAGS, PT_EIP, PT_ORIG_EAX, PT_REGS_SIZE, PtRegs } from './ptregs.js';
import { RunQueue, wake_up_process } from './sched.js';
import { Task } from './task.js';
import { CYC_KCALL } from './cost.js';
import { do_syscall } from './syscalls.js';
import { do_page_fault } from './memory.js';
import { faultCancel, faultMark, faultPhases, PH_DELIVERY, PH_KERNEL } from '../perf/fault-phases.js';
import { do_trap, take_error_code } from './traps.js';
import { exit_to_user_mode } from './signal_delivery.js';
import { ktime_get_real_ns, timer_interrupt, TimerList } from './time.js';
import { Vfs } from './fs/inode.js';
import { PidMap } from './pid.js';
import { start_init } from './init_task.js';
import { RANDOM_SEED } from './random.js';
import { fpu__init_cpu } from './fpu.js';
import type { KernelTracer } from './tracepoints.js';

export interface KernelOptions {
  /** Timer interrupts per second (default 100). */
  hz?: number;
  /** 'cow' (Linux) or 'copy' (first-generation Unix: fork copies every page). */
  forkMode?: 'cow' | 'copy';
  /** Largest pid (pid_max, default 32768); pids wrap around below it. */
  pidMax?: number;
  /** Most tasks that may exist at once, idle included (default 4096). */
  maxTasks?: number;
  /** Where the guest's fds 1 and 2 go. */
  stdout?: (bytes: Uint8Array) => void;
  stderr?: (bytes: Uint8Array) => void;
  /** Where fd 0 reads from: returns the next bytes, an empty array at EOF, or null when
   *  nothing is available yet (the reader sleeps; call Kernel.inputArrived()). */
  stdin?: (max: number) => Uint8Array | null;
  /** Kernel messages (unimplemented syscalls, OOM kills …), one line each. */
  log?: (line: string) => void;
  /** The seed of the kernel's random pool (getrandom: random.ts); default RANDOM_SEED.
   *  Never taken from the host: runs are reproducible. */
  randomSeed?: number;
}

export interface KernelStats {
  syscalls: number;
  kcalls: number;
  contextSwitches: number;
  forks: number;
  execs: number;
  exits: number;
  pageFaults: number;
  demandZero: number;
  demandFile: number;
  cowCopies: number;
  cowReuses: number;
  segvs: number;
  timerTicks: number;
  /** Cycles charged for kernel work done in TypeScript (cost.ts). */
  kernelCycles: number;
}

/** What the boot header at the start of entry.bin says (entry.asm `header`). */
interface EntryPoints {
  startup32Phys: number;
  stubTable: number;
  restoreAll: number;
  idleLoop: number;
}

export class Kernel {
  readonly machine: Machine;
  readonly cpu: CPU;
  readonly mmu: Mmu;
  readonly pages: PageAllocator;
  readonly rq = new RunQueue();
  readonly tasks = new Map<number, Task>();
  readonly pidmap: PidMap;
  readonly timers = new TimerList();
  readonly options: Required<Pick<KernelOptions, 'hz' | 'forkMode' | 'pidMax' | 'maxTasks'>>;
  readonly entry: EntryPoints;
  readonly stats: KernelStats = {
    syscalls: 0, kcalls: 0, contextSwitches: 0, forks: 0, execs: 0, exits: 0, pageFaults: 0,
    demandZero: 0, demandFile: 0, cowCopies: 0, cowReuses: 0, segvs: 0, timerTicks: 0, kernelCycles: 0,
  };

  current!: Task;
  idle!: Task;
  init: Task | null = null;
  need_resched = false;
  jiffies = 0;
  /** The task whose x87 state is in the CPU's FPU registers (fpu.ts; per-CPU
   *  fpu_fpregs_owner_ctx in Linux): null before the first user task runs. */
  fpregs_owner: Task | null = null;
  /** The in-memory filesystem (fs/inode.ts): the files the guest can open and execve. */
  readonly vfs: Vfs;
  /** Tasks sleeping in read(0) until the host has input (inputArrived wakes them). */
  readonly stdinWaiters = new Set<Task>();
  /** Observers of the kernel's tracepoints (tracepoints.ts); empty: tracing costs a length check. */
  readonly tracers: KernelTracer[] = [];
  /** Set when the kernel stops the machine: init exited (status) or a panic. */
  halted: { status: number; panic?: string } | null = null;

  readonly stdout: (bytes: Uint8Array) => void;
  readonly stderr: (bytes: Uint8Array) => void;
  readonly stdin: (max: number) => Uint8Array | null;
  readonly log: (line: string) => void;
  /** The seed of the random pool (random.ts). */
  readonly randomSeed: number;
  /** Syscall numbers already reported as unimplemented (syscalls.ts: once per run). */
  readonly unimplementedReported = new Set<number>();

  /** The pt_regs of the current kernel call (its address changes per call). */
  readonly regs: PtRegs;
  /** The program init runs: argv[0] is its path. */
  private initArgv: string[] = [];
  private initEnvp: string[] = [];

  constructor(machine: Machine, options: KernelOptions = {}) {
    this.machine = machine;
    this.cpu = machine.cpu;
    this.mmu = machine.mmu;
    this.pages = new PageAllocator(this.mmu);
    this.vfs = new Vfs(() => ktime_get_real_ns(this));
    this.options = {
      hz: options.hz ?? 100,
      forkMode: options.forkMode ?? 'cow',
      pidMax: options.pidMax ?? 32768,
      maxTasks: options.maxTasks ?? 4096,
    };
    // The PIT's divisor is 16 bits (1193182 / 65536 = 18.2 Hz is the slowest rate).
    if (!Number.isInteger(this.options.hz) || this.options.hz < 19 || this.options.hz > 10000) {
      throw new RangeError(`HZ must be an integer from 19 to 10000, got ${options.hz}`);
    }
    this.pidmap = new PidMap(this.options.pidMax);
    this.stdout = options.stdout ?? (() => {});
    this.stderr = options.stderr ?? (() => {});
    this.stdin = options.stdin ?? (() => new Uint8Array(0));
    this.log = options.log ?? (() => {});
    this.randomSeed = (options.randomSeed ?? RANDOM_SEED) >>> 0;
    this.regs = new PtRegs(this.mmu, 0);
    const hdr = (off: number) => entryBin[off] | (entryBin[off + 1] << 8) | (entryBin[off + 2] << 16) | (entryBin[off + 3] << 24);
    if (hdr(20) !== 0x6b726f66) throw new Error('entry.bin: bad header magic');
    this.entry = {
      startup32Phys: hdr(0) >>> 0,
      stubTable: hdr(4) >>> 0,
      restoreAll: hdr(8) >>> 0,
      idleLoop: hdr(12) >>> 0,
    };
  }

  /** Charge kernel work to the cycle counter (cost.ts). */
  charge(cycles: number): void {
    this.cpu.cycles += cycles;
    this.stats.kernelCycles += cycles;
  }

  /** The pt_regs a task returns to user mode with. */
  ptRegsOf(t: Task): PtRegs {
    return t === this.current && this.regs.addr === t.ptRegsAddr ? this.regs : new PtRegs(this.mmu, t.ptRegsAddr);
  }

  // ---------------------------------------------------------------------------------
  // Boot.

  /**
   * Prepare the machine to boot: the kernel image, GDT, IDT, TSS and swapper_pg_dir in
   * memory, the kernel-call port on the I/O bus, and the CPU at startup_32. init (pid 1)
   * will run `argv` (argv[0] is a path in `files`) with environment `envp`.
   */
  boot(argv: string[], envp: string[]): void {
    if (argv.length === 0) throw new Error('boot: no program to run');
    this.initArgv = argv;
    this.initEnvp = envp;
    const mmu = this.mmu;
    mmu.writePhysBytes(KTEXT_PHYS, entryBin);
    this.writeGdt();
    this.writeIdt();
    this.writeTss();
    this.writeSwapperPgd(true);
    this.machine.io.register(KCALL_PORT, 1, {
      name: 'kcall',
      in8: () => 0xff,
      out8: (_port, value) => this.kcall(value),
    });
    this.cpu.eip = this.entry.startup32Phys;
  }

  private writeGdt(): void {
    const i32 = this.mmu.i32;
    const put = (sel: number, lo: number, hi: number) => {
      i32[(GDT_PHYS + (sel & ~7)) >>> 2] = lo;
      i32[(GDT_PHYS + (sel & ~7) + 4) >>> 2] = hi;
    };
    i32.fill(0, GDT_PHYS >>> 2, (GDT_PHYS + GDT_ENTRIES * 8) >>> 2);
    // flat 4 GiB segments: limit 0xfffff pages, G=1, D=1
    put(KERNEL_CS, 0x0000ffff, 0x00cf9a00 | 0);
    put(KERNEL_DS, 0x0000ffff, 0x00cf9200 | 0);
    put(USER_CS, 0x0000ffff, 0x00cffa00 | 0);
    put(USER_DS, 0x0000ffff, 0x00cff200 | 0);
    // the TSS: 32-bit available (type 9), DPL 0, byte-granular limit
    const base = __va(TSS_PHYS);
    const lo = ((base & 0xffff) << 16) | (TSS_SIZE - 1);
    const hi = (base & 0xff000000) | 0x00008900 | ((base >>> 16) & 0xff);
    put(0x80, lo, hi);
  }

  private writeIdt(): void {
    const i32 = this.mmu.i32;
    i32.fill(0, IDT_PHYS >>> 2, (IDT_PHYS + 256 * 8) >>> 2);
    for (let v = 0; v < 256; v++) {
      const stub = i32[(__pa(this.entry.stubTable) + v * 4) >>> 2] >>> 0;
      if (stub === 0) continue;
      // 32-bit interrupt gates (IF cleared: the kernel is never interrupted); DPL 3 for
      // int3, into and int 0x80 so user code may use them, DPL 0 elsewhere (#GP).
      const dpl = v === 3 || v === 4 || v === 0x80 ? 3 : 0;
      i32[(IDT_PHYS + v * 8) >>> 2] = (KERNEL_CS << 16) | (stub & 0xffff);
      i32[(IDT_PHYS + v * 8 + 4) >>> 2] = (stub & 0xffff0000) | 0x8e00 | (dpl << 13);
    }
  }

  private writeTss(): void {
    const i32 = this.mmu.i32;
    i32.fill(0, TSS_PHYS >>> 2, (TSS_PHYS + TSS_SIZE) >>> 2);
    i32[(TSS_PHYS + 4) >>> 2] = __va(IDLE_STACK_TOP); // esp0
    i32[(TSS_PHYS + 8) >>> 2] = KERNEL_DS; // ss0
    // I/O map base beyond the limit: no bitmap, so with IOPL 0 user code has no ports.
    this.mmu.u16[(TSS_PHYS + 0x66) >>> 1] = TSS_SIZE;
  }

  /** swapper_pg_dir: all of RAM at PAGE_OFFSET in global 4 MiB pages (and, while
   *  booting, the first 4 MiB identity-mapped for the instructions after CR0.PG). */
  private writeSwapperPgd(identity: boolean): void {
    const i32 = this.mmu.i32;
    const pgd = SWAPPER_PGD_PHYS >>> 2;
    i32.fill(0, pgd, pgd + 1024);
    const large = 4 << 20;
    for (let n = 0; n * large < this.mmu.ramSize; n++) {
      i32[pgd + (PAGE_OFFSET >>> 22) + n] = (n * large) | PTE_P | PTE_W | PTE_PS | PTE_G;
    }
    if (identity) i32[pgd] = PTE_P | PTE_W | PTE_PS;
  }

  // ---------------------------------------------------------------------------------
  // The kernel-call port.

  /** Entered from an entry stub's `out KCALL_PORT, al` with ESP at the pt_regs. */
  kcall(vector: number): void {
    const cpu = this.cpu;
    if (faultPhases.pending) { // host-time counters of a #PF (src/perf/fault-phases.ts)
      if (vector === VEC_PF) faultMark(PH_DELIVERY);
      else faultCancel();
    }
    this.stats.kcalls++;
    this.charge(CYC_KCALL);
    const regs = this.regs;
    regs.addr = cpu.regs[ESP] >>> 0;
    if (vector === 0x80) do_syscall(this, regs);
    else if (vector === VEC_PF) do_page_fault(this, regs, take_error_code(regs), this.mmu.cr2);
    else if (vector === 0x20) timer_interrupt(this);
    else if (vector >= 0x21 && vector < 0x30) this.eoi(vector - 0x20);
    else if (vector < 0x20) do_trap(this, regs, vector, take_error_code(regs));
    else if (vector === KCALL_BOOT) this.bootComplete();
    else this.panic(`unexpected kernel call ${vector}`);
    if (this.halted) return;
    // Reschedule if asked, and deliver signals to the task about to return to user mode.
    exit_to_user_mode(this);
    if (faultPhases.pending) faultMark(PH_KERNEL);
  }

  /** End of interrupt for an IRQ line, to the 8259A pair (OCW2 non-specific EOI). */
  eoi(irq: number): void {
    const io = this.machine.io;
    if (irq >= 8) io.out8(0xa0, 0x20);
    io.out8(0x20, 0x20);
  }

  /** The boot code has loaded the GDT, IDT and TSS and is on the idle stack. */
  private bootComplete(): void {
    this.writeSwapperPgd(false);
    this.mmu.setCr3(SWAPPER_PGD_PHYS);
    // The idle task (pid 0) runs idle_loop on the boot stack: give it a frame that
    // restore_all returns through (same privilege: iret pops EIP, CS, EFLAGS).
    const idle = new Task(0, 'swapper');
    idle.kstackFrame = -1;
    idle.kstackTop = __va(IDLE_STACK_TOP);
    const frame = new PtRegs(this.mmu, idle.kstackTop - PT_REGS_SIZE);
    for (let off = 0; off < PT_REGS_SIZE; off += 4) frame.set(off, 0);
    frame.set(28, KERNEL_DS);
    frame.set(32, KERNEL_DS);
    frame.set(36, KERNEL_DS);
    frame.set(40, KERNEL_DS);
    frame.set(PT_ORIG_EAX, -1);
    frame.set(PT_EIP, this.entry.idleLoop);
    frame.set(PT_CS, KERNEL_CS);
    frame.set(PT_EFLAGS, 0x202);
    idle.thread.esp = frame.addr;
    this.pidmap.reserve(0);
    this.tasks.set(0, idle);
    this.idle = idle;
    this.current = idle;
    // The boot call itself returns on the idle frame unless init is switched in below.
    this.cpu.regs[ESP] = frame.addr;
    this.initHardware();
    fpu__init_cpu(this);
    start_init(this, this.initArgv, this.initEnvp);
  }

  /** Remap the 8259A pair to vectors 0x20-0x2F and program the PIT for HZ (as Linux's
   *  init_8259A and setup_pit_timer do). Only IRQ0 is unmasked. */
  private initHardware(): void {
    const io = this.machine.io;
    io.out8(0x20, 0x11); // ICW1: edge, cascade, ICW4
    io.out8(0x21, 0x20); // ICW2: master vectors 0x20-0x27
    io.out8(0x21, 0x04); // ICW3: slave on IR2
    io.out8(0x21, 0x01); // ICW4: 8086 mode
    io.out8(0xa0, 0x11);
    io.out8(0xa1, 0x28); // slave vectors 0x28-0x2f
    io.out8(0xa1, 0x02);
    io.out8(0xa1, 0x01);
    io.out8(0x21, 0xfe); // mask all but IRQ0
    io.out8(0xa1, 0xff);
    const latch = Math.round(1193182 / this.options.hz);
    io.out8(0x43, 0x34); // channel 0, lobyte/hibyte, mode 2 (rate generator)
    io.out8(0x40, latch & 0xff);
    io.out8(0x40, (latch >> 8) & 0xff);
  }

  /** The host has input for fd 0: wake the readers. */
  inputArrived(): void {
    for (const t of [...this.stdinWaiters]) wake_up_process(this, t, 'input');
  }

  /** Stop the machine: init has exited with `status` (a wait status). */
  shutdown(status: number): void {
    this.halted = { status };
    this.machine.requestStop();
  }

  /** A kernel bug or an impossible state: stop with a message, never a host crash. */
  panic(message: string): void {
    this.log(`Kernel panic: ${message}`);
    this.halted = { status: 0x7f00, panic: message };
    this.machine.requestStop();
  }

  /** Convenience for syscalls reading the saved user EIP (traces, signals). */
  get userEip(): number {
    return this.regs.get(PT_EIP) >>> 0;
  }

  get userCsIsUser(): boolean {
    return (this.regs.get(PT_CS) & 3) === 3;
  }

  static readonly USER_CS = USER_CS;
  static readonly USER_DS = USER_DS;
}
