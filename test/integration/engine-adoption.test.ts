import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  freePort,
  simLaunch,
  startEngineHarness,
  type EngineHarness,
} from '../helpers/engine-harness.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

const dataDir = mkdtempSync(join(tmpdir(), 'aerie-adopt-'));
const SECRET = 'hf_adoptionsecret987654321';
let current: EngineHarness | null = null;

afterAll(async () => {
  await current?.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

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
});
