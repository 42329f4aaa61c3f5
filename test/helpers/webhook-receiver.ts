import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers its n-th request (0-based): a status, or `hang` (never answers). */
export type ReceiverAnswer = number | 'hang';

/** A webhook receiver on loopback that records every request and answers as scripted. */
export interface WebhookReceiver {
  readonly base: string;
  readonly received: ReceivedHook[];
  /** Requests being held open by `hang`. */
  readonly hanging: number;
  /** Replaces the script; the default answers 200 to everything. */
  answer(fn: (index: number, hook: ReceivedHook) => ReceiverAnswer): void;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 and a free port. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const held = new Set<ServerResponse>();
  let script: (index: number, hook: ReceivedHook) => ReceiverAnswer = () => 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hook = {
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const answer = script(received.length, hook);
      received.push(hook);
      if (answer === 'hang') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      res.writeHead(answer, { 'content-type': 'text/plain' });
      res.end(answer >= 400 ? `receiver says ${answer}` : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    get hanging() {
      return held.size;
    },
    answer(fn) {
      script = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
