import { AppError } from '../../shared/errors.js';
import { GIB } from './file-deps.js';

/** Free space every transfer leaves untouched (behaviour.md §4.6). */
export const DISK_RESERVE_BYTES = 2 * GIB;

const gb = (bytes: number) => (bytes / 1e9).toFixed(2);

/**
 * Throws 507 "Not enough disk space: …" unless `dir`'s filesystem has `bytes × factor + 2 GiB`
 * free. Returns the free bytes it saw (callers cap extraction with it).
 */
export async function ensureDiskSpace(
  freeBytes: (dir: string) => Promise<number>,
  dir: string,
  bytes: number,
  factor: number,
): Promise<number> {
  const free = await freeBytes(dir);
  const need = bytes * factor + DISK_RESERVE_BYTES;
  if (free < need) {
    throw new AppError(
      'insufficient_storage',
      `Not enough disk space: this transfer needs ${gb(need)} GB free (${gb(bytes)} GB × ${factor} plus a 2 GiB reserve) but only ${gb(free)} GB is free.`,
    );
  }
  return free;
}
