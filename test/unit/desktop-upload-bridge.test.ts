// The console's side of a desktop upload: what it hands the bridge for a raw file and for a
// multipart form, and how the answer comes back. The bridge here writes the picked file to disk
// (standing in for Electron's webUtils.getPathForFile, which needs a real window) and then calls
// the main process's real uploadFile against a real HTTP server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadFile } from '../../src-main/http/file-upload.js';
import type { AerieBridge } from '../../src-main/shared/ipc.js';
import { uploadThroughBridge } from '../../src-main/shared/bridge-upload.js';

let server: Server;
let origin: string;
let dir: string;
const seen: { type: string; text: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aerie-bridge-upload-'));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      seen.push({ type: req.headers['content-type'] ?? '', text });
      if (text.includes('refuse-me')) {
        res.writeHead(409, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ detail: 'A package with this name exists; delete it first.' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ bytes: chunks.reduce((n, c) => n + c.length, 0) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const bridge: Pick<AerieBridge, 'upload'> = {
  upload: async ({ file, ...req }, onProgress) => {
    const path = join(dir, file instanceof File ? file.name : `blob-${n++}`);
    writeFileSync(path, Buffer.from(await file.arrayBuffer()));
    return uploadFile(origin, 'token', { ...req, id: 'x', file: path }, onProgress);
  },
};

describe('uploadThroughBridge', () => {
  it('sends a raw file and reports its bytes', async () => {
    const progress: number[] = [];
    const answer = await uploadThroughBridge(
      bridge,
      'PUT',
      '/api/nodes/1/local-models/upload/s1/file?path=a.bin',
      new File(['hello weights'], 'a.bin'),
      (sent) => progress.push(sent),
    );
    expect(answer).toEqual({ bytes: 13 });
    expect(seen.at(-1)).toEqual({ type: 'application/octet-stream', text: 'hello weights' });
    expect(progress.at(-1)).toBe(13);
  });

  it('sends the one file of a form as its multipart field, and rejects with the detail', async () => {
    const form = new FormData();
    form.append('file', new File(['wheel bytes'], 'pkg-1.0-py3-none-any.whl'));
    await uploadThroughBridge(bridge, 'POST', '/api/nodes/1/packages/upload', form, () => {});
    const sent = seen.at(-1)!;
    expect(sent.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(sent.text).toContain('name="file"; filename="pkg-1.0-py3-none-any.whl"');
    expect(sent.text).toContain('wheel bytes');

    const refused = new FormData();
    refused.append('file', new File(['refuse-me'], 'dup-1.0-py3-none-any.whl'));
    await expect(
      uploadThroughBridge(bridge, 'POST', '/api/nodes/1/packages/upload', refused, () => {}),
    ).rejects.toThrow('A package with this name exists; delete it first.');

    const two = new FormData();
    two.append('a', new File(['1'], 'a.whl'));
    two.append('b', new File(['2'], 'b.whl'));
    await expect(
      uploadThroughBridge(bridge, 'POST', '/api/nodes/1/packages/upload', two, () => {}),
    ).rejects.toThrow('one file at a time');
  });
});
