// Deployments through the control plane: `aerie serve` and two real agents (simulated GPUs,
// process runtime running the vLLM simulator), 1 s sync intervals.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { freePort } from '../helpers/engine-harness.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';
import { wsClient } from '../helpers/http.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

const SECRET = 'hf_secret_value_never_shown_123';
let fleet: Fleet;
let a: NodeRead;
let b: NodeRead;

beforeAll(async () => {
  fleet = await startFleet({
    agents: ['dep-a', 'dep-b'],
    agentEnv: { AERIE_AGENT_MONITOR_INTERVAL_MS: '200' },
  });
  a = await fleet.node('dep-a');
  b = await fleet.node('dep-b');
  // Node b runs cold (no warm cache): plain GPU checks, no wake proxy.
  await fleet.call('POST', `/api/nodes/${b.id}/warm-cache`, { enabled: false });
});
afterAll(async () => {
  await fleet.stop();
});

const fast = [
  { key: 'AERIE_SIM_LOAD_S', value: '0.3' },
  { key: 'HF_TOKEN', value: SECRET },
];
async function start(body: Record<string, unknown>) {
  return fleet.call('POST', '/api/deployments/start', {
    owner: 'ana',
    gpu_memory_fraction: 0.4,
    env_vars: fast,
    ...body,
  });
}
const dep = async (id: number) =>
  (await fleet.call('GET', `/api/deployments/${id}`)).body as DeploymentRead;
const until = (id: number, ok: (d: DeploymentRead) => boolean, what: string, ms = 30_000) =>
  waitForValue(
    async () => {
      const d = await dep(id);
      return ok(d) ? d : null;
    },
    ms,
    `deployment ${id} ${what}`,
  );
function chat(port: number, model: string) {
  return fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
  });
}

describe('the deployment lifecycle through the control plane', () => {
  it('starts, serves, pauses, resumes, extends, stops, restarts and deletes one deployment', async () => {
    const port = await freePort();
    const { ws, messages } = await wsClient(fleet.cp.url);
    try {
      const started = await start({
        node_id: a.id,
        model_name: 'org/lifecycle',
        port,
        duration_seconds: 3600,
      });
      expect(started.status).toBe(201);
      const d0 = started.body as DeploymentRead & { offloaded: unknown[] };
      expect(d0).toMatchObject({
        status: 'loading',
        node_hostname: 'dep-a',
        owner: 'ana',
        warm: true,
        gpu_ids: [0],
      });
      expect(d0.env_vars).toEqual([{ key: 'AERIE_SIM_LOAD_S' }, { key: 'HF_TOKEN' }]);
      const running = await until(d0.id, (d) => d.status === 'running', 'running');
      expect(Date.parse(running.expires_at!)).toBeGreaterThan(Date.now() + 3500_000);
      await waitFor(
        () =>
          messages.some(
            (m) =>
              m.type === 'deployments_changed' &&
              (m.deployments as DeploymentRead[]).some(
                (x) => x.id === d0.id && x.status === 'running',
              ),
          ),
        10_000,
        'a deployments_changed event with the running row',
      );

      expect((await chat(port, 'org/lifecycle')).status).toBe(200);
      const paused = await fleet.call('POST', `/api/deployments/${d0.id}/pause`, {});
      expect(paused).toMatchObject({
        status: 200,
        body: { status: 'paused_ram', pause_tier: 'ram' },
      });
      // A request to the deployment's port wakes it (the agent's wake proxy).
      expect((await chat(port, 'org/lifecycle')).status).toBe(200);
      await until(d0.id, (d) => d.status === 'running', 'woken by a request');
      await fleet.call('POST', `/api/deployments/${d0.id}/pause`, { tier: 'ram' });
      const resumed = await fleet.call('POST', `/api/deployments/${d0.id}/resume`);
      expect(resumed).toMatchObject({ status: 200, body: { status: 'running' } });

      const before = Date.parse((await dep(d0.id)).expires_at!);
      const ext = await fleet.call('POST', `/api/deployments/${d0.id}/extend`, { hours: 1 });
      expect(Date.parse((ext.body as DeploymentRead).expires_at!)).toBe(before + 3600_000);
      expect((ext.body as DeploymentRead).duration_seconds).toBe(7200);
      const inf = await fleet.call('POST', `/api/deployments/${d0.id}/extend`, { infinite: true });
      expect(inf.body).toMatchObject({ expires_at: null, duration_seconds: null });
      expect(
        (await fleet.call('POST', `/api/deployments/${d0.id}/extend`, { hours: 1 })).status,
      ).toBe(409);

      await waitFor(
        async () => (await dep(d0.id)).total_requests >= 2,
        30_000,
        'usage folded from the agent',
      );
      expect((await fleet.call('DELETE', `/api/deployments/${d0.id}`)).status).toBe(409);

      const stop = await fleet.call('POST', `/api/deployments/stop/${d0.id}`);
      expect(stop).toMatchObject({ status: 200, body: { status: 'stopping' } });
      await until(d0.id, (d) => d.status === 'stopped', 'stopped');
      await expect(chat(port, 'org/lifecycle')).rejects.toThrow();

      const restart = await fleet.call('POST', `/api/deployments/${d0.id}/restart`, {
        owner: 'bo',
        duration_seconds: 600,
      });
      expect(restart).toMatchObject({
        status: 200,
        body: { id: d0.id, owner: 'bo', duration_seconds: 600 },
      });
      await until(d0.id, (d) => d.status === 'running', 'running again');
      expect(
        (await fleet.call('POST', `/api/deployments/${d0.id}/restart`, { owner: 'bo' })).status,
      ).toBe(409);
      await fleet.call('POST', `/api/deployments/stop/${d0.id}`);
      await until(d0.id, (d) => d.status === 'stopped', 'stopped again');
      expect(await fleet.call('DELETE', `/api/deployments/${d0.id}`)).toEqual({
        status: 200,
        body: { status: 'deleted', id: d0.id },
      });
      expect((await fleet.call('GET', `/api/deployments/${d0.id}`)).status).toBe(404);

      // Env values are write-only: in no answer, event or manifest.
      expect(JSON.stringify(messages)).not.toContain(SECRET);
      expect(JSON.stringify(started.body)).not.toContain(SECRET);
    } finally {
      ws.close();
    }
  });

  it('places two single-GPU models without gpu_ids on different GPUs', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const one = (
      await start({ node_id: b.id, model_name: 'org/place-1', port: p1, gpu_memory_fraction: 0.5 })
    ).body as DeploymentRead;
    const two = (
      await start({ node_id: b.id, model_name: 'org/place-2', port: p2, gpu_memory_fraction: 0.5 })
    ).body as DeploymentRead;
    expect([one.gpu_ids, two.gpu_ids]).toEqual([[0], [1]]);
    const node = await fleet.node('dep-b', (n) =>
      n.gpu_usage.every((g) => (g.memory_used_mb ?? 0) > 30_000),
    );
    expect(node.gpu_usage.map((g) => Math.round((g.memory_used_mb ?? 0) / 1024))).toEqual([40, 40]);
    for (const d of [one, two]) await fleet.call('POST', `/api/deployments/stop/${d.id}`);
    for (const d of [one, two]) await until(d.id, (x) => x.status === 'stopped', 'stopped');
  });
});

describe('launch checks', () => {
  it('refuses a port in use, a served name in use (LoRA aliases too), a missing runtime, cordoned and unknown GPUs', async () => {
    const port = await freePort();
    const first = (
      await start({
        node_id: b.id,
        model_name: 'org/checks',
        port,
        engine_args: { served_model_name: 'checks' },
        lora_modules: [{ name: 'sql-adapter', path: 'org/sql-lora' }],
      })
    ).body as DeploymentRead;
    const other = await freePort();
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [
        { node_id: b.id, model_name: 'org/x', port },
        409,
        new RegExp(
          `^Port ${port} is already in use on dep-b by deployment ${first.id} \\(org/checks\\)\\.$`,
        ),
      ],
      [
        {
          node_id: a.id,
          model_name: 'org/x',
          port: other,
          engine_args: { served_model_name: 'checks' },
        },
        409,
        /^Served name 'checks' is already in use by deployment \d+ \(org\/checks\)\. Choose a different served model name\.$/,
      ],
      [
        { node_id: a.id, model_name: 'sql-adapter', port: other },
        409,
        /Served name 'sql-adapter' is already in use/,
      ],
      [
        { node_id: a.id, model_name: 'org/x', port: other, container_runtime: 'docker' },
        409,
        /^Container runtime 'docker' is not available on dep-a \(available: process\)\.$/,
      ],
      [
        { node_id: a.id, model_name: 'org/x', port: other, gpu_ids: [5] },
        400,
        /GPU id\(s\) \[5\] not available on dep-a; it has 2 GPU\(s\)/,
      ],
      [{ node_id: 9999, model_name: 'org/x', port: other }, 404, /^Node 9999 not found\.$/],
    ];
    for (const [body, status, detail] of cases) {
      const r = await start(body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect((r.body as { detail: string }).detail).toMatch(detail);
    }
    const check = await fleet.call('GET', '/api/deployments/served-name/check?name=checks');
    expect(check.body).toEqual({
      available: false,
      conflict_id: first.id,
      conflict_model: 'org/checks',
      suggestion: 'checks-2',
    });
    expect(
      (
        await fleet.call(
          'GET',
          `/api/deployments/served-name/check?name=checks&exclude_id=${first.id}`,
        )
      ).body,
    ).toEqual({ available: true });

    await fleet.call('POST', `/api/nodes/${a.id}/maintenance`, { gpu_ids: [1], enabled: true });
    const cordoned = await start({ node_id: a.id, model_name: 'org/y', port: other, gpu_ids: [1] });
    expect(cordoned).toEqual({
      status: 409,
      body: { detail: 'GPU(s) [1] on dep-a are in maintenance; available: [0].' },
    });
    await fleet.call('POST', `/api/nodes/${a.id}/maintenance`, { gpu_ids: [], enabled: true });
    expect((await start({ node_id: a.id, model_name: 'org/y', port: other })).body).toEqual({
      detail: 'Node dep-a is in maintenance mode; no new deployments.',
    });
    await fleet.call('POST', `/api/nodes/${a.id}/maintenance`, { gpu_ids: [], enabled: false });
    await fleet.call('POST', `/api/deployments/stop/${first.id}`);
    await until(first.id, (d) => d.status === 'stopped', 'stopped');
  });

  it('lets exactly one of five concurrent starts on one port win', async () => {
    const port = await freePort();
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => start({ node_id: b.id, model_name: `org/race-${i}`, port })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect((r.body as { detail: string }).detail).toMatch(
        new RegExp(`^Port ${port} (is already in use|was just claimed)`),
      );
    }
    const winner = results.find((r) => r.status === 201)!.body as DeploymentRead;
    await fleet.call('POST', `/api/deployments/stop/${winner.id}`);
    await until(winner.id, (d) => d.status === 'stopped', 'stopped');
  });

  it('refuses bad input on every deployment route with a detail, changing nothing', async () => {
    const before = JSON.stringify(await fleet.call('GET', '/api/deployments'));
    const cases: [string, string, unknown, number][] = [
      [
        'POST',
        '/api/deployments/start',
        { node_id: a.id, model_name: 'm', port: 'x', gpu_memory_fraction: 0.5, owner: 'a' },
        422,
      ],
      [
        'POST',
        '/api/deployments/start',
        { node_id: a.id, model_name: 'm', port: 8001, gpu_memory_fraction: 1.5, owner: 'a' },
        422,
      ],
      [
        'POST',
        '/api/deployments/start',
        { node_id: a.id, model_name: 'm', port: 8001, gpu_memory_fraction: 0.5 },
        422,
      ],
      [
        'POST',
        '/api/deployments/start',
        {
          node_id: a.id,
          model_name: 'm',
          port: 8001,
          gpu_memory_fraction: 0.5,
          owner: 'a',
          bogus: 1,
        },
        422,
      ],
      ['POST', '/api/deployments', { node_id: a.id }, 422],
      ['POST', '/api/deployments/plan', { node_id: a.id }, 422],
      [
        'POST',
        '/api/deployments/from-manifest',
        { manifest: { manifest_version: 9 }, node_id: a.id, port: 8001, owner: 'a' },
        400,
      ],
      ['POST', '/api/deployments/stop/abc', undefined, 422],
      ['POST', '/api/deployments/9999/restart', { owner: 'a' }, 404],
      ['POST', '/api/deployments/9999/extend', { hours: 400 }, 422],
      ['POST', '/api/deployments/9999/extend', { hours: 1, infinite: true }, 422],
      ['POST', '/api/deployments/9999/extend', {}, 422],
      ['POST', '/api/deployments/9999/pin', { pinned: 'yes' }, 422],
      ['POST', '/api/deployments/9999/pause', { tier: 'ssd' }, 422],
      ['POST', '/api/deployments/9999/resume', undefined, 404],
      ['DELETE', '/api/deployments/9999', undefined, 404],
      ['GET', '/api/deployments/9999/manifest', undefined, 404],
      ['GET', '/api/deployments/9999/logs?tail=0', undefined, 422],
      ['GET', '/api/deployments/served-name/check', undefined, 422],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await fleet.call(method, path, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(r.body).toHaveProperty('detail');
    }
    expect(JSON.stringify(await fleet.call('GET', '/api/deployments'))).toBe(before);
  });
});

describe('manifests, logs and records', () => {
  it('exports a manifest with env keys only and launches from it elsewhere', async () => {
    const port = await freePort();
    const d = (
      await start({
        node_id: a.id,
        model_name: 'org/manifest',
        port,
        engine_args: { served_model_name: 'mani', seed: 11, revision: 'r1' },
      })
    ).body as DeploymentRead;
    const m = (await fleet.call('GET', `/api/deployments/${d.id}/manifest`)).body as Record<
      string,
      unknown
    >;
    expect(m).toMatchObject({
      manifest_version: 1,
      model: 'org/manifest',
      served_model_name: 'mani',
      seed: 11,
      revision: 'r1',
      env_var_keys: ['AERIE_SIM_LOAD_S', 'HF_TOKEN'],
      node: { hostname: 'dep-a' },
      gpu: { names: ['NVIDIA H100 80GB'] },
    });
    expect(JSON.stringify(m)).not.toContain(SECRET);
    await fleet.call('POST', `/api/deployments/stop/${d.id}`);
    await until(d.id, (x) => x.status === 'stopped', 'stopped');
    const missingEnv = await fleet.call('POST', '/api/deployments/from-manifest', {
      manifest: m,
      node_id: b.id,
      port,
      owner: 'cy',
    });
    expect(missingEnv.status).toBe(400);
    expect((missingEnv.body as { detail: string }).detail).toMatch(/AERIE_SIM_LOAD_S, HF_TOKEN/);
    const again = await fleet.call('POST', '/api/deployments/from-manifest', {
      manifest: m,
      node_id: b.id,
      port,
      owner: 'cy',
      env_vars: fast,
    });
    expect(again).toMatchObject({
      status: 201,
      body: { node_id: b.id, model_name: 'org/manifest', served_model_name: 'mani', owner: 'cy' },
    });
    const copy = again.body as DeploymentRead;
    await until(copy.id, (x) => x.status === 'running', 'running from the manifest');
    const logs = (await fleet.call('GET', `/api/deployments/${copy.id}/logs?tail=50`)).body as {
      key: string;
      lines: string[];
    };
    expect(logs.key).toBe(`org/manifest:${port}`);
    expect(logs.lines.length).toBeGreaterThan(3);
    expect(logs.lines.join('\n')).not.toContain(SECRET);
    const download = () => fetch(`${fleet.cp.url}/api/deployments/${copy.id}/logs/download`);
    const dl = await download();
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-disposition')).toBe(
      `attachment; filename="org--manifest-${port}.log"`,
    );
    // The engine's last start-up line can reach the log a moment after the health check passes.
    await waitFor(
      async () => (await (await download()).text()).includes('Application startup complete'),
      10_000,
      'the start-up line in the downloaded log',
    );
    await fleet.call('POST', `/api/deployments/stop/${copy.id}`);
    await until(copy.id, (x) => x.status === 'stopped', 'stopped');
  });

  it('creates a record without launching it, and launches it with restart', async () => {
    const port = await freePort();
    const r = await fleet.call('POST', '/api/deployments', {
      node_id: b.id,
      model_name: 'org/record',
      port,
      gpu_memory_fraction: 0.3,
      owner: 'di',
      env_vars: fast,
    });
    expect(r).toMatchObject({ status: 201, body: { status: 'stopped' } });
    const id = (r.body as DeploymentRead).id;
    await fleet.call('POST', `/api/deployments/${id}/restart`, { owner: 'di' });
    await until(id, (d) => d.status === 'running', 'running');
    await fleet.call('POST', `/api/deployments/stop/${id}`);
    await until(id, (d) => d.status === 'stopped', 'stopped');
  });
});

describe('failures', () => {
  it.each([
    ['fault/gpu-oom', 'gpu_oom'],
    ['fault/kv-cache', 'kv_cache_too_small'],
    ['fault/gated', 'hf_auth'],
    ['fault/crash-after-ready', null],
  ])('shows %s as an error with its cause', async (model, code) => {
    const port = await freePort();
    const env = [...fast, { key: 'AERIE_SIM_CRASH_AFTER_S', value: '1' }];
    const d = (
      await start({ node_id: b.id, model_name: model, port, env_vars: env, max_failed_restarts: 2 })
    ).body as DeploymentRead;
    const failed = await until(
      d.id,
      (x) => x.status === 'error' && x.last_error !== null,
      'in error',
      60_000,
    );
    if (code) expect(failed.error_code).toBe(code);
    expect(failed.last_error!.length).toBeGreaterThan(10);
    await fleet.call('POST', `/api/deployments/stop/${d.id}`);
  });
});

describe('drain', () => {
  it('stops the deployments on the GPUs it cordons', async () => {
    const port = await freePort();
    const d = (await start({ node_id: a.id, model_name: 'org/drain', port, gpu_ids: [1] }))
      .body as DeploymentRead;
    await until(d.id, (x) => x.status === 'running', 'running');
    const r = await fleet.call('POST', `/api/nodes/${a.id}/maintenance`, {
      gpu_ids: [1],
      enabled: true,
      drain: true,
    });
    expect(r.status).toBe(200);
    expect((await dep(d.id)).status).toBe('stopped');
    await fleet.call('POST', `/api/nodes/${a.id}/maintenance`, { gpu_ids: [1], enabled: false });
    const agentDir = fleet.agents.get('dep-a')!.dataDir;
    await waitFor(
      () =>
        readdirSync(join(agentDir, 'processes')).length === 0 ||
        !readFileSync(join(agentDir, 'state.json'), 'utf8').includes(`org/drain:${port}`),
      20_000,
      'the drained deployment gone on the agent',
    );
  });
});
