/**
 * One loaded model inside a runner process: the model, ONE context with `parallel` sequences (batched together),
 * the chat wrapper resolved once from the GGUF's template, lazily an embedding context. Serves any number of
 * concurrent requests; each borrows a sequence from the pool for its duration.
 */
import type { ChatWrapper, Llama, LlamaContext, LlamaModel, Token } from 'node-llama-cpp';
import {
  abortedBeforeStart,
  AppError,
  type EmbedRequest,
  type EmbedResult,
  type GenerateRequest,
  type GenerateResult,
  type KvCacheUsage,
  type RerankRequest,
  type RerankResult,
  type RunnerLoadInfo,
  type EncodedExample,
  type TrainingInput,
} from '../../core/index.js';
import { encodeTraining } from './encode-training.js';
import { toChatFunctions, toChatHistory } from './chat-history.js';
import { SwitchablePredictor, type DraftModel } from './draft-model.js';
import type { Embedder } from './embedder.js';
import { generateChat, type GenerationRun } from './generate-chat.js';
import { generateCompletion } from './generate-completion.js';
import type { OutputGrammars } from './output-grammar.js';
import { Ranker } from './ranker.js';
import { toLlamaSampling } from './sampling-options.js';
import { tokenLogprobs } from './token-logprobs.js';
import type { SequencePool } from './sequence-pool.js';

/**
 * Context cells kept free after the generation limit, so generation never reaches node-llama-cpp's context shift
 * (which silently erases the start of the conversation): it stops one cell early, and may pass `maxTokens` by up to
 * three tokens to finish a character split over byte tokens.
 */
const RESERVED_CELLS = 4;

/** The parts a loaded engine is made of (see `loadEngine`). */
export interface EngineParts {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  pool: SequencePool;
  /** The draft model of speculative decoding, when the spec names one (the pool's sequences use it). */
  draft?: DraftModel;
  grammars: OutputGrammars;
  embedder: Embedder;
  info: RunnerLoadInfo;
}

export class LlamaEngine {
  readonly #parts: EngineParts;
  #closing: Promise<void> | undefined;
  /** Made on the first rerank request: most models cannot rank, and those that can need their own context. */
  #ranker: Ranker | undefined;

  constructor(parts: EngineParts) {
    this.#parts = parts;
  }

  get info(): RunnerLoadInfo {
    return this.#parts.info;
  }

  /** Generates text. Aborting `signal` resolves with the partial text and `doneReason: 'abort'`. */
  async generate(
    request: GenerateRequest,
    handlers: { signal?: AbortSignal; onText?: (text: string) => void },
  ): Promise<GenerateResult> {
    const { model, chatWrapper, pool, grammars, info } = this.#parts;
    if ((request.prompt === undefined) === (request.messages === undefined))
      throw new AppError('INVALID_REQUEST', 'a generate request needs exactly one of prompt and messages');
    if (request.format !== undefined && request.tools !== undefined && request.tools.length > 0)
      throw new AppError('INVALID_REQUEST', 'format and tools cannot be combined in one request');
    if (request.logprobs !== undefined && request.tools !== undefined && request.tools.length > 0)
      throw new AppError('INVALID_REQUEST', 'logprobs cannot be combined with tools yet');
    const chat = request.messages && {
      history: toChatHistory(request.messages),
      functions: toChatFunctions(request.tools),
    };
    let tokens: Token[];
    if (chat) {
      const state = chatWrapper.generateContextState({
        chatHistory: chat.history,
        availableFunctions: chat.functions,
      });
      tokens = state.contextText.tokenize(model.tokenizer);
    } else {
      // Raw prompts may carry template markup (`<|im_start|>`): parse special tokens, as llama.cpp's server does.
      tokens = model.tokenize(request.prompt ?? '', true);
    }
    const counted = chat ? tokens.length : tokens.length + (bosOf(model) === undefined ? 0 : 1);
    const room = info.contextSize - counted - RESERVED_CELLS;
    if (room < 1)
      throw new AppError(
        'INVALID_REQUEST',
        `prompt is ${counted} tokens but the context holds ${info.contextSize} (at most ${info.contextSize - RESERVED_CELLS - 1} prompt tokens); shorten the prompt or raise num_ctx`,
        { details: { promptTokens: counted, contextSize: info.contextSize } },
      );
    const grammar = await grammars.get(request.format);
    const sampling = toLlamaSampling(request.options, room);
    const cacheKey = chat ? tokens : withBos(model, tokens);
    let lease;
    try {
      lease = await pool.acquire(cacheKey, handlers.signal);
    } catch (err) {
      if (handlers.signal?.aborted) return abortedBeforeStart(); // aborted while waiting for a free sequence
      throw err;
    }
    try {
      const predictor = lease.sequence.tokenPredictor;
      if (predictor instanceof SwitchablePredictor)
        // Only where node-llama-cpp's speculative sampling equals plain decoding (see SwitchablePredictor).
        predictor.enabled = sampling.repeatPenalty === false && grammar === undefined && !chat?.functions;
      const run: GenerationRun = {
        sequence: lease.sequence,
        promptTokens: cacheKey.length - lease.reused,
        cachedTokens: lease.reused,
        sampling,
        grammar,
        signal: handlers.signal,
        onText: handlers.onText,
        ...(request.logprobs === undefined ? {} : { generated: [] }),
      };
      const result = chat
        ? await generateChat(run, chatWrapper, chat.history, chat.functions)
        : await generateCompletion(run, tokens);
      if (request.logprobs === undefined || result.doneReason === 'abort') return result;
      const top = request.logprobs.top;
      const generated = run.generated ?? [];
      const logprobs = await tokenLogprobs(lease.sequence, model, cacheKey, generated, result.text, top);
      return { ...result, logprobs };
    } finally {
      lease.release();
    }
  }

  embed(request: EmbedRequest, signal?: AbortSignal): Promise<EmbedResult> {
    return this.#parts.embedder.embed(request, signal);
  }

  /** Relevance scores of documents for a query, in input order; `INVALID_REQUEST` for a model that cannot rank. */
  rerank(request: RerankRequest, signal?: AbortSignal): Promise<RerankResult> {
    const { model, info } = this.#parts;
    this.#ranker ??= new Ranker(model, { contextSize: info.contextSize, threads: info.threads });
    return this.#ranker.rerank(request, signal);
  }

  /** Fine-tuning examples as tokens and target masks, rendered as generation renders them. */
  encode(inputs: TrainingInput[]): EncodedExample[] {
    return encodeTraining(this.#parts.model, this.#parts.chatWrapper, inputs);
  }

  /** The model's tokens for `text` (special tokens parsed, no BOS). */
  tokenize(text: string): number[] {
    return this.#parts.model.tokenize(text, true);
  }

  /** The text of `tokens` (special tokens as their text); ids outside the vocabulary are refused before llama.cpp sees them. */
  detokenize(tokens: number[]): string {
    const { model } = this.#parts;
    const meta = model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: readonly unknown[] } } };
    const size = meta.tokenizer?.ggml?.tokens?.length ?? 0;
    const bad = tokens.find((t) => !Number.isInteger(t) || t < 0 || t >= size);
    if (bad !== undefined) {
      throw new AppError('INVALID_REQUEST', `token ${bad} is not in the vocabulary (0 to ${size - 1})`);
    }
    return model.detokenize(tokens as Token[], true);
  }

  /** The generation context's KV-cache use (embedding and ranking contexts hold tokens only during a request). */
  cacheUsage(): KvCacheUsage {
    return this.#parts.pool.usage();
  }

  /** Disposes the embedding context, context, model, draft model and backend, in that order; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const { embedder, context, model, draft, llama } = this.#parts;
      await embedder.close();
      await this.#ranker?.close();
      await context.dispose();
      await model.dispose();
      await draft?.close();
      await llama.dispose();
    })();
    return this.#closing;
  }
}

function bosOf(model: LlamaModel): Token | undefined {
  const bos = model.tokens.bos;
  return bos !== null && model.tokens.shouldPrependBosToken ? bos : undefined;
}

function withBos(model: LlamaModel, tokens: Token[]): Token[] {
  const bos = bosOf(model);
  return bos === undefined ? tokens : [bos, ...tokens];
}
