/**
 * `GET /api/system`: what the console's System page shows: versions, CPU, memory (narrowed by cgroup limits, as
 * the scheduler sees it), the model store's disk, and how many models are loaded. `gpus` stays empty: the server
 * process does not load node-llama-cpp (only runner processes do), and no GPU is reported that was not measured.
 */
import { Hono } from 'hono';
import { arch, cpus, platform } from 'node:os';
import type { SystemInfo } from '../../api/index.js';
import { SystemMemory } from '../../engine/index.js';
import { storeUsage } from '../../store/index.js';
import type { AppDeps } from '../app-deps.js';

export function systemRoute({ version, config, inference }: AppDeps): Hono {
  const app = new Hono();
  const memory = new SystemMemory();

  app.get('/api/system', async (c) => {
    const [mem, disk] = await Promise.all([memory.available(), storeUsage(config.models)]);
    const cpuList = cpus();
    const body: SystemInfo = {
      version,
      node: process.versions.node,
      platform: platform(),
      arch: arch(),
      uptime_s: Math.round(process.uptime()),
      cpu: { model: cpuList[0]?.model.trim() ?? 'unknown', cores: cpuList.length },
      memory: { total_bytes: mem.totalBytes, free_bytes: mem.freeBytes },
      gpus: [],
      store: {
        path: config.models,
        total_bytes: disk.totalBytes,
        free_bytes: disk.freeBytes,
        models_bytes: disk.modelsBytes,
      },
      loaded_models: inference.ps().length,
    };
    return c.json(body);
  });

  return app;
}
