// A running model survives everything the control plane can go through: SIGKILL and a restart on
// the same data dir, a purge of the deployment records, and a node delete — re-adopted from what
// the agent runs, never duplicated, never interrupted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { freePort } from '../helpers/engine-harness.js';
import { FAST_SETTINGS } from '../helpers/fleet.js';
import { api } from '../helpers/http.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { waitForValue } from '../helpers/wait.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOKEN = 'recovery-cluster-token-0123456789';
let dataDir: string;
let cp: ServeProcess;
let agent: AgentProcess;
let port: number;

const call = async (method: string, path: string, body?: unknown) => {
  const r = await api(cp.url, method, path, body);
  return { status: r.status, body: r.body };
};
const list = async () => (await call('GET', '/api/deployments')).body as DeploymentRead[];
const serve = async () => {
  cp = await startServe(['--cluster-token', TOKEN, '--data-dir', dataDir]);
  await call('PUT', '/api/settings', FAST_SETTINGS);
};
function chat(): Promise<number> {
  return fetch(`http://127.0.0.1:${port}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'org/survivor', prompt: 'hi', max_tokens: 4 }),
  }).then((r) => r.status);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'aerie-recovery-'));
  await serve();
  agent = await startAgent(
    [
      '--cluster-token',
      TOKEN,
      '--control-plane',
      cp.url,
      '--node-name',
      'rec-a',
      '--advertise-host',
      '127.0.0.1',
      '--simulate-gpus',
      '1xH100-80GB',
      '--runtime',
      'process',
    ],
    { AERIE_AGENT_MONITOR_INTERVAL_MS: '200', AERIE_AGENT_ANNOUNCE_INTERVAL_MS: '1000' },
  );
  const node = await waitForValue(
    async () =>
      ((await call('GET', '/api/nodes')).body as { id: number; status: string }[]).find(
        (n) => n.status === 'online',
      ),
    20_000,
    'the node online',
  );
  port = await freePort();
  const r = await call('POST', '/api/deployments/start', {
    node_id: node.id,
    model_name: 'org/survivor',
    port,
    gpu_memory_fraction: 0.3,
    owner: 'ana',
    duration_seconds: 7200,
    env_vars: [{ key: 'AERIE_SIM_LOAD_S', value: '0.3' }],
  });
  expect(r.status).toBe(201);
  await waitForValue(
    async () => (await list()).find((d) => d.status === 'running'),
    30_000,
    'running',
  );
});
afterAll(async () => {
  await agent.stop();
  await cp.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a running model and the control plane', () => {
  it('keeps running through a SIGKILL of aerie serve, and is the same row afterwards', async () => {
    const [before] = await list();
    cp.proc.kill('SIGKILL');
    await new Promise((r) => cp.proc.once('exit', r));
    expect(await chat()).toBe(200);
    await serve();
    const after = await waitForValue(
      async () => (await list()).find((d) => d.status === 'running'),
      20_000,
      'running after the restart',
    );
    expect(await list()).toHaveLength(1);
    expect(after).toMatchObject({
      id: before!.id,
      owner: 'ana',
      port,
      expires_at: before!.expires_at,
    });
    expect(await chat()).toBe(200);
  });

  it('re-adopts it after a purge of the deployment records: one row, owner and lease restored', async () => {
    const [before] = await list();
    const purge = await call('POST', '/api/admin/purge', { targets: ['deployments'] });
    expect(purge.body).toEqual({ purged: { deployments: 1 } });
    const adopted = await waitForValue(
      async () => (await list()).find((d) => d.status === 'running'),
      20_000,
      'adopted',
    );
    expect(adopted).toMatchObject({
      model_name: 'org/survivor',
      port,
      owner: 'ana',
      duration_seconds: 7200,
      env_vars: [{ key: 'AERIE_SIM_LOAD_S' }],
    });
    expect(adopted.id).not.toBe(before!.id);
    expect(adopted.expires_at).toBe(before!.expires_at);
    // More ticks never add a second row.
    await new Promise((r) => setTimeout(r, 0));
    await waitForValue(
      async () => (await list()).length === 1 && (await call('GET', '/api/health')).body,
      5000,
      'one row',
    );
    expect(await chat()).toBe(200);
  });

  it('re-adopts it after the node is deleted and registered again', async () => {
    const nodes = (await call('GET', '/api/nodes')).body as { id: number }[];
    const del = await call('DELETE', `/api/nodes/${nodes[0]!.id}`);
    expect(del.body).toMatchObject({ status: 'deleted', deployments_deleted: 1 });
    expect(await list()).toEqual([]);
    // This control plane was restarted on another port, so the agent's announcements miss it:
    // register it by address, as an operator would.
    const reg = await call('POST', '/api/nodes', { ip_address: '127.0.0.1', port: agent.port });
    expect(reg.status).toBe(201);
    const adopted = await waitForValue(
      async () => (await list()).find((d) => d.status === 'running'),
      20_000,
      'adopted on the new node',
    );
    expect(adopted.node_hostname).toBe('rec-a');
    expect(await list()).toHaveLength(1);
    expect(await chat()).toBe(200);
  });
});
