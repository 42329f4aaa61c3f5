import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';

const ADMIN = 'admin-token-for-tests-0123456789';
// The source address of each request is set explicitly, so one loopback host plays two networks.
const outsider = '127.0.0.1';
const insider = '127.0.0.2';

let s: ServeProcess;
let open: ServeProcess;
beforeAll(async () => {
  [s, open] = await Promise.all([
    startServe(['--trusted-networks', '127.0.0.2/32', '--admin-token', ADMIN]),
    startServe(['--trusted-networks', '127.0.0.2/32', '--api-auth', 'open']),
  ]);
});
afterAll(async () => {
  await Promise.all([s.stop(), open.stop()]);
});

function status(
  base: string,
  path: string,
  localAddress: string,
  headers: Record<string, string> = {},
  method = 'GET',
) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, localAddress }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function wsStatus(
  base: string,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, { localAddress, headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => undefined);
  });
}

describe('admin API access', () => {
  it('requires the admin token for /api from outside the trusted networks', async () => {
    const denied = await status(s.url, '/api/settings', outsider);
    expect(denied.status).toBe(401);
    expect(JSON.parse(denied.body)).toEqual({
      detail: expect.stringContaining('Admin token required') as unknown,
    });
    expect(
      (await status(s.url, '/api/settings', outsider, { authorization: 'Bearer wrong-token' }))
        .status,
    ).toBe(401);
    expect((await status(s.url, '/api/settings', outsider, { authorization: ADMIN })).status).toBe(
      401,
    );
    expect(
      (await status(s.url, '/api/settings', outsider, { authorization: `Bearer ${ADMIN}` })).status,
    ).toBe(200);
    expect((await status(s.url, '/api/configs', outsider, {}, 'POST')).status).toBe(401);
  });

  it('never echoes the admin token in a refusal', async () => {
    const r = await status(s.url, '/api/settings', outsider, {
      authorization: 'Bearer almost-the-token',
    });
    expect(r.body).not.toContain('almost-the-token');
    expect(r.body).not.toContain(ADMIN);
  });

  it('trusts callers inside the trusted networks without a token', async () => {
    expect((await status(s.url, '/api/settings', insider)).status).toBe(200);
  });

  it('leaves /health, /docs and /openapi.json open', async () => {
    for (const path of ['/health', '/openapi.json', '/docs'])
      expect((await status(s.url, path, outsider)).status).toBe(200);
  });

  it('applies the same rule to /ws upgrades', async () => {
    expect(await wsStatus(s.url, '127.0.0.1')).toBe(401);
    expect(await wsStatus(s.url, '127.0.0.1', { authorization: `Bearer ${ADMIN}` })).toBe(101);
    expect(await wsStatus(s.url, '127.0.0.2')).toBe(101);
  });

  it('opens /api and /ws to everyone with --api-auth open', async () => {
    expect((await status(open.url, '/api/settings', outsider)).status).toBe(200);
    expect(await wsStatus(open.url, '127.0.0.1')).toBe(101);
  });
});
