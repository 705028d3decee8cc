/** Store entries → OpenAI's `model` objects (`GET /v1/models`, `GET /v1/models/{model}`). */
import type { OpenAIModel, OpenAIModelList } from '../../api/index.js';
import { parseModelName } from '../../core/index.js';
import { unixSeconds } from './translate-shared.js';

/** What the translation needs to know of a stored model. */
export interface ModelEntry {
  /** The name as listed (display form, e.g. `llama3.2:latest` or `someone/model:tag`). */
  name: string;
  modifiedAt: Date;
}

/**
 * One `model` object. `owned_by` is the name's namespace (`library` for official models), as Ollama reports it;
 * `created` is the last modification, the only date a local model has.
 */
export function toModel(entry: ModelEntry): OpenAIModel {
  return {
    id: entry.name,
    object: 'model',
    created: unixSeconds(entry.modifiedAt),
    owned_by: parseModelName(entry.name).namespace,
  };
}

/** The `list` of every model, in the order given. */
export function toModelList(entries: ModelEntry[]): OpenAIModelList {
  return { object: 'list', data: entries.map(toModel) };
}
