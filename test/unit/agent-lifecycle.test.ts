import { describe, expect, it } from 'vitest';
import {
  AGENT_EVENTS,
  nextStatus,
  type AgentEvent,
} from '../../src-main/shared/agent-lifecycle.js';
import {
  AGENT_STATUSES,
  DEPLOYMENT_STATUSES,
  FINISHED,
  HOLDS_GPU,
  PAUSED,
  QUIET,
  RESERVES_VRAM,
  isAgentStatus,
  type AgentStatus,
} from '../../src-main/shared/deployment-status.js';

// The expected machine, written out independently of the implementation: for each event, the
// statuses it applies to and where it leads. Every other status × event pair must be refused.
const EXPECTED: Record<AgentEvent, [AgentStatus[], AgentStatus]> = {
  container_started: [['starting'], 'loading'],
  ready: [['loading', 'error'], 'running'],
  failed: [
    ['loading', 'running', 'offloading', 'paused_ram', 'paused_disk', 'waking', 'error'],
    'error',
  ],
  pause: [['running'], 'offloading'],
  paused: [['offloading'], 'paused_ram'],
  paused_disk: [['offloading'], 'paused_disk'],
  pause_failed: [['offloading'], 'running'],
  demote: [['paused_ram'], 'offloading'],
  demote_failed: [['offloading'], 'paused_ram'],
  wake: [['paused_ram', 'paused_disk'], 'waking'],
  woke: [['waking'], 'running'],
  wake_failed: [['waking'], 'paused_ram'],
  wake_failed_disk: [['waking'], 'paused_disk'],
  stop: [
    [
      'starting',
      'loading',
      'running',
      'offloading',
      'paused_ram',
      'paused_disk',
      'waking',
      'error',
    ],
    'stopping',
  ],
  stopped: [['stopping'], 'stopped'],
  stop_failed: [['stopping'], 'error'],
  expire: [
    ['loading', 'running', 'offloading', 'paused_ram', 'paused_disk', 'waking', 'error'],
    'expired',
  ],
};

describe('the agent state machine', () => {
  const cases = AGENT_STATUSES.flatMap((s) => AGENT_EVENTS.map((e) => [s, e] as const));

  it('covers every status × event pair', () => {
    expect(cases).toHaveLength(AGENT_STATUSES.length * AGENT_EVENTS.length);
    expect(Object.keys(EXPECTED).sort()).toEqual([...AGENT_EVENTS].sort());
  });

  it.each(cases)('from %s on %s', (status, event) => {
    const [from, to] = EXPECTED[event];
    expect(nextStatus(status, event)).toBe(from.includes(status) ? to : null);
  });

  it('never leaves a finished deployment and never stops a stopping one twice', () => {
    for (const s of AGENT_STATUSES.filter((x) => FINISHED.has(x)))
      for (const e of AGENT_EVENTS) expect(nextStatus(s, e)).toBeNull();
    expect(nextStatus('stopping', 'stop')).toBeNull();
    // A stop requested while the launch is still in flight wins: the launch cannot complete.
    expect(nextStatus(nextStatus('starting', 'stop')!, 'container_started')).toBeNull();
  });
});

describe('the status vocabulary', () => {
  it('derives every set from one table', () => {
    expect(DEPLOYMENT_STATUSES).toEqual([...AGENT_STATUSES, 'unreachable']);
    expect([...FINISHED].sort()).toEqual(['expired', 'stopped']);
    expect([...QUIET].sort()).toEqual(['offloading', 'paused_disk', 'paused_ram', 'waking']);
    expect([...RESERVES_VRAM].sort()).toEqual(['loading', 'running', 'starting', 'waking']);
    expect([...PAUSED]).toEqual(['paused_ram', 'paused_disk']);
    expect([...HOLDS_GPU].sort()).toEqual([
      'error',
      'loading',
      'offloading',
      'paused_disk',
      'paused_ram',
      'running',
      'starting',
      'stopping',
      'waking',
    ]);
    expect(isAgentStatus('running')).toBe(true);
    expect(isAgentStatus('unreachable')).toBe(false);
    expect(isAgentStatus('bogus')).toBe(false);
  });
});
