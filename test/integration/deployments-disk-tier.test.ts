// The disk pause tier and fast status propagation through the control plane, on a real agent
// with the simulator: `POST /api/deployments/{id}/pause {"tier":"disk"}` reaches the agent and the
// row shows `paused_disk` (listed and resumed like `paused_ram`); bad bodies are 422 with a
// detail; and a state change made on the agent reaches a /ws client through the status watch,
// with a deployment sync interval (300 s) far longer than the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { freePort } from '../helpers/engine-harness.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';
import { waitForValue } from '../helpers/wait.js';

let fleet: Fleet;
let node: NodeRead;
const env = [
  { key: 'AERIE_SIM_LOAD_S', value: '0.3' },
  { key: 'AERIE_SIM_SLEEP_WAKE_MS', value: '50' },
];

beforeAll(async () => {
  fleet = await startFleet({
    agents: ['disk-a'],
    agentEnv: { AERIE_AGENT_MONITOR_INTERVAL_MS: '200' },
    // Only the status watch can bring an agent's change over within a test's time.
    settings: { deployments_sync_interval_seconds: 300 },
  });
  node = await fleet.node('disk-a');
});
afterAll(() => fleet.stop());

const dep = async (id: number) =>
  (await fleet.call('GET', `/api/deployments/${id}`)).body as DeploymentRead;
const until = (id: number, ok: (d: DeploymentRead) => boolean, what: string) =>
  waitForValue(
    async () => ((d) => (ok(d) ? d : null))(await dep(id)),
    30_000,
    `deployment ${id} ${what}`,
  );
const chat = (port: number, model: string) =>
  fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }),
  });

async function launch(model: string): Promise<DeploymentRead> {
  const r = await fleet.call('POST', '/api/deployments/start', {
    node_id: node.id,
    model_name: model,
    port: await freePort(),
    gpu_memory_fraction: 0.3,
    gpu_ids: [0],
    owner: 'ana',
    env_vars: env,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  // `running` arrives through the status watch: the sync tick is 300 s away.
  return until((r.body as DeploymentRead).id, (d) => d.status === 'running', 'running');
}

describe('the disk tier through the control plane', () => {
  it('pauses to disk, lists the row as paused_disk, and wakes it on a request to its port', async () => {
    const d = await launch('org/disk-cp');
    const r = await fleet.call('POST', `/api/deployments/${d.id}/pause`, { tier: 'disk' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ id: d.id, status: 'paused_disk', pause_tier: 'disk' });
    const agent = fleet.agents.get('disk-a')!;
    const entries = (await (
      await fetch(`${agent.url}/deployments/status`, { headers: agent.auth() })
    ).json()) as { deployments: { key: string; status: string; pause_tier: string | null }[] };
    expect(entries.deployments.find((e) => e.key === `${d.model_name}:${d.port}`)).toMatchObject({
      status: 'paused_disk',
      pause_tier: 'disk',
    });
    const list = (await fleet.call('GET', '/api/deployments')).body as DeploymentRead[];
    expect(list.find((x) => x.id === d.id)).toMatchObject({ status: 'paused_disk' });
    // Pausing again to disk changes nothing.
    expect(
      (await fleet.call('POST', `/api/deployments/${d.id}/pause`, { tier: 'disk' })).body,
    ).toMatchObject({ status: 'paused_disk' });

    expect((await chat(d.port, d.model_name)).status).toBe(200);
    await until(d.id, (x) => x.status === 'running' && x.pause_tier === null, 'woken from disk');
  });

  it('moves a RAM-paused row to disk, and resumes it', async () => {
    const d = await launch('org/ram-then-disk');
    expect(
      (await fleet.call('POST', `/api/deployments/${d.id}/pause`, { tier: 'ram' })).body,
    ).toMatchObject({ status: 'paused_ram', pause_tier: 'ram' });
    expect(
      (await fleet.call('POST', `/api/deployments/${d.id}/pause`, { tier: 'disk' })).body,
    ).toMatchObject({ status: 'paused_disk', pause_tier: 'disk' });
    const r = await fleet.call('POST', `/api/deployments/${d.id}/resume`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'running', pause_tier: null });
  });

  it('refuses a bad tier or body with 422 and a detail, changing nothing', async () => {
    const d = await launch('org/bad-tier');
    for (const body of [{ tier: 'floppy' }, { tier: 2 }, { tier: 'disk', extra: 1 }]) {
      const r = await fleet.call('POST', `/api/deployments/${d.id}/pause`, body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(JSON.stringify((r.body as { detail: unknown }).detail)).toMatch(/tier|extra/);
    }
    expect((await dep(d.id)).status).toBe('running');
  });
});

describe('status propagation', () => {
  it('brings a change made on the agent to a /ws client without waiting for the sync tick', async () => {
    const d = await launch('org/propagated');
    const ws = new WebSocket(`${fleet.cp.url.replace('http', 'ws')}/ws`);
    await new Promise((r) => ws.once('open', r));
    const seen = new Promise<void>((resolve) => {
      ws.on('message', (raw: Buffer) => {
        const m = JSON.parse(raw.toString()) as {
          type: string;
          deployments?: { id: number; status: string }[];
        };
        if (
          m.type === 'deployments_changed' &&
          m.deployments?.some((x) => x.id === d.id && x.status === 'paused_disk')
        )
          resolve();
      });
    });
    // Behind the control plane's back: straight to the agent.
    const agent = fleet.agents.get('disk-a')!;
    const r = await fetch(`${agent.url}/deployments/pause`, {
      method: 'POST',
      headers: { ...agent.auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ key: `${d.model_name}:${d.port}`, tier: 'disk' }),
    });
    expect(r.status).toBe(200);
    // Bounded far below the 300 s sync interval.
    await Promise.race([
      seen,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('no deployments_changed within 20 s')), 20_000),
      ),
    ]);
    ws.close();
    expect((await dep(d.id)).status).toBe('paused_disk');
  });
});
