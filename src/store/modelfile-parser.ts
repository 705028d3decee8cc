/**
 * Modelfile parser, following Ollama's `parser/parser.go` rules:
 * - one instruction per line, instruction names case-insensitive; `#` starts a comment only at line start;
 * - `PARAMETER <key> <value>`, `MESSAGE <role> <content>`, the others `<INSTRUCTION> <value>`;
 * - a value is the rest of the line, trimmed, or a `"…"` / `"""…"""` quoted string that may span lines and
 *   ends at a closing quote followed only by spaces up to the end of a line (so a value may contain quotes).
 * Errors are `AppError('INVALID_MODELFILE', 'line L, column C: …')`, 1-based.
 */
import { AppError } from '../core/index.js';
import { isKnownParameter, parseParameterValue } from './model-parameters.js';
import type { MessageRole, Modelfile, ModelfileInstruction } from './modelfile.js';

const INSTRUCTIONS = ['from', 'parameter', 'template', 'system', 'adapter', 'license', 'message'] as const;
const ROLES: readonly MessageRole[] = ['system', 'user', 'assistant'];

/**
 * Parse Modelfile text. Requires exactly one `FROM`, unless `requireFrom` is false (the model comes from uploaded
 * files, Ollama's create `files` map); then at most one.
 */
export function parseModelfile(input: string, options: { requireFrom?: boolean } = {}): Modelfile {
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const s = new Scanner(text);
  const instructions: ModelfileInstruction[] = [];
  for (;;) {
    s.skip(/[ \t\n]*/y);
    if (s.done) break;
    if (s.peek() === '#') {
      s.skip(/[^\n]*/y);
      continue;
    }
    const at = s.mark();
    const word = s.take(/[A-Za-z]+/y);
    const kind = word.toLowerCase() as (typeof INSTRUCTIONS)[number];
    if (word === '' || !INSTRUCTIONS.includes(kind)) {
      const shown = word || s.take(/[^ \t\n]*/y);
      throw s.fail(
        at,
        `unknown instruction ${JSON.stringify(shown)} (expected one of ${INSTRUCTIONS.join(', ').toUpperCase()})`,
      );
    }
    s.separator(word);
    const line = at.line;
    if (kind === 'parameter') {
      const keyAt = s.mark();
      const key = s.take(/[A-Za-z0-9_]+/y).toLowerCase();
      if (key === '') throw s.fail(keyAt, 'expected a parameter name after PARAMETER');
      if (!isKnownParameter(key)) throw s.fail(keyAt, `unknown parameter ${JSON.stringify(key)}`);
      s.separator(`PARAMETER ${key}`);
      const valueAt = s.mark();
      const raw = s.value(`PARAMETER ${key}`);
      let value: number | boolean | string;
      try {
        value = parseParameterValue(key, raw);
      } catch (err) {
        throw s.fail(valueAt, (err as Error).message);
      }
      instructions.push({ kind, key, value, line });
    } else if (kind === 'message') {
      const roleAt = s.mark();
      const role = s.take(/[A-Za-z]+/y).toLowerCase() as MessageRole;
      if (!ROLES.includes(role))
        throw s.fail(roleAt, 'message role must be one of "system", "user", or "assistant"');
      s.separator(`MESSAGE ${role}`);
      instructions.push({ kind, role, content: s.value('MESSAGE'), line });
    } else {
      const valueAt = s.mark();
      const value = s.value(word.toUpperCase());
      if ((kind === 'from' || kind === 'adapter') && value === '')
        throw s.fail(valueAt, `${word.toUpperCase()} needs a value`);
      if (kind === 'from' && instructions.some((i) => i.kind === 'from'))
        throw s.fail(at, 'only one FROM instruction is allowed');
      instructions.push({ kind, value, line });
    }
  }
  if (options.requireFrom !== false && !instructions.some((i) => i.kind === 'from'))
    throw s.fail({ line: 1, column: 1 }, 'no FROM instruction');
  return { instructions };
}

interface Position {
  line: number;
  column: number;
}

// A cursor over the text that keeps line and column up to date.
class Scanner {
  #pos = 0;
  #line = 1;
  #lineStart = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  get done(): boolean {
    return this.#pos >= this.#text.length;
  }

  peek(): string {
    return this.#text.charAt(this.#pos);
  }

  mark(): Position {
    return { line: this.#line, column: this.#pos - this.#lineStart + 1 };
  }

  /** Consume a sticky-regex match (possibly empty) and return it. */
  take(re: RegExp): string {
    re.lastIndex = this.#pos;
    const m = re.exec(this.#text);
    const got = m?.index === this.#pos ? m[0] : '';
    this.#advance(got.length);
    return got;
  }

  skip(re: RegExp): void {
    this.take(re);
  }

  /** Require at least one space or tab, then skip them. */
  separator(after: string): void {
    if (this.take(/[ \t]+/y) !== '') return;
    const ch = this.peek();
    if (ch === '' || ch === '\n') throw this.fail(this.mark(), `missing value after ${after}`);
    throw this.fail(this.mark(), `unexpected character ${JSON.stringify(ch)} after ${after}`);
  }

  /** Read a value: plain rest-of-line (trimmed), or a quoted string. Consumes the end of its line. */
  value(what: string): string {
    const at = this.mark();
    const rest = this.#text.slice(this.#pos);
    const quote = rest.startsWith('"""') ? '"""' : rest.startsWith('"') ? '"' : '';
    if (quote === '') {
      const v = this.take(/[^\n]*/y).trim();
      if (v === '') throw this.fail(at, `missing value after ${what}`);
      return v;
    }
    const close = new RegExp(`${quote}[ \\t]*(?:\\n|$)`, 'g');
    close.lastIndex = this.#pos + quote.length;
    const m = close.exec(this.#text);
    if (m === null)
      throw this.fail(at, `unterminated ${quote === '"' ? 'quoted' : 'triple-quoted'} value for ${what}`);
    const value = this.#text.slice(this.#pos + quote.length, m.index);
    this.#advance(m.index + m[0].length - this.#pos);
    return value;
  }

  fail(at: Position, what: string): AppError {
    return new AppError('INVALID_MODELFILE', `line ${at.line}, column ${at.column}: ${what}`, {
      details: { line: at.line, column: at.column },
    });
  }

  #advance(n: number): void {
    const end = this.#pos + n;
    for (let i = this.#pos; i < end; i++) {
      if (this.#text.charCodeAt(i) === 10) {
        this.#line++;
        this.#lineStart = i + 1;
      }
    }
    this.#pos = end;
  }
}
