import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAllowedPath } from '../../src-main/agent/files/model-paths.js';
import {
  jsonRequest,
  startFilesAgent,
  snapshotTree,
  writeTree,
  type FilesAgent,
} from '../helpers/agent-routes-server.js';

let a: FilesAgent;
beforeAll(async () => {
  a = await startFilesAgent();
});
afterAll(() => a.stop());

function hfRepo(id: string, blobs: Record<string, number>): string {
  const dir = join(a.hfCacheDir, 'hub', `models--${id.replace('/', '--')}`);
  const snap = join(dir, 'snapshots', 'abc123');
  mkdirSync(snap, { recursive: true });
  mkdirSync(join(dir, 'blobs'), { recursive: true });
  for (const [name, size] of Object.entries(blobs)) {
    writeFileSync(join(dir, 'blobs', name), Buffer.alloc(size));
    if (!name.endsWith('.incomplete'))
      symlinkSync(`../../blobs/${name}`, join(snap, `${name}.bin`));
  }
  mkdirSync(join(a.hfCacheDir, 'hub', '.locks', `models--${id.replace('/', '--')}`), {
    recursive: true,
  });
  return dir;
}

describe('HuggingFace cache', () => {
  it('lists repos as org/name with blob sizes counted once and downloads in progress left out', async () => {
    hfRepo('Qwen/Qwen3-8B', {
      aaa: 3 * 1024 * 1024,
      bbb: 1024 * 1024,
      'ccc.incomplete': 5 * 1024 * 1024,
    });
    a.inUse.add('Qwen/Qwen3-8B');
    const r = await jsonRequest(a.url, 'GET', '/models/cache');
    expect(r.status).toBe(200);
    const entry = (
      r.body as { name: string; size_mb: number; in_use: boolean; last_used_at: string }[]
    ).find((e) => e.name === 'Qwen/Qwen3-8B');
    expect(entry).toMatchObject({ size_mb: 4, in_use: true });
    expect(Date.parse(entry?.last_used_at ?? '')).toBeGreaterThan(0);
    a.inUse.clear();
  });

  it('refuses to delete a repo an active deployment serves with 409 and keeps it', async () => {
    const dir = hfRepo('org/busy', { x: 10 });
    a.inUse.add('org/busy');
    const r = await jsonRequest(a.url, 'DELETE', '/models/cache/org/busy');
    expect(r.status).toBe(409);
    expect(snapshotTree(dir)).not.toEqual([]);
    a.inUse.clear();
  });

  it('deletes a repo and its .locks twin', async () => {
    hfRepo('org/gone', { x: 10 });
    const r = await jsonRequest(a.url, 'DELETE', '/models/cache/org/gone');
    expect(r).toMatchObject({ status: 200, body: { status: 'deleted', name: 'org/gone' } });
    const tree = snapshotTree(join(a.hfCacheDir, 'hub'));
    expect(tree.some((p) => p.includes('models--org--gone'))).toBe(false);
  });

  it('answers 404 for a repo that is not cached', async () => {
    expect((await jsonRequest(a.url, 'DELETE', '/models/cache/org/never')).status).toBe(404);
  });
});

describe('local models', () => {
  it('lists managed folders, a single-gguf folder by its file, and external folders and .gguf files read-only', async () => {
    const managed = join(a.dataDir, 'models');
    writeTree(managed, {
      'llama/config.json': '{}',
      'llama/model.safetensors': 'w',
      'tiny/tiny.Q4.gguf': 'g',
      'tiny/README.md': 'r',
    });
    writeTree(a.externalDir, {
      'ext-model/config.json': '{}',
      'loose.gguf': 'gguf',
      'notes.txt': 'n',
    });
    a.inUse.add(join(managed, 'tiny', 'tiny.Q4.gguf'));
    const r = await jsonRequest(a.url, 'GET', '/local-models');
    expect(r.status).toBe(200);
    const list = r.body as {
      name: string;
      path: string;
      source: string;
      deletable: boolean;
      in_use: boolean;
    }[];
    const by = (n: string) => list.find((m) => m.name === n);
    expect(by('llama')).toMatchObject({
      path: join(managed, 'llama'),
      source: 'managed',
      deletable: true,
      in_use: false,
    });
    expect(by('tiny')).toMatchObject({ path: join(managed, 'tiny', 'tiny.Q4.gguf'), in_use: true });
    expect(by('ext-model')).toMatchObject({ source: a.externalDir, deletable: false });
    expect(by('loose.gguf')).toMatchObject({
      path: join(a.externalDir, 'loose.gguf'),
      deletable: false,
    });
    expect(by('notes.txt')).toBeUndefined();
    expect(list.some((m) => m.name === '.tmp')).toBe(false);
    a.inUse.clear();
  });

  it('deletes a managed model, refuses one in use (409), an external one (403) and an unknown one (404)', async () => {
    const managed = join(a.dataDir, 'models');
    writeTree(managed, { 'del-me/config.json': '{}', 'busy/config.json': '{}' });
    writeTree(a.externalDir, { 'outside/config.json': '{}' });
    a.inUse.add(join(managed, 'busy'));
    expect((await jsonRequest(a.url, 'DELETE', '/local-models/busy')).status).toBe(409);
    const ext = await jsonRequest(a.url, 'DELETE', '/local-models/outside');
    expect(ext.status).toBe(403);
    expect(ext.detail).toContain('external model directory');
    expect((await jsonRequest(a.url, 'DELETE', '/local-models/nothing-here')).status).toBe(404);
    expect((await jsonRequest(a.url, 'DELETE', '/local-models/del-me')).status).toBe(200);
    expect(snapshotTree(managed).some((p) => p.startsWith('del-me'))).toBe(false);
    expect(snapshotTree(managed).some((p) => p.startsWith('busy'))).toBe(true);
    a.inUse.clear();
  });
});

describe('resolveAllowedPath', () => {
  it('resolves symlinks and refuses paths that end up outside the allowed dirs, with the reference texts', () => {
    const root = mkdtempSync(join(tmpdir(), 'aerie-paths-'));
    try {
      writeTree(root, { 'allowed/m/config.json': '{}', 'secret/s.txt': 's' });
      symlinkSync(join(root, 'secret'), join(root, 'allowed', 'sneaky'));
      const allowed = [join(root, 'allowed')];
      expect(resolveAllowedPath(join(root, 'allowed', 'm'), allowed)).toBe(
        join(root, 'allowed', 'm'),
      );
      expect(() => resolveAllowedPath(join(root, 'allowed', 'sneaky'), allowed)).toThrow(
        /not inside an allowed model directory \(allowed: /,
      );
      expect(() => resolveAllowedPath(join(root, 'allowed', '..', 'secret'), allowed)).toThrow(
        /not inside an allowed model directory/,
      );
      expect(() => resolveAllowedPath(join(root, 'allowed', 'missing'), allowed)).toThrow(
        /does not exist on this node\./,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
