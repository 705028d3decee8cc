/** Pure translations from store views to Ollama's wire shapes (`/api/tags`, `/api/show`). */
import type { ListedModel, ShowResponse } from '../../api/index.js';
import type { ModelSummary, ShowResult } from '../../store/index.js';

/** One `/api/tags` entry: names in display form, digest as bare hex like Ollama. */
export function toListedModel(m: ModelSummary): ListedModel {
  return {
    name: m.name.display,
    model: m.name.display,
    modified_at: m.modifiedAt.toISOString(),
    size: m.size,
    digest: m.digest.replace(/^sha256:/, ''),
    details: m.details,
  };
}

/** What the model can do, as Ollama reports it. */
export function capabilitiesOf(show: ShowResult): string[] {
  const caps = ['completion'];
  const gguf = show.modelInfo['tokenizer.chat_template'];
  const template = show.template || (typeof gguf === 'string' ? gguf : '');
  if (/\btools\b/.test(template)) caps.push('tools');
  return caps;
}

/** The `/api/show` body; empty text fields are omitted as Ollama does. */
export function toShowResponse(show: ShowResult): ShowResponse {
  const optional = (value: string) => (value === '' ? undefined : value);
  return {
    modelfile: show.modelfile,
    parameters: optional(show.parameters),
    template: optional(show.template),
    system: optional(show.system),
    license: optional(show.license),
    messages: show.messages.length > 0 ? show.messages : undefined,
    details: show.details,
    model_info: show.modelInfo,
    capabilities: capabilitiesOf(show),
    modified_at: show.modifiedAt.toISOString(),
  };
}
