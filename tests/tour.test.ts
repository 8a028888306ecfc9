// `forkbox tour` / `npm start`: the narrated tour runs every step to its expected end and
// shows the programs' output and the kernel's figures.

import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { findGuestPrograms, runTour } from '../src/demo/tour.js';

describe('forkbox tour', () => {
  let text = '';
  let code: number | undefined;
  // Run once, in the first test that needs it.
  const tour = () => {
    code ??= runTour({ write: (s) => void (text += s) });
    return text;
  };

  it('finds guest-programs/ and ends every step as expected', { timeout: 60_000 }, () => {
    expect(findGuestPrograms()).toMatch(/guest-programs$/);
    tour();
    expect(code).toBe(0);
    expect(text).not.toMatch(/did not end as expected/);
  });

  it('narrates fork, vfork, its misuse, clone and copy-on-write in order', () => {
    const steps = [...tour().matchAll(/── (\d)\/5 · ([^─]+) ─/g)].map((m) => `${m[1]} ${m[2].trim()}`);
    expect(steps).toEqual([
      '1 fork: two processes, one page, until someone writes',
      "2 vfork: the child borrows the parent's memory",
      '3 vfork, misused: the child returns instead of calling _exit',
      '4 clone: choose what to share',
      '5 copy-on-write across three generations',
    ]);
  });

  it("shows each program's output", () => {
    const text = tour();
    expect(text).toMatch(/│ I am the child process, pid=\d+, count is 1 \(0x[0-9a-f]+\)/);
    expect(text).toMatch(/│ I am the parent process, pid=\d+, count is 0/);
    expect(text).toMatch(/│ cnt=1\n.*│ I am the child process, pid=\d+\n.*│ cnt=2\n/);
    expect(text).toMatch(/│ \(kernel log\) .*segfault at 0/);
    expect(text).toMatch(/killed by signal 11 \(SIGSEGV\)/);
    expect(text).toMatch(/│ parent: the child exited with status 7; shared=42/);
    expect(text).toMatch(/│ grandparent: after its parent and child wrote, value=1/);
  });

  it('shows the --stats figures after each step, and COW beating copy-at-fork', () => {
    const text = tour();
    const figures = [...text.matchAll(/forks (\d+) · page faults (\d+): COW copies (\d+), COW reuses (\d+) · context switches (\d+)/g)];
    expect(figures).toHaveLength(5);
    const [fork, vfork] = figures.map((m) => m.slice(1).map(Number));
    expect(fork[2]).toBeGreaterThan(0); // the child's ++count was a COW copy
    expect(vfork[2]).toBe(0); // vfork copies nothing
    expect(text.match(/[\d,]+ cycles: [\d.]+ ms of guest time at 100 MHz/g)).toHaveLength(5);
    const cow = /copy-on-write +([\d,]+) cycles +(\d+) frames at peak/.exec(text)!;
    const copy = /copy at fork +([\d,]+) cycles +(\d+) frames at peak/.exec(text)!;
    const num = (s: string) => Number(s.replace(/,/g, ''));
    expect(num(copy[1])).toBeGreaterThan(num(cow[1]));
    expect(num(copy[2])).toBeGreaterThan(num(cow[2]) + 16); // the 64 KiB buffer, copied
  });

  it('is the `tour` command; it takes no arguments', { timeout: 60_000 }, async () => {
    let out = '';
    let err = '';
    const io = { stdout: (s: string) => void (out += s), stderr: (s: string) => void (err += s) };
    expect(await main(['tour'], io)).toBe(0);
    expect(out).toBe(tour());
    expect(await main(['tour', 'extra'], io)).toBe(2);
    expect(err).toMatch(/tour takes no arguments/);
  });
});
