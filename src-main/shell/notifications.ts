import { Notification } from 'electron';
import type { EventBus } from '../events/event-bus.js';

/** Shows a native notification when the platform supports them; silently does nothing otherwise. */
export function notify(title: string, body: string, onClick?: () => void): void {
  if (!Notification.isSupported()) return;
  const n = new Notification({ title, body, silent: false });
  if (onClick) n.on('click', onClick);
  n.show();
}

/** Native notifications for the events an operator must not miss; returns the unsubscribe. */
export function installNotifications(events: EventBus, openConsole: () => void): () => void {
  return events.on('expiry_warning', (e) => {
    const minutes = Math.max(0, Math.round(e.minutes_left));
    notify(
      'Deployment expiring soon',
      `${e.model} stops in ${minutes} min unless extended.`,
      openConsole,
    );
  });
}
