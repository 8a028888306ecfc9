// x87 escape encodings (D8-DF) that have no entry in the opcode table — the CPU's
// decoder maps them to one '(fpu)' entry that raises #NM/#UD — named the way objdump -M
// intel does (checked against binutils 2.40 by tests/disasm.test.ts), so that such bytes
// (fisttp, ffreep, the 8087/287 fneni …) still disassemble readably. Implemented x87
// instructions are formatted from the opcode table (disasm-format.ts).

/** A decoded x87 form: mnemonic, and the operand pattern. */
export interface X87Form {
  name: string;
  /**
   * Memory forms: the size keyword ('' for none, e.g. fldenv). Register forms:
   * 'st,i' → `st,st(i)`, 'i,st' → `st(i),st`, 'i' → `st(i)`, 'ax' → `ax`, '' → none.
   */
  operands: string;
}

// Memory forms by opcode (D8..DF) and ModRM reg: "name:size", size d/q/t/w or empty.
const MEM: string[][] = [
  ['fadd:d', 'fmul:d', 'fcom:d', 'fcomp:d', 'fsub:d', 'fsubr:d', 'fdiv:d', 'fdivr:d'],
  ['fld:d', '(bad):', 'fst:d', 'fstp:d', 'fldenv:', 'fldcw:w', 'fnstenv:', 'fnstcw:w'],
  ['fiadd:d', 'fimul:d', 'ficom:d', 'ficomp:d', 'fisub:d', 'fisubr:d', 'fidiv:d', 'fidivr:d'],
  ['fild:d', 'fisttp:d', 'fist:d', 'fistp:d', '(bad):', 'fld:t', '(bad):', 'fstp:t'],
  ['fadd:q', 'fmul:q', 'fcom:q', 'fcomp:q', 'fsub:q', 'fsubr:q', 'fdiv:q', 'fdivr:q'],
  ['fld:q', 'fisttp:q', 'fst:q', 'fstp:q', 'frstor:', '(bad):', 'fnsave:', 'fnstsw:w'],
  ['fiadd:w', 'fimul:w', 'ficom:w', 'ficomp:w', 'fisub:w', 'fisubr:w', 'fidiv:w', 'fidivr:w'],
  ['fild:w', 'fisttp:w', 'fist:w', 'fistp:w', 'fbld:t', 'fild:q', 'fbstp:t', 'fistp:q'],
];

// Register forms (mod = 3) by opcode and reg: "name:pattern" for all eight st(i), or a
// list of eight operand-less names ('' = undefined). objdump follows the AT&T (SysV)
// reversal for DC/DE E0-FF (dc e0+i is `fsubr st(i),st`); it is reproduced as printed.
const B = '';
const REG: Array<Array<string | string[]>> = [
  ['fadd:st,i', 'fmul:st,i', 'fcom:i', 'fcomp:i', 'fsub:st,i', 'fsubr:st,i', 'fdiv:st,i', 'fdivr:st,i'],
  [
    'fld:i', 'fxch:i', ['fnop', B, B, B, B, B, B, B], [B, B, B, B, B, B, B, B],
    ['fchs', 'fabs', B, B, 'ftst', 'fxam', B, B],
    ['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz', B],
    ['f2xm1', 'fyl2x', 'fptan', 'fpatan', 'fxtract', 'fprem1', 'fdecstp', 'fincstp'],
    ['fprem', 'fyl2xp1', 'fsqrt', 'fsincos', 'frndint', 'fscale', 'fsin', 'fcos'],
  ],
  ['fcmovb:st,i', 'fcmove:st,i', 'fcmovbe:st,i', 'fcmovu:st,i', ':', [B, 'fucompp', B, B, B, B, B, B], ':', ':'],
  [
    'fcmovnb:st,i', 'fcmovne:st,i', 'fcmovnbe:st,i', 'fcmovnu:st,i',
    ['fneni(8087 only)', 'fndisi(8087 only)', 'fnclex', 'fninit', 'fnsetpm(287 only)', 'frstpm(287 only)', B, B],
    'fucomi:st,i', 'fcomi:st,i', ':',
  ],
  ['fadd:i,st', 'fmul:i,st', ':', ':', 'fsubr:i,st', 'fsub:i,st', 'fdivr:i,st', 'fdiv:i,st'],
  ['ffree:i', ':', 'fst:i', 'fstp:i', 'fucom:i', 'fucomp:i', ':', ':'],
  ['faddp:i,st', 'fmulp:i,st', ':', [B, 'fcompp', B, B, B, B, B, B], 'fsubrp:i,st', 'fsubp:i,st', 'fdivrp:i,st', 'fdivp:i,st'],
  ['ffreep:i', ':', ':', ':', ['fnstsw:ax', B, B, B, B, B, B, B], 'fucomip:st,i', 'fcomip:st,i', ':'],
];

/** The x87 form for escape opcode `op` (0xD8-0xDF) and its ModRM byte; null = (bad). */
export function x87Form(op: number, modrm: number): X87Form | null {
  const reg = (modrm >> 3) & 7;
  if (modrm >> 6 !== 3) {
    const [name, size] = MEM[op - 0xd8][reg].split(':');
    return name === '(bad)' ? { name, operands: '' } : { name, operands: size };
  }
  const e = REG[op - 0xd8][reg];
  if (Array.isArray(e)) {
    const s = e[modrm & 7];
    if (!s) return null;
    const [name, operands = ''] = s.split(':');
    return { name, operands };
  }
  const [name, operands] = e.split(':');
  return name ? { name, operands } : null;
}

/** Operand-less memory forms that objdump suffixes with `w` under a 0x66 prefix. */
export const X87_SIZE_SUFFIXED = new Set(['fldenv', 'fnstenv', 'frstor', 'fnsave']);
