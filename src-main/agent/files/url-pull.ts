import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, errnoCode } from '../../shared/errors.js';
import { DISK_FULL_DETAIL, isDiskFull } from '../../shared/node/http-errors.js';
import { archiveKind, extractTarGz, stripArchiveSuffix } from './archive-extract.js';
import { byteCap } from './byte-cap.js';
import { DISK_RESERVE_BYTES, ensureDiskSpace } from './disk-space.js';
import { ExtractTarget } from './extract-target.js';
import { type ResolvedFileDeps } from './file-deps.js';
import { checkModelName, quoteInput } from './file-names.js';
import { createStagingDir, ensureModelAbsent, finalizeModel } from './staging.js';
import { extractZip } from './zip-reader.js';
import type { TransferRecord } from '../../shared/agent-protocol/files.js';
import { managedModelsDir } from '../data-dir.js';

/** Finished transfers stay listed this long (behaviour.md §4.6). */
export const TRANSFER_RETENTION_MS = 60 * 60_000;
const PROGRESS_EVERY_MS = 1000;
const SAFE_FILE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$/;

interface Entry {
  rec: TransferRecord;
  finishedAt: number | null;
  abort: AbortController;
  done: Promise<void>;
}

function errorText(err: unknown): string {
  if (err instanceof AppError) return err.message;
  if (isDiskFull(err)) return DISK_FULL_DETAIL;
  // A system error's message names host paths; its code says enough.
  const code = errnoCode(err);
  if (code !== undefined) return `The pull failed on the node (${code}).`;
  if (!(err instanceof Error)) return String(err);
  // fetch reports network failures as "fetch failed" with the reason in `cause`.
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}

/** Background pulls of models from http(s) URLs into the managed model directory. */
export class Transfers {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly deps: ResolvedFileDeps) {}

  /** Validates and starts a pull; 400 bad URL or name, 409 name taken. Returns the new record. */
  async pull(url: string, name: string | undefined): Promise<TransferRecord> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new AppError('bad_request', `Invalid URL ${quoteInput(url)}.`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new AppError(
        'bad_request',
        `Only http and https URLs can be pulled, not ${quoteInput(parsed.protocol)}.`,
      );
    }
    let filename = '';
    try {
      filename = posix.basename(decodeURIComponent(parsed.pathname));
    } catch {
      filename = '';
    }
    if (!SAFE_FILE.test(filename)) {
      throw new AppError(
        'bad_request',
        `The URL's file name ${quoteInput(filename)} is not usable; link to a file such as model.gguf or model.tar.gz.`,
      );
    }
    const modelName = checkModelName(name ?? stripArchiveSuffix(filename));
    await ensureModelAbsent(this.deps.dataDir, modelName);
    if ([...this.entries.values()].some((e) => e.rec.name === modelName && e.finishedAt === null)) {
      throw new AppError('conflict', `A pull of ${quoteInput(modelName)} is already running.`);
    }
    const rec: TransferRecord = {
      id: randomBytes(8).toString('hex'),
      kind: 'pull',
      name: modelName,
      status: 'downloading',
      total_bytes: null,
      received_bytes: 0,
      error: null,
      path: null,
    };
    const entry: Entry = {
      rec,
      finishedAt: null,
      abort: new AbortController(),
      done: Promise.resolve(),
    };
    this.entries.set(rec.id, entry);
    entry.done = this.run(entry, parsed, filename);
    return { ...rec };
  }

  /** Current and recently finished transfers (finished ones are dropped after an hour). */
  list(): TransferRecord[] {
    const now = this.deps.now();
    for (const [id, e] of this.entries)
      if (e.finishedAt !== null && now - e.finishedAt > TRANSFER_RETENTION_MS)
        this.entries.delete(id);
    return [...this.entries.values()].map((e) => ({ ...e.rec }));
  }

  /** Cancels running pulls and waits for their clean-up. */
  async close(): Promise<void> {
    for (const e of this.entries.values()) e.abort.abort();
    await Promise.all([...this.entries.values()].map((e) => e.done));
  }

  private report(e: Entry): void {
    this.deps.onTransferProgress?.({ ...e.rec });
  }

  private async run(e: Entry, url: URL, filename: string): Promise<void> {
    const staging = await createStagingDir(this.deps.dataDir).catch(() => null);
    let outcome: Partial<TransferRecord> = {
      status: 'error',
      error: 'The pull stopped unexpectedly.',
    };
    try {
      if (!staging) throw new Error('could not create a staging directory');
      const kind = archiveKind(filename);
      const res = await fetch(url, { redirect: 'follow', signal: e.abort.signal });
      if (!res.ok || !res.body) throw new Error(`the server answered HTTP ${res.status}`);
      const length = Number(res.headers.get('content-length') ?? NaN);
      e.rec.total_bytes = Number.isFinite(length) ? length : null;
      await mkdir(managedModelsDir(this.deps.dataDir), { recursive: true });
      const free = await ensureDiskSpace(
        this.deps.freeBytes,
        managedModelsDir(this.deps.dataDir),
        e.rec.total_bytes ?? 0,
        kind ? 2.0 : 1.0,
      );
      const budget = free - DISK_RESERVE_BYTES;
      this.report(e);
      const download = join(staging.dir, 'download');
      let lastReport = this.deps.now();
      const counter = byteCap(
        budget,
        () => new Error('Not enough disk space: the download is larger than the free space.'),
        (_chunk, total) => {
          e.rec.received_bytes = total;
          if (this.deps.now() - lastReport >= PROGRESS_EVERY_MS) {
            lastReport = this.deps.now();
            this.report(e);
          }
        },
      );
      const body = Readable.fromWeb(res.body);
      await pipeline(body, counter, createWriteStream(download, { highWaterMark: 1024 * 1024 }));
      const out = join(staging.dir, 'out');
      await mkdir(out);
      if (kind) {
        e.rec.status = 'extracting';
        this.report(e);
        const target = new ExtractTarget(out, budget - e.rec.received_bytes);
        if (kind === 'zip') await extractZip(download, target);
        else await extractTarGz(createReadStream(download, { highWaterMark: 1024 * 1024 }), target);
        await rm(download);
      } else {
        await rename(download, join(out, filename));
      }
      const result = await finalizeModel(this.deps.dataDir, out, e.rec.name, kind !== null);
      outcome = { status: 'done', path: result.path };
    } catch (err) {
      outcome = {
        status: 'error',
        error: e.abort.signal.aborted ? 'Cancelled: the agent is shutting down.' : errorText(err),
      };
    } finally {
      // Clean up before publishing the outcome, so a finished transfer never has staging left.
      if (staging) await rm(staging.dir, { recursive: true, force: true });
      Object.assign(e.rec, outcome);
      e.finishedAt = this.deps.now();
      this.report(e);
    }
  }
}
