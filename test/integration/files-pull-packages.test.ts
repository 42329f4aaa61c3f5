import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildArchive,
  jsonRequest,
  rawRequest,
  snapshotTree,
  startFilesAgent,
  writeTree,
  type FilesAgent,
} from '../helpers/agent-routes-server.js';
import { waitFor } from '../helpers/wait.js';
import type { TransferRecord } from '../../src-main/shared/agent-protocol/files.js';

let a: FilesAgent;
let work: string;
let files: Server;
let filesUrl: string;
const served = new Map<string, Buffer>();

beforeAll(async () => {
  a = await startFilesAgent();
  work = mkdtempSync(join(tmpdir(), 'aerie-pull-'));
  writeTree(join(work, 'src'), {
    'wrap/config.json': '{"m":1}',
    'wrap/w.safetensors': 'S'.repeat(300_000),
  });
  buildArchive(join(work, 'src'), join(work, 'm.tar.gz'), 'tar.gz');
  served.set('/dl/tiny.Q4.gguf', Buffer.alloc(2 * 1024 * 1024, 7));
  served.set('/dl/packed-model.tar.gz', readFileSync(join(work, 'm.tar.gz')));
  files = createServer((req, res) => {
    const body = served.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!body) return res.writeHead(404).end('no');
    res.writeHead(200, { 'content-length': String(body.length) });
    res.end(body);
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await a.stop();
  await new Promise((r) => files.close(r));
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  a.free.bytes = null;
  a.clock.now = null;
});

async function finished(id: string): Promise<TransferRecord> {
  let rec: TransferRecord | undefined;
  await waitFor(
    async () => {
      const list = (await jsonRequest(a.url, 'GET', '/local-models/transfers'))
        .body as TransferRecord[];
      rec = list.find((t) => t.id === id);
      return rec?.status === 'done' || rec?.status === 'error';
    },
    20_000,
    `transfer ${id} to finish`,
  );
  if (!rec) throw new Error('transfer vanished');
  return rec;
}
const pull = (body: unknown) => jsonRequest(a.url, 'POST', '/local-models/pull', body);

describe('pull from URL', () => {
  it('downloads a single .gguf as-is under a name taken from the URL, reporting progress', async () => {
    const r = await pull({ url: `${filesUrl}/dl/tiny.Q4.gguf?sig=abc` });
    expect(r).toMatchObject({
      status: 202,
      body: { kind: 'pull', name: 'tiny.Q4.gguf', status: 'downloading' },
    });
    const done = await finished((r.body as TransferRecord).id);
    const path = join(a.dataDir, 'models', 'tiny.Q4.gguf', 'tiny.Q4.gguf');
    expect(done).toMatchObject({
      status: 'done',
      total_bytes: 2 * 1024 * 1024,
      received_bytes: 2 * 1024 * 1024,
      error: null,
      path,
    });
    expect(readFileSync(path).equals(served.get('/dl/tiny.Q4.gguf') ?? Buffer.alloc(0))).toBe(true);
    expect(a.progress.filter((p) => p.id === done.id).at(-1)?.status).toBe('done');
  });

  it('extracts an archive and flattens its wrapper, the name defaulting to the file name minus the suffix', async () => {
    const r = await pull({ url: `${filesUrl}/dl/packed-model.tar.gz` });
    const done = await finished((r.body as TransferRecord).id);
    expect(done).toMatchObject({ status: 'done', name: 'packed-model' });
    expect(readFileSync(join(a.dataDir, 'models', 'packed-model', 'config.json'), 'utf8')).toBe(
      '{"m":1}',
    );
    expect(a.progress.some((p) => p.id === done.id && p.status === 'extracting')).toBe(true);
  });

  it('records a server error on the transfer and leaves no model or staging behind', async () => {
    const r = await pull({ url: `${filesUrl}/dl/missing.gguf`, name: 'never' });
    const done = await finished((r.body as TransferRecord).id);
    expect(done.status).toBe('error');
    expect(done.error).toContain('HTTP 404');
    expect(existsSync(join(a.dataDir, 'models', 'never'))).toBe(false);
    expect(snapshotTree(join(a.dataDir, 'models', '.tmp'))).toEqual([]);
  });

  it('fails the transfer with "Not enough disk space" when the download does not fit', async () => {
    a.free.bytes = 2 * 1024 ** 3 + 1024;
    const r = await pull({ url: `${filesUrl}/dl/tiny.Q4.gguf`, name: 'no-room' });
    const done = await finished((r.body as TransferRecord).id);
    expect(done.error).toContain('Not enough disk space');
    expect(existsSync(join(a.dataDir, 'models', 'no-room'))).toBe(false);
  });

  it.each(['file:///etc/passwd', 'ftp://host/x.gguf', 'not a url'])(
    'rejects %s with 400',
    async (url) => {
      const r = await pull({ url, name: 'x' });
      expect(r.status).toBe(400);
    },
  );

  it('refuses a name that exists with 409', async () => {
    writeTree(join(a.dataDir, 'models'), { 'have-it/config.json': '{}' });
    expect((await pull({ url: `${filesUrl}/dl/tiny.Q4.gguf`, name: 'have-it' })).status).toBe(409);
  });

  it('drops finished transfers from the list an hour after they finished', async () => {
    const before = (
      (await jsonRequest(a.url, 'GET', '/local-models/transfers')).body as TransferRecord[]
    ).length;
    expect(before).toBeGreaterThan(0);
    a.clock.now = Date.now() + 61 * 60_000;
    expect((await jsonRequest(a.url, 'GET', '/local-models/transfers')).body).toEqual([]);
  });
});

function multipart(filename: string, content: Buffer, boundary = 'AeRiEbOuNdArY'): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n`),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}
const mpHeaders = (b = 'AeRiEbOuNdArY') => ({
  'content-type': `multipart/form-data; boundary=${b}`,
});

describe('packages', () => {
  const pkgs = () => join(a.dataDir, 'packages');

  it('stores a wheel under its content hash (browser FormData upload) and lists it', async () => {
    const form = new FormData();
    form.append(
      'file',
      new Blob([Buffer.from('wheel-bytes\r\n--not-a-boundary')]),
      'pkg-1.0-py3-none-any.whl',
    );
    const res = await fetch(`${a.url}/packages/upload`, { method: 'POST', body: form });
    const body = (await res.json()) as {
      package_id: string;
      install_path: string;
      type: string;
      status: string;
    };
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      status: 'uploaded',
      filename: 'pkg-1.0-py3-none-any.whl',
      type: 'package',
    });
    expect(body.package_id).toMatch(/^[0-9a-f]{16}$/);
    expect(body.install_path).toBe(join(pkgs(), body.package_id, 'pkg-1.0-py3-none-any.whl'));
    expect(readFileSync(body.install_path, 'utf8')).toBe('wheel-bytes\r\n--not-a-boundary');
    const again = await rawRequest(
      a.url,
      'POST',
      '/packages/upload',
      multipart('pkg-1.0-py3-none-any.whl', Buffer.from('wheel-bytes\r\n--not-a-boundary')),
      mpHeaders(),
    );
    expect(again.body).toMatchObject({ package_id: body.package_id });
    const list = (await jsonRequest(a.url, 'GET', '/packages')).body as { package_id: string }[];
    expect(list.filter((p) => p.package_id === body.package_id)).toHaveLength(1);
  });

  it('stores a .py as a plugin, parsing a body that arrives in 7-byte pieces', async () => {
    const bytes = multipart('my_parser.py', Buffer.from('print("plugin")\n'), 'xYz');
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) =>
      bytes.subarray(i * 7, i * 7 + 7),
    );
    const r = await rawRequest(
      a.url,
      'POST',
      '/packages/upload',
      Readable.from(chunks),
      mpHeaders('xYz'),
    );
    expect(r).toMatchObject({ status: 200, body: { type: 'plugin', filename: 'my_parser.py' } });
    expect(readFileSync((r.body as { install_path: string }).install_path, 'utf8')).toBe(
      'print("plugin")\n',
    );
  });

  it('extracts a .tar.gz package into its hashed folder', async () => {
    const r = await rawRequest(
      a.url,
      'POST',
      '/packages/upload',
      multipart('src-pkg.tar.gz', readFileSync(join(work, 'm.tar.gz'))),
      mpHeaders(),
    );
    expect(r.status).toBe(200);
    const path = (r.body as { install_path: string }).install_path;
    expect(readdirSync(path).sort()).toEqual(['config.json', 'w.safetensors']);
  });

  it('rejects other file types with 400 and stores nothing', async () => {
    const before = snapshotTree(pkgs());
    const r = await rawRequest(
      a.url,
      'POST',
      '/packages/upload',
      multipart('tool.exe', Buffer.from('MZ')),
      mpHeaders(),
    );
    expect(r.status).toBe(400);
    expect(r.detail).toContain('.whl, .py, .tar.gz, .tgz or .zip');
    expect(snapshotTree(pkgs())).toEqual(before);
  });

  it('answers 400 for a body that is not multipart or has no file field', async () => {
    expect(
      (await rawRequest(a.url, 'POST', '/packages/upload', 'x', { 'content-type': 'text/plain' }))
        .status,
    ).toBe(400);
    const noFile = Buffer.from(
      '--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nv\r\n--b--\r\n',
    );
    expect(
      (await rawRequest(a.url, 'POST', '/packages/upload', noFile, mpHeaders('b'))).status,
    ).toBe(400);
  });

  it('answers 507 when the upload does not fit on disk', async () => {
    a.free.bytes = 2 * 1024 ** 3;
    expect(
      (
        await rawRequest(
          a.url,
          'POST',
          '/packages/upload',
          multipart('p.whl', Buffer.from('w')),
          mpHeaders(),
        )
      ).status,
    ).toBe(507);
  });

  it('deletes a package and answers 404 for an unknown one', async () => {
    const r = await rawRequest(
      a.url,
      'POST',
      '/packages/upload',
      multipart('del.py', Buffer.from('x = 1')),
      mpHeaders(),
    );
    const id = (r.body as { package_id: string }).package_id;
    expect((await jsonRequest(a.url, 'DELETE', `/packages/${id}`)).status).toBe(200);
    expect(existsSync(join(pkgs(), id))).toBe(false);
    expect((await jsonRequest(a.url, 'DELETE', `/packages/${id}`)).status).toBe(404);
  });
});
