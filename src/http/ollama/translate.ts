/**
 * Pure translations between Ollama's inference wire format and the core inference calls (as Ollama's own
 * `openai.go` does for its other dialect). Durations on the wire are nanoseconds.
 */
import type { ChatResponse, GenerateResponse, Metrics, WireLogprob } from '../../api/index.js';
import {
  chatMessageSchema,
  chatRequestSchema,
  embedRequestSchema,
  generateRequestSchema,
} from '../../api/index.js';
import {
  AppError,
  type ChatInput,
  type ChatMessage,
  type CompletionInput,
  type InferenceResult,
  type OutputFormat,
  type RequestOptions,
} from '../../core/index.js';
import { parseDuration } from '../../lib/index.js';
import type { z } from 'zod';

type GenerateBody = z.output<typeof generateRequestSchema>;
type ChatBody = z.output<typeof chatRequestSchema>;
type EmbedBody = z.output<typeof embedRequestSchema>;

/** `keep_alive` in milliseconds (`Infinity` forever), or undefined when absent. */
export function keepAliveMs(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDuration(value);
  } catch (err) {
    throw new AppError('INVALID_REQUEST', `keep_alive: ${(err as Error).message}`, { cause: err });
  }
}

/** `format`: `"json"` → any JSON; a schema object → JSON matching it; `""`/absent → free text. */
export function outputFormat(format: GenerateBody['format']): OutputFormat | undefined {
  if (format === undefined || format === '') return undefined;
  if (format === 'json') return { type: 'json' };
  return { type: 'json_schema', schema: format };
}

function rejectImages(model: string, images: string[] | undefined): void {
  if (images !== undefined && images.length > 0) {
    throw new AppError('INVALID_REQUEST', `model "${model}" does not support images`);
  }
}

function options(body: { options?: Record<string, unknown> | undefined }): RequestOptions {
  return body.options ?? {};
}

/** What a `/api/generate` body asks for: a completion, or (empty prompt) a load or unload. */
export type GenerateIntent =
  | { kind: 'complete'; input: CompletionInput; stream: boolean }
  | { kind: 'load' | 'unload'; model: string; keepAliveMs: number | undefined; options: RequestOptions };

export function fromGenerateRequest(body: GenerateBody): GenerateIntent {
  rejectImages(body.model, body.images);
  const keepAlive = keepAliveMs(body.keep_alive);
  if ((body.prompt ?? '') === '' && body.suffix === undefined) {
    const kind = keepAlive === 0 ? 'unload' : 'load';
    return { kind, model: body.model, keepAliveMs: keepAlive, options: options(body) };
  }
  return {
    kind: 'complete',
    stream: body.stream !== false,
    input: {
      model: body.model,
      prompt: body.prompt ?? '',
      suffix: body.suffix,
      system: body.system,
      template: body.template,
      raw: body.raw,
      format: outputFormat(body.format),
      options: options(body),
      keepAliveMs: keepAlive,
      ...logprobsOf(body),
    },
  };
}

function fromWireMessage(m: z.output<typeof chatMessageSchema>): ChatMessage {
  const msg: ChatMessage = { role: m.role, content: m.content };
  if (m.tool_calls?.length) {
    msg.tool_calls = m.tool_calls.map((c) => ({ name: c.function.name, arguments: c.function.arguments }));
  }
  if (m.tool_name !== undefined) msg.tool_name = m.tool_name;
  return msg;
}

export type ChatIntent =
  | { kind: 'chat'; input: ChatInput; stream: boolean }
  | { kind: 'load' | 'unload'; model: string; keepAliveMs: number | undefined; options: RequestOptions };

export function fromChatRequest(body: ChatBody): ChatIntent {
  const messages = body.messages ?? [];
  for (const m of messages) rejectImages(body.model, m.images);
  const keepAlive = keepAliveMs(body.keep_alive);
  if (messages.length === 0) {
    return {
      kind: keepAlive === 0 ? 'unload' : 'load',
      model: body.model,
      keepAliveMs: keepAlive,
      options: options(body),
    };
  }
  return {
    kind: 'chat',
    stream: body.stream !== false,
    input: {
      model: body.model,
      messages: messages.map(fromWireMessage),
      ...chosenTools(body),
      format: outputFormat(body.format),
      options: options(body),
      keepAliveMs: keepAlive,
      ...logprobsOf(body),
    },
  };
}

/** `logprobs`/`top_logprobs` of a request as the core's option (absent unless `logprobs` is true). */
function logprobsOf(body: { logprobs?: boolean; top_logprobs?: number }): { logprobs?: { top: number } } {
  return body.logprobs === true ? { logprobs: { top: body.top_logprobs ?? 0 } } : {};
}

/** Core token log probabilities in Ollama's wire shape. */
export function wireLogprobs(r: InferenceResult): { logprobs?: WireLogprob[] } {
  if (r.logprobs === undefined) return {};
  return {
    logprobs: r.logprobs.map((l) => ({
      token: l.token,
      logprob: l.logprob,
      bytes: l.bytes,
      ...(l.top.length > 0 ? { top_logprobs: l.top } : {}),
    })),
  };
}

/** The tools offered, narrowed and forced by the `tool_choice` extension. */
function chosenTools(body: ChatBody): Pick<ChatInput, 'tools' | 'toolChoice'> {
  const choice = body.tool_choice ?? 'auto';
  const all = (body.tools ?? []).map((t) => ({
    name: t.function.name,
    description: t.function.description,
    parameters: t.function.parameters,
  }));
  if (choice === 'none' || all.length === 0) return {};
  if (choice === 'auto') return { tools: all };
  if (choice === 'required') return { tools: all, toolChoice: 'required' };
  const named = all.filter((t) => t.name === choice.function.name);
  if (named.length === 0) {
    throw new AppError('INVALID_REQUEST', `tool_choice: no tool named "${choice.function.name}"`);
  }
  return { tools: named, toolChoice: 'required' };
}

export function fromEmbedInput(body: EmbedBody): string[] {
  return typeof body.input === 'string' ? [body.input] : body.input;
}

const ns = (ms: number) => Math.round(ms * 1e6);

/** The statistics of a final chunk. */
export function metricsOf(r: InferenceResult): Metrics {
  return {
    total_duration: ns(r.totalMs),
    load_duration: ns(r.loadMs),
    prompt_eval_count: r.promptTokens,
    prompt_eval_duration: ns(r.promptEvalMs),
    eval_count: r.evalTokens,
    eval_duration: ns(r.evalMs),
    ...(r.draftTokens !== undefined && {
      draft_tokens: r.draftTokens,
      draft_accepted_tokens: r.draftAcceptedTokens ?? 0,
    }),
  };
}

export function generateChunk(model: string, text: string, now: Date): GenerateResponse {
  return { model, created_at: now.toISOString(), response: text, done: false };
}

export function generateFinal(r: InferenceResult, text: string): GenerateResponse {
  return {
    model: r.model,
    created_at: r.createdAt.toISOString(),
    response: text,
    ...wireLogprobs(r),
    done: true,
    done_reason: r.doneReason,
    ...metricsOf(r),
  };
}

export function chatChunk(model: string, text: string, now: Date): ChatResponse {
  return { model, created_at: now.toISOString(), message: { role: 'assistant', content: text }, done: false };
}

export function chatFinal(r: InferenceResult, text: string): ChatResponse {
  const message: ChatResponse['message'] = { role: 'assistant', content: text };
  if (r.toolCalls.length > 0) {
    message.tool_calls = r.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.arguments } }));
  }
  return {
    model: r.model,
    created_at: r.createdAt.toISOString(),
    message,
    ...wireLogprobs(r),
    done: true,
    done_reason: r.doneReason,
    ...metricsOf(r),
  };
}

/** Answer to an empty prompt / empty messages: the model was loaded or unloaded. */
export function lifecycleResponse(
  model: string,
  kind: 'load' | 'unload',
  chat: boolean,
): GenerateResponse | ChatResponse {
  const base = { model, created_at: new Date().toISOString(), done: true, done_reason: kind };
  return chat ? { ...base, message: { role: 'assistant', content: '' } } : { ...base, response: '' };
}
