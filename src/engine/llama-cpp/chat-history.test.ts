import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../core/index.js';
import { toChatFunctions, toChatHistory } from './chat-history.js';

describe('toChatHistory', () => {
  const rows: Array<[string, ChatMessage[], unknown[]]> = [
    ['empty: just the answer slot', [], [{ type: 'model', response: [] }]],
    [
      'system and user',
      [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
      [
        { type: 'system', text: 'be brief' },
        { type: 'user', text: 'hi' },
        { type: 'model', response: [] },
      ],
    ],
    [
      'a last assistant message is continued (prefill)',
      [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hel' },
      ],
      [
        { type: 'user', text: 'hi' },
        { type: 'model', response: ['Hel'] },
      ],
    ],
    [
      'tool calls get the results of the tool messages (by name, then in order); the answer continues that turn',
      [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { name: 'a', arguments: { x: 1 } },
            { name: 'b', arguments: {} },
          ],
        },
        { role: 'tool', tool_name: 'b', content: '{"ok":true}' },
        { role: 'tool', content: 'sunny' },
      ],
      [
        { type: 'user', text: 'weather?' },
        {
          type: 'model',
          response: [
            { type: 'functionCall', name: 'a', params: { x: 1 }, result: 'sunny' },
            { type: 'functionCall', name: 'b', params: {}, result: { ok: true } },
          ],
        },
      ],
    ],
    [
      'an unanswered call gets an empty result; a stray tool message stays as user text',
      [
        { role: 'tool', content: 'orphan' },
        { role: 'assistant', content: 'ok', tool_calls: [{ name: 'a', arguments: {} }] },
      ],
      [
        { type: 'user', text: 'orphan' },
        { type: 'model', response: ['ok', { type: 'functionCall', name: 'a', params: {}, result: '' }] },
      ],
    ],
  ];
  it.each(rows)('%s', (_name, messages, expected) => {
    expect(toChatHistory(messages)).toEqual(expected);
  });
});

describe('toChatFunctions', () => {
  it('maps tools to functions, undefined when none', () => {
    expect(toChatFunctions(undefined)).toBeUndefined();
    expect(toChatFunctions([])).toBeUndefined();
    expect(
      toChatFunctions([
        { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} } },
        { name: 'now' },
      ]),
    ).toEqual({
      get_weather: { description: 'Weather', params: { type: 'object', properties: {} } },
      now: {},
    });
  });
});
