import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  freePort,
  simLaunch,
  startEngineHarness,
  type EngineHarness,
  type HarnessOptions,
} from '../helpers/engine-harness.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

const dataDir = mkdtempSync(join(tmpdir(), 'aerie-adopt-'));
const SECRET = 'hf_adoptionsecret987654321';
let current: EngineHarness | null = null;
const extraDirs: string[] = [];

afterAll(async () => {
  await current?.destroy();
  for (const dir of [dataDir, ...extraDirs]) rmSync(dir, { recursive: true, force: true });
});

/** A first agent on a fresh data dir, and a way to replace it by a second one on the same dir. */
async function firstAgent(): Promise<{
  first: EngineHarness;
  restart(opts?: HarnessOptions): Promise<EngineHarness>;
}> {
  await current?.destroy();
  const dir = mkdtempSync(join(tmpdir(), 'aerie-adopt-'));
  extraDirs.push(dir);
  const first = await startEngineHarness({ dataDir: dir });
  current = first;
  return {
    first,
    restart: async (opts = {}) => {
      await first.detach();
      current = await startEngineHarness({ ...opts, dataDir: dir });
      return current;
    },
  };
}

describe('adoption after an agent restart', () => {
  it('rebuilds each surviving deployment once, with env values from the state file, and keeps it serving', async () => {
    const first = await startEngineHarness({ dataDir });
    current = first;
    const cold = await freePort();
    const warm = await freePort();
    const coldKey = `m/cold:${cold}`;
    const warmKey = `m/warm:${warm}`;
    expect(
      (
        await first.call(
          'POST',
          '/deployments/start',
          simLaunch('m/cold', cold, { duration_seconds: 3600 }, { HF_TOKEN: SECRET }),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await first.call(
          'POST',
          '/deployments/start',
          simLaunch('m/warm', warm, { warm_offload: true, gpu_ids: [1] }),
        )
      ).status,
    ).toBe(200);
    await waitFor(
      () =>
        first.entry(coldKey)?.status === 'running' && first.entry(warmKey)?.status === 'running',
      30_000,
      'both running',
    );
    const expiresBefore = first.entry(coldKey)?.expires_at;
    expect((await first.call('POST', '/deployments/pause', { key: warmKey })).body).toMatchObject({
      status: 'paused',
      tier: 'ram',
    });
    const linesBefore = first.logs.get(coldKey)?.tail(2000).length ?? 0;

    // The agent goes away; its deployments keep running.
    await first.detach();
    const second = await startEngineHarness({ dataDir });
    current = second;
    const keys = second.engine.runningKeys().sort();
    expect(keys).toEqual([coldKey, warmKey].sort());
    expect(second.entry(warmKey)).toMatchObject({
      status: 'paused_ram',
      pause_tier: 'ram',
      warm: true,
    });
    const cold2 = await waitForValue(
      () => (second.entry(coldKey)?.status === 'running' ? second.entry(coldKey) : null),
      20_000,
      'cold running',
    );
    expect(cold2.expires_at).toBe(expiresBefore);
    expect(second.engine.ctx.registry.get(coldKey)?.env.HF_TOKEN).toBe(SECRET);

    // Adopting again (a second start) must not duplicate anything.
    expect(await second.engine.start()).toEqual([]);
    expect(second.engine.runningKeys().sort()).toEqual([coldKey, warmKey].sort());

    // The adopted warm deployment still wakes through its proxy.
    const r = await fetch(`http://127.0.0.1:${warm}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm/warm', prompt: 'hi', max_tokens: 3 }),
    });
    expect(r.status).toBe(200);
    expect(second.entry(warmKey)?.status).toBe('running');

    // The resumed log has no duplicated lines from before the restart.
    const lines = second.logs.get(coldKey)?.tail(2000) ?? [];
    expect(lines.length).toBeGreaterThanOrEqual(linesBefore);
    const runtimeLines = lines.filter((l) => !l.includes('[agent]'));
    expect(new Set(runtimeLines).size).toBe(runtimeLines.length);

    // The label of the launch (process runtime's config) holds env keys, never values.
    for (const dir of readdirSync(join(dataDir, 'processes'))) {
      const cfg = JSON.parse(
        readFileSync(join(dataDir, 'processes', dir, 'config.json'), 'utf8'),
      ) as { labels: Record<string, string> };
      expect(cfg.labels['aerie.launch'] ?? '').not.toContain(SECRET);
    }
  });

  it('remembers that a run was ready: a crash-looping deployment keeps restarting after an agent restart', async () => {
    const { first, restart } = await firstAgent();
    const port = await freePort();
    const key = `fault/crash-after-ready:${port}`;
    const body = simLaunch(
      'fault/crash-after-ready',
      port,
      { max_failed_restarts: 1 },
      { AERIE_SIM_CRASH_AFTER_S: '1' },
    );
    expect((await first.call('POST', '/deployments/start', body)).status).toBe(200);
    await waitFor(() => first.entry(key)?.status === 'running', 30_000, 'first ready');

    // The new agent's monitor ticks only when the test says: it first looks after the next crash,
    // so what it sees is a restart of a run that, for this agent, was never ready.
    const second = await restart({ clock: new ManualClock() });
    const id = second.entry(key)?.container_id ?? '';
    const seen = (await second.runtime.inspect(id))?.restartCount ?? 0;
    await waitFor(
      async () => ((await second.runtime.inspect(id))?.restartCount ?? 0) > seen,
      30_000,
      'the runtime to restart the crashed server',
    );
    const crashed = await second.tickUntil(
      () => (second.entry(key)?.status === 'error' ? second.entry(key) : null),
      'the restart seen by the new agent',
    );
    expect(crashed.error ?? '').not.toContain('Stopped after');
    expect(crashed.container_id).toBe(id);
    await second.tickUntil(() => second.entry(key)?.status === 'running', 'running again');
  });

  it('keeps pins set after launch, by /deployments/pin and by /config, across an agent restart', async () => {
    const { first, restart } = await firstAgent();
    await first.call('POST', '/config', { warm_offload_enabled: true, busy_guard_seconds: 0 });
    const [pa, pb] = [await freePort(), await freePort()];
    const [ka, kb] = [`m/pin-a:${pa}`, `m/pin-b:${pb}`];
    for (const [model, port, fraction] of [
      ['m/pin-a', pa, 0.5],
      ['m/pin-b', pb, 0.4],
    ] as const) {
      const res = await first.call(
        'POST',
        '/deployments/start',
        simLaunch(model, port, { gpu_memory_fraction: fraction }),
      );
      expect(res.status).toBe(200);
    }
    await waitFor(
      () => first.entry(ka)?.status === 'running' && first.entry(kb)?.status === 'running',
      30_000,
      'both running',
    );
    expect((await first.call('POST', '/config', { pins: [kb] })).status).toBe(200);
    expect((await first.call('POST', '/deployments/pin', { key: ka, pinned: true })).status).toBe(
      200,
    );

    const second = await restart();
    for (const k of [ka, kb])
      expect(second.entry(k)).toMatchObject({ pinned: true, launch_manifest: { pinned: true } });
    await waitFor(
      () => second.entry(ka)?.status === 'running' && second.entry(kb)?.status === 'running',
      30_000,
      'both running after the restart',
    );
    // Room for a third model would need a pause; pinned models are never paused (DESIGN.md §12.6).
    const res = await second.call(
      'POST',
      '/deployments/start',
      simLaunch('m/pin-c', await freePort(), { gpu_memory_fraction: 0.5 }),
    );
    expect(res.status).toBe(507);
    expect(second.entry(ka)?.status).toBe('running');
    expect(second.entry(kb)?.status).toBe('running');
  });

  it('re-derives the load phase of a deployment adopted mid-load from its log', async () => {
    const { first, restart } = await firstAgent();
    const port = await freePort();
    const key = `fault/hang-loading:${port}`;
    // It stays in loading_weights for ever, so no new marker line can come after the restart.
    await first.call('POST', '/deployments/start', simLaunch('fault/hang-loading', port));
    await waitFor(
      () => first.entry(key)?.phase === 'loading_weights',
      30_000,
      'the load to reach loading_weights',
    );
    const second = await restart();
    expect(second.entry(key)).toMatchObject({ status: 'loading', phase: 'loading_weights' });
  });
});
