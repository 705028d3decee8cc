/** `GET /api/hf/files?repo=user/repo`: the GGUF files a Hugging Face repository offers, for the pull dialog. */
import { Hono } from 'hono';
import { type HfFilesResponse, hfFilesQuerySchema } from '../../api/index.js';
import { listHfRepoFiles } from '../../store/index.js';
import type { AppDeps } from '../app-deps.js';
import { parseQuery } from '../parse-body.js';

export function hfRoute({ config }: AppDeps): Hono {
  const app = new Hono();

  app.get('/api/hf/files', async (c) => {
    const query = parseQuery(c, hfFilesQuerySchema);
    const { repo } = query;
    const listed = await listHfRepoFiles(repo, {
      endpoint: config.hfEndpoint,
      token: config.hfToken,
      signal: c.req.raw.signal,
    });
    const body: HfFilesResponse = {
      repo,
      files: listed.files.map((f) => ({ path: f.path, size: f.size ?? null, quant: f.quant ?? null })),
      default_quant: listed.defaultQuant ?? null,
    };
    return c.json(body);
  });

  return app;
}
