/**
 * Go's `fmt` formatting of one operand under a verb (`%v`, `%s`, `%d`, `%q`…): what `print`, `printf`,
 * `println` and plain `{{ . }}` output. Follows `fmt/print.go`'s `printArg`/`printValue`: `String()` methods win
 * for `%v %s %q %x %X`, containers format each element with the same verb, a wrong verb prints
 * `%!d(string=abc)`.
 */
import { formatFloat } from './float-format.js';
import { GoStruct, goTypeOf, kindOf, mapEntries, typeName } from './values.js';

/** Flags, width and precision of one `%` directive. */
export interface FmtSpec {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  /** `%+v`: struct field names (printf moves `+` here for the `v` verb). */
  plusV?: boolean;
  width?: number;
  prec?: number;
}

/** A directive with no flags, width or precision. */
export const PLAIN: FmtSpec = { plus: false, minus: false, sharp: false, space: false, zero: false };

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's `strconv.Quote` (or `QuoteToASCII` when `ascii`). */
export function goQuote(s: string, ascii = false): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (PRINTABLE.test(ch) && !(ascii && r >= 0x80)) out += ch;
    else out += escapeRune(r);
  }
  return `${out}"`;
}

/** Go's `strconv.QuoteRune`. */
function quoteRune(r: number): string {
  const ch = String.fromCodePoint(r);
  if (ch === "'" || ch === '\\') return `'\\${ch}'`;
  return `'${PRINTABLE.test(ch) ? ch : escapeRune(r)}'`;
}

function escapeRune(r: number): string {
  const named: Record<number, string> = {
    7: '\\a',
    8: '\\b',
    12: '\\f',
    10: '\\n',
    13: '\\r',
    9: '\\t',
    11: '\\v',
  };
  if (named[r]) return named[r];
  if (r < 0x20 || r === 0x7f) return `\\x${r.toString(16).padStart(2, '0')}`;
  if (r < 0x10000) return `\\u${r.toString(16).padStart(4, '0')}`;
  return `\\U${r.toString(16).padStart(8, '0')}`;
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Pad to the width; zeros go after a leading sign. */
function pad(s: string, f: FmtSpec, numeric = false): string {
  const missing = (f.width ?? 0) - runeCount(s);
  if (missing <= 0) return s;
  if (f.minus) return s + ' '.repeat(missing);
  if (!f.zero) return ' '.repeat(missing) + s;
  const sign = numeric && /^[+\- ]/.test(s) ? s[0]! : '';
  return sign + '0'.repeat(missing) + s.slice(sign.length);
}

function badVerb(verb: string, arg: unknown): string {
  if (arg === undefined || arg === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(arg)}=${formatArg(arg, 'v', PLAIN)})`;
}

function fmtInteger(n: bigint, verb: string, f: FmtSpec): string {
  if (verb === 'c') return pad(String.fromCodePoint(Number(n)), f);
  if (verb === 'q') return pad(quoteRune(Number(n)), f);
  if (verb === 'U') return pad(`U+${n.toString(16).toUpperCase().padStart(4, '0')}`, f);
  const base = { v: 10, d: 10, b: 2, o: 8, O: 8, x: 16, X: 16 }[verb];
  if (base === undefined) return badVerb(verb, n);
  let digits = (n < 0n ? -n : n).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  if (f.prec !== undefined) digits = f.prec === 0 && n === 0n ? '' : digits.padStart(f.prec, '0');
  let prefix = '';
  if (verb === 'O') prefix = '0o';
  else if (f.sharp) prefix = { 2: '0b', 8: '0', 16: verb === 'X' ? '0X' : '0x', 10: '' }[base] ?? '';
  const sign = n < 0n ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(sign + prefix + digits, { ...f, zero: f.zero && f.prec === undefined }, true);
}

function fmtFloat(x: number, verb: string, f: FmtSpec): string {
  const kind = { v: 'g', g: 'g', G: 'G', e: 'e', E: 'E', f: 'f', F: 'f' }[verb] as
    'g' | 'G' | 'e' | 'E' | 'f';
  if (kind === undefined) return badVerb(verb, x);
  const prec = f.prec ?? (kind === 'g' || kind === 'G' ? -1 : 6);
  let num = formatFloat(x, kind, prec);
  if (!/^[+-]/.test(num)) num = f.plus ? `+${num}` : f.space && num !== 'NaN' ? ` ${num}` : num;
  if (!Number.isFinite(x)) return pad(num, { ...f, zero: false });
  return pad(num, f, true);
}

function fmtString(s: string, verb: string, f: FmtSpec): string {
  switch (verb) {
    case 'v':
    case 's':
      return pad(f.prec === undefined ? s : [...s].slice(0, f.prec).join(''), f);
    case 'q':
      return pad(goQuote(f.prec === undefined ? s : [...s].slice(0, f.prec).join(''), f.plus), f);
    case 'x':
    case 'X': {
      const hex = [...new TextEncoder().encode(s)].map((b) => b.toString(16).padStart(2, '0')).join('');
      return pad(verb === 'X' ? hex.toUpperCase() : hex, f);
    }
    default:
      return badVerb(verb, s);
  }
}

/**
 * Format one operand as `fmt` does under `verb`. `depth` > 0 inside containers; `deref` drops the `&` of a
 * pointer to struct at the top, as the template engine's own printing does.
 */
export function formatArg(arg: unknown, verb: string, f: FmtSpec, depth = 0, deref = false): string {
  if (arg === undefined || arg === null) {
    return depth > 0 || verb === 'v' || verb === 'T' ? pad('<nil>', f) : badVerb(verb, arg);
  }
  if (verb === 'T') return pad(typeName(arg), f);
  const type = goTypeOf(arg);
  if (type?.string && 'vsqxX'.includes(verb)) return fmtString(type.string(arg), verb, f);
  const each = (v: unknown): string => formatArg(v, verb, f, depth + 1);
  switch (kindOf(arg)) {
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(arg === true ? 'true' : 'false', f) : badVerb(verb, arg);
    case 'int':
      return fmtInteger(arg as bigint, verb, f);
    case 'float':
      return fmtFloat(arg as number, verb, f);
    case 'string':
      return fmtString(arg as string, verb, f);
    case 'slice':
      return `[${(arg as unknown[]).map(each).join(' ')}]`;
    case 'map':
      return `map[${mapEntries(arg)
        .map(([k, v]) => `${each(k)}:${each(v)}`)
        .join(' ')}]`;
    case 'struct': {
      const s = arg as GoStruct;
      const names = verb === 'v' && f.plusV === true;
      const body = s.type.fields
        .map((fd) => (names ? `${fd.name}:` : '') + each(s.values[fd.name]))
        .join(' ');
      return `${s.type.pointer && depth === 0 && !deref ? '&' : ''}{${body}}`;
    }
    case 'nilslice':
      return '[]';
    case 'nilmap':
      return 'map[]';
    case 'nilpointer':
      return verb === 'v' ? pad('<nil>', f) : badVerb(verb, arg);
    default:
      // A function: Go prints its address, which means nothing here.
      return `%!${verb}(${typeName(arg)})`;
  }
}

/** `fmt.Sprint`: operands in `%v`, with a space between two operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && typeof args[i - 1] !== 'string') out += ' ';
    out += formatArg(arg, 'v', PLAIN);
  });
  return out;
}

/** `fmt.Sprintln`: operands in `%v`, always separated by spaces, then a newline. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map((a) => formatArg(a, 'v', PLAIN)).join(' ')}\n`;
}
