/**
 * `POST /api/rerank` and `POST /v1/rerank` (the Jina / Cohere shape of llama.cpp's server): score documents against
 * a query with a reranker model, best first. A model without a ranking head is a 400 (`INVALID_REQUEST`).
 */
import { Hono } from 'hono';
import {
  openaiRerankRequestSchema,
  rerankRequestSchema,
  type OpenAIRerankResponse,
  type RerankRequest,
  type RerankResponse,
} from '../api/index.js';
import type { RerankInput } from '../core/index.js';
import type { AppDeps } from './app-deps.js';
import { keepAliveMs } from './ollama/translate.js';
import { parseBody } from './parse-body.js';

const ns = (ms: number) => Math.round(ms * 1e6);

/** Document indices with their scores, highest first (ties keep input order), cut to `topN` when given. */
export function rankScores(scores: number[], topN?: number): Array<{ index: number; score: number }> {
  const ranked = scores.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score);
  return topN === undefined ? ranked : ranked.slice(0, topN);
}

function toInput(body: RerankRequest): RerankInput {
  return {
    model: body.model,
    query: body.query,
    documents: body.documents,
    options: body.options ?? {},
    keepAliveMs: keepAliveMs(body.keep_alive),
  };
}

export function rerankRoutes({ inference }: AppDeps): Hono {
  const app = new Hono();

  app.post('/api/rerank', async (c) => {
    const body = await parseBody(c, rerankRequestSchema);
    const out = await inference.rerank(toInput(body), c.req.raw.signal);
    const response: RerankResponse = {
      model: body.model,
      results: rankScores(out.scores, body.top_n).map(({ index, score }) => ({
        index,
        relevance_score: score,
        ...(body.return_documents === true && { document: body.documents[index] }),
      })),
      total_duration: ns(out.totalMs),
      load_duration: ns(out.loadMs),
      prompt_eval_count: out.promptTokens,
    };
    return c.json(response);
  });

  app.post('/v1/rerank', async (c) => {
    const body = await parseBody(c, openaiRerankRequestSchema);
    const out = await inference.rerank(toInput(body), c.req.raw.signal);
    const response: OpenAIRerankResponse = {
      model: body.model,
      object: 'list',
      results: rankScores(out.scores, body.top_n).map(({ index, score }) => ({
        index,
        relevance_score: score,
        ...(body.return_documents === true && { document: { text: body.documents[index] ?? '' } }),
      })),
      usage: { prompt_tokens: out.promptTokens, total_tokens: out.promptTokens },
    };
    return c.json(response);
  });

  return app;
}
