import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildArchive,
  buildZip,
  jsonRequest,
  rawRequest,
  snapshotTree,
  startFilesAgent,
  writeTree,
  type FilesAgent,
} from '../helpers/agent-routes-server.js';
import { waitFor } from '../helpers/wait.js';

let a: FilesAgent;
let work: string;
beforeAll(async () => {
  a = await startFilesAgent();
  work = mkdtempSync(join(tmpdir(), 'aerie-upl-'));
});
afterAll(async () => {
  await a.stop();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  a.free.bytes = null;
  a.clock.now = null;
});

const models = () => join(a.dataDir, 'models');
const staging = () => join(models(), '.tmp');

async function begin(name: string, total: number, count: number): Promise<string> {
  const r = await jsonRequest(a.url, 'POST', '/local-models/upload/begin', {
    name,
    total_bytes: total,
    file_count: count,
  });
  expect(r.status).toBe(200);
  return (r.body as { session_id: string }).session_id;
}
const put = (sid: string, path: string, data: Buffer | string) =>
  rawRequest(
    a.url,
    'PUT',
    `/local-models/upload/${sid}/file?path=${encodeURIComponent(path)}`,
    data,
  );

describe('streamed folder upload', () => {
  it('streams files into staging and renames the folder into place on finish', async () => {
    const sid = await begin('up-one', 7, 2);
    expect((await put(sid, 'config.json', '{}')).status).toBe(200);
    expect((await put(sid, 'sub/w.bin', 'abcde')).status).toBe(200);
    const r = await jsonRequest(a.url, 'POST', `/local-models/upload/${sid}/finish`, {});
    expect(r).toMatchObject({
      status: 200,
      body: { name: 'up-one', path: join(models(), 'up-one'), warnings: [] },
    });
    expect(readFileSync(join(models(), 'up-one', 'sub', 'w.bin'), 'utf8')).toBe('abcde');
    expect(snapshotTree(staging())).toEqual([]);
  });

  it('flattens a single wrapping folder when asked and warns when no weights or config are at the top', async () => {
    const sid = await begin('up-flat', 3, 1);
    await put(sid, 'wrapper/readme.txt', 'hi!');
    const r = await jsonRequest(a.url, 'POST', `/local-models/upload/${sid}/finish`, {
      flatten: true,
    });
    expect(r.status).toBe(200);
    expect(existsSync(join(models(), 'up-flat', 'readme.txt'))).toBe(true);
    expect((r.body as { warnings: string[] }).warnings[0]).toContain('No config.json');
  });

  it('warns that an empty upload is an empty model directory', async () => {
    const sid = await begin('up-empty', 0, 0);
    const r = await jsonRequest(a.url, 'POST', `/local-models/upload/${sid}/finish`);
    expect(r.body).toMatchObject({ warnings: ['The model directory is empty.'] });
  });

  it('refuses a name that exists with 409 "already exists; delete it first."', async () => {
    writeTree(models(), { 'taken/config.json': '{}' });
    const r = await jsonRequest(a.url, 'POST', '/local-models/upload/begin', {
      name: 'taken',
      total_bytes: 1,
      file_count: 1,
    });
    expect(r.status).toBe(409);
    expect(r.detail).toContain('already exists; delete it first.');
  });

  it('answers 507 before touching disk when bytes + 2 GiB exceed the free space', async () => {
    a.free.bytes = 3 * 1024 ** 3;
    const before = snapshotTree(a.dataDir);
    const r = await jsonRequest(a.url, 'POST', '/local-models/upload/begin', {
      name: 'too-big',
      total_bytes: 1.5 * 1024 ** 3,
      file_count: 1,
    });
    expect(r.status).toBe(507);
    expect(r.detail).toContain('Not enough disk space: ');
    expect(snapshotTree(a.dataDir)).toEqual(before);
  });

  it('rejects bytes beyond the declared total with 413 and keeps no file', async () => {
    const sid = await begin('up-over', 4, 1);
    const r = await put(sid, 'big.bin', 'way more than four bytes');
    expect(r.status).toBe(413);
    expect(
      snapshotTree(staging()).filter((p) => p.endsWith('file 0') || p.includes('big.bin')),
    ).toEqual([]);
  });

  it('refuses to finish while bytes are missing, with 400', async () => {
    const sid = await begin('up-missing', 10, 2);
    await put(sid, 'a.bin', 'abc');
    const r = await jsonRequest(a.url, 'POST', `/local-models/upload/${sid}/finish`, {});
    expect(r.status).toBe(400);
    expect(r.detail).toContain('received 3 of 10 bytes');
    expect(existsSync(join(models(), 'up-missing'))).toBe(false);
  });

  it('drops the partial file of a client that disconnects mid-file and lets the session resend it', async () => {
    const total = 4 * 1024 * 1024;
    const sid = await begin('up-cut', total, 1);
    const url = new URL(a.url);
    await new Promise<void>((resolve) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        method: 'PUT',
        path: `/local-models/upload/${sid}/file?path=w.bin`,
        headers: { 'content-length': String(total) },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(Buffer.alloc(1024 * 1024, 1));
      // Cut the connection only once the server has started writing the file.
      void waitFor(
        () => snapshotTree(staging()).some((p) => p.includes('w.bin')),
        10_000,
        'the upload to start',
      ).then(() => req.destroy());
    });
    await waitFor(
      () => !snapshotTree(staging()).some((p) => p.includes('w.bin')),
      10_000,
      'the partial file to be removed',
    );
    expect(existsSync(join(models(), 'up-cut'))).toBe(false);
    expect((await put(sid, 'w.bin', Buffer.alloc(total, 2))).status).toBe(200);
    const r = await jsonRequest(a.url, 'POST', `/local-models/upload/${sid}/finish`, {});
    expect(r).toMatchObject({ status: 200, body: { size_mb: 4 } });
  });

  it('abort removes everything the session staged', async () => {
    const before = snapshotTree(staging());
    const sid = await begin('up-abort', 3, 1);
    await put(sid, 'x/y.bin', 'abc');
    expect((await jsonRequest(a.url, 'POST', `/local-models/upload/${sid}/abort`)).status).toBe(
      200,
    );
    expect(snapshotTree(staging())).toEqual(before);
    expect((await put(sid, 'z', 'a')).status).toBe(404);
  });

  it('expires a session idle for more than 6 hours and wipes its staging', async () => {
    const sid = await begin('up-idle', 3, 2);
    await put(sid, 'a.bin', 'a');
    a.clock.now = Date.now() + 6 * 3600_000 + 60_000;
    const r = await put(sid, 'b.bin', 'b');
    expect(r.status).toBe(404);
    expect(r.detail).toContain('expired');
    expect(snapshotTree(staging())).toEqual([]);
  });
});

describe('archive upload', () => {
  const send = (name: string, filename: string, body: Buffer) =>
    rawRequest(
      a.url,
      'POST',
      `/local-models/archive?name=${name}&filename=${encodeURIComponent(filename)}`,
      body,
    );

  it('extracts a .tar.gz while streaming and flattens its single wrapping folder', async () => {
    const src = join(work, 'tgz-src');
    writeTree(src, {
      'my-model/config.json': '{"x":1}',
      'my-model/weights/w.safetensors': 'W'.repeat(70_000),
    });
    buildArchive(src, join(work, 'm.tar.gz'), 'tar.gz');
    const r = await send('arch-tgz', 'm.tar.gz', readFileSync(join(work, 'm.tar.gz')));
    expect(r).toMatchObject({ status: 200, body: { name: 'arch-tgz', warnings: [] } });
    expect(readFileSync(join(models(), 'arch-tgz', 'weights', 'w.safetensors'), 'utf8')).toBe(
      'W'.repeat(70_000),
    );
    expect(snapshotTree(staging())).toEqual([]);
  });

  it('spools and extracts a .zip', async () => {
    const src = join(work, 'zip-src');
    writeTree(src, { 'config.json': '{}', 'tok/tokenizer.json': 'T' });
    buildArchive(src, join(work, 'm.zip'), 'zip');
    const r = await send('arch-zip', 'm.zip', readFileSync(join(work, 'm.zip')));
    expect(r.status).toBe(200);
    expect(readFileSync(join(models(), 'arch-zip', 'tok', 'tokenizer.json'), 'utf8')).toBe('T');
  });

  it.each([
    ['tar.gz', '../'],
    ['zip', '../'],
    ['zip', '/abs/'],
  ])('rejects a %s with a %s member with 400 and keeps nothing', async (kind, prefix) => {
    const file = join(work, `evil.${kind}`);
    if (kind === 'zip')
      buildZip(file, [
        { name: 'config.json', data: '{}' },
        { name: `${prefix}evil.txt`, data: 'x' },
      ]);
    else {
      writeTree(join(work, 'ev', 'in'), { 'evil.txt': 'x', 'config.json': '{}' });
      const { execFileSync } = await import('node:child_process');
      execFileSync('tar', [
        '-czf',
        file,
        '-P',
        '-C',
        join(work, 'ev', 'in'),
        'config.json',
        '../in/evil.txt',
      ]);
    }
    const before = snapshotTree(a.dataDir);
    const r = await send('arch-evil', `evil.${kind}`, readFileSync(file));
    expect(r.status).toBe(400);
    expect(r.detail).toContain('escapes the target directory');
    expect(snapshotTree(a.dataDir)).toEqual(before);
  });

  it('needs a Content-Length (411) so that disk space is checked first, and 507 when it does not fit', async () => {
    const r = await rawRequest(
      a.url,
      'POST',
      '/local-models/archive?name=arch-len&filename=x.tgz',
      Readable.from([Buffer.from('abc')]),
    );
    expect(r.status).toBe(411);
    a.free.bytes = 2 * 1024 ** 3 + 10;
    const before = snapshotTree(a.dataDir);
    const big = await send('arch-full', 'x.tgz', Buffer.alloc(100));
    expect(big.status).toBe(507);
    expect(snapshotTree(a.dataDir)).toEqual(before);
  });
});
