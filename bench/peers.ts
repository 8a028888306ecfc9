// The three systems a benchmark runs on, the same ELF on each:
//   forkbox  in-process: runProgram (src/run.ts) with --mem-prealloc, host time by
//            process.hrtime around the whole run (boot included), plus the guest's
//            cycles / instructions / k.stats
//   native   spawnSync of the ELF, when the host runs i386 Linux programs (detected once)
//   qemu     spawnSync('qemu-i386', [elf, …]), when qemu-i386 is installed
// A peer that cannot run is reported with the reason, never silently dropped.
//
// Process start-up (and forkbox's boot) is removed by a baseline: every measurement is
// paired with a run of the same program doing zero work (see cow.ts / fork.ts / cpu.ts).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../src/asm/assembler.js';
import { runProgram } from '../src/run.js';
import type { KernelStats } from '../src/guest/kernel.js';

export type PeerName = 'forkbox' | 'native' | 'qemu';
export const PEERS: PeerName[] = ['forkbox', 'native', 'qemu'];

/** One run of a program: host milliseconds, and for forkbox the guest's counters. */
export interface Sample {
  ms: number;
  cycles?: number;
  instructions?: number;
  kernelCycles?: number;
  cowCopies?: number;
}

export interface RunSpec {
  args: string[];
  /** forkbox only. */
  memSize?: number;
  /** forkbox only: --mem-prealloc, touch all of guest RAM at machine creation (default:
   *  on, so the host's first touch of a page is not timed as part of a COW copy). */
  memPrealloc?: boolean;
  forkMode?: 'cow' | 'copy';
}

/** The repository root: the directory holding guest-programs/bench (bundled or not). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'guest-programs', 'bench', 'cow.asm'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find guest-programs/bench/ (run from the forkbox repository)');
}

/** Assemble guest-programs/bench/NAME.asm with forkbox's assembler. */
export function assembleBench(name: string): Uint8Array {
  const path = join(repoRoot(), 'guest-programs', 'bench', `${name}.asm`);
  const r = assemble(readFileSync(path, 'utf8'), path, (p) => readFileSync(p, 'utf8'));
  if (!r.ok || !r.elf) {
    const e = r.errors[0];
    throw new Error(e ? `${e.loc.file}:${e.loc.line}: ${e.message}` : `${path}: no program`);
  }
  return r.elf;
}

export interface Peers {
  /** Available peers; missing ones map to the reason. */
  available: Record<PeerName, true | string>;
  /** Run a program (by name, assembled once) on a peer. */
  run(peer: PeerName, program: string, spec: RunSpec): Sample;
  dispose(): void;
}

export function detectPeers(programs: string[]): Peers {
  const dir = mkdtempSync(join(tmpdir(), 'forkbox-bench-'));
  const elfs = new Map<string, Uint8Array>();
  const paths = new Map<string, string>();
  for (const name of programs) {
    const elf = assembleBench(name);
    elfs.set(name, elf);
    const path = join(dir, name);
    writeFileSync(path, elf);
    chmodSync(path, 0o755);
    paths.set(name, path);
  }
  const probe = paths.get(programs[0])!;
  const probeRun = (cmd: string, args: string[]): true | string => {
    const r = spawnSync(cmd, args, { timeout: 10_000 });
    if (r.error) return `cannot run: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`;
    if (r.status !== 0) return `probe exited with ${r.status ?? r.signal}`;
    return true;
  };
  const zero = ['0', '0'];
  const available: Record<PeerName, true | string> = {
    forkbox: true,
    native: process.platform !== 'linux' ? `host is ${process.platform}, not Linux` : probeRun(probe, zero),
    qemu: probeRun('qemu-i386', [probe, ...zero]),
  };
  if (available.native !== true) available.native = `the host does not run i386 ELF programs (${available.native})`;
  if (available.qemu !== true) available.qemu = `qemu-i386 unavailable (${available.qemu})`;

  const run = (peer: PeerName, program: string, spec: RunSpec): Sample => {
    if (peer === 'forkbox') {
      const path = `/bench/${program}`;
      const t0 = process.hrtime.bigint();
      const r = runProgram({
        files: new Map([[path, elfs.get(program)!]]), argv: [path, ...spec.args],
        memSize: spec.memSize, memPrealloc: spec.memPrealloc ?? true, forkMode: spec.forkMode, maxCycles: Infinity,
      });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.end !== 'exit' || r.exitCode !== 0) throw new Error(`forkbox ${program} ${spec.args.join(' ')}: ${r.message} (exit ${r.exitCode})`);
      const st: KernelStats = r.kernel.stats;
      return { ms, cycles: r.cycles, instructions: r.instructions, kernelCycles: st.kernelCycles, cowCopies: st.cowCopies };
    }
    const [cmd, args] = peer === 'native' ? [paths.get(program)!, spec.args] : ['qemu-i386', [paths.get(program)!, ...spec.args]];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { timeout: 600_000 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${peer} ${program} ${spec.args.join(' ')}: exit ${r.status ?? r.signal}`);
    return { ms };
  };
  return { available, run, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Stat { median: number; min: number; max: number; samples: number[] }

export function stat(values: number[]): Stat {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], samples: values };
}
