import { realpathSync } from 'node:fs';
import { sep } from 'node:path';

function inside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/**
 * Validates a host path (a model or a LoRA adapter) against the allowed model directories, after
 * resolving symlinks and `..`. Returns the resolved path; throws an Error with the 400 message.
 */
export function resolveAllowedPath(
  path: string,
  allowedDirs: readonly string[],
  what = 'Model path',
): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new Error(`${what} ${path} does not exist on this node.`);
  }
  const dirs = allowedDirs.map((d) => {
    try {
      return realpathSync(d);
    } catch {
      return d;
    }
  });
  if (!dirs.some((d) => inside(real, d))) {
    throw new Error(
      `${what} ${path} is not inside an allowed model directory (allowed: ${allowedDirs.join(', ') || 'none'}).`,
    );
  }
  return real;
}
