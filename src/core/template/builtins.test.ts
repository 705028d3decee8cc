/**
 * The template functions: Go's builtins and Ollama's extras, table by table. Expected outputs are what Go's
 * `text/template` (with Ollama's function map) prints; JSON follows Go 1.22+ (`\b`/`\f` short escapes).
 */
import { describe, expect, it } from 'vitest';
import { renderTemplate } from './index.js';

type Row = [name: string, template: string, data: unknown, expected: string];

const now = (): Date => new Date(2024, 4, 6, 12, 0, 0);

const groups: Record<string, Row[]> = {
  'and / or / not': [
    [
      'and/or return the deciding operand',
      '{{ and .A .B }}|{{ or .A .B }}|{{ and 1 2 3 }}|{{ or 0 "" }}',
      { A: 'x', B: '' },
      '|x|3|',
    ],
    ['or short-circuits (index would fail)', '{{ or .A (index .L 5) }}', { A: 'short', L: [] }, 'short'],
    ['and short-circuits (index would fail)', '{{ and .A (index .L 5) }}', { A: '', L: [] }, ''],
    ['not', '{{ not 0 }} {{ not "x" }} {{ not .Missing }}', {}, 'true false true'],
  ],
  comparisons: [
    [
      'eq with several arguments',
      '{{ eq .R "user" "system" }} {{ eq .R "x" "y" }}',
      { R: 'system' },
      'true false',
    ],
    [
      'eq ne lt le gt ge',
      '{{ eq 1 1 }} {{ eq 1 2 3 1 }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2.5 }}',
      {},
      'true true true true true true false',
    ],
    [
      'nil compares equal to nil only',
      '{{ eq .Missing "x" }} {{ eq .Missing nil }} {{ ne .Missing "" }}',
      {},
      'false true true',
    ],
    ['eq on len', '{{ eq (len .L) 2 }}', { L: [1, 2] }, 'true'],
    [
      'strings compare bytewise',
      '{{ lt "Z" "a" }} {{ lt "a" "ab" }} {{ lt "é" "z" }}',
      {},
      'true true false',
    ],
  ],
  'len / index / slice': [
    [
      'len of string (bytes), slice, map',
      '{{ len .S }} {{ len .L }} {{ len .M }} {{ len "héllo" }}',
      { S: 'abc', L: [1, 2], M: { a: 1 } },
      '3 2 1 6',
    ],
    [
      'index into slices, maps, nested, strings',
      '{{ index .L 1 }} {{ index .M "k" }} {{ index .M "none" }} {{ index .N 0 1 }} {{ index "abc" 1 }}',
      { L: ['a', 'b'], M: { k: 'v' }, N: [[1, 2]] },
      'b v <no value> 2 98',
    ],
    [
      'slice forms',
      '{{ slice .L 1 }} {{ slice .L 1 2 }} {{ slice .L 0 0 }} {{ slice "hello" 1 3 }} {{ slice .L }}',
      { L: ['a', 'b', 'c'] },
      '[b c] [b] [] el [a b c]',
    ],
    ['len of a slice', '{{ len (slice .L 1) }}', { L: ['a', 'b', 'c'] }, '2'],
  ],
  'print / printf / println': [
    [
      'print spaces non-string neighbours only',
      '{{ print "a" 1 2 "b" 3.5 nil true }}',
      {},
      'a1 2b3.5 <nil> true',
    ],
    ['println', '{{ println "a" 1 }}end', {}, 'a 1\nend'],
    ['print of nothing and of a missing key', '{{ print }}|{{ print .Missing }}', {}, '|<nil>'],
    [
      'printf verbs, width, precision, flags',
      '{{ printf "%s|%d|%v|%q|%5.2f|%-4s|%04d|%x|%t|%%|%c" "s" 42 .L "q\\"" 3.14159 "ab" 7 255 true 65 }}',
      { L: ['a', 1n] },
      's|42|[a 1]|"q\\""| 3.14|ab  |0007|ff|true|%|A',
    ],
    [
      'printf wrong verb, missing and extra operands',
      '{{ printf "%d %s" "x" 1 }} {{ printf "%d" }} {{ printf "%d" 1 2 }}',
      {},
      '%!d(string=x) %!s(int=1) %!d(MISSING) 1%!(EXTRA int=2)',
    ],
    [
      'printf %v of floats',
      '{{ printf "%v %v %v %v" .F .G .H .I }}',
      { F: 1000000, G: 123456, H: 1e21, I: -0.5 },
      '1e+06 123456 1e+21 -0.5',
    ],
    [
      'printf float rounding is half-to-even on exact ties',
      '{{ printf "%.2f %.0f %.0f %e %g %.3g" 2.675 0.5 1.5 123456.0 0.000012 1234.5678 }}',
      {},
      '2.67 0 2 1.234560e+05 1.2e-05 1.23e+03',
    ],
    [
      'printf %T',
      '{{ printf "%T %T %T %T %T %T" 1 1.5 "s" true .L .M }}',
      { L: [], M: {} },
      'int float64 string bool []interface {} map[string]interface {}',
    ],
    [
      'printf %+v and %v of a map',
      '{{ printf "%+v|%v" .M .M }}',
      { M: { b: [1, { x: null }], a: 's' } },
      'map[a:s b:[1 map[x:<nil>]]]|map[a:s b:[1 map[x:<nil>]]]',
    ],
    [
      'printf %q escapes',
      '{{ printf "%q" .S }}',
      { S: 'tab\there "q" é \u0001 😀' },
      '"tab\\there \\"q\\" é \\x01 😀"',
    ],
    [
      'printf with * width and precision',
      '{{ printf "%*d|%-*d|%.*f|%+d|% d|%o|%#x|%X|%U" 5 1 5 2 2 3.14159 5 5 8 255 "hi" 128512 }}',
      {},
      '    1|2    |3.14|+5| 5|10|0xff|6869|U+1F600',
    ],
  ],
  'html / js / urlquery': [
    [
      'escapers',
      '{{ html "<a href=\'x\'>&\\"</a>" }}|{{ js "it\'s <b> = \\"q\\" \\\\ \\n" }}|{{ urlquery "a b&c=d/é" }}',
      {},
      '&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;|it\\\'s \\u003Cb\\u003E \\u003D \\"q\\" \\\\ \\u000A|a+b%26c%3Dd%2F%C3%A9',
    ],
    [
      'escapers format non-strings like print',
      '{{ html .Missing }}|{{ html 1 2 }}|{{ js "é" }}',
      {},
      '&lt;no value&gt;|1 2|é',
    ],
  ],
  'json (Ollama)': [
    [
      'json of nested data: sorted map keys, HTML escaped',
      '{{ json . }}',
      { b: [1, 2.5, null, true, 's'], a: { z: '<&>', y: {} }, c: [] },
      '{"a":{"y":{},"z":"\\u003c\\u0026\\u003e"},"b":[1,2.5,null,true,"s"],"c":[]}',
    ],
    [
      'json string escapes',
      '{{ json "line\\nbreak\\ttab\\u0001\\u007f\\u2028" }}',
      {},
      '"line\\nbreak\\ttab\\u0001\\u2028"',
    ],
    [
      'json of numbers, nil and literals',
      '{{ json .N }} {{ json .F }} {{ json .Big }} {{ json .Tiny }} {{ json .Missing }} {{ json nil }} {{ json 1 }} {{ json "s" }} {{ json true }}',
      { N: 3n, F: 1.5, Big: 1e21, Tiny: 1e-7 },
      '3 1.5 1e+21 1e-7 null null 1 "s" true',
    ],
  ],
  'dates (Ollama)': [
    [
      'currentDate and yesterdayDate read the injected clock',
      '{{ currentDate }} {{ yesterdayDate }} {{ currentDate "2006" }}',
      {},
      '2024-05-06 2024-05-05 2024-05-06',
    ],
  ],
};

describe.each(Object.entries(groups))('%s', (_group, rows) => {
  it.each(rows)('%s', (_name, template, data, expected) => {
    expect(renderTemplate(template, data, { now })).toBe(expected);
  });
});
