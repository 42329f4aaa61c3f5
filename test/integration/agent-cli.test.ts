import { createServer, type Server } from 'node:net';
import { AERIE_VERSION } from '../../src-main/shared/version.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { api } from '../helpers/http.js';
import { runCli } from '../helpers/serve-process.js';

const TOKEN = 'cli-test-cluster-token-0123456789';

function holdPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '0.0.0.0', () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : 0 });
    });
  });
}

describe('aerie agent start-up', () => {
  it('exits 2 listing every configuration problem at once', async () => {
    const r = await runCli(
      [
        'agent',
        '--port',
        'x',
        '--runtime',
        'lxc',
        '--simulate-gpus',
        'lots',
        '--consul-url',
        'nope',
      ],
      { AERIE_CLUSTER_TOKEN: '' },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port \(AERIE_PORT\)/);
    expect(r.stderr).toMatch(/--runtime \(AERIE_RUNTIME\)/);
    expect(r.stderr).toMatch(/--simulate-gpus \(AERIE_SIMULATE_GPUS\)/);
    expect(r.stderr).toMatch(/--consul-url \(AERIE_CONSUL_URL\)/);
    expect(r.stderr).toMatch(/--cluster-token \(AERIE_CLUSTER_TOKEN\): required/);
  });

  it('refuses to start without a cluster token and says how to fix it', async () => {
    const r = await runCli(['agent', '--port', '0', '--host', '127.0.0.1'], {
      AERIE_CLUSTER_TOKEN: '',
      AERIE_INSECURE: '',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cluster token/i);
    expect(r.stderr).toMatch(/--insecure/);
    expect(r.stdout).not.toMatch(/listening/);
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    const held = await holdPort();
    try {
      const r = await runCli([
        'agent',
        '--insecure',
        '--host',
        '0.0.0.0',
        '--port',
        String(held.port),
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`port ${held.port} .*already in use`));
    } finally {
      held.server.close();
    }
  });

  it('prints its flags with their variables for --help', async () => {
    const r = await runCli(['agent', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--control-plane',
      '--cluster-token',
      '--simulate-gpus',
      '--model-dirs',
      '--insecure',
    ])
      expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('AERIE_CLUSTER_TOKEN');
  });

  it('runs with --insecure: every route answers without a token', async () => {
    const agent = await startAgent(['--insecure', '--simulate-gpus', '2xH100-80GB']);
    try {
      expect(agent.stderr).toMatch(/--insecure/);
      expect((await api(agent.url, 'GET', '/info')).status).toBe(200);
      expect((await api(agent.url, 'GET', '/deployments/logs?key=m:1')).status).toBe(404);
      expect(await agent.stop()).toBe(0);
    } finally {
      await agent.stop();
    }
  });

  it('reads the cluster token from AERIE_CLUSTER_TOKEN', async () => {
    const agent = await startAgent(['--cluster-token', TOKEN]);
    const envAgent = await startAgent(['--insecure=false'], { AERIE_CLUSTER_TOKEN: TOKEN });
    try {
      for (const a of [agent, envAgent]) {
        expect((await api(a.url, 'GET', '/info')).status).toBe(401);
        expect(
          (await api(a.url, 'GET', '/info', undefined, { authorization: `Bearer ${TOKEN}` }))
            .status,
        ).toBe(200);
      }
    } finally {
      await Promise.all([agent.stop(), envAgent.stop()]);
    }
  });
});

describe('aerie agent node routes', () => {
  let agent: AgentProcess;
  beforeAll(async () => {
    agent = await startAgent(['--simulate-gpus', '2xH100-80GB', '--node-name', 'gpu-test-1']);
  });
  afterAll(async () => {
    await agent.stop();
  });

  it('answers /health without a token', async () => {
    expect(await api(agent.url, 'GET', '/health')).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
  });

  it('answers 401 on protected routes without or with a wrong token', async () => {
    for (const path of [
      '/info',
      '/metrics',
      '/ports/check?port=1',
      '/deployments/logs?key=m:1',
      '/deployments/logs/download?key=m:1',
    ]) {
      const none = await api(agent.url, 'GET', path);
      expect(none.status, path).toBe(401);
      expect((none.body as { detail: string }).detail).toMatch(/cluster token/i);
      expect(
        (
          await api(agent.url, 'GET', path, undefined, {
            authorization: 'Bearer not-the-token-0000000',
          })
        ).status,
        path,
      ).toBe(401);
    }
  });

  it('describes the node in /info: hostname, version, simulated GPUs, runtimes, disk', async () => {
    const r = await api(agent.url, 'GET', '/info', undefined, agent.auth());
    expect(r.status).toBe(200);
    const info = r.body as Record<string, unknown>;
    expect(info).toMatchObject({ node_name: 'gpu-test-1', agent_version: AERIE_VERSION });
    expect(typeof info.hostname).toBe('string');
    expect(info.gpus).toEqual([
      expect.objectContaining({
        index: 0,
        name: 'NVIDIA H100 80GB',
        source: 'simulated',
        memory_total_mb: 80 * 1024,
      }),
      expect.objectContaining({
        index: 1,
        name: 'NVIDIA H100 80GB',
        source: 'simulated',
        memory_total_mb: 80 * 1024,
      }),
    ]);
    expect(Array.isArray(info.runtimes)).toBe(true);
    const disk = info.disk as { total_gb: number; free_gb: number; hf_cache_gb: number };
    expect(disk.total_gb).toBeGreaterThan(0);
    expect(disk.free_gb).toBeGreaterThan(0);
    expect(disk.free_gb).toBeLessThanOrEqual(disk.total_gb);
    expect(disk.hf_cache_gb).toBeGreaterThanOrEqual(0);
  });

  it('reports load in /metrics with the reference fields', async () => {
    const r = await api(agent.url, 'GET', '/metrics', undefined, agent.auth());
    expect(r.status).toBe(200);
    const m = r.body as Record<string, unknown>;
    expect(Object.keys(m).sort()).toEqual([
      'agent_version',
      'available_runtimes',
      'cpu_percent',
      'disk',
      'gpus',
      'memory_percent',
      'packages',
      'ram_cache_used_mb',
    ]);
    for (const k of ['cpu_percent', 'memory_percent'] as const) {
      expect(m[k]).toBeGreaterThanOrEqual(0);
      expect(m[k]).toBeLessThanOrEqual(100);
    }
    expect(m.memory_percent).toBeGreaterThan(0);
    expect((m.gpus as unknown[]).length).toBe(2);
    expect(Array.isArray(m.available_runtimes)).toBe(true);
  });

  it('reports a port held by another process as unavailable and a released one as available', async () => {
    const held = await holdPort();
    const busy = await api(
      agent.url,
      'GET',
      `/ports/check?port=${held.port}`,
      undefined,
      agent.auth(),
    );
    expect(busy).toMatchObject({ status: 200, body: { available: false } });
    await new Promise<void>((r) => held.server.close(() => r()));
    const free = await api(
      agent.url,
      'GET',
      `/ports/check?port=${held.port}`,
      undefined,
      agent.auth(),
    );
    expect(free).toMatchObject({ status: 200, body: { available: true } });
  });

  it('answers 422 for a port check without a valid port', async () => {
    const r = await api(agent.url, 'GET', '/ports/check?port=99999', undefined, agent.auth());
    expect(r.status).toBe(422);
    expect((r.body as { detail: { loc: string[] }[] }).detail[0]?.loc).toEqual(['query', 'port']);
    const missing = await api(agent.url, 'GET', '/ports/check', undefined, agent.auth());
    expect((missing.body as { detail: { type: string }[] }).detail[0]?.type).toBe('missing');
  });

  it('answers 404 for logs of an unknown deployment', async () => {
    const r = await api(
      agent.url,
      'GET',
      '/deployments/logs?key=Qwen/Qwen3-8B:8001&tail=10',
      undefined,
      agent.auth(),
    );
    expect(r.status).toBe(404);
    const d = await api(
      agent.url,
      'GET',
      '/deployments/logs/download?key=Qwen/Qwen3-8B:8001',
      undefined,
      agent.auth(),
    );
    expect(d.status).toBe(404);
  });

  it('stops gracefully with exit code 0 on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const other = await startAgent(['--insecure']);
      const exited = new Promise<string>((r) =>
        other.proc.once('exit', (code, sig) => r(`${code}/${sig}`)),
      );
      other.proc.kill(signal);
      expect(await exited, `${signal}: ${other.stderr}`).toBe('0/null');
      await other.stop();
    }
  });
});
