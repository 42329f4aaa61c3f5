import type { RawLogLine } from './container-runtime.js';

/** One complete output line, still carrying the engine's timestamp prefix. */
export interface StreamLine {
  stream: 'stdout' | 'stderr';
  line: string;
}

const HEADER_BYTES = 8;
const CONTINUATION_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}) /;
const NEWLINE = 0x0a;

/**
 * Splits bytes into lines. Lines are kept as bytes until their newline arrives, so a UTF-8
 * character cut across two chunks decodes correctly.
 */
class LineBuffer {
  private parts: Buffer[] = [];

  constructor(private readonly stream: 'stdout' | 'stderr') {}

  get hasPartial(): boolean {
    return this.parts.length > 0;
  }

  push(bytes: Buffer, out: StreamLine[]): void {
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE, start); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
      this.parts.push(bytes.subarray(start, nl));
      out.push({ stream: this.stream, line: stripCr(Buffer.concat(this.parts).toString('utf8')) });
      this.parts = [];
      start = nl + 1;
    }
    if (start < bytes.length) this.parts.push(Buffer.from(bytes.subarray(start)));
  }

  flush(out: StreamLine[]): void {
    if (this.parts.length === 0) return;
    out.push({ stream: this.stream, line: stripCr(Buffer.concat(this.parts).toString('utf8')) });
    this.parts = [];
  }
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/**
 * Demultiplexes the Engine API's log stream: frames of `[stream,0,0,0,size(u32 BE)]` + payload.
 * Frames need not end at line boundaries, so each stream keeps its own partial line.
 * In `raw` mode (containers with a TTY) the bytes carry no headers and are all stdout.
 * With `timestamps`, an engine that stores a line in pieces (Podman's partial log entries, Docker's
 * 16 KiB chunks) stamps every piece; the stamp of a continuation piece is dropped so the joined
 * line keeps only its first one.
 */
export class LogDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private readonly out = new LineBuffer('stdout');
  private readonly err = new LineBuffer('stderr');

  constructor(
    private readonly raw = false,
    private readonly timestamps = false,
  ) {}

  private payloadOf(target: LineBuffer, payload: Buffer): Buffer {
    if (!this.timestamps || !target.hasPartial) return payload;
    const m = CONTINUATION_TS.exec(payload.subarray(0, 48).toString('latin1'));
    return m ? payload.subarray(m[0].length) : payload;
  }

  /** Feeds a chunk; returns the lines it completed. */
  push(chunk: Buffer): StreamLine[] {
    const lines: StreamLine[] = [];
    if (this.raw) {
      this.out.push(chunk, lines);
      return lines;
    }
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= HEADER_BYTES) {
      const size = buf.readUInt32BE(4);
      if (buf.length < HEADER_BYTES + size) break;
      const payload = buf.subarray(HEADER_BYTES, HEADER_BYTES + size);
      const kind = buf[0];
      // stdin frames (0) never carry output; anything unknown is treated as stdout rather than lost.
      const target = kind === 2 ? this.err : kind === 0 ? null : this.out;
      target?.push(this.payloadOf(target, payload), lines);
      buf = buf.subarray(HEADER_BYTES + size);
    }
    this.pending = Buffer.from(buf);
    return lines;
  }

  /** Returns the unterminated last line of each stream (at end of stream). */
  flush(): StreamLine[] {
    const lines: StreamLine[] = [];
    this.out.flush(lines);
    this.err.flush(lines);
    return lines;
  }
}

const TS_PREFIX = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) ?/;

/** Splits the `timestamps=1` prefix off a line; lines without one get `fallbackTs`. */
export function parseTimestampedLine(l: StreamLine, fallbackTs: string): RawLogLine {
  const m = TS_PREFIX.exec(l.line);
  if (!m?.[1]) return { ts: fallbackTs, stream: l.stream, text: l.line };
  return { ts: m[1], stream: l.stream, text: l.line.slice(m[0].length) };
}
