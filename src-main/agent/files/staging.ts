import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.js';
import { toMb } from './file-deps.js';
import { quoteInput } from './file-names.js';
import { launchPath } from './local-models.js';
import { exists, treeSize } from './tree-size.js';
import type { FinalizedModel } from '../../shared/agent-protocol/files.js';
import { managedModelsDir, stagingRoot } from '../data-dir.js';

/** Removes every staging leftover (`<dataDir>/models/.tmp`); call at agent start, before serving. */
export async function wipeStaging(dataDir: string): Promise<void> {
  await rm(stagingRoot(dataDir), { recursive: true, force: true });
  await mkdir(stagingRoot(dataDir), { recursive: true });
}

/** Creates a fresh `<dataDir>/models/.tmp/.partial-<id>` directory. */
export async function createStagingDir(dataDir: string): Promise<{ id: string; dir: string }> {
  const id = randomBytes(12).toString('hex');
  const dir = join(stagingRoot(dataDir), `.partial-${id}`);
  await mkdir(dir, { recursive: true });
  return { id, dir };
}

/** Throws 409 when a managed model called `name` exists already. */
export async function ensureModelAbsent(dataDir: string, name: string): Promise<void> {
  if (await exists(join(managedModelsDir(dataDir), name))) {
    throw new AppError('conflict', `Model ${quoteInput(name)} already exists; delete it first.`);
  }
}

/** The only directory in `dir` (macOS `__MACOSX` metadata ignored), if that is all it holds. */
export async function singleWrapper(dir: string): Promise<string | null> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter(
    (e) => e.name !== '__MACOSX',
  );
  const only = entries.length === 1 ? entries[0] : undefined;
  return only?.isDirectory() ? join(dir, only.name) : null;
}

const WEIGHTS = /\.(safetensors|gguf|bin|pt)$/i;

async function warningsFor(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  if (names.length === 0) return ['The model directory is empty.'];
  if (!names.includes('config.json') && !names.some((n) => WEIGHTS.test(n))) {
    return [
      'No config.json and no .safetensors, .gguf, .bin or .pt file at the top of the model folder; vLLM may not load it.',
    ];
  }
  return [];
}

/**
 * Moves a staged model into `<dataDir>/models/<name>` with one atomic rename (flattening a single
 * wrapping folder when asked) and removes the staging dir. Throws 409 if the name got taken meanwhile.
 */
export async function finalizeModel(
  dataDir: string,
  staging: string,
  name: string,
  flatten: boolean,
): Promise<FinalizedModel> {
  const target = join(managedModelsDir(dataDir), name);
  try {
    await ensureModelAbsent(dataDir, name);
    const source = (flatten ? await singleWrapper(staging) : null) ?? staging;
    await rename(source, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return {
    name,
    path: await launchPath(target),
    size_mb: toMb(await treeSize(target)),
    warnings: await warningsFor(target),
  };
}
