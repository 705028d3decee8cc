/**
 * Issue #7, nodes behind NAT, end to end: 2 gateways (`corral gateway`) over one PostgreSQL database and one node
 * started with `corral serve --join <gateway A> --token <join token>` and NO database URL, all real processes. The
 * node opens its tunnel to A and registers through it; gateway B streams `/api/generate` to it through A's relay.
 * The relay refuses callers without the cluster secret, a wrong token is refused with 401 (and a node started with
 * one exits saying so), another join token cannot take the node's id, and revoking the join token makes the node
 * fall out of the cluster.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { runCorral } from '../helpers/cli-io.js';
import { createAdminKey, createModelOn, spawnGateway, killAll } from '../helpers/cluster-processes.js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { testDatabases, type OpenedTestDatabase } from '../helpers/test-databases.js';

const postgres = testDatabases.find((d) => d.kind === 'postgres')!;
if (!postgres.available)
  console.warn('cluster join test skipped: no test PostgreSQL (CORRAL_TEST_POSTGRES_URL)');

const HEARTBEAT = '500ms';
const NODE = 'nat-node';

interface ListedNode {
  id: string;
  name: string;
  url: string;
  ready: boolean;
  state: string;
  report: { storedModels: string[] };
}

describe.skipIf(!postgres.available)('cluster: a node joins through a gateway (behind NAT)', () => {
  let opened: OpenedTestDatabase;
  let dir: string;
  let adminKey: string;
  let gwA: ServerProcess;
  let gwB: ServerProcess;
  let node: ServerProcess | undefined;
  let token: { id: string; key: string };
  const procs: ServerProcess[] = [];

  const auth = (key = adminKey) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
  const nodes = async (gw: ServerProcess): Promise<ListedNode[]> => {
    const res = await fetch(`${gw.url}/api/cluster/nodes`, { headers: auth() });
    expect(res.status).toBe(200);
    return ((await res.json()) as { nodes: ListedNode[] }).nodes;
  };
  const natNode = async (gw: ServerProcess) => (await nodes(gw)).find((n) => n.name === NODE);
  const until = async (what: () => Promise<boolean>, ms: number, why: string) => {
    const deadline = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting: ${why}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  /** `corral serve --join <gateway A> --token <token>`, with no database URL anywhere. */
  const joinNode = (key: string, home: string) =>
    spawnServer(
      {
        CORRAL_DATABASE_URL: '',
        CORRAL_NODE_NAME: NODE,
        CORRAL_HOME: join(dir, home),
        CORRAL_HEARTBEAT_INTERVAL: HEARTBEAT,
        CORRAL_THREADS: '1',
      },
      30_000,
      'serve',
      ['--join', gwA.url, '--token', key],
    );

  beforeAll(async () => {
    opened = await postgres.open();
    const url = opened.options.url!;
    dir = mkdtempSync(join(tmpdir(), 'corral-join-'));
    adminKey = await createAdminKey(url);
    const cluster = { databaseUrl: url, dir, heartbeat: HEARTBEAT };
    [gwA, gwB] = await Promise.all([spawnGateway(cluster, 'gw-a'), spawnGateway(cluster, 'gw-b')]);
    procs.push(gwA, gwB);

    // The join token comes from the CLI, through a gateway (admin only).
    const made = await runCorral(['cluster', 'join-token', '--name', 'nat', '--expires', '1h'], {
      CORRAL_HOST: gwA.url,
      CORRAL_API_KEY: adminKey,
      CORRAL_HOME: join(dir, 'cli'),
    });
    expect(made.code, made.stderr).toBe(0);
    const key = made.stdout.trim();
    expect(key).toMatch(/^corral_[0-9a-f]{12}_/);
    expect(made.stderr).toMatch(/--join .* --token/);
    token = { id: key.slice('corral_'.length, 'corral_'.length + 12), key };

    node = await joinNode(key, 'nat');
    procs.push(node);
    await createModelOn(node, 'tiny', await tinyModelPath({ eos: 'never' }));
    await until(
      async () => (await natNode(gwB))?.report.storedModels.includes('tiny:latest') === true,
      15_000,
      'the joined node reports the model',
    );
  }, 120_000);

  afterAll(async () => {
    await killAll(procs);
    await opened?.cleanup();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('registers through gateway A under its relay URL, and gateway B streams generations to it', async () => {
    const listed = (await natNode(gwB))!;
    expect(listed).toMatchObject({
      ready: true,
      state: 'ready',
      url: `${gwA.url}/api/cluster/relay/${listed.id}`,
    });

    const res = await fetch(`${gwB.url}/api/generate`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ model: 'tiny', prompt: 'hi', options: { num_predict: 6, temperature: 0 } }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('x-corral-node')).toBe(NODE);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { done: boolean; response?: string; error?: string });
    expect(lines.length).toBeGreaterThan(1); // streamed: a line per token, then the final one
    expect(lines.some((l) => l.error !== undefined)).toBe(false);
    expect(lines.at(-1)!.done).toBe(true);

    // The listing fans out through the relay too.
    const tags = (await (await fetch(`${gwB.url}/api/tags`, { headers: auth() })).json()) as {
      models: Array<{ name: string }>;
    };
    expect(tags.models.map((m) => m.name)).toContain('tiny:latest');
  }, 60_000);

  it('deletes a model on the node through gateway B (a DELETE relayed by A)', async () => {
    await createModelOn(node!, 'doomed', await tinyModelPath({ eos: 'never' }));
    await until(
      async () => (await natNode(gwB))?.report.storedModels.includes('doomed:latest') === true,
      15_000,
      'the joined node reports the second model',
    );
    const res = await fetch(`${gwB.url}/api/delete`, {
      method: 'DELETE',
      headers: auth(),
      body: JSON.stringify({ model: 'doomed' }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const local = (await (await fetch(`${node!.url}/api/tags`)).json()) as {
      models: Array<{ name: string }>;
    };
    expect(local.models.map((m) => m.name)).toEqual(['tiny:latest']);
  }, 60_000);

  it('refuses relay calls without the cluster secret, even with an admin key', async () => {
    const { id } = (await natNode(gwB))!;
    const relay = `${gwA.url}/api/cluster/relay/${id}/api/generate`;
    const body = JSON.stringify({ model: 'tiny', prompt: 'hi', stream: false });
    for (const headers of [
      { 'content-type': 'application/json' },
      auth(),
      { ...auth(), 'x-corral-cluster-secret': 'a guess' },
    ]) {
      const res = await fetch(relay, { method: 'POST', headers, body });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toMatch(/cluster secret/);
    }
  });

  it('refuses a wrong token with 401, and a node started with one exits saying so', async () => {
    const wrong = `corral_${'0'.repeat(12)}_${'A'.repeat(43)}`;
    const res = await fetch(`${gwB.url}/api/cluster/join/some-node/heartbeat`, {
      method: 'POST',
      headers: auth(wrong),
      body: '{}',
    });
    expect(res.status).toBe(401);
    // An ordinary key without the node role may not join either.
    const user = await fetch(`${gwA.url}/api/keys`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ name: 'just-a-user', role: 'user' }),
    });
    const userKey = ((await user.json()) as { key: string }).key;
    const forbidden = await fetch(`${gwA.url}/api/cluster/join/some-node/heartbeat`, {
      method: 'POST',
      headers: auth(userKey),
      body: '{}',
    });
    expect(forbidden.status).toBe(403);

    await expect(joinNode(wrong, 'wrong')).rejects.toThrow(/exited with 1[\s\S]*401[\s\S]*unknown API key/);
  }, 60_000);

  it("refuses another join token that claims the node's id, and the node keeps its place", async () => {
    const listed = (await natNode(gwB))!;
    const made = await fetch(`${gwA.url}/api/cluster/join-tokens`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ name: 'impostor' }),
    });
    expect(made.status).toBe(201);
    const other = ((await made.json()) as { key: string }).key;
    // A second machine that copied the node's id (or an attacker who read it from the listing).
    mkdirSync(join(dir, 'impostor'), { recursive: true });
    writeFileSync(join(dir, 'impostor', 'node-id'), `${listed.id}\n`);
    await expect(joinNode(other, 'impostor')).rejects.toThrow(
      /exited with 1[\s\S]*403[\s\S]*joined with another join token/,
    );
    // Its join calls are refused as well, with a valid ticket or not.
    const res = await fetch(`${gwB.url}/api/cluster/join/${listed.id}/heartbeat`, {
      method: 'POST',
      headers: auth(other),
      body: JSON.stringify({ report: listed.report, relay: { url: listed.url, signature: '0'.repeat(64) } }),
    });
    expect(res.status).toBe(403);
    // The real node is still the one listed and served.
    expect(await natNode(gwB)).toMatchObject({ id: listed.id, url: listed.url, ready: true });
    const generated = await fetch(`${gwB.url}/api/generate`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ model: 'tiny', prompt: 'hi', stream: false, options: { num_predict: 2 } }),
    });
    expect(generated.status, await generated.clone().text()).toBe(200);
  }, 60_000);

  it('drops the node when its join token is revoked: it goes stale and gets no more requests', async () => {
    const revoke = await fetch(`${gwB.url}/api/keys/${token.id}`, { method: 'DELETE', headers: auth() });
    expect(revoke.status).toBe(200);
    await until(async () => (await natNode(gwB))?.ready === false, 15_000, 'the node goes stale');
    const res = await fetch(`${gwB.url}/api/generate`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ model: 'tiny', prompt: 'hi', stream: false }),
    });
    expect(res.status).toBe(404);
    expect(node!.child.exitCode).toBeNull(); // still a working standalone server, just out of the cluster
  }, 30_000);
});
