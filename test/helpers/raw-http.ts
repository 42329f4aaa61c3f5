// Byte-exact HTTP/1.1 over a plain socket, for hostile-input tests: malformed request lines and
// headers, bodies shorter or longer than declared, and connections cut mid-body, none of which
// fetch or node:http would send.
import { connect, type Socket } from 'node:net';

/** What the server sent back on one raw connection. */
export interface RawReply {
  /** The status code, or 0 when the server closed the connection without answering. */
  status: number;
  headers: Record<string, string>;
  /** The body as text (JSON parsed into `json` when it is JSON). */
  text: string;
  json: unknown;
  /** True when the server closed the connection (after answering or not). */
  closed: boolean;
}

export interface RawOptions {
  /**
   * After writing: `wait` keeps the socket open for the answer (default), `end` half-closes it,
   * `destroy` cuts the connection at once (a client that went away mid-body).
   */
  then?: 'wait' | 'end' | 'destroy';
  /** Resolves with what arrived so far (status 0 if nothing) after this long (default 10 s). */
  timeoutMs?: number;
}

function parse(buf: Buffer, closed: boolean): RawReply | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return closed ? empty(closed) : null;
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const body = buf.subarray(end + 4);
  const length = headers['content-length'];
  let payload: Buffer;
  if (length !== undefined) {
    if (body.length < Number(length)) return closed ? reply(status, headers, body, closed) : null;
    payload = body.subarray(0, Number(length));
  } else if (headers['transfer-encoding'] === 'chunked') {
    const decoded = dechunk(body);
    if (decoded === null) return closed ? reply(status, headers, body, closed) : null;
    payload = decoded;
  } else {
    if (!closed && status !== 204 && status !== 304) return null;
    payload = body;
  }
  return reply(status, headers, payload, closed);
}

function dechunk(body: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) return null;
    const size = parseInt(body.toString('latin1', at, eol), 16);
    if (!Number.isFinite(size)) return null;
    if (size === 0) return Buffer.concat(parts);
    if (body.length < eol + 2 + size + 2) return null;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

function reply(
  status: number,
  headers: Record<string, string>,
  body: Buffer,
  closed: boolean,
): RawReply {
  const text = body.toString('utf8');
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON.
  }
  return { status, headers, text, json, closed };
}

const empty = (closed: boolean): RawReply => ({
  status: 0,
  headers: {},
  text: '',
  json: undefined,
  closed,
});

/**
 * Opens a connection to `base`, writes `bytes` exactly as given (a whole request, or the start of
 * one), then waits for the answer, half-closes or cuts the connection as `opts.then` says.
 */
export function sendRaw(
  base: string,
  bytes: Buffer | string,
  opts: RawOptions = {},
): Promise<RawReply> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const socket: Socket = connect(Number(url.port), url.hostname);
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (r: RawReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => finish(parse(buf, true) ?? empty(false)),
      opts.timeoutMs ?? 10_000,
    );
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const r = parse(buf, false);
      if (r) finish(r);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(parse(buf, true) ?? empty(true)));
    socket.write(bytes, () => {
      if (opts.then === 'end') socket.end();
      if (opts.then === 'destroy') finish(empty(false));
    });
  });
}

/** A request head: request line, `headers` (plus Host), blank line. */
export function head(method: string, path: string, headers: Record<string, string> = {}): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A whole request with `body` and its Content-Length. */
export function rawRequestBytes(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | string = '',
): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([
    Buffer.from(head(method, path, { ...headers, 'Content-Length': String(b.length) })),
    b,
  ]);
}
