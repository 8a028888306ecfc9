// Runs differential cases on the host CPU: one static ELF32 i386 program per run, written
// byte by byte (elf-mini.ts), no toolchain needed.
//
// Memory map of the program (one RWX PT_LOAD at 0x08048000):
//   ELF headers | scratch (zero, the signal handler's stack) | WIN: the 256-byte case
//   window | CUR, SIG | code: handler, prologue, one unrolled block per case, epilogue |
//   input records | (bss) output: a 16-byte header, then one record per case.
//
// Per case the program copies the case's window image into WIN, loads EDI..EAX with
// popad and EFLAGS with popfd from the input record, sets ESP = ESP0, executes the case's
// bytes, then stores ESP, EFLAGS (pushfd) and all registers (pushad) and copies WIN into
// the output record. At the end it write()s the header and records to stdout and exits 0.
//
// A case that faults natively (SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP) runs the handler,
// which writes [case index, signal number] (two dwords) to stderr and exits 42; runNative()
// then drops that case, records it, and runs the rest again.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ELF_BASE, ELF_HEADERS, buildElf32 } from './elf-mini.js';
import { ESP0, WIN, WIN_SIZE, type DiffCase } from './diff-cases.js';

const PAYLOAD = ELF_BASE + ELF_HEADERS;
const CUR = WIN + WIN_SIZE; // index of the case being run
const SIG = CUR + 4; // signal number, written by the handler
const CODE = WIN + 0x200;
const IN_REC = 36 + WIN_SIZE; // popad image (32) + EFLAGS (4) + window
export const OUT_HEADER = 16; // es cs ss ds fs gs selectors (words), padding
export const OUT_REC = 40 + WIN_SIZE; // pushad image (32) + EFLAGS + ESP + window

/** What the host computed for one case. */
export interface NativeResult {
  /** eax ecx edx ebx esp ebp esi edi after the instruction. */
  regs: Uint32Array;
  eflags: number;
  mem: Uint8Array;
}

export interface NativeRun {
  /** Segment selectors the host gave the process: es cs ss ds fs gs. */
  selectors: number[];
  /** By case id; absent for cases that faulted natively. */
  results: Map<number, NativeResult>;
  /** Cases that faulted natively, with the signal. */
  faulted: Array<{ c: DiffCase; signal: number }>;
}

class Emitter {
  readonly bytes: number[] = [];
  constructor(readonly origin: number) {}
  get here(): number {
    return this.origin + this.bytes.length;
  }
  b(...v: number[]): this {
    this.bytes.push(...v);
    return this;
  }
  d(v: number): this {
    for (let k = 0; k < 4; k++) this.bytes.push((v >>> (8 * k)) & 0xff);
    return this;
  }
  movRegImm(r: number, v: number): this {
    return this.b(0xb8 + r).d(v); // mov r32, imm32
  }
  syscall(nr: number, ebx: number, ecx?: number, edx?: number): this {
    this.movRegImm(0, nr).movRegImm(3, ebx);
    if (ecx !== undefined) this.movRegImm(1, ecx);
    if (edx !== undefined) this.movRegImm(2, edx);
    return this.b(0xcd, 0x80); // int 0x80
  }
  /** mov esi, src; mov edi, dst; mov ecx, WIN_SIZE/4; cld; rep movsd */
  copy(dst: number, src: number): this {
    return this.movRegImm(6, src).movRegImm(7, dst).movRegImm(1, WIN_SIZE / 4).b(0xfc, 0xf3, 0xa5);
  }
}

/** Build the harness program for `cases` (possibly none: the host probe). */
export function buildHarness(cases: readonly DiffCase[]): Uint8Array {
  const e = new Emitter(CODE);
  // Signal handler: [SIG] = signal; write(2, CUR, 8); exit(42).
  const handler = e.here;
  e.b(0x8b, 0x44, 0x24, 0x04); // mov eax, [esp+4]
  e.b(0xa3).d(SIG); // mov [SIG], eax
  e.syscall(4, 2, CUR, 8).syscall(1, 42);
  const entry = e.here;
  const codeSize = 512 + cases.reduce((n, c) => n + c.bytes.length + 90, 0);
  const inBase = (CODE + codeSize + 15) & ~15;
  const outBase = (inBase + cases.length * IN_REC + 15) & ~15;
  // Prologue: record the selectors, then catch the signals a faulting case raises.
  for (let s = 0; s < 6; s++) e.b(0x8c, (s << 3) | 5).d(outBase + 2 * s); // mov [out+2s], sreg
  for (const sig of [4, 5, 7, 8, 11]) e.syscall(48 /* signal */, sig, handler);
  cases.forEach((c, k) => {
    const inRec = inBase + k * IN_REC;
    const outRec = outBase + OUT_HEADER + k * OUT_REC;
    e.b(0xc7, 0x05).d(CUR).d(k); // mov dword [CUR], k
    e.copy(WIN, inRec + 36);
    e.b(0xbc).d(inRec); // mov esp, inRec
    e.b(0x61, 0x9d); // popad; popfd
    e.b(0xbc).d(ESP0); // mov esp, ESP0 (flags untouched)
    e.b(...c.bytes);
    e.b(0x89, 0x25).d(outRec + 36); // mov [outRec+36], esp
    e.b(0xbc).d(outRec + 36); // mov esp, outRec+36
    e.b(0x9c, 0x60); // pushfd; pushad
    e.copy(outRec + 40, WIN);
  });
  // Epilogue: write(1, out, n) until done; exit(0), or exit(3) if write fails.
  const outLen = OUT_HEADER + cases.length * OUT_REC;
  e.movRegImm(1, outBase).movRegImm(2, outLen);
  const loop = e.here;
  e.movRegImm(0, 4).movRegImm(3, 1).b(0xcd, 0x80);
  e.b(0x85, 0xc0, 0x7e, 0x00); // test eax, eax; jle fail (patched below)
  const jle = e.bytes.length;
  e.b(0x01, 0xc1, 0x29, 0xc2); // add ecx, eax; sub edx, eax
  e.b(0x75, (loop - (e.here + 2)) & 0xff); // jnz loop
  e.syscall(1, 0);
  e.bytes[jle - 1] = e.bytes.length - jle;
  e.syscall(1, 3); // fail:
  if (e.here > inBase) throw new Error('harness code overflowed its estimate');

  const payload = new Uint8Array(outBase - PAYLOAD);
  payload.set(e.bytes, CODE - PAYLOAD);
  cases.forEach((c, k) => {
    const v = new DataView(payload.buffer, inBase - PAYLOAD + k * IN_REC, IN_REC);
    const r = c.regs; // popad order: edi esi ebp (esp) ebx edx ecx eax
    [r[7], r[6], r[5], 0, r[3], r[2], r[1], r[0], c.eflags].forEach((x, j) => v.setUint32(4 * j, x >>> 0, true));
    payload.set(c.mem, inBase - PAYLOAD + k * IN_REC + 36);
  });
  return buildElf32({ payload, entry, bss: outLen });
}

function runElf(dir: string, elf: Uint8Array, timeoutMs: number) {
  const path = join(dir, 'harness');
  writeFileSync(path, elf);
  chmodSync(path, 0o755);
  return spawnSync(path, [], { timeout: timeoutMs, maxBuffer: elf.length * 2 + (1 << 20) });
}

/** Can this host run i386 Linux programs? Returns null if yes, else the reason. */
export function probeHost(): string | null {
  if (process.platform !== 'linux') return `platform is ${process.platform}`;
  if (process.arch !== 'x64' && process.arch !== 'ia32') return `CPU architecture is ${process.arch}`;
  const dir = mkdtempSync(join(tmpdir(), 'forkbox-diff-'));
  try {
    const r = runElf(dir, buildHarness([]), 10000);
    if (r.error) return `running an i386 ELF failed: ${r.error.message}`;
    if (r.status !== 0) return `an i386 ELF exited with ${r.status ?? r.signal}`;
    if (r.stdout.length !== OUT_HEADER) return `an i386 ELF wrote ${r.stdout.length} bytes, expected ${OUT_HEADER}`;
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run the cases natively; cases that fault are dropped and reported. */
export function runNative(cases: readonly DiffCase[], timeoutMs = 30000): NativeRun {
  const dir = mkdtempSync(join(tmpdir(), 'forkbox-diff-'));
  const faulted: NativeRun['faulted'] = [];
  let todo = cases.slice();
  try {
    for (let round = 0; round < 200; round++) {
      const r = runElf(dir, buildHarness(todo), timeoutMs);
      if (r.error) throw new Error(`native harness: ${r.error.message}`);
      if (r.status === 42 && r.stderr.length >= 8) {
        const k = r.stderr.readUInt32LE(0);
        faulted.push({ c: todo[k], signal: r.stderr.readUInt32LE(4) });
        todo = todo.filter((_, j) => j !== k);
        continue;
      }
      if (r.status !== 0) throw new Error(`native harness exited with ${r.status ?? r.signal}: ${r.stderr.toString()}`);
      const out = r.stdout;
      if (out.length !== OUT_HEADER + todo.length * OUT_REC) throw new Error(`native harness wrote ${out.length} bytes`);
      const selectors = [0, 1, 2, 3, 4, 5].map((s) => out.readUInt16LE(2 * s));
      const results = new Map<number, NativeResult>();
      todo.forEach((c, k) => {
        const o = OUT_HEADER + k * OUT_REC;
        const p = (j: number) => out.readUInt32LE(o + 4 * j); // pushad: edi esi ebp esp ebx edx ecx eax
        const regs = Uint32Array.of(p(7), p(6), p(5), p(4), out.readUInt32LE(o + 36), p(2), p(1), p(0));
        results.set(c.id, { regs, eflags: out.readUInt32LE(o + 32), mem: Uint8Array.from(out.subarray(o + 40, o + 40 + WIN_SIZE)) });
      });
      return { selectors, results, faulted };
    }
    throw new Error('native harness: too many faulting cases');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
