// Guest code fuzzing, part 2: random mutations of valid programs — the ELFs of
// guest-programs/*.asm, assembled by forkbox's own assembler.
//
// Two kinds, chosen per case:
//   body     1-8 mutations inside the loaded segments' file bytes (.text and .data):
//            flip a bit, overwrite a byte, overwrite a dword with an interesting value,
//            insert a byte (the rest of that segment shifts by one, its last byte drops)
//   header   1-4 mutations of the ELF header and the program header table (the same
//            operations, with interesting values such as huge sizes, kernel addresses,
//            misaligned offsets), or a truncation of the file; the loader must either
//            run the result or reject it cleanly (execve's error, init's exit 127)

import { readdirSync } from 'node:fs';
import { buildProgram, GUEST_PROGRAMS, NOT_E2E } from '../helpers/guest-e2e.js';
import { Rng } from './code-gen.js';

export type MutateKind = 'body' | 'header';

export interface MutateCase {
  seed: number;
  kind: MutateKind;
  program: string;
  elf: Uint8Array;
  /** What was done, one short phrase per mutation (for printing a failing case). */
  edits: string[];
}

let corpus: Array<{ program: string; elf: Uint8Array }> | null = null;

/** The guest programs, assembled once per process (sorted by name: stable across hosts). */
export function mutationCorpus(): Array<{ program: string; elf: Uint8Array }> {
  if (!corpus) {
    corpus = readdirSync(GUEST_PROGRAMS)
      .filter((f) => f.endsWith('.asm') && !Object.hasOwn(NOT_E2E, f) && f !== 'macros.asm')
      .sort()
      .map((f) => f.slice(0, -4))
      .flatMap((program) => {
        try {
          return [{ program, elf: buildProgram(program) }];
        } catch {
          return []; // an include-only file, not a program
        }
      });
  }
  return corpus;
}

/** File ranges [start, end) of the PT_LOAD segments' bytes (the program's .text/.data). */
export function loadRanges(elf: Uint8Array): Array<[number, number]> {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const phoff = v.getUint32(28, true);
  const phnum = v.getUint16(44, true);
  const out: Array<[number, number]> = [];
  const headersEnd = phoff + phnum * 32;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * 32;
    if (v.getUint32(ph, true) !== 1) continue;
    const start = Math.max(v.getUint32(ph + 4, true), headersEnd);
    const end = Math.min(v.getUint32(ph + 4, true) + v.getUint32(ph + 16, true), elf.length);
    if (end > start) out.push([start, end]);
  }
  return out;
}

const INTERESTING32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x1000, 0xfff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe,
  0xc0000000, 0xbffff000, 0xbfffffff, 0x08048000, 0x08048001, 0x10000000, 0x00400000, 0x40000000];
const INTERESTING8 = [0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x20, 0x34];

function mutateAt(r: Rng, elf: Uint8Array, start: number, end: number, edits: string[], header: boolean): void {
  const at = start + r.int(end - start);
  const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
  switch (r.int(header ? 5 : 4)) {
    case 0: {
      const bit = r.int(8);
      elf[at] ^= 1 << bit;
      edits.push(`flip bit ${bit} at ${hex(at)}`);
      break;
    }
    case 1: {
      const b = r.chance(0.5) ? r.u8() : r.pick(INTERESTING8);
      elf[at] = b;
      edits.push(`byte ${hex(b)} at ${hex(at)}`);
      break;
    }
    case 2: {
      const a = header ? Math.min(at & ~3, end - 4) : Math.min(at, end - 4);
      if (a < start) break;
      const v = r.chance(0.7) ? r.pick(INTERESTING32) : r.next();
      new DataView(elf.buffer, elf.byteOffset).setUint32(a, v, true);
      edits.push(`dword ${hex(v)} at ${hex(a)}`);
      break;
    }
    case 3: {
      const b = r.u8();
      elf.copyWithin(at + 1, at, end - 1);
      elf[at] = b;
      edits.push(`insert ${hex(b)} at ${hex(at)} (shifting to ${hex(end)})`);
      break;
    }
    default: {
      // a 16-bit field (e_type, e_machine, e_phentsize, e_phnum …) set to a small or odd value
      const a = Math.min(at & ~1, end - 2);
      const v = r.pick([0, 1, 2, 3, 7, 0x20, 0x21, 0x40, 0x100, 0x7fff, 0xffff]);
      elf[a] = v & 0xff;
      elf[a + 1] = v >>> 8;
      edits.push(`word ${hex(v)} at ${hex(a)}`);
    }
  }
}

/** Build the mutated ELF of one case (kind: chosen by the seed unless given). */
export function genMutateCase(seed: number, kind?: MutateKind): MutateCase {
  const r = new Rng(seed);
  const progs = mutationCorpus();
  const k: MutateKind = kind ?? (r.chance(0.6) ? 'body' : 'header');
  const base = r.pick(progs);
  let elf = Uint8Array.from(base.elf);
  const edits: string[] = [];
  if (k === 'body') {
    const ranges = loadRanges(elf);
    const n = 1 + r.int(8);
    for (let i = 0; i < n && ranges.length; i++) {
      const [s, e] = r.pick(ranges);
      mutateAt(r, elf, s, e, edits, false);
    }
  } else if (r.chance(0.1)) {
    const len = r.chance(0.5) ? r.int(52 + 32 * 3) : r.int(elf.length);
    elf = elf.slice(0, len);
    edits.push(`truncate to ${len} bytes`);
  } else {
    const v = new DataView(elf.buffer);
    const phoff = v.getUint32(28, true);
    const phEnd = Math.min(phoff + v.getUint16(44, true) * 32, elf.length);
    const n = 1 + r.int(4);
    for (let i = 0; i < n; i++) {
      if (r.chance(0.35) || phEnd <= phoff) mutateAt(r, elf, 0, 52, edits, true);
      else mutateAt(r, elf, phoff, phEnd, edits, true);
    }
  }
  return { seed, kind: k, program: base.program, elf, edits };
}
