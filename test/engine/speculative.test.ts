/**
 * Speculative decoding in a real runner: a target whose extra layers add nothing (so its 2-layer prefix, loaded as
 * the draft, predicts it perfectly) and a draft of other weights. Greedy output must not depend on the draft; the
 * acceptance statistics tell the two drafts apart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerateResult, Runner } from '../../src/core/index.js';
import { createProcessRunnerFactory } from '../../src/engine/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { recordingLogger, tinySpec } from './helpers.js';

const DRAFT = { eos: 'never', nLayer: 2 } as const;
const TARGET = { eos: 'never', nLayer: 6, inertLayersFrom: 2 } as const;
const OTHER = { eos: 'never', nLayer: 2, weightSeed: 7 } as const;
const PROMPTS = ['Once upon a time', 'The capital of France is', 'def main():', 'Tokens and more tokens'];
const greedy = (prompt: string, options: GenerateRequest['options'] = {}): GenerateRequest => ({
  prompt,
  options: { temperature: 0, num_predict: 40, repeat_penalty: 1, ...options },
});
const chat = (content: string): GenerateRequest => ({
  messages: [{ role: 'user', content }],
  options: { temperature: 0, num_predict: 30, repeat_penalty: 1 },
});

const runners: Runner[] = [];
let plain: Runner;
let matched: Runner;
let mismatched: Runner;

beforeAll(async () => {
  const [target, draft, other] = await Promise.all([
    tinyModelPath(TARGET),
    tinyModelPath(DRAFT),
    tinyModelPath(OTHER),
  ]);
  const factory = createProcessRunnerFactory({ log: recordingLogger() });
  const load = async (draftPath?: string): Promise<Runner> => {
    const spec = tinySpec(target, draftPath ? { draft: { modelPath: draftPath, minConfidence: 0 } } : {});
    const runner = await factory(spec);
    runners.push(runner);
    return runner;
  };
  plain = await load();
  matched = await load(draft);
  mismatched = await load(other);
});
afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
});

const acceptance = (r: GenerateResult): number => (r.draftAcceptedTokens ?? 0) / (r.draftTokens ?? 1);

describe('speculative decoding with a draft model', () => {
  it('gives the same greedy text as the model alone, raw and chat, and reports acceptance', async () => {
    for (const request of [...PROMPTS.map((p) => greedy(p)), chat('Hello there')]) {
      const alone = await plain.generate(request, {});
      const fast = await matched.generate(request, {});
      const slow = await mismatched.generate(request, {});
      expect(fast.text).toBe(alone.text);
      expect(slow.text).toBe(alone.text);
      expect(alone.draftTokens).toBeUndefined();
      expect([fast.evalTokens, slow.evalTokens]).toEqual([alone.evalTokens, alone.evalTokens]);
      // node-llama-cpp 3.22.1 checks one draft token per step, so about half the tokens come from the draft. The
      // matched draft is nearly always right: now and then node-llama-cpp has it draft from a state one token behind
      // (the model drafting for itself gets the same 18 of 20 right).
      expect(fast.draftTokens).toBeGreaterThan(alone.evalTokens / 4);
      expect(acceptance(fast)).toBeGreaterThanOrEqual(0.8);
      // A random draft almost never guesses the target's token among 512.
      expect(slow.draftTokens).toBeGreaterThan(0);
      expect(acceptance(slow)).toBeLessThan(0.2);
    }
  });

  it('keeps the output when requests run concurrently on the draft-backed sequences', async () => {
    const alone: string[] = [];
    for (const prompt of PROMPTS) alone.push((await plain.generate(greedy(prompt), {})).text);
    const together = await Promise.all(PROMPTS.map((p) => matched.generate(greedy(p), {})));
    expect(together.map((r) => r.text)).toEqual(alone);
    // Drafting falls behind more often while four sequences share the draft context.
    for (const r of together) expect(acceptance(r)).toBeGreaterThanOrEqual(0.5);
  });

  it('decodes without the draft where node-llama-cpp would sample drafts differently: penalties, format', async () => {
    // Ollama's default repeat penalty (1.1 over 64 tokens), and a JSON grammar.
    const requests: GenerateRequest[] = [
      ...PROMPTS.map((p) => greedy(p, { repeat_penalty: undefined, num_predict: 120 })),
      { ...greedy(PROMPTS[0]!), format: { type: 'json' } },
    ];
    for (const request of requests) {
      const alone = await plain.generate(request, {});
      const fast = await matched.generate(request, {});
      expect(fast.text).toBe(alone.text);
      expect(fast.evalTokens).toBe(alone.evalTokens);
      expect(fast.draftTokens).toBe(0);
    }
    // The next plain greedy request drafts again.
    expect((await matched.generate(greedy(PROMPTS[1]!), {})).draftTokens).toBeGreaterThan(0);
  });

  it('streams the same text it returns, and counts the draft in the runner memory', async () => {
    let streamed = '';
    const result = await matched.generate(greedy(PROMPTS[0]!), { onText: (t) => (streamed += t) });
    expect(streamed).toBe(result.text);
    expect(matched.info.ramBytes).toBeGreaterThan(plain.info.ramBytes);
  });
});
