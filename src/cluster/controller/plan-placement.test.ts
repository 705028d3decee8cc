import { describe, expect, it } from 'vitest';
import type { ListedClusterNode, NodeReport } from '../../db/index.js';
import { listedNode, loadedModel } from '../../../test/helpers/listed-node.js';
import { planPlacement } from './plan-placement.js';

const STALE = 1500;

const node = (
  name: string,
  report: Partial<NodeReport> = {},
  o: { state?: ListedClusterNode['state']; ageMs?: number } = {},
): ListedClusterNode => listedNode(name, { freeMemoryBytes: 1e12, ...report }, { ...o, staleAfterMs: STALE });

const loaded = (name: string, sizeBytes = 100) => loadedModel(name, sizeBytes);

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

describe('planPlacement releases', () => {
  const releases = (p: ReturnType<typeof planPlacement>) =>
    p.actions.filter((a) => a.kind === 'release').map((a) => a.nodeName);
  const unpinned = loadedModel('tiny:latest', 100, '2026-11-23T18:00:00.000Z');

  it('releases pinned copies beyond the replicas, busiest first, and never copies loaded by requests', () => {
    const nodes = [
      node('a', { loadedModels: [loaded('tiny:latest')] }),
      node('b', { loadedModels: [loaded('tiny:latest')], inFlight: 2 }),
      node('c', { loadedModels: [loaded('tiny:latest')] }),
      node('d', { loadedModels: [unpinned] }),
    ];
    const p = plan(nodes, 1);
    expect(releases(p)).toEqual(['b', 'c']);
    expect(p.actions.every((a) => a.kind === 'release')).toBe(true);
    expect(releases(plan(nodes, 3))).toEqual([]);
  });

  it('releases everything of an undeployed model, then reports it retired', () => {
    const pinnedOn = [node('a', { loadedModels: [loaded('tiny:latest')] }), node('b')];
    const first = plan(pinnedOn, 0);
    expect(releases(first)).toEqual(['a']);
    expect(first.retired).toEqual([]);
    const asked = planPlacement({
      nodes: pinnedOn,
      deployments: [{ model: 'tiny', replicas: 0 }],
      staleAfterMs: STALE,
      pending: () => false,
      releasing: (id) => id === 'a',
    });
    expect(asked.actions).toEqual([]);
    // Still pinned as far as the reports say: the row stays until a report shows the copy released.
    expect(asked.retired).toEqual([]);
    const done = plan([node('a', { loadedModels: [unpinned] }), node('b')], 0);
    expect(done.actions).toEqual([]);
    expect(done.retired).toEqual(['tiny:latest']);
    // A stale node that still reports a pin keeps the row (it may come back pinned).
    const stale = plan(
      [node('a', { loadedModels: [loaded('tiny:latest')] }, { ageMs: STALE }), node('b'), node('c')],
      0,
    );
    expect(stale.retired).toEqual([]);
  });
});
