/**
 * Conformance: the official `openai` npm client against a real Corral server (`/v1/*`) with the tiny fixture model.
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

const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Say something.' },
];

describe('openai npm client', () => {
  it('lists and retrieves models', async () => {
    const list = await openai.models.list();
    expect(list.data.map((m) => m.id)).toContain('tiny:latest');
    const model = await openai.models.retrieve('tiny:latest');
    expect(model).toMatchObject({ id: 'tiny:latest', object: 'model' });
    await expect(openai.models.retrieve('missing')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('completes a chat; the stream with include_usage concatenates to the same greedy answer', async () => {
    const whole = await openai.chat.completions.create({
      model: 'tiny',
      messages,
      temperature: 0,
      seed: 1,
      max_tokens: 10,
    });
    expect(whole.object).toBe('chat.completion');
    expect(whole.choices[0]!.finish_reason).toBe('length');
    expect(whole.usage?.completion_tokens).toBe(10);
    const content = whole.choices[0]!.message.content ?? '';
    expect(content.length).toBeGreaterThan(0);

    const stream = await openai.chat.completions.create({
      model: 'tiny',
      messages,
      temperature: 0,
      seed: 1,
      max_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(content);
    expect(finish).toBe('length');
    expect(usage?.completion_tokens).toBe(10);
  });

  it('honours response_format json_schema: the reply validates', async () => {
    const schema = z.object({ colour: z.enum(['red', 'green', 'blue']) });
    const res = await openai.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Pick a colour.' }],
      max_tokens: 64,
      temperature: 0,
      response_format: { type: 'json_schema', json_schema: { name: 'pick', schema: z.toJSONSchema(schema) } },
    });
    expect(schema.parse(JSON.parse(res.choices[0]!.message.content ?? ''))).toBeTruthy();
  });

  it('returns tool_calls for tool_choice required, streaming and not', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'lookup',
          parameters: {
            type: 'object',
            properties: { id: { type: 'integer', enum: [1, 2, 3] } },
            required: ['id'],
          },
        },
      },
      { type: 'function', function: { name: 'noop', parameters: { type: 'object', properties: {} } } },
    ];
    const res = await openai.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Look up item 2.' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      max_tokens: 64,
      temperature: 0,
    });
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    const call = res.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('lookup');
    expect([1, 2, 3]).toContain((JSON.parse(call.function.arguments) as { id: number }).id);
    expect(call.id).toMatch(/^call_/);

    const stream = await openai.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Do something.' }],
      tools,
      tool_choice: 'required',
      max_tokens: 64,
      temperature: 0,
      stream: true,
    });
    const names: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices[0]?.delta.tool_calls ?? [])
        if (c.function?.name) names.push(c.function.name);
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(names).toHaveLength(1);
    expect(['lookup', 'noop']).toContain(names[0]);
    expect(finish).toBe('tool_calls');
  });

  it('completes raw text, streaming and not', async () => {
    const whole = await openai.completions.create({
      model: 'tiny',
      prompt: 'abc',
      max_tokens: 8,
      temperature: 0,
    });
    expect(whole.object).toBe('text_completion');
    expect(whole.usage?.completion_tokens).toBe(8);
    let text = '';
    for await (const chunk of await openai.completions.create({
      model: 'tiny',
      prompt: 'abc',
      max_tokens: 8,
      temperature: 0,
      stream: true,
    })) {
      text += chunk.choices[0]?.text ?? '';
    }
    expect(text).toBe(whole.choices[0]!.text);
  });

  it('embeds in float and base64 encodings with the same vectors', async () => {
    const float = await openai.embeddings.create({
      model: 'tiny',
      input: ['a b c', 'd e f'],
      encoding_format: 'float',
    });
    expect(float.data).toHaveLength(2);
    expect(float.data[0]!.embedding).toHaveLength(64);
    // Without encoding_format the client asks for base64 and decodes it itself.
    const b64 = await openai.embeddings.create({ model: 'tiny', input: ['a b c', 'd e f'] });
    for (const [i, v] of b64.data[0]!.embedding.entries())
      expect(v).toBeCloseTo(float.data[0]!.embedding[i]!, 5);
  });

  it('answers errors in OpenAI shape', async () => {
    const notFound = await openai.chat.completions
      .create({ model: 'missing', messages })
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notFound as InstanceType<typeof OpenAI.NotFoundError>).message).toMatch(/missing/);
    const n2 = await openai.chat.completions
      .create({ model: 'tiny', messages, n: 2 })
      .catch((e: unknown) => e);
    expect(n2).toBeInstanceOf(OpenAI.BadRequestError);
    expect((n2 as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'INVALID_REQUEST',
    });
  });
});
