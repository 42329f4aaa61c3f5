import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Bytes of the regular files under `dir`, following symlinks to files but counting each file
 * (device, inode) once and skipping names `skip` matches. Symlinked directories are not entered,
 * so a loop cannot trap the walk. A missing `dir` counts 0.
 */
export async function treeSize(
  dir: string,
  skip: (name: string) => boolean = () => false,
): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() ?? dir;
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const full = join(current, e.name);
      if (e.isDirectory()) {
        stack.push(full);
        continue;
      }
      if (skip(e.name) || !(e.isFile() || e.isSymbolicLink())) continue;
      try {
        const s = await stat(full);
        const id = `${s.dev}:${s.ino}`;
        if (!s.isFile() || seen.has(id)) continue;
        seen.add(id);
        total += s.size;
      } catch {
        // A dangling link or a file removed during the walk adds nothing.
      }
    }
  }
  return total;
}

/** Latest modification time (ms) of `dir` and its direct children; 0 when `dir` is missing. */
export async function latestMtime(dir: string): Promise<number> {
  let latest = 0;
  try {
    latest = (await lstat(dir)).mtimeMs;
    for (const name of await readdir(dir)) {
      const s = await lstat(join(dir, name)).catch(() => null);
      if (s && s.mtimeMs > latest) latest = s.mtimeMs;
    }
  } catch {
    return latest;
  }
  return latest;
}

/** True when something (file, directory or link) exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
