import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { sendJson } from '../shared/node/http-errors.js';
import { createTimedServer, SERVER_TIMEOUTS } from '../shared/node/http-listen.js';
import type { Duplex } from 'node:stream';

/** A plain Node request handler (the gateway's shape: no Express on the hot path). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpServerParts {
  /** Express (everything that is not `/v1` or a `/ws` upgrade). */
  rest: RequestHandler;
  /** The OpenAI-compatible gateway for `/v1/*`. */
  gateway: RequestHandler;
  /** Upgrade handler for `/ws`. */
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

function isGatewayPath(url: string | undefined): boolean {
  return url !== undefined && (url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?'));
}

/** Routes one request to the gateway or to Express; also used by the IPC bridge's injection. */
export function dispatcher(parts: Pick<HttpServerParts, 'rest' | 'gateway'>): RequestHandler {
  return (req, res) => {
    // An absolute-form target (`GET http://host/x`) is for proxies, and Express cannot parse every one.
    if (!(req.url ?? '/').startsWith('/')) {
      sendJson(
        res,
        400,
        { detail: 'The request target must be a path starting with /.' },
        {
          connection: 'close',
        },
      );
      return;
    }
    if (isGatewayPath(req.url)) parts.gateway(req, res);
    else parts.rest(req, res);
  };
}

/** One Node HTTP server: `/ws` upgrades to the hub, `/v1/*` to the gateway, the rest to Express. */
export function createHttpServer(parts: HttpServerParts): Server {
  const server = createTimedServer(dispatcher(parts), SERVER_TIMEOUTS.requestMs);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/ws' || path === '/ws/') parts.upgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  return server;
}

export { closeServer, listen } from '../shared/node/http-listen.js';
