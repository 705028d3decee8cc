/**
 * Go literal syntax inside actions: `strconv.Unquote` for "…", `…` and '…', and the number forms the template
 * parser accepts (`0x1F`, `0o17`, `017`, `0b101`, `1_000`, `1.5e3`, `0x1p-2`). Each function throws a plain
 * `Error` with Go's wording; the parser wraps it with the line number.
 */

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

/** Decode one escape at `s[i]` (just after the backslash); returns bytes or a code point and the next index. */
function unescape(s: string, i: number, quote: string): { bytes?: number[]; rune?: number; next: number } {
  const c = s[i];
  if (c === undefined) throw new Error('invalid syntax');
  if (c in SIMPLE) return { rune: SIMPLE[c]!, next: i + 1 };
  if (c === quote) return { rune: c.charCodeAt(0), next: i + 1 };
  const hex = (n: number): number => {
    const digits = s.slice(i + 1, i + 1 + n);
    if (digits.length !== n || !/^[0-9a-fA-F]+$/.test(digits)) throw new Error('invalid syntax');
    return parseInt(digits, 16);
  };
  if (c === 'x') return { bytes: [hex(2)], next: i + 3 };
  if (c === 'u' || c === 'U') {
    const n = c === 'u' ? 4 : 8;
    const r = hex(n);
    if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) throw new Error('invalid syntax');
    return { rune: r, next: i + 1 + n };
  }
  if (c >= '0' && c <= '7') {
    const digits = s.slice(i, i + 3);
    if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 255) throw new Error('invalid syntax');
    return { bytes: [parseInt(digits, 8)], next: i + 3 };
  }
  throw new Error('invalid syntax');
}

/** Go's `strconv.Unquote` for a double-quoted or back-quoted string literal. */
export function unquoteString(quoted: string): string {
  if (quoted.startsWith('`')) return quoted.slice(1, -1).replaceAll('\r', '');
  const body = quoted.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length;) {
    if (body[i] !== '\\') {
      const ch = String.fromCodePoint(body.codePointAt(i)!);
      bytes.push(...encoder.encode(ch));
      i += ch.length;
      continue;
    }
    const e = unescape(body, i + 1, '"');
    bytes.push(...(e.bytes ?? encoder.encode(String.fromCodePoint(e.rune!))));
    i = e.next;
  }
  return decoder.decode(new Uint8Array(bytes));
}

/** The code point of a character constant such as `'a'` or `'\n'`. */
export function unquoteChar(quoted: string): number {
  const body = quoted.slice(1, -1);
  if (body[0] !== '\\') {
    const r = body.codePointAt(0);
    if (r === undefined || String.fromCodePoint(r).length !== body.length) {
      throw new Error(`malformed character constant: ${quoted}`);
    }
    return r;
  }
  const e = unescape(body, 1, "'");
  if (e.next !== body.length) throw new Error(`malformed character constant: ${quoted}`);
  return e.rune ?? e.bytes![0]!;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's `strconv.ParseInt(text, 0, 64)`; `undefined` when not an integer literal or out of range. */
function parseInt64(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX]|0[oO]|0[bB]|0(?=[0-7_]))?([0-9a-fA-F_]+)$/.exec(text);
  if (!m) return undefined;
  const [, sign, prefix = '', digits = ''] = m;
  const base = /x/i.test(prefix) ? 16 : /b/i.test(prefix) ? 2 : prefix ? 8 : 10;
  // Underscores only between digits, or right after a base prefix.
  if (/__|_$/.test(digits) || (digits.startsWith('_') && !prefix)) return undefined;
  const clean = digits.replaceAll('_', '');
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base];
  if (!valid?.test(clean)) return undefined;
  const prefixed = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base] ?? '';
  const value = BigInt(prefixed + clean) * (sign === '-' ? -1n : 1n);
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

/** Go's `strconv.ParseFloat(text, 64)` for decimal and hexadecimal floats. */
function parseFloat64(text: string): number | undefined {
  const clean = text.replaceAll('_', '');
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(clean);
  if (hex) {
    const [, sign, int = '', frac = '', exp = '0'] = hex;
    if (int + frac === '') return undefined;
    const mant = Number(BigInt(`0x${int}${frac}`));
    return (sign === '-' ? -1 : 1) * mant * 2 ** (Number(exp) - 4 * frac.length);
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(clean)) return undefined;
  return Number(clean);
}

/** Parse a number constant: `int` when it denotes an integer, `float` when it has a float value. */
export function parseNumber(text: string): { int?: bigint; float?: number } {
  if (text.endsWith('i')) throw new Error(`complex number ${text} is not supported`);
  const int = parseInt64(text);
  if (int !== undefined) return { int, float: Number(int) };
  const float = parseFloat64(text);
  if (float === undefined) throw new Error(`illegal number syntax: ${JSON.stringify(text)}`);
  if (!/[.eEpP]/.test(text) || /^[+-]?0[xX][^pP]*$/.test(text)) {
    throw new Error(`integer overflow: ${JSON.stringify(text)}`);
  }
  const asInt = Number.isInteger(float) && Math.abs(float) < 2 ** 63 ? BigInt(float) : undefined;
  return asInt === undefined ? { float } : { int: asInt, float };
}

/** The value a number constant has where no type is imposed (Go's `idealConstant`). */
export function idealNumber(node: { text: string; int?: bigint; float?: number }): bigint | number {
  const hexInt = /^[+-]?0[xX]/.test(node.text) && !/[pP]/.test(node.text);
  const isRune = node.text.startsWith("'");
  if (node.float !== undefined && !hexInt && !isRune && /[.eEpP]/.test(node.text)) return node.float;
  return node.int ?? node.float ?? 0n;
}
