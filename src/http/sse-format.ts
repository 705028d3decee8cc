/** Server-sent events as OpenAI streams them: `data: {json}` frames, errors as an error frame, then `[DONE]`. */
import { errorBody } from './errors.js';
import type { StreamFormat } from './stream-response.js';

export const sseFormat: StreamFormat = {
  contentType: 'text/event-stream',
  encode: (value) => `data: ${JSON.stringify(value)}\n\n`,
  encodeError: (err) => `data: ${JSON.stringify(errorBody(err, 'openai'))}\n\n`,
  end: 'data: [DONE]\n\n',
};
