/**
 * Conformance: the official `ollama` npm client against a real Corral server with the tiny fixture model.
 * Every Ollama endpoint Corral implements is exercised, streaming and not.
 */
import { Ollama, type Message } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Client } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let s: TestServer;
let ollama: Ollama;
const greedy = { temperature: 0, seed: 1, num_predict: 12 };

beforeAll(async () => {
  s = await startTestServer({ CORRAL_NUM_PARALLEL: '2', CORRAL_THREADS: '1' });
  ollama = new Ollama({ host: s.server.url });
  await new Client({ baseUrl: s.server.url }).create({
    model: 'tiny',
    modelfile: `FROM ${await tinyModelPath({ eos: 'never' })}\nPARAMETER num_ctx 512\n`,
  });
});
afterAll(() => s.close());

describe('ollama npm client', () => {
  it('creates a model from an existing one (structured form) and reports the version', async () => {
    const progress: string[] = [];
    for await (const p of await ollama.create({
      model: 'derived',
      from: 'tiny',
      system: 'Be brief.',
      stream: true,
    })) {
      progress.push(p.status);
    }
    expect(progress.at(-1)).toBe('success');
    expect((await ollama.show({ model: 'derived' })).system).toBe('Be brief.');
    await ollama.delete({ model: 'derived' });
    expect((await ollama.version()).version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists, shows, copies and deletes models', async () => {
    expect((await ollama.list()).models.map((m) => m.name)).toContain('tiny:latest');
    const show = await ollama.show({ model: 'tiny' });
    expect(show.details.family).toBe('llama');
    expect(show.model_info).toMatchObject({ 'general.architecture': 'llama' });
    await ollama.copy({ source: 'tiny', destination: 'tiny-copy' });
    expect((await ollama.list()).models.map((m) => m.name)).toContain('tiny-copy:latest');
    await ollama.delete({ model: 'tiny-copy' });
    expect((await ollama.list()).models.map((m) => m.name)).not.toContain('tiny-copy:latest');
  });

  it('generates; the stream concatenates to the non-streamed greedy answer with the final statistics', async () => {
    const whole = await ollama.generate({ model: 'tiny', prompt: 'Once upon a time', options: greedy });
    expect(whole.done).toBe(true);
    expect(whole.done_reason).toBe('length');
    expect(whole.eval_count).toBe(12);
    expect(whole.prompt_eval_count).toBeGreaterThan(0);
    for (const key of ['total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration'] as const) {
      expect(whole[key]).toBeGreaterThanOrEqual(0);
    }
    let text = '';
    let last: { done: boolean; eval_count: number } | undefined;
    for await (const part of await ollama.generate({
      model: 'tiny',
      prompt: 'Once upon a time',
      options: greedy,
      stream: true,
    })) {
      text += part.response;
      last = part;
    }
    expect(text).toBe(whole.response);
    expect(last).toMatchObject({ done: true, eval_count: 12 });
  });

  it('chats, streaming and not, with the same greedy answer', async () => {
    const messages: Message[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say something.' },
    ];
    const whole = await ollama.chat({ model: 'tiny', messages, options: greedy });
    expect(whole.message.role).toBe('assistant');
    expect(whole.message.content.length).toBeGreaterThan(0);
    let text = '';
    for await (const part of await ollama.chat({ model: 'tiny', messages, options: greedy, stream: true })) {
      text += part.message.content;
    }
    expect(text).toBe(whole.message.content);
  });

  it('returns structured output that validates against the JSON schema', async () => {
    const schema = z.object({ answer: z.enum(['yes', 'no']), confident: z.boolean() });
    const res = await ollama.chat({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Is the sky blue?' }],
      format: z.toJSONSchema(schema),
      options: { temperature: 0, num_predict: 64 },
    });
    expect(schema.parse(JSON.parse(res.message.content))).toBeTruthy();
    const json = await ollama.generate({
      model: 'tiny',
      prompt: 'JSON please',
      format: 'json',
      options: { num_predict: 64 },
    });
    // Free-form JSON from random weights may not close within the token limit: the grammar still forces its start,
    // and a finished answer must parse.
    expect((json.response ?? '').trimStart()).toMatch(/^[[{]/);
    if (json.done_reason === 'stop') expect(JSON.parse(json.response ?? '')).toBeTypeOf('object');
  });

  it('returns a forced tool call (tool_choice extension) with arguments matching the schema', async () => {
    const res = await ollama.chat({
      model: 'tiny',
      messages: [{ role: 'user', content: 'What is the weather in Oslo?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string', enum: ['Oslo', 'Paris'] } },
              required: ['city'],
            },
          },
        },
      ],
      tool_choice: 'required',
      options: { temperature: 0, num_predict: 64 },
    } as Parameters<typeof ollama.chat>[0] & { stream?: false });
    expect(res.message.content).toBe('');
    expect(res.message.tool_calls).toHaveLength(1);
    expect(res.message.tool_calls![0]!.function.name).toBe('get_weather');
    expect(['Oslo', 'Paris']).toContain(res.message.tool_calls![0]!.function.arguments.city);
  });

  it('embeds: dimensions match the model, vectors are deterministic, dimensions truncates', async () => {
    const a = await ollama.embed({ model: 'tiny', input: ['hello world', 'second'] });
    expect(a.embeddings).toHaveLength(2);
    expect(a.embeddings[0]).toHaveLength(64);
    const b = await ollama.embed({ model: 'tiny', input: 'hello world' });
    expect(b.embeddings[0]).toEqual(a.embeddings[0]);
    expect(Math.hypot(...a.embeddings[0]!)).toBeCloseTo(1, 5);
    // The legacy endpoint returns the raw vector (not normalized), as Ollama's does.
    const legacy = await ollama.embeddings({ model: 'tiny', prompt: 'hello world' });
    const norm = Math.hypot(...legacy.embedding);
    expect(norm).not.toBeCloseTo(1, 3);
    for (const [i, x] of legacy.embedding.entries()) expect(x / norm).toBeCloseTo(a.embeddings[0]![i]!, 5);
    const short = await ollama.embed({ model: 'tiny', input: 'hello world', dimensions: 8 });
    expect(short.embeddings[0]).toHaveLength(8);
    expect(Math.hypot(...short.embeddings[0]!)).toBeCloseTo(1, 5);
  });

  it('reports the loaded model in ps, and unloads it on an empty prompt with keep_alive 0', async () => {
    const ps = await ollama.ps();
    expect(ps.models[0]).toMatchObject({ name: 'tiny:latest', context_length: 512 });
    expect(ps.models[0]!.size).toBeGreaterThan(0);
    const res = await ollama.generate({ model: 'tiny', prompt: '', keep_alive: 0 });
    expect(res).toMatchObject({ done: true, done_reason: 'unload' });
    expect((await ollama.ps()).models).toEqual([]);
    const load = await ollama.generate({ model: 'tiny', prompt: '' });
    expect(load).toMatchObject({ done: true, done_reason: 'load' });
    expect((await ollama.ps()).models).toHaveLength(1);
  });

  it('answers errors in Ollama shape: 404 with the model name, 400 for bad input', async () => {
    await expect(ollama.generate({ model: 'missing', prompt: 'x' })).rejects.toMatchObject({
      status_code: 404,
      error: expect.stringContaining('"missing"'),
    });
    await expect(
      ollama.generate({ model: 'tiny', prompt: 'x', options: { temperature: 'hot' as unknown as number } }),
    ).rejects.toMatchObject({ status_code: 400, error: expect.stringContaining('options.temperature') });
    await expect(
      ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'x', images: ['aGk='] }] }),
    ).rejects.toMatchObject({ status_code: 400, error: expect.stringContaining('images') });
  });
});
