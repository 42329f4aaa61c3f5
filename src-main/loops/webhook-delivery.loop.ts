import { createLogger } from '../logging/logger.js';
import type { Clock } from '../shared/clock.js';
import { SyncLoop } from '../shared/node/sync-loop.js';
import type { WebhookService } from '../webhooks/webhook.service.js';

/**
 * Seconds between delivery ticks when nothing wakes the loop sooner: a new notification, a
 * finished attempt and the next retry's due time all trigger a tick at once.
 */
export const WEBHOOK_POLL_SECONDS = 30;

/** The webhook delivery loop: each tick starts the due deliveries and returns at once. */
export function createWebhookDeliveryLoop(webhooks: WebhookService, clock: Clock): SyncLoop {
  return new SyncLoop({
    name: 'webhook-delivery',
    logger: createLogger('loops'),
    clock,
    intervalSeconds: () => WEBHOOK_POLL_SECONDS,
    tick: () => webhooks.deliverDue(),
  });
}
