import { describe, expect, it } from 'vitest';
import type { InferenceResult } from '../../core/index.js';
import { sampleInferenceResult } from '../../core/inference/testing.js';
import { toMessage } from './translate-response.js';
import { MessageStreamEvents } from './translate-stream.js';

const result = sampleInferenceResult();
const ids = () => {
  let n = 0;
  return () => `toolu_${++n}`;
};

describe('toMessage', () => {
  it.each([
    ['end of turn', {}, 'end_turn', null],
    ['the token limit', { doneReason: 'length' }, 'max_tokens', null],
    ['a stop sequence', { stopSequence: 'END' }, 'stop_sequence', 'END'],
    ['a cancelled generation', { doneReason: 'abort' }, 'end_turn', null],
    ['a tool call', { toolCalls: [{ name: 'f', arguments: {} }] }, 'tool_use', null],
  ] as Array<[string, Partial<InferenceResult>, string, string | null]>)(
    'stop reason after %s',
    (_name, change, stop_reason, stop_sequence) => {
      const message = toMessage({ ...result, ...change }, 'msg_1', ids());
      expect(message).toMatchObject({ stop_reason, stop_sequence });
    },
  );

  it('answers text, then tool_use blocks; usage counts the whole prompt', () => {
    const toolCalls = [{ name: 'weather', arguments: { city: 'Oslo' } }];
    expect(toMessage({ ...result, text: 'Let me check.', toolCalls }, 'msg_1', ids())).toStrictEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'tiny',
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 7, output_tokens: 3 },
    });
  });

  it('has no text block when the model only called a tool', () => {
    const toolCalls = [{ name: 'f', arguments: {} }];
    expect(toMessage({ ...result, text: '', toolCalls }, 'msg_1', ids()).content).toStrictEqual([
      { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
    ]);
  });
});

describe('MessageStreamEvents', () => {
  const start = [
    {
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'tiny',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    },
    { type: 'ping' },
  ];

  it('streams a text block, then the stop reason and usage', () => {
    const events = new MessageStreamEvents('msg_1', 'tiny', ids());
    expect([
      ...events.text('Hel'),
      ...events.text('lo'),
      ...events.finish({ ...result, doneReason: 'length' }),
    ]).toStrictEqual([
      ...start,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'max_tokens', stop_sequence: null },
        usage: { input_tokens: 7, output_tokens: 3 },
      },
      { type: 'message_stop' },
    ]);
  });

  it('streams tool calls as tool_use blocks with one input_json_delta each, after the text', () => {
    const events = new MessageStreamEvents('msg_1', 'tiny', ids());
    const toolCalls = [{ name: 'weather', arguments: { city: 'Oslo' } }];
    const all = [...events.text('Hm.'), ...events.finish({ ...result, toolCalls })];
    expect(all.slice(5)).toStrictEqual([
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{"city":"Oslo"}' },
      },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { input_tokens: 7, output_tokens: 3 },
      },
      { type: 'message_stop' },
    ]);
  });

  it('starts the message at the end when nothing was streamed', () => {
    const events = new MessageStreamEvents('msg_1', 'tiny', ids());
    const all = events.finish({ ...result, stopSequence: 'END' });
    expect(all.slice(0, 2)).toStrictEqual(start);
    expect(all[2]).toMatchObject({
      type: 'message_delta',
      delta: { stop_reason: 'stop_sequence', stop_sequence: 'END' },
    });
    expect(events.start()).toStrictEqual([]);
  });
});
