/**
 * A registry speaking the protocol Ollama uses (OCI distribution v2) on 127.0.0.1, for pull and push tests and
 * the pull benchmark: manifests, blobs with `Range` support, redirects to a "blob storage" path, bearer-token
 * auth challenges, throttling, mid-stream disconnects, corrupted blobs, injected 5xx answers, uploads, and
 * counters of bytes served per blob.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blobInput } from './hash-file.js';
import { type BlobData, type ServeFaults, serveBlob, sizeOf } from './serve-range.js';

/** Options of {@link startRegistry}. */
export interface RegistryOptions {
  /** Require this bearer token (handed out by `/token`) on every `/v2/` request. */
  token?: string;
  /** Answer blob requests with a 307 to `/storage/<digest>` (as registries redirect to blob storage). */
  redirect?: boolean;
  /** Bytes per second per response for every blob. */
  throttle?: number;
}

/** A layer to publish: bytes in memory or a file. */
export interface LayerInput {
  mediaType: string;
  data: Buffer | string | { path: string };
}

/** One request the registry saw. */
export interface SeenRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

/** A running test registry. */
export interface TestRegistry {
  url: string;
  /** `127.0.0.1:<port>`, the host part of model names. */
  host: string;
  readonly requests: SeenRequest[];
  /** Bytes of blob data written, in total and per digest. */
  bytesServed(digest?: string): number;
  resetCounters(): void;
  /** Publish a model; returns its manifest and the digests of its layers (config last). */
  addModel(
    ref: string,
    layers: LayerInput[],
    config?: object,
  ): Promise<{ manifest: object; digests: string[] }>;
  /** Faults for one blob; `disconnectAfter` and `stallAfter` apply to the next response only. */
  setFault(digest: string, faults: ServeFaults): void;
  /** The next `count` manifest or blob requests fail with `status`. */
  failNext(count: number, status?: number): void;
  /** Repositories (`ns/model`) whose token requests are refused. */
  privateRepos: Set<string>;
  hasBlob(digest: string): boolean;
  /** Forget a blob (a mirror that has a manifest but not all of its blobs answers 404). */
  dropBlob(digest: string): void;
  manifestOf(ref: string): object | undefined;
  close(): Promise<void>;
}

/** Start a registry on a free loopback port. */
export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const blobs = new Map<string, BlobData>();
  const manifests = new Map<string, Buffer>();
  const faults = new Map<string, ServeFaults>();
  const served = new Map<string, number>();
  const uploads = new Map<string, Buffer[]>();
  const requests: SeenRequest[] = [];
  let failures = { count: 0, status: 503 };
  let base = '';

  const count = (digest: string) => (n: number) => served.set(digest, (served.get(digest) ?? 0) + n);
  const json = (res: ServerResponse, status: number, body: object) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const serve = async (req: IncomingMessage, res: ServerResponse, digest: string) => {
    const blob = blobs.get(digest);
    if (blob === undefined)
      return json(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown' }] });
    const f = { throttle: options.throttle, ...faults.get(digest) };
    if (f.disconnectAfter !== undefined || f.stallAfter !== undefined) {
      faults.set(digest, { ...f, disconnectAfter: undefined, stallAfter: undefined });
    }
    await serveBlob(req, res, blob, f, count(digest));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    const { method = 'GET' } = req;
    requests.push({
      method,
      path: url.pathname,
      range: req.headers.range,
      authorization: req.headers.authorization,
    });
    if (url.pathname === '/token') {
      const scope = url.searchParams.get('scope') ?? '';
      const repo = /^repository:([^:]+):/.exec(scope)?.[1] ?? '';
      if ([...url.searchParams.getAll('scope')].length === 0 || (repo && registry.privateRepos.has(repo))) {
        return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'access denied' }] });
      }
      return json(res, 200, { token: options.token });
    }
    const storage = /^\/storage\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
    if (storage) return serve(req, res, storage[1] as string);
    const m = /^\/v2\/([^/]+)\/([^/]+)\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (!m) return json(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'no route' }] });
    const [, ns, model, kind, rest] = m as unknown as [string, string, string, string, string];
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      const realm = `${base}/token`;
      const scope = `repository:${ns}/${model}:pull`;
      res.setHeader('www-authenticate', `Bearer realm="${realm}",service="corral-test",scope="${scope}"`);
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    }
    if (failures.count > 0 && (method === 'GET' || method === 'HEAD')) {
      failures = { ...failures, count: failures.count - 1 };
      return json(res, failures.status, { errors: [{ code: 'UNAVAILABLE', message: 'try again later' }] });
    }
    const key = `${ns}/${model}`.toLowerCase();
    if (kind === 'manifests') {
      if (method === 'PUT') {
        manifests.set(`${key}:${rest}`, await readBody(req));
        return res.writeHead(201).end();
      }
      const body = manifests.get(`${key}:${rest}`);
      if (body === undefined)
        return json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
      res.writeHead(200, {
        'content-type': 'application/vnd.docker.distribution.manifest.v2+json',
        'content-length': body.length,
      });
      return res.end(method === 'HEAD' ? undefined : body);
    }
    if (rest === 'uploads/' && method === 'POST') {
      const id = randomUUID();
      uploads.set(id, []);
      return res.writeHead(202, { location: `/v2/${ns}/${model}/blobs/uploads/${id}` }).end();
    }
    const upload = /^uploads\/([0-9a-f-]+)$/.exec(rest);
    if (upload && method === 'PUT') {
      const body = await readBody(req);
      const digest = url.searchParams.get('digest') ?? '';
      if (digestOf(body) !== digest)
        return json(res, 400, { errors: [{ code: 'DIGEST_INVALID', message: 'digest mismatch' }] });
      blobs.set(digest, { bytes: body });
      return res.writeHead(201, { location: `/v2/${ns}/${model}/blobs/${digest}` }).end();
    }
    if (options.redirect && method === 'GET' && blobs.has(rest)) {
      return res.writeHead(307, { location: `/storage/${rest}?signature=${randomUUID()}` }).end();
    }
    return serve(req, res, rest);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { errors: [{ code: 'INTERNAL', message: String(err) }] });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  const registry: TestRegistry = {
    url: base,
    host: `127.0.0.1:${port}`,
    requests,
    privateRepos: new Set(),
    bytesServed: (digest) =>
      digest === undefined ? [...served.values()].reduce((a, b) => a + b, 0) : (served.get(digest) ?? 0),
    resetCounters: () => {
      served.clear();
      requests.length = 0;
    },
    async addModel(ref, layers, config = { model_format: 'gguf', model_family: 'llama' }) {
      const [repo, tag = 'latest'] = ref.split(':') as [string, string?];
      const entries = [];
      for (const layer of layers) {
        const { data, digest } = await blobInput(layer.data);
        blobs.set(digest, data);
        entries.push({ mediaType: layer.mediaType, digest, size: sizeOf(data) });
      }
      const configBytes = Buffer.from(
        JSON.stringify({ ...config, rootfs: { type: 'layers', diff_ids: entries.map((e) => e.digest) } }),
      );
      const configDigest = digestOf(configBytes);
      blobs.set(configDigest, { bytes: configBytes });
      const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          digest: configDigest,
          size: configBytes.length,
        },
        layers: entries,
      };
      manifests.set(`${repo.toLowerCase()}:${tag}`, Buffer.from(JSON.stringify(manifest)));
      return { manifest, digests: [...entries.map((e) => e.digest), configDigest] };
    },
    setFault: (digest, f) => void faults.set(digest, f),
    failNext: (n, status = 503) => void (failures = { count: n, status }),
    hasBlob: (digest) => blobs.has(digest),
    dropBlob: (digest) => void blobs.delete(digest),
    manifestOf: (ref) => {
      const [repo, tag = 'latest'] = ref.split(':') as [string, string?];
      const body = manifests.get(`${repo.toLowerCase()}:${tag}`);
      return body === undefined ? undefined : (JSON.parse(body.toString()) as object);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return registry;
}

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** `http://127.0.0.1:<port>` of a port nothing listens on (a mirror or registry that is down). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  return `http://127.0.0.1:${port}`;
}
