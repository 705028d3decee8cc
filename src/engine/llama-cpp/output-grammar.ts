/**
 * Grammars for constrained output (`format: json` / a JSON schema). The generic JSON grammar is built once; schema
 * grammars are cached by schema text (bounded), since clients send the same schema request after request.
 */
import type { GbnfJsonSchema, Llama, LlamaGrammar } from 'node-llama-cpp';
import { AppError, type OutputFormat } from '../../core/index.js';

const MAX_CACHED = 32;

/** Builds and caches the grammars of one `Llama` instance. */
export class OutputGrammars {
  readonly #llama: Llama;
  #json: Promise<LlamaGrammar> | undefined;
  readonly #schemas = new Map<string, Promise<LlamaGrammar>>();

  constructor(llama: Llama) {
    this.#llama = llama;
  }

  /** The grammar for `format`; `undefined` for free text. Rejects with `INVALID_REQUEST` for unusable schemas. */
  async get(format: OutputFormat | undefined): Promise<LlamaGrammar | undefined> {
    if (format === undefined) return undefined;
    if (format.type === 'json') {
      this.#json ??= this.#llama.getGrammarFor('json');
      return this.#json;
    }
    const key = JSON.stringify(format.schema);
    let grammar = this.#schemas.get(key);
    if (grammar === undefined) {
      // The client's schema is only known at run time; node-llama-cpp validates it and throws on what it cannot do.
      grammar = this.#llama.createGrammarForJsonSchema(format.schema as GbnfJsonSchema as never);
      this.#schemas.set(key, grammar);
      grammar.catch(() => this.#schemas.delete(key)); // the caller below reports the failure
      if (this.#schemas.size > MAX_CACHED) this.#schemas.delete(this.#schemas.keys().next().value as string);
    }
    try {
      return await grammar;
    } catch (err) {
      throw new AppError('INVALID_REQUEST', `format: unsupported JSON schema: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}
