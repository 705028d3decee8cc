/**
 * Live pull progress from the server-sent event stream `GET /api/pulls/events` (events `snapshot`, `progress`,
 * `done`, `failed`). `EventSource` reconnects by itself; `onStatus` tells the page whether the stream is live.
 */
import type { PullEvent } from './types.js';

export interface PullEventsHandle {
  close(): void;
}

export function subscribePulls(
  onEvent: (event: PullEvent) => void,
  onStatus: (connected: boolean) => void,
): PullEventsHandle {
  const source = new EventSource('/api/pulls/events', { withCredentials: true });
  const on = (name: string, handle: (data: Record<string, unknown>) => PullEvent) => {
    source.addEventListener(name, (e) => {
      try {
        onEvent(handle(JSON.parse((e as MessageEvent<string>).data) as Record<string, unknown>));
      } catch (err) {
        // A malformed frame is the server's bug; report it where the page shows stream problems.
        onStatus(false);
        reportError(err);
      }
    });
  };
  on('snapshot', (d) => ({ type: 'snapshot', pulls: d.pulls as never }));
  on('progress', (d) => ({ type: 'progress', data: d as never }));
  on('done', (d) => ({ type: 'done', model: String(d.model) }));
  on('failed', (d) => ({
    type: 'failed',
    model: String(d.model),
    state: String(d.state ?? 'failed'),
    error: String(d.error),
  }));
  source.onopen = () => onStatus(true);
  source.onerror = () => onStatus(false);
  return { close: () => source.close() };
}
