import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { createLogger } from '../logging/logger.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { Clock } from '../shared/clock.js';
import { badRequest } from '../shared/errors.js';
import { AERIE_VERSION } from '../shared/version.js';
import {
  WEBHOOK_MAX_ATTEMPTS,
  type WebhookDeliveriesQuery,
  type WebhookDeliveryRead,
  type WebhookEvent,
} from '../shared/webhooks.js';
import {
  webhookTest,
  type WebhookNotification,
  type WebhookNotifier,
} from './webhook-notifications.js';
import {
  DEFAULT_RETRY_BASE_MS,
  SIGNATURE_HEADER,
  retryDelayMs,
  signBody,
  webhookBody,
} from './webhook-payload.js';
import { WebhookSender } from './webhook-sender.js';
import * as repo from './webhook.repository.js';

const log = createLogger('webhooks');

/** Finished deliveries are kept 7 days, and at most the newest 1000 of them. */
export const DELIVERY_RETENTION_MS = 7 * 24 * 3_600_000;
export const DELIVERY_RETENTION_ROWS = 1000;
const PRUNE_EVERY_MS = 3_600_000;

export interface WebhookServiceOptions {
  db: Kysely<Database>;
  settings: SettingsService;
  clock: Clock;
  /** Asks the delivery loop for a tick (bootstrap passes the loop's `trigger`). */
  wake: () => void;
  /** First retry delay, ms; later ones grow ×4 (default 15 s). */
  retryBaseMs?: number;
  /** Budget of one attempt, ms (default 10 s). */
  timeoutMs?: number;
  /** Deliveries in flight at once (default 4). */
  concurrency?: number;
}

const present = (r: repo.DeliveryRow): WebhookDeliveryRead => ({
  id: r.id,
  event: r.event as WebhookEvent,
  url: r.url,
  payload: JSON.parse(r.payload) as Record<string, unknown>,
  status: r.status as WebhookDeliveryRead['status'],
  attempts: r.attempts,
  last_status_code: r.last_status_code,
  last_error: r.last_error,
  next_attempt_at: r.next_attempt_at,
  created_at: r.created_at,
  delivered_at: r.delivered_at,
});

/**
 * Webhook notifications: `notify` records a pending delivery and wakes the delivery loop; the
 * loop's tick starts due deliveries (bounded concurrency) without waiting for any receiver; each
 * attempt updates its row, and a failed one is retried with exponential backoff up to
 * `WEBHOOK_MAX_ATTEMPTS` times. Pending deliveries are rows, so they survive a restart.
 */
export class WebhookService implements WebhookNotifier {
  private readonly sender: WebhookSender;
  private readonly retryBaseMs: number;
  private readonly concurrency: number;
  private readonly inFlight = new Map<number, AbortController>();
  private readonly work = new Set<Promise<void>>();
  private queued: repo.NewDelivery[] = [];
  private wakeTimer: unknown = null;
  private wakeAt: string | null = null;
  private lastPrunedAt = -Infinity;
  private closed = false;

  constructor(private readonly opts: WebhookServiceOptions) {
    this.sender = new WebhookSender(opts.clock, opts.timeoutMs ?? 10_000);
    this.retryBaseMs = opts.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
    this.concurrency = opts.concurrency ?? 4;
  }

  /**
   * Queues `n` for the current `webhook_url` (a no-op when it is empty) and returns at once: it
   * never waits for a receiver and never throws. Notifications made in one go (a loop tick) are
   * stored together, a moment later; a store failure is logged.
   */
  notify(n: WebhookNotification): void {
    const url = this.opts.settings.get().webhook_url;
    if (url === '' || this.closed) return;
    if (this.queued.push(this.newDelivery(url, n)) > 1) return;
    this.track(
      Promise.resolve().then(async () => {
        const rows = this.queued;
        this.queued = [];
        try {
          // In chunks that stay far below SQLite's limit on bound variables.
          for (let i = 0; i < rows.length; i += 500)
            await repo.insertDeliveries(this.opts.db, rows.slice(i, i + 500));
          this.opts.wake();
        } catch (err) {
          log.error('webhook notifications not recorded', {
            events: rows.map((r) => r.event),
            err,
          });
        }
      }),
    );
  }

  /** Records a `webhook_test` delivery to the current URL; 400 when no URL is set. */
  async sendTest(): Promise<WebhookDeliveryRead> {
    const url = this.opts.settings.get().webhook_url;
    if (url === '')
      throw badRequest('No webhook URL is set; set webhook_url in the settings first.');
    const rows = await repo.insertDeliveries(this.opts.db, [this.newDelivery(url, webhookTest())]);
    this.opts.wake();
    return present(rows[0] as repo.DeliveryRow);
  }

  /** Recorded deliveries, newest first. */
  async list(q: WebhookDeliveriesQuery): Promise<WebhookDeliveryRead[]> {
    return (await repo.listDeliveries(this.opts.db, q)).map(present);
  }

  /**
   * One tick of the delivery loop: starts the due deliveries that fit in the concurrency limit
   * and returns without waiting for them; arms a timer for the next retry; prunes hourly.
   */
  async deliverDue(): Promise<void> {
    if (this.closed) return;
    const now = this.opts.clock.now();
    if (now - this.lastPrunedAt >= PRUNE_EVERY_MS) {
      this.lastPrunedAt = now;
      const pruned = await this.prune();
      if (pruned > 0) log.info('pruned webhook deliveries', { rows: pruned });
    }
    const free = this.concurrency - this.inFlight.size;
    if (free > 0) {
      const due = await repo.dueDeliveries(this.opts.db, new Date(now).toISOString(), free, [
        ...this.inFlight.keys(),
      ]);
      for (const row of due) this.start(row);
    }
    this.armWakeTimer(await repo.nextDueAt(this.opts.db, [...this.inFlight.keys()]));
  }

  /** Deletes finished deliveries past the retention; returns how many went. */
  async prune(): Promise<number> {
    const cutoff = new Date(this.opts.clock.now() - DELIVERY_RETENTION_MS).toISOString();
    return repo.pruneDeliveries(this.opts.db, cutoff, DELIVERY_RETENTION_ROWS);
  }

  /**
   * Stops delivering: aborts attempts in flight (their rows stay pending, unchanged, and go out
   * after the next start) and waits until nothing more will touch the database.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.wakeTimer !== null) this.opts.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    for (const ctl of this.inFlight.values()) ctl.abort();
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
    await this.sender.close();
  }

  private newDelivery(url: string, n: WebhookNotification): repo.NewDelivery {
    const at = new Date(this.opts.clock.now()).toISOString();
    return {
      event: n.event,
      url,
      payload: webhookBody(url, n),
      status: 'pending',
      attempts: 0,
      next_attempt_at: at,
      created_at: at,
    };
  }

  private track(p: Promise<void>): void {
    this.work.add(p);
    void p.finally(() => this.work.delete(p));
  }

  private start(row: repo.DeliveryRow): void {
    if (this.closed) return;
    const ctl = new AbortController();
    this.inFlight.set(row.id, ctl);
    this.track(
      this.attempt(row, ctl.signal)
        .catch((err: unknown) => log.error('webhook attempt not recorded', { id: row.id, err }))
        .finally(() => {
          this.inFlight.delete(row.id);
          if (!this.closed) this.opts.wake();
        }),
    );
  }

  private async attempt(row: repo.DeliveryRow, stop: AbortSignal): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `aerie/${AERIE_VERSION}`,
      'x-aerie-event': row.event,
      'x-aerie-delivery': String(row.id),
    };
    // Signed with the secret of the moment, so a rotated secret applies to retries too.
    const secret = this.opts.settings.secret('webhook_secret');
    if (secret !== '') headers[SIGNATURE_HEADER] = signBody(row.payload, secret);
    const result = await this.sender.post(row.url, row.payload, headers, stop);
    if (result.outcome === 'aborted') return;
    const attempts = row.attempts + 1;
    const now = this.opts.clock.now();
    const at = new Date(now).toISOString();
    const where = { id: row.id, event: row.event, host: hostOf(row.url), attempt: attempts };
    if (result.outcome === 'delivered') {
      await repo.updateDelivery(this.opts.db, row.id, {
        status: 'delivered',
        attempts,
        last_status_code: result.statusCode,
        last_error: null,
        next_attempt_at: null,
        delivered_at: at,
      });
      log.debug('webhook delivered', { ...where, status: result.statusCode });
      return;
    }
    const delay = retryDelayMs(attempts, this.retryBaseMs);
    await repo.updateDelivery(this.opts.db, row.id, {
      status: delay === null ? 'failed' : 'pending',
      attempts,
      last_status_code: result.statusCode,
      last_error: result.error,
      next_attempt_at: delay === null ? null : new Date(now + delay).toISOString(),
    });
    if (delay === null)
      log.warn(`webhook delivery failed after ${WEBHOOK_MAX_ATTEMPTS} attempts`, {
        ...where,
        error: result.error,
      });
    else
      log.info('webhook attempt failed; will retry', {
        ...where,
        error: result.error,
        delay_ms: delay,
      });
  }

  /** Wakes the loop when the next pending delivery is due (the loop's own interval is a fallback). */
  private armWakeTimer(next: string | null): void {
    if (next === this.wakeAt && this.wakeTimer !== null) return;
    if (this.wakeTimer !== null) this.opts.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    this.wakeAt = next;
    if (next === null || this.closed) return;
    const ms = Date.parse(next) - this.opts.clock.now();
    if (ms <= 0) {
      // Came due during this tick; with no slot free, the attempt in flight wakes the loop.
      if (this.inFlight.size < this.concurrency) this.opts.wake();
      return;
    }
    this.wakeTimer = this.opts.clock.setTimeout(() => {
      this.wakeTimer = null;
      this.wakeAt = null;
      this.opts.wake();
    }, ms);
  }
}

/** Where a delivery goes, for the log: the host only, since a webhook URL's path is often a credential. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '?';
  }
}
