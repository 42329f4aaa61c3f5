import type { AerieBridge, IpcRequest, IpcResponse } from '../../src-main/shared/ipc.js';
import type { StreamStatus, Transport } from './transport.js';

/** The desktop transport: every request and event goes through the preload bridge. */
export class IpcTransport implements Transport {
  readonly kind = 'ipc';

  constructor(private readonly bridge: AerieBridge) {}

  request(req: IpcRequest): Promise<IpcResponse> {
    return this.bridge.request(req);
  }

  subscribe(
    onEvent: (event: unknown) => void,
    onStatus: (status: StreamStatus) => void,
  ): () => void {
    // IPC events cannot drop: the main process queues them until this listener exists.
    const off = this.bridge.onEvent(onEvent);
    onStatus('live');
    return off;
  }

  reconnect(): void {
    // Nothing to reconnect: IPC is not authenticated by token.
  }
}
