// Guest code fuzzing, part 1: random ring-3 code as a minimal ELF (tests/helpers/elf-mini.ts).
//
// One case is a seed; the same seed gives the same ELF everywhere. The .text is N items,
// each one of:
//   bytes     1-8 uniformly random bytes
//   insn      an instruction of the opcode table (src/cpu/optable.ts): random prefixes,
//             the opcode, a ModRM of a random form (SIB, disp8/disp32) and immediates
//   special   a sequence aimed at the kernel/CPU boundary: int 0x80 with a random eax
//             (and pointer-ish arguments), privileged instructions, far jumps/calls/rets
//             with kernel and user selectors, segment-register loads, iret, popf of random
//             flags (IOPL, IF, TF, NT, VM, AC), in/out, int n, int3, into, ud2 …
// The mix decides the proportions: 'bytes' (all random), 'insn' (mostly the table),
// 'mixed' (all three), 'special' (mostly the special sequences). A prologue may point every general register (not esp) into the
// writable data area that follows the code, so memory operands sometimes hit mapped memory
// and the code gets further than its first load; an epilogue may exit(0), or loop back to
// the register set-up 40-99 times (hot blocks: the JIT compiles them).
//
// The segment is RWX (the code may modify itself: the JIT's invalidation is fuzzed too).

import { ALL_OPS, hasZ, needsModrm, type OpDef } from '../../src/cpu/optable.js';
import { USER_CS, USER_DS, KERNEL_CS, KERNEL_DS } from '../../src/guest/layout.js';
import {
  NR, SIG, CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_THREAD, CLONE_SETTLS, CLONE_PARENT_SETTID,
  CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_VFORK, CLONE_PARENT, MAP_PRIVATE, MAP_SHARED, MAP_ANONYMOUS,
  MAP_FIXED, MAP_GROWSDOWN, PROT_GROWSDOWN,
} from '../../src/guest/abi.js';
import { SA_NODEFER, SA_RESETHAND, SA_SIGINFO } from '../../src/guest/sigset.js';
import { buildElf32, ELF_BASE, ELF_HEADERS } from '../helpers/elf-mini.js';
import { mulberry32 } from '../helpers/rng.js';

export type CodeMix = 'bytes' | 'insn' | 'mixed' | 'special';
export const CODE_MIXES: readonly CodeMix[] = ['bytes', 'insn', 'mixed', 'special'];

/** A small random source over mulberry32. */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  u8(): number {
    return this.next() & 0xff;
  }
}

/** Bytes of data area after the code; the prologue's pointers land in its first half. */
export const DATA_SIZE = 0x2000;
const PREFIXES = [0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65];
const SELECTORS = [0, 1, 3, 4, 0x08, 0x10, 0x18, 0x23, 0x2b, 0x33, KERNEL_CS, KERNEL_DS, USER_CS, USER_DS,
  USER_CS & ~3, USER_DS & ~3, 0x80, 0x83, 0xfffc, 0xffff,
  0x07, 0x0f, 0x17, 0x33, 0x3b, 0x43, 0x4b, 0x30];
const INTERESTING32 = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xc0000000, 0xbffffffc, 0xbffff000, 0x1000, 0xfff, 0x08048000];
/** System calls worth more than their 1/450 share. */
const HOT_SYSCALLS: number[] = [NR.fork, NR.vfork, NR.clone, NR.execve, NR.brk, NR.mmap, NR.mmap2, NR.munmap,
  NR.mprotect, NR.mremap, NR.madvise, NR.sigreturn, NR.rt_sigreturn, NR.rt_sigaction, NR.sigaction, NR.sigaltstack,
  NR.rt_sigprocmask, NR.set_thread_area, NR.get_thread_area, NR.modify_ldt, NR.kill, NR.tkill, NR.tgkill,
  NR.exit, NR.exit_group, NR.write, NR.read, NR.pipe, NR.dup2, NR.wait4, NR.waitpid, NR.nanosleep, NR.futex,
  NR.set_tid_address, NR.signal, NR.alarm, NR.setitimer, NR.sched_yield, NR.rt_sigsuspend, NR.prctl,
  NR.readv, NR.writev, NR.poll, NR.getrandom, NR.open, NR.close, NR.msync, NR.mlock];
/** Instructions that need CPL 0 (or IOPL 3) and must fault in ring 3. */
const PRIVILEGED: number[][] = [
  [0xf4], [0xfa], [0xfb], [0x0f, 0x06], [0x0f, 0x08], [0x0f, 0x09], [0x0f, 0x30], [0x0f, 0x32], [0x0f, 0x31],
  [0x0f, 0x01, 0x10], [0x0f, 0x01, 0x18], [0x0f, 0x01, 0x38], [0x0f, 0x01, 0xf0], [0x0f, 0x00, 0xd0], [0x0f, 0x00, 0xd8],
  [0x0f, 0x22, 0xc0], [0x0f, 0x22, 0xd8], [0x0f, 0x22, 0xe0], [0x0f, 0x20, 0xc0], [0x0f, 0x20, 0xd8], [0x0f, 0x23, 0xf8],
  [0x0f, 0x21, 0xc0], [0x0f, 0x01, 0x00], [0x0f, 0x01, 0x08], [0x0f, 0x00, 0x00], [0x0f, 0x00, 0x08], [0x0f, 0x01, 0xe0],
  [0x0f, 0x01, 0x30], [0x0f, 0x02, 0xc0], [0x0f, 0x03, 0xc0], [0x0f, 0x00, 0xe0], [0x0f, 0x00, 0xe8], [0x0f, 0xa2],
];

/** The operand bytes that follow opcode and ModRM, from the SDM operand notation. */
function immediateBytes(def: OpDef, opsize16: boolean): number {
  let n = 0;
  for (const op of def.operands.split(',')) {
    const o = op.trim();
    if (o === 'Ib' || o === 'Ibs' || o === 'Jb') n += 1;
    else if (o === 'Iw') n += 2;
    else if (o === 'Iv' || o === 'Jv' || o === 'Jz' || o === 'Iz') n += opsize16 ? 2 : 4;
    else if (o === 'Id') n += 4;
    else if (o === 'Ap') n += opsize16 ? 4 : 6;
    else if (/^O[bvwd]$/.test(o)) n += 4;
  }
  return n;
}

export interface CodeCase {
  seed: number;
  mix: CodeMix;
  elf: Uint8Array;
  /** The random .text (after the prologue), for printing a failing case. */
  code: Uint8Array;
}

class Emitter {
  readonly out: number[] = [];
  constructor(readonly rng: Rng, readonly dataAddr: number) {}
  b(...bytes: number[]): void {
    for (const x of bytes) this.out.push(x & 0xff);
  }
  d(v: number): void {
    this.b(v, v >>> 8, v >>> 16, v >>> 24);
  }
  /** A 32-bit value that is sometimes a pointer into the data area, sometimes interesting. */
  value(): number {
    const r = this.rng;
    const k = r.int(4);
    if (k === 0) return (this.dataAddr + r.int(DATA_SIZE)) >>> 0;
    if (k === 1) return r.pick(INTERESTING32);
    if (k === 2) return r.int(256);
    return r.next();
  }
  /** mov r32, imm32 */
  movImm(reg: number, v: number): void {
    this.b(0xb8 + reg);
    this.d(v);
  }
  pushImm(v: number): void {
    this.b(0x68);
    this.d(v);
  }
}

function emitRandomBytes(e: Emitter): void {
  const n = 1 + e.rng.int(8);
  for (let i = 0; i < n; i++) e.b(e.rng.u8());
}

function emitTableInsn(e: Emitter): void {
  const r = e.rng;
  const def = r.pick(ALL_OPS);
  let opsize16 = false;
  const nprefix = r.chance(0.25) ? 1 + r.int(3) : 0;
  for (let i = 0; i < nprefix; i++) {
    const p = r.pick(PREFIXES);
    if (p === 0x66) opsize16 = true;
    e.b(p);
  }
  const code = [...def.code];
  if (hasZ(def)) code[code.length - 1] += r.int(8);
  e.b(...code);
  if (needsModrm(def)) {
    let mod = r.int(4);
    if (def.modrm === 'mem' && mod === 3) mod = r.int(3);
    if (def.modrm === 'reg' || def.rm !== undefined) mod = 3;
    const reg = def.ext ?? r.int(8);
    const rm = def.rm ?? r.int(8);
    e.b((mod << 6) | (reg << 3) | rm);
    if (mod !== 3 && rm === 4) e.b(r.u8()); // SIB
    if (mod === 1) e.b(r.u8());
    else if (mod === 2 || (mod === 0 && rm === 5)) e.d(r.chance(0.5) ? e.value() : r.next());
  }
  const imm = immediateBytes(def, opsize16);
  if (imm === 4 && r.chance(0.5)) e.d(e.value());
  else for (let i = 0; i < imm; i++) e.b(r.u8());
}

function emitSpecial(e: Emitter): void {
  const r = e.rng;
  switch (r.int(16)) {
    case 0:
    case 1: {
      // int 0x80 with a random system call number and arguments; half of them among the
      // calls that touch the CPU state, the address space or the task list.
      const k = r.int(20);
      const nr = k < 9 ? r.pick(HOT_SYSCALLS) : k < 18 ? r.int(450) : r.next();
      for (let reg = 1; reg <= 7; reg++) if (reg !== 4 && r.chance(0.6)) e.movImm(reg, e.value());
      e.movImm(0, nr);
      e.b(0xcd, 0x80);
      break;
    }
    case 2:
      e.b(...r.pick(PRIVILEGED));
      break;
    case 3: {
      // far jmp / call / ret with a random selector
      const sel = r.pick(SELECTORS);
      const off = e.value();
      const k = r.int(4);
      if (k === 0) { e.b(0xea); e.d(off); e.b(sel, sel >>> 8); }
      else if (k === 1) { e.b(0x9a); e.d(off); e.b(sel, sel >>> 8); }
      else { e.pushImm(sel); e.pushImm(off); e.b(k === 2 ? 0xcb : 0xca, r.u8(), 0); }
      break;
    }
    case 4: {
      // load a segment register: mov Sreg, ax / pop Sreg
      e.movImm(0, r.chance(0.8) ? r.pick(SELECTORS) : r.next());
      const k = r.int(3);
      if (k === 0) e.b(0x8e, 0xc0 | (r.int(8) << 3));
      else {
        e.b(0x50);
        e.b(...r.pick([[0x07], [0x17], [0x1f], [0x0f, 0xa1], [0x0f, 0xa9]]));
      }
      break;
    }
    case 5: {
      // lds/les/lfs/lgs/lss from a far pointer in the data area
      const ptr = (e.dataAddr + 8 * r.int(64)) >>> 0;
      e.movImm(6, ptr); // esi
      e.b(0xc7, 0x06); e.d(e.value()); // mov dword [esi], offset
      e.b(0x66, 0xc7, 0x46, 0x04, ...((s) => [s & 0xff, s >>> 8])(r.pick(SELECTORS))); // mov word [esi+4], sel
      e.b(...r.pick([[0xc5, 0x3e], [0xc4, 0x3e], [0x0f, 0xb4, 0x3e], [0x0f, 0xb5, 0x3e], [0x0f, 0xb2, 0x3e]]));
      break;
    }
    case 6: {
      // iret with a random frame
      e.pushImm(r.chance(0.5) ? USER_DS : r.pick(SELECTORS)); // ss
      e.pushImm(e.value()); // esp
      e.pushImm(r.next()); // eflags
      e.pushImm(r.chance(0.5) ? USER_CS : r.pick(SELECTORS)); // cs
      e.pushImm(e.value()); // eip
      if (r.chance(0.2)) e.b(0x66);
      e.b(0xcf);
      break;
    }
    case 7: {
      // popf with random flags (IOPL, IF, TF, NT, AC, VM, ID …)
      e.pushImm(r.chance(0.5) ? r.next() : (1 << r.int(22)) | 2);
      if (r.chance(0.2)) e.b(0x66);
      e.b(0x9d);
      break;
    }
    case 8: {
      // port I/O
      e.movImm(2, r.chance(0.5) ? r.int(0x400) : r.next()); // edx
      e.b(...r.pick([[0xe4, r.u8()], [0xe5, r.u8()], [0xe6, r.u8()], [0xe7, r.u8()], [0xec], [0xed], [0xee], [0xef],
        [0x6c], [0x6d], [0x6e], [0x6f], [0xf3, 0x6c], [0xf3, 0x6f]]));
      break;
    }
    case 9:
      // software interrupts and traps
      e.b(...r.pick([[0xcd, r.u8()], [0xcd, r.int(0x30)], [0xcc], [0xce], [0xf1], [0x0f, 0x0b], [0x62, 0x06]]));
      break;
    case 10: {
      // division: by zero or overflowing
      e.movImm(0, r.pick(INTERESTING32));
      e.movImm(2, r.pick(INTERESTING32));
      e.movImm(1, r.pick([0, 0xffffffff, 1, 2]));
      e.b(0xf7, r.chance(0.5) ? 0xf9 : 0xf1); // idiv ecx / div ecx
      break;
    }
    case 11: {
      // sigreturn / rt_sigreturn from a stack of random words (selectors, flags, pointers)
      const n = 8 + r.int(40);
      for (let i = 0; i < n; i++) e.pushImm(r.chance(0.3) ? r.pick(SELECTORS) : e.value());
      e.movImm(0, r.chance(0.5) ? NR.sigreturn : NR.rt_sigreturn);
      e.b(0xcd, 0x80);
      break;
    }
    case 12: {
      // set_thread_area with a random user_desc, then load %gs with a TLS/LDT selector
      const desc = (e.dataAddr + DATA_SIZE - 0x80) >>> 0;
      e.movImm(3, desc); // ebx
      e.b(0xc7, 0x03); e.d(r.chance(0.5) ? 0xffffffff : r.int(16)); // entry_number
      e.b(0xc7, 0x43, 4); e.d(e.value()); // base_addr
      e.b(0xc7, 0x43, 8); e.d(r.chance(0.5) ? 0xfffff : r.next()); // limit
      e.b(0xc7, 0x43, 12); e.d(r.next() & 0x7f); // flags
      e.movImm(0, r.chance(0.8) ? NR.set_thread_area : NR.modify_ldt);
      e.b(0xcd, 0x80);
      e.movImm(0, r.pick(SELECTORS));
      e.b(0x8e, r.chance(0.5) ? 0xe8 : 0xe0); // mov gs/fs, ax
      e.b(0x65, 0x8b, 0x00); // mov eax, [gs:eax]
      break;
    }
    case 13: {
      // the address space: mmap/mprotect/munmap/mremap/brk/madvise on plausible ranges
      // (the code and data themselves, the stack, kernel space), then touch the result
      const addr = r.pick([0, ELF_BASE, ELF_BASE + 0x1000, e.dataAddr, e.dataAddr + 0x1000, 0xbffff000, 0xbfffe000,
        0xc0000000, 0xbffff000 - 0x10000, 0x40000000, 0xfffff000, r.next() & ~0xfff, r.next()]);
      const len = r.pick([0, 1, 0x1000, 0x2000, 0x10000, 0x100000, 0x7fffffff, 0xfffff000, 0xffffffff, r.int(0x20000)]);
      const which = r.pick([NR.mmap2, NR.mmap2, NR.mprotect, NR.munmap, NR.mremap, NR.brk, NR.madvise, NR.mlock, NR.msync]);
      e.movImm(3, addr);
      e.movImm(1, len);
      e.movImm(2, r.chance(0.8) ? r.int(8) | (r.chance(0.1) ? PROT_GROWSDOWN : 0) : r.next());
      e.movImm(6, r.pick([MAP_PRIVATE | MAP_ANONYMOUS, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, MAP_SHARED | MAP_ANONYMOUS,
        MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, MAP_PRIVATE, MAP_SHARED, r.next()]));
      e.movImm(7, r.chance(0.7) ? 0xffffffff : r.int(5));
      e.movImm(5, r.chance(0.8) ? 0 : r.next());
      e.movImm(0, which);
      e.b(0xcd, 0x80);
      if (r.chance(0.3)) {
        // touch page after page: mov ecx, n; 1: mov [eax], eax; add eax, 4096; loop 1b
        e.movImm(1, r.pick([16, 256, 1024, 4096]));
        e.b(0x89, 0x00, 0x05, 0x00, 0x10, 0x00, 0x00, 0xe2, 0xf7);
      } else if (r.chance(0.7)) e.b(0x89, 0x00); // mov [eax], eax
      break;
    }
    case 14: {
      // clone with plausible flag combinations: threads and processes on random stacks
      let flags = r.chance(0.8) ? SIG.SIGCHLD : r.int(65);
      for (const f of [CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_THREAD, CLONE_SETTLS, CLONE_PARENT_SETTID,
        CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_VFORK, CLONE_PARENT]) if (r.chance(0.35)) flags |= f;
      e.movImm(3, flags);
      e.movImm(1, r.chance(0.7) ? (e.dataAddr + 0x200 + 16 * r.int(0x100)) >>> 0 : e.value()); // stack
      e.movImm(2, e.value()); // parent_tid
      e.movImm(6, r.chance(0.5) ? (e.dataAddr + DATA_SIZE - 0x80) >>> 0 : e.value()); // tls (a user_desc)
      e.movImm(7, e.value()); // child_tid
      e.movImm(0, NR.clone);
      e.b(0xcd, 0x80);
      break;
    }
    default: {
      // an indirect jump or call through a random register value
      e.movImm(0, e.value());
      e.b(0xff, r.chance(0.5) ? 0xe0 : 0xd0);
      break;
    }
  }
}

/** Build the random ELF of one case. */
export function genCodeCase(seed: number, mix?: CodeMix): CodeCase {
  const r = new Rng(seed);
  const m = mix ?? r.pick(CODE_MIXES);
  const codeAddr = ELF_BASE + ELF_HEADERS;
  // The code has at most 16 KiB (the rest is padding); the data area follows it.
  const dataAddr = codeAddr + 0x4000;
  const e = new Emitter(r, dataAddr);
  // Sometimes catch the fault signals with handlers that run the random code again
  // (SA_NODEFER: nested faults are delivered, not fatal): signal delivery and sigreturn
  // with random state, until the stack or the budget runs out.
  const handlers = r.chance(0.3);
  const sigactionAt = e.out.length;
  if (handlers) {
    const act = dataAddr + DATA_SIZE - 0x40;
    e.movImm(7, act); // edi = act
    e.b(0xc7, 0x07); e.d(0); // handler, patched below
    e.b(0xc7, 0x47, 0x04); e.d(SA_NODEFER | (r.chance(0.5) ? SA_SIGINFO : 0) | (r.chance(0.1) ? SA_RESETHAND : 0));
    for (const off of [8, 12, 16]) { e.b(0xc7, 0x47, off); e.d(r.chance(0.8) ? 0 : r.next()); }
    for (const sig of [SIG.SIGILL, SIG.SIGTRAP, SIG.SIGBUS, SIG.SIGFPE, SIG.SIGSEGV]) {
      e.movImm(3, sig);
      e.movImm(1, act);
      e.movImm(2, 0);
      e.movImm(6, 8);
      e.movImm(0, NR.rt_sigaction);
      e.b(0xcd, 0x80);
    }
  }
  const regsAt = e.out.length;
  if (handlers || r.chance(0.85)) {
    for (const reg of [0, 1, 2, 3, 5, 6, 7]) e.movImm(reg, (dataAddr + 0x100 + r.int(DATA_SIZE / 2)) >>> 0);
  }
  const prologue = e.out.length;
  const items = 1 + r.int(m === 'bytes' ? 8 : 40);
  for (let i = 0; i < items; i++) {
    const p = r.int(100);
    if (m === 'bytes') emitRandomBytes(e);
    else if (m === 'insn') (p < 85 ? emitTableInsn : p < 95 ? emitSpecial : emitRandomBytes)(e);
    else if (m === 'special') (p < 10 ? emitTableInsn : emitSpecial)(e);
    else (p < 40 ? emitTableInsn : p < 75 ? emitSpecial : emitRandomBytes)(e);
  }
  // The end: exit(0), nothing (the padding runs), or a loop back to the register set-up
  // while a counter in the data area lasts — the blocks get hot and run compiled (jit.ts).
  const end = r.int(3);
  const counter = (dataAddr + DATA_SIZE - 0x10) >>> 0;
  let loopAt = -1;
  if (end === 2) {
    e.b(0xff, 0x0d); e.d(counter); // dec dword [counter]
    loopAt = e.out.length;
    e.b(0x0f, 0x85); e.d(0); // jnz regsAt (patched below)
  }
  if (end !== 1) { e.movImm(3, 0); e.movImm(0, NR.exit); e.b(0xcd, 0x80); }
  if (e.out.length > 0x4000) e.out.length = 0x4000;
  if (loopAt >= 0 && loopAt + 6 <= e.out.length) {
    const rel = regsAt - (loopAt + 6);
    for (let i = 0; i < 4; i++) e.out[loopAt + 2 + i] = (rel >>> (8 * i)) & 0xff;
  }
  if (handlers) {
    const handler = codeAddr + (r.chance(0.7) ? regsAt : prologue + r.int(e.out.length - prologue + 1));
    for (let i = 0; i < 4; i++) e.out[sigactionAt + 7 + i] = (handler >>> (8 * i)) & 0xff;
  }
  const payload = new Uint8Array(0x4000 + DATA_SIZE);
  payload.set(e.out, 0);
  // The data area: zeroes, or random bytes (pointers, flags for the far pointers …).
  if (r.chance(0.5)) for (let i = 0x4000; i < payload.length; i++) payload[i] = r.u8();
  new DataView(payload.buffer).setUint32(counter - codeAddr, 40 + r.int(60), true); // the loop's counter
  // Padding between code and data: more random code, zeroes (add [eax], al), or int3s.
  const pad = r.int(3);
  for (let i = e.out.length; i < 0x4000; i++) payload[i] = pad === 0 ? 0 : pad === 1 ? 0xcc : r.u8();
  const elf = buildElf32({ payload, entry: codeAddr, bss: r.chance(0.5) ? 0x1000 : 0 });
  return { seed, mix: m, elf, code: Uint8Array.from(e.out.slice(prologue)) };
}
