// A disk that fills up while an upload is written is the node's problem, not the client's: every
// upload route answers 507 with the reason, logs it, and keeps nothing. The disk is a real 8 MiB
// tmpfs (mounting needs root); the free-space pre-check is told the disk is large, as it would
// be when another writer fills the disk during the upload.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setLogSink } from '../../src-main/shared/node/structured-log.js';
import type { TransferRecord } from '../../src-main/shared/agent-protocol/files.js';
import {
  jsonRequest,
  rawRequest,
  snapshotTree,
  startFilesAgent,
  type FilesAgent,
} from '../helpers/agent-routes-server.js';
import { waitForValue } from '../helpers/wait.js';

const DISK_BYTES = 8 * 1024 * 1024;
const PAYLOAD = randomBytes(16 * 1024 * 1024);

let mnt: string;
let work: string;
let a: FilesAgent;
let files: Server;
let filesUrl: string;
const logged: Record<string, unknown>[] = [];

beforeAll(async () => {
  if (process.getuid?.() !== 0)
    throw new Error('The full-disk suite mounts a tmpfs and needs root (CI runs as root).');
  work = mkdtempSync(join(tmpdir(), 'aerie-full-src-'));
  mnt = mkdtempSync(join(tmpdir(), 'aerie-full-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_BYTES}`, 'tmpfs', mnt]);
  setLogSink((line) => logged.push(line));
  a = await startFilesAgent({ under: mnt });
  mkdirSync(join(work, 'src'));
  writeFileSync(join(work, 'src', 'w.bin'), PAYLOAD);
  execFileSync('tar', ['-czf', join(work, 'm.tar.gz'), '-C', join(work, 'src'), '.']);
  execFileSync('python3', ['-m', 'zipfile', '-c', join(work, 'm.zip'), join(work, 'src', 'w.bin')]);
  files = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(PAYLOAD.length) });
    res.end(PAYLOAD);
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await a?.stop();
  await new Promise((r) => files?.close(r));
  if (mnt) {
    execFileSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  a.free.bytes = 100 * 1024 ** 3;
  logged.length = 0;
});

/** Files (not empty folders) under the data dir. */
const filesNow = () => snapshotTree(a.dataDir).filter((p) => / file \d+$/.test(p));

/** Asserts the 507, its log line, and that the disk holds no more files than before the request. */
async function expectDiskFull(
  send: () => Promise<{ status: number; body: unknown }>,
): Promise<void> {
  const before = filesNow();
  const r = await send();
  expect(r.status, JSON.stringify(r.body)).toBe(507);
  const detail = (r.body as { detail: string }).detail;
  expect(detail).toMatch(/^Not enough disk space: the disk filled up/);
  expect(detail).not.toContain(mnt);
  expect(logged.find((l) => /disk (is )?full/i.test(String(l.msg)))).toMatchObject({
    level: 'error',
  });
  expect(filesNow().filter((p) => !before.includes(p))).toEqual([]);
  const fs = statfsSync(mnt);
  expect((fs.blocks - fs.bfree) * fs.bsize).toBeLessThan(DISK_BYTES / 2);
}

describe('a disk that fills up mid-upload', () => {
  it('answers a folder-upload file with 507, logs it, and drops the partial file', async () => {
    const begin = await jsonRequest(a.url, 'POST', '/local-models/upload/begin', {
      name: 'full-folder',
      total_bytes: PAYLOAD.length,
      file_count: 1,
    });
    const sid = (begin.body as { session_id: string }).session_id;
    await expectDiskFull(() =>
      rawRequest(a.url, 'PUT', `/local-models/upload/${sid}/file?path=w.bin`, PAYLOAD),
    );
    await jsonRequest(a.url, 'POST', `/local-models/upload/${sid}/abort`);
  });

  it.each(['tar.gz', 'zip'])('answers a .%s archive upload with 507', async (kind) => {
    const body = readFileSync(join(work, `m.${kind}`));
    await expectDiskFull(() =>
      rawRequest(a.url, 'POST', `/local-models/archive?name=full-${kind}&filename=m.${kind}`, body),
    );
  });

  it('answers a package upload with 507', async () => {
    const body = Buffer.concat([
      Buffer.from(
        '--B\r\nContent-Disposition: form-data; name="file"; filename="big-1.0-py3-none-any.whl"\r\n\r\n',
      ),
      PAYLOAD,
      Buffer.from('\r\n--B--\r\n'),
    ]);
    await expectDiskFull(() =>
      rawRequest(a.url, 'POST', '/packages/upload', body, {
        'content-type': 'multipart/form-data; boundary=B',
      }),
    );
  });

  it('ends a URL pull with the disk-space reason and keeps nothing', async () => {
    const before = filesNow();
    const r = await jsonRequest(a.url, 'POST', '/local-models/pull', {
      url: `${filesUrl}/big.gguf`,
    });
    expect(r.status).toBe(202);
    const id = (r.body as TransferRecord).id;
    const done = await waitForValue(
      async () => {
        const list = (await jsonRequest(a.url, 'GET', '/local-models/transfers'))
          .body as TransferRecord[];
        const rec = list.find((t) => t.id === id);
        return rec?.status === 'error' || rec?.status === 'done' ? rec : null;
      },
      20_000,
      'the pull to end',
    );
    expect(done.status).toBe('error');
    expect(done.error).toMatch(/^Not enough disk space: the disk filled up/);
    expect(done.error).not.toContain(mnt);
    expect(filesNow().filter((p) => !before.includes(p))).toEqual([]);
  });
});
