import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.js';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';

let agent: AgentProcess;
let busy: Server;
let busyPort: number;
beforeAll(async () => {
  agent = await startAgent(['--runtime', 'process', '--simulate-gpus', '2xH100-80GB']);
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '0.0.0.0', r));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  busy.close();
  await agent.stop();
});

const start = (body: Record<string, unknown>) =>
  api(
    agent.url,
    'POST',
    '/deployments/start',
    { model_name: 'org/model', port: 18201, gpu_memory_fraction: 0.5, ...body },
    agent.auth(),
  );
const locs = (body: unknown) =>
  (body as { detail: { loc: (string | number)[] }[] }).detail.map((d) => d.loc.join('.'));

describe('agent launch validation', () => {
  it.each([
    ['a string port', { port: 'eighty' }, 'body.port'],
    ['a port out of range', { port: 70000 }, 'body.port'],
    ['a fraction above 1', { gpu_memory_fraction: 1.2 }, 'body.gpu_memory_fraction'],
    ['a negative GPU id', { gpu_ids: [-1] }, 'body.gpu_ids.0'],
    ['an unknown runtime', { container_runtime: 'lxc' }, 'body.container_runtime'],
    ['a non-list of env vars', { env_vars: 'HF_TOKEN=x' }, 'body.env_vars'],
  ])('answers %s with 422 naming the field', async (_what, body, loc) => {
    const r = await start(body);
    expect(r.status).toBe(422);
    expect(locs(r.body)).toContain(loc);
  });

  it('answers a runtime this node does not have with 409 naming the available ones', async () => {
    const r = await start({ container_runtime: 'docker' });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({
      detail: "Container runtime 'docker' is not available on this node (available: process).",
    });
  });

  it('answers GPU ids out of range with 400', async () => {
    const r = await start({ gpu_ids: [0, 2] });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ detail: 'Requested GPU id(s) [2] not available; node has 2 GPU(s).' });
  });

  it('answers duplicate LoRA names and incomplete LoRA specs with 400', async () => {
    const dup = await start({
      lora_modules: [
        { name: 'a', path: 'org/l1' },
        { name: 'a', path: 'org/l2' },
      ],
    });
    expect(dup.status).toBe(400);
    expect((dup.body as { detail: string }).detail).toMatch(/Duplicate LoRA module name 'a'/);
    const half = await start({ lora_modules: [{ name: 'a', path: '' }] });
    expect([400, 422]).toContain(half.status);
  });

  it('answers a port already bound on the node with 409', async () => {
    const r = await start({ port: busyPort });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ detail: `Port ${busyPort} is already in use on this node.` });
  });

  it('answers an unknown deployment key with 404 on every key route, and leaves nothing behind', async () => {
    const key = { key: 'no/such:1' };
    for (const [method, path, body] of [
      ['POST', '/deployments/stop', key],
      ['POST', '/deployments/pause', key],
      ['POST', '/deployments/resume', key],
      ['POST', '/deployments/pin', { ...key, pinned: true }],
      ['POST', '/deployments/extend', { ...key, expires_at: null, duration_seconds: null }],
    ] as const) {
      const r = await api(agent.url, method, path, body, agent.auth());
      expect(r.status, path).toBe(404);
    }
    expect(
      (await api(agent.url, 'GET', '/deployments/logs?key=no/such:1', undefined, agent.auth()))
        .status,
    ).toBe(404);
    const status = await api(agent.url, 'GET', '/deployments/status', undefined, agent.auth());
    expect(status.body).toEqual({ deployments: [] });
  });
});
