import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors.js';
import { readBody } from './read-body.js';

/**
 * What every JSON request body of both servers is held to. 1 MiB holds any real launch request or
 * saved configuration many times over; 64 levels is far deeper than any schema of ours nests,
 * and shallow enough that validation, storage and `JSON.stringify` never recurse too deep.
 */
export const JSON_BODY_LIMITS = {
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  /** A body must have arrived this long after its headers (1 MiB takes 0.1 s at 100 Mbit/s). */
  deadlineMs: 10_000,
} as const;

/** True when a content type declares JSON (`application/json`, `application/*+json`). */
export function isJsonContentType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[^/]+\+json$/.test(type);
}

/**
 * True when arrays and objects in `text` nest deeper than `max` (brackets inside strings do not
 * count). Scans once without recursion, so any input is safe to check.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function refuseEncoding(req: IncomingMessage): void {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== '')
    throw new AppError(
      'unsupported_media_type',
      `Content-Encoding '${encoding.slice(0, 40)}' is not accepted: send the JSON body uncompressed.`,
    );
  const charset = /;\s*charset=("?)([^";]+)\1/i.exec(req.headers['content-type'] ?? '')?.[2];
  if (charset !== undefined && !/^utf-?8$/i.test(charset.trim()))
    throw new AppError(
      'unsupported_media_type',
      `Charset '${charset.slice(0, 40)}' is not accepted: send the JSON body as UTF-8.`,
    );
}

/**
 * Reads and parses a JSON request body within `JSON_BODY_LIMITS`: 415 compressed or not UTF-8,
 * 413 too large, 408 too slow, 400 cut off, 422 (FastAPI's list) too deep or not JSON. An empty
 * body is `undefined`.
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  refuseEncoding(req);
  const { maxBytes, maxDepth, deadlineMs } = JSON_BODY_LIMITS;
  let raw: Buffer;
  try {
    raw = await readBody(
      req,
      maxBytes,
      () => new AppError('payload_too_large', 'Request body too large: the limit is 1 MiB.'),
      {
        deadlineMs,
        tooSlow: () =>
          new AppError(
            'request_timeout',
            `The request body did not arrive within ${deadlineMs / 1000} s.`,
          ),
      },
    );
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(
      'bad_request',
      'The request body was cut off before it ended; nothing from it was kept. Send it again.',
    );
  }
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (jsonNestsDeeperThan(text, maxDepth))
    throw new AppError('validation_failed', [
      { loc: ['body'], msg: `JSON nested deeper than ${maxDepth} levels`, type: 'json_too_deep' },
    ]);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError('validation_failed', [
      {
        loc: ['body'],
        msg: `JSON decode error: ${err instanceof Error ? err.message : 'invalid JSON'}`,
        type: 'json_invalid',
      },
    ]);
  }
}
