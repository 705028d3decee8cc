/** Pulling models: registries (Ollama protocol) and Hugging Face, resumable and verified. */
export {
  ModelPuller,
  parseTarget,
  type ModelPullerOptions,
  type PullOptions,
  type PullStatus,
} from './model-puller.js';
export type { PullProgress } from './pull-job.js';
export type { PullState } from './pull-records.js';
export { ensureDiskSpace, statfsFreeBytes, type FreeBytes } from './disk-space.js';
export { HttpClient, readText, errorText, type HttpResponse, type HttpRequestInit } from './http-client.js';
export { RegistryClient, type RegistryTarget } from './registry-client.js';
export { statusError } from './status-error.js';
export { DEFAULT_RETRY, RetryableError, withRetry, type RetryPolicy } from './retry.js';
export { isHuggingFaceName } from './hugging-face.js';
export { pickGgufFile, quantOf } from './pick-gguf-file.js';
export { untilAborted } from './until-aborted.js';
export { pullerSettings } from './puller-settings.js';
