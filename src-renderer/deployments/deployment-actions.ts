// The deployments table's helpers: the actions a status allows (shared with the server's
// rules), how a lease reads, and a status's colour.
import type { DeploymentStatus } from '../../src-main/shared/deployment-status.js';

export { rowActions, type RowAction } from '../../src-main/shared/deployment-actions.js';

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
