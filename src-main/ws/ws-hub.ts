import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventBus } from '../events/event-bus.js';
import { isAdminAllowed, type AccessPolicy } from '../http/middleware/auth.js';
import { createLogger } from '../logging/logger.js';
import {
  DEFAULT_TOPICS,
  WsClientFrameSchema,
  type AppEvent,
  type AppEventType,
  type WsSubscribedFrame,
} from '../shared/events.js';

const log = createLogger('ws');

export interface WsHubOptions {
  access: AccessPolicy;
  /** How often peers are pinged; a peer that missed the previous pong is closed. */
  pingIntervalMs?: number;
  /** A client whose unsent data exceeds this is dropped instead of buffered without bound. */
  maxBufferedBytes?: number;
}

interface Client {
  ws: WebSocket;
  topics: Set<AppEventType>;
  alive: boolean;
}

/** The `/ws` endpoint: authenticates upgrades and fans bus events out to subscribed clients. */
export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly clients = new Set<Client>();
  private readonly pingTimer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly maxBuffered: number;

  constructor(
    bus: EventBus,
    private readonly opts: WsHubOptions,
  ) {
    this.maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
    this.unsubscribe = bus.onAny((e) => this.broadcast(e));
    this.pingTimer = setInterval(() => this.heartbeat(), opts.pingIntervalMs ?? 30_000);
    this.pingTimer.unref();
  }

  /** Number of connected clients. */
  get size(): number {
    return this.clients.size;
  }

  /** Handles an HTTP upgrade for `/ws`; answers 401 to a caller outside the access policy. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const queryToken = url.searchParams.get('token');
    const authorization =
      req.headers.authorization ?? (queryToken ? `Bearer ${queryToken}` : undefined);
    if (!isAdminAllowed(this.opts.access, req.socket.remoteAddress, authorization)) {
      const body = JSON.stringify({ detail: 'Admin token required from this network.' });
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws));
  }

  private attach(ws: WebSocket): void {
    const client: Client = { ws, topics: new Set(DEFAULT_TOPICS), alive: true };
    this.clients.add(client);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data) => {
      let frame: unknown;
      try {
        frame = JSON.parse(
          Buffer.isBuffer(data)
            ? data.toString('utf8')
            : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'),
        );
      } catch {
        return;
      }
      const parsed = WsClientFrameSchema.safeParse(frame);
      if (!parsed.success) return;
      client.topics = new Set(parsed.data.topics);
      const ack: WsSubscribedFrame = { type: 'subscribed', topics: [...client.topics] };
      ws.send(JSON.stringify(ack));
    });
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => this.clients.delete(client));
  }

  private broadcast(event: AppEvent): void {
    let frame: string | undefined;
    for (const c of this.clients) {
      if (!c.topics.has(event.type)) continue;
      if (c.ws.bufferedAmount > this.maxBuffered) {
        this.drop(c, 'send buffer over limit');
        continue;
      }
      frame ??= JSON.stringify(event);
      c.ws.send(frame);
    }
  }

  private drop(c: Client, reason: string): void {
    log.warn('dropping websocket client', { reason, buffered: c.ws.bufferedAmount });
    this.clients.delete(c);
    c.ws.terminate();
  }

  private heartbeat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        this.drop(c, 'no pong');
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }

  /** Closes every client and stops the heartbeat. */
  close(): void {
    clearInterval(this.pingTimer);
    this.unsubscribe();
    for (const c of this.clients) c.ws.close(1001, 'server shutting down');
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    this.wss.close();
  }
}
