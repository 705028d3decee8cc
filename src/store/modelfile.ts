/**
 * Modelfiles: the instruction types, {@link parseModelfile} (in `modelfile-parser.ts`), a renderer that
 * round-trips, and {@link summarizeModelfile} which folds instructions into what `create` needs.
 */
import { addParameter, type Parameters, parameterEntries } from './model-parameters.js';

export { parseModelfile } from './modelfile-parser.js';

/** Roles a `MESSAGE` may have (Ollama accepts these three). */
export type MessageRole = 'system' | 'user' | 'assistant';

/** A chat message seeded by `MESSAGE`. */
export interface ModelMessage {
  role: MessageRole;
  content: string;
}

/** One parsed instruction. `line` is where it started (1-based); absent on instructions built in code. */
export type ModelfileInstruction =
  | { kind: 'from' | 'adapter' | 'template' | 'system' | 'license'; value: string; line?: number }
  | { kind: 'parameter'; key: string; value: number | boolean | string; line?: number }
  | { kind: 'message'; role: MessageRole; content: string; line?: number };

/** A parsed Modelfile: its instructions in order. */
export interface Modelfile {
  instructions: ModelfileInstruction[];
}

/** What a Modelfile asks for, folded: later TEMPLATE/SYSTEM/PARAMETER win, `stop`, LICENSE, MESSAGE accumulate. */
export interface ModelfileSummary {
  from: string;
  adapters: string[];
  template?: string;
  system?: string;
  parameters: Parameters;
  licenses: string[];
  messages: ModelMessage[];
}

/** Fold a parsed Modelfile's instructions. */
export function summarizeModelfile(modelfile: Modelfile): ModelfileSummary {
  const out: ModelfileSummary = { from: '', adapters: [], parameters: {}, licenses: [], messages: [] };
  for (const i of modelfile.instructions) {
    switch (i.kind) {
      case 'from':
        out.from = i.value;
        break;
      case 'adapter':
        out.adapters.push(i.value);
        break;
      case 'template':
        out.template = i.value;
        break;
      case 'system':
        out.system = i.value;
        break;
      case 'license':
        out.licenses.push(i.value);
        break;
      case 'parameter':
        addParameter(out.parameters, i.key, i.value);
        break;
      case 'message':
        out.messages.push({ role: i.role, content: i.content });
        break;
    }
  }
  return out;
}

/**
 * Instructions for a model, in the order Ollama's `Model.String()` writes them: FROM, ADAPTER, TEMPLATE,
 * SYSTEM, PARAMETER (keys sorted, one line per `stop`), LICENSE, MESSAGE.
 */
export function modelInstructions(model: ModelfileSummary): ModelfileInstruction[] {
  const out: ModelfileInstruction[] = [{ kind: 'from', value: model.from }];
  for (const a of model.adapters) out.push({ kind: 'adapter', value: a });
  if (model.template !== undefined) out.push({ kind: 'template', value: model.template });
  if (model.system !== undefined) out.push({ kind: 'system', value: model.system });
  for (const [key, value] of parameterEntries(model.parameters)) out.push({ kind: 'parameter', key, value });
  for (const l of model.licenses) out.push({ kind: 'license', value: l });
  for (const m of model.messages) out.push({ kind: 'message', role: m.role, content: m.content });
  return out;
}

/** Render instructions as Modelfile text (one per line, trailing newline) that {@link parseModelfile} reads back. */
export function renderModelfile(modelfile: Modelfile): string {
  return modelfile.instructions.map((i) => `${renderInstruction(i)}\n`).join('');
}

function renderInstruction(i: ModelfileInstruction): string {
  switch (i.kind) {
    case 'parameter':
      return `PARAMETER ${i.key} ${quote(String(i.value))}`;
    case 'message':
      return `MESSAGE ${i.role} ${quote(i.content)}`;
    default:
      return `${i.kind.toUpperCase()} ${quote(i.value)}`;
  }
}

/**
 * Quote a value the way Ollama's `quote` does when it can (plain; `"…"` for multi-line or space-padded text;
 * `"""…"""` when it also holds a `"`), falling back to the other quoting when the preferred one would end early.
 * Every value reads back unchanged except one holding both `"` + newline and `"""` + newline.
 */
export function quote(value: string): string {
  const plain = value !== '' && !/[\r\n]/.test(value) && value.trim() === value && !value.startsWith('"');
  if (plain) return value;
  // A "…" value ends at the first `"` followed by blanks and a newline; one starting with "" would read as """.
  const single = !/"[ \t]*[\r\n]/.test(value) && !value.startsWith('""');
  const triple = !/"""[ \t]*[\r\n]/.test(value);
  if (single && !value.includes('"')) return `"${value}"`;
  if (single && !triple) return `"${value}"`;
  // Triple quotes also when neither form reads back exactly (a `"` and a `"""` each before a line end): like
  // Ollama, rendering (e.g. for /api/show) must not fail over a template pulled from elsewhere.
  return `"""${value}"""`;
}
