import { describe, expect, it } from 'vitest';
import {
  DEPLOYMENT_ACTIONS,
  actionVerdict,
  notificationFor,
  observe,
  pausedStatus,
  type DeploymentAction,
} from '../../src-main/deployments/lifecycle.js';
import type { StatusEntry } from '../../src-main/shared/agent-protocol/deployments.js';
import {
  DEPLOYMENT_STATUSES,
  type DeploymentStatus,
} from '../../src-main/shared/deployment-status.js';

// Written out independently of the implementation: for each action, the statuses it applies
// to ('ok'), those where it is a no-op, and (by omission) those it refuses with 409.
const OK: Record<DeploymentAction, DeploymentStatus[]> = {
  stop: [
    'starting',
    'loading',
    'running',
    'offloading',
    'paused_ram',
    'paused_disk',
    'waking',
    'error',
    'unreachable',
  ],
  restart: ['stopped', 'expired', 'error'],
  pause: ['running', 'paused_ram', 'paused_disk'],
  resume: ['paused_ram', 'paused_disk'],
  extend: ['starting', 'loading', 'running', 'offloading', 'paused_ram', 'paused_disk', 'waking'],
  delete: ['stopped', 'expired', 'error', 'unreachable'],
};
const NOOP: Record<DeploymentAction, DeploymentStatus[]> = {
  stop: ['stopping'],
  restart: [],
  pause: [],
  resume: ['running'],
  extend: [],
  delete: [],
};

describe('deployment actions by status', () => {
  const cases = DEPLOYMENT_STATUSES.flatMap((s) => DEPLOYMENT_ACTIONS.map((a) => [s, a] as const));
  it('covers every status × action', () => {
    expect(cases).toHaveLength(DEPLOYMENT_STATUSES.length * DEPLOYMENT_ACTIONS.length);
  });
  it.each(cases)('%s: %s', (status, action) => {
    const v = actionVerdict(status, action, 7);
    const expected = OK[action].includes(status)
      ? 'ok'
      : NOOP[action].includes(status)
        ? 'noop'
        : 'refused';
    expect(v.kind).toBe(expected);
    if (v.kind === 'refused') expect(v.detail.length).toBeGreaterThan(10);
  });
  it('says how to proceed when it refuses', () => {
    expect(actionVerdict('running', 'delete', 7)).toEqual({
      kind: 'refused',
      detail:
        "Deployment 7 is 'running'; stop it first (POST /api/deployments/stop/7), then delete it.",
    });
    expect(actionVerdict('running', 'restart', 7)).toEqual({
      kind: 'refused',
      detail: "Deployment is 'running'; only stopped/expired/error can be restarted.",
    });
  });
});

const entry = (status: StatusEntry['status'], error: string | null = null) =>
  ({ status, error }) as StatusEntry;
const ctx = {
  now: Date.parse('2026-01-01T01:00:00Z'),
  startTimeoutSeconds: 1800,
  hostname: 'gpu-a',
  key: 'm:8001',
};

describe('paused statuses', () => {
  it('names the status of each pause tier', () => {
    expect(pausedStatus('ram')).toBe('paused_ram');
    expect(pausedStatus('disk')).toBe('paused_disk');
  });
});

describe('what the sync loop makes of an observation', () => {
  it('takes the agent status; a healthy one clears the error', () => {
    expect(
      observe(
        { status: 'loading', status_changed_at: null },
        { kind: 'reported', entry: entry('running') },
        ctx,
      ),
    ).toEqual({
      status: 'running',
      last_error: null,
    });
    expect(
      observe(
        { status: 'running', status_changed_at: null },
        { kind: 'reported', entry: entry('error', 'GPU OOM') },
        ctx,
      ),
    ).toEqual({
      status: 'error',
      last_error: 'GPU OOM',
    });
  });

  it('never leaves expired', () => {
    for (const obs of [
      { kind: 'reported', entry: entry('running') },
      { kind: 'absent' },
      { kind: 'unreachable', cordoned: false },
    ] as const)
      expect(observe({ status: 'expired', status_changed_at: null }, obs, ctx)).toBeNull();
  });

  it('errors a serving deployment that vanished, stops a stopping one', () => {
    for (const s of ['running', 'paused_ram', 'paused_disk', 'waking'] as const)
      expect(observe({ status: s, status_changed_at: null }, { kind: 'absent' }, ctx)).toEqual({
        status: 'error',
        last_error: 'Container for m:8001 disappeared from gpu-a without a stop request.',
      });
    expect(
      observe({ status: 'stopping', status_changed_at: null }, { kind: 'absent' }, ctx),
    ).toEqual({ status: 'stopped' });
    expect(
      observe({ status: 'error', status_changed_at: null }, { kind: 'absent' }, ctx),
    ).toBeNull();
  });

  it('times out a launch the agent never reported, after start_timeout_seconds', () => {
    const young = { status: 'starting' as const, status_changed_at: '2026-01-01T00:45:00Z' };
    expect(observe(young, { kind: 'absent' }, ctx)).toBeNull();
    const old = { status: 'loading' as const, status_changed_at: '2026-01-01T00:29:59Z' };
    expect(observe(old, { kind: 'absent' }, ctx)).toEqual({
      status: 'error',
      last_error: 'Start timed out: gpu-a never reported deployment m:8001 within 1800s.',
    });
  });

  it('marks deployments of an unreachable node, unless cordoned', () => {
    expect(
      observe(
        { status: 'running', status_changed_at: null },
        { kind: 'unreachable', cordoned: false },
        ctx,
      ),
    ).toEqual({ status: 'unreachable' });
    expect(
      observe(
        { status: 'running', status_changed_at: null },
        { kind: 'unreachable', cordoned: true },
        ctx,
      ),
    ).toBeNull();
    expect(
      observe({ status: 'unreachable', status_changed_at: null }, { kind: 'absent' }, ctx),
    ).toEqual({ status: 'stopped' });
  });

  it('notifies on becoming running, and on an error from a healthy state', () => {
    expect(notificationFor('loading', 'running')).toBe('deployment_running');
    expect(notificationFor('running', 'error')).toBe('deployment_error');
    expect(notificationFor('running', 'unreachable')).toBe('deployment_error');
    expect(notificationFor('error', 'unreachable')).toBeNull();
    expect(notificationFor('running', 'running')).toBeNull();
    expect(notificationFor('running', 'stopped')).toBeNull();
    expect(notificationFor('running', 'expired')).toBe('deployment_expired');
    expect(notificationFor('expired', 'expired')).toBeNull();
  });
});
