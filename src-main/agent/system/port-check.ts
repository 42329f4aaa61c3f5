import { createServer } from 'node:net';

/** True when `port` can be bound on 0.0.0.0 right now (Node sets SO_REUSEADDR, like the reference). */
export function isPortAvailable(port: number, host = '0.0.0.0'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}
