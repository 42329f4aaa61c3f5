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

/** An action a row's menu may offer (`pause_disk`: `POST /{id}/pause` with tier `disk`). */
export type RowAction =
  'stop' | 'restart' | 'pause' | 'pause_disk' | 'resume' | 'extend' | 'pin' | 'delete';

/**
 * The actions the server would accept (not refuse, not ignore) for a deployment in `status`;
 * a pinned deployment cannot be paused. Paused to RAM or to disk offer the same (resume, stop,
 * extend, pin); a RAM-paused model may also move to disk, a disk-paused one cannot go back to RAM
 * but by a resume.
 */
export function rowActions(status: DeploymentStatus, pinned: boolean): RowAction[] {
  const out: RowAction[] = [];
  // `stopping` is a no-op and stopped/expired are refused: stop only what is still live.
  if (status !== 'stopping' && status !== 'stopped' && status !== 'expired') out.push('stop');
  if (RESTARTABLE.has(status)) out.push('restart');
  if (status === 'running' && !pinned) out.push('pause');
  if ((status === 'running' || status === 'paused_ram') && !pinned) out.push('pause_disk');
  if (PAUSED.has(status)) out.push('resume');
  if (EXTENDABLE.has(status)) out.push('extend');
  out.push('pin');
  if (DELETABLE.has(status)) out.push('delete');
  return out;
}
