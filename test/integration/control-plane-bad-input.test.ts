// Input the control plane must answer with a 4xx and a detail, never a 500: compressed bodies it
// does not accept, malformed percent-encoding in the path, JSON nested deeper than the limit.
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.js';
import { rawRequestBytes, sendRaw, type RawReply } from '../helpers/raw-http.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';

let s: ServeProcess;
beforeAll(async () => {
  s = await startServe();
});
afterAll(() => s.stop());

const send = (method: string, path: string, headers: Record<string, string>, body = '') =>
  sendRaw(s.url, rawRequestBytes(method, path, headers, body));

function expectClientError(r: RawReply, status?: number): void {
  if (status !== undefined) expect(r.status, r.text).toBe(status);
  else expect(r.status >= 400 && r.status < 500, `${r.status} ${r.text}`).toBe(true);
  const detail = (r.json as { detail?: unknown } | undefined)?.detail;
  expect(typeof detail === 'string' || Array.isArray(detail), r.text).toBe(true);
  if (typeof detail === 'string') expect(detail.length).toBeGreaterThan(0);
}

const json = { 'Content-Type': 'application/json' };
const config = JSON.stringify({ name: 'c', payload: { model: 'm' } });

describe('control plane: compressed JSON bodies', () => {
  it.each(['gzip', 'deflate', 'br', 'x-unknown'])(
    'answers Content-Encoding %s on a plain body with 415 and a detail',
    async (encoding) => {
      const r = await send(
        'POST',
        '/api/configs',
        { ...json, 'Content-Encoding': encoding },
        config,
      );
      expectClientError(r, 415);
      expect((r.json as { detail: string }).detail).toContain(encoding);
    },
  );

  it.each([
    ['gzip', gzipSync(config)],
    ['deflate', deflateSync(config)],
  ])(
    'answers a real %s body with 415 too (bodies are accepted uncompressed only)',
    async (encoding, body) => {
      const r = await sendRaw(
        s.url,
        rawRequestBytes('PUT', '/api/settings', { ...json, 'Content-Encoding': encoding }, body),
      );
      expectClientError(r, 415);
    },
  );

  it('answers a charset other than UTF-8 with 415', async () => {
    const r = await send(
      'POST',
      '/api/configs',
      { 'Content-Type': 'application/json; charset=latin1' },
      config,
    );
    expectClientError(r, 415);
  });

  it('saved nothing from any refused body', async () => {
    expect((await api(s.url, 'GET', '/api/configs')).body).toEqual([]);
  });
});

describe('control plane: malformed percent-encoding in the path', () => {
  it.each(['/api/configs/%zz', '/api/configs/%', '/api/configs/%ff'])(
    'answers a path parameter %s with 400 and a detail',
    async (path) => {
      const r = await send('DELETE', path, {});
      expectClientError(r, 400);
      expect(r.json).toEqual({ detail: 'The request path is not valid percent-encoding.' });
    },
  );

  it.each(['/%', '/%ff', '/%zz/x', '/api/%e0%a4%a', '/docs/%', '/assets/%ff.js'])(
    'answers GET %s with a 4xx and a detail',
    async (path) => {
      expectClientError(await send('GET', path, {}));
    },
  );
});

describe('control plane: JSON depth', () => {
  const nested = (depth: number, open: string, close: string, leaf = '1') =>
    `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;

  it.each([
    ['objects', nested(10_000, '{"a":', '}')],
    ['arrays', nested(10_000, '[', ']')],
    ['a mix', nested(5_000, '{"a":[', ']}')],
  ])('answers a config payload of %s nested 10,000 deep with 422', async (_what, deep) => {
    const r = await send('POST', '/api/configs', json, `{"name":"deep","payload":{"x":${deep}}}`);
    expectClientError(r, 422);
    expect(r.json).toEqual({
      detail: [
        {
          loc: ['body'],
          msg: 'JSON nested deeper than 64 levels',
          type: 'json_too_deep',
        },
      ],
    });
  });

  it('accepts a payload nested to the limit, and counts brackets inside strings as text', async () => {
    const atLimit = `{"name":"at-limit","payload":${nested(63, '{"a":', '}', '"[[[[{{{{"')}}`;
    const r = await send('POST', '/api/configs', json, atLimit);
    expect(r.status, r.text).toBe(201);
    const over = `{"name":"over","payload":${nested(64, '{"a":', '}')}}`;
    expectClientError(await send('POST', '/api/configs', json, over), 422);
  });

  it('stays up and serves normally after all of it', async () => {
    expect(s.proc.exitCode).toBeNull();
    const names = ((await api(s.url, 'GET', '/api/configs')).body as { name: string }[]).map(
      (c) => c.name,
    );
    expect(names).toEqual(['at-limit']);
  });
});
