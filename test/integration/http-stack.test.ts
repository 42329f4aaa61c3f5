import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

let s: ServeProcess;
beforeAll(async () => {
  s = await startServe();
});
afterAll(() => s.stop());

describe('HTTP stack', () => {
  it('answers /health and /api/health with the version and loop status', async () => {
    const h = await api(s.url, 'GET', '/health');
    expect(h.body).toEqual({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/) as unknown,
    });
    const a = await api(s.url, 'GET', '/api/health');
    expect(a.body).toMatchObject({
      status: 'ok',
      loops: [
        { name: 'housekeeping', interval_seconds: 30 },
        { name: 'node-sync', interval_seconds: 10 },
        { name: 'deployment-sync', interval_seconds: 5 },
        { name: 'status-watch', interval_seconds: 2 },
        { name: 'expiry', interval_seconds: 30 },
        { name: 'webhook-delivery', interval_seconds: 30 },
        { name: 'gateway-flush', interval_seconds: 5 },
      ],
    });
  });

  it('answers an unknown route with 404 {"detail":"Not Found"}', async () => {
    for (const path of ['/nope', '/api/nope', '/api/settings/extra']) {
      const r = await api(s.url, 'GET', path);
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ detail: 'Not Found' });
    }
    expect((await api(s.url, 'DELETE', '/api/settings')).status).toBe(404);
  });

  it('hands /v1 to the gateway, which answers in the OpenAI envelope', async () => {
    const r = await api(s.url, 'POST', '/v1/chat/completions', { model: 'x' });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({
      error: { type: 'invalid_request_error', param: null, code: 'model_not_found' },
    });
    const unknown = await api(s.url, 'GET', '/v1/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'not_found' } });
  });

  it('answers malformed JSON with 422 json_invalid and changes nothing', async () => {
    const r = await api(s.url, 'PUT', '/api/settings', '{"default_port": 9001');
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ detail: [{ loc: ['body'], type: 'json_invalid' }] });
    expect(
      ((await api(s.url, 'GET', '/api/settings')).body as { default_port: number }).default_port,
    ).toBe(8001);
  });

  it('answers a JSON body over 1 MiB with 413', async () => {
    const r = await api(s.url, 'POST', '/api/configs', {
      name: 'big',
      payload: { blob: 'x'.repeat(1024 * 1024 + 10) },
    });
    expect(r.status).toBe(413);
    expect(r.body).toEqual({ detail: 'Request body too large: the limit is 1 MiB.' });
    expect((await api(s.url, 'GET', '/api/configs')).body).toEqual([]);
  });

  it('tags every response with a request id', async () => {
    const r = await api(s.url, 'GET', '/api/settings');
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unexpected failure with 500 and a request id, logging the stack but not leaking it', async () => {
    const raw = new BetterSqlite3(join(s.dataDir, 'aerie.db'));
    raw.exec('BEGIN EXCLUSIVE');
    try {
      const r = await api(s.url, 'PUT', '/api/settings', { default_port: 9002 });
      expect(r.status).toBe(500);
      const body = r.body as { detail: string; request_id: string };
      expect(body.detail).toBe('Internal Server Error');
      expect(Object.keys(body).sort()).toEqual(['detail', 'request_id']);
      await waitFor(() => s.stderr.includes(body.request_id));
      const line = s.stderr.split('\n').find((l) => l.includes(body.request_id))!;
      expect(JSON.parse(line)).toMatchObject({
        level: 'error',
        msg: 'unhandled error',
        err: { stack: expect.stringContaining('SqliteError') as unknown },
      });
    } finally {
      raw.exec('ROLLBACK');
      raw.close();
    }
    expect((await api(s.url, 'PUT', '/api/settings', { default_port: 9002 })).status).toBe(200);
  }, 20_000);
});
