// Uploads for the desktop console. The IPC bridge carries JSON, not file bodies, so the window
// names a file the user picked and the main process streams it from disk into its own server, as
// the console in a browser would send it, reporting the bytes sent as it goes.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { basename, isAbsolute } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  FileUploadRequestSchema,
  type FileUploadRequest,
  type IpcResponse,
} from '../shared/ipc.js';
import { errorMessage } from '../shared/errors.js';
import { ipcResponse } from './inject.js';

/** How often progress is reported at most, and always at the end. */
const PROGRESS_EVERY_MS = 100;

const answer = (status: number, detail: string): IpcResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: { detail },
});

/** The multipart framing around one file (the packages route takes a form field). */
function multipart(field: string, file: string) {
  const boundary = `----aerie${randomBytes(12).toString('hex')}`;
  const name = basename(file).replace(/["\r\n\\]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { type: `multipart/form-data; boundary=${boundary}`, head, tail };
}

/**
 * Streams the file of `raw` (a `FileUploadRequest`) to `origin` + its path with the admin token,
 * calling `onProgress` with the file bytes sent so far; resolves with the server's answer (JSON
 * parsed). Bad requests and unreadable files answer 400 with a detail, never reject.
 */
export async function uploadFile(
  origin: string,
  adminToken: string,
  raw: unknown,
  onProgress: (sent: number, total: number) => void,
): Promise<IpcResponse> {
  const parsed = FileUploadRequestSchema.safeParse(raw);
  if (!parsed.success)
    return answer(
      400,
      `Invalid upload request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`,
    );
  const up: FileUploadRequest = parsed.data;
  if (!isAbsolute(up.file))
    return answer(400, `The file to upload must be an absolute path, not '${up.file}'.`);
  let size: number;
  try {
    const s = await stat(up.file);
    if (!s.isFile()) return answer(400, `'${up.file}' is not a regular file.`);
    size = s.size;
  } catch (err) {
    return answer(400, `Cannot read '${up.file}': ${errorMessage(err)}`);
  }
  const form = up.form_field ? multipart(up.form_field, up.file) : null;
  let sent = 0;
  let reported = -1;
  const report = () => {
    if (sent === reported) return;
    reported = sent;
    onProgress(sent, size);
  };
  async function* payload() {
    if (form) yield form.head;
    let last = 0;
    for await (const chunk of createReadStream(up.file) as AsyncIterable<Buffer>) {
      sent += chunk.length;
      const now = Date.now();
      if (now - last >= PROGRESS_EVERY_MS) {
        last = now;
        report();
      }
      yield chunk;
    }
    report();
    if (form) yield form.tail;
  }
  return new Promise<IpcResponse>((resolve) => {
    const req = request(`${origin}${up.path}`, {
      method: up.method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        'content-type': form?.type ?? 'application/octet-stream',
        'content-length': String(size + (form ? form.head.length + form.tail.length : 0)),
      },
    });
    req.once('error', (err) => resolve(answer(502, `The upload failed: ${errorMessage(err)}`)));
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', (err) => resolve(answer(502, `The upload failed: ${errorMessage(err)}`)));
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        // The server can answer before this side has seen its last write complete.
        report();
        try {
          resolve(ipcResponse(res.statusCode ?? 502, res.headers, text));
        } catch {
          resolve(
            answer(
              502,
              `The server's answer to the upload was not valid JSON: ${text.slice(0, 200)}`,
            ),
          );
        }
      });
    });
    // A server that answers before the whole body arrived (a 409, a full disk) closes the
    // connection: its answer, when it comes, wins over the broken pipe.
    pipeline(payload(), req).catch((err: unknown) =>
      setTimeout(() => resolve(answer(502, `The upload failed: ${errorMessage(err)}`)), 1000),
    );
  });
}
