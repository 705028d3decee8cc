/**
 * Conformance: the official `openai` npm client's Responses API (`openai.responses.*`) against a real Corral
 * server (`POST /v1/responses`, stateless) with the tiny fixture model.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Client } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let s: TestServer;
let openai: OpenAI;

beforeAll(async () => {
  s = await startTestServer({ CORRAL_NUM_PARALLEL: '2', CORRAL_THREADS: '1' });
  openai = new OpenAI({ baseURL: `${s.server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  await new Client({ baseUrl: s.server.url }).create({
    model: 'tiny',
    modelfile: `FROM ${await tinyModelPath({ eos: 'never' })}\nPARAMETER num_ctx 512\n`,
  });
});
afterAll(() => s.close());

const instructions = 'You are terse.';
const input = 'Say something.';

/** The greedy answer of the same conversation through Ollama's `/api/chat`. */
async function ollamaChat(numPredict: number): Promise<string> {
  const res = await fetch(`${s.server.url}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({
      model: 'tiny',
      messages: [
        { role: 'system', content: instructions },
        { role: 'user', content: input },
      ],
      options: { temperature: 0, num_predict: numPredict },
      stream: false,
    }),
  });
  return ((await res.json()) as { message: { content: string } }).message.content;
}

describe('openai npm client, Responses API', () => {
  it('creates a response whose text is the greedy /api/chat answer; the stream says the same', async () => {
    const expected = await ollamaChat(10);
    const res = await openai.responses.create({
      model: 'tiny',
      instructions,
      input,
      max_output_tokens: 10,
      temperature: 0,
      store: false,
    });
    expect(res).toMatchObject({
      object: 'response',
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      model: 'tiny',
      usage: { output_tokens: 10 },
    });
    expect(res.id).toMatch(/^resp_/);
    expect(res.output_text).toBe(expected);
    expect(res.output).toHaveLength(1);
    expect(res.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'incomplete' });

    const stream = await openai.responses.create({
      model: 'tiny',
      instructions,
      input: [{ role: 'user', content: [{ type: 'input_text', text: input }] }],
      max_output_tokens: 10,
      temperature: 0,
      stream: true,
    });
    const types: string[] = [];
    const sequence: number[] = [];
    let text = '';
    let done: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.incomplete') done = event.response;
    }
    expect(text).toBe(expected);
    expect(types.slice(0, 4)).toStrictEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(types.slice(-4)).toStrictEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.incomplete',
    ]);
    expect(sequence).toStrictEqual(sequence.map((_, i) => i));
    expect(done?.usage?.output_tokens).toBe(10);

    // The SDK's stream helper accumulates the same response.
    const helper = openai.responses.stream({
      model: 'tiny',
      instructions,
      input,
      max_output_tokens: 10,
      temperature: 0,
    });
    const final = await helper.finalResponse();
    expect(final.output_text).toBe(expected);
  });

  it('honours text.format json_schema: the reply validates', async () => {
    const schema = z.object({ colour: z.enum(['red', 'green', 'blue']) });
    const res = await openai.responses.create({
      model: 'tiny',
      input: 'Pick a colour.',
      max_output_tokens: 64,
      temperature: 0,
      text: { format: { type: 'json_schema', name: 'pick', schema: z.toJSONSchema(schema), strict: true } },
    });
    expect(res.status).toBe('completed');
    expect(schema.parse(JSON.parse(res.output_text))).toBeTruthy();
  });

  const tools: OpenAI.Responses.FunctionTool[] = [
    {
      type: 'function',
      name: 'lookup',
      strict: true,
      parameters: {
        type: 'object',
        properties: { id: { type: 'integer', enum: [1, 2, 3] } },
        required: ['id'],
        additionalProperties: false,
      },
    },
    { type: 'function', name: 'noop', strict: false, parameters: { type: 'object', properties: {} } },
  ];

  it('returns function_call items for a forced function, streaming and not, and takes their output back', async () => {
    const res = await openai.responses.create({
      model: 'tiny',
      input: 'Look up item 2.',
      tools,
      tool_choice: { type: 'function', name: 'lookup' },
      max_output_tokens: 64,
      temperature: 0,
    });
    const call = res.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'lookup', status: 'completed' });
    expect(call?.call_id).toMatch(/^call_/);
    expect([1, 2, 3]).toContain((JSON.parse(call!.arguments) as { id: number }).id);

    const stream = await openai.responses.create({
      model: 'tiny',
      input: 'Do something.',
      tools,
      tool_choice: 'required',
      max_output_tokens: 64,
      temperature: 0,
      stream: true,
    });
    const names: string[] = [];
    for await (const event of stream) {
      if (event.type === 'response.output_item.done' && event.item.type === 'function_call')
        names.push(event.item.name);
    }
    expect(names).toHaveLength(1);
    expect(['lookup', 'noop']).toContain(names[0]);

    const next = await openai.responses.create({
      model: 'tiny',
      input: [
        { role: 'user', content: 'Look up item 2.' },
        call!,
        { type: 'function_call_output', call_id: call!.call_id, output: 'item 2 is red' },
      ],
      max_output_tokens: 4,
      temperature: 0,
    });
    expect(next.status).toBe('incomplete');
  });

  it('refuses what needs stored state, and answers errors in OpenAI shape', async () => {
    const stored = await openai.responses
      .create({ model: 'tiny', input, store: true })
      .catch((e: unknown) => e);
    expect(stored).toBeInstanceOf(OpenAI.BadRequestError);
    expect((stored as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'store',
      message: expect.stringMatching(/stateless/) as unknown,
    });
    const previous = await openai.responses
      .create({ model: 'tiny', input, previous_response_id: 'resp_123' })
      .catch((e: unknown) => e);
    expect(previous).toBeInstanceOf(OpenAI.BadRequestError);
    const notFound = await openai.responses.create({ model: 'missing', input }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
