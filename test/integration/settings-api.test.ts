import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { DEFAULT_SETTINGS, SETTING_KEYS } from '../../src-main/shared/settings.js';
import { api, wsClient } from '../helpers/http.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

let s: ServeProcess;
let ws: { ws: WebSocket; messages: Record<string, unknown>[] };
beforeAll(async () => {
  s = await startServe();
  ws = await wsClient(s.url);
});
afterAll(async () => {
  ws.ws.close();
  await s.stop();
});

const get = async () => (await api(s.url, 'GET', '/api/settings')).body as Record<string, unknown>;

describe('settings API', () => {
  it('returns all 22 settings with their defaults', async () => {
    const body = await get();
    expect(Object.keys(body).sort()).toEqual([...SETTING_KEYS].sort());
    expect(body).toEqual(DEFAULT_SETTINGS);
  });

  it('applies a partial update, returns the full settings and broadcasts settings_changed', async () => {
    const r = await api(s.url, 'PUT', '/api/settings', {
      expiry_warning_minutes: 45,
      webhook_url: 'https://hooks.example/x',
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      ...DEFAULT_SETTINGS,
      expiry_warning_minutes: 45,
      webhook_url: 'https://hooks.example/x',
    });
    await waitFor(() => ws.messages.some((m) => m.type === 'settings_changed'));
    const msg = ws.messages.find((m) => m.type === 'settings_changed')!;
    expect(msg.settings).toMatchObject({ expiry_warning_minutes: 45 });
  });

  it('rejects unknown fields and out-of-range values with 422 naming each, changing nothing', async () => {
    const before = await get();
    const r = await api(s.url, 'PUT', '/api/settings', {
      gateway_timeout_seconds: 5,
      bogus: 1,
      default_port: 80,
    });
    expect(r.status).toBe(422);
    const locs = (r.body as { detail: { loc: string[] }[] }).detail.map((d) => d.loc.join('.'));
    expect(locs.sort()).toEqual([
      'body.bogus',
      'body.default_port',
      'body.gateway_timeout_seconds',
    ]);
    expect(await get()).toEqual(before);
  });

  it.each([
    [{ preferred_container_runtime: 'lxc' }],
    [{ default_gpu_fraction: 0.01 }],
    [{ default_duration_choice: '60' }],
    [{ webhook_url: 'not a url' }],
    [{ busy_guard_seconds: 301 }],
    [{ default_max_failed_restarts: 0 }],
    [{ temp_api_key_ttl_seconds: -1 }],
    [{ expiry_check_interval_seconds: 4 }],
    [{ gateway_enabled: 'yes' }],
    [[1, 2]],
  ])('rejects %j with 422', async (body) => {
    expect((await api(s.url, 'PUT', '/api/settings', body)).status).toBe(422);
  });

  it('takes webhook_secret write-only: never in GET, the PUT reply, settings_changed or the log', async () => {
    const secret = 'whsec-integration-0123456789';
    const from = ws.messages.length;
    const r = await api(s.url, 'PUT', '/api/settings', { webhook_secret: secret });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ webhook_secret_set: true });
    expect(r.body).not.toHaveProperty('webhook_secret');
    const read = await api(s.url, 'GET', '/api/settings');
    expect(read.body).toMatchObject({ webhook_secret_set: true });
    expect(JSON.stringify(read.body)).not.toContain(secret);
    await waitFor(() => ws.messages.slice(from).some((m) => m.type === 'settings_changed'));
    const event = ws.messages.slice(from).find((m) => m.type === 'settings_changed')!;
    expect(event.settings).toMatchObject({ webhook_secret_set: true });
    expect(JSON.stringify(ws.messages)).not.toContain(secret);
    expect(s.stderr + s.stdout).not.toContain(secret);

    const cleared = await api(s.url, 'PUT', '/api/settings', { webhook_secret: '' });
    expect(cleared.body).toMatchObject({ webhook_secret_set: false });
  });

  it.each([
    [{ webhook_secret: 'short' }, 'must be empty (to clear it) or at least 8 characters'],
    [{ webhook_secret: 'x'.repeat(257) }, 'must be at most 256 characters'],
    [{ webhook_secret: ' padded-secret ' }, 'must not start or end with whitespace'],
    [{ webhook_secret: 12345678 }, 'expected string'],
    [{ webhook_secret_set: true }, 'Extra inputs are not permitted'],
  ])('rejects %j with 422 and a detail, changing nothing', async (body, msg) => {
    const before = await get();
    const r = await api(s.url, 'PUT', '/api/settings', body);
    expect(r.status).toBe(422);
    const detail = (r.body as { detail: { loc: string[]; msg: string }[] }).detail;
    expect(detail.map((d) => d.loc)).toEqual([['body', Object.keys(body)[0]]]);
    expect(detail[0]!.msg).toContain(msg);
    expect(await get()).toEqual(before);
  });

  it('answers an empty update with 400 "No settings provided."', async () => {
    for (const body of [{}, { gateway_enabled: null }, { webhook_secret: null }]) {
      const r = await api(s.url, 'PUT', '/api/settings', body);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ detail: 'No settings provided.' });
    }
  });

  it('ignores null except for default_max_failed_restarts, which it clears', async () => {
    await api(s.url, 'PUT', '/api/settings', { default_max_failed_restarts: 7 });
    const r = await api(s.url, 'PUT', '/api/settings', {
      default_max_failed_restarts: null,
      default_port: null,
      busy_guard_seconds: 30,
    });
    expect(r.body).toMatchObject({
      default_max_failed_restarts: null,
      default_port: 8001,
      busy_guard_seconds: 30,
    });
  });
});
