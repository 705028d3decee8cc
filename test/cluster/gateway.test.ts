/**
 * Issue #7, end to end: 3 nodes (`corral serve` with CORRAL_ROLE=node) and 2 gateways (`corral gateway`) as real
 * processes over one PostgreSQL database. A tiny model exists on nodes 1 and 2 only. Requests through either
 * gateway reach only those nodes and spread over both; a SIGKILLed node's stream ends with an error line and later
 * requests are retried on the survivor; a SIGSTOPped node goes not-ready after the stale window and comes back
 * after SIGCONT by itself; a key revoked through one gateway is refused by the other within seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import {
  createAdminKey,
  createModelOn,
  spawnGateway,
  spawnNode,
  killAll,
} from '../helpers/cluster-processes.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { testDatabases, type OpenedTestDatabase } from '../helpers/test-databases.js';

const postgres = testDatabases.find((d) => d.kind === 'postgres')!;
if (!postgres.available)
  console.warn('cluster gateway test skipped: no test PostgreSQL (CORRAL_TEST_POSTGRES_URL)');

const HEARTBEAT = '500ms';
const CONTEXT = 16_384;
const MODEL = 'tiny';

interface Node {
  name: string;
  proc: ServerProcess;
}

describe.skipIf(!postgres.available)('cluster: gateways route to nodes', () => {
  let opened: OpenedTestDatabase;
  let dir: string;
  let nodes: Node[] = [];
  let gateways: ServerProcess[] = [];
  let adminKey: string;
  let registry: TestRegistry;

  const auth = (key = adminKey) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
  const post = (base: string, path: string, body: unknown, key = adminKey) =>
    fetch(`${base}${path}`, { method: 'POST', headers: auth(key), body: JSON.stringify(body) });
  const generate = (base: string, extra: object = {}) =>
    post(base, '/api/generate', {
      model: MODEL,
      prompt: 'hi',
      stream: false,
      options: { num_predict: 4, temperature: 0 },
      ...extra,
    });
  const clusterNodes = async (base: string) => {
    const res = await fetch(`${base}/api/cluster/nodes`, { headers: auth() });
    expect(res.status).toBe(200);
    return (
      (await res.json()) as {
        nodes: Array<{
          name: string;
          ready: boolean;
          report: { storedModels: string[]; loadedModels: Array<{ name: string }> };
        }>;
      }
    ).nodes;
  };
  const node = (name: string) => nodes.find((n) => n.name === name)!;
  /** Attempts on `nodeName` that both gateways retried elsewhere (`corral_gateway_forwarded_requests_total`). */
  const retriedOn = async (nodeName: string) => {
    let total = 0;
    for (const gw of gateways) {
      const text = await (await fetch(`${gw.url}/metrics`, { headers: auth() })).text();
      const line = text
        .split('\n')
        .find((l) =>
          l.startsWith(`corral_gateway_forwarded_requests_total{node="${nodeName}",outcome="retried"}`),
        );
      total += line === undefined ? 0 : Number(line.split(' ').at(-1));
    }
    return total;
  };
  const loaded = async (n: Node) =>
    ((await (await fetch(`${n.proc.url}/api/ps`)).json()) as { models: Array<{ name: string }> }).models.map(
      (m) => m.name,
    );

  beforeAll(async () => {
    opened = await postgres.open();
    const url = opened.options.url!;
    dir = mkdtempSync(join(tmpdir(), 'corral-cluster-'));
    adminKey = await createAdminKey(url);
    registry = await startRegistry();
    const weights = await readFile(await tinyModelPath());
    await registry.addModel('cl/pulled:latest', [
      { mediaType: 'application/vnd.ollama.image.model', data: weights },
    ]);
    // Served as the default registry's mirror: names without a host (`cl/auto`) come from it.
    await registry.addModel('cl/auto:latest', [
      { mediaType: 'application/vnd.ollama.image.model', data: weights },
    ]);

    const modelPath = await tinyModelPath({ eos: 'never', contextLength: CONTEXT });
    const cluster = { databaseUrl: url, dir, heartbeat: HEARTBEAT };
    nodes = await Promise.all(
      ['node-1', 'node-2', 'node-3'].map(async (name) => ({
        name,
        proc: await spawnNode(cluster, name, {
          CORRAL_NUM_PARALLEL: '2',
          CORRAL_REGISTRY_MIRRORS: registry.url,
          CORRAL_CONTEXT_LENGTH: String(CONTEXT),
        }),
      })),
    );
    gateways = await Promise.all(['gw-a', 'gw-b'].map((name) => spawnGateway(cluster, name)));
    for (const name of ['node-1', 'node-2']) await createModelOn(node(name).proc, MODEL, modelPath);
    // Ready, with the model in the reports of nodes 1 and 2 (the next heartbeat carries it).
    const withModel = async () =>
      (await clusterNodes(gateways[1]!.url))
        .filter((n) => n.ready && n.report.storedModels.includes('tiny:latest'))
        .map((n) => n.name)
        .join(',');
    const deadline = Date.now() + 15_000;
    while ((await withModel()) !== 'node-1,node-2') {
      if (Date.now() > deadline) throw new Error(`nodes never reported the model: ${await withModel()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 120_000);

  afterAll(async () => {
    await killAll([...gateways, ...nodes.map((n) => n.proc)]);
    await registry?.close();
    await opened?.cleanup();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('routes only to nodes with the model, spreads load, and answers unknown models 404', async () => {
    const served: string[] = [];
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => generate(gateways[i % 2]!.url)));
    for (const res of answers) {
      expect(res.status, await res.clone().text()).toBe(200);
      served.push(res.headers.get('x-corral-node') ?? '?');
      expect(((await res.json()) as { done: boolean }).done).toBe(true);
    }
    expect(new Set(served)).toEqual(new Set(['node-1', 'node-2']));

    // The answer is piped through as it is, with the gateway's CORS headers and the node's security headers.
    const browser = await fetch(`${gateways[0]!.url}/api/generate`, {
      method: 'POST',
      headers: { ...auth(), origin: 'http://localhost:5173' },
      body: JSON.stringify({ model: MODEL, prompt: 'hi', options: { num_predict: 2, temperature: 0 } }),
    });
    expect(browser.status).toBe(200);
    expect(browser.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(browser.headers.get('x-content-type-options')).toBe('nosniff');
    expect(browser.headers.get('content-type')).toMatch(/ndjson/);
    const lines = (await browser.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { done: boolean });
    expect(lines.at(-1)?.done).toBe(true);
    expect(await loaded(node('node-3'))).toEqual([]);
    expect(await loaded(node('node-1'))).toEqual(['tiny:latest']);
    expect(await loaded(node('node-2'))).toEqual(['tiny:latest']);

    // The gateways' union of loaded models names the nodes.
    const ps = (await (await fetch(`${gateways[0]!.url}/api/ps`, { headers: auth() })).json()) as {
      models: Array<{ name: string; node: string }>;
    };
    expect(ps.models.map((m) => m.node).sort()).toEqual(['node-1', 'node-2']);

    const missing = await post(gateways[0]!.url, '/api/generate', { model: 'nope', prompt: 'x' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/nope/);
    const missingV1 = await post(gateways[1]!.url, '/v1/chat/completions', {
      model: 'nope',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(missingV1.status).toBe(404);
    expect(((await missingV1.json()) as { error: { code: string } }).error.code).toBe('MODEL_NOT_FOUND');

    // No credentials: refused by the gateway itself.
    const anonymous = await fetch(`${gateways[0]!.url}/api/tags`);
    expect(anonymous.status).toBe(401);
  }, 60_000);

  it('keeps a session on one node, proxies the other dialects, and pulls, unloads and deletes across nodes', async () => {
    // Both nodes are warm: a session sticks to one of them; other sessions are free to use either.
    const homes = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await post(gateways[i % 2]!.url, '/v1/chat/completions', {
        model: MODEL,
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 2,
        user: 'conversation-42',
      });
      expect(res.status).toBe(200);
      homes.add(res.headers.get('x-corral-node')!);
      await res.text();
    }
    expect(homes.size).toBe(1);

    const messages = await post(gateways[1]!.url, '/v1/messages', {
      model: MODEL,
      max_tokens: 2,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(messages.status).toBe(200);
    expect(((await messages.json()) as { type: string }).type).toBe('message');

    // A pull through a gateway lands on one node, streams its progress, and the model is routable at once.
    const name = `${registry.host}/cl/pulled:latest`;
    const pull = await post(gateways[0]!.url, '/api/pull', { model: name, insecure: true });
    expect(pull.status).toBe(200);
    const puller = pull.headers.get('x-corral-node')!;
    const progress = (await pull.text()).trim().split('\n');
    expect(JSON.parse(progress.at(-1)!)).toEqual({ status: 'success' });
    // The node heartbeats at once when its store changes, so the pulled model is routable right away.
    const pulled = await generate(gateways[1]!.url, { model: name });
    expect(pulled.status, await pulled.clone().text()).toBe(200);
    expect(pulled.headers.get('x-corral-node')).toBe(puller);

    // Unload and delete act on every node that holds the model.
    const warmNodes = (await clusterNodes(gateways[1]!.url))
      .filter((n) => n.ready && n.report.loadedModels.some((m) => m.name === 'tiny:latest'))
      .map((n) => n.name)
      .sort();
    expect(warmNodes.length).toBeGreaterThan(0);
    const unload = await post(gateways[1]!.url, '/api/unload', { model: MODEL });
    expect(unload.status, await unload.clone().text()).toBe(200);
    expect(((await unload.json()) as { nodes: string[] }).nodes.sort()).toEqual(warmNodes);
    for (const name of warmNodes) expect(await loaded(node(name))).not.toContain('tiny:latest');
    const del = await fetch(`${gateways[0]!.url}/api/delete`, {
      method: 'DELETE',
      headers: auth(),
      body: JSON.stringify({ model: name }),
    });
    expect(del.status, await del.clone().text()).toBe(200);
    expect(((await del.json()) as { nodes: string[] }).nodes).toEqual([puller]);
    const tags = (await (await fetch(`${node(puller).proc.url}/api/tags`)).json()) as {
      models: Array<{ name: string }>;
    };
    expect(tags.models.map((m) => m.name)).not.toContain(name);
    const again = await fetch(`${gateways[0]!.url}/api/delete`, {
      method: 'DELETE',
      headers: auth(),
      body: JSON.stringify({ model: name }),
    });
    expect(again.status).toBe(404);
  }, 60_000);

  it('with pull on demand, a request for a model no node has pulls it once onto one node and is answered', async () => {
    const cluster = { databaseUrl: opened.options.url!, dir, heartbeat: HEARTBEAT };
    const eager = await spawnGateway(cluster, 'gw-eager', { CORRAL_PULL_ON_DEMAND: 'true' });
    try {
      const answers = await Promise.all([
        generate(eager.url, { model: 'cl/auto' }),
        generate(eager.url, { model: 'cl/auto' }),
      ]);
      for (const res of answers) expect(res.status, await res.clone().text()).toBe(200);
      const [first, second] = answers.map((r) => r.headers.get('x-corral-node'));
      expect(first).toBe(second);
      // One pull for both requests: the registry saw one manifest request for it.
      const manifestGets = registry.requests.filter(
        (r) => r.method === 'GET' && r.path.includes('/cl/auto/manifests/'),
      );
      expect(manifestGets).toHaveLength(1);
      // Other gateways (without pull on demand) route to it now, and still 404 what no registry has.
      const elsewhere = await generate(gateways[0]!.url, { model: 'cl/auto' });
      expect(elsewhere.status).toBe(200);
      expect(elsewhere.headers.get('x-corral-node')).toBe(first);
      const unknown = await generate(gateways[0]!.url, { model: 'cl/none' });
      expect(unknown.status).toBe(404);
    } finally {
      eager.child.kill('SIGTERM');
      await eager.exited;
    }
  }, 60_000);

  it("holds a key's concurrency slot until its relayed stream has ended, not only until the first token", async () => {
    const gateway = gateways[0]!.url;
    const created = await post(gateway, '/api/keys', {
      name: 'one-at-a-time',
      role: 'user',
      max_concurrent: 1,
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const streaming = await post(
      gateway,
      '/api/generate',
      { model: MODEL, prompt: 'long', options: { num_predict: 64, temperature: 0 } },
      key,
    );
    expect(streaming.status).toBe(200);
    const reader = streaming.body!.getReader();
    expect((await reader.read()).done).toBe(false); // streaming has begun
    const second = await post(gateway, '/api/generate', { model: MODEL, prompt: 'hi', stream: false }, key);
    expect(second.status).toBe(429);
    while (!(await reader.read()).done);
    await expect
      .poll(async () => (await generate(gateway, { options: { num_predict: 1 } })).status)
      .toBe(200); // the admin key is not limited
    const third = await post(
      gateway,
      '/api/generate',
      { model: MODEL, prompt: 'hi', stream: false, options: { num_predict: 1 } },
      key,
    );
    expect(third.status, await third.clone().text()).toBe(200);
  }, 30_000);

  it('ends a stream on a SIGKILLed node with an error line, and retries later requests elsewhere', async () => {
    const res = await post(gateways[0]!.url, '/api/generate', {
      model: MODEL,
      prompt: 'long',
      options: { num_predict: CONTEXT, temperature: 0 },
    });
    expect(res.status).toBe(200);
    const victim = node(res.headers.get('x-corral-node')!);
    const survivor = nodes.find((n) => n !== victim && n.name !== 'node-3')!;
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (text.split('\n').length < 5) {
      const next = await reader.read();
      if (next.done) break;
      text += next.value;
    }
    // Frozen first: requests sent now that land on the victim wait there without an answer (a node answers only
    // once it has the first line), as requests do while a model loads. Its SIGKILL must lose none of them.
    victim.proc.child.kill('SIGSTOP');
    const retriedBefore = await retriedOn(victim.name);
    const waiting = Array.from({ length: 8 }, (_, i) => generate(gateways[i % 2]!.url));
    await new Promise((r) => setTimeout(r, 300));
    victim.proc.child.kill('SIGKILL');
    await victim.proc.exited;
    for (const r of await Promise.all(waiting)) {
      expect(r.status, await r.clone().text()).toBe(200);
      expect(r.headers.get('x-corral-node')).toBe(survivor.name);
    }
    // Some of them had gone to the victim: the gateways retried them on the survivor.
    expect((await retriedOn(victim.name)) - retriedBefore).toBeGreaterThan(0);
    const started = Date.now();
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      text += next.value;
    }
    expect(Date.now() - started).toBeLessThan(5_000);
    const last = JSON.parse(text.trim().split('\n').at(-1)!) as { error?: string; done?: boolean };
    expect(last.error).toMatch(new RegExp(`${victim.name} failed mid-response`));

    // Right away (the victim still looks ready for up to 1.5 s): retried on the survivor, none lost.
    const after = await Promise.all(Array.from({ length: 6 }, (_, i) => generate(gateways[i % 2]!.url)));
    for (const r of after) {
      expect(r.status, await r.clone().text()).toBe(200);
      expect(r.headers.get('x-corral-node')).toBe(survivor.name);
    }
    // The victim goes stale: not ready on both gateways.
    await expect
      .poll(async () => (await clusterNodes(gateways[1]!.url)).find((n) => n.name === victim.name)?.ready, {
        timeout: 5_000,
        interval: 200,
      })
      .toBe(false);
  }, 60_000);

  it('marks a SIGSTOPped node not ready after the stale window and takes it back after SIGCONT', async () => {
    const stopped = node('node-3');
    const readyOf = async () =>
      (await clusterNodes(gateways[0]!.url)).find((n) => n.name === stopped.name)?.ready;
    expect(await readyOf()).toBe(true);
    stopped.proc.child.kill('SIGSTOP');
    await expect.poll(readyOf, { timeout: 6_000, interval: 200 }).toBe(false);
    stopped.proc.child.kill('SIGCONT');
    await expect.poll(readyOf, { timeout: 6_000, interval: 200 }).toBe(true);
  }, 20_000);

  it('refuses a key revoked through gateway A on gateway B within seconds', async () => {
    const [a, b] = [gateways[0]!.url, gateways[1]!.url];
    const created = await post(a, '/api/keys', { name: 'revoke-me', role: 'user' });
    expect(created.status).toBe(201);
    const { id, key } = (await created.json()) as { id: string; key: string };
    const tags = () => fetch(`${b}/api/tags`, { headers: auth(key) });
    expect((await tags()).status).toBe(200);
    const revoked = await fetch(`${a}/api/keys/${id}`, { method: 'DELETE', headers: auth() });
    expect(revoked.status).toBe(200);
    const at = Date.now();
    await expect.poll(async () => (await tags()).status, { timeout: 5_000, interval: 100 }).toBe(401);
    expect(Date.now() - at).toBeLessThan(5_000);
  }, 20_000);

  it('a node stopped with SIGTERM leaves the cluster (draining, then left)', async () => {
    const leaving = node('node-3');
    leaving.proc.child.kill('SIGTERM');
    expect(await leaving.proc.exited).toMatchObject({ code: 0 });
    const listedState = async () => {
      const res = await fetch(`${gateways[1]!.url}/api/cluster/nodes`, { headers: auth() });
      const body = (await res.json()) as { nodes: Array<{ name: string; state: string; ready: boolean }> };
      return body.nodes.find((n) => n.name === leaving.name);
    };
    await expect
      .poll(listedState, { timeout: 3_000, interval: 200 })
      .toMatchObject({ state: 'left', ready: false });
  }, 30_000);
});
