import { Transform, type TransformCallback } from 'node:stream';

/** A pass-through stream that counts bytes and fails once more than its limit went through. */
export interface ByteCap extends Transform {
  /** Bytes passed so far. */
  readonly bytes: number;
}

/**
 * Counts the bytes of a stream, calling `onChunk` for each chunk, and fails with `tooMany()` as
 * soon as more than `limit` bytes went through (a body longer than declared, a disk budget). A
 * function `limit` is read at every chunk, for budgets that other streams share.
 */
export function byteCap(
  limit: number | (() => number),
  tooMany: () => Error,
  onChunk?: (chunk: Buffer, total: number) => void,
): ByteCap {
  let bytes = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      bytes += chunk.length;
      if (bytes > (typeof limit === 'number' ? limit : limit())) return cb(tooMany());
      onChunk?.(chunk, bytes);
      cb(null, chunk);
    },
  });
  return Object.defineProperty(t, 'bytes', { get: () => bytes }) as ByteCap;
}
