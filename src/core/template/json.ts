/**
 * Go's `json.Marshal` output for template values: no spaces, struct fields in declaration order (with their
 * `json` tags and `omitempty`), map keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c`… (Go
 * escapes HTML by default), `\b`/`\f` short escapes (Go 1.22+), other control characters as `\u00XX`.
 */
import { GoStruct, goTypeOf, kindOf, mapEntries, mapSize } from './values.js';

const SHORT: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A string as Go's encoder writes it. Lone surrogates (invalid UTF-8 in Go) become U+FFFD. */
export function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (SHORT[ch]) out += SHORT[ch];
    else if (r < 0x20 || ch === '<' || ch === '>' || ch === '&' || r === 0x2028 || r === 0x2029) {
      out += `\\u${r.toString(16).padStart(4, '0')}`;
    } else if (r >= 0xd800 && r <= 0xdfff) out += '\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

function isEmptyValue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
    case 'nilslice':
    case 'nilmap':
    case 'nilpointer':
      return true;
    case 'bool':
      return v === false;
    case 'int':
      return v === 0n;
    case 'float':
      return v === 0;
    case 'string':
      return v === '';
    case 'slice':
      return (v as unknown[]).length === 0;
    case 'map':
      return mapSize(v as object) === 0;
    default:
      return false;
  }
}

/** Go's `json.Marshal(v)`, or `undefined` where Go returns an error (NaN, ±Inf, functions). */
export function marshalJSON(v: unknown): string | undefined {
  const type = goTypeOf(v);
  if (type?.marshalJSON) return type.marshalJSON(v);
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
    case 'nilslice':
    case 'nilmap':
    case 'nilpointer':
      return 'null';
    case 'bool':
    case 'int':
      return String(v);
    case 'float':
      if (!Number.isFinite(v)) return undefined;
      return Object.is(v, -0) ? '-0' : String(v);
    case 'string':
      return jsonString(v as string);
    case 'slice':
      return join(
        (v as unknown[]).map((e) => ['', e]),
        '[',
        ']',
      );
    case 'map':
      return join(
        mapEntries(v as object).map(([k, e]) => [`${jsonString(String(k))}:`, e]),
        '{',
        '}',
      );
    case 'struct': {
      const s = v as GoStruct;
      const fields = s.type.fields.filter(
        (f) => f.json !== '-' && !(f.omitEmpty && isEmptyValue(s.values[f.name])),
      );
      return join(
        fields.map((f) => [`${jsonString(f.json ?? f.name)}:`, s.values[f.name]]),
        '{',
        '}',
      );
    }
    default:
      return undefined;
  }
}

function join(parts: Array<[string, unknown]>, open: string, close: string): string | undefined {
  const out: string[] = [];
  for (const [prefix, value] of parts) {
    const text = marshalJSON(value);
    if (text === undefined) return undefined;
    out.push(prefix + text);
  }
  return open + out.join(',') + close;
}
