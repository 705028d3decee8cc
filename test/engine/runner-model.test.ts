/**
 * A real runner process serving the tiny fixture model (random weights, never ends on its own): batching gives the
 * same greedy tokens as sequential and in-process generation, abort frees sequences, prefix caching, constrained
 * JSON, embeddings, and request validation. One runner (4 sequences, 1 thread) is shared to keep the suite fast.
 */
import { getLlama, LlamaCompletion } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type GenerateRequest, type Runner } from '../../src/core/index.js';
import { createProcessRunnerFactory } from '../../src/engine/index.js';
import { tinyLoraPath, tinyModelInfo, tinyModelPath } from '../fixtures/index.js';
import { recordingLogger, tinySpec } from './helpers.js';

const MODEL = { eos: 'never' } as const;
const PROMPTS = ['Once upon a time', 'The capital of France is', 'def main():', 'Tokens and more tokens'];
const greedy = (prompt: string, num_predict = 24): GenerateRequest => ({
  prompt,
  options: { temperature: 0, num_predict, repeat_penalty: 1 },
});

let modelPath: string;
let runner: Runner;

beforeAll(async () => {
  modelPath = await tinyModelPath(MODEL);
  runner = await createProcessRunnerFactory({ log: recordingLogger() })(
    tinySpec(modelPath, { contextSize: 2048 }),
  );
});
afterAll(async () => {
  await runner?.close();
});

describe('runner with the tiny model', () => {
  it('reports what it loaded', () => {
    expect(runner.info).toMatchObject({ backend: 'cpu', contextSize: 2048, threads: 1, vramBytes: 0 });
    expect(runner.info.ramBytes).toBeGreaterThan(0);
    expect(runner.pid).toBeGreaterThan(0);
  });

  it('greedy output is the same alone, 4 at once, and in-process without the runner', async () => {
    // Together first, on fresh sequences (prompts evaluated in one batch); then alone (prefix-cached prompts).
    const streamed = PROMPTS.map(() => '');
    const together = await Promise.all(
      PROMPTS.map((prompt, i) => runner.generate(greedy(prompt), { onText: (t) => (streamed[i] += t) })),
    );
    const alone: string[] = [];
    for (const prompt of PROMPTS) alone.push((await runner.generate(greedy(prompt), {})).text);
    expect(together.map((r) => r.text)).toEqual(alone);
    expect(streamed).toEqual(alone);
    for (const result of together) {
      expect(result.doneReason).toBe('length');
      // node-llama-cpp finishes a multi-byte character split over tokens, so the limit can be passed by a token or two.
      expect(result.evalTokens).toBeGreaterThanOrEqual(24);
      expect(result.evalTokens).toBeLessThanOrEqual(27);
    }

    const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
    const model = await llama.loadModel({ modelPath });
    const context = await model.createContext({ contextSize: 2048, threads: 1 });
    try {
      const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
      const direct = await completion.generateCompletion(PROMPTS[1]!, {
        temperature: 0,
        maxTokens: 24,
        repeatPenalty: false,
      });
      expect(direct).toBe(alone[1]);
    } finally {
      await context.dispose();
      await model.dispose();
    }
  });

  it('abort stops within a token, and every sequence is reusable afterwards', async () => {
    const controllers = PROMPTS.map(() => new AbortController());
    let abortedAt = 0;
    const results = await Promise.all(
      PROMPTS.map((prompt, i) =>
        runner.generate(greedy(prompt, 100_000), {
          signal: controllers[i]!.signal,
          onText: () => {
            abortedAt ||= performance.now();
            controllers[i]!.abort();
          },
        }),
      ),
    );
    const settledAfterMs = performance.now() - abortedAt;
    for (const result of results) {
      expect(result.doneReason).toBe('abort');
      expect(result.evalTokens).toBeLessThan(100);
    }
    expect(settledAfterMs).toBeLessThan(1_000);
    // More requests than sequences: all must complete (an aborted request that kept its sequence would hang one).
    const after = await Promise.all([...PROMPTS, ...PROMPTS].map((p) => runner.generate(greedy(p, 8), {})));
    expect(after.map((r) => r.doneReason)).toEqual(Array(8).fill('length'));
  });

  it('prefix cache: a longer raw prompt evaluates only the new tokens', async () => {
    const first = '<|im_start|>user\nA question about caching<|im_end|>\n';
    const added = '<|im_start|>user\nand a follow-up<|im_end|>\n';
    await runner.generate(greedy(first, 4), {});
    const second = await runner.generate(greedy(first + added, 4), {});
    expect(second.promptTokens).toBe((await runner.tokenize(added)).length);
    expect(second.promptTokens + second.promptCachedTokens!).toBe(
      (await runner.tokenize(first + added)).length + 1,
    );
  });

  it('prefix cache: a chat follow-up does not re-evaluate the conversation', async () => {
    const turn1 = [
      { role: 'system' as const, content: 'You answer in riddles about the sea.' },
      { role: 'user' as const, content: 'Who are you, and where do the tides go at night?' },
    ];
    const options = { temperature: 0, num_predict: 8 };
    const r1 = await runner.generate({ messages: turn1, options }, {});
    const turn2 = [
      ...turn1,
      { role: 'assistant' as const, content: r1.text },
      { role: 'user' as const, content: 'Why?' },
    ];
    const r2 = await runner.generate({ messages: turn2, options }, {});
    // ChatML, as the fixture's template renders it; +1 for BOS.
    const render = (parts: string[]) => parts.join('');
    const prompt1 = render([
      `<|im_start|>system\n${turn1[0]!.content}<|im_end|>\n`,
      `<|im_start|>user\n${turn1[1]!.content}<|im_end|>\n<|im_start|>assistant\n`,
    ]);
    const prompt2 = `${prompt1}${r1.text}<|im_end|>\n<|im_start|>user\nWhy?<|im_end|>\n<|im_start|>assistant\n`;
    const total1 = (await runner.tokenize(prompt1)).length + 1;
    const total2 = (await runner.tokenize(prompt2)).length + 1;
    // Everything up to the answer is reused; random-weight answers may not re-tokenize to the sampled tokens, so
    // part of the answer can be evaluated again (a real model's canonical tokens are reused too).
    expect(r2.promptTokens + r2.promptCachedTokens!).toBe(total2);
    expect(r2.promptCachedTokens).toBeGreaterThanOrEqual(total1);
    expect(r2.promptTokens).toBeGreaterThanOrEqual(total2 - total1 - r1.evalTokens);
  });

  it('json_schema output parses and follows the schema', async () => {
    const schema = {
      type: 'object',
      properties: { ok: { type: 'boolean' }, size: { enum: ['small', 'large'] } },
      required: ['ok', 'size'],
    };
    for (const prompt of PROMPTS.slice(0, 2)) {
      const result = await runner.generate(
        { ...greedy(prompt, 64), format: { type: 'json_schema', schema } },
        {},
      );
      expect(result.doneReason).toBe('stop');
      const value = JSON.parse(result.text) as { ok: unknown; size: unknown };
      expect(typeof value.ok).toBe('boolean');
      expect(['small', 'large']).toContain(value.size);
    }
  });

  it('json output is valid JSON whenever the grammar completes', async () => {
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 10];
    const results = await Promise.all(
      seeds.map((seed) =>
        runner.generate(
          {
            prompt: 'JSON:',
            format: { type: 'json' },
            options: { temperature: 1.5, seed, num_predict: 200 },
          },
          {},
        ),
      ),
    );
    const completed = results.filter((r) => r.doneReason === 'stop');
    expect(completed.length).toBeGreaterThan(0); // random weights: some strings never close within the limit
    for (const result of completed) expect(() => JSON.parse(result.text) as unknown).not.toThrow();
    for (const result of results)
      expect(result.text.trimStart().startsWith('{') || result.text.trimStart().startsWith('[')).toBe(true);
  });

  it('embeddings are deterministic, one per input, of the model width', async () => {
    const request = { inputs: ['hello world', 'another input', ''], truncate: false };
    const a = await runner.embed(request);
    const b = await runner.embed(request);
    expect(a.embeddings).toHaveLength(3);
    for (const vector of a.embeddings) expect(vector).toHaveLength(tinyModelInfo(MODEL).nEmbd);
    expect(a.embeddings).toEqual(b.embeddings);
    expect(a.embeddings[0]).not.toEqual(a.embeddings[1]);
    expect(a.promptTokens).toBeGreaterThan(3);
  });

  it('rejects prompts longer than the context with both numbers, and cuts embedding inputs only when asked', async () => {
    const long = 'lorem ipsum dolor sit amet '.repeat(600);
    const err = await runner.generate(greedy(long), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('INVALID_REQUEST');
    expect((err as AppError).message).toMatch(/prompt is \d+ tokens but the context holds 2048/);
    const embedErr = await runner.embed({ inputs: [long], truncate: false }).catch((e: unknown) => e);
    expect((embedErr as AppError).code).toBe('INVALID_REQUEST');
    expect((await runner.embed({ inputs: [long], truncate: true })).embeddings[0]).toHaveLength(
      tinyModelInfo(MODEL).nEmbd,
    );
    // The runner is still healthy after rejected requests.
    expect((await runner.generate(greedy('still there?', 4), {})).doneReason).toBe('length');
  });

  it('without num_predict, generation stops at the end of the context (no silent context shift)', async () => {
    // A prompt a few tokens short of the largest one accepted: generation must end by length, not shift the context.
    let prompt = 'ab '.repeat(2100);
    const budget = 2048 - 5 - 6; // the largest prompt is contextSize - 5 tokens; leave room for about 6
    const tokens = await runner.tokenize(prompt);
    prompt = prompt.slice(0, (prompt.length * (budget - 1)) / tokens.length);
    const promptTokens = (await runner.tokenize(prompt)).length + 1;
    const result = await runner.generate({ prompt, options: { temperature: 0, repeat_penalty: 1 } }, {});
    expect(result.doneReason).toBe('length');
    expect(result.promptTokens + result.promptCachedTokens!).toBe(promptTokens);
    expect(result.evalTokens).toBeGreaterThan(0);
    expect(promptTokens + result.evalTokens).toBeLessThan(2048);
  });

  it('validates requests: one of prompt/messages, format with tools, bad schemas', async () => {
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (e as AppError).code,
      );
    expect(await codeOf(runner.generate({ options: {} }, {}))).toBe('INVALID_REQUEST');
    expect(await codeOf(runner.generate({ prompt: 'a', messages: [], options: {} }, {}))).toBe(
      'INVALID_REQUEST',
    );
    const tools = [{ name: 'f', parameters: { type: 'object' } }];
    expect(
      await codeOf(runner.generate({ prompt: 'a', tools, format: { type: 'json' }, options: {} }, {})),
    ).toBe('INVALID_REQUEST');
    const badSchema = { type: 'json_schema' as const, schema: { oneOf: 'not a list' } };
    expect(
      await codeOf(runner.generate({ prompt: 'a', format: badSchema, options: { num_predict: 4 } }, {})),
    ).toBe('INVALID_REQUEST');
  });

  it('accepts tools (the random model answers in text rather than calling them)', async () => {
    const result = await runner.generate(
      {
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [
          {
            name: 'get_weather',
            description: 'Weather of a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        ],
        options: { temperature: 0, num_predict: 8 },
      },
      {},
    );
    expect(result.toolCalls).toEqual([]);
    expect(result.promptTokens).toBeGreaterThan(100); // the functions are documented in the prompt
  });

  it('applies LoRA adapters, and names an adapter that cannot be loaded', async () => {
    const adapter = await tinyLoraPath({ base: MODEL, modules: ['attn_q', 'attn_v', 'ffn_up'], alpha: 64 });
    const factory = createProcessRunnerFactory({ log: recordingLogger() });
    const base = await runner.generate(greedy(PROMPTS[0]!), {});
    const withLora = await factory(tinySpec(modelPath, { adapters: [{ path: adapter, scale: 1 }] }));
    try {
      expect((await withLora.generate(greedy(PROMPTS[0]!), {})).text).not.toBe(base.text);
    } finally {
      await withLora.close();
    }
    const missing = `${adapter}.missing`;
    const err = await factory(tinySpec(modelPath, { adapters: [{ path: missing, scale: 1 }] })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('FILE_NOT_FOUND');
    expect((err as AppError).message).toBe(`adapter file not found: ${missing}`);
  });
});
