import { describe, expect, it } from 'vitest';
import { anthropicMessagesRequestSchema, type AnthropicMessagesRequest } from '../../api/index.js';
import { isAppError } from '../../core/index.js';
import { fromMessagesRequest } from './translate-request.js';

const base = { model: 'tiny', max_tokens: 16 };
const request = (extra: object): AnthropicMessagesRequest =>
  anthropicMessagesRequestSchema.parse({ ...base, messages: [{ role: 'user', content: 'Hi' }], ...extra });

describe('fromMessagesRequest', () => {
  it.each([
    ['string content', { messages: [{ role: 'user', content: 'Hi' }] }, [{ role: 'user', content: 'Hi' }]],
    [
      'system string first',
      { system: 'Be terse.', messages: [{ role: 'user', content: 'Hi' }] },
      [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Hi' },
      ],
    ],
    [
      'system text blocks joined',
      {
        system: [
          { type: 'text', text: 'A', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'B' },
        ],
        messages: [{ role: 'user', content: 'Hi' }],
      },
      [
        { role: 'system', content: 'A\nB' },
        { role: 'user', content: 'Hi' },
      ],
    ],
    [
      'text blocks joined',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'one' },
              { type: 'text', text: 'two' },
            ],
          },
        ],
      },
      [{ role: 'user', content: 'one\ntwo' }],
    ],
    [
      'tool use and results in order, results named after their call',
      {
        messages: [
          { role: 'user', content: 'Weather in Oslo and Rome?' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'hmm', signature: 'x' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
              { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Rome' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: '12C' },
              {
                type: 'tool_result',
                tool_use_id: 'toolu_2',
                content: [{ type: 'text', text: 'down' }],
                is_error: true,
              },
              { type: 'tool_result', tool_use_id: 'unknown' },
              { type: 'text', text: 'Summarise.' },
            ],
          },
        ],
      },
      [
        { role: 'user', content: 'Weather in Oslo and Rome?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { name: 'weather', arguments: { city: 'Oslo' } },
            { name: 'weather', arguments: { city: 'Rome' } },
          ],
        },
        { role: 'tool', content: '12C', tool_name: 'weather' },
        { role: 'tool', content: 'Error: down', tool_name: 'weather' },
        { role: 'tool', content: '' },
        { role: 'user', content: 'Summarise.' },
      ],
    ],
  ])('%s', (_name, body, messages) => {
    expect(fromMessagesRequest(request(body)).input.messages).toStrictEqual(messages);
  });

  it('maps sampling fields over the options extension, max_tokens to num_predict', () => {
    const plan = fromMessagesRequest(
      request({
        temperature: 0,
        top_p: 0.5,
        top_k: 3,
        stop_sequences: ['END'],
        options: { temperature: 0.9, num_ctx: 256 },
        keep_alive: '5m',
        metadata: { user_id: 'u1' },
        stream: true,
      }),
    );
    expect(plan.stream).toBe(true);
    expect(plan.input.options).toStrictEqual({
      temperature: 0,
      top_p: 0.5,
      top_k: 3,
      stop: ['END'],
      num_predict: 16,
      num_ctx: 256,
    });
    expect(plan.input.keepAliveMs).toBe(300_000);
  });

  const tools = [
    { name: 'a', description: 'A', input_schema: { type: 'object', properties: {} } },
    { name: 'b', input_schema: { type: 'object' } },
  ];
  it.each([
    ['absent: auto', undefined, ['a', 'b'], undefined],
    ['auto', { type: 'auto' }, ['a', 'b'], undefined],
    ['any forces a call', { type: 'any' }, ['a', 'b'], 'required'],
    ['tool forces that one', { type: 'tool', name: 'b' }, ['b'], 'required'],
    ['none offers none', { type: 'none' }, undefined, undefined],
  ])('tool_choice %s', (_name, tool_choice, names, toolChoice) => {
    const { input } = fromMessagesRequest(request({ tools, tool_choice }));
    expect(input.tools?.map((t) => t.name)).toStrictEqual(names);
    expect(input.toolChoice).toBe(toolChoice);
  });

  it('keeps the tool description and schema', () => {
    const { input } = fromMessagesRequest(request({ tools: [tools[0]] }));
    expect(input.tools).toStrictEqual([
      { name: 'a', description: 'A', parameters: { type: 'object', properties: {} } },
    ]);
  });

  it.each([
    [
      'an image block',
      { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64' } }] }] },
      'messages.0.content.0: images are not supported',
    ],
    [
      'a document block',
      { messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] },
      'messages.0.content.0: document inputs are not supported',
    ],
    [
      'an image inside a tool result',
      {
        messages: [
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'x', content: [{ type: 'image' }] }],
          },
        ],
      },
      'messages.0.content.0.content.0: images are not supported',
    ],
    [
      'tool_use in a user turn',
      { messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'x', name: 'a', input: {} }] }] },
      'messages.0.content.0: "tool_use" blocks are not allowed in user turns',
    ],
    ['a server tool', { tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools.0.type'],
    ['tool_choice any without tools', { tool_choice: { type: 'any' } }, 'tool_choice: requires tools'],
    [
      'tool_choice naming no tool',
      { tools, tool_choice: { type: 'tool', name: 'zzz' } },
      'tool_choice.name: no tool named "zzz"',
    ],
    ['a bad keep_alive', { keep_alive: 'soon' }, 'keep_alive'],
  ])('refuses %s', (_name, body, message) => {
    let caught: unknown;
    try {
      fromMessagesRequest(request(body));
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'INVALID_REQUEST')).toBe(true);
    expect((caught as Error).message).toContain(message);
  });

  it.each([
    ['max_tokens missing', { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] }],
    ['temperature above 1', { ...base, temperature: 1.5, messages: [{ role: 'user', content: 'Hi' }] }],
    ['an unknown block type', { ...base, messages: [{ role: 'user', content: [{ type: 'video' }] }] }],
    ['no messages', { ...base, messages: [] }],
  ])('the schema rejects %s', (_name, body) => {
    expect(anthropicMessagesRequestSchema.safeParse(body).success).toBe(false);
  });
});
