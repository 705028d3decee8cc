/**
 * Wire contract of Ollama's model-management endpoints (`docs/api.md` of Ollama): request schemas (zod, used by
 * the server to validate and by the client for types) and response types. Browser-safe: no Node imports.
 */
import { z } from 'zod';

/** Ollama accepts `model` and, for older clients, `name`. */
const modelField = {
  model: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
};

function requireModel<T extends { model?: string | undefined; name?: string | undefined }>(
  value: T,
  ctx: z.RefinementCtx,
): T & { model: string } {
  const model = value.model ?? value.name;
  if (model === undefined) {
    ctx.addIssue({ code: 'custom', path: ['model'], message: 'model is required' });
    return z.NEVER;
  }
  return { ...value, model };
}

/** Values PARAMETER accepts: numbers, booleans, strings, or string arrays (`stop`). */
const parameterValue = z.union([z.number(), z.boolean(), z.string(), z.array(z.string())]);

export const createRequestSchema = z
  .object({
    ...modelField,
    /** A Modelfile's text; its FROM/ADAPTER may name a server-local path, a model or a blob digest. */
    modelfile: z.string().optional(),
    /** Structured form (current Ollama): base model name. */
    from: z.string().min(1).optional(),
    /**
     * Structured form: file name → blob digest of uploaded files: one GGUF file, or a Hugging Face safetensors
     * folder's files (config.json, *.safetensors, tokenizer files), converted by the server.
     */
    files: z.record(z.string(), z.string()).optional(),
    /** Uploaded adapter files: GGUF LoRA files, or a PEFT folder's adapter_config.json + adapter_model.safetensors. */
    adapters: z.record(z.string(), z.string()).optional(),
    template: z.string().optional(),
    system: z.string().optional(),
    license: z.union([z.string(), z.array(z.string())]).optional(),
    parameters: z.record(z.string(), parameterValue).optional(),
    messages: z.array(z.object({ role: z.string(), content: z.string() })).optional(),
    quantize: z.string().optional(),
    /** Corral: record FROM files on the server in place instead of copying them (admin only). */
    link: z.boolean().optional(),
    stream: z.boolean().optional(),
  })
  .transform(requireModel);
export type CreateRequest = z.input<typeof createRequestSchema>;

export const showRequestSchema = z
  .object({ ...modelField, verbose: z.boolean().optional() })
  .transform(requireModel);
export type ShowRequest = z.input<typeof showRequestSchema>;

export const deleteRequestSchema = z.object(modelField).transform(requireModel);
export type DeleteRequest = z.input<typeof deleteRequestSchema>;

export const copyRequestSchema = z.object({ source: z.string().min(1), destination: z.string().min(1) });
export type CopyRequest = z.input<typeof copyRequestSchema>;

/** `POST /api/pull`: `insecure` allows a plain-HTTP registry; progress streams unless `stream: false`. */
export const pullRequestSchema = z
  .object({ ...modelField, insecure: z.boolean().optional(), stream: z.boolean().optional() })
  .transform(requireModel);
export type PullRequest = z.input<typeof pullRequestSchema>;

/** `POST /api/push`: same fields as a pull. */
export const pushRequestSchema = pullRequestSchema;
export type PushRequest = z.input<typeof pushRequestSchema>;

/** `DELETE /api/pull`: cancel the running or interrupted pull of `model` and remove its partial data. */
export const cancelPullRequestSchema = z.object(modelField).transform(requireModel);
export type CancelPullRequest = z.input<typeof cancelPullRequestSchema>;

/**
 * A recorded pull in `GET /api/pulls`. `interrupted` pulls resume when pulled again. `success` (and `failed`
 * without partial data) are recent pulls this server ran, kept in memory for the console.
 */
export interface PullEntry {
  /** Full model name, `host/namespace/model:tag`. */
  model: string;
  state: 'pulling' | 'interrupted' | 'failed' | 'success';
  /** Bytes of every blob of the model (0 until its manifest arrived). */
  total: number;
  /** Bytes already stored or downloaded. */
  completed: number;
  started_at: string;
  updated_at: string;
  /** Why a failed or interrupted pull stopped. */
  error?: string;
}

/** `GET /api/pulls`. */
export interface PullsResponse {
  pulls: PullEntry[];
}

/** `details` of a model in `/api/tags` and `/api/show`. */
export interface ModelDetails {
  parent_model: string;
  format: string;
  family: string;
  families: string[] | null;
  parameter_size: string;
  quantization_level: string;
}

/** One entry of `GET /api/tags`. `digest` is the manifest's sha256 in hex, as Ollama sends it. */
export interface ListedModel {
  name: string;
  model: string;
  modified_at: string;
  size: number;
  digest: string;
  details: ModelDetails;
}

export interface ListResponse {
  models: ListedModel[];
}

export interface ShowResponse {
  modelfile: string;
  parameters?: string;
  template?: string;
  system?: string;
  license?: string;
  messages?: Array<{ role: string; content: string }>;
  details: ModelDetails;
  model_info: Record<string, unknown>;
  capabilities: string[];
  modified_at: string;
}

/** One progress line of `/api/create`, `/api/pull` and `/api/push`. */
export interface ProgressResponse {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

export interface VersionResponse {
  version: string;
}

/** Ollama's error body. */
export interface ErrorResponse {
  error: string;
}
