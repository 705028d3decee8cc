/** Pull from an Ollama-style registry (Ollama `PullModel`): manifest, then blobs (config last), then the manifest. */
import type { Manifest } from '../../core/index.js';
import { fetchAndWrite, manifestWriter } from './fetch-layers.js';
import type { LayerRef, PullContext, PullJob } from './pull-job.js';

/** Every blob a manifest names, layers first and the config last, each digest once. */
export function manifestBlobs(manifest: Manifest): LayerRef[] {
  const seen = new Map<string, LayerRef>();
  for (const { digest, size } of [...manifest.layers, manifest.config]) {
    if (!seen.has(digest)) seen.set(digest, { digest, size });
  }
  return [...seen.values()];
}

/** Run a registry pull, emitting Ollama's progress statuses. */
export async function pullFromRegistry(ctx: PullContext, job: PullJob): Promise<void> {
  const target = { name: job.name, insecure: job.insecure };
  job.emit({ status: 'pulling manifest' });
  const { manifest, bytes } = await ctx.registry.manifest(target, job.signal);
  const layers = manifestBlobs(manifest);
  await job.setLayers(layers);
  await fetchAndWrite(
    ctx,
    job,
    layers,
    (digest) => ctx.registry.blobSources(target, digest),
    manifestWriter(job.name, manifest, bytes),
  );
  job.emit({ status: 'success' });
}
