import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { VllmReleaseService } from '../../src-main/health/vllm-release.service.js';
import { waitFor } from '../helpers/wait.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

async function releases(handler: Handler) {
  const hits = { n: 0 };
  const server = createServer((req, res) => {
    hits.n++;
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/latest`, hits };
}

/** A releases server that never answers; counts the requests closed before an answer. */
function hanging() {
  const seen = { aborted: 0 };
  const handler: Handler = (_req, res) =>
    void res.on('close', () => {
      if (!res.writableEnded) seen.aborted++;
    });
  return { handler, seen };
}

const json =
  (body: unknown, status = 200): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

describe('latest vLLM release', () => {
  it('answers the tag without its v and caches it for an hour', async () => {
    const { url, hits } = await releases(json({ tag_name: 'v0.11.2' }));
    let now = 1_000_000;
    const svc = new VllmReleaseService({ url, now: () => now });
    expect(await svc.latest()).toBe('0.11.2');
    now += 59 * 60_000;
    expect(await svc.latest()).toBe('0.11.2');
    expect(hits.n).toBe(1);
    now += 2 * 60_000;
    await svc.latest();
    expect(hits.n).toBe(2);
  });

  it('keeps the stale value when a refresh fails, and backs off before retrying', async () => {
    let fail = false;
    const { url, hits } = await releases((req, res) =>
      fail
        ? json({ message: 'rate limited' }, 403)(req, res)
        : json({ tag_name: 'v0.10.0' })(req, res),
    );
    let now = 0;
    const svc = new VllmReleaseService({ url, now: () => now, retryAfterErrorMs: 60_000 });
    expect(await svc.latest()).toBe('0.10.0');
    fail = true;
    now += 3_600_001;
    expect(await svc.latest()).toBe('0.10.0');
    expect(await svc.latest()).toBe('0.10.0');
    expect(hits.n).toBe(2);
  });

  it('answers "" when it never fetched one, including for a body without a tag', async () => {
    const { url } = await releases(json({ name: 'no tag here' }));
    expect(await new VllmReleaseService({ url }).latest()).toBe('');
    expect(await new VllmReleaseService({ url: 'http://127.0.0.1:1/unreachable' }).latest()).toBe(
      '',
    );
  });

  it('aborts a request the server never answers once the fetch timeout fires, and answers ""', async () => {
    const upstream = hanging();
    const { url } = await releases(upstream.handler);
    expect(await new VllmReleaseService({ url, timeoutMs: 100 }).latest()).toBe('');
    await waitFor(() => upstream.seen.aborted === 1, 5000, 'the upstream request to be aborted');
  });

  it('serves the stale value when a refresh times out', async () => {
    const upstream = hanging();
    let hang = false;
    const { url, hits } = await releases((req, res) =>
      hang ? upstream.handler(req, res) : json({ tag_name: 'v0.10.0' })(req, res),
    );
    let now = 0;
    const svc = new VllmReleaseService({ url, now: () => now, timeoutMs: 100 });
    expect(await svc.latest()).toBe('0.10.0');
    hang = true;
    now += 3_600_001;
    expect(await svc.latest()).toBe('0.10.0');
    await waitFor(() => upstream.seen.aborted === 1, 5000, 'the refresh to be aborted');
    // Within the back-off after the failure, no new request is made.
    expect(await svc.latest()).toBe('0.10.0');
    expect(hits.n).toBe(2);
  });

  it('shares one fetch between concurrent callers', async () => {
    const { url, hits } = await releases(json({ tag_name: 'v1.0.0' }));
    const svc = new VllmReleaseService({ url });
    // The three calls are made before the first request can even be sent.
    expect(await Promise.all([svc.latest(), svc.latest(), svc.latest()])).toEqual([
      '1.0.0',
      '1.0.0',
      '1.0.0',
    ]);
    expect(hits.n).toBe(1);
  });
});
