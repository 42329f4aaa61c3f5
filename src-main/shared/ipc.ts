import { z } from 'zod';

/** The one request shape the preload bridge accepts: an HTTP request into the REST router. */
export const IpcRequestSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    path: z
      .string()
      .min(1)
      .max(2048)
      .regex(/^\/(?!\/)[^\s#]*$/, 'path must start with a single / and hold no spaces'),
    query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    body: z.unknown().optional(),
  })
  .strict();
export type IpcRequest = z.infer<typeof IpcRequestSchema>;

export interface IpcResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export const IPC_REQUEST_CHANNEL = 'aerie:request';
export const IPC_EVENT_CHANNEL = 'aerie:event';
export const IPC_READY_CHANNEL = 'aerie:ready';

/** What the preload script exposes as `window.aerie`. */
export interface AerieBridge {
  request(req: IpcRequest): Promise<IpcResponse>;
  onEvent(cb: (event: unknown) => void): () => void;
  /**
   * Sends a file the user picked to a node upload route; the main process reads it from disk.
   * `onProgress` hears the file bytes sent so far.
   */
  upload(
    req: { method: 'PUT' | 'POST'; path: string; file: Blob; form_field?: string },
    onProgress: (sent: number, total: number) => void,
  ): Promise<IpcResponse>;
  platform: string;
}

/** The routes a desktop upload may send a file to: the node file uploads, nothing else. */
const UPLOAD_PATH =
  /^\/api\/nodes\/\d+\/(local-models\/upload\/[A-Za-z0-9_-]+\/file\?path=[^\s#]+|local-models\/archive\?[^\s#]+|packages\/upload)$/;

/**
 * One desktop upload: the file the user picked (a path on this machine, found by the preload from
 * the picked `File`), sent raw or as the multipart field `form_field` to an upload route.
 */
export const FileUploadRequestSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'id must be 1-64 letters, digits, - or _'),
    method: z.enum(['PUT', 'POST']),
    path: z.string().max(4096).regex(UPLOAD_PATH, 'path must be a node file upload route'),
    file: z.string().min(1).max(4096),
    form_field: z
      .string()
      .regex(/^[a-z_]{1,32}$/)
      .optional(),
  })
  .strict();
export type FileUploadRequest = z.infer<typeof FileUploadRequestSchema>;

/** Bytes of one upload sent so far, on `IPC_UPLOAD_PROGRESS_CHANNEL`. */
export interface FileUploadProgress {
  id: string;
  sent: number;
  total: number;
}

export const IPC_UPLOAD_CHANNEL = 'aerie:upload';
export const IPC_UPLOAD_PROGRESS_CHANNEL = 'aerie:upload-progress';
