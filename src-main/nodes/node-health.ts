// Node health from what one sync tick observed (behaviour.md §4.2, DESIGN.md §12.3): pure, so
// the flap damping and the reasons are unit-tested without agents.
import type { NodeStatus } from '../shared/nodes.js';

/** A node's health as the sync loop carries it from tick to tick. */
export interface HealthState {
  status: NodeStatus;
  /** Why the node is not simply online; null when it is. */
  reason: string | null;
  /** Consecutive failed polls of the agent. */
  failures: number;
  /** Consecutive ticks with a failing Consul check. */
  consulFailures: number;
}

/** What one tick saw of a node. */
export interface HealthObservation {
  poll: { ok: true; runtimes: readonly string[] } | { ok: false; error: string };
  /** The Consul check of the node's service; null without Consul (or not catalogued). */
  consul: 'passing' | 'warning' | 'critical' | null;
  /** How much of the node is cordoned. */
  cordon: 'none' | 'partial' | 'full';
}

export const INITIAL_HEALTH: HealthState = {
  status: 'unknown',
  reason: null,
  failures: 0,
  consulFailures: 0,
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The next health of a node. A full cordon is `maintenance` (flaps not counted). Failed polls and
 * failing Consul checks only count once they reach `threshold` in a row (until then the previous
 * status stands); a reachable node without a container runtime is `degraded` at once.
 */
export function nextHealth(
  prev: HealthState,
  obs: HealthObservation,
  threshold: number,
): HealthState {
  if (obs.cordon === 'full')
    return { status: 'maintenance', reason: 'all GPUs cordoned', failures: 0, consulFailures: 0 };
  const failures = obs.poll.ok ? 0 : prev.failures + 1;
  const consulFailures =
    obs.consul === 'warning' || obs.consul === 'critical' ? prev.consulFailures + 1 : 0;
  if (!obs.poll.ok) {
    if (failures < threshold) return { ...prev, failures, consulFailures };
    return {
      status: 'critical',
      reason: `${plural(failures, 'failed poll')}: ${obs.poll.error}`,
      failures,
      consulFailures,
    };
  }
  const next = (status: NodeStatus, reason: string | null): HealthState => ({
    status,
    reason,
    failures,
    consulFailures,
  });
  if (consulFailures >= threshold && obs.consul === 'critical')
    return next('critical', 'Consul health check critical');
  if (consulFailures >= threshold && obs.consul === 'warning')
    return next('degraded', 'Consul health check warning');
  if (obs.poll.runtimes.length === 0) return next('degraded', 'no container runtime');
  return next('online', null);
}

/** How much of a node is cordoned: every GPU (or any cordon on a node reporting no GPU), some, none. */
export function cordonOf(
  maintenanceGpus: readonly number[],
  gpuIndexes: readonly number[],
): HealthObservation['cordon'] {
  if (maintenanceGpus.length === 0) return 'none';
  if (gpuIndexes.length === 0) return 'full';
  return gpuIndexes.every((g) => maintenanceGpus.includes(g)) ? 'full' : 'partial';
}
