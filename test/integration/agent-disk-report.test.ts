import { mkdirSync, mkdtempSync, rmSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { api } from '../helpers/http.js';

let agent: AgentProcess;
let cache: string;
beforeAll(async () => {
  cache = mkdtempSync(join(tmpdir(), 'aerie-hf-'));
  const repo = join(cache, 'hub', 'models--org--model');
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(join(repo, 'snapshots', 'abc'), { recursive: true });
  writeFileSync(join(repo, 'blobs', 'weights'), Buffer.alloc(30_000_000, 1));
  writeFileSync(join(repo, 'blobs', 'config'), Buffer.alloc(20_000_000, 2));
  // Snapshots link to blobs, as the hub lays them out: the bytes count once.
  symlinkSync(join(repo, 'blobs', 'weights'), join(repo, 'snapshots', 'abc', 'model.safetensors'));
  agent = await startAgent(['--simulate-gpus', '1xL4-24GB', '--runtime', 'process'], {
    AERIE_HF_CACHE_DIR: cache,
  });
});
afterAll(async () => {
  await agent?.stop();
  // 50 MB of blobs.
  rmSync(cache, { recursive: true, force: true });
});

describe('agent disk report', () => {
  it('reports the HF cache filesystem and the cache size in /info and /metrics', async () => {
    const fs = statfsSync(cache);
    const totalGb = (fs.blocks * fs.bsize) / 1e9;
    for (const path of ['/info', '/metrics']) {
      const body = (await api(agent.url, 'GET', path, undefined, agent.auth())).body as {
        disk: { total_gb: number; free_gb: number; hf_cache_gb: number };
      };
      expect(body.disk.hf_cache_gb, path).toBe(0.05);
      expect(body.disk.total_gb, path).toBeCloseTo(totalGb, 1);
      expect(body.disk.free_gb, path).toBeGreaterThan(0);
      expect(body.disk.free_gb, path).toBeLessThanOrEqual(body.disk.total_gb);
    }
  });
});
