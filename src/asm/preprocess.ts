// The preprocessor: turns source text into a flat list of token lines for the parser.
//
// Supported (NASM manual ch. 4): %define / %idefine / %xdefine / %undef (with parameters,
// `%define f(a,b) …`), %assign, %include "file" (relative to the including file's folder),
// %macro / %imacro … %endmacro with parameter counts `n`, `a-b`, `a-*`, greedy `+`,
// defaults, `%1`…`%n`, `%0`, `%%local` labels; %if / %elif / %ifdef / %ifndef / %elifdef /
// %ifidn / %ifidni / %ifnum / %ifstr / %ifid / %ifmacro / %else / %endif; %rep … %endrep
// with %exitrep; %error and %warning; `__LINE__` and `__FILE__`.
//
// Lines produced by a macro expansion carry the location of the invocation (that is what
// a debugger shows and where an error is reported), with every token's column set to the
// column of the macro name.

import { AsmError, type Diagnostic } from './diagnostics.js';
import { lexLine, tokensToText, type Token } from './lexer.js';
import { Cursor, evaluate, parseExpr } from './expr.js';

export interface SrcLine {
  file: string;
  line: number;
  text: string;
}

/** One preprocessed line. */
export interface PLine {
  toks: Token[];
  src: SrcLine;
  /** Set when the line comes from a macro expansion. */
  macro?: string;
}

interface Item {
  text: string;
  src: SrcLine;
  /** Column to give every token (macro expansions). */
  forceCol?: number;
  macro?: string;
}

interface SingleDef {
  params?: string[];
  body: Token[];
  ci: boolean;
}

interface MacroDef {
  name: string;
  ci: boolean;
  min: number;
  max: number; // Infinity for a-*
  greedy: boolean;
  defaults: Token[][];
  body: Item[];
  file: string;
  line: number;
}

interface MacroCtx {
  args: Token[][];
  uid: number;
  name: string;
}

const MAX_DEPTH = 64;

class ExitRep {}

export type ReadFile = (path: string) => string;

export class Preprocessor {
  private readonly defines = new Map<string, SingleDef>();
  private readonly idefines = new Map<string, SingleDef>();
  private readonly macros = new Map<string, MacroDef[]>();
  private uid = 0;
  private depth = 0;
  readonly out: PLine[] = [];
  /** Files read, for dependency listings. */
  readonly files: string[] = [];

  constructor(
    private readonly readFile: ReadFile | undefined,
    private readonly diags: Diagnostic[],
  ) {}

  run(text: string, file: string): PLine[] {
    this.files.push(file);
    this.processBlock(splitLines(text, file), null);
    return this.out;
  }

  private error(item: Item, message: string, col?: number): void {
    const c = item.forceCol ?? col ?? 1;
    const where = item.macro ? ` (in macro '${item.macro}')` : '';
    this.diags.push({ severity: 'error', message: message + where, loc: { file: item.src.file, line: item.src.line, col: c, text: item.src.text } });
  }

  private warn(item: Item, message: string, col?: number): void {
    this.diags.push({ severity: 'warning', message, loc: { file: item.src.file, line: item.src.line, col: item.forceCol ?? col ?? 1, text: item.src.text } });
  }

  private processBlock(items: Item[], ctx: MacroCtx | null): void {
    // Conditional stack: each entry says whether its branch is active and whether a
    // branch of it has already been taken.
    const conds: Array<{ active: boolean; taken: boolean; outer: boolean; item: Item }> = [];
    const isActive = () => conds.length === 0 || conds[conds.length - 1].active;
    let i = 0;
    while (i < items.length) {
      const item = items[i++];
      let toks: Token[];
      try {
        toks = lexLine(item.text);
      } catch (e) {
        if (!isActive()) continue;
        if (e instanceof AsmError) this.error(item, e.message, e.col);
        else throw e;
        continue;
      }
      if (item.forceCol !== undefined) toks = toks.map((t) => ({ ...t, col: item.forceCol!, ocol: t.ocol ?? t.col, fromMacro: item.macro }));
      if (toks.length === 0) continue;
      const first = toks[0];
      const dir = first.t === 'pp' && /^%[A-Za-z]/.test(first.v) ? first.v.toLowerCase() : '';

      // --- conditionals (always tracked, even inside inactive regions) ---
      if (dir.startsWith('%if')) {
        const outer = isActive();
        let cond = false;
        if (outer) {
          try {
            cond = this.evalCondition(dir, ctx ? this.substParams(toks, ctx, item) : toks, item, ctx);
          } catch (e) {
            if (!(e instanceof AsmError)) throw e;
            this.error(item, e.message, e.col);
          }
        }
        conds.push({ active: outer && cond, taken: outer && cond, outer, item });
        continue;
      }
      if (dir.startsWith('%elif')) {
        const top = conds[conds.length - 1];
        if (!top) {
          this.error(item, `${dir} without %if`, first.col);
          continue;
        }
        if (!top.outer || top.taken) {
          top.active = false;
          continue;
        }
        let cond = false;
        try {
          cond = this.evalCondition('%if' + dir.slice(5), ctx ? this.substParams(toks, ctx, item) : toks, item, ctx);
        } catch (e) {
          if (!(e instanceof AsmError)) throw e;
          this.error(item, e.message, e.col);
        }
        top.active = cond;
        top.taken = cond;
        continue;
      }
      if (dir === '%else') {
        const top = conds[conds.length - 1];
        if (!top) {
          this.error(item, '%else without %if', first.col);
          continue;
        }
        top.active = top.outer && !top.taken;
        top.taken = true;
        continue;
      }
      if (dir === '%endif') {
        if (!conds.pop()) this.error(item, '%endif without %if', first.col);
        continue;
      }

      // --- block directives: collect their bodies even when inactive (to skip them) ---
      if (dir === '%macro' || dir === '%imacro') {
        const { body, next, closed } = collect(items, i, ['%macro', '%imacro'], '%endmacro');
        i = next;
        if (!closed) {
          this.error(item, `%macro without %endmacro`, first.col);
          continue;
        }
        if (isActive()) {
          try {
            this.defineMacro(toks, body, dir === '%imacro', item);
          } catch (e) {
            if (!(e instanceof AsmError)) throw e;
            this.error(item, e.message, e.col);
          }
        }
        continue;
      }
      if (dir === '%rep') {
        const { body, next, closed } = collect(items, i, ['%rep'], '%endrep');
        i = next;
        if (!closed) {
          this.error(item, `%rep without %endrep`, first.col);
          continue;
        }
        if (isActive()) this.doRep(toks, body, item, ctx);
        continue;
      }
      if (dir === '%endmacro' || dir === '%endrep') {
        if (isActive()) this.error(item, `${dir} without a matching ${dir === '%endrep' ? '%rep' : '%macro'}`, first.col);
        continue;
      }
      if (!isActive()) continue;
      if (dir === '%exitrep') throw new ExitRep();

      try {
        if (ctx) toks = this.substParams(toks, ctx, item);
        if (dir) {
          this.directive(dir, toks, item, ctx);
          continue;
        }
        toks = this.expandDefines(toks, item, 0);
        if (toks.length === 0) continue;
            if (this.tryMacroCall(toks, item)) continue;
        this.out.push({ toks, src: item.src, macro: item.macro });
      } catch (e) {
        if (e instanceof ExitRep) throw e;
        if (!(e instanceof AsmError)) throw e;
        this.error(item, e.message, e.col);
      }
    }
    for (const c of conds) this.error(c.item, 'unterminated %if (missing %endif)', 1);
  }

  // ---------------------------------------------------------------- directives

  private directive(dir: string, toks: Token[], item: Item, ctx: MacroCtx | null): void {
    const rest = toks.slice(1);
    switch (dir) {
      case '%define':
      case '%idefine':
      case '%xdefine':
      case '%xidefine': {
        const name = rest[0];
        if (!name || name.t !== 'id') throw new AsmError(`${dir} expects a macro name`, name?.col ?? toks[0].col);
        let params: string[] | undefined;
        let k = 1;
        // Parameters only when '(' immediately follows the name.
        if (rest[1] && rest[1].t === 'op' && rest[1].v === '(' && rest[1].col === name.col + name.v.length) {
          params = [];
          k = 2;
          while (k < rest.length && !(rest[k].t === 'op' && rest[k].v === ')')) {
            if (rest[k].t === 'id') params.push(rest[k].v);
            else if (!(rest[k].t === 'op' && rest[k].v === ',')) throw new AsmError('bad macro parameter list', rest[k].col);
            k++;
          }
          if (k >= rest.length) throw new AsmError("missing ')' in macro parameter list", name.col);
          k++;
        }
        let body = rest.slice(k);
        if (dir.startsWith('%x')) body = this.expandDefines(body, item, 0);
        const ci = dir === '%idefine' || dir === '%xidefine';
        this.setDefine(name.v, { params, body, ci });
        return;
      }
      case '%undef': {
        const name = rest[0];
        if (!name || name.t !== 'id') throw new AsmError('%undef expects a macro name', toks[0].col);
        this.defines.delete(name.v);
        this.idefines.delete(name.v.toLowerCase());
        return;
      }
      case '%assign':
      case '%iassign': {
        const name = rest[0];
        if (!name || name.t !== 'id') throw new AsmError('%assign expects a macro name', toks[0].col);
        const v = this.ppEval(this.expandDefines(rest.slice(1), item, 0), toks[0].col);
        this.setDefine(name.v, { body: [{ t: 'num', v: v.toString(), n: v, col: name.col }], ci: dir === '%iassign' });
        return;
      }
      case '%include': {
        const expanded = this.expandDefines(rest, item, 0);
        const f = expanded[0];
        if (!f || f.t !== 'str') throw new AsmError('%include expects a file name in quotes', rest[0]?.col ?? toks[0].col);
        const name = Buffer.from(f.bytes!).toString('utf8');
        const path = resolveInclude(item.src.file, name);
        if (!this.readFile) throw new AsmError(`unable to open include file '${name}'`, f.col);
        if (this.depth >= MAX_DEPTH) throw new AsmError('%include nested too deeply', f.col);
        let text: string;
        try {
          text = this.readFile(path);
        } catch {
          throw new AsmError(`unable to open include file '${name}' (looked for ${path})`, f.col);
        }
        this.files.push(path);
        this.depth++;
        try {
          this.processBlock(splitLines(text, path), null);
        } finally {
          this.depth--;
        }
        return;
      }
      case '%error':
      case '%fatal':
        throw new AsmError(ppMessage(this.expandDefines(rest, item, 0)), toks[0].col);
      case '%warning':
        this.warn(item, ppMessage(this.expandDefines(rest, item, 0)), toks[0].col);
        return;
      case '%use':
      case '%line':
      case '%pragma':
        return;
      case '%rotate': {
        if (!ctx) throw new AsmError('%rotate outside a macro', toks[0].col);
        const n = Number(this.ppEval(this.expandDefines(rest, item, 0), toks[0].col));
        const len = ctx.args.length;
        if (len > 0) {
          const r = ((n % len) + len) % len;
          ctx.args = [...ctx.args.slice(r), ...ctx.args.slice(0, r)];
        }
        return;
      }
      default:
        throw new AsmError(`unknown preprocessor directive '${toks[0].v}'`, toks[0].col);
    }
  }

  private setDefine(name: string, def: SingleDef): void {
    if (def.ci) this.idefines.set(name.toLowerCase(), def);
    else this.defines.set(name, def);
  }

  private getDefine(name: string): SingleDef | undefined {
    return this.defines.get(name) ?? this.idefines.get(name.toLowerCase());
  }

  private ppEval(toks: Token[], col: number): bigint {
    if (toks.length === 0) throw new AsmError('expected an expression', col);
    const c = new Cursor(toks, col);
    const e = parseExpr(c);
    if (!c.atEnd()) throw new AsmError(`unexpected '${c.peek()!.v}' in expression`, c.col());
    const v = evaluate(e, {
      lookup: (name, ncol) => {
        throw new AsmError(`symbol '${name}' is not a preprocessor constant (labels are not known to %if)`, ncol);
      },
      here: () => {
        throw new AsmError('$ is not allowed in a preprocessor expression', col);
      },
      base: () => {
        throw new AsmError('$$ is not allowed in a preprocessor expression', col);
      },
    });
    return v!.n;
  }

  private evalCondition(dir: string, toks: Token[], item: Item, ctx: MacroCtx | null): boolean {
    let neg = false;
    let d = dir.slice(3); // after %if
    if (d.startsWith('n') && d !== 'num' && d !== 'nnum') {
      // %ifn, %ifndef, %ifnidn …
      neg = true;
      d = d.slice(1);
    } else if (d === 'nnum') {
      neg = true;
      d = 'num';
    }
    const rest = toks.slice(1);
    let r: boolean;
    switch (d) {
      case '':
        r = this.ppEval(this.expandDefines(rest, item, 0), toks[0].col) !== 0n;
        break;
      case 'def':
        if (!rest[0] || rest[0].t !== 'id') throw new AsmError(`${dir} expects a macro name`, toks[0].col);
        r = this.getDefine(rest[0].v) !== undefined;
        break;
      case 'macro':
        if (!rest[0] || rest[0].t !== 'id') throw new AsmError(`${dir} expects a macro name`, toks[0].col);
        r = this.macros.has(rest[0].v) || this.macros.has(rest[0].v.toLowerCase());
        break;
      case 'idn':
      case 'idni': {
        const ex = this.expandDefines(rest, item, 0);
        const comma = ex.findIndex((t) => t.t === 'op' && t.v === ',');
        if (comma < 0) throw new AsmError(`${dir} expects two comma-separated token lists`, toks[0].col);
        let a = ex.slice(0, comma).map((t) => t.v).join(' ');
        let b = ex.slice(comma + 1).map((t) => t.v).join(' ');
        if (d === 'idni') {
          a = a.toLowerCase();
          b = b.toLowerCase();
        }
        r = a === b;
        break;
      }
      case 'num':
      case 'str':
      case 'id': {
        const ex = this.expandDefines(rest, item, 0);
        r = ex.length === 1 && ex[0].t === (d === 'num' ? 'num' : d === 'str' ? 'str' : 'id');
        break;
      }
      case 'empty':
        r = this.expandDefines(rest, item, 0).length === 0;
        break;
      default:
        throw new AsmError(`unknown preprocessor directive '${toks[0].v}'`, toks[0].col);
    }
    void ctx;
    return neg ? !r : r;
  }

  private defineMacro(toks: Token[], body: Item[], ci: boolean, item: Item): void {
    const name = toks[1];
    if (!name || name.t !== 'id') throw new AsmError('%macro expects a macro name', toks[0].col);
    const spec = toks.slice(2);
    let k = 0;
    let min = 0;
    let max = 0;
    let greedy = false;
    if (spec[k]?.t === 'num') {
      min = max = Number(spec[k++].n);
      if (spec[k]?.t === 'op' && spec[k].v === '-') {
        k++;
        if (spec[k]?.t === 'num') max = Number(spec[k++].n);
        else if (spec[k]?.t === 'op' && spec[k].v === '*') {
          max = Infinity;
          k++;
        } else throw new AsmError('bad parameter range in %macro', spec[k]?.col ?? name.col);
      }
    } else {
      this.error(item, `%macro '${name.v}' needs a parameter count`, name.col);
      return;
    }
    if (spec[k]?.t === 'op' && spec[k].v === '+') {
      greedy = true;
      k++;
    }
    if (spec[k]?.t === 'id' && spec[k].v.toLowerCase() === '.nolist') k++;
    const defaults = k < spec.length ? splitArgs(spec.slice(k)) : [];
    const def: MacroDef = { name: name.v, ci, min, max, greedy, defaults, body, file: item.src.file, line: item.src.line };
    const key = ci ? name.v.toLowerCase() : name.v;
    const list = this.macros.get(key) ?? [];
    const same = list.findIndex((m) => m.min === min && m.max === max);
    if (same >= 0) list[same] = def;
    else list.push(def);
    this.macros.set(key, list);
  }

  private findMacro(name: string): MacroDef[] | undefined {
    const exact = this.macros.get(name)?.filter((m) => !m.ci);
    if (exact && exact.length) return exact;
    const ci = this.macros.get(name.toLowerCase())?.filter((m) => m.ci);
    return ci && ci.length ? ci : undefined;
  }

  /** If the line invokes a multi-line macro (possibly after a label), expand it. */
  private tryMacroCall(toks: Token[], item: Item): boolean {
    let k = 0;
    if (toks.length >= 2 && toks[0].t === 'id' && toks[1].t === 'op' && toks[1].v === ':' && toks[2]?.t === 'id' && this.findMacro(toks[2].v)) {
      this.out.push({ toks: toks.slice(0, 2), src: item.src, macro: item.macro });
      k = 2;
    }
    const nameTok = toks[k];
    if (!nameTok || nameTok.t !== 'id') return false;
    const defs = this.findMacro(nameTok.v);
    if (!defs) return false;
    const argToks = toks.slice(k + 1);
    let args = argToks.length ? splitArgs(argToks) : [];
    const def = defs.find((m) => args.length >= m.min && (args.length <= m.max || m.greedy)) ?? defs.find((m) => args.length < m.min && m.defaults.length >= m.min - args.length);
    if (!def) {
      const counts = defs.map((m) => (m.max === m.min ? `${m.min}` : `${m.min}-${m.max === Infinity ? '*' : m.max}`)).join(' or ');
      throw new AsmError(`macro '${nameTok.v}' expects ${counts} parameters, got ${args.length}`, nameTok.col);
    }
    if (def.greedy && def.max !== Infinity && args.length > def.max) {
      // The last parameter takes the rest of the line, commas included.
      const before = args.slice(0, def.max - 1);
      let commas = 0;
      let start = 0;
      let depth = 0;
      for (let j = 0; j < argToks.length; j++) {
        const t = argToks[j];
        if (t.t === 'op' && t.v === '{') depth++;
        else if (t.t === 'op' && t.v === '}') depth--;
        else if (depth === 0 && t.t === 'op' && t.v === ',') {
          commas++;
          if (commas === def.max - 1) {
            start = j + 1;
            break;
          }
        }
      }
      args = [...before, argToks.slice(def.max === 1 ? 0 : start)];
    }
    // Missing parameters take their defaults; %0 counts the defaults that exist (NASM).
    for (let j = args.length; j - def.min < def.defaults.length && j < def.max; j++) args.push(def.defaults[j - def.min]);
    if (this.depth >= MAX_DEPTH) throw new AsmError(`macro '${def.name}' nested too deeply`, nameTok.col);
    const ctx: MacroCtx = { args, uid: ++this.uid, name: def.name };
    const col = item.forceCol ?? nameTok.col;
    const body: Item[] = def.body.map((b) => ({ text: b.text, src: item.src, forceCol: col, macro: item.macro ?? def.name }));
    this.depth++;
    try {
      this.processBlock(body, ctx);
    } catch (e) {
      if (e instanceof ExitRep) throw new AsmError('%exitrep outside %rep', col);
      throw e;
    } finally {
      this.depth--;
    }
    return true;
  }

  private doRep(toks: Token[], body: Item[], item: Item, ctx: MacroCtx | null): void {
    let expTok = toks.slice(1);
    if (ctx) expTok = this.substParams(expTok, ctx, item);
    let count: bigint;
    try {
      count = this.ppEval(this.expandDefines(expTok, item, 0), toks[0].col);
    } catch (e) {
      if (!(e instanceof AsmError)) throw e;
      this.error(item, e.message, e.col);
      return;
    }
    if (count > 1000000n) {
      this.error(item, `%rep count ${count} is too large`, toks[0].col);
      return;
    }
    for (let r = 0n; r < count; r++) {
      try {
        this.processBlock(body, ctx);
      } catch (e) {
        if (e instanceof ExitRep) return;
        throw e;
      }
    }
  }

  /** Substitute %1…%n, %0 and %%local in a macro body line; `%1_len` pastes. */
  private substParams(toks: Token[], ctx: MacroCtx, item: Item): Token[] {
    const out: Token[] = [];
    let prevEnd = -1;
    let prevWasParam = false;
    for (const t of toks) {
      const pos = t.ocol ?? t.col;
      const glued = pos === prevEnd;
      prevEnd = pos + t.v.length;
      let rep: Token[];
      let isParam = false;
      if (t.t === 'pp' && /^%[0-9]+$/.test(t.v)) {
        isParam = true;
        const n = Number(t.v.slice(1));
        if (n === 0) rep = [{ t: 'num', v: String(ctx.args.length), n: BigInt(ctx.args.length), col: t.col }];
        else {
          const arg = ctx.args[n - 1];
          if (!arg) throw new AsmError(`macro '${ctx.name}' has no parameter ${t.v}`, t.col);
          rep = arg.map((a) => ({ ...a, col: item.forceCol ?? t.col }));
        }
      } else if (t.t === 'pp' && t.v.startsWith('%%')) {
        isParam = true;
        rep = [{ t: 'id', v: `..@${ctx.uid}.${t.v.slice(2)}`, col: t.col, fromMacro: t.fromMacro }];
      } else rep = [t];
      if (glued && (isParam || prevWasParam) && out.length && rep.length) {
        // Paste: `%1_len`, `x%1`, `%%skip` glued to a name.
        const last = out.pop()!;
        const joined = lexLine(last.v + rep[0].v).map((x) => ({ ...x, col: last.col }));
        out.push(...joined, ...rep.slice(1));
      } else out.push(...rep);
      prevWasParam = isParam;
    }
    // Explicit token pasting: `a %+ b`.
    for (let j = 0; j < out.length; j++) {
      if (out[j].t === 'pp' && out[j].v === '%+' && j > 0 && j + 1 < out.length) {
        const a = out[j - 1];
        const b = out[j + 1];
        const joined = lexLine(a.v + b.v);
        out.splice(j - 1, 3, ...joined.map((x) => ({ ...x, col: a.col })));
        j -= 1;
      }
    }
    return out;
  }

  /** Expand single-line macros (%define) in a token list. */
  private expandDefines(toks: Token[], item: Item, depth: number, active: Set<string> = new Set()): Token[] {
    if (depth > MAX_DEPTH) throw new AsmError('%define expansion nested too deeply', toks[0]?.col);
    const out: Token[] = [];
    for (let j = 0; j < toks.length; j++) {
      const t = toks[j];
      if (t.t === 'id') {
        if (t.v === '__LINE__') {
          out.push({ t: 'num', v: String(item.src.line), n: BigInt(item.src.line), col: t.col });
          continue;
        }
        if (t.v === '__FILE__') {
          const s = item.src.file;
          out.push({ t: 'str', v: JSON.stringify(s), bytes: [...Buffer.from(s, 'utf8')], col: t.col });
          continue;
        }
        const def = this.getDefine(t.v);
        if (def && !active.has(t.v)) {
          let body = def.body;
          if (def.params) {
            const next = toks[j + 1];
            if (!next || next.t !== 'op' || next.v !== '(') {
              out.push(t);
              continue;
            }
            // Collect the arguments up to the matching ')'.
            let depthP = 0;
            let k = j + 1;
            const argToks: Token[] = [];
            for (; k < toks.length; k++) {
              const x = toks[k];
              if (x.t === 'op' && x.v === '(') {
                depthP++;
                if (depthP === 1) continue;
              } else if (x.t === 'op' && x.v === ')') {
                depthP--;
                if (depthP === 0) break;
              }
              argToks.push(x);
            }
            if (k >= toks.length) throw new AsmError(`missing ')' in call of '${t.v}'`, t.col);
            const args = argToks.length ? splitArgs(argToks, true) : [];
            if (args.length !== def.params.length) throw new AsmError(`'${t.v}' expects ${def.params.length} arguments, got ${args.length}`, t.col);
            body = [];
            for (const bt of def.body) {
              const pi = bt.t === 'id' ? def.params.indexOf(bt.v) : -1;
              if (pi >= 0) body.push(...args[pi]);
              else body.push(bt);
            }
            j = k;
          }
          const inner = new Set(active);
          inner.add(t.v);
          const sub = this.expandDefines(body.map((b) => ({ ...b, col: t.col })), item, depth + 1, inner);
          out.push(...sub);
          continue;
        }
      }
      out.push(t);
    }
    return out;
  }
}

/** Split macro arguments at top-level commas; `{…}` groups (braces removed). */
function splitArgs(toks: Token[], parens = false): Token[][] {
  const args: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (const t of toks) {
    if (t.t === 'op' && (t.v === '{' || (parens && t.v === '('))) {
      depth++;
      if (t.v === '{' && depth === 1) continue;
    } else if (t.t === 'op' && (t.v === '}' || (parens && t.v === ')'))) {
      depth--;
      if (t.v === '}' && depth === 0) continue;
    } else if (depth === 0 && t.t === 'op' && t.v === ',') {
      args.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  args.push(cur);
  return args;
}

/** Collect lines up to the matching end directive, counting nested openers. */
function collect(items: Item[], start: number, openers: string[], closer: string): { body: Item[]; next: number; closed: boolean } {
  let depth = 1;
  const body: Item[] = [];
  let i = start;
  for (; i < items.length; i++) {
    const m = /^\s*(%[A-Za-z]+)/.exec(items[i].text);
    const d = m ? m[1].toLowerCase() : '';
    if (openers.includes(d)) depth++;
    else if (d === closer) {
      depth--;
      if (depth === 0) return { body, next: i + 1, closed: true };
    }
    body.push(items[i]);
  }
  return { body, next: i, closed: false };
}

function splitLines(text: string, file: string): Item[] {
  const raw = text.split(/\r?\n/);
  if (raw.length && raw[raw.length - 1] === '') raw.pop();
  const items: Item[] = [];
  for (let n = 0; n < raw.length; n++) {
    let t = raw[n];
    const first = n;
    // A backslash at the end of a line continues it on the next.
    while (/\\\s*$/.test(t) && !/;/.test(t) && n + 1 < raw.length) {
      t = t.replace(/\\\s*$/, '') + ' ' + raw[++n];
    }
    items.push({ text: t, src: { file, line: first + 1, text: raw[first] } });
  }
  return items;
}

function resolveInclude(from: string, name: string): string {
  if (name.startsWith('/')) return name;
  const slash = from.lastIndexOf('/');
  return slash >= 0 ? from.slice(0, slash + 1) + name : name;
}

function ppMessage(toks: Token[]): string {
  if (toks.length === 1 && toks[0].t === 'str') return Buffer.from(toks[0].bytes!).toString('utf8');
  return tokensToText(toks);
}
