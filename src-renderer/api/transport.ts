import type { IpcRequest, IpcResponse } from '../../src-main/shared/ipc.js';

/** Whether events arrive pushed (`live`) or the console has to poll for changes. */
export type StreamStatus = 'live' | 'polling';

/** How the console reaches the control plane: IPC in the desktop app, HTTP + WebSocket in a browser. */
export interface Transport {
  readonly kind: 'ipc' | 'http';
  request(req: IpcRequest): Promise<IpcResponse>;
  /** Starts the event stream; returns the function that stops it. */
  subscribe(
    onEvent: (event: unknown) => void,
    onStatus: (status: StreamStatus) => void,
  ): () => void;
  /** Reconnects the event stream at once (after the admin token changed). */
  reconnect(): void;
}
