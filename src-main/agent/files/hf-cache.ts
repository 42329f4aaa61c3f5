import { lstat, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '../../shared/errors.js';
import { toMb, type ResolvedFileDeps } from './file-deps.js';
import { hfRepoFolder, quoteInput } from './file-names.js';
import { exists, latestMtime, treeSize } from './tree-size.js';
import type { HfCacheEntry } from '../../shared/agent-protocol/files.js';

const SIZE_TTL_MS = 5 * 60_000;

/** The HF hub cache (interfaces.md §7): lists `hub/models--org--name` and deletes repos safely. */
export class HfCache {
  private readonly sizes = new Map<string, { at: number; bytes: number }>();

  constructor(private readonly deps: ResolvedFileDeps) {}

  private get hub(): string {
    return join(this.deps.hfCacheDir, 'hub');
  }

  // Blobs are counted once each, `.incomplete` downloads left out (interfaces.md §7); walking
  // snapshots/ would count shared blobs twice. Without blobs/ (no-symlink mode) the whole folder counts.
  private async size(folder: string): Promise<number> {
    const cached = this.sizes.get(folder);
    if (cached && this.deps.now() - cached.at < SIZE_TTL_MS) return cached.bytes;
    const blobs = join(folder, 'blobs');
    const root = (await exists(blobs)) ? blobs : folder;
    const bytes = await treeSize(root, (n) => n.endsWith('.incomplete'));
    this.sizes.set(folder, { at: this.deps.now(), bytes });
    return bytes;
  }

  async list(): Promise<HfCacheEntry[]> {
    let entries;
    try {
      entries = await readdir(this.hub, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: HfCacheEntry[] = [];
    for (const e of entries) {
      if (!e.isDirectory() || !e.name.startsWith('models--')) continue;
      const folder = join(this.hub, e.name);
      const name = e.name.slice('models--'.length).replace('--', '/');
      out.push({
        name,
        size_mb: toMb(await this.size(folder)),
        last_used_at: new Date(await latestMtime(folder)).toISOString(),
        in_use: this.deps.isModelInUse(name),
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Deletes a repo and its `.locks` twin: 400 bad id, 404 unknown, 409 in use, 500 when it survives. */
  async remove(id: string): Promise<{ status: 'deleted'; name: string }> {
    const folderName = hfRepoFolder(id);
    const folder = join(this.hub, folderName);
    // The id grammar already forbids separators and dot segments; this re-checks the joined result.
    if (dirname(folder) !== this.hub)
      throw new AppError('bad_request', `Invalid model id ${quoteInput(id)}.`);
    const st = await lstat(folder).catch(() => null);
    if (!st?.isDirectory())
      throw new AppError(
        'not_found',
        `Model ${quoteInput(id)} is not in the HuggingFace cache on this node.`,
      );
    if (this.deps.isModelInUse(id)) {
      throw new AppError(
        'conflict',
        `Model ${quoteInput(id)} is served by an active deployment; stop it before deleting its cache.`,
      );
    }
    await rm(folder, { recursive: true, force: true }).catch(() => undefined);
    await rm(join(this.hub, '.locks', folderName), { recursive: true, force: true }).catch(
      () => undefined,
    );
    this.sizes.delete(folder);
    if (await exists(folder)) {
      throw new AppError(
        'internal',
        `Could not remove ${folder}: some files are not deletable by the agent (owned by root?). Remove it manually.`,
      );
    }
    return { status: 'deleted', name: id };
  }
}
