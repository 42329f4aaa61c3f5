// The webhook service and its delivery loop on a ManualClock, posting to real receivers on
// loopback: retry times are clock time, so the schedule is checked exactly and nothing sleeps.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from '../../src-main/db/open-database.js';
import { EventBus } from '../../src-main/events/event-bus.js';
import {
  createWebhookDeliveryLoop,
  WEBHOOK_POLL_SECONDS,
} from '../../src-main/loops/webhook-delivery.loop.js';
import { SettingsService } from '../../src-main/settings/settings.service.js';
import type { SyncLoop } from '../../src-main/shared/node/sync-loop.js';
import type { WebhookDeliveryRead } from '../../src-main/shared/webhooks.js';
import {
  deploymentError,
  deploymentExpired,
  deploymentRunning,
} from '../../src-main/webhooks/webhook-notifications.js';
import {
  DELIVERY_RETENTION_ROWS,
  WebhookService,
} from '../../src-main/webhooks/webhook.service.js';
import { insertDeliveries } from '../../src-main/webhooks/webhook.repository.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { waitFor } from '../helpers/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const BASE = 1_000;
const SECRET = 'delivery-test-secret';
const place = { deployment_id: 3, model: 'org/model-7b', host: 'gpu1', port: 8001 };

interface Plane {
  clock: ManualClock;
  store: Store;
  settings: SettingsService;
  webhooks: WebhookService;
  loop: SyncLoop;
  rows(): Promise<WebhookDeliveryRead[]>;
  stop(): Promise<void>;
}

const planes: Plane[] = [];
async function plane(opts: { file?: string; clock?: ManualClock } = {}): Promise<Plane> {
  const clock = opts.clock ?? new ManualClock();
  const store = openDatabase(opts.file ?? ':memory:');
  const settings = new SettingsService(store.db, new EventBus(), () => new Date(clock.now()));
  await settings.init();
  const box: { loop?: SyncLoop } = {};
  const webhooks = new WebhookService({
    db: store.db,
    settings,
    clock,
    wake: () => void box.loop?.trigger(),
    retryBaseMs: BASE,
  });
  const loop = createWebhookDeliveryLoop(webhooks, clock);
  box.loop = loop;
  loop.start(WEBHOOK_POLL_SECONDS * 1000);
  let stopped = false;
  const p: Plane = {
    clock,
    store,
    settings,
    webhooks,
    loop,
    rows: () => webhooks.list({ limit: 500 }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await loop.stop();
      await webhooks.close();
      await store.close();
    },
  };
  planes.push(p);
  return p;
}

const iso = (ms: number) => new Date(ms).toISOString();
const only = async (p: Plane) => {
  const rows = await p.rows();
  expect(rows).toHaveLength(1);
  return rows[0]!;
};
/** Polls the one delivery until `ok` holds (the row appears a moment after `notify`). */
const until = (p: Plane, ok: (r: WebhookDeliveryRead) => boolean, what: string) =>
  waitFor(
    async () => {
      const rows = await p.rows();
      return rows.length === 1 && ok(rows[0]!);
    },
    10_000,
    what,
  );
const attemptsReach = (p: Plane, n: number) =>
  until(p, (r) => r.attempts === n, `attempt ${n} to be recorded`);

let rx: WebhookReceiver;
beforeAll(async () => {
  rx = await startWebhookReceiver();
});
afterEach(async () => {
  for (const p of planes.splice(0)) await p.stop();
  rx.received.length = 0;
  rx.answer(() => 200);
});
afterAll(() => rx.close());

describe('webhook delivery', () => {
  it('posts the body with X-Aerie-Signature = sha256 HMAC of the exact body under the secret', async () => {
    const p = await plane();
    await p.settings.update({ webhook_url: `${rx.base}/hook`, webhook_secret: SECRET });
    p.webhooks.notify(deploymentRunning(place));
    await until(p, (r) => r.status === 'delivered', 'a delivery');
    const [hit] = rx.received;
    expect(JSON.parse(hit!.body)).toEqual({
      event: 'deployment_running',
      message: 'org/model-7b is ready on gpu1:8001',
      deployment_id: 3,
      model: 'org/model-7b',
    });
    const mac = createHmac('sha256', SECRET).update(hit!.body).digest('hex');
    expect(hit!.headers['x-aerie-signature']).toBe(`sha256=${mac}`);
    expect(hit!.headers['content-type']).toBe('application/json');
    expect(hit!.headers['x-aerie-event']).toBe('deployment_running');
    const row = await only(p);
    expect(hit!.headers['x-aerie-delivery']).toBe(String(row.id));
    expect(row).toMatchObject({
      attempts: 1,
      last_status_code: 200,
      last_error: null,
      next_attempt_at: null,
      delivered_at: iso(p.clock.now()),
    });
  });

  it('sends no signature without a secret, and records nothing while webhook_url is empty', async () => {
    const p = await plane();
    p.webhooks.notify(deploymentRunning(place));
    await p.settings.update({ webhook_url: `${rx.base}/hook` });
    p.webhooks.notify(deploymentExpired(place));
    await until(p, (r) => r.status === 'delivered', 'a delivery');
    expect((await only(p)).event).toBe('deployment_expired');
    expect(rx.received).toHaveLength(1);
    expect(rx.received[0]!.headers['x-aerie-signature']).toBeUndefined();
  });

  it('records every notification of a burst (more than one insert chunk), in order', async () => {
    const p = await plane();
    rx.answer(() => 'hang');
    await p.settings.update({ webhook_url: `${rx.base}/hook` });
    for (let id = 1; id <= 600; id++)
      p.webhooks.notify(deploymentRunning({ ...place, deployment_id: id }));
    await waitFor(async () => (await p.rows()).length === 500, 10_000, 'the burst to be recorded');
    const rows = await p.webhooks.list({ limit: 500, status: 'pending' });
    expect(rows[0]!.payload.deployment_id).toBe(600);
    const total = p.store.raw.prepare('select count(*) from webhook_deliveries').pluck().get();
    expect(total).toBe(600);
    await waitFor(() => rx.hanging === 4, 10_000, 'four deliveries in flight');
    expect(
      rx.received.map((h) => (JSON.parse(h.body) as { deployment_id: number }).deployment_id),
    ).toEqual([1, 2, 3, 4]);
  });

  it('retries after 500, 500 on the backoff schedule and records delivery on the third attempt', async () => {
    const p = await plane();
    rx.answer((i) => (i < 2 ? 500 : 200));
    await p.settings.update({ webhook_url: `${rx.base}/hook` });
    const t0 = p.clock.now();
    p.webhooks.notify(deploymentError({ ...place, status: 'error', error: 'OOM' }));

    await attemptsReach(p, 1);
    expect(await only(p)).toMatchObject({
      status: 'pending',
      last_status_code: 500,
      last_error: 'HTTP 500: receiver says 500',
      next_attempt_at: iso(t0 + BASE),
    });
    await p.clock.advance(BASE);
    await attemptsReach(p, 2);
    expect(await only(p)).toMatchObject({
      status: 'pending',
      next_attempt_at: iso(t0 + BASE + 4 * BASE),
    });
    await p.clock.advance(4 * BASE);
    await attemptsReach(p, 3);
    expect(await only(p)).toMatchObject({
      status: 'delivered',
      last_status_code: 200,
      last_error: null,
      next_attempt_at: null,
      delivered_at: iso(t0 + 5 * BASE),
    });
    expect(rx.received.map((h) => h.body)).toEqual(Array(3).fill(rx.received[0]!.body));
  });

  it('gives up after 5 attempts (1, 4, 16, 64 × base apart) and marks the delivery failed', async () => {
    const p = await plane();
    rx.answer(() => 503);
    await p.settings.update({ webhook_url: `${rx.base}/hook` });
    p.webhooks.notify(deploymentRunning(place));
    await attemptsReach(p, 1);
    for (const [n, wait] of [
      [2, BASE],
      [3, 4 * BASE],
      [4, 16 * BASE],
      [5, 64 * BASE],
    ] as const) {
      await p.clock.advance(wait);
      await attemptsReach(p, n);
    }
    expect(await only(p)).toMatchObject({
      status: 'failed',
      attempts: 5,
      last_status_code: 503,
      next_attempt_at: null,
      delivered_at: null,
    });
    expect(await p.webhooks.list({ limit: 10, status: 'failed' })).toHaveLength(1);
    expect(await p.webhooks.list({ limit: 10, status: 'pending' })).toHaveLength(0);
    await p.clock.advance(3_600_000);
    expect(rx.received).toHaveLength(5);
  });

  it('records a refused connection as an attempt without a status code', async () => {
    const p = await plane();
    const closed = await startWebhookReceiver();
    await closed.close();
    await p.settings.update({ webhook_url: `${closed.base}/gone` });
    p.webhooks.notify(deploymentRunning(place));
    await attemptsReach(p, 1);
    expect(await only(p)).toMatchObject({ status: 'pending', last_status_code: null });
    expect((await only(p)).last_error).toMatch(/ECONNREFUSED/);
  });

  it('never makes notify or a loop tick wait for a hanging receiver; the attempt times out after 10 s', async () => {
    const p = await plane();
    const slow = await startWebhookReceiver();
    try {
      slow.answer(() => 'hang');
      await p.settings.update({ webhook_url: `${slow.base}/hook` });
      p.webhooks.notify(deploymentRunning(place));
      await waitFor(() => slow.hanging === 1, 10_000, 'the receiver to hold the request');
      // The tick that started the attempt has returned, and another one runs to completion.
      expect(p.loop.status().running).toBe(false);
      const ticks = p.loop.status().ticks;
      await p.loop.runOnce();
      expect(p.loop.status().ticks).toBe(ticks + 1);

      // Other deliveries still go out while the first one hangs.
      await p.settings.update({ webhook_url: `${rx.base}/hook` });
      p.webhooks.notify(deploymentExpired(place));
      await waitFor(() => rx.received.length === 1, 10_000, 'the second delivery');
      expect(slow.hanging).toBe(1);

      const first = async () => (await p.rows()).find((r) => r.event === 'deployment_running')!;
      expect(await first()).toMatchObject({ status: 'pending', attempts: 0 });
      const t = p.clock.now();
      await p.clock.advance(10_000);
      await waitFor(async () => (await first()).attempts === 1, 10_000, 'the timeout');
      expect(await first()).toMatchObject({
        status: 'pending',
        last_status_code: null,
        last_error: 'timed out after 10 s',
        next_attempt_at: iso(t + 10_000 + BASE),
      });
    } finally {
      await slow.close();
    }
  });

  it('keeps pending deliveries across a restart; stopping aborts the attempt in flight uncounted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aerie-webhooks-'));
    try {
      const file = join(dir, 'aerie.db');
      const clock = new ManualClock();
      const first = await plane({ file, clock });
      rx.answer((i) => (i === 0 ? 'hang' : 200));
      await first.settings.update({ webhook_url: `${rx.base}/hook` });
      first.webhooks.notify(deploymentRunning(place));
      await waitFor(() => rx.hanging === 1, 10_000, 'the receiver to hold the request');
      await first.stop();
      await waitFor(() => rx.hanging === 0, 10_000, 'the aborted request to close');

      const second = await plane({ file, clock });
      expect(await only(second)).toMatchObject({ status: 'pending', attempts: 0 });
      await second.loop.trigger();
      await until(second, (r) => r.status === 'delivered', 'redelivery');
      expect(await only(second)).toMatchObject({ attempts: 1, last_status_code: 200 });
      expect(rx.received).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`prunes finished deliveries after 7 days and beyond the newest ${DELIVERY_RETENTION_ROWS}; pending ones stay`, async () => {
    const p = await plane();
    const now = p.clock.now();
    const row = (status: string, ageDays: number) => ({
      event: 'deployment_running',
      url: 'http://x/',
      payload: '{}',
      status,
      attempts: 1,
      next_attempt_at: status === 'pending' ? iso(now + 3_600_000) : null,
      created_at: iso(now - ageDays * 86_400_000),
    });
    await insertDeliveries(p.store.db, [
      row('delivered', 8),
      row('failed', 8),
      row('pending', 8),
      row('delivered', 6),
    ]);
    expect(await p.webhooks.prune()).toBe(2);
    expect((await p.rows()).map((r) => r.status).sort()).toEqual(['delivered', 'pending']);

    await insertDeliveries(
      p.store.db,
      Array.from({ length: DELIVERY_RETENTION_ROWS }, () => row('delivered', 1)),
    );
    expect(await p.webhooks.prune()).toBe(1);
    const left = await p.webhooks.list({ limit: 500, status: 'pending' });
    expect(left).toHaveLength(1);
    const total = p.store.raw
      .prepare('select count(*) from webhook_deliveries')
      .pluck()
      .get() as number;
    expect(total).toBe(DELIVERY_RETENTION_ROWS + 1);
  });
});
