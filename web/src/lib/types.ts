/**
 * Shapes of the Corral extension endpoints the console uses that `src/api` does not describe (yet): profiles,
 * system status, logs, background pulls and Hugging Face file lists. Kept to the wire contract of issue #6.
 */
import type { Options, PullEntry } from '../../../src/api/index.js';

/** A saved profile (`/api/profiles`); usable as the model name `profile:<name>`. */
export interface ProfileInfo {
  name: string;
  model: string;
  system: string | null;
  options: Options;
  keep_alive: string | number | null;
  created_at: string;
  updated_at: string;
}

/** Body of `POST /api/profiles` and (every field optional) `PATCH /api/profiles/:name`. */
export interface ProfileInput {
  name: string;
  model: string;
  system?: string | null;
  options?: Options;
  keep_alive?: string | number | null;
}

/** `GET /api/system`. */
export interface SystemInfo {
  version: string;
  node: string;
  platform: string;
  arch: string;
  uptime_s: number;
  cpu: { model: string; cores: number };
  memory: { total_bytes: number; free_bytes: number };
  gpus: Array<{ name: string; vram_total_bytes: number; vram_free_bytes: number }>;
  store: { path: string; total_bytes: number; free_bytes: number; models_bytes: number };
  loaded_models: number;
}

/** One line of `GET /api/logs`. */
export interface LogLine {
  time: string | number;
  level: string;
  component?: string;
  msg: string;
}

/** One file of a Hugging Face repository (`GET /api/hf/files?repo=`). */
export interface HfFile {
  name: string;
  size: number;
  /** Quantization label (`Q4_K_M`) when the server or the file name tells. */
  quantization?: string;
}

/** `progress` event of `GET /api/pulls/events`. */
export interface PullProgress {
  model: string;
  state: string;
  total: number;
  completed: number;
  layers: Array<{ digest: string; total: number; completed: number }>;
  bytes_per_second: number;
  eta_seconds: number | null;
}

/** Events of `GET /api/pulls/events`. */
export type PullEvent =
  | { type: 'snapshot'; pulls: PullEntry[] }
  | { type: 'progress'; data: PullProgress }
  | { type: 'done'; model: string }
  | { type: 'failed'; model: string; error: string };
