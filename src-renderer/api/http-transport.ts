import { APP_EVENT_TYPES } from '../../src-main/shared/events.js';
import type { IpcRequest, IpcResponse } from '../../src-main/shared/ipc.js';
import { reconnectDelayMs } from './backoff.js';
import { tokenStore } from './token-store.js';
import type { StreamStatus, Transport } from './transport.js';

function buildUrl(req: IpcRequest): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query ?? {})) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${req.path}?${qs}` : req.path;
}

/** The browser transport: fetch to the same origin and a WebSocket at `/ws` that reconnects. */
export class HttpTransport implements Transport {
  readonly kind = 'http';
  private socket: WebSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private connectNow: (() => void) | null = null;

  async request(req: IpcRequest): Promise<IpcResponse> {
    const headers: Record<string, string> = {};
    const token = tokenStore.get();
    if (token) headers.authorization = `Bearer ${token}`;
    const hasBody = req.body !== undefined && req.method !== 'GET';
    if (hasBody) headers['content-type'] = 'application/json';
    const res = await fetch(buildUrl(req), {
      method: req.method,
      headers,
      ...(hasBody ? { body: JSON.stringify(req.body) } : {}),
    });
    const out: Record<string, string> = {};
    res.headers.forEach((value, key) => (out[key] = value));
    const text = await res.text();
    const isJson = (out['content-type'] ?? '').includes('application/json') && text.length > 0;
    return {
      status: res.status,
      headers: out,
      body: isJson ? (JSON.parse(text) as unknown) : text,
    };
  }

  subscribe(
    onEvent: (event: unknown) => void,
    onStatus: (status: StreamStatus) => void,
  ): () => void {
    let stopped = false;
    const connect = () => {
      clearTimeout(this.retryTimer);
      if (stopped) return;
      const token = tokenStore.get();
      const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const url = `${proto}//${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
      const ws = new WebSocket(url);
      this.socket = ws;
      ws.onopen = () => {
        this.attempt = 0;
        // The default topics leave out node_metrics, which the node charts follow.
        ws.send(JSON.stringify({ type: 'subscribe', topics: APP_EVENT_TYPES }));
        onStatus('live');
      };
      ws.onmessage = (msg: MessageEvent<unknown>) => {
        if (typeof msg.data !== 'string') return;
        try {
          onEvent(JSON.parse(msg.data));
        } catch {
          // A frame that is not JSON carries nothing the console can use.
        }
      };
      ws.onclose = () => {
        if (this.socket !== ws) return;
        this.socket = null;
        onStatus('polling');
        if (stopped) return;
        this.retryTimer = setTimeout(connect, reconnectDelayMs(this.attempt++));
      };
    };
    this.connectNow = () => {
      this.attempt = 0;
      const old = this.socket;
      this.socket = null;
      old?.close();
      connect();
    };
    onStatus('polling');
    connect();
    return () => {
      stopped = true;
      clearTimeout(this.retryTimer);
      this.connectNow = null;
      const ws = this.socket;
      this.socket = null;
      ws?.close();
    };
  }

  reconnect(): void {
    this.connectNow?.();
  }
}
