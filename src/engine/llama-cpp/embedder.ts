/**
 * Embeddings through a dedicated embedding context, created on the first request (most runners never embed, and
 * the context costs memory). Vectors are returned as llama.cpp computes them (not normalized).
 */
import type { LlamaEmbeddingContext, LlamaModel, Token } from 'node-llama-cpp';
import { AppError, type EmbedRequest, type EmbedResult } from '../../core/index.js';

export class Embedder {
  readonly #model: LlamaModel;
  readonly #contextSize: number;
  readonly #threads: number;
  #context: Promise<LlamaEmbeddingContext> | undefined;

  constructor(model: LlamaModel, options: { contextSize: number; threads: number }) {
    this.#model = model;
    this.#contextSize = options.contextSize;
    this.#threads = options.threads;
  }

  /** One vector per input, in order. Inputs longer than the context are cut when `truncate`, else rejected. */
  async embed(request: EmbedRequest, signal?: AbortSignal): Promise<EmbedResult> {
    this.#context ??= this.#model.createEmbeddingContext({
      contextSize: this.#contextSize,
      threads: this.#threads,
    });
    const context = await this.#context;
    const embeddings: number[][] = [];
    let promptTokens = 0;
    for (const [index, input] of request.inputs.entries()) {
      if (signal?.aborted) throw new AppError('CANCELLED', 'embedding cancelled');
      const tokens = this.#fit(context, input, index, request.truncate);
      promptTokens += context.calculateInputLength(tokens);
      embeddings.push([...(await context.getEmbeddingFor(tokens)).vector]);
    }
    return { embeddings, promptTokens };
  }

  #fit(context: LlamaEmbeddingContext, input: string, index: number, truncate: boolean): Token[] {
    let tokens = this.#model.tokenize(input);
    const bos = this.#model.tokens.bos;
    if (tokens.length === 0 && bos !== null) tokens = [bos]; // an empty input embeds as its BOS, like llama.cpp
    const length = context.calculateInputLength(tokens);
    if (length < this.#contextSize) return tokens;
    if (!truncate)
      throw new AppError(
        'INVALID_REQUEST',
        `input ${index} is ${length} tokens but the context holds ${this.#contextSize - 1}; shorten it, raise num_ctx or set truncate`,
      );
    return tokens.slice(0, tokens.length - (length - this.#contextSize + 1));
  }

  /** Frees the embedding context; idempotent. */
  async close(): Promise<void> {
    const context = this.#context;
    this.#context = undefined;
    if (context) await (await context).dispose();
  }
}
