/**
 * `POST /v1/messages`: Anthropic Messages requests onto the core chat call. The `anthropic-version` and
 * `anthropic-beta` headers are accepted and ignored; `x-api-key` authenticates like a bearer key (`authorize`).
 */
import { Hono } from 'hono';
import { anthropicMessagesRequestSchema } from '../../api/index.js';
import type { AppDeps } from '../app-deps.js';
import { callerOf } from '../auth-context.js';
import { anthropicErrorBody } from '../errors.js';
import { randomId } from '../openai/translate-shared.js';
import { parseBody } from '../parse-body.js';
import { typedSseFormat } from '../sse-format.js';
import { streamChatEvents } from '../stream-chat-events.js';
import { fromMessagesRequest } from './translate-request.js';
import { toMessage } from './translate-response.js';
import { MessageStreamEvents } from './translate-stream.js';

const anthropicSseFormat = typedSseFormat((err) => [anthropicErrorBody(err)]);

export function messagesRoute({ inference, log }: AppDeps): Hono {
  const app = new Hono();

  app.post('/v1/messages', async (c) => {
    const plan = fromMessagesRequest(await parseBody(c, anthropicMessagesRequestSchema));
    if (!plan.stream) {
      const result = await inference.chat(plan.input, { signal: c.req.raw.signal, ...callerOf(c) });
      return c.json(toMessage(result, randomId('msg_')));
    }
    const events = new MessageStreamEvents(randomId('msg_'), plan.input.model);
    return streamChatEvents(c, { inference, log }, plan.input, anthropicSseFormat, events);
  });

  return app;
}
