import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/index.js';
import {
  randomId,
  textInputs,
  toFinishReason,
  toKeepAliveMs,
  toRequestOptions,
  unixSeconds,
} from './translate-shared.js';

describe('toKeepAliveMs', () => {
  it.each<[string | number | undefined, number | undefined]>([
    [undefined, undefined],
    [0, 0],
    [30, 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    [-1, Infinity],
    ['-1m', Infinity],
  ])('%s → %s', (value, ms) => {
    expect(toKeepAliveMs(value)).toBe(ms);
  });

  it.each(['soon', '', '5 m', '1d'])('rejects %j with a 400 naming keep_alive', (value) => {
    expect(() => toKeepAliveMs(value)).toThrow(AppError);
    expect(() => toKeepAliveMs(value)).toThrow(/^invalid request: keep_alive: invalid duration/);
  });
});

describe('toRequestOptions', () => {
  it('keeps extension options the OpenAI fields do not set', () => {
    expect(
      toRequestOptions({ options: { num_ctx: 8192, stop: ['a'], seed: 1 }, stop: 'b' }, 10),
    ).toStrictEqual({
      num_ctx: 8192,
      stop: ['b'],
      seed: 1,
      num_predict: 10,
    });
  });
});

describe('toFinishReason', () => {
  it.each([
    ['stop', false, 'stop'],
    ['stop', true, 'tool_calls'],
    ['length', false, 'length'],
    ['length', true, 'length'],
    ['abort', false, 'stop'],
  ] as const)('%s (tools: %s) → %s', (reason, tools, expected) => {
    expect(toFinishReason(reason, tools)).toBe(expected);
  });
});

describe('textInputs', () => {
  it('passes texts and refuses tokens', () => {
    expect(textInputs('a', 'input')).toStrictEqual(['a']);
    expect(textInputs(['a', 'b'], 'input')).toStrictEqual(['a', 'b']);
    expect(() => textInputs([1], 'prompt')).toThrow('prompt: token arrays are not supported');
  });
});

describe('ids and times', () => {
  it('makes distinct OpenAI-looking ids', () => {
    const a = randomId('chatcmpl-');
    expect(a).toMatch(/^chatcmpl-[A-Za-z0-9]{24}$/);
    expect(randomId('chatcmpl-')).not.toBe(a);
  });

  it('rounds times down to seconds', () => {
    expect(unixSeconds(new Date(1999))).toBe(1);
  });
});
