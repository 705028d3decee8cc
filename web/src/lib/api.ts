/**
 * The console's one connection to the server: the typed `Client` of `src/api`, sending the session cookie
 * (`corral_session`, HttpOnly) with every same-origin request. A 401 tells the session store to re-check who
 * we are, which shows the login page when the session ended.
 */
// client.js directly rather than the index: the index also re-exports zod schemas the browser never needs.
import { Client } from '../../../src/api/client.js';

let onUnauthorized: () => void = () => undefined;

/** Called by the session store: runs when any request answers 401. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

const sameOrigin: typeof fetch = async (input, init) => {
  const res = await fetch(input, { ...init, credentials: 'same-origin' });
  if (res.status === 401) onUnauthorized();
  return res;
};

/** The shared client; base URL '' makes every path relative to the page's origin. */
export const client = new Client({ baseUrl: '', fetch: sameOrigin });

/** A readable message for any failure (ApiError's message is the server's). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
