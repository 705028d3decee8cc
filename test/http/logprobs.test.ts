/**
 * Token log probabilities in both dialects: one entry per generated token, the tokens spell the answer, and with
 * greedy sampling each chosen token is the most likely alternative.
 */
import OpenAI from 'openai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { runCorral } from '../helpers/cli-io.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Logprob = {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs?: Array<{ token: string; logprob: number }>;
};

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  writeFileSync(join(s.home, 'Modelfile'), `FROM ${await tinyModelPath({ eos: 'never' })}\n`);
  expect((await runCorral(['create', 'tiny', '-f', join(s.home, 'Modelfile')], s.env)).code).toBe(0);
});
afterAll(async () => {
  await s?.close();
});

function checkGreedy(text: string, logprobs: Logprob[], count: number, top: number) {
  // one entry per generated token of the answer (a trailing token the chat template trims may be left out)
  expect(logprobs.length).toBeLessThanOrEqual(count);
  expect(logprobs.length).toBeGreaterThanOrEqual(count - 1);
  expect(logprobs.map((l) => l.token).join('')).toBe(text);
  for (const l of logprobs) {
    expect(l.logprob).toBeLessThanOrEqual(0);
    expect(Buffer.from(l.bytes).toString('utf8')).toBe(l.token);
    expect(l.top_logprobs).toHaveLength(top);
    expect(l.top_logprobs![0]!.token).toBe(l.token); // greedy: the chosen token is the likeliest
    expect(l.top_logprobs![0]!.logprob).toBeCloseTo(l.logprob, 5);
    const probs = l.top_logprobs!.map((t) => t.logprob);
    expect([...probs].sort((a, b) => b - a)).toEqual(probs);
  }
}

describe('logprobs', () => {
  it('are returned by /api/generate and /api/chat in the final response', async () => {
    const options = { temperature: 0, num_predict: 6 };
    const gen = (await (
      await fetch(`${s.server.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({
          model: 'tiny',
          prompt: 'hello',
          stream: false,
          logprobs: true,
          top_logprobs: 3,
          options,
        }),
      })
    ).json()) as { response: string; eval_count: number; logprobs: Logprob[] };
    checkGreedy(gen.response, gen.logprobs, gen.eval_count, 3);

    const chat = (await (
      await fetch(`${s.server.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({
          model: 'tiny',
          messages: [{ role: 'user', content: 'hello' }],
          stream: false,
          logprobs: true,
          top_logprobs: 2,
          options,
        }),
      })
    ).json()) as { message: { content: string }; eval_count: number; logprobs: Logprob[] };
    checkGreedy(chat.message.content, chat.logprobs, chat.eval_count, 2);

    const plain = (await (
      await fetch(`${s.server.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'tiny', prompt: 'hello', stream: false, options }),
      })
    ).json()) as { response: string; logprobs?: unknown };
    expect(plain.logprobs).toBeUndefined();
    expect(plain.response).toBe(gen.response); // asking for logprobs does not change the answer
  });

  it('are returned to the OpenAI client, streamed or not', async () => {
    const openai = new OpenAI({ baseURL: `${s.server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const request = {
      model: 'tiny',
      messages: [{ role: 'user' as const, content: 'hello' }],
      temperature: 0,
      max_tokens: 5,
      logprobs: true,
      top_logprobs: 2,
    };
    const res = await openai.chat.completions.create(request);
    const content = res.choices[0]!.logprobs!.content!;
    checkGreedy(res.choices[0]!.message.content ?? '', content as Logprob[], res.usage!.completion_tokens, 2);

    let text = '';
    const streamed: Logprob[] = [];
    for await (const chunk of await openai.chat.completions.create({ ...request, stream: true })) {
      text += chunk.choices[0]?.delta.content ?? '';
      streamed.push(...((chunk.choices[0]?.logprobs?.content ?? []) as Logprob[]));
    }
    expect(text).toBe(res.choices[0]!.message.content);
    expect(streamed).toEqual(content);

    await expect(openai.chat.completions.create({ ...request, logprobs: false })).rejects.toThrow(
      /top_logprobs needs logprobs/,
    );
  });
});
