import { describe, expect, it } from 'vitest';
import type { ListedClusterNode, NodeReport } from '../../db/index.js';
import { listedNode, loadedModel } from '../../../test/helpers/listed-node.js';
import { normalizeModelName, rankNodes } from './rank-nodes.js';

const node = (name: string, report: Partial<NodeReport>, ready = true): ListedClusterNode => ({
  ...listedNode(name, report),
  ready,
});

const warm = (name: string) => loadedModel(name);

describe('normalizeModelName', () => {
  it.each([
    ['tiny', 'tiny:latest'],
    ['tiny:latest', 'tiny:latest'],
    ['registry.ollama.ai/library/tiny:latest', 'tiny:latest'],
    ['tiny:q4', 'tiny:q4'],
    ['../bad', '../bad'],
  ])('%s → %s', (input, want) => expect(normalizeModelName(input)).toBe(want));
});

describe('rankNodes', () => {
  const none = () => 0;
  it.each([
    {
      why: 'only nodes that hold the model, tag-insensitive',
      nodes: [node('a', { storedModels: ['tiny:latest'] }), node('b', { storedModels: ['other:latest'] })],
      own: none,
      want: ['a'],
    },
    {
      why: 'not-ready nodes are skipped',
      nodes: [
        node('a', { storedModels: ['tiny:latest'] }, false),
        node('b', { storedModels: ['tiny:latest'] }),
      ],
      own: none,
      want: ['b'],
    },
    {
      why: 'warm before cold, even when busier',
      nodes: [
        node('a', { storedModels: ['tiny:latest'] }),
        node('b', { storedModels: ['tiny:latest'], loadedModels: [warm('tiny:latest')], queueDepth: 5 }),
      ],
      own: none,
      want: ['b', 'a'],
    },
    {
      why: 'lowest reported queue + in flight + own in flight',
      nodes: [
        node('a', { storedModels: ['tiny:latest'], inFlight: 1 }),
        node('b', { storedModels: ['tiny:latest'], queueDepth: 1 }),
        node('c', { storedModels: ['tiny:latest'] }),
      ],
      own: (id: string) => (id === 'c' ? 3 : 0),
      want: ['a', 'b', 'c'],
    },
  ])('$why', ({ nodes, own, want }) => {
    expect(rankNodes(nodes, 'tiny', own).map((r) => r.node.name)).toEqual(want);
  });
});

describe('rankNodes with a session', () => {
  const none = () => 0;
  const nodes = ['a', 'b', 'c', 'd'].map((n) => node(n, { loadedModels: [warm('tiny:latest')] }));

  it('sends each session to one node whatever the listing order, and spreads sessions over the nodes', () => {
    const chosen = new Map<string, string>();
    for (let i = 0; i < 200; i++) {
      const session = `conversation-${i}`;
      const first = rankNodes(nodes, 'tiny', none, session)[0]!.node.name;
      expect(rankNodes([...nodes].reverse(), 'tiny', none, session)[0]!.node.name).toBe(first);
      chosen.set(session, first);
    }
    const counts = new Map<string, number>();
    for (const n of chosen.values()) counts.set(n, (counts.get(n) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    for (const c of counts.values()) expect(c).toBeGreaterThan(20);
  });

  it('keeps a session on its node when another node leaves, and moves only that node’s sessions', () => {
    for (let i = 0; i < 50; i++) {
      const session = `s${i}`;
      const before = rankNodes(nodes, 'tiny', none, session)[0]!.node.name;
      const without = nodes.filter((n) => n.name !== 'c');
      const after = rankNodes(without, 'tiny', none, session)[0]!.node.name;
      if (before !== 'c') expect(after).toBe(before);
    }
  });

  it('yields to load, and never prefers a cold node over a warm one', () => {
    const session = 'sticky';
    const home = rankNodes(nodes, 'tiny', none, session)[0]!.node.name;
    const busy = (id: string) => (id === home ? 3 : 0);
    expect(rankNodes(nodes, 'tiny', busy, session)[0]!.node.name).not.toBe(home);
    const slightlyBusy = (id: string) => (id === home ? 2 : 0);
    expect(rankNodes(nodes, 'tiny', slightlyBusy, session)[0]!.node.name).toBe(home);

    const mixed = nodes.map((n) => (n.name === home ? node(n.name, { storedModels: ['tiny:latest'] }) : n));
    expect(rankNodes(mixed, 'tiny', none, session)[0]!.node.name).not.toBe(home);
  });
});
