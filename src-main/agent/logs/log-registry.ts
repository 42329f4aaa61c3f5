import { existsSync, mkdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LogFile } from './log-file.js';
import { logFileName, splitKey } from './log-line.js';
import { LOG_TAIL_LINES, LogStore, type LogRuntime } from './log-store.js';

export interface LogRegistryOptions {
  /** `<data-dir>/logs`. */
  dir: string;
  /** Size cap of one active file before it moves to `.0`, bytes. */
  maxBytes: number;
  /** Files untouched this long are deleted by `cleanup()`. */
  retentionDays: number;
  now?: () => number;
  /** Called when a log file cannot be written (disk full, permissions); the line stays in memory. */
  onWriteError?: (key: string, err: unknown) => void;
}

const LOG_FILE = /\.log(?:\.0|\.1|\.pos)?$/;

/** What the log routes read: the last lines and the whole run of one deployment. */
export interface LogReader {
  readonly fileName: string;
  /** The last `n` lines (n clamped to 1..2000). */
  tail(n: number): string[];
  /** The whole run (overflow part, then active part). */
  download(): Readable;
}

/** Every deployment's log, by key `<model>:<port>`. */
export class LogRegistry {
  private readonly stores = new Map<string, LogStore>();
  private readonly now: () => number;

  constructor(private readonly opts: LogRegistryOptions) {
    this.now = opts.now ?? Date.now;
    mkdirSync(opts.dir, { recursive: true });
  }

  /** Deletes log files untouched for the retention period (run at agent start); returns the names removed. */
  async cleanup(): Promise<string[]> {
    const cutoff = this.now() - this.opts.retentionDays * 86_400_000;
    const removed: string[] = [];
    for (const name of await readdir(this.opts.dir)) {
      if (!LOG_FILE.test(name)) continue;
      const path = join(this.opts.dir, name);
      try {
        const s = await stat(path);
        if (s.isFile() && s.mtimeMs < cutoff) {
          await rm(path, { force: true });
          removed.push(name);
        }
      } catch {
        // Vanished meanwhile: nothing to clean.
      }
    }
    return removed;
  }

  /** Starts the log of a new run: the previous run's file moves to `.1`. Throws on a malformed key. */
  startRun(key: string, runtime: LogRuntime): LogStore {
    const parts = parseKey(key);
    return this.open(key, parts.model, parts.port, runtime, true);
  }

  /** Re-opens the log of a run that was going on before the agent restarted (keeps the file, loads its tail). */
  resume(key: string, runtime: LogRuntime): LogStore {
    const parts = parseKey(key);
    return this.open(key, parts.model, parts.port, runtime, false);
  }

  /**
   * Opens the log of `key` (file named from `model` and `port`): `fresh` starts a new run and
   * rotates the previous one; otherwise the stored run resumes (the open store is reused).
   */
  open(key: string, model: string, port: number, runtime: LogRuntime, fresh: boolean): LogStore {
    const existing = this.stores.get(key);
    if (!fresh && existing) return existing;
    existing?.flush();
    const name = logFileName(model, port);
    const file = new LogFile(join(this.opts.dir, name), this.opts.maxBytes);
    if (fresh) file.rotateForNewRun();
    const onError = this.opts.onWriteError;
    const store = new LogStore(
      key,
      name,
      file,
      runtime,
      this.now,
      onError ? (err) => onError(key, err) : undefined,
    );
    if (!fresh) store.loadTail();
    this.stores.set(key, store);
    return store;
  }

  /** Flushes and forgets the log of `key` (same as `forget`; the engine's name for it). */
  close(key: string): void {
    this.forget(key);
  }

  get(key: string): LogStore | undefined {
    return this.stores.get(key);
  }

  /**
   * The log of `key` for reading: the open one, else the run a stopped deployment left on disk
   * (it stays readable until retention removes it or the next run of the key rotates it to
   * `.1`). Null when there is neither, or the key is malformed.
   */
  reader(key: string): LogReader | null {
    const open = this.stores.get(key);
    if (open) return open;
    const parts = splitKey(key);
    if (!parts) return null;
    const name = logFileName(parts.model, parts.port);
    const file = new LogFile(join(this.opts.dir, name), this.opts.maxBytes);
    if (!existsSync(file.path) && !existsSync(file.overflowPath)) return null;
    return {
      fileName: name,
      tail: (n) => file.readTail(Math.min(LOG_TAIL_LINES, Math.max(1, Math.floor(n)))),
      download: () => file.download(),
    };
  }

  keys(): string[] {
    return [...this.stores.keys()];
  }

  /** Forgets a deployment (its files stay until retention removes them). */
  forget(key: string): void {
    this.stores.get(key)?.flush();
    this.stores.delete(key);
  }

  /** Writes every pending line (at shutdown). */
  flushAll(): void {
    for (const s of this.stores.values()) s.flush();
  }
}

function parseKey(key: string): { model: string; port: number } {
  const parts = splitKey(key);
  if (!parts) throw new Error(`malformed deployment key '${key}' (expected <model>:<port>)`);
  return parts;
}
