/** The {@link FinetuneModels} port over the model store and the inference service. */
import type { InferenceService } from '../core/index.js';
import type { ModelStore } from '../store/index.js';
import type { FinetuneModels } from './finetune-service.js';

export function finetuneModels(store: ModelStore, inference: InferenceService): FinetuneModels {
  return {
    resolve: (name) => inference.resolve(name),
    stored: async (name) => (await store.get(name)) !== undefined,
    encode: (model) => (inputs, signal) => inference.encode(model, inputs, signal),
    create: (name, modelfile, baseDir) => store.create(name, modelfile, { baseDir }),
  };
}
