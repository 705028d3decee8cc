/**
 * Who is using the console (`GET /api/auth/me`): with auth on and no session, the app shows the login page;
 * the permissions list hides what the role cannot do (the server still enforces it).
 */
import type { WhoAmI } from '../../../src/api/index.js';
import { writable, get } from 'svelte/store';
import { client, errorText, setUnauthorizedHandler } from './api.js';

/** `undefined` until the first answer. */
export const session = writable<WhoAmI | undefined>(undefined);
/** Why /me failed (server down), shown instead of the app. */
export const sessionError = writable<string | undefined>(undefined);

/** Ask the server who we are. */
export async function refreshSession(): Promise<void> {
  try {
    session.set(await client.whoami());
    sessionError.set(undefined);
  } catch (err) {
    sessionError.set(errorText(err));
  }
}

setUnauthorizedHandler(() => {
  // A 401 means the session ended or never was: re-check, which shows the login page when auth is on.
  if (get(session)?.authenticated) void refreshSession();
});

/** Whether the session holds `permission` (everything while auth is off). */
export function can(me: WhoAmI | undefined, permission: string): boolean {
  if (me === undefined) return false;
  return me.auth === 'off' || me.permissions.includes(permission);
}

/** Whether the app must show the login page instead. */
export function needsLogin(me: WhoAmI | undefined): boolean {
  return me !== undefined && me.auth === 'on' && !me.authenticated;
}
