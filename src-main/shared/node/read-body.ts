import type { IncomingMessage } from 'node:http';

/**
 * Reads a whole request body of at most `limit` bytes. A longer body rejects with `tooLarge()`
 * at once; the rest is drained unread, so the caller can still answer on the same connection.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}
