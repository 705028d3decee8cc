/**
 * Issue #7, the controller: 3 nodes and 2 gateways as real processes over one PostgreSQL database. Exactly one
 * gateway leads; `corral cluster deploy tiny --replicas 2` makes the leader load the model on the two nodes that
 * store it; undeploying stops the reconciling; a drained node gets no new requests; SIGKILL of the leading gateway
 * hands leadership to the other one with a later epoch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterLeaderResponse } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { runCorral } from '../helpers/cli-io.js';
import {
  createAdminKey,
  createModelOn,
  spawnGateway,
  spawnNode,
  killAll,
} from '../helpers/cluster-processes.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { testDatabases, type OpenedTestDatabase } from '../helpers/test-databases.js';

const postgres = testDatabases.find((d) => d.kind === 'postgres')!;
if (!postgres.available)
  console.warn('cluster controller test skipped: no test PostgreSQL (CORRAL_TEST_POSTGRES_URL)');

const MODEL = 'tiny';

describe.skipIf(!postgres.available)('cluster: the controller inside the gateways', () => {
  let opened: OpenedTestDatabase;
  let dir: string;
  const nodes = new Map<string, ServerProcess>();
  let gateways: ServerProcess[] = [];
  let adminKey: string;

  const headers = () => ({ authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' });
  const leaderOf = async (gw: ServerProcess) => {
    const res = await fetch(`${gw.url}/api/cluster/leader`, { headers: headers() });
    expect(res.status).toBe(200);
    return (await res.json()) as ClusterLeaderResponse;
  };
  const loaded = async (name: string) =>
    (
      (await (await fetch(`${nodes.get(name)!.url}/api/ps`)).json()) as { models: Array<{ name: string }> }
    ).models.map((m) => m.name);
  /** Sends `count` short generations through the gateways in turn; each must succeed. The nodes that served them. */
  const servedBy = async (count: number) => {
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await fetch(`${gateways[i % 2]!.url}/api/generate`, {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({ model: MODEL, prompt: 'hi', stream: false, options: { num_predict: 2 } }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      names.push(res.headers.get('x-corral-node')!);
      await res.text();
    }
    return names;
  };
  const cli = (gw: ServerProcess, ...argv: string[]) =>
    runCorral(['cluster', ...argv], { CORRAL_HOST: gw.url, CORRAL_API_KEY: adminKey });

  beforeAll(async () => {
    opened = await postgres.open();
    const url = opened.options.url!;
    dir = mkdtempSync(join(tmpdir(), 'corral-controller-'));
    adminKey = await createAdminKey(url);

    const modelPath = await tinyModelPath({ eos: 'never', contextLength: 4096 });
    const cluster = { databaseUrl: url, dir, heartbeat: '500ms' };
    await Promise.all(
      ['node-1', 'node-2', 'node-3'].map(async (name) => {
        nodes.set(name, await spawnNode(cluster, name, { CORRAL_CONTEXT_LENGTH: '4096' }));
      }),
    );
    gateways = await Promise.all(['gw-a', 'gw-b'].map((name) => spawnGateway(cluster, name)));
    for (const name of ['node-1', 'node-2']) await createModelOn(nodes.get(name)!, MODEL, modelPath);
  }, 120_000);

  afterAll(async () => {
    await killAll([...gateways, ...nodes.values()]);
    await opened?.cleanup();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('has exactly one leader among the gateways', async () => {
    await expect
      .poll(
        async () =>
          (await Promise.all(gateways.map(leaderOf))).filter((l) => l.this_gateway_is_leader).length,
        {
          timeout: 10_000,
          interval: 200,
        },
      )
      .toBe(1);
    const [a, b] = await Promise.all(gateways.map(leaderOf));
    expect(a!.holder).toBe(b!.holder);
    expect(a!.epoch).toBe(b!.epoch);
    const table = await cli(gateways[0]!, 'leader');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/HOLDER\s+EPOCH\s+THIS GATEWAY/);
  }, 20_000);

  it('lists the nodes with a READY column', async () => {
    await expect
      .poll(async () => (await cli(gateways[1]!, 'nodes')).stdout, { timeout: 10_000, interval: 300 })
      .toMatch(/node-1\s+yes[\s\S]*node-2\s+yes[\s\S]*node-3\s+yes/);
    expect((await cli(gateways[1]!, 'nodes')).stdout).toMatch(/^NAME\s+READY\s+STATE/);
  }, 20_000);

  it('deploys on the nodes that store the model, releases the surplus when shrunk, and all once undeployed', async () => {
    const deployed = await cli(gateways[0]!, 'deploy', MODEL, '--replicas', '2');
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(/Deployed tiny:latest with 2 replica/);
    await expect
      .poll(async () => [...(await loaded('node-1')), ...(await loaded('node-2'))], {
        timeout: 15_000,
        interval: 300,
      })
      .toEqual(['tiny:latest', 'tiny:latest']);
    expect(await loaded('node-3')).toEqual([]);
    await expect
      .poll(async () => (await cli(gateways[1]!, 'deployments')).stdout, { timeout: 5_000, interval: 300 })
      .toMatch(/tiny:latest\s+2\s+2/);

    // Shrunk to one replica: the busiest (then last by name) pinned copy is released, the other stays.
    const shrunk = await cli(gateways[0]!, 'deploy', MODEL, '--replicas', '1');
    expect(shrunk.code, shrunk.stderr).toBe(0);
    await expect
      .poll(async () => [...(await loaded('node-1')), ...(await loaded('node-2'))], {
        timeout: 15_000,
        interval: 300,
      })
      .toEqual(['tiny:latest']);
    expect(await loaded('node-1')).toEqual(['tiny:latest']);
    await new Promise((r) => setTimeout(r, 2_000)); // a few ticks: nothing is placed again
    expect(await loaded('node-2')).toEqual([]);

    // Undeployed: gone from the listing at once, and the last pinned copy is released.
    const undeployed = await cli(gateways[1]!, 'undeploy', MODEL);
    expect(undeployed.code, undeployed.stderr).toBe(0);
    expect((await cli(gateways[0]!, 'deployments')).stdout).not.toMatch(/tiny/);
    const again = await cli(gateways[0]!, 'undeploy', MODEL);
    expect(again.code).not.toBe(0);
    await expect.poll(() => loaded('node-1'), { timeout: 15_000, interval: 300 }).toEqual([]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect([...(await loaded('node-1')), ...(await loaded('node-2'))]).toEqual([]);
  }, 60_000);

  it('routes no new requests to a drained node, and routes to it again once undrained', async () => {
    const drained = await cli(gateways[0]!, 'drain', 'node-1');
    expect(drained.code, drained.stderr).toBe(0);
    await expect
      .poll(async () => (await cli(gateways[1]!, 'nodes')).stdout, { timeout: 5_000, interval: 200 })
      .toMatch(/node-1\s+no\s+draining/);
    await new Promise((r) => setTimeout(r, 1_100)); // the gateways' node directory caches for 1 s
    expect(await servedBy(4)).toEqual(['node-2', 'node-2', 'node-2', 'node-2']);
    const unknown = await cli(gateways[0]!, 'drain', 'node-9');
    expect(unknown.code).not.toBe(0);

    // Undrained, it takes requests again; undraining a ready node is refused.
    const undrained = await cli(gateways[1]!, 'undrain', 'node-1');
    expect(undrained.code, undrained.stderr).toBe(0);
    expect(undrained.stdout).toMatch(/node-1 is ready again/);
    const twice = await cli(gateways[1]!, 'undrain', 'node-1');
    expect(twice.code, twice.stdout + twice.stderr).not.toBe(0);
    expect(twice.stderr).toMatch(/not draining/);
    // Warm on node-1 as on node-2, so that equal loads pick node-1 by name once gateways see it ready.
    const load = await fetch(`${nodes.get('node-1')!.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ model: MODEL, prompt: '' }),
    });
    expect(load.status, await load.text()).toBe(200);
    await expect
      .poll(async () => (await cli(gateways[0]!, 'nodes')).stdout, { timeout: 5_000, interval: 200 })
      .toMatch(/node-1\s+yes\s+ready/);
    await new Promise((r) => setTimeout(r, 1_100)); // the gateways' node directory caches for 1 s
    expect(await servedBy(6)).toContain('node-1');

    // Each management call is audited with its target, whichever gateway took it.
    for (const [action, target] of [
      ['cluster.deploy', MODEL],
      ['cluster.undeploy', MODEL],
      ['cluster.drain', 'node-1'],
      ['cluster.undrain', 'node-1'],
    ]) {
      const res = await fetch(`${gateways[1]!.url}/api/admin/audit?action=${action}`, { headers: headers() });
      const { events } = (await res.json()) as { events: Array<{ target: string | null; outcome: string }> };
      expect(events.map((e) => e.target)).toContain(target);
    }
  }, 30_000);

  it('hands leadership to the other gateway when the leader is SIGKILLed', async () => {
    const before = await Promise.all(gateways.map(leaderOf));
    const index = before.findIndex((l) => l.this_gateway_is_leader);
    expect(index).toBeGreaterThanOrEqual(0);
    const [leader, other] = [gateways[index]!, gateways[1 - index]!];
    leader.child.kill('SIGKILL');
    await leader.exited;
    const started = Date.now();
    await expect
      .poll(async () => (await leaderOf(other)).this_gateway_is_leader, { timeout: 10_000, interval: 200 })
      .toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    const after = await leaderOf(other);
    expect(after.epoch!).toBeGreaterThan(before[index]!.epoch!);
    expect(after.holder).not.toBe(before[index]!.holder);
  }, 20_000);
});
