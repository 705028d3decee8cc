/**
 * The OpenAI dialect takes any Ollama option through `options` (here `num_ctx`), and a prompt longer than the
 * context is a clear 400 in both dialects — never silently cut.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  const modelfile = `FROM ${await tinyModelPath({ eos: 'never' })}\n`;
  expect((await t.json('POST', '/api/create', { model: 'tiny', modelfile, stream: false })).status).toBe(200);
});
afterAll(async () => {
  await t?.close();
});

const long = 'the quick brown fox jumps over the lazy dog '.repeat(60);

it('applies num_ctx from options on /v1 and refuses a prompt that does not fit, in both dialects', async () => {
  const openai = await t.json('POST', '/v1/chat/completions', {
    model: 'tiny',
    messages: [{ role: 'user', content: long }],
    max_tokens: 2,
    options: { num_ctx: 256 },
  });
  expect(openai.status).toBe(400);
  const body = (await openai.json()) as { error: { message: string } };
  expect(body.error.message).toMatch(/prompt is \d+ tokens but the context holds 256/);

  const ollama = await t.json('POST', '/api/generate', {
    model: 'tiny',
    prompt: long,
    stream: false,
    options: { num_ctx: 256, num_predict: 2 },
  });
  expect(ollama.status).toBe(400);
  expect(((await ollama.json()) as { error: string }).error).toMatch(/shorten the prompt or raise num_ctx/);

  // with room, the same prompt is served
  const roomy = await t.json('POST', '/v1/chat/completions', {
    model: 'tiny',
    messages: [{ role: 'user', content: long }],
    max_tokens: 2,
    options: { num_ctx: 2048 },
  });
  expect(roomy.status).toBe(200);
});
