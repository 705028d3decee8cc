/**
 * The message protocol between the server (parent) and a runner process (child), over the `child_process.fork`
 * IPC channel. Versioned: the child says `hello` with its {@link PROTOCOL_VERSION} first, and the parent refuses a
 * child that speaks another. Every message is validated on receipt with the zod schemas below, in both directions.
 *
 * Parent → child: `load`, `request` (generate | embed | rerank | tokenize | detokenize | encode | status), `cancel`,
 * `ping`, `shutdown`. A `status` request asks for the KV cache's use now (metrics read it at each scrape).
 * Child → parent: `hello`, `loaded`, `chunk` (streamed text), `done`, `error`, `pong`.
 */
import { z } from 'zod';
import {
  errorCatalog,
  type EmbedRequest,
  type EmbedResult,
  type ErrorCode,
  type GenerateRequest,
  type GenerateResult,
  type KvCacheUsage,
  type RerankRequest,
  type RerankResult,
  type RunnerLoadInfo,
  type RunnerLoadSpec,
  type TrainingInput,
} from '../core/index.js';

/** Bumped on every incompatible change of a message shape. */
export const PROTOCOL_VERSION = 2;

const id = z.number().int().nonnegative();
const errorCode = z.enum(Object.keys(errorCatalog) as [ErrorCode, ...ErrorCode[]]);
const jsonObject = z.record(z.string(), z.unknown());

const loadSpec: z.ZodType<RunnerLoadSpec> = z.object({
  modelPath: z.string().min(1),
  adapters: z.array(z.object({ path: z.string().min(1), scale: z.number() })),
  contextSize: z.number().int().positive(),
  parallel: z.number().int().positive(),
  threads: z.number().int().positive(),
  gpu: z.enum(['auto', 'cpu', 'cuda', 'vulkan', 'metal']),
  useMmap: z.boolean(),
  draft: z.object({ modelPath: z.string().min(1), minConfidence: z.number().min(0).max(1) }).optional(),
});

const toolCall = z.object({ name: z.string(), arguments: jsonObject });

const chatMessage = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  tool_calls: z.array(toolCall).optional(),
  tool_name: z.string().optional(),
});

const trainingInput: z.ZodType<TrainingInput> = z.union([
  z.object({ messages: z.array(chatMessage), train: z.array(z.boolean()) }),
  z.object({ segments: z.array(z.object({ text: z.string(), train: z.boolean() })) }),
]);

const generateRequest: z.ZodType<GenerateRequest> = z.object({
  prompt: z.string().optional(),
  messages: z.array(chatMessage).optional(),
  tools: z
    .array(
      z.object({
        name: z.string().min(1),
        description: z.string().optional(),
        parameters: jsonObject.optional(),
      }),
    )
    .optional(),
  format: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('json') }),
      z.object({ type: z.literal('json_schema'), schema: jsonObject }),
    ])
    .optional(),
  options: z.object({
    temperature: z.number().optional(),
    top_k: z.number().optional(),
    top_p: z.number().optional(),
    min_p: z.number().optional(),
    typical_p: z.number().optional(),
    repeat_penalty: z.number().optional(),
    repeat_last_n: z.number().optional(),
    presence_penalty: z.number().optional(),
    frequency_penalty: z.number().optional(),
    seed: z.number().optional(),
    stop: z.array(z.string()).optional(),
    num_predict: z.number().optional(),
  }),
  logprobs: z.object({ top: z.number().int().min(0).max(20) }).optional(),
});

const embedRequest: z.ZodType<EmbedRequest> = z.object({
  inputs: z.array(z.string()),
  truncate: z.boolean(),
});

const rerankRequest: z.ZodType<RerankRequest> = z.object({
  query: z.string(),
  documents: z.array(z.string()),
});

const rerankResult: z.ZodType<RerankResult> = z.object({
  scores: z.array(z.number()),
  promptTokens: z.number(),
});

const tokenChoice = z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number().int()) });

const generateResult: z.ZodType<GenerateResult> = z.object({
  text: z.string(),
  toolCalls: z.array(toolCall),
  doneReason: z.enum(['stop', 'length', 'abort']),
  promptTokens: z.number(),
  promptCachedTokens: z.number().optional(),
  stopSequence: z.string().optional(),
  promptEvalMs: z.number(),
  evalTokens: z.number(),
  evalMs: z.number(),
  logprobs: z.array(tokenChoice.extend({ top: z.array(tokenChoice) })).optional(),
  draftTokens: z.number().int().nonnegative().optional(),
  draftAcceptedTokens: z.number().int().nonnegative().optional(),
});

const embedResult: z.ZodType<EmbedResult> = z.object({
  embeddings: z.array(z.array(z.number())),
  promptTokens: z.number(),
});

const loadInfo: z.ZodType<RunnerLoadInfo> = z.object({
  ramBytes: z.number(),
  vramBytes: z.number(),
  loadMs: z.number(),
  backend: z.string(),
  contextSize: z.number(),
  threads: z.number(),
});

const count = z.number().int().nonnegative();
const kvCacheUsage: z.ZodType<KvCacheUsage> = z.object({ usedTokens: count, capacityTokens: count });

/** Decode speeds by thread count (`{"1": 150.2, "2": 201.9}`), tokens per second. */
const threadSpeeds = z.record(z.string().regex(/^\d+$/), z.number().nonnegative());

/** Messages the parent sends. */
export const parentMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('load'),
    spec: loadSpec,
    /** Thread counts to measure before creating the context, and speeds already known (see thread-calibration). */
    calibration: z.object({ measure: z.array(z.number().int().positive()), known: threadSpeeds }).optional(),
  }),
  z.object({
    type: z.literal('request'),
    id,
    body: z.discriminatedUnion('op', [
      z.object({ op: z.literal('generate'), request: generateRequest }),
      z.object({ op: z.literal('embed'), request: embedRequest }),
      z.object({ op: z.literal('rerank'), request: rerankRequest }),
      z.object({ op: z.literal('tokenize'), text: z.string() }),
      z.object({ op: z.literal('detokenize'), tokens: z.array(z.number().int()) }),
      z.object({ op: z.literal('encode'), inputs: z.array(trainingInput) }),
      z.object({ op: z.literal('status') }),
    ]),
  }),
  z.object({ type: z.literal('cancel'), id }),
  z.object({ type: z.literal('ping'), seq: id }),
  z.object({ type: z.literal('shutdown') }),
]);

/** Messages the child sends. */
export const childMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), version: z.number().int(), pid: z.number().int() }),
  z.object({ type: z.literal('loaded'), info: loadInfo, threadSpeeds }),
  /** Text produced since the previous chunk of this request (several tokens may be coalesced into one chunk). */
  z.object({ type: z.literal('chunk'), id, text: z.string() }),
  z.object({
    type: z.literal('done'),
    id,
    body: z.discriminatedUnion('op', [
      z.object({ op: z.literal('generate'), result: generateResult }),
      z.object({ op: z.literal('embed'), result: embedResult }),
      z.object({ op: z.literal('rerank'), result: rerankResult }),
      z.object({ op: z.literal('tokenize'), tokens: z.array(z.number().int()) }),
      z.object({ op: z.literal('detokenize'), text: z.string() }),
      z.object({
        op: z.literal('encode'),
        examples: z.array(z.object({ tokens: z.array(z.number().int()), mask: z.array(z.number().int()) })),
      }),
      z.object({ op: z.literal('status'), cache: kvCacheUsage }),
    ]),
  }),
  /** A failed request (`id` set), or a failed load / fatal runner error (no `id`). */
  z.object({ type: z.literal('error'), id: id.optional(), code: errorCode, message: z.string() }),
  z.object({ type: z.literal('pong'), seq: id }),
]);

export type ParentMessage = z.infer<typeof parentMessageSchema>;
export type ChildMessage = z.infer<typeof childMessageSchema>;
export type RequestBody = Extract<ParentMessage, { type: 'request' }>['body'];
export type DoneBody = Extract<ChildMessage, { type: 'done' }>['body'];

/** Result of validating a received message: the typed message, or a readable reason it was refused. */
export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodType<T>, raw: unknown): Parsed<T> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'message';
  return { ok: false, error: `malformed runner message: ${where}: ${issue?.message ?? 'invalid'}` };
}

/** Validates a message received by the child. */
export function parseParentMessage(raw: unknown): Parsed<ParentMessage> {
  return parseWith(parentMessageSchema, raw);
}

/** Validates a message received by the parent. */
export function parseChildMessage(raw: unknown): Parsed<ChildMessage> {
  return parseWith(childMessageSchema, raw);
}
