import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../shared/errors.js';
import { extractTarGz, requireArchiveKind } from './archive-extract.js';
import { byteCap } from './byte-cap.js';
import { DISK_RESERVE_BYTES, ensureDiskSpace } from './disk-space.js';
import { ExtractTarget } from './extract-target.js';
import { type ResolvedFileDeps } from './file-deps.js';
import { checkModelName } from './file-names.js';
import { createStagingDir, ensureModelAbsent, finalizeModel } from './staging.js';
import { extractZip } from './zip-reader.js';
import type { FinalizedModel } from '../../shared/agent-protocol/files.js';
import { managedModelsDir } from '../data-dir.js';

/**
 * `POST /local-models/archive`: a `.tar.gz`/`.tgz` body is extracted while it streams in; a `.zip`
 * is spooled first (its index sits at the end). Nothing is kept unless every member is safe, and
 * the model appears with one atomic rename, a single wrapping folder flattened.
 */
export async function uploadModelArchive(
  deps: ResolvedFileDeps,
  name: string,
  filename: string,
  req: IncomingMessage,
): Promise<FinalizedModel> {
  checkModelName(name);
  const kind = requireArchiveKind(filename);
  await ensureModelAbsent(deps.dataDir, name);
  const length = Number(req.headers['content-length'] ?? NaN);
  if (!Number.isFinite(length)) {
    throw new AppError(
      'length_required',
      'Content-Length is required for archive uploads, so that free disk space can be checked first.',
    );
  }
  await mkdir(managedModelsDir(deps.dataDir), { recursive: true });
  const free = await ensureDiskSpace(deps.freeBytes, managedModelsDir(deps.dataDir), length, 2.0);
  const staging = await createStagingDir(deps.dataDir);
  try {
    const out = join(staging.dir, 'out');
    await mkdir(out);
    if (kind === 'tar.gz') {
      await extractTarGz(
        req,
        new ExtractTarget(out, free - DISK_RESERVE_BYTES),
        byteCap(
          length,
          () => new AppError('bad_request', 'The body is longer than its Content-Length.'),
        ),
      );
    } else {
      const spool = join(staging.dir, 'upload.zip');
      await pipeline(
        req,
        byteCap(
          length,
          () => new AppError('bad_request', 'The body is longer than its Content-Length.'),
        ),
        createWriteStream(spool, { highWaterMark: 1024 * 1024 }),
      );
      await extractZip(spool, new ExtractTarget(out, free - DISK_RESERVE_BYTES - length));
      await rm(spool);
    }
    return await finalizeModel(deps.dataDir, out, name, true);
  } finally {
    await rm(staging.dir, { recursive: true, force: true });
  }
}
