/**
 * The readiness port: one thing the server needs before it can serve (a writable model store, a reachable
 * database). `GET /readyz` runs every check; `src/store` and `src/db` implement them, `server.ts` lists them.
 */

/** A named readiness check. */
export interface ReadinessCheck {
  /** Short stable name shown in `/readyz` answers, e.g. `store`, `database`. */
  readonly name: string;
  /** Resolves when ready; rejects with the reason otherwise. */
  check(): Promise<void>;
}
