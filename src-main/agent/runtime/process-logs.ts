import { open } from 'node:fs/promises';
import type { RawLogLine } from './container-runtime.js';

const POLL_MS = 200;

/** Parses one shim log line `<RFC 3339> <stdout|stderr> <text>`; null for anything else. */
export function parseShimLogLine(line: string): RawLogLine | null {
  const a = line.indexOf(' ');
  const b = a === -1 ? -1 : line.indexOf(' ', a + 1);
  if (a === -1) return null;
  const stream = line.slice(a + 1, b === -1 ? undefined : b);
  if (stream !== 'stdout' && stream !== 'stderr') return null;
  return { ts: line.slice(0, a), stream, text: b === -1 ? '' : line.slice(b + 1) };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Reads a shim log file like the Engine API's logs call: `tail` last lines, lines since a unix
 * time, and with `follow` keeps polling for new lines until `finished()` says the process is
 * gone (and the file is drained) or `signal` aborts.
 */
export async function* readShimLog(
  path: string,
  opts: { follow: boolean; tail?: number; sinceUnixSeconds?: number; signal?: AbortSignal },
  finished: () => boolean,
): AsyncIterable<RawLogLine> {
  const sinceMs = opts.sinceUnixSeconds !== undefined ? opts.sinceUnixSeconds * 1000 : null;
  const keep = (l: RawLogLine): boolean => sinceMs === null || Date.parse(l.ts) >= sinceMs;
  let offset = 0;
  const readNew = async (): Promise<RawLogLine[]> => {
    let fh;
    try {
      fh = await open(path, 'r');
    } catch {
      return [];
    }
    try {
      const { size } = await fh.stat();
      if (size <= offset) return [];
      const buf = Buffer.alloc(size - offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      // Only whole lines are consumed, so a character cut by a concurrent append is read later whole.
      const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (end === -1) return [];
      offset += end + 1;
      const lines = buf.subarray(0, end).toString('utf8').split('\n');
      return lines.map(parseShimLogLine).filter((l): l is RawLogLine => l !== null && keep(l));
    } finally {
      await fh.close();
    }
  };
  let first = await readNew();
  if (opts.tail !== undefined) first = opts.tail <= 0 ? [] : first.slice(-opts.tail);
  yield* first;
  if (!opts.follow) return;
  while (!opts.signal?.aborted) {
    // Read the finished flag before reading, so lines written just before the exit are not lost.
    const over = finished();
    yield* await readNew();
    if (over) return;
    await sleep(POLL_MS, opts.signal);
  }
}
