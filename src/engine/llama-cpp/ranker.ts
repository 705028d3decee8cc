/**
 * Reranking through a dedicated ranking context (llama.cpp LLAMA_POOLING_TYPE_RANK), created on the first request
 * like the embedding context. Only models with a classification head rank: llama.cpp `build_pooling` applies
 * `cls` / `cls.output` to the first token's (the last, for Qwen3) hidden state and returns one logit per
 * (query, document) pair; node-llama-cpp turns it into a probability with a sigmoid (Qwen3's is a softmax already).
 */
import type { LlamaModel, LlamaRankingContext } from 'node-llama-cpp';
import { AppError, type RerankRequest, type RerankResult } from '../../core/index.js';

export class Ranker {
  readonly #model: LlamaModel;
  readonly #contextSize: number;
  readonly #threads: number;
  #context: Promise<LlamaRankingContext> | undefined;

  constructor(model: LlamaModel, options: { contextSize: number; threads: number }) {
    this.#model = model;
    this.#contextSize = options.contextSize;
    this.#threads = options.threads;
  }

  /** One score per document, in input order. A pair longer than the context is refused (`INVALID_REQUEST`). */
  async rerank(request: RerankRequest, signal?: AbortSignal): Promise<RerankResult> {
    const refusal = rankingRefusal(this.#model);
    if (refusal !== undefined)
      throw new AppError('INVALID_REQUEST', `this model does not support reranking: ${refusal}`);
    const context = await this.#rankingContext();
    let promptTokens = 0;
    for (const [index, document] of request.documents.entries()) {
      const length = context.calculateInputLength(request.query, document);
      if (length >= context.contextSize)
        throw new AppError(
          'INVALID_REQUEST',
          `document ${index} with the query is ${length} tokens but the context holds ${context.contextSize - 1}; shorten it or raise num_ctx`,
        );
      promptTokens += length;
    }
    const scores: number[] = [];
    for (const document of request.documents) {
      if (signal?.aborted) throw new AppError('CANCELLED', 'reranking cancelled');
      scores.push(await context.rank(request.query, document));
    }
    return { scores, promptTokens };
  }

  #rankingContext(): Promise<LlamaRankingContext> {
    if (this.#context === undefined) {
      const created = this.#model.createRankingContext({
        contextSize: this.#contextSize,
        threads: this.#threads,
      });
      this.#context = created.catch((err: unknown) => {
        this.#context = undefined; // a later request may try again
        throw new AppError('RUNNER_FAILED', `failed to create a ranking context: ${(err as Error).message}`, {
          cause: err,
        });
      });
    }
    return this.#context;
  }

  /** Frees the ranking context; idempotent. */
  async close(): Promise<void> {
    const context = this.#context;
    this.#context = undefined;
    if (context) await (await context).dispose();
  }
}

/**
 * Why node-llama-cpp would refuse to rank with `model` (the checks of `LlamaRankingContext._create`), or
 * `undefined` when it can: a classification head, not an encoder–decoder, and a token or template that separates
 * the query from the document.
 */
function rankingRefusal(model: LlamaModel): string | undefined {
  if (!model.fileInsights.supportsRanking) return 'it has no classification head (cls / cls.output tensors)';
  const metadata = model.fileInfo.metadata as { tokenizer?: Record<string, unknown> };
  const template = metadata.tokenizer?.['chat_template.rerank'];
  const hasTemplate =
    typeof template === 'string' && template.includes('{query}') && template.includes('{document}');
  if (model.tokens.eos === null && model.tokens.sep === null && !hasTemplate)
    return 'it has no separator token or rerank template';
  return undefined;
}
