import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { AppError } from '../../shared/errors.js';
import type { ExtractTarget } from './extract-target.js';

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_CENTRAL_DIR = 64 * 1024 * 1024;

interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  unixMode: number | null;
}

const malformed = (why: string) =>
  new AppError('bad_request', `The archive is not a valid zip file: ${why}`);

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead !== length) throw malformed('it is truncated.');
  return buf;
}

async function centralDirectory(
  fh: FileHandle,
  fileSize: number,
): Promise<{ offset: number; size: number; count: number }> {
  const tailLen = Math.min(fileSize, 22 + 0xffff);
  const tail = await readAt(fh, fileSize - tailLen, tailLen);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--)
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  if (at === -1) throw malformed('no end-of-central-directory record.');
  let count = tail.readUInt16LE(at + 10);
  let size = tail.readUInt32LE(at + 12);
  let offset = tail.readUInt32LE(at + 16);
  const eocdPos = fileSize - tailLen + at;
  if ((count === 0xffff || size === 0xffffffff || offset === 0xffffffff) && eocdPos >= 20) {
    const loc = await readAt(fh, eocdPos - 20, 20);
    if (loc.readUInt32LE(0) === ZIP64_LOCATOR) {
      const rec = await readAt(fh, Number(loc.readBigUInt64LE(8)), 56);
      if (rec.readUInt32LE(0) !== ZIP64_EOCD) throw malformed('bad zip64 end record.');
      count = Number(rec.readBigUInt64LE(32));
      size = Number(rec.readBigUInt64LE(40));
      offset = Number(rec.readBigUInt64LE(48));
    }
  }
  if (size > MAX_CENTRAL_DIR || offset + size > fileSize)
    throw malformed('the central directory is out of range.');
  return { offset, size, count };
}

function parseEntries(cd: Buffer, count: number): ZipEntry[] {
  const out: ZipEntry[] = [];
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL)
      throw malformed('bad central directory entry.');
    const madeBy = cd.readUInt16LE(p + 4) >> 8;
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let size = cd.readUInt32LE(p + 24);
    let compressedSize = cd.readUInt32LE(p + 20);
    let localOffset = cd.readUInt32LE(p + 42);
    // The zip64 extra field holds, in this order, only the values whose 32-bit slot is saturated.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const next = () => {
          const v = Number(cd.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      e += 4 + len;
    }
    out.push({
      name: cd.toString('utf8', p + 46, p + 46 + nameLen),
      method: cd.readUInt16LE(p + 10),
      flags: cd.readUInt16LE(p + 8),
      compressedSize,
      size,
      localOffset,
      // Unix (3) and macOS (19) writers keep st_mode in the high half of the external attributes.
      unixMode: madeBy === 3 || madeBy === 19 ? cd.readUInt32LE(p + 38) >>> 16 : null,
    });
    p = extraEnd + commentLen;
  }
  return out;
}

/** Fails a member whose data inflates past its declared size (a lying header in a zip bomb). */
function sizeCap(limit: number, name: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) cb(malformed(`member '${name}' is larger than its header says.`));
      else cb(null, chunk);
    },
    flush(cb: TransformCallback) {
      cb(seen === limit ? null : malformed(`member '${name}' is shorter than its header says.`));
    },
  });
}

/**
 * Extracts a zip file (stored or deflate, zip64) into the target. Every member name is validated
 * before anything is written (400 if one escapes); symlinks and special files are skipped.
 */
export async function extractZip(file: string, target: ExtractTarget): Promise<void> {
  const fh = await open(file, 'r');
  let entries: ZipEntry[];
  try {
    const fileSize = (await fh.stat()).size;
    const cd = await centralDirectory(fh, fileSize);
    entries = parseEntries(await readAt(fh, cd.offset, cd.size), cd.count);
    for (const e of entries) {
      if (e.localOffset + 30 > fileSize) throw malformed(`member '${e.name}' is out of range.`);
      target.segments(e.name);
      if (e.flags & 1)
        throw new AppError('bad_request', 'Encrypted zip archives are not supported.');
      if (e.method !== 0 && e.method !== 8)
        throw new AppError(
          'bad_request',
          `Zip compression method ${e.method} is not supported (use stored or deflate).`,
        );
    }
    target.account(entries.reduce((sum, e) => sum + e.size, 0));
    for (const e of entries) {
      const segments = target.segments(e.name);
      if (!segments) continue;
      const type = e.unixMode === null ? 0 : e.unixMode & 0o170000;
      if (e.name.endsWith('/') || type === 0o040000) {
        await target.dir(segments);
        continue;
      }
      if (type !== 0 && type !== 0o100000) {
        target.skipped++;
        continue;
      }
      const local = await readAt(fh, e.localOffset, 30);
      if (local.readUInt32LE(0) !== LOCAL) throw malformed(`bad local header for '${e.name}'.`);
      const start = e.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const out = await target.file(segments, ((e.unixMode ?? 0) & 0o111) !== 0);
      const sink = out.createWriteStream();
      const source =
        e.compressedSize === 0
          ? Readable.from([])
          : createReadStream(file, {
              start,
              end: start + e.compressedSize - 1,
              highWaterMark: 1024 * 1024,
            });
      const stages =
        e.method === 8
          ? [createInflateRaw({ chunkSize: 256 * 1024 }), sizeCap(e.size, e.name)]
          : [sizeCap(e.size, e.name)];
      await pipeline([source, ...stages, sink]).catch((err: unknown) => {
        if ((err as { code?: string }).code?.startsWith('Z_'))
          throw malformed(`member '${e.name}' has corrupt data.`);
        throw err;
      });
    }
  } finally {
    await fh.close();
  }
}
