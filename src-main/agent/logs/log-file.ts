import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createReadStream } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { errnoCode } from '../../shared/errors.js';

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/**
 * The persistent log of one deployment: `<name>.log` (active part), `<name>.log.0` (what overflowed
 * the size cap earlier in this run), `<name>.log.1` (the previous run), `<name>.log.pos` (the last
 * raw runtime timestamp, for resuming without duplicates). Writes are synchronous appends so that
 * order and the size cap hold even when the agent is killed between lines.
 */
export class LogFile {
  readonly overflowPath: string;
  readonly previousPath: string;
  readonly posPath: string;
  private size: number;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
  ) {
    this.overflowPath = `${path}.0`;
    this.previousPath = `${path}.1`;
    this.posPath = `${path}.pos`;
    this.size = sizeOf(path);
  }

  /** Starts a new run: the previous run (overflow then active part) becomes `.1`, the active file is empty. */
  rotateForNewRun(): void {
    rmSync(this.previousPath, { force: true });
    if (existsSync(this.overflowPath)) {
      if (existsSync(this.path)) appendFileSync(this.overflowPath, readFileSync(this.path));
      renameSync(this.overflowPath, this.previousPath);
    } else if (existsSync(this.path)) {
      renameSync(this.path, this.previousPath);
    }
    writeFileSync(this.path, '');
    rmSync(this.posPath, { force: true });
    this.size = 0;
  }

  /** Appends complete lines (each ending in `\n`); moves the active part to `.0` first when the cap would be passed. */
  append(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.overflow();
    try {
      appendFileSync(this.path, text);
    } catch (err) {
      // Someone removed the log directory under a running agent: recreate it rather than lose the run.
      if (errnoCode(err) !== 'ENOENT') throw err;
      mkdirSync(dirname(this.path), { recursive: true });
      appendFileSync(this.path, text);
      this.size = 0;
    }
    this.size += bytes;
  }

  private overflow(): void {
    if (existsSync(this.path)) appendFileSync(this.overflowPath, readFileSync(this.path));
    writeFileSync(this.path, '');
    this.size = 0;
  }

  /** The last raw runtime timestamp written, or null. */
  readPos(): string | null {
    try {
      const s = readFileSync(this.posPath, 'utf8').trim();
      return s === '' ? null : s;
    } catch {
      return null;
    }
  }

  writePos(ts: string): void {
    writeFileSync(this.posPath, `${ts}\n`);
  }

  /** Up to `maxLines` last lines of the run (reads at most the last `maxBytes` of the active part, then `.0`). */
  readTail(maxLines: number, maxBytes = 4 * 1024 * 1024): string[] {
    const lines: string[] = [];
    for (const p of [this.path, this.overflowPath]) {
      if (lines.length >= maxLines) break;
      const { text, truncated } = readLastBytes(p, maxBytes);
      const parts = text.split('\n').filter((l) => l !== '');
      // A chunk cut in the middle of a line starts with a fragment; drop it.
      if (truncated) parts.shift();
      lines.unshift(...parts.slice(-(maxLines - lines.length)));
    }
    return lines;
  }

  /** The whole run as one stream: the overflow part, then the active part. */
  download(): Readable {
    const paths = [this.overflowPath, this.path].filter((p) => existsSync(p));
    return Readable.from(
      (async function* () {
        for (const p of paths) yield* createReadStream(p);
      })(),
    );
  }

  /** Bytes of the whole run (`.0` + active), e.g. for a Content-Length. */
  runBytes(): number {
    return sizeOf(this.overflowPath) + sizeOf(this.path);
  }
}

function readLastBytes(path: string, maxBytes: number): { text: string; truncated: boolean } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { text: '', truncated: false };
  }
  try {
    const size = statSync(path).size;
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return { text: buf.toString('utf8'), truncated: len < size };
  } finally {
    closeSync(fd);
  }
}
