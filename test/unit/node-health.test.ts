import { describe, expect, it } from 'vitest';
import {
  INITIAL_HEALTH,
  cordonOf,
  nextHealth,
  type HealthObservation,
  type HealthState,
} from '../../src-main/nodes/node-health.js';

const ok: HealthObservation = {
  poll: { ok: true, runtimes: ['docker'] },
  consul: null,
  cordon: 'none',
};
const down = (error = 'ECONNREFUSED'): HealthObservation => ({ ...ok, poll: { ok: false, error } });
const run = (obs: HealthObservation[], threshold = 3, from: HealthState = INITIAL_HEALTH) =>
  obs.reduce((h, o) => nextHealth(h, o, threshold), from);

describe('node health', () => {
  it('is unknown until polled, online when the agent answers with a runtime', () => {
    expect(INITIAL_HEALTH.status).toBe('unknown');
    expect(run([ok])).toEqual({ status: 'online', reason: null, failures: 0, consulFailures: 0 });
  });

  it('keeps the previous status until failed polls reach the threshold, then goes critical', () => {
    const online = run([ok]);
    expect(run([down(), down()], 3, online)).toMatchObject({ status: 'online', failures: 2 });
    expect(run([down(), down(), down('timeout')], 3, online)).toEqual({
      status: 'critical',
      reason: '3 failed polls: timeout',
      failures: 3,
      consulFailures: 0,
    });
    expect(run([down()], 1, online).reason).toBe('1 failed poll: ECONNREFUSED');
    // One good poll resets the count (flap damping).
    expect(run([down(), down(), ok, down(), down()], 3, online)).toMatchObject({
      status: 'online',
      failures: 2,
    });
    expect(run([down(), down(), down(), ok], 3, online).status).toBe('online');
  });

  it('is degraded without a container runtime, at once', () => {
    expect(run([{ ...ok, poll: { ok: true, runtimes: [] } }])).toMatchObject({
      status: 'degraded',
      reason: 'no container runtime',
    });
  });

  it('is maintenance when every GPU is cordoned, not counting flaps meanwhile', () => {
    const m = run([down(), down(), { ...down(), cordon: 'full' }], 3, run([ok]));
    expect(m).toEqual({
      status: 'maintenance',
      reason: 'all GPUs cordoned',
      failures: 0,
      consulFailures: 0,
    });
    expect(run([{ ...ok, cordon: 'partial' }]).status).toBe('online');
  });

  it('follows a failing Consul check with the same damping', () => {
    const online = run([ok]);
    const crit = { ...ok, consul: 'critical' as const };
    expect(run([crit], 2, online).status).toBe('online');
    expect(run([crit, crit], 2, online)).toMatchObject({
      status: 'critical',
      reason: 'Consul health check critical',
    });
    expect(run([{ ...ok, consul: 'warning' }], 1, online)).toMatchObject({
      status: 'degraded',
      reason: 'Consul health check warning',
    });
    expect(run([crit, crit, { ...ok, consul: 'passing' }], 2, online).status).toBe('online');
  });

  it('tells full, partial and no cordon apart', () => {
    expect(cordonOf([], [0, 1])).toBe('none');
    expect(cordonOf([1], [0, 1])).toBe('partial');
    expect(cordonOf([0, 1], [0, 1])).toBe('full');
    expect(cordonOf([0], [])).toBe('full');
  });
});
