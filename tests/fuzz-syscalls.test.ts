// Syscall fuzzing (issue 9): seeded random syscalls from several processes at once
// (tests/fuzz/syscalls-gen.ts, syscalls-run.ts) end in errno results, signals or the
// runner's SIGKILL — never a host exception, a bad result or a leak. A failure prints
// the seed. FUZZSYS_SEEDS=a,b,... reruns given seeds; FUZZSYS_SECONDS=N runs seeds from
// FUZZSYS_FIRST (default 1000) on for N seconds instead (the long run; FUZZSYS_CALLS,
// FUZZSYS_PROCS and FUZZSYS_MEM_MIB change its calls per worker, workers and memory).

import { describe as suite, expect, it } from 'vitest';
import { describe, runSyscallFuzz, type Result } from './fuzz/syscalls-run.js';
import { generateSyscallProgram } from './fuzz/syscalls-gen.js';
import { runScript, sc } from './helpers/syscall-script.js';
import { check_invariants } from '../src/guest/memory.js';
import { NR, SIG } from '../src/guest/abi.js';

const QUICK_SEEDS = [1, 2, 5, 7, 8];
const SEEDS = process.env.FUZZSYS_SEEDS ? process.env.FUZZSYS_SEEDS.split(',').map(Number) : QUICK_SEEDS;
const LONG = Number(process.env.FUZZSYS_SECONDS ?? 0);

function summary(rs: Result[]): string {
  const calls = rs.reduce((s, r) => s + r.calls, 0);
  const names = new Set(rs.flatMap((r) => Object.keys(r.perSyscall)));
  const errnos: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.errno)) errnos[k] = (errnos[k] ?? 0) + v;
  return `${rs.length} runs, ${calls} syscalls, ${names.size} distinct numbers; results ${JSON.stringify(errnos)}`;
}

suite('syscall fuzzing', () => {
  if (LONG > 0) {
    it(`long run: ${LONG} s`, () => {
      const end = Date.now() + LONG * 1000;
      const rs: Result[] = [];
      const bad: string[] = [];
      for (let seed = Number(process.env.FUZZSYS_FIRST ?? 1000); Date.now() < end; seed++) {
        const r = runSyscallFuzz(seed, {
          calls: Number(process.env.FUZZSYS_CALLS ?? 300),
          procs: process.env.FUZZSYS_PROCS ? Number(process.env.FUZZSYS_PROCS) : undefined,
          memSize: process.env.FUZZSYS_MEM_MIB ? Number(process.env.FUZZSYS_MEM_MIB) << 20 : undefined,
        });
        rs.push({ ...r, source: '' });
        if (r.violations.length) {
          bad.push(describe(r));
          console.log(describe(r));
        }
        if (rs.length % 50 === 0) console.log(`seed ${seed}: ${summary(rs)}`);
      }
      console.log(`LONG RUN: ${summary(rs)}; ${bad.length} failing seeds`);
      expect(bad).toEqual([]);
    }, (LONG + 300) * 1000);
    return;
  }

  const results: Result[] = [];
  for (const seed of SEEDS) {
    it(`seed ${seed}: errno results and no leak`, () => {
      const r = runSyscallFuzz(seed, { calls: 150 });
      results.push(r);
      if (process.env.FUZZSYS_VERBOSE) console.log(seed, r.end, r.calls, r.cycles, r.killed, JSON.stringify(r.exits), JSON.stringify(r.errno));
      expect(r.violations, describe(r)).toEqual([]);
    }, 60_000);
  }

  it('a seed gives the same run twice; another seed, another program', () => {
    const a = runSyscallFuzz(3, { calls: 60, procs: 3 });
    const b = runSyscallFuzz(3, { calls: 60, procs: 3 });
    expect(b.violations).toEqual([]);
    expect({ ...b, source: '' }).toEqual({ ...a, source: '' });
    expect(generateSyscallProgram(4, { calls: 60, procs: 3 }).source).not.toBe(a.source);
  }, 60_000);

  it('the generator covers the table, unimplemented numbers and hostile arguments', () => {
    const p = generateSyscallProgram(11, { calls: 400, procs: 8 });
    const calls = p.workers.flatMap((w) => w.calls);
    const nrs = new Set(calls.map((c) => c.nr));
    expect(nrs.size).toBeGreaterThan(150);
    expect(calls.some((c) => c.nr < 0)).toBe(true);
    expect(calls.some((c) => c.nr >= 512)).toBe(true);
    expect(calls.some((c) => c.nr === NR.exit || c.nr === NR.exit_group)).toBe(false);
    const args = new Set(calls.flatMap((c) => c.args.map((v) => v >>> 0)));
    for (const v of [0xc0000000, 0x50000ffc, 0x50002ffc, 1024, 65535, 4095, 0x7fffffff, 0xffffffff]) expect(args.has(v), `0x${v.toString(16)}`).toBe(true);
    expect(new Set(p.workers.map((w) => w.kind)).size).toBeGreaterThan(1);
  });

  it('init (pid 1) survives every signal a process sends it, kill(-1) included', () => {
    const r = runScript([
      sc('kill', 1, SIG.SIGKILL), sc('kill', 1, SIG.SIGSTOP), sc('kill', 1, SIG.SIGTERM), sc('kill', 1, SIG.SIGSEGV),
      sc('kill', -1, SIG.SIGKILL), sc('tkill', 1, SIG.SIGKILL), sc('tgkill', 1, 1, SIG.SIGKILL), sc('getpid'),
    ]);
    expect(r.outcome.end).toBe('exit');
    expect(r.exitCode).toBe(0);
    // Permitted and ignored by init (root may signal it); kill(-1) finds no other process.
    expect(r.results).toEqual([0, 0, 0, 0, -3, 0, 0, 2]);
    expect(check_invariants(r.outcome.kernel)).toEqual([]);
  });

  it('the calls reach the kernel\'s error paths', () => {
    // What makes the runs above mean something: many calls, many syscalls, many errnos.
    const calls = results.reduce((s, r) => s + r.calls, 0);
    const names = new Set(results.flatMap((r) => Object.keys(r.perSyscall)));
    const errnos = new Set(results.flatMap((r) => Object.keys(r.errno)));
    expect(calls, summary(results)).toBeGreaterThan(1000);
    expect(names.size, summary(results)).toBeGreaterThan(100);
    for (const e of ['EFAULT', 'EBADF', 'EINVAL', 'ENOSYS', 'ESRCH']) expect(errnos.has(e), summary(results)).toBe(true);
  });
});
