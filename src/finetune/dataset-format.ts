/**
 * Fine-tuning datasets: JSON Lines in the four common shapes, each line checked with its number.
 *
 * - `chat`: `{"messages":[{"role":"system"|"user"|"assistant","content":"…","weight"?:0|1}, …]}` (OpenAI's
 *   fine-tuning format; every assistant message with weight 1, the default, is learned).
 * - `instruction`: `{"instruction":"…","input"?:"…","output":"…"}` (Alpaca); instruction and input form the user turn.
 * - `completion`: `{"prompt":"…","completion":"…"}`; the prompt is a user turn, the completion the answer.
 * - `text`: `{"text":"…"}`; every token is learned (continued pre-training).
 *
 * Blank lines are skipped. A file holds one format: the first valid line decides unless the caller names one.
 */
import { FINETUNE_DATASET_FORMATS, type FinetuneDatasetFormat } from '../api/index.js';
import { AppError, type ChatMessage, type TrainingInput } from '../core/index.js';

export const DATASET_FORMATS = FINETUNE_DATASET_FORMATS;
export type DatasetFormat = FinetuneDatasetFormat;

/** One bad line: its 1-based number and what is wrong with it. */
export interface DatasetLineError {
  line: number;
  message: string;
}

/** A parsed dataset: its examples as training inputs, and the format they were in. */
export interface ParsedDataset {
  format: DatasetFormat;
  examples: TrainingInput[];
}

/** At most this many bad lines are listed in an error (the count says how many there were). */
export const MAX_LISTED_ERRORS = 100;

type LineResult = { ok: true; format: DatasetFormat; input: TrainingInput } | { ok: false; message: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function formatOf(value: Record<string, unknown>): DatasetFormat | undefined {
  if ('messages' in value) return 'chat';
  if ('instruction' in value) return 'instruction';
  if ('prompt' in value || 'completion' in value) return 'completion';
  if ('text' in value) return 'text';
  return undefined;
}

function text(value: Record<string, unknown>, key: string, optional = false): string | string[] {
  const v = value[key];
  if (v === undefined && optional) return '';
  if (typeof v !== 'string') return [`"${key}" must be a string`];
  if (!optional && v.trim() === '') return [`"${key}" is empty`];
  return v;
}

/** The problems among field readings (a string is a good value, an array lists what is wrong). */
const problems = (...fields: Array<string | string[]>): string[] =>
  fields.flatMap((f) => (typeof f === 'string' ? [] : f));

const ROLES = new Set(['system', 'user', 'assistant']);

function parseChat(value: Record<string, unknown>): LineResult {
  const raw = value.messages;
  if (!Array.isArray(raw) || raw.length === 0)
    return { ok: false, message: '"messages" must be a non-empty array' };
  const messages: ChatMessage[] = [];
  const train: boolean[] = [];
  for (const [i, m] of raw.entries()) {
    const where = `messages[${i}]`;
    if (!isObject(m)) return { ok: false, message: `${where} must be an object` };
    if (typeof m.role !== 'string' || !ROLES.has(m.role))
      return { ok: false, message: `${where}.role must be "system", "user" or "assistant"` };
    if (typeof m.content !== 'string') return { ok: false, message: `${where}.content must be a string` };
    if (m.weight !== undefined && m.weight !== 0 && m.weight !== 1)
      return { ok: false, message: `${where}.weight must be 0 or 1` };
    if (m.weight !== undefined && m.role !== 'assistant')
      return { ok: false, message: `${where}.weight is only allowed on assistant messages` };
    messages.push({ role: m.role as ChatMessage['role'], content: m.content });
    train.push(m.role === 'assistant' && m.weight !== 0);
  }
  if (!train.includes(true))
    return { ok: false, message: 'no assistant message to learn (add one, or set its weight to 1)' };
  return { ok: true, format: 'chat', input: { messages, train } };
}

function exchange(format: DatasetFormat, user: string, answer: string): LineResult {
  return {
    ok: true,
    format,
    input: {
      messages: [
        { role: 'user', content: user },
        { role: 'assistant', content: answer },
      ],
      train: [false, true],
    },
  };
}

function parseValue(value: Record<string, unknown>, format: DatasetFormat): LineResult {
  const fail = (problems: string[]): LineResult => ({ ok: false, message: problems.join('; ') });
  switch (format) {
    case 'chat':
      return parseChat(value);
    case 'instruction': {
      const [instruction, input, output] = [
        text(value, 'instruction'),
        text(value, 'input', true),
        text(value, 'output'),
      ];
      if (typeof instruction !== 'string' || typeof input !== 'string' || typeof output !== 'string')
        return fail(problems(instruction, input, output));
      return exchange('instruction', input === '' ? instruction : `${instruction}\n\n${input}`, output);
    }
    case 'completion': {
      const [prompt, completion] = [text(value, 'prompt'), text(value, 'completion')];
      if (typeof prompt !== 'string' || typeof completion !== 'string')
        return fail(problems(prompt, completion));
      return exchange('completion', prompt, completion);
    }
    case 'text': {
      const t = text(value, 'text');
      if (typeof t !== 'string') return fail(t);
      return { ok: true, format: 'text', input: { segments: [{ text: t, train: true }] } };
    }
  }
}

function parseLine(line: string, declared: DatasetFormat | undefined): LineResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, message: `not valid JSON (${(err as Error).message})` };
  }
  if (!isObject(value)) return { ok: false, message: 'each line must be a JSON object' };
  const format = formatOf(value);
  if (format === undefined)
    return {
      ok: false,
      message: 'unknown shape: expected "messages", "instruction"/"output", "prompt"/"completion" or "text"',
    };
  if (declared !== undefined && format !== declared)
    return { ok: false, message: `a ${format} example in a ${declared} dataset` };
  return parseValue(value, format);
}

/**
 * Parses a whole JSONL dataset. Throws `INVALID_REQUEST` listing every bad line by number (up to
 * {@link MAX_LISTED_ERRORS}; `details.errors` and `details.invalidLines`), or when there is no example at all.
 */
export function parseDataset(content: string, declared?: DatasetFormat): ParsedDataset {
  const examples: TrainingInput[] = [];
  const errors: DatasetLineError[] = [];
  let invalid = 0;
  let format = declared;
  const lines = content.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const result = parseLine(line, format);
    if (result.ok) {
      format ??= result.format;
      examples.push(result.input);
    } else {
      invalid++;
      if (errors.length < MAX_LISTED_ERRORS) errors.push({ line: index + 1, message: result.message });
    }
  }
  if (invalid > 0) {
    const first = errors
      .slice(0, 3)
      .map((e) => `line ${e.line}: ${e.message}`)
      .join('; ');
    throw new AppError(
      'INVALID_REQUEST',
      `the dataset has ${invalid} invalid line${invalid === 1 ? '' : 's'}: ${first}${invalid > 3 ? '; …' : ''}`,
      { details: { invalidLines: invalid, errors } },
    );
  }
  if (format === undefined || examples.length === 0)
    throw new AppError('INVALID_REQUEST', 'the dataset has no examples (one JSON object per line)');
  return { format, examples };
}
