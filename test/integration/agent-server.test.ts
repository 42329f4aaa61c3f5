import { setLogSink } from '../../src-main/shared/node/structured-log.js';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAgentLogger } from '../../src-main/agent/logs/agent-logger.js';
import { AppError } from '../../src-main/shared/errors.js';
import { route } from '../../src-main/shared/node/route.js';
import {
  closeAgentServer,
  createAgentServer,
  listenAgent,
} from '../../src-main/agent/http/agent-server.js';
import { api } from '../helpers/http.js';

const TOKEN = 'server-test-token-0123456789';
const logged: Record<string, unknown>[] = [];
let server: Server;
let base: string;
const auth = { authorization: `Bearer ${TOKEN}` };

const test = { tag: 'Test' } as const;
const routes = [
  route({ ...test, method: 'get', path: '/health', summary: 'public', public: true }, () => ({
    status: 'ok',
  })),
  route(
    {
      ...test,
      method: 'post',
      path: '/echo/{id}',
      summary: 'validated echo',
      params: z.object({ id: z.string().regex(/^\d+$/, 'id must be digits').transform(Number) }),
      query: z.object({ mode: z.enum(['a', 'b']).optional() }),
      body: z.object({ name: z.string().min(1), count: z.number().int() }).strict(),
      status: 201,
    },
    ({ params, query, body }) => ({ id: params.id, mode: query.mode ?? null, body }),
  ),
  route({ ...test, method: 'get', path: '/images/prune', summary: 'literal' }, () => ({
    which: 'literal',
  })),
  route(
    {
      ...test,
      method: 'get',
      path: '/images/{id}',
      summary: 'param',
      params: z.object({ id: z.string() }),
    },
    ({ params }) => ({ which: 'param', id: params.id }),
  ),
  route(
    {
      ...test,
      method: 'delete',
      path: '/models/cache/{name*}',
      summary: 'rest of path',
      params: z.object({ name: z.string() }),
    },
    ({ params }) => ({ name: params.name }),
  ),
  route({ ...test, method: 'get', path: '/conflict', summary: 'http error' }, () => {
    throw new AppError('conflict', 'Port 8001 is already in use on this node.', { port: 8001 });
  }),
  route({ ...test, method: 'get', path: '/boom', summary: 'bug' }, () => {
    throw new Error(`kaboom with ${TOKEN}`);
  }),
  route({ ...test, method: 'get', path: '/raw', summary: 'raw', raw: true }, ({ res }) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('raw body');
  }),
];

beforeAll(async () => {
  setLogSink((line) => logged.push(line));
  ({ server } = createAgentServer(routes, {
    clusterToken: TOKEN,
    logger: createAgentLogger('http'),
  }));
  base = `http://127.0.0.1:${await listenAgent(server, '127.0.0.1', 0)}`;
});
afterAll(async () => {
  await closeAgentServer(server, 500);
  setLogSink((line) => process.stderr.write(`${JSON.stringify(line)}\n`));
});

describe('agent HTTP server', () => {
  it('validates path, query and body and answers with the handler result and status', async () => {
    const r = await api(base, 'POST', '/echo/42?mode=b', { name: 'x', count: 3 }, auth);
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: 42, mode: 'b', body: { name: 'x', count: 3 } });
  });

  it('answers 422 with a FastAPI-style detail list naming every bad input', async () => {
    const r = await api(base, 'POST', '/echo/abc?mode=z', { count: 1.5, extra: true }, auth);
    expect(r.status).toBe(422);
    const detail = (r.body as { detail: { loc: unknown[]; msg: string; type: string }[] }).detail;
    const locs = detail.map((d) => d.loc.join('.'));
    expect(locs).toEqual(
      expect.arrayContaining(['path.id', 'query.mode', 'body.name', 'body.count', 'body.extra']),
    );
    expect(detail.find((d) => d.loc.join('.') === 'body.name')).toMatchObject({
      type: 'missing',
      msg: 'Field required',
    });
    expect(detail.find((d) => d.loc.join('.') === 'body.extra')).toMatchObject({
      type: 'extra_forbidden',
    });
  });

  it('answers 422 for malformed JSON and for a missing body', async () => {
    const bad = await api(base, 'POST', '/echo/1', '{not json', auth);
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({
      detail: [
        {
          loc: ['body'],
          msg: expect.stringMatching(/^JSON decode error: /) as unknown,
          type: 'json_invalid',
        },
      ],
    });
    const missing = await fetch(`${base}/echo/1`, { method: 'POST', headers: auth });
    expect(missing.status).toBe(422);
  });

  it('refuses JSON bodies over 1 MiB with 413', async () => {
    const r = await api(
      base,
      'POST',
      '/echo/1',
      { name: 'x'.repeat(1024 * 1024 + 10), count: 1 },
      auth,
    );
    expect(r.status).toBe(413);
    expect(r.body).toEqual({ detail: 'Request body too large: the limit is 1 MiB.' });
  });

  it('answers 404 Not Found for unknown paths and 405 with Allow for a wrong method', async () => {
    expect(await api(base, 'GET', '/nope', undefined, auth)).toMatchObject({
      status: 404,
      body: { detail: 'Not Found' },
    });
    const r = await api(base, 'PUT', '/echo/1', undefined, auth);
    expect(r.status).toBe(405);
    expect(r.body).toEqual({ detail: 'Method Not Allowed' });
    expect(r.headers.get('allow')).toBe('POST');
  });

  it('prefers a literal route over a parameterised one and supports a rest-of-path parameter', async () => {
    expect((await api(base, 'GET', '/images/prune', undefined, auth)).body).toEqual({
      which: 'literal',
    });
    expect((await api(base, 'GET', '/images/sha%3Aabc', undefined, auth)).body).toEqual({
      which: 'param',
      id: 'sha:abc',
    });
    expect(
      (await api(base, 'DELETE', '/models/cache/Qwen/Qwen3-8B', undefined, auth)).body,
    ).toEqual({ name: 'Qwen/Qwen3-8B' });
  });

  it('maps AgentHttpError to its status, detail and extra fields', async () => {
    const r = await api(base, 'GET', '/conflict', undefined, auth);
    expect(r).toMatchObject({
      status: 409,
      body: { detail: 'Port 8001 is already in use on this node.', port: 8001 },
    });
  });

  it('answers an unexpected error with 500 and a request id that is logged, without leaking secrets', async () => {
    const r = await api(base, 'GET', '/boom', undefined, auth);
    expect(r.status).toBe(500);
    const body = r.body as { detail: string; request_id: string };
    expect(body.detail).toContain(body.request_id);
    expect(body.detail).not.toContain('kaboom');
    const line = logged.find((l) => l.request_id === body.request_id);
    expect(line).toBeDefined();
    expect(JSON.stringify(line)).not.toContain(TOKEN);
  });

  it('lets a raw route write its own response', async () => {
    const res = await fetch(`${base}/raw`, { headers: auth });
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('raw body');
  });

  it('requires the bearer cluster token on non-public routes and accepts it case-insensitively', async () => {
    expect((await api(base, 'GET', '/images/prune')).status).toBe(401);
    const wrong = await api(base, 'GET', '/images/prune', undefined, {
      authorization: 'Bearer wrong-token-0123456789',
    });
    expect(wrong).toMatchObject({ status: 401, body: { detail: 'Invalid cluster token.' } });
    expect(
      (await api(base, 'GET', '/images/prune', undefined, { authorization: `Basic ${TOKEN}` }))
        .status,
    ).toBe(401);
    expect(
      (await api(base, 'GET', '/images/prune', undefined, { authorization: `bearer ${TOKEN}` }))
        .status,
    ).toBe(200);
    expect((await api(base, 'GET', '/health')).status).toBe(200);
  });

  it('answers HEAD with the GET route', async () => {
    const res = await fetch(`${base}/health`, { method: 'HEAD' });
    expect(res.status).toBe(200);
  });
});
