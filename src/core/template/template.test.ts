/**
 * Go `text/template` semantics, table by table. Expected outputs are what Go's own `text/template` prints for
 * the same template and data (Go 1.22+ for `range` over an integer, 1.23+ for `else with`). Data follows the
 * value model of `values.ts`: plain objects are `map[string]any`, numbers `float64`, bigints `int`.
 */
import { describe, expect, it } from 'vitest';
import { parseTemplate, renderTemplate } from './index.js';

type Row = [name: string, template: string, data: unknown, expected: string];

const now = (): Date => new Date(2024, 4, 6, 12, 0, 0);

const groups: Record<string, Row[]> = {
  'text and trim markers': [
    ['plain text passes through', 'plain text', {}, 'plain text'],
    ['{{- and -}} trim spaces on both sides', 'a  {{- "b" -}}  c', {}, 'abc'],
    ['left trim eats newlines and tabs', 'a \n\t {{- 1 }} \n c', {}, 'a1 \n c'],
    ['right trim eats blank lines', 'a {{ 1 -}} \n\n c', {}, 'a 1c'],
    ['trimmed comment leaves nothing', '{{- /* comment */ -}}  x  ', {}, 'x  '],
    ['untrimmed comment keeps the spaces around it', 'a {{/* comment */}} b', {}, 'a  b'],
    ['multi-line comment with left trim', 'a\n{{- /* multi\nline */}}\nb', {}, 'a\nb'],
    ['trim between adjacent actions', '{{ 3 }}{{- 4 }}', {}, '34'],
    ['{{-3}} is the number -3, not a trim', '{{-3}}', {}, '-3'],
    ['empty string prints nothing', 'x{{ "" }}y', {}, 'xy'],
  ],
  'fields, maps and missing keys': [
    ['nested field chain', '{{ .A.B.C }}', { A: { B: { C: 'deep' } } }, 'deep'],
    ['missing keys print <no value>', '{{ .Missing }}|{{ .A.Missing }}', { A: {} }, '<no value>|<no value>'],
    [
      'a variable holding no value can be dotted further',
      '{{ $x := .Missing }}[{{ $x.Deeper }}]',
      {},
      '[<no value>]',
    ],
    [
      'ints, floats (Go %v), bools and nil',
      '{{ .N }} {{ .F }} {{ .Big }} {{ .Small }} {{ .T }} {{ .Nil }}',
      { N: 42n, F: 1.5, Big: 1234567, Small: 1e-5, T: true, Nil: null },
      '42 1.5 1.234567e+06 1e-05 true <no value>',
    ],
    [
      'maps print sorted, slices with spaces, nil inside as <nil>',
      '{{ . }}',
      { b: [1, 'x', null], a: { k: true } },
      'map[a:map[k:true] b:[1 x <nil>]]',
    ],
    ['empty slice and map', '{{ .L }} {{ .E }} {{ .M }}', { L: ['a', 'b'], E: [], M: {} }, '[a b] [] map[]'],
    ['$ is the data at the top', '{{ $ }}', 'top', 'top'],
    ['$ stays the root inside with', '{{ with .A }}{{ $.B }}{{ end }}', { A: 1, B: 'root' }, 'root'],
    ['field on a parenthesized pipeline', '{{ (index .L 0).Name }}', { L: [{ Name: 'n' }] }, 'n'],
    ['field on a parenthesized field', '{{ (.A).B }}', { A: { B: 'c' } }, 'c'],
    ['field on a variable', '{{ $m := .M }}{{ $m.K }}', { M: { K: 'v' } }, 'v'],
  ],
  'if / else if / else': [
    [
      'else-if chain picks zero',
      '{{ if eq .V 0 }}zero{{ else if eq .V 1 }}one{{ else if eq .V 2 }}two{{ else }}many{{ end }}',
      { V: 0n },
      'zero',
    ],
    [
      'else-if chain picks one',
      '{{ if eq .V 0 }}zero{{ else if eq .V 1 }}one{{ else if eq .V 2 }}two{{ else }}many{{ end }}',
      { V: 1n },
      'one',
    ],
    [
      'else-if chain picks two',
      '{{ if eq .V 0 }}zero{{ else if eq .V 1 }}one{{ else if eq .V 2 }}two{{ else }}many{{ end }}',
      { V: 2n },
      'two',
    ],
    [
      'else-if chain picks many',
      '{{ if eq .V 0 }}zero{{ else if eq .V 1 }}one{{ else if eq .V 2 }}two{{ else }}many{{ end }}',
      { V: 3n },
      'many',
    ],
    ['truthiness of empty string', '{{ if .V }}T{{ else }}F{{ end }}', { V: '' }, 'F'],
    ['truthiness of non-empty string', '{{ if .V }}T{{ else }}F{{ end }}', { V: 'x' }, 'T'],
    ['truthiness of int 0', '{{ if .V }}T{{ else }}F{{ end }}', { V: 0n }, 'F'],
    ['truthiness of int 1', '{{ if .V }}T{{ else }}F{{ end }}', { V: 1n }, 'T'],
    ['truthiness of float 0', '{{ if .V }}T{{ else }}F{{ end }}', { V: 0 }, 'F'],
    ['truthiness of nil', '{{ if .V }}T{{ else }}F{{ end }}', { V: null }, 'F'],
    ['truthiness of empty list', '{{ if .V }}T{{ else }}F{{ end }}', { V: [] }, 'F'],
    ['truthiness of list [0]', '{{ if .V }}T{{ else }}F{{ end }}', { V: [0] }, 'T'],
    ['truthiness of empty map', '{{ if .V }}T{{ else }}F{{ end }}', { V: {} }, 'F'],
    ['truthiness of non-empty map', '{{ if .V }}T{{ else }}F{{ end }}', { V: { a: 1 } }, 'T'],
    ['truthiness of false', '{{ if .V }}T{{ else }}F{{ end }}', { V: false }, 'F'],
    ['truthiness of true', '{{ if .V }}T{{ else }}F{{ end }}', { V: true }, 'T'],
    ['a missing key is false', '{{ if .Missing }}T{{ else }}F{{ end }}', {}, 'F'],
    ['not of an empty string', '{{ if not .V }}empty{{ end }}', { V: '' }, 'empty'],
    [
      'and/or as conditions',
      '{{ if and .A .B }}both{{ end }}{{ if or .A .B }}either{{ end }}',
      { A: 'x', B: '' },
      'either',
    ],
  ],
  with: [
    ['with sets dot', '{{ with .A }}[{{ . }}]{{ else }}none{{ end }}', { A: 'v' }, '[v]'],
    ['with takes else on an empty value', '{{ with .A }}[{{ . }}]{{ else }}none{{ end }}', { A: '' }, 'none'],
    ['with declares a variable', '{{ with $x := .A }}{{ $x }}{{ . }}{{ end }}', { A: 'v' }, 'vv'],
    ['else with (Go 1.23)', '{{ with .A }}a{{ else with .B }}b={{ . }}{{ end }}', { B: 1 }, 'b=1'],
  ],
  range: [
    ['range over a slice', '{{ range .L }}<{{ . }}>{{ end }}', { L: ['a', 'b', 'c'] }, '<a><b><c>'],
    [
      'range with index and element',
      '{{ range $i, $e := .L }}{{ $i }}={{ $e }} {{ end }}',
      { L: ['a', 'b'] },
      '0=a 1=b ',
    ],
    [
      'range with one variable gets the element',
      '{{ range $e := .L }}{{ $e }}{{ end }}',
      { L: ['a', 'b'] },
      'ab',
    ],
    ['range else on an empty slice', '{{ range .L }}x{{ else }}empty{{ end }}', { L: [] }, 'empty'],
    ['range else on a missing key', '{{ range .Missing }}x{{ else }}empty{{ end }}', {}, 'empty'],
    [
      'range over a map in key order',
      '{{ range $k, $v := .M }}{{ $k }}:{{ $v }},{{ end }}',
      { M: { b: 2, a: 1, c: { z: 1 } } },
      'a:1,b:2,c:map[z:1],',
    ],
    ['range over map values', '{{ range .M }}{{ . }},{{ end }}', { M: { b: 2, a: 1 } }, '1,2,'],
    [
      'continue and break',
      '{{ range $i, $x := .L }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $x }}{{ end }}',
      { L: ['a', 'b', 'c', 'd', 'e'] },
      'ac',
    ],
    [
      'break leaves only the inner range',
      '{{ range .A }}{{ range .B }}{{ . }}{{ break }}{{ end }}|{{ end }}',
      { A: [{ B: [1, 2] }, { B: [3, 4] }] },
      '1|3|',
    ],
    ['range over an integer (Go 1.22)', '{{ range 3 }}{{ . }}{{ end }}', {}, '012'],
    [
      'range variables end with the range',
      '{{ range $i, $e := .L }}{{ $i }}{{ end }}{{ $e := 1 }}{{ $e }}',
      { L: [1] },
      '01',
    ],
    ['$ inside range', '{{ range .L }}{{ $.Sep }}{{ . }}{{ end }}', { L: ['a', 'b'], Sep: '-' }, '-a-b'],
    [
      'last element test with slice and len',
      '{{ range $i, $_ := .L }}{{ . }}{{ if ne (len (slice $.L $i)) 1 }}, {{ end }}{{ end }}',
      { L: ['a', 'b', 'c'] },
      'a, b, c',
    ],
  ],
  variables: [
    [
      ':= in a block shadows until its end',
      '{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}',
      {},
      '21',
    ],
    ['= assigns the outer variable', '{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}', {}, '2'],
    [
      'accumulate across range iterations',
      '{{ $x := "" }}{{ range .L }}{{ $x = printf "%s%s" $x . }}{{ end }}{{ $x }}',
      { L: ['a', 'b', 'c'] },
      'abc',
    ],
    ['declarations print nothing', '[{{ $x := "v" }}]{{ $x }}', {}, '[]v'],
  ],
  'nested templates': [
    [
      'define and template with a pipeline',
      '{{ define "T" }}[{{ . }}]{{ end }}{{ template "T" "x" }}{{ template "T" .A }}',
      { A: 1 },
      '[x][1]',
    ],
    ['block defines and calls', '{{ block "B" .A }}<{{ .X }}>{{ end }}', { A: { X: 'bx' } }, '<bx>'],
    [
      'recursive template',
      '{{ define "rec" }}{{ if . }}{{ index . 0 }}{{ template "rec" (slice . 1) }}{{ end }}{{ end }}{{ template "rec" .L }}',
      { L: ['a', 'b', 'c'] },
      'abc',
    ],
    [
      'template without pipeline gets no value',
      '{{ define "T" }}{{ $ }}{{ end }}{{ template "T" }}',
      {},
      '<no value>',
    ],
    [
      'an empty redefinition keeps the first',
      '{{ define "a" }}A{{ end }}{{ define "a" }}  {{ end }}{{ template "a" }}',
      {},
      'A',
    ],
  ],
  'pipelines and literals': [
    ['pipeline passes the final argument', '{{ "x" | printf "%s-%s" "y" }}', {}, 'y-x'],
    ['multi-stage pipeline', '{{ .S | len | printf "%03d" }}', { S: 'hello' }, '005'],
    [
      'number literals',
      "{{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }} {{ 1e3 }} {{ 1.5e3 }} {{ 'a' }} {{ '\\n' }} {{ -7 }} {{ +3 }} {{ .5 }}",
      {},
      '31 15 15 5 1000 1000 1500 97 10 -7 3 0.5',
    ],
    ['string escapes', '{{ "\\x41\\u00e9\\U0001F600\\101\\a\\b" | printf "%q" }}', {}, '"Aé😀A\\a\\b"'],
    ['raw strings and bools', '{{ `raw\\n` }}{{ true }}{{ false }}', {}, 'raw\\ntruefalse'],
    ['parenthesized string', '{{ ( "x" ) }}', {}, 'x'],
  ],
};

describe.each(Object.entries(groups))('%s', (_group, rows) => {
  it.each(rows)('%s', (_name, template, data, expected) => {
    expect(renderTemplate(template, data, { now })).toBe(expected);
  });
});

describe('parseTemplate', () => {
  it('caches by text and renders a parsed template', () => {
    const t = parseTemplate('{{ .A }}!');
    expect(parseTemplate('{{ .A }}!')).toBe(t);
    expect(renderTemplate(t, { A: 'x' })).toBe('x!');
  });

  it('trim markers treat CR as white space', () => {
    expect(renderTemplate('a\r\n{{- .A }}', { A: 1n })).toBe('a1');
  });
});
