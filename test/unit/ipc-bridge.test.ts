import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventForwarder } from '../../src-main/events/event-forwarder.js';
import { isTrustedSender } from '../../src-main/http/ipc-sender.js';
import type { AppEvent } from '../../src-main/shared/events.js';
import { SETTING_KEYS } from '../../src-main/shared/settings.js';
import { startInProcess } from '../helpers/control-plane.js';

type Plane = Awaited<ReturnType<typeof startInProcess>>;

describe('IPC request bridge (plane.inject, as the ipcMain handler calls it)', () => {
  let plane: Plane;

  beforeAll(async () => {
    plane = await startInProcess();
  });

  afterAll(async () => {
    await plane.stop();
    rmSync(plane.dataDir, { recursive: true, force: true });
  });

  it('answers GET /api/settings with all 22 settings as parsed JSON', async () => {
    const res = await plane.inject({ method: 'GET', path: '/api/settings' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(Object.keys(res.body as object).sort()).toEqual([...SETTING_KEYS].sort());
  });

  it('applies a PUT with a body, and the change is visible to the next request and on the event bus', async () => {
    const seen: AppEvent[] = [];
    const off = plane.events.onAny((e) => seen.push(e));
    try {
      const res = await plane.inject({
        method: 'PUT',
        path: '/api/settings',
        body: { expiry_warning_minutes: 61, webhook_url: 'http://hooks.lan/x' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        expiry_warning_minutes: 61,
        webhook_url: 'http://hooks.lan/x',
      });
      const again = await plane.inject({ method: 'GET', path: '/api/settings' });
      expect(again.body).toMatchObject({ expiry_warning_minutes: 61 });
      expect(
        seen.map((e) =>
          e.type === 'settings_changed' ? e.settings.expiry_warning_minutes : e.type,
        ),
      ).toEqual([61]);
    } finally {
      off();
    }
  });

  it('returns the router’s 422 with a detail naming the field for an out-of-range value', async () => {
    const res = await plane.inject({
      method: 'PUT',
      path: '/api/settings',
      body: { expiry_warning_minutes: 0 },
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('expiry_warning_minutes');
  });

  it('returns 404 with a detail for an unknown path', async () => {
    const res = await plane.inject({ method: 'GET', path: '/api/no-such-thing' });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Not Found' });
  });

  it('leaves the LAN server answering real HTTP requests with full bodies after injections', async () => {
    await plane.inject({ method: 'GET', path: '/api/settings' });
    const res = await fetch(`${plane.url}/api/settings`);
    expect(res.status).toBe(200);
    expect(Object.keys((await res.json()) as object)).toHaveLength(SETTING_KEYS.length);
  });

  it.each([
    ['an unsupported method', { method: 'TRACE', path: '/api/settings' }, 'method'],
    ['a path without a leading slash', { method: 'GET', path: 'api/settings' }, 'path'],
    ['a protocol-relative path', { method: 'GET', path: '//evil.example/api' }, 'path'],
    [
      'an extra field',
      { method: 'GET', path: '/api/settings', headers: { authorization: 'x' } },
      'headers',
    ],
    [
      'a query value that is not a scalar',
      { method: 'GET', path: '/api/settings', query: { ids: [1, 2] } },
      'query.ids',
    ],
    ['no object at all', 'GET /api/settings', 'request'],
    ['null', null, 'request'],
  ])('answers %s with 400 and a detail, without throwing', async (_what, raw, mentions) => {
    const res = await plane.inject(raw);
    expect(res.status).toBe(400);
    const detail = (res.body as { detail: string }).detail;
    expect(detail).toMatch(/^Invalid bridge request: /);
    expect(detail).toContain(mentions);
  });
});

describe('IPC bridge from the desktop UI when loopback is not a trusted network', () => {
  it('still answers: the bridge is trusted like loopback, not asked for the admin token', async () => {
    const plane = await startInProcess(['--trusted-networks', '10.255.0.0/16']);
    try {
      const viaHttp = await fetch(`${plane.url}/api/settings`);
      expect(viaHttp.status).toBe(401);
      const viaBridge = await plane.inject({ method: 'GET', path: '/api/settings' });
      expect(viaBridge.status).toBe(200);
    } finally {
      await plane.stop();
      rmSync(plane.dataDir, { recursive: true, force: true });
    }
  });
});

describe('IPC sender check', () => {
  const page = 'file:///opt/Aerie/resources/app.asar/out/renderer/index.html';

  it('trusts our own page, whatever its query or hash', () => {
    expect(isTrustedSender(page, page)).toBe(true);
    expect(isTrustedSender(`${page}#/settings`, page)).toBe(true);
    expect(isTrustedSender(`${page}?x=1`, page)).toBe(true);
  });

  it('refuses another local file, another protocol, and missing or unparsable URLs', () => {
    expect(isTrustedSender('file:///tmp/evil.html', page)).toBe(false);
    expect(
      isTrustedSender(
        'file://otherhost/opt/Aerie/resources/app.asar/out/renderer/index.html',
        page,
      ),
    ).toBe(false);
    expect(isTrustedSender('https://evil.example/index.html', page)).toBe(false);
    expect(isTrustedSender('data:text/html,<script>1</script>', page)).toBe(false);
    expect(isTrustedSender('about:blank', page)).toBe(false);
    expect(isTrustedSender('not a url', page)).toBe(false);
    expect(isTrustedSender(undefined, page)).toBe(false);
    expect(isTrustedSender(null, page)).toBe(false);
    expect(isTrustedSender('', page)).toBe(false);
  });

  it('trusts the dev server by origin only', () => {
    const dev = 'http://localhost:5173/';
    expect(isTrustedSender('http://localhost:5173/some/route', dev)).toBe(true);
    expect(isTrustedSender('http://localhost:5174/', dev)).toBe(false);
    expect(isTrustedSender('https://localhost:5173/', dev)).toBe(false);
    expect(isTrustedSender('http://127.0.0.1:5173/', dev)).toBe(false);
  });
});

describe('bus events forwarded to the window', () => {
  it('queues events emitted before the page is ready and delivers them in order once it is', async () => {
    const plane = await startInProcess();
    const delivered: AppEvent[] = [];
    const forwarder = new EventForwarder<AppEvent>((e) => delivered.push(e));
    const off = plane.events.onAny((e) => forwarder.push(e));
    try {
      for (const minutes of [11, 12, 13]) {
        const res = await plane.inject({
          method: 'PUT',
          path: '/api/settings',
          body: { expiry_warning_minutes: minutes },
        });
        expect(res.status).toBe(200);
      }
      expect(delivered).toEqual([]);
      forwarder.markReady();
      const minutes = delivered.map((e) =>
        e.type === 'settings_changed' ? e.settings.expiry_warning_minutes : -1,
      );
      expect(minutes).toEqual([11, 12, 13]);
      await plane.inject({
        method: 'PUT',
        path: '/api/settings',
        body: { expiry_warning_minutes: 14 },
      });
      expect(delivered).toHaveLength(4);
    } finally {
      off();
      await plane.stop();
      rmSync(plane.dataDir, { recursive: true, force: true });
    }
  });
});
