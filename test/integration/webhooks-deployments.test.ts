// Lifecycle webhooks from real deployments: a model that comes up, one that crashes and one whose
// lease runs out each reach a receiver as signed deliveries with the reference's wording, and every
// delivery is listed by GET /api/webhooks/deliveries.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentRead } from '../../src-main/shared/deployments.js';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { freePort } from '../helpers/engine-harness.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';
import { waitForValue } from '../helpers/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'whsec-test-secret-never-shown';
let fleet: Fleet;
let hooks: WebhookReceiver;
let node: NodeRead;

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  fleet = await startFleet({
    agents: ['hook-a'],
    settings: {
      webhook_url: `${hooks.base}/aerie`,
      webhook_secret: SECRET,
      expiry_warning_minutes: 1,
      expiry_check_interval_seconds: 5,
    },
  });
  node = await fleet.node('hook-a');
});
afterAll(async () => {
  await fleet?.stop();
  await hooks?.close();
});

const env = [
  { key: 'AERIE_SIM_LOAD_S', value: '0.3' },
  { key: 'AERIE_SIM_CRASH_AFTER_S', value: '1' },
];
async function start(model: string, extra: Record<string, unknown> = {}) {
  const r = await fleet.call('POST', '/api/deployments/start', {
    node_id: node.id,
    model_name: model,
    port: await freePort(),
    gpu_memory_fraction: 0.3,
    owner: 'ana',
    env_vars: env,
    ...extra,
  });
  expect(r.status).toBe(201);
  return r.body as DeploymentRead;
}
/** The parsed bodies of the deliveries for deployment `id`, once `ok` holds for them. */
const bodiesFor = (id: number, ok: (events: string[]) => boolean, ms = 60_000) =>
  waitForValue(
    () => {
      const mine = hooks.received
        .map((h) => ({ h, body: JSON.parse(h.body) as Record<string, unknown> }))
        .filter((x) => x.body.deployment_id === id);
      return ok(mine.map((x) => String(x.body.event))) ? mine : null;
    },
    ms,
    `webhooks for deployment ${id}`,
  );

describe('lifecycle webhooks from real deployments', () => {
  it('signs and delivers running, expiring, expired and error, and lists every delivery', async () => {
    const leased = await start('org/hook-leased', { duration_seconds: 60 });
    const crashing = await start('fault/crash-after-ready', { max_failed_restarts: 0 });

    const failed = await bodiesFor(crashing.id, (e) => e.includes('deployment_error'));
    const error = failed.find((x) => x.body.event === 'deployment_error')!;
    expect(error.body).toMatchObject({
      model: 'fault/crash-after-ready',
      message: `fault/crash-after-ready on hook-a:${crashing.port} is error`,
    });
    expect(typeof error.body.error).toBe('string');

    const warned = await bodiesFor(leased.id, (e) => e.includes('deployment_expiring'));
    const running = warned.find((x) => x.body.event === 'deployment_running')!;
    expect(running.body).toEqual({
      event: 'deployment_running',
      message: `org/hook-leased is ready on hook-a:${leased.port}`,
      deployment_id: leased.id,
      model: 'org/hook-leased',
    });
    const expiring = warned.find((x) => x.body.event === 'deployment_expiring')!;
    expect(expiring.body.message).toBe(
      `org/hook-leased (deployment ${leased.id}) expires in ~1m — extend it from the dashboard to keep it serving`,
    );

    const ended = await bodiesFor(leased.id, (e) => e.includes('deployment_expired'), 90_000);
    expect(ended.find((x) => x.body.event === 'deployment_expired')!.body.message).toBe(
      `org/hook-leased (deployment ${leased.id}) reached its serve duration and was stopped`,
    );
    // Once each, in lifecycle order.
    expect(ended.map((x) => x.body.event)).toEqual([
      'deployment_running',
      'deployment_expiring',
      'deployment_expired',
    ]);
    for (const { h } of [...ended, ...failed]) {
      expect(h.path).toBe('/aerie');
      expect(h.headers['x-aerie-signature']).toBe(
        `sha256=${createHmac('sha256', SECRET).update(h.body, 'utf8').digest('hex')}`,
      );
      expect(h.body).not.toContain(SECRET);
    }
    expect((await fleet.call('GET', `/api/deployments/${leased.id}`)).body).toMatchObject({
      status: 'expired',
    });

    const listed = (await fleet.call('GET', '/api/webhooks/deliveries')).body as {
      event: string;
      status: string;
    }[];
    const delivered = listed.filter((d) => d.status === 'delivered').map((d) => d.event);
    for (const e of ['deployment_running', 'deployment_expiring', 'deployment_expired'])
      expect(delivered).toContain(e);
    expect(delivered).toContain('deployment_error');
    expect(JSON.stringify(listed)).not.toContain(SECRET);
  }, 150_000);
});
