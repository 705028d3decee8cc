import { describe, expect, it } from 'vitest';
import type { ListedClusterNode, NodeReport } from '../../db/index.js';
import { normalizeModelName, rankNodes } from './rank-nodes.js';

function node(name: string, report: Partial<NodeReport>, ready = true): ListedClusterNode {
  return {
    id: name,
    name,
    url: `http://${name}`,
    state: 'ready',
    ready,
    ageMs: 0,
    epoch: 1,
    joinedAt: new Date(0),
    lastHeartbeat: new Date(0),
    report: {
      loadedModels: [],
      storedModels: [],
      queueDepth: 0,
      inFlight: 0,
      freeMemoryBytes: 0,
      freeVramBytes: null,
      ...report,
    },
  };
}

const warm = (name: string) => ({
  name,
  modelKey: 'sha256:x',
  sizeBytes: 1,
  vramBytes: 0,
  activeRequests: 0,
  expiresAt: null,
});

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
