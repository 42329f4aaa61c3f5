import { z } from 'zod';

/**
 * Every webhook event: the reference's four deployment lifecycle events (behaviour.md §6.2) and
 * `webhook_test`, sent on request so an operator can check a receiver.
 */
export const WEBHOOK_EVENTS = [
  'deployment_running',
  'deployment_error',
  'deployment_expiring',
  'deployment_expired',
  'webhook_test',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** A delivery is `pending` until one attempt gets a 2xx (`delivered`) or the last one fails. */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** Attempts per delivery before it is marked `failed`. */
export const WEBHOOK_MAX_ATTEMPTS = 5;

/** One recorded delivery, as `GET /api/webhooks/deliveries` lists it (never the secret). */
export const WebhookDeliveryReadSchema = z
  .object({
    id: z.number().int(),
    event: z.enum(WEBHOOK_EVENTS),
    url: z.string(),
    payload: z.record(z.string(), z.unknown()).describe('The exact JSON body that is posted'),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.number().int().describe(`Attempts made so far (at most ${WEBHOOK_MAX_ATTEMPTS})`),
    last_status_code: z.number().int().nullable().describe('HTTP status of the last attempt'),
    last_error: z.string().nullable().describe('Why the last attempt failed'),
    next_attempt_at: z.string().nullable().describe('When the next attempt is due, if pending'),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDeliveryRead = z.infer<typeof WebhookDeliveryReadSchema>;

/** `GET /api/webhooks/deliveries?limit&status`. */
export const WebhookDeliveriesQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int('limit must be a whole number')
    .min(1, 'limit must be between 1 and 500')
    .max(500, 'limit must be between 1 and 500')
    .default(50)
    .describe('How many deliveries to return, newest first (1–500)'),
  status: z
    .enum(WEBHOOK_DELIVERY_STATUSES, {
      message: `status must be one of ${WEBHOOK_DELIVERY_STATUSES.join(', ')}`,
    })
    .optional()
    .describe('Only deliveries with this status'),
});
export type WebhookDeliveriesQuery = z.infer<typeof WebhookDeliveriesQuerySchema>;
