/** What the HTTP app needs; `server.ts` builds these, tests pass their own. */
import type { Config } from '../config/index.js';
import type { InferenceService, Logger } from '../core/index.js';
import type { ModelPuller, ModelPusher, ModelStore } from '../store/index.js';

export interface AppDeps {
  config: Config;
  store: ModelStore;
  /** Pulls (registries, Hugging Face) and their durable records. */
  puller: ModelPuller;
  pusher: ModelPusher;
  inference: InferenceService;
  log: Logger;
  version: string;
}
