// Nodes through the control plane: `aerie serve` and two real agents (simulated GPUs, process
// runtime) on loopback, with 1 s sync intervals and failure thresholds of 1.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';
import { wsClient } from '../helpers/http.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

let fleet: Fleet;
let a: NodeRead;
let b: NodeRead;

beforeAll(async () => {
  fleet = await startFleet({ agents: ['gpu-a', 'gpu-b'] });
  a = await fleet.node('gpu-a');
  b = await fleet.node('gpu-b');
});
afterAll(async () => {
  await fleet.stop();
});

const nodePath = (n: NodeRead, rest = '') => `/api/nodes/${n.id}${rest}`;

describe('discovery and the node list', () => {
  it('registers each announcing agent as an online node with its simulated GPUs and facts', async () => {
    const nodes = await fleet.nodes();
    expect(nodes.map((n) => n.hostname)).toEqual(['gpu-a', 'gpu-b']);
    const agent = fleet.agents.get('gpu-a')!;
    expect(a).toMatchObject({
      ip_address: '127.0.0.1',
      port: agent.port,
      status: 'online',
      status_reason: null,
      available_runtimes: ['process'],
      maintenance: false,
      partial_maintenance: false,
      maintenance_gpus: [],
      warm_offload_enabled: true,
      ram_cache_used_mb: 0,
      rogue_container_count: 0,
      rogue_process_count: 0,
      packages: [],
      container_runtime: null,
    });
    expect(a.gpu_usage).toHaveLength(2);
    expect(a.gpu_usage[0]).toMatchObject({
      index: 0,
      name: 'NVIDIA H100 80GB',
      memory_total_mb: 81920,
      source: 'simulated',
    });
    expect(a.disk_usage?.total_gb).toBeGreaterThan(0);
    expect(a.agent_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Date.parse(a.last_heartbeat_at!)).toBeGreaterThan(Date.now() - 30_000);
  });

  it('answers an announcement with a bad body with 422 and a wrong token with 401', async () => {
    const url = `${fleet.cp.url}/api/agents/announce`;
    const auth = { authorization: `Bearer ${fleet.token}`, 'content-type': 'application/json' };
    const bad = await fetch(url, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ port: 'x' }),
    });
    expect(bad.status).toBe(422);
    const wrong = await fetch(url, {
      method: 'POST',
      headers: { ...auth, authorization: 'Bearer nope' },
      body: JSON.stringify({}),
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { detail: string }).detail).toBe('Invalid cluster token.');
    // From loopback the admin API is open, but the announce route still wants the cluster token.
    const none = await fetch(url, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
  });

  it('streams node_metrics to subscribers and nodes_changed with the rows', async () => {
    const { ws, messages } = await wsClient(fleet.cp.url);
    try {
      ws.send(JSON.stringify({ type: 'subscribe', topics: ['node_metrics', 'nodes_changed'] }));
      await waitFor(
        () => messages.some((m) => m.type === 'node_metrics' && m.node_id === a.id),
        10_000,
        'a node_metrics event',
      );
      const metrics = messages.find((m) => m.type === 'node_metrics')!;
      expect(metrics).toMatchObject({
        gpus: expect.any(Array) as unknown,
        recorded_at: expect.any(String) as unknown,
      });
      const r = await fleet.call('POST', nodePath(a, '/warm-cache'), {
        enabled: true,
        ram_cache_limit_mb: 65536,
      });
      expect(r.status).toBe(200);
      const changed = await waitForValue(
        () =>
          messages.find(
            (m) =>
              m.type === 'nodes_changed' &&
              (m.nodes as NodeRead[]).some((n) => n.id === a.id && n.ram_cache_limit_mb === 65536),
          ),
        10_000,
        'nodes_changed with the new limit',
      );
      expect(changed.ids).toContain(a.id);
    } finally {
      ws.close();
    }
  });
});

describe('node settings', () => {
  it('stores the warm-cache policy and pushes it to the agent', async () => {
    const r = await fleet.call('POST', nodePath(b, '/warm-cache'), {
      enabled: false,
      ram_cache_limit_mb: 32768,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ warm_offload_enabled: false, ram_cache_limit_mb: 32768 });
    const agent = fleet.agents.get('gpu-b')!;
    await waitFor(
      () => {
        const state = JSON.parse(readFileSync(join(agent.dataDir, 'state.json'), 'utf8')) as {
          policy?: { warm_offload_enabled: boolean; ram_cache_limit_mb: number | null };
        };
        return (
          state.policy?.warm_offload_enabled === false && state.policy.ram_cache_limit_mb === 32768
        );
      },
      10_000,
      'the policy in the agent state file',
    );
    expect(
      (
        await fleet.call('POST', nodePath(b, '/warm-cache'), {
          enabled: true,
          ram_cache_limit_mb: 0,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await fleet.call('POST', nodePath(b, '/warm-cache'), {
          enabled: true,
          ram_cache_limit_mb: null,
        })
      ).body,
    ).toMatchObject({ warm_offload_enabled: true, ram_cache_limit_mb: null });
  });

  it('sets the runtime override only to a runtime the node has', async () => {
    const podman = await fleet.call('POST', nodePath(a, '/runtime'), { runtime: 'podman' });
    expect(podman).toEqual({
      status: 400,
      body: { detail: 'gpu-a has no podman runtime (available: process).' },
    });
    const lxc = await fleet.call('POST', nodePath(a, '/runtime'), { runtime: 'lxc' });
    expect(lxc.status).toBe(400);
    expect((lxc.body as { detail: string }).detail).toMatch(
      /runtime must be "docker", "podman" or null/,
    );
    const auto = await fleet.call('POST', nodePath(a, '/runtime'), { runtime: null });
    expect(auto).toMatchObject({ status: 200, body: { container_runtime: null } });
  });

  it('cordons GPUs: partial, full (status maintenance), unknown GPUs refused, then uncordoned', async () => {
    const unknown = await fleet.call('POST', nodePath(a, '/maintenance'), {
      gpu_ids: [0, 7],
      enabled: true,
    });
    expect(unknown).toEqual({
      status: 400,
      body: { detail: 'GPU indices [7] not found on gpu-a. Available: [0, 1].' },
    });
    const partial = await fleet.call('POST', nodePath(a, '/maintenance'), {
      gpu_ids: [1],
      enabled: true,
    });
    expect(partial.body).toMatchObject({
      maintenance_gpus: [1],
      partial_maintenance: true,
      maintenance: false,
    });
    const full = await fleet.call('POST', nodePath(a, '/maintenance'), {
      gpu_ids: [],
      enabled: true,
    });
    expect(full.body).toMatchObject({
      maintenance_gpus: [0, 1],
      maintenance: true,
      status: 'maintenance',
      status_reason: 'all GPUs cordoned',
    });
    await new Promise((r) => setTimeout(r, 0));
    expect((await fleet.node('gpu-a', (n) => n.status === 'maintenance')).maintenance).toBe(true);
    const back = await fleet.call('POST', nodePath(a, '/maintenance'), {
      gpu_ids: [],
      enabled: false,
    });
    expect(back.body).toMatchObject({ maintenance_gpus: [], maintenance: false });
    await fleet.node('gpu-a');
  });

  it('keeps metric history, downsampled by step and clamped to 48 h', async () => {
    await waitFor(
      async () =>
        (
          (await fleet.call('GET', nodePath(a, '/metrics/history?minutes=5'))).body as {
            points: unknown[];
          }
        ).points.length >= 4,
      15_000,
      'four samples',
    );
    const all = (await fleet.call('GET', nodePath(a, '/metrics/history?minutes=5'))).body as {
      node_id: number;
      points: { recorded_at: string; gpus: unknown[] }[];
    };
    expect(all.node_id).toBe(a.id);
    expect(all.points[0]!.gpus).toHaveLength(2);
    const times = all.points.map((p) => p.recorded_at);
    expect([...times].sort()).toEqual(times);
    const every2 = (await fleet.call('GET', nodePath(a, '/metrics/history?minutes=5&step=2')))
      .body as {
      points: { recorded_at: string }[];
    };
    expect(every2.points.length).toBe(Math.ceil(all.points.length / 2));
    expect(every2.points.at(-1)!.recorded_at).toBe(times.at(-1));
    const huge = await fleet.call('GET', nodePath(a, '/metrics/history?minutes=999999'));
    expect(huge.status).toBe(200);
    expect((await fleet.call('GET', nodePath(a, '/metrics/history?step=0'))).status).toBe(422);
    expect((await fleet.call('GET', nodePath(a, '/metrics/history?minutes=abc'))).status).toBe(422);
  });
});

describe('pass-throughs to the agent', () => {
  it('relays the read-only node routes with the agent reply', async () => {
    for (const [path, expected] of [
      ['/containers', []],
      ['/gpu-processes', []],
      ['/images', []],
      ['/warm-artifacts', { ram_sleepers: [], disk_caches: [] }],
      ['/models/cache', []],
      ['/local-models', []],
      ['/local-models/transfers', []],
      ['/packages', []],
    ] as const) {
      const r = await fleet.call('GET', nodePath(a, path));
      expect(r, path).toEqual({ status: 200, body: expected });
    }
    const pruned = await fleet.call('POST', nodePath(a, '/images/prune'));
    expect(pruned).toEqual({ status: 200, body: { removed: [], freed_mb: 0, skipped: [] } });
  });

  it('checks a port on the node', async () => {
    const busy = createTcpServer();
    await new Promise<void>((r) => busy.listen(0, '0.0.0.0', r));
    const port = (busy.address() as { port: number }).port;
    try {
      expect((await fleet.call('GET', nodePath(a, `/ports/check?port=${port}`))).body).toEqual({
        available: false,
      });
      expect((await fleet.call('GET', nodePath(a, '/ports/check?port=abc'))).status).toBe(422);
    } finally {
      busy.close();
    }
  });

  it("passes the agent's own error status and detail on", async () => {
    const stop = await fleet.call('POST', nodePath(a, '/containers/abcdef123456/stop'));
    expect(stop.status).toBe(404);
    expect((stop.body as { detail: string }).detail).toMatch(/abcdef123456/);
    const kill = await fleet.call('POST', nodePath(a, '/gpu-processes/999999/kill'));
    expect(kill.status).toBe(404);
    const image = await fleet.call('DELETE', nodePath(a, '/images/0123456789ab'));
    expect(image.status).toBe(404);
    const hf = await fleet.call('DELETE', nodePath(a, '/models/cache/org/missing'));
    expect(hf.status).toBe(404);
    expect((hf.body as { detail: string }).detail).toMatch(/org\/missing/);
    const cache = await fleet.call('DELETE', nodePath(a, '/warm-artifacts/caches/not-hex'));
    expect(cache.status).toBe(400);
    const abort = await fleet.call('POST', nodePath(a, '/local-models/upload/nope/abort'));
    expect(abort.status).toBe(404);
  });

  it('streams a folder upload through to the agent with transfer_progress events', async () => {
    const { ws, messages } = await wsClient(fleet.cp.url);
    try {
      const files = { 'config.json': '{"x":1}', 'model.safetensors': 'w'.repeat(300_000) };
      const total = Object.values(files).reduce((s, f) => s + f.length, 0);
      const begin = await fleet.call('POST', nodePath(a, '/local-models/upload/begin'), {
        name: 'tiny-model',
        total_bytes: total,
        file_count: 2,
      });
      expect(begin.status).toBe(200);
      const sid = (begin.body as { session_id: string }).session_id;
      for (const [path, content] of Object.entries(files)) {
        const r = await fetch(
          `${fleet.cp.url}${nodePath(a, `/local-models/upload/${sid}/file?path=${encodeURIComponent(path)}`)}`,
          { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: content },
        );
        expect(r.status, path).toBe(200);
        expect(await r.json()).toMatchObject({ path, bytes: content.length });
      }
      const fin = await fleet.call('POST', nodePath(a, `/local-models/upload/${sid}/finish`), {});
      expect(fin).toMatchObject({ status: 200, body: { name: 'tiny-model', warnings: [] } });
      const models = (await fleet.call('GET', nodePath(a, '/local-models'))).body as {
        name: string;
      }[];
      expect(models.map((m) => m.name)).toContain('tiny-model');
      await waitFor(
        () =>
          messages.some(
            (m) =>
              m.type === 'transfer_progress' &&
              (m.transfer as { name: string; status: string; bytes: number }).name ===
                'model.safetensors' &&
              (m.transfer as { status: string }).status === 'done',
          ),
        5000,
        'the final transfer_progress event',
      );
      const done = messages.find(
        (m) =>
          m.type === 'transfer_progress' &&
          (m.transfer as { name: string }).name === 'model.safetensors' &&
          (m.transfer as { status: string }).status === 'done',
      )!;
      expect(done).toMatchObject({ node_id: a.id, transfer: { kind: 'upload', bytes: 300_000 } });
      const del = await fleet.call('DELETE', nodePath(a, '/local-models/tiny-model'));
      expect(del).toEqual({ status: 200, body: { status: 'deleted', name: 'tiny-model' } });
    } finally {
      ws.close();
    }
  });

  it('relays an upload refusal (a name that exists) and a package upload', async () => {
    const form = new FormData();
    form.append('file', new Blob(['print("plugin")\n']), 'my_plugin.py');
    const r = await fetch(`${fleet.cp.url}${nodePath(a, '/packages/upload')}`, {
      method: 'POST',
      body: form,
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({
      status: 'uploaded',
      filename: 'my_plugin.py',
      type: 'plugin',
    });
    await waitFor(
      async () => (await fleet.node('gpu-a')).packages.some((p) => p.filename === 'my_plugin.py'),
      10_000,
      'the package in the node row',
    );
    const archive = await fetch(
      `${fleet.cp.url}${nodePath(a, '/local-models/archive?name=x&filename=x.rar')}`,
      {
        method: 'POST',
        body: 'not an archive',
      },
    );
    expect(archive.status).toBe(400);
    expect(((await archive.json()) as { detail: string }).detail).toMatch(/\.tar\.gz|\.zip/);
  });

  it('pulls a model from a URL in the background and lists the transfer', async () => {
    const server: Server = createServer((_req, res) => res.end('GGUF-bytes'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/m/tiny.gguf`;
    try {
      const r = await fleet.call('POST', nodePath(a, '/local-models/pull'), {
        url,
        name: 'pulled',
      });
      expect(r.status).toBe(202);
      await waitFor(
        async () =>
          (
            (await fleet.call('GET', nodePath(a, '/local-models/transfers'))).body as {
              name: string;
              status: string;
            }[]
          ).some((t) => t.name === 'pulled' && t.status === 'done'),
        10_000,
        'the pull to finish',
      );
    } finally {
      server.close();
    }
    expect((await fleet.call('DELETE', nodePath(a, '/local-models/pulled'))).status).toBe(200);
  });

  it('answers 404 for an unknown node on every pass-through and node route', async () => {
    for (const [method, path] of [
      ['GET', '/api/nodes/9999/containers'],
      ['GET', '/api/nodes/9999/images'],
      ['POST', '/api/nodes/9999/images/prune'],
      ['GET', '/api/nodes/9999/metrics/history'],
      ['DELETE', '/api/nodes/9999'],
      ['POST', '/api/nodes/9999/runtime'],
    ] as const) {
      const r = await fleet.call(
        method,
        path,
        method === 'POST' && path.endsWith('runtime') ? { runtime: null } : undefined,
      );
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body, path).toEqual({ detail: 'Node 9999 not found.' });
    }
    expect((await fleet.call('GET', '/api/nodes/abc/containers')).status).toBe(422);
  });
});

describe('node health', () => {
  it('turns a killed agent critical, 502s its pass-throughs, and brings it back with the same node id', async () => {
    const c = await fleet.addAgent('gpu-c');
    const before = await fleet.node('gpu-c');
    c.proc.kill('SIGKILL');
    const critical = await fleet.node('gpu-c', (n) => n.status === 'critical');
    expect(critical.status_reason).toMatch(
      /^1 failed poll: Failed to reach agent at http:\/\/127\.0\.0\.1:\d+: /,
    );
    const relay = await fleet.call('GET', nodePath(before, '/containers'));
    expect(relay.status).toBe(502);
    expect((relay.body as { detail: string }).detail).toMatch(
      new RegExp(`^Failed to reach agent at http://127\\.0\\.0\\.1:${c.port}: `),
    );
    const restarted = await fleet.addAgent('gpu-c', ['--data-dir', c.dataDir]);
    const back = await fleet.node(
      'gpu-c',
      (n) => n.status === 'online' && n.port === restarted.port,
    );
    expect(back.id).toBe(before.id);
    await restarted.stop();
  });

  it('deletes a node with its records; the live agent registers again at its next announcement', async () => {
    const d = await fleet.addAgent('gpu-d');
    const first = await fleet.node('gpu-d');
    const del = await fleet.call('DELETE', nodePath(first));
    expect(del).toEqual({
      status: 200,
      body: { status: 'deleted', hostname: 'gpu-d', deployments_deleted: 0 },
    });
    expect((await fleet.call('GET', nodePath(first, '/metrics/history'))).status).toBe(404);
    const again = await fleet.node('gpu-d');
    expect(again.id).not.toBe(first.id);
    await d.stop();
  });
});
