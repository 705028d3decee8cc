/**
 * A streamed chat turn for dialects whose stream is a sequence of typed events (Anthropic Messages, OpenAI
 * Responses): the translator turns each piece of text, then the final result, into events.
 */
import type { Context } from 'hono';
import type { ChatInput, InferenceResult, InferenceService, Logger } from '../core/index.js';
import { callerOf } from './auth-context.js';
import { streamResponse, type StreamFormat } from './stream-response.js';

/** Turns generation progress into a dialect's stream events. */
export interface ChatEventTranslator {
  text(text: string): unknown[];
  finish(result: InferenceResult): unknown[];
}

export function streamChatEvents(
  c: Context,
  deps: { inference: InferenceService; log: Logger },
  input: ChatInput,
  format: StreamFormat,
  events: ChatEventTranslator,
): Promise<Response> {
  return streamResponse(
    c.req.raw,
    format,
    async (emit, signal) => {
      const onText = (text: string) => events.text(text).forEach(emit);
      const result = await deps.inference.chat(input, { signal, onText, ...callerOf(c) });
      events.finish(result).forEach(emit);
    },
    (err) => deps.log.warn({ err }, 'generation failed after streaming began'),
  );
}
