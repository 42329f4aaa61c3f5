import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventBus } from '../../src-main/events/event-bus.js';
import type { AccessPolicy } from '../../src-main/http/middleware/auth.js';
import { parseCidr } from '../../src-main/shared/cidr.js';
import { type AppEvent, WsSubscribedFrameSchema } from '../../src-main/shared/events.js';
import { DEFAULT_SETTINGS } from '../../src-main/shared/settings.js';
import { WsHub } from '../../src-main/ws/ws-hub.js';
import { waitFor } from '../helpers/wait.js';

const trustLoopback: AccessPolicy = {
  mode: 'token',
  trusted: [parseCidr('127.0.0.0/8')],
  adminToken: 'admin-token-0123456789',
  clusterToken: 'cluster-token-0123456789',
};
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(
  access: AccessPolicy,
  opts: { pingIntervalMs?: number; maxBufferedBytes?: number } = {},
) {
  const bus = new EventBus();
  const hub = new WsHub(bus, { access, ...opts });
  const server: Server = createServer((_q, s) => s.end());
  server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
  cleanups.push(() => {
    hub.close();
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { bus, hub, url };
}

function connect(url: string, opts: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, opts);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (d: Buffer) =>
    messages.push(JSON.parse(d.toString('utf8')) as Record<string, unknown>),
  );
  cleanups.push(() => ws.terminate());
  const open = new Promise<void>(
    (res, rej) => (ws.once('open', () => res()), ws.once('error', rej)),
  );
  open.catch(() => undefined);
  return { ws, messages, open };
}

const metrics: AppEvent = {
  type: 'node_metrics',
  node_id: 1,
  recorded_at: 'now',
  gpus: [],
  cpu_percent: 1,
  memory_percent: 2,
};

describe('WebSocket hub', () => {
  it('delivers every event but node_metrics by default, with the changed rows', async () => {
    const { bus, hub, url } = await start(trustLoopback);
    const c = connect(url);
    await c.open;
    await waitFor(() => hub.size === 1);
    bus.emit(metrics);
    bus.emit({ type: 'settings_changed', settings: DEFAULT_SETTINGS });
    bus.emit({
      type: 'deployments_changed',
      ids: [3],
      deployments: [{ id: 3, status: 'running' }],
      deleted: [],
    });
    await waitFor(() => c.messages.length === 2);
    expect(c.messages.map((m) => m.type)).toEqual(['settings_changed', 'deployments_changed']);
    expect(c.messages[1]).toMatchObject({ ids: [3], deployments: [{ id: 3, status: 'running' }] });
  });

  it('acknowledges a subscription to that client alone and then delivers only its topics', async () => {
    const { bus, hub, url } = await start(trustLoopback);
    const c = connect(url);
    const other = connect(url);
    await Promise.all([c.open, other.open]);
    await waitFor(() => hub.size === 2);
    c.ws.send(JSON.stringify({ type: 'subscribe', topics: ['node_metrics'] }));
    await waitFor(() => c.messages.length === 1, 5000, 'the subscription acknowledgement');
    expect(WsSubscribedFrameSchema.parse(c.messages[0])).toEqual({
      type: 'subscribed',
      topics: ['node_metrics'],
    });
    bus.emit({ type: 'settings_changed', settings: DEFAULT_SETTINGS });
    bus.emit(metrics);
    await waitFor(() => c.messages.length === 2);
    expect(c.messages[1]!.type).toBe('node_metrics');
    // Frames to one socket arrive in order: an acknowledgement sent to everyone would come first.
    await waitFor(() => other.messages.length === 1);
    expect(other.messages.map((m) => m.type)).toEqual(['settings_changed']);
  });

  it('ignores malformed frames without answering and keeps the subscription', async () => {
    const { bus, url } = await start(trustLoopback);
    const c = connect(url);
    await c.open;
    c.ws.send(JSON.stringify({ type: 'subscribe', topics: ['node_metrics'] }));
    await waitFor(() => c.messages.length === 1, 5000, 'the subscription acknowledgement');
    c.ws.send('not json');
    c.ws.send(JSON.stringify({ type: 'subscribe', topics: ['bogus'] }));
    // The server reads frames in order: its pong to this ping means both frames were handled.
    await new Promise<void>((r) => {
      c.ws.once('pong', () => r());
      c.ws.ping();
    });
    expect(c.messages).toHaveLength(1);
    bus.emit({ type: 'settings_changed', settings: DEFAULT_SETTINGS });
    bus.emit(metrics);
    await waitFor(() => c.messages.length === 2);
    expect(c.messages.map((m) => m.type)).toEqual(['subscribed', 'node_metrics']);
  });

  it('rejects an upgrade from an untrusted network without the admin token', async () => {
    const { url } = await start({ ...trustLoopback, trusted: [parseCidr('127.0.0.2/32')] });
    const denied = connect(url, { localAddress: '127.0.0.1' });
    const status = await new Promise<number>((res) =>
      denied.ws.on('unexpected-response', (_req, r) => res(r.statusCode ?? 0)),
    );
    expect(status).toBe(401);
    const withToken = connect(url, {
      localAddress: '127.0.0.1',
      headers: { authorization: 'Bearer admin-token-0123456789' },
    });
    await withToken.open;
    const viaQuery = connect(`${url}?token=admin-token-0123456789`, { localAddress: '127.0.0.1' });
    await viaQuery.open;
    const trusted = connect(url, { localAddress: '127.0.0.2' });
    await trusted.open;
  });

  it('closes a peer that stops answering pings', async () => {
    const { hub, url } = await start(trustLoopback, { pingIntervalMs: 50 });
    const live = connect(url);
    const dead = connect(url, { autoPong: false });
    await Promise.all([live.open, dead.open]);
    const closed = new Promise<void>((r) => dead.ws.once('close', () => r()));
    await closed;
    expect(hub.size).toBe(1);
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('drops a client that does not read instead of buffering without bound', async () => {
    const { bus, hub, url } = await start(trustLoopback, { maxBufferedBytes: 1024 * 1024 });
    const fast = connect(url);
    const slow = connect(url);
    await Promise.all([fast.open, slow.open]);
    await waitFor(() => hub.size === 2);
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 200 && hub.size === 2; i++) {
      bus.emit({
        type: 'deployments_changed',
        ids: [i],
        deployments: [{ id: i, blob: big }],
        deleted: [],
      });
      await new Promise((r) => setImmediate(r));
    }
    expect(hub.size).toBe(1);
    await waitFor(() => fast.messages.length > 0);
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
  });
});
