import { describe, expect, it } from 'vitest';
import { sampleInferenceResult } from '../../core/inference/testing.js';
import { openaiResponsesRequestSchema, type OpenAIResponsesRequest } from '../../api/index.js';
import { isAppError } from '../../core/index.js';
import { fromResponsesRequest, toResponse, type ResponseContext } from './translate-responses.js';

const request = (extra: object): OpenAIResponsesRequest =>
  openaiResponsesRequestSchema.parse({ model: 'tiny', input: 'Hi', ...extra });

describe('fromResponsesRequest', () => {
  it.each([
    ['a string input', { input: 'Hi' }, [{ role: 'user', content: 'Hi' }]],
    [
      'instructions first',
      { instructions: 'Be terse.', input: 'Hi' },
      [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Hi' },
      ],
    ],
    [
      'easy messages and typed messages with parts',
      {
        input: [
          { role: 'developer', content: 'Rules.' },
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_text', text: 'a' },
              { type: 'input_text', text: 'b' },
            ],
          },
          {
            type: 'message',
            role: 'assistant',
            content: [{ type: 'output_text', text: 'c', annotations: [] }],
          },
        ],
      },
      [
        { role: 'system', content: 'Rules.' },
        { role: 'user', content: 'a\nb' },
        { role: 'assistant', content: 'c' },
      ],
    ],
    [
      'function calls join the assistant turn; outputs are named after their call',
      {
        input: [
          { role: 'user', content: 'Weather?' },
          { type: 'reasoning', id: 'rs_1', summary: [] },
          { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' },
          { type: 'function_call', call_id: 'call_2', name: 'time', arguments: '' },
          { type: 'function_call_output', call_id: 'call_1', output: '12C' },
          { type: 'function_call_output', call_id: 'call_9', output: [{ type: 'input_text', text: '?' }] },
        ],
      },
      [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { name: 'weather', arguments: { city: 'Oslo' } },
            { name: 'time', arguments: {} },
          ],
        },
        { role: 'tool', content: '12C', tool_name: 'weather' },
        { role: 'tool', content: '?' },
      ],
    ],
  ])('%s', (_name, body, messages) => {
    expect(fromResponsesRequest(request(body)).input.messages).toStrictEqual(messages);
  });

  it('maps sampling fields over the options extension and echoes the request', () => {
    const plan = fromResponsesRequest(
      request({
        instructions: 'X',
        temperature: 0,
        top_p: 0.5,
        max_output_tokens: 9,
        options: { temperature: 1, seed: 3 },
        keep_alive: 0,
        stream: true,
        store: false,
      }),
    );
    expect(plan.stream).toBe(true);
    expect(plan.input.options).toStrictEqual({ temperature: 0, top_p: 0.5, num_predict: 9, seed: 3 });
    expect(plan.input.keepAliveMs).toBe(0);
    expect(plan.echo).toStrictEqual({
      instructions: 'X',
      max_output_tokens: 9,
      temperature: 0,
      top_p: 0.5,
      tool_choice: 'auto',
      tools: [],
      text: { format: { type: 'text' } },
      parallel_tool_calls: true,
    });
  });

  const tools = [
    { type: 'function', name: 'a', description: 'A', parameters: { type: 'object' }, strict: true },
    { type: 'function', name: 'b' },
  ];
  it.each([
    ['absent: auto', undefined, ['a', 'b'], undefined],
    ['required', 'required', ['a', 'b'], 'required'],
    ['a named function', { type: 'function', name: 'b' }, ['b'], 'required'],
    ['none', 'none', undefined, undefined],
  ])('tool_choice %s', (_name, tool_choice, names, toolChoice) => {
    const { input } = fromResponsesRequest(request({ tools, tool_choice }));
    expect(input.tools?.map((t) => t.name)).toStrictEqual(names);
    expect(input.toolChoice).toBe(toolChoice);
  });

  it.each([
    ['text', { type: 'text' }, undefined],
    ['json_object', { type: 'json_object' }, { type: 'json' }],
    [
      'json_schema',
      { type: 'json_schema', name: 'x', schema: { type: 'object' }, strict: true },
      { type: 'json_schema', schema: { type: 'object' } },
    ],
  ])('text.format %s', (_name, format, expected) => {
    expect(fromResponsesRequest(request({ text: { format } })).input.format).toStrictEqual(expected);
  });

  it.each([
    ['store: true', { store: true }, 'store: must be false'],
    ['previous_response_id', { previous_response_id: 'resp_1' }, 'previous_response_id'],
    ['a conversation', { conversation: 'conv_1' }, 'conversation'],
    ['background', { background: true }, 'background'],
    ['an item reference', { input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input.0: item references'],
    [
      'an image part',
      { input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'x' }] }] },
      'input.0.content.0: images are not supported',
    ],
    [
      'bad call arguments',
      { input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: '[1]' }] },
      'input.0.arguments: must be a JSON object',
    ],
    ['a built-in tool', { tools: [{ type: 'web_search' }] }, 'tools.0.type: built-in tool "web_search"'],
    ['required without tools', { tool_choice: 'required' }, 'tool_choice: requires tools'],
    [
      'a named function not offered',
      { tools, tool_choice: { type: 'function', name: 'z' } },
      'no tool named "z"',
    ],
  ])('refuses %s', (_name, body, message) => {
    let caught: unknown;
    try {
      fromResponsesRequest(request(body));
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'INVALID_REQUEST')).toBe(true);
    expect((caught as Error).message).toContain(message);
  });

  it.each([
    ['an unknown item type', { input: [{ type: 'computer_call' }] }],
    ['a function call without call_id', { input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }],
    ['a function tool without a name', { tools: [{ type: 'function' }] }],
    ['json_schema without a schema', { text: { format: { type: 'json_schema', name: 'x' } } }],
  ])('the schema rejects %s', (_name, body) => {
    expect(openaiResponsesRequestSchema.safeParse({ model: 'tiny', input: 'Hi', ...body }).success).toBe(
      false,
    );
  });
});

const result = sampleInferenceResult();

const ctx: ResponseContext = {
  id: 'resp_1',
  createdAt: 100,
  model: 'tiny',
  echo: fromResponsesRequest(request({})).echo,
};

/** Ids `msg_1`, `fc_2`, `call_3`… */
function counter(): (prefix: string) => string {
  let n = 0;
  return (prefix) => `${prefix}${++n}`;
}

describe('toResponse', () => {
  it('answers a completed message with output_text and usage', () => {
    expect(toResponse(result, ctx, counter())).toStrictEqual({
      id: 'resp_1',
      object: 'response',
      created_at: 100,
      status: 'completed',
      error: null,
      incomplete_details: null,
      model: 'tiny',
      output: [
        {
          type: 'message',
          id: 'msg_1',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Hello', annotations: [] }],
        },
      ],
      output_text: 'Hello',
      previous_response_id: null,
      store: false,
      usage: {
        input_tokens: 7,
        input_tokens_details: { cached_tokens: 2 },
        output_tokens: 3,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 10,
      },
      metadata: {},
      ...ctx.echo,
    });
  });

  it('is incomplete at the token limit', () => {
    const res = toResponse({ ...result, doneReason: 'length' }, ctx, counter());
    expect(res).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(res.output[0]).toMatchObject({ status: 'incomplete' });
  });

  it('answers tool calls as function_call items without an empty message', () => {
    const toolCalls = [{ name: 'weather', arguments: { city: 'Oslo' } }];
    const res = toResponse({ ...result, text: '', toolCalls }, ctx, counter());
    expect(res.output).toStrictEqual([
      {
        type: 'function_call',
        id: 'fc_1',
        call_id: 'call_2',
        name: 'weather',
        arguments: '{"city":"Oslo"}',
        status: 'completed',
      },
    ]);
    expect(res.output_text).toBe('');
  });
});
