/**
 * Conformance: the official `@anthropic-ai/sdk` client against a real Corral server (`POST /v1/messages`) with the
 * tiny fixture model, and against an in-process app with authentication on (`x-api-key`).
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let s: TestServer;
let anthropic: Anthropic;
let modelfile: string;

beforeAll(async () => {
  s = await startTestServer({ CORRAL_NUM_PARALLEL: '2', CORRAL_THREADS: '1' });
  anthropic = new Anthropic({ baseURL: s.server.url, apiKey: 'unused', maxRetries: 0 });
  modelfile = `FROM ${await tinyModelPath({ eos: 'never' })}\nPARAMETER num_ctx 512\n`;
  await new Client({ baseUrl: s.server.url }).create({ model: 'tiny', modelfile });
});
afterAll(() => s.close());

const system = 'You are terse.';

/**
 * Greedy decoding. The 1.x SDK's types no longer list `temperature` (Anthropic deprecated sampling parameters for
 * its newest models), but the SDK sends what it is given and Corral serves it.
 */
function greedy<P extends Anthropic.MessageCreateParams>(params: P): P {
  return { ...params, temperature: 0 };
}
const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Say something.' }];

/** The greedy answer of the same conversation through Ollama's `/api/chat`. */
async function ollamaChat(numPredict: number): Promise<string> {
  const res = await fetch(`${s.server.url}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({
      model: 'tiny',
      messages: [{ role: 'system', content: system }, ...messages],
      options: { temperature: 0, num_predict: numPredict },
      stream: false,
    }),
  });
  return ((await res.json()) as { message: { content: string } }).message.content;
}

describe('@anthropic-ai/sdk client', () => {
  it('creates a message whose text is the greedy /api/chat answer; the stream says the same', async () => {
    const expected = await ollamaChat(10);
    const message = await anthropic.messages.create(
      greedy({
        model: 'tiny',
        system,
        messages,
        max_tokens: 10,
        metadata: { user_id: 'u1' },
      }),
    );
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'tiny',
      stop_reason: 'max_tokens',
      stop_sequence: null,
      usage: { output_tokens: 10 },
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.content).toStrictEqual([{ type: 'text', text: expected }]);

    const stream = anthropic.messages.stream(
      greedy({
        model: 'tiny',
        system,
        messages,
        max_tokens: 10,
      }),
    );
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe(expected);
    expect(types[0]).toBe('message_start');
    expect(types.slice(1, 2)).toStrictEqual(['content_block_start']); // the SDK drops `ping`
    expect(types.slice(-3)).toStrictEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const final = await stream.finalMessage();
    expect(final).toMatchObject({ stop_reason: 'max_tokens', usage: { output_tokens: 10 } });
    expect(final.usage.input_tokens).toBe(message.usage.input_tokens);
  });

  it('reports the stop sequence that ended the answer', async () => {
    const whole = await ollamaChat(24);
    const stop = whole.slice(4, 7);
    const message = await anthropic.messages.create(
      greedy({
        model: 'tiny',
        system,
        messages,
        max_tokens: 24,
        stop_sequences: [stop],
      }),
    );
    expect(message).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: stop });
    expect(message.content).toStrictEqual([{ type: 'text', text: whole.slice(0, whole.indexOf(stop)) }]);
  });

  const tools: Anthropic.Tool[] = [
    {
      name: 'lookup',
      description: 'Look an item up.',
      input_schema: {
        type: 'object',
        properties: { id: { type: 'integer', enum: [1, 2, 3] } },
        required: ['id'],
      },
    },
    { name: 'noop', input_schema: { type: 'object', properties: {} } },
  ];

  it('answers a forced tool as a tool_use block with JSON input, streaming and not', async () => {
    const message = await anthropic.messages.create(
      greedy({
        model: 'tiny',
        messages: [{ role: 'user', content: 'Look up item 2.' }],
        tools,
        tool_choice: { type: 'tool', name: 'lookup' },
        max_tokens: 64,
      }),
    );
    expect(message.stop_reason).toBe('tool_use');
    const block = message.content.find((b) => b.type === 'tool_use');
    expect(block).toMatchObject({ type: 'tool_use', name: 'lookup' });
    expect(block?.id).toMatch(/^toolu_/);
    expect([1, 2, 3]).toContain((block?.input as { id: number }).id);

    const stream = anthropic.messages.stream(
      greedy({
        model: 'tiny',
        messages: [{ role: 'user', content: 'Do something.' }],
        tools,
        tool_choice: { type: 'any' },
        max_tokens: 64,
      }),
    );
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const streamed = final.content.filter((b) => b.type === 'tool_use');
    expect(streamed).toHaveLength(1);
    expect(['lookup', 'noop']).toContain(streamed[0]!.name);
    expect(typeof streamed[0]!.input).toBe('object');

    // The tool's result goes back as a tool_result block; the conversation continues (without the tools'
    // definitions, which would not fit the tiny model's context again).
    const next = await anthropic.messages.create(
      greedy({
        model: 'tiny',
        messages: [
          { role: 'user', content: 'Look up item 2.' },
          { role: 'assistant', content: message.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: block!.id, content: 'item 2 is red' }],
          },
        ],
        max_tokens: 4,
      }),
    );
    expect(next.stop_reason).toBe('max_tokens');
  });

  it('answers errors in Anthropic shape through the typed errors', async () => {
    const notFound = await anthropic.messages
      .create({ model: 'missing', messages, max_tokens: 4 })
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(Anthropic.NotFoundError);
    expect((notFound as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error', message: expect.stringMatching(/missing/) as unknown },
    });

    const image = await anthropic.messages
      .create({
        model: 'tiny',
        max_tokens: 4,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            ],
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(image).toBeInstanceOf(Anthropic.BadRequestError);
    expect((image as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: expect.stringMatching(/images are not supported/) as unknown,
      },
    });

    const noMax = await anthropic.messages
      .create({ model: 'tiny', messages } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(noMax).toBeInstanceOf(Anthropic.BadRequestError);
    expect((noMax as InstanceType<typeof Anthropic.BadRequestError>).message).toMatch(/max_tokens/);

    // Not a route: still Anthropic's shape under /v1/messages.
    const res = await fetch(`${s.server.url}/v1/messages/batches`);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe('@anthropic-ai/sdk client with authentication on', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { CORRAL_AUTH: 'on' } });
    const admin = (await t.auth.accounts.createKey({ name: 'root', role: 'admin' })).token;
    const created = await t.json(
      'POST',
      '/api/create',
      { model: 'tiny', modelfile, stream: false },
      {
        authorization: `Bearer ${admin}`,
      },
    );
    expect(created.status).toBe(200);
  });
  afterAll(() => t.close());

  const client = (apiKey: string) =>
    new Anthropic({
      baseURL: 'http://localhost',
      apiKey,
      maxRetries: 0,
      fetch: (url: string | URL | Request, init?: RequestInit) => Promise.resolve(t.app.request(url, init)),
    });

  it('takes the key from x-api-key', async () => {
    const { token } = await t.auth.accounts.createKey({ name: 'app', role: 'user' });
    const message = await client(token).messages.create(
      greedy({
        model: 'tiny',
        messages,
        max_tokens: 3,
      }),
    );
    expect(message).toMatchObject({ stop_reason: 'max_tokens', usage: { output_tokens: 3 } });

    const denied = await client('corral_wrong')
      .messages.create({ model: 'tiny', messages, max_tokens: 3 })
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((denied as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
  });
});
