/**
 * The requests in flight to one runner process: ids, streamed text, cancellation, and settling them from `done` /
 * `error` messages or all at once when the process ends.
 */
import { AppError, type Logger } from '../core/index.js';
import type { ChildMessage, DoneBody, ParentMessage, RequestBody } from './protocol.js';

interface Pending {
  op: RequestBody['op'];
  onText: ((text: string) => void) | undefined;
  resolve: (body: DoneBody) => void;
  reject: (err: AppError) => void;
}

export class RunnerRequests {
  readonly #send: (message: ParentMessage) => void;
  readonly #log: Logger;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(send: (message: ParentMessage) => void, log: Logger) {
    this.#send = send;
    this.#log = log;
  }

  /** Requests not settled yet. */
  get size(): number {
    return this.#pending.size;
  }

  /** Sends a request; aborting `signal` sends `cancel` and the runner settles the request (within one token). */
  call(body: RequestBody, signal?: AbortSignal, onText?: (text: string) => void): Promise<DoneBody> {
    const id = this.#nextId++;
    return new Promise<DoneBody>((resolve, reject) => {
      const onAbort = (): void => this.#send({ type: 'cancel', id });
      const cleanup = (): void => signal?.removeEventListener('abort', onAbort);
      this.#pending.set(id, {
        op: body.op,
        onText,
        resolve: (done) => (cleanup(), resolve(done)),
        reject: (err) => (cleanup(), reject(err)),
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#send({ type: 'request', id, body });
    });
  }

  /** Routes a `chunk`, `done` or request `error` message; messages for settled requests are ignored. */
  receive(message: ChildMessage): void {
    if (message.type !== 'chunk' && message.type !== 'done' && message.type !== 'error') return;
    if (message.id === undefined) return;
    const pending = this.#pending.get(message.id);
    if (!pending) return; // settled already (e.g. failed by the caller's side); nothing waits for it
    if (message.type === 'chunk') {
      try {
        pending.onText?.(message.text);
      } catch (err) {
        this.#log.error({ err, id: message.id }, 'onText handler failed');
      }
      return;
    }
    this.#pending.delete(message.id);
    if (message.type === 'error') return pending.reject(new AppError(message.code, message.message));
    if (message.body.op !== pending.op)
      return pending.reject(
        new AppError('RUNNER_FAILED', `runner answered a ${pending.op} request with ${message.body.op}`),
      );
    pending.resolve(message.body);
  }

  /** Rejects every pending request with `error` (the process ended). */
  failAll(error: AppError): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of pending) request.reject(error);
  }
}
