/** What the pull flows (registry, Hugging Face) share: the parts they use and the job they report to. */
import type { Logger, ModelName } from '../../core/index.js';
import type { ModelStore } from '../model-store.js';
import type { BlobDownloads } from './blob-downloads.js';
import type { FreeBytes } from './disk-space.js';
import type { HuggingFaceClient } from './hugging-face.js';
import type { PartialBlobs } from './partial-blobs.js';
import type { RegistryClient } from './registry-client.js';

/** One progress event, in Ollama's `ProgressResponse` shape. */
export interface PullProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

/** A blob a model needs. */
export interface LayerRef {
  digest: string;
  size: number;
}

/** The parts a pull uses. */
export interface PullContext {
  store: ModelStore;
  downloads: BlobDownloads;
  partials: PartialBlobs;
  registry: RegistryClient;
  huggingFace: HuggingFaceClient;
  freeBytes: FreeBytes;
  log: Logger;
}

/** One model pull as a flow sees it. */
export interface PullJob {
  name: ModelName;
  insecure: boolean;
  signal: AbortSignal;
  emit(progress: PullProgress): void;
  /** Record the blobs the model needs (shown by `GET /api/pulls`, cleaned up by a cancel). */
  setLayers(layers: LayerRef[]): Promise<void>;
}
