/**
 * Controller leadership: whoever holds the PostgreSQL advisory lock on its own session leads, with the epoch it
 * claimed when it locked. There is no home-made consensus: the database decides, and a session that dies (crash,
 * partition, `pg_terminate_backend`) frees the lock for the next candidate. A leader that has not noticed yet is
 * fenced: {@link LeaderLease.fencedWrite} re-checks its epoch under a row lock in the write's own transaction
 * (Kleppmann's fencing tokens, "How to do distributed locking", 2016).
 */
import { AppError, type Logger } from '../core/index.js';
import {
  openLeaderSession,
  type ClusterRepository,
  type ClusterWrites,
  type LeaderSession,
  type LeaderSessionOptions,
} from '../db/index.js';

/** Options of {@link LeaderLease}. */
export interface LeaderLeaseOptions {
  /** The shared PostgreSQL database (`postgres://…`); the lease opens its own session to it. */
  url: string;
  /** This gateway's id, recorded as the leader. */
  holder: string;
  /** The shared database's cluster repository: fenced writes run through it (the pool, not the lock session). */
  cluster: Pick<ClusterRepository, 'fenced'>;
  log: Logger;
  /** Told once each time held leadership is lost because the session died. */
  onLost?: (reason: Error) => void;
  /** While leading, a query on the session this often (ms) notices a silently dead connection. 0: never. */
  checkIntervalMs?: number;
  /** Opens the lock session (tests wrap it). Default: {@link openLeaderSession}. */
  openSession?: (o: LeaderSessionOptions) => Promise<LeaderSession>;
}

/** One candidate for controller leadership. Not leading until {@link LeaderLease.tryAcquire} says so. */
export class LeaderLease implements AsyncDisposable {
  readonly #o: LeaderLeaseOptions;
  readonly #log: Logger;
  #session: LeaderSession | undefined;
  /** Bumped whenever the session is dropped, so a late event from an old session changes nothing. */
  #generation = 0;
  #leader = false;
  #epoch: number | undefined;
  #check: NodeJS.Timeout | undefined;
  #acquiring: Promise<boolean> | undefined;
  #closed = false;

  constructor(options: LeaderLeaseOptions) {
    this.#o = options;
    this.#log = options.log.child({ component: 'leader-lease', holder: options.holder });
  }

  /** True while this lease holds the lock (as far as it knows: fenced writes ask the database). */
  get isLeader(): boolean {
    return this.#leader;
  }

  /** The epoch claimed when leadership was last acquired; undefined before that and after a release. */
  get epoch(): number | undefined {
    return this.#epoch;
  }

  /** Takes the lock if free: true when leading (also when already leading). Database failures reject. */
  tryAcquire(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#leader) return Promise.resolve(true);
    this.#acquiring ??= this.#acquire().finally(() => (this.#acquiring = undefined));
    return this.#acquiring;
  }

  /**
   * Runs `work` in a transaction that first checks this lease's epoch is still the current one; `CONFLICT` when
   * it is not (another leader claimed a later epoch) or when this lease knows it does not lead.
   */
  async fencedWrite<T>(work: (tx: ClusterWrites) => Promise<T>): Promise<T> {
    const epoch = this.#epoch;
    if (epoch === undefined) throw new AppError('CONFLICT', 'not the cluster leader');
    if (!this.#leader) throw new AppError('CONFLICT', `stale leader: epoch ${epoch} lost its lock`);
    return this.#o.cluster.fenced(epoch, work);
  }

  /** Gives leadership up by ending the session (which frees the lock even if the unlock fails). Idempotent. */
  async release(): Promise<void> {
    const session = this.#session;
    this.#drop();
    this.#epoch = undefined;
    if (session !== undefined) await session.close();
  }

  /** Releases and refuses further acquisitions. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#acquiring?.catch(() => false); // its failure was the caller's to handle
    await this.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #acquire(): Promise<boolean> {
    const session = this.#session ?? (await this.#open());
    if (session === undefined) return false;
    let claimed;
    try {
      claimed = await session.tryLock(this.#o.holder);
    } catch (err) {
      // The session is unusable: the next attempt opens a fresh one.
      if (this.#session === session) this.#drop();
      await session.close();
      throw err;
    }
    if (claimed === undefined || this.#session !== session || this.#closed) {
      if (claimed !== undefined) await this.release(); // closed or lost meanwhile: do not keep the lock
      return false;
    }
    this.#leader = true;
    this.#epoch = claimed.epoch;
    this.#log.info({ epoch: claimed.epoch }, 'cluster leadership acquired');
    const every = this.#o.checkIntervalMs ?? 5000;
    if (every > 0) {
      this.#check = setInterval(() => void this.#probe(session), every);
      this.#check.unref();
    }
    return true;
  }

  /** A fresh session, or undefined when the lease was released while it connected. */
  async #open(): Promise<LeaderSession | undefined> {
    const generation = ++this.#generation;
    const open = this.#o.openSession ?? openLeaderSession;
    const session = await open({
      url: this.#o.url,
      log: this.#log,
      onLost: (reason) => {
        if (generation === this.#generation) this.#lose(reason);
      },
    });
    if (generation !== this.#generation) {
      await session.close(); // released while connecting
      return undefined;
    }
    this.#session = session;
    return session;
  }

  async #probe(session: LeaderSession): Promise<void> {
    try {
      await session.ping();
    } catch (err) {
      if (this.#session === session) this.#lose(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #lose(reason: Error): void {
    const session = this.#session;
    const wasLeader = this.#leader;
    this.#drop();
    // Ends the broken client's socket; it no longer reports anything (its generation is over).
    void session?.close();
    if (!wasLeader) return;
    this.#log.warn({ err: reason, epoch: this.#epoch }, 'cluster leadership lost');
    this.#o.onLost?.(reason);
  }

  /** Forgets the session and stops leading (the epoch stays, for the stale-leader message). */
  #drop(): void {
    this.#generation++;
    this.#session = undefined;
    this.#leader = false;
    clearInterval(this.#check);
    this.#check = undefined;
  }
}
