// Which actions a client (the console) offers for a status: the server's lifecycle rules
// (src-main/deployments/lifecycle.ts) read from the same trait sets; a unit test holds the two
// together (test/unit/console-row-actions.test.ts).
import {
  DELETABLE,
  EXTENDABLE,
  PAUSED,
  RESTARTABLE,
  type DeploymentStatus,
} from './deployment-status.js';

/** An action a row's menu may offer. */
export type RowAction = 'stop' | 'restart' | 'pause' | 'resume' | 'extend' | 'pin' | 'delete';

/**
 * The actions the server would accept (not refuse, not ignore) for a deployment in `status`;
 * a pinned deployment cannot be paused.
 */
export function rowActions(status: DeploymentStatus, pinned: boolean): RowAction[] {
  const out: RowAction[] = [];
  // `stopping` is a no-op and stopped/expired are refused: stop only what is still live.
  if (status !== 'stopping' && status !== 'stopped' && status !== 'expired') out.push('stop');
  if (RESTARTABLE.has(status)) out.push('restart');
  if (status === 'running' && !pinned) out.push('pause');
  if (PAUSED.has(status)) out.push('resume');
  if (EXTENDABLE.has(status)) out.push('extend');
  out.push('pin');
  if (DELETABLE.has(status)) out.push('delete');
  return out;
}
