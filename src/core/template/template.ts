/**
 * Parsed Go templates and their rendering: {@link parseTemplate} (cached by text) and {@link renderTemplate}.
 * Semantics are Go's `text/template` with the function set and options Ollama uses (`missingkey=zero`).
 */
import { FUNCTION_NAMES, FUNCTIONS } from './builtins.js';
import { execute } from './exec.js';
import { parse, type ParsedTemplate } from './parser.js';

/** A parsed template. Immutable; safe to share and to render concurrently. */
export class Template {
  /** @internal Use {@link parseTemplate}. */
  constructor(
    /** The source text. */
    readonly text: string,
    /** @internal The parse tree. */
    readonly tree: ParsedTemplate,
  ) {}
}

/** Options for {@link renderTemplate}. */
export interface RenderOptions {
  /** Clock read by `currentDate`/`yesterdayDate` (default: the system clock). */
  now?: () => Date;
}

const CACHE_LIMIT = 256;
const cache = new Map<string, Template>();

/**
 * Parse Go template text. Results are cached by text (the most recent {@link CACHE_LIMIT} templates).
 * @throws AppError `INVALID_REQUEST` with `template: line L: <what>` when the text is not a valid template.
 */
export function parseTemplate(text: string): Template {
  const hit = cache.get(text);
  if (hit) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const template = new Template(text, parse(text, FUNCTION_NAMES));
  cache.set(text, template);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return template;
}

/**
 * Render a template against `data` (plain objects act as Go `map[string]any`; see `values.ts` for the value
 * model). A string is parsed first.
 * @throws AppError `INVALID_REQUEST` with `template: line L: executing <…>: <what>` when execution fails.
 */
export function renderTemplate(
  template: Template | string,
  data: unknown,
  options: RenderOptions = {},
): string {
  const t = typeof template === 'string' ? parseTemplate(template) : template;
  return renderTree(t.tree, data, options);
}

/** @internal Render a parse tree (Ollama's prompt logic renders trimmed copies of a template's tree). */
export function renderTree(tree: ParsedTemplate, data: unknown, options: RenderOptions = {}): string {
  const now = options.now ?? ((): Date => new Date());
  return execute(tree, data, FUNCTIONS, { now });
}
