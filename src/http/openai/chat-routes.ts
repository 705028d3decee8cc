/** `POST /v1/chat/completions` and `POST /v1/completions`: OpenAI requests onto the core inference calls. */
import { Hono } from 'hono';
import { openaiChatCompletionRequestSchema, openaiCompletionRequestSchema } from '../../api/index.js';
import type { AppDeps } from '../app-deps.js';
import { callerOf } from '../auth-context.js';
import { parseBody } from '../parse-body.js';
import { sseFormat } from '../sse-format.js';
import { streamResponse } from '../stream-response.js';
import { chatChunk, chatFinalChunks } from './translate-chat-stream.js';
import { fromChatCompletionRequest, toChatCompletion } from './translate-chat.js';
import {
  completionChunk,
  completionFinalChunks,
  fromCompletionRequest,
  toCompletion,
} from './translate-completion.js';
import { randomId, unixSeconds, type ChunkContext } from './translate-shared.js';

export function chatRoutes({ inference, log }: AppDeps): Hono {
  const app = new Hono();
  const onLateError = (err: unknown) => log.warn({ err }, 'generation failed after streaming began');
  const context = (model: string, prefix: string, includeUsage: boolean): ChunkContext => ({
    id: randomId(prefix),
    model,
    created: unixSeconds(new Date()),
    includeUsage,
  });

  app.post('/v1/chat/completions', async (c) => {
    const body = await parseBody(c, openaiChatCompletionRequestSchema);
    const plan = fromChatCompletionRequest(body);
    const caller = callerOf(c, body.timeout);
    if (!plan.stream) {
      const result = await inference.chat(plan.input, { signal: c.req.raw.signal, ...caller });
      return c.json(toChatCompletion(result, randomId('chatcmpl-')));
    }
    const ctx = context(plan.input.model, 'chatcmpl-', plan.includeUsage);
    return streamResponse(
      c.req.raw,
      sseFormat,
      async (emit, signal) => {
        let started = false;
        const onText = (text: string) => {
          if (!started) emit(chatChunk(ctx, { kind: 'start' }));
          started = true;
          emit(chatChunk(ctx, { kind: 'content', text }));
        };
        const result = await inference.chat(plan.input, { signal, onText, ...caller });
        if (!started) emit(chatChunk(ctx, { kind: 'start' }));
        for (const chunk of chatFinalChunks(ctx, result)) emit(chunk);
      },
      onLateError,
    );
  });

  app.post('/v1/completions', async (c) => {
    const body = await parseBody(c, openaiCompletionRequestSchema);
    const plan = fromCompletionRequest(body);
    const caller = callerOf(c, body.timeout);
    if (!plan.stream) {
      const result = await inference.complete(plan.input, { signal: c.req.raw.signal, ...caller });
      return c.json(toCompletion(result, randomId('cmpl-')));
    }
    const ctx = context(plan.input.model, 'cmpl-', plan.includeUsage);
    return streamResponse(
      c.req.raw,
      sseFormat,
      async (emit, signal) => {
        const onText = (text: string) => emit(completionChunk(ctx, { kind: 'text', text }));
        const result = await inference.complete(plan.input, { signal, onText, ...caller });
        for (const chunk of completionFinalChunks(ctx, result)) emit(chunk);
      },
      onLateError,
    );
  });

  return app;
}
