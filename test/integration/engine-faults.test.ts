import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  simLaunch,
  startEngineHarness,
  type EngineHarness,
} from '../helpers/engine-harness.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

let h: EngineHarness;

beforeAll(async () => {
  h = await startEngineHarness();
});
afterAll(async () => {
  await h.destroy();
});

describe('deployment engine failure handling', () => {
  it('classifies a crash loop as gpu_oom and removes the container after 3 failed starts', async () => {
    const port = await freePort();
    const key = `fault/gpu-oom:${port}`;
    expect(
      (await h.call('POST', '/deployments/start', simLaunch('fault/gpu-oom', port))).status,
    ).toBe(200);
    const first = await waitForValue(
      () => (h.entry(key)?.status === 'error' ? h.entry(key) : null),
      30_000,
      'first error',
    );
    expect(first.error_code).toBe('gpu_oom');
    const final = await waitForValue(
      () => {
        const e = h.entry(key);
        // The status is set first; the entry drops its container id once the removal is done.
        return e?.error?.includes('Stopped after') && e.container_id === null ? e : null;
      },
      60_000,
      'breaker and removal',
    );
    expect(final.status).toBe('error');
    expect(final.error_code).toBe('gpu_oom');
    expect(final.error).toMatch(/\(Stopped after 3 failed starts without becoming ready\.\)$/);
    const containers = (await h.call('GET', '/containers')).body as { key: string | null }[];
    expect(containers.filter((c) => c.key === key)).toEqual([]);
    const log = h.logs.get(key)?.tail(2000).join('\n') ?? '';
    expect(log).toContain('[agent] Container restarted (exit code');
    expect(log).toContain('[agent] Probable cause:');
    // A broken deployment does not block a fresh launch of the same key.
    expect(h.engine.runningKeys()).not.toContain(key);
  });

  it('keeps a deployment that crashes after being ready: error while restarting, then running again', async () => {
    const port = await freePort();
    const key = `fault/crash-after-ready:${port}`;
    const body = simLaunch(
      'fault/crash-after-ready',
      port,
      { max_failed_restarts: 1 },
      { AERIE_SIM_CRASH_AFTER_S: '1' },
    );
    expect((await h.call('POST', '/deployments/start', body)).status).toBe(200);
    await waitFor(() => h.entry(key)?.status === 'running', 30_000, 'first ready');
    await waitFor(() => h.entry(key)?.status === 'error', 30_000, 'crash');
    expect(h.logs.get(key)?.tail(2000).join('\n')).toContain('[agent] Container restarted');
    // Ever-ready deployments are not subject to the breaker, even with max_failed_restarts 1.
    await waitFor(() => h.entry(key)?.status === 'running', 30_000, 'running after the restart');
    expect(h.entry(key)?.container_id).not.toBeNull();
    h.engine.stop(key);
    await waitFor(() => h.entry(key)?.status === 'stopped', 20_000, 'stopped');
  });

  it('expires a deployment on the agent when its serve duration is reached', async () => {
    const port = await freePort();
    const key = `m/short:${port}`;
    expect(
      (
        await h.call(
          'POST',
          '/deployments/start',
          simLaunch('m/short', port, { duration_seconds: 1 }),
        )
      ).status,
    ).toBe(200);
    await waitFor(() => h.entry(key)?.status === 'running', 30_000, 'running');
    const expired = await waitForValue(
      () => (h.entry(key)?.status === 'expired' ? h.entry(key) : null),
      20_000,
      'expired',
    );
    expect(expired.desired_state).toBe('stopped');
    expect(h.logs.get(key)?.tail(2000).join('\n')).toContain(
      '[agent] Serve duration reached — stopping deployment.',
    );
    await waitFor(
      async () =>
        ((await h.call('GET', '/containers')).body as { key: string }[]).every(
          (c) => c.key !== key,
        ),
      20_000,
      'container removed',
    );
  });

  it('answers 404 for unknown keys on stop, pause, resume, pin and extend', async () => {
    for (const path of ['stop', 'pause', 'resume']) {
      expect((await h.call('POST', `/deployments/${path}`, { key: 'nope:1' })).status).toBe(404);
    }
    expect((await h.call('POST', '/deployments/pin', { key: 'nope:1', pinned: true })).status).toBe(
      404,
    );
    expect(
      (await h.call('POST', '/deployments/extend', { key: 'nope:1', expires_at: null })).status,
    ).toBe(404);
  });
});
