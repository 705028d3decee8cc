/**
 * Pull a GGUF from Hugging Face and import it as a model: the file is downloaded with the same resumable,
 * verified machinery as registry blobs, then a config (from the GGUF's own metadata) and a manifest with the
 * file as its model layer are written. No TEMPLATE layer is added: the GGUF's embedded chat template is what
 * inference uses for such a model.
 */
import { AppError, buildManifest, LayerMediaType, type ModelConfig } from '../../core/index.js';
import { describeGguf, readGguf } from '../../gguf/index.js';
import { configFor } from '../create-model.js';
import { fetchAndWrite } from './fetch-layers.js';
import type { PullContext, PullJob } from './pull-job.js';

/** Config blob of a GGUF model, as `create` writes it (Ollama `ConfigV2`). */
export async function ggufModelConfig(path: string): Promise<ModelConfig> {
  const d = describeGguf(await readGguf(path));
  if (d.isAdapter) throw new AppError('INVALID_GGUF', `${path} is a LoRA adapter, not a model`);
  return configFor(d);
}

/** Run a Hugging Face pull, emitting Ollama's progress statuses. */
export async function pullFromHuggingFace(ctx: PullContext, job: PullJob): Promise<void> {
  job.emit({ status: 'pulling manifest' });
  const file = await ctx.huggingFace.resolve(job.name, job.signal);
  const { digest, size } = file;
  ctx.log.info(
    { model: job.name.toString(), file: `${file.repo}/${file.file}`, size },
    'resolved hugging face file',
  );
  await job.setLayers([{ digest, size }]);
  await fetchAndWrite(
    ctx,
    job,
    [{ digest, size }],
    () => [ctx.huggingFace.source(file)],
    async (lease) => {
      if (!(await lease.hasBlob(digest))) throw new AppError('BLOB_NOT_FOUND', `blob ${digest} vanished`);
      const config = await ggufModelConfig(ctx.store.blobPath(digest));
      const layer = { mediaType: LayerMediaType.model, digest, size };
      const configBlob = await lease.putBytes(
        JSON.stringify({ ...config, rootfs: { type: 'layers', diff_ids: [digest] } }),
      );
      await lease.writeManifest(job.name, buildManifest(configBlob, [layer]));
    },
  );
  job.emit({ status: 'success' });
}
