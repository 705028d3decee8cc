/** Server-sent events as OpenAI streams them: `data: {json}` frames, errors as an error frame, then `[DONE]`. */
import type { AppError } from '../core/index.js';
import { errorBody } from './errors.js';
import type { StreamFormat } from './stream-response.js';

export const sseFormat: StreamFormat = {
  contentType: 'text/event-stream',
  encode: (value) => `data: ${JSON.stringify(value)}\n\n`,
  encodeError: (err) => `data: ${JSON.stringify(errorBody(err, 'openai'))}\n\n`,
  end: 'data: [DONE]\n\n',
};

/** One event named by its `type` field: `event: <type>` then `data: {json}`. */
function typedEvent(value: unknown): string {
  const type = (value as { type?: unknown }).type;
  const name = typeof type === 'string' ? `event: ${type}\n` : '';
  return `${name}data: ${JSON.stringify(value)}\n\n`;
}

/**
 * Server-sent events named after their `type`, as Anthropic's Messages and OpenAI's Responses streams send them
 * (no `[DONE]`); a late error is the event(s) `errorEvents` makes of it.
 */
export function typedSseFormat(errorEvents: (err: AppError) => unknown[]): StreamFormat {
  return {
    contentType: 'text/event-stream',
    encode: typedEvent,
    encodeError: (err) => errorEvents(err).map(typedEvent).join(''),
  };
}
