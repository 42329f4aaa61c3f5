import WebSocket from 'ws';

/** JSON request helper: returns status, parsed body and headers. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A connected `/ws` client collecting every frame it receives. */
export async function wsClient(
  base: string,
  opts: WebSocket.ClientOptions = {},
): Promise<{ ws: WebSocket; messages: Record<string, unknown>[] }> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`, opts);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (d: Buffer) =>
    messages.push(JSON.parse(d.toString('utf8')) as Record<string, unknown>),
  );
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  return { ws, messages };
}
