// The desktop console's uploads: the main process streams a picked file from disk into its own
// control plane (`uploadFile`), which relays it to a real agent. A model folder file of a session,
// a package as multipart, and the refusals of a bad request.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadFile } from '../../src-main/http/file-upload.js';
import type { NodeRead } from '../../src-main/shared/nodes.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';

let fleet: Fleet;
let node: NodeRead;
let dir: string;
const progress: [number, number][] = [];
const send = (req: Record<string, unknown>) =>
  uploadFile(fleet.cp.url, 'not-needed-on-loopback', { id: 'u1', ...req }, (sent, total) =>
    progress.push([sent, total]),
  );

beforeAll(async () => {
  fleet = await startFleet();
  await fleet.addAgent('up-a');
  node = await fleet.node('up-a');
  dir = mkdtempSync(join(tmpdir(), 'aerie-desktop-upload-'));
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('desktop uploads through the control plane', () => {
  it('sends the files of a model folder from disk, with progress to the last byte', async () => {
    const weights = join(dir, 'model.safetensors');
    writeFileSync(weights, Buffer.alloc(5 * 1024 * 1024, 3));
    const config = join(dir, 'config.json');
    writeFileSync(config, '{"architectures":["X"]}');
    const total = 5 * 1024 * 1024 + 23;
    const begin = await fleet.call('POST', `/api/nodes/${node.id}/local-models/upload/begin`, {
      name: 'picked-model',
      total_bytes: total,
      file_count: 2,
    });
    expect(begin.status, JSON.stringify(begin.body)).toBe(200);
    const sid = (begin.body as { session_id: string }).session_id;
    for (const [name, file] of [
      ['model.safetensors', weights],
      ['config.json', config],
    ] as const) {
      progress.length = 0;
      const r = await send({
        method: 'PUT',
        path: `/api/nodes/${node.id}/local-models/upload/${sid}/file?path=${name}`,
        file,
      });
      expect(r, name).toMatchObject({ status: 200, body: { path: name } });
      const size = name === 'config.json' ? 23 : 5 * 1024 * 1024;
      expect(progress.at(-1)).toEqual([size, size]);
    }
    const fin = await fleet.call(
      'POST',
      `/api/nodes/${node.id}/local-models/upload/${sid}/finish`,
      {},
    );
    expect(fin.status, JSON.stringify(fin.body)).toBe(200);
    const models = (await fleet.call('GET', `/api/nodes/${node.id}/local-models`)).body as {
      name: string;
    }[];
    expect(models.map((m) => m.name)).toContain('picked-model');
  });

  it('sends a package as the multipart field the packages route reads', async () => {
    const wheel = join(dir, 'tiny_pkg-0.1-py3-none-any.whl');
    writeFileSync(wheel, Buffer.alloc(4096, 1));
    const r = await send({
      method: 'POST',
      path: `/api/nodes/${node.id}/packages/upload`,
      file: wheel,
      form_field: 'file',
    });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    const list = JSON.stringify((await fleet.call('GET', `/api/nodes/${node.id}/packages`)).body);
    expect(list).toContain('tiny_pkg-0.1-py3-none-any.whl');
  });

  it('refuses a relative path, a folder, a missing file and any route but an upload', async () => {
    const ok = join(dir, 'config.json');
    const path = `/api/nodes/${node.id}/packages/upload`;
    const detail = async (req: Record<string, unknown>) => {
      const r = await send({ method: 'POST', path, file: ok, form_field: 'file', ...req });
      expect(r.status).toBe(400);
      return (r.body as { detail: string }).detail;
    };
    expect(await detail({ file: 'config.json' })).toContain('absolute path');
    expect(await detail({ file: dir })).toContain('not a regular file');
    expect(await detail({ file: join(dir, 'nope.whl') })).toContain('Cannot read');
    expect(await detail({ path: '/api/settings' })).toContain('path must be a node file upload');
    expect(await detail({ path: `/api/nodes/${node.id}/packages/upload/../../x` })).toContain(
      'path must be a node file upload',
    );
  });
});
