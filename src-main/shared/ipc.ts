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
  platform: string;
}
