/** The Cluster page's wording of nodes and deployments (web/src/lib/cluster-view.ts), without a browser. */
import { describe, expect, it } from 'vitest';
import type { ClusterNodeInfo } from '../../src/api/index.js';
import {
  drainable,
  formatAge,
  freeMemoryLabel,
  inFlightLabel,
  loadedLabel,
  readiness,
  replicasLabel,
} from '../../web/src/lib/cluster-view.js';

const report = (over: Partial<ClusterNodeInfo['report']> = {}): ClusterNodeInfo['report'] => ({
  loadedModels: [],
  storedModels: [],
  queueDepth: 0,
  inFlight: 0,
  freeMemoryBytes: 8e9,
  freeVramBytes: null,
  ...over,
});

describe('cluster view', () => {
  it.each([
    [0, '0.0s'],
    [420, '0.4s'],
    [999, '0.9s'],
    [1500, '1.5s'],
    [9_999, '9.9s'],
    [10_000, '10s'],
    [65_000, '1m 5s'],
    [3_720_000, '1h 2m'],
    [-1, '–'],
    [Number.NaN, '–'],
    [Number.POSITIVE_INFINITY, '–'],
  ])('words a heartbeat age of %d ms as %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });

  it.each([
    [{ ready: true, ageMs: 100 }, 'ready'],
    // The gateway's verdict wins: a ready node is ready even when its age is near the limit.
    [{ ready: true, ageMs: 9_500 }, 'ready'],
    [{ ready: false, ageMs: 9_000 }, 'stale'],
    [{ ready: false, ageMs: 20_000 }, 'stale'],
    // Fresh heartbeats but not ready: draining or left.
    [{ ready: false, ageMs: 300 }, 'not ready'],
  ] as const)('judges %o as %s (stale after 9 s)', (node, expected) => {
    expect(readiness(node, 9_000)).toBe(expected);
  });

  it('labels loaded models, in-flight requests and free memory', () => {
    expect(loadedLabel({ name: 'tiny:latest', activeRequests: 2 })).toBe('tiny:latest · 2 active');
    expect(inFlightLabel({ report: report({ inFlight: 3 }), gatewayInFlight: 0 })).toBe('3');
    expect(inFlightLabel({ report: report({ inFlight: 3 }), gatewayInFlight: 1 })).toBe(
      '3 (1 via this gateway)',
    );
    expect(freeMemoryLabel(report({ freeMemoryBytes: 8.2e9 }))).toBe('8.2 GB');
    expect(freeMemoryLabel(report({ freeMemoryBytes: 8.2e9, freeVramBytes: 24e9 }))).toBe(
      '8.2 GB · VRAM 24 GB',
    );
  });

  it('offers draining only for nodes that take requests', () => {
    expect(drainable({ state: 'ready' })).toBe(true);
    expect(drainable({ state: 'draining' })).toBe(false);
    expect(drainable({ state: 'left' })).toBe(false);
  });

  it.each([
    [{ replicas: 2, ready_replicas: 0 }, '0 / 2', false],
    [{ replicas: 2, ready_replicas: 1 }, '1 / 2', false],
    [{ replicas: 2, ready_replicas: 2 }, '2 / 2', true],
    // More loaded copies than wanted (a shrunk deployment keeps its copies): still complete.
    [{ replicas: 1, ready_replicas: 3 }, '3 / 1', true],
  ])('words replicas %o as %s', (d, text, complete) => {
    expect(replicasLabel(d)).toEqual({ text, complete });
  });
});
