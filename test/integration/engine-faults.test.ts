// The engine's failure handling on real simulator processes, with the engine on a manual clock:
// the processes crash and restart in real time, but the monitor that counts the restarts, trips
// the crash-loop breaker and expires leases ticks only when the test advances the clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  simLaunch,
  startEngineHarness,
  TEST_TIMINGS,
  type EngineHarness,
} from '../helpers/engine-harness.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { waitFor } from '../helpers/wait.js';

const MONITOR_MS = TEST_TIMINGS.monitorMs ?? 0;
let h: EngineHarness;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock();
  h = await startEngineHarness({ clock });
});
afterAll(async () => {
  await h.destroy();
});

const entryWith = (
  key: string,
  ok: (e: NonNullable<ReturnType<EngineHarness['entry']>>) => boolean,
) => {
  const e = h.entry(key);
  return e && ok(e) ? e : null;
};

/** Waits (real time, no ticks) until every monitor tick in flight is done and re-armed. */
const ticksSettled = () => waitFor(() => clock.pending > 0, 10_000, 'the monitor to re-arm');

describe('deployment engine failure handling', () => {
  it('trips the crash-loop breaker on the first tick that sees the 3rd failed start, with gpu_oom', async () => {
    const port = await freePort();
    const key = `fault/gpu-oom:${port}`;
    expect(
      (await h.call('POST', '/deployments/start', simLaunch('fault/gpu-oom', port))).status,
    ).toBe(200);
    const first = await h.tickUntil(
      () => entryWith(key, (e) => e.status === 'error'),
      'first error',
    );
    expect(first.error_code).toBe('gpu_oom');
    const id = first.container_id ?? '';
    expect(id).not.toBe('');

    // The clock is held: the runtime keeps restarting the server, the engine concludes nothing.
    await waitFor(
      async () => ((await h.runtime.inspect(id))?.restartCount ?? 0) >= 3,
      60_000,
      'the runtime to restart the server three times',
    );
    expect(h.entry(key)).toMatchObject({ status: 'error', container_id: id });
    expect(h.entry(key)?.error).not.toContain('Stopped after');

    // One tick sees the count (the 4th start is over a second of crash and backoff away).
    const final = await h.tickUntil(
      // The status is set first; the entry drops its container id once the removal is done.
      () => entryWith(key, (e) => !!e.error?.includes('Stopped after') && e.container_id === null),
      'breaker and removal',
    );
    expect(final.status).toBe('error');
    expect(final.error_code).toBe('gpu_oom');
    expect(final.error).toMatch(/\(Stopped after 3 failed starts without becoming ready\.\)$/);
    expect(await h.runtime.inspect(id)).toBeNull();
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
    await h.tickUntil(() => h.entry(key)?.status === 'running', 'first ready');
    const crashed = await h.tickUntil(() => entryWith(key, (e) => e.status === 'error'), 'crash');
    // The simulator's engine crash exits 1, which no failure rule classifies: the code is the cause.
    expect(crashed).toMatchObject({ exit_code: 1, error_code: null });
    expect(crashed.error).toBe('vLLM exited with code 1; see the deployment log for details.');
    expect(h.logs.get(key)?.tail(2000).join('\n')).toContain(
      '[agent] Container restarted (exit code 1); the runtime is retrying.',
    );
    // Ever-ready deployments are not subject to the breaker, even with max_failed_restarts 1.
    await h.tickUntil(() => h.entry(key)?.status === 'running', 'running after the restart');
    expect(h.entry(key)?.container_id).not.toBeNull();
    h.engine.stop(key);
    await waitFor(() => h.entry(key)?.status === 'stopped', 20_000, 'stopped');
  });

  it('expires a deployment on the first tick at its serve deadline, counted from readiness on the engine clock', async () => {
    const port = await freePort();
    const key = `m/short:${port}`;
    const launched = (
      await h.call(
        'POST',
        '/deployments/start',
        simLaunch('m/short', port, { duration_seconds: 60 }),
      )
    ).status;
    expect(launched).toBe(200);
    const running = await h.tickUntil(
      () => entryWith(key, (e) => e.status === 'running'),
      'running',
    );
    // The lease starts at the tick that saw the server ready (the clock has not moved since).
    const deadline = Date.parse(running.expires_at ?? '');
    expect(deadline).toBe(clock.now() + 60_000);

    // A minute less one monitor period passes: every tick in it still finds the lease valid.
    await clock.advance(60_000 - MONITOR_MS);
    await ticksSettled();
    expect(h.entry(key)?.status).toBe('running');

    const expired = await h.tickUntil(
      () => entryWith(key, (e) => e.status === 'expired'),
      'expired',
    );
    expect(clock.now()).toBe(deadline);
    expect(expired).toMatchObject({
      desired_state: 'stopped',
      stop_reason: 'Serve duration reached.',
    });
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
