import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the process runtime writes once per container, before the shim starts. */
export interface ProcessConfig {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** The image reference the launch named (nothing is pulled), so launch and adoption report the same. */
  image?: string;
  /** Full argv of the server: the simulator command followed by the launch args. */
  argv: string[];
  /**
   * Names of the server's env vars. Their values are secrets and never written here: the shim
   * gets them in its own environment (`SHIM_ENV_VAR`) and keeps them in memory.
   */
  envKeys: string[];
  restartUnlessStopped: boolean;
  createdAt: string;
}

/** What the shim reports (it is the only writer). */
export interface ProcessStateFile {
  status: 'created' | 'running' | 'restarting' | 'exited';
  shimPid: number;
  pid: number | null;
  /** Code of the last run that ended (kept while a restarted run goes on); null before any exit. */
  exitCode: number | null;
  restartCount: number;
  startedAt: string | null;
  finishedAt: string | null;
}

/** The variable of the shim's environment that carries the server's env (JSON), values included. */
export const SHIM_ENV_VAR = 'AERIE_SHIM_ENV';

/** Files of one process "container" inside the state dir. */
export function containerPaths(stateDir: string, id: string) {
  const dir = join(stateDir, id);
  return {
    dir,
    config: join(dir, 'config.json'),
    state: join(dir, 'state.json'),
    stopRequest: join(dir, 'stop-request.json'),
    log: join(dir, 'output.log'),
  };
}

/** Writes JSON so that a reader never sees a half-written file (write, then rename). */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  // Only the owner may read what a container records about itself.
  writeFileSync(tmp, JSON.stringify(value), { mode: 0o600 });
  renameSync(tmp, path);
}

/** Reads a JSON file; null when missing or unreadable. */
export function readJson<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

/**
 * True when `pid` is alive and, where /proc exists, really is the shim of `id` (so a recycled
 * pid is not mistaken for it).
 */
export function isShimAlive(pid: number, id: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: another user's process, so not our shim either.
    return false;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync('/proc/self')) return true;
  try {
    return readFileSync(cmdline, 'utf8').includes(id);
  } catch {
    return false;
  }
}

/** Sends a signal to a process group, ignoring groups that are already gone. */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}
