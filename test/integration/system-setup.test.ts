// The first-run API of a real `aerie serve`: the setup a new operator is shown (and the agent
// command run verbatim on a "GPU host"), and the demo node the control plane starts and owns.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../../src-main/bootstrap.js';
import { loadServeConfig } from '../../src-main/config/serve-config.js';
import { startDemoAgent } from '../../src-main/demo-agent.js';
import {
  SystemSetupSchema,
  DemoNodeSchema,
  type SystemSetup,
} from '../../src-main/shared/system.js';
import { spawnUntilReady, type ReadyProcess } from '../helpers/ready-process.js';
import { startInProcess } from '../helpers/control-plane.js';
import {
  ensureFreshBuild,
  REPO_ROOT,
  startServe,
  type ServeProcess,
} from '../helpers/serve-process.js';
import { waitFor, waitForValue } from '../helpers/wait.js';
import { lanIpv4 } from '../helpers/lan.js';

const AGENT_BUNDLE = join(REPO_ROOT, 'out', 'agent', 'aerie-agent.mjs');

async function getSetup(url: string, headers: Record<string, string> = {}): Promise<SystemSetup> {
  const res = await fetch(`${url}/api/system/setup`, { headers });
  expect(res.status).toBe(200);
  return SystemSetupSchema.parse(await res.json());
}

async function nodeNames(url: string): Promise<string[]> {
  const res = await fetch(`${url}/api/nodes`);
  const rows = (await res.json()) as { hostname: string; status: string }[];
  return rows.filter((n) => n.status === 'online').map((n) => n.hostname);
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health`);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  await ensureFreshBuild();
});

describe('GET /api/system/setup on a loopback aerie serve', () => {
  let serve: ServeProcess;
  let agent: ReadyProcess | undefined;

  beforeAll(async () => {
    serve = await startServe();
  });

  afterAll(async () => {
    await agent?.stop();
    await serve?.stop();
  });

  it('shows the tokens from the data dir and a command naming the bundled agent', async () => {
    const setup = await getSetup(serve.url);
    const cluster = readFileSync(join(serve.dataDir, 'cluster-token'), 'utf8').trim();
    const admin = readFileSync(join(serve.dataDir, 'admin-token'), 'utf8').trim();
    expect(setup.cluster_token).toBe(cluster);
    expect(setup.admin_token).toBe(admin);
    expect(setup.admin_token_hint).toContain(`…${admin.slice(-4)}`);
    expect(setup.admin_token_hint).toContain(join(serve.dataDir, 'admin-token'));
    expect(setup.agent_path).toBe(AGENT_BUNDLE);
    expect(setup.control_plane_url).toBe(serve.url);
    expect(setup.agent_command).toBe(
      `node ${AGENT_BUNDLE} --control-plane ${serve.url} --cluster-token ${cluster}`,
    );
    expect(setup.node_count).toBe(0);
    expect(setup.demo).toMatchObject({ running: false, agent_url: null });
  });

  it('joins a host that runs the agent command as given (plus its own simulated GPUs)', async () => {
    const setup = await getSetup(serve.url);
    const words = setup.agent_command.split(' ');
    expect(words[0]).toBe('node');
    const dataDir = mkdtempSync(join(tmpdir(), 'aerie-first-host-'));
    agent = await spawnUntilReady(
      [
        process.execPath,
        ...words.slice(1),
        // What this host adds: where it listens and its (simulated) GPUs.
        ...['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir],
        ...['--node-name', 'gpu-host-1', '--simulate-gpus', '1xL4-24GB', '--runtime', 'process'],
      ],
      {},
      /agent listening on (http:\/\/\S+)/,
      () => rmSync(dataDir, { recursive: true, force: true }),
    );
    await waitFor(
      async () => (await nodeNames(serve.url)).includes('gpu-host-1'),
      20_000,
      'gpu-host-1 online in /api/nodes',
    );
    expect((await getSetup(serve.url)).node_count).toBe(1);
  });

  it('is listed in the served OpenAPI document with both first-run routes', async () => {
    const doc = (await (await fetch(`${serve.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths['/api/system/setup'] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/system/demo'] ?? {})).toEqual(['post']);
  });
});

describe('GET /api/system/setup from another machine on a trusted network', () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    if (!lanIpv4) throw new Error('this test needs a non-loopback IPv4 address');
    serve = await startServe(['--host', '0.0.0.0', '--trusted-networks', `${lanIpv4}/32`]);
  });

  afterAll(async () => {
    await serve?.stop();
  });

  it('gives the cluster token and the LAN address but only a hint of the admin token', async () => {
    const lanUrl = `http://${lanIpv4}:${serve.port}`;
    const setup = await getSetup(lanUrl);
    expect(setup.admin_token).toBeNull();
    const admin = readFileSync(join(serve.dataDir, 'admin-token'), 'utf8').trim();
    expect(setup.admin_token_hint).toContain(`…${admin.slice(-4)}`);
    expect(setup.admin_token_hint).not.toContain(admin);
    expect(setup.control_plane_url).toBe(lanUrl);
    expect(setup.agent_command).toContain(`--control-plane ${lanUrl} `);
  });

  it('gives the admin token to a LAN caller that already presents it', async () => {
    const admin = readFileSync(join(serve.dataDir, 'admin-token'), 'utf8').trim();
    const setup = await getSetup(`http://${lanIpv4}:${serve.port}`, {
      authorization: `Bearer ${admin}`,
    });
    expect(setup.admin_token).toBe(admin);
  });
});

describe('POST /api/system/demo', () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    serve = await startServe();
  });

  afterAll(async () => {
    await serve?.stop();
  });

  it('starts one demo node that registers itself, and a second call returns the same node', async () => {
    const first = await fetch(`${serve.url}/api/system/demo`, { method: 'POST' });
    expect(first.status).toBe(200);
    const demo = DemoNodeSchema.parse(await first.json());
    expect(demo).toMatchObject({ running: true, node_name: 'demo-node', gpus: '2xH100-80GB' });
    expect(demo.agent_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await waitFor(
      async () => (await nodeNames(serve.url)).includes('demo-node'),
      20_000,
      'demo-node online in /api/nodes',
    );
    const second = DemoNodeSchema.parse(
      await (await fetch(`${serve.url}/api/system/demo`, { method: 'POST' })).json(),
    );
    expect(second.agent_url).toBe(demo.agent_url);
    expect((await nodeNames(serve.url)).filter((n) => n === 'demo-node')).toHaveLength(1);
    expect((await getSetup(serve.url)).demo).toEqual(demo);
  });

  it('goes down with the control plane: SIGTERM exits 0 and the demo agent stops answering', async () => {
    const { agent_url } = (await getSetup(serve.url)).demo;
    expect(agent_url).not.toBeNull();
    expect(await answers(agent_url ?? '')).toBe(true);
    expect(await serve.stop()).toBe(0);
    expect(await answers(agent_url ?? '')).toBe(false);
  });
});

describe('the control plane owns the demo node (in process)', () => {
  it('stops the demo agent in stop(), before its own server closes', async () => {
    const plane = await startInProcess();
    const demo = await plane.demo.start();
    const url = demo.agent_url ?? '';
    expect(await answers(url)).toBe(true);
    // Observed from inside stop(): when the demo agent is already gone, the HTTP server still answers.
    const serverUpWhenAgentGone = waitForValue(
      async () => ((await answers(url)) ? null : { planeUp: await answers(plane.url) }),
      10_000,
      'the demo agent to stop',
    );
    const stopping = plane.stop();
    expect(await serverUpWhenAgentGone).toEqual({ planeUp: true });
    await stopping;
    expect(plane.demo.status().running).toBe(false);
    await expect(plane.demo.start()).rejects.toThrow(/stopping/);
  });
});

describe('the demo node on bundled programs (as the desktop app runs it)', () => {
  it('runs a deployment with the bundled simulator and shim, not the aerie CLI', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aerie-demo-bundled-'));
    const loaded = loadServeConfig(
      ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir],
      {},
    );
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    // Under vitest, process.argv[1] is vitest itself: the CLI default could not start anything.
    const plane = await bootstrap(loaded.config, {
      startDemo: (url, token) =>
        startDemoAgent(dataDir, url, token, {
          sim: [process.execPath, join(REPO_ROOT, 'out', 'sim', 'aerie-vllm-sim.mjs')],
          shim: [process.execPath, join(REPO_ROOT, 'out', 'agent', 'aerie-agent-shim.mjs')],
        }),
    });
    try {
      await plane.inject({
        method: 'PUT',
        path: '/api/settings',
        body: { deployments_sync_interval_seconds: 1, nodes_sync_interval_seconds: 1 },
      });
      await plane.demo.start();
      const node = await waitForValue(
        async () => {
          const res = await plane.inject({ method: 'GET', path: '/api/nodes' });
          return (res.body as { id: number; status: string }[]).find((n) => n.status === 'online');
        },
        20_000,
        'the demo node online',
      );
      const started = await plane.inject({
        method: 'POST',
        path: '/api/deployments/start',
        body: {
          node_id: node.id,
          model_name: 'org/bundled-demo',
          port: 19000 + (plane.port % 1000),
          owner: 'desktop',
          gpu_memory_fraction: 0.3,
          env_vars: [{ key: 'AERIE_SIM_LOAD_S', value: '0.3' }],
        },
      });
      expect(started.status).toBe(201);
      const id = (started.body as { id: number }).id;
      await waitFor(
        async () =>
          (
            (await plane.inject({ method: 'GET', path: `/api/deployments/${id}` })).body as {
              status: string;
            }
          ).status === 'running',
        30_000,
        'the bundled simulator running',
      );
      const models = await fetch(`http://127.0.0.1:${19000 + (plane.port % 1000)}/v1/models`);
      expect(models.status).toBe(200);
      await plane.inject({ method: 'POST', path: `/api/deployments/stop/${id}` });
      await waitFor(
        async () =>
          (
            (await plane.inject({ method: 'GET', path: `/api/deployments/${id}` })).body as {
              status: string;
            }
          ).status === 'stopped',
        30_000,
        'the deployment stopped',
      );
    } finally {
      await plane.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
