/**
 * The child side of the runner protocol, independent of process plumbing and of node-llama-cpp: it receives
 * parent messages, drives an engine, and sends replies through `send`. `runner-child.ts` wires it to the IPC
 * channel and the real engine; tests wire it to fakes.
 */
import {
  AppError,
  isAppError,
  type EmbedRequest,
  type EmbedResult,
  type GenerateRequest,
  type GenerateResult,
  type KvCacheUsage,
  type RerankRequest,
  type RerankResult,
  type RunnerLoadInfo,
  type RunnerLoadSpec,
  type EncodedExample,
  type TrainingInput,
} from '../core/index.js';
import { ChunkCoalescer } from './chunk-coalescer.js';
import {
  parseParentMessage,
  PROTOCOL_VERSION,
  type ChildMessage,
  type ParentMessage,
  type RequestBody,
} from './protocol.js';
import type { ThreadSpeeds } from './thread-calibration.js';

/** What the session needs from a loaded model (the real one is `LlamaEngine`). */
export interface SessionEngine {
  readonly info: RunnerLoadInfo;
  generate(
    request: GenerateRequest,
    handlers: { signal?: AbortSignal; onText?: (text: string) => void },
  ): Promise<GenerateResult>;
  embed(request: EmbedRequest, signal?: AbortSignal): Promise<EmbedResult>;
  rerank(request: RerankRequest, signal?: AbortSignal): Promise<RerankResult>;
  tokenize(text: string): number[];
  detokenize(tokens: number[]): string;
  encode(inputs: TrainingInput[]): EncodedExample[];
  /** Tokens held in the context's sequences now, and the context's capacity. */
  cacheUsage(): KvCacheUsage;
  close(): Promise<void>;
}

/** Loads the engine for a `load` message. */
export type SessionLoader = (
  spec: RunnerLoadSpec,
  calibration: { measure: number[]; known: ThreadSpeeds } | undefined,
) => Promise<{ engine: SessionEngine; threadSpeeds: ThreadSpeeds }>;

export class ChildSession {
  readonly #send: (message: ChildMessage) => void;
  readonly #load: SessionLoader;
  readonly #onShutdown: () => void;
  readonly #inFlight = new Map<number, { controller: AbortController; settled: Promise<void> }>();
  readonly #chunks: ChunkCoalescer;
  #engine: Promise<SessionEngine> | undefined;
  #shuttingDown: Promise<void> | undefined;

  /** `onShutdown` runs once everything is disposed after a `shutdown` (the entry then lets the process end). */
  constructor(options: {
    send: (message: ChildMessage) => void;
    load: SessionLoader;
    onShutdown: () => void;
  }) {
    this.#send = options.send;
    this.#load = options.load;
    this.#onShutdown = options.onShutdown;
    this.#chunks = new ChunkCoalescer((id, text) => this.#send({ type: 'chunk', id, text }));
  }

  /** Announces the protocol version; the parent waits for this before sending `load`. */
  hello(): void {
    this.#send({ type: 'hello', version: PROTOCOL_VERSION, pid: process.pid });
  }

  /** Handles one raw IPC message; malformed ones are reported on stderr and dropped (they carry no usable id). */
  receive(raw: unknown): void {
    const parsed = parseParentMessage(raw);
    if (!parsed.ok) {
      process.stderr.write(`${parsed.error}\n`);
      return;
    }
    this.#handle(parsed.message);
  }

  #handle(message: ParentMessage): void {
    switch (message.type) {
      case 'load':
        if (this.#engine)
          return this.#fail(undefined, new AppError('RUNNER_FAILED', 'a model is already loaded'));
        this.#engine = this.#load(message.spec, message.calibration).then(({ engine, threadSpeeds }) => {
          this.#send({ type: 'loaded', info: engine.info, threadSpeeds });
          return engine;
        });
        this.#engine.catch((err: unknown) => this.#fail(undefined, err));
        return;
      case 'request':
        return this.#request(message.id, message.body);
      case 'cancel':
        this.#inFlight.get(message.id)?.controller.abort(new AppError('CANCELLED', 'request cancelled'));
        return;
      case 'ping':
        return this.#send({ type: 'pong', seq: message.seq });
      case 'shutdown':
        void this.shutdown();
    }
  }

  #request(id: number, body: RequestBody): void {
    const controller = new AbortController();
    const settled = (async () => {
      try {
        if (!this.#engine || this.#shuttingDown) throw new AppError('RUNNER_FAILED', 'no model is loaded');
        const engine = await this.#engine;
        const { signal } = controller;
        if (body.op === 'generate') {
          const onText = (text: string): void => this.#chunks.add(id, text);
          const result = await engine.generate(body.request, { signal, onText });
          this.#chunks.flush(id);
          this.#send({ type: 'done', id, body: { op: 'generate', result } });
        } else if (body.op === 'embed') {
          this.#send({
            type: 'done',
            id,
            body: { op: 'embed', result: await engine.embed(body.request, signal) },
          });
        } else if (body.op === 'rerank') {
          const result = await engine.rerank(body.request, signal);
          this.#send({ type: 'done', id, body: { op: 'rerank', result } });
        } else if (body.op === 'tokenize') {
          this.#send({ type: 'done', id, body: { op: 'tokenize', tokens: engine.tokenize(body.text) } });
        } else if (body.op === 'status') {
          this.#send({ type: 'done', id, body: { op: 'status', cache: engine.cacheUsage() } });
        } else if (body.op === 'encode') {
          this.#send({ type: 'done', id, body: { op: 'encode', examples: engine.encode(body.inputs) } });
        } else {
          this.#send({ type: 'done', id, body: { op: 'detokenize', text: engine.detokenize(body.tokens) } });
        }
      } catch (err) {
        this.#chunks.flush(id);
        this.#fail(id, err);
      } finally {
        this.#inFlight.delete(id);
      }
    })();
    this.#inFlight.set(id, { controller, settled });
  }

  #fail(id: number | undefined, err: unknown): void {
    if (!isAppError(err)) process.stderr.write(`runner error: ${(err as Error)?.stack ?? String(err)}\n`);
    const code = isAppError(err) ? err.code : 'RUNNER_FAILED';
    const message = err instanceof Error ? err.message : String(err);
    this.#send({ type: 'error', ...(id !== undefined && { id }), code, message });
  }

  /** Aborts every request, waits for them, disposes the engine, then calls `onShutdown`; idempotent. */
  shutdown(): Promise<void> {
    this.#shuttingDown ??= (async () => {
      for (const { controller } of this.#inFlight.values())
        controller.abort(new AppError('CANCELLED', 'runner stopping'));
      await Promise.all([...this.#inFlight.values()].map((r) => r.settled));
      this.#chunks.close();
      const engine = await this.#engine?.catch(() => undefined); // a failed load was already reported
      try {
        await engine?.close();
      } catch (err) {
        // The process ends right after; the parent gets the reason from stderr.
        process.stderr.write(`runner shutdown: dispose failed: ${(err as Error)?.stack ?? String(err)}\n`);
      }
      this.#onShutdown();
    })();
    return this.#shuttingDown;
  }
}
