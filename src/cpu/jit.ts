// The second tier: hot basic blocks compiled into JavaScript functions.
//
// A block that has run JIT_THRESHOLD times is turned into the source of one function in
// which each instruction is either inlined from a template below (the instructions that
// dominate compiled code: mov, the ALU group, inc/dec, lea, push/pop, call/ret, jumps) or
// a call of its interpreter handler. V8 then compiles that function to machine code.
//
// What the compiled code keeps exactly as the interpreter does:
// - Architectural state after every instruction that can fault. An inlined memory access
//   takes the TLB fast path inline; its slow path records `c.cur` first, so a fault
//   rewinds EIP to that instruction (cpu.ts) and all earlier instructions are complete.
//   The slow path walks without throwing (mmu.ts tryWrite32/read32NF…): a #PF of a
//   page-local access returns JIT_FAULT from the block, so the common faults (COW, demand
//   paging) cost no JavaScript exception (V8 builds a message for every throw). Handler
//   calls and page-crossing accesses still throw FAULT, which the run loop catches.
// - Cycles and retired instructions: added once at the end; on a fault the CPU adds the
//   part of the block before the faulting instruction (Insn.cyclesBefore/pos), so the
//   counts are identical whether a block ran compiled or interpreted.
// - Flags: producers keep the lazy-flag record (flags.ts). A producer whose record is
//   overwritten by the next producer before anything could observe it (a handler call,
//   a possible fault, the block end) does not store it; a Jcc right after its producer
//   tests the producer's JavaScript values directly ("flag fusion").
//
// The compiled function assumes the segments it inlines are flat and the stack is
// 32-bit; it checks this on entry and returns JIT_NOT_RUN (run interpreted) otherwise.
// A load of DS/ES/FS/GS does not end a block: after one, the compiled code checks the
// loaded segment again (when it inlines accesses through it) and, if it is not flat,
// returns JIT_RESUME + k so that the run loop interprets the rest of the same block.

import { EFLAGS_ARITH, EFLAGS_CF, EFLAGS_DF, ESP, REG_NONE, SEG_SS } from './constants.js';
import type { CPU } from './cpu.js';
import type { Insn } from './insn.js';
import type { Block } from './blocks.js';
import { LOP_ADD, LOP_DEC, LOP_INC, LOP_LOGIC, LOP_SUB } from './flags.js';

export const JIT_THRESHOLD = 32;

/**
 * A compiled block returns JIT_NOT_RUN when its entry guards fail (run it interpreted),
 * JIT_DONE when it ran to its end, and JIT_FAULT when an instruction faulted without a
 * throw: `c.cur` is that instruction and FAULT holds the vector and error code (the
 * common #PF of a page-local access is reported so; anything else still throws FAULT).
 */
export type CompiledBlock = (c: CPU, I: Insn[]) => number;
export const JIT_NOT_RUN = 0;
export const JIT_DONE = 1;
export const JIT_FAULT = 2;
/**
 * JIT_RESUME + k: a segment load in the block (instruction k-1, see OpDef.loadsSeg) left
 * a segment the rest of the compiled code inlines non-flat. Instructions 0..k-1 are
 * complete and their cycles charged (not their instret); the run loop interprets the
 * block from instruction k on, within the same block.
 */
export const JIT_RESUME = 3;

/** The flag producer the generator last saw, with the JS expressions holding its values. */
interface Producer {
  op: number; // LOP_*
  /** Index in `parts` of its lazy-record store, or -1 once kept. */
  store: number;
}

const ARITH = EFLAGS_ARITH;

class Gen {
  parts: string[] = [];
  /** Segment registers whose flatness the inlined code relies on. */
  segs = new Set<number>();
  stack = false;
  last: Producer | null = null;
  k = 0;

  emit(s: string): void {
    this.parts.push(s);
  }

  /** Something may observe the flags record: keep the last producer's store. */
  observe(): void {
    this.last = null;
  }

  /** A producer: fa, fb, fr hold operands and result. */
  produce(op: number, size: number): void {
    if (this.last && this.last.store >= 0) this.parts[this.last.store] = '';
    const store = this.parts.length;
    this.emit(`c.lop=${op};c.la=fa;c.lb=fb;c.lres=fr;c.lsize=${size};c.lazy=${ARITH};`);
    this.last = { op, store };
  }

  /** Cycles already added to c.cycles by the code emitted so far. */
  flushed = 0;
  /** Cycles of the block up to and including the current instruction. */
  upto = 0;

  /** The offset expression of the memory operand (int32). */
  off(i: Insn): string {
    const terms: string[] = [];
    if (i.base !== REG_NONE) terms.push(`r[${i.base}]`);
    if (i.index !== REG_NONE) terms.push(i.scale ? `(r[${i.index}]<<${i.scale})` : `r[${i.index}]`);
    if (i.disp !== 0 || terms.length === 0) terms.push(String(i.disp | 0));
    let off = terms.join('+');
    if (i.amask !== -1) off = `((${off})&${i.amask})`;
    return off;
  }

  /** The linear address expression of the memory operand (int32). */
  lin(i: Insn): string {
    this.segs.add(i.seg);
    return `(sb[${i.seg}]+${this.off(i)})|0`;
  }

  /** A 32-bit load of the linear address in `a` into `dst`; a #PF returns JIT_FAULT
   *  before anything is written. */
  load32(dst: string, kind: 'read32' | 'rmw32' = 'read32'): string {
    const mask = kind === 'read32' ? 'rmk' : 'wmk';
    return `e=t[a>>>12];if((e&${mask})===1&&(a&3)===0)v=M32[((e&-4096)|(a&4095))>>>2];else{c.cur=I[${this.k}];v=m.${kind}NF(a);if(m.nf!==0){m.nf=0;return ${JIT_FAULT};}}${dst}=v;`;
  }

  /** A 32-bit store of `val` to the linear address in `addr`. */
  store32(addr: string, val: string): string {
    return `e=t[${addr}>>>12];if((e&wmk)===1&&(${addr}&3)===0)M32[((e&-4096)|(${addr}&4095))>>>2]=${val};else{c.cur=I[${this.k}];if(!m.tryWrite32(${addr},${val}))return ${JIT_FAULT};}`;
  }

  read32(i: Insn, dst: string): string {
    return `a=${this.lin(i)};${this.load32(dst)}`;
  }

  write32(i: Insn, val: string): string {
    return `a=${this.lin(i)};${this.store32('a', val)}`;
  }

  read8(i: Insn, dst: string): string {
    return `a=${this.lin(i)};e=t[a>>>12];if((e&rmk)===1)v=U8[(e&-4096)|(a&4095)];else{c.cur=I[${this.k}];v=m.read8NF(a);if(m.nf!==0){m.nf=0;return ${JIT_FAULT};}}${dst}=v;`;
  }

  write8(i: Insn, val: string): string {
    return `a=${this.lin(i)};e=t[a>>>12];if((e&wmk)===1)U8[(e&-4096)|(a&4095)]=${val};else{c.cur=I[${this.k}];if(!m.tryWrite8(a,${val}))return ${JIT_FAULT};}`;
  }

  /** A call of the interpreter handler: may read/write anything, may fault. */
  call(i: Insn): void {
    this.observe();
    // Cycles up to and including this instruction are charged before it runs, as the
    // interpreter does (rdtsc, or a handler adding its variable part, sees the same count).
    const due = this.upto - this.flushed;
    this.flushed = this.upto;
    i.jitFlushed = this.flushed;
    this.emit(`${due ? `c.cycles+=${due};` : ''}c.cur=I[${this.k}];c.eip=${i.next};I[${this.k}].fn(c,I[${this.k}]);`);
  }

  /** Push a 32-bit value (an expression that does not use `a`/`b`/`e`). */
  push32(val: string): void {
    this.stack = true;
    this.emit(`fa=${val};b=(r[4]-4)|0;a=(sb[2]+b)|0;${this.store32('a', 'fa')}r[4]=b;`);
  }
}

const ALU_NAMES: Record<string, number> = { add: LOP_ADD, sub: LOP_SUB, cmp: LOP_SUB, and: LOP_LOGIC, or: LOP_LOGIC, xor: LOP_LOGIC };
const ALU_EXPR: Record<string, string> = { add: '(fa+fb)|0', sub: '(fa-fb)|0', cmp: '(fa-fb)|0', and: 'fa&fb', or: 'fa|fb', xor: 'fa^fb' };

/** Condition `cc` from the last producer's JS values, or null when not known. */
function fusedCond(g: Gen, cc: number): string | null {
  const p = g.last;
  if (!p) return null;
  let e: string | null = null;
  const base = cc >> 1;
  if (base === 2) e = 'fr===0'; // Z
  else if (base === 4) e = 'fr<0'; // S
  else if (p.op === LOP_SUB) {
    if (base === 1) e = '(fa>>>0)<(fb>>>0)'; // B
    else if (base === 3) e = '(fa>>>0)<=(fb>>>0)'; // BE
    else if (base === 6) e = 'fa<fb'; // L
    else if (base === 7) e = 'fa<=fb'; // LE
  } else if (p.op === LOP_LOGIC) {
    if (base === 0 || base === 1) e = 'false'; // OF = CF = 0
    else if (base === 3) e = 'fr===0';
    else if (base === 6) e = 'fr<0';
    else if (base === 7) e = 'fr<=0';
  }
  if (e === null) return null;
  return cc & 1 ? `!(${e})` : `(${e})`;
}

/** CF of the last producer as a 0/1 expression (for inc/dec), or null. */
function producerCF(g: Gen): string | null {
  const p = g.last;
  if (!p) return null;
  if (p.op === LOP_ADD) return '((fr>>>0)<(fa>>>0)?1:0)';
  if (p.op === LOP_SUB) return '((fa>>>0)<(fb>>>0)?1:0)';
  if (p.op === LOP_LOGIC) return '0';
  return null;
}

/** The 8-bit register `n` (AL..BL, AH..BH) as an expression, and a store to it. */
function get8(n: number): string {
  return n < 4 ? `(r[${n}]&255)` : `((r[${n - 4}]>>8)&255)`;
}
function set8(n: number, val: string): string {
  return n < 4 ? `r[${n}]=(r[${n}]&-256)|((${val})&255);` : `r[${n - 4}]=(r[${n - 4}]&-65281)|(((${val})&255)<<8);`;
}

/** Emit an inlined instruction; returns false when it has no template. */
function inline(g: Gen, i: Insn): boolean {
  const d = i.def;
  const form = d.mnemonic + ' ' + d.operands;
  if (i.os !== 4 || i.rep !== 0) return false;
  const m = d.mnemonic;
  switch (form) {
    case 'nop ':
      return true;
    case 'mov Ev,Gv':
      if (i.mod3) g.emit(`r[${i.rm}]=r[${i.reg}];`);
      else g.emit(g.write32(i, `r[${i.reg}]`));
      return true;
    case 'mov Gv,Ev':
      if (i.mod3) g.emit(`r[${i.reg}]=r[${i.rm}];`);
      else g.emit(g.read32(i, `r[${i.reg}]`));
      return true;
    case 'cld ':
      g.emit(`c.flags&=${~EFLAGS_DF};`);
      return true;
    case 'std ':
      g.emit(`c.flags|=${EFLAGS_DF};`);
      return true;
    case 'mov Zb,Ib':
      g.emit(set8(i.reg, String(i.imm & 0xff)));
      return true;
    case 'push ES':
    case 'push CS':
    case 'push SS':
    case 'push DS':
    case 'push FS':
    case 'push GS': {
      // ESP moves by 4, only the selector's word is written (as the handler, far.ts)
      const seg = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'].indexOf(d.operands);
      g.stack = true;
      g.emit(`fa=c.segSel[${seg}];b=(r[4]-4)|0;a=(sb[2]+b)|0;e=t[a>>>12];if((e&wmk)===1&&(a&1)===0)U16[((e&-4096)|(a&4095))>>>1]=fa;else{c.cur=I[${g.k}];m.write16(a,fa);}r[4]=b;`);
      return true;
    }
    case 'mov Eb,Ib':
      if (i.mod3) g.emit(set8(i.rm, String(i.imm & 0xff)));
      else g.emit(g.write8(i, String(i.imm & 0xff)));
      return true;
    case 'mov Eb,Gb':
      if (i.mod3) g.emit(set8(i.rm, get8(i.reg)));
      else g.emit(g.write8(i, get8(i.reg)));
      return true;
    case 'mov Gb,Eb':
      if (i.mod3) g.emit(set8(i.reg, get8(i.rm)));
      else g.emit(g.read8(i, 'fa') + set8(i.reg, 'fa'));
      return true;
    case 'mov Zv,Iv':
      g.emit(`r[${i.reg}]=${i.imm | 0};`);
      return true;
    case 'mov Ev,Iv':
      if (i.mod3) g.emit(`r[${i.rm}]=${i.imm | 0};`);
      else g.emit(g.write32(i, String(i.imm | 0)));
      return true;
    case 'lea Gv,M':
      if (i.mod3) return false; // the register form is #UD: the handler raises it
      g.emit(`r[${i.reg}]=${g.off(i)};`);
      return true;
    case 'push Zv':
      g.push32(`r[${i.reg}]`);
      return true;
    case 'push Iv':
    case 'push Ibs':
      g.push32(String(i.imm | 0));
      return true;
    case 'pop Zv':
      g.stack = true;
      g.emit(`a=(sb[2]+r[4])|0;${g.load32('fa')}r[4]=(r[4]+4)|0;r[${i.reg}]=fa;`);
      return true;
    case 'inc Zv':
    case 'dec Zv': {
      const dec = m === 'dec';
      const cf = producerCF(g);
      if (g.last && g.last.store >= 0 && cf === null) g.observe();
      const cfCode = cf !== null ? `c.flags=(c.flags&-2)|${cf};` : `if(c.lazy&1)c.flags=(c.flags&-2)|c.getCF();`;
      g.emit(cfCode);
      g.emit(`fa=r[${i.reg}];fb=1;fr=(fa${dec ? '-' : '+'}1)|0;r[${i.reg}]=fr;`);
      g.produce(dec ? LOP_DEC : LOP_INC, 32);
      // inc/dec leave CF in c.flags: the record covers the other five.
      g.parts[g.last!.store] = g.parts[g.last!.store].replace(`c.lazy=${ARITH}`, `c.lazy=${ARITH & ~EFLAGS_CF}`);
      return true;
    }
  }
  if (m in ALU_NAMES && (d.operands === 'Ev,Gv' || d.operands === 'Gv,Ev' || d.operands === 'Ev,Iv' || d.operands === 'Ev,Ibs' || d.operands === 'eAX,Iv')) {
    const op = ALU_NAMES[m];
    const writes = m !== 'cmp';
    let dst: string;
    let src: string;
    if (d.operands === 'eAX,Iv') {
      dst = 'r[0]';
      src = String(i.imm | 0);
    } else if (d.operands === 'Gv,Ev') {
      dst = `r[${i.reg}]`;
      if (!i.mod3) {
        g.emit(g.read32(i, 'fb'));
        src = 'fb';
      } else src = `r[${i.rm}]`;
    } else {
      src = d.operands === 'Ev,Gv' ? `r[${i.reg}]` : String(i.imm | 0);
      if (!i.mod3) {
        // read-modify-write of memory: the write may fault after the read; nothing is
        // committed before it.
        g.observe();
        g.emit(`fb=${src};`);
        if (writes) {
          // read with the write check (mmu.rmw32): a fault reports W=1 and the write
          // below cannot fault
          g.emit(`a=${g.lin(i)};${g.load32('fa', 'rmw32')}`);
          g.emit(`fr=${ALU_EXPR[m]};`);
          g.emit(`e=t[a>>>12];if((e&wmk)===1&&(a&3)===0)M32[((e&-4096)|(a&4095))>>>2]=fr;else m.write32(a,fr);`);
        } else {
          g.emit(g.read32(i, 'fa'));
          g.emit(`fr=${ALU_EXPR[m]};`);
        }
        g.produce(op, 32);
        return true;
      }
      dst = `r[${i.rm}]`;
    }
    g.emit(`fa=${dst};fb=${src};fr=${ALU_EXPR[m]};`);
    if (writes) g.emit(`${dst}=fr;`);
    g.produce(op, 32);
    return true;
  }
  if (form === 'test Ev,Gv' && i.mod3) {
    g.emit(`fa=r[${i.rm}];fb=r[${i.reg}];fr=fa&fb;`);
    g.produce(LOP_LOGIC, 32);
    return true;
  }
  return false;
}

/** Inline templates for block-ending control transfers; returns false when none. */
function inlineBranch(g: Gen, i: Insn): boolean {
  const d = i.def;
  if (i.os !== 4) return false;
  const form = d.mnemonic + ' ' + d.operands;
  if ((d.operands === 'Jb' || d.operands === 'Jv') && d.mnemonic[0] === 'j' && d.mnemonic !== 'jmp' && d.mnemonic !== 'jecxz' && d.mnemonic !== 'jcxz') {
    const cc = (i.bytes[i.bytes.length - (d.operands === 'Jb' ? 2 : 5)] & 0x0f);
    const fused = fusedCond(g, cc);
    g.emit(`if(${fused ?? `c.cond(${cc})`}){c.eip=${i.imm};c.cycles+=2;}else c.eip=${i.next};`);
    return true;
  }
  if (form === 'jmp Jb' || form === 'jmp Jv') {
    g.emit(`c.eip=${i.imm};`);
    return true;
  }
  if (form === 'call Jv') {
    g.observe();
    g.push32(String(i.next | 0));
    g.emit(`c.eip=${i.imm};`);
    return true;
  }
  if (form === 'ret ') {
    g.observe();
    g.stack = true;
    g.emit(`a=(sb[2]+r[4])|0;${g.load32('fa')}r[4]=(r[4]+4)|0;c.eip=fa>>>0;`);
    return true;
  }
  return false;
}

/** Compile a block, or return null if it is not worth it (nothing to inline). */
export function compileBlock(block: Block): CompiledBlock | null {
  const insns = block.insns;
  const g = new Gen();
  let inlined = 0;
  let cycles = 0;
  const reloads: Array<{ at: number; seg: number; resume: number }> = [];
  for (let k = 0; k < insns.length; k++) {
    const i = insns[k];
    i.pos = k;
    i.cyclesBefore = cycles;
    cycles += i.cycles;
    g.k = k;
    g.upto = cycles;
    i.jitFlushed = g.flushed;
    // Anything that touches memory may fault: earlier flag records must be stored then.
    if (!i.mod3 && /(^|,)[EMXYO]/.test(i.def.operands) && i.def.mnemonic !== 'lea') g.observe();
    if (/(^|,)Z|^[CDEFGS]S$/.test(i.def.operands) && /^(push|pop)$/.test(i.def.mnemonic)) g.observe();
    const lastInsn = k === insns.length - 1;
    if (lastInsn && i.def.ends) {
      if (inlineBranch(g, i)) inlined++;
      else g.call(i);
      continue;
    }
    if (inline(g, i)) {
      inlined++;
      if (lastInsn) g.emit(`c.eip=${i.next};`);
    } else {
      g.call(i);
      const ld = i.def.loadsSeg;
      if (ld !== undefined && !lastInsn) {
        reloads.push({ at: g.parts.length, seg: ld === 'reg' ? i.reg : ld, resume: k + 1 });
        g.emit('');
      }
    }
  }
  if (inlined === 0) return null;
  // After a segment load: leave for the interpreter if the compiled code relies on the
  // loaded segment being flat (only segments of inlined accesses are in g.segs).
  for (const l of reloads) {
    if (g.segs.has(l.seg)) g.parts[l.at] = `if(c.segFlat[${l.seg}]===0)return ${JIT_RESUME + l.resume};`;
  }
  // CS flat: the interpreter's branch handlers check targets against the CS limit.
  const guards: string[] = ['c.segFlat[1]===0'];
  for (const s of g.segs) guards.push(`c.segFlat[${s}]===0`);
  if (g.stack) guards.push(`c.stackMask!==-1`, `c.segFlat[${SEG_SS}]===0`);
  const body =
    `const r=c.regs,m=c.mmu,t=m.tlb,M32=m.i32,U16=m.u16,U8=m.u8,rmk=m.rmask,wmk=m.wmask,sb=c.segBase;` +
    `let a=0,b=0,e=0,v=0,fa=0,fb=0,fr=0;` +
    (guards.length ? `if(${guards.join('||')})return ${JIT_NOT_RUN};` : '') +
    g.parts.join('') +
    `${cycles - g.flushed ? `c.cycles+=${cycles - g.flushed};` : ''}c.instret+=${insns.length};return ${JIT_DONE};`;
  void ESP;
  return new Function('c', 'I', body) as CompiledBlock;
}
