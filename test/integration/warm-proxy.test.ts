import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WakeProxy } from '../../src-main/agent/engine/warm/wake-proxy.js';
import { freePort } from '../helpers/engine-harness.js';
import { waitFor } from '../helpers/wait.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function upstream(handler: Handler): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as AddressInfo).port, server };
}

/** Sends `target` exactly as written (no client-side URL normalisation); resolves with the status. */
function rawRequest(base: string, method: string, target: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path: target }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

async function proxyTo(
  internalPort: number,
  hooks: Partial<ConstructorParameters<typeof WakeProxy>[0]['hooks']> = {},
) {
  const publicPort = await freePort();
  const proxy = new WakeProxy({
    publicPort,
    internalPort,
    host: '127.0.0.1',
    hooks: { ensureActive: () => Promise.resolve(), touch: () => undefined, ...hooks },
  });
  await proxy.listen();
  cleanups.push(() => proxy.close());
  return { proxy, base: `http://127.0.0.1:${publicPort}` };
}

describe('wake proxy', () => {
  it('forwards method, path, query, headers and body, and passes the status through', async () => {
    const up = await upstream((req, res, body) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-up': 'yes' });
      res.end(
        JSON.stringify({ method: req.method, url: req.url, auth: req.headers.authorization, body }),
      );
    });
    const { base } = await proxyTo(up.port);
    const r = await fetch(`${base}/v1/load_lora_adapter?x=1&y=2`, {
      method: 'PUT',
      headers: { authorization: 'Bearer k' },
      body: 'payload',
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('x-up')).toBe('yes');
    expect(await r.json()).toEqual({
      method: 'PUT',
      url: '/v1/load_lora_adapter?x=1&y=2',
      auth: 'Bearer k',
      body: 'payload',
    });
  });

  it('streams the response: the first chunk arrives while the upstream is still writing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      void gate.then(() => res.end('data: [DONE]\n\n'));
    });
    const { base } = await proxyTo(up.port);
    const r = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      body: '{"stream":true}',
    });
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
    release();
    let rest = '';
    for (let c = await reader.read(); !c.done; c = await reader.read())
      rest += new TextDecoder().decode(c.value);
    expect(rest).toBe('data: [DONE]\n\n');
  });

  it('cancels the upstream request when the client goes away', async () => {
    let upstreamClosed = false;
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: tick\n\n');
      const timer = setInterval(() => res.write('data: tick\n\n'), 20);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed = true;
      });
    });
    const { base } = await proxyTo(up.port);
    const abort = new AbortController();
    const r = await fetch(`${base}/v1/completions`, {
      method: 'POST',
      body: '{}',
      signal: abort.signal,
    });
    await r.body!.getReader().read();
    abort.abort();
    await waitFor(() => upstreamClosed, 5000, 'the upstream request to be closed');
  });

  it('never exposes the sleep-mode endpoints', async () => {
    let hits = 0;
    const up = await upstream((_req, res) => {
      hits++;
      res.end('{}');
    });
    const { base } = await proxyTo(up.port);
    for (const path of [
      '/sleep?level=1',
      '/wake_up',
      '/wake_up?tags=weights',
      '/is_sleeping',
      '/reset_prefix_cache/',
    ]) {
      const r = await fetch(`${base}${path}`, { method: 'POST' });
      expect(r.status).toBe(404);
    }
    expect(hits).toBe(0);
  });

  it('hides every dev-mode route however the path is spelled, and passes the others', async () => {
    const seen: string[] = [];
    const up = await upstream((req, res) => {
      seen.push(req.url ?? '');
      res.end('{}');
    });
    const { base } = await proxyTo(up.port);
    for (const [method, target] of [
      ['POST', '/collective_rpc'],
      ['GET', '/server_info'],
      ['POST', '/reset_mm_cache'],
      ['POST', '/%63ollective_rpc'],
      ['GET', '//server_info'],
      ['POST', '/v1/../collective_rpc'],
      ['GET', '/SERVER_INFO/'],
      ['GET', '/%E0%A4%A'],
    ] as const) {
      expect([target, await rawRequest(base, method, target)]).toEqual([target, 404]);
    }
    expect(seen).toEqual([]);
    expect(await rawRequest(base, 'GET', '/version')).toBe(200);
    expect(seen).toEqual(['/version']);
  });

  it('wakes for a generation path written with encoded characters or doubled slashes', async () => {
    const up = await upstream((_req, res) => res.end('{}'));
    let wakes = 0;
    const { base } = await proxyTo(up.port, {
      ensureActive: () => {
        wakes++;
        return Promise.resolve();
      },
    });
    expect(await rawRequest(base, 'POST', '/v1/chat/%63ompletions')).toBe(200);
    expect(await rawRequest(base, 'POST', '//v1/completions')).toBe(200);
    expect(wakes).toBe(2);
  });

  it('wakes before a generation request, not before other requests, and stamps activity', async () => {
    const seen: string[] = [];
    const up = await upstream((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.end('{}');
    });
    let wakes = 0;
    let touches = 0;
    const { base } = await proxyTo(up.port, {
      ensureActive: () => {
        wakes++;
        seen.push('wake');
        return Promise.resolve();
      },
      touch: () => void touches++,
    });
    await fetch(`${base}/v1/models`);
    await fetch(`${base}/health`);
    expect(wakes).toBe(0);
    await fetch(`${base}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(seen).toEqual(['GET /v1/models', 'GET /health', 'wake', 'POST /v1/embeddings']);
    expect(touches).toBeGreaterThan(0);
  });

  it('answers 502 deployment_unreachable when nothing listens upstream', async () => {
    const { base } = await proxyTo(await freePort());
    const r = await fetch(`${base}/v1/models`);
    expect(r.status).toBe(502);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe(
      'deployment_unreachable',
    );
  });
});
