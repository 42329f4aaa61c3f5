// The node policy on the agent follows the operator's last change even when a poll that read the
// node before the change pushes after it. The agent sits behind a loopback relay that can hold
// its `GET /metrics` answer, which is what a poll waits for before it pushes the policy.
import { readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

/** Forwards every request to the agent; while `hold` is set, `GET /metrics` waits for `release`. */
class HoldingRelay {
  hold = false;
  readonly held: (() => void)[] = [];
  /** When each policy push was answered. */
  readonly configs: number[] = [];
  private server: Server | null = null;

  constructor(private readonly agentPort: number) {}

  async start(): Promise<number> {
    this.server = createServer((req, res) => {
      const forward = () => {
        const up = request(
          {
            host: '127.0.0.1',
            port: this.agentPort,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (answer: IncomingMessage) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        req.pipe(up);
      };
      // A push counts once the agent has answered it (and so applied it).
      if (req.url === '/config') res.on('finish', () => this.configs.push(Date.now()));
      if (this.hold && req.method === 'GET' && req.url === '/metrics') this.held.push(forward);
      else forward();
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }

  release(): void {
    this.hold = false;
    for (const go of this.held.splice(0)) go();
  }

  stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

let fleet: Fleet;
let agent: AgentProcess;
let relay: HoldingRelay;
let node: NodeRead;

beforeAll(async () => {
  fleet = await startFleet();
  agent = await startAgent([
    '--cluster-token',
    fleet.token,
    '--node-name',
    'relayed',
    '--simulate-gpus',
    '1xH100-80GB',
    '--runtime',
    'process',
  ]);
  relay = new HoldingRelay(agent.port);
  const port = await relay.start();
  const r = await fleet.call('POST', '/api/nodes', { ip_address: '127.0.0.1', port });
  expect(r.status).toBe(201);
  node = await fleet.node('relayed');
});
afterAll(async () => {
  await relay.stop();
  await agent.stop();
  await fleet.stop();
});

const agentPolicy = () =>
  (
    JSON.parse(readFileSync(join(agent.dataDir, 'state.json'), 'utf8')) as {
      policy?: { warm_offload_enabled: boolean; ram_cache_limit_mb: number | null };
    }
  ).policy;

describe('the node policy pushed to the agent', () => {
  it('is the newest stored one when a poll read the node before the change', async () => {
    // A poll is under way: it read the node (no RAM limit) and waits for the agent's metrics.
    relay.hold = true;
    await waitFor(() => relay.held.length > 0, 10_000, 'a poll waiting for the metrics');

    const set = await fleet.call('POST', `/api/nodes/${node.id}/warm-cache`, {
      enabled: true,
      ram_cache_limit_mb: 4096,
    });
    expect(set.status).toBe(200);
    await waitFor(() => agentPolicy()?.ram_cache_limit_mb === 4096, 10_000, 'the pushed limit');

    // The poll goes on and pushes the policy; it must push what is stored now, not what it read.
    const pushedBefore = relay.configs.length;
    relay.release();
    await waitFor(() => relay.configs.length > pushedBefore, 10_000, "the poll's push");
    await waitForValue(
      async () => (await fleet.node('relayed')).status === 'online' || null,
      10_000,
      'the poll applied',
    );
    expect(agentPolicy()).toMatchObject({ warm_offload_enabled: true, ram_cache_limit_mb: 4096 });
  });
});
