import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFileName } from '../../src-main/agent/logs/log-line.js';
import {
  freePort,
  simLaunch,
  startEngineHarness,
  type EngineHarness,
} from '../helpers/engine-harness.js';
import { RESUME_RETRY_AFTER_SECONDS } from '../../src-main/agent/engine/warm/wake-proxy.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

let h: EngineHarness;
const ports: Record<'a' | 'b' | 'c', number> = { a: 0, b: 0, c: 0 };
const key = (m: 'a' | 'b' | 'c') => `m/${m}:${ports[m]}`;

function chat(port: number, model: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }),
  });
}

function wakeCount(k: string): number {
  return (h.logs.get(k)?.tail(2000) ?? []).filter((l) => l.includes('wake up the engine')).length;
}

beforeAll(async () => {
  h = await startEngineHarness();
  for (const m of ['a', 'b', 'c'] as const) ports[m] = await freePort();
  expect(
    (
      await h.call('POST', '/config', {
        warm_offload_enabled: true,
        busy_guard_seconds: 0,
        pins: [],
      })
    ).status,
  ).toBe(200);
});
afterAll(async () => {
  await h.destroy();
});

describe('warm cache on the agent', () => {
  it('serves a warm deployment through the wake proxy and hides every dev-mode endpoint', async () => {
    for (const m of ['a', 'b'] as const) {
      const res = await h.call(
        'POST',
        '/deployments/start',
        simLaunch(`m/${m}`, ports[m], { gpu_memory_fraction: m === 'a' ? 0.5 : 0.4 }),
      );
      expect(res.status).toBe(200);
    }
    await waitFor(
      () => h.entry(key('a'))?.status === 'running' && h.entry(key('b'))?.status === 'running',
      30_000,
      'a and b running',
    );
    const a = h.entry(key('a'))!;
    expect(a.warm).toBe(true);
    expect(a.internal_port).toBeGreaterThanOrEqual(41000);
    expect(a.internal_port).toBeLessThanOrEqual(41999);
    // b is used after a, so a is the least recently active.
    expect((await chat(ports.a, 'm/a')).status).toBe(200);
    expect((await chat(ports.b, 'm/b')).status).toBe(200);
    // Every dev-mode route of the loopback server stays behind the proxy, not only the sleep ones.
    for (const [method, path] of [
      ['POST', '/sleep?level=1'],
      ['POST', '/wake_up'],
      ['GET', '/is_sleeping'],
      ['POST', '/reset_prefix_cache'],
      ['POST', '/collective_rpc'],
      ['GET', '/server_info'],
    ]) {
      const r = await fetch(`http://127.0.0.1:${ports.a}${path}`, {
        method,
        body: method === 'POST' ? '{"method":"reload_weights"}' : undefined,
      });
      expect([path, r.status]).toEqual([path, 404]);
    }
    expect((await fetch(`http://127.0.0.1:${a.internal_port}/server_info`)).status).toBe(200);
    expect(h.entry(key('a'))?.status).toBe('running');
  });

  it('plans to offload the least recently used model, then does it on launch', async () => {
    const plan = await h.call('POST', '/deployments/plan', {
      model_name: 'm/c',
      port: ports.c,
      gpu_memory_fraction: 0.5,
      gpu_ids: [0],
    });
    expect(plan.body).toMatchObject({ fits: true, plan: [{ key: key('a'), action: 'pause' }] });
    expect(h.entry(key('a'))?.status).toBe('running');
    const usedBefore = (await h.engine.ctx.deps.gpus.list())[0]!.memory_used_mb!;

    const res = await h.call(
      'POST',
      '/deployments/start',
      simLaunch('m/c', ports.c, { gpu_memory_fraction: 0.5 }),
    );
    expect(res.body).toMatchObject({
      status: 'started',
      offloaded: [{ key: key('a'), tier: 'ram' }],
    });
    expect(h.entry(key('a'))).toMatchObject({
      status: 'paused_ram',
      pause_tier: 'ram',
      paused_ram_mb: 40960,
    });
    expect(h.entry(key('b'))?.status).toBe('running');
    await waitFor(() => h.entry(key('c'))?.status === 'running', 30_000, 'c running');
    // b (0.4) and c (0.5) hold their shares of the 80 GB GPU; the sleeping a keeps only its CUDA context.
    expect(usedBefore).toBe(40960 + 32768);
    const used = await waitForValue(
      async () => {
        const mb = (await h.engine.ctx.deps.gpus.list())[0]!.memory_used_mb!;
        return mb === 32768 + 40960 + 500 ? mb : null;
      },
      10_000,
      'GPU 0 memory after the pause',
    );
    expect(used).toBe(74228);
    expect(h.entry(key('a'))?.error_code).toBeNull();
  });

  it('refuses with 507 when nothing can be evicted (pinned models are never paused)', async () => {
    await h.call('POST', '/config', { pins: [key('b'), key('c')] });
    const res = await h.call(
      'POST',
      '/deployments/start',
      simLaunch('m/d', await freePort(), { gpu_memory_fraction: 0.5 }),
    );
    expect(res.status).toBe(507);
    expect((res.body as { detail: string }).detail).toMatch(/pinned/);
    const pause = await h.call('POST', '/deployments/pause', { key: key('b') });
    expect(pause.status).toBe(409);
    expect(h.entry(key('b'))?.status).toBe('running');
    expect(h.engine.runningKeys()).toHaveLength(3);
    await h.call('POST', '/config', { pins: [] });
  });

  it('wakes a paused model once for many concurrent first requests', async () => {
    // Room for a: stop c, so GPU 0 holds only b (0.4).
    h.engine.stop(key('c'));
    await waitFor(() => h.entry(key('c'))?.status === 'stopped', 20_000, 'c stopped');
    const before = wakeCount(key('a'));
    const results = await Promise.all(Array.from({ length: 6 }, () => chat(ports.a, 'm/a')));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await waitFor(() => wakeCount(key('a')) > before, 5000, 'wake log line');
    expect(wakeCount(key('a')) - before).toBe(1);
    expect(h.entry(key('a'))).toMatchObject({
      status: 'running',
      pause_tier: null,
      paused_ram_mb: 0,
    });
    expect(Date.parse(h.entry(key('a'))?.last_active_at ?? '')).toBeGreaterThan(
      Date.now() - 60_000,
    );
  });

  it('pauses and resumes explicitly, and refuses to pause a cold deployment', async () => {
    expect((await h.call('POST', '/deployments/pause', { key: key('b') })).body).toMatchObject({
      status: 'paused',
      tier: 'ram',
    });
    expect(h.entry(key('b'))?.status).toBe('paused_ram');
    expect((await h.call('POST', '/deployments/resume', { key: key('b') })).body).toMatchObject({
      status: 'running',
    });
    expect(h.entry(key('b'))?.status).toBe('running');
    const cold = await freePort();
    const res = await h.call(
      'POST',
      '/deployments/start',
      simLaunch('m/cold', cold, { gpu_ids: [1], engine_args: { disable_sleep_mode: true } }),
    );
    expect(res.status).toBe(200);
    await waitFor(() => h.entry(`m/cold:${cold}`)?.status === 'running', 30_000, 'cold running');
    const pause = await h.call('POST', '/deployments/pause', { key: `m/cold:${cold}` });
    expect(pause).toMatchObject({
      status: 409,
      body: { detail: 'Deployment is not warm — redeploy on a warm-cache-enabled node first.' },
    });
  });
});

describe('a wake that fails', () => {
  let slow: EngineHarness;
  beforeAll(async () => {
    slow = await startEngineHarness({ timings: { wakeTimeoutMs: 800 } });
    await slow.call('POST', '/config', { warm_offload_enabled: true });
  });
  afterAll(async () => {
    await slow.destroy();
  });

  it('answers 503 model_resuming in the OpenAI envelope and keeps the model paused', async () => {
    const port = await freePort();
    const k = `m/slow:${port}`;
    await slow.call(
      'POST',
      '/deployments/start',
      simLaunch('m/slow', port, {}, { AERIE_SIM_SLEEP_WAKE_MS: '3000' }),
    );
    await waitFor(() => slow.entry(k)?.status === 'running', 30_000, 'running');
    expect((await slow.call('POST', '/deployments/pause', { key: k })).status).toBe(200);
    const r = await chat(port, 'm/slow');
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe(String(RESUME_RETRY_AFTER_SECONDS));
    expect(await r.json()).toEqual({
      error: {
        message: 'Model is resuming; retry shortly.',
        type: 'ServiceUnavailableError',
        param: null,
        code: 'model_resuming',
      },
    });
    expect(slow.entry(k)).toMatchObject({ status: 'paused_ram', pause_tier: 'ram' });
  });
});

describe('busy state of warm deployments', () => {
  let busy: EngineHarness;
  const port = { a: 0, b: 0 };
  beforeAll(async () => {
    // A metrics scrape once a minute: whatever is busy now, the scrape cannot know it.
    busy = await startEngineHarness({ timings: { scrapeMs: 60_000 } });
    await busy.call('POST', '/config', { warm_offload_enabled: true, busy_guard_seconds: 0 });
    port.a = await freePort();
    port.b = await freePort();
  });
  afterAll(async () => {
    await busy.destroy();
  });

  it('counts in-flight requests as the wake proxy sees them, in the status entry and the plan', async () => {
    const ka = `m/a:${port.a}`;
    const kb = `m/b:${port.b}`;
    // a is slow (a 12-token answer takes about 2 s); b is launched after a.
    await busy.call(
      'POST',
      '/deployments/start',
      simLaunch('m/a', port.a, {}, { AERIE_SIM_TOKENS_PER_S: '6' }),
    );
    await busy.call('POST', '/deployments/start', simLaunch('m/b', port.b));
    await waitFor(
      () => busy.entry(ka)?.status === 'running' && busy.entry(kb)?.status === 'running',
      30_000,
      'a and b running',
    );
    expect((await chat(port.a, 'm/a')).status).toBe(200);
    expect((await chat(port.b, 'm/b')).status).toBe(200);
    const planFor = async () =>
      (
        (
          await busy.call('POST', '/deployments/plan', {
            model_name: 'm/c',
            port: await freePort(),
            gpu_memory_fraction: 0.4,
            gpu_ids: [0],
          })
        ).body as { plan: { key: string }[] }
      ).plan.map((i) => i.key);
    // Idle (whatever vLLM's first scrape said): a is the least recently used, so a goes first.
    expect(busy.entry(ka)?.requests_running).toBe(0);
    expect(await planFor()).toEqual([ka]);

    const inflight = fetch(`http://127.0.0.1:${port.a}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm/a', prompt: 'tell me', max_tokens: 12 }),
    });
    await waitFor(() => busy.entry(ka)?.requests_running === 1, 5000, 'a to report 1 running');
    // b is used after a's request began, so a is still the older one, but a busy a is protected.
    expect((await chat(port.b, 'm/b')).status).toBe(200);
    expect(await planFor()).toEqual([kb]);
    expect((await inflight).status).toBe(200);
    expect(busy.entry(ka)?.requests_running).toBe(0);
  });
});

describe('the plain GPU check next to paused models', () => {
  let plain: EngineHarness;
  beforeAll(async () => {
    plain = await startEngineHarness();
    await plain.call('POST', '/config', { warm_offload_enabled: true, busy_guard_seconds: 0 });
  });
  afterAll(async () => {
    await plain.destroy();
  });

  it('counts a paused model’s share: a cold launch that would oversell its GPU gets 409, and the paused model still resumes', async () => {
    const port = await freePort();
    const key = `m/paused:${port}`;
    await plain.call(
      'POST',
      '/deployments/start',
      simLaunch('m/paused', port, { gpu_memory_fraction: 0.2 }),
    );
    await waitFor(() => plain.entry(key)?.status === 'running', 30_000, 'the warm model running');
    expect((await plain.call('POST', '/deployments/pause', { key })).status).toBe(200);

    // A cold launch takes the plain check (no eviction): 0.2 paused + 0.9 > 1.0.
    const res = await plain.call(
      'POST',
      '/deployments/start',
      simLaunch('m/cold-big', await freePort(), { gpu_memory_fraction: 0.9, warm_offload: false }),
    );
    expect(res.status).toBe(409);
    expect((res.body as { detail: string }).detail).toContain(
      'GPU 0: 0.20 already reserved + 0.90 requested = 1.10 > 1.0',
    );
    expect(plain.engine.runningKeys()).toEqual([key]);
    expect((await plain.call('POST', '/deployments/resume', { key })).body).toEqual({
      status: 'running',
      key,
    });
  });
});

describe('the RAM cache budget', () => {
  let ram: EngineHarness;
  beforeAll(async () => {
    ram = await startEngineHarness();
    // The planner books a newcomer's own future pause too (behaviour.md §3.4): a 0.6 newcomer
    // (49 152 MB of an 80 GB GPU) and a paused 0.5 model (40 960 MB) fit, a paused 0.4 one more not.
    await ram.call('POST', '/config', {
      warm_offload_enabled: true,
      busy_guard_seconds: 0,
      ram_cache_limit_mb: 100_000,
    });
  });
  afterAll(async () => {
    await ram.destroy();
  });

  it('reports the paused model it stops to make room: in offloaded, on its entry and in its log', async () => {
    const [pa, pb, pc] = [await freePort(), await freePort(), await freePort()];
    const [ka, kb] = [`m/old:${pa}`, `m/mid:${pb}`];
    // This engine cannot sleep at level 2, so it cannot be moved to disk: stopping it is what frees
    // its RAM (agent-disk-tier.test.ts shows the demotion that comes first otherwise).
    await ram.call(
      'POST',
      '/deployments/start',
      simLaunch('m/old', pa, {}, { AERIE_SIM_MAX_SLEEP_LEVEL: '1' }),
    );
    await waitFor(() => ram.entry(ka)?.status === 'running', 30_000, 'old running');
    expect((await ram.call('POST', '/deployments/pause', { key: ka })).status).toBe(200);
    await ram.call(
      'POST',
      '/deployments/start',
      simLaunch('m/mid', pb, { gpu_memory_fraction: 0.5 }),
    );
    await waitFor(() => ram.entry(kb)?.status === 'running', 30_000, 'mid running');

    // Room for new needs mid paused, which the budget holds only without old (32 768 MB).
    const res = await ram.call(
      'POST',
      '/deployments/start',
      simLaunch('m/new', pc, { gpu_memory_fraction: 0.6 }),
    );
    expect(res.body).toMatchObject({ status: 'started' });
    expect((res.body as { offloaded: unknown }).offloaded).toEqual([
      { key: ka, model_name: 'm/old', tier: 'ram', action: 'stopped' },
      { key: kb, model_name: 'm/mid', tier: 'ram', action: 'paused' },
    ]);
    const old = ram.entry(ka);
    expect(old?.status).toBe('stopped');
    expect(old?.stop_reason).toMatch(/^Stopped to free host RAM for m\/new: the RAM cache .* full/);
    expect(ram.entry(kb)).toMatchObject({ status: 'paused_ram', stop_reason: null });
    // The run's log file, as a download would give it.
    const file = join(ram.dataDir, 'logs', logFileName('m/old', pa));
    const log = await waitForValue(
      () => {
        const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
        return text.includes('Deployment stopped.') ? text : null;
      },
      10_000,
      'the stop in the old model’s log',
    );
    expect(log).toContain(`[agent] ${old?.stop_reason ?? '?'}`);
    expect(log).not.toContain('Stop requested.');
  });
});
