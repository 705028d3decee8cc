/**
 * `create`: Modelfile → layers → config → manifest, following Ollama's `server/create.go`.
 * Phase 1 parses and resolves every source and validates every GGUF without writing anything. Phase 2 runs
 * under the store's shared lock: blobs first (each atomic), then the config blob, then, once every referenced
 * blob is known to exist, the manifest last. A crash anywhere leaves at most unreferenced blobs, which GC removes.
 */
import { arch as cpuArch, platform } from 'node:process';
import {
  AppError,
  buildManifest,
  formatParameterCount,
  type Layer,
  LayerMediaType,
  type ModelConfig,
  type ModelName,
  manifestDigests,
} from '../core/index.js';
import { readGguf } from '../gguf/index.js';
import type { PutResult } from './blob-store.js';
import { type GgufSource, resolveAdapter, resolveFrom, type SourceContext } from './create-sources.js';
import type { ManifestStore } from './manifest-store.js';
import { type Parameters } from './model-parameters.js';
import { parseModelfile, summarizeModelfile } from './modelfile.js';

/** One progress event, in Ollama's `ProgressResponse` shape. */
export interface CreateProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

/** Options of `create`. */
export interface CreateOptions {
  /** Directory relative FROM/ADAPTER paths resolve against (the Modelfile's directory). */
  baseDir: string;
  /** Whether FROM/ADAPTER may name files on this machine (default true; HTTP callers need the admin role). */
  allowFiles?: boolean;
  onProgress?: (progress: CreateProgress) => void;
}

/** What create needs from the store. */
export interface CreateContext extends SourceContext {
  manifests: ManifestStore;
  /** Run `fn` holding the shared (blob-referencing) lock. */
  withWriteLock<T>(fn: () => Promise<T>): Promise<T>;
}

// Layer order in the manifest, as Ollama writes them; unknown media types go last.
const ORDER: string[] = [
  LayerMediaType.model,
  LayerMediaType.projector,
  LayerMediaType.adapter,
  LayerMediaType.template,
  LayerMediaType.system,
  LayerMediaType.params,
  LayerMediaType.license,
  LayerMediaType.messages,
];

/** Create (or replace) model `name` from Modelfile text. */
export async function createModel(
  ctx: CreateContext,
  name: ModelName,
  text: string,
  options: CreateOptions,
): Promise<void> {
  const progress = options.onProgress ?? (() => undefined);
  progress({ status: 'parsing modelfile' });
  const spec = summarizeModelfile(parseModelfile(text));
  const from = await resolveFrom(spec.from, ctx);
  const adapters: GgufSource[] = [];
  for (const a of spec.adapters) adapters.push(await resolveAdapter(a, ctx));

  await ctx.withWriteLock(async () => {
    const put = async (source: GgufSource, mediaType: string): Promise<Layer> => {
      const r =
        source.kind === 'blob'
          ? await blobResult(ctx, source.digest)
          : await copyFile(ctx, source.path, progress);
      announce(progress, r);
      return { mediaType, digest: r.digest, size: r.size };
    };
    const putText = async (mediaType: string, data: string): Promise<Layer> => {
      const r = await ctx.blobs.putBytes(data);
      announce(progress, r);
      return { mediaType, digest: r.digest, size: r.size };
    };

    let layers: Layer[];
    let config: ModelConfig;
    let baseParams: Parameters = {};
    if (from.kind === 'model') {
      const base = from.model;
      layers = base.manifest.layers.map((l) => ({ ...l, from: base.name.display }));
      for (const l of layers) announce(progress, { digest: l.digest, existed: true });
      const { rootfs: _rootfs, ...rest } = base.config;
      config = rest;
      baseParams = base.parameters;
    } else {
      layers = [await put(from, LayerMediaType.model)];
      config = configFor(from);
    }
    for (const a of adapters) layers.push(await put(a, LayerMediaType.adapter));
    const replace = async (mediaType: string, data: string): Promise<void> => {
      layers = layers.filter((l) => l.mediaType !== mediaType);
      layers.push(await putText(mediaType, data));
    };
    if (spec.template !== undefined) await replace(LayerMediaType.template, spec.template);
    if (spec.system !== undefined) await replace(LayerMediaType.system, spec.system);
    if (Object.keys(spec.parameters).length > 0) {
      await replace(LayerMediaType.params, sortedJson({ ...baseParams, ...spec.parameters }));
    }
    for (const license of spec.licenses) layers.push(await putText(LayerMediaType.license, license));
    if (spec.messages.length > 0) await replace(LayerMediaType.messages, JSON.stringify(spec.messages));
    layers = sortLayers(layers);

    const configBlob = await ctx.blobs.putBytes(
      JSON.stringify({ ...config, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }),
    );
    const manifest = buildManifest(configBlob, layers);
    // Under the shared lock no sweep runs, so blobs present now are still present when the manifest lands.
    for (const digest of manifestDigests(manifest)) {
      if (!(await ctx.blobs.has(digest))) {
        throw new AppError(
          'BLOB_NOT_FOUND',
          `cannot create ${name.display}: blob ${digest} disappeared (was the base model deleted?)`,
        );
      }
    }
    progress({ status: 'writing manifest' });
    await ctx.manifests.write(name, manifest);
  });
  progress({ status: 'success' });
}

/** Config for a model made from a GGUF file (Ollama `ConfigV2`). */
function configFor(source: GgufSource): ModelConfig {
  const d = source.described;
  return {
    model_format: 'gguf',
    model_family: d.architecture,
    model_families: [d.architecture],
    model_type: formatParameterCount(d.parameterCount),
    file_type: d.quantization,
    architecture: cpuArch === 'x64' ? 'amd64' : cpuArch,
    os: platform,
  };
}

async function copyFile(
  ctx: CreateContext,
  path: string,
  progress: (p: CreateProgress) => void,
): Promise<PutResult> {
  let digest = '';
  let lastPercent = -1;
  return ctx.blobs.putFile(path, {
    onHashed: (d) => void (digest = d),
    onProgress: (completed, total) => {
      const percent = total ? Math.floor((completed / total) * 100) : 0;
      if (percent === lastPercent) return;
      lastPercent = percent;
      progress({ status: `copying file ${digest}`, digest, total, completed });
    },
    // The file was validated before copying; validate the copy too, in case it changed in between.
    check: async (temp) => void (await readGguf(temp)),
  });
}

async function blobResult(ctx: CreateContext, digest: string): Promise<PutResult> {
  const size = await ctx.blobs.size(digest);
  if (size === undefined) throw new AppError('BLOB_NOT_FOUND', `blob ${digest} not found`);
  return { digest, size, existed: true };
}

function announce(progress: (p: CreateProgress) => void, r: { digest: string; existed: boolean }): void {
  progress({
    status: `${r.existed ? 'using existing' : 'creating new'} layer ${r.digest}`,
    digest: r.digest,
  });
}

function sortLayers(layers: Layer[]): Layer[] {
  const rank = (l: Layer): number => {
    const i = ORDER.indexOf(l.mediaType);
    return i < 0 ? ORDER.length : i;
  };
  return layers
    .map((l, i) => ({ l, i }))
    .sort((a, b) => rank(a.l) - rank(b.l) || a.i - b.i)
    .map(({ l }) => l);
}

function sortedJson(params: Parameters): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(params)
        .sort()
        .map((k) => [k, params[k]]),
    ),
  );
}
