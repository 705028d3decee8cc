/**
 * Template errors: every parse or execution failure is an `AppError('INVALID_REQUEST')` whose message names
 * the line and, for execution, the pipeline (`template: line L: executing <…>: …`).
 */
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import { renderTemplate } from './index.js';

type Row = [message: string, template: string, data: unknown];

const groups: Record<string, Row[]> = {
  parse: [
    ['unclosed action', '{{ .Prompt ', {}],
    ['unexpected EOF', '{{ if .A }}x', {}],
    ['unexpected {{end}}', '{{ end }}', {}],
    ['unexpected {{else}}', '{{ else }}', {}],
    ['function "undefinedFunc" not defined', '{{ undefinedFunc 1 }}', {}],
    ['{{break}} outside {{range}}', '{{ break }}', {}],
    ['{{continue}} outside {{range}}', '{{ range .L }}{{ else }}{{ continue }}{{ end }}', {}],
    ['unexpected "/" in command', '{{ /* not a comment */ }}', {}],
    ['unclosed comment', '{{/* unclosed ', {}],
    ['unterminated quoted string', '{{ "unterminated }}', {}],
    ['non executable command in pipeline stage 2', '{{ .A | "x" }}', {}],
    ['unclosed left paren', '{{ (1 }}', {}],
    ['unexpected right paren', '{{ 1) }}', {}],
    ['unexpected ".3" in operand', '{{ 1.2.3 }}', {}],
    ['missing value for if', '{{ if }}{{ end }}', {}],
    ['undefined variable "$y"', '{{ $y }}', {}],
    ['too many declarations in command', '{{ $a, $b := 1 }}', {}],
    ['undefined variable "$x"', '{{ $x := 1 }}{{ define "t" }}{{ $x }}{{ end }}', {}],
    ['multiple definition of template "a"', '{{ define "a" }}A{{ end }}{{ define "a" }}B{{ end }}', {}],
    ['unexpected <if> in else', '{{ with .A }}{{ else if .B }}{{ end }}', {}],
    ['unexpected . after term', '{{ "a".B }}', {}],
    ['malformed character constant', "{{ 'ab' }}", {}],
    ['invalid syntax', '{{ "\\q" }}', {}],
    ['expected :=', '{{ .A: }}', {}],
    ['bad character U+0024', '{{ .A$ }}', {}],
    ['unrecognized character in action', '{{ § }}', {}],
  ],
  execute: [
    ['nil pointer evaluating interface {}.Deeper', '{{ .Missing.Deeper }}', {}],
    ["can't evaluate field B in type string", '{{ .A.B }}', { A: 'str' }],
    ['A is not a method but has arguments', '{{ .A 1 }}', { A: {} }],
    ["can't give argument to non-function", '{{ "x" 1 }}', {}],
    ['nil is not a command', '{{ nil }}', {}],
    ['incompatible types for comparison', '{{ eq .F 1 }}', { F: 1 }],
    ['incompatible types for comparison', '{{ eq "a" 1 }}', {}],
    ['non-comparable type', '{{ eq .L .L }}', { L: [1] }],
    ['invalid type for comparison', '{{ lt true false }}', {}],
    ['invalid type for comparison', '{{ lt .Missing 1 }}', {}],
    ['wrong number of args for eq: want at least 1 got 0', '{{ eq }}', {}],
    ['len of type int', '{{ len .N }}', { N: 3n }],
    ['len of nil pointer', '{{ len .Missing }}', {}],
    ['index out of range: 5', '{{ index .L 5 }}', { L: ['a'] }],
    ['cannot index slice/array with type float64', '{{ index .L 1.5 }}', { L: ['a', 'b'] }],
    ['value has type int; should be string', '{{ index .M 1 }}', { M: { a: 1 } }],
    ['index of untyped nil', '{{ index nil 1 }}', {}],
    ['invalid slice index: 2 > 1', '{{ slice .L 2 1 }}', { L: ['a', 'b', 'c'] }],
    ['index out of range: 5', '{{ slice .L 0 5 }}', { L: ['a', 'b', 'c'] }],
    ['expected string; found 3', '{{ printf 3 }}', {}],
    ["range can't iterate over abc", '{{ range "abc" }}{{ . }}{{ end }}', {}],
    ["can't use 3 to iterate over more than one variable", '{{ range $i, $v := 3 }}{{ end }}', {}],
    ['undefined variable: $x', '{{ $x = 1 }}', {}],
    ['template "nope" not defined', '{{ template "nope" . }}', {}],
    ['wrong number of args for json: want 1 got 2', '{{ json 1 2 }}', {}],
    ['wrong type for value; expected string; got int', '{{ currentDate .N }}', { N: 1n }],
  ],
};

function failure(template: string, data: unknown): Error {
  try {
    renderTemplate(template, data);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`no error for ${template}`);
}

describe.each(Object.entries(groups))('%s errors', (phase, rows) => {
  it.each(rows)('%s', (message, template, data) => {
    const err = failure(template, data);
    expect(isAppError(err, 'INVALID_REQUEST')).toBe(true);
    expect(err.message).toContain(message);
    expect(err.message).toMatch(/^template: line \d+: /);
    expect(err.message.includes(': executing ')).toBe(phase === 'execute');
  });
});

describe('error positions', () => {
  it.each([
    ['unclosed action', 'a\nb\n{{ if .A }}\n{{ .B', 4],
    ['unexpected EOF', '{{ range .L }}\n\n{{ . }}', 3],
    ['function "nope" not defined', 'x\n\n\n{{ nope }}', 4],
    ['unexpected {{end}}', '{{ if .A }}{{ end }}\n{{ end }}', 2],
  ])('%s at line %#', (message, template, line) => {
    const err = failure(template, {});
    expect(err.message).toBe(`template: line ${line}: ${message}`);
  });

  it('names the line and pipeline of an execution error', () => {
    const err = failure('ok\n{{ if true }}\n  {{ index .L 3 }}\n{{ end }}', { L: [] });
    expect(err.message).toBe(
      'template: line 3: executing <index .L 3>: error calling index: index out of range: 3',
    );
  });

  it('stops runaway recursion with an error, not a stack overflow', () => {
    const err = failure('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}', {});
    expect(err.message).toContain('exceeded maximum template depth');
  });
});
