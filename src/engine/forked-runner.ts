/**
 * The parent side of one runner process: implements the `Runner` port over `child_process.fork` and the protocol
 * of `protocol.ts`. Owns the process: handshake and load timeouts, hang detection by ping, crash reporting with the
 * runner's last output lines, graceful shutdown with a SIGKILL fallback.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import {
  abortedBeforeStart,
  AppError,
  type EmbedRequest,
  type EmbedResult,
  type GenerateRequest,
  type GenerateResult,
  type KvCacheUsage,
  type Logger,
  type RerankRequest,
  type RerankResult,
  type Runner,
  type RunnerExit,
  type RunnerLoadInfo,
  type RunnerLoadSpec,
  type EncodedExample,
  type TrainingInput,
} from '../core/index.js';
import { exitError, failureMessage } from './exit-error.js';
import { OutputTail } from './output-tail.js';
import {
  parseChildMessage,
  PROTOCOL_VERSION,
  type ChildMessage,
  type DoneBody,
  type ParentMessage,
} from './protocol.js';
import { RunnerRequests } from './runner-requests.js';
import type { RunnerEntry } from './runner-entry.js';
import type { ThreadSpeeds } from './thread-calibration.js';

/** Limits and wiring of a forked runner (defaults are set by the factory). */
export interface ForkedRunnerOptions {
  log: Logger;
  entry: RunnerEntry;
  handshakeTimeoutMs: number;
  loadTimeoutMs: number;
  /** A runner with requests outstanding that leaves a ping unanswered this long is killed. */
  hangTimeoutMs: number;
  pingIntervalMs: number;
  /** How long `close()` waits for a graceful exit before SIGKILL. */
  shutdownGraceMs: number;
  env?: NodeJS.ProcessEnv;
}

/** Longest delay `setTimeout` honours (2^31 - 1 ms); longer ones fire immediately. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * How long a metrics scrape waits for a runner's cache report. The runner answers between two tokens, so only a
 * stuck one is this slow; it is left out of that scrape, and the hang check (the request stays outstanding) decides
 * whether it is killed.
 */
const STATUS_TIMEOUT_MS = 1_000;

type StartWaiter = {
  type: 'hello' | 'loaded';
  resolve: (message: ChildMessage) => void;
  reject: (err: AppError) => void;
};

export class ForkedRunner implements Runner {
  readonly exited: Promise<RunnerExit>;
  readonly #options: ForkedRunnerOptions;
  readonly #child: ChildProcess;
  readonly #tail: OutputTail;
  readonly #requests: RunnerRequests;
  readonly #model: string;
  #resolveExited!: (exit: RunnerExit) => void;
  #info: RunnerLoadInfo | undefined;
  #startWaiter: StartWaiter | undefined;
  #failure: AppError | undefined;
  #closeRequested = false;
  #closing: Promise<void> | undefined;
  #ended = false;
  #ping: { seq: number; sentAt: number } | undefined;
  #pingSeq = 0;
  #pingTimer: NodeJS.Timeout | undefined;

  /** Forks the runner process (it then waits for `start`). */
  constructor(options: ForkedRunnerOptions, modelPath: string) {
    this.#options = options;
    this.#model = basename(modelPath);
    this.exited = new Promise((resolve) => (this.#resolveExited = resolve));
    this.#child = fork(options.entry.modulePath, [], {
      execArgv: options.entry.execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: options.env ?? process.env,
      serialization: 'json',
    });
    const log = options.log.child({ runnerPid: this.#child.pid, model: this.#model });
    this.#tail = new OutputTail(log);
    this.#tail.attach(this.#child.stdout, 'stdout');
    this.#tail.attach(this.#child.stderr, 'stderr');
    this.#requests = new RunnerRequests((message) => this.#send(message), log);
    this.#child.on('message', (raw) => this.#onMessage(raw));
    // 'close' comes after the output streams ended, so the last lines are in the tail when requests fail.
    this.#child.on('close', (code, signal) => this.#onExit(code, signal));
    this.#child.on('error', (err) => {
      log.error({ err }, 'runner process error');
      if (this.#child.pid === undefined) this.#onExit(null, null); // never spawned: no 'close' will follow
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get info(): RunnerLoadInfo {
    if (!this.#info) throw new AppError('INTERNAL', 'runner info read before the model was loaded');
    return this.#info;
  }

  /** Handshake, then load; rejects (`RUNNER_TIMEOUT`, `RUNNER_FAILED`, the child's own code, `CANCELLED`). */
  async start(
    spec: RunnerLoadSpec,
    calibration: { measure: number[]; known: ThreadSpeeds } | undefined,
    signal?: AbortSignal,
  ): Promise<ThreadSpeeds> {
    const onAbort = (): void => this.#kill(new AppError('CANCELLED', `loading ${this.#model} was cancelled`));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const { handshakeTimeoutMs, loadTimeoutMs } = this.#options;
      const hello = await this.#await(
        'hello',
        handshakeTimeoutMs,
        `runner did not start within ${handshakeTimeoutMs} ms`,
      );
      if (hello.type === 'hello' && hello.version !== PROTOCOL_VERSION)
        throw new AppError(
          'RUNNER_FAILED',
          `runner speaks protocol ${hello.version}, expected ${PROTOCOL_VERSION}`,
        );
      this.#send({ type: 'load', spec, ...(calibration && { calibration }) });
      const loaded = await this.#await(
        'loaded',
        loadTimeoutMs,
        `runner did not load ${this.#model} within ${loadTimeoutMs} ms`,
      );
      if (loaded.type !== 'loaded') throw new AppError('INTERNAL', 'unexpected start message');
      this.#info = loaded.info;
      this.#pingTimer = setInterval(() => this.#checkAlive(), this.#options.pingIntervalMs);
      this.#pingTimer.unref();
      return loaded.threadSpeeds;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async generate(
    request: GenerateRequest,
    handlers: { signal?: AbortSignal; onText?: (text: string) => void },
  ): Promise<GenerateResult> {
    // Aborting never rejects a generation: it resolves with what was produced and doneReason 'abort'.
    if (handlers.signal?.aborted) return abortedBeforeStart();
    const body = await this.#call({ op: 'generate', request }, handlers.signal, handlers.onText);
    return (body as Extract<DoneBody, { op: 'generate' }>).result;
  }

  async embed(request: EmbedRequest, signal?: AbortSignal): Promise<EmbedResult> {
    if (signal?.aborted) throw new AppError('CANCELLED', 'embedding cancelled');
    const body = await this.#call({ op: 'embed', request }, signal);
    return (body as Extract<DoneBody, { op: 'embed' }>).result;
  }

  async rerank(request: RerankRequest, signal?: AbortSignal): Promise<RerankResult> {
    if (signal?.aborted) throw new AppError('CANCELLED', 'reranking cancelled');
    const body = await this.#call({ op: 'rerank', request }, signal);
    return (body as Extract<DoneBody, { op: 'rerank' }>).result;
  }

  async detokenize(tokens: number[]): Promise<string> {
    const body = await this.#call({ op: 'detokenize', tokens });
    return (body as Extract<DoneBody, { op: 'detokenize' }>).text;
  }

  async encode(inputs: TrainingInput[], signal?: AbortSignal): Promise<EncodedExample[]> {
    if (signal?.aborted) throw new AppError('CANCELLED', 'encoding cancelled');
    const body = await this.#call({ op: 'encode', inputs }, signal);
    return (body as Extract<DoneBody, { op: 'encode' }>).examples;
  }

  async tokenize(text: string): Promise<number[]> {
    const body = await this.#call({ op: 'tokenize', text });
    return (body as Extract<DoneBody, { op: 'tokenize' }>).tokens;
  }

  async cacheUsage(): Promise<KvCacheUsage> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      const message = `runner for ${this.#model} did not report its cache within ${STATUS_TIMEOUT_MS} ms`;
      timer = setTimeout(() => reject(new AppError('RUNNER_TIMEOUT', message)), STATUS_TIMEOUT_MS);
    });
    try {
      // A late answer still settles the request (race keeps listening, so a later rejection is handled too).
      const body = await Promise.race([this.#call({ op: 'status' }), late]);
      return (body as Extract<DoneBody, { op: 'status' }>).cache;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Asks the runner to dispose its model and exit; SIGKILL after the grace period. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#ended) return;
      this.#closeRequested = true;
      this.#send({ type: 'shutdown' });
      const grace = setTimeout(() => this.#child.kill('SIGKILL'), this.#options.shutdownGraceMs);
      await this.exited;
      clearTimeout(grace);
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #call(
    body: Extract<ParentMessage, { type: 'request' }>['body'],
    signal?: AbortSignal,
    onText?: (t: string) => void,
  ) {
    if (this.#ended || this.#closeRequested || !this.#info)
      return Promise.reject(new AppError('RUNNER_FAILED', `runner for ${this.#model} is not running`));
    return this.#requests.call(body, signal, onText);
  }

  #await(type: StartWaiter['type'], timeoutMs: number, timeoutMessage: string): Promise<ChildMessage> {
    return new Promise((resolve, reject) => {
      if (this.#ended) return reject(this.#failure ?? new AppError('RUNNER_FAILED', 'runner exited'));
      // An infinite limit (a negative duration in the config) means no timer: setTimeout would fire at once.
      const timer =
        timeoutMs <= MAX_TIMER_MS
          ? setTimeout(() => {
              this.#kill(new AppError('RUNNER_TIMEOUT', failureMessage(timeoutMessage, this.#tail.lines())));
            }, timeoutMs)
          : undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.#startWaiter = undefined;
      };
      this.#startWaiter = {
        type,
        resolve: (message) => (done(), resolve(message)),
        reject: (err) => (done(), reject(err)),
      };
    });
  }

  #onMessage(raw: unknown): void {
    const parsed = parseChildMessage(raw);
    if (!parsed.ok) return this.#kill(new AppError('RUNNER_FAILED', `${parsed.error}; runner killed`));
    const message = parsed.message;
    if (message.type === 'hello' || message.type === 'loaded') {
      if (this.#startWaiter?.type === message.type) this.#startWaiter.resolve(message);
      else
        this.#kill(new AppError('RUNNER_FAILED', `runner sent '${message.type}' out of turn; runner killed`));
    } else if (message.type === 'error' && message.id === undefined) {
      const err = new AppError(message.code, message.message);
      if (this.#startWaiter) this.#startWaiter.reject(err);
      else this.#options.log.error({ code: message.code, model: this.#model }, message.message);
    } else if (message.type === 'pong') {
      if (this.#ping?.seq === message.seq) this.#ping = undefined;
    } else {
      this.#requests.receive(message);
    }
  }

  /** Pings while requests are outstanding; kills a runner that leaves a ping unanswered for `hangTimeoutMs`. */
  #checkAlive(): void {
    if (this.#requests.size === 0) {
      this.#ping = undefined;
      return;
    }
    const now = performance.now();
    if (this.#ping === undefined) {
      this.#ping = { seq: ++this.#pingSeq, sentAt: now };
      this.#send({ type: 'ping', seq: this.#ping.seq });
    } else if (now - this.#ping.sentAt > this.#options.hangTimeoutMs) {
      const message = `runner for ${this.#model} stopped answering (no pong in ${this.#options.hangTimeoutMs} ms); killed`;
      this.#kill(new AppError('RUNNER_TIMEOUT', failureMessage(message, this.#tail.lines())));
    }
  }

  #kill(reason: AppError): void {
    if (this.#ended) return;
    this.#failure ??= reason;
    this.#startWaiter?.reject(this.#failure);
    this.#child.kill('SIGKILL');
  }

  #send(message: ParentMessage): void {
    if (!this.#child.connected) return; // the exit handler fails whatever was waiting on this message
    this.#child.send(message, (err) => {
      if (err) this.#options.log.warn({ err, type: message.type }, 'runner message not delivered');
    });
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#pingTimer);
    const lastErrorLines = this.#tail.lines();
    const expected = this.#closeRequested && this.#failure === undefined;
    const error =
      this.#failure ??
      (expected
        ? new AppError('CANCELLED', `runner for ${this.#model} was stopped`)
        : exitError({ model: this.#model, code, signal, lastErrorLines }));
    this.#startWaiter?.reject(error);
    this.#requests.failAll(error);
    this.#resolveExited({ expected, code, signal, lastErrorLines });
  }
}
