// bench:cpu — guest instructions per host second on ring-3 loops with paging on.
//
// The machine is the CPU and MMU alone, set up from TypeScript the way a kernel would
// leave a user process: page tables written into guest physical memory (user pages
// PTE_U|PTE_W|PTE_P), CR3 loaded, CR0 = PE|PG|WP, flat 32-bit code and data segments of
// DPL 3 in the descriptor caches, CPL 3. No kernel: each loop ends with
// `mov eax, 1; int 0x80` (exit), and the bench intercepts that vector instead of
// delivering it through an IDT. Any other vector aborts the bench.
//
// Every loop first runs a short warm-up (1/50 of its iterations, not measured) so the
// figures are for warm code, then runs `--repeat` times (default 3); the median run is
// reported (the host is shared and noisy; the median is robust without flattering).
// Every run is checked against its expected result: a fast wrong emulator is not measured.
//
// Measure it bundled (`npm run bench:cpu` builds dist/bench-cpu.js with esbuild): V8
// performance under tsx differs a lot. See usage() for options and profiling.

import { CPU, SEGATTR_DB, SEGATTR_G } from '../src/cpu/cpu.js';
import { Mmu } from '../src/mmu/mmu.js';
import { CR0_PE, CR0_PG, CR0_WP, EBX, ECX, EDI, EDX, ESI, ESP, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS } from '../src/cpu/constants.js';
import { PTE_P, PTE_U, PTE_W } from '../src/mmu/paging.js';
import { cpus } from 'node:os';

const CODE = 0x00400000; // one page per loop
const DATA = 0x00800000; // 32 KiB
const STACK_TOP = 0x00c00000; // 16 KiB below
const GUEST_HZ = 100e6; // the machine's default CPU frequency, for "guest time"

/** The string loop's text: the same as guest-programs/bench/cpu.asm's (NUL-terminated there). */
const TEXT =
  'The quick brown fox jumps over the lazy dog; PACK MY BOX WITH FIVE DOZEN ' +
  'liquor jugs! forkbox runs i386 Linux programs: fork(), COW faults, 4 KiB pages ' +
  'and 32-bit code, beside native Linux and qemu-i386 (v0.1, 2026).\n';
const HIST = DATA + 0x1000; // 256 byte counters
const UPPER = DATA + 0x2000; // the upper-cased text
const toUpper = (c: number) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c);

interface Loop {
  name: string;
  /** Linear address the code is assembled for. */
  org: number;
  code: number[];
  /** Iterations at scale 1, and the register that counts them. */
  iterations: number;
  counter: number;
  /** Prepare registers and memory for `n` iterations. */
  setup(m: Machine, n: number): void;
  /** null when the final state is right for `n` iterations, else what is wrong. */
  check(m: Machine, n: number): string | null;
  /** Guest bytes moved per iteration, for a MB/s figure (rep movsd, memcpy). */
  bytesPerIteration?: number;
}

/*
 * The loops, assembled with nasm (`nasm -f bin`, bits 32, org as noted); the bytes
 * below are its output.
 */
const LOOPS: Loop[] = [
  {
    // org 0x00400000 — 7 instructions per iteration, register operands only
    //   .l: add eax, ebx
    //       xor edx, eax
    //       sub ebx, edx
    //       and esi, edx
    //       or edi, eax
    //       dec ecx
    //       jnz .l
    //       mov eax, 1
    //       int 0x80
    name: 'alu',
    org: CODE,
    code: [0x01, 0xd8, 0x31, 0xc2, 0x29, 0xd3, 0x21, 0xd6, 0x09, 0xc7, 0x49, 0x75, 0xf3, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xcd, 0x80],
    iterations: 8_600_000,
    counter: ECX,
    setup(m) {
      m.cpu.regs.set([0, 0, 3, 1, STACK_TOP, 0, -1, 0]);
    },
    check(m, n) {
      let a = 0, b = 1, d = 3, s = -1, di = 0;
      for (let k = 0; k < n; k++) {
        a = (a + b) | 0;
        d ^= a;
        b = (b - d) | 0;
        s &= d;
        di |= a;
      }
      const r = m.cpu.regs;
      return r[EBX] === b && r[EDX] === d && r[6] === s && r[7] === di ? null : 'registers differ from the JavaScript model';
    },
  },
  {
    // org 0x00401000 — sweeps 4096 dwords (16 KiB, 4 pages): load, add, store
    //   .outer: mov ebx, 0x00800000
    //           mov edi, 4096
    //   .inner: mov eax, [ebx]
    //           add eax, edx
    //           mov [ebx], eax
    //           add ebx, 4
    //           dec edi
    //           jnz .inner
    //           dec ecx
    //           jnz .outer
    //           mov eax, 1
    //           int 0x80
    name: 'memory',
    org: CODE + 0x1000,
    code: [
      0xbb, 0x00, 0x00, 0x80, 0x00, 0xbf, 0x00, 0x10, 0x00, 0x00, 0x8b, 0x03, 0x01, 0xd0, 0x89, 0x03,
      0x83, 0xc3, 0x04, 0x4f, 0x75, 0xf4, 0x49, 0x75, 0xe7, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xcd, 0x80,
    ],
    iterations: 1_000,
    counter: ECX,
    setup(m) {
      m.cpu.regs[EDX] = 7;
      for (let k = 0; k < 4096; k++) m.write32(DATA + 4 * k, k);
    },
    check(m, n) {
      for (const k of [0, 1, 1023, 1024, 4095]) {
        if (m.read32(DATA + 4 * k) !== ((k + 7 * n) | 0)) return `array element ${k} is wrong`;
      }
      return null;
    },
  },
  {
    // org 0x00402000 — call, add, ret, dec, jnz: 5 instructions per iteration
    //   .l: call f
    //       dec ecx
    //       jnz .l
    //       mov eax, 1
    //       int 0x80
    //   f:  add edx, 1
    //       ret
    name: 'call/ret',
    org: CODE + 0x2000,
    code: [0xe8, 0x0a, 0x00, 0x00, 0x00, 0x49, 0x75, 0xf8, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xcd, 0x80, 0x83, 0xc2, 0x01, 0xc3],
    iterations: 4_000_000,
    counter: ECX,
    setup() {},
    check(m, n) {
      const r = m.cpu.regs;
      return r[EDX] === n && r[ESP] === STACK_TOP ? null : `edx=${r[EDX]} esp=${(r[ESP] >>> 0).toString(16)}`;
    },
  },
  {
    // org 0x00403000 — copies 16 KiB (4 pages) with one rep movsd per iteration
    //   .l: mov esi, 0x00800000
    //       mov edi, 0x00804000
    //       mov ecx, 4096
    //       rep movsd
    //       dec ebx
    //       jnz .l
    //       mov eax, 1
    //       int 0x80
    name: 'rep movsd',
    org: CODE + 0x3000,
    code: [
      0xbe, 0x00, 0x00, 0x80, 0x00, 0xbf, 0x00, 0x40, 0x80, 0x00, 0xb9, 0x00, 0x10, 0x00, 0x00, 0xf3,
      0xa5, 0x4b, 0x75, 0xec, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xcd, 0x80,
    ],
    iterations: 20_000,
    counter: EBX,
    bytesPerIteration: 16384,
    setup(m) {
      for (let k = 0; k < 4096; k++) {
        m.write32(DATA + 4 * k, Math.imul(k, 0x9e3779b1));
        m.write32(DATA + 0x4000 + 4 * k, 0);
      }
    },
    check(m) {
      for (let k = 0; k < 4096; k++) {
        if (m.read32(DATA + 0x4000 + 4 * k) !== Math.imul(k, 0x9e3779b1)) return `destination dword ${k} is wrong`;
      }
      return null;
    },
  },
  {
    // org 0x00404000 — copies dword by dword (not rep movs) from a 16 KiB source to a
    // 16 KiB destination, wrapping: 6 instructions per dword (esi = source, edi = destination)
    //   .l: mov eax, [esi + ebx]
    //       mov [edi + ebx], eax
    //       add ebx, 4
    //       and ebx, 0x3ffc
    //       dec ecx
    //       jnz .l
    //       mov eax, 1
    //       int 0x80
    name: 'memcpy',
    org: CODE + 0x4000,
    code: [
      0x8b, 0x04, 0x1e, 0x89, 0x04, 0x1f, 0x83, 0xc3, 0x04, 0x81, 0xe3, 0xfc, 0x3f, 0x00, 0x00, 0x49,
      0x75, 0xee, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xcd, 0x80,
    ],
    iterations: 4_000_000,
    counter: ECX,
    bytesPerIteration: 4,
    setup(m) {
      m.cpu.regs[ESI] = DATA;
      m.cpu.regs[EDI] = DATA + 0x4000;
      for (let k = 0; k < 4096; k++) {
        m.write32(DATA + 4 * k, Math.imul(k, 0x9e3779b1));
        m.write32(DATA + 0x4000 + 4 * k, 0);
      }
    },
    check(m, n) {
      for (let k = 0; k < 4096; k++) {
        const want = k < n ? Math.imul(k, 0x9e3779b1) : 0;
        if (m.read32(DATA + 0x4000 + 4 * k) !== want) return `destination dword ${k} is wrong`;
      }
      return m.cpu.regs[EBX] === ((4 * n) & 0x3ffc) ? null : `ebx=${m.cpu.regs[EBX]}`;
    },
  },
  {
    // org 0x00405000 — one character of a NUL-terminated text per iteration: byte load,
    // end-of-string test, byte histogram, to-upper, byte store; starts over at the NUL.
    // 12 instructions per character, 13 for a lowercase letter, 6 per wrap.
    //   .l:    movzx eax, byte [esi]
    //          test al, al
    //          jz .wrap
    //          inc byte [0x00801000 + eax]
    //          lea edx, [eax - 'a']
    //          cmp edx, 'z' - 'a'
    //          ja .keep
    //          sub al, 'a' - 'A'
    //   .keep: mov [edi], al
    //          inc esi
    //          inc edi
    //          dec ecx
    //          jnz .l
    //          mov eax, 1
    //          int 0x80
    //   .wrap: mov esi, 0x00800000
    //          mov edi, 0x00802000
    //          jmp .l
    name: 'string',
    org: CODE + 0x5000,
    code: [
      0x0f, 0xb6, 0x06, 0x84, 0xc0, 0x74, 0x1e, 0xfe, 0x80, 0x00, 0x10, 0x80, 0x00, 0x8d, 0x50, 0x9f,
      0x83, 0xfa, 0x19, 0x77, 0x02, 0x2c, 0x20, 0x88, 0x07, 0x46, 0x47, 0x49, 0x75, 0xe2, 0xb8, 0x01,
      0x00, 0x00, 0x00, 0xcd, 0x80, 0xbe, 0x00, 0x00, 0x80, 0x00, 0xbf, 0x00, 0x20, 0x80, 0x00, 0xeb,
      0xcf,
    ],
    iterations: 2_000_000,
    counter: ECX,
    setup(m) {
      m.cpu.regs[ESI] = DATA;
      m.cpu.regs[EDI] = UPPER;
      for (let k = 0; k <= TEXT.length; k++) m.write8(DATA + k, k < TEXT.length ? TEXT.charCodeAt(k) : 0);
      for (let k = 0; k < 256; k++) {
        m.write8(HIST + k, 0);
        m.write8(UPPER + k, 0);
      }
    },
    check(m, n) {
      const hist = new Array<number>(256).fill(0);
      for (let k = 0; k < n; k++) hist[TEXT.charCodeAt(k % TEXT.length)]++;
      for (let c = 0; c < 256; c++) {
        if (m.read8(HIST + c) !== (hist[c] & 0xff)) return `histogram count of byte ${c} is wrong`;
      }
      for (let k = 0; k < 256; k++) {
        const want = k < Math.min(n, TEXT.length) ? toUpper(TEXT.charCodeAt(k)) : 0;
        if (m.read8(UPPER + k) !== want) return `output byte ${k} is wrong`;
      }
      return null;
    },
  },
];

/** The CPU and MMU in the state of a user process, with the loops' pages mapped. */
class Machine {
  readonly mmu = new Mmu(16 << 20);
  readonly cpu = new CPU(this.mmu);
  private nextFrame = 0x100000;
  private readonly pd = this.frame();
  exited = false;

  constructor() {
    const { cpu, mmu } = this;
    this.map(CODE, LOOPS.length);
    this.map(DATA, 8);
    this.map(STACK_TOP - 0x4000, 4);
    for (const loop of LOOPS) {
      loop.code.forEach((b, k) => mmu.writePhys8(this.phys(loop.org + k), b));
    }
    // Ring-3 flat segments (GDT selectors 0x1b / 0x23 as a kernel would use): P, DPL 3,
    // S, execute/read or read/write, accessed; 32-bit; limit 4 GiB.
    cpu.setSegCache(SEG_CS, 0x1b, 0, 0xffffffff, 0xfb | SEGATTR_DB | SEGATTR_G);
    for (const s of [SEG_SS, SEG_DS, SEG_ES]) cpu.setSegCache(s, 0x23, 0, 0xffffffff, 0xf3 | SEGATTR_DB | SEGATTR_G);
    for (const s of [SEG_FS, SEG_GS]) cpu.setSegCache(s, 0, 0, 0, 0);
    cpu.setCpl(3);
    mmu.setCr3(this.pd);
    mmu.setCr0(mmu.cr0 | CR0_PE | CR0_PG | CR0_WP);
    cpu.deliver = (vector: number, error: number, software: boolean) => {
      if (vector === 0x80 && software) {
        this.exited = true;
        cpu.stopRequested = true;
        return;
      }
      throw new Error(`bench: unexpected vector ${vector} (error ${error}) at eip 0x${cpu.eip.toString(16)}`);
    };
  }

  private frame(): number {
    const f = this.nextFrame;
    this.nextFrame += 0x1000;
    return f;
  }

  /** Map `pages` user pages at `lin` to fresh frames, through the page tables in RAM. */
  private map(lin: number, pages: number): void {
    const mmu = this.mmu;
    for (let p = 0; p < pages; p++) {
      const va = lin + p * 0x1000;
      const pde = this.pd + 4 * (va >>> 22);
      let pt = mmu.readPhys32(pde) & ~0xfff;
      if (!(mmu.readPhys32(pde) & PTE_P)) {
        pt = this.frame();
        mmu.writePhys32(pde, pt | PTE_U | PTE_W | PTE_P);
      }
      mmu.writePhys32(pt + 4 * ((va >>> 12) & 0x3ff), this.frame() | PTE_U | PTE_W | PTE_P);
    }
  }

  /** Physical address of a mapped linear address (a software walk, for set-up only). */
  phys(lin: number): number {
    const pt = this.mmu.readPhys32(this.pd + 4 * (lin >>> 22)) & ~0xfff;
    return (this.mmu.readPhys32(pt + 4 * ((lin >>> 12) & 0x3ff)) & ~0xfff) | (lin & 0xfff);
  }

  write32(lin: number, v: number): void {
    this.mmu.writePhys32(this.phys(lin), v);
  }

  read32(lin: number): number {
    return this.mmu.readPhys32(this.phys(lin));
  }

  write8(lin: number, v: number): void {
    this.mmu.writePhys8(this.phys(lin), v);
  }

  read8(lin: number): number {
    return this.mmu.readPhys8(this.phys(lin));
  }
}

interface Result {
  name: string;
  iterations: number;
  instructions: number;
  seconds: number;
  mips: number;
  cycles: number;
  cyclesPerInstruction: number;
  mbPerSecond?: number;
  /** Host seconds of every repetition, in run order. */
  runs?: number[];
}

const CHUNK = 50_000_000; // cycles per cpu.run() call

function runLoop(m: Machine, loop: Loop, n: number): Result {
  const cpu = m.cpu;
  cpu.regs.fill(0);
  cpu.regs[ESP] = STACK_TOP;
  loop.setup(m, n);
  cpu.regs[loop.counter] = n;
  cpu.eip = loop.org;
  cpu.flags = 0x202;
  cpu.lazy = 0;
  m.exited = false;
  const i0 = cpu.instret;
  const c0 = cpu.cycles;
  const t0 = performance.now();
  while (!m.exited) cpu.run(cpu.cycles + CHUNK);
  const seconds = (performance.now() - t0) / 1000;
  const problem = loop.check(m, n);
  if (problem) throw new Error(`bench: loop ${loop.name} computed a wrong result: ${problem}`);
  const instructions = cpu.instret - i0;
  const cycles = cpu.cycles - c0;
  const r: Result = {
    name: loop.name, iterations: n, instructions, seconds, mips: instructions / seconds / 1e6, cycles,
    cyclesPerInstruction: cycles / instructions,
  };
  if (loop.bytesPerIteration) r.mbPerSecond = (loop.bytesPerIteration * n) / seconds / 1e6;
  return r;
}

function usage(): string {
  return `usage: node dist/bench-cpu.js [--json] [--scale=F] [--repeat=N] [--no-jit]
  (npm run bench:cpu builds the bundle and runs it; measure bundled, not under tsx)

  Runs six ring-3 loops with paging on (ALU, memory load/store, call/ret, rep movsd,
  an explicit memcpy loop, a string loop: byte histogram and to-upper),
  ≥ 150 M guest instructions at scale 1, and prints per loop: instructions, host
  seconds, guest MIPS (instructions / host seconds / 1e6) and guest cycles.

  --json      print one JSON object instead of the table
  --scale=F   multiply every loop's iteration count by F (e.g. 0.1 for a quick run)
  --repeat=N  measure each loop N times and report the median run (default 3)
  --no-jit    interpret only: do not compile hot blocks to JavaScript

  profile:    node --cpu-prof dist/bench-cpu.js
              writes CPU.*.cpuprofile in the current directory; open it in Chrome
              DevTools (Performance panel) or https://www.speedscope.app
              (--cpu-prof-dir=DIR chooses where; add --scale=0.3 for a shorter profile)
`;
}

function main(argv: string[]): number {
  let json = false;
  let scale = 1;
  let jit = true;
  let repeat = 3;
  for (const a of argv) {
    if (a === '--json') json = true;
    else if (a.startsWith('--repeat=') && Number.isInteger(Number(a.slice(9))) && Number(a.slice(9)) > 0) repeat = Number(a.slice(9));
    else if (a === '--no-jit') jit = false;
    else if (a.startsWith('--scale=') && Number(a.slice(8)) > 0) scale = Number(a.slice(8));
    else {
      process.stdout.write(usage());
      return a === '--help' || a === '-h' ? 0 : 2;
    }
  }
  if (process.argv[1]?.endsWith('.ts') && !json) {
    console.warn('note: running unbundled (tsx); V8 performance differs — use `npm run bench:cpu`.');
  }
  const m = new Machine();
  const cpuFlags = m.cpu as unknown as { jit?: boolean };
  if ('jit' in cpuFlags) cpuFlags.jit = jit;
  const results: Result[] = [];
  for (const loop of LOOPS) {
    const n = Math.max(1, Math.round(loop.iterations * scale));
    runLoop(m, loop, Math.max(1, Math.round(n / 50))); // warm-up
    const runs: Result[] = [];
    for (let k = 0; k < repeat; k++) runs.push(runLoop(m, loop, n));
    const median = runs.slice().sort((a, b) => a.seconds - b.seconds)[(repeat - 1) >> 1];
    results.push({ ...median, runs: runs.map((r) => r.seconds) });
  }
  const total = {
    instructions: results.reduce((s, r) => s + r.instructions, 0),
    seconds: results.reduce((s, r) => s + r.seconds, 0),
    cycles: results.reduce((s, r) => s + r.cycles, 0),
  };
  const mips = total.instructions / total.seconds / 1e6;
  const guestSeconds = total.cycles / GUEST_HZ;
  const host = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', jit: cpuFlags.jit ?? null };
  if (json) {
    console.log(JSON.stringify({ host, scale, repeat, loops: results, total: { ...total, mips, guestSecondsAt100MHz: guestSeconds } }, null, 2));
    return 0;
  }
  const fmt = (v: number) => Math.round(v).toLocaleString('en-US');
  console.log(
    `forkbox bench:cpu — ring 3, paging on, ${host.jit === false ? 'interpreter only' : 'JIT tier on'}, ` +
      `median of ${repeat}; node ${host.node}, ${host.cpu}`,
  );
  console.log('loop            instructions   host s   guest MIPS     guest cycles  cycles/insn');
  for (const r of results) {
    const extra = r.mbPerSecond !== undefined ? `   (${r.mbPerSecond.toFixed(0)} MB/s copied)` : '';
    console.log(
      `${r.name.padEnd(12)} ${fmt(r.instructions).padStart(15)} ${r.seconds.toFixed(3).padStart(8)} ${r.mips.toFixed(1).padStart(12)} ` +
        `${fmt(r.cycles).padStart(16)} ${r.cyclesPerInstruction.toFixed(2).padStart(12)}${extra}`,
    );
  }
  console.log(
    `total (median runs): ${fmt(total.instructions)} instructions in ${total.seconds.toFixed(3)} s = ${mips.toFixed(1)} MIPS; ` +
      `${fmt(total.cycles)} guest cycles = ${guestSeconds.toFixed(2)} s at 100 MHz (${(guestSeconds / total.seconds).toFixed(2)}× real time)`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
