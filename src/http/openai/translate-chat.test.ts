import { describe, expect, it } from 'vitest';
import { openaiChatCompletionRequestSchema } from '../../api/index.js';
import { AppError, type InferenceResult } from '../../core/index.js';
import { fromChatCompletionRequest, toChatCompletion } from './translate-chat.js';

const user = { role: 'user', content: 'hi' };
const weatherTool = { type: 'function', function: { name: 'weather', parameters: { type: 'object' } } };
const timeTool = { type: 'function', function: { name: 'time', description: 'Current time' } };
/** Matches an `input` without the given key. */
const without = (key: string): unknown => expect.not.objectContaining({ [key]: expect.anything() });

/** Validate like the route does, then translate. */
function plan(fields: Record<string, unknown>) {
  return fromChatCompletionRequest(
    openaiChatCompletionRequestSchema.parse({ model: 'm', messages: [user], ...fields }),
  );
}

describe('fromChatCompletionRequest', () => {
  it('translates a minimal request', () => {
    expect(plan({})).toStrictEqual({
      input: { model: 'm', messages: [{ role: 'user', content: 'hi' }], options: {} },
      stream: false,
      includeUsage: false,
    });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['max_tokens → num_predict', { max_tokens: 50 }, { num_predict: 50 }],
    [
      'max_completion_tokens wins over max_tokens',
      { max_tokens: 50, max_completion_tokens: 20 },
      { num_predict: 20 },
    ],
    ['stop string → one stop', { stop: 'END' }, { stop: ['END'] }],
    ['stop array', { stop: ['a', 'b'] }, { stop: ['a', 'b'] }],
    [
      'sampling fields',
      { temperature: 0.2, top_p: 0.9, seed: 42, frequency_penalty: 0.5, presence_penalty: -0.5 },
      { temperature: 0.2, top_p: 0.9, seed: 42, frequency_penalty: 0.5, presence_penalty: -0.5 },
    ],
    [
      'nulls mean absent',
      { temperature: null, top_p: null, stop: null, seed: null, max_tokens: null, frequency_penalty: null },
      {},
    ],
    [
      'options extension, explicit fields win',
      { options: { num_ctx: 4096, temperature: 0.1, num_predict: 5 }, temperature: 0.7 },
      { num_ctx: 4096, temperature: 0.7, num_predict: 5 },
    ],
  ])('options: %s', (_name, fields, expected) => {
    expect(plan(fields).input.options).toStrictEqual(expected);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'nulls everywhere else',
      {
        response_format: null,
        tools: null,
        tool_choice: null,
        n: null,
        stream: null,
        stream_options: null,
        logprobs: null,
      },
      { input: without('format'), stream: false, includeUsage: false },
    ],
    ['keep_alive duration', { keep_alive: '5m' }, { input: { keepAliveMs: 300_000 } }],
    ['keep_alive negative = forever', { keep_alive: -1 }, { input: { keepAliveMs: Infinity } }],
    ['keep_alive 0 = unload at once', { keep_alive: 0 }, { input: { keepAliveMs: 0 } }],
    ['response_format text', { response_format: { type: 'text' } }, { input: without('format') }],
    [
      'response_format json_object',
      { response_format: { type: 'json_object' } },
      { input: { format: { type: 'json' } } },
    ],
    [
      'response_format json_schema',
      {
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'x', schema: { type: 'object' }, strict: true },
        },
      },
      { input: { format: { type: 'json_schema', schema: { type: 'object' } } } },
    ],
    [
      'json_schema without schema → any JSON',
      { response_format: { type: 'json_schema', json_schema: { name: 'x' } } },
      { input: { format: { type: 'json' } } },
    ],
    [
      'tools',
      { tools: [weatherTool, timeTool] },
      {
        input: {
          tools: [
            { name: 'weather', parameters: { type: 'object' } },
            { name: 'time', description: 'Current time' },
          ],
        },
      },
    ],
    [
      'tool_choice none offers no tools',
      { tools: [weatherTool], tool_choice: 'none' },
      { input: without('tools') },
    ],
    [
      'tool_choice auto',
      { tools: [weatherTool], tool_choice: 'auto' },
      { input: { tools: [{ name: 'weather' }] } },
    ],
    [
      'tool_choice required',
      { tools: [weatherTool], tool_choice: 'required' },
      { input: { tools: [{ name: 'weather' }] } },
    ],
    [
      'tool_choice named offers that tool only',
      { tools: [weatherTool, timeTool], tool_choice: { type: 'function', function: { name: 'time' } } },
      { input: { tools: [{ name: 'time', description: 'Current time' }] } },
    ],
    ['empty tools', { tools: [] }, { input: without('tools') }],
    ['stream', { stream: true }, { stream: true, includeUsage: false }],
    [
      'stream with usage',
      { stream: true, stream_options: { include_usage: true } },
      { stream: true, includeUsage: true },
    ],
    [
      'include_usage without stream is moot',
      { stream_options: { include_usage: true } },
      { includeUsage: false },
    ],
    [
      'n=1, logprobs false, top_logprobs 0 accepted',
      { n: 1, logprobs: false, top_logprobs: 0 },
      { stream: false },
    ],
    ['logprobs with top_logprobs', { logprobs: true, top_logprobs: 3 }, { input: { logprobs: { top: 3 } } }],
    [
      'user and unknown fields ignored',
      { user: 'u1', parallel_tool_calls: false, store: true },
      { stream: false },
    ],
  ])('%s', (_name, fields, expected) => {
    expect(plan(fields)).toMatchObject(expected);
  });

  it('translates every message role', () => {
    const messages = [
      { role: 'developer', content: 'Be brief.' },
      {
        role: 'system',
        content: [
          { type: 'text', text: 'One' },
          { type: 'text', text: 'Two' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }], name: 'ann' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          { id: 'call_2', type: 'function', function: { name: 'time', arguments: '' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '12°C' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '10:00' }] },
      { role: 'tool', tool_call_id: 'call_unknown', content: '?' },
      { role: 'assistant', content: 'It is 12°C.' },
    ];
    expect(plan({ messages }).input.messages).toStrictEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'system', content: 'One\nTwo' },
      { role: 'user', content: 'Weather in Oslo?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { name: 'weather', arguments: { city: 'Oslo' } },
          { name: 'time', arguments: {} },
        ],
      },
      { role: 'tool', content: '12°C', tool_name: 'weather' },
      { role: 'tool', content: '10:00', tool_name: 'time' },
      { role: 'tool', content: '?' },
      { role: 'assistant', content: 'It is 12°C.' },
    ]);
  });

  const callWith = (args: string) => ({
    messages: [
      user,
      {
        role: 'assistant',
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: args } }],
      },
    ],
  });
  it.each<[string, Record<string, unknown>, string]>([
    ['n=2', { n: 2 }, 'n: only 1 is supported, got 2'],
    [
      'image part',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'x' },
              { type: 'image_url', image_url: { url: 'data:' } },
            ],
          },
        ],
      },
      'messages.0.content.1: images are not supported by this model',
    ],
    [
      'audio part',
      {
        messages: [
          { role: 'user', content: [{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }] },
        ],
      },
      'messages.0.content.0: audio input is not supported',
    ],
    [
      'file part',
      { messages: [{ role: 'user', content: [{ type: 'file', file: {} }] }] },
      'file inputs are not supported',
    ],
    [
      'tool arguments not JSON',
      callWith('{city:'),
      'messages.1.tool_calls.0.function.arguments: not valid JSON',
    ],
    [
      'tool arguments not an object',
      callWith('[1]'),
      'messages.1.tool_calls.0.function.arguments: must be a JSON object',
    ],
    ['tool arguments null', callWith('null'), 'must be a JSON object'],
    ['top_logprobs without logprobs', { top_logprobs: 3 }, 'top_logprobs: top_logprobs needs logprobs: true'],
    ['bad keep_alive', { keep_alive: 'soon' }, 'keep_alive: invalid duration "soon"'],
    [
      'tool_choice names a missing tool',
      { tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'nope' } } },
      'tool_choice.function.name: no tool named "nope"',
    ],
    ['tool_choice required without tools', { tool_choice: 'required' }, 'tool_choice: requires tools'],
  ])('rejects %s with a 400', (_name, fields, message) => {
    let error: unknown;
    try {
      plan(fields);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'INVALID_REQUEST', status: 400 });
    expect((error as AppError).message).toContain(message);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['unknown response_format type', { response_format: { type: 'xml' } }, 'response_format.type'],
    [
      'json_schema without name',
      { response_format: { type: 'json_schema', json_schema: {} } },
      'response_format.json_schema.name',
    ],
    ['unknown role', { messages: [{ role: 'function', content: 'x' }] }, 'messages.0.role'],
    [
      'unknown content part',
      { messages: [{ role: 'user', content: [{ type: 'video' }] }] },
      'messages.0.content',
    ],
    [
      'tool message without tool_call_id',
      { messages: [{ role: 'tool', content: 'x' }] },
      'messages.0.tool_call_id',
    ],
    ['no messages', { messages: [] }, 'messages'],
    ['temperature above 2', { temperature: 3 }, 'temperature'],
    ['unknown tool_choice', { tool_choice: 'always' }, 'tool_choice'],
    ['stop of numbers', { stop: [1] }, 'stop'],
  ])('schema rejects %s at %s', (_name, fields, path) => {
    const result = openaiChatCompletionRequestSchema.safeParse({ model: 'm', messages: [user], ...fields });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

const createdAt = new Date('2025-01-02T03:04:05.678Z');
function result(fields: Partial<InferenceResult> = {}): InferenceResult {
  return {
    model: 'llama3.2',
    createdAt,
    text: 'Hello!',
    toolCalls: [],
    doneReason: 'stop',
    promptTokens: 7,
    promptEvalMs: 1,
    evalTokens: 3,
    evalMs: 2,
    loadMs: 0,
    totalMs: 5,
    ...fields,
  };
}

describe('toChatCompletion', () => {
  it('renders a text answer', () => {
    expect(toChatCompletion(result(), 'chatcmpl-1')).toStrictEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1735787045,
      model: 'llama3.2',
      system_fingerprint: 'fp_corral',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello!', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    });
  });

  it('renders tool calls with fresh ids and JSON arguments', () => {
    let n = 0;
    const toolCalls = [
      { name: 'weather', arguments: { city: 'Oslo' } },
      { name: 'time', arguments: {} },
    ];
    const body = toChatCompletion(result({ text: '', toolCalls }), 'chatcmpl-2', () => `call_${++n}`);
    expect(body.choices[0]).toStrictEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          { id: 'call_2', type: 'function', function: { name: 'time', arguments: '{}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
  });

  it('generates call_ ids by default', () => {
    const body = toChatCompletion(result({ toolCalls: [{ name: 'f', arguments: {} }] }), 'x');
    expect(body.choices[0]?.message.tool_calls?.[0]?.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(body.choices[0]?.message.content).toBe('Hello!');
  });

  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['abort', 'stop'],
  ] as const)('maps done reason %s to %s', (doneReason, finish) => {
    expect(toChatCompletion(result({ doneReason }), 'x').choices[0]?.finish_reason).toBe(finish);
  });
});
