// The console's side of a desktop upload (shared so it is tested in plain Node): the window hands
// the bridge the picked file, the main process reads it from disk and sends it.
import type { AerieBridge } from './ipc.js';

/**
 * The desktop upload: the file of `body` (a Blob, or FormData holding one file, sent as that
 * multipart field) goes through the bridge; resolves with the answer, rejects with its `detail`.
 */
export async function uploadThroughBridge(
  bridge: Pick<AerieBridge, 'upload'>,
  method: 'PUT' | 'POST',
  path: string,
  body: Blob | FormData,
  onProgress: (sentBytes: number, totalBytes: number) => void,
): Promise<unknown> {
  let file: Blob;
  let field: string | undefined;
  if (body instanceof FormData) {
    const files = [...body.entries()].filter((e): e is [string, File] => e[1] instanceof Blob);
    if (files.length !== 1 || files[0] === undefined)
      throw new Error('A desktop upload sends one file at a time.');
    [field, file] = files[0];
  } else file = body;
  const res = await bridge.upload(
    { method, path, file, ...(field !== undefined && { form_field: field }) },
    (sent, total) => onProgress(sent, total),
  );
  if (res.status >= 200 && res.status < 300) return res.body;
  const b = res.body;
  throw new Error(
    b && typeof b === 'object' && 'detail' in b ? String(b.detail) : `HTTP ${res.status}`,
  );
}
