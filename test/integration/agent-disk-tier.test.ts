// The disk pause tier (vLLM sleep level 2) and the status watch, on a real `aerie agent` process
// with the process runtime and the vLLM simulator: pause to disk, wake from disk by a request to
// the deployment's port (wake_up, reload_weights, reset_prefix_cache), the planner demoting the
// least recently used RAM-paused model to disk before it would stop one, adoption after an agent
// restart keeping the tier, and `GET /deployments/watch` answering at once on a change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusEntry } from '../../src-main/shared/agent-protocol/deployments.js';
import {
  call,
  chat,
  closeSession,
  entry,
  gpuUsedMb,
  launchAgent,
  launchBody,
  openSession,
  statuses,
  untilStatus,
  type RuntimeAdapter,
  type Session,
} from '../helpers/agent-session.js';
import { freePort } from '../helpers/engine-harness.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

const adapter: RuntimeAdapter = {
  runtime: 'process',
  agentArgs: ['--runtime', 'process', '--image-repo', 'localhost/aerie-vllm-sim'],
  agentEnv: {},
  image: 'localhost/aerie-vllm-sim:test',
  containerExists: () => Promise.resolve(true),
  startByHand: () => Promise.reject(new Error('not used here')),
};

let s: Session;
beforeAll(async () => {
  s = await openSession(adapter);
  const r = await call(s, 'POST', '/config', { warm_offload_enabled: true, busy_guard_seconds: 0 });
  expect(r.status).toBe(200);
});
afterAll(() => closeSession(s));

/** Starts a warm simulator on `gpu` and waits until it runs. */
async function startWarm(
  model: string,
  fraction: number,
  gpu: number,
  env: Record<string, string> = {},
): Promise<{ key: string; port: number }> {
  const port = await freePort();
  const body = launchBody(
    model,
    port,
    { gpu_memory_fraction: fraction, gpu_ids: [gpu], warm_offload: true },
    env,
  );
  const res = await call(s, 'POST', '/deployments/start', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const key = `${model}:${port}`;
  s.keys.add(key);
  await untilStatus(s, key, 'running');
  return { key, port };
}

async function logLines(key: string): Promise<string[]> {
  const q = `key=${encodeURIComponent(key)}&tail=5000`;
  return ((await call(s, 'GET', `/deployments/logs?${q}`)).body as { lines: string[] }).lines;
}

/** Waits until the log of `key` has every text of `texts`, in that order, after line `from`. */
async function untilLogged(key: string, texts: string[], from = 0): Promise<string[]> {
  let seen: string[] = [];
  try {
    return await waitFor2(key, texts, from, (l) => (seen = l));
  } catch (err) {
    throw new Error(`${(err as Error).message}; log after line ${from}:\n${seen.join('\n')}`);
  }
}

function waitFor2(
  key: string,
  texts: string[],
  from: number,
  keep: (lines: string[]) => void,
): Promise<string[]> {
  return waitForValue(
    async () => {
      const lines = (await logLines(key)).slice(from);
      keep(lines);
      let at = 0;
      for (const t of texts) {
        const i = lines.findIndex((l, j) => j >= at && l.includes(t));
        if (i < 0) return null;
        at = i + 1;
      }
      return lines;
    },
    15_000,
    `${key} to log ${texts.join(' → ')}`,
  );
}

async function stopAll(): Promise<void> {
  for (const e of await statuses(s))
    if (e.status !== 'stopped' && e.status !== 'expired')
      await call(s, 'POST', '/deployments/stop', { key: e.key });
  await waitFor(
    async () => (await statuses(s)).every((e) => e.status === 'stopped' || e.status === 'error'),
    30_000,
    'every deployment stopped',
  );
}

const ramUsed = async () =>
  ((await call(s, 'GET', '/metrics')).body as { ram_cache_used_mb: number }).ram_cache_used_mb;

describe('the disk pause tier on the agent', () => {
  let m: { key: string; port: number };

  it('pauses to disk with sleep level 2: VRAM freed, no host RAM booked, the tier reported', async () => {
    const idle = await gpuUsedMb(s);
    m = await startWarm('org/disk-a', 0.3, 0);
    const awake = await waitForValue(
      async () => ((await gpuUsedMb(s)) > idle ? gpuUsedMb(s) : null),
      10_000,
      'GPU memory of the model',
    );
    const from = (await logLines(m.key)).length;
    const r = await call(s, 'POST', '/deployments/pause', { key: m.key, tier: 'disk' });
    expect(r).toEqual({ status: 200, body: { status: 'paused', key: m.key, tier: 'disk' } });
    const e = await untilStatus(s, m.key, 'paused_disk');
    expect(e).toMatchObject({ pause_tier: 'disk', paused_ram_mb: 0 });
    expect(await ramUsed()).toBe(0);
    await waitFor(async () => (await gpuUsedMb(s)) < awake, 10_000, 'VRAM freed');
    // The simulator was asked for a level-2 sleep (its access log), and the agent says so.
    await untilLogged(m.key, ['POST /sleep?level=2&mode=wait HTTP/1.1" 200'], from);
    await untilLogged(m.key, ['[agent] Paused to disk.'], from);
    // Pausing again to disk is a no-op; to RAM would need the weights it no longer has.
    expect((await call(s, 'POST', '/deployments/pause', { key: m.key })).body).toMatchObject({
      tier: 'disk',
    });
    const toRam = await call(s, 'POST', '/deployments/pause', { key: m.key, tier: 'ram' });
    expect(toRam.status).toBe(409);
    expect((toRam.body as { detail: string }).detail).toMatch(/paused to disk; resume it/);
  });

  it('wakes from disk on a request to its port: wake_up, reload_weights, reset_prefix_cache', async () => {
    const from = (await logLines(m.key)).length;
    expect((await chat(m.port, 'org/disk-a')).length).toBeGreaterThan(0);
    expect(await entry(s, m.key)).toMatchObject({ status: 'running', pause_tier: null });
    // The simulator's lines come in the order it was called; the agent's own line on its side.
    await untilLogged(
      m.key,
      ['wake up the engine', 'collective_rpc reload_weights', 'Resetting prefix cache'],
      from,
    );
    await untilLogged(m.key, ['[agent] Resumed from disk.'], from);
  });

  it('keeps the tier across an agent restart (adoption), and resumes from it', async () => {
    expect((await call(s, 'POST', '/deployments/pause', { key: m.key, tier: 'disk' })).status).toBe(
      200,
    );
    await untilStatus(s, m.key, 'paused_disk');
    expect(await s.agent.stop()).toBe(0);
    s.agent = await launchAgent(s);
    const adopted = (await statuses(s)).filter((e) => e.key === m.key);
    expect(adopted).toHaveLength(1);
    expect(adopted[0]).toMatchObject({
      status: 'paused_disk',
      pause_tier: 'disk',
      paused_ram_mb: 0,
    });
    const from = (await logLines(m.key)).length;
    expect((await call(s, 'POST', '/deployments/resume', { key: m.key })).body).toEqual({
      status: 'running',
      key: m.key,
    });
    await untilLogged(m.key, ['wake up the engine', 'collective_rpc reload_weights'], from);
    await untilLogged(m.key, ['[agent] Resumed from disk.'], from);
    await stopAll();
  });
});

describe('RAM budget: demotion to disk before any stop', () => {
  beforeAll(async () => {
    // 80 GB GPUs (81 920 MB): a 0.6 newcomer books 49 152 MB and a paused 0.5 model 40 960 MB;
    // a paused 0.4 model (32 768 MB) more does not fit in 100 000 MB.
    const r = await call(s, 'POST', '/config', { ram_cache_limit_mb: 100_000, pins: [] });
    expect(r.status).toBe(200);
  });
  afterAll(async () => {
    await stopAll();
    await call(s, 'POST', '/config', { ram_cache_limit_mb: null });
  });

  /** old paused to RAM, mid running (used after old), then a launch that needs mid paused. */
  async function scenario(gpu: number, oldEnv: Record<string, string>) {
    const old = await startWarm(`org/old-${gpu}`, 0.4, gpu, oldEnv);
    expect((await call(s, 'POST', '/deployments/pause', { key: old.key })).status).toBe(200);
    await untilStatus(s, old.key, 'paused_ram');
    const mid = await startWarm(`org/mid-${gpu}`, 0.5, gpu);
    await chat(mid.port, `org/mid-${gpu}`);
    const port = await freePort();
    const res = await call(
      s,
      'POST',
      '/deployments/start',
      launchBody(`org/new-${gpu}`, port, {
        gpu_memory_fraction: 0.6,
        gpu_ids: [gpu],
        warm_offload: true,
      }),
    );
    s.keys.add(`org/new-${gpu}:${port}`);
    return { old, mid, res };
  }

  it('moves the least recently used RAM-paused model to disk instead of stopping it', async () => {
    const { old, mid, res } = await scenario(0, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((res.body as { offloaded: unknown[] }).offloaded).toEqual([
      { key: old.key, model_name: 'org/old-0', tier: 'disk', action: 'demoted' },
      { key: mid.key, model_name: 'org/mid-0', tier: 'ram', action: 'paused' },
    ]);
    const e = (await entry(s, old.key)) as StatusEntry;
    expect(e).toMatchObject({ status: 'paused_disk', pause_tier: 'disk', stop_reason: null });
    expect(await entry(s, mid.key)).toMatchObject({ status: 'paused_ram', pause_tier: 'ram' });
    expect(await ramUsed()).toBe(40_960);
    await untilLogged(old.key, ['Moved from RAM to disk to free host RAM for another model.']);
    // The demoted model still serves: a request wakes it from disk (making room again).
    await stopAll();
  });

  it('stops a paused model only when it cannot go to disk', async () => {
    // This engine refuses sleep level 2, so the RAM it holds can only be freed by stopping it.
    const { old, mid, res } = await scenario(1, { AERIE_SIM_MAX_SLEEP_LEVEL: '1' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((res.body as { offloaded: unknown[] }).offloaded).toEqual([
      { key: old.key, model_name: 'org/old-1', tier: 'ram', action: 'stopped' },
      { key: mid.key, model_name: 'org/mid-1', tier: 'ram', action: 'paused' },
    ]);
    const e = await untilStatus(s, old.key, 'stopped');
    expect(e.stop_reason).toMatch(/^Stopped to free host RAM for org\/new-1/);
  });
});

describe('GET /deployments/watch', () => {
  const watch = async (q: string) => {
    const t0 = performance.now();
    const r = await call(s, 'GET', `/deployments/watch${q}`);
    return { ...r, ms: performance.now() - t0 };
  };
  type Reply = { version: number; changed: boolean; deployments: StatusEntry[] };

  it('answers at once without a version, holds until `wait` when nothing changes', async () => {
    const first = await watch('');
    expect(first.status).toBe(200);
    const body = first.body as Reply;
    expect(body.changed).toBe(true);
    expect(Array.isArray(body.deployments)).toBe(true);
    const held = await watch(`?since=${body.version}&wait=1`);
    expect(held.body).toMatchObject({ version: body.version, changed: false });
    expect(held.ms).toBeGreaterThanOrEqual(900);
    // An older version is answered at once.
    expect((await watch(`?since=${body.version - 1}&wait=20`)).body).toMatchObject({
      changed: true,
    });
  });

  it('answers as soon as a deployment changes, with the new entries', async () => {
    const m = await startWarm('org/watched', 0.3, 0);
    const { version } = (await watch('')).body as Reply;
    // Held watches, each from the version the last one answered, until one shows the pause.
    const pending = (async () => {
      let since = version;
      for (;;) {
        const r = await watch(`?since=${since}&wait=25`);
        const body = r.body as Reply;
        // Each answer before its 25 s is a change (usage scrapes and the like count too).
        if (r.ms < 20_000) expect(body).toMatchObject({ changed: true });
        if (body.deployments.find((d) => d.key === m.key)?.status !== 'running') return r;
        expect(body.version).toBeGreaterThan(since);
        since = body.version;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    const paused = call(s, 'POST', '/deployments/pause', { key: m.key, tier: 'disk' });
    const r = await pending;
    // Far less than the 25 s a watch may be held: the change ended it.
    expect(performance.now() - t0).toBeLessThan(20_000);
    const body = r.body as Reply;
    expect(body.version).toBeGreaterThan(version);
    const e = body.deployments.find((d) => d.key === m.key);
    expect(['offloading', 'paused_disk']).toContain(e?.status);
    expect((await paused).status).toBe(200);
  });

  it('refuses a bad since or wait with 422 naming the field', async () => {
    for (const q of ['?wait=31', '?wait=soon', '?since=abc']) {
      const r = await watch(q);
      expect(r.status, q).toBe(422);
      expect(JSON.stringify(r.body), q).toMatch(q.includes('wait') ? /wait/ : /since/);
    }
  });
});
