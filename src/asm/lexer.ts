// The lexer: one source line → tokens, each with its 1-based column.
//
// NASM syntax: `;` starts a comment; identifiers may contain letters, digits and
// `_ $ # @ ~ . ?` (a leading `$` escapes a name that would be a keyword); numbers are
// decimal, `0x`/`0h`/`$`-less hex with an `h` suffix, `0b`/`b`-suffix binary, `0o`/`0q` and
// `o`/`q`-suffix octal, `0d`/`d`-suffix decimal, with `_` separators; strings are '…',
// "…" (no escapes) or `…` (C-style escapes). `%` followed by a digit, `%`, `+`, `-`, `!`
// or a letter is a preprocessor token (`%1`, `%%local`, `%define`, `%0`).

import { AsmError } from './diagnostics.js';

export type TokenType = 'id' | 'num' | 'str' | 'op' | 'pp' | 'float';

export interface Token {
  t: TokenType;
  /** The token's source text (for strings, the text with quotes). */
  v: string;
  col: number;
  /** Numbers: the value. */
  n?: bigint;
  /** Strings: the bytes (escapes processed for backquoted strings). */
  bytes?: number[];
  /** Floats: the value. */
  f?: number;
  /** Set on tokens produced by macro expansion: the name of the macro. */
  fromMacro?: string;
  /** Original column in a macro body line (col is then the invocation's column). */
  ocol?: number;
}

const ID_START = /[A-Za-z_.?@]/;
const ID_CHAR = /[A-Za-z0-9_$#@~.?]/;

const OPS3 = ['<<<', '>>>', '<=>'];
const OPS2 = ['<<', '>>', '//', '%%', '==', '!=', '<>', '<=', '>=', '&&', '||', '^^', '$$'];

/** Tokenize one line (without its newline). Throws AsmError with a column on bad input. */
export function lexLine(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === ';') break;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    const col = i + 1;
    // Strings
    if (c === "'" || c === '"' || c === '`') {
      const { bytes, end } = lexString(text, i);
      out.push({ t: 'str', v: text.slice(i, end), col, bytes });
      i = end;
      continue;
    }
    // Preprocessor tokens
    if (c === '%') {
      const d = text[i + 1];
      if (d === '%' && i + 2 < n && ID_START.test(text[i + 2])) {
        let j = i + 2;
        while (j < n && ID_CHAR.test(text[j])) j++;
        out.push({ t: 'pp', v: text.slice(i, j), col });
        i = j;
        continue;
      }
      if (d !== undefined && /[0-9]/.test(d)) {
        let j = i + 1;
        while (j < n && /[0-9]/.test(text[j])) j++;
        out.push({ t: 'pp', v: text.slice(i, j), col });
        i = j;
        continue;
      }
      if (d !== undefined && /[A-Za-z_]/.test(d)) {
        let j = i + 1;
        while (j < n && ID_CHAR.test(text[j])) j++;
        out.push({ t: 'pp', v: text.slice(i, j), col });
        i = j;
        continue;
      }
      if (d === '+' && text[i + 2] === ' ') {
        // token pasting operator %+
        out.push({ t: 'pp', v: '%+', col });
        i += 2;
        continue;
      }
    }
    // Numbers (including floats)
    if (/[0-9]/.test(c) || (c === '$' && /[0-9]/.test(text[i + 1] ?? ''))) {
      let j = i;
      if (c === '$') j++;
      while (j < n && /[0-9A-Za-z_.]/.test(text[j])) {
        // exponent sign in floats: 1.5e-3
        if ((text[j] === 'e' || text[j] === 'E') && (text[j + 1] === '-' || text[j + 1] === '+') && /^[0-9_]+\.[0-9_]*$/.test(text.slice(i, j))) j += 2;
        else j++;
      }
      const raw = text.slice(i, j);
      const tok = parseNumber(raw, col);
      out.push(tok);
      i = j;
      continue;
    }
    // Identifiers (a leading $ escapes a keyword)
    if (ID_START.test(c) || (c === '$' && ID_START.test(text[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && ID_CHAR.test(text[j])) j++;
      out.push({ t: 'id', v: text.slice(i, j), col });
      i = j;
      continue;
    }
    // Operators
    const three = text.slice(i, i + 3);
    if (OPS3.includes(three)) {
      out.push({ t: 'op', v: three, col });
      i += 3;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (OPS2.includes(two)) {
      out.push({ t: 'op', v: two, col });
      i += 2;
      continue;
    }
    if ('+-*/%<>=!&|^~()[],:$\\{}'.includes(c)) {
      out.push({ t: 'op', v: c, col });
      i++;
      continue;
    }
    // control characters (a binary file given as source) as \xNN, not raw bytes
    const shown = /^[\x20-\x7e]$/.test(c) || c.codePointAt(0)! > 0x9f ? c : `\\x${c.codePointAt(0)!.toString(16).padStart(2, '0')}`;
    throw new AsmError(`unexpected character '${shown}'`, col);
  }
  return out;
}

function parseNumber(raw: string, col: number): Token {
  const s = raw.replace(/_/g, '').toLowerCase();
  let m: RegExpMatchArray | null;
  const mk = (digits: string, radix: number): Token => {
    if (digits === '' || !digitsOk(digits, radix)) throw new AsmError(`invalid number '${raw}'`, col);
    let v = 0n;
    for (const ch of digits) v = v * BigInt(radix) + BigInt(parseInt(ch, radix));
    return { t: 'num', v: raw, col, n: v };
  };
  if ((m = s.match(/^0[xh]([0-9a-f]+)$/))) return mk(m[1], 16);
  if ((m = s.match(/^\$([0-9a-f]+)$/))) return mk(m[1], 16);
  if ((m = s.match(/^0[by]([01]+)$/))) return mk(m[1], 2);
  if ((m = s.match(/^0[oq]([0-7]+)$/))) return mk(m[1], 8);
  if ((m = s.match(/^0[dt]([0-9]+)$/))) return mk(m[1], 10);
  if ((m = s.match(/^([0-9][0-9a-f]*)h$/))) return mk(m[1], 16);
  if ((m = s.match(/^([01]+)[by]$/))) return mk(m[1], 2);
  if ((m = s.match(/^([0-7]+)[oq]$/))) return mk(m[1], 8);
  if ((m = s.match(/^([0-9]+)[dt]$/))) return mk(m[1], 10);
  if ((m = s.match(/^([0-9]+)$/))) return mk(m[1], 10);
  if (/^[0-9]+\.[0-9]*(e[-+]?[0-9]+)?$/.test(s) || /^[0-9]+e[-+]?[0-9]+$/.test(s)) {
    return { t: 'float', v: raw, col, f: parseFloat(s) };
  }
  throw new AsmError(`invalid number '${raw}'`, col);
}

function digitsOk(d: string, radix: number): boolean {
  for (const ch of d) if (!(parseInt(ch, radix) < radix)) return false;
  return true;
}

/** Lex a string starting at text[i] (the quote); returns its bytes and the end index. */
function lexString(text: string, i: number): { bytes: number[]; end: number } {
  const q = text[i];
  const col = i + 1;
  const bytes: number[] = [];
  let j = i + 1;
  const pushChar = (s: string) => {
    for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
  };
  if (q !== '`') {
    const end = text.indexOf(q, j);
    if (end < 0) throw new AsmError('unterminated string', col);
    pushChar(text.slice(j, end));
    return { bytes, end: end + 1 };
  }
  for (;;) {
    if (j >= text.length) throw new AsmError('unterminated string', col);
    const c = text[j];
    if (c === '`') return { bytes, end: j + 1 };
    if (c !== '\\') {
      pushChar(c);
      j++;
      continue;
    }
    const e = text[j + 1];
    j += 2;
    switch (e) {
      case 'n': bytes.push(10); break;
      case 't': bytes.push(9); break;
      case 'r': bytes.push(13); break;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        let k = j - 1;
        let v = 0;
        let cnt = 0;
        while (cnt < 3 && k < text.length && /[0-7]/.test(text[k])) {
          v = v * 8 + Number(text[k]);
          k++;
          cnt++;
        }
        bytes.push(v & 0xff);
        j = k;
        break;
      }
      case 'x': {
        let k = j;
        let v = 0;
        let cnt = 0;
        while (cnt < 2 && k < text.length && /[0-9a-fA-F]/.test(text[k])) {
          v = v * 16 + parseInt(text[k], 16);
          k++;
          cnt++;
        }
        if (cnt === 0) throw new AsmError('\\x used with no following hex digits', j);
        bytes.push(v);
        j = k;
        break;
      }
      case 'u': case 'U': {
        const len = e === 'u' ? 4 : 8;
        const hex = text.slice(j, j + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new AsmError(`bad \\${e} escape`, j);
        pushChar(String.fromCodePoint(parseInt(hex, 16)));
        j += len;
        break;
      }
      case 'a': bytes.push(7); break;
      case 'b': bytes.push(8); break;
      case 'f': bytes.push(12); break;
      case 'v': bytes.push(11); break;
      case 'e': bytes.push(27); break;
      case '\\': case "'": case '"': case '`': case '?': bytes.push(e.charCodeAt(0)); break;
      case undefined: throw new AsmError('unterminated string', col);
      default: pushChar(e); break;
    }
  }
}

/** Render tokens back to text (for %define bodies, %error messages). */
export function tokensToText(toks: readonly Token[]): string {
  let s = '';
  let prevEnd = -1;
  for (const t of toks) {
    if (s && (prevEnd < 0 || t.col > prevEnd)) s += ' ';
    s += t.v;
    prevEnd = t.col + t.v.length;
  }
  return s;
}
