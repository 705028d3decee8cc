/**
 * Live events of one fine-tuning job (`GET /api/finetune/jobs/:id/events`: `snapshot`, then `job`, `progress`,
 * `metric`, `log`). The server ends the stream once the job has finished, so this reads it with the typed
 * client rather than `EventSource`, which would reconnect to a finished job every few seconds. A stream that
 * breaks while the job is still queued or running is reopened (with a growing pause, and a fresh snapshot);
 * a refusal (404: the job was deleted, 403) is reported and ends it.
 */
import { ApiError } from '../../../src/api/api-error.js';
import { FINISHED_JOB_STATES, type FinetuneEvent } from '../../../src/api/finetune.js';
import { client, errorText } from './api.js';

export type StreamState = 'connecting' | 'live' | 'ended' | 'reconnecting';

export interface JobStreamHandle {
  close(): void;
}

const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 30_000;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

export function followJob(
  id: string,
  onEvent: (event: FinetuneEvent) => void,
  onState: (state: StreamState, problem?: string) => void,
): JobStreamHandle {
  const controller = new AbortController();
  const { signal } = controller;
  let finished = false;
  let wait = FIRST_PAUSE_MS;

  const handle = (event: FinetuneEvent) => {
    // Frames already read when the page closed the stream still arrive: drop them.
    if (signal.aborted) return;
    if (event.event === 'snapshot') {
      wait = FIRST_PAUSE_MS;
      onState('live');
    }
    if (event.event === 'snapshot' || event.event === 'job')
      finished = FINISHED_JOB_STATES.includes(event.data.state);
    onEvent(event);
  };

  const run = async () => {
    onState('connecting');
    while (!signal.aborted) {
      try {
        await client.finetuneEvents(id, handle, signal);
        if (signal.aborted) return;
        if (finished) return onState('ended');
        // Ended early: the server is restarting (it closes live streams on shutdown).
        onState('reconnecting');
      } catch (err) {
        if (signal.aborted) return;
        const refused = err instanceof ApiError && err.status >= 400 && err.status < 500;
        onState(refused ? 'ended' : 'reconnecting', errorText(err));
        if (refused) return;
      }
      await pause(wait, signal);
      wait = Math.min(wait * 2, LONGEST_PAUSE_MS);
    }
  };
  void run();
  return { close: () => controller.abort() };
}
