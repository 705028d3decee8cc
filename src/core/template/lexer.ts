/**
 * The lexer of Go's `text/template` (`text/template/parse/lex.go`): splits a template into text and the
 * tokens of its `{{ }}` actions. Trim markers (`{{- ` and ` -}}`, the space is required) remove the white
 * space (space, tab, CR, LF) before or after the action; `{{/* … *\/}}` comments vanish.
 */

/** Token kinds. `keyword` covers `block break continue define else end if range template with`. */
export type ItemType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'field'
  | 'variable'
  | 'identifier'
  | 'keyword'
  | 'string'
  | 'rawString'
  | 'number'
  | 'charConstant'
  | 'complex'
  | 'bool'
  | 'nil'
  | 'dot'
  | 'char'
  | 'pipe'
  | 'assign'
  | 'declare'
  | 'leftParen'
  | 'rightParen'
  | 'eof'
  | 'error';

/** One token: its kind, its source text (the message for `error`) and the line it starts on. */
export interface Item {
  type: ItemType;
  val: string;
  line: number;
}

const KEYWORDS = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'template',
  'with',
]);
const SPACE = new Set([' ', '\t', '\r', '\n']);
const ALNUM = /^[\p{L}\p{Nd}_]$/u;
const TERMINATORS = new Set(['.', ',', '|', ':', ')', '(']);

const isSpace = (c: string | undefined): boolean => c !== undefined && SPACE.has(c);
const isAlphaNumeric = (c: string | undefined): boolean => c !== undefined && ALNUM.test(c);

/** Split `input` into tokens; the list ends with an `eof` or an `error` item. */
export function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let parenDepth = 0;
  const newlines: number[] = [];
  for (let i = input.indexOf('\n'); i >= 0; i = input.indexOf('\n', i + 1)) newlines.push(i);
  const lineAt = (p: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const emit = (type: ItemType, val = input.slice(start, pos)): void => {
    items.push({ type, val, line: lineAt(start) });
    start = pos;
  };
  const fail = (message: string): Item[] => {
    items.push({ type: 'error', val: message, line: lineAt(start) });
    return items;
  };
  const leftTrim = (p: number): boolean => input[p] === '-' && isSpace(input[p + 1]);
  const rightTrimAt = (p: number): boolean =>
    isSpace(input[p]) && input[p + 1] === '-' && input.startsWith('}}', p + 2);
  const skipSpaces = (): void => {
    while (isSpace(input[pos])) pos++;
    start = pos;
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    return c === undefined || isSpace(c) || TERMINATORS.has(c) || input.startsWith('}}', pos);
  };

  for (;;) {
    // Text up to the next action.
    const at = input.indexOf('{{', pos);
    if (at < 0) {
      pos = input.length;
      if (pos > start) emit('text');
      emit('eof', '');
      return items;
    }
    const trimLeft = leftTrim(at + 2);
    let end = at;
    if (trimLeft) while (end > start && isSpace(input[end - 1])) end--;
    if (end > start) {
      pos = end;
      emit('text');
    }
    pos = at + 2;
    start = pos;
    const afterMarker = trimLeft ? 2 : 0;
    if (input.startsWith('/*', pos + afterMarker)) {
      const close = input.indexOf('*/', pos + afterMarker + 2);
      if (close < 0) return fail('unclosed comment');
      pos = close + 2;
      const trimRight = rightTrimAt(pos);
      if (!trimRight && !input.startsWith('}}', pos)) return fail('comment ends before closing delimiter');
      pos += (trimRight ? 2 : 0) + 2;
      if (trimRight) skipSpaces();
      start = pos;
      continue;
    }
    emit('leftDelim', '{{');
    pos += afterMarker;
    start = pos;
    parenDepth = 0;
    // Inside the action.
    for (;;) {
      if (rightTrimAt(pos) || input.startsWith('}}', pos)) {
        if (parenDepth !== 0) return fail('unclosed left paren');
        const trim = rightTrimAt(pos);
        pos += trim ? 2 : 0;
        start = pos;
        pos += 2;
        emit('rightDelim');
        if (trim) skipSpaces();
        break;
      }
      const c = input[pos];
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        while (isSpace(input[pos]) && !rightTrimAt(pos)) pos++;
        if (pos > start) emit('space');
        continue;
      }
      pos++;
      if (c === '=') emit('assign');
      else if (c === ':') {
        if (input[pos] !== '=') return fail('expected :=');
        pos++;
        emit('declare');
      } else if (c === '|') emit('pipe');
      else if (c === '"' || c === "'") {
        const kind = c === '"' ? 'quoted string' : 'character constant';
        for (;;) {
          const d = input[pos++];
          if (d === '\\' && input[pos] !== undefined && input[pos] !== '\n') pos++;
          else if (d === undefined || d === '\n' || d === '\\') return fail(`unterminated ${kind}`);
          else if (d === c) break;
        }
        emit(c === '"' ? 'string' : 'charConstant');
      } else if (c === '`') {
        const close = input.indexOf('`', pos);
        if (close < 0) return fail('unterminated raw quoted string');
        pos = close + 1;
        emit('rawString');
      } else if (c === '$' || (c === '.' && !/[0-9]/.test(input[pos] ?? ''))) {
        if (atTerminator()) {
          emit(c === '$' ? 'variable' : 'dot');
          continue;
        }
        while (isAlphaNumeric(input[pos])) pos++;
        if (!atTerminator()) return fail(`bad character ${describeRune(input[pos])}`);
        emit(c === '$' ? 'variable' : 'field');
      } else if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        pos--;
        const result = scanNumber(input, pos);
        pos = result.end;
        if (!result.ok) return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
        emit(result.complex ? 'complex' : 'number');
      } else if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(input[pos])) pos++;
        if (!atTerminator()) return fail(`bad character ${describeRune(input[pos])}`);
        const word = input.slice(start, pos);
        emit(
          KEYWORDS.has(word)
            ? 'keyword'
            : word === 'true' || word === 'false'
              ? 'bool'
              : word === 'nil'
                ? 'nil'
                : 'identifier',
        );
      } else if (c === '(') {
        parenDepth++;
        emit('leftParen');
      } else if (c === ')') {
        parenDepth--;
        if (parenDepth < 0) return fail('unexpected right paren');
        emit('rightParen');
      } else if (c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) < 0x7f) emit('char');
      else return fail(`unrecognized character in action: ${describeRune(c)}`);
    }
  }
}

function describeRune(c: string | undefined): string {
  if (c === undefined) return 'EOF';
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

/** Go's `scanNumber`: sign, base prefix, digits with `_`, fraction, exponent, optional imaginary `i`. */
function scanNumber(input: string, pos: number): { ok: boolean; end: number; complex: boolean } {
  let p = pos;
  const accept = (valid: string): boolean => {
    if (input[p] !== undefined && valid.includes(input[p]!)) {
      p++;
      return true;
    }
    return false;
  };
  const acceptRun = (valid: string): void => {
    while (accept(valid));
  };
  const scanOne = (): boolean => {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(input[p])) {
      p++;
      return false;
    }
    return true;
  };
  if (!scanOne()) return { ok: false, end: p, complex: false };
  if (input[p] === '+' || input[p] === '-') {
    const ok = scanOne() && input[p - 1] === 'i';
    return { ok, end: p, complex: true };
  }
  return { ok: true, end: p, complex: false };
}
