import { statfs } from 'node:fs/promises';
import type { TransferRecord } from '../../shared/agent-protocol/files.js';

/** What the model-file housekeeping needs from the agent. */
export interface FileDeps {
  /** The agent's data dir: managed models, staging and packages live under it. */
  dataDir: string;
  /** HuggingFace cache root (holds `hub/`), mounted into every container. */
  hfCacheDir: string;
  /** Extra read-only model directories (`--model-dirs`), absolute. */
  modelDirs: readonly string[];
  /** True when an active deployment serves this HF repo id or host path. */
  isModelInUse: (nameOrPath: string) => boolean;
  /** Free bytes on the filesystem holding `dir` (default: `fs.statfs`). */
  freeBytes?: (dir: string) => Promise<number>;
  /** Epoch milliseconds (default: `Date.now`). */
  now?: () => number;
  /** Called when a transfer changes (throttled to about once a second while downloading). */
  onTransferProgress?: (transfer: TransferRecord) => void;
}

/** FileDeps with every default filled in. */
export type ResolvedFileDeps = Required<Omit<FileDeps, 'onTransferProgress'>> &
  Pick<FileDeps, 'onTransferProgress'>;

/** Free bytes available to an unprivileged user on the filesystem holding `dir`. */
export async function statfsFreeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Fills in the optional deps. */
export function resolveFileDeps(deps: FileDeps): ResolvedFileDeps {
  return {
    ...deps,
    freeBytes: deps.freeBytes ?? statfsFreeBytes,
    now: deps.now ?? Date.now,
  };
}

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

/** Bytes as MiB with one decimal, the unit of every `size_mb` field. */
export function toMb(bytes: number): number {
  return Math.round((bytes / MIB) * 10) / 10;
}
