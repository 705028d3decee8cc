import { describe, expect, it } from 'vitest';
import type { GenerateResult } from '../../core/index.js';
import { chatChunk, chatFinalChunks } from './translate-chat-stream.js';
import type { ChunkContext } from './translate-shared.js';

const ctx: ChunkContext = { id: 'chatcmpl-1', model: 'llama3.2', created: 1735787045, includeUsage: false };
const head = {
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1735787045,
  model: 'llama3.2',
  system_fingerprint: 'fp_corral',
};
const choice = (delta: object, finish_reason: string | null = null) => ({
  index: 0,
  delta,
  logprobs: null,
  finish_reason,
});
type Done = Pick<GenerateResult, 'toolCalls' | 'doneReason' | 'promptTokens' | 'evalTokens'>;
const done: Done = { toolCalls: [], doneReason: 'stop', promptTokens: 7, evalTokens: 3 };

describe('chatChunk', () => {
  it.each([
    ['start', { kind: 'start' } as const, [choice({ role: 'assistant', content: '' })]],
    ['content', { kind: 'content', text: 'Hel' } as const, [choice({ content: 'Hel' })]],
    ['finish', { kind: 'finish', reason: 'length' } as const, [choice({}, 'length')]],
    [
      'usage',
      { kind: 'usage', usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } } as const,
      [],
    ],
  ])('%s chunk', (_name, part, choices) => {
    const chunk = chatChunk(ctx, part);
    expect(chunk).toMatchObject({ ...head, choices });
    expect(chunk.choices).toStrictEqual(choices);
  });

  it('omits usage unless include_usage, then sends null on every chunk but the last', () => {
    expect(chatChunk(ctx, { kind: 'content', text: 'x' })).not.toHaveProperty('usage');
    expect(chatChunk({ ...ctx, includeUsage: true }, { kind: 'content', text: 'x' }).usage).toBeNull();
  });
});

describe('chatFinalChunks', () => {
  it('closes a text stream with the finish reason', () => {
    expect(chatFinalChunks(ctx, done)).toStrictEqual([{ ...head, choices: [choice({}, 'stop')] }]);
  });

  it('adds the usage chunk when include_usage', () => {
    expect(chatFinalChunks({ ...ctx, includeUsage: true }, { ...done, doneReason: 'length' })).toStrictEqual([
      { ...head, choices: [choice({}, 'length')], usage: null },
      { ...head, choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } },
    ]);
  });

  it('sends tool calls in one delta, then finish_reason tool_calls', () => {
    let n = 0;
    const toolCalls = [
      { name: 'weather', arguments: { city: 'Oslo' } },
      { name: 'time', arguments: {} },
    ];
    expect(chatFinalChunks(ctx, { ...done, toolCalls }, () => `call_${++n}`)).toStrictEqual([
      {
        ...head,
        choices: [
          choice({
            tool_calls: [
              {
                index: 0,
                id: 'call_1',
                type: 'function',
                function: { name: 'weather', arguments: '{"city":"Oslo"}' },
              },
              { index: 1, id: 'call_2', type: 'function', function: { name: 'time', arguments: '{}' } },
            ],
          }),
        ],
      },
      { ...head, choices: [choice({}, 'tool_calls')] },
    ]);
  });
});
