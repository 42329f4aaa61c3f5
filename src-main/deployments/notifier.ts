import type { WebhookNotification } from '../webhooks/webhook-notifications.js';

/** A lifecycle event worth telling operators about (webhooks; behaviour.md §6.2). */
export type LifecycleNotice = WebhookNotification;

/** Where lifecycle notices go; it must return at once (a slow receiver never delays a loop). */
export type Notifier = (notice: LifecycleNotice) => void;
