/** `POST /v1/responses`: stateless OpenAI Responses requests onto the core chat call. */
import { Hono } from 'hono';
import { openaiResponsesRequestSchema } from '../../api/index.js';
import type { AppDeps } from '../app-deps.js';
import { callerOf } from '../auth-context.js';
import { parseBody } from '../parse-body.js';
import { typedSseFormat } from '../sse-format.js';
import { streamChatEvents } from '../stream-chat-events.js';
import { ResponseStreamEvents } from './translate-responses-stream.js';
import { fromResponsesRequest, toResponse, type ResponseContext } from './translate-responses.js';
import { randomId, unixSeconds } from './translate-shared.js';

export function responsesRoute({ inference, log }: AppDeps): Hono {
  const app = new Hono();

  app.post('/v1/responses', async (c) => {
    const plan = fromResponsesRequest(await parseBody(c, openaiResponsesRequestSchema));
    const ctx: ResponseContext = {
      id: randomId('resp_'),
      createdAt: unixSeconds(new Date()),
      model: plan.input.model,
      echo: plan.echo,
    };
    if (!plan.stream) {
      const result = await inference.chat(plan.input, { signal: c.req.raw.signal, ...callerOf(c) });
      return c.json(toResponse(result, ctx));
    }
    const events = new ResponseStreamEvents(ctx);
    const format = typedSseFormat((err) => events.fail(err));
    return streamChatEvents(c, { inference, log }, plan.input, format, events);
  });

  return app;
}
