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

interface Listener {
  onEvent(event: unknown): void;
  onStatus(status: StreamStatus): void;
}

/**
 * The browser transport: fetch to the same origin and one WebSocket at `/ws` that reconnects. The
 * socket is shared by every subscriber (the console and the first-run panel): it opens with the
 * first and closes when the last one stops.
 */
export class HttpTransport implements Transport {
  readonly kind = 'http';
  private readonly listeners = new Set<Listener>();
  private socket: WebSocket | null = null;
  private status: StreamStatus = 'polling';
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;

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
    const listener: Listener = { onEvent, onStatus };
    this.listeners.add(listener);
    onStatus(this.status);
    if (this.listeners.size === 1) this.connect();
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      clearTimeout(this.retryTimer);
      const ws = this.socket;
      this.socket = null;
      this.status = 'polling';
      ws?.close();
    };
  }

  reconnect(): void {
    if (this.listeners.size === 0) return;
    this.attempt = 0;
    const old = this.socket;
    this.socket = null;
    old?.close();
    this.connect();
  }

  private setStatus(status: StreamStatus): void {
    this.status = status;
    for (const l of [...this.listeners]) l.onStatus(status);
  }

  private connect(): void {
    clearTimeout(this.retryTimer);
    if (this.listeners.size === 0) return;
    const token = tokenStore.get();
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${proto}//${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    const ws = new WebSocket(url);
    this.socket = ws;
    ws.onopen = () => {
      if (this.socket !== ws) return;
      this.attempt = 0;
      // The default topics leave out node_metrics, which the node charts follow.
      ws.send(JSON.stringify({ type: 'subscribe', topics: APP_EVENT_TYPES }));
      this.setStatus('live');
    };
    ws.onmessage = (msg: MessageEvent<unknown>) => {
      if (this.socket !== ws || typeof msg.data !== 'string') return;
      let event: unknown;
      try {
        event = JSON.parse(msg.data);
      } catch {
        // A frame that is not JSON carries nothing the console can use.
        return;
      }
      for (const l of [...this.listeners]) {
        try {
          l.onEvent(event);
        } catch (err) {
          // One subscriber's failure is reported, and the others still get the event.
          reportError(err);
        }
      }
    };
    ws.onclose = () => {
      // A socket replaced by `reconnect` or closed by the last unsubscribe says nothing.
      if (this.socket !== ws) return;
      this.socket = null;
      this.setStatus('polling');
      this.retryTimer = setTimeout(() => this.connect(), reconnectDelayMs(this.attempt++));
    };
  }
}
