/**
 * A real runner process ranking with the tiny BERT reranker: scores are node-llama-cpp's own, in input order, and
 * the runner refuses (INVALID_REQUEST) a model without a ranking head and a pair longer than the context.
 */
import { getLlama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError, type Runner } from '../../src/core/index.js';
import { createProcessRunnerFactory } from '../../src/engine/index.js';
import { tinyModelPath, tinyRerankerPath } from '../fixtures/index.js';
import { recordingLogger, tinySpec } from './helpers.js';

const QUERY = 'what is a panda?';
const DOCUMENTS = ['it is a bear', 'hi', 'the giant panda is a bear species endemic to china.'];

let reranker: Runner;
let rerankerPath: string;

beforeAll(async () => {
  rerankerPath = await tinyRerankerPath();
  reranker = await createProcessRunnerFactory({ log: recordingLogger() })(
    tinySpec(rerankerPath, { contextSize: 64, parallel: 1 }),
  );
});
afterAll(async () => {
  await reranker?.close();
});

async function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('runner rerank', () => {
  it('gives the scores of node-llama-cpp rankAll on the same file, in input order', async () => {
    const out = await reranker.rerank({ query: QUERY, documents: DOCUMENTS });
    const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
    const model = await llama.loadModel({ modelPath: rerankerPath });
    try {
      const context = await model.createRankingContext({ contextSize: 64, threads: 1 });
      const reference = await context.rankAll(QUERY, DOCUMENTS);
      expect(out.scores).toHaveLength(DOCUMENTS.length);
      for (const [i, score] of out.scores.entries()) {
        expect(Number.isFinite(score)).toBe(true);
        expect(Math.abs(score - reference[i]!)).toBeLessThanOrEqual(1e-4);
      }
      let tokens = 0;
      for (const document of DOCUMENTS) tokens += context.calculateInputLength(QUERY, document);
      expect(out.promptTokens).toBe(tokens);
    } finally {
      await model.dispose();
      await llama.dispose();
    }
  });

  it('refuses a pair longer than the context', async () => {
    // llama.cpp rounds the context up (to 256 cells here); one `x` is one token.
    const long = 'x '.repeat(reranker.info.contextSize);
    const err = await rejection(reranker.rerank({ query: QUERY, documents: ['ok', long] }));
    expect(isAppError(err) && err.code).toBe('INVALID_REQUEST');
    const holds = reranker.info.contextSize - 1;
    expect((err as Error).message).toMatch(
      new RegExp(`document 1 with the query is \\d+ tokens but the context holds ${holds}`),
    );
  });

  it('refuses a generative model without a ranking head', async () => {
    const runner = await createProcessRunnerFactory({ log: recordingLogger() })(
      tinySpec(await tinyModelPath(), { parallel: 1 }),
    );
    try {
      const err = await rejection(runner.rerank({ query: QUERY, documents: ['a'] }));
      expect(isAppError(err) && err.code).toBe('INVALID_REQUEST');
      expect((err as Error).message).toMatch(/does not support reranking: it has no classification head/);
    } finally {
      await runner.close();
    }
  });
});
