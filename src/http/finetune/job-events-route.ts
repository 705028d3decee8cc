/**
 * `GET /api/finetune/jobs/:id/events`: server-sent events for one job: a `snapshot` (the job with its loss
 * curve) on connect, then `job` (state changes), `progress`, `metric` and `log` events, a `: ping` comment every
 * 15 s; the stream ends after the job finishes (or at once when it already has).
 */
import { Hono } from 'hono';
import { FINISHED_JOB_STATES } from '../../api/index.js';
import type { AppDeps } from '../app-deps.js';
import { sseResponse } from '../sse-response.js';
import { jobView, metricView } from './finetune-views.js';

const PING_MS = 15_000;

export function jobEventsRoute({ finetune }: AppDeps): Hono {
  const app = new Hono();

  app.get('/api/finetune/jobs/:id/events', async (c) => {
    const job = await finetune.job(c.req.param('id'));
    const metrics = await finetune.metrics(job.id);
    return sseResponse(c.req.raw.signal, (sink) => {
      sink.send('snapshot', { ...jobView(job), metrics: metrics.map(metricView) });
      if (FINISHED_JOB_STATES.includes(job.state)) {
        sink.end();
        return () => undefined;
      }
      const ping = setInterval(() => sink.comment('ping'), PING_MS);
      const unsubscribe = finetune.events.subscribe(job.id, (e) => {
        if (e.type === 'job') {
          sink.send('job', jobView(e.job));
          if (FINISHED_JOB_STATES.includes(e.job.state)) sink.end();
        } else if (e.type === 'progress') sink.send('progress', e.progress);
        else if (e.type === 'metric') sink.send('metric', metricView(e.point));
        else if (e.type === 'log') sink.send('log', { line: e.line });
        else sink.end();
      });
      // The job may have finished between the read above and the subscription.
      void finetune
        .job(job.id)
        .then((latest) => {
          if (FINISHED_JOB_STATES.includes(latest.state)) {
            sink.send('job', jobView(latest));
            sink.end();
          }
        })
        .catch(() => sink.end());
      return () => {
        clearInterval(ping);
        unsubscribe();
      };
    });
  });

  return app;
}
