import { createServer, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The timeouts of both servers (README "Security and limits"). On a LAN a client sends its headers
 * in milliseconds; a client that takes seconds is broken or hostile and holds a connection, so
 * the limits are short wherever no legitimate request needs more.
 */
export const SERVER_TIMEOUTS = {
  /** Request headers must be complete this long after the request started. */
  headersMs: 10_000,
  /** A whole control-plane request (headers and body) must have arrived within this. */
  requestMs: 60_000,
  /** The agent's bound for a whole request: one model file or archive upload is many GB. */
  agentRequestMs: 6 * 60 * 60_000,
  /** An upload body that sends nothing for this long is cut off. */
  uploadStallMs: 60_000,
  /** An idle keep-alive connection is closed after this (longer than common client pools' 60 s). */
  keepAliveMs: 65_000,
  /** How often Node checks the header and request deadlines (its default, 30 s, let a slow client stay 68 s). */
  checkEveryMs: 1_000,
} as const;

function duration(ms: number): string {
  return ms >= 3_600_000 ? `${ms / 3_600_000} h` : `${ms / 1000} s`;
}

/** Answers a request Node could not parse (or that timed out) in JSON and closes the connection. */
function clientErrorAnswer(requestTimeoutMs: number) {
  const errors: Record<string, [status: string, detail: string]> = {
    ERR_HTTP_REQUEST_TIMEOUT: [
      '408 Request Timeout',
      `The request did not arrive in time: headers are allowed ${duration(SERVER_TIMEOUTS.headersMs)}, a whole request ${duration(requestTimeoutMs)}.`,
    ],
    HPE_HEADER_OVERFLOW: [
      '431 Request Header Fields Too Large',
      'The request headers are larger than 16 KiB.',
    ],
  };
  return (err: Error & { code?: string }, socket: Duplex): void => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const [status, detail] = errors[err.code ?? ''] ?? [
      '400 Bad Request',
      'The request is not valid HTTP/1.1.',
    ];
    const body = JSON.stringify({ detail });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}

/**
 * A node:http server with the timeouts of `SERVER_TIMEOUTS` (`requestTimeoutMs` for a whole
 * request) that answers unparsable requests and timeouts itself, in JSON.
 */
export function createTimedServer(handler: RequestListener, requestTimeoutMs: number): Server {
  const server = createServer(
    {
      keepAliveTimeout: SERVER_TIMEOUTS.keepAliveMs,
      headersTimeout: SERVER_TIMEOUTS.headersMs,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: SERVER_TIMEOUTS.checkEveryMs,
    },
    handler,
  );
  server.on('clientError', clientErrorAnswer(requestTimeoutMs));
  // Neither server is a proxy: a CONNECT would otherwise hold its connection open, unanswered.
  server.on('connect', (_req: unknown, socket: Duplex) => {
    const body = JSON.stringify({ detail: 'CONNECT is not supported: this is not a proxy.' });
    socket.end(
      `HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

/** Listens and resolves with the bound port; rejects with the listen error (e.g. EADDRINUSE). */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts the rest. */
export function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
