/**
 * The inference requests in flight, for `GET /api/queue` and `DELETE /api/requests/:id`: each is waiting (for
 * a runner or a load) or running, with its model, client and age. Every request gets one signal that aborts
 * when its client goes away, an operator cancels it (`CANCELLED`), or its timeout passes (`REQUEST_TIMEOUT`).
 */
import { AppError } from '../errors.js';

/** What is known of a request when it arrives. */
export interface RequestInfo {
  model: string;
  kind: 'generate' | 'chat' | 'embed' | 'rerank';
  /** Who sent it (API key or user name); `undefined` when unknown. */
  client?: string;
  /** Abort after this long (ms); 0 or absent: no limit. */
  timeoutMs?: number;
}

/** One row of the queue. */
export interface QueuedRequest {
  id: string;
  model: string;
  kind: RequestInfo['kind'];
  client: string | null;
  state: 'waiting' | 'running';
  receivedAt: Date;
  startedAt: Date | null;
}

/** A tracked request: use `signal` for all its work, call `running()` once it has a runner, `end()` always. */
export interface ActiveRequest {
  readonly id: string;
  readonly signal: AbortSignal;
  running(): void;
  end(): void;
  /** The operator's or timeout's error when one aborted the request, else `undefined`. */
  failure(): AppError | undefined;
}

interface Entry {
  row: QueuedRequest;
  controller: AbortController;
}

/** The in-flight requests of one server. */
export class RequestRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #defaultTimeoutMs: number;
  #next = 0;

  constructor(options: { defaultTimeoutMs?: number } = {}) {
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? 0;
  }

  begin(info: RequestInfo, clientSignal?: AbortSignal): ActiveRequest {
    const id = `req_${(++this.#next).toString(36)}_${Date.now().toString(36)}`;
    const controller = new AbortController();
    const row: QueuedRequest = {
      id,
      model: info.model,
      kind: info.kind,
      client: info.client ?? null,
      state: 'waiting',
      receivedAt: new Date(),
      startedAt: null,
    };
    this.#entries.set(id, { row, controller });
    const timeoutMs = info.timeoutMs ?? this.#defaultTimeoutMs;
    const timer =
      timeoutMs > 0 && Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            const message = `the request took longer than its timeout of ${Math.round(timeoutMs / 1000)}s`;
            controller.abort(new AppError('REQUEST_TIMEOUT', message));
          }, timeoutMs)
        : undefined;
    timer?.unref?.();
    const signal =
      clientSignal === undefined ? controller.signal : AbortSignal.any([clientSignal, controller.signal]);
    return {
      id,
      signal,
      running: () => {
        row.state = 'running';
        row.startedAt = new Date();
      },
      end: () => {
        clearTimeout(timer);
        this.#entries.delete(id);
      },
      failure: () => {
        const reason: unknown = controller.signal.reason;
        return controller.signal.aborted && reason instanceof AppError ? reason : undefined;
      },
    };
  }

  /** Waiting and running requests, oldest first. */
  list(): QueuedRequest[] {
    return [...this.#entries.values()].map((e) => ({ ...e.row }));
  }

  /** Cancel request `id`; false when it is not (or no longer) in flight. */
  cancel(id: string, by: string): boolean {
    const entry = this.#entries.get(id);
    if (entry === undefined) return false;
    entry.controller.abort(new AppError('CANCELLED', `the request was cancelled by ${by}`));
    return true;
  }
}
