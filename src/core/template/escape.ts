/**
 * The escaping builtins `html`, `js` and `urlquery` of Go's `text/template` (`funcs.go`), byte for byte.
 */
import { formatArg, PLAIN, sprint } from './fmt.js';

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's `evalArgs`: one string stays as is; anything else goes through `fmt.Sprint`, nil as `<no value>`. */
export function evalArgs(args: readonly unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  const printable = args.map((a) =>
    a === undefined || a === null
      ? '<no value>'
      : typeof a === 'object'
        ? formatArg(a, 'v', PLAIN, 0, true)
        : a,
  );
  return sprint(printable);
}

const HTML: Record<string, string> = {
  '\0': '\ufffd',
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
};

/** `html`: escape `" ' & < >` and NUL. */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => HTML[c]!);
}

const JS: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '<': '\\u003C',
  '>': '\\u003E',
  '&': '\\u0026',
  '=': '\\u003D',
};

/** `js`: escape quotes, backslash, `< > & =`, control characters and non-printable runes. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (JS[ch]) out += JS[ch];
    else if (r < 0x20) out += `\\u00${r.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (r >= 0x80 && !PRINTABLE.test(ch)) out += `\\u${r.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** `urlquery`: Go's `url.QueryEscape` (space as `+`, unreserved `A-Za-z0-9-_.~` kept). */
export function urlQueryEscape(s: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
