// The control plane's deployment lifecycle (behaviour.md §2.1, §2.12, §2.15; DESIGN.md §5): which
// API actions a status allows, and what the sync loop makes of what an agent reports. Pure; the
// routes, the service and the loops consult it, and no status is compared anywhere else.
import type { StatusEntry } from '../shared/agent-protocol/deployments.js';
import {
  ACTIVE,
  DELETABLE,
  EXTENDABLE,
  HEALTHY,
  LEASED,
  PAUSED,
  RESTARTABLE,
  ROUTABLE,
  type DeploymentStatus,
} from '../shared/deployment-status.js';
import { AppError } from '../shared/errors.js';

/** What an operator (or the API) asks of a deployment. */
export type DeploymentAction = 'stop' | 'restart' | 'pause' | 'resume' | 'extend' | 'delete';

export const DEPLOYMENT_ACTIONS = [
  'stop',
  'restart',
  'pause',
  'resume',
  'extend',
  'delete',
] as const satisfies readonly DeploymentAction[];

/** Whether `action` applies to a deployment in `status`: `ok`, `noop` (already so) or refused. */
export type ActionVerdict = { kind: 'ok' } | { kind: 'noop' } | { kind: 'refused'; detail: string };

/** The answer to `action` on a deployment `id` in `status`. */
export function actionVerdict(
  status: DeploymentStatus,
  action: DeploymentAction,
  id: number,
): ActionVerdict {
  const refused = (detail: string): ActionVerdict => ({ kind: 'refused', detail });
  switch (action) {
    case 'stop':
      if (status === 'stopping') return { kind: 'noop' };
      if (status === 'stopped' || status === 'expired')
        return refused(`Deployment ${id} is already '${status}'.`);
      return { kind: 'ok' };
    case 'restart':
      return RESTARTABLE.has(status)
        ? { kind: 'ok' }
        : refused(`Deployment is '${status}'; only stopped/expired/error can be restarted.`);
    case 'pause':
      if (status === 'running' || PAUSED.has(status)) return { kind: 'ok' };
      return refused(`Deployment is '${status}'; only a running deployment can be paused.`);
    case 'resume':
      if (status === 'running') return { kind: 'noop' };
      return PAUSED.has(status)
        ? { kind: 'ok' }
        : refused(`Deployment is '${status}'; only a paused deployment can be resumed.`);
    case 'extend':
      return EXTENDABLE.has(status)
        ? { kind: 'ok' }
        : refused(
            `Deployment is '${status}'; only a starting, loading, running or paused deployment can be extended.`,
          );
    case 'delete':
      return DELETABLE.has(status)
        ? { kind: 'ok' }
        : refused(
            `Deployment ${id} is '${status}'; stop it first (POST /api/deployments/stop/${id}), then delete it.`,
          );
  }
}

/** Throws 409 with the verdict's detail when `action` is refused; true when it is a no-op. */
export function requireAction(
  status: DeploymentStatus,
  action: DeploymentAction,
  id: number,
): boolean {
  const v = actionVerdict(status, action, id);
  if (v.kind === 'refused') throw new AppError('conflict', v.detail);
  return v.kind === 'noop';
}

/** What one deployment sync tick saw of a deployment. */
export type Observation =
  | { kind: 'reported'; entry: StatusEntry }
  | { kind: 'absent' }
  /** The node failed `deployment_failure_threshold` polls in a row; `cordoned` spares it. */
  | { kind: 'unreachable'; cordoned: boolean };

/** The status (and `last_error`, where it changes) a deployment moves to; null = unchanged. */
export interface Outcome {
  status: DeploymentStatus;
  /** undefined keeps the stored error. */
  last_error?: string | null;
}

/**
 * What the sync loop makes of an observation (behaviour.md §2.15): an agent's report wins (a
 * healthy status clears the error); a deployment the agent no longer reports is stopped, errored
 * (it was serving) or left to the start watchdog (it was launching); an unreachable node makes
 * its deployments `unreachable` unless cordoned. `expired` is terminal.
 */
export function observe(
  row: { status: DeploymentStatus; status_changed_at: string | null },
  obs: Observation,
  ctx: { now: number; startTimeoutSeconds: number; hostname: string; key: string },
): Outcome | null {
  if (row.status === 'expired') return null;
  switch (obs.kind) {
    case 'unreachable':
      return obs.cordoned || row.status === 'unreachable' ? null : { status: 'unreachable' };
    case 'reported': {
      const status = obs.entry.status;
      return { status, last_error: HEALTHY.has(status) ? null : (obs.entry.error ?? undefined) };
    }
    case 'absent':
      if (ROUTABLE.has(row.status))
        return {
          status: 'error',
          last_error: `Container for ${ctx.key} disappeared from ${ctx.hostname} without a stop request.`,
        };
      if (row.status === 'stopping' || row.status === 'unreachable') return { status: 'stopped' };
      if (ACTIVE.has(row.status)) {
        const since = row.status_changed_at ? Date.parse(row.status_changed_at) : ctx.now;
        if (ctx.now - since <= ctx.startTimeoutSeconds * 1000) return null;
        return {
          status: 'error',
          last_error: `Start timed out: ${ctx.hostname} never reported deployment ${ctx.key} within ${ctx.startTimeoutSeconds}s.`,
        };
      }
      return null;
  }
}

/** The lifecycle notification a status change calls for (webhooks, tray), if any. */
export function notificationFor(
  from: DeploymentStatus,
  to: DeploymentStatus,
): 'deployment_running' | 'deployment_error' | 'deployment_expired' | null {
  if (from === to) return null;
  if (to === 'running') return 'deployment_running';
  // The agent keeps the lease too and may stop the model before the expiry loop's next tick.
  if (to === 'expired') return 'deployment_expired';
  if ((to === 'error' || to === 'unreachable') && from !== 'error' && from !== 'unreachable')
    return 'deployment_error';
  return null;
}

/** The status of a deployment paused to `tier` (both are shown and routed alike). */
export function pausedStatus(tier: 'ram' | 'disk'): 'paused_ram' | 'paused_disk' {
  return tier === 'disk' ? 'paused_disk' : 'paused_ram';
}

/** True when the expiry loop stops a deployment in `status` whose deadline has passed. */
export const isLeased = (status: DeploymentStatus) => LEASED.has(status);
/** True when a deployment holds its node port (the port check and restart consult it). */
export const isActive = (status: DeploymentStatus) => ACTIVE.has(status);
/** True when the gateway may route to it. */
export const isRoutable = (status: DeploymentStatus) => ROUTABLE.has(status);
/** True while the sync loop keeps its pull progress and phase. */
export const isLaunching = (status: DeploymentStatus) =>
  ACTIVE.has(status) && !ROUTABLE.has(status) && status !== 'stopping';
