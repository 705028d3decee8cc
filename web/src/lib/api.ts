/**
 * The console's one connection to the server: the typed `Client` of `src/api`, sending the session cookie
 * (`corral_session`, HttpOnly) with every same-origin request. A 401 tells the session store to re-check who
 * we are, which shows the login page when the session ended.
 */
// client.js directly rather than the index: the index also re-exports zod schemas the browser never needs.
import { Client } from '../../../src/api/client.js';
import type {
  HfFilesResponse,
  LogsResponse,
  ProfileInfo,
  ProfileInput,
  ProfilesResponse,
  SystemInfo,
} from './types.js';

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

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await client.request(method, path, body);
  return (await res.json()) as T;
}

const profilePath = (name: string) => `/api/profiles/${encodeURIComponent(name)}`;

/** Corral extension endpoints (profiles, system, logs, background pulls, Hugging Face files). */
export const extra = {
  profiles: () => json<ProfilesResponse>('GET', '/api/profiles'),
  createProfile: (p: ProfileInput) => json<ProfileInfo>('POST', '/api/profiles', p),
  updateProfile: (name: string, p: Partial<ProfileInput>) => json<ProfileInfo>('PATCH', profilePath(name), p),
  deleteProfile: async (name: string) => void (await client.request('DELETE', profilePath(name))),
  startProfile: async (name: string) => void (await client.request('POST', `${profilePath(name)}/start`, {})),
  system: () => json<SystemInfo>('GET', '/api/system'),
  logs: (query: { level?: string; limit?: number; component?: string }) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
    return json<LogsResponse>('GET', `/api/logs?${params.toString()}`);
  },
  /** Start (or resume) a background pull; progress arrives on `/api/pulls/events`. */
  startPull: async (model: string, insecure: boolean) =>
    void (await client.request('POST', '/api/pulls', insecure ? { model, insecure } : { model })),
  hfFiles: (repo: string) => json<HfFilesResponse>('GET', `/api/hf/files?repo=${encodeURIComponent(repo)}`),
};

/** A readable message for any failure (ApiError's message is the server's). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
