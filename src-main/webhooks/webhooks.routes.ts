import { z } from 'zod';
import { route, type RouteDef } from '../shared/node/route.js';
import { WebhookDeliveriesQuerySchema, WebhookDeliveryReadSchema } from '../shared/webhooks.js';
import type { WebhookService } from './webhook.service.js';

export function webhooksRoutes(webhooks: WebhookService): RouteDef[] {
  return [
    route(
      {
        method: 'get',
        path: '/api/webhooks/deliveries',
        tag: 'Webhooks',
        summary: 'List recorded webhook deliveries, newest first.',
        description:
          'Every notification sent to `webhook_url` is one delivery: `pending` while attempts remain (up to 5, with exponential backoff), then `delivered` or `failed`. Finished deliveries are kept 7 days (at most 1000).',
        query: WebhookDeliveriesQuerySchema,
        response: z.array(WebhookDeliveryReadSchema),
      },
      ({ query }) => webhooks.list(query),
    ),
    route(
      {
        method: 'post',
        path: '/api/webhooks/test',
        tag: 'Webhooks',
        summary: 'Send a `webhook_test` notification to the current webhook_url.',
        description:
          'Answers at once with the pending delivery; poll `GET /api/webhooks/deliveries` for its outcome.',
        status: 202,
        response: WebhookDeliveryReadSchema,
        errors: [400],
      },
      () => webhooks.sendTest(),
    ),
  ];
}
