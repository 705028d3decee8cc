import { describe, expect, it } from 'vitest';
import type { ListedClusterNode, NodeReport } from '../../db/index.js';
import { planPlacement } from './plan-placement.js';

const STALE = 1500;

function node(
  name: string,
  report: Partial<NodeReport> = {},
  o: { state?: ListedClusterNode['state']; ageMs?: number } = {},
): ListedClusterNode {
  const state = o.state ?? 'ready';
  const ageMs = o.ageMs ?? 0;
  return {
    id: name,
    name,
    url: `http://${name}`,
    state,
    ready: state === 'ready' && ageMs < STALE,
    ageMs,
    epoch: 1,
    joinedAt: new Date(0),
    lastHeartbeat: new Date(0),
    report: {
      loadedModels: [],
      storedModels: [],
      queueDepth: 0,
      inFlight: 0,
      freeMemoryBytes: 1e12,
      freeVramBytes: null,
      ...report,
    },
  };
}

const loaded = (name: string, sizeBytes = 100) => ({
  name,
  modelKey: 'sha256:x',
  sizeBytes,
  vramBytes: 0,
  activeRequests: 0,
  expiresAt: null,
});

const plan = (nodes: ListedClusterNode[], replicas = 2, pending = new Set<string>()) =>
  planPlacement({
    nodes,
    deployments: [{ model: 'tiny', replicas }],
    staleAfterMs: STALE,
    pending: (id, model) => pending.has(`${id}/${model}`),
  });
const targets = (p: ReturnType<typeof plan>) => p.actions.map((a) => `${a.nodeName}${a.pull ? '+pull' : ''}`);

describe('planPlacement', () => {
  it.each([
    [
      'on disk first, then least loaded',
      [node('a'), node('b', { storedModels: ['tiny:latest'] }), node('c', { inFlight: 3 })],
      2,
      ['b', 'a+pull'],
    ],
    [
      'loaded replicas count',
      [node('a', { loadedModels: [loaded('tiny:latest')] }), node('b'), node('c')],
      2,
      ['b+pull'],
    ],
    [
      'enough replicas: nothing',
      [node('a', { loadedModels: [loaded('tiny')] }), node('b', { loadedModels: [loaded('tiny:latest')] })],
      2,
      [],
    ],
    [
      'draining and stale nodes are skipped',
      [node('a', {}, { state: 'draining' }), node('b', {}, { ageMs: 5000 }), node('c'), node('d')],
      3,
      ['c+pull', 'd+pull'],
    ],
    [
      'memory fit when the size is known',
      [
        node('a', { loadedModels: [loaded('tiny', 1000)] }),
        node('b', { freeMemoryBytes: 10, storedModels: ['tiny'] }),
        node('c', { freeMemoryBytes: 5000 }),
      ],
      2,
      ['c+pull'],
    ],
  ])('%s', (_, nodes, replicas, expected) => {
    expect(targets(plan(nodes, replicas))).toEqual(expected);
  });

  it('counts a pending load as a replica (no repeated asks)', () => {
    expect(targets(plan([node('a'), node('b')], 2, new Set(['a/tiny:latest'])))).toEqual(['b+pull']);
  });

  it('reports what no node can hold', () => {
    expect(plan([node('a')], 3).short).toEqual([{ model: 'tiny:latest', missing: 2 }]);
  });

  it('refuses to reschedule when more than half the known nodes look stale (a partition)', () => {
    const nodes = [node('a', {}, { ageMs: 9000 }), node('b', {}, { ageMs: 9000 }), node('c')];
    const p = plan(nodes, 3);
    expect(p).toMatchObject({ partitioned: true, staleNodes: 2, knownNodes: 3, actions: [] });
    // Exactly half stale is not a partition; left nodes are not known.
    const half = plan(
      [node('a', {}, { ageMs: 9000 }), node('b'), node('x', {}, { state: 'left', ageMs: 9e9 })],
      2,
    );
    expect(half.partitioned).toBe(false);
    expect(targets(half)).toEqual(['b+pull']);
  });
});
