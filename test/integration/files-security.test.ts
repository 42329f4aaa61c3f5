import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildZip,
  jsonRequest,
  rawRequest,
  snapshotTree,
  startFilesAgent,
  writeTree,
  type FilesAgent,
} from '../helpers/agent-routes-server.js';

let a: FilesAgent;
let root: string;
let sid: string;

beforeAll(async () => {
  a = await startFilesAgent();
  root = join(a.dataDir, '..');
  // Things an attacker would like to reach: a sibling of the data dir, a cached repo, a model, a package.
  writeTree(root, { 'secret/keep.txt': 'k' });
  writeTree(join(a.hfCacheDir, 'hub', 'models--org--victim', 'blobs'), { b: 'b' });
  writeTree(join(a.dataDir, 'models'), { 'victim/config.json': '{}' });
  const begun = await jsonRequest(a.url, 'POST', '/local-models/upload/begin', {
    name: 'sec-upload',
    total_bytes: 100,
    file_count: 10,
  });
  sid = (begun.body as { session_id: string }).session_id;
});
afterAll(() => a.stop());

/** Sends the request and asserts the status and that nothing under the temp root changed. */
async function attempt(
  method: string,
  path: string,
  expected: number[],
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<void> {
  const before = snapshotTree(root);
  const r = await rawRequest(a.url, method, path, body, headers);
  expect(expected, `${method} ${path} answered ${r.status} ${r.detail}`).toContain(r.status);
  expect(snapshotTree(root)).toEqual(before);
}

/** Refused by the protocol's input limits (422) or by the name rules behind them (400). */
const REFUSED = [400, 422];

const TRAVERSALS = [
  '..%2F..%2Fsecret',
  '%2e%2e%2fsecret',
  '..%5Csecret',
  'a%3Ab',
  'a%00b',
  'x'.repeat(300),
  '%2Fetc%2Fpasswd',
];

describe('traversal attempts never touch the disk', () => {
  it.each(TRAVERSALS)('DELETE /models/cache/%s → 400/422', (bad) =>
    attempt('DELETE', `/models/cache/${bad}`, REFUSED),
  );
  it.each(['org/..%2F..%2Fsecret', 'org/victim%2F..', '..--x/y', 'a/b/c'])(
    'DELETE /models/cache/%s → 400',
    (bad) => attempt('DELETE', `/models/cache/${bad}`, [400]),
  );
  it.each([...TRAVERSALS, '.tmp', '%2Etmp'])('DELETE /local-models/%s → 400/422', (bad) =>
    attempt('DELETE', `/local-models/${bad}`, REFUSED),
  );
  it.each([...TRAVERSALS, '0123', 'ABCDEF0123456789'])('DELETE /packages/%s → 400/422', (bad) =>
    attempt('DELETE', `/packages/${bad}`, REFUSED),
  );

  // WHATWG URL parsing (in the agent server, before routing) collapses raw and %2e dot segments, so
  // these reach another route or none: never a success, never a change on disk.
  it.each([
    '/local-models/../models/cache/org/victim',
    '/local-models/%2e%2e/models/cache/org/victim',
    '/packages/../models/cache/org/victim',
  ])('DELETE %s is refused with 400 although it normalises onto another file route', (path) =>
    attempt('DELETE', path, [400]),
  );
  it.each([
    ['DELETE', '/models/cache/%2e%2e/%2e%2e/secret'],
    ['DELETE', '/local-models/%2E%2E'],
    ['PUT', '/local-models/upload/%2e%2e/file?path=a'],
  ])('%s %s is never a success', (method, path) =>
    attempt(method, path, [400, 404, 405], method === 'PUT' ? 'data' : undefined),
  );

  it.each([
    '../x',
    '%2e%2e%2fx',
    '%2Fetc%2Fpasswd',
    'a%5C..%5Cb',
    'c%3A%2Fx',
    'a%00b',
    'a%2F.%2Fb',
    encodeURIComponent('x'.repeat(1025)),
    encodeURIComponent(Array.from({ length: 33 }, () => 'd').join('/')),
  ])('PUT upload file ?path=%s → 400/422', (bad) =>
    attempt('PUT', `/local-models/upload/${sid}/file?path=${bad}`, REFUSED, 'data'),
  );

  it.each(['..%2Fx', 'nope'])('PUT upload file with session id %s → 404', (bad) =>
    attempt('PUT', `/local-models/upload/${bad}/file?path=a`, [404], 'data'),
  );

  it.each(['../x', '.tmp', '/abs', 'a\\b', 'a:b', 'a\u0000b', 'x'.repeat(65)])(
    'upload begin name %j → 400/422',
    async (name) => {
      const text = JSON.stringify({ name, total_bytes: 1, file_count: 1 });
      await attempt('POST', '/local-models/upload/begin', REFUSED, text, {
        'content-type': 'application/json',
      });
    },
  );

  it.each(['..%2Fx', '%2e%2e', '.tmp', 'a%2Fb'])('archive upload name=%s → 400', (bad) =>
    attempt('POST', `/local-models/archive?name=${bad}&filename=m.tgz`, [400], Buffer.alloc(10)),
  );
  it.each(['m.exe', 'm.tar', '..%2Fm'])('archive upload filename=%s → 400', (bad) =>
    attempt('POST', `/local-models/archive?name=ok-name&filename=${bad}`, [400], Buffer.alloc(10)),
  );

  it.each([
    { url: 'http://127.0.0.1:1/x.gguf', name: '../x' },
    { url: 'http://127.0.0.1:1/%2e%2e' },
    { url: 'file:///etc/passwd' },
  ])('pull %j → 400', (body) =>
    attempt('POST', '/local-models/pull', [400], JSON.stringify(body), {
      'content-type': 'application/json',
    }),
  );

  it('a package upload named with folders is stored under its base name only', async () => {
    const b = 'bb';
    const body = Buffer.from(
      `--${b}\r\nContent-Disposition: form-data; name="file"; filename="../../secret/evil.py"\r\n\r\nx=1\r\n--${b}--\r\n`,
    );
    const r = await rawRequest(a.url, 'POST', '/packages/upload', body, {
      'content-type': `multipart/form-data; boundary=${b}`,
    });
    expect(r.body).toMatchObject({ filename: 'evil.py', type: 'plugin' });
    expect(snapshotTree(join(root, 'secret'))).toEqual(['keep.txt file 1']);
  });
});

describe('hostile archives keep nothing', () => {
  const send = (file: string, filename: string) =>
    attempt(
      'POST',
      `/local-models/archive?name=hostile&filename=${filename}`,
      [400],
      readFileSync(file),
    );

  it('a tar.gz whose member climbs out with ../../', async () => {
    const src = join(root, 'h1', 'a', 'b');
    writeTree(src, { 'config.json': '{}' });
    writeTree(join(root, 'h1'), { 'escape.txt': 'e' });
    const file = join(root, 'h1.tgz');
    execFileSync('tar', ['-czf', file, '-P', '-C', src, 'config.json', '../../escape.txt']);
    await send(file, 'h1.tgz');
  });

  it('a tar.gz with an absolute member', async () => {
    writeTree(join(root, 'h2'), { 'abs.txt': 'a' });
    const file = join(root, 'h2.tgz');
    execFileSync('tar', ['-czf', file, '-P', join(root, 'h2', 'abs.txt')]);
    await send(file, 'h2.tgz');
  });

  it('a zip with ../ and absolute members', async () => {
    const file = join(root, 'h3.zip');
    buildZip(file, [
      { name: 'ok.txt', data: 'ok' },
      { name: '../../secret/keep.txt', data: 'overwritten' },
    ]);
    await send(file, 'h3.zip');
    buildZip(file, [{ name: '/tmp/aerie-abs.txt', data: 'x' }]);
    await send(file, 'h3.zip');
    expect(readFileSync(join(root, 'secret', 'keep.txt'), 'utf8')).toBe('k');
  });

  it('symlink members are skipped, so a later member cannot write through them', async () => {
    const src = join(root, 'h4');
    mkdirSync(src, { recursive: true });
    writeTree(src, { 'config.json': '{}' });
    symlinkSync(join(root, 'secret'), join(src, 'link'));
    const file = join(root, 'h4.tgz');
    execFileSync('tar', ['-czf', file, '-C', src, 'config.json', 'link']);
    // A second archive member writes "through" the link name: it must land in a real folder, not in secret/.
    writeTree(join(root, 'h4b'), { 'link/keep.txt': 'pwned' });
    execFileSync('sh', [
      '-c',
      `gzip -dc '${file}' > '${root}/h4.tar' && tar -rf '${root}/h4.tar' -C '${root}/h4b' link/keep.txt && gzip -c '${root}/h4.tar' > '${file}'`,
    ]);
    const r = await rawRequest(
      a.url,
      'POST',
      '/local-models/archive?name=linked&filename=h4.tgz',
      readFileSync(file),
    );
    expect(r.status).toBe(200);
    expect(readFileSync(join(root, 'secret', 'keep.txt'), 'utf8')).toBe('k');
    expect(snapshotTree(join(a.dataDir, 'models', 'linked'))).toEqual([
      'config.json file 2',
      'link dir 0',
      'link/keep.txt file 5',
    ]);
  });
});
