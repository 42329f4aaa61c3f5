import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../shared/errors.js';
import { CONTAINER_PACKAGES_DIR } from '../../shared/vllm-args.js';
import type { Mount } from '../runtime/container-runtime.js';
import { archiveKind, extractTarGz, stripArchiveSuffix } from './archive-extract.js';
import { byteCap } from './byte-cap.js';
import { DISK_RESERVE_BYTES, ensureDiskSpace } from './disk-space.js';
import { ExtractTarget } from './extract-target.js';
import { toMb, type ResolvedFileDeps } from './file-deps.js';
import { quoteInput } from './file-names.js';
import { readMultipartFile } from './multipart.js';
import { singleWrapper } from './staging.js';
import { exists, treeSize } from './tree-size.js';
import { extractZip } from './zip-reader.js';
import {
  isPackageFileName,
  PACKAGE_FILE_RULE,
  type PackageInfo,
} from '../../shared/agent-protocol/files.js';
import { packagesDir, packagesMetaDir, packagesStagingDir } from '../data-dir.js';

/** Where the packages dir appears inside every container. */

const PACKAGE_ID = /^[0-9a-f]{16}$/;

/** The read-only bind mount of the packages dir at `/packages` (behaviour.md §2.3). */
export function packagesMount(hostPackagesDir: string): Mount {
  return { source: hostPackagesDir, target: CONTAINER_PACKAGES_DIR, readOnly: true };
}

/** Content-hashed package store under `<dataDir>/packages/<sha256[:16]>/`. */
export class PackageStore {
  constructor(private readonly deps: ResolvedFileDeps) {}

  private get root(): string {
    return packagesDir(this.deps.dataDir);
  }

  private metaPath(id: string): string {
    return join(packagesMetaDir(this.deps.dataDir), `${id}.json`);
  }

  /** Stores the multipart `file` field; 400 for unsupported types or bad names, 507 without disk space. */
  async upload(req: IncomingMessage): Promise<PackageInfo & { status: 'uploaded' }> {
    await mkdir(packagesStagingDir(this.deps.dataDir), { recursive: true });
    await mkdir(packagesMetaDir(this.deps.dataDir), { recursive: true });
    const length = Number(req.headers['content-length'] ?? 0) || 0;
    const free = await ensureDiskSpace(this.deps.freeBytes, this.root, length, 2.0);
    const info = await readMultipartFile(req, 'file', (filename, body) =>
      this.store(filename, body, free - DISK_RESERVE_BYTES),
    );
    return { status: 'uploaded', ...info };
  }

  private async store(filename: string, body: Readable, budget: number): Promise<PackageInfo> {
    const kind = archiveKind(filename);
    const isPlugin = filename.toLowerCase().endsWith('.py');
    if (!isPackageFileName(filename)) {
      throw new AppError(
        'bad_request',
        `Unsupported package file ${quoteInput(filename)}: ${PACKAGE_FILE_RULE}.`,
      );
    }
    const staging = join(packagesStagingDir(this.deps.dataDir), randomBytes(8).toString('hex'));
    try {
      await mkdir(join(staging, 'pkg'), { recursive: true });
      const spool = join(staging, filename);
      const hash = createHash('sha256');
      const hasher = byteCap(
        budget,
        () => new AppError('insufficient_storage', 'Not enough disk space for this package.'),
        (chunk) => hash.update(chunk),
      );
      await pipeline(body, hasher, createWriteStream(spool, { highWaterMark: 1024 * 1024 }));
      const id = hash.digest('hex').slice(0, 16);
      const existing = await this.read(id);
      if (existing) return existing;
      let entry = filename;
      if (kind) {
        entry = stripArchiveSuffix(filename);
        const out = join(staging, 'extract');
        await mkdir(out);
        const target = new ExtractTarget(out, budget - hasher.bytes);
        if (kind === 'zip') await extractZip(spool, target);
        else await extractTarGz(createReadStream(spool, { highWaterMark: 1024 * 1024 }), target);
        await rename((await singleWrapper(out)) ?? out, join(staging, 'pkg', entry));
      } else {
        await rename(spool, join(staging, 'pkg', entry));
      }
      const meta = {
        filename,
        type: isPlugin ? 'plugin' : 'package',
        entry,
        uploaded_at: new Date(this.deps.now()).toISOString(),
      };
      await writeFile(this.metaPath(id), JSON.stringify(meta));
      await rename(join(staging, 'pkg'), join(this.root, id));
      const stored = await this.read(id);
      if (!stored) throw new Error(`package ${id} vanished right after it was stored`);
      return stored;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  private async read(id: string): Promise<PackageInfo | null> {
    const dir = join(this.root, id);
    if (!(await exists(dir))) return null;
    const raw = await readFile(this.metaPath(id), 'utf8').catch(() => null);
    const meta = raw
      ? (JSON.parse(raw) as {
          filename?: string;
          type?: string;
          entry?: string;
          uploaded_at?: string;
        })
      : {};
    const entry = meta.entry ?? (await readdir(dir))[0] ?? '';
    return {
      package_id: id,
      filename: meta.filename ?? entry,
      install_path: join(dir, entry),
      type: meta.type === 'plugin' ? 'plugin' : 'package',
      size_mb: toMb(await treeSize(dir)),
      uploaded_at: meta.uploaded_at ?? new Date(0).toISOString(),
    };
  }

  async list(): Promise<PackageInfo[]> {
    const ids = (await readdir(this.root).catch(() => [] as string[]))
      .filter((n) => PACKAGE_ID.test(n))
      .sort();
    const out: PackageInfo[] = [];
    for (const id of ids) {
      const p = await this.read(id);
      if (p) out.push(p);
    }
    return out;
  }

  /** Deletes a package: 400 malformed id, 404 unknown. */
  async remove(id: string): Promise<{ status: 'deleted'; package_id: string }> {
    if (!PACKAGE_ID.test(id))
      throw new AppError(
        'bad_request',
        `Invalid package id ${quoteInput(id)}: expected 16 lowercase hex digits.`,
      );
    const dir = join(this.root, id);
    if (!(await exists(dir)))
      throw new AppError('not_found', `Package ${id} does not exist on this node.`);
    await rm(dir, { recursive: true, force: true });
    await rm(this.metaPath(id), { force: true });
    return { status: 'deleted', package_id: id };
  }
}
