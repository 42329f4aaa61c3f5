import { lstat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { treeSize } from '../files/tree-size.js';
import type { DiskUsage } from '../../shared/agent-protocol/node.js';

const gb = (bytes: number) => Math.round((bytes / 1e9) * 100) / 100;

async function existingAncestor(path: string): Promise<string> {
  let p = path;
  for (;;) {
    try {
      await lstat(p);
      return p;
    } catch {
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

/** Measures disk usage of the HF cache's filesystem; the cache's own size is cached (walking it is slow). */
export class DiskProbe {
  private cached: { at: number; bytes: number } | undefined;

  constructor(
    private readonly hfCacheDir: string,
    private readonly cacheTtlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async usage(): Promise<DiskUsage> {
    const fs = await statfs(await existingAncestor(this.hfCacheDir));
    if (!this.cached || this.now() - this.cached.at > this.cacheTtlMs) {
      this.cached = { at: this.now(), bytes: await treeSize(this.hfCacheDir) };
    }
    return {
      total_gb: gb(fs.blocks * fs.bsize),
      free_gb: gb(fs.bavail * fs.bsize),
      hf_cache_gb: gb(this.cached.bytes),
    };
  }
}
