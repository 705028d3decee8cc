import { describe, expect, it } from 'vitest';
import { openaiCompletionRequestSchema } from '../../api/index.js';
import { AppError, type InferenceResult } from '../../core/index.js';
import {
  completionChunk,
  completionFinalChunks,
  fromCompletionRequest,
  toCompletion,
} from './translate-completion.js';
import type { ChunkContext } from './translate-shared.js';

function plan(fields: Record<string, unknown>) {
  return fromCompletionRequest(
    openaiCompletionRequestSchema.parse({ model: 'm', prompt: 'Once upon', ...fields }),
  );
}

describe('fromCompletionRequest', () => {
  it('sends the prompt raw', () => {
    expect(plan({})).toStrictEqual({
      input: { model: 'm', prompt: 'Once upon', raw: true, options: {} },
      stream: false,
      includeUsage: false,
    });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['array of one prompt', { prompt: ['a time'] }, { input: { prompt: 'a time' } }],
    ['suffix', { suffix: ' the end.' }, { input: { suffix: ' the end.' } }],
    [
      'sampling fields',
      {
        max_tokens: 16,
        temperature: 0,
        top_p: 0.5,
        stop: '\n',
        seed: 1,
        frequency_penalty: 1,
        presence_penalty: 2,
      },
      {
        input: {
          options: {
            num_predict: 16,
            temperature: 0,
            top_p: 0.5,
            stop: ['\n'],
            seed: 1,
            frequency_penalty: 1,
            presence_penalty: 2,
          },
        },
      },
    ],
    [
      'options extension',
      { options: { num_ctx: 512, top_k: 5 }, top_p: 0.3 },
      { input: { options: { num_ctx: 512, top_k: 5, top_p: 0.3 } } },
    ],
    ['keep_alive', { keep_alive: '1h' }, { input: { keepAliveMs: 3_600_000 } }],
    [
      'stream with usage',
      { stream: true, stream_options: { include_usage: true } },
      { stream: true, includeUsage: true },
    ],
    [
      'accepted defaults',
      { echo: false, n: 1, best_of: 1, logprobs: 0, suffix: null, user: 'u' },
      { stream: false },
    ],
  ])('%s', (_name, fields, expected) => {
    expect(plan(fields)).toMatchObject(expected);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['n=2', { n: 2 }, 'n: only 1 is supported'],
    ['best_of=3', { best_of: 3 }, 'best_of: only 1 is supported'],
    ['echo', { echo: true }, 'echo: echoing the prompt is not supported'],
    ['logprobs', { logprobs: 2 }, 'logprobs: log probabilities are not supported'],
    ['token array', { prompt: [1, 2, 3] }, 'prompt: token arrays are not supported'],
    ['token arrays', { prompt: [[1, 2]] }, 'prompt: token arrays are not supported'],
    ['several prompts', { prompt: ['a', 'b'] }, 'prompt: only one prompt per request is supported'],
    ['no prompt', { prompt: [] }, 'prompt: must not be empty'],
    ['bad keep_alive', { keep_alive: '5 minutes' }, 'keep_alive: invalid duration'],
  ])('rejects %s with a 400', (_name, fields, message) => {
    expect(() => plan(fields)).toThrow(AppError);
    expect(() => plan(fields)).toThrow(message);
  });
});

const result: InferenceResult = {
  model: 'llama3.2',
  createdAt: new Date('2025-01-02T03:04:05Z'),
  text: ' a time',
  toolCalls: [],
  doneReason: 'length',
  promptTokens: 2,
  promptEvalMs: 1,
  evalTokens: 16,
  evalMs: 2,
  loadMs: 0,
  totalMs: 3,
};
const head = {
  id: 'cmpl-1',
  object: 'text_completion',
  created: 1735787045,
  model: 'llama3.2',
  system_fingerprint: 'fp_corral',
};

describe('toCompletion', () => {
  it('renders the text_completion body', () => {
    expect(toCompletion(result, 'cmpl-1')).toStrictEqual({
      ...head,
      choices: [{ text: ' a time', index: 0, logprobs: null, finish_reason: 'length' }],
      usage: { prompt_tokens: 2, completion_tokens: 16, total_tokens: 18 },
    });
  });
});

describe('completion chunks', () => {
  const ctx: ChunkContext = { id: 'cmpl-1', model: 'llama3.2', created: 1735787045, includeUsage: false };

  it('streams text, then the finish reason', () => {
    expect(completionChunk(ctx, { kind: 'text', text: ' a' })).toStrictEqual({
      ...head,
      choices: [{ text: ' a', index: 0, logprobs: null, finish_reason: null }],
    });
    expect(completionFinalChunks(ctx, { ...result, doneReason: 'stop' })).toStrictEqual([
      { ...head, choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'stop' }] },
    ]);
  });

  it('adds usage: null everywhere and a usage chunk when include_usage', () => {
    const withUsage = { ...ctx, includeUsage: true };
    expect(completionChunk(withUsage, { kind: 'text', text: 'x' }).usage).toBeNull();
    expect(completionFinalChunks(withUsage, result)).toStrictEqual([
      { ...head, choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'length' }], usage: null },
      { ...head, choices: [], usage: { prompt_tokens: 2, completion_tokens: 16, total_tokens: 18 } },
    ]);
  });
});
