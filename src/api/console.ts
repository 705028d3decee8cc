/**
 * Wire contract of the endpoints the web console uses beyond Ollama's and OpenAI's: saved profiles
 * (`/api/profiles`), the system page (`/api/system`), recent log lines (`/api/logs`), background pulls and their
 * event stream (`/api/pulls`, `/api/pulls/events`) and Hugging Face file listings (`/api/hf/files`).
 * Browser-safe; fields are snake_case as in Ollama's API.
 */
import { z } from 'zod';
import { keepAliveSchema, optionsSchema } from './ollama-inference.js';
import type { PullsResponse } from './ollama-models.js';

/**
 * The console's client-side pages: the server answers each (and any path below it) with the console's
 * `index.html`, so a reload or a shared link works. Servers answer every one, also pages whose API they lack
 * (`/cluster` on a single server): the console then goes to a page that works there (`console-features.ts`).
 */
export const consolePages = [
  '/cluster',
  '/models',
  '/downloads',
  '/running',
  '/profiles',
  '/playground',
  '/finetune',
  '/system',
  '/logs',
  '/keys',
  '/users',
  '/audit',
  '/login',
] as const;

/**
 * A profile name: letters, digits, `.`, `_` and `-`, starting with a letter or digit (no `/`, `:`, `..` or
 * spaces), so that it is also usable where a model name goes (`profile:<name>` or the bare name).
 */
export const profileNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'use letters, digits, ".", "_" and "-" (at most 80)')
  .refine((s) => !s.includes('..'), 'must not contain ".."');

/** `POST /api/profiles`: a named preset of a model, system prompt, options and keep_alive. */
export const createProfileRequestSchema = z.object({
  name: profileNameSchema,
  model: z.string().min(1),
  system: z.string().nullable().optional(),
  options: optionsSchema.optional(),
  keep_alive: keepAliveSchema.nullable().optional(),
});
export type CreateProfileRequest = z.input<typeof createProfileRequestSchema>;

/** `PATCH /api/profiles/:name`: any field of a profile; `name` renames it; `null` clears system or keep_alive. */
export const updateProfileRequestSchema = createProfileRequestSchema
  .partial()
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'nothing to change' });
export type UpdateProfileRequest = z.input<typeof updateProfileRequestSchema>;

/** A saved profile. Use it as a model with `profile:<name>` (or the bare name when no model has it). */
export interface ProfileInfo {
  name: string;
  model: string;
  system: string | null;
  options: Record<string, unknown>;
  keep_alive: string | number | null;
  created_at: string;
  updated_at: string;
}

/** `GET /api/profiles`. */
export interface ProfilesResponse {
  profiles: ProfileInfo[];
}

/** `GET /api/system`. Byte counts are plain numbers; `gpus` is empty on CPU-only machines. */
export interface SystemInfo {
  version: string;
  node: string;
  platform: string;
  arch: string;
  uptime_s: number;
  cpu: { model: string; cores: number };
  memory: { total_bytes: number; free_bytes: number };
  gpus: Array<{ name: string; vram_total_bytes: number; vram_free_bytes: number }>;
  /** The models directory, its file system's size and free space, and the bytes of stored blobs. */
  store: { path: string; total_bytes: number; free_bytes: number; models_bytes: number };
  loaded_models: number;
}

/** Log levels, as pino names them. */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof logLevels)[number];

/** `GET /api/logs` query: lines at `level` or above, newest last; `component` as in `runner`, `http`, `pull`. */
export const logsQuerySchema = z.object({
  level: z.enum(logLevels).default('info'),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
  component: z.string().min(1).max(64).optional(),
});
export interface LogsQuery {
  level?: LogLevel;
  limit?: number;
  component?: string;
}

/** One log line: `time` is ISO-8601; the line's other fields (already redacted) follow. */
export interface LogLine {
  time: string;
  level: LogLevel;
  component?: string;
  msg: string;
  [field: string]: unknown;
}

/** `GET /api/logs`. */
export interface LogsResponse {
  lines: LogLine[];
}

/** `POST /api/pulls`: start a pull that runs on without the client (joins a running pull of the model). */
export const startPullRequestSchema = z.object({
  model: z.string().min(1),
  insecure: z.boolean().optional(),
});
export type StartPullRequest = z.input<typeof startPullRequestSchema>;

/** One blob of a pull in a `progress` event. */
export interface PullLayerProgress {
  digest: string;
  total: number;
  completed: number;
}

/** `progress` event of `GET /api/pulls/events` (at most about 4 a second per pull). */
export interface PullProgressEvent {
  model: string;
  state: 'pulling';
  /** Ollama's progress status: `pulling manifest`, `pulling <digest12>`, `verifying sha256 digest`, … */
  status: string;
  total: number;
  completed: number;
  layers: PullLayerProgress[];
  bytes_per_second: number;
  /** Seconds left at the current speed; `null` while unknown. */
  eta_seconds: number | null;
}

/** `done` event: the model is in the store. */
export interface PullDoneEvent {
  model: string;
}

/** `failed` event: `interrupted` pulls (cancelled, client gone, shutdown) resume when pulled again. */
export interface PullFailedEvent {
  model: string;
  state: 'failed' | 'interrupted';
  error: string;
}

/** Events of `GET /api/pulls/events`; `snapshot` is sent once on connect. */
export type PullEvent =
  | { event: 'snapshot'; data: PullsResponse }
  | { event: 'progress'; data: PullProgressEvent }
  | { event: 'done'; data: PullDoneEvent }
  | { event: 'failed'; data: PullFailedEvent };

/** `GET /api/hf/files?repo=user/repo`. */
export const hfFilesQuerySchema = z.object({
  repo: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected <user>/<repo>')
    .refine((s) => !s.includes('..'), 'must not contain ".."'),
});

/** One GGUF file of a Hugging Face repository; pull it as `hf.co/<repo>:<quant>`. */
export interface HfFileInfo {
  path: string;
  size: number | null;
  /** Quantization read from the file name (`Q4_K_M`), or `null`. */
  quant: string | null;
}

/** `GET /api/hf/files`: the repository's single-file GGUF models and the quantization pulled by default. */
export interface HfFilesResponse {
  repo: string;
  files: HfFileInfo[];
  default_quant: string | null;
}
