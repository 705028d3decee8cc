/**
 * Live pull progress from the server-sent event stream `GET /api/pulls/events` (events `snapshot`, `progress`,
 * `done`, `failed`). `EventSource` reconnects by itself (and gets a fresh `snapshot`); `onStatus` tells the
 * page whether the stream is live.
 */
import type {
  PullDoneEvent,
  PullFailedEvent,
  PullProgressEvent,
  PullsResponse,
} from '../../../src/api/index.js';
import type { PullEvent } from './types.js';

export interface PullEventsHandle {
  close(): void;
}

export function subscribePulls(
  onEvent: (event: PullEvent) => void,
  onStatus: (connected: boolean, problem?: string) => void,
): PullEventsHandle {
  const source = new EventSource('/api/pulls/events', { withCredentials: true });
  const on = <T>(name: string, handle: (data: T) => PullEvent) => {
    source.addEventListener(name, (e) => {
      let data: T;
      try {
        data = JSON.parse((e as MessageEvent<string>).data) as T;
      } catch {
        // A malformed frame is a server bug; say so where the page shows the stream's state.
        onStatus(true, `malformed ${name} event from the server`);
        return;
      }
      onEvent(handle(data));
    });
  };
  on<PullsResponse>('snapshot', (d) => ({ type: 'snapshot', pulls: d.pulls }));
  on<PullProgressEvent>('progress', (d) => ({ type: 'progress', data: d }));
  on<PullDoneEvent>('done', (d) => ({ type: 'done', model: d.model }));
  on<PullFailedEvent>('failed', (d) => ({ type: 'failed', model: d.model, state: d.state, error: d.error }));
  source.onopen = () => onStatus(true);
  source.onerror = () => onStatus(false);
  return { close: () => source.close() };
}
