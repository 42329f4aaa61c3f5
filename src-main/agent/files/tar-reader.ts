import type { FileHandle } from 'node:fs/promises';
import { AppError } from '../../shared/errors.js';
import type { ExtractTarget } from './extract-target.js';

const BLOCK = 512;
const MAX_META_BYTES = 1024 * 1024;

interface Header {
  name: string;
  size: number;
  type: string;
  mode: number;
}

const malformed = (why: string) =>
  new AppError('bad_request', `The archive is not a valid tar file: ${why}`);

function cString(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end === -1 || end > off + len ? off + len : end);
}

// Numeric fields are NUL/space-terminated octal, or base-256 (high bit set) for values over 8 GiB.
function tarNumber(b: Buffer, off: number, len: number): number {
  if ((b[off] ?? 0) & 0x80) {
    let n = (b[off] ?? 0) & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + (b[off + i] ?? 0);
    return n;
  }
  const text = b
    .toString('latin1', off, off + len)
    .replace(/[\0 ]+/g, ' ')
    .trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw malformed(`bad number field '${text}'.`);
  return parseInt(text, 8);
}

function parseHeader(b: Buffer, offset: number): Header | null {
  if (b.every((x) => x === 0)) return null;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (b[i] ?? 0);
  if (tarNumber(b, 148, 8) !== sum) throw malformed(`bad header checksum at byte ${offset}.`);
  const name = cString(b, 0, 100);
  const ustar = b.toString('latin1', 257, 262) === 'ustar';
  const prefix = ustar ? cString(b, 345, 155) : '';
  const flag = b[156] ?? 0;
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: tarNumber(b, 124, 12),
    type: flag === 0 ? '0' : String.fromCharCode(flag),
    mode: tarNumber(b, 100, 8),
  };
}

// A pax record is "<length> <key>=<value>\n", the length counting the whole record.
function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    const len = Number(data.toString('latin1', i, space));
    if (space === -1 || !Number.isInteger(len) || len <= 0 || i + len > data.length)
      throw malformed('bad pax extended header.');
    const record = data.toString('utf8', space + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

type Sink =
  | { kind: 'file'; fh: FileHandle }
  | { kind: 'meta'; type: string; parts: Buffer[]; size: number }
  | { kind: 'skip' };

/**
 * A streaming ustar/pax/GNU tar reader: feed it chunks in order with `push` and call `end`.
 * Regular files and folders are written to the target; links, devices, FIFOs and sparse files are
 * skipped; every member name is validated (400 for one that escapes) before anything is written.
 */
export class TarReader {
  private header = Buffer.alloc(0);
  private sink: Sink | null = null;
  private remaining = 0;
  private padding = 0;
  private offset = 0;
  private done = false;
  private longName: string | null = null;
  private pax = new Map<string, string>();

  constructor(private readonly target: ExtractTarget) {}

  async push(chunk: Buffer): Promise<void> {
    let i = 0;
    while (i < chunk.length && !this.done) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i);
        await this.write(chunk.subarray(i, i + n));
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) await this.closeEntry();
      } else if (this.padding > 0) {
        const n = Math.min(this.padding, chunk.length - i);
        this.padding -= n;
        i += n;
      } else {
        const n = Math.min(BLOCK - this.header.length, chunk.length - i);
        this.header = Buffer.concat([this.header, chunk.subarray(i, i + n)]);
        i += n;
        if (this.header.length === BLOCK) {
          const block = this.header;
          this.header = Buffer.alloc(0);
          await this.startEntry(block);
        }
      }
    }
  }

  /** Checks that the archive was complete. */
  end(): Promise<void> {
    if (!this.done && (this.remaining > 0 || this.header.length > 0 || this.sink))
      return Promise.reject(malformed('it ends in the middle of a member (truncated upload?).'));
    return Promise.resolve();
  }

  /** Closes an open file after a failure. */
  async abort(): Promise<void> {
    if (this.sink?.kind === 'file') await this.sink.fh.close().catch(() => undefined);
    this.sink = null;
  }

  private async write(data: Buffer): Promise<void> {
    const s = this.sink;
    if (!s || s.kind === 'skip') return;
    if (s.kind === 'meta') {
      s.parts.push(Buffer.from(data));
      return;
    }
    let off = 0;
    while (off < data.length) off += (await s.fh.write(data, off, data.length - off)).bytesWritten;
  }

  private async startEntry(block: Buffer): Promise<void> {
    const h = parseHeader(block, this.offset);
    this.offset += BLOCK;
    if (!h) {
      // The first of the two zero blocks that end an archive; nothing after it matters.
      this.done = true;
      return;
    }
    const size = Number(this.pax.get('size') ?? h.size);
    const name = this.pax.get('path') ?? this.longName ?? h.name;
    if (!['x', 'g', 'L', 'K'].includes(h.type)) {
      this.pax = new Map();
      this.longName = null;
    }
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    this.offset += size + this.padding;
    this.sink = await this.sinkFor(h, name, size);
    if (size === 0) await this.closeEntry();
  }

  private async sinkFor(h: Header, name: string, size: number): Promise<Sink> {
    if (['x', 'g', 'L', 'K'].includes(h.type)) {
      if (size > MAX_META_BYTES) throw malformed('an extended header is larger than 1 MiB.');
      return { kind: 'meta', type: h.type, parts: [], size };
    }
    const segments = this.target.segments(name);
    if (!segments) return { kind: 'skip' };
    if (h.type === '5') {
      await this.target.dir(segments);
      return { kind: 'skip' };
    }
    if (h.type !== '0' && h.type !== '7') {
      this.target.skipped++;
      return { kind: 'skip' };
    }
    this.target.account(size);
    return { kind: 'file', fh: await this.target.file(segments, (h.mode & 0o111) !== 0) };
  }

  private async closeEntry(): Promise<void> {
    const s = this.sink;
    this.sink = null;
    if (!s) return;
    if (s.kind === 'file') await s.fh.close();
    if (s.kind !== 'meta') return;
    const data = Buffer.concat(s.parts);
    if (s.type === 'x') this.pax = parsePax(data);
    else if (s.type === 'L') this.longName = cString(data, 0, data.length);
  }
}
