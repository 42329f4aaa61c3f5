import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../errors/startup-error.js';
import { errorMessage, errnoCode } from '../shared/errors.js';

/** Creates the data dir if needed and proves it is writable; throws StartupError otherwise. */
export function ensureDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StartupError(`data dir ${dir} cannot be created: ${errorMessage(err)}`);
  }
  if (!statSync(dir).isDirectory()) throw new StartupError(`data dir ${dir} is not a directory`);
  const probe = join(dir, `.write-test-${process.pid}`);
  try {
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (err) {
    throw new StartupError(`data dir ${dir} is not writable: ${errorMessage(err)}`);
  }
}

export interface LoadedToken {
  token: string;
  /** Set when the token was generated now and saved to this file. */
  createdFile: string | null;
}

/** Returns the explicit token, or the one saved in `dir/name`, creating it (mode 0600) if absent. */
export function loadOrCreateToken(
  dir: string,
  name: string,
  explicit: string | undefined,
): LoadedToken {
  if (explicit) return { token: explicit, createdFile: null };
  const file = join(dir, name);
  let existing: string | null = null;
  try {
    existing = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT')
      throw new StartupError(`cannot read ${file}: ${errorMessage(err)}`);
  }
  if (existing !== null) {
    if (existing.length < 16)
      throw new StartupError(`${file} holds no usable token; delete it to create a new one`);
    return { token: existing, createdFile: null };
  }
  const token = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw new StartupError(`cannot write ${file}: ${errorMessage(err)}`);
  }
  return { token, createdFile: file };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/**
 * Takes `dir/aerie.lock` for this process so that two control planes never share one database.
 * A lock whose process is gone (a crash) is taken over. Throws StartupError naming the holder;
 * returns the release function (also safe after the file is gone).
 */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, 'aerie.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
        } catch {
          // Already gone.
        }
      };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST')
        throw new StartupError(`cannot create the lock file ${file}: ${errorMessage(err)}`);
    }
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && pidAlive(holder))
      throw new StartupError(
        `data dir ${dir} is in use by pid ${holder} (another aerie serve); stop it, or pass another --data-dir`,
      );
    // Left behind by a process that no longer runs: take it over.
    try {
      unlinkSync(file);
    } catch {
      // Someone else took it over first; try again.
    }
  }
  throw new StartupError(`data dir ${dir} is being locked by another process; try again`);
}
