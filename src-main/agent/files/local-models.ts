import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppError } from '../../shared/errors.js';
import { toMb, type ResolvedFileDeps } from './file-deps.js';
import { checkModelName, quoteInput } from './file-names.js';
import { exists, latestMtime, treeSize } from './tree-size.js';
import type { LocalModel } from '../../shared/agent-protocol/files.js';
import { managedModelsDir } from '../data-dir.js';

const isGguf = (name: string) => name.toLowerCase().endsWith('.gguf');

/** The file to launch for a model folder: its only root-level `.gguf`, else the folder itself. */
export async function launchPath(dir: string): Promise<string> {
  const ggufs = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter(
    (e) => isGguf(e.name) && !e.isDirectory(),
  );
  const only = ggufs.length === 1 ? ggufs[0] : undefined;
  return only ? join(dir, only.name) : dir;
}

/** Managed models (`<dataDir>/models/<name>`, deletable) plus what each `--model-dirs` base holds (read-only). */
export class LocalModels {
  constructor(private readonly deps: ResolvedFileDeps) {}

  private get managed(): string {
    return managedModelsDir(this.deps.dataDir);
  }

  private inUse(dir: string, path: string): boolean {
    return this.deps.isModelInUse(dir) || (path !== dir && this.deps.isModelInUse(path));
  }

  private async describe(
    full: string,
    name: string,
    source: string,
    isDir: boolean,
  ): Promise<LocalModel> {
    const path = isDir ? await launchPath(full) : full;
    const size = isDir ? await treeSize(full) : (await stat(full)).size;
    return {
      name,
      path,
      source,
      size_mb: toMb(size),
      in_use: this.inUse(full, path),
      deletable: source === 'managed',
      last_modified_at: new Date(await latestMtime(full)).toISOString(),
    };
  }

  private async scan(base: string, source: string): Promise<LocalModel[]> {
    const out: LocalModel[] = [];
    const names = await readdir(base).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const full = join(base, name);
      // stat follows links: a linked model folder is listed; the engine re-checks the real path at launch.
      const st = await stat(full).catch(() => null);
      if (!st) continue;
      if (st.isDirectory()) out.push(await this.describe(full, name, source, true));
      else if (st.isFile() && source !== 'managed' && isGguf(name))
        out.push(await this.describe(full, name, source, false));
    }
    return out;
  }

  async list(): Promise<LocalModel[]> {
    const managed = resolve(this.managed);
    const out = await this.scan(managed, 'managed');
    for (const base of this.deps.modelDirs) {
      if (resolve(base) === managed) continue;
      out.push(...(await this.scan(base, base)));
    }
    return out;
  }

  /** Deletes a managed model: 400 bad name, 403 external, 404 unknown, 409 in use. */
  async remove(name: string): Promise<{ status: 'deleted'; name: string }> {
    checkModelName(name);
    const dir = join(this.managed, name);
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory()) {
      for (const base of this.deps.modelDirs) {
        if (await exists(join(base, name))) {
          throw new AppError(
            'forbidden',
            `Model ${quoteInput(name)} lives in the external model directory ${base}; only managed models can be deleted here. Remove it on the host.`,
          );
        }
      }
      throw new AppError('not_found', `Model ${quoteInput(name)} does not exist on this node.`);
    }
    if (this.inUse(dir, await launchPath(dir))) {
      throw new AppError(
        'conflict',
        `Model ${quoteInput(name)} is in use by an active deployment; stop it first.`,
      );
    }
    await rm(dir, { recursive: true, force: true });
    if (await exists(dir))
      throw new AppError('internal', `Could not remove ${dir}; check its file permissions.`);
    return { status: 'deleted', name };
  }
}
