/** Fine-tuning: datasets, the durable job queue, the supervised trainer process and adapter export. */
export {
  FinetuneService,
  type DatasetStats,
  type FinetuneModels,
  type FinetuneServiceOptions,
} from './finetune-service.js';
export { DATASET_FORMATS, parseDataset, type DatasetFormat, type ParsedDataset } from './dataset-format.js';
export { jobRequestSchema, LORA_MODULES, type JobRequest, type JobSettings } from './job-settings.js';
export type { FinetuneEvent } from './finetune-events.js';
export { TRAINABLE_ARCHITECTURES, TRAINABLE_TYPES } from './trainable-model.js';
export { finetuneModels } from './finetune-models.js';
