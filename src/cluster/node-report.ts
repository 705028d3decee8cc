/**
 * Builds the report a node sends with each heartbeat from the parts `server.ts` already has: loaded models and
 * queue from the scheduler (as `GET /api/ps` and `GET /api/queue` show them), stored models from the model store,
 * free memory from the memory probe (as `GET /api/system`). Free VRAM is `null`: the server process does not load
 * node-llama-cpp (only runners do), and nothing is reported that was not measured.
 */
import type { InferenceService, MemoryProbe, Scheduler } from '../core/index.js';
import type { NodeReport } from '../db/index.js';
import type { ModelStore } from '../store/index.js';

/** What {@link createNodeReporter} reads. */
export interface NodeReportSources {
  inference: Pick<InferenceService, 'ps' | 'requests'>;
  scheduler: Pick<Scheduler, 'waiting'>;
  store: Pick<ModelStore, 'list'>;
  memory: MemoryProbe;
}

/** A function that takes a fresh {@link NodeReport} each time it is called. */
export function createNodeReporter(sources: NodeReportSources): () => Promise<NodeReport> {
  return async () => {
    const [stored, memory] = await Promise.all([sources.store.list(), sources.memory.available()]);
    return {
      loadedModels: sources.inference.ps().map((m) => ({
        name: m.displayName,
        modelKey: m.modelKey,
        sizeBytes: m.sizeBytes,
        vramBytes: m.vramBytes,
        activeRequests: m.activeRequests,
        expiresAt: m.expiresAt === null ? null : m.expiresAt.toISOString(),
      })),
      storedModels: stored.map((m) => m.name.display),
      queueDepth: sources.scheduler.waiting,
      inFlight: sources.inference.requests.list().length,
      freeMemoryBytes: memory.freeBytes,
      freeVramBytes: null,
    };
  };
}
