/**
 * `POST /api/pull`, `POST /api/push` (Ollama's progress lines, NDJSON unless `stream: false`), and Corral's own
 * `GET /api/pulls` (recorded and recently finished pulls, for the console to show and resume) and `DELETE /api/pull` (cancel a pull
 * and remove its partial data). A client that disconnects stops its pull when no one else follows it; the
 * partial data stays, and pulling again resumes.
 */
import { Hono } from 'hono';
import {
  cancelPullRequestSchema,
  type PullEntry,
  pullRequestSchema,
  pushRequestSchema,
} from '../../api/index.js';
import type { PullProgress, PullStatus } from '../../store/index.js';
import type { AppDeps } from '../app-deps.js';
import { parseBody } from '../parse-body.js';
import { ndjsonFormat, streamResponse } from '../stream-response.js';

type Transfer = (emit: (p: PullProgress) => void, signal: AbortSignal) => Promise<void>;

/** The wire form of a recorded pull. */
export function toPullEntry(s: PullStatus): PullEntry {
  const { model, state, total, completed, startedAt, updatedAt, error } = s;
  return {
    model,
    state,
    total,
    completed,
    started_at: startedAt,
    updated_at: updatedAt,
    ...(error ? { error } : {}),
  };
}

export function pullRoutes({ puller, pusher, log, metrics, pullMonitor }: AppDeps): Hono {
  const app = new Hono();
  const respond = async (
    request: Request,
    stream: boolean | undefined,
    what: string,
    model: string,
    run: Transfer,
  ) => {
    if (stream === false) {
      await run(() => undefined, request.signal);
      return Response.json({ status: 'success' });
    }
    return streamResponse(request, ndjsonFormat, run, (err) =>
      log.warn({ err, model }, `${what} failed after streaming began`),
    );
  };

  app.post('/api/pull', async (c) => {
    const req = await parseBody(c, pullRequestSchema);
    const { model, insecure } = req;
    // The console's pull monitor follows it too (progress events on `GET /api/pulls/events`).
    return respond(c.req.raw, req.stream, 'pull', model, (emit, signal) =>
      pullMonitor.follow(model, (onProgress) =>
        puller.pull(model, {
          insecure,
          signal,
          onProgress: (p) => {
            metrics.pullProgress(p);
            onProgress(p);
            emit(p);
          },
        }),
      ),
    );
  });

  app.post('/api/push', async (c) => {
    const req = await parseBody(c, pushRequestSchema);
    const { model, insecure } = req;
    return respond(c.req.raw, req.stream, 'push', model, (emit, signal) =>
      pusher.push(model, { insecure, signal, onProgress: emit }),
    );
  });

  app.get('/api/pulls', async (c) => c.json(await pullMonitor.list()));

  app.delete('/api/pull', async (c) => {
    const req = await parseBody(c, cancelPullRequestSchema);
    await puller.cancel(req.model);
    return c.json({ status: 'cancelled' });
  });

  return app;
}
