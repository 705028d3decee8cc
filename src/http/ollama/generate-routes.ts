/** `POST /api/generate` and `POST /api/chat`: parse → core inference → NDJSON stream or one JSON answer. */
import { Hono } from 'hono';
import { chatRequestSchema, generateRequestSchema } from '../../api/index.js';
import type { InferenceService, RequestOptions } from '../../core/index.js';
import type { AppDeps } from '../app-deps.js';
import { callerOf } from '../auth-context.js';
import { parseBody } from '../parse-body.js';
import { ndjsonFormat, streamResponse } from '../stream-response.js';
import {
  chatChunk,
  chatFinal,
  fromChatRequest,
  fromGenerateRequest,
  generateChunk,
  generateFinal,
  lifecycleResponse,
} from './translate.js';

interface Lifecycle {
  kind: 'load' | 'unload';
  model: string;
  keepAliveMs: number | undefined;
  options: RequestOptions;
}

/** Ollama's empty prompt: load the model (or unload it with `keep_alive: 0`). */
async function runLifecycle(inference: InferenceService, intent: Lifecycle): Promise<void> {
  if (intent.kind === 'unload') await inference.unload(intent.model);
  else await inference.load(intent.model, intent.keepAliveMs, intent.options);
}

export function generateRoutes({ inference, log }: AppDeps): Hono {
  const app = new Hono();
  const onLateError = (err: unknown) => log.warn({ err }, 'generation failed after streaming began');

  app.post('/api/generate', async (c) => {
    const body = await parseBody(c, generateRequestSchema);
    const intent = fromGenerateRequest(body);
    const caller = callerOf(c, body.timeout);
    if (intent.kind !== 'complete') {
      await runLifecycle(inference, intent);
      return c.json(lifecycleResponse(intent.model, intent.kind, false));
    }
    const { input } = intent;
    if (!intent.stream) {
      const result = await inference.complete(input, { signal: c.req.raw.signal, ...caller });
      return c.json(generateFinal(result, result.text));
    }
    return streamResponse(
      c.req.raw,
      ndjsonFormat,
      async (emit, signal) => {
        const onText = (text: string) => emit(generateChunk(input.model, text, new Date()));
        emit(generateFinal(await inference.complete(input, { signal, onText, ...caller }), ''));
      },
      onLateError,
    );
  });

  app.post('/api/chat', async (c) => {
    const body = await parseBody(c, chatRequestSchema);
    const intent = fromChatRequest(body);
    const caller = callerOf(c, body.timeout);
    if (intent.kind !== 'chat') {
      await runLifecycle(inference, intent);
      return c.json(lifecycleResponse(intent.model, intent.kind, true));
    }
    const { input } = intent;
    if (!intent.stream) {
      const result = await inference.chat(input, { signal: c.req.raw.signal, ...caller });
      return c.json(chatFinal(result, result.text));
    }
    return streamResponse(
      c.req.raw,
      ndjsonFormat,
      async (emit, signal) => {
        const onText = (text: string) => emit(chatChunk(input.model, text, new Date()));
        emit(chatFinal(await inference.chat(input, { signal, onText, ...caller }), ''));
      },
      onLateError,
    );
  });

  return app;
}
