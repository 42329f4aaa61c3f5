// Which actions the console offers for a status: the server's lifecycle rules
// (src-main/deployments/lifecycle.ts), read from the same trait sets so the two cannot drift.
import {
  DELETABLE,
  EXTENDABLE,
  PAUSED,
  RESTARTABLE,
  type DeploymentStatus,
} from '../../src-main/shared/deployment-status.js';

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

/** Time left on a lease, as an operator reads it: `2 h 05 m`, `45 m`, `∞`, `expired`. */
export function remainingText(expiresAt: string | null, now: number): string {
  if (expiresAt === null) return '∞';
  const ms = Date.parse(expiresAt) - now;
  if (!Number.isFinite(ms)) return '—';
  if (ms <= 0) return 'expired';
  const minutes = Math.floor(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h >= 48) return `${Math.floor(h / 24)} d ${h % 24} h`;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} m` : `${m} m`;
}

/** Badge colour of a status. */
export function statusColor(status: DeploymentStatus): string {
  switch (status) {
    case 'running':
      return 'teal';
    case 'starting':
    case 'loading':
    case 'waking':
      return 'blue';
    case 'paused_ram':
    case 'paused_disk':
    case 'offloading':
      return 'violet';
    case 'stopping':
    case 'stopped':
      return 'gray';
    case 'expired':
      return 'dark';
    case 'error':
      return 'red';
    case 'unreachable':
      return 'orange';
  }
}
