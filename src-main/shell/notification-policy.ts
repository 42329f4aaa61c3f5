// Pure on purpose (no electron import): which native notifications a fold of the fleet earns.
import type { DeploymentStatus } from '../shared/deployment-status.js';
import type { FleetChange, FleetDeployment } from './fleet-watch.js';

/** The kinds of native notification; each can be muted in the shell's preferences. */
export const NOTIFICATION_KINDS = ['expiry_warning', 'expired', 'error', 'ready'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export type MutedKinds = Readonly<Record<NotificationKind, boolean>>;

/** Labels of the kinds in the tray's "Notify me about" menu. */
export const NOTIFICATION_KIND_LABELS: Readonly<Record<NotificationKind, string>> = {
  expiry_warning: 'Expiry warnings',
  expired: 'Expired deployments',
  error: 'Deployment errors',
  ready: 'Deployments ready',
};

/** One native notification to show; a click opens the console on `deploymentId`. */
export interface NativeNotice {
  kind: NotificationKind;
  /** Identity for de-duplication: kind, deployment, and the deadline or status change. */
  key: string;
  deploymentId: number;
  title: string;
  body: string;
}

/** A launch that reaches `running` from these is "ready" (a wake or a resume is not news). */
const LAUNCHING: ReadonlySet<DeploymentStatus> = new Set(['starting', 'loading']);

const clip = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function transitionNotice(
  before: FleetDeployment | undefined,
  after: FleetDeployment,
): NativeNotice | null {
  const model = after.served_model_name;
  const id = after.id;
  if (before?.status === after.status) return null;
  switch (after.status) {
    case 'running':
      if (!before || !LAUNCHING.has(before.status)) return null;
      return {
        kind: 'ready',
        key: `ready:${id}:${after.status_changed_at ?? ''}`,
        deploymentId: id,
        title: `${model} is ready`,
        body: 'The model is serving requests through the gateway.',
      };
    case 'error':
      return {
        kind: 'error',
        key: `error:${id}:${after.status_changed_at ?? ''}`,
        deploymentId: id,
        title: `${model} failed`,
        body: clip(after.last_error ?? 'The deployment stopped with an error.'),
      };
    case 'expired':
      if (!before) return null;
      return {
        kind: 'expired',
        key: `expired:${id}:${before.expires_at ?? after.expires_at ?? ''}`,
        deploymentId: id,
        title: `${model} expired`,
        body: 'Its serve time ran out and it was stopped. Restart it from the console.',
      };
    default:
      return null;
  }
}

/**
 * The notices one fold step earns, before muting and de-duplication: an `expiry_warning` event,
 * and deployments that became ready, failed or expired. The snapshot at start earns none.
 */
export function noticesFor(change: FleetChange): NativeNotice[] {
  const { event } = change;
  if (event === null) return [];
  if (event.type === 'expiry_warning') {
    const minutes = Math.max(0, Math.round(event.minutes_left));
    return [
      {
        kind: 'expiry_warning',
        key: `expiry_warning:${event.deployment_id}:${event.expires_at}`,
        deploymentId: event.deployment_id,
        title: `${event.model} expires in ${minutes} min`,
        body: 'Extend it from the tray menu or the console, or it will be stopped.',
      },
    ];
  }
  if (event.type !== 'deployments_changed') return [];
  return event.ids.flatMap((id) => {
    const after = change.after.deployments.get(id);
    if (!after) return [];
    const n = transitionNotice(change.before.deployments.get(id), after);
    return n ? [n] : [];
  });
}

const MEMORY = 2000;

/**
 * De-duplicates and mutes: a key is shown once (the server re-sends a warning after a restart;
 * a status row is re-sent with every change), muted kinds are dropped. Remembers the last 2000 keys.
 */
export class NotificationPolicy {
  private readonly seen = new Set<string>();

  constructor(private readonly muted: () => MutedKinds) {}

  decide(change: FleetChange): NativeNotice[] {
    const out: NativeNotice[] = [];
    for (const n of noticesFor(change)) {
      if (this.seen.has(n.key)) continue;
      this.seen.add(n.key);
      if (this.seen.size > MEMORY) this.seen.delete(this.seen.values().next().value ?? '');
      if (!this.muted()[n.kind]) out.push(n);
    }
    return out;
  }
}
