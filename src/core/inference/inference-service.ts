/**
 * The inference flow both API dialects call: resolve the model → merge options → get a runner from the scheduler
 * → run the request → release. Measures load and total time for the final statistics.
 */
import { AppError } from '../errors.js';
import type {
  ChatInput,
  CompletionInput,
  EmbedInput,
  EmbedOutput,
  InferenceResult,
  RequestOptions,
  RerankInput,
  RerankOutput,
} from '../inference-types.js';
import type { Logger } from '../logger.js';
import type { ChatMessage, EncodedExample, GenerateRequest, Runner, TrainingInput } from '../runner.js';
import type { Lease, LoadedModelStatus, Scheduler } from '../scheduler/index.js';
import { renderPrompt } from '../template/index.js';
import { parseToolCall, toolCallSchema, toolsSystemMessage } from './forced-tool-call.js';
import type { GenerationStats, InferenceObserver } from './inference-observer.js';
import { mergeOptions, type MergedOptions } from './merge-options.js';
import type { ModelCatalog, ResolvedModel } from './model-catalog.js';
import { type ActiveRequest, RequestRegistry } from './request-registry.js';
import { servedTrainingInput } from './training-inputs.js';

export interface InferenceServiceOptions {
  scheduler: Scheduler;
  catalog: ModelCatalog;
  /** Context length when neither request nor Modelfile sets `num_ctx`. */
  defaultContextLength: number;
  log: Logger;
  now?: () => number;
  /** Told about every finished generation (metrics). */
  observer?: InferenceObserver;
  /** The in-flight requests (queue view, cancel, timeouts); a private one when absent. */
  requests?: RequestRegistry;
}

/** What streaming callers pass: a signal that cancels, and a sink for text as it is produced. */
export interface RunHandlers {
  signal?: AbortSignal;
  onText?: (text: string) => void;
  /** Who asks (for the queue view). */
  client?: string;
  /** Abort after this many ms (`REQUEST_TIMEOUT`); absent: the server default. */
  timeoutMs?: number;
}

interface Acquired {
  model: ResolvedModel;
  options: MergedOptions;
  lease: Lease;
  loadMs: number;
  started: number;
}

export class InferenceService {
  readonly #o: InferenceServiceOptions;
  readonly #now: () => number;
  /** Requests in flight: listed by `GET /api/queue`, cancelled by `DELETE /api/requests/:id`. */
  readonly requests: RequestRegistry;

  constructor(options: InferenceServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
    this.requests = options.requests ?? new RequestRegistry();
  }

  /** The model, or `MODEL_NOT_FOUND`. */
  async resolve(name: string): Promise<ResolvedModel> {
    const model = await this.#o.catalog.resolve(name);
    if (model === undefined) {
      throw new AppError('MODEL_NOT_FOUND', `model "${name}" not found, try pulling it first`, {
        details: { model: name },
      });
    }
    return model;
  }

  /**
   * A chat turn. A Modelfile TEMPLATE (Go syntax, as Ollama's) renders the prompt here; otherwise the runner
   * applies the GGUF's own chat template.
   */
  async chat(input: ChatInput, handlers: RunHandlers = {}): Promise<InferenceResult> {
    const tools = input.tools ?? [];
    if (input.toolChoice === 'required' && tools.length > 0)
      return this.#forcedToolCall(input, tools, handlers);
    return this.#run(input, handlers, (model, options) => {
      const messages = withModelContext(model, input.messages);
      const common = { format: input.format, options: options.sampling, logprobs: input.logprobs };
      if (model.template === undefined) return { ...common, messages, tools: input.tools };
      return { ...common, prompt: renderPrompt({ template: model.template, messages, tools: input.tools }) };
    });
  }

  /** A chat turn whose answer a grammar forces to be one call of an offered tool (see `forced-tool-call.ts`). */
  async #forcedToolCall(
    input: ChatInput,
    tools: NonNullable<ChatInput['tools']>,
    handlers: RunHandlers,
  ): Promise<InferenceResult> {
    const result = await this.#run(input, { signal: handlers.signal }, (model, options) => ({
      messages: withModelContext(model, [toolsSystemMessage(tools), ...input.messages]),
      format: { type: 'json_schema', schema: toolCallSchema(tools) },
      options: options.sampling,
    }));
    const call = parseToolCall(result.text, tools);
    if (call === undefined) {
      handlers.onText?.(result.text);
      return result;
    }
    return { ...result, text: '', toolCalls: [call] };
  }

  /**
   * A completion: raw prompts go in as-is; others are a user turn (after the system prompt and the Modelfile's
   * messages), rendered by the request's or the Modelfile's TEMPLATE, or else by the GGUF's chat template.
   */
  async complete(input: CompletionInput, handlers: RunHandlers = {}): Promise<InferenceResult> {
    return this.#run(input, handlers, (model, options) => {
      const common = { format: input.format, options: options.sampling, logprobs: input.logprobs };
      if (input.raw === true) return { ...common, prompt: input.prompt };
      const system = input.system ?? model.system;
      const template = input.template ?? model.template;
      if (template !== undefined) {
        const prompt = renderPrompt({
          template,
          system,
          messages: model.messages,
          prompt: input.prompt,
          suffix: input.suffix,
        });
        return { ...common, prompt };
      }
      const messages: ChatMessage[] = [
        ...(system ? [{ role: 'system' as const, content: system }] : []),
        ...model.messages,
        { role: 'user', content: input.prompt },
      ];
      return { ...common, messages };
    });
  }

  /** Embeddings, one vector per input; `dimensions` keeps the first N and re-normalizes. */
  async embed(
    input: EmbedInput,
    signal?: AbortSignal,
    handlers: Omit<RunHandlers, 'signal' | 'onText'> = {},
  ) {
    return this.#tracked(input.model, 'embed', { ...handlers, signal }, (s, active) =>
      this.#embed(input, s, active),
    );
  }

  async #embed(input: EmbedInput, signal: AbortSignal, active: ActiveRequest): Promise<EmbedOutput> {
    const acquired = await this.#acquire(input.model, input.options, input.keepAliveMs, signal);
    active.running();
    try {
      const out = await acquired.lease.runner.embed(
        { inputs: input.inputs, truncate: input.truncate },
        signal,
      );
      const normalize = input.normalize ?? true;
      const embeddings = out.embeddings.map((v) => shapeVector(v, input.dimensions, normalize));
      return {
        model: input.model,
        embeddings,
        promptTokens: out.promptTokens,
        loadMs: acquired.loadMs,
        totalMs: this.#now() - acquired.started,
      };
    } finally {
      acquired.lease.release();
    }
  }

  /**
   * Relevance scores of `documents` for `query`, in input order. A model without a ranking head is refused with
   * `INVALID_REQUEST` before any runner is started.
   */
  async rerank(
    input: RerankInput,
    signal?: AbortSignal,
    handlers: Omit<RunHandlers, 'signal' | 'onText'> = {},
  ): Promise<RerankOutput> {
    if (input.documents.length === 0) throw new AppError('INVALID_REQUEST', 'documents must not be empty');
    const resolved = await this.resolve(input.model);
    if (resolved.reranking !== true)
      throw new AppError('INVALID_REQUEST', `model "${input.model}" does not support reranking`, {
        details: { model: input.model },
      });
    return this.#tracked(input.model, 'rerank', { ...handlers, signal }, async (s, active) => {
      const acquired = await this.#acquire(input.model, input.options, input.keepAliveMs, s);
      active.running();
      try {
        const out = await acquired.lease.runner.rerank({ query: input.query, documents: input.documents }, s);
        const totalMs = this.#now() - acquired.started;
        return { model: input.model, ...out, loadMs: acquired.loadMs, totalMs };
      } finally {
        acquired.lease.release();
      }
    });
  }

  /** Load a model without running anything (Ollama's empty prompt); resolves with the load time in ms. */
  async load(model: string, keepAliveMs: number | undefined, options: RequestOptions = {}): Promise<number> {
    const acquired = await this.#acquire(model, options, keepAliveMs, undefined);
    acquired.lease.release();
    return acquired.loadMs;
  }

  /** `text` as `model`'s token ids (special tokens parsed, no BOS added); loads the model when needed. */
  async tokenize(model: string, text: string, signal?: AbortSignal): Promise<number[]> {
    const acquired = await this.#acquire(model, {}, undefined, signal);
    try {
      return await acquired.lease.runner.tokenize(text);
    } finally {
      acquired.lease.release();
    }
  }

  /**
   * Fine-tuning examples as `model`'s tokens and target masks, framed and rendered exactly as generation frames
   * and renders requests to it (see `training-inputs.ts`); loads the model when needed.
   */
  async encode(model: string, inputs: TrainingInput[], signal?: AbortSignal): Promise<EncodedExample[]> {
    const acquired = await this.#acquire(model, {}, undefined, signal);
    try {
      const framed = inputs.map((input) => servedTrainingInput(acquired.model, input));
      return await acquired.lease.runner.encode(framed, signal);
    } finally {
      acquired.lease.release();
    }
  }

  /** The text of `model`'s token ids; `INVALID_REQUEST` for ids outside its vocabulary. */
  async detokenize(model: string, tokens: number[], signal?: AbortSignal): Promise<string> {
    const acquired = await this.#acquire(model, {}, undefined, signal);
    try {
      return await acquired.lease.runner.detokenize(tokens);
    } finally {
      acquired.lease.release();
    }
  }

  /** Unload a model now (Ollama's empty prompt with `keep_alive: 0`). */
  async unload(model: string): Promise<void> {
    const resolved = await this.resolve(model);
    await this.#o.scheduler.unload(resolved.key);
  }

  ps(): LoadedModelStatus[] {
    return this.#o.scheduler.ps();
  }

  async #run(
    input: ChatInput | CompletionInput,
    handlers: RunHandlers,
    build: (model: ResolvedModel, options: MergedOptions) => GenerateRequest,
  ): Promise<InferenceResult> {
    const kind = 'messages' in input ? 'chat' : 'generate';
    return this.#tracked(input.model, kind, handlers, (signal, active) =>
      this.#generate(input, { ...handlers, signal }, build, active),
    );
  }

  /** Run `work` as a tracked request; an operator's cancel or a timeout surfaces as its own error. */
  async #tracked<T>(
    model: string,
    kind: 'generate' | 'chat' | 'embed' | 'rerank',
    handlers: RunHandlers,
    work: (signal: AbortSignal, active: ActiveRequest) => Promise<T>,
  ): Promise<T> {
    const info = { model, kind, client: handlers.client, timeoutMs: handlers.timeoutMs };
    const active = this.requests.begin(info, handlers.signal);
    try {
      const result = await work(active.signal, active);
      const failure = active.failure(); // a runner stops quietly when aborted: tell the caller why
      if (failure !== undefined) throw failure;
      return result;
    } catch (err) {
      throw active.failure() ?? err;
    } finally {
      active.end();
    }
  }

  async #generate(
    input: ChatInput | CompletionInput,
    handlers: RunHandlers,
    build: (model: ResolvedModel, options: MergedOptions) => GenerateRequest,
    active: ActiveRequest,
  ): Promise<InferenceResult> {
    const acquired = await this.#acquire(input.model, input.options, input.keepAliveMs, handlers.signal);
    active.running();
    try {
      const runner: Runner = acquired.lease.runner;
      const request = build(acquired.model, acquired.options);
      let firstTextAt: number | undefined;
      const onText = (text: string): void => {
        firstTextAt ??= this.#now();
        handlers.onText?.(text);
      };
      const result = await runner.generate(request, { signal: handlers.signal, onText });
      this.#observe(acquired.model.name, {
        promptTokens: result.promptTokens,
        evalTokens: result.evalTokens,
        ...(result.draftTokens !== undefined && {
          draftTokens: result.draftTokens,
          draftAcceptedTokens: result.draftAcceptedTokens ?? 0,
        }),
        firstTokenMs: firstTextAt === undefined ? undefined : firstTextAt - acquired.started,
      });
      return {
        ...result,
        model: input.model,
        createdAt: new Date(),
        loadMs: acquired.loadMs,
        totalMs: this.#now() - acquired.started,
      };
    } finally {
      acquired.lease.release();
    }
  }

  /** Tell the observer; it must not turn a served request into a failure, so its errors are only logged. */
  #observe(model: string, stats: GenerationStats): void {
    const observer = this.#o.observer;
    if (observer === undefined) return;
    try {
      observer.generated(model, stats);
    } catch (err) {
      this.#o.log.warn({ err, model }, 'inference observer failed');
    }
  }

  async #acquire(
    name: string,
    requestOptions: RequestOptions,
    keepAliveMs: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Acquired> {
    const started = this.#now();
    const model = await this.resolve(name);
    const options = mergeOptions(model.parameters, requestOptions);
    const wanted = options.runtime.num_ctx ?? this.#o.defaultContextLength;
    const contextSize = Math.min(wanted, model.trainedContextLength ?? wanted);
    const lease = await this.#o.scheduler.acquire({
      modelKey: model.key,
      displayName: model.name,
      modelPath: model.modelPath,
      adapters: model.adapters,
      ...(model.draft && { draft: model.draft }),
      contextSize,
      estimate: model.memory,
      keepAliveMs: keepAliveMs ?? model.keepAliveMs,
      threads: options.runtime.num_thread || undefined,
      signal,
    });
    return { model, options, lease, loadMs: this.#now() - started, started };
  }
}

/** The Modelfile's SYSTEM (unless the request has its own) and MESSAGEs go before the request's messages. */
function withModelContext(model: ResolvedModel, messages: ChatMessage[]): ChatMessage[] {
  const hasSystem = messages.some((m) => m.role === 'system');
  const system: ChatMessage[] = !hasSystem && model.system ? [{ role: 'system', content: model.system }] : [];
  return [...system, ...model.messages, ...messages];
}

/** Keep the first `dimensions` values (all when absent) and optionally scale to unit length. */
export function shapeVector(v: number[], dimensions: number | undefined, normalize: boolean): number[] {
  const cut = dimensions === undefined ? v : v.slice(0, dimensions);
  if (!normalize) return cut;
  const norm = Math.sqrt(cut.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? cut : cut.map((x) => x / norm);
}
