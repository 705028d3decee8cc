/** The content-addressed model store: blobs, manifests, Modelfiles, create/copy/delete/show, GC, checks. */
export {
  ModelStore,
  type DeleteResult,
  type GcResult,
  type ModelStoreOptions,
  type NameInput,
} from './model-store.js';
export { BlobStore, hashFile, type PutOptions, type PutResult } from './blob-store.js';
export { ManifestStore, type StoredManifest } from './manifest-store.js';
export { WriteLease } from './write-lease.js';
export type { CreateOptions, CreateProgress } from './create-model.js';
export type { ShowResult } from './show-model.js';
export type { ModelSummary, StoredModel } from './stored-model.js';
export {
  parseModelfile,
  renderModelfile,
  summarizeModelfile,
  modelInstructions,
  quote as quoteModelfileValue,
  type Modelfile,
  type ModelfileInstruction,
  type ModelfileSummary,
  type ModelMessage,
  type MessageRole,
} from './modelfile.js';
export {
  PARAMETER_TYPES,
  formatParametersText,
  isKnownParameter,
  parseParameterValue,
  type ParamValue,
  type Parameters,
} from './model-parameters.js';
export {
  checkStoreConsistency,
  type StoreConsistencyReport,
  type StoreProblem,
} from './store-consistency.js';
export { TEMP_PREFIX, writeFileAtomic } from './atomic-file.js';
export { StoreModelCatalog } from './model-catalog.js';
export {
  ModelPuller,
  parseTarget,
  pullerSettings,
  type ModelPullerOptions,
  type PullOptions,
  type PullProgress,
  type PullState,
  type PullStatus,
  type FreeBytes,
  ensureDiskSpace,
  statfsFreeBytes,
} from './pull/index.js';
export { ModelPusher, type ModelPusherOptions, type PushOptions } from './push/index.js';
export { storeWritableCheck } from './writable-check.js';
export { storeUsage, type StoreUsage } from './store-usage.js';
export { listHfRepoFiles, type HfListOptions, type HfRepoFile } from './hf-repo-files.js';
