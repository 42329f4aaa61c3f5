// Every stream either program makes from a request body, driven into its error paths: bodies that
// end too early, malformed multipart at every parser state, connections cut mid-body after the
// consumer started writing. The process must answer (or drop that one connection), stay up,
// keep nothing from the failed request, and serve the next request normally.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WakeProxy } from '../../src-main/agent/engine/warm/wake-proxy.js';
import { freePort } from '../helpers/engine-harness.js';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { api } from '../helpers/http.js';
import { head, rawRequestBytes, sendRaw } from '../helpers/raw-http.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

let agent: AgentProcess;
let serve: ServeProcess;
let work: string;
beforeAll(async () => {
  [agent, serve] = await Promise.all([startAgent(), startServe()]);
  work = mkdtempSync(join(tmpdir(), 'aerie-streams-'));
});
afterAll(async () => {
  await Promise.all([agent.stop(), serve.stop()]);
  rmSync(work, { recursive: true, force: true });
});

const auth = () => ({ Authorization: `Bearer ${agent.token ?? ''}` });
const mp = (boundary = 'B') => ({
  ...auth(),
  'Content-Type': `multipart/form-data; boundary=${boundary}`,
});
const partHead = (filename: string) =>
  `--B\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`;

/** Files left under `dir` (recursively), as relative paths. */
function leftovers(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

async function expectAlive(p: { proc: { exitCode: number | null }; url: string }, path: string) {
  expect(p.proc.exitCode, 'the process exited').toBeNull();
  expect((await fetch(`${p.url}${path}`)).status).toBe(200);
}

describe('agent: multipart package uploads that end before their closing boundary', () => {
  it.each([
    // The probe's 111-byte request: one part, its first byte, no closing boundary.
    ['a part with one byte of data', `${partHead('x.whl')}x`],
    ['only the first delimiter', '--B'],
    ['part headers that never end', partHead('x.whl').slice(0, -4)],
    ['an archive part cut in its data', `${partHead('x.tar.gz')}${'\x1f\x8b'.repeat(5000)}`],
    ['a part followed by a broken delimiter', `${partHead('x.whl')}abc\r\n--Bxx`],
  ])('answers %s with 400 and stays up', async (_what, body) => {
    const r = await sendRaw(agent.url, rawRequestBytes('POST', '/packages/upload', mp(), body));
    expect(r.status).toBe(400);
    expect((r.json as { detail: string }).detail).toMatch(/^Malformed multipart upload: /);
    await expectAlive(agent, '/health');
    await waitFor(
      () => leftovers(join(agent.dataDir, 'packages', '.tmp')).length === 0,
      5000,
      'the package staging dir to be empty',
    );
  });

  it('answers an archive part that is not gzip with 400 and stays up', async () => {
    const body = `${partHead('x.tar.gz')}not gzip at all\r\n--B--\r\n`;
    const r = await sendRaw(agent.url, rawRequestBytes('POST', '/packages/upload', mp(), body));
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ detail: 'The archive is not valid gzip data.' });
    await expectAlive(agent, '/health');
  });
});

/** Sends the head and the first `sent` bytes of a body declared `declared` long, waits for `ready`, then cuts the connection. */
async function cutMidBody(
  method: string,
  path: string,
  headers: Record<string, string>,
  prefix: Buffer,
  ready: () => boolean,
): Promise<void> {
  const declared = prefix.length + 8 * 1024 * 1024;
  const start = Buffer.concat([
    Buffer.from(head(method, path, { ...headers, 'Content-Length': String(declared) })),
    prefix,
  ]);
  const url = new URL(agent.url);
  const socket = connect(Number(url.port), url.hostname);
  socket.on('error', () => undefined);
  socket.write(start);
  try {
    await waitFor(ready, 10_000, `the ${method} ${path} consumer to start writing`);
  } finally {
    socket.destroy();
  }
}

describe('agent: connections cut mid-body after the consumer started writing', () => {
  it('a package upload: nothing is kept and the next upload works', async () => {
    const staging = join(agent.dataDir, 'packages', '.tmp');
    await cutMidBody(
      'POST',
      '/packages/upload',
      mp(),
      Buffer.concat([Buffer.from(partHead('cut-1.0-py3-none-any.whl')), Buffer.alloc(256 * 1024)]),
      () => leftovers(staging).some((p) => p.endsWith('.whl')),
    );
    await waitFor(() => leftovers(staging).length === 0, 5000, 'the package spool to be removed');
    await expectAlive(agent, '/health');
    const ok = await sendRaw(
      agent.url,
      rawRequestBytes(
        'POST',
        '/packages/upload',
        mp(),
        `${partHead('ok-1.0-py3-none-any.whl')}wheel\r\n--B--\r\n`,
      ),
    );
    expect(ok.status).toBe(200);
  });

  it('a folder-upload file: the partial file is deleted and the session accepts it again', async () => {
    const begin = await api(
      agent.url,
      'POST',
      '/local-models/upload/begin',
      { name: 'cut-folder', total_bytes: 16 * 1024 * 1024, file_count: 1 },
      auth(),
    );
    const sid = (begin.body as { session_id: string }).session_id;
    const partial = join(agent.dataDir, 'models', '.tmp', `.partial-${sid}`);
    try {
      await cutMidBody(
        'PUT',
        `/local-models/upload/${sid}/file?path=w.bin`,
        auth(),
        Buffer.alloc(64 * 1024),
        () => existsSync(join(partial, 'w.bin')),
      );
      await waitFor(() => !existsSync(join(partial, 'w.bin')), 5000, 'the partial file to go');
      await expectAlive(agent, '/health');
      const again = await sendRaw(
        agent.url,
        rawRequestBytes('PUT', `/local-models/upload/${sid}/file?path=w.bin`, auth(), 'abcde'),
      );
      expect(again.status).toBe(200);
    } finally {
      await api(agent.url, 'POST', `/local-models/upload/${sid}/abort`, undefined, auth());
    }
  });

  it.each(['tar.gz', 'zip'] as const)(
    'a .%s archive upload: the staging dir is removed',
    async (kind) => {
      const staging = join(agent.dataDir, 'models', '.tmp');
      const src = join(work, `src-${kind}`);
      const archive = join(work, `m.${kind}`);
      execFileSync('mkdir', ['-p', src]);
      execFileSync('dd', ['if=/dev/urandom', `of=${join(src, 'w.bin')}`, 'bs=1M', 'count=4'], {
        stdio: 'ignore',
      });
      if (kind === 'tar.gz') execFileSync('tar', ['-czf', archive, '-C', src, '.']);
      else execFileSync('python3', ['-m', 'zipfile', '-c', archive, join(src, 'w.bin')]);
      const bytes = execFileSync('head', ['-c', String(1024 * 1024), archive]);
      await cutMidBody(
        'POST',
        `/local-models/archive?name=cut-${kind.replace('.', '-')}&filename=m.${kind}`,
        auth(),
        bytes,
        () => leftovers(staging).some((p) => p.endsWith('w.bin') || p.endsWith('upload.zip')),
      );
      await waitFor(() => leftovers(staging).length === 0, 5000, 'the archive staging to go');
      await expectAlive(agent, '/health');
    },
  );

  it('a JSON body: the agent drops that connection and answers the next request', async () => {
    const r = await sendRaw(
      agent.url,
      `${head('POST', '/deployments/start', { ...auth(), 'Content-Type': 'application/json', 'Content-Length': '1000' })}{"model_na`,
      { then: 'end' },
    );
    expect([0, 400]).toContain(r.status);
    await expectAlive(agent, '/health');
  });
});

describe('control plane: JSON bodies that end early or are not what they claim', () => {
  const json = { 'Content-Type': 'application/json' };

  it('drops a connection cut mid-body and stays up', async () => {
    const r = await sendRaw(
      serve.url,
      `${head('POST', '/api/configs', { ...json, 'Content-Length': '1000' })}{"name":"x`,
      { then: 'end' },
    );
    expect([0, 400]).toContain(r.status);
    await expectAlive(serve, '/api/health');
  });

  it('drops a gzip body cut mid-stream and stays up', async () => {
    const { gzipSync } = await import('node:zlib');
    const gz = gzipSync(JSON.stringify({ name: 'x', config: { a: 'y'.repeat(5000) } }));
    const r = await sendRaw(
      serve.url,
      Buffer.concat([
        Buffer.from(
          head('POST', '/api/configs', {
            ...json,
            'Content-Encoding': 'gzip',
            'Content-Length': String(gz.length),
          }),
        ),
        gz.subarray(0, 20),
      ]),
      { then: 'end' },
    );
    expect(r.status === 0 || (r.status >= 400 && r.status < 500)).toBe(true);
    await expectAlive(serve, '/api/health');
    expect((await api(serve.url, 'GET', '/api/configs')).status).toBe(200);
  });
});

describe('agent: the wake proxy forwarding a request body that is cut off', () => {
  it.each([
    ['while the model is still waking', true],
    ['while the body is being forwarded', false],
  ])('drops the connection %s and serves the next request', async (_what, slowWake) => {
    const received: string[] = [];
    const up = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('error', () => undefined);
      req.on('end', () => {
        received.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    let wake: () => void = () => undefined;
    let waking = false;
    const proxy = new WakeProxy({
      publicPort: await freePort(),
      internalPort: (up.address() as AddressInfo).port,
      host: '127.0.0.1',
      hooks: {
        ensureActive: () =>
          slowWake && !waking
            ? new Promise<void>((r) => {
                waking = true;
                wake = r;
              })
            : Promise.resolve(),
        touch: () => undefined,
      },
    });
    const port = await proxy.listen();
    const base = `http://127.0.0.1:${port}`;
    try {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(
        `${head('POST', '/v1/chat/completions', { 'Content-Type': 'application/json', 'Content-Length': '100000' })}{"model":"m","messages":[`,
      );
      await waitFor(
        () => (slowWake ? waking : proxy.inflight > 0),
        5000,
        'the proxy to take the request',
      );
      socket.destroy();
      wake();
      await waitFor(() => proxy.inflight === 0, 5000, 'the cut request to be dropped');
      const next = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"model":"m"}',
      });
      expect(next.status).toBe(200);
      expect(received).toContain('{"model":"m"}');
    } finally {
      await proxy.close();
      up.closeAllConnections();
      await new Promise((r) => up.close(r));
    }
  });
});
