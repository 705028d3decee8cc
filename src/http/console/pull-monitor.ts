/**
 * What the console's Downloads page sees of pulls: it starts background pulls (`POST /api/pulls`, which run on
 * when the client leaves), follows every pull that goes through the server (background ones and `POST /api/pull`
 * streams) and turns their Ollama progress lines into throttled `progress` events with speed and ETA, then one
 * `done` or `failed`, for the subscribers of `GET /api/pulls/events`. Finished background pulls stay listed (in
 * memory, the last {@link MonitorOptions.keepFinished}) beside the puller's durable records, so one that succeeded
 * or failed before it had data to resume still shows its outcome to a console that was not watching.
 */
import type { PullEntry, PullEvent, PullLayerProgress, PullsResponse } from '../../api/index.js';
import { isAppError, type Logger } from '../../core/index.js';
import { type ModelPuller, type PullProgress, parseTarget } from '../../store/index.js';
import { toAppError } from '../errors.js';
import { toPullEntry } from '../ollama/pull-routes.js';

/** Options of {@link PullMonitor}. */
export interface MonitorOptions {
  puller: ModelPuller;
  log: Logger;
  /** Told about every progress line of background pulls (download byte metrics). */
  onProgress?: (p: PullProgress) => void;
  /** Least time between two `progress` events of one pull (default 250 ms: at most 4 a second). */
  intervalMs?: number;
  /** Heartbeat period of subscribers (default 15 s). */
  heartbeatMs?: number;
  /** Finished pulls kept listed (default 50). */
  keepFinished?: number;
  now?: () => number;
}

/** One subscriber: events as they come, a heartbeat now and then, and `onClose` when the monitor closes. */
export interface PullSubscriber {
  onEvent(e: PullEvent): void;
  onHeartbeat(): void;
  onClose(): void;
}

interface Tracked {
  model: string;
  status: string;
  layers: Map<string, PullLayerProgress>;
  recordTotal: number;
  /** undefined: not asked yet; true while the records are read (progress waits, so totals never shrink). */
  learning: boolean | undefined;
  samples: Array<{ at: number; completed: number }>;
  followers: number;
  /** Started by `POST /api/pulls`: its outcome stays listed (stream clients get theirs in their stream). */
  background: boolean;
  startedAt: string;
  lastSent: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const RATE_WINDOW_MS = 5_000;

/** See the module comment. `close()` ends every subscription and timer. */
export class PullMonitor {
  readonly #o: Required<Omit<MonitorOptions, 'onProgress'>> & Pick<MonitorOptions, 'onProgress'>;
  readonly #tracked = new Map<string, Tracked>();
  readonly #finished = new Map<string, PullEntry>();
  readonly #background = new Set<string>();
  readonly #subscribers = new Set<PullSubscriber>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: MonitorOptions) {
    this.#o = {
      intervalMs: 250,
      heartbeatMs: 15_000,
      keepFinished: 50,
      now: () => Date.now(),
      ...options,
    };
  }

  /**
   * Start a background pull of `model` (or join its running pull). Resolves once it runs; rejects when it fails
   * before its first progress line (bad name, queue full, shutting down). Later failures are `failed` events.
   */
  async start(model: string, insecure = false): Promise<void> {
    const key = parseTarget(model, insecure).name.toString();
    if (this.#background.has(key)) return;
    this.#background.add(key);
    let running!: () => void;
    const started = new Promise<void>((resolve) => (running = resolve));
    const done = this.#follow(model, true, (onProgress) =>
      this.#o.puller.pull(model, {
        insecure,
        onProgress: (p) => {
          running();
          this.#o.onProgress?.(p);
          onProgress(p);
        },
      }),
    ).finally(() => this.#background.delete(key));
    done.catch((err: unknown) => this.#o.log.info({ err, model: key }, 'background pull stopped'));
    await Promise.race([started, done]);
  }

  /** Follow a pull `run` performs, feeding subscribers from its progress lines; settles as `run` does. */
  follow(model: string, run: (onProgress: (p: PullProgress) => void) => Promise<void>): Promise<void> {
    return this.#follow(model, false, run);
  }

  async #follow(
    model: string,
    background: boolean,
    run: (onProgress: (p: PullProgress) => void) => Promise<void>,
  ): Promise<void> {
    const key = parseTarget(model, true).name.toString();
    const t = this.#track(key);
    t.followers++;
    t.background ||= background;
    try {
      await run((p) => this.#progress(t, p));
      this.#finish(t, undefined);
    } catch (err) {
      this.#finish(t, err);
      throw err;
    }
  }

  /** `GET /api/pulls`: the puller's records (running, interrupted, failed), then recently finished pulls. */
  async list(): Promise<PullsResponse> {
    const pulls = (await this.#o.puller.list()).map(toPullEntry);
    const listed = new Set(pulls.map((p) => p.model));
    for (const entry of [...this.#finished.values()].reverse()) {
      if (!listed.has(entry.model)) pulls.push(entry);
    }
    return { pulls };
  }

  /** Receive events until the returned function is called (or the monitor closes). */
  subscribe(subscriber: PullSubscriber): () => void {
    if (this.#closed) {
      subscriber.onClose();
      return () => undefined;
    }
    this.#subscribers.add(subscriber);
    this.#heartbeat ??= setInterval(() => {
      for (const s of this.#subscribers) s.onHeartbeat();
    }, this.#o.heartbeatMs);
    return () => {
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size === 0) this.#stopHeartbeat();
    };
  }

  /** Subscribers and live timers (tests check that nothing leaks). */
  get stats(): { subscribers: number; timers: number; tracked: number } {
    const throttles = [...this.#tracked.values()].filter((t) => t.timer !== undefined).length;
    return {
      subscribers: this.#subscribers.size,
      timers: throttles + (this.#heartbeat === undefined ? 0 : 1),
      tracked: this.#tracked.size,
    };
  }

  /** End every subscription and timer. Pulls themselves belong to the puller, which `close()`s them. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const t of this.#tracked.values()) clearTimeout(t.timer);
    this.#tracked.clear();
    this.#stopHeartbeat();
    const subscribers = [...this.#subscribers];
    this.#subscribers.clear();
    for (const s of subscribers) s.onClose();
  }

  #track(model: string): Tracked {
    let t = this.#tracked.get(model);
    if (t === undefined) {
      t = {
        model,
        status: 'pulling manifest',
        layers: new Map(),
        recordTotal: 0,
        learning: undefined,
        samples: [],
        followers: 0,
        background: false,
        startedAt: new Date(this.#o.now()).toISOString(),
        lastSent: 0,
        timer: undefined,
      };
      this.#tracked.set(model, t);
      this.#finished.delete(model);
    }
    return t;
  }

  #progress(t: Tracked, p: PullProgress): void {
    if (this.#tracked.get(t.model) !== t) return; // finished or closed meanwhile
    t.status = p.status;
    if (p.digest !== undefined && p.total !== undefined) {
      t.layers.set(p.digest, { digest: p.digest, total: p.total, completed: p.completed ?? 0 });
      if (t.learning === undefined) this.#learnTotal(t);
    }
    const now = this.#o.now();
    t.samples.push({ at: now, completed: completedOf(t) });
    while (t.samples.length > 2 && now - (t.samples[0]?.at ?? now) > RATE_WINDOW_MS) t.samples.shift();
    this.#schedule(t);
  }

  #schedule(t: Tracked): void {
    if (t.timer !== undefined || t.learning === true) return;
    const wait = t.lastSent + this.#o.intervalMs - this.#o.now();
    if (wait <= 0) this.#send(t);
    else t.timer = setTimeout(() => this.#send(t), wait);
  }

  // The record lists every layer once the manifest is in: the total is known before later layers start.
  #learnTotal(t: Tracked): void {
    t.learning = true;
    this.#o.puller
      .list()
      .then(
        (all) => {
          const entry = all.find((s) => s.model === t.model);
          if (entry !== undefined) t.recordTotal = entry.total;
        },
        (err: unknown) => this.#o.log.warn({ err, model: t.model }, 'cannot read pull records'),
      )
      .finally(() => {
        t.learning = false;
        if (this.#tracked.get(t.model) === t) this.#schedule(t);
      });
  }

  #send(t: Tracked): void {
    t.timer = undefined;
    t.lastSent = this.#o.now();
    const completed = completedOf(t);
    const total = Math.max(
      t.recordTotal,
      [...t.layers.values()].reduce((s, l) => s + l.total, 0),
    );
    const first = t.samples[0];
    const last = t.samples.at(-1);
    const span = first && last ? (last.at - first.at) / 1000 : 0;
    const bps = first && last && span >= 0.2 ? Math.max(0, (last.completed - first.completed) / span) : 0;
    this.#emit({
      event: 'progress',
      data: {
        model: t.model,
        state: 'pulling',
        status: t.status,
        total,
        completed,
        layers: [...t.layers.values()],
        bytes_per_second: Math.round(bps),
        eta_seconds: bps > 0 && total > 0 ? Math.ceil(Math.max(0, total - completed) / bps) : null,
      },
    });
  }

  #finish(t: Tracked, err: unknown): void {
    t.followers--;
    if (this.#tracked.get(t.model) !== t) return;
    // A follower that left (its client went away) while others still follow: the pull goes on.
    if (err !== undefined && t.followers > 0) return;
    clearTimeout(t.timer);
    t.timer = undefined;
    this.#tracked.delete(t.model);
    const total = Math.max(
      t.recordTotal,
      [...t.layers.values()].reduce((s, l) => s + l.total, 0),
    );
    const base = {
      model: t.model,
      total,
      completed: err === undefined ? total : completedOf(t),
      started_at: t.startedAt,
      updated_at: new Date(this.#o.now()).toISOString(),
    };
    if (err === undefined) {
      if (t.background) this.#remember({ ...base, state: 'success' });
      this.#emit({ event: 'done', data: { model: t.model } });
      return;
    }
    const interrupted = isAppError(err, 'CANCELLED') || (err instanceof Error && err.name === 'AbortError');
    const state = interrupted ? 'interrupted' : 'failed';
    const error = err instanceof Error ? err.message : toAppError(err).message;
    if (t.background) this.#remember({ ...base, state, error });
    this.#emit({ event: 'failed', data: { model: t.model, state, error } });
  }

  #remember(entry: PullEntry): void {
    this.#finished.delete(entry.model);
    this.#finished.set(entry.model, entry);
    for (const model of this.#finished.keys()) {
      if (this.#finished.size <= this.#o.keepFinished) break;
      this.#finished.delete(model);
    }
  }

  #emit(e: PullEvent): void {
    for (const s of this.#subscribers) {
      try {
        s.onEvent(e);
      } catch (err) {
        this.#o.log.warn({ err }, 'pull event subscriber failed'); // one broken stream must not stop the others
      }
    }
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}

function completedOf(t: Tracked): number {
  let sum = 0;
  for (const l of t.layers.values()) sum += l.completed;
  return sum;
}
