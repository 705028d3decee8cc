import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.js';
import { parseDataset } from './dataset-format.js';

const lines = (...values: unknown[]) =>
  values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n');

const CHAT = {
  messages: [
    { role: 'user', content: 'q' },
    { role: 'assistant', content: 'a' },
  ],
};

describe('parseDataset', () => {
  it.each([
    {
      format: 'chat',
      line: {
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello', weight: 0 },
          { role: 'user', content: 'bye' },
          { role: 'assistant', content: 'ciao' },
        ],
      },
      input: {
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
          { role: 'user', content: 'bye' },
          { role: 'assistant', content: 'ciao' },
        ],
        train: [false, false, false, false, true],
      },
    },
    {
      format: 'instruction',
      line: { instruction: 'Translate', input: 'cat', output: 'gatto' },
      input: {
        messages: [
          { role: 'user', content: 'Translate\n\ncat' },
          { role: 'assistant', content: 'gatto' },
        ],
        train: [false, true],
      },
    },
    {
      format: 'completion',
      line: { prompt: 'two plus two', completion: 'four' },
      input: {
        messages: [
          { role: 'user', content: 'two plus two' },
          { role: 'assistant', content: 'four' },
        ],
        train: [false, true],
      },
    },
    {
      format: 'text',
      line: { text: 'plain text' },
      input: { segments: [{ text: 'plain text', train: true }] },
    },
  ])('reads the $format format', ({ format, line, input }) => {
    const parsed = parseDataset(lines(line, '', line) + '\n');
    expect(parsed.format).toBe(format);
    expect(parsed.examples).toEqual([input, input]);
  });

  it.each([
    { line: '{"prompt": "a", ', error: /not valid JSON/ },
    { line: '[1, 2]', error: /must be a JSON object/ },
    { line: '{"foo": 1}', error: /unknown shape/ },
    { line: '{"prompt": "a"}', error: /"completion" must be a string/ },
    { line: '{"prompt": "", "completion": "b"}', error: /"prompt" is empty/ },
    { line: '{"messages": []}', error: /non-empty array/, good: CHAT },
    { line: '{"messages": [{"role": "robot", "content": "x"}]}', error: /role must be/, good: CHAT },
    { line: '{"messages": [{"role": "user", "content": 3}]}', error: /content must be a string/, good: CHAT },
    { line: '{"messages": [{"role": "user", "content": "x"}]}', error: /no assistant message/, good: CHAT },
    {
      line: '{"messages": [{"role": "assistant", "content": "x", "weight": 2}]}',
      error: /weight must be 0 or 1/,
      good: CHAT,
    },
    { line: '{"text": "x"}', error: /a text example in a completion dataset/ },
  ])('refuses $line with its line number', ({ line, error, good = { prompt: 'a', completion: 'b' } }) => {
    const err = (() => {
      try {
        parseDataset(lines(good, line, good));
      } catch (e) {
        return e;
      }
    })();
    expect(isAppError(err, 'INVALID_REQUEST')).toBe(true);
    const details = (err as { details: { errors: Array<{ line: number; message: string }> } }).details;
    expect(details.errors).toHaveLength(1);
    expect(details.errors[0]?.line).toBe(2);
    expect(details.errors[0]?.message).toMatch(error);
    expect((err as Error).message).toMatch(/line 2:/);
  });

  it('reports every bad line, counting past the listed ones', () => {
    const bad = Array.from({ length: 150 }, () => '{"oops": true}');
    const err = (() => {
      try {
        parseDataset(lines({ text: 'ok' }, ...bad));
      } catch (e) {
        return e as { message: string; details: { invalidLines: number; errors: Array<{ line: number }> } };
      }
    })();
    expect(err?.details.invalidLines).toBe(150);
    expect(err?.details.errors).toHaveLength(100);
    expect(err?.details.errors.map((e) => e.line).slice(0, 3)).toEqual([2, 3, 4]);
    expect(err?.message).toMatch(/150 invalid lines/);
  });

  it('refuses a file with no example, and a format other than the declared one', () => {
    expect(() => parseDataset('\n\n')).toThrow(/no examples/);
    expect(() => parseDataset(lines({ text: 'x' }), 'chat')).toThrow(/a text example in a chat dataset/);
  });
});
