// A test program's output as `key value` lines (the `show "key"` style of the kernel
// tests): parse it, and check the values of many keys at once.

import { expect } from 'vitest';

/** Lines `key value...` of a program's output as a map key → rest of the line (the last
 *  value of a key wins). */
export function outputFields(r: { stdout: string }): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) m.set(line.slice(0, sp), line.slice(sp + 1));
  }
  return m;
}

/** The values of a key, in order. */
export function fieldValues(r: { stdout: string }, key: string): string[] {
  return r.stdout.split('\n').filter((l) => l.startsWith(`${key} `)).map((l) => l.slice(key.length + 1));
}

/** Every key of `expected` has that value in the output (numbers compared as their
 *  decimal text); `f` is a run or its outputFields. */
export function expectFields(f: { stdout: string } | Map<string, string>, expected: Record<string, string | number>): void {
  const m = f instanceof Map ? f : outputFields(f);
  for (const [key, value] of Object.entries(expected)) expect(m.get(key), key).toBe(String(value));
}
