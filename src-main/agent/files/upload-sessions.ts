import { createWriteStream } from 'node:fs';
import { mkdir, rm, unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError, errnoCode } from '../../shared/errors.js';
import { ensureDiskSpace } from './disk-space.js';
import { byteCap } from './byte-cap.js';
import { type ResolvedFileDeps } from './file-deps.js';
import { checkModelName, checkRelativePath, quoteInput } from './file-names.js';
import { createStagingDir, ensureModelAbsent, finalizeModel } from './staging.js';
import type { FinalizedModel } from '../../shared/agent-protocol/files.js';
import { managedModelsDir } from '../data-dir.js';

/** Sessions idle this long are aborted (behaviour.md §4.6). */
export const UPLOAD_IDLE_MS = 6 * 60 * 60_000;

interface Session {
  id: string;
  name: string;
  dir: string;
  total: number;
  fileCount: number;
  received: number;
  files: Map<string, number>;
  writing: Set<string>;
  lastActivity: number;
}

const CONFLICT_CODES = new Set(['ENOTDIR', 'EISDIR', 'EEXIST']);

/**
 * Streamed folder uploads: `begin` reserves a name and a staging dir, each `PUT …/file` streams one
 * file to disk (never buffered), `finish` renames the folder into place atomically.
 *
 * A client that disconnects mid-file: that file is deleted and its bytes un-counted, the session
 * stays open so the client can send the file again; `finish` refuses while bytes are missing, and
 * an abandoned session is removed after 6 h idle. So a partial model never appears.
 */
export class UploadSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly deps: ResolvedFileDeps,
    private readonly idleMs = UPLOAD_IDLE_MS,
  ) {}

  async begin(
    name: string,
    totalBytes: number,
    fileCount: number,
  ): Promise<{ session_id: string }> {
    await this.sweep();
    checkModelName(name);
    await ensureModelAbsent(this.deps.dataDir, name);
    if ([...this.sessions.values()].some((s) => s.name === name)) {
      throw new AppError(
        'conflict',
        `An upload of ${quoteInput(name)} is already in progress; finish or abort it first.`,
      );
    }
    await mkdir(managedModelsDir(this.deps.dataDir), { recursive: true });
    await ensureDiskSpace(
      this.deps.freeBytes,
      managedModelsDir(this.deps.dataDir),
      totalBytes,
      1.0,
    );
    const { id, dir } = await createStagingDir(this.deps.dataDir);
    const session: Session = {
      id,
      name,
      dir,
      total: totalBytes,
      fileCount,
      received: 0,
      files: new Map(),
      writing: new Set(),
      lastActivity: this.deps.now(),
    };
    this.sessions.set(id, session);
    return { session_id: id };
  }

  /** Streams `req` into the session's file at `relPath`; 400 bad path, 404 unknown session, 413 over the declared total. */
  async writeFile(
    sessionId: string,
    relPath: string,
    req: IncomingMessage,
  ): Promise<{ path: string; bytes: number; received_bytes: number }> {
    const segments = checkRelativePath(relPath);
    const s = await this.get(sessionId);
    const rel = segments.join('/');
    if (s.writing.has(rel))
      throw new AppError(
        'conflict',
        `File ${quoteInput(rel)} is already being uploaded in this session.`,
      );
    if (!s.files.has(rel) && s.files.size + s.writing.size >= s.fileCount) {
      throw new AppError(
        'bad_request',
        `More files than the declared file_count (${s.fileCount}); begin a new upload with the right count.`,
      );
    }
    const previous = s.files.get(rel) ?? 0;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && s.received - previous + declared > s.total)
      throw this.overTotal(s);
    s.files.delete(rel);
    s.received -= previous;
    s.writing.add(rel);
    const target = join(s.dir, ...segments);
    const counter = byteCap(
      () => s.total - s.received,
      () => this.overTotal(s),
      () => (s.lastActivity = this.deps.now()),
    );
    try {
      await mkdir(join(s.dir, ...segments.slice(0, -1)), { recursive: true });
      await pipeline(req, counter, createWriteStream(target, { highWaterMark: 1024 * 1024 }));
    } catch (err) {
      await unlink(target).catch(() => undefined);
      if (CONFLICT_CODES.has(errnoCode(err) ?? '')) {
        throw new AppError(
          'conflict',
          `File ${quoteInput(rel)} conflicts with another uploaded path (a file and a folder of the same name).`,
        );
      }
      throw err;
    } finally {
      s.writing.delete(rel);
      s.lastActivity = this.deps.now();
    }
    const bytes = counter.bytes;
    s.files.set(rel, bytes);
    s.received += bytes;
    return { path: rel, bytes, received_bytes: s.received };
  }

  /** Moves the finished folder into place; 409 while files are in flight or the name got taken, 400 when bytes are missing. */
  async finish(sessionId: string, flatten: boolean): Promise<FinalizedModel> {
    const s = await this.get(sessionId);
    if (s.writing.size > 0)
      throw new AppError(
        'conflict',
        `Files are still uploading (${[...s.writing].slice(0, 3).join(', ')}); finish when they are done.`,
      );
    if (s.received !== s.total || s.files.size !== s.fileCount) {
      throw new AppError(
        'bad_request',
        `Upload incomplete: received ${s.received} of ${s.total} bytes in ${s.files.size} of ${s.fileCount} files. Send the missing files or abort.`,
      );
    }
    this.sessions.delete(s.id);
    return finalizeModel(this.deps.dataDir, s.dir, s.name, flatten);
  }

  async abort(sessionId: string): Promise<{ status: 'aborted'; session_id: string }> {
    const s = await this.get(sessionId);
    await this.drop(s);
    return { status: 'aborted', session_id: s.id };
  }

  /** Aborts sessions idle longer than the limit (also runs on every session call). */
  async sweep(): Promise<void> {
    const now = this.deps.now();
    for (const s of [...this.sessions.values()])
      if (s.writing.size === 0 && now - s.lastActivity > this.idleMs) await this.drop(s);
  }

  /** Aborts every session (agent shutdown). */
  async close(): Promise<void> {
    for (const s of [...this.sessions.values()]) await this.drop(s);
  }

  private async drop(s: Session): Promise<void> {
    this.sessions.delete(s.id);
    await rm(s.dir, { recursive: true, force: true });
  }

  private async get(sessionId: string): Promise<Session> {
    await this.sweep();
    const s = this.sessions.get(sessionId);
    if (!s)
      throw new AppError(
        'not_found',
        `Upload session ${quoteInput(sessionId)} not found (finished, aborted, or expired after 6 h idle).`,
      );
    s.lastActivity = this.deps.now();
    return s;
  }

  private overTotal(s: Session): AppError {
    return new AppError(
      'payload_too_large',
      `Upload exceeds the declared total_bytes (${s.total}); begin again with the right total.`,
    );
  }
}
