/**
 * A Hugging Face Hub look-alike on 127.0.0.1: `GET /api/models/<user>/<repo>[?blobs=true]` lists the repository's
 * files (`siblings`, with `size` and `lfs.sha256` when `blobs=true`), and `GET /<user>/<repo>/resolve/main/<file>`
 * redirects (302) to a CDN on another origin that serves the bytes with `Range` support. An optional token is
 * required by the API and resolve routes; the CDN records any `Authorization` header it receives (it must get none).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blobInput } from './hash-file.js';
import { type BlobData, type ServeFaults, serveBlob, sizeOf } from './serve-range.js';

/** A repository file: bytes or a file on disk. */
export interface HfFileInput {
  name: string;
  data: Buffer | string | { path: string };
  /** Stored with LFS (reported with `lfs.sha256`); default true for `.gguf` files. */
  lfs?: boolean;
}

/** A running Hugging Face-like server. */
export interface TestHuggingFace {
  /** The endpoint (`CORRAL_HF_ENDPOINT`). */
  url: string;
  /** Authorization headers the CDN received (should stay empty). */
  readonly cdnAuthorizations: string[];
  addRepo(repo: string, files: HfFileInput[]): Promise<Record<string, string>>;
  bytesServed(): number;
  setFault(sha256Hex: string, faults: ServeFaults): void;
  close(): Promise<void>;
}

/** Start the API server and its CDN. */
export async function startHuggingFace(options: { token?: string } = {}): Promise<TestHuggingFace> {
  const repos = new Map<string, Array<{ name: string; data: BlobData; sha: string; lfs: boolean }>>();
  const cdnBlobs = new Map<string, BlobData>();
  const faults = new Map<string, ServeFaults>();
  const cdnAuthorizations: string[] = [];
  let served = 0;
  const json = (res: ServerResponse, status: number, body: object) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const cdn = await listen(async (req, res) => {
    if (req.headers.authorization) cdnAuthorizations.push(req.headers.authorization);
    const sha = /^\/blobs\/([0-9a-f]{64})$/.exec(new URL(req.url ?? '/', 'http://x').pathname)?.[1];
    const blob = sha === undefined ? undefined : cdnBlobs.get(sha);
    if (sha === undefined || blob === undefined) return json(res, 404, { error: 'not found' });
    const f = faults.get(sha) ?? {};
    if (f.disconnectAfter !== undefined) faults.set(sha, { ...f, disconnectAfter: undefined });
    await serveBlob(req, res, blob, f, (n) => (served += n));
  });

  const api = await listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      return json(res, 401, { error: 'Invalid credentials in Authorization header' });
    }
    const info = /^\/api\/models\/([^/]+\/[^/]+)$/.exec(url.pathname);
    if (info) {
      const files = repos.get(info[1] as string);
      if (files === undefined) return json(res, 404, { error: 'Repository not found' });
      const blobsWanted = url.searchParams.get('blobs') === 'true';
      const siblings = files.map((f) =>
        blobsWanted
          ? {
              rfilename: f.name,
              size: sizeOf(f.data),
              blobId: f.sha.slice(0, 40),
              ...(f.lfs ? { lfs: { sha256: f.sha, size: sizeOf(f.data), pointerSize: 134 } } : {}),
            }
          : { rfilename: f.name },
      );
      return json(res, 200, { id: info[1], modelId: info[1], sha: 'c0ffee', private: false, siblings });
    }
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(url.pathname);
    const file = resolve
      ? repos.get(resolve[1] as string)?.find((f) => f.name === decodeURIComponent(resolve[2] as string))
      : undefined;
    if (!file) return json(res, 404, { error: 'Entry not found' });
    res.writeHead(302, {
      location: `${cdn.url}/blobs/${file.sha}`,
      'x-linked-etag': `"${file.sha}"`,
      'x-linked-size': sizeOf(file.data),
    });
    return res.end();
  });

  return {
    url: api.url,
    cdnAuthorizations,
    async addRepo(repo, files) {
      const out: Record<string, string> = {};
      const entries = [];
      for (const f of files) {
        const { data, digest } = await blobInput(f.data);
        const sha = digest.slice(7);
        cdnBlobs.set(sha, data);
        entries.push({ name: f.name, data, sha, lfs: f.lfs ?? f.name.endsWith('.gguf') });
        out[f.name] = digest;
      }
      repos.set(repo, entries);
      return out;
    },
    bytesServed: () => served,
    setFault: (sha, f) => void faults.set(sha, f),
    async close() {
      await Promise.all([api.close(), cdn.close()]);
    },
  };
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
