/**
 * The gateway's cluster management routes: controller leadership, deployments (the controller reconciles them)
 * and draining a node. Deployments and drains are the user's intent, written straight to the database; the
 * leader's own writes are the fenced ones.
 */
import { Hono } from 'hono';
import {
  deployRequestSchema,
  type ClusterDeployment,
  type ClusterDeploymentsResponse,
  type ClusterLeaderResponse,
  type DrainResponse,
} from '../../api/index.js';
import { AppError, tryParseModelName } from '../../core/index.js';
import type { ClusterDeploymentRecord, ClusterRepository } from '../../db/index.js';
import { parseBody } from '../../http/index.js';
import type { NodeDirectory } from './node-directory.js';
import { modelOnNode } from './rank-nodes.js';

/** What {@link clusterRoutes} needs. */
export interface ClusterRouteDeps {
  cluster: Pick<ClusterRepository, 'deployments' | 'putDeployment' | 'leader' | 'setState'>;
  directory: Pick<NodeDirectory, 'nodes' | 'fresh' | 'invalidate'>;
  /** This gateway's controller: whether it leads, and with which epoch. */
  controller: { readonly isLeader: boolean; readonly epoch: number | undefined };
}

function modelName(name: string): string {
  const parsed = tryParseModelName(name);
  if (parsed === undefined) {
    throw new AppError('INVALID_REQUEST', `invalid model name '${name}'`, { details: { field: 'model' } });
  }
  return parsed.display;
}

export function clusterRoutes(deps: ClusterRouteDeps): Hono {
  const app = new Hono();
  const { cluster, directory, controller } = deps;

  app.get('/api/cluster/leader', async (c) => {
    const leader = await cluster.leader();
    const body: ClusterLeaderResponse = {
      holder: leader?.holder ?? null,
      epoch: leader?.epoch ?? null,
      this_gateway_is_leader:
        controller.isLeader && leader !== undefined && controller.epoch === leader.epoch,
    };
    return c.json(body);
  });

  const withReplicas = async (list: ClusterDeploymentRecord[]): Promise<ClusterDeployment[]> => {
    const ready = (await directory.nodes()).filter((n) => n.ready);
    return list.map((d) => ({
      model: d.model,
      replicas: d.replicas,
      ready_replicas: ready.filter((n) => modelOnNode(n, d.model).loaded).length,
      created_at: d.createdAt.toISOString(),
      updated_at: d.updatedAt.toISOString(),
    }));
  };
  app.get('/api/cluster/deployments', async (c) => {
    // Undeployed models (replicas 0) stay until the controller has released their copies: not listed.
    const live = (await cluster.deployments()).filter((d) => d.replicas > 0);
    const body: ClusterDeploymentsResponse = { deployments: await withReplicas(live) };
    return c.json(body);
  });
  app.post('/api/cluster/deployments', async (c) => {
    const req = await parseBody(c, deployRequestSchema);
    const saved = await cluster.putDeployment({ model: modelName(req.model), replicas: req.replicas });
    return c.json((await withReplicas([saved]))[0]!, 201);
  });
  app.delete('/api/cluster/deployments/:model', async (c) => {
    const model = modelName(c.req.param('model'));
    // Replicas 0: the controller releases the copies it pinned, then removes the row.
    if (!(await cluster.deployments()).some((d) => d.model === model && d.replicas > 0)) {
      throw new AppError('RESOURCE_NOT_FOUND', `no deployment of '${model}'`);
    }
    await cluster.putDeployment({ model, replicas: 0 });
    return c.json({ model });
  });

  const member = async (name: string) => {
    // Fresh: a drain or undrain a moment ago must not be acted on from a stale listing.
    const node = (await directory.fresh()).find((n) => n.name === name || n.id === name);
    if (node === undefined || node.state === 'left') {
      throw new AppError('RESOURCE_NOT_FOUND', `no cluster node named '${name}'`);
    }
    return node;
  };
  app.post('/api/cluster/nodes/:name/drain', async (c) => {
    const node = await member(c.req.param('name'));
    await cluster.setState(node.id, 'draining');
    directory.invalidate();
    const body: DrainResponse = { name: node.name, state: 'draining' };
    return c.json(body);
  });
  // Undrain: the node takes requests again. Only a draining node; one that left registers again by itself.
  app.post('/api/cluster/nodes/:name/undrain', async (c) => {
    const node = await member(c.req.param('name'));
    if (node.state !== 'draining') {
      throw new AppError('CONFLICT', `cluster node '${node.name}' is not draining (it is ${node.state})`);
    }
    await cluster.setState(node.id, 'ready');
    directory.invalidate();
    const body: DrainResponse = { name: node.name, state: 'ready' };
    return c.json(body);
  });
  return app;
}
