// The classic hostile-input corpus of the fuzz suite: bad JSON, wrong types, huge numbers, NUL and
// unicode, 1 MB strings, depth 10,000, traversal in every name and path, bad encodings, truncated
// multipart. Every traversal aims at a file named after `marker`, so the suite can look for it
// outside the data dirs afterwards.
import { gzipSync } from 'node:zlib';

const MB = 1024 * 1024;

/** Values put in place of one JSON field: wrong types, extremes, hostile strings. */
export function hostileValues(marker: string): unknown[] {
  return [
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    2 ** 53 + 2,
    '',
    'a\u0000b',
    '\u0000',
    'line\nbreak\r\n',
    '\u001b[31mred',
    '\uD800',
    '😀'.repeat(300),
    '\u202Egnp.exe',
    'x'.repeat(MB),
    `../../../../../../../../tmp/${marker}`,
    `/tmp/${marker}`,
    `..\\..\\${marker}`,
    `C:\\${marker}`,
    '%00',
    '%2e%2e%2f',
    '${jndi:ldap://x}',
    "'; DROP TABLE deployments; --",
    [],
    [null, 'a\u0000'],
    {},
    JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
    nested(70),
    DEEP_TOKEN,
  ];
}

/** Stands for a value nested 10,000 deep: spliced into the JSON text, as no encoder would nest it. */
export const DEEP_TOKEN = '\u0000aerie-fuzz-deep\u0000';
export const DEEP_JSON = `${'{"a":['.repeat(5_000)}1${']}'.repeat(5_000)}`;

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Raw (already URL-encoded or deliberately not) strings for a path segment. */
export function hostileSegments(marker: string): string[] {
  return [
    '..',
    '.',
    '%2e%2e',
    `..%2F..%2F..%2F..%2Ftmp%2F${marker}`,
    `%2e%2e%2f%2e%2e%2f${marker}`,
    `..%5C..%5C${marker}`,
    '%00',
    `a%00${marker}`,
    '%',
    '%ff',
    '%zz',
    '%C0%AF',
    '%F0%9F%98%80',
    'x'.repeat(5000),
    '-1',
    '0',
    '1e999',
    '9999999999999999999999',
    'sha256:',
    '%20',
    ';x=1',
  ];
}

/** Raw query-string values (placed after `name=` as they are). */
export function hostileQueryValues(marker: string): string[] {
  return [
    '',
    '%00',
    `..%2F..%2F..%2Ftmp%2F${marker}`,
    `%2Ftmp%2F${marker}`,
    '%',
    '%ff',
    'x'.repeat(8000),
    '-1',
    '1e308',
    'NaN',
    '[]',
    '%0d%0aSet-Cookie:%20x=1',
  ];
}

/** A whole JSON body replaced: what it is, the bytes, and headers that go with it. */
export interface RawBody {
  what: string;
  body: Buffer;
  headers?: Record<string, string>;
  /** Declares more than it sends and half-closes. */
  truncate?: boolean;
}

const json = { 'Content-Type': 'application/json' };

/** Hostile bodies for a JSON route. */
export function hostileJsonBodies(marker: string): RawBody[] {
  const b = (what: string, text: string | Buffer, headers: Record<string, string> = json) => ({
    what,
    body: typeof text === 'string' ? Buffer.from(text, 'utf8') : text,
    headers,
  });
  return [
    b('empty', ''),
    b('an unclosed object', '{"a":'),
    b('trailing garbage', '{}garbage'),
    b('a byte-order mark', '\uFEFF{}'),
    b('NaN', '{"a":NaN}'),
    b('an overflowing number', '{"a":1e999999}'),
    b('a string', '"hello"'),
    b('a number', '123'),
    b('null', 'null'),
    b('an array', '[]'),
    b('arrays 10,000 deep', `${'['.repeat(10_000)}${']'.repeat(10_000)}`),
    b('objects 10,000 deep', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`),
    b('__proto__', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
    b('a 1 MB string', JSON.stringify({ name: 'x'.repeat(MB) })),
    b('over 1 MiB', JSON.stringify({ blob: 'x'.repeat(MB + 16) })),
    b('invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
    b('lone surrogates', '{"a":"\\ud800\\udc00\\udfff"}'),
    b(
      'a traversal in every string',
      JSON.stringify({
        name: `../../../../tmp/${marker}`,
        path: `/tmp/${marker}`,
        key: `../${marker}:1`,
      }),
    ),
    b('text/plain JSON', '{}', { 'Content-Type': 'text/plain' }),
    b('no content type', '{}', {}),
    b('UTF-16', '{}', { 'Content-Type': 'application/json; charset=utf-16' }),
    b('gzip that is not', '{}', { ...json, 'Content-Encoding': 'gzip' }),
    b('real gzip', gzipSync('{}'), { ...json, 'Content-Encoding': 'gzip' }),
    b('deflate', '{}', { ...json, 'Content-Encoding': 'deflate' }),
    { what: 'a body cut short', body: Buffer.from('{"name":"x'), headers: json, truncate: true },
  ];
}

/** Hostile bodies for a raw (octet-stream) upload route. */
export function hostileBinaryBodies(): RawBody[] {
  const b = (what: string, body: Buffer, headers: Record<string, string> = {}) => ({
    what,
    body,
    headers,
  });
  return [
    b('empty', Buffer.alloc(0)),
    b('garbage', Buffer.from('not an archive at all')),
    b('a zip header only', Buffer.from('PK\x03\x04\x14\x00\x00\x00', 'latin1')),
    b('a gzip header only', Buffer.from([0x1f, 0x8b, 0x08, 0x00])),
    b('gzip of garbage', gzipSync(Buffer.from('not a tar file'.repeat(100)))),
    b('a JSON body', Buffer.from('{}'), json),
    b('gzip encoded', gzipSync(Buffer.from('abc')), { 'Content-Encoding': 'gzip' }),
    { what: 'a body cut short', body: Buffer.from('abc'), truncate: true },
  ];
}

/** Hostile bodies for the multipart upload route. */
export function hostileMultipart(marker: string): RawBody[] {
  const mp = { 'Content-Type': 'multipart/form-data; boundary=B' };
  const part = (filename: string, data = 'x', name = 'file') =>
    `--B\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n${data}`;
  const b = (what: string, text: string | Buffer, headers: Record<string, string> = mp) => ({
    what,
    body: typeof text === 'string' ? Buffer.from(text, 'latin1') : text,
    headers,
  });
  return [
    b('no closing boundary', part('x.whl')),
    b('only a delimiter', '--B'),
    b('headers that never end', part('x.whl').slice(0, -4)),
    b('part headers over 16 KiB', `--B\r\nX: ${'h'.repeat(20_000)}`),
    b('no file field', `${part('x.whl', 'x', 'other')}\r\n--B--\r\n`),
    b('a traversal file name', `${part(`../../../../tmp/${marker}.whl`)}\r\n--B--\r\n`),
    b('a NUL in the file name', `${part('x\u0000.whl')}\r\n--B--\r\n`),
    b('a 300-character file name', `${part(`${'f'.repeat(296)}.whl`)}\r\n--B--\r\n`),
    b('garbage after a delimiter', `${part('x.whl')}\r\n--Bxx`),
    b('an archive part of garbage', `${part('x.tar.gz', 'garbage')}\r\n--B--\r\n`),
    b('a zip part of garbage', `${part('x.zip', 'PK\x03\x04')}\r\n--B--\r\n`),
    b('no boundary', part('x.whl'), { 'Content-Type': 'multipart/form-data' }),
    b('a 100-character boundary', part('x.whl'), {
      'Content-Type': `multipart/form-data; boundary=${'b'.repeat(100)}`,
    }),
    b('not multipart', '{}', json),
    {
      what: 'a body cut short',
      body: Buffer.from(part('x.whl', 'x'.repeat(1000))),
      headers: mp,
      truncate: true,
    },
  ];
}

/** Header-level hostility sent to every route: credentials, sizes, methods, framing. */
export interface HeaderCase {
  what: string;
  headers: Record<string, string>;
  method?: string;
  /** Drop the credentials the suite would otherwise send. */
  anonymous?: boolean;
}

export function hostileHeaders(): HeaderCase[] {
  return [
    { what: 'no credentials', headers: {}, anonymous: true },
    { what: 'a wrong token', headers: { Authorization: 'Bearer wrong-token' }, anonymous: true },
    { what: 'a basic credential', headers: { Authorization: 'Basic YTpi' }, anonymous: true },
    { what: 'a 20 KB header', headers: { 'X-Big': 'h'.repeat(20_000) } },
    { what: 'an unknown method', headers: {}, method: 'FROB' },
    { what: 'chunked garbage', headers: { 'Transfer-Encoding': 'chunked' } },
  ];
}

/** Whole requests that are broken at the framing level: request lines, versions, lengths. */
export function hostileFraming(marker: string): { what: string; bytes: string }[] {
  const h = 'Host: x\r\n';
  return [
    { what: 'an absolute-form target', bytes: `GET http://x/health HTTP/1.1\r\n${h}\r\n` },
    { what: 'an invalid absolute-form target', bytes: `GET http://[ HTTP/1.1\r\n${h}\r\n` },
    { what: 'an asterisk target', bytes: `GET * HTTP/1.1\r\n${h}\r\n` },
    { what: 'CONNECT', bytes: `CONNECT x:443 HTTP/1.1\r\n${h}\r\n` },
    { what: 'HTTP/1.0', bytes: `GET /health HTTP/1.0\r\n\r\n` },
    { what: 'HTTP/2.0 in a request line', bytes: `GET /health HTTP/2.0\r\n${h}\r\n` },
    { what: 'a lowercase method', bytes: `get /health HTTP/1.1\r\n${h}\r\n` },
    { what: 'a NUL in the target', bytes: `GET /he\u0000alth HTTP/1.1\r\n${h}\r\n` },
    { what: 'a header without a colon', bytes: `GET /health HTTP/1.1\r\n${h}Broken\r\n\r\n` },
    {
      what: 'Content-Length and Transfer-Encoding',
      bytes: `POST /health HTTP/1.1\r\n${h}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    },
    {
      what: 'two different Content-Lengths',
      bytes: `POST /health HTTP/1.1\r\n${h}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`,
    },
    {
      what: 'a bad chunk size',
      bytes: `POST /health HTTP/1.1\r\n${h}Transfer-Encoding: chunked\r\n\r\nzz\r\n`,
    },
    { what: 'a 20 KB target', bytes: `GET /${'a'.repeat(20_000)} HTTP/1.1\r\n${h}\r\n` },
    { what: 'a doubled slash', bytes: `GET //tmp/${marker} HTTP/1.1\r\n${h}\r\n` },
    {
      what: 'encoded dot segments',
      bytes: `GET /%2e%2e/%2e%2e/tmp/${marker} HTTP/1.1\r\n${h}\r\n`,
    },
    { what: 'a raw non-ASCII target', bytes: `GET /\u00e9\u00e8 HTTP/1.1\r\n${h}\r\n` },
  ];
}
