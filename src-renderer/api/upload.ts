// Byte uploads with progress. The JSON transports cannot carry a file body: in a browser uploads
// go straight to the serving origin with XMLHttpRequest (fetch reports no upload progress); in the
// desktop window the bridge names the picked file and the main process streams it from disk.
import { uploadThroughBridge } from '../../src-main/shared/bridge-upload.js';
import { tokenStore } from './token-store.js';

/** Bytes of the body sent so far, and the body's size when the browser knows it. */
export type OnProgress = (sentBytes: number, totalBytes: number | null) => void;

/**
 * Sends `body` with `method` to `path` (same origin): a Blob as raw bytes, FormData as multipart.
 * Resolves with the parsed JSON answer; rejects with the server's `detail` on an error status.
 */
export function uploadBytes(
  method: 'PUT' | 'POST',
  path: string,
  body: Blob | FormData,
  onProgress: OnProgress,
): Promise<unknown> {
  if (window.aerie) return uploadThroughBridge(window.aerie, method, path, body, onProgress);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    const token = tokenStore.get();
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    // FormData sets its own multipart type with the boundary.
    if (body instanceof Blob) xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : null);
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

/** True in the desktop window and in a browser served by `aerie serve`. */
export const canUpload = () =>
  window.aerie !== undefined || location.protocol === 'http:' || location.protocol === 'https:';
