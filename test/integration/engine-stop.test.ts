// Stops that meet something else in flight: a launch still starting, a wake, a pause request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  simLaunch,
  startEngineHarness,
  type EngineHarness,
} from '../helpers/engine-harness.js';
import { waitFor } from '../helpers/wait.js';

let h: EngineHarness;

beforeAll(async () => {
  h = await startEngineHarness();
  await h.call('POST', '/config', { warm_offload_enabled: true, busy_guard_seconds: 0 });
});
afterAll(async () => {
  await h.destroy();
});

const refused = (port: number) =>
  fetch(`http://127.0.0.1:${port}/health`).then(
    () => false,
    () => true,
  );

describe('a stop meeting work in flight', () => {
  it('wins over a launch still starting: the launch answers 409, nothing it started survives, and the model it paused wakes again', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const [ka, kb] = [`m/neighbour:${pa}`, `m/late:${pb}`];
    // The neighbour takes 1.5 s to fall asleep, so the new launch is still evicting when stopped.
    await h.call(
      'POST',
      '/deployments/start',
      simLaunch(
        'm/neighbour',
        pa,
        { gpu_memory_fraction: 0.6 },
        { AERIE_SIM_SLEEP_WAKE_MS: '1500' },
      ),
    );
    await waitFor(() => h.entry(ka)?.status === 'running', 30_000, 'the neighbour running');

    const launch = h.call(
      'POST',
      '/deployments/start',
      simLaunch('m/late', pb, { gpu_memory_fraction: 0.6 }),
    );
    await waitFor(() => h.entry(kb)?.status === 'starting', 10_000, 'the launch in flight');
    expect(await h.call('POST', '/deployments/stop', { key: kb })).toMatchObject({
      status: 200,
      body: { status: 'stopping', key: kb },
    });
    expect(h.entry(kb)?.status).toBe('stopping');

    const res = await launch;
    expect(res.status).toBe(409);
    expect((res.body as { detail: string }).detail).toBe(
      `Deployment ${kb} was stopped while it was starting; the launch was cancelled.`,
    );
    expect(h.entry(kb)).toMatchObject({
      status: 'stopped',
      desired_state: 'stopped',
      container_id: null,
    });
    expect(h.engine.runningKeys()).toEqual([ka]);
    const containers = (await h.call('GET', '/containers')).body as { key: string | null }[];
    expect(containers.filter((c) => c.key === kb)).toEqual([]);
    expect(await h.runtime.list([`aerie.key=${kb}`])).toEqual([]);
    expect(await refused(pb)).toBe(true);
    // Paused for a launch that never happened, the neighbour is awake again.
    expect(h.entry(ka)).toMatchObject({ status: 'running', pause_tier: null });
  });

  it('answers 404 for a stopped deployment on pause as on stop, resume and extend', async () => {
    const port = await freePort();
    const key = `m/done:${port}`;
    await h.call('POST', '/deployments/start', simLaunch('m/done', port, { gpu_ids: [1] }));
    await waitFor(() => h.entry(key)?.status === 'running', 30_000, 'running');
    h.engine.stop(key);
    await waitFor(() => h.entry(key)?.status === 'stopped', 20_000, 'stopped');
    for (const [path, body] of [
      ['pause', { key }],
      ['stop', { key }],
      ['resume', { key }],
      ['extend', { key, expires_at: null }],
    ] as const) {
      const res = await h.call('POST', `/deployments/${path}`, body);
      expect([path, res.status, res.body]).toEqual([
        path,
        404,
        { detail: `Deployment ${key} not found` },
      ]);
    }
  });

  it('tells a resume cut short by a stop that the deployment was stopped', async () => {
    const port = await freePort();
    const key = `m/waking:${port}`;
    // Falling asleep and waking up take 3 s each: the stop lands in the middle of the wake.
    await h.call(
      'POST',
      '/deployments/start',
      simLaunch('m/waking', port, { gpu_ids: [1] }, { AERIE_SIM_SLEEP_WAKE_MS: '3000' }),
    );
    await waitFor(() => h.entry(key)?.status === 'running', 30_000, 'running');
    expect((await h.call('POST', '/deployments/pause', { key })).status).toBe(200);
    const resume = h.call('POST', '/deployments/resume', { key });
    await waitFor(() => h.entry(key)?.status === 'waking', 10_000, 'the wake under way');
    expect((await h.call('POST', '/deployments/stop', { key })).status).toBe(200);
    const res = await resume;
    expect(res.status).toBe(503);
    expect((res.body as { detail: string }).detail).toBe(
      `Deployment ${key} was stopped while it woke.`,
    );
    await waitFor(() => h.entry(key)?.status === 'stopped', 20_000, 'stopped');
  });

  it('tells a resume waiting for a pause, and the pause, that a stop cut them short', async () => {
    const port = await freePort();
    const key = `m/pausing:${port}`;
    await h.call(
      'POST',
      '/deployments/start',
      simLaunch('m/pausing', port, { gpu_ids: [1] }, { AERIE_SIM_SLEEP_WAKE_MS: '3000' }),
    );
    await waitFor(() => h.entry(key)?.status === 'running', 30_000, 'running');
    const pause = h.call('POST', '/deployments/pause', { key });
    await waitFor(() => h.entry(key)?.status === 'offloading', 10_000, 'the pause under way');
    // Accepted while offloading: the resume waits for the pause to finish, then wakes.
    const resume = h.call('POST', '/deployments/resume', { key });
    expect((await h.call('POST', '/deployments/stop', { key })).status).toBe(200);
    const [paused, resumed] = await Promise.all([pause, resume]);
    expect(resumed).toMatchObject({
      status: 503,
      body: { detail: `Deployment ${key} was stopped while it woke.` },
    });
    expect(paused).toMatchObject({
      status: 409,
      body: { detail: `Deployment ${key} was stopped while it paused.` },
    });
    await waitFor(() => h.entry(key)?.status === 'stopped', 20_000, 'stopped');
  });
});

describe('stopped entries in the status list', () => {
  let quick: EngineHarness;
  beforeAll(async () => {
    // Dropped at the first poll after the one that reported them stopped.
    quick = await startEngineHarness({ timings: { finishedSeenMs: 0 } });
  });
  afterAll(async () => {
    await quick.destroy();
  });

  it('are reported stopped, then leave the list instead of piling up until a restart', async () => {
    const port = await freePort();
    const key = `m/gone:${port}`;
    await quick.call('POST', '/deployments/start', simLaunch('m/gone', port));
    await waitFor(() => quick.entry(key)?.status === 'running', 30_000, 'running');
    quick.engine.stop(key);
    await waitFor(() => !quick.engine.runningKeys().includes(key), 20_000, 'the stop to be done');
    const list = async () =>
      (
        (await quick.call('GET', '/deployments/status')).body as {
          deployments: { key: string; status: string }[];
        }
      ).deployments;
    expect((await list()).find((e) => e.key === key)?.status).toBe('stopped');
    expect((await list()).find((e) => e.key === key)).toBeUndefined();
    // The key can be launched again and its log of the stopped run is still on disk.
    expect(quick.logs.reader(key)?.tail(2000).join('\n')).toContain('[agent] Deployment stopped.');
  });
});
