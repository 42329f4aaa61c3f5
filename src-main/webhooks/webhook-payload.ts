// Pure rules of a webhook delivery: the body for a URL, its signature, and the retry schedule.
import { createHmac } from 'node:crypto';
import { WEBHOOK_MAX_ATTEMPTS } from '../shared/webhooks.js';
import type { WebhookNotification } from './webhook-notifications.js';

/** The signature header: `sha256=<hex HMAC-SHA256 of the exact body, keyed with the secret>`. */
export const SIGNATURE_HEADER = 'x-aerie-signature';

/** Slack incoming webhooks take `{"text"}` only; any URL containing this is treated as Slack. */
export function isSlackUrl(url: string): boolean {
  return url.includes('hooks.slack.com');
}

/**
 * The JSON body posted for `n` to `url`: `{"text": "[aerie] <message> — reason: <error>"}` for
 * Slack (the reason only when `error` is non-empty), `{"event", "message", ...fields}` otherwise.
 */
export function webhookBody(url: string, n: WebhookNotification): string {
  if (isSlackUrl(url)) {
    const error = 'error' in n.fields ? n.fields.error : null;
    const reason =
      error === null || error === undefined || error === '' ? '' : ` — reason: ${String(error)}`;
    return JSON.stringify({ text: `[aerie] ${n.message}${reason}` });
  }
  return JSON.stringify({ event: n.event, message: n.message, ...n.fields });
}

/** The `X-Aerie-Signature` value for `body` (the exact bytes sent) under `secret`. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** First retry delay in production: retries come 15 s, 1 min, 4 min and 16 min after a failure. */
export const DEFAULT_RETRY_BASE_MS = 15_000;
const RETRY_FACTOR = 4;

/**
 * How long to wait after the `attempts`-th failed attempt before the next one: `baseMs × 4^(n−1)`;
 * null once `WEBHOOK_MAX_ATTEMPTS` attempts have been made (the delivery has failed).
 */
export function retryDelayMs(attempts: number, baseMs: number): number | null {
  if (attempts >= WEBHOOK_MAX_ATTEMPTS) return null;
  return baseMs * RETRY_FACTOR ** Math.max(0, attempts - 1);
}
