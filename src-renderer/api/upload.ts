// Byte uploads with progress. The JSON transports cannot carry a file body, so uploads go
// straight to the serving origin with XMLHttpRequest (fetch reports no upload progress).
import { tokenStore } from './token-store.js';

/** Bytes sent so far of the current file. */
export type OnProgress = (sentBytes: number) => void;

/** Sends `body` with `method` to `path` (same origin); resolves with the parsed JSON answer. */
export function uploadBytes(
  method: 'PUT' | 'POST',
  path: string,
  body: Blob,
  onProgress: OnProgress,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    const token = tokenStore.get();
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () => reject(new Error(`upload to ${path} failed (network error)`));
    xhr.onload = () => {
      let parsed: unknown = xhr.responseText;
      try {
        parsed = JSON.parse(xhr.responseText) as unknown;
      } catch {
        // Not JSON: keep the text as the detail.
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(parsed);
      else {
        const detail =
          parsed && typeof parsed === 'object' && 'detail' in parsed
            ? String(parsed.detail)
            : `HTTP ${xhr.status}`;
        reject(new Error(detail));
      }
    };
    xhr.send(body);
  });
}

/** True in a browser served by `aerie serve` (uploads need an HTTP origin). */
export const canUpload = () => location.protocol === 'http:' || location.protocol === 'https:';
