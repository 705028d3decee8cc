/** `GET /api/ps`: the loaded models, in Ollama's shape. */
import { Hono } from 'hono';
import type { RunningModel } from '../../api/index.js';
import type { AppDeps } from '../app-deps.js';

/** Far-future expiry Ollama reports for models kept loaded forever. */
const FOREVER = '2318-01-01T00:00:00Z';

export function psRoute({ inference, store }: AppDeps): Hono {
  const app = new Hono();
  app.get('/api/ps', async (c) => {
    const models: RunningModel[] = [];
    for (const m of inference.ps()) {
      const stored = await store.get(m.displayName);
      if (stored === undefined) continue; // deleted while loaded: it unloads when idle
      models.push({
        name: m.displayName,
        model: m.displayName,
        size: m.sizeBytes,
        digest: m.modelKey.replace(/^sha256:/, ''),
        details: stored.details,
        expires_at: m.expiresAt === null ? FOREVER : m.expiresAt.toISOString(),
        size_vram: m.vramBytes,
        context_length: m.contextSize,
      });
    }
    return c.json({ models });
  });
  return app;
}
