/**
 * The runner port: one loaded model, served by one process (see DESIGN.md §1). The scheduler owns runners
 * through this interface only; `src/engine/process-runner.ts` implements it over a child process, tests use fakes.
 */

/** Where and how to load a model. */
export interface RunnerLoadSpec {
  /** Absolute path of the GGUF file (a blob in the store). */
  modelPath: string;
  /** LoRA adapters (GGUF) applied on top of the model. */
  adapters: Array<{ path: string; scale: number }>;
  /** Context length per sequence, in tokens. */
  contextSize: number;
  /** Number of sequences served concurrently (batched together). */
  parallel: number;
  /** CPU threads the runner may use; the scheduler keeps the sum over runners within the core budget. */
  threads: number;
  /** Accelerator choice; `auto` uses a GPU when present. */
  gpu: 'auto' | 'cpu' | 'cuda' | 'vulkan' | 'metal';
  /** Memory-map the weights (default true). */
  useMmap: boolean;
  /** Speculative decoding: a smaller model with the same vocabulary drafts tokens that this model verifies. */
  draft?: DraftSpec;
}

/**
 * A draft model for speculative decoding (Modelfile `PARAMETER draft_model`). Greedy output is the same with and
 * without it; only speed changes.
 */
export interface DraftSpec {
  /** Absolute path of the draft model's GGUF file. */
  modelPath: string;
  /** Stop drafting when the draft's token probability is below this (`PARAMETER draft_p_min`, 0 to 1). */
  minConfidence: number;
}

/** Facts a runner reports once its model is loaded. */
export interface RunnerLoadInfo {
  /** Bytes of RAM the loaded model and context use (weights + KV cache). */
  ramBytes: number;
  /** Bytes of accelerator memory used; 0 on CPU. */
  vramBytes: number;
  /** Milliseconds spent loading. */
  loadMs: number;
  /** Backend in use, e.g. `cpu`, `cuda`. */
  backend: string;
  /** Context length actually allocated per sequence. */
  contextSize: number;
  /** Threads in use. */
  threads: number;
}

/**
 * How much of a runner's KV cache holds tokens now: the tokens kept in its context's sequences (the requests in
 * flight and the prefix cache of finished ones) over the cells the context has, both in tokens.
 */
export interface KvCacheUsage {
  usedTokens: number;
  /** Context length per sequence × sequences. */
  capacityTokens: number;
}

/** Sampling and generation options, in Ollama's option names. Absent means the model's/runner's default. */
export interface SamplingOptions {
  temperature?: number;
  top_k?: number;
  top_p?: number;
  min_p?: number;
  typical_p?: number;
  repeat_penalty?: number;
  repeat_last_n?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  seed?: number;
  stop?: string[];
  /** Maximum tokens to generate; -1 or absent: until the context is full. */
  num_predict?: number;
}

/** One chat message, as the core understands it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** Tool calls made by the assistant in this message. */
  tool_calls?: ToolCall[];
  /** For `tool` messages: the name of the tool that produced this content. */
  tool_name?: string;
}

/**
 * Training text to encode as the model will see it when served: a conversation rendered by the model's chat
 * template (`train[i]` marks the assistant messages that are targets), or text segments tokenized in order
 * (special tokens parsed; `train` marks target segments). A target at the end is followed by end-of-turn.
 */
export type TrainingInput =
  { messages: ChatMessage[]; train: boolean[] } | { segments: Array<{ text: string; train: boolean }> };

/** The tokens of one training example; `mask[i]` is 1 where predicting token i is trained, else 0. */
export interface EncodedExample {
  tokens: number[];
  mask: number[];
}

/** A function the model may call. `parameters` is a JSON schema. */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

/** A call the model made to one of the offered tools. */
export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** Constrained output: any JSON value, or JSON matching a schema. */
export type OutputFormat = { type: 'json' } | { type: 'json_schema'; schema: Record<string, unknown> };

/** A text-generation request. `prompt` is used as-is (already templated, or raw); `messages` go through the
 * model's chat template inside the runner. Exactly one of the two is set. */
export interface GenerateRequest {
  prompt?: string;
  messages?: ChatMessage[];
  tools?: ToolDefinition[];
  format?: OutputFormat;
  options: SamplingOptions;
  /** Report the log probability of each generated token, with the `top` most likely alternatives (0–20). */
  logprobs?: { top: number };
}

/** One alternative token and its natural-log probability. */
export interface TokenChoice {
  token: string;
  logprob: number;
  /** UTF-8 bytes of `token` (a token may be part of a character). */
  bytes: number[];
}

/** A generated token, its log probability and the most likely alternatives at its position. */
export interface TokenLogprob extends TokenChoice {
  top: TokenChoice[];
}

/** Why generation stopped: a stop token/sequence, the token limit, or cancellation. */
export type DoneReason = 'stop' | 'length' | 'abort';

/** The outcome of a generation, with Ollama's timing statistics. */
export interface GenerateResult {
  text: string;
  toolCalls: ToolCall[];
  doneReason: DoneReason;
  /** Prompt tokens evaluated for this request; tokens reused from the runner's prefix cache are not counted. */
  promptTokens: number;
  /** Prompt tokens reused from the prefix cache (not evaluated); the whole prompt is `promptTokens` + this. */
  promptCachedTokens?: number;
  /** The stop sequence (one of `options.stop`) that ended generation, when one did (Anthropic's `stop_sequence`). */
  stopSequence?: string;
  promptEvalMs: number;
  evalTokens: number;
  evalMs: number;
  /** Present when the request asked for `logprobs`: one entry per generated token of `text`. */
  logprobs?: TokenLogprob[];
  /** With a draft model: draft tokens the model checked (accepted + rejected). */
  draftTokens?: number;
  /** With a draft model: draft tokens the model accepted; `draftAcceptedTokens / draftTokens` is the acceptance rate. */
  draftAcceptedTokens?: number;
}

/** Embedding request: one vector per input. */
export interface EmbedRequest {
  inputs: string[];
  /** Cut inputs longer than the context instead of failing. */
  truncate: boolean;
}

export interface EmbedResult {
  embeddings: number[][];
  promptTokens: number;
}

/** Reranking request: how relevant each document is to the query (a cross-encoder reads each pair). */
export interface RerankRequest {
  query: string;
  documents: string[];
}

export interface RerankResult {
  /** One relevance score per document, in input order: a probability in [0, 1] (sigmoid of the model's logit). */
  scores: number[];
  /** Tokens evaluated over all (query, document) pairs. */
  promptTokens: number;
}

/** How a runner ended, for the scheduler and the failed requests' error messages. */
export interface RunnerExit {
  /** True when the runner was asked to stop; false on a crash, kill or hang. */
  expected: boolean;
  code: number | null;
  signal: string | null;
  /** The runner's last stderr lines, attached to `RUNNER_FAILED` errors. */
  lastErrorLines: string[];
}

/** A loaded model in a runner. All methods reject with `AppError` (`RUNNER_FAILED`, `RUNNER_TIMEOUT`, `CANCELLED`…). */
export interface Runner {
  /** Process id when the runner is a process. */
  readonly pid: number | undefined;
  readonly info: RunnerLoadInfo;
  /** Generate; `onText` receives text pieces as they are produced. Aborting `signal` stops within one token and
   * resolves (never rejects) with the text so far and `doneReason: 'abort'`. */
  generate(
    request: GenerateRequest,
    handlers: { signal?: AbortSignal; onText?: (text: string) => void },
  ): Promise<GenerateResult>;
  embed(request: EmbedRequest, signal?: AbortSignal): Promise<EmbedResult>;
  /** Relevance scores of documents for a query; `INVALID_REQUEST` when the model has no ranking head. */
  rerank(request: RerankRequest, signal?: AbortSignal): Promise<RerankResult>;
  /** Count the tokens of a text as the model tokenizes it. */
  tokenize(text: string): Promise<number[]>;
  /** The text of model tokens; `INVALID_REQUEST` for ids outside the vocabulary. */
  detokenize(tokens: number[]): Promise<string>;
  /** Training examples as token ids and target masks (fine-tuning data preparation). */
  encode(inputs: TrainingInput[], signal?: AbortSignal): Promise<EncodedExample[]>;
  /** The KV cache's use now, asked of the runner (metrics); `RUNNER_TIMEOUT` when it does not answer in time. */
  cacheUsage(): Promise<KvCacheUsage>;
  /** Resolves when the runner has ended, for whatever reason. */
  readonly exited: Promise<RunnerExit>;
  /** Stop the runner and free its memory; idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a runner and loads a model into it; rejects if either fails or times out. */
export type RunnerFactory = (spec: RunnerLoadSpec, signal?: AbortSignal) => Promise<Runner>;

/** The result of a generation aborted before it produced anything (a `Runner.generate` never rejects for its own signal). */
export function abortedBeforeStart(): GenerateResult {
  return {
    text: '',
    toolCalls: [],
    doneReason: 'abort',
    promptTokens: 0,
    promptEvalMs: 0,
    evalTokens: 0,
    evalMs: 0,
  };
}
