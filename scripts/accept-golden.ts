// `npm run accept`: regenerate the golden files of the end-to-end test (tests/golden/*.out)
// from forkbox's current behaviour, and say which changed. The only writer of golden
// files: tests/e2e.test.ts compares, never writes. Review `git diff tests/golden` before
// committing: a golden file states what the program is supposed to print.
//
//   npm run accept                  every variant
//   npm run accept -- vfork clone   only the variants whose names contain one of the words
//
// Run with tsx; the kernel embeds binaries (`import x from './entry.bin'`), which the
// hook registered below loads as Uint8Array, as esbuild and vitest.config.ts do.

import { register } from 'node:module';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BIN_LOADER = `
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export async function load(url, context, next) {
  const path = url.split('?')[0];
  if (path.startsWith('file:') && path.endsWith('.bin')) {
    const b64 = readFileSync(fileURLToPath(path)).toString('base64');
    return { format: 'module', shortCircuit: true,
      source: 'export default Uint8Array.from(atob(' + JSON.stringify(b64) + '), (c) => c.charCodeAt(0));' };
  }
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(BIN_LOADER)}`);

const { GOLDEN_DIR, e2eVariants, readGolden, runForkbox } = await import('../tests/helpers/guest-e2e.js');

const words = process.argv.slice(2);
const variants = e2eVariants().filter((v) => words.length === 0 || words.some((w) => v.name.includes(w)));
if (variants.length === 0) {
  console.error(`accept-golden: no variant matches ${words.join(' ')}`);
  process.exit(2);
}
if (!existsSync(GOLDEN_DIR)) mkdirSync(GOLDEN_DIR, { recursive: true });

let changed = 0;
let bad = 0;
for (const v of variants) {
  const { transcript, violations } = runForkbox(v);
  const old = readGolden(v.name);
  const state = old === null ? 'new' : old === transcript ? 'same' : 'CHANGED';
  if (state !== 'same') {
    writeFileSync(join(GOLDEN_DIR, `${v.name}.out`), transcript);
    changed++;
  }
  const lines = transcript.trimEnd().split('\n');
  const said = lines.length > 1 ? lines.at(-2)!.slice(0, 60) : '';
  console.log(`${state.padEnd(7)} ${v.name.padEnd(30)} ${lines.at(-1)!.padEnd(9)} ${said}`);
  if (violations.length > 0) {
    bad++;
    for (const line of violations) console.log(`        kernel invariant: ${line}`);
  }
}

// Golden files no variant produces any more.
if (words.length === 0) {
  const names = new Set(variants.map((v) => `${v.name}.out`));
  for (const f of readdirSync(GOLDEN_DIR)) if (f.endsWith('.out') && !names.has(f)) console.log(`stale   ${f} (no program produces it: delete it)`);
}

console.log(`\n${changed} golden file(s) written to tests/golden/; review them with \`git diff tests/golden\`.`);
if (bad > 0) {
  console.log(`${bad} run(s) broke kernel invariants: the e2e test will fail on them.`);
  process.exit(1);
}
