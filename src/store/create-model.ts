/**
 * `create`: Modelfile → layers → config → manifest, following Ollama's `server/create.go`.
 * Phase 1 parses and resolves every source and validates every GGUF without writing anything. Phase 2 runs
 * under the store's shared lock: blobs first (each atomic), then the config blob, then, once every referenced
 * blob is known to exist, the manifest last. A crash anywhere leaves at most unreferenced blobs, which GC removes.
 */
import { rm } from 'node:fs/promises';
import { arch as cpuArch, platform } from 'node:process';
import {
  convertHfModel,
  convertPeftAdapter,
  type LoraBase,
  OUTPUT_TYPES,
  parseOutputType,
  type OutputType,
} from '../convert/index.js';
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
import { describeGguf, readGguf } from '../gguf/index.js';
import { tempPathIn } from './atomic-file.js';
import type { PutResult } from './blob-store.js';
import {
  type AdapterSource,
  type FromSource,
  type GgufSource,
  resolveAdapter,
  resolveFrom,
  type SourceContext,
} from './create-sources.js';
import { checkUploadedFiles, type UploadedFile, withUploadedFolder } from './create-uploaded-folder.js';
import { checkDraftForCreate } from './draft-model.js';
import type { ModelDetails } from '../gguf/index.js';
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
  /**
   * Weight type when FROM is a Hugging Face folder (Ollama's create `quantize` field): `f32`, `f16` (default),
   * `bf16`, `q8_0` or `q4_0`. Re-quantizing a GGUF file is not supported.
   */
  quantize?: string;
  /** Record GGUF files named by path in place (a link, verified before each load) instead of copying them. */
  link?: boolean;
  /**
   * FROM as uploaded blobs: a Hugging Face model folder's files (Ollama's create `files` map, name → digest),
   * converted like a folder path; the Modelfile's FROM is then only a label for messages. Needs no file access on
   * the server.
   */
  fromFiles?: Readonly<Record<string, string>>;
  /** One more ADAPTER as uploaded blobs: a PEFT folder's files (`adapter_config.json`, `adapter_model.safetensors`). */
  adapterFiles?: Readonly<Record<string, string>>;
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
  // Uploaded folders are checked before the first progress line, so a bad map gets a real HTTP status.
  const fromFiles =
    options.fromFiles === undefined
      ? undefined
      : await checkUploadedFiles('files', options.fromFiles, 'config.json', ctx.blobs);
  const adapterFiles =
    options.adapterFiles === undefined
      ? undefined
      : await checkUploadedFiles('adapters', options.adapterFiles, 'adapter_config.json', ctx.blobs);
  progress({ status: 'parsing modelfile' });
  const spec = summarizeModelfile(parseModelfile(text));
  const from: FromSource | { kind: 'hf-files'; files: UploadedFile[] } =
    fromFiles === undefined ? await resolveFrom(spec.from, ctx) : { kind: 'hf-files', files: fromFiles };
  const outputType = outputTypeFor(options.quantize, from.kind === 'hf-folder' || from.kind === 'hf-files');
  const adapters: (AdapterSource | { kind: 'peft-files'; files: UploadedFile[] })[] = [];
  for (const a of spec.adapters) adapters.push(await resolveAdapter(a, ctx));
  if (adapterFiles !== undefined) adapters.push({ kind: 'peft-files', files: adapterFiles });
  // A draft model (speculative decoding) must exist and share the model's vocabulary: checked before writing,
  // except for a converted model, whose GGUF exists only after conversion.
  const params = from.kind === 'model' ? { ...from.model.parameters, ...spec.parameters } : spec.parameters;
  const checkDraft = await checkDraftForCreate(name.display, params, (n) => ctx.getModel(n));
  if (checkDraft && (from.kind === 'file' || from.kind === 'blob')) checkDraft(from.gguf);
  if (checkDraft && from.kind === 'model' && from.model.modelPath !== undefined)
    checkDraft(await readGguf(from.model.modelPath));

  await ctx.withWriteLock(async () => {
    const put = async (source: GgufSource, mediaType: string): Promise<Layer> => {
      const r =
        source.kind === 'blob'
          ? await blobResult(ctx, source.digest)
          : options.link === true
            ? await ctx.blobs.link(source.path)
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
    } else if (from.kind === 'hf-folder' || from.kind === 'hf-files') {
      const type = outputType ?? 'F16';
      const converted =
        from.kind === 'hf-folder'
          ? await convertFolder(ctx, from.path, type, progress)
          : await withUploadedFolder(ctx.blobs, from.files, (dir) =>
              convertFolder(ctx, dir, type, progress, name.model),
            );
      layers = [{ mediaType: LayerMediaType.model, digest: converted.digest, size: converted.size }];
      config = converted.config;
      checkDraft?.(await readGguf(ctx.blobs.path(converted.digest)));
    } else {
      layers = [await put(from, LayerMediaType.model)];
      config = configFor(from);
    }
    let base: LoraBase | undefined;
    for (const a of adapters) {
      if (a.kind === 'file' || a.kind === 'blob') {
        layers.push(await put(a, LayerMediaType.adapter));
        continue;
      }
      base ??= await loraBase(ctx, layers, spec.from);
      const b = base;
      const r =
        a.kind === 'peft-folder'
          ? await convertAdapter(ctx, a.path, b, progress)
          : await withUploadedFolder(ctx.blobs, a.files, (dir) =>
              convertAdapter(ctx, dir, b, progress, `${name.model}-adapter`),
            );
      layers.push({ mediaType: LayerMediaType.adapter, digest: r.digest, size: r.size });
    }
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

// The `quantize` option, checked before anything is written.
function outputTypeFor(quantize: string | undefined, fromFolder: boolean): OutputType | undefined {
  if (quantize === undefined || quantize === '') return undefined;
  const type = parseOutputType(quantize);
  if (type === undefined)
    throw new AppError(
      'INVALID_REQUEST',
      `quantize ${JSON.stringify(quantize)} is not supported (supported: ${OUTPUT_TYPES.map((t) => t.toLowerCase()).join(', ')})`,
    );
  if (!fromFolder)
    throw new AppError(
      'INVALID_REQUEST',
      'quantize applies when FROM is a Hugging Face model folder; re-quantizing a GGUF model is not supported yet',
    );
  return type;
}

/**
 * Converts a Hugging Face folder into a temp file in the blob directory (under the shared lock, so no sweep removes
 * it), validates it with our reader, and stores it as a blob; the temp file is removed whatever happens.
 */
async function convertFolder(
  ctx: CreateContext,
  path: string,
  outputType: OutputType,
  progress: (p: CreateProgress) => void,
  name?: string,
): Promise<PutResult & { config: ModelConfig }> {
  const temp = tempPathIn(ctx.blobs.dir, 'convert.gguf');
  try {
    progress({ status: 'converting model', total: 0, completed: 0 });
    await convertHfModel(path, temp, {
      outputType,
      ...(name === undefined ? {} : { name }),
      onProgress: percentProgress('converting model', progress),
    });
    const described = describeGguf(await readGguf(temp));
    const r = await copyFile(ctx, temp, progress);
    announce(progress, r);
    return { ...r, config: configFor(described) };
  } finally {
    await rm(temp, { force: true });
  }
}

// Progress events at most once per percent.
function percentProgress(
  status: string,
  progress: (p: CreateProgress) => void,
): (completed: number, total: number) => void {
  let lastPercent = -1;
  return (completed, total) => {
    const percent = total ? Math.floor((completed / total) * 100) : 100;
    if (percent === lastPercent) return;
    lastPercent = percent;
    progress({ status, total, completed });
  };
}

// The base a PEFT adapter is converted for: the model layer already stored (copied, linked or converted).
async function loraBase(ctx: CreateContext, layers: Layer[], label: string): Promise<LoraBase> {
  const model = layers.find((l) => l.mediaType === LayerMediaType.model);
  if (model === undefined)
    throw new AppError('INVALID_REQUEST', `FROM ${label} has no model layer to convert the adapter for`);
  return { gguf: await readGguf(ctx.blobs.path(model.digest)), label };
}

/** Converts a PEFT adapter folder for `base` into a temp file in the blob directory and stores it as a blob. */
async function convertAdapter(
  ctx: CreateContext,
  path: string,
  base: LoraBase,
  progress: (p: CreateProgress) => void,
  name?: string,
): Promise<PutResult> {
  const temp = tempPathIn(ctx.blobs.dir, 'adapter.gguf');
  try {
    progress({ status: 'converting adapter', total: 0, completed: 0 });
    await convertPeftAdapter(path, temp, base, {
      ...(name === undefined ? {} : { name }),
      onProgress: percentProgress('converting adapter', progress),
    });
    const r = await copyFile(ctx, temp, progress);
    announce(progress, r);
    return r;
  } finally {
    await rm(temp, { force: true });
  }
}

/** Config for a model made from a GGUF file (Ollama `ConfigV2`); pulls from Hugging Face write the same. */
export function configFor(source: GgufSource | ModelDetails): ModelConfig {
  const d = 'described' in source ? source.described : source;
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
