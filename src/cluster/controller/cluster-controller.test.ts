import { describe, expect, it } from 'vitest';
import { AppError, silentLogger } from '../../core/index.js';
import type { ListedClusterNode } from '../../db/index.js';
import { listedNode } from '../../../test/helpers/listed-node.js';
import { ClusterController } from './cluster-controller.js';

/** A node the controller lists: ready while its heartbeat is under 1.5 s old, with room for any model. */
const node = (name: string, stored: string[] = [], ageMs = 0): ListedClusterNode =>
  listedNode(name, { storedModels: stored, freeMemoryBytes: 1e12 }, { ageMs, staleAfterMs: 1500 });

function setup(o: { leader?: boolean; fenced?: boolean; nodes?: ListedClusterNode[] } = {}) {
  const calls: string[] = [];
  let fencedChecks = 0;
  const lease = {
    isLeader: false,
    epoch: undefined as number | undefined,
    tryAcquire() {
      this.isLeader = o.leader ?? true;
      this.epoch = 3;
      return Promise.resolve(this.isLeader);
    },
    fencedWrite<T>(work: () => Promise<T>): Promise<T> {
      fencedChecks++;
      return o.fenced === false ? Promise.reject(new AppError('CONFLICT', 'stale leader')) : work();
    },
    close: () => Promise.resolve(),
  };
  const controller = new ClusterController({
    lease: lease as never,
    cluster: { deployments: () => Promise.resolve([{ model: 'tiny', replicas: 2 } as never]) },
    directory: {
      nodes: () => Promise.resolve(o.nodes ?? [node('a'), node('b', ['tiny:latest'])]),
      staleAfterMs: 1500,
    },
    log: silentLogger,
    fetch: (url, init) => {
      calls.push(`${url as string} ${init?.body as string}`);
      return Promise.resolve(new Response('{}'));
    },
  });
  const settle = () => new Promise((r) => setTimeout(r, 10));
  return { controller, calls, settle, checks: () => fencedChecks };
}

describe('ClusterController', () => {
  it('as leader, pulls where needed, loads, and does not ask twice', async () => {
    const { controller, calls, settle, checks } = setup();
    await controller.tick();
    await settle();
    expect(calls.sort()).toEqual([
      'http://a/api/generate {"model":"tiny:latest","prompt":"","keep_alive":-1}',
      'http://a/api/pull {"model":"tiny:latest","stream":false}',
      'http://b/api/generate {"model":"tiny:latest","prompt":"","keep_alive":-1}',
    ]);
    expect(checks()).toBe(1);
    await controller.tick();
    await settle();
    expect(calls).toHaveLength(3);
    await controller.close();
  });

  it('does nothing while another gateway leads', async () => {
    const { controller, calls, settle } = setup({ leader: false });
    await controller.tick();
    await settle();
    expect(calls).toEqual([]);
  });

  it('does not act when the fence says its epoch is stale', async () => {
    const { controller, calls, settle, checks } = setup({ fenced: false });
    await controller.tick();
    await settle();
    expect(checks()).toBe(1);
    expect(calls).toEqual([]);
  });

  it('does not reschedule when most nodes look stale', async () => {
    const { controller, calls, settle, checks } = setup({
      nodes: [node('a', [], 9000), node('b', [], 9000), node('c')],
    });
    await controller.tick();
    await settle();
    expect(checks()).toBe(0);
    expect(calls).toEqual([]);
  });
});
