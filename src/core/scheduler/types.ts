/** The scheduler's ports and public shapes: options, acquire requests, leases, `ps` rows. */
import type { Logger } from '../logger.js';
import type { ErrorCode } from '../errors.js';
import type { KvCacheUsage, Runner, RunnerExit, RunnerFactory, RunnerLoadSpec } from '../runner.js';
import type { Clock } from './clock.js';
import type { MemoryEstimateInput } from './estimate-memory.js';

/** The memory port: what the machine (or a configured cap) has for models. `src/engine/system-memory.ts` reads Linux. */
export interface MemoryProbe {
  /**
   * `totalBytes`: the most Corral may use for models (RAM, or the configured cap). `freeBytes`: what is free right
   * now. The scheduler plans with `min(freeBytes, totalBytes − bytes held by its runners)`, so a probe that cannot
   * see the runners' usage (a fixed cap, mapped files counted as available) still never over-commits.
   */
  available(): Promise<{ freeBytes: number; totalBytes: number }>;
}

/**
 * The scheduler observer port: told when runners load, fail to load or die, so `src/metrics` can count them without
 * core knowing about Prometheus. Calls are synchronous; an observer that throws is logged, never fatal.
 */
export interface SchedulerObserver {
  /** A runner finished loading `model` (its display name) in `ms` milliseconds. */
  modelLoaded?(model: string, ms: number): void;
  /** Loading `model` failed (not counted: loads cancelled by an unload or shutdown). */
  modelLoadFailed?(model: string, code: ErrorCode): void;
  /** A loaded runner ended without being asked to: a crash, an out-of-memory kill or a hang. */
  runnerCrashed?(model: string, exit: RunnerExit): void;
}

/** Constructor options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** Starts runners (`src/engine/process-runner.ts`; tests inject a fake). */
  runnerFactory: RunnerFactory;
  memory: MemoryProbe;
  /** CPU threads all runners together may use. */
  coreBudget: number;
  /** Most models loaded at once (Ollama's `OLLAMA_MAX_LOADED_MODELS`); also capped by `coreBudget`. */
  maxLoadedModels: number;
  /** Most requests waiting at once, all models together (`OLLAMA_MAX_QUEUE`); more get `QUEUE_FULL`. */
  maxQueue: number;
  /** Concurrent requests per runner (`OLLAMA_NUM_PARALLEL`); the runner is loaded with this many sequences. */
  numParallel: number;
  /** How long an idle model stays loaded when the request does not say (`OLLAMA_KEEP_ALIVE`); `Infinity`: forever. */
  defaultKeepAliveMs: number;
  /** Limit on starting a runner and loading its model (default 5 minutes); past it: `RUNNER_TIMEOUT`. */
  loadTimeoutMs?: number;
  /** Accelerator choice passed to runners (default `auto`). */
  gpu?: RunnerLoadSpec['gpu'];
  /** Memory-map weights (default true). */
  useMmap?: boolean;
  log: Logger;
  /** Injected time (default: the system clock). */
  clock?: Clock;
  /** Told about loads and crashes (metrics). */
  observer?: SchedulerObserver;
}

/** The model facts the memory estimate needs; the scheduler fills in `contextSize` and `parallel`. */
export type ModelMemoryFacts = Omit<MemoryEstimateInput, 'contextSize' | 'parallel'>;

/** A request for a runner serving one model. */
export interface AcquireRequest {
  /** Unique identity of the model and its adapters (e.g. the manifest digest): one runner per key. */
  modelKey: string;
  /** Name shown by `ps` and in logs, e.g. `llama3.2:latest`. */
  displayName: string;
  /** Absolute path of the GGUF weights. */
  modelPath: string;
  adapters: RunnerLoadSpec['adapters'];
  /** Draft model for speculative decoding; a loaded runner with another draft (or none) is reloaded once idle. */
  draft?: RunnerLoadSpec['draft'];
  /** Context length per sequence; a loaded runner with a smaller one is reloaded (once idle). */
  contextSize: number;
  /** Memory the model needs: precomputed bytes, or the GGUF facts for {@link estimateMemory}. */
  estimate: ModelMemoryFacts | number;
  /**
   * How long the model stays loaded after its last request: `0` unloads at once, `Infinity` never expires,
   * a negative number means forever (Ollama). Absent: a loaded model keeps its current value; a new load gets
   * the default. Like Ollama, the latest request's value replaces the model's.
   */
  keepAliveMs?: number;
  /** CPU threads for a new runner (Ollama's `num_thread`); absent: the fair share of the budget. */
  threads?: number;
  /** Aborting removes the request from the queue (it rejects with `CANCELLED`); it does not stop a load. */
  signal?: AbortSignal;
}

/** The right to use a runner until released. `using lease = await scheduler.acquire(…)` releases on scope exit. */
export interface Lease extends Disposable {
  readonly runner: Runner;
  /** Give the runner back; idempotent. The keep-alive timer starts when the model's last lease is released. */
  release(): void;
}

/** One loaded model, as `ps` shows it (Ollama's `/api/ps` row). */
export interface LoadedModelStatus {
  modelKey: string;
  displayName: string;
  modelPath: string;
  /** Bytes the runner uses, RAM and accelerator memory together. */
  sizeBytes: number;
  /** Accelerator memory part of `sizeBytes`. */
  vramBytes: number;
  /** Context length per sequence actually allocated. */
  contextSize: number;
  /** CPU threads the runner uses. */
  threads: number;
  /** When it unloads if no request comes; `null`: never. While busy: now + keep-alive. */
  expiresAt: Date | null;
  /** Leases held now. */
  activeRequests: number;
  pid: number | undefined;
}

/** The KV-cache use of one loaded model, as its runner reported it (metrics). */
export interface ModelCacheUsage extends KvCacheUsage {
  modelKey: string;
  displayName: string;
}
