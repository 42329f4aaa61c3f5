import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, errnoCode } from '../../shared/errors.js';
import { archiveMemberSegments, quoteInput } from './file-names.js';

const CONFLICT_CODES = new Set(['ENOTDIR', 'EISDIR', 'EEXIST']);

/**
 * Where archive members land. Only directories and regular files are ever created here (links and
 * special files are skipped by the readers), so a validated member path cannot be redirected
 * outside `dest`. Enforces a byte budget against archive bombs (507 when exceeded).
 */
export class ExtractTarget {
  private written = 0;
  skipped = 0;

  constructor(
    readonly dest: string,
    private readonly maxBytes: number,
  ) {}

  /** Validated segments of a member (400 if it escapes), or null for the archive root. */
  segments(name: string): string[] | null {
    const s = archiveMemberSegments(name);
    if (s && s[0] === '__MACOSX') return null;
    return s;
  }

  /** Adds `bytes` to the running total; throws 507 past the budget. */
  account(bytes: number): void {
    this.written += bytes;
    if (this.written > this.maxBytes) {
      throw new AppError(
        'insufficient_storage',
        `Not enough disk space: the archive expands to more than ${(this.maxBytes / 1e9).toFixed(2)} GB, the space left after the 2 GiB reserve.`,
      );
    }
  }

  async dir(segments: string[]): Promise<void> {
    await this.guard(segments, () => mkdir(join(this.dest, ...segments), { recursive: true }));
  }

  /** Opens (truncating) the member's file for writing, creating its parent folders. */
  async file(segments: string[], executable: boolean): Promise<FileHandle> {
    return this.guard(segments, async () => {
      await mkdir(join(this.dest, ...segments.slice(0, -1)), { recursive: true });
      return open(join(this.dest, ...segments), 'w', executable ? 0o755 : 0o644);
    });
  }

  private async guard<T>(segments: string[], op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      const code = errnoCode(err) ?? '';
      if (CONFLICT_CODES.has(code)) {
        throw new AppError(
          'bad_request',
          `Archive member ${quoteInput(segments.join('/'))} conflicts with another member (a file and a folder of the same name).`,
        );
      }
      throw err;
    }
  }
}
