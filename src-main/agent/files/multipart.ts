import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { AppError } from '../../shared/errors.js';

const MAX_HEADER_BYTES = 16 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done';

const bad = (why: string) => new AppError('bad_request', `Malformed multipart upload: ${why}`);

/** The boundary of a `multipart/form-data` content type; 400 when it is not one. */
export function multipartBoundary(contentType: string | undefined): string {
  const m = /^multipart\/form-data\s*;.*\bboundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(
    contentType ?? '',
  );
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary)
    throw new AppError(
      'bad_request',
      'Expected a multipart/form-data body (with a boundary) carrying the file in a field named "file".',
    );
  return boundary;
}

function disposition(headerText: string): { name: string | null; filename: string | null } {
  const line = headerText.split('\r\n').find((l) => /^content-disposition:/i.test(l)) ?? '';
  const name = /;\s*name="([^"]*)"/i.exec(line)?.[1] ?? null;
  const filename = /;\s*filename="([^"]*)"/i.exec(line)?.[1] ?? null;
  return { name, filename };
}

/**
 * Streams the first part named `field` of a multipart/form-data request into `onFile` (with the
 * file name the client sent, folders stripped); other parts are read and dropped. Memory use stays
 * bounded by the chunk size: the part is never buffered whole. Resolves with `onFile`'s result.
 */
export async function readMultipartFile<T>(
  req: IncomingMessage,
  field: string,
  onFile: (filename: string, body: Readable) => Promise<T>,
): Promise<T> {
  const delimiter = Buffer.from(`\r\n--${multipartBoundary(req.headers['content-type'])}`);
  let state: State = 'preamble';
  // The first delimiter has no CRLF before it; pretending one was there keeps a single search.
  let buf: Buffer = Buffer.from('\r\n');
  let part: PassThrough | null = null;
  let result: Promise<T> | null = null;
  let seen = false;

  const emit = async (data: Buffer) => {
    if (part && data.length > 0 && !part.write(data))
      await Promise.race([once(part, 'drain'), result]);
  };

  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (let progressed = true; progressed && state !== 'done';) {
        progressed = false;
        if (state === 'preamble' || state === 'body') {
          const at = buf.indexOf(delimiter);
          if (at === -1) {
            const keep = Math.min(buf.length, delimiter.length - 1);
            if (state === 'body') await emit(buf.subarray(0, buf.length - keep));
            buf = buf.subarray(buf.length - keep);
            break;
          }
          if (state === 'body') {
            await emit(buf.subarray(0, at));
            part?.end();
            part = null;
          }
          buf = buf.subarray(at + delimiter.length);
          state = 'after-delimiter';
          progressed = true;
        } else if (state === 'after-delimiter') {
          if (buf.length < 2) break;
          const two = buf.toString('latin1', 0, 2);
          if (two === '--') state = 'done';
          else if (two === '\r\n') state = 'headers';
          else throw bad('unexpected bytes after a boundary.');
          buf = buf.subarray(2);
          progressed = true;
        } else if (state === 'headers') {
          const end = buf.indexOf(CRLF2);
          if (end === -1) {
            if (buf.length > MAX_HEADER_BYTES) throw bad('part headers are too large.');
            break;
          }
          const { name, filename } = disposition(buf.toString('utf8', 0, end));
          buf = buf.subarray(end + CRLF2.length);
          if (name === field && filename !== null && !seen) {
            seen = true;
            part = new PassThrough({ highWaterMark: 1024 * 1024 });
            // The consumer sees a failure through its own pipeline; a part destroyed before the
            // consumer attached one (a body cut short while it still prepares) must not be an
            // unhandled 'error' event, which would end the process.
            part.on('error', () => undefined);
            result = onFile(filename.split(/[\\/]/).pop() ?? '', part);
            // Keeps a rejection handled until it is awaited below.
            result.catch(() => undefined);
          }
          state = 'body';
          progressed = true;
        }
      }
      if (state === 'done') break;
    }
    if (state !== 'done')
      throw bad('the body ended before the closing boundary (truncated upload?).');
  } catch (err) {
    part?.destroy(err instanceof Error ? err : new Error(String(err)));
    await result?.catch(() => undefined);
    throw err;
  }
  if (!result)
    throw new AppError(
      'bad_request',
      'No file in the upload: send it in a multipart field named "file".',
    );
  return result;
}
