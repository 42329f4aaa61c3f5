import { Notification } from 'electron';
import type { FleetWatch } from './fleet-watch.js';
import { NotificationPolicy, type MutedKinds } from './notification-policy.js';

/** Shows a native notification when the platform supports them; silently does nothing otherwise. */
export function notify(title: string, body: string, onClick?: () => void): void {
  if (!Notification.isSupported()) return;
  const n = new Notification({ title, body, silent: false });
  if (onClick) n.on('click', onClick);
  n.show();
}

/**
 * Native notifications for what the policy picks from each fold of the fleet (expiry warnings,
 * expired, error, ready); a click opens the console on that deployment. Returns the unsubscribe.
 */
export function installNotifications(
  watch: FleetWatch,
  muted: () => MutedKinds,
  openDeployment: (id: number) => void,
): () => void {
  const policy = new NotificationPolicy(muted);
  return watch.onChange((change) => {
    for (const n of policy.decide(change))
      notify(n.title, n.body, () => openDeployment(n.deploymentId));
  });
}
