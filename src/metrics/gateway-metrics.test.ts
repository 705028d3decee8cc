import { describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../core/index.js';
import { GatewayMetrics, type BreakerGaugeState, type GatewayNode } from './gateway-metrics.js';
import { Metrics } from './metrics.js';

/** The value of one sample line; undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const node = (id: string, name: string, ready = true, state = 'ready'): GatewayNode => ({
  id,
  name,
  ready,
  state,
});

function setup() {
  const metrics = new Metrics({ processMetrics: false, nodeLoad: false });
  const state = {
    nodes: [node('1', 'n1'), node('2', 'n2', false, 'draining'), node('3', 'gone', false, 'left')],
    inFlight: { '1': 2, '2': 0 } as Record<string, number>,
    breakers: { '1': 'closed', '2': 'open' } as Record<string, BreakerGaugeState>,
    leader: false,
    listings: 0,
    fail: undefined as Error | undefined,
    warnings: [] as string[],
  };
  const log: Logger = { ...silentLogger, warn: (_data, message) => state.warnings.push(message) };
  const gateway = new GatewayMetrics(metrics.registry, {
    nodes: () => {
      state.listings++;
      return state.fail ? Promise.reject(state.fail) : Promise.resolve(state.nodes);
    },
    inFlight: (id) => state.inFlight[id] ?? 0,
    breakerState: (id) => state.breakers[id] ?? 'closed',
    isLeader: () => state.leader,
    log,
  });
  return { metrics, gateway, state };
}

describe('GatewayMetrics', () => {
  it('counts attempts by node and outcome and times the answered ones', async () => {
    const { metrics, gateway } = setup();
    gateway.attempt('n1', 'ok', 0.02);
    gateway.attempt('n1', 'ok', 0.04);
    gateway.attempt('n2', 'retried', 0.001);
    gateway.attempt('n2', 'failed', undefined);
    const text = await metrics.scrape();
    const total = 'corral_gateway_forwarded_requests_total';
    expect(sample(text, total, '{node="n1",outcome="ok"}')).toBe(2);
    expect(sample(text, total, '{node="n2",outcome="retried"}')).toBe(1);
    expect(sample(text, total, '{node="n2",outcome="failed"}')).toBe(1);
    expect(sample(text, 'corral_gateway_node_response_seconds_count', '{node="n1"}')).toBe(2);
    expect(sample(text, 'corral_gateway_node_response_seconds_sum', '{node="n1"}')).toBeCloseTo(0.06);
    // the failed attempt got no headers: only the retried one is timed on n2
    expect(sample(text, 'corral_gateway_node_response_seconds_count', '{node="n2"}')).toBe(1);
  });

  it('reads in-flight, breakers, ready nodes and leadership at scrape time, one listing per scrape', async () => {
    const { metrics, state } = setup();
    let text = await metrics.scrape();
    expect(state.listings).toBe(1);
    expect(sample(text, 'corral_gateway_node_in_flight_requests', '{node="n1"}')).toBe(2);
    expect(sample(text, 'corral_gateway_node_in_flight_requests', '{node="n2"}')).toBe(0);
    expect(sample(text, 'corral_gateway_node_breaker_state', '{node="n1"}')).toBe(0);
    expect(sample(text, 'corral_gateway_node_breaker_state', '{node="n2"}')).toBe(2);
    expect(text).not.toContain('node="gone"'); // left the cluster
    expect(sample(text, 'corral_gateway_ready_nodes')).toBe(1);
    expect(sample(text, 'corral_gateway_leader')).toBe(0);

    state.breakers['2'] = 'half-open';
    state.inFlight['1'] = 0;
    state.leader = true;
    state.nodes = [node('2', 'n2')];
    text = await metrics.scrape();
    expect(state.listings).toBe(2);
    expect(sample(text, 'corral_gateway_node_breaker_state', '{node="n2"}')).toBe(1);
    expect(sample(text, 'corral_gateway_node_in_flight_requests', '{node="n1"}')).toBeUndefined();
    expect(sample(text, 'corral_gateway_ready_nodes')).toBe(1);
    expect(sample(text, 'corral_gateway_leader')).toBe(1);
  });

  it('still serves a scrape when the node listing fails, with a warning and no node gauges', async () => {
    const { metrics, state } = setup();
    state.fail = new Error('database unreachable');
    const text = await metrics.scrape();
    expect(state.warnings).toEqual(['cluster nodes not listed for metrics']);
    expect(sample(text, 'corral_gateway_ready_nodes')).toBe(0);
    expect(text).not.toContain('corral_gateway_node_in_flight_requests{');
    expect(sample(text, 'corral_gateway_leader')).toBe(0);
  });
});
