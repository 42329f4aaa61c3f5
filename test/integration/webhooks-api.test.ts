// Webhooks through a real `aerie serve` (retry base shortened to 5 ms by AERIE_WEBHOOK_RETRY_BASE_MS)
// and receivers on loopback. `POST /api/webhooks/test` stands in for the deployment loops, which
// call the same `notify`.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookDeliveryRead } from '../../src-main/shared/webhooks.js';
import { api } from '../helpers/http.js';
import { ensureFreshBuild, startServe, type ServeProcess } from '../helpers/serve-process.js';
import { waitFor, waitForValue } from '../helpers/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'serve-webhook-secret-42';
const ENV = { AERIE_WEBHOOK_RETRY_BASE_MS: '5' };

let s: ServeProcess;
let rx: WebhookReceiver;
beforeAll(async () => {
  await ensureFreshBuild();
  [s, rx] = await Promise.all([startServe([], ENV), startWebhookReceiver()]);
});
afterAll(async () => {
  await s?.stop();
  await rx?.close();
});
afterEach(() => {
  rx.received.length = 0;
  rx.answer(() => 200);
});

const put = (body: Record<string, unknown>) => api(s.url, 'PUT', '/api/settings', body);
const sendTest = async (base = s.url) => {
  const r = await api(base, 'POST', '/api/webhooks/test');
  expect(r.status).toBe(202);
  return r.body as WebhookDeliveryRead;
};
const deliveries = async (query = '', base = s.url) =>
  (await api(base, 'GET', `/api/webhooks/deliveries${query}`)).body as WebhookDeliveryRead[];
const delivery = async (id: number, base = s.url) =>
  (await deliveries('?limit=500', base)).find((d) => d.id === id);
const settled = (id: number, base = s.url) =>
  waitForValue(
    async () => {
      const d = await delivery(id, base);
      return d && d.status !== 'pending' ? d : null;
    },
    15_000,
    `delivery ${id} to finish`,
  );

describe('webhooks through aerie serve', () => {
  it('answers POST /api/webhooks/test with 400 while no webhook_url is set', async () => {
    const r = await api(s.url, 'POST', '/api/webhooks/test');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      detail: 'No webhook URL is set; set webhook_url in the settings first.',
    });
    expect(await deliveries()).toEqual([]);
  });

  it('posts a signed JSON body, and lists the delivery without the secret', async () => {
    await put({ webhook_url: `${rx.base}/aerie`, webhook_secret: SECRET });
    const queued = await sendTest();
    expect(queued).toMatchObject({ event: 'webhook_test', status: 'pending', attempts: 0 });
    const done = await settled(queued.id);
    expect(done).toMatchObject({
      status: 'delivered',
      attempts: 1,
      last_status_code: 200,
      url: `${rx.base}/aerie`,
      payload: {
        event: 'webhook_test',
        message: expect.stringContaining('Test notification') as unknown,
      },
    });
    const [hit] = rx.received;
    expect(hit!.path).toBe('/aerie');
    expect(JSON.parse(hit!.body)).toEqual(done.payload);
    const mac = createHmac('sha256', SECRET).update(hit!.body).digest('hex');
    expect(hit!.headers['x-aerie-signature']).toBe(`sha256=${mac}`);
    expect(hit!.headers['x-aerie-delivery']).toBe(String(queued.id));
    const listed = await api(s.url, 'GET', '/api/webhooks/deliveries');
    expect(JSON.stringify(listed.body)).not.toContain(SECRET);
    expect(s.stderr + s.stdout).not.toContain(SECRET);
  });

  it('retries a receiver that answers 500 twice and records delivery after 3 attempts', async () => {
    await put({ webhook_url: `${rx.base}/flaky` });
    rx.answer((i) => (i < 2 ? 500 : 200));
    const done = await settled((await sendTest()).id);
    expect(done).toMatchObject({
      status: 'delivered',
      attempts: 3,
      last_status_code: 200,
      last_error: null,
    });
    expect(rx.received).toHaveLength(3);
  });

  it('gives up after 5 attempts and lists the delivery as failed', async () => {
    await put({ webhook_url: `${rx.base}/down` });
    rx.answer(() => 500);
    const done = await settled((await sendTest()).id);
    expect(done).toMatchObject({
      status: 'failed',
      attempts: 5,
      last_status_code: 500,
      last_error: 'HTTP 500: receiver says 500',
      next_attempt_at: null,
    });
    expect(rx.received).toHaveLength(5);
    const failed = await deliveries('?status=failed');
    expect(failed.map((d) => d.id)).toEqual([done.id]);
  });

  it('sends {"text"} to a Slack URL (here a loopback URL whose path contains hooks.slack.com)', async () => {
    await put({ webhook_url: `${rx.base}/hooks.slack.com/services/T0/B0/x` });
    const done = await settled((await sendTest()).id);
    expect(done.status).toBe('delivered');
    expect(JSON.parse(rx.received[0]!.body)).toEqual({
      text: '[aerie] Test notification from Aerie: this receiver gets deployment events',
    });
  });

  it('lists deliveries newest first, honouring limit and status', async () => {
    const all = await deliveries();
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(all.map((d) => d.id)).toEqual([...all.map((d) => d.id)].sort((a, b) => b - a));
    expect(await deliveries('?limit=2')).toEqual(all.slice(0, 2));
    expect((await deliveries('?status=delivered')).every((d) => d.status === 'delivered')).toBe(
      true,
    );
  });

  it.each([
    ['?limit=0', 'limit', 'limit must be between 1 and 500'],
    ['?limit=501', 'limit', 'limit must be between 1 and 500'],
    ['?limit=ten', 'limit', 'expected number'],
    ['?status=lost', 'status', 'status must be one of pending, delivered, failed'],
  ])('rejects %s with 422 naming the query field', async (query, field, msg) => {
    const r = await api(s.url, 'GET', `/api/webhooks/deliveries${query}`);
    expect(r.status).toBe(422);
    const detail = (r.body as { detail: { loc: string[]; msg: string }[] }).detail;
    expect(detail.map((d) => d.loc)).toEqual([['query', field]]);
    expect(detail[0]!.msg).toContain(msg);
  });

  it('answers at once while a receiver hangs, and delivers to another receiver meanwhile', async () => {
    const slow = await startWebhookReceiver();
    try {
      slow.answer(() => 'hang');
      await put({ webhook_url: `${slow.base}/hang` });
      const stuck = await sendTest();
      await waitFor(() => slow.hanging === 1, 10_000, 'the receiver to hold the request');
      const health = await api(s.url, 'GET', '/api/health');
      const loop = (health.body as { loops: { name: string; running: boolean }[] }).loops.find(
        (l) => l.name === 'webhook-delivery',
      );
      expect(loop).toMatchObject({ running: false });
      await put({ webhook_url: `${rx.base}/meanwhile` });
      const other = await settled((await sendTest()).id);
      expect(other.status).toBe('delivered');
      expect(slow.hanging).toBe(1);
      expect(await delivery(stuck.id)).toMatchObject({ status: 'pending', attempts: 0 });
    } finally {
      await slow.close();
    }
  });
});

describe('webhooks across a restart of aerie serve', () => {
  it('stops promptly with an attempt in flight and delivers the pending row after the restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aerie-webhooks-'));
    const held = await startWebhookReceiver();
    try {
      held.answer((i) => (i === 0 ? 'hang' : 200));
      const first = await startServe(['--data-dir', dataDir], ENV);
      await api(first.url, 'PUT', '/api/settings', { webhook_url: `${held.base}/h` });
      const queued = await sendTest(first.url);
      await waitFor(() => held.hanging === 1, 10_000, 'the receiver to hold the request');
      expect(await first.stop()).toBe(0);

      const second = await startServe(['--data-dir', dataDir], ENV);
      try {
        const done = await settled(queued.id, second.url);
        expect(done).toMatchObject({ status: 'delivered', attempts: 1 });
        expect(held.received).toHaveLength(2);
      } finally {
        await second.stop();
      }
    } finally {
      await held.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
