// The warm cache through the control plane: a launch that needs room offloads exactly what the
// plan said; a request to a paused model's port wakes it; pins block eviction and pausing; the
// RAM budget refuses what it cannot hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { freePort } from '../helpers/engine-harness.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';
import { waitForValue } from '../helpers/wait.js';

let fleet: Fleet;
let node: NodeRead;
const env = [{ key: 'AERIE_SIM_LOAD_S', value: '0.3' }];

beforeAll(async () => {
  fleet = await startFleet({
    agents: ['warm-a'],
    agentEnv: { AERIE_AGENT_MONITOR_INTERVAL_MS: '200' },
  });
  node = await fleet.node('warm-a');
  expect(node.warm_offload_enabled).toBe(true);
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
async function launch(model: string, port: number, extra: Record<string, unknown> = {}) {
  const r = await fleet.call('POST', '/api/deployments/start', {
    node_id: node.id,
    model_name: model,
    port,
    gpu_memory_fraction: 0.6,
    gpu_ids: [0],
    owner: 'ana',
    env_vars: env,
    ...extra,
  });
  return r;
}
const chat = (port: number, model: string) =>
  fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }),
  });

describe('the warm cache through the control plane', () => {
  it('plans the offload, does exactly that on launch, and wakes the paused model on a request', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const first = (await launch('org/warm-1', p1)).body as DeploymentRead;
    await until(first.id, (d) => d.status === 'running', 'running');
    const plan = await fleet.call('POST', '/api/deployments/plan', {
      node_id: node.id,
      model_name: 'org/warm-2',
      port: p2,
      gpu_memory_fraction: 0.6,
      gpu_ids: [0],
    });
    expect(plan.body).toEqual({
      fits: true,
      warm_enabled: true,
      would_offload: [{ deployment_id: first.id, model_name: 'org/warm-1', tier: 'ram' }],
      blocked_reason: null,
    });
    const second = await launch('org/warm-2', p2);
    expect(second.status).toBe(201);
    const s = second.body as DeploymentRead & { offloaded: unknown[] };
    expect(s.offloaded).toEqual([
      { deployment_id: first.id, model_name: 'org/warm-1', tier: 'ram' },
    ]);
    expect((await dep(first.id)).status).toBe('paused_ram');
    await until(s.id, (d) => d.status === 'running', 'running');
    await waitForValue(
      async () => (await fleet.node('warm-a')).ram_cache_used_mb > 40_000 || null,
      15_000,
      'RAM cache used on the node',
    );

    // The first model's port is its wake proxy: a request wakes it (and pauses the other).
    expect((await chat(p1, 'org/warm-1')).status).toBe(200);
    await until(first.id, (d) => d.status === 'running', 'woken');
    await until(s.id, (d) => d.status === 'paused_ram', 'paused to make room');

    for (const d of [first, s]) await fleet.call('POST', `/api/deployments/stop/${d.id}`);
    for (const d of [first, s]) await until(d.id, (x) => x.status === 'stopped', 'stopped');
  });

  it('never pauses or evicts a pinned deployment: pause 409, the plan says why, the launch is refused', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const pinned = (await launch('org/pinned', p1, { pinned: true })).body as DeploymentRead;
    await until(pinned.id, (d) => d.status === 'running', 'running');
    expect(await fleet.call('POST', `/api/deployments/${pinned.id}/pause`, {})).toEqual({
      status: 409,
      body: { detail: 'Cannot pause a pinned deployment. Unpin it first.' },
    });
    const plan = (
      await fleet.call('POST', '/api/deployments/plan', {
        node_id: node.id,
        model_name: 'org/blocked',
        port: p2,
        gpu_memory_fraction: 0.6,
        gpu_ids: [0],
      })
    ).body as { fits: boolean; blocked_reason: string };
    expect(plan.fits).toBe(false);
    expect(plan.blocked_reason).toMatch(/org\/pinned: pinned/);
    const refused = await launch('org/blocked', p2);
    expect(refused.status).toBe(507);
    expect((refused.body as { detail: string }).detail).toMatch(/pinned/);
    expect((await dep(pinned.id)).status).toBe('running');
    const unpin = await fleet.call('POST', `/api/deployments/${pinned.id}/pin`, { pinned: false });
    expect(unpin.body).toMatchObject({ pinned: false });
    await fleet.call('POST', `/api/deployments/stop/${pinned.id}`);
    await until(pinned.id, (d) => d.status === 'stopped', 'stopped');
  });

  it('refuses what the RAM budget cannot hold, naming it', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    await fleet.call('POST', `/api/nodes/${node.id}/warm-cache`, {
      enabled: true,
      ram_cache_limit_mb: 1024,
    });
    const first = (await launch('org/budget-1', p1)).body as DeploymentRead;
    await until(first.id, (d) => d.status === 'running', 'running');
    const plan = (
      await fleet.call('POST', '/api/deployments/plan', {
        node_id: node.id,
        model_name: 'org/budget-2',
        port: p2,
        gpu_memory_fraction: 0.6,
        gpu_ids: [0],
      })
    ).body as { fits: boolean; blocked_reason: string };
    expect(plan).toMatchObject({
      fits: false,
      blocked_reason: expect.stringContaining('GPU + RAM cache is full') as unknown,
    });
    const refused = await launch('org/budget-2', p2);
    expect(refused.status).toBe(507);
    await fleet.call('POST', `/api/nodes/${node.id}/warm-cache`, {
      enabled: true,
      ram_cache_limit_mb: null,
    });
    await fleet.call('POST', `/api/deployments/stop/${first.id}`);
    await until(first.id, (d) => d.status === 'stopped', 'stopped');
  });
});
