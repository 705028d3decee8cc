/**
 * Fuzzing every route of the route table through `app.request()` (auth off): random and mutated JSON bodies —
 * huge and negative numbers, `1e999`, deep nesting, invalid UTF-8, large strings, swapped types, path traversal
 * in every field that names a model or a file, hostile path parameters. The promise (docs/reliability.md): never
 * a 500 and never an internal error in a stream; every refusal is a JSON error of the caller's dialect with a
 * catalogued status; nothing hangs; no unhandled rejection.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalog } from '../../src/core/index.js';
import { dialectOf } from '../../src/http/errors.js';
import { gatewayRouteTable, routeTable } from '../../src/http/route-permissions.js';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { gatewayFuzzTarget } from '../helpers/gateway-fuzz-target.js';
import { report, scale, SEED, within } from './chaos.js';

const TRAVERSAL = [
  '../../etc/passwd',
  '/etc/passwd',
  '..',
  '../',
  '..\\..\\windows',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  'a/../../../b',
  'hf.co/../../x',
  '127.0.0.1:1/../../x',
  '/dev/zero',
  '/proc/self/environ',
  '~/.ssh/id_rsa',
  'sha256:../../../etc/passwd',
  `sha256-${'0'.repeat(64)}`,
  'file:///etc/passwd',
  '\u0000',
  '',
];

/** A valid-looking body for each route; mutations start from here. Missing ones fail the coverage test. */
const SEEDS: Record<string, Record<string, unknown>> = {
  'POST /api/auth/login': { name: 'admin', password: 'pw', kind: 'session' },
  'POST /api/auth/logout': {},
  'POST /api/auth/bootstrap': { token: 't', name: 'admin', password: 'pw' },
  'POST /api/generate': { model: 'tiny', prompt: 'hi', options: { num_predict: 2, num_ctx: 64 } },
  'POST /api/chat': {
    model: 'tiny',
    messages: [{ role: 'user', content: 'hi' }],
    options: { num_predict: 2 },
    format: 'json',
  },
  'POST /api/embed': { model: 'tiny', input: ['a', 'b'], dimensions: 4 },
  'POST /api/embeddings': { model: 'tiny', prompt: 'a' },
  'POST /v1/chat/completions': { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 },
  'POST /v1/completions': { model: 'tiny', prompt: 'hi', max_tokens: 2 },
  'POST /v1/embeddings': { model: 'tiny', input: 'a' },
  'POST /v1/responses': { model: 'tiny', input: 'hi', max_output_tokens: 2 },
  'POST /v1/messages': { model: 'tiny', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] },
  'POST /api/load': { model: 'tiny', keep_alive: '1m' },
  'POST /api/unload': { model: 'tiny' },
  'POST /api/tokenize': { model: 'tiny', content: 'hello' },
  'POST /api/detokenize': { model: 'tiny', tokens: [1, 2, 3] },
  'POST /api/rerank': { model: 'tiny', query: 'q', documents: ['a', 'b'], top_n: 1 },
  'POST /v1/rerank': { model: 'tiny', query: 'q', documents: ['a'], return_documents: true },
  'DELETE /api/requests/:id': {},
  'POST /api/show': { model: 'tiny', verbose: true },
  'POST /api/create': { model: 'fuzzed', modelfile: 'FROM tiny\nSYSTEM hi\n', stream: false },
  'POST /api/copy': { source: 'tiny', destination: 'tiny-copy' },
  'DELETE /api/delete': { model: 'no-such-model' },
  'POST /api/pull': { model: '127.0.0.1:1/x/y', insecure: true, stream: false },
  'DELETE /api/pull': { model: 'x' },
  'POST /api/push': { model: '127.0.0.1:1/x/y', insecure: true, stream: false },
  'POST /api/pulls': { model: '127.0.0.1:1/x/y', insecure: true },
  'POST /api/blobs/:digest': { not: 'a blob' },
  'POST /api/profiles': {
    name: 'p1',
    model: 'tiny',
    system: 's',
    options: { temperature: 1 },
    keep_alive: '5m',
  },
  'PATCH /api/profiles/:name': { system: 'x' },
  'DELETE /api/profiles/:name': {},
  'POST /api/profiles/:name/start': {},
  'POST /api/users': { name: 'u1', role: 'user', password: 'pw' },
  'PATCH /api/users/:name': { role: 'viewer' },
  'DELETE /api/users/:name': {},
  'POST /api/keys': { name: 'k1', role: 'user', expires_in: '720h', rate_limit: 5 },
  'DELETE /api/keys/:id': {},
  'POST /api/finetune/datasets': {
    name: 'ds1',
    content: '{"prompt":"a","completion":"b"}\n',
    format: 'completion',
  },
  'DELETE /api/finetune/datasets/:id': {},
  // A dataset no seed creates: fuzzing validates job requests without starting trainers.
  'POST /api/finetune/jobs': { model: 'tiny', dataset: 'not-uploaded', rank: 4, epochs: 1, batch_size: 1 },
  'POST /api/finetune/jobs/:id/cancel': {},
  'POST /api/finetune/jobs/:id/resume': {},
  'DELETE /api/finetune/jobs/:id': {},
};

/** The cluster gateway's own routes (`gatewayRouteTable` beyond the server's), fuzzed against a real gateway. */
const relayTicket = { url: 'http://gw:11434/api/cluster/relay/n1', signature: 'ab'.repeat(32) };
const nodeReport = {
  loadedModels: [
    { name: 'tiny', modelKey: 'sha256:x', sizeBytes: 1, vramBytes: 0, activeRequests: 0, expiresAt: null },
  ],
  storedModels: ['tiny:latest'],
  queueDepth: 0,
  inFlight: 0,
  freeMemoryBytes: 1024,
  freeVramBytes: null,
};
const GATEWAY_SEEDS: Record<string, Record<string, unknown>> = {
  'POST /api/cluster/deployments': { model: 'tiny', replicas: 1 },
  'DELETE /api/cluster/deployments/:model': {},
  'POST /api/cluster/nodes/:name/drain': {},
  'POST /api/cluster/nodes/:name/undrain': {},
  'POST /api/cluster/join-tokens': { name: 'fuzz-node', expires_in: '1h' },
  'POST /api/cluster/join': { id: 'n1', name: 'fuzz-node', report: nodeReport, relay: relayTicket },
  'POST /api/cluster/join/:id/heartbeat': { report: nodeReport, relay: relayTicket },
  'POST /api/cluster/join/:id/state': { state: 'draining', relay: relayTicket },
  'POST /api/cluster/relay/:node/*': { model: 'tiny', prompt: 'hi' },
  'DELETE /api/cluster/relay/:node/*': { model: 'tiny' },
};

/** Routes whose body is never read (GET), fuzzed through path parameters and query strings instead. */
const GET_QUERIES: Record<string, string[]> = {
  'GET /api/logs': ['limit', 'level', 'since'],
  'GET /api/hf/files': ['repo'],
  'GET /api/admin/audit': ['limit', 'before', 'user', 'action'],
  'GET /v1/models/*': [],
  'GET /api/blobs/:digest': [],
  'GET /api/finetune/datasets/:id/stats': ['model'],
  'GET /api/finetune/jobs/:id/logs': ['tail'],
};

/** `HEAD /api/blobs/:digest` as Ollama answers it (served by the GET handler): a bare 200/404, no body. */
const BARE_STATUS = new Set(['GET /api/blobs/:digest']);

/** Streams that never end on their own (server-sent events): only the headers are checked. */
const ENDLESS = new Set(['GET /api/pulls/events', 'GET /api/finetune/jobs/:id/events']);

const INFERENCE = [
  'POST /api/generate',
  'POST /api/chat',
  'POST /api/embed',
  'POST /api/embeddings',
  'POST /v1/chat/completions',
  'POST /v1/completions',
  'POST /v1/embeddings',
  'POST /v1/responses',
  'POST /v1/messages',
  'POST /api/tokenize',
  'POST /api/detokenize',
  'POST /api/rerank',
  'POST /v1/rerank',
  'POST /api/show',
  'POST /api/load',
  'POST /api/unload',
];

const STATUSES = new Set<number>(Object.values(errorCatalog).map((e) => e.status));
// Statuses a hostile body may legitimately get besides 4xx: a registry that cannot be reached (pulls to
// 127.0.0.1:1 or an unknown host), a full queue, a model that can never fit.
const ALLOWED_5XX = new Set([502, 503, 504, 507]);

const hostileNumber = fc.constantFrom(
  -1,
  -(2 ** 31),
  2 ** 31,
  2 ** 53 + 2,
  -(2 ** 53),
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  0,
  0.5,
  -0.0001,
);
const hostileString = fc.oneof(
  fc.constantFrom(...TRAVERSAL),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '\ud800',
    '\udfff',
    '😀'.repeat(1000),
    'x'.repeat(70_000),
    '<script>',
    'null',
    '-1',
    '1e999',
  ),
);
const deep = fc.record({
  depth: fc.integer({ min: 100, max: 20_000 }),
  open: fc.constantFrom('[', '{"a":', '{"type":"object","properties":{"a":'),
  field: fc.constantFrom('format', 'messages', 'options', 'tools', 'input', 'model', 'parameters', 'text'),
});
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [[]], { model: '../../x' }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** How a body is mangled: a field replaced or added, nested fields of `options`, raw text edits, or whole bodies. */
const mutation = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.nat(), value: hostileValue }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('option' as const),
      key: fc.constantFrom(
        'num_ctx',
        'num_predict',
        'temperature',
        'top_k',
        'seed',
        'stop',
        'num_batch',
        'repeat_last_n',
        'bogus',
      ),
      value: fc.oneof(hostileNumber, hostileValue),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('add' as const), key: fc.string(), value: hostileValue }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace' as const), value: fc.jsonValue() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deep' as const), deep }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      text: fc.constantFrom(
        '1e999',
        '-1e999',
        '{',
        '[1,',
        '"\\ud800"',
        '\u0000',
        'NaN',
        '{"model":1e999}',
        '',
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('badutf8' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('big' as const), mib: fc.integer({ min: 1, max: 6 }) }),
  },
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

/** The body bytes for a seed after a mutation. */
function mangle(seed: Record<string, unknown>, m: Mutation): string | Uint8Array {
  const body: Record<string, unknown> = structuredClone(seed);
  const keys = Object.keys(body);
  switch (m.kind) {
    case 'set':
      body[keys.length ? keys[m.key % keys.length]! : 'model'] = m.value;
      return JSON.stringify(body);
    case 'option':
      body.options = { ...(body.options as object | undefined), [m.key]: m.value };
      return JSON.stringify(body);
    case 'add':
      body[m.key] = m.value;
      return JSON.stringify(body);
    case 'replace':
      return JSON.stringify(m.value) ?? 'null';
    case 'deep': {
      // Deep nesting in a field the schema types loosely (JSON schemas in `format`, tool parameters) or not.
      const close = m.deep.open === '[' ? ']' : '}'.repeat(m.deep.open.split('{').length - 1);
      const nest = `${m.deep.open.repeat(m.deep.depth)}1${close.repeat(m.deep.depth)}`;
      const text = JSON.stringify({ ...body, [m.deep.field]: 0 });
      return text.replace(`"${m.deep.field}":0`, `"${m.deep.field}":${nest}`);
    }
    case 'raw': {
      const text = JSON.stringify(body);
      return keys.length ? text.replace(/:("[^"]*"|[^,}]*)/, `:${m.text}`) : m.text;
    }
    case 'badutf8': {
      const bytes = Buffer.from(JSON.stringify({ ...body, model: 'tiny\u0001', prompt: 'ab' }));
      const quote = bytes.indexOf('"ab"');
      const at = quote >= 0 ? quote + 1 : m.at % Math.max(1, bytes.length);
      return Buffer.concat([
        bytes.subarray(0, at),
        Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
        bytes.subarray(at),
      ]);
    }
    case 'big':
      // Large but under the 32 MiB body limit: a prompt/content/model of several MiB.
      body[keys[0] ?? 'model'] = 'A'.repeat(m.mib * 1024 * 1024);
      return JSON.stringify(body);
  }
}

const PARAMS = fc.oneof(
  fc.constantFrom('tiny', 'p1', 'u1', 'abc', `sha256:${'a'.repeat(64)}`, 'sha256:xyz'),
  fc.constantFrom(...TRAVERSAL.filter((t) => t !== '')),
  fc.string({ minLength: 1 }),
);

function fillPath(pattern: string, param: string): string {
  // Lone surrogates cannot be URI-encoded: send them as the raw (invalid UTF-8) percent bytes instead.
  const enc = encodeURIComponent(param.replace(/[\ud800-\udfff]/g, '\u0001')).replace(/%01/g, '%ED%A0%80');
  return pattern.replace(/:[a-z]+/g, enc).replace('*', enc);
}

interface Outcome {
  status: number;
  problem?: string;
}

/** Send one request and check the answer; returns a problem description instead of throwing. */
async function exchange(
  t: TestApp,
  key: string,
  path: string,
  body: string | Uint8Array | undefined,
): Promise<Outcome> {
  const method = key.split(' ')[0]!;
  const abort = new AbortController();
  const res = await t.app.request(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: method === 'GET' || method === 'HEAD' ? undefined : body,
    signal: abort.signal,
  });
  const status = res.status;
  const type = res.headers.get('content-type') ?? '';
  if (ENDLESS.has(key)) {
    abort.abort();
    await res.body?.cancel();
    return { status };
  }
  const text = await res.text();
  if (status >= 500 && !ALLOWED_5XX.has(status))
    return { status, problem: `status ${status}: ${text.slice(0, 300)}` };
  if (/internal server error/i.test(text))
    return { status, problem: `internal error in body: ${text.slice(0, 300)}` };
  if (status >= 400 && BARE_STATUS.has(key)) {
    if (status !== 404 && status !== 400)
      return { status, problem: `status ${status} for an existence check` };
  } else if (status >= 400) {
    if (!STATUSES.has(status)) return { status, problem: `status ${status} is not in the error catalogue` };
    if (!type.includes('application/json')) return { status, problem: `error with content-type ${type}` };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { status, problem: `error body is not JSON: ${text.slice(0, 200)}` };
    }
    const dialect = dialectOf(new URL(path, 'http://x').pathname);
    const err = (json as { error?: unknown }).error;
    const ok =
      dialect === 'ollama'
        ? typeof err === 'string' && err.length > 0
        : dialect === 'openai'
          ? typeof (err as { code?: unknown })?.code === 'string' &&
            (err as { code: string }).code in errorCatalog
          : (json as { type?: unknown }).type === 'error' &&
            typeof (err as { message?: unknown })?.message === 'string';
    if (!ok) return { status, problem: `error body not in the ${dialect} shape: ${text.slice(0, 200)}` };
  }
  return { status };
}

const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

describe('fuzz: every route of the route table', () => {
  let t: TestApp;
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    t = await createTestApp({
      env: {
        CORRAL_HF_ENDPOINT: 'http://127.0.0.1:1',
        CORRAL_MAX_QUEUE: '4',
        CORRAL_PULL_STALL_TIMEOUT: '2s',
      },
    });
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await t?.close();
  });

  it('has a seed body for every route that reads one, so new routes get fuzzed', () => {
    const withBody = Object.keys(routeTable).filter((k) => !k.startsWith('GET '));
    expect(withBody.filter((k) => !(k in SEEDS))).toEqual([]);
    const gatewayOnly = Object.keys(gatewayRouteTable).filter(
      (k) => !(k in routeTable) && !k.startsWith('GET '),
    );
    expect(gatewayOnly.filter((k) => !(k in GATEWAY_SEEDS))).toEqual([]);
  });

  it('answers hostile bodies with catalogued JSON errors, never a 500, never hanging', async () => {
    const keys = Object.keys(SEEDS);
    const statuses: Record<string, number> = {};
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), mutation, PARAMS, async (key, m, param) => {
        const path = fillPath(key.split(' ')[1]!, param);
        const outcome = await within(
          exchange(t, key, path, mangle(SEEDS[key]!, m)),
          30_000,
          `${key} ${m.kind}`,
        );
        statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
        expect(outcome.problem, `${key} (${path}) after ${m.kind}`).toBeUndefined();
      }),
      { seed: SEED, numRuns: scale(400, 4000) },
    );
    report('fuzz-routes-no-model', { runs: scale(400, 4000), ms: Date.now() - started, statuses });
    expect(unhandled).toEqual([]);
  }, 240_000);

  it('answers hostile path parameters and queries of GET routes the same way', async () => {
    const gets = Object.keys(routeTable).filter((k) => k.startsWith('GET ') && !k.includes('/assets/'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...gets), PARAMS, hostileString, async (key, param, value) => {
        const base = fillPath(key.split(' ')[1]!, param);
        const query = (GET_QUERIES[key] ?? ['x'])
          .map((q) => `${q}=${fillPath(':v', String(value))}`)
          .join('&');
        const outcome = await within(exchange(t, key, `${base}?${query}`, undefined), 30_000, key);
        expect(outcome.problem, `${key} ${base}?${query.slice(0, 100)}`).toBeUndefined();
      }),
      { seed: SEED, numRuns: scale(200, 2000) },
    );
    expect(unhandled).toEqual([]);
  }, 120_000);

  it('survives the subset of inference routes with a tiny model present (small outputs)', async () => {
    const res = await t.json('POST', '/api/create', {
      model: 'tiny',
      modelfile: `FROM ${await tinyModelPath()}\n`,
      stream: false,
    });
    expect(res.status).toBe(200);
    const statuses: Record<string, number> = {};
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...INFERENCE), mutation, async (key, m) => {
        if (m.kind === 'big') return; // several MiB of prompt through the tokenizer is the soak's business
        let body = mangle(SEEDS[key]!, m);
        // Keep generations short whatever the mutation did to the limits: the point is the parsing.
        if (typeof body === 'string') body = capOutput(body);
        const outcome = await within(exchange(t, key, key.split(' ')[1]!, body), 60_000, `${key} ${m.kind}`);
        statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
        expect(outcome.problem, `${key} after ${m.kind}: ${String(body).slice(0, 200)}`).toBeUndefined();
      }),
      { seed: SEED, numRuns: scale(120, 1200) },
    );
    report('fuzz-routes-tiny-model', { runs: scale(120, 1200), ms: Date.now() - started, statuses });
    expect(unhandled).toEqual([]);
    // The server still serves normally afterwards.
    const after = await t.json('POST', '/api/generate', {
      model: 'tiny',
      prompt: 'hi',
      stream: false,
      options: { num_predict: 2 },
    });
    expect(after.status).toBe(200);
  }, 240_000);
});

describe("fuzz: the cluster gateway's own routes", () => {
  let gateway: Awaited<ReturnType<typeof gatewayFuzzTarget>>;
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    gateway = await gatewayFuzzTarget();
  }, 60_000);
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await gateway?.close();
  });

  it('answers hostile bodies and path parameters with catalogued JSON errors', async (ctx) => {
    if (gateway.skipped !== undefined) return ctx.skip(gateway.skipped);
    const t = gateway.target as TestApp;
    const keys = Object.keys(GATEWAY_SEEDS);
    const gets = Object.keys(gatewayRouteTable).filter((k) => !(k in routeTable) && k.startsWith('GET '));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys, ...gets), mutation, PARAMS, async (key, m, param) => {
        const path = fillPath(key.split(' ')[1]!, param);
        const body = key.startsWith('GET ') ? undefined : mangle(GATEWAY_SEEDS[key]!, m);
        const outcome = await within(exchange(t, key, path, body), 30_000, `${key} ${m.kind}`);
        expect(outcome.problem, `${key} (${path}) after ${m.kind}`).toBeUndefined();
      }),
      { seed: SEED, numRuns: scale(200, 2000) },
    );
    expect(unhandled).toEqual([]);
  }, 240_000);
});

/** Force num_predict/max_tokens small in a JSON body that parses; leave anything else untouched. */
function capOutput(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return text;
  }
  if (text.length > 10_000) return text; // deep nesting: JSON.stringify would overflow the stack here
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return text;
  const body = json as Record<string, unknown>;
  for (const k of ['max_tokens', 'max_output_tokens', 'max_completion_tokens']) if (k in body) body[k] = 2;
  const options = body.options;
  if (typeof options === 'object' && options !== null && !Array.isArray(options)) {
    (options as Record<string, unknown>).num_predict = 2;
  } else if (options === undefined) {
    body.options = { num_predict: 2 };
  }
  return JSON.stringify(body);
}
