/** Fine-tuning records as the API shows them (snake_case, ISO timestamps). */
import type {
  FinetuneDataset,
  FinetuneDatasetFormat,
  FinetuneJob,
  FinetuneMetricPoint as MetricView,
} from '../../api/index.js';
import type { FinetuneDatasetRecord, FinetuneJobRecord, FinetuneMetricPoint } from '../../db/index.js';

export function datasetView(d: FinetuneDatasetRecord): FinetuneDataset {
  return {
    id: d.id,
    name: d.name,
    format: d.format as FinetuneDatasetFormat,
    examples: d.examples,
    bytes: d.bytes,
    sha256: d.sha256,
    created_at: d.createdAt.toISOString(),
  };
}

export function jobView(j: FinetuneJobRecord): FinetuneJob {
  const { dataset_name: datasetName, ...settings } = j.settings;
  return {
    id: j.id,
    model: j.baseModel,
    dataset: j.datasetId,
    dataset_name: typeof datasetName === 'string' ? datasetName : null,
    output_model: j.outputModel,
    state: j.state,
    error: j.error,
    settings,
    progress: j.progress ?? {},
    checkpoint_step: j.checkpointStep,
    attempts: j.attempts,
    created_at: j.createdAt.toISOString(),
    started_at: j.startedAt?.toISOString() ?? null,
    finished_at: j.finishedAt?.toISOString() ?? null,
  };
}

export function metricView(p: FinetuneMetricPoint): MetricView {
  return { kind: p.kind, step: p.step, value: p.value, learning_rate: p.learningRate };
}
