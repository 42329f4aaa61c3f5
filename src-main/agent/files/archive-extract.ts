import { PassThrough, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { AppError } from '../../shared/errors.js';
import type { ExtractTarget } from './extract-target.js';
import { quoteInput } from './file-names.js';
import { TarReader } from './tar-reader.js';

export type ArchiveKind = 'tar.gz' | 'zip';

const SUFFIXES: [string, ArchiveKind][] = [
  ['.tar.gz', 'tar.gz'],
  ['.tgz', 'tar.gz'],
  ['.zip', 'zip'],
];

/** The archive kind a file name says (`.tar.gz`, `.tgz`, `.zip`), or null. */
export function archiveKind(filename: string): ArchiveKind | null {
  const lower = filename.toLowerCase();
  return SUFFIXES.find(([s]) => lower.endsWith(s))?.[1] ?? null;
}

/** `filename` without its archive suffix (`qwen.tar.gz` → `qwen`). */
export function stripArchiveSuffix(filename: string): string {
  const lower = filename.toLowerCase();
  const hit = SUFFIXES.find(([s]) => lower.endsWith(s));
  return hit ? filename.slice(0, -hit[0].length) : filename;
}

/** Throws 400 unless `filename` names a supported archive. */
export function requireArchiveKind(filename: string): ArchiveKind {
  const kind = archiveKind(filename);
  if (!kind)
    throw new AppError(
      'bad_request',
      `Unsupported archive ${quoteInput(filename)}: use .tar.gz, .tgz or .zip.`,
    );
  return kind;
}

/** Gunzips and untars `source` (through `check`, e.g. a byte cap) into the target as it streams in, with backpressure. */
export async function extractTarGz(
  source: Readable,
  target: ExtractTarget,
  check: Transform = new PassThrough(),
): Promise<void> {
  const tar = new TarReader(target);
  let readerError: unknown = null;
  try {
    await pipeline(
      source,
      check,
      createGunzip({ chunkSize: 256 * 1024 }),
      async (chunks: AsyncIterable<Buffer>) => {
        try {
          for await (const chunk of chunks) await tar.push(chunk);
          await tar.end();
        } catch (err) {
          readerError = err;
          throw err;
        }
      },
    );
  } catch (caught) {
    await tar.abort();
    // Node 20's pipeline reports a failing final stage as an AbortError; the reader's own error says what was wrong.
    const err = readerError ?? caught;
    if ((err as { code?: string }).code?.startsWith('Z_'))
      throw new AppError('bad_request', 'The archive is not valid gzip data.');
    throw err;
  }
}
