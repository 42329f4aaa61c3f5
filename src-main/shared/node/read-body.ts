import type { IncomingMessage } from 'node:http';

/** A deadline for a whole body: a client that trickles it in is refused with `tooSlow()`. */
export interface BodyDeadline {
  deadlineMs: number;
  tooSlow: () => Error;
}

/**
 * Reads a whole request body of at most `limit` bytes. A longer body rejects with `tooLarge()`
 * at once, a body still incomplete after `deadline.deadlineMs` with `tooSlow()`; the rest is
 * drained unread, so the caller can still answer. A connection cut mid-body rejects with its error.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  tooLarge: () => Error,
  deadline?: BodyDeadline,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer =
      deadline && setTimeout(() => stop(deadline.tooSlow()), deadline.deadlineMs).unref();
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return stop(tooLarge());
      chunks.push(chunk);
    };
    const onEnd = () => {
      clearTimeout(timer);
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const stop = (err: Error) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.resume();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', stop);
  });
}

/**
 * True while a request still has body bytes to come: an answer sent now should close the
 * connection (`Connection: close`) rather than wait for, and read, a body nobody needs.
 */
export function bodyPending(req: IncomingMessage): boolean {
  if (req.complete) return false;
  return (
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
  );
}
