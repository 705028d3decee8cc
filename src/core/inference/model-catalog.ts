/** The port through which inference finds a model by name; `src/store/model-catalog.ts` implements it. */
import type { ChatMessage, DraftSpec } from '../runner.js';
import type { ModelMemoryFacts } from '../scheduler/index.js';

/** Everything inference needs to know about a stored model. */
export interface ResolvedModel {
  /** One runner per key: the manifest digest (it covers weights, adapters and parameters). */
  key: string;
  /** Display name, e.g. `tiny:latest`. */
  name: string;
  /** Absolute path of the GGUF weights. */
  modelPath: string;
  adapters: Array<{ path: string; scale: number }>;
  /** The draft model (`PARAMETER draft_model`), checked to exist and share this model's vocabulary. */
  draft?: DraftSpec;
  /** The Modelfile's PARAMETERs, in Ollama option names (`stop` is a list). */
  parameters: Record<string, number | boolean | string | string[]>;
  /** The Modelfile's TEMPLATE (Go template syntax), when it has one; otherwise the GGUF's Jinja template is used. */
  template: string | undefined;
  /** The Modelfile's SYSTEM. */
  system: string | undefined;
  /** The Modelfile's MESSAGEs: a conversation placed before the request's. */
  messages: ChatMessage[];
  /** The context length the model was trained with (`<arch>.context_length`). */
  trainedContextLength: number | undefined;
  /** Facts for the memory estimate. */
  memory: ModelMemoryFacts;
  /** True for embedding-only models. */
  embeddingOnly: boolean;
  /** True when the model has a ranking (classification) head and can serve `rerank`; absent means false. */
  reranking?: boolean;
  /** How long to keep the model loaded when the request does not say (a saved profile's keep_alive). */
  keepAliveMs?: number;
}

export interface ModelCatalog {
  /** The model of that name, or `undefined`; throws `INVALID_MODEL_NAME` for a malformed name. */
  resolve(name: string): Promise<ResolvedModel | undefined>;
}
