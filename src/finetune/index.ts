/** Fine-tuning: datasets, the durable job queue, the supervised trainer process and adapter export. */
export {
  FinetuneService,
  type DatasetStats,
  type FinetuneModels,
  type FinetuneServiceOptions,
} from './finetune-service.js';
export { DATASET_FORMATS, parseDataset, type DatasetFormat, type ParsedDataset } from './dataset-format.js';
export { jobRequestSchema, type JobRequest, type JobSettings } from './job-settings.js';
export type { FinetuneEvent } from './finetune-events.js';
export { LORA_TARGET_MODULES, TRAINER_ARCHITECTURES, TRAINER_WEIGHT_TYPES } from './trainer-protocol.js';
export { finetuneModels } from './finetune-models.js';
export {
  findTrainerPython,
  TrainerProcess,
  type TrainerOutcome,
  type TrainerPython,
  type TrainerStartOptions,
} from './trainer-process.js';
export { trainerScriptPath } from './trainer-script.js';
export { writeAdapterGguf } from './adapter-gguf.js';
