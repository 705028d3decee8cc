/**
 * `/api/rerank` and `/v1/rerank` against a real server with a tiny BERT reranker: the scores must be the ones
 * node-llama-cpp's own ranking context gives in this process for the same file, sorted, cut to `top_n`.
 */
import { getLlama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, Client } from '../../src/api/index.js';
import { tinyModelPath, tinyRerankerPath } from '../fixtures/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const QUERY = 'what is a panda?';
const DOCUMENTS = [
  'hi',
  'it is a bear',
  'the giant panda is a bear species endemic to china.',
  'cats and dogs',
  '',
];

let s: TestServer;
let client: Client;
/** node-llama-cpp's `rankAll` on the same file, in input order. */
let reference: number[];

function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-4);
}

async function expectError(call: Promise<unknown>, status: number, message?: RegExp): Promise<void> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).status).toBe(status);
  if (message) expect((err as ApiError).message).toMatch(message);
}

beforeAll(async () => {
  const [rerankerPath, tinyPath] = await Promise.all([tinyRerankerPath(), tinyModelPath()]);
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  const model = await llama.loadModel({ modelPath: rerankerPath });
  try {
    const context = await model.createRankingContext({ contextSize: 512, threads: 1 });
    reference = await context.rankAll(QUERY, DOCUMENTS);
    await context.dispose();
  } finally {
    await model.dispose();
    await llama.dispose();
  }
  s = await startTestServer({ CORRAL_THREADS: '1', CORRAL_CONTEXT_LENGTH: '512' });
  client = new Client({ baseUrl: s.server.url });
  await client.create({ model: 'reranker', modelfile: `FROM ${rerankerPath}\n` });
  await client.create({ model: 'tiny', modelfile: `FROM ${tinyPath}\n` });
}, 120_000);
afterAll(async () => {
  await s?.close();
});

describe('POST /api/rerank', () => {
  it('scores every document as node-llama-cpp does, best first', async () => {
    // The fixture's head separates these documents by far more than the tolerance: the order check means something.
    const sorted = [...reference].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThan(1e-3);
    for (const score of reference) expect(score > 0 && score < 1).toBe(true);

    const res = await client.rerank({ model: 'reranker', query: QUERY, documents: DOCUMENTS });
    expect(res.model).toBe('reranker');
    expect(res.results).toHaveLength(DOCUMENTS.length);
    const order = reference.map((_, i) => i).sort((a, b) => reference[b]! - reference[a]!);
    expect(res.results.map((r) => r.index)).toEqual(order);
    for (const r of res.results) {
      expectClose(r.relevance_score, reference[r.index]!);
      expect(r.document).toBeUndefined();
    }
    expect(res.prompt_eval_count).toBeGreaterThan(DOCUMENTS.length);
    expect(res.total_duration).toBeGreaterThan(0);
  });

  it('cuts to top_n and returns the documents when asked', async () => {
    const res = await client.rerank({
      model: 'reranker',
      query: QUERY,
      documents: DOCUMENTS,
      top_n: 2,
      return_documents: true,
    });
    const best = reference.map((_, i) => i).sort((a, b) => reference[b]! - reference[a]!);
    expect(res.results.map((r) => r.index)).toEqual(best.slice(0, 2));
    expect(res.results.map((r) => r.document)).toEqual(best.slice(0, 2).map((i) => DOCUMENTS[i]));
  });

  it('refuses a generative model with a clear 400, before loading it', async () => {
    await expectError(
      client.rerank({ model: 'tiny', query: QUERY, documents: ['a'] }),
      400,
      /model "tiny" does not support reranking/,
    );
    expect((await client.ps()).models.map((m) => m.name)).not.toContain('tiny:latest');
  });

  it('refuses empty documents (400) and unknown models (404)', async () => {
    await expectError(client.rerank({ model: 'reranker', query: QUERY, documents: [] }), 400, /documents/);
    await expectError(client.rerank({ model: 'ghost', query: QUERY, documents: ['a'] }), 404);
  });
});

describe('POST /v1/rerank', () => {
  it('answers in the Jina / llama.cpp server shape with the same scores', async () => {
    const res = await client.rerankV1({ model: 'reranker', query: QUERY, documents: DOCUMENTS, top_n: 3 });
    expect(res.object).toBe('list');
    expect(res.model).toBe('reranker');
    const best = reference.map((_, i) => i).sort((a, b) => reference[b]! - reference[a]!);
    expect(res.results.map((r) => r.index)).toEqual(best.slice(0, 3));
    for (const r of res.results) expectClose(r.relevance_score, reference[r.index]!);
    expect(res.usage.prompt_tokens).toBeGreaterThan(DOCUMENTS.length);
    expect(res.usage.total_tokens).toBe(res.usage.prompt_tokens);

    const withText = await client.rerankV1({
      model: 'reranker',
      query: QUERY,
      documents: DOCUMENTS,
      top_n: 1,
      return_documents: true,
    });
    expect(withText.results[0]?.document).toEqual({ text: DOCUMENTS[best[0]!] });
  });

  it('gives OpenAI-shaped errors: 400 for a generative model or no documents, 404 for an unknown one', async () => {
    await expectError(
      client.rerankV1({ model: 'tiny', query: QUERY, documents: ['a'] }),
      400,
      /does not support reranking/,
    );
    await expectError(client.rerankV1({ model: 'reranker', query: QUERY, documents: [] }), 400);
    await expectError(client.rerankV1({ model: 'ghost', query: QUERY, documents: ['a'] }), 404);
  });
});
