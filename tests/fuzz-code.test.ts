// Guest code fuzzing (issue 9), the quick run: random ring-3 code and mutated guest
// programs through the real kernel (tests/fuzz/code-*.ts); `npm run fuzz` is the long run.
// Every run must end with an exit, a signal, a clean loader error, or a kill at the cycle
// budget — never a host exception, a panic or a hang — and leave the kernel's invariants
// intact (no frame leaked, no task left).

import { describe, expect, it } from 'vitest';
import { buildElf32, ELF_BASE, ELF_HEADERS } from './helpers/elf-mini.js';
import { DATA_SIZE, genCodeCase } from './fuzz/code-gen.js';
import { genMutateCase, loadRanges, mutationCorpus } from './fuzz/code-mutate.js';
import { caseSeed, FUZZ_MAX_CYCLES, fuzzOne, newStats, reproduceCommand, runCase, summaryLine, type FuzzKind } from './fuzz/code-run.js';
import { assembleProgram } from './helpers/kernel-machine.js';

/** The quick run's seed and size: fixed, so `npm test` runs the same cases every time. */
const SEED = 0x9f00d;
const RUNS = 200;

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}

function elfOf(code: number[]): Uint8Array {
  return buildElf32({ payload: Uint8Array.from(code), entry: ELF_BASE + ELF_HEADERS });
}

describe('the fuzz runner', () => {
  it('kills a program that spins past the budget, with its children, and leaks nothing', () => {
    // fork; fork; then jmp $ in all four tasks
    const r = runCase(elfOf([0xb8, 2, 0, 0, 0, 0xcd, 0x80, 0xb8, 2, 0, 0, 0, 0xcd, 0x80, 0xeb, 0xfe]));
    expect(r.failures).toEqual([]);
    expect(r.outcome).toBe('budget');
  });

  it('kills a program that sleeps forever (pause) at the deadlock', () => {
    const r = runCase(elfOf([0xb8, 29, 0, 0, 0, 0xcd, 0x80, 0xeb, 0xfe]));
    expect(r.failures).toEqual([]);
    expect(r.outcome).toBe('deadlock');
  });

  it('names the signal of a program killed by a fault, and an exit', () => {
    expect(runCase(elfOf([0x0f, 0x0b])).outcome).toBe('SIGILL'); // ud2
    expect(runCase(elfOf([0xf4])).outcome).toBe('SIGSEGV'); // hlt in ring 3: #GP
    expect(runCase(elfOf([0xcc])).outcome).toBe('SIGTRAP');
    expect(runCase(elfOf([0x31, 0xc9, 0xf7, 0xf1])).outcome).toBe('SIGFPE'); // div ecx = 0
    expect(runCase(elfOf([0xbb, 3, 0, 0, 0, 0xb8, 1, 0, 0, 0, 0xcd, 0x80])).outcome).toBe('exit');
  });

  it('calls a file the loader refuses a rejected ELF', () => {
    const elf = elfOf([0xeb, 0xfe]);
    elf[18] = 62; // e_machine EM_X86_64
    const r = runCase(elf);
    expect(r.failures).toEqual([]);
    expect(r.outcome).toBe('rejected-elf');
  });
});

// Inputs the fuzzer found bugs with (each: the case, and what was wrong).
describe('fuzz regressions', () => {
  it('INTO with TF set enters the #OF handler without a single-step trap in the kernel (code case 0xdd4a81af)', () => {
    // Found by `npx tsx scripts/fuzz.ts --seed 7 --runs 4000` (run 3394, code case
    // 0xdd4a81af, before the 'special' mix was added): after the prologue (registers → the
    // data area), sub ebx,[ebx]; push 0xb18cad67; popf (TF, OF); into → the CPU trapped
    // #DB at the kernel's first instruction: "kernel panic: exception 1 (error -1) in
    // kernel mode at eip 0xc0001098". Fixed in src/cpu/cpu.ts (step: no single-step trap
    // after an instruction that delivered a software interrupt).
    const prologue = [0xb8, 0xfe, 0xce, 0x04, 0x08, 0xb9, 0x6e, 0xc1, 0x04, 0x08, 0xba, 0x0b, 0xca, 0x04, 0x08, 0xbb,
      0x17, 0xca, 0x04, 0x08, 0xbd, 0xe6, 0xca, 0x04, 0x08, 0xbe, 0xe6, 0xcb, 0x04, 0x08, 0xbf, 0xeb, 0xce, 0x04, 0x08];
    const code = [0x2b, 0x1b, 0x68, 0x67, 0xad, 0x8c, 0xb1, 0x9d, 0xce, 0xcd, 0x27, 0x1e, 0x94, 0xf2, 0x48, 0x48, 0x8a,
      0xbb, 0x00, 0x00, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xcd, 0x80];
    const payload = new Uint8Array(0x4000 + DATA_SIZE); // code, int3 padding, the data area (zeroes)
    payload.fill(0xcc, 0, 0x4000);
    payload.set([...prologue, ...code]);
    const r = runCase(buildElf32({ payload, entry: ELF_BASE + ELF_HEADERS }));
    expect(r.failures).toEqual([]);
    expect(r.outcome).toBe('SIGSEGV'); // #OF is SIGSEGV on Linux
    // The same three instructions alone.
    const minimal = runCase(elfOf([0x68, ...le32(0xb18cad67), 0x9d, 0xce]));
    expect(minimal.failures).toEqual([]);
    expect(minimal.outcome).toBe('SIGSEGV');
  });

  it('INT 0x80 and INT3 with TF set: the trap comes after the instruction that follows, in user mode', () => {
    // pushfd; or dword [esp], 0x100; popfd; mov eax, 20 (getpid); int 0x80; nop → SIGTRAP
    const tfOn = [0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d];
    for (const insn of [[0xb8, 20, 0, 0, 0, 0xcd, 0x80], [0xcd, 0x03], [0xcc]]) {
      const r = runCase(elfOf([...tfOn, ...insn, 0x90, 0xeb, 0xfe]));
      expect(r.failures).toEqual([]);
      expect(r.outcome).toBe('SIGTRAP');
    }
  });
});

describe('fuzz regressions (JIT)', () => {
  it('lea with a register operand is #UD in compiled code too (code case 0x6c41eaa8)', () => {
    // Found by `npx tsx scripts/fuzz.ts --seed 90909 --minutes 12` (run 4366, code case
    // 0x6c41eaa8): a SIGILL handler re-ran the block starting with `lea ebp, edi` (8d ef,
    // #UD); once the block was hot, the JIT's inline template computed an "address" instead
    // of raising #UD: "JIT and interpreter differ: JIT budget … 43850 instructions;
    // interpreter budget … 150667 instructions". Fixed in src/cpu/jit.ts (inline: no
    // template for the register form).
    const c = genCodeCase(0x6c41eaa8);
    expect([...c.code.subarray(0, 12)]).toEqual([0x8d, 0xef, 0xbb, 0x11, 0x42, 0x38, 0x01, 0xb9, 0x61, 0xca, 0x14, 0xb5]);
    const r = runCase(c.elf, FUZZ_MAX_CYCLES, true);
    expect(r.failures).toEqual([]);
    // The same in a few lines: 50 times #UD, then exit(0); the bug reached the int3.
    const elf = assembleProgram(`
section .text
global _start
_start: mov ebx, 4                  ; rt_sigaction(SIGILL, &act, NULL, 8)
        mov ecx, act
        xor edx, edx
        mov esi, 8
        mov eax, 174
        int 0x80
handler:
        inc dword [count]
        cmp dword [count], 50
        jae done
        db 0x8d, 0xef               ; lea ebp, edi: #UD
        int3
done:   mov ebx, 0
        mov eax, 1
        int 0x80
section .data
act:    dd handler, 0x40000000, 0, 0, 0   ; SA_NODEFER
count:  dd 0
`);
    for (const compare of [false, true]) {
      const small = runCase(elf, FUZZ_MAX_CYCLES, compare);
      expect(small.failures).toEqual([]);
      expect(small.outcome).toBe('exit');
    }
  });

  it('a hot one-instruction block single-steps under TF (code case 0x691becbc)', () => {
    // Found by the same run (run 7342, code case 0x691becbc): random flags with TF, a
    // block of one instruction run often enough to be compiled; step() ran the compiled
    // block and skipped the single-step trap after it: "JIT and interpreter differ: JIT
    // budget … 113555 instructions; interpreter budget … 118070 instructions". Fixed in
    // src/cpu/cpu.ts (step: with TF set, interpret).
    expect(runCase(genCodeCase(0x691becbc).elf, FUZZ_MAX_CYCLES, true).failures).toEqual([]);
    // The same in a few lines: every instruction traps; the handler counts the traps and
    // the exit status is the count — the same with the JIT on and off.
    const elf = assembleProgram(`
section .text
global _start
_start: mov ebx, 5                  ; rt_sigaction(SIGTRAP, &act, NULL, 8)
        mov ecx, act
        xor edx, edx
        mov esi, 8
        mov eax, 174
        int 0x80
        mov ecx, 100
        pushfd
        or dword [esp], 0x100       ; TF
        popfd
l1:     jmp l2                      ; one-instruction blocks, run 100 times each
l2:     loop l1
        pushfd
        and dword [esp], ~0x100
        popfd
        mov ebx, [count]
        mov eax, 1
        int 0x80
handler:
        inc dword [count]
        ret
section .data
act:    dd handler, 0, 0, 0, 0
count:  dd 0
`);
    const small = runCase(elf, FUZZ_MAX_CYCLES, true);
    expect(small.failures).toEqual([]);
    expect(small.outcome).toBe('exit');
  });
});

describe('the generators', () => {
  it('are deterministic: the same seed gives the same ELF', () => {
    const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
    for (const s of [1, 2, 0xdeadbeef]) {
      expect(same(genCodeCase(s).elf, genCodeCase(s).elf)).toBe(true);
      expect(same(genMutateCase(s).elf, genMutateCase(s).elf)).toBe(true);
    }
    expect(same(genCodeCase(1).elf, genCodeCase(2).elf)).toBe(false);
  }, 60_000);

  it('mutate the corpus of guest programs inside their segments or their headers', () => {
    const corpus = mutationCorpus();
    expect(corpus.length).toBeGreaterThan(20);
    for (let s = 0; s < 40; s++) {
      const c = genMutateCase(s);
      const orig = corpus.find((p) => p.program === c.program)!.elf;
      expect(c.edits.length).toBeGreaterThan(0);
      const changed: number[] = [];
      for (let i = 0; i < Math.max(orig.length, c.elf.length); i++) if (orig[i] !== c.elf[i]) changed.push(i);
      if (c.kind === 'body') {
        const ranges = loadRanges(orig);
        for (const i of changed) expect(ranges.some(([a, b]) => i >= a && i < b)).toBe(true);
      } else {
        const phEnd = new DataView(orig.buffer, orig.byteOffset).getUint32(28, true) + 32 * new DataView(orig.buffer, orig.byteOffset).getUint16(44, true);
        const truncated = c.elf.length < orig.length;
        for (const i of changed) expect(truncated || i < phEnd).toBe(true);
      }
    }
  }, 60_000);
});

describe('the quick fuzz run', () => {
  it(`runs ${RUNS} cases (seed ${SEED}) with no failure`, () => {
    const stats = newStats();
    const lines: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const kind: FuzzKind = i % 2 ? 'mutate' : 'code';
      const seed = caseSeed(SEED, i);
      const f = fuzzOne(stats, kind, seed);
      if (f) lines.push(`${f.describe}\n  ${f.failures.slice(0, 5).join('\n  ')}\n  reproduce: ${reproduceCommand(kind, seed)}`);
    }
    console.log(summaryLine(stats));
    expect(lines).toEqual([]);
    expect(stats.runs).toBe(RUNS);
    // The cases reach every kind of end: not a degenerate generator.
    const count = (re: RegExp) => [...stats.outcomes].filter(([k]) => re.test(k)).reduce((n, [, c]) => n + c, 0);
    expect(count(/^code:SIGSEGV$/)).toBeGreaterThan(0);
    expect(count(/^code:(SIGILL|SIGTRAP|SIGFPE|SIGBUS)$/)).toBeGreaterThan(0);
    expect(count(/:budget$/)).toBeGreaterThan(0);
    expect(count(/^mutate-body:exit$/)).toBeGreaterThan(0);
    expect(count(/^mutate-header:rejected-elf$/)).toBeGreaterThan(0);
    expect(count(/^mutate-body:rejected-elf$/)).toBe(0);
  }, 120_000);
});
