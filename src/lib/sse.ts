/**
 * Server-sent events (WHATWG HTML §9.2): encode one event, and decode a byte stream into events. The decoder
 * follows the spec's field rules (`event`, `data` joined by newlines, comments starting with `:` ignored), so it
 * reads both Corral's named events and OpenAI's `data:`-only frames.
 */

/** One decoded event; `event` is `message` when the frame named none. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Encode an event with a JSON payload. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Decode a byte stream of server-sent events. Frames without `data` (heartbeats, comments) yield nothing. */
export async function* parseSse(stream: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let frame: { event?: string; data: string[]; id?: string } = { data: [] };
  const dispatch = (): SseEvent | undefined => {
    const out =
      frame.data.length === 0
        ? undefined
        : {
            event: frame.event ?? 'message',
            data: frame.data.join('\n'),
            ...(frame.id ? { id: frame.id } : {}),
          };
    frame = { data: [] };
    return out;
  };
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.search(/\r\n|\r|\n/);
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        const event = dispatch();
        if (event) yield event;
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') frame.event = value;
        else if (field === 'data') frame.data.push(value);
        else if (field === 'id') frame.id = value;
      }
      newline = buffer.search(/\r\n|\r|\n/);
    }
  }
}
