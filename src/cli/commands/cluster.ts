import type { ClusterNodeInfo } from '../../api/index.js';
import { formatBytes } from '../../lib/index.js';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { table } from '../format.js';
import { clientFor, print, UsageError } from '../io.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

function nodeRow(n: ClusterNodeInfo): string[] {
  const r = n.report;
  return [
    n.name,
    n.ready ? 'yes' : 'no',
    n.state,
    n.url,
    seconds(n.ageMs),
    r.loadedModels.map((m) => m.name).join(',') || '-',
    String(r.storedModels.length),
    String(r.queueDepth + r.inFlight),
    formatBytes(r.freeMemoryBytes),
    n.breaker,
  ];
}

export const clusterCommand: Command = {
  name: 'cluster',
  summary: 'Inspect and manage a cluster through a gateway',
  usage: [
    'corral cluster nodes',
    '  corral cluster deployments',
    '  corral cluster deploy MODEL [--replicas N]',
    '  corral cluster undeploy MODEL',
    '  corral cluster drain NODE',
    '  corral cluster undrain NODE',
    '  corral cluster leader',
    '  corral cluster join-token [--name NAME] [--expires 720h]',
    '',
    'CORRAL_HOST must point at a gateway (corral gateway). The controller, inside the gateways, keeps',
    'N nodes with a deployed model loaded; a drained node takes no new requests. A join token (admin) lets a',
    'node that no gateway can reach join from behind NAT: corral serve --join GATEWAY_URL --token TOKEN.',
  ].join('\n'),
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      replicas: { type: 'string' },
      name: { type: 'string' },
      expires: { type: 'string' },
    });
    const [action, arg, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    const client = clientFor(io);
    if (action === 'nodes' && arg === undefined) {
      const { nodes } = await client.clusterNodes();
      const header = [
        'NAME',
        'READY',
        'STATE',
        'URL',
        'HEARTBEAT',
        'LOADED',
        'STORED',
        'LOAD',
        'FREE MEM',
        'BREAKER',
      ];
      io.stdout.write(table(header, nodes.map(nodeRow)));
    } else if (action === 'deployments' && arg === undefined) {
      const { deployments } = await client.clusterDeployments();
      const rows = deployments.map((d) => [
        d.model,
        String(d.replicas),
        String(d.ready_replicas),
        d.updated_at,
      ]);
      io.stdout.write(table(['MODEL', 'REPLICAS', 'LOADED', 'UPDATED'], rows));
    } else if (action === 'deploy' && arg !== undefined) {
      const replicas = Number(values.replicas ?? '1');
      if (!Number.isInteger(replicas) || replicas < 1 || replicas > 100) {
        throw new UsageError('--replicas must be a whole number from 1 to 100');
      }
      const d = await client.deploy({ model: arg, replicas });
      print(io.stdout, `Deployed ${d.model} with ${d.replicas} replica(s) (${d.ready_replicas} loaded now).`);
    } else if (action === 'undeploy' && arg !== undefined) {
      await client.undeploy(arg);
      print(io.stdout, `Undeployed ${arg}: the copies the controller loaded are unloaded once idle.`);
    } else if (action === 'drain' && arg !== undefined) {
      const d = await client.drainNode(arg);
      print(io.stdout, `Draining ${d.name}: it takes no new requests.`);
    } else if (action === 'undrain' && arg !== undefined) {
      const d = await client.undrainNode(arg);
      print(io.stdout, `${d.name} is ready again: it takes new requests.`);
    } else if (action === 'leader' && arg === undefined) {
      const l = await client.clusterLeader();
      const rows = [
        [l.holder ?? '-', l.epoch === null ? '-' : String(l.epoch), l.this_gateway_is_leader ? 'yes' : 'no'],
      ];
      io.stdout.write(table(['HOLDER', 'EPOCH', 'THIS GATEWAY'], rows));
    } else if (action === 'join-token' && arg === undefined) {
      const key = await client.createJoinToken({
        name: values.name ?? 'join-token',
        expires_in: values.expires,
      });
      print(io.stdout, key.key);
      print(
        io.stderr,
        `Created join token ${key.id} (shown only this once; revoke it with \`corral keys revoke ${key.id}\`).\n` +
          `On the node: corral serve --join ${client.baseUrl} --token <the token>`,
      );
    } else {
      throw new UsageError(
        'expected nodes, deployments, deploy MODEL, undeploy MODEL, drain NODE, undrain NODE, leader, or join-token',
      );
    }
  },
};
