/**
 * Issue #7 metrics end to end: one node and one gateway as real processes over PostgreSQL. The gateway's
 * `/metrics` (permission `system:read`) counts the requests it forwarded by node and outcome, times the node's
 * answer, and reads its in-flight requests, breakers, ready nodes and leadership at scrape time; the node's own
 * `/metrics` carries the load an inference gateway routes on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
import type { ServerProcess } from '../helpers/server-process.js';
import { testDatabases, type OpenedTestDatabase } from '../helpers/test-databases.js';

const postgres = testDatabases.find((d) => d.kind === 'postgres')!;
if (!postgres.available)
  console.warn('cluster gateway metrics test skipped: no test PostgreSQL (CORRAL_TEST_POSTGRES_URL)');

/** The value of one sample line; undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe.skipIf(!postgres.available)('cluster: gateway and node metrics', () => {
  let opened: OpenedTestDatabase;
  let dir: string;
  let node: ServerProcess;
  let gateway: ServerProcess;
  let key: string;

  const scrape = async (base: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/metrics`, { headers });
    expect(res.status).toBe(200);
    return res.text();
  };
  const admin = () => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    opened = await postgres.open();
    const url = opened.options.url!;
    dir = mkdtempSync(join(tmpdir(), 'corral-cluster-metrics-'));
    key = await createAdminKey(url);
    const cluster = { databaseUrl: url, dir, heartbeat: '500ms' };
    node = await spawnNode(cluster, 'node-1');
    gateway = await spawnGateway(cluster, 'gw');
    await createModelOn(node, 'tiny', await tinyModelPath({ eos: 'never' }));
    // Ready, the model in its report, and this (only) gateway leading the controller.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const text = await scrape(gateway.url, admin());
      const res = await fetch(`${gateway.url}/api/cluster/nodes`, { headers: admin() });
      const { nodes } = (await res.json()) as {
        nodes: Array<{ ready: boolean; report: { storedModels: string[] } }>;
      };
      const ready = nodes.some((n) => n.ready && n.report.storedModels.includes('tiny:latest'));
      if (ready && sample(text, 'corral_gateway_leader') === 1) break;
      if (Date.now() > deadline) throw new Error(`cluster not ready: ${JSON.stringify(nodes)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 120_000);

  afterAll(async () => {
    await killAll([gateway, node]);
    await opened?.cleanup();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('needs system:read on the gateway', async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
  });

  it('counts a forwarded request by node and outcome, with the gateway and node gauges', async () => {
    const before = await scrape(gateway.url, admin());
    const ok = '{node="node-1",outcome="ok"}';
    const res = await fetch(`${gateway.url}/api/generate`, {
      method: 'POST',
      headers: { ...admin(), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny', prompt: 'hi', stream: false, options: { num_predict: 4 } }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('x-corral-node')).toBe('node-1');
    await res.json();

    const after = await scrape(gateway.url, admin());
    const delta = (name: string, labels: string) =>
      (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
    expect(delta('corral_gateway_forwarded_requests_total', ok)).toBe(1);
    expect(delta('corral_gateway_node_response_seconds_count', '{node="node-1"}')).toBe(1);
    expect(delta('corral_http_requests_total', '{route="/api/generate",method="POST",status="200"}')).toBe(1);
    expect(sample(after, 'corral_gateway_node_in_flight_requests', '{node="node-1"}')).toBe(0);
    expect(sample(after, 'corral_gateway_node_breaker_state', '{node="node-1"}')).toBe(0);
    expect(sample(after, 'corral_gateway_ready_nodes')).toBe(1);
    expect(sample(after, 'corral_gateway_leader')).toBe(1);
    expect(after).not.toContain('corral_kv_cache_usage_perc'); // a gateway runs no models

    // The node that served it reports the tokens its context holds (auth off: nodes trust their network).
    const atNode = await scrape(node.url);
    expect(sample(atNode, 'corral_num_requests_running')).toBe(0);
    expect(sample(atNode, 'corral_model_kv_cache_usage_perc', '{model="tiny:latest"}')).toBeGreaterThan(0);
  });
});
