/**
 * Model manifests and their config blob, in the OCI/Docker v2 shape Ollama writes under
 * `manifests/<host>/<namespace>/<model>/<tag>` (see Ollama `manifest/manifest.go`, `types/model/config.go`).
 * Manifests read from disk or a registry are untrusted: validate them with {@link parseManifest}.
 */
import { z } from 'zod';
import { AppError } from './errors.js';

/** Media type of the manifest itself. */
export const MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
/** Media type of the config blob. */
export const CONFIG_MEDIA_TYPE = 'application/vnd.docker.container.image.v1+json';

/** Layer media types Ollama defines; manifests may carry others (kept, but not interpreted). */
export const LayerMediaType = {
  model: 'application/vnd.ollama.image.model',
  params: 'application/vnd.ollama.image.params',
  template: 'application/vnd.ollama.image.template',
  system: 'application/vnd.ollama.image.system',
  adapter: 'application/vnd.ollama.image.adapter',
  license: 'application/vnd.ollama.image.license',
  messages: 'application/vnd.ollama.image.messages',
  projector: 'application/vnd.ollama.image.projector',
} as const;

/** One of the known layer media types. */
export type KnownLayerMediaType = (typeof LayerMediaType)[keyof typeof LayerMediaType];

const digestSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 lowercase hex>');
const sizeSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** Schema of a layer descriptor. `from` names the model a layer was inherited from (Ollama's `Layer.From`). */
export const layerSchema = z.object({
  mediaType: z.string().min(1).max(255),
  digest: digestSchema,
  size: sizeSchema,
  from: z.string().max(1000).optional(),
});

/** Schema of a manifest as stored on disk; unknown top-level fields (annotations…) are tolerated. */
export const manifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(MANIFEST_MEDIA_TYPE),
  config: z.object({ mediaType: z.string().min(1), digest: digestSchema, size: sizeSchema }),
  layers: z.array(layerSchema).max(10_000),
});

/** A layer descriptor. */
export type Layer = z.infer<typeof layerSchema>;
/** A validated manifest. */
export type Manifest = z.infer<typeof manifestSchema>;

/**
 * Schema of the config blob. Every field is optional when reading (older Ollama versions wrote fewer), extra
 * fields (`renderer`, `capabilities`, …) are kept.
 */
export const modelConfigSchema = z.looseObject({
  model_format: z.string().optional(),
  model_family: z.string().optional(),
  model_families: z.array(z.string()).nullish(),
  model_type: z.string().optional(),
  file_type: z.string().optional(),
  architecture: z.string().optional(),
  os: z.string().optional(),
  rootfs: z.object({ type: z.string(), diff_ids: z.array(z.string()).nullish() }).optional(),
});

/** The config blob's JSON. */
export type ModelConfig = z.infer<typeof modelConfigSchema>;

/** Parse and validate manifest bytes. Throws `STORE_CORRUPT` naming `source` when malformed. */
export function parseManifest(bytes: Uint8Array | string, source: string): Manifest {
  return parseJsonWith(manifestSchema, bytes, `manifest ${source}`);
}

/** Parse and validate a config blob. Throws `STORE_CORRUPT` naming `source` when malformed. */
export function parseModelConfig(bytes: Uint8Array | string, source: string): ModelConfig {
  return parseJsonWith(modelConfigSchema, bytes, `config ${source}`);
}

/** Build a manifest from its config descriptor and layers. */
export function buildManifest(config: { digest: string; size: number }, layers: readonly Layer[]): Manifest {
  return {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: { mediaType: CONFIG_MEDIA_TYPE, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ ...l })),
  };
}

/** Every blob digest a manifest references: the config first, then the layers (duplicates removed). */
export function manifestDigests(manifest: Manifest): string[] {
  return [...new Set([manifest.config.digest, ...manifest.layers.map((l) => l.digest)])];
}

/** Total bytes of a model as Ollama reports it: config plus every layer. */
export function manifestSize(manifest: Manifest): number {
  return manifest.layers.reduce((sum, l) => sum + l.size, manifest.config.size);
}

/**
 * Parameter count in Ollama's short form (`format.HumanNumber`): `8.0B` style with one decimal for billions,
 * two for millions (`1.24M`, whole numbers without decimals: `7B`, `3M`), `K` without decimals.
 */
export function formatParameterCount(count: number): string {
  const whole = (n: number, digits: number, unit: string): string =>
    `${Number.isInteger(n) ? n.toFixed(0) : n.toFixed(digits)}${unit}`;
  if (count >= 1e9) return whole(count / 1e9, 1, 'B');
  if (count >= 1e6) return whole(count / 1e6, 2, 'M');
  if (count >= 1e3) return `${(count / 1e3).toFixed(0)}K`;
  return String(Math.max(0, Math.floor(count)));
}

function parseJsonWith<T>(schema: z.ZodType<T>, bytes: Uint8Array | string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes));
  } catch (err) {
    throw new AppError('STORE_CORRUPT', `${what} is not valid JSON`, { cause: err });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    throw new AppError('STORE_CORRUPT', `${what} is invalid (${where})`, { cause: result.error });
  }
  return result.data;
}
