/**
 * A controllable {@link Runner} for tests (scheduler and HTTP): generations stay pending until the test finishes
 * them, `crash()` ends the runner as a native crash would, `close()` is recorded. No process, no model.
 */
import { AppError } from '../errors.js';
import type {
  EmbedRequest,
  EmbedResult,
  GenerateRequest,
  GenerateResult,
  RerankRequest,
  RerankResult,
  Runner,
  RunnerExit,
  RunnerLoadInfo,
  RunnerLoadSpec,
  EncodedExample,
  KvCacheUsage,
  TrainingInput,
} from '../runner.js';
import { deferred } from './deferred.js';

let nextPid = 10_000;

/** A generation in progress on a {@link FakeRunner}. */
export interface FakeGeneration {
  request: GenerateRequest;
  onText: ((text: string) => void) | undefined;
  /** Finish it: emits `text` through `onText`, then resolves with it. */
  finish(text?: string): void;
}

/** Test double of a runner. */
export class FakeRunner implements Runner {
  readonly pid = nextPid++;
  readonly info: RunnerLoadInfo;
  /** Generations not finished yet, oldest first. */
  readonly pending: FakeGeneration[] = [];
  /** Number of `close()` calls. */
  closeCalls = 0;
  /** What {@link cacheUsage} answers; tests set it. */
  cache: KvCacheUsage;
  readonly #exit = deferred<RunnerExit>();
  readonly #rejects = new Set<(error: Error) => void>();
  #exitInfo: RunnerExit | undefined;

  constructor(
    readonly spec: RunnerLoadSpec,
    ramBytes = 1_000_000,
  ) {
    this.info = {
      ramBytes,
      vramBytes: 0,
      loadMs: 1,
      backend: 'cpu',
      contextSize: spec.contextSize,
      threads: spec.threads,
    };
    this.cache = { usedTokens: 0, capacityTokens: spec.contextSize * spec.parallel };
  }

  get exited(): Promise<RunnerExit> {
    return this.#exit.promise;
  }

  /** True once closed or crashed. */
  get hasExited(): boolean {
    return this.#exitInfo !== undefined;
  }

  generate(
    request: GenerateRequest,
    handlers: { signal?: AbortSignal; onText?: (text: string) => void } = {},
  ): Promise<GenerateResult> {
    if (this.#exitInfo) return Promise.reject(this.#failure());
    return new Promise<GenerateResult>((resolve, reject) => {
      const settle = (): void => {
        const index = this.pending.indexOf(generation);
        if (index >= 0) this.pending.splice(index, 1);
        this.#rejects.delete(reject);
        handlers.signal?.removeEventListener('abort', onAbort);
      };
      const generation: FakeGeneration = {
        request,
        onText: handlers.onText,
        finish: (text = 'ok') => {
          settle();
          handlers.onText?.(text);
          resolve({
            text,
            toolCalls: [],
            doneReason: 'stop',
            promptTokens: 1,
            promptEvalMs: 1,
            evalTokens: 1,
            evalMs: 1,
          });
        },
      };
      const onAbort = (): void => {
        settle();
        reject(new AppError('CANCELLED', 'generation cancelled'));
      };
      handlers.signal?.addEventListener('abort', onAbort, { once: true });
      this.#rejects.add(reject);
      this.pending.push(generation);
    });
  }

  /** Finish every pending generation with `text`. */
  finishAll(text?: string): void {
    for (const generation of [...this.pending]) generation.finish(text);
  }

  embed(request: EmbedRequest): Promise<EmbedResult> {
    if (this.#exitInfo) return Promise.reject(this.#failure());
    const embeddings = request.inputs.map((input) => [input.length, 1, 0, 0]);
    return Promise.resolve({ embeddings, promptTokens: request.inputs.length });
  }

  /** Scores 1 for documents that contain the query, else 1 / (1 + length): deterministic and easy to predict. */
  rerank(request: RerankRequest): Promise<RerankResult> {
    if (this.#exitInfo) return Promise.reject(this.#failure());
    const scores = request.documents.map((d) => (d.includes(request.query) ? 1 : 1 / (1 + d.length)));
    return Promise.resolve({ scores, promptTokens: request.documents.length });
  }

  tokenize(text: string): Promise<number[]> {
    if (this.#exitInfo) return Promise.reject(this.#failure());
    return Promise.resolve([...text].map((c) => c.codePointAt(0) ?? 0));
  }

  /** One token per code point; segments keep their flag, messages train the flagged ones' content. */
  encode(inputs: TrainingInput[]): Promise<EncodedExample[]> {
    if (this.#exitInfo) return Promise.reject(this.#failure());
    return Promise.resolve(
      inputs.map((input) => {
        const parts =
          'segments' in input
            ? input.segments
            : input.messages.map((m, i) => ({ text: m.content, train: input.train[i] === true }));
        const tokens: number[] = [];
        const mask: number[] = [];
        for (const part of parts)
          for (const c of part.text) {
            tokens.push(c.codePointAt(0) ?? 0);
            mask.push(part.train ? 1 : 0);
          }
        return { tokens, mask };
      }),
    );
  }

  detokenize(tokens: number[]): Promise<string> {
    if (this.#exitInfo) return Promise.reject(this.#failure());
    return Promise.resolve(String.fromCodePoint(...tokens));
  }

  cacheUsage(): Promise<KvCacheUsage> {
    if (this.#exitInfo) return Promise.reject(this.#failure());
    return Promise.resolve({ ...this.cache });
  }

  /** End the runner as a crash would: `exited` resolves with `expected: false`, pending work fails. */
  crash(lastErrorLines: string[] = ['simulated crash']): void {
    this.#end({ expected: false, code: null, signal: 'SIGSEGV', lastErrorLines });
  }

  close(): Promise<void> {
    this.closeCalls++;
    this.#end({ expected: true, code: 0, signal: null, lastErrorLines: [] });
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #end(exit: RunnerExit): void {
    if (this.#exitInfo) return;
    this.#exitInfo = exit;
    const error = this.#failure();
    for (const reject of [...this.#rejects]) reject(error);
    this.#rejects.clear();
    this.pending.length = 0;
    this.#exit.resolve(exit);
  }

  #failure(): AppError {
    const lines = this.#exitInfo?.lastErrorLines ?? [];
    return new AppError('RUNNER_FAILED', `runner stopped${lines.length ? `: ${lines.join('\n')}` : ''}`);
  }
}
