/**
 * A model as the store holds it: its manifest resolved into the things callers need (config, GGUF path,
 * template, system prompt, parameters, messages, licenses). Text layers are small; reading one larger than
 * {@link MAX_TEXT_LAYER} bytes is refused as corruption rather than loaded into memory.
 */
import { readFile } from 'node:fs/promises';
import type { ModelDetails } from '../api/index.js';
import {
  AppError,
  type Layer,
  LayerMediaType,
  type Manifest,
  type ModelConfig,
  type ModelName,
  manifestSize,
  parseModelConfig,
} from '../core/index.js';
import type { BlobStore } from './blob-store.js';
import { isNotFound } from './fs-util.js';
import type { StoredManifest } from './manifest-store.js';
import { type Parameters, parametersSchema } from './model-parameters.js';
import type { ModelMessage } from './modelfile.js';

/** Largest template/system/params/messages/license/config blob read into memory. */
export const MAX_TEXT_LAYER = 16 * 1024 * 1024;

/** A model in the list: what `/api/tags` shows. */
export interface ModelSummary {
  name: ModelName;
  manifest: Manifest;
  /** sha256 of the manifest bytes. */
  digest: string;
  /** Config plus every layer, in bytes. */
  size: number;
  modifiedAt: Date;
  details: ModelDetails;
}

/** A model resolved from its manifest. */
export interface StoredModel extends ModelSummary {
  config: ModelConfig;
  /** Digest and path of the GGUF model layer (`undefined` for a manifest without one). */
  modelDigest: string | undefined;
  modelPath: string | undefined;
  adapterPaths: string[];
  projectorPaths: string[];
  template: string | undefined;
  system: string | undefined;
  parameters: Parameters;
  messages: ModelMessage[];
  licenses: string[];
}

/** Read the config blob and compute the summary of a stored manifest. */
export async function loadSummary(
  blobs: BlobStore,
  stored: StoredManifest,
): Promise<ModelSummary & { config: ModelConfig }> {
  const { manifest } = stored;
  const config = parseModelConfig(
    await readTextBlob(blobs, stored.name, manifest.config.digest),
    manifest.config.digest,
  );
  const model = manifest.layers.find((l) => l.mediaType === LayerMediaType.model);
  const details: ModelDetails = {
    parent_model: model?.from ?? '',
    format: config.model_format ?? '',
    family: config.model_family ?? '',
    families: config.model_families ?? null,
    parameter_size: config.model_type ?? '',
    quantization_level: config.file_type ?? '',
  };
  return {
    name: stored.name,
    manifest,
    digest: stored.digest,
    size: manifestSize(manifest),
    modifiedAt: stored.modifiedAt,
    details,
    config,
  };
}

/** Resolve every layer of a stored manifest. Throws `STORE_CORRUPT` when a layer's blob is missing or malformed. */
export async function loadStoredModel(blobs: BlobStore, stored: StoredManifest): Promise<StoredModel> {
  const summary = await loadSummary(blobs, stored);
  const layers = stored.manifest.layers;
  const of = (type: string): Layer[] => layers.filter((l) => l.mediaType === type);
  const text = (l: Layer): Promise<string> => readTextBlob(blobs, stored.name, l.digest);
  const last = async (type: string): Promise<string | undefined> => {
    const found = of(type).at(-1);
    return found === undefined ? undefined : text(found);
  };
  const model = of(LayerMediaType.model).at(-1);
  let parameters: Parameters = {};
  const paramsText = await last(LayerMediaType.params);
  if (paramsText !== undefined)
    parameters = parseJsonLayer(paramsText, stored.name, 'params', (v) => parametersSchema.parse(v));
  let messages: ModelMessage[] = [];
  const messagesText = await last(LayerMediaType.messages);
  if (messagesText !== undefined)
    messages = parseJsonLayer(messagesText, stored.name, 'messages', parseMessages);
  return {
    ...summary,
    modelDigest: model?.digest,
    modelPath: model === undefined ? undefined : blobs.path(model.digest),
    adapterPaths: of(LayerMediaType.adapter).map((l) => blobs.path(l.digest)),
    projectorPaths: of(LayerMediaType.projector).map((l) => blobs.path(l.digest)),
    template: await last(LayerMediaType.template),
    system: await last(LayerMediaType.system),
    parameters,
    messages,
    licenses: await Promise.all(of(LayerMediaType.license).map(text)),
  };
}

/** Read a small blob as UTF-8 text. */
export async function readTextBlob(blobs: BlobStore, owner: ModelName, digest: string): Promise<string> {
  const size = await blobs.size(digest);
  if (size === undefined) {
    throw new AppError('STORE_CORRUPT', `model ${owner.display} references missing blob ${digest}`, {
      details: { model: owner.toString(), digest },
    });
  }
  if (size > MAX_TEXT_LAYER) {
    throw new AppError(
      'STORE_CORRUPT',
      `model ${owner.display}: text layer ${digest} is ${size} bytes, too large`,
    );
  }
  try {
    return await readFile(blobs.path(digest), 'utf8');
  } catch (err) {
    if (isNotFound(err))
      throw new AppError('STORE_CORRUPT', `model ${owner.display} references missing blob ${digest}`, {
        cause: err,
      });
    throw err;
  }
}

function parseMessages(value: unknown): ModelMessage[] {
  if (!Array.isArray(value)) throw new Error('expected an array');
  return value.map((m: unknown) => {
    const { role, content } = (m ?? {}) as Record<string, unknown>;
    if (typeof role !== 'string' || typeof content !== 'string')
      throw new Error('expected {role, content} strings');
    return { role: role as ModelMessage['role'], content };
  });
}

function parseJsonLayer<T>(text: string, owner: ModelName, what: string, parse: (v: unknown) => T): T {
  try {
    return parse(JSON.parse(text));
  } catch (err) {
    throw new AppError('STORE_CORRUPT', `model ${owner.display}: ${what} layer is malformed`, { cause: err });
  }
}
