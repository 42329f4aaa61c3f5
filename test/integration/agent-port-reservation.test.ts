// A port belongs to one deployment from the moment its launch is validated: concurrent launches on
// one port (which all used to pass the bind check before the first server bound) get one 200 and
// 409s, and a live deployment keeps its port while its server is still silent, loading.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { freePort } from '../helpers/engine-harness.js';
import { api } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

let agent: AgentProcess;
beforeAll(async () => {
  agent = await startAgent(['--runtime', 'process', '--simulate-gpus', '2xH100-80GB']);
});
afterAll(() => agent.stop());

const call = (method: string, path: string, body?: unknown) =>
  api(agent.url, method, path, body, agent.auth());
const start = (model: string, port: number) =>
  call('POST', '/deployments/start', {
    model_name: model,
    port,
    gpu_memory_fraction: 0.1,
    // Long enough that every check below happens while the server is still silent.
    env_vars: [{ key: 'AERIE_SIM_LOAD_S', value: '30' }],
  });

async function stopAndForget(key: string): Promise<void> {
  await call('POST', '/deployments/stop', { key });
  await waitFor(
    async () => {
      const list = (await call('GET', '/deployments')).body as { running: string[] };
      return !list.running.includes(key);
    },
    20_000,
    `${key} to stop`,
  );
}

describe('agent port reservation', () => {
  it('accepts exactly one of seven concurrent launches on one port; the others get 409', async () => {
    const port = await freePort();
    const replies = await Promise.all(
      Array.from({ length: 7 }, (_, i) => start(`org/model-${i}`, port)),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409]);
    for (const r of replies.filter((x) => x.status === 409))
      expect(r.body).toEqual({ detail: `Port ${port} is already in use on this node.` });
    const winner = replies.find((r) => r.status === 200)?.body as { key: string };
    const live = (await call('GET', '/deployments')).body as { running: string[] };
    expect(live.running).toEqual([winner.key]);

    // Still loading (nothing listens on the port yet), the port is taken all the same.
    const later = await start('org/late', port);
    expect(later.status).toBe(409);

    await stopAndForget(winner.key);
    const after = await start('org/after-stop', port);
    expect(after.status).toBe(200);
    await stopAndForget((after.body as { key: string }).key);
  });

  it('answers concurrent launches of the same model and port with one 200, the rest refused', async () => {
    const port = await freePort();
    const replies = await Promise.all(Array.from({ length: 4 }, () => start('org/same', port)));
    const ok = replies.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of replies.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ detail: 'Deployment already running' });
    }
    await stopAndForget(`org/same:${port}`);
  });

  it('frees the port of a launch that fails after validation', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const launchOn = (model: string, port: number, fraction: number) =>
      call('POST', '/deployments/start', {
        model_name: model,
        port,
        gpu_memory_fraction: fraction,
        gpu_ids: [0],
        env_vars: [{ key: 'AERIE_SIM_LOAD_S', value: '30' }],
      });
    const big = await launchOn('org/big', p1, 0.9);
    expect(big.status).toBe(200);
    const over = await launchOn('org/over', p2, 0.9);
    expect(over.status).toBe(409);
    expect((over.body as { detail: string }).detail).toMatch(/Not enough GPU memory/);
    const retry = await launchOn('org/small', p2, 0.05);
    expect(retry.status).toBe(200);
    await stopAndForget(`org/small:${p2}`);
    await stopAndForget(`org/big:${p1}`);
  });
});
