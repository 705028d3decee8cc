/**
 * Model names: the ONE parser every entry point (HTTP, CLI, store, scheduler) goes through.
 *
 * Shape and rules follow Ollama's `types/model/name.go`:
 *
 * ```
 *   [scheme://][host/][namespace/]model[:tag]      defaults: registry.ollama.ai / library / latest
 *   host       [A-Za-z0-9_][A-Za-z0-9_.:-]*   1..255   (may carry a port: `localhost:5000`)
 *   namespace  [A-Za-z0-9_][A-Za-z0-9_-]*     1..80    (no dots)
 *   model      [A-Za-z0-9_][A-Za-z0-9_.-]*    1..80
 *   tag        [A-Za-z0-9_][A-Za-z0-9_.-]*    1..80
 * ```
 *
 * Because every part must start with a letter, digit or underscore, no part can be `.`/`..`, empty, or hold a
 * path separator, so the parts are safe to use as directory names under the store. Differences from Ollama, on
 * purpose: hosts are limited to 255 characters (a file name's limit); a `scheme://` prefix is accepted only as
 * `http://` or `https://` and only before an explicit host; a `@digest` suffix is rejected (current Ollama
 * rejects it too: `@` is not a valid tag character).
 * Comparison is ASCII case-insensitive; the parts keep the case they were written in.
 */
import { AppError } from './errors.js';

/** Host used when a name has none. */
export const DEFAULT_HOST = 'registry.ollama.ai';
/** Namespace used when a name has none. */
export const DEFAULT_NAMESPACE = 'library';
/** Tag used when a name has none. */
export const DEFAULT_TAG = 'latest';

type PartKind = 'host' | 'namespace' | 'model' | 'tag';

// Ollama allows 350-character hosts; 255 keeps every part a valid file name (NAME_MAX) on common filesystems.
const MAX_LEN: Record<PartKind, number> = { host: 255, namespace: 80, model: 80, tag: 80 };
const MAX_INPUT = 600;
const WORD = /[A-Za-z0-9_]/;

/** A validated, fully qualified model name. Construct it only with {@link parseModelName}. */
export class ModelName {
  /** Registry host, possibly with a port (`registry.ollama.ai`, `localhost:5000`). */
  readonly host: string;
  /** Namespace (user or organisation); `library` for official models. */
  readonly namespace: string;
  /** Model name proper (`llama3.2`). */
  readonly model: string;
  /** Tag (`latest`, `7b-q4_K_M`). */
  readonly tag: string;

  private constructor(host: string, namespace: string, model: string, tag: string) {
    this.host = host;
    this.namespace = namespace;
    this.model = model;
    this.tag = tag;
  }

  /** Parse and validate; see {@link parseModelName}, which is the usual entry point. */
  static parse(input: string): ModelName {
    const [host, namespace, model, tag] = parseParts(input);
    return new ModelName(host, namespace, model, tag);
  }

  /** The full form `host/namespace/model:tag`. */
  toString(): string {
    return `${this.host}/${this.namespace}/${this.model}:${this.tag}`;
  }

  /** JSON form is the full string, so names log and serialise readably. */
  toJSON(): string {
    return this.toString();
  }

  /**
   * The short form Ollama shows (`DisplayShortest`): the tag is always present; the namespace only when it is
   * not `library` or the host is not the default; the host only when it is not the default.
   */
  get display(): string {
    if (!eqFold(this.host, DEFAULT_HOST)) return this.toString();
    if (!eqFold(this.namespace, DEFAULT_NAMESPACE)) return `${this.namespace}/${this.model}:${this.tag}`;
    return `${this.model}:${this.tag}`;
  }

  /** A lower-cased key for maps and sets; two names are {@link equals} iff their keys are equal. */
  get key(): string {
    return this.toString().toLowerCase();
  }

  /** Directory names under `manifests/`: `[host, namespace, model, tag]`. Each is a safe single segment. */
  get pathSegments(): readonly [string, string, string, string] {
    return [this.host, this.namespace, this.model, this.tag];
  }

  /** Case-insensitive equality; a string is parsed first (and never equal when it is not a valid name). */
  equals(other: ModelName | string): boolean {
    const o = typeof other === 'string' ? tryParseModelName(other) : other;
    return o !== undefined && o.key === this.key;
  }

  /** A copy with another tag (validated). */
  withTag(tag: string): ModelName {
    const why = checkPart('tag', tag);
    if (why) throw invalid(`${this.host}/${this.namespace}/${this.model}:${tag}`, why);
    return new ModelName(this.host, this.namespace, this.model, tag);
  }
}

/**
 * Parse and validate a model name, filling defaults. Throws `AppError('INVALID_MODEL_NAME')` with the reason
 * for anything malformed or unsafe (`..`, absolute paths, backslashes, empty parts, control characters,
 * whitespace, `%`, non-ASCII, too many parts, over-long parts).
 */
export function parseModelName(input: string): ModelName {
  return ModelName.parse(input);
}

function parseParts(input: string): [string, string, string, string] {
  const why = precheck(input);
  if (why) throw invalid(input, why);
  let rest = input;
  const scheme = /^https?:\/\//i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  if (parts.length > 3) throw invalid(input, `too many parts (expected [host/][namespace/]model[:tag])`);
  if (scheme && parts.length !== 3) throw invalid(input, 'a scheme is only allowed before an explicit host');
  const model = parts[parts.length - 1] as string;
  const namespace = parts.length >= 2 ? (parts[parts.length - 2] as string) : DEFAULT_NAMESPACE;
  const host = parts.length === 3 ? (parts[0] as string) : DEFAULT_HOST;
  const finalTag = tag ?? DEFAULT_TAG;
  for (const [kind, value] of [
    ['host', host],
    ['namespace', namespace],
    ['model', model],
    ['tag', finalTag],
  ] as const) {
    const problem = checkPart(kind, value);
    if (problem) throw invalid(input, problem);
  }
  return [host, namespace, model, finalTag];
}

/** Like {@link parseModelName} but returns `undefined` instead of throwing. */
export function tryParseModelName(input: string): ModelName | undefined {
  try {
    return parseModelName(input);
  } catch {
    // The only failure parseModelName has is INVALID_MODEL_NAME, which is exactly what `undefined` reports.
    return undefined;
  }
}

/** True when `input` is a valid model name. */
export function isValidModelName(input: string): boolean {
  return tryParseModelName(input) !== undefined;
}

/** Whole-input checks that give a clearer reason than the per-part character check would. */
function precheck(input: string): string | undefined {
  if (typeof input !== 'string') return 'name must be a string';
  if (input.length === 0) return 'name is empty';
  if (input.length > MAX_INPUT) return `name is longer than ${MAX_INPUT} characters`;
  if (/\p{Cc}/u.test(input)) return 'control characters are not allowed';
  if (/\s/.test(input)) return 'whitespace is not allowed';
  if (input.includes('\\')) return 'backslashes are not allowed';
  if (input.includes('%')) return "'%' is not allowed";
  if (input.startsWith('/')) return 'absolute paths are not allowed';
  if (input.startsWith('~')) return 'home-relative paths are not allowed';
  if (/(^|[/:])\.\.?($|[/:])/.test(input)) return "'.' and '..' are not allowed as name parts";
  if (input.includes('@')) return "digests ('@sha256:…') are not supported in model names";
  return undefined;
}

function checkPart(kind: PartKind, value: string): string | undefined {
  if (value.length === 0) return `${kind} is empty`;
  if (value.length > MAX_LEN[kind]) return `${kind} is longer than ${MAX_LEN[kind]} characters`;
  for (const ch of value) {
    if (WORD.test(ch) || ch === '-') continue;
    if (ch === '.' && kind !== 'namespace') continue;
    if (ch === ':' && kind === 'host') continue;
    return `invalid character ${JSON.stringify(ch)} in ${kind}`;
  }
  if (!WORD.test(value[0] as string)) return `${kind} must start with a letter, digit or underscore`;
  return undefined;
}

function invalid(raw: string, why: string): AppError {
  const input = String(raw);
  const shown = input.length > 200 ? `${input.slice(0, 200)}…` : input;
  return new AppError('INVALID_MODEL_NAME', `invalid model name ${JSON.stringify(shown)}: ${why}`, {
    details: { name: shown },
  });
}

function eqFold(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
