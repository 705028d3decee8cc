/**
 * Failures in the Anthropic (`/v1/messages`) and OpenAI Responses (`/v1/responses`) streams, with fake runners:
 * before the first event the client gets a real status and the dialect's error body; after it, the dialect's
 * error event(s) end the stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRunnerFactory } from '../../src/core/scheduler/testing.js';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let factory: FakeRunnerFactory;

beforeAll(async () => {
  factory = new FakeRunnerFactory();
  t = await createTestApp({ runnerFactory: factory.create });
  const created = await t.json('POST', '/api/create', {
    model: 'tiny',
    modelfile: `FROM ${await tinyModelPath({ eos: 'never' })}\n`,
    stream: false,
  });
  expect(created.status).toBe(200);
});
afterAll(() => t.close());

/** The generation the request started, once it reaches the (fake) runner. */
async function generation() {
  for (;;) {
    const pending = factory.runners.at(-1)?.pending[0];
    if (pending) return { pending, runner: factory.runners.at(-1)! };
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** `[event name, data]` of each server-sent event. */
function events(body: string): Array<[string, unknown]> {
  return body
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? '';
      const data = /^data: (.*)$/m.exec(frame)?.[1] ?? 'null';
      return [event, JSON.parse(data) as unknown];
    });
}

const requests = {
  '/v1/messages': { model: 'tiny', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'Hi' }] },
  '/v1/responses': { model: 'tiny', stream: true, input: 'Hi' },
};

describe('streams that fail', () => {
  it('answers a failure before the first event with a status and Anthropic error body', async () => {
    const res = t.json('POST', '/v1/messages', requests['/v1/messages']);
    (await generation()).runner.crash();
    const answer = await res;
    expect(answer.status).toBe(500);
    expect(await answer.json()).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  it('ends an Anthropic stream with an error event after it began', async () => {
    const res = t.json('POST', '/v1/messages', requests['/v1/messages']);
    const { pending, runner } = await generation();
    pending.onText?.('Hel');
    const answer = await res;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/text\/event-stream/);
    runner.crash();
    const all = events(await answer.text());
    expect(all.map(([name]) => name)).toStrictEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'error',
    ]);
    expect(all.at(-1)![1]).toMatchObject({
      type: 'error',
      error: { type: 'api_error', message: expect.stringMatching(/runner stopped/) as unknown },
    });
    for (const [name, data] of all) expect(data).toMatchObject({ type: name });
  });

  it('ends a Responses stream with error and response.failed after it began', async () => {
    const res = t.json('POST', '/v1/responses', requests['/v1/responses']);
    const { pending, runner } = await generation();
    pending.onText?.('Hel');
    const answer = await res;
    expect(answer.status).toBe(200);
    runner.crash();
    const all = events(await answer.text());
    expect(all.map(([name]) => name).slice(-3)).toStrictEqual([
      'response.output_text.delta',
      'error',
      'response.failed',
    ]);
    expect(all.map(([, data]) => (data as { sequence_number: number }).sequence_number)).toStrictEqual(
      all.map((_, i) => i),
    );
    expect(all.at(-1)![1]).toMatchObject({
      response: { status: 'failed', error: { code: 'RUNNER_FAILED' } },
    });
  });

  it('answers a Responses failure before the first event in OpenAI shape', async () => {
    const res = t.json('POST', '/v1/responses', requests['/v1/responses']);
    (await generation()).runner.crash();
    const answer = await res;
    expect(answer.status).toBe(500);
    expect(await answer.json()).toMatchObject({ error: { type: 'api_error', code: 'RUNNER_FAILED' } });
  });
});
