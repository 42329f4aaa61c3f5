// How agents become nodes: approval mode, registration by address (with its 502s), Consul
// discovery (a small Consul HTTP API written from interfaces.md §6, the one fake allowed here),
// and bad input on every node route changing nothing.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { startAgent } from '../helpers/agent-process.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';
import { waitFor, waitForValue } from '../helpers/wait.js';
import { freePort } from '../helpers/engine-harness.js';

function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }),
    ),
  );
}

describe('approval mode and registration by address', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet({ settings: { auto_register_nodes: false } });
  });
  afterAll(() => fleet.stop());

  it('lists an announcing agent as discovered until POST /api/nodes registers it', async () => {
    const agent = await fleet.addAgent('gpu-pending');
    const discovered = await waitForValue(
      async () =>
        (
          (await fleet.call('GET', '/api/nodes/discovered')).body as { nodes: { node: string }[] }
        ).nodes.find((n) => n.node === 'gpu-pending'),
      10_000,
      'the agent in the discovered list',
    );
    expect(discovered).toEqual({
      node: 'gpu-pending',
      address: '127.0.0.1',
      port: agent.port,
      service_id: 'gpu-pending',
      source: 'announce',
      agent_version: expect.any(String) as unknown,
      last_seen_at: expect.any(String) as unknown,
    });
    expect(await fleet.nodes()).toEqual([]);
    const reg = await fleet.call('POST', '/api/nodes', {
      ip_address: '127.0.0.1',
      port: agent.port,
    });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ hostname: 'gpu-pending', port: agent.port });
    await fleet.node('gpu-pending');
    expect(
      ((await fleet.call('GET', '/api/nodes/discovered')).body as { nodes: unknown[] }).nodes,
    ).toEqual([]);
  });

  it('answers 502 naming the address and the cause when registration cannot reach an agent', async () => {
    const closed = await freePort();
    const unreachable = await fleet.call('POST', '/api/nodes', {
      ip_address: '127.0.0.1',
      port: closed,
    });
    expect(unreachable.status).toBe(502);
    expect((unreachable.body as { detail: string }).detail).toMatch(
      new RegExp(`^Failed to reach agent at http://127\\.0\\.0\\.1:${closed}: ECONNREFUSED`),
    );

    const stranger = await startAgent(['--simulate-gpus', '1xL4-24GB', '--runtime', 'process']);
    try {
      const wrong = await fleet.call('POST', '/api/nodes', {
        ip_address: '127.0.0.1',
        port: stranger.port,
      });
      expect(wrong.status).toBe(502);
      expect((wrong.body as { detail: string }).detail).toBe(
        `The agent at 127.0.0.1:${stranger.port} refused this control plane's cluster token; start it with --cluster-token set to the token \`aerie serve\` printed.`,
      );
    } finally {
      await stranger.stop();
    }

    const web = await listen((req, res) => {
      if (req.url === '/info') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ hello: 'world' }));
      } else res.writeHead(404).end();
    });
    try {
      const port = Number(new URL(web.url).port);
      const notAgent = await fleet.call('POST', '/api/nodes', { ip_address: '127.0.0.1', port });
      expect(notAgent.status).toBe(502);
      expect((notAgent.body as { detail: string }).detail).toMatch(
        new RegExp(
          `^The agent at http://127\\.0\\.0\\.1:${port} answered /info with an unexpected body: hostname: .*Aerie agent`,
        ),
      );
    } finally {
      web.server.close();
    }
    expect((await fleet.nodes()).map((n) => n.hostname)).toEqual(['gpu-pending']);
  });

  it('refuses bad input on every node route with a detail and changes nothing', async () => {
    const node = (await fleet.nodes())[0]!;
    const before = JSON.stringify(
      (await fleet.nodes()).map(
        ({
          id,
          hostname,
          maintenance_gpus,
          warm_offload_enabled,
          ram_cache_limit_mb,
          container_runtime,
        }) => ({
          id,
          hostname,
          maintenance_gpus,
          warm_offload_enabled,
          ram_cache_limit_mb,
          container_runtime,
        }),
      ),
    );
    const cases: [string, string, unknown, number][] = [
      ['POST', '/api/nodes', { ip_address: '' }, 422],
      ['POST', '/api/nodes', { ip_address: 'h', port: 70000 }, 422],
      ['POST', '/api/nodes', { ip_address: 'h; rm -rf /', port: 9000 }, 422],
      ['POST', '/api/nodes', { ip_address: 'h', extra: 1 }, 422],
      ['POST', '/api/nodes', { ip_address: '[:9Vv[', port: 9000 }, 422],
      ['POST', '/api/nodes', { ip_address: '300.1.1.1', port: 9000 }, 422],
      ['POST', `/api/nodes/${node.id}/maintenance`, { gpu_ids: 'all', enabled: true }, 422],
      ['POST', `/api/nodes/${node.id}/maintenance`, { gpu_ids: [9], enabled: true }, 400],
      ['POST', `/api/nodes/${node.id}/maintenance`, { enabled: 'yes' }, 422],
      ['POST', `/api/nodes/${node.id}/warm-cache`, { enabled: true, ram_cache_limit_mb: -5 }, 400],
      ['POST', `/api/nodes/${node.id}/warm-cache`, { enabled: 'on' }, 422],
      ['POST', `/api/nodes/${node.id}/runtime`, { runtime: 'docker' }, 400],
      ['POST', `/api/nodes/${node.id}/runtime`, { runtime: 5 }, 422],
      ['POST', `/api/nodes/${node.id}/local-models/pull`, { url: 'ftp://x/y' }, 400],
      [
        'POST',
        `/api/nodes/${node.id}/local-models/upload/begin`,
        { name: '../x', total_bytes: 1, file_count: 1 },
        400,
      ],
      ['GET', `/api/nodes/${node.id}/ports/check?port=0`, undefined, 422],
      ['DELETE', `/api/nodes/${node.id}/images/not-an-id`, undefined, 422],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await fleet.call(method, path, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(r.body, path).toHaveProperty('detail');
    }
    const after = JSON.stringify(
      (await fleet.nodes()).map(
        ({
          id,
          hostname,
          maintenance_gpus,
          warm_offload_enabled,
          ram_cache_limit_mb,
          container_runtime,
        }) => ({
          id,
          hostname,
          maintenance_gpus,
          warm_offload_enabled,
          ram_cache_limit_mb,
          container_runtime,
        }),
      ),
    );
    expect(after).toBe(before);
  });
});

/** A small Consul HTTP API (interfaces.md §6.1–§6.2): register, deregister, health/service. */
async function fakeConsul() {
  const services = new Map<
    string,
    { ID: string; Address: string; Port: number; Meta: Record<string, string> }
  >();
  const status = { value: 'passing' };
  const { server, url } = await listen((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (req.method === 'PUT' && path === '/v1/agent/service/register') {
        const s = JSON.parse(body) as {
          ID: string;
          Address: string;
          Port: number;
          Meta: Record<string, string>;
        };
        services.set(s.ID, s);
        return res.end();
      }
      if (req.method === 'PUT' && path.startsWith('/v1/agent/service/deregister/')) {
        services.delete(decodeURIComponent(path.slice('/v1/agent/service/deregister/'.length)));
        return res.end();
      }
      if (req.method === 'GET' && path === '/v1/health/service/aerie-agent') {
        res.setHeader('content-type', 'application/json');
        return res.end(
          JSON.stringify(
            [...services.values()].map((s) => ({
              Node: { Node: 'consul-node', Address: '127.0.0.1' },
              Service: {
                ID: s.ID,
                Service: 'aerie-agent',
                Address: s.Address,
                Port: s.Port,
                Meta: s.Meta,
              },
              Checks: [
                { CheckID: 'serfHealth', Status: 'passing' },
                { CheckID: `aerie-agent-${s.ID}-health`, Status: status.value, ServiceID: s.ID },
              ],
            })),
          ),
        );
      }
      res.writeHead(404).end();
    });
  });
  return { server, url, services, status };
}

describe('Consul discovery', () => {
  let consul: Awaited<ReturnType<typeof fakeConsul>>;
  let fleet: Fleet;
  beforeAll(async () => {
    consul = await fakeConsul();
    fleet = await startFleet({ serveArgs: ['--consul-url', consul.url] });
  });
  afterAll(async () => {
    await fleet.stop();
    consul.server.close();
  });

  it('registers a catalogued agent and follows its Consul health check, flap-damped', async () => {
    // The agent registers itself in Consul but never announces to the control plane.
    const agent = await startAgent(
      [
        '--cluster-token',
        fleet.token,
        '--consul-url',
        consul.url,
        '--node-name',
        'gpu-consul',
        '--advertise-host',
        '127.0.0.1',
        '--simulate-gpus',
        '1xH100-80GB',
        '--runtime',
        'process',
      ],
      { AERIE_AGENT_ANNOUNCE_INTERVAL_MS: '1000' },
    );
    try {
      await waitFor(() => consul.services.has('gpu-consul'), 10_000, 'the Consul registration');
      const node: NodeRead = await fleet.node('gpu-consul');
      expect(node.port).toBe(agent.port);
      consul.status.value = 'critical';
      const critical = await fleet.node('gpu-consul', (n) => n.status === 'critical');
      expect(critical.status_reason).toBe('Consul health check critical');
      consul.status.value = 'warning';
      expect((await fleet.node('gpu-consul', (n) => n.status === 'degraded')).status_reason).toBe(
        'Consul health check warning',
      );
      consul.status.value = 'passing';
      await fleet.node('gpu-consul');
    } finally {
      await agent.stop();
    }
  });
});
