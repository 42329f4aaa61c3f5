import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

async function releasesServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/repos/vllm-project/vllm/releases/latest`;
}

async function serveWith(url: string): Promise<ServeProcess> {
  const s = await startServe([], { AERIE_VLLM_RELEASES_URL: url });
  cleanup.push(() => s.stop());
  return s;
}

describe('GET /vllm-version', () => {
  it('answers the latest release tag without its v', async () => {
    const s = await serveWith(
      await releasesServer((_q, r) => r.end(JSON.stringify({ tag_name: 'v0.11.1' }))),
    );
    expect((await api(s.url, 'GET', '/vllm-version')).body).toEqual({ version: '0.11.1' });
    expect((await api(s.url, 'GET', '/api/vllm-version')).body).toEqual({ version: '0.11.1' });
  });

  it('answers "" when the releases server never answers, dropping that request at its timeout', async () => {
    let aborted = 0;
    const s = await serveWith(
      await releasesServer((_q, r) =>
        r.on('close', () => {
          if (!r.writableEnded) aborted++;
        }),
      ),
    );
    const r = await api(s.url, 'GET', '/vllm-version');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ version: '' });
    await waitFor(() => aborted === 1, 5000, 'the releases request to be aborted');
  });

  it('answers "" when the releases server is down', async () => {
    const s = await serveWith('http://127.0.0.1:9/releases/latest');
    expect((await api(s.url, 'GET', '/vllm-version')).body).toEqual({ version: '' });
  });
});
