/**
 * First-run admin bootstrap: while a server with auth on has no users and no API keys, it holds a one-time
 * token (printed at start) that creates the first admin through `POST /api/auth/bootstrap`. The token is random
 * per start and useless once any account exists.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/index.js';

/** The one-time token of this server process. */
export class BootstrapToken {
  readonly token = randomBytes(18).toString('base64url');
  readonly #db: Pick<Database, 'users' | 'apiKeys'>;

  constructor(db: Pick<Database, 'users' | 'apiKeys'>) {
    this.#db = db;
  }

  /** Whether no account exists yet (so the token is live). */
  async needed(): Promise<boolean> {
    return (await this.#db.users.count()) === 0 && (await this.#db.apiKeys.list()).length === 0;
  }

  /** Whether `candidate` is this token (constant-time). */
  matches(candidate: string): boolean {
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
