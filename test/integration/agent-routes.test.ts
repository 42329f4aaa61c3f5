import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src-main/agent/config.js';
import { testAgentConfig } from '../helpers/agent-config.js';
import { startAgent, type RunningAgent } from '../../src-main/agent/bootstrap.js';
import type { RouteDescriptor } from '../../src-main/agent/http/route-table.js';
import { api } from '../helpers/http.js';

const TOKEN = 'route-walk-cluster-token-0123456789';
let dataDir: string;
let agent: RunningAgent;
let base: string;

function config(extra: string[] = []): AgentConfig {
  return testAgentConfig(dataDir, [
    '--cluster-token',
    TOKEN,
    '--simulate-gpus',
    '2xH100-80GB',
    ...extra,
  ]);
}

/** A concrete path for a route pattern (`{id}` → a value, `{name*}` → two segments). */
function concrete(route: RouteDescriptor): string {
  return route.path.replace(/\{[A-Za-z_]+\*\}/g, 'org/name').replace(/\{[A-Za-z_]+\}/g, '1');
}

// The walk calls every route for real (image prune included): keep it away from any engine on the
// machine running the tests by pointing both runtimes at sockets that do not exist.
const savedEnv = { DOCKER_HOST: process.env.DOCKER_HOST, PODMAN_SOCK: process.env.PODMAN_SOCK };
beforeAll(async () => {
  process.env.DOCKER_HOST = 'unix:///nonexistent/aerie-route-walk/docker.sock';
  process.env.PODMAN_SOCK = '/nonexistent/aerie-route-walk/podman.sock';
  dataDir = mkdtempSync(join(tmpdir(), 'agent-routes-'));
  const cfg = config();
  agent = await startAgent(cfg);
  base = agent.url;
});
afterAll(async () => {
  await agent.stop();
  rmSync(dataDir, { recursive: true, force: true });
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('the agent route table', () => {
  it('holds the node routes, with only /health and /openapi.json public', () => {
    const routes = agent.routes();
    for (const [method, path] of [
      ['get', '/health'],
      ['get', '/info'],
      ['get', '/metrics'],
      ['get', '/ports/check'],
      ['get', '/deployments/logs'],
      ['get', '/deployments/logs/download'],
    ]) {
      expect(routes).toContainEqual(expect.objectContaining({ method, path }));
    }
    expect(routes.filter((r) => r.public).map((r) => r.path)).toEqual(['/health', '/openapi.json']);
  });

  it('answers 401 on every protected route without a token and with a wrong one, and not 401 with the right one', async () => {
    const protectedRoutes = agent.routes().filter((r) => !r.public);
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(5);
    for (const route of protectedRoutes) {
      const path = concrete(route);
      const label = `${route.method} ${route.path}`;
      const none = await api(base, route.method, path);
      expect(none.status, label).toBe(401);
      expect(none.headers.get('www-authenticate'), label).toBe('Bearer');
      const wrong = await api(base, route.method, path, undefined, {
        authorization: `Bearer ${TOKEN}x`,
      });
      expect(wrong.status, label).toBe(401);
      const right = await api(base, route.method, path, undefined, {
        authorization: `Bearer ${TOKEN}`,
      });
      expect(right.status, label).not.toBe(401);
    }
  });

  it('answers public routes without a token', async () => {
    for (const route of agent.routes().filter((r) => r.public)) {
      expect((await api(base, route.method, concrete(route))).status, route.path).toBe(200);
    }
  });

  it('accepts requests without a token when started with --insecure', async () => {
    const cfg = config(['--insecure']);
    const open = await startAgent({ ...cfg, dataDir: join(dataDir, 'insecure') });
    try {
      for (const route of open.routes())
        expect((await api(open.url, route.method, concrete(route))).status, route.path).not.toBe(
          401,
        );
    } finally {
      await open.stop();
    }
  });
});

describe('deployment log routes', () => {
  const key = 'Qwen/Qwen3-8B:8001';
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(() => {
    const store = agent.logs.startRun(key, 'docker');
    for (let i = 0; i < 30; i++)
      store.ingest(`2026-05-01T10:00:${String(i).padStart(2, '0')}Z`, `line ${i}`);
    store.write('pulling image', 'docker');
  });

  it('returns the requested tail with the key', async () => {
    const r = await api(
      base,
      'GET',
      `/deployments/logs?key=${encodeURIComponent(key)}&tail=3`,
      undefined,
      auth,
    );
    expect(r.status).toBe(200);
    const body = r.body as { key: string; lines: string[] };
    expect(body.key).toBe(key);
    expect(body.lines).toHaveLength(3);
    expect(body.lines[0]).toBe('[2026-05-01 10:00:28] line 28');
    expect(body.lines[2]).toMatch(/\] \[docker\] pulling image$/);
  });

  it('clamps tail to 1..2000 and defaults to everything in memory', async () => {
    const zero = await api(
      base,
      'GET',
      `/deployments/logs?key=${encodeURIComponent(key)}&tail=0`,
      undefined,
      auth,
    );
    expect((zero.body as { lines: string[] }).lines).toHaveLength(1);
    const huge = await api(
      base,
      'GET',
      `/deployments/logs?key=${encodeURIComponent(key)}&tail=999999`,
      undefined,
      auth,
    );
    expect((huge.body as { lines: string[] }).lines).toHaveLength(31);
    const all = await api(
      base,
      'GET',
      `/deployments/logs?key=${encodeURIComponent(key)}`,
      undefined,
      auth,
    );
    expect((all.body as { lines: string[] }).lines).toHaveLength(31);
    const bad = await api(
      base,
      'GET',
      `/deployments/logs?key=${encodeURIComponent(key)}&tail=lots`,
      undefined,
      auth,
    );
    expect(bad.status).toBe(422);
  });

  it('downloads the whole run as a text attachment named after model and port', async () => {
    const res = await fetch(`${base}/deployments/logs/download?key=${encodeURIComponent(key)}`, {
      headers: auth,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="Qwen--Qwen3-8B-8001.log"',
    );
    const lines = (await res.text()).trim().split('\n');
    expect(lines).toHaveLength(31);
    expect(lines[0]).toBe('[2026-05-01 10:00:00] line 0');
  });
});
