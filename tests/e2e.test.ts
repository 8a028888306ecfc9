// End-to-end: every guest program (guest-programs/*.asm) assembled by forkbox's assembler
// and run on the forkbox kernel; its output and exit code must equal its golden file
// (tests/golden/<name>.out), and afterwards the kernel's invariants must hold (every
// frame free again, no writable PTE on a shared frame, no zombie, no task left).
//
// The same ELF file also runs natively where the host runs i386 Linux programs, and
// under qemu-i386 where it is installed: the outputs must agree with forkbox's once pids
// are normalised (P1, P2 … in order of appearance). A program the host or qemu cannot
// run faithfully says why with a visible SKIP (helpers/guest-e2e.ts lists them).
//
// This test never writes a golden file. After an intended change of output, regenerate
// them with `npm run accept` (scripts/accept-golden.ts) and review the diff.

import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { e2eVariants, buildProgram, nativeUnavailable, normalizePids, qemuUnavailable, readGolden, removeScratch, runForkbox, runHost, writeExecutable } from './helpers/guest-e2e.js';

const variants = e2eVariants();
/** Per test: a run takes well under a second, but the suite may share a loaded host. */
const TIMEOUT = 60_000;

afterAll(removeScratch);

describe('guest programs end to end', () => {
  it('has the programs the issue asks for', () => {
    const names = new Set(variants.map((v) => v.program));
    for (const p of ['fork-cow', 'vfork', 'vfork-return-crash', 'clone-vm', 'cow-generations', 'wait-zombie-orphan', 'nanosleep-order', 'forkbomb-eagain']) {
      expect(names.has(p), `guest-programs/${p}.asm`).toBe(true);
    }
  });

  for (const v of variants) {
    describe(v.name, () => {
      // Built and run once, on first use (in a test, so that a failure is that test's).
      let built: Uint8Array | undefined;
      const elf = () => (built ??= buildProgram(v.program));
      let ran: ReturnType<typeof runForkbox> | undefined;
      const forkbox = () => (ran ??= runForkbox(v, elf()));

      it('forkbox: output and exit code = the golden file', () => {
        const golden = readGolden(v.name);
        expect(golden, `tests/golden/${v.name}.out is missing: run \`npm run accept\` and review it`).not.toBeNull();
        expect(forkbox().transcript).toBe(golden);
      }, TIMEOUT);

      it('forkbox: kernel invariants hold after the run, every task gone', () => {
        expect(forkbox().violations).toEqual([]);
      }, TIMEOUT);

      // First-generation Unix fork (every page copied at fork) must not change behaviour.
      it.skipIf(v.options.forkMode !== undefined)('forkbox --fork-mode=copy: the same output, invariants hold', () => {
        const copy = runForkbox({ ...v, options: { ...v.options, forkMode: 'copy' } }, elf());
        expect(copy.transcript).toBe(forkbox().transcript);
        expect(copy.violations).toEqual([]);
      }, TIMEOUT);

      it('native run agrees (pids normalised)', () => {
        const why = typeof v.native === 'string' ? v.native : nativeUnavailable();
        if (why) {
          console.warn(`SKIP ${v.name} native: ${why}`);
          return;
        }
        const host = runHost(writeExecutable(v.name, elf()), []);
        expect(host.error).toBeUndefined();
        expect(normalizePids(host.transcript)).toBe(normalizePids(forkbox().transcript));
      }, TIMEOUT);

      it('qemu-i386 agrees (pids normalised)', () => {
        const why = typeof v.qemu === 'string' ? v.qemu : qemuUnavailable();
        if (why) {
          console.warn(`SKIP ${v.name} qemu-i386: ${why}`);
          return;
        }
        const q = runHost('qemu-i386', [writeExecutable(v.name, elf())]);
        expect(q.error).toBeUndefined();
        expect(normalizePids(q.transcript)).toBe(normalizePids(forkbox().transcript));
      }, TIMEOUT);
    });
  }

  // forkbomb-eagain.max-tasks-16 is forkbox-only (as root, RLIMIT_NPROC does not apply).
  // As an unprivileged user with a small RLIMIT_NPROC, Linux fails the forks with EAGAIN
  // too: same messages, though which forks fail depends on the host's scheduling.
  it('forkbomb-eagain natively, as an unprivileged user with RLIMIT_NPROC=20: EAGAIN too', () => {
    const why = nativeUnavailable() ??
      (process.getuid?.() !== 0 ? 'not root: cannot switch to an unprivileged user' : null) ??
      (['prlimit', 'setpriv'].find((c) => spawnSync(c, ['--version']).status !== 0) ? 'prlimit or setpriv (util-linux) missing' : null);
    if (why) {
      console.warn(`SKIP forkbomb-eagain native EAGAIN: ${why}`);
      return;
    }
    const exe = writeExecutable('forkbomb-eagain', buildProgram('forkbomb-eagain'));
    const r = runHost('prlimit', ['--nproc=20', 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', exe]);
    expect(r.error).toBeUndefined();
    const lines = normalizePids(r.transcript).trimEnd().split('\n');
    expect(lines[0]).toBe('fork bomb: every process forks until generation 6: at most 64 processes');
    const failures = lines.filter((l) => /^pid=P\d+: fork failed with -11 \(EAGAIN\)$/.test(l));
    expect(failures.length).toBeGreaterThan(0);
    expect(lines.length).toBe(1 + failures.length + 3);
    expect(lines.at(-3)).toMatch(/^processes created: (\d|[1-5]\d|6[0-3]) of 64 \(the first included\)$/);
    expect(lines.slice(-2)).toEqual(['the other forks failed with EAGAIN: the task limit held', '[exit 0]']);
  }, TIMEOUT);
});
