/**
 * Ollama TEMPLATEs (Go template syntax) from the Modelfile or the request render the prompt: the greedy answer
 * equals the answer to the same prompt rendered by hand and sent raw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Deliberately unlike the GGUF's own ChatML template, so an ignored TEMPLATE changes the answer.
const TEMPLATE =
  '{{ if .System }}### System: {{ .System }}\n{{ end }}### User: {{ .Prompt }}\n### Assistant:';
const greedy = { temperature: 0, num_predict: 8 };
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  const path = await tinyModelPath({ eos: 'never' });
  const modelfile = `FROM ${path}\nTEMPLATE """${TEMPLATE}"""\nSYSTEM Be kind.\n`;
  expect((await t.json('POST', '/api/create', { model: 'templated', modelfile, stream: false })).status).toBe(
    200,
  );
  expect(
    (await t.json('POST', '/api/create', { model: 'plain', modelfile: `FROM ${path}\n`, stream: false }))
      .status,
  ).toBe(200);
});
afterAll(() => t.close());

async function generate(body: Record<string, unknown>): Promise<string> {
  const res = await t.json('POST', '/api/generate', { stream: false, options: greedy, ...body });
  expect(res.status).toBe(200);
  return ((await res.json()) as { response: string }).response;
}

describe('Go templates', () => {
  it('renders the Modelfile TEMPLATE with SYSTEM and the prompt', async () => {
    const expected = await generate({
      model: 'templated',
      raw: true,
      prompt: '### System: Be kind.\n### User: Hi there\n### Assistant:',
    });
    expect(await generate({ model: 'templated', prompt: 'Hi there' })).toBe(expected);
    expect(await generate({ model: 'plain', prompt: 'Hi there', system: 'Be kind.' })).not.toBe(expected);
  });

  it('applies a template sent with the request', async () => {
    const expected = await generate({ model: 'plain', raw: true, prompt: 'Q: Hi there\nA:' });
    expect(await generate({ model: 'plain', prompt: 'Hi there', template: 'Q: {{ .Prompt }}\nA:' })).toBe(
      expected,
    );
  });

  it('rejects a malformed template with a 400 naming the line', async () => {
    const res = await t.json('POST', '/api/generate', {
      model: 'plain',
      prompt: 'x',
      template: '{{ if .Prompt }}',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/template: line 1/);
  });
});
